"""The bundled sample, analysed by the README's main command, reads its own truth."""

import json
from pathlib import Path

import pytest

from breathcam.simulate.waveform import Truth

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "sample.mp4"


def test_bundled_sample_matches_its_truth(run_cli, tmp_path):
    out = tmp_path / "sample.json"
    proc = run_cli("analyze", str(SAMPLE), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    truth = Truth.read(SAMPLE.with_suffix(".truth.json"))
    assert data["rate_bpm"] == pytest.approx(truth.rate_bpm, abs=0.3)
    assert len(data["breaths"]) == len(truth.breaths)
    assert [h["after"] for h in data["holds"]] == [h.after for h in truth.holds]
    for h, th in zip(data["holds"], truth.holds):
        assert h["start"] == pytest.approx(th.start, abs=0.8) and h["end"] == pytest.approx(th.end, abs=0.8)
    assert data["quality"]["pose_found"] == 1.0
