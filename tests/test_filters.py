"""Filters: pass band, plateaus kept by the low-pass, trace cleaning, streaming == batch."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from breathcam.config import DEFAULT
from breathcam.signals.filters import (
    StreamingFilter,
    bandpass,
    clean_trace,
    design_bandpass,
    design_lowpass,
    lowpass,
)
from breathcam.types import ParameterError

FS = 10.0


def _gain(f_hz: float, fn) -> float:
    t = np.arange(int(600 * FS)) / FS
    x = np.sin(2 * np.pi * f_hz * t)
    y = fn(x)
    mid = slice(len(t) // 4, 3 * len(t) // 4)
    return float(np.std(y[mid]) / np.std(x[mid]))


def test_bandpass_keeps_3_to_40_per_minute_and_removes_drift_and_jitter():
    bp = lambda x: bandpass(x, fs_hz=FS)  # noqa: E731
    assert _gain(3.2 / 60, bp) > 0.45  # 4-7-8 breathing sits near the low edge (zero-phase: -6 dB at the edge)
    for bpm in (6, 12, 20, 40):
        assert _gain(bpm / 60, bp) > 0.8
    assert _gain(0.005, bp) < 0.02  # drift
    assert _gain(3.0, bp) < 0.02  # camera jitter


def test_design_parameters_are_checked():
    assert design_bandpass(fs_hz=FS, low_hz=0.05, high_hz=1.0, order=2).shape == (2, 6)
    assert design_lowpass(fs_hz=FS, cutoff_hz=1.0, order=2).shape == (1, 6)
    for kw in (dict(low_hz=0.0), dict(high_hz=6.0), dict(low_hz=1.0, high_hz=0.5)):
        args = dict(fs_hz=FS, low_hz=0.05, high_hz=1.0, order=2) | kw
        with pytest.raises(ParameterError):
            design_bandpass(**args)
    with pytest.raises(ParameterError):
        bandpass(np.array([1.0, np.nan, 2.0, 3.0]), fs_hz=FS)
    with pytest.raises(ParameterError):
        lowpass(np.zeros((4, 4)), fs_hz=FS)


def test_lowpass_keeps_a_plateau_flat_where_a_highpass_would_not():
    x = np.concatenate((np.linspace(0, 1, 40), np.ones(100), np.linspace(1, 0, 40), np.zeros(60)))
    y = lowpass(x, fs_hz=FS)
    plateau = y[60:120]
    assert np.ptp(plateau) < 0.01
    yb = bandpass(x, fs_hz=FS)
    assert np.ptp(yb[60:120]) > 0.1  # the band-pass turns the plateau into a slope


def test_streaming_filter_block_by_block_equals_batch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000).cumsum() * 0.1 + np.sin(np.arange(1000) / FS)
    f = StreamingFilter.bandpass(fs_hz=FS)
    blocks, i = [], 0
    while i < x.size:
        n = int(rng.integers(1, 40))
        blocks.append(f.process(x[i : i + n]))
        i += n
    streamed = np.concatenate(blocks)
    batch = signal.sosfilt(f.sos, x)
    np.testing.assert_allclose(streamed, batch, atol=1e-12)
    f.reset()
    np.testing.assert_allclose(f.process(x[:100]), batch[:100], atol=1e-12)
    g = StreamingFilter.lowpass(fs_hz=FS)
    np.testing.assert_allclose(np.concatenate([g.process(b) for b in np.array_split(x, 7)]), signal.sosfilt(g.sos, x), atol=1e-12)


def test_clean_trace_bridges_gaps_and_removes_steps():
    t = np.arange(600) / FS
    x = np.sin(2 * np.pi * 0.2 * t)
    valid = np.ones(x.size, dtype=bool)
    valid[100:103] = False  # 0.3 s: bridged
    valid[300:400] = False  # 10 s: unusable
    x_bad = x.copy()
    x_bad[~valid] = 50.0
    x_bad[200:] += 5.0  # a tracker jump
    y, usable = clean_trace(x_bad, fs_hz=FS, valid=valid)
    assert np.all(np.isfinite(y))
    assert usable[100:103].all() and not usable[300:400].any() and usable[:300].all()
    # the jump is gone: the trace after it lines up with the trace before it
    assert abs((y[250] - y[150]) - (x[250] - x[150])) < 0.2
    assert np.max(np.abs(y[:100] - x[:100])) < 1e-9
    with pytest.raises(ParameterError):
        clean_trace(x, fs_hz=FS, valid=valid[:10])
    y, usable = clean_trace(np.full(50, np.nan), fs_hz=FS)
    assert not usable.any()


def test_defaults_keep_the_low_edge_near_005_hz():
    assert 0.03 <= DEFAULT.filters.low_hz <= 0.05


def test_clean_trace_keeps_a_deep_breath_into_a_hold_that_fills_the_trace():
    # a short clip: still, one deep breath in over 1.2 s, then held: the breath is no glitch,
    # however much larger its steps are than the rest of the trace's
    t = np.arange(120) / FS
    rise = np.clip((t - 3.0) / 1.2, 0.0, 1.0)
    x = 15.0 * 0.5 * (1 - np.cos(np.pi * rise)) + np.random.default_rng(0).normal(0.0, 0.02, t.size)
    y, usable = clean_trace(x, fs_hz=FS)
    assert usable.all()
    assert np.max(np.abs(y - x)) < 0.1
    # while a one-sample tracker jump in the same trace is still taken out
    x2 = x.copy()
    x2[80:] += 4.0
    y2, _ = clean_trace(x2, fs_hz=FS)
    assert abs((y2[100] - y2[60]) - (x[100] - x[60])) < 0.2


def test_clean_trace_ends_without_measurement_are_not_usable():
    x = np.sin(np.arange(200) / 8.0)
    valid = np.ones(200, dtype=bool)
    valid[:5] = False  # 0.5 s: shorter than max_gap_s, but nothing before it to bridge from
    valid[-30:] = False
    _, usable = clean_trace(x, fs_hz=FS, valid=valid)
    assert not usable[:5].any() and not usable[-30:].any() and usable[5:-30].all()
