"""`analyze --waveform DIR`: the traces and breaths in CSV, BIDS physio, EDF+ and a NeuroKit2-style
breath table, each read back (csv module, pandas, the BIDS sidecar rules, edfio) with the numbers
the analysis gave."""

import csv
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("skimage")

ROOT = Path(__file__).resolve().parents[1]
FPS = 15.0


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m breathcam ARGS`` as a user runs it (tests/conftest.py's run_cli, for module fixtures)."""
    return subprocess.run([sys.executable, "-m", "breathcam", *args], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from breathcam.simulate.render import render_clip
    from breathcam.simulate.waveform import simulate_breathing
    d = tmp_path_factory.mktemp("formats")
    b = simulate_breathing(duration_s=36, fs_hz=FPS, rate_bpm=12, irregularity=0.05, seed=77,
                           holds=((16.0, 8.0, "inhale"),))
    clip = render_clip(b, d / "breathing clip.mp4", width=320, height=240, fps=FPS, amplitude_px=3.0, seed=77)
    proc = _run_cli("analyze", str(clip), "--waveform", str(d / "wave"), "--json", str(d / "a.json"), "--no-save")
    assert proc.returncode == 0, proc.stderr
    assert "waveforms written to" in proc.stdout and "breathing clip.edf" in proc.stdout
    return d / "wave", json.loads((d / "a.json").read_text()), b.truth


def _waveform(wave):
    with open(wave / "breathing clip.waveform.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows


def test_waveform_csv_at_10_hz_with_neurokit_markers(exported):
    wave, analysis, truth = exported
    rows = _waveform(wave)
    t = np.array([float(r["time_s"]) for r in rows])
    assert np.diff(t) == pytest.approx(np.full(len(t) - 1, 0.1), abs=1e-9)
    assert t[-1] == pytest.approx(analysis["duration_s"], abs=0.2)
    assert all(r["valid"] in ("0", "1") for r in rows) and sum(r["valid"] == "1" for r in rows) > 0.9 * len(rows)
    breathing = np.array([float(r["breathing"]) if r["breathing"] else np.nan for r in rows])
    troughs = [i for i, r in enumerate(rows) if r["RSP_Troughs"] == "1"]
    peaks = [i for i, r in enumerate(rows) if r["RSP_Peaks"] == "1"]
    breaths = analysis["breaths"]
    assert len(troughs) == len(peaks) == len(breaths) >= 4
    for b, i, k in zip(breaths, troughs, peaks):
        assert t[i] == pytest.approx(b["inhale_start"], abs=0.051)  # inhale onset = trough
        assert t[k] == pytest.approx(b["exhale_start"], abs=0.051)  # exhale onset = peak
        assert breathing[k] - breathing[i] > 0.5 * b["depth"]  # the trace rises from trough to peak
        assert rows[i + 1]["RSP_Phase"] == "1" and rows[k + 1]["RSP_Phase"] == "0"


def test_breath_table_has_the_analysis_numbers(exported):
    wave, analysis, truth = exported
    pd = pytest.importorskip("pandas")
    table = pd.read_csv(wave / "breathing clip.breath-table.csv")
    breaths = analysis["breaths"]
    assert len(table) == len(breaths)
    assert table["RSP_Troughs_Time"].tolist() == pytest.approx([b["inhale_start"] for b in breaths], abs=1e-3)
    assert table["RSP_Peaks_Time"].tolist() == pytest.approx([b["exhale_start"] for b in breaths], abs=1e-3)
    assert (table["RSP_Troughs"] * 0.1).tolist() == pytest.approx(table["RSP_Troughs_Time"].tolist(), abs=0.051)
    assert table["RSP_Phase_Duration_Inspiration"].tolist() == pytest.approx([b["inhale_s"] for b in breaths], abs=1e-3)
    assert table["RSP_Amplitude"].tolist() == pytest.approx([b["depth"] for b in breaths], abs=1e-3)
    assert table["RSP_Rate"].median() == pytest.approx(truth.rate_bpm, abs=1.5)
    # the waveform CSV through pandas gives the csv module's numbers
    wf = pd.read_csv(wave / "breathing clip.waveform.csv")
    rows = _waveform(wave)
    assert len(wf) == len(rows) and wf["RSP_Troughs"].sum() == len(breaths)
    assert wf["breathing"].iloc[5] == pytest.approx(float(rows[5]["breathing"]))


def test_bids_physio_follows_its_sidecar(exported):
    wave, analysis, truth = exported
    side = json.loads((wave / "breathing clip_physio.json").read_text())
    # BIDS: SamplingFrequency, StartTime and Columns are required; units per column
    assert side["SamplingFrequency"] == 10.0 and isinstance(side["StartTime"], float)
    assert side["Columns"] == ["respiratory", "chest", "belly", "valid"]
    assert all("Units" in side[c] for c in side["Columns"])
    text = gzip.decompress((wave / "breathing clip_physio.tsv.gz").read_bytes()).decode("ascii")
    lines = text.splitlines()
    rows = _waveform(wave)
    assert len(lines) == len(rows)
    first = lines[0].split("\t")
    assert len(first) == len(side["Columns"]) and all(c == "n/a" or float(c) == float(c) for c in first)  # no header
    for line, row in zip(lines, rows):
        resp, chest, belly, valid = line.split("\t")
        assert resp == (row["breathing"] or "n/a") and valid == row["valid"]
    pd = pytest.importorskip("pandas")
    physio = pd.read_csv(wave / "breathing clip_physio.tsv.gz", sep="\t", header=None, names=side["Columns"],
                         na_values="n/a")
    assert physio["respiratory"].iloc[5] == pytest.approx(float(rows[5]["breathing"]))
    assert side["StartTime"] == pytest.approx(float(rows[0]["time_s"]))


def test_edf_plus_signals_and_annotations(exported):
    wave, analysis, truth = exported
    edfio = pytest.importorskip("edfio")
    edf = edfio.read_edf(wave / "breathing clip.edf")
    assert [s.label for s in edf.signals] == ["breathing", "chest", "belly", "valid"]
    rows = _waveform(wave)
    for sig, col in zip(edf.signals, ("breathing", "chest", "belly")):
        assert sig.sampling_frequency == 10.0
        ours = np.array([float(r[col]) if r[col] else 0.0 for r in rows])
        back = sig.data[:len(ours)]
        step = (sig.physical_max - sig.physical_min) / 65535
        assert np.max(np.abs(back - ours)) <= step + 1e-4  # 16-bit samples: one step
    inhales = [a for a in edf.annotations if a.text.startswith("inhale")]
    exhales = [a for a in edf.annotations if a.text.startswith("exhale")]
    t0 = float(rows[0]["time_s"])
    assert [a.onset + t0 for a in inhales] == pytest.approx([b["inhale_start"] for b in analysis["breaths"]], abs=1e-3)
    assert [a.duration for a in exhales] == pytest.approx([b["exhale_s"] for b in analysis["breaths"]], abs=1e-3)
    holds = [a for a in edf.annotations if a.text.startswith("hold")]
    assert len(holds) == len(analysis["holds"]) == 1
    assert holds[0].text == f"hold after {analysis['holds'][0]['after']}"
    assert holds[0].onset + t0 == pytest.approx(analysis["holds"][0]["start"], abs=1e-3)
    assert holds[0].duration == pytest.approx(analysis["holds"][0]["duration_s"], abs=1e-3)
    assert holds[0].duration == pytest.approx(truth.holds[0].end - truth.holds[0].start, abs=1.5)
