"""The signal core: one breathing trace -> every breath, the rate and the breath holds.

:func:`process` only chains the stages (breaths -> holds -> rate); each stage is a public
function of its own module and can be called alone.  Breaths found inside a hold are dropped
(:func:`outside_holds`) and the rate leaves the time held out.

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
from breathcam.types import Breath, Hold, MotionTraces, ParameterError, SignalResult

__all__ = ["process", "outside_holds"]


def outside_holds(breaths: tuple[Breath, ...], holds: tuple[Hold, ...], *, tolerance_s: float) -> tuple[Breath, ...]:
    """The breaths that are not inside a hold: the ripple of a held trace can pass for shallow
    breaths, and nobody breathes while holding.  A breath lies inside a hold when it begins and
    ends within it (widened by ``tolerance_s``); one that contains a hold (a breath in, held,
    then out) stays."""
    return tuple(
        b for b in breaths
        if not any(h.start - tolerance_s <= b.inhale_start and b.end <= h.end + tolerance_s for h in holds)
    )


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
    breaths = outside_holds(seg.breaths, holds, tolerance_s=config.holds.edge_tolerance_s)
    bpm, rate_conf = clip_rate(breaths, periodicity=seg.periodicity, holds=holds, config=config.rate)
    series = rate_series(breaths, t_start_s=t0, t_end_s=float(t[-1]), holds=holds, config=config.rate)
    notes = []
    if not seg.usable.all():
        notes.append(f"{(~seg.usable).sum() / traces.fs_hz:.0f} s without a usable measurement")
    if not breaths:
        notes.append("no breaths found" if not holds else "no breaths found outside the breath holds")
    elif bpm is None:
        notes.append("breathing too weak or irregular for a reliable rate")
    return SignalResult(
        rate_bpm=bpm,
        rate_confidence=rate_conf,
        rate_series=series,
        breaths=breaths,
        holds=holds,
        confidence=rate_conf * float(seg.usable.mean()),
        notes=tuple(notes),
    )
