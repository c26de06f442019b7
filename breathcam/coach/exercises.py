"""The breathing exercises the coach paces: named ones and custom in-hold-out-hold patterns.

An exercise is four phase lengths in seconds (inhale, hold after inhale, exhale, hold after exhale)
repeated for a number of cycles or a duration.  The gentle ones (box, 4-7-8, 4-6, coherent,
belly) slow the breath down; the intense ones (fast connected breathing, breath-hold rounds) need
the safety screen of :mod:`breathcam.coach.safety` before they start.  A custom pattern that is as
fast or holds as long as an intense one is intense too (config ``coach.intense_*``), so no name
trick skips the screen.

Where it fails: a custom pattern is refused (BreathcamError) when it cannot be parsed, has a zero
inhale or exhale, or a phase longer than ``coach.max_phase_s``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

from breathcam.config import DEFAULT, CoachConfig
from breathcam.coach.messages import message
from breathcam.types import BreathcamError

__all__ = ["Exercise", "EXERCISES", "get_exercise", "exercise_title", "is_intense_pattern", "pattern_text"]

PHASES = ("inhale", "hold_in", "exhale", "hold_out")


@dataclass(frozen=True)
class Exercise:
    """One paced breathing exercise; phase lengths in seconds."""

    name: str
    inhale_s: float
    hold_in_s: float
    exhale_s: float
    hold_out_s: float
    intense: bool = False
    focus: str = "pace"  # "pace" | "belly" | "holds" | "connected"
    default_cycles: int | None = None
    default_duration_s: float | None = None

    @property
    def cycle_s(self) -> float:
        return self.inhale_s + self.hold_in_s + self.exhale_s + self.hold_out_s

    @property
    def rate_bpm(self) -> float:
        return 60.0 / self.cycle_s

    @property
    def phases(self) -> tuple[tuple[str, float], ...]:
        """(phase, seconds) of one cycle, phases of zero length left out."""
        return tuple((p, s) for p, s in zip(PHASES, self.durations) if s > 0)

    @property
    def durations(self) -> tuple[float, float, float, float]:
        return (self.inhale_s, self.hold_in_s, self.exhale_s, self.hold_out_s)


# The named exercises.  Defaults: a session long enough to feel the effect, short enough to do daily.
EXERCISES: dict[str, Exercise] = {
    # Box (square) breathing: 4 s each, 3.75/min; 4 minutes.
    "box": Exercise("box", 4.0, 4.0, 4.0, 4.0, default_duration_s=240.0),
    # 4-7-8 (Weil): 19 s a breath, 3.2/min; four cycles, as its author advises beginners.
    "478": Exercise("478", 4.0, 7.0, 8.0, 0.0, focus="holds", default_cycles=4),
    # 4-6: a longer exhale than inhale, 6/min; 5 minutes.
    "46": Exercise("46", 4.0, 0.0, 6.0, 0.0, default_duration_s=300.0),
    # Coherent breathing at 5.5/min (Elliott & Edmonson; the rate of maximal heart-rate variability
    # for many adults): a 10.9 s cycle split 2:3, 4.4 s in and 6.5 s out (5.505/min).
    "coherent": Exercise("coherent", 4.4, 0.0, 6.5, 0.0, default_duration_s=300.0),
    # Coherent breathing at 6/min with equal halves, 5 s in and 5 s out (HeartMath style); 4-6 is
    # the same rate with a longer exhale.
    "coherent6": Exercise("coherent6", 5.0, 0.0, 5.0, 0.0, default_duration_s=300.0),
    # Belly breathing practice: 4 s in, 6 s out, attention on the belly; 5 minutes.
    "belly": Exercise("belly", 4.0, 0.0, 6.0, 0.0, focus="belly", default_duration_s=300.0),
    # Fast connected breathing: in 1.5 s, out 1.5 s, no pause (20/min, deep); 30 breaths, as one
    # round of the Wim Hof method.  Intense.
    "connected": Exercise("connected", 1.5, 0.0, 1.5, 0.0, intense=True, focus="connected", default_cycles=30),
    # Breath-hold rounds: a slow breath (4 s in, 6 s out), then hold with empty lungs for 30 s;
    # 5 rounds (3 min 20 s).  Intense: holds on empty lungs lower blood oxygen.
    "holdrounds": Exercise("holdrounds", 4.0, 0.0, 6.0, 30.0, intense=True, focus="holds", default_cycles=5),
}

# Other spellings people type.
_ALIASES = {
    "4-4-4-4": "box",
    "square": "box",
    "4-7-8": "478",
    "4-6": "46",
    "coherent5.5": "coherent",
    "coherent55": "coherent",
    "resonance": "coherent",
    "buik": "belly",
    "holds": "holdrounds",
}

_NUMBER = r"\d+(?:[.,]\d+)?"
# A custom pattern without a duration runs 5 minutes, like the gentle named exercises.
_CUSTOM_DURATION_S = 300.0


def pattern_text(ex: Exercise) -> str:
    """ "4-7-8-0"-style text of the phase lengths."""
    return "-".join(f"{s:g}" for s in ex.durations)


def is_intense_pattern(ex: Exercise, *, config: CoachConfig = DEFAULT.coach) -> bool:
    """True when the phase lengths alone make the exercise intense (long holds or fast breathing),
    whatever its ``intense`` flag says."""
    return (
        max(ex.hold_in_s, ex.hold_out_s) >= config.intense_hold_s
        or ex.rate_bpm >= config.intense_rate_bpm
        or ex.focus == "connected"
    )


def _custom(text: str, *, config: CoachConfig) -> Exercise | None:
    parts = text.split("-")
    if not all(re.fullmatch(_NUMBER, p) for p in parts) or len(parts) not in (2, 4):
        return None
    values = [float(p.replace(",", ".")) for p in parts]
    if len(values) == 2:  # "in-out"
        values = [values[0], 0.0, values[1], 0.0]
    inhale, hold_in, exhale, hold_out = values
    if inhale <= 0 or exhale <= 0:
        raise BreathcamError(f"pattern {text}: the inhale and the exhale must last longer than 0 s")
    if max(values) > config.max_phase_s:
        raise BreathcamError(f"pattern {text}: no phase may last longer than {config.max_phase_s:g} s")
    ex = Exercise("custom", inhale, hold_in, exhale, hold_out, default_duration_s=_CUSTOM_DURATION_S)
    if not is_intense_pattern(ex, config=config):
        return ex
    focus = "holds" if max(hold_in, hold_out) >= config.intense_hold_s else "connected"
    return dataclasses.replace(ex, intense=True, focus=focus)


def get_exercise(name: str, *, config: CoachConfig = DEFAULT.coach) -> Exercise:
    """The exercise called ``name`` (case-insensitive; "4-7-8" and "478" alike), or a custom one from
    an "in-hold-out-hold" pattern such as "4-2-6-0" (or "in-out", "4-6.5").  Raises BreathcamError
    listing the names when neither."""
    key = name.strip().lower().replace(" ", "")
    key = _ALIASES.get(key, key)
    if key in EXERCISES:
        return EXERCISES[key]
    ex = _custom(key, config=config)
    if ex is not None:
        return ex
    raise BreathcamError(
        f"unknown exercise {name!r}; choose from {', '.join(EXERCISES)} "
        f"or give a pattern in-hold-out-hold in seconds, e.g. 4-2-6-0"
    )


def exercise_title(ex: Exercise, lang: str = "en") -> str:
    """The exercise's name for people, in ``lang``."""
    if ex.name in EXERCISES and EXERCISES[ex.name].durations == ex.durations:
        return message(f"title_{ex.name}", lang)
    return message("title_custom", lang, pattern=pattern_text(ex))


def cycles_for(ex: Exercise, *, cycles: int | None = None, duration_s: float | None = None) -> int | None:
    """Number of cycles a session runs: ``cycles`` when given, else ``duration_s`` rounded to whole
    cycles (at least one; a session never ends mid-breath), else the exercise's defaults; None when
    there is no limit."""
    if cycles is not None:
        if cycles < 1:
            raise BreathcamError("the number of cycles must be at least 1")
        return int(cycles)
    if duration_s is None:
        if ex.default_cycles is not None:
            return ex.default_cycles
        duration_s = ex.default_duration_s
    if duration_s is None:
        return None
    if not duration_s > 0 or math.isinf(duration_s):
        raise BreathcamError(f"the duration must be a positive number of seconds, not {duration_s}")
    return max(1, int(round(duration_s / ex.cycle_s)))
