"""`breathcam analyze FOLDER`: every clip, a bad one reported in the summary, the batch finishes."""

import csv
import re

import numpy as np
import pytest

from breathcam.simulate.waveform import simulate_breathing

pytest.importorskip("skimage")

FPS = 15.0


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("BREATHCAM_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from breathcam.simulate.render import render_clip

    d = tmp_path_factory.mktemp("batch")
    b = simulate_breathing(duration_s=30, fs_hz=FPS, rate_bpm=15, irregularity=0.05, seed=21)
    render_clip(b, d / "a_good.mp4", width=320, height=240, fps=FPS, amplitude_px=3.0, seed=21)
    (d / "a_good.truth.json").unlink()
    (d / "b_corrupt.mp4").write_bytes(np.random.default_rng(0).integers(0, 256, 100_000, dtype=np.uint8).tobytes())
    (d / "notes.txt").write_text("not a clip")
    return d, b.truth


def test_batch_keeps_going_past_a_corrupt_clip(folder, tmp_path, run_cli):
    d, truth = folder
    out = tmp_path / "out"
    proc = run_cli("analyze", str(d), "--report", str(out), "--client", "C1")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    # progress (not a terminal: one line per file) and the summary table
    # (the clips run in parallel: they finish in either order)
    assert re.search(r"\[[12]/2\] a_good\.mp4: ok", proc.stderr), proc.stderr
    assert re.search(r"\[[12]/2\] b_corrupt\.mp4: error", proc.stderr), proc.stderr
    lines = proc.stdout.splitlines()
    good = next(ln for ln in lines if ln.startswith("a_good.mp4"))
    bad = next(ln for ln in lines if ln.startswith("b_corrupt.mp4"))
    assert " ok " in good and "error" in bad and "b_corrupt.mp4" in bad.split("error", 1)[1]
    assert "1 of 2 files analysed" in proc.stdout
    rows = list(csv.DictReader((out / "breathcam-summary.csv").open()))
    assert [r["status"] for r in rows] == ["ok", "error"]
    assert float(rows[0]["rate_bpm"]) == pytest.approx(truth.rate_bpm, abs=1.5)
    assert rows[1]["reason"] and not rows[1]["rate_bpm"]
    assert (out / "a_good.report.html").exists() and not (out / "b_corrupt.report.html").exists()
    # the good clip went into the history
    proc = run_cli("sessions", "list", "--client", "C1")
    assert proc.returncode == 0 and "a_good.mp4" in proc.stdout


def test_folder_without_any_usable_clip(tmp_path, run_cli):
    (tmp_path / "x.mp4").write_bytes(b"\0" * 1000)
    proc = run_cli("analyze", str(tmp_path), "--no-save")
    assert proc.returncode == 2
    assert "breathcam: error: no file in" in proc.stderr and "Traceback" not in proc.stderr
    rows = list(csv.DictReader((tmp_path / "breathcam-summary.csv").open()))
    assert rows[0]["status"] == "error"
