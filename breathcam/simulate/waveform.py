"""Seeded breathing waveforms with exact truth.

A breathing schedule is built breath by breath (inhale, optional hold after inhale, exhale,
end-expiratory pause, optional hold after exhale), then sampled into a lung-volume curve and split
into a chest and a belly component.  Every boundary is known, so the truth (breaths, holds, rate,
belly share, phase) is exact.

>>> from breathcam.simulate.waveform import simulate_breathing
>>> b = simulate_breathing(duration_s=60, rate_bpm=12, seed=1)
>>> round(b.truth.rate_bpm)
12
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from breathcam.types import ParameterError

# Paced patterns as (inhale, hold after inhale, exhale, hold after exhale) in seconds.
PACED_PATTERNS: dict[str, tuple[float, float, float, float]] = {
    "box": (4.0, 4.0, 4.0, 4.0),  # 3.75/min
    "478": (4.0, 7.0, 8.0, 0.0),  # 3.16/min
    "46": (4.0, 0.0, 6.0, 0.0),  # 6/min
    "coherent": (4.5, 0.0, 6.4, 0.0),  # 5.5/min
}

# A sigh's depth as a multiple of the surrounding breaths (physiological sighs are 2-3x tidal volume).
SIGH_DEPTH = 2.5
# Pauses and holds at least this long count as holds in the truth (breathcam.config.HoldConfig.min_hold_s).
TRUTH_MIN_HOLD_S = 3.0


@dataclass(frozen=True)
class TruthBreath:
    inhale_start: float
    exhale_start: float
    end: float
    is_sigh: bool = False
    # the belly's share of this breath's simulated excursion (None: not known, e.g. old files)
    belly_share: float | None = None


@dataclass(frozen=True)
class TruthHold:
    start: float
    end: float
    after: str  # "inhale" | "exhale"
    # still running at the clip's end: ``end`` is the clip's end, the hold itself lasts longer
    open: bool = False


@dataclass(frozen=True)
class Truth:
    """What is exactly known about a simulated recording."""

    duration_s: float
    rate_bpm: float | None
    breaths: tuple[TruthBreath, ...]
    holds: tuple[TruthHold, ...]
    belly_share: float | None = None
    phase_deg: float | None = None
    label: str = "unknown"
    description: str = ""
    seed: int | None = None
    extra: dict = field(default_factory=dict)
    # time of a change of breathing pattern (the first breath with the new belly share), or None
    switch_s: float | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        # "open" is written only where it is true, so that truths without open holds read and
        # write exactly as before the field existed
        data["holds"] = [{k: v for k, v in h.items() if k != "open" or v} for h in data["holds"]]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Truth":
        data = dict(data)
        data["breaths"] = tuple(TruthBreath(**b) for b in data["breaths"])
        data["holds"] = tuple(TruthHold(**h) for h in data["holds"])
        return cls(**data)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def read(cls, path: str | Path) -> "Truth":
        return cls.from_dict(json.loads(Path(path).read_text()))


@dataclass(frozen=True)
class Breathing:
    """Uniformly sampled chest and belly excursions (arbitrary units, inhale positive) and their truth."""

    fs_hz: float
    t_s: np.ndarray
    chest: np.ndarray
    belly: np.ndarray
    truth: Truth

    @property
    def volume(self) -> np.ndarray:
        return self.chest + self.belly


def rate_from_breaths(breaths: Sequence, holds: Sequence = ()) -> float | None:
    """Breaths per minute over complete breaths: 60 * count / (last end - first start - time held).

    The time held counts the holds that interrupt the breathing, by the analysis's own rule
    (:func:`breathcam.signals.rate.interrupting_holds`: a paced pattern's holds are part of its
    pace), so truth and estimate mean the same thing.
    """
    from breathcam.signals.rate import held_s, interrupting_holds

    if len(breaths) < 1:
        return None
    a, b = breaths[0].inhale_start, breaths[-1].end
    span = b - a - held_s(a, b, interrupting_holds(breaths, holds))
    return 60.0 * len(breaths) / span if span > 0 else None


@dataclass(frozen=True)
class _Phase:
    kind: str  # "in" | "hold_in" | "out" | "pause" | "hold_out"
    start: float
    end: float
    depth: float


def _schedule(
    *,
    duration_s: float,
    rate_bpm: float,
    inhale_fraction: float,
    pause_fraction: float,
    irregularity: float,
    sigh_every_s: float | None,
    holds: Sequence[tuple[float, float, str]],
    paced: tuple[float, float, float, float] | None,
    rng: np.random.Generator,
) -> list[_Phase]:
    for at, hold_s, after in holds:
        if after not in ("inhale", "exhale"):
            raise ParameterError(f"hold 'after' must be 'inhale' or 'exhale', not {after!r}")
        if not 0 <= at < duration_s or not hold_s > 0:
            raise ParameterError(
                f"a hold must start within the clip (0 <= at < {duration_s:g} s) and last more than 0 s, not at {at:g} s for {hold_s:g} s"
            )
    pending = sorted(holds, key=lambda h: h[0])
    phases: list[_Phase] = []
    t = float(rng.uniform(0.0, 1.0))  # the first breath does not start at exactly 0
    phases.append(_Phase("pause", 0.0, t, 0.0))
    next_sigh = rng.uniform(0.5, 1.0) * sigh_every_s if sigh_every_s else None
    while t < duration_s:
        if paced is not None:
            # A person following a pacer is a little early or late in every phase.
            jitter = np.exp(irregularity * rng.standard_normal(4)) if irregularity > 0 else np.ones(4)
            t_in, t_hold_in, t_out, t_hold_out = (float(a * j) for a, j in zip(paced, jitter))
        else:
            period = 60.0 / rate_bpm
            if irregularity > 0:
                period *= float(np.exp(irregularity * rng.standard_normal()))
            t_in = inhale_fraction * period * (1 - pause_fraction)
            t_out = (1 - inhale_fraction) * period * (1 - pause_fraction)
            t_hold_in, t_hold_out = 0.0, pause_fraction * period
        depth = 1.0
        if irregularity > 0:
            depth *= float(np.exp(0.5 * irregularity * rng.standard_normal()))
        if next_sigh is not None and t >= next_sigh:
            depth *= SIGH_DEPTH
            t_in *= 1.6
            t_out *= 1.4
            next_sigh = t + sigh_every_s * rng.uniform(0.7, 1.3)
        extra_in = extra_out = 0.0
        while pending and pending[0][0] <= t + t_in + t_hold_in + t_out:
            _, hold_s, after = pending.pop(0)
            if after == "inhale":
                extra_in += hold_s
            elif after == "exhale":
                extra_out += hold_s
            else:
                raise ParameterError(f"hold 'after' must be 'inhale' or 'exhale', not {after!r}")
        for kind, dur in (
            ("in", t_in),
            ("hold_in", t_hold_in + extra_in),
            ("out", t_out),
            ("pause", t_hold_out + extra_out),
        ):
            if dur > 0:
                phases.append(_Phase(kind, t, t + dur, depth))
                t += dur
    # A hold asked for inside the last breath's pause (its breath is past the clip's end): an
    # exhale hold lengthens that pause, an inhale hold cuts it at ``at`` with an inhale and the hold.
    for at, hold_s, after in pending:
        last = phases[-1]
        if after == "exhale" and last.kind == "pause":
            phases[-1] = replace(last, end=last.end + hold_s)
        elif after == "inhale" and last.kind == "hold_in":
            phases[-1] = replace(last, end=last.end + hold_s)
        elif after == "inhale" and last.kind == "pause":
            t_in = paced[0] if paced is not None else inhale_fraction * (60.0 / rate_bpm) * (1 - pause_fraction)
            cut = max(last.start, at)
            phases[-1] = replace(last, end=cut)
            if cut <= last.start:
                phases.pop()
            depth = next(ph.depth for ph in reversed(phases) if ph.kind == "in")
            phases.append(_Phase("in", cut, cut + t_in, depth))
            phases.append(_Phase("hold_in", cut + t_in, cut + t_in + hold_s, depth))
        else:
            raise ParameterError(f"the hold at {at:g} s overlaps another at the clip's end")
    return phases


def _volume(phases: list[_Phase], t_s: np.ndarray) -> np.ndarray:
    v = np.zeros_like(t_s)
    level = 0.0
    for ph in phases:
        m = (t_s >= ph.start) & (t_s < ph.end)
        u = (t_s[m] - ph.start) / (ph.end - ph.start)
        if ph.kind == "in":
            # Raised cosine: zero flow at both ends, like a relaxed inhale.
            v[m] = level + (ph.depth - level) * 0.5 * (1 - np.cos(np.pi * u))
            level = ph.depth
        elif ph.kind == "out":
            # Passive exhale: fast at first, slowing towards rest (normalised exponential).
            k = 3.0
            v[m] = level * (np.exp(-k * u) - np.exp(-k)) / (1 - np.exp(-k))
            level = 0.0
        else:
            v[m] = level
    return v


def _truth_from_phases(phases: list[_Phase], duration_s: float, min_hold_s: float, open_holds: bool = True):
    breaths: list[TruthBreath] = []
    holds: list[TruthHold] = []
    depths = [p.depth for p in phases if p.kind == "in"]
    median_depth = float(np.median(depths)) if depths else 1.0
    starts = [i for i, p in enumerate(phases) if p.kind == "in"]
    for n, i in enumerate(starts):
        nxt = starts[n + 1] if n + 1 < len(starts) else None
        if nxt is None:
            break  # the last breath is not complete: no end
        group = phases[i:nxt]
        ex = next(p for p in group if p.kind == "out")
        end = phases[nxt].start
        if end > duration_s:
            break
        breaths.append(
            TruthBreath(
                inhale_start=round(group[0].start, 4),
                exhale_start=round(ex.start, 4),
                end=round(end, 4),
                is_sigh=group[0].depth > 1.8 * median_depth,
            )
        )
    for p in phases:
        if p.kind not in ("hold_in", "pause") or p.start <= 0:
            continue
        after = "inhale" if p.kind == "hold_in" else "exhale"
        if p.end - p.start >= min_hold_s and p.end <= duration_s:
            holds.append(TruthHold(round(p.start, 4), round(p.end, 4), after))
        elif open_holds and p.start < duration_s < p.end and duration_s - p.start >= min_hold_s:
            # still holding when the clip ends: what the clip shows of it is at least min_hold_s
            holds.append(TruthHold(round(p.start, 4), round(float(duration_s), 4), after, open=True))
    return tuple(breaths), tuple(holds)


def simulate_breathing(
    *,
    duration_s: float = 60.0,
    fs_hz: float = 30.0,
    rate_bpm: float = 12.0,
    inhale_fraction: float = 0.4,
    pause_fraction: float = 0.1,
    irregularity: float = 0.0,
    sigh_every_s: float | None = None,
    holds: Sequence[tuple[float, float, str]] = (),
    paced: str | tuple[float, float, float, float] | None = None,
    belly_share: float = 0.5,
    phase_deg: float = 0.0,
    paradoxical: bool = False,
    switch_at_s: float | None = None,
    belly_share_after: float | None = None,
    seed: int = 0,
    description: str = "",
    open_holds: bool = True,
) -> Breathing:
    """Seeded breathing with exact truth.

    rate_bpm: mean rate (ignored when ``paced`` is given); inhale_fraction: share of the active
    cycle spent inhaling (I:E 1:1.5 is 0.4); pause_fraction: share of the cycle spent in the
    end-expiratory pause; irregularity: log-normal spread of breath duration (0.15 is restless
    breathing); sigh_every_s: mean interval between sighs; holds: (approximate time, seconds,
    "inhale"|"exhale"), placed at the breath under way at that time (a hold after inhale follows
    that breath's inhale, one after exhale lengthens its end-expiratory pause; a time inside the
    clip's last pause starts the hold there); short clips work too (a 12 s clip with
    ``holds=[(2, 7, "inhale")]`` is one breath in, the hold, and the breath out); paced: "box", "478", "46", "coherent" or
    (inhale, hold, exhale, hold) seconds; belly_share: belly's share of each breath's excursion;
    phase_deg: belly lag behind the chest in degrees of the mean cycle; paradoxical: belly moves
    in while the chest moves out; switch_at_s, belly_share_after: from the first breath starting
    at or after switch_at_s the belly share is belly_share_after (chest breathing that turns into
    belly breathing: belly_share=0.15, belly_share_after=0.85); ``truth.switch_s`` is that breath's
    start and every truth breath carries its own ``belly_share``; open_holds: a hold (or pause)
    still running at the clip's end is in ``truth.holds`` with ``open=True`` and ``end`` at the
    clip's end, when at least TRUTH_MIN_HOLD_S of it is in the clip, as the analysis reports it
    (False leaves it out, as truth files written before open holds were reported do).

    Truth label: "chest" below a median per-breath share of 0.35, "belly" above 0.65, else
    "mixed" (the cuts of breathcam.config.PatternConfig).
    """
    if not 0 < rate_bpm <= 80:
        raise ParameterError(f"rate_bpm must be in (0, 80], not {rate_bpm}")
    if duration_s <= 0 or fs_hz <= 0:
        raise ParameterError("duration_s and fs_hz must be positive")
    if not 0 <= belly_share <= 1:
        raise ParameterError("belly_share must be in [0, 1]")
    if (switch_at_s is None) != (belly_share_after is None):
        raise ParameterError("switch_at_s and belly_share_after go together")
    if belly_share_after is not None and not 0 <= belly_share_after <= 1:
        raise ParameterError("belly_share_after must be in [0, 1]")
    if isinstance(paced, str):
        if paced not in PACED_PATTERNS:
            raise ParameterError(f"unknown paced pattern {paced!r}; choose from {', '.join(PACED_PATTERNS)}")
        paced = PACED_PATTERNS[paced]
    rng = np.random.default_rng(seed)
    phases = _schedule(
        duration_s=duration_s,
        rate_bpm=rate_bpm,
        inhale_fraction=inhale_fraction,
        pause_fraction=pause_fraction,
        irregularity=irregularity,
        sigh_every_s=sigh_every_s,
        holds=holds,
        paced=paced,
        rng=rng,
    )
    t_s = np.arange(int(round(duration_s * fs_hz))) / fs_hz
    volume = _volume(phases, t_s)
    breaths, truth_holds = _truth_from_phases(phases, duration_s, TRUTH_MIN_HOLD_S, open_holds)
    rate = rate_from_breaths(breaths, truth_holds)
    # the share changes at the start of an inhale (the volume is at rest there: no jump)
    switch_s = None
    if switch_at_s is not None:
        starts = [p.start for p in phases if p.kind == "in" and p.start >= switch_at_s]
        switch_s = round(starts[0], 4) if starts and starts[0] < duration_s else None
    share_t = np.full(t_s.shape, float(belly_share))
    if switch_s is not None:
        share_t[t_s >= switch_s] = float(belly_share_after)
    breaths = tuple(
        replace(b, belly_share=float(belly_share_after if switch_s is not None and b.inhale_start >= switch_s else belly_share))
        for b in breaths
    )
    chest = (1.0 - share_t) * volume
    if paradoxical:
        belly = share_t * (volume.max() - volume) if volume.size else volume
        phase = 180.0
    else:
        period_s = 60.0 / rate if rate else 60.0 / rate_bpm
        lag_s = phase_deg / 360.0 * period_s
        belly = share_t * np.interp(t_s - lag_s, t_s, volume, left=0.0)
        phase = phase_deg
    shares = [b.belly_share for b in breaths] or [belly_share]
    label = truth_label(float(np.median(shares)))
    truth = Truth(
        duration_s=float(duration_s),
        rate_bpm=None if rate is None else round(rate, 4),
        breaths=breaths,
        holds=truth_holds,
        belly_share=float(np.median(shares)),
        phase_deg=float(phase),
        label=label,
        description=description,
        seed=seed,
        switch_s=switch_s,
    )
    return Breathing(fs_hz=float(fs_hz), t_s=t_s, chest=chest, belly=belly, truth=truth)


def truth_label(share: float) -> str:
    """The truth's chest / mixed / belly label of a belly share (PatternConfig's cuts)."""
    from breathcam.config import DEFAULT

    return "chest" if share < DEFAULT.pattern.chest_max_share else "belly" if share > DEFAULT.pattern.belly_min_share else "mixed"
