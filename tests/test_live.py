"""The live loop driven headless by the replay source: live and exercise sessions, the safety
screen, a source that stops, the on_update hand-over and `analyze --video`."""

import json

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from breathcam.live import run_live  # noqa: E402
from breathcam.simulate.waveform import simulate_breathing  # noqa: E402
from breathcam.types import BreathcamError  # noqa: E402

CONTRACT_KEYS = {"version", "source", "duration_s", "rate_bpm", "rate_series", "breaths", "holds", "pattern", "quality", "feedback"}


def shared_clip(tmp_path_factory):
    """24 s at 12/min, small and 15 frames/s so the suite stays fast; MJPG so a truncated copy
    still decodes up to its cut.  Rendered once per test session (test_window uses it too)."""
    from breathcam.simulate.render import render_clip, truth_path

    path = tmp_path_factory.getbasetemp() / "clips" / "live12.avi"
    if not path.exists():
        b = simulate_breathing(duration_s=24, rate_bpm=12, seed=21)
        render_clip(b, path, width=320, height=240, fps=15, amplitude_px=4.0, codec="MJPG", seed=21)
    return path, json.loads(truth_path(path).read_text())


def overlay_layout(path, *, frames=None):
    """The overlay's layout on ``path`` as the live loop draws it after ``frames`` frames (all
    when None): the parts are placed beside the torso regions, so they are located first."""
    from breathcam.capture.frontend import FrontEnd
    from breathcam.capture.video import open_source
    from breathcam.overlay.draw import layout

    with FrontEnd() as fe, open_source(str(path)) as src:
        for i, frame in enumerate(src):
            if frames is not None and i >= frames:
                break
            fe.step(frame)
            size = frame.image.shape[1], frame.image.shape[0]
        return layout(*size, regions=fe.regions)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return shared_clip(tmp_path_factory)


@pytest.fixture(scope="module")
def video_run(clip, tmp_path_factory):
    """`breathcam analyze CLIP --video --json`: the batch analysis, with the overlay video."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]

    def _run_cli(*args):
        env = dict(os.environ, PYTHONPATH=str(root))
        return subprocess.run([sys.executable, "-m", "breathcam", *args], capture_output=True, text=True, timeout=300, env=env, cwd=root)

    out = tmp_path_factory.mktemp("video")
    p = _run_cli("analyze", str(clip[0]), "--video", str(out / "ov.mp4"), "--json", str(out / "ov.json"), "-q")
    return p, out / "ov.mp4", out / "ov.json"


@pytest.fixture(scope="module")
def batch(video_run):
    p, _, out_j = video_run
    assert p.returncode == 0, p.stderr
    return json.loads(out_j.read_text())


def test_live_replay_headless_writes_the_contract_and_agrees_with_batch(clip, batch, run_cli, tmp_path):
    path, truth = clip
    out = tmp_path / "live.json"
    # replayed at 4x its pace (a test-only option): the loop and the replay source are unchanged
    db = tmp_path / "h.sqlite"
    p = run_cli("live", "--source", str(path), "--no-window", "--json", str(out), "--replay-speed", "4",
                "--db", str(db), "--client", "anna", "--note", "rest")
    assert p.returncode == 0, p.stderr
    data = json.loads(out.read_text())
    # the session is in the history, finished, with the same numbers
    from breathcam.report.store import SessionStore

    assert "saved as session 1" in p.stdout
    with SessionStore(db) as store:
        saved, row = store.load_analysis(1)
    assert (row["client"], row["kind"], row["status"], row["notes"]) == ("anna", "live", "complete", "rest")
    assert saved.rate_bpm == pytest.approx(data["rate_bpm"], abs=0.01) and len(saved.breaths) == len(data["breaths"])
    assert CONTRACT_KEYS <= set(data)
    assert "compliance" not in data
    assert batch["rate_bpm"] is not None and data["rate_bpm"] is not None
    assert abs(data["rate_bpm"] - batch["rate_bpm"]) <= 0.5
    assert abs(data["rate_bpm"] - truth["rate_bpm"]) <= 0.5
    assert abs(len(data["breaths"]) - len(batch["breaths"])) <= 1


def test_exercise_box_headless_has_compliance_per_phase(clip, tmp_path):
    from breathcam.report.export import analysis_to_dict

    path, _ = clip
    res = run_live(str(path), window=False, exercise="box", realtime=False, lang="nl")
    data = analysis_to_dict(res.analysis)
    assert CONTRACT_KEYS <= set(data)
    comp = data["compliance"]
    assert set(comp["per_phase"]) == {"inhale", "hold_in", "exhale", "hold_out"}
    assert 0.0 <= comp["score"] <= 1.0
    # 12/min breathing is not box breathing (3.75/min): the score says so
    assert comp["score"] < 0.6
    # feedback in Dutch ("breathe slower" and the like) for the wrong pace
    assert data["feedback"] and all(isinstance(f["message"], str) for f in data["feedback"])


def test_intense_exercise_needs_the_safety_screen(clip, run_cli):
    path, _ = clip
    # no terminal (stdin is not a tty under subprocess) and no window: refused, exit 2
    p = run_cli("exercise", "connected", "--source", str(path), "--no-window")
    assert p.returncode == 2
    assert "safety" in p.stderr and "Traceback" not in p.stderr
    # there is no flag to skip it
    for flag in ("--yes", "--skip-safety", "--force"):
        q = run_cli("exercise", "holdrounds", flag, "--source", str(path), "--no-window")
        assert q.returncode == 2
    # a terminal answer other than yes refuses; nothing is measured
    with pytest.raises(BreathcamError, match="safety"):
        run_live(str(path), window=False, exercise="connected", interactive=True, input_fn=lambda _: "no", output=open("/dev/null", "w"))


def test_confirmed_intense_exercise_runs_and_keeps_the_ack(clip):
    path, _ = clip
    res = run_live(
        str(path), window=False, exercise="connected", cycles=2, realtime=False,
        interactive=True, input_fn=lambda _: "yes", output=open("/dev/null", "w"),
    )
    assert res.safety is not None and res.safety.exercise == "connected"
    # two 3 s cycles: the session ended with the pacer
    assert 5.0 <= res.analysis.duration_s <= 8.0
    assert res.analysis.compliance is not None


def test_a_source_that_stops_keeps_what_was_measured(clip, tmp_path):
    path, _ = clip
    cut = tmp_path / "cut.avi"
    data = path.read_bytes()
    cut.write_bytes(data[: int(0.7 * len(data))])
    updates = []
    res = run_live(str(cut), window=False, realtime=False, on_update=lambda st, a: updates.append((st.t_s, a)))
    a = res.analysis
    assert 10.0 < a.duration_s < 20.0
    assert len(a.breaths) >= 2
    # the hand-over: about once per second while running, then once with the analysis
    assert len(updates) >= 0.7 * a.duration_s
    assert all(x is None for _, x in updates[:-1]) and updates[-1][1] is a


def test_camera_that_is_not_there_is_a_clear_error(run_cli):
    p = run_cli("live", "--camera", "7", "--no-window")
    assert p.returncode == 2
    assert "camera 7" in p.stderr and "Traceback" not in p.stderr


def test_window_without_display_says_use_no_window(clip, run_cli, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    p = run_cli("live", "--source", str(clip[0]))
    assert p.returncode == 2 and "--no-window" in p.stderr


def test_analyze_video_writes_the_overlay(clip, video_run, tmp_path):
    from breathcam.pipeline import analyze_clip

    p, out_v, out_j = video_run
    assert p.returncode == 0, p.stderr
    batch = analyze_clip(clip[0])
    data = json.loads(out_j.read_text())
    assert data["rate_bpm"] == pytest.approx(batch.rate_bpm, abs=0.05)
    cap = cv2.VideoCapture(str(out_v))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    assert n == pytest.approx(24 * 15, abs=3)
    cap.set(cv2.CAP_PROP_POS_FRAMES, n - 5)
    ok, img = cap.read()
    cap.release()
    assert ok
    from breathcam.config import DEFAULT

    wave = overlay_layout(clip[0], frames=n - 4).wave
    x0, y0, x1, y1 = wave.as_int()
    band = img[y0 + 2 : y1, x0:x1].astype(int)
    b, g, r = band[..., 0], band[..., 1], band[..., 2]
    # video compression smears thin lines: test the hues (chest orange, belly cyan), not exact colours
    assert DEFAULT.overlay.chest_bgr[2] > 200 and DEFAULT.overlay.belly_bgr[0] > 200
    orange = (r > g + 40) & (r > b + 80)
    cyan = (b > r + 80) & (g > r + 40)
    for hue in (orange, cyan):
        # the trace runs across the band (the chest line, drawn last, hides part of the belly line)
        assert hue.any(axis=0).mean() > 0.4


def test_killed_live_session_keeps_what_it_had_written(clip, tmp_path):
    """A live session killed (SIGKILL) mid-way keeps the breaths and rate points it had handed on."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    db = tmp_path / "h.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "breathcam", "live", "--source", str(clip[0]), "--no-window", "--db", str(db)],
        cwd=root, env=dict(os.environ, PYTHONPATH=str(root)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    seen_t, seen_breaths = 0.0, 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
            if not db.exists():
                continue
            try:
                with sqlite3.connect(db, timeout=5) as c:
                    seen_t = c.execute("SELECT COALESCE(MAX(t), 0) FROM rate_points").fetchone()[0]
                    seen_breaths = c.execute("SELECT COUNT(*) FROM breaths").fetchone()[0]
            except sqlite3.OperationalError:
                continue  # the schema is being created
            if seen_breaths >= 2 and seen_t >= 12.0:
                break
        assert proc.poll() is None, "the session ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with sqlite3.connect(db) as c:
        status = c.execute("SELECT status FROM sessions").fetchone()[0]
        ts = [r[0] for r in c.execute("SELECT t FROM rate_points ORDER BY t")]
        n_breaths = c.execute("SELECT COUNT(*) FROM breaths").fetchone()[0]
    assert status == "live"  # never finished, but kept
    assert n_breaths >= seen_breaths >= 2
    assert ts[-1] >= seen_t >= 12.0
    assert max(np.diff(ts)) < 2.0  # one point about every second, none lost in between


def test_a_session_that_never_starts_leaves_nothing_in_the_history(clip, run_cli, tmp_path):
    db = tmp_path / "h.sqlite"
    p = run_cli("live", "--source", str(tmp_path / "missing.mp4"), "--no-window", "--db", str(db))
    assert p.returncode == 2 and "not found" in p.stderr
    p = run_cli("exercise", "connected", "--source", str(clip[0]), "--no-window", "--db", str(db))
    assert p.returncode == 2 and "safety" in p.stderr
    assert not db.exists()
