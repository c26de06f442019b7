"""Compliance: how closely the measured breathing followed the pacer, phase by phase.

For every complete pacer cycle each phase is scored from the measured breath boundaries of the
same kind:

- inhale: its start (a breath's ``inhale_start``) and its end (the start of a hold after inhale, or
  else the breath's ``exhale_start``);
- hold after inhale: its start (as the inhale's end) and its end (``exhale_start``), times how much
  of the pacer's hold a measured hold after inhale covers;
- exhale: its start (``exhale_start``) and its end (the next inhale, or in exercises with a hold
  after exhale the start of that hold, or else the breath's pause);
- hold after exhale: its start (as the exhale's end) and its end (the next inhale), times the cover.

A boundary scores 1 when the nearest measured boundary of its kind lies within a tolerance of the
pacer's (``coach.tolerance_fraction`` of the phase's length, at least ``tolerance_min_s``, at most
``tolerance_max_cycle_fraction`` of the cycle), falling linearly to 0 at twice the tolerance; the
score is divided by the square of the number of measured boundaries of that kind within half a
cycle of it, so breathing faster than the pacer (several breaths per cycle) scores low even though
some breath is always near.  A pacer hold without a measured hold counts as held when the trace (if
given) stays within ``hold_flat_fraction`` of a breath's depth.  The session score is the mean
of the phases weighted by their length.

Incremental: called on what was measured so far, only complete pacer cycles are scored, and
boundaries that cannot have been measured yet (later than the last complete breath and within one
cycle of now) are left out until they can.

Where it fails: it trusts the signal core's breath boundaries; a breath the core missed (very
shallow, noisy) costs its cycle, and a hold shorter than the core's minimum needs the trace to be
recognised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from breathcam.config import DEFAULT, CoachConfig
from breathcam.coach.exercises import PHASES, Exercise
from breathcam.types import Breath, Hold

__all__ = ["Compliance", "compliance"]


@dataclass(frozen=True)
class Compliance:
    score: float  # 0..1
    per_phase: dict[str, float]  # "inhale"|"hold_in"|"exhale"|"hold_out" -> 0..1 (phases the exercise has)
    cycles_followed: int
    cycles_total: int
    notes: tuple[str, ...] = ()
    scored: int = 0  # phase instances scored (0: nothing measurable yet, the score means nothing)


def _dedupe(times: list[float], *, within_s: float) -> np.ndarray:
    out: list[float] = []
    for t in sorted(times):
        if not out or t - out[-1] > within_s:
            out.append(t)
    return np.asarray(out, dtype=float)


def _events(breaths: Sequence[Breath], holds: Sequence[Hold], *, config: CoachConfig) -> dict[str, np.ndarray]:
    """Measured boundary times by kind."""
    hold_in = [h for h in holds if h.after == "inhale"]
    hold_out = [h for h in holds if h.after == "exhale"]
    in_start, in_end, ex_start, ex_end = [], [], [], []
    for b in breaths:
        in_start += [b.inhale_start, b.end]
        ex_start.append(b.exhale_start)
        h = [x.start for x in hold_in if b.inhale_start <= x.start <= b.exhale_start]
        in_end.append(min(h) if h else b.exhale_start)
        h = [x.start for x in hold_out if b.exhale_start <= x.start <= b.end + config.dedupe_s]
        ex_end.append(min(h) if h else b.pause_start)  # a hold the core missed starts as a pause
    last_end = max((b.end for b in breaths), default=-np.inf)
    for h in hold_out:  # a hold after exhale ends in an inhale, even in one not complete yet
        if h.end > last_end + config.dedupe_s:
            in_start.append(h.end)
    return {
        k: _dedupe(v, within_s=config.dedupe_s)
        for k, v in (("in_start", in_start), ("in_end", in_end), ("ex_start", ex_start), ("ex_end", ex_end))
    }


def _boundary(events: np.ndarray, expected_s: float, *, tol_s: float, window_s: float) -> float:
    """1 when the nearest event is within tol of ``expected_s``, 0 at twice tol; divided by the
    square of the number of events within ``window_s``: breathing twice as fast as the pacer puts a
    breath boundary near every pacer boundary but is not following it (a quarter, not a half)."""
    near = events[np.abs(events - expected_s) < window_s]
    if near.size == 0:
        return 0.0
    err = float(np.min(np.abs(near - expected_s)))
    match = float(np.clip(2.0 - err / tol_s, 0.0, 1.0))
    return match / near.size**2


def _cover(spans: Sequence[Hold], start_s: float, end_s: float) -> float:
    """Fraction of [start, end] covered by the spans."""
    covered = 0.0
    for h in spans:
        covered += max(0.0, min(end_s, h.end) - max(start_s, h.start))
    return min(1.0, covered / (end_s - start_s))


def _flat(trace_t_s: np.ndarray, trace: np.ndarray, start_s: float, end_s: float, *, depth: float, config: CoachConfig) -> bool:
    m = (trace_t_s >= start_s) & (trace_t_s <= end_s)
    if m.sum() < 3 or depth <= 0:
        return False
    seg = trace[m]
    seg = seg[np.isfinite(seg)]
    if seg.size < 3:
        return False
    # the 10-90 % spread: sensor noise alone spreads 2.6 sd, a breath moving through it far more
    spread = float(np.percentile(seg, 90) - np.percentile(seg, 10))
    return spread <= config.hold_flat_fraction * depth


def compliance(
    ex: Exercise,
    *,
    breaths: Sequence[Breath],
    holds: Sequence[Hold],
    t0_s: float,
    t_end_s: float,
    trace_t_s: np.ndarray | None = None,
    trace: np.ndarray | None = None,
    from_s: float | None = None,
    config: CoachConfig = DEFAULT.coach,
) -> Compliance:
    """How closely ``breaths`` and ``holds`` (measured, times on the session clock) followed the
    pacer of ``ex`` started at ``t0_s``, judged at ``t_end_s``.  ``trace_t_s``/``trace`` (the
    breathing trace, inhale up) help recognise short holds; ``from_s`` scores only the cycles
    starting at or after it (the recent ones)."""
    cycle_s = ex.cycle_s
    phases = [p for p, _ in ex.phases]
    first = 0
    if from_s is not None:
        first = max(0, int(np.ceil((from_s - t0_s) / cycle_s - 1e-9)))
    n_cycles = int(np.floor((t_end_s - t0_s) / cycle_s + 1e-9))
    if n_cycles <= first:
        return Compliance(0.0, {p: 0.0 for p in phases}, 0, 0, ("no complete cycle yet",), 0)

    ev = _events(breaths, holds, config=config)
    last_end = max((b.end for b in breaths), default=-np.inf)
    horizon = max(last_end, t_end_s - min(cycle_s, config.settle_max_s))
    window = 0.5 * cycle_s
    depth = float(np.median([b.depth for b in breaths])) if breaths else 0.0
    have_trace = trace_t_s is not None and trace is not None
    if have_trace:
        trace_t_s = np.asarray(trace_t_s, dtype=float)
        trace = np.asarray(trace, dtype=float)
    hold_spans = {"hold_in": [h for h in holds if h.after == "inhale"],
                  "hold_out": [h for h in holds if h.after == "exhale"]}
    # phase -> (start event kind, end event kind)
    kinds = {"inhale": ("in_start", "in_end"), "hold_in": ("in_end", "ex_start"),
             "exhale": ("ex_start", "ex_end"), "hold_out": ("ex_end", "in_start")}
    # the inhale ends where a hold after inhale starts, or else where the exhale starts
    if ex.hold_in_s <= 0:
        kinds["inhale"] = ("in_start", "ex_start")
    if ex.hold_out_s <= 0:
        kinds["exhale"] = ("ex_start", "in_start")

    scores: dict[str, list[float]] = {p: [] for p in phases}
    followed = 0
    skipped = 0
    for k in range(first, n_cycles):
        c = t0_s + k * cycle_s
        start = c
        cycle_scores = []
        for phase, length in zip(PHASES, ex.durations):
            if length <= 0:
                continue
            end = start + length
            tol = min(max(config.tolerance_fraction * length, config.tolerance_min_s),
                      config.tolerance_max_cycle_fraction * cycle_s)
            due = [(kind, at) for kind, at in zip(kinds[phase], (start, end)) if at + tol <= horizon]
            if phase in hold_spans and len(due) < 2:
                due = []  # a hold is judged once both its ends can have been measured
            if due:
                s = float(np.mean([_boundary(ev[kind], at, tol_s=tol, window_s=window) for kind, at in due]))
                if phase in hold_spans:
                    held = min(1.0, _cover(hold_spans[phase], start, end) / config.hold_full_coverage)
                    if held < 1.0 and have_trace and _flat(
                        trace_t_s, trace, start + tol, end - tol, depth=depth, config=config
                    ):
                        held = 1.0
                    s *= held
                scores[phase].append(s)
                cycle_scores.append(s)
            start = end
        if len(cycle_scores) < len(phases):
            skipped += 1
        if cycle_scores and float(np.mean(cycle_scores)) >= config.cycle_followed_min:
            followed += 1

    per_phase = {p: float(np.mean(v)) if v else 0.0 for p, v in scores.items()}
    weights = dict(zip(PHASES, ex.durations))
    scored_phases = [p for p in phases if scores[p]]
    total_w = sum(weights[p] for p in scored_phases)
    score = sum(weights[p] * per_phase[p] for p in scored_phases) / total_w if total_w > 0 else 0.0
    notes = []
    if not breaths:
        notes.append("no breaths measured")
    if skipped:
        notes.append(f"{skipped} cycle(s) not fully measurable yet")
    n_scored = sum(len(v) for v in scores.values())
    return Compliance(float(score), per_phase, followed, n_cycles - first, tuple(notes), n_scored)
