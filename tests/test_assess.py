"""`breathcam assess` end to end, headless, on seeded assessment clips (breathcam.simulate.assessment).

Targets (issue 14): the control pause within 1 s of the truth, every planted pattern flagged and
none that was not, the repetitions of the moving step found as benchmarks/movement.py counts them;
bad input (questionnaire answers, a person leaving during the hold, no camera) gives a clear
message and loses nothing recorded.  The step lengths are shortened by a config (the protocol is
the same); the clips are rendered once per test session.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from breathcam.config import DEFAULT
from breathcam.types import Frame

CP_TOL_S = 1.0
SHORT = replace(DEFAULT.assess, rest_s=60.0, hold_step_s=45.0, standing_s=10.0, moving_s=40.0)
FAST = replace(DEFAULT.assess, rest_s=45.0, hold_step_s=40.0)
TOML = "[assess]\nrest_s = 60.0\nhold_step_s = 45.0\nstanding_s = 10.0\nmoving_s = 40.0\n"
ANSWERS = "0,1,2,3,4,0,1,2,3,4,0,1,2,3,4,1"


def _iou(a, b) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    from breathcam.simulate.assessment import render_assessment

    d = tmp_path_factory.mktemp("assess")
    full = render_assessment(d / "full.mp4", seed=1, steps=("rest", "hold", "standing", "moving"), config=SHORT,
                             sigh_every_s=20.0, cp_s=18.0)
    fast = render_assessment(d / "fast.mp4", seed=2, steps=("rest", "hold"), config=FAST, rate_bpm=24.0,
                             belly_share=0.15, cp_s=12.0)
    (d / "short.toml").write_text(TOML)
    return {"full": full, "fast": fast, "dir": d}


def _truth(clip: Path) -> dict:
    return json.loads(clip.with_suffix(".truth.json").read_text())


@pytest.fixture(scope="session")
def full_run(clips, tmp_path_factory):
    """The CLI on the full clip: Dutch, client C1, every output."""
    import subprocess
    import sys

    d = clips["dir"]
    home = tmp_path_factory.mktemp("home")
    cmd = [sys.executable, "-m", "breathcam", "assess", "--source", str(clips["full"]), "--no-window", "--moving",
           "--config", str(d / "short.toml"), "--nijmegen", ANSWERS, "--client", "C1", "--lang", "nl",
           "--json", str(d / "full.assess.json"), "--csv", str(d / "full.csv"), "--report", str(d / "rep"),
           "--db", str(home / "h.sqlite")]
    import os

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=root,
                          env=dict(os.environ, PYTHONPATH=str(root)))
    return {"proc": proc, "json": json.loads((d / "full.assess.json").read_text()), "db": home / "h.sqlite",
            "dir": d}


def test_full_protocol_meets_the_targets(clips, full_run):
    proc, a = full_run["proc"], full_run["json"]
    assert proc.returncode == 0, proc.stderr
    truth = _truth(clips["full"])
    # every step ran, in order, on the plan's windows
    assert [s["kind"] for s in a["steps"]] == ["rest", "hold", "standing", "moving", "nijmegen"]
    assert all(s["status"] == "done" for s in a["steps"])
    # control pause within 1 s of the truth
    cp_truth = truth["extra"]["assessment"]["control_pause"]["seconds"]
    assert a["control_pause"]["camera_s"] == pytest.approx(cp_truth, abs=CP_TOL_S)
    assert a["control_pause"]["open"] is False and a["control_pause"]["band"] == "10-20"
    # every planted pattern flagged, none other
    planted = set(truth["extra"]["assessment"]["patterns"])
    assert planted == {"periodic_deep_sighing"}
    flagged = {p["name"] for p in a["patterns"] if p["flagged"]}
    assert flagged == planted
    sigh = next(p for p in a["patterns"] if p["name"] == "periodic_deep_sighing")
    assert sigh["value"] >= sigh["threshold"] == SHORT.sighs_per_min
    # rest rate on the breaths without holds, near the simulated 12/min
    assert a["rest"]["rate_bpm"] == pytest.approx(12.0, abs=1.5)
    # repetitions: counted as benchmarks/movement.py counts them (found vs true, matched by IoU >= 0.5)
    true_reps = truth["extra"]["movement"]["reps"]
    found = a["moving"]["reps"]
    assert len(found) == len(true_reps)
    matched = sum(1 for r in true_reps if any(_iou((r["start"], r["end"]), (f["start"], f["end"])) >= 0.5 for f in found))
    assert matched == len(true_reps)
    held_truth = [r for r in true_reps if r["held"]]
    for r in held_truth:  # every rep done on a held breath is labelled held
        best = max(found, key=lambda f: _iou((r["start"], r["end"]), (f["start"], f["end"])))
        assert best["held"] is True
    # Nijmegen
    assert a["nijmegen"]["total"] == 31 and a["nijmegen"]["suggests_hvs"] is True
    # the Dutch terminal summary
    out = proc.stdout
    assert "controlepauze:" in out and "Periodiek diep zuchten: gesignaleerd" in out
    assert "opgeslagen als sessie" in out and "share" not in out and "saved as" not in out


def test_full_protocol_outputs_history_report_csv(full_run):
    d, db = full_run["dir"], full_run["db"]
    csv_text = (d / "full.csv").read_text()
    assert csv_text.splitlines()[0] == "step,quantity,value,unit"
    assert "control_pause,camera_s," in csv_text and "nijmegen,total,31,0-64" in csv_text
    reports = sorted((d / "rep").glob("*.html"))
    assert [p.name for p in reports] == ["assessment-1.html"]
    html = reports[0].read_text()
    assert 'lang="nl"' in html and "Controlepauze" in html and "@page { size: A4" in html
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT kind, client, control_pause_s, nijmegen_total FROM sessions").fetchone()
    conn.close()
    assert row[0] == "assessment" and row[1] == "C1" and row[3] == 31
    assert row[2] == pytest.approx(full_run["json"]["control_pause"]["camera_s"])


def test_fast_chest_breathing_is_flagged_and_nothing_else(clips):
    from breathcam.assess.run import run_assessment
    from breathcam.config import DEFAULT as D

    cfg = replace(D, assess=FAST)
    a = run_assessment(str(clips["fast"]), steps=("rest", "hold"), config=cfg, nijmegen=None)
    truth = _truth(clips["fast"])
    planted = set(truth["extra"]["assessment"]["patterns"])
    assert planted == {"hyperventilation", "thoracic_dominant"}
    assert {p.name for p in a.patterns if p.flagged} == planted
    cp_truth = truth["extra"]["assessment"]["control_pause"]["seconds"]
    assert a.control_pause.camera_s == pytest.approx(cp_truth, abs=CP_TOL_S)


class _Leaves:
    """A clip whose person leaves the view from ``t_leave`` on (frames replaced by an empty grey wall)."""

    def __init__(self, clip, t_leave: float):
        from breathcam.capture.video import FileSource

        self.src = FileSource(str(clip))
        self.info = self.src.info
        self.t_leave = t_leave
        self.notes = ()
        self.ended_reason = None

    def __iter__(self):
        for f in self.src:
            if f.t_s >= self.t_leave:
                f = Frame(f.index, f.t_s, np.full_like(f.image, 128))
            yield f

    def close(self):
        self.src.close()


def test_person_leaving_during_the_hold_keeps_everything(clips, tmp_path):
    from breathcam.assess.history import load_assessment, save_assessment
    from breathcam.assess.run import run_assessment
    from breathcam.config import DEFAULT as D

    truth = _truth(clips["fast"])
    cp = truth["extra"]["assessment"]["control_pause"]
    leave = cp["start"] + 5.0
    cfg = replace(D, assess=FAST)
    a = run_assessment(_Leaves(clips["fast"], leave), steps=("rest", "hold", "nijmegen"), config=cfg,
                       nijmegen=None)
    # the hold is reported as a lower bound, from its start to when the person left
    assert a.control_pause.open is True
    assert a.control_pause.camera_s == pytest.approx(5.0, abs=1.5)
    assert a.control_pause.start_s == pytest.approx(cp["start"], abs=CP_TOL_S)
    # the rest observation is whole and the assessment is kept
    assert a.rest is not None and a.rest.n_breaths >= 10
    sid = save_assessment(a, db=tmp_path / "h.sqlite")
    back = load_assessment(sid, db=tmp_path / "h.sqlite")
    assert back.control_pause == a.control_pause and back.rest == a.rest


def test_no_camera_keeps_the_questionnaire(tmp_path, run_cli):
    db = tmp_path / "h.sqlite"
    proc = run_cli("assess", "--camera", "7", "--no-window", "--nijmegen", ANSWERS, "--client", "C2", "--db", str(db),
                   "--json", str(tmp_path / "a.json"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("breathcam: error: the camera steps could not run: camera 7")
    a = json.loads((tmp_path / "a.json").read_text())
    assert a["nijmegen"]["total"] == 31 and [s["status"] for s in a["steps"]] == ["not done", "not done", "done"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT nijmegen_total FROM sessions WHERE client = 'C2'").fetchone()[0] == 31
    conn.close()


@pytest.mark.parametrize("answers, fragment", [
    (ANSWERS[:-1] + "5", "answer 16 is 5"),
    (ANSWERS[:-1] + "a", "answer 16 is 'a'"),
    (ANSWERS[:-2], "16 answers, not 15"),
])
def test_bad_nijmegen_on_the_command_line_is_refused(answers, fragment, tmp_path, run_cli):
    proc = run_cli("assess", "--source", str(tmp_path / "never.mp4"), "--no-window", "--nijmegen", answers,
                   "--db", str(tmp_path / "h.sqlite"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "h.sqlite").exists()  # refused before anything started


def _assessment(started_at: str, cp_s: float, answers: int):
    from breathcam.assess.control_pause import ControlPause
    from breathcam.assess.nijmegen import Nijmegen
    from breathcam.assess.observe import observe
    from breathcam.assess.patterns import flag_patterns
    from breathcam.assess.result import Assessment, StepResult
    from breathcam.types import Breath

    bs = [Breath(5.0 * k, 5.0 * k + 2, 5.0 * k + 4.5, 5.0 * k + 5, 1.0, 1.0) for k in range(24)]
    rest = observe(bs, (), window=(0.0, 120.0), pattern_confidence=0.9)
    return Assessment(client="C1", lang="en", started_at=started_at, source="camera 0", recorded_at=None,
                      steps=(StepResult("rest", "done", 0.0, 120.0), StepResult("hold", "done", 125.0, 200.0)),
                      rest=rest, control_pause=ControlPause(cp_s, 130.0, 130.0 + cp_s, "exhale"),
                      patterns=flag_patterns(rest), nijmegen=Nijmegen((answers,) * 16))


def test_sessions_compare_shows_control_pause_and_nijmegen(tmp_path, run_cli):
    from breathcam.assess.history import save_assessment
    from breathcam.assess.save import save_outputs

    db = tmp_path / "h.sqlite"
    save_assessment(_assessment("2026-01-10T09:00:00", 14.0, 2), db=db)
    save_assessment(_assessment("2026-01-10T16:30:00", 18.5, 2), db=db)  # the same day: told apart by the time
    lines = save_outputs(_assessment("2026-03-02T10:15:00", 24.0, 1), report_dir=tmp_path / "rep", db=db)
    assert lines[0].startswith("saved as session 3") and (tmp_path / "rep" / "assessment-3.html").exists()
    page = (tmp_path / "rep" / "assessment-3.html").read_text()
    assert "Change since the previous assessment" in page and "+5.5" in page and "-16" in page
    proc = run_cli("sessions", "--db", str(db), "compare", "--client", "C1")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "2026-01-10 09:00" in lines[0] and "2026-01-10 16:30" in lines[0]
    cp_line = next(x for x in lines if x.startswith("control pause (s)"))
    assert cp_line.split()[-4:] == ["14.00", "18.50", "24.00", "+10.00"]
    nij_line = next(x for x in lines if x.startswith("Nijmegen total"))
    assert nij_line.split()[-4:] == ["32", "32", "16", "-16"]
    nl = run_cli("sessions", "--db", str(db), "compare", "--client", "C1", "--lang", "nl").stdout
    assert "controlepauze (s)" in nl and "24,00" in nl and "verschil" in nl
    # a second report of the same assessment never replaces the first
    again = save_outputs(_assessment("2026-03-02T10:15:00", 24.0, 1), report_dir=tmp_path / "rep", save=False)
    assert any("assessment-C1-2026-03-02-101500.html" in x for x in again)
