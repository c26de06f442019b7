"""End to end: a rendered clip with exact truth -> `breathcam analyze` -> the JSON contract.

Clips are short and small (320x240) to keep the suite fast; the accuracy benchmark
(benchmarks/accuracy.py) runs the full-size seeded set.
"""

import json

import pytest

from breathcam.simulate.waveform import Truth, simulate_breathing

pytest.importorskip("skimage")

FPS = 20.0


def _iou(a, b):
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


@pytest.fixture(scope="module")
def clip_with_hold(tmp_path_factory):
    from breathcam.simulate.render import render_clip

    out = tmp_path_factory.mktemp("e2e") / "hold.mp4"
    b = simulate_breathing(
        duration_s=50, fs_hz=FPS, rate_bpm=15, irregularity=0.05, holds=[(18, 9, "inhale")], seed=11
    )
    render_clip(b, out, width=320, height=240, fps=FPS, amplitude_px=3.0, seed=11)
    return out


def test_cli_reads_rate_breaths_and_hold(clip_with_hold, run_cli, tmp_path):
    out = tmp_path / "a.json"
    proc = run_cli("analyze", str(clip_with_hold), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "rate:" in proc.stdout
    data = json.loads(out.read_text())
    truth = Truth.read(clip_with_hold.with_suffix(".truth.json"))
    for key in ("rate_bpm", "rate_series", "breaths", "holds", "pattern", "quality", "feedback"):
        assert key in data
    assert data["rate_bpm"] == pytest.approx(truth.rate_bpm, abs=0.5)
    assert abs(len(data["breaths"]) - len(truth.breaths)) <= 1
    assert data["quality"]["pose_found"] > 0.9
    assert len(data["holds"]) == 1
    (th,) = truth.holds
    h = data["holds"][0]
    assert h["after"] == "inhale"
    assert _iou((th.start, th.end), (h["start"], h["end"])) >= 0.6
    # every breath lines up with a true breath
    starts = [b.inhale_start for b in truth.breaths]
    for b in data["breaths"]:
        assert min(abs(b["inhale_start"] - s) for s in starts) < 0.6
        assert b["inhale_start"] < b["exhale_start"] <= b["pause_start"] <= b["end"]
    assert len(data["rate_series"]) >= 0.8 * truth.duration_s
    assert all(p["bpm"] is None or 3 <= p["bpm"] <= 60 for p in data["rate_series"])


@pytest.mark.parametrize("framing", ["torso", "tight"])
def test_torso_only_framing_gives_a_reading(framing, tmp_path):
    """Head out of frame ("torso") and a frame pose cannot read ("tight"): still a rate."""
    from breathcam.pipeline import analyze_clip
    from breathcam.simulate.render import render_clip

    b = simulate_breathing(duration_s=40, fs_hz=FPS, rate_bpm=12, irregularity=0.05, seed=21)
    clip = render_clip(b, tmp_path / f"{framing}.mp4", still="astronaut", framing=framing, width=320,
                       height=240, fps=FPS, amplitude_px=3.0, seed=21)
    analysis = analyze_clip(clip)
    assert analysis.rate_bpm == pytest.approx(b.truth.rate_bpm, abs=0.5)
    if analysis.quality.pose_found < 0.5:
        assert any("motion" in n for n in analysis.quality.notes), analysis.quality.notes


def test_person_who_walks_away(tmp_path):
    """The person leaves after 30 s: the rate comes from when they were there, the empty room is
    not a breath hold, and the notes say the person was lost."""
    import cv2
    import numpy as np

    from breathcam.pipeline import analyze_clip
    from breathcam.simulate.render import render_clip

    b = simulate_breathing(duration_s=30, fs_hz=FPS, rate_bpm=15, irregularity=0.05, seed=5)
    part = render_clip(b, tmp_path / "part.mp4", width=320, height=240, fps=FPS, amplitude_px=3.0, seed=5)
    cap = cv2.VideoCapture(str(part))
    out = tmp_path / "walkaway.avi"
    w = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (320, 240))
    first = None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        first = frame if first is None else first
        w.write(frame)
    wall = cv2.resize(first[:30, :40], (320, 240))  # an empty stretch of the background
    rng = np.random.default_rng(0)
    for _ in range(int(20 * FPS)):
        w.write(np.clip(wall + rng.normal(0, 2, wall.shape), 0, 255).astype(np.uint8))
    w.release()
    analysis = analyze_clip(out)
    assert analysis.rate_bpm == pytest.approx(b.truth.rate_bpm, abs=0.5)
    assert analysis.holds == ()
    assert all(br.end <= 32 for br in analysis.breaths)
    assert any("lost" in n for n in analysis.quality.notes), analysis.quality.notes
    assert 0.4 < analysis.quality.pose_found < 0.9


def test_interrupt_keeps_what_was_read(clip_with_hold):
    """Ctrl-C at 20 s of a 50 s clip: the analysis covers the first 20 s, with a note."""
    from breathcam.pipeline import analyze_clip

    def progress(t_s, duration_s):
        if t_s >= 20.0:
            raise KeyboardInterrupt

    analysis = analyze_clip(clip_with_hold, progress=progress)
    assert any("interrupted" in n for n in analysis.quality.notes), analysis.quality.notes
    assert 19.0 <= analysis.duration_s <= 21.5
    assert len(analysis.breaths) >= 3 and all(b.end <= 21.5 for b in analysis.breaths)
