"""The pacer: where in its exercise a session is at a given time, and the lung volume it asks for.

Time 0 is the start of the first inhale.  The target volume rises from 0 to 1 over the inhale and
falls back over the exhale along a raised cosine (slow at the turns, like a relaxed breath, so a
shape drawn with it grows and shrinks smoothly), and stays put during holds.

>>> from breathcam.coach.exercises import get_exercise
>>> s = pacer_state(get_exercise("478"), 5.0)
>>> s.phase, round(s.phase_left_s, 1), s.target
('hold_in', 6.0, 1.0)

Where it fails: nothing to fail on; times before 0 read as the start of the first inhale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from breathcam.coach.exercises import Exercise, cycles_for
from breathcam.coach.messages import message

__all__ = ["PacerState", "pacer_state", "target_curve", "phase_name", "elapsed_s", "session_length_s", "phase_at"]


@dataclass(frozen=True)
class PacerState:
    phase: str  # "inhale" | "hold_in" | "exhale" | "hold_out" | "done"
    phase_elapsed_s: float
    phase_left_s: float
    target: float  # 0..1 lung volume the pacer asks for
    cycle: int  # 0-based
    done: bool


def session_length_s(ex: Exercise, *, cycles: int | None = None, duration_s: float | None = None) -> float | None:
    """Seconds from the first inhale to the end of the last cycle; None when the session is open-ended."""
    n = cycles_for(ex, cycles=cycles, duration_s=duration_s)
    return None if n is None else n * ex.cycle_s


def phase_at(ex: Exercise, t_s: float) -> tuple[int, str, float, float]:
    """(cycle, phase, seconds into the phase, phase length) at ``t_s`` of an endless session."""
    t = max(0.0, float(t_s))
    cycle = int(t // ex.cycle_s)
    u = t - cycle * ex.cycle_s
    for phase, length in ex.phases:
        if u < length:
            return cycle, phase, u, length
        u -= length
    # floating-point rest at the very end of a cycle: the start of the next one
    return cycle + 1, ex.phases[0][0], 0.0, ex.phases[0][1]


def _target(phase: str, u: float) -> float:
    """Target volume at fraction ``u`` (0..1) of ``phase``."""
    if phase == "inhale":
        return float(0.5 * (1.0 - np.cos(np.pi * u)))
    if phase == "exhale":
        return float(0.5 * (1.0 + np.cos(np.pi * u)))
    return 1.0 if phase == "hold_in" else 0.0


def pacer_state(
    ex: Exercise, t_s: float, *, cycles: int | None = None, duration_s: float | None = None
) -> PacerState:
    """The pacer at ``t_s`` seconds after the session's first inhale.

    The session lasts ``cycles`` cycles, or ``duration_s`` rounded to whole cycles, or the
    exercise's default; after that the state is "done" (target 0, lungs at rest)."""
    total = session_length_s(ex, cycles=cycles, duration_s=duration_s)
    if total is not None and t_s >= total:
        return PacerState("done", float(t_s - total), 0.0, 0.0, int(round(total / ex.cycle_s)), True)
    cycle, phase, into, length = phase_at(ex, t_s)
    return PacerState(phase, into, length - into, _target(phase, into / length), cycle, False)


def target_curve(ex: Exercise, t_s: np.ndarray) -> np.ndarray:
    """The target volume (0..1) of an endless session at each time of ``t_s``."""
    t = np.maximum(np.asarray(t_s, dtype=float), 0.0)
    u = np.mod(t, ex.cycle_s)
    out = np.zeros_like(u)
    start = 0.0
    for phase, length in ex.phases:
        m = (u >= start) & (u < start + length)
        frac = (u[m] - start) / length
        if phase == "inhale":
            out[m] = 0.5 * (1.0 - np.cos(np.pi * frac))
        elif phase == "exhale":
            out[m] = 0.5 * (1.0 + np.cos(np.pi * frac))
        else:
            out[m] = 1.0 if phase == "hold_in" else 0.0
        start += length
    return out


def elapsed_s(ex: Exercise, state: PacerState) -> float:
    """Seconds since the session's first inhale, recovered from a (not done) pacer state."""
    offset = 0.0
    if state.done:
        return state.cycle * ex.cycle_s + state.phase_elapsed_s
    for phase, length in ex.phases:
        if phase == state.phase:
            break
        offset += length
    return state.cycle * ex.cycle_s + offset + state.phase_elapsed_s


def phase_name(phase: str, lang: str = "en") -> str:
    """The instruction for ``phase`` ("Breathe in" / "Adem in", "Hold" / "Vasthouden", ...)."""
    return message(f"phase_{phase}", lang)
