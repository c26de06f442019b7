"""The assessment's steps and their timeline: which step runs at a given moment, pure.

A protocol is a tuple of :class:`Step`: rest observation, control pause, optionally standing and
moving, each announced with a countdown of ``[assess] countdown_s`` and lasting its configured
time; the Nijmegen questionnaire follows the camera steps (it needs no camera).  :func:`plan`
builds it from the config; :class:`Timeline` follows it as the session's clock runs: a step can
be skipped (a key in the window), and the control-pause step can end early once the first breath
after the hold was seen (on a camera).  A recorded clip keeps the plan's fixed timeline, so that a
clip rendered for the plan (breathcam.assess.simulate) puts each part where the protocol expects it.

    >>> p = plan(steps=("rest", "hold"))
    >>> [(s.kind, s.start_s, s.end_s) for s in p]
    [('rest', 0.0, 125.0), ('hold', 125.0, 205.0)]
    >>> t = Timeline(p); t.at(3.0).phase, t.at(10.0).phase, t.at(130.5).step.kind
    ('countdown', 'run', 'hold')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from breathcam.config import DEFAULT, AssessConfig
from breathcam.types import ParameterError

__all__ = ["STEPS", "CAMERA_STEPS", "Step", "Now", "plan", "parse_steps", "Timeline"]

# Every step in protocol order; the first four need the camera.
STEPS: tuple[str, ...] = ("rest", "hold", "standing", "moving", "nijmegen")
CAMERA_STEPS: tuple[str, ...] = ("rest", "hold", "standing", "moving")
DEFAULT_STEPS: tuple[str, ...] = ("rest", "hold", "nijmegen")


@dataclass(frozen=True)
class Step:
    """One camera step on the session's clock: announced from ``start_s`` (countdown), measured
    from ``run_s`` to ``end_s``."""

    kind: str
    start_s: float
    run_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.run_s


@dataclass(frozen=True)
class Now:
    """Where the protocol is at one moment: the step (None once every camera step is over), its
    phase ("countdown" | "run") and the seconds left in that phase."""

    step: Step | None
    phase: str
    left_s: float
    index: int

    @property
    def done(self) -> bool:
        return self.step is None


def parse_steps(text: str | None, *, moving: bool = False) -> tuple[str, ...]:
    """The steps asked for: ``"rest,hold,nijmegen"`` (any order, kept in protocol order); None gives
    the default, with standing and moving added when ``moving``."""
    if text is None:
        wanted = set(DEFAULT_STEPS) | ({"standing", "moving"} if moving else set())
    else:
        wanted = {w.strip().lower() for w in text.split(",") if w.strip()}
        unknown = wanted - set(STEPS)
        if unknown:
            raise ParameterError(f"unknown step {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
        if moving:
            wanted |= {"standing", "moving"}
    if not wanted:
        raise ParameterError(f"no step to run; choose from {', '.join(STEPS)}")
    return tuple(s for s in STEPS if s in wanted)


def _length(kind: str, cfg: AssessConfig) -> float:
    return {"rest": cfg.rest_s, "hold": cfg.hold_step_s, "standing": cfg.standing_s, "moving": cfg.moving_s}[kind]


def plan(*, steps: tuple[str, ...] = DEFAULT_STEPS, config: AssessConfig = DEFAULT.assess, t0_s: float = 0.0) -> tuple[Step, ...]:
    """The camera steps of ``steps`` laid end to end from ``t0_s`` (the questionnaire is not on the clock)."""
    out, t = [], float(t0_s)
    for kind in steps:
        if kind not in CAMERA_STEPS:
            continue
        run = t + config.countdown_s
        end = run + _length(kind, config)
        out.append(Step(kind, round(t, 6), round(run, 6), round(end, 6)))
        t = end
    return tuple(out)


class Timeline:
    """The plan as it is lived: ``at(t)`` says where the protocol is; :meth:`skip` ends the current
    step now (the later steps move earlier by what was skipped); :meth:`end_step_at` ends it at a
    given time (the control pause measured).  Every change is kept in :attr:`steps`, so the
    analysis afterwards uses the windows that really ran."""

    def __init__(self, steps: tuple[Step, ...]) -> None:
        self.steps: list[Step] = list(steps)
        self.skipped: list[str] = []
        self.marks: list[float] = []  # key presses timing the control pause (start, first breath)

    def _index(self, t_s: float) -> int:
        for k, s in enumerate(self.steps):
            if t_s < s.end_s:
                return k
        return len(self.steps)

    def at(self, t_s: float) -> Now:
        k = self._index(t_s)
        if k >= len(self.steps):
            return Now(None, "done", 0.0, k)
        s = self.steps[k]
        if t_s < s.run_s:
            return Now(s, "countdown", s.run_s - t_s, k)
        return Now(s, "run", s.end_s - t_s, k)

    def end_step_at(self, t_s: float, *, skipped: bool = False) -> None:
        """End the step under way at ``t_s`` there and move the later ones earlier."""
        k = self._index(t_s)
        if k >= len(self.steps):
            return
        s = self.steps[k]
        new_end = max(s.start_s, float(t_s))
        shift = s.end_s - new_end
        if skipped:
            self.skipped.append(s.kind)
            new_run = min(s.run_s, new_end)
        else:
            new_run = s.run_s
        self.steps[k] = replace(s, run_s=new_run, end_s=new_end)
        for j in range(k + 1, len(self.steps)):
            o = self.steps[j]
            self.steps[j] = replace(o, start_s=o.start_s - shift, run_s=o.run_s - shift, end_s=o.end_s - shift)

    def skip(self, t_s: float) -> None:
        """The user skipped the step under way (a key): it ends now; what it measured is kept."""
        self.end_step_at(t_s, skipped=True)

    def mark(self, t_s: float) -> None:
        """A key press timing the control pause (kept only during the hold step)."""
        now = self.at(t_s)
        if now.step is not None and now.step.kind == "hold":
            self.marks.append(float(t_s))

    def windows(self) -> dict[str, tuple[float, float]]:
        """Each step's measured window (run_s, end_s); a step skipped in its countdown is left out."""
        return {s.kind: (s.run_s, s.end_s) for s in self.steps if s.end_s - s.run_s > 0 and math.isfinite(s.end_s)}
