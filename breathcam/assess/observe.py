"""What one observation step measured: rate, its variability, breath timing, chest/belly, sighs, holds.

:func:`observe` takes the session's breaths and holds (the one analysis core's, from
``LiveSession.finish()``) and one step's window, and returns an :class:`Observation`.  Rate,
variability (CV of breath duration, RMSSD of successive durations), inhale / exhale / pause and
I:E are computed on the breaths that contain no hold (:func:`free_breaths`): one deliberate hold
would otherwise make the variability the loudest number and count the hold as an inhale.  Holds
are reported on their own.

    >>> from breathcam.types import Breath, Hold
    >>> bs = [Breath(5.0 * k, 5.0 * k + 2, 5.0 * k + 4.5, 5.0 * k + 5, 1.0, 1.0) for k in range(10)]
    >>> o = observe(bs, (), window=(0.0, 50.0))
    >>> o.rate_bpm, o.n_breaths, o.ie_ratio
    (12.0, 10, 1.25)
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Sequence

from breathcam.report.stats import free_breaths, variability
from breathcam.types import Breath, Hold, Repetition

__all__ = ["Observation", "free_breaths", "observe"]


@dataclass(frozen=True)
class Observation:
    """One step's measurements; every value is None where it could not be measured."""

    kind: str
    start_s: float
    end_s: float
    n_breaths: int  # complete breaths in the window
    n_free: int  # of which without a hold (the statistics below are over these)
    rate_bpm: float | None
    cv_duration: float | None
    rmssd_s: float | None
    inhale_s: float | None  # medians
    exhale_s: float | None
    pause_s: float | None
    ie_ratio: float | None  # exhale / inhale (I:E 1:x), median over breaths
    belly_share: float | None  # median per-breath share, 0 chest .. 1 belly
    phase_deg: float | None  # median belly lag behind the chest
    n_sighs: int
    sighs_per_min: float | None
    holds: tuple[Hold, ...]
    pattern_confidence: float = 0.0  # the session's chest/belly reading's confidence
    reps: tuple[Repetition, ...] = ()

    @property
    def minutes(self) -> float:
        return max(0.0, self.end_s - self.start_s) / 60.0

    @property
    def longest_hold_s(self) -> float | None:
        return max((h.duration_s for h in self.holds), default=None)


def _r(x, nd: int = 2):
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def observe(
    breaths: Sequence[Breath],
    holds: Sequence[Hold],
    *,
    window: tuple[float, float],
    kind: str = "rest",
    min_breaths: int = 5,
    pattern_confidence: float = 0.0,
    reps: Sequence[Repetition] = (),
) -> Observation:
    """The measurements of the breaths that start inside ``window`` (and the holds that overlap it)."""
    t0, t1 = float(window[0]), float(window[1])
    inside = [b for b in breaths if t0 <= b.inhale_start and b.end <= t1 + 0.5 * b.duration_s]
    hs = tuple(h for h in holds if h.end > t0 and h.start < t1)
    free = free_breaths(inside, hs)
    durations = [b.duration_s for b in free]
    rate = 60.0 * len(free) / sum(durations) if free and sum(durations) > 0 else None
    cv, rmssd = variability(durations, min_breaths=min_breaths)
    med = lambda xs: statistics.median(xs) if xs else None
    ie = [b.exhale_s / b.inhale_s for b in free if b.inhale_s > 0 and b.exhale_s > 0]
    shares = [b.belly_share for b in free if b.belly_share is not None]
    phases = [b.phase_deg for b in free if b.phase_deg is not None]
    sighs = sum(1 for b in inside if b.is_sigh)
    minutes = max(0.0, t1 - t0) / 60.0
    return Observation(
        kind=kind, start_s=round(t0, 3), end_s=round(t1, 3), n_breaths=len(inside), n_free=len(free),
        rate_bpm=_r(rate), cv_duration=_r(cv, 3), rmssd_s=_r(rmssd),
        inhale_s=_r(med([b.inhale_s for b in free])), exhale_s=_r(med([b.exhale_s for b in free])),
        pause_s=_r(med([b.pause_s for b in free])), ie_ratio=_r(med(ie)),
        belly_share=_r(med(shares)), phase_deg=_r(med(phases), 1),
        n_sighs=sighs, sighs_per_min=_r(sighs / minutes) if minutes > 0 else None, holds=hs,
        pattern_confidence=float(pattern_confidence),
        reps=tuple(r for r in reps if r.start >= t0 - 1.0 and r.end <= t1 + 1.0),
    )
