"""Breathing rate from tracked breaths: one number for the clip and a series over a sliding window.

The clip rate is ``60 * n / (sum of breath durations)`` over complete breaths, with the time of
holds that interrupt the breathing left out (holds that belong to a paced pattern, as in box
breathing, are part of its pace).  For contiguous breaths that is exactly the simulator's truth
``60 * n / (last end - first inhale_start - time held)``, and it does not count invalid
stretches between breaths as breathing time either.  Every rate carries a
confidence; below ``min_confidence`` (or with fewer than ``min_breaths`` breaths) the rate is
``None``: a wrong number is worse than none.

Where it fails: the rate of a clip whose rate changes a lot is a mean over it; the rate series
lags sudden changes by up to half its window.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from breathcam.config import DEFAULT, RateConfig
from breathcam.types import Breath, Hold, ParameterError, RatePoint

__all__ = ["clip_rate", "rate_series", "periodicity_score", "held_s", "interrupting_holds"]


def periodicity_score(periodicity: float | None, *, config: RateConfig = DEFAULT.rate) -> float:
    """Map the autocorrelation at the dominant period to 0..1 (``None``: no evidence either way -> 1)."""
    if periodicity is None:
        return 1.0
    lo, hi = config.periodicity_low, config.periodicity_high
    return float(np.clip((periodicity - lo) / (hi - lo), 0.0, 1.0))


def held_s(start_s: float, end_s: float, holds: Sequence[Hold]) -> float:
    """Seconds of ``[start_s, end_s]`` spent in ``holds``."""
    return float(sum(max(0.0, min(end_s, h.end) - max(start_s, h.start)) for h in holds))


def interrupting_holds(breaths: Sequence, holds: Sequence, *, config: RateConfig = DEFAULT.rate) -> tuple:
    """The holds that interrupt the breathing rather than belong to its pattern.

    Paced patterns hold in every breath (box breathing 4-4-4-4 is 3.75 breaths a minute, holds
    included), while a hold among free breaths (a breath-hold test, a held squat) stops the
    breathing for a while: the rate of the breathing leaves it out.  A hold interrupts when no
    breath contains it, or when its breath lasts more than ``hold_breath_ratio`` times the median
    breath without a hold; with no breath free of holds, every hold is part of the pattern.
    Works on any objects with ``inhale_start``/``end`` (breaths) and ``start``/``end`` (holds),
    so the simulator's truth follows the same rule.
    """
    def span(b) -> float:
        return b.end - b.inhale_start

    free = [span(b) for b in breaths if held_s(b.inhale_start, b.end, holds) <= 0]
    typical = float(np.median(free)) if free else None
    out = []
    for h in holds:
        home = [b for b in breaths if held_s(b.inhale_start, b.end, (h,)) > 0]
        if not home or (typical is not None and max(span(b) for b in home) > config.hold_breath_ratio * typical):
            out.append(h)
    return tuple(out)


def _rate_of(breaths: Sequence[Breath], holds: Sequence[Hold] = ()) -> float | None:
    # the time of holds that interrupt the breathing is not breathing time
    total_s = float(sum(b.duration_s - held_s(b.inhale_start, b.end, holds) for b in breaths))
    return 60.0 * len(breaths) / total_s if total_s > 0 else None


def clip_rate(
    breaths: Sequence[Breath],
    *,
    periodicity: float | None = None,
    holds: Sequence[Hold] = (),
    config: RateConfig = DEFAULT.rate,
) -> tuple[float | None, float]:
    """The clip's breathing rate (breaths/min) and its confidence (0..1).

    The time spent in ``holds`` that interrupt the breathing (:func:`interrupting_holds`) is not
    breathing time: 12 breaths in 60 s with a 20 s hold among them is 18/min, the pace of the
    breathing itself; the holds of box breathing are part of its pace.

    ``periodicity`` is the autocorrelation at the dominant period
    (:func:`breathcam.signals.breaths.dominant_rate`); noise has little, breathing much.  The
    confidence is the median breath confidence scaled by it; the rate is ``None`` when there are
    fewer than ``config.min_breaths`` breaths or the confidence is below ``config.min_confidence``.

    >>> from breathcam.types import Breath
    >>> bs = [Breath(5.0 * k, 5.0 * k + 2, 5.0 * k + 4, 5.0 * k + 5, 1.0, 0.9) for k in range(6)]
    >>> clip_rate(bs)
    (12.0, 0.9)
    """
    if not breaths:
        return None, 0.0
    conf = float(np.median([b.confidence for b in breaths])) * periodicity_score(periodicity, config=config)
    if len(breaths) < config.min_breaths:
        conf *= len(breaths) / config.min_breaths
    bpm = _rate_of(breaths, interrupting_holds(breaths, holds, config=config))
    if bpm is None or len(breaths) < config.min_breaths or conf < config.min_confidence:
        return None, conf
    return bpm, conf


def rate_series(
    breaths: Sequence[Breath],
    *,
    t_end_s: float,
    t_start_s: float = 0.0,
    holds: Sequence[Hold] = (),
    config: RateConfig = DEFAULT.rate,
) -> tuple[RatePoint, ...]:
    """Rate every ``config.step_s`` from ``t_start_s`` to ``t_end_s`` over a centred window.

    The window is ``config.window_s`` long, widened to hold ``min_window_breaths`` typical
    breaths for slow breathing; a breath counts in the window when its middle lies inside.  The
    confidence is the mean confidence of those breaths times the share of the window (inside the
    clip) they cover; points below ``min_confidence`` or with fewer than ``min_breaths`` breaths
    have ``bpm=None``.  The time of holds that interrupt the breathing is left out of the breaths'
    durations (as in :func:`clip_rate`), and a point inside one has ``bpm=None``: nobody breathes
    there.
    """
    if config.step_s <= 0 or config.window_s <= 0:
        raise ParameterError("rate step_s and window_s must be positive")
    if t_end_s < t_start_s:
        return ()
    times = np.arange(t_start_s, t_end_s + 1e-9, config.step_s)
    if not breaths:
        return tuple(RatePoint(t=float(t), bpm=None, confidence=0.0) for t in times)
    holds = interrupting_holds(breaths, holds, config=config)
    starts = np.array([b.inhale_start for b in breaths])
    ends = np.array([b.end for b in breaths])
    mids = 0.5 * (starts + ends)
    durs = ends - starts - np.array([held_s(b.inhale_start, b.end, holds) for b in breaths])
    confs = np.array([b.confidence for b in breaths])
    window = max(config.window_s, config.min_window_breaths * float(np.median(durs)))
    out = []
    for t in times:
        lo, hi = max(t - 0.5 * window, t_start_s), min(t + 0.5 * window, t_end_s)
        sel = (mids >= lo) & (mids < hi)
        n = int(sel.sum())
        if n == 0:
            out.append(RatePoint(t=float(t), bpm=None, confidence=0.0))
            continue
        covered = float(np.sum(np.minimum(ends[sel], hi) - np.maximum(starts[sel], lo)))
        coverage = min(1.0, covered / max(hi - lo, 1e-9))
        conf = float(np.mean(confs[sel])) * coverage
        bpm = 60.0 * n / float(durs[sel].sum()) if durs[sel].sum() > 0 else None
        if n < config.min_breaths or conf < config.min_confidence or any(h.start <= t <= h.end for h in holds):
            bpm = None
        out.append(RatePoint(t=float(t), bpm=bpm, confidence=conf))
    return tuple(out)
