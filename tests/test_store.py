"""The session history: round trip, live recording that survives a kill, and bad databases."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from breathcam.config import DEFAULT
from breathcam.signals.core import analyse
from breathcam.report.store import SCHEMA_VERSION, SessionRecorder, SessionStore, default_db_path
from breathcam.simulate.waveform import simulate_breathing
from breathcam.types import BreathcamError, InputError, MotionTraces

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("BREATHCAM_HOME", str(tmp_path / "home"))


def _analysis(seed: int, rate_bpm: float):
    b = simulate_breathing(duration_s=120, fs_hz=10.0, rate_bpm=rate_bpm, irregularity=0.1,
                           holds=[(50, 6, "inhale")], seed=seed)
    x = 3.0 * b.volume
    tr = MotionTraces(10.0, b.t_s, x, 3.0 * b.chest, 3.0 * b.belly, np.ones(x.size, bool), 1.0, "pose", "front")
    return analyse(tr, source=f"clip{seed}.mp4")


def test_default_path_follows_the_environment(tmp_path, monkeypatch):
    assert default_db_path() == tmp_path / "home" / "sessions.sqlite"
    monkeypatch.delenv("BREATHCAM_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "breathcam" / "sessions.sqlite"


def test_round_trip(tmp_path):
    a = _analysis(1, 12.0)
    with SessionStore(tmp_path / "h.sqlite") as db:
        sid = db.save_analysis(a, client="C1", exercise="box", notes="after warm-up")
        db.save_analysis(_analysis(2, 9.0), client="C1")
        db.save_analysis(_analysis(3, 15.0), client="C2")
        back, row = db.load_analysis(sid)
        assert row["client"] == "C1" and row["exercise"] == "box" and row["notes"] == "after warm-up"
        assert row["rate_bpm"] == pytest.approx(a.rate_bpm, abs=0.01)
        assert row["n_holds"] == 1 and row["n_breaths"] == len(a.breaths)
        assert len(back.breaths) == len(a.breaths)
        assert back.holds[0].start == pytest.approx(a.holds[0].start, abs=1e-3)
        # the trace is stored (float32): the report from a session id has the real waveform
        assert np.allclose(back.traces.breathing, a.traces.breathing, atol=1e-4)
        assert [r["id"] for r in db.list(client="C1")] == [1, 2]
        assert len(db.trend("C1", until_id=1)) == 1
        db.add_note(sid, "second note")
        assert db.get(sid)["notes"] == "after warm-up\nsecond note"
        with pytest.raises(InputError, match="no session 42"):
            db.get(42)


def test_newer_schema_is_refused(tmp_path):
    p = tmp_path / "new.sqlite"
    c = sqlite3.connect(p)
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(BreathcamError, match="newer breathcam"):
        SessionStore(p)


def test_not_a_database(tmp_path):
    p = tmp_path / "junk.sqlite"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BreathcamError, match="not a breathcam session history"):
        SessionStore(p)


def test_locked_database_gives_a_message(tmp_path):
    p = tmp_path / "h.sqlite"
    SessionStore(p).close()
    other = sqlite3.connect(p)
    other.execute("BEGIN EXCLUSIVE")
    try:
        cfg = replace(DEFAULT, report=replace(DEFAULT.report, db_timeout_s=0.2))
        with SessionStore(p, config=cfg) as db, pytest.raises(BreathcamError, match="locked"):
            db.save_analysis(_analysis(1, 12.0))
    finally:
        other.rollback()
        other.close()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_readonly_database_gives_a_message(tmp_path):
    p = tmp_path / "ro" / "h.sqlite"
    SessionStore(p).close()
    os.chmod(p, 0o444)
    os.chmod(p.parent, 0o555)
    try:
        with SessionStore(p) as db, pytest.raises(BreathcamError, match="read-only|cannot be written"):
            db.save_analysis(_analysis(1, 12.0))
    finally:
        os.chmod(p.parent, 0o755)


_CHILD = textwrap.dedent("""
    import sys, time
    from breathcam.report.store import SessionRecorder
    from breathcam.types import Breath, RatePoint
    rec = SessionRecorder(sys.argv[1], client="live", source="camera 0")
    print(rec.session_id, flush=True)
    k = 0
    while True:                      # until SIGKILL
        now = time.monotonic()       # system-wide clock: the parent compares it with the kill time
        rec.add_rate(RatePoint(now, 12.0, 0.9))
        if k % 20 == 0:
            rec.add_breath(Breath(now, now + 1, now + 2, now + 3, 1.0, 0.9))
        k += 1
        time.sleep(0.05)
""")


def test_killed_live_session_keeps_what_it_had_written(tmp_path):
    db = tmp_path / "live.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(db)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        sid = int(proc.stdout.readline())
        time.sleep(4.0)
        killed_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    c = sqlite3.connect(db)
    ts = [r[0] for r in c.execute("SELECT t FROM rate_points WHERE session_id = ? ORDER BY t", (sid,))]
    n_breaths = c.execute("SELECT COUNT(*) FROM breaths WHERE session_id = ?", (sid,)).fetchone()[0]
    c.close()
    assert ts, "nothing was committed"
    assert ts[-1] >= killed_at - 2.0, f"lost {killed_at - ts[-1]:.1f} s before the kill"
    assert np.max(np.diff(ts)) < 0.5  # no hole in what was kept
    assert n_breaths >= 2
    with SessionStore(db) as store:
        a, row = store.load_analysis(sid)
        assert row["status"] == "live" and len(a.rate_series) == len(ts)
        assert "cut off" in a.quality.notes[0]


def test_recorder_finish_stores_the_analysis(tmp_path):
    a = _analysis(4, 10.0)
    with SessionRecorder(tmp_path / "h.sqlite", client="C9", exercise="46") as rec:
        for p in a.rate_series[:5]:
            rec.add_rate(p)
        sid = rec.finish(a, notes="done")
    with SessionStore(tmp_path / "h.sqlite") as db:
        back, row = db.load_analysis(sid)
        assert row["status"] == "complete" and row["exercise"] == "46" and row["notes"] == "done"
        assert len(back.rate_series) == len(a.rate_series) and len(back.breaths) == len(a.breaths)


def test_sessions_cli(tmp_path, run_cli):
    db = tmp_path / "h.sqlite"
    with SessionStore(db) as store:
        for seed, rate in ((1, 12.0), (2, 10.0), (3, 8.0)):
            store.save_analysis(_analysis(seed, rate), client="C1")
    proc = run_cli("sessions", "--db", str(db), "list", "--client", "C1")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 4 and "clip3.mp4" in proc.stdout
    proc = run_cli("sessions", "--db", str(db), "show", "2")
    assert proc.returncode == 0, proc.stderr
    import re

    assert float(re.search(r"rate \(/min\): ([\d.]+)", proc.stdout).group(1)) == pytest.approx(10.0, abs=1.5)
    page = tmp_path / "trend.html"
    proc = run_cli("sessions", "--db", str(db), "compare", "--client", "C1", "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    assert "change" in proc.stdout and page.read_text().count("<svg") >= 3
    proc = run_cli("report", "3", "--db", str(db), "-o", str(tmp_path / "r.html"), "--lang", "nl")
    assert proc.returncode == 0, proc.stderr
    doc = (tmp_path / "r.html").read_text()
    assert "Verloop over sessies" in doc  # the client's trend inside the report
    for args, fragment in [(("sessions", "--db", str(db), "show", "99"), "no session 99"),
                           (("report", "77", "--db", str(db)), "no session 77"),
                           (("sessions", "--db", str(tmp_path / "none.sqlite"), "list"), "no session history")]:
        proc = run_cli(*args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_readonly_message_wording(tmp_path):
    """The mapping of SQLite's read-only error (the real case runs only as a non-root user, above)."""
    from breathcam.report.store import _db_error

    err = _db_error(tmp_path / "h.sqlite", sqlite3.OperationalError("attempt to write a readonly database"))
    assert "read-only" in str(err) and "--db" in str(err)


def test_schema_1_history_is_upgraded_and_keeps_its_sessions(tmp_path):
    # a history written before holds could be open (schema 1): its holds table lacks open_end
    p = tmp_path / "old.sqlite"
    with SessionStore(p) as db:
        sid = db.save_analysis(_analysis(4, 12.0), client="C1")
    conn = sqlite3.connect(p)
    with conn:
        conn.execute("CREATE TABLE holds_old AS SELECT session_id, start, end_s, after, confidence FROM holds")
        conn.execute("DROP TABLE holds")
        conn.execute("ALTER TABLE holds_old RENAME TO holds")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with SessionStore(p) as db:
        back, _ = db.load_analysis(sid)
        assert len(back.holds) == 1 and back.holds[0].open is False
        a = _analysis(5, 12.0)
        a = replace(a, holds=(replace(a.holds[0], open=True),))
        sid2 = db.save_analysis(a, client="C1")
        assert db.load_analysis(sid2)[0].holds[0].open is True
    conn = sqlite3.connect(p)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    conn.close()


def test_schema_2_history_opens_and_takes_assessments(tmp_path):
    """A history written before assessments (schema 2: no control pause, Nijmegen or assessment
    columns) is upgraded in place; its sessions stay and list beside a new assessment."""
    p = tmp_path / "v2.sqlite"
    conn = sqlite3.connect(p)
    with conn:
        conn.execute("""CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            client TEXT, started_at TEXT NOT NULL, source TEXT, kind TEXT NOT NULL, exercise TEXT,
            status TEXT NOT NULL, notes TEXT NOT NULL DEFAULT '',
            duration_s REAL, rate_bpm REAL, n_breaths INTEGER, median_inhale_s REAL, median_exhale_s REAL,
            median_pause_s REAL, median_ie_ratio REAL, cv_duration REAL, rmssd_s REAL, sighs_per_min REAL,
            n_holds INTEGER, longest_hold_s REAL, pattern_label TEXT, belly_share REAL, phase_deg REAL,
            compliance REAL, confidence REAL, analysis_json TEXT, trace BLOB, updated_at TEXT)""")
        conn.execute("CREATE TABLE rate_points (session_id INTEGER, t REAL NOT NULL, bpm REAL, confidence REAL)")
        conn.execute("CREATE TABLE breaths (session_id INTEGER, inhale_start REAL, exhale_start REAL, "
                     "pause_start REAL, end_s REAL, depth REAL, confidence REAL, sigh INTEGER)")
        conn.execute("CREATE TABLE holds (session_id INTEGER, start REAL, end_s REAL, after TEXT, confidence REAL, "
                     "open_end INTEGER NOT NULL DEFAULT 0)")
        conn.execute("INSERT INTO sessions (client, started_at, source, kind, status, rate_bpm) "
                     "VALUES ('C1', '2026-01-05T10:00:00', 'old.mp4', 'clip', 'complete', 13.5)")
        conn.execute("PRAGMA user_version = 2")
    conn.close()
    from breathcam.report.store import compare_lines

    with SessionStore(p) as db:
        rows = db.list(client="C1")
        assert len(rows) == 1 and rows[0]["rate_bpm"] == 13.5 and rows[0]["control_pause_s"] is None
        sid = db.save_analysis(_analysis(5, 12.0), client="C1", kind="assessment")
        with db._tx() as c:
            c.execute("UPDATE sessions SET control_pause_s = 21.5, nijmegen_total = 18 WHERE id = ?", (sid,))
        rows = db.list(client="C1")
    lines = compare_lines(rows)
    assert lines[1].startswith("control pause (s)") and "21.50" in lines[1]
    nl = compare_lines(rows, lang="nl")
    assert nl[1].startswith("controlepauze (s)") and "21,50" in nl[1] and "verschil" in nl[0]
    conn = sqlite3.connect(p)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
