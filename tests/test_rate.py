"""Clip rate, rate series and the whole signal core on MotionTraces."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from breathcam.signals.breaths import find_breaths
from breathcam.signals.core import process
from breathcam.signals.rate import clip_rate, rate_series
from breathcam.simulate.waveform import rate_from_breaths
from breathcam.types import Breath, MotionTraces, ParameterError
from test_breaths import FS, realistic_trace


def _breaths(durations, conf=0.9):
    out, t = [], 1.0
    for d in durations:
        out.append(Breath(t, t + 0.4 * d, t + 0.8 * d, t + d, 1.0, conf))
        t += d
    return out


def _traces(x, valid=None, t0=0.0):
    t = t0 + np.arange(x.size) / FS
    valid = np.ones(x.size, dtype=bool) if valid is None else valid
    return MotionTraces(FS, t, x, x / 2, x / 2, valid, 1.0, "pose", "front")


def test_clip_rate_is_the_simulators_definition():
    bs = _breaths([4.0, 5.0, 6.0, 5.5, 4.5])
    bpm, conf = clip_rate(bs)
    assert bpm == pytest.approx(rate_from_breaths(bs), abs=1e-12)
    assert conf == pytest.approx(0.9)


def test_clip_rate_none_when_too_few_or_unsure():
    assert clip_rate([]) == (None, 0.0)
    assert clip_rate(_breaths([5.0]))[0] is None
    assert clip_rate(_breaths([5.0] * 6, conf=0.2))[0] is None
    assert clip_rate(_breaths([5.0] * 6), periodicity=0.1)[0] is None  # aperiodic: noise
    assert clip_rate(_breaths([5.0] * 6), periodicity=0.9)[0] == pytest.approx(12.0)


def test_rate_series_about_one_per_second_and_follows_a_change():
    bs = _breaths([5.0] * 12 + [2.0] * 40)  # 12/min for 60 s, then 30/min for 80 s
    series = rate_series(bs, t_start_s=0.0, t_end_s=141.0)
    assert len(series) == 142
    assert np.allclose(np.diff([p.t for p in series]), 1.0)
    at = {round(p.t): p for p in series}
    assert at[25].bpm == pytest.approx(12.0, abs=0.5)
    assert at[115].bpm == pytest.approx(30.0, abs=0.5)
    assert all(0.0 <= p.confidence <= 1.0 for p in series)
    assert all(p.bpm is None for p in rate_series([], t_end_s=10.0))
    with pytest.raises(ParameterError):
        from breathcam.config import RateConfig

        rate_series(bs, t_end_s=10.0, config=RateConfig(step_s=0.0))


@pytest.mark.parametrize("sim", [dict(rate_bpm=3.0), dict(paced="478"), dict(rate_bpm=12.0, irregularity=0.15), dict(rate_bpm=40.0)])
def test_process_rate_within_03_bpm(sim):
    x, b = realistic_trace(11, snr_db=15.0, drift=0.02, glitches_per_min=0.5, duration_s=150.0, **sim)
    result = process(_traces(x))
    assert result.rate_bpm is not None
    assert abs(result.rate_bpm - b.truth.rate_bpm) < 0.3
    assert result.rate_confidence > 0.6 and result.confidence > 0.6
    mid = [p for p in result.rate_series if 40 <= p.t <= 110]
    assert all(p.bpm is not None and abs(p.bpm - b.truth.rate_bpm) < 0.15 * b.truth.rate_bpm + 0.3 for p in mid)


def test_process_finds_holds_and_keeps_clip_times():
    x, b = realistic_trace(12, snr_db=20.0, rate_bpm=12, holds=[(30, 10, "inhale")], duration_s=90.0)
    result = process(_traces(x, t0=5.0))
    assert len(result.holds) == 1 and result.holds[0].after == "inhale"
    assert result.holds[0].start == pytest.approx(b.truth.holds[0].start + 5.0, abs=1.0)
    assert result.breaths[0].inhale_start >= 5.0


@pytest.mark.parametrize("kind", ["white", "smooth"])
def test_pure_noise_gives_no_rate(kind):
    for seed in range(4):
        rng = np.random.default_rng(seed)
        w = rng.standard_normal(1800)
        if kind == "smooth":  # noise band-limited to the breathing band
            from scipy import signal

            w = signal.sosfiltfilt(signal.butter(2, 0.5, fs=FS, output="sos"), w)
        result = process(_traces(w))
        assert result.rate_bpm is None, (kind, seed, result.rate_bpm, result.rate_confidence)
        assert result.notes


def test_person_gone_is_no_breath_and_no_rate():
    x, b = realistic_trace(13, rate_bpm=12, duration_s=60.0)
    valid = np.zeros(x.size, dtype=bool)
    result = process(_traces(x, valid=valid))
    assert result.breaths == () and result.holds == () and result.rate_bpm is None


def test_process_rejects_mismatched_arrays_and_handles_empty():
    tr = MotionTraces(FS, np.arange(10.0), np.zeros(9), np.zeros(9), np.zeros(9), np.ones(9, bool), 1.0, "pose", "front")
    with pytest.raises(ParameterError):
        process(tr)
    empty = MotionTraces(FS, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, bool), 0.0, "pose", "front")
    assert process(empty).rate_bpm is None


def test_signal_core_imports_no_opencv_or_mediapipe():
    code = (
        "import sys\n"
        "import breathcam.signals.core, breathcam.signals.filters, breathcam.signals.breaths, "
        "breathcam.signals.holds, breathcam.signals.rate\n"
        "print(','.join(m for m in ('cv2', 'mediapipe') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_find_breaths_agrees_with_process():
    x, b = realistic_trace(14, rate_bpm=15, duration_s=60.0)
    assert process(_traces(x)).breaths == find_breaths(x, fs_hz=FS)


def _with_hold(breaths, k, hold_s):
    """Breath k of ``breaths`` stretched by a hold of ``hold_s`` after its inhale (the rest shifted)."""
    from dataclasses import replace

    from breathcam.types import Hold

    out = list(breaths[:k])
    b = breaths[k]
    out.append(replace(b, exhale_start=b.exhale_start + hold_s, pause_start=b.pause_start + hold_s, end=b.end + hold_s))
    out += [replace(x, inhale_start=x.inhale_start + hold_s, exhale_start=x.exhale_start + hold_s,
                    pause_start=x.pause_start + hold_s, end=x.end + hold_s) for x in breaths[k + 1:]]
    peak = b.inhale_start + 0.4 * (b.end - b.inhale_start)
    return out, Hold(peak, peak + hold_s, "inhale", 1.0)


def test_a_hold_among_free_breaths_is_not_breathing_time():
    free = _breaths([5.0] * 10)
    breaths, hold = _with_hold(free, 4, 20.0)
    assert clip_rate(breaths)[0] == pytest.approx(60 * 10 / 70)  # the hold counted as breathing
    assert clip_rate(breaths, holds=[hold])[0] == pytest.approx(12.0)
    assert rate_from_breaths(breaths, [hold]) == pytest.approx(12.0)  # the truth means the same
    series = rate_series(breaths, t_end_s=breaths[-1].end, holds=[hold])
    inside = [p for p in series if hold.start <= p.t <= hold.end]
    assert inside and all(p.bpm is None for p in inside)  # nobody breathes there
    assert all(abs(p.bpm - 12.0) < 0.5 for p in series if p.bpm is not None)


def test_holds_in_every_breath_are_the_pattern():
    # box breathing 4-4-4-4: every breath holds twice, and its pace includes them (3.75/min)
    from breathcam.types import Hold

    breaths = [Breath(16.0 * k, 16.0 * k + 8, 16.0 * k + 12, 16.0 * k + 16, 1.0, 0.9) for k in range(6)]
    holds = [Hold(16.0 * k + 4, 16.0 * k + 8, "inhale", 1.0) for k in range(6)]
    holds += [Hold(16.0 * k + 12, 16.0 * k + 16, "exhale", 1.0) for k in range(6)]
    assert clip_rate(breaths, holds=holds)[0] == pytest.approx(3.75)
    assert all(p.bpm is None or p.bpm == pytest.approx(3.75) for p in rate_series(breaths, t_end_s=96.0, holds=holds))


def test_breaths_inside_a_hold_are_dropped():
    from breathcam.signals.core import outside_holds
    from breathcam.types import Hold

    real = _breaths([5.0] * 3)
    ripple = [Breath(17.0, 17.5, 18.0, 18.5, 0.1, 0.5), Breath(18.5, 19.0, 19.5, 20.5, 0.1, 0.5)]
    hold = Hold(16.5, 24.0, "exhale", 1.0)
    containing = Breath(10.0, 11.0, 12.0, 26.0, 3.0, 0.9)  # a breath in, held, out: it stays
    kept = outside_holds(tuple(real + ripple + [containing]), (hold,), tolerance_s=0.5)
    assert kept == tuple(real + [containing])


def test_a_short_clip_holding_most_of_the_time_gives_no_rate():
    # 13 s: a breath in, held 7 s, then out (what "breathe in and hold" clips show)
    from breathcam.simulate.waveform import simulate_breathing

    for seed in range(3):
        b = simulate_breathing(duration_s=13.0, fs_hz=FS, rate_bpm=15, holds=[(3.0, 7.0, "inhale")], seed=seed)
        r = process(_traces(3.0 * b.volume))
        assert r.rate_bpm is None
        assert all(p.bpm is None or p.bpm <= 25.0 for p in r.rate_series)
