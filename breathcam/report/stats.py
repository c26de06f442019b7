"""Breath statistics as reports show them: on the breaths that contain no hold.

A deliberate hold is not a breath's inhale: counted in, one 8 s hold makes the variability the
loudest number of a calm recording and shows an I:E of 4 for that breath.  Reports compute the
timing, I:E and variability on the breaths without a hold (:func:`free_breaths`) and show holds on
their own (:func:`breath_numbers`).

    >>> from breathcam.types import Breath, Hold
    >>> bs = [Breath(5.0 * k, 5.0 * k + 2, 5.0 * k + 4.5, 5.0 * k + 5, 1.0, 1.0) for k in range(6)]
    >>> held = Breath(30.0, 40.0, 42.0, 43.0, 1.0, 1.0)
    >>> n = breath_numbers(bs + [held], [Hold(32.0, 40.0, "inhale", 0.9)])
    >>> n["cv_duration"], n["median_ie_ratio"], n["n_free"]
    (0.0, 0.8, 6)
"""

from __future__ import annotations

import math
import statistics
from typing import Sequence

from breathcam.types import Breath, Hold

__all__ = ["free_breaths", "breath_numbers", "holds_in", "rate_curve"]


def holds_in(b: Breath, holds: Sequence[Hold]) -> list[Hold]:
    """The holds that overlap breath ``b`` (one after inhale lies inside it; one after exhale
    lengthens its pause)."""
    return [h for h in holds if min(b.end, h.end) - max(b.inhale_start, h.start) > 0]


def free_breaths(breaths: Sequence[Breath], holds: Sequence[Hold]) -> list[Breath]:
    """The breaths that contain no part of a hold."""
    return [b for b in breaths if not holds_in(b, holds)]


def _r(x, nd: int):
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def variability(durations: Sequence[float], *, min_breaths: int = 5) -> tuple[float | None, float | None]:
    """(CV, RMSSD) of breath durations: the coefficient of variation and the root mean square of
    successive differences (s); both None with fewer than ``min_breaths`` (at least 2) breaths.

    >>> cv, rmssd = variability([4.0, 5.0, 4.0, 5.0, 4.0])
    >>> round(cv, 3), rmssd
    (0.124, 1.0)
    """
    if len(durations) < max(min_breaths, 2):
        return None, None
    mean = statistics.fmean(durations)
    cv = statistics.stdev(durations) / mean if mean > 0 else None
    diffs = [b - a for a, b in zip(durations, durations[1:])]
    return cv, math.sqrt(statistics.fmean(d * d for d in diffs))


def breath_numbers(breaths: Sequence[Breath], holds: Sequence[Hold], *, min_breaths: int = 5) -> dict:
    """Median inhale / exhale / pause, median I:E (inhale / exhale, as summary_numbers), CV and
    RMSSD of breath duration: over the breaths without a hold; None where there are too few."""
    free = free_breaths(breaths, holds)
    durations = [b.duration_s for b in free]
    cv, rmssd = variability(durations, min_breaths=min_breaths)
    ie = [b.inhale_s / b.exhale_s for b in free if b.exhale_s > 0]
    med = lambda xs, nd: _r(statistics.median(xs), nd) if xs else None
    return {
        "n_free": len(free),
        "median_inhale_s": med([b.inhale_s for b in free], 2),
        "median_exhale_s": med([b.exhale_s for b in free], 2),
        "median_pause_s": med([b.pause_s for b in free], 2),
        "median_ie_ratio": med(ie, 2),
        "cv_duration": _r(cv, 3),
        "rmssd_s": _r(rmssd, 2),
    }


def rate_curve(breaths: Sequence[Breath], holds: Sequence[Hold], *, window_s: float, step_s: float = 1.0,
               min_breaths: int = 2) -> list[tuple[float, float | None, float]]:
    """The rate over time as a report draws it: every ``step_s``, 60 x the breaths without a hold
    whose middle lies in the ``window_s`` around that time / the time they span; (t, rate or None,
    the breaths' mean confidence).  A hold leaves a gap instead of pulling the rate down.

    >>> bs = [Breath(5.0 * k, 5.0 * k + 2, 5.0 * k + 4.5, 5.0 * k + 5, 1.0, 1.0) for k in range(12)]
    >>> {round(r, 1) for _, r, _ in rate_curve(bs, (), window_s=20.0) if r is not None}
    {12.0}
    """
    free = free_breaths(breaths, holds)
    if not breaths:
        return []
    mids = [(0.5 * (b.inhale_start + b.end), b) for b in free]
    t0, t1 = breaths[0].inhale_start, breaths[-1].end
    out = []
    t = t0
    while t <= t1 + 1e-9:
        inside = [b for m, b in mids if abs(m - t) <= 0.5 * window_s]
        if len(inside) >= min_breaths:
            span = sum(b.duration_s for b in inside)
            out.append((round(t, 3), 60.0 * len(inside) / span if span > 0 else None,
                        statistics.fmean(b.confidence for b in inside)))
        else:
            out.append((round(t, 3), None, 0.0))
        t += step_s
    return out
