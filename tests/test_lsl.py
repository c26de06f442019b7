"""`breathcam live --lsl`: the trace and the breath events reach a real LSL inlet on this machine."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("skimage")
try:
    import pylsl
except (ImportError, OSError, RuntimeError) as exc:  # no pylsl, or its liblsl cannot load here
    pytest.skip(f"pylsl / liblsl not available: {exc}", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]


def test_live_lsl_outlet_streams_trace_and_breaths(tmp_path):
    from breathcam.simulate.render import render_clip
    from breathcam.simulate.waveform import simulate_breathing

    b = simulate_breathing(duration_s=30, fs_hz=15.0, rate_bpm=15, irregularity=0.05, seed=5)
    clip = render_clip(b, tmp_path / "c.mp4", width=320, height=240, fps=15.0, amplitude_px=3.0, seed=5)
    out = tmp_path / "live.json"
    proc = subprocess.Popen([sys.executable, "-m", "breathcam", "live", "--source", str(clip), "--no-window",
                             "--no-mic", "--no-save", "--lsl", "--json", str(out), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        found = pylsl.resolve_byprop("name", "breathcam", 1, 60)
        assert found, "the trace stream was not found"
        trace = pylsl.StreamInlet(found[0])
        events = pylsl.StreamInlet(pylsl.resolve_byprop("name", "breathcam-events", 1, 30)[0])
        info = trace.info()
        assert (info.type(), info.channel_count(), info.nominal_srate()) == ("Respiration", 3, 10.0)
        samples, stamps, marks, mark_ts = [], [], [], []
        while True:
            s, ts = trace.pull_chunk(timeout=0.5)
            m, mts = events.pull_chunk(timeout=0.0)
            samples += s
            stamps += ts
            marks += [x[0] for x in m]
            mark_ts += mts
            if proc.poll() is not None and not s and not m:
                break
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    data = json.loads(out.read_text())
    # the trace: 10 Hz, regular, most of the 30 s, moving
    assert len(samples) >= 0.8 * 10 * 30, len(samples)
    assert np.diff(stamps) == pytest.approx(np.full(len(stamps) - 1, 0.1), abs=1e-6)
    x = np.asarray(samples)
    assert np.allclose(x[:, 0], x[:, 1] + x[:, 2], atol=1e-4) and np.std(x[:, 0]) > 0.1
    # the events: the committed breaths (the final analysis may add the last one or two) and the rate
    inhales = [t for m, t in zip(marks, mark_ts) if m == "inhale"]
    exhales = [t for m, t in zip(marks, mark_ts) if m == "exhale"]
    assert len(inhales) == len(exhales) and 0 <= len(data["breaths"]) - len(inhales) <= 2
    assert len(inhales) >= 4
    # the marker times sit on the trace's clock: each inhale onset inside the streamed trace
    assert stamps[0] - 0.1 <= inhales[0] and inhales[-1] <= stamps[-1]
    # on the session's clock (LSL second of session second 0 = the first trace stamp minus its
    # session time, which is a multiple of 0.1 s within the first update): the online analysis's
    # committed onsets are the final analysis's, give or take its later revisions
    starts = np.array([br["inhale_start"] for br in data["breaths"]])
    best = None
    for k in range(0, 40):  # the first streamed sample's session time: 0.0 .. 3.9 s
        off = stamps[0] - 0.1 * k
        hits = sum(np.min(np.abs(starts - (t - off))) <= 0.35 for t in inhales)
        best = max(best or 0, hits)
    assert best >= 0.75 * len(inhales), (best, len(inhales))
    rates = [float(m.split()[1]) for m in marks if m.startswith("rate ") and m != "rate none"]
    assert rates and rates[-1] == pytest.approx(15, abs=1.5)
