"""The signal core: one breathing trace -> every breath, the rate and the breath holds.

:func:`process` only chains the stages (breaths -> holds -> rate); each stage is a public
function of its own module and can be called alone.

>>> import numpy as np
>>> from breathcam.simulate.waveform import simulate_breathing
>>> from breathcam.types import MotionTraces
>>> b = simulate_breathing(duration_s=60, fs_hz=10, rate_bpm=12, seed=1)
>>> tr = MotionTraces(10.0, b.t_s, b.volume, b.chest, b.belly, np.ones(b.t_s.size, bool), 1.0, "pose", "front")
>>> round(process(tr).rate_bpm)
12
"""

from __future__ import annotations

import numpy as np

from breathcam.config import DEFAULT, Config
from breathcam.signals.breaths import segment
from breathcam.signals.holds import find_holds
from breathcam.signals.rate import clip_rate, rate_series
from breathcam.types import MotionTraces, ParameterError, SignalResult

__all__ = ["process"]


def process(traces: MotionTraces, *, config: Config = DEFAULT) -> SignalResult:
    """Breaths, holds, clip rate and rate series of ``traces.breathing`` (invalid samples skipped)."""
    x = np.asarray(traces.breathing, dtype=float)
    t = np.asarray(traces.t_s, dtype=float)
    if x.shape != t.shape:
        raise ParameterError(f"breathing has {x.size} samples but t_s has {t.size}")
    if x.size == 0:
        return SignalResult(None, 0.0, (), (), (), 0.0, ("empty trace",))
    t0 = float(t[0])
    seg = segment(
        x, fs_hz=traces.fs_hz, t0_s=t0, config=config.breaths, filters=config.filters, valid=traces.valid
    )
    holds = find_holds(
        x,
        fs_hz=traces.fs_hz,
        breaths=seg.breaths,
        t0_s=t0,
        config=config.holds,
        filters=config.filters,
        valid=traces.valid,
        moving=traces.moving,
    )
    bpm, rate_conf = clip_rate(seg.breaths, periodicity=seg.periodicity, config=config.rate)
    series = rate_series(seg.breaths, t_start_s=t0, t_end_s=float(t[-1]), config=config.rate)
    notes = []
    if not seg.usable.all():
        notes.append(f"{(~seg.usable).sum() / traces.fs_hz:.0f} s without a usable measurement")
    if not seg.breaths:
        notes.append("no breaths found")
    elif bpm is None:
        notes.append("breathing too weak or irregular for a reliable rate")
    return SignalResult(
        rate_bpm=bpm,
        rate_confidence=rate_conf,
        rate_series=series,
        breaths=seg.breaths,
        holds=holds,
        confidence=rate_conf * float(seg.usable.mean()),
        notes=tuple(notes),
    )
