"""The breathing simulator's truth is exact and seeded."""

import numpy as np
import pytest

from breathcam.simulate.waveform import PACED_PATTERNS, Truth, rate_from_breaths, simulate_breathing
from breathcam.types import ParameterError


@pytest.mark.parametrize("rate", [3, 6, 12, 20, 40])
def test_steady_rate_is_exact(rate):
    b = simulate_breathing(duration_s=240, fs_hz=20, rate_bpm=rate, seed=3)
    assert b.truth.rate_bpm == pytest.approx(rate, abs=1e-3)
    durations = [x.end - x.inhale_start for x in b.truth.breaths]
    assert np.allclose(durations, 60.0 / rate, atol=1e-3)
    assert b.truth.holds == ()


@pytest.mark.parametrize("name", ["box", "478", "46", "coherent"])
def test_paced_patterns(name):
    t_in, h_in, t_out, h_out = PACED_PATTERNS[name]
    b = simulate_breathing(duration_s=200, paced=name, seed=1)
    assert b.truth.rate_bpm == pytest.approx(60.0 / (t_in + h_in + t_out + h_out), abs=1e-3)
    n_holds = sum(1 for h in (h_in, h_out) if h >= 3.0)
    assert len(b.truth.holds) >= n_holds * (len(b.truth.breaths) - 1)
    for h in b.truth.holds:
        assert h.after in ("inhale", "exhale")


def test_volume_is_flat_during_holds_and_rises_on_inhale():
    b = simulate_breathing(duration_s=60, fs_hz=50, rate_bpm=12, holds=[(20, 8, "inhale"), (40, 10, "exhale")], seed=2)
    v = b.volume
    assert len(b.truth.holds) == 2
    for h in b.truth.holds:
        m = (b.t_s > h.start + 0.05) & (b.t_s < h.end - 0.05)
        assert np.ptp(v[m]) < 1e-9
    inhale = b.truth.holds[0]
    assert v[np.searchsorted(b.t_s, inhale.start + 1)] > 0.9  # held with full lungs
    exhale = b.truth.holds[1]
    assert v[np.searchsorted(b.t_s, exhale.start + 1)] < 0.05  # held with empty lungs
    first = b.truth.breaths[0]
    i0, i1 = np.searchsorted(b.t_s, [first.inhale_start, first.exhale_start])
    assert np.all(np.diff(v[i0:i1]) >= 0)


def test_seeded_and_irregular():
    a = simulate_breathing(duration_s=120, rate_bpm=15, irregularity=0.2, sigh_every_s=30, seed=7)
    b = simulate_breathing(duration_s=120, rate_bpm=15, irregularity=0.2, sigh_every_s=30, seed=7)
    c = simulate_breathing(duration_s=120, rate_bpm=15, irregularity=0.2, sigh_every_s=30, seed=8)
    assert np.array_equal(a.chest, b.chest) and not np.array_equal(a.chest, c.chest)
    d = np.diff([x.inhale_start for x in a.truth.breaths])
    assert np.std(d) / np.mean(d) > 0.1
    assert sum(x.is_sigh for x in a.truth.breaths) >= 2
    assert a.truth.rate_bpm == pytest.approx(rate_from_breaths(a.truth.breaths), abs=1e-3)


def test_chest_belly_split_and_paradox():
    b = simulate_breathing(duration_s=60, rate_bpm=12, belly_share=0.8, seed=1)
    assert np.ptp(b.belly) == pytest.approx(4 * np.ptp(b.chest), rel=0.01)
    p = simulate_breathing(duration_s=60, rate_bpm=12, belly_share=0.5, paradoxical=True, seed=1)
    assert np.corrcoef(p.chest, p.belly)[0, 1] < -0.99
    assert p.truth.phase_deg == 180


def test_truth_round_trip(tmp_path):
    b = simulate_breathing(duration_s=60, rate_bpm=10, holds=[(20, 6, "exhale")], seed=4)
    b.truth.write(tmp_path / "t.json")
    assert Truth.read(tmp_path / "t.json") == b.truth


@pytest.mark.parametrize(
    "kw", [dict(rate_bpm=0), dict(rate_bpm=200), dict(belly_share=1.5), dict(paced="nope"), dict(holds=[(5, 4, "mid")])]
)
def test_bad_parameters(kw):
    with pytest.raises(ParameterError):
        simulate_breathing(duration_s=30, **kw)


def test_switch_from_chest_to_belly_breathing(tmp_path):
    b = simulate_breathing(duration_s=60, rate_bpm=12, belly_share=0.15, switch_at_s=30.0, belly_share_after=0.85, seed=5)
    t = b.truth
    assert 30.0 <= t.switch_s < 36.0  # the first breath starting after 30 s
    shares = [br.belly_share for br in t.breaths]
    assert all(s == 0.15 for br, s in zip(t.breaths, shares) if br.inhale_start < t.switch_s)
    assert all(s == 0.85 for br, s in zip(t.breaths, shares) if br.inhale_start >= t.switch_s)
    before, after = b.t_s < t.switch_s, b.t_s >= t.switch_s
    assert np.ptp(b.belly[after]) > 4 * np.ptp(b.belly[before])
    assert np.ptp(b.chest[before]) > 4 * np.ptp(b.chest[after])
    # the split changes at rest (start of an inhale): the volume is continuous
    assert np.max(np.abs(np.diff(b.volume))) < 0.1
    b.truth.write(tmp_path / "s.json")
    assert Truth.read(tmp_path / "s.json") == t


@pytest.mark.parametrize("share,label", [(0.1, "chest"), (0.5, "mixed"), (0.9, "belly")])
def test_truth_labels_and_per_breath_share(share, label):
    t = simulate_breathing(duration_s=40, rate_bpm=15, belly_share=share, seed=6).truth
    assert t.label == label and t.switch_s is None
    assert all(br.belly_share == share for br in t.breaths)


@pytest.mark.parametrize("kw", [dict(switch_at_s=20.0), dict(belly_share_after=0.8), dict(switch_at_s=20.0, belly_share_after=2.0)])
def test_bad_switch_parameters(kw):
    with pytest.raises(ParameterError):
        simulate_breathing(duration_s=30, **kw)
