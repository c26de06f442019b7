"""Breath holds on seeded simulated traces: found with the right label, none in normal breathing."""

from __future__ import annotations

import numpy as np
import pytest

from breathcam.signals.breaths import find_breaths
from breathcam.signals.holds import find_holds
from breathcam.types import ParameterError
from test_breaths import FS, realistic_trace


def iou(a, b) -> float:
    inter = max(0.0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union > 0 else 0.0


def holds_of(x, **kw):
    return find_holds(x, fs_hz=FS, breaths=find_breaths(x, fs_hz=FS, **kw), **kw)


HOLD_CASES = [
    ("4-7-8", dict(paced="478", irregularity=0.05), 150.0),
    ("box", dict(paced="box", irregularity=0.05), 120.0),
    ("inhale 6/min", dict(rate_bpm=6, irregularity=0.1, holds=[(20, 5, "inhale"), (50, 10, "inhale"), (85, 20, "inhale")]), 130.0),
    ("inhale 15/min", dict(rate_bpm=15, irregularity=0.1, holds=[(20, 8, "inhale"), (50, 15, "inhale"), (85, 6, "inhale")]), 120.0),
    ("exhale 6/min", dict(rate_bpm=6, irregularity=0.1, holds=[(20, 5, "exhale"), (50, 10, "exhale"), (85, 20, "exhale")]), 130.0),
    ("exhale 15/min", dict(rate_bpm=15, irregularity=0.1, holds=[(20, 8, "exhale"), (50, 15, "exhale"), (85, 6, "exhale")]), 120.0),
]


def test_holds_found_with_the_right_label():
    found = total = 0
    misses = []
    for name, sim, duration in HOLD_CASES:
        for seed in range(3):
            x, b = realistic_trace(seed, snr_db=20.0, drift=0.02, duration_s=duration, **sim)
            holds = holds_of(x)
            for th in b.truth.holds:
                total += 1
                ok = any(iou(h, th) >= 0.6 and h.after == th.after for h in holds)
                found += ok
                if not ok:
                    misses.append((name, seed, th))
            # nothing reported where the truth has no hold
            for h in holds:
                assert any(iou(h, th) > 0 for th in b.truth.holds), (name, seed, h)
    assert total >= 60
    assert found / total >= 0.95, misses


NORMAL_CASES = [
    dict(rate_bpm=3),
    dict(rate_bpm=4, irregularity=0.1),
    dict(rate_bpm=6),
    dict(rate_bpm=12, irregularity=0.3),
    dict(rate_bpm=20, irregularity=0.15),
    dict(rate_bpm=40),
    dict(rate_bpm=14, sigh_every_s=30, irregularity=0.15),
    dict(paced="coherent"),
]


def test_no_false_holds_in_normal_breathing():
    minutes = 0.0
    false = []
    for k, sim in enumerate(NORMAL_CASES):
        for seed in range(2):
            x, b = realistic_trace(10 * k + seed, snr_db=20.0, drift=0.02, duration_s=120.0, **sim)
            assert b.truth.holds == ()
            minutes += 2.0
            false += [(sim, seed, h) for h in holds_of(x)]
    assert minutes >= 30
    assert false == []


def test_hold_under_strong_linear_drift():
    # a drifting trace (1 breath depth every 20 s): a level-based detector would miss the hold
    x, b = realistic_trace(1, snr_db=20.0, drift=0.0, rate_bpm=12, holds=[(30, 12, "inhale")], duration_s=70)
    x = x + 3.0 * np.arange(x.size) / FS / 20.0
    holds = holds_of(x)
    assert len(holds) == 1 and holds[0].after == "inhale"
    assert iou(holds[0], b.truth.holds[0]) >= 0.6


def test_no_hold_inside_an_invalid_stretch():
    x, b = realistic_trace(2, snr_db=20.0, rate_bpm=12, duration_s=90)
    valid = np.ones(x.size, dtype=bool)
    valid[300:500] = False
    x = x.copy()
    x[300:500] = x[299]  # frozen tracker: perfectly flat, but not a hold
    assert holds_of(x, valid=valid) == ()
    assert len(holds_of(x)) == 1  # without the mask it would be one


def test_labels_and_confidence():
    x, b = realistic_trace(3, snr_db=20.0, rate_bpm=10, holds=[(25, 10, "inhale"), (60, 10, "exhale")], duration_s=100)
    holds = holds_of(x)
    assert [h.after for h in holds] == ["inhale", "exhale"]
    assert all(h.confidence > 0.8 for h in holds)
    assert all(h.duration_s >= 3.0 for h in holds)


def test_bad_input():
    with pytest.raises(ParameterError):
        find_holds(np.zeros(100), fs_hz=-1.0)
    assert find_holds(np.zeros(2), fs_hz=FS) == ()
    assert find_holds(np.zeros(300), fs_hz=FS) == ()  # flat from start to end: no movement, no hold
