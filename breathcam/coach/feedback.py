"""Feedback rules: turn what the analyzer measures now into one short, kind cue at a time.

:class:`FeedbackEngine` gets a :class:`CoachInput` on every analyzer update and returns a new
:class:`~breathcam.types.FeedbackEvent` when a rule fires.  Rules, highest priority first:

1. ``distress_stop``: fast erratic gasping or a very long hold (safety.distressed), at any time;
2. setup hints ``no_person``, ``too_dark``, ``too_much_motion``, ``belly_out_of_frame`` (the
   latter in belly practice or outside exercises), when the condition lasts ``setup_persist_s``;
   while nobody is seen or it is too dark no breathing cue is given (the readings are not real);
3. ``hyperventilation`` outside intense exercises (safety.hyperventilation), on the breaths of
   the last ``history_s`` that the engine remembers (the analyzer may pass only the latest);
4. ``holding``: an open hold lasting ``holding_min_s`` (or longer, for people who pause long) that
   the pacer did not ask for (a pacer hold, give or take ``pacer_hold_grace_s``, is intended);
   told once per hold and at most once per ``holding_cooldown_s``; while the body moves (squats,
   lifting) it is ``keep_breathing`` instead, after ``moving_hold_min_s``;
4b. ``exhale_on_effort``: most of the last repetitions had no exhale on the way up (the effort);
5. ``chest_breathing`` during belly practice, when the pattern reads chest for ``chest_persist_s``;
6. the most specific of ``too_fast`` (the recent breaths faster than the exercise by
   ``too_fast_ratio``, or outside an exercise faster than the resting norm with a confident rate),
   ``exhale_short`` (recent exhales shorter than ``exhale_short_ratio`` of the asked exhale) and
   ``out_of_step`` (compliance of the last complete cycles below ``out_of_step_score``): breathing
   too fast also shortens the exhale and breaks the step, and one correction is enough.  None of
   them while the hyperventilation warning applies.

Cues are checked against the current state: no pace cue (``chest_breathing``, ``too_fast``,
``exhale_short``, ``out_of_step``) while a hold is open, intended (a pacer hold) or not, and breaths that lie inside a known hold (the ripple of a held trace) never count as
breaths; nothing at all is said while the session is paused (``CoachInput.paused``).
:func:`too_much_motion` decides the ``too_much_motion`` input from a
:class:`~breathcam.types.LiveState`: most of the last ``motion_window_s`` had no usable
measurement (jolts masked, tracking lost) while a person was in view.

No breathing cue is given during the first ``warmup_s`` seconds, nor for ``distress_quiet_s`` after
a stop prompt; each code has its cooldown; any two
messages are ``min_gap_s`` apart (the two safety codes excepted) and two breathing cues
``cue_gap_s`` apart; :meth:`FeedbackEngine.current` is the one message to show now.

Where it fails: the cues are only as right as the measurements behind them; the engine trusts
``open_hold_s`` from the live analyzer, and pattern labels from the chest/belly analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from breathcam.config import DEFAULT, CoachConfig
from breathcam.coach.compliance import compliance
from breathcam.coach.exercises import Exercise
from breathcam.coach.messages import check_lang, message
from breathcam.coach.pacer import PacerState, elapsed_s, phase_at
from breathcam.coach.safety import distressed, hyperventilation
from breathcam.signals.core import outside_holds
from breathcam.types import Breath, FeedbackEvent, Hold, LiveState, Repetition

__all__ = ["CoachInput", "FeedbackEngine", "CODES", "too_much_motion"]

CODES = (
    "distress_stop",
    "no_person",
    "too_dark",
    "too_much_motion",
    "belly_out_of_frame",
    "hyperventilation",
    "holding",
    "chest_breathing",
    "too_fast",
    "exhale_short",
    "out_of_step",
)
_SAFETY = ("distress_stop", "hyperventilation")
_SETUP = ("no_person", "too_dark", "too_much_motion", "belly_out_of_frame")
_CUES = ("chest_breathing", "too_fast", "exhale_short", "out_of_step", "exhale_on_effort")
# Cues about the pace and the way of breathing: they make no sense while the person holds.
_PACE = ("chest_breathing", "too_fast", "exhale_short", "out_of_step")
# Step used to walk along an open hold when checking it against the pacer's hold phases.
_HOLD_STEP_S = 0.1


@dataclass(frozen=True)
class CoachInput:
    t_s: float
    rate_bpm: float | None
    rate_confidence: float
    breaths: tuple[Breath, ...]  # recent, completed
    holds: tuple[Hold, ...]  # recent, completed
    open_hold_s: float | None  # seconds of a hold still going on now (None when breathing)
    open_hold_after: str | None
    pattern_label: str = "unknown"
    belly_share: float | None = None
    pacer: PacerState | None = None
    exercise: Exercise | None = None
    person_seen: bool = True
    too_dark: bool = False
    too_much_motion: bool = False
    belly_in_view: bool = True
    moving: bool = False  # the whole body moves now (squats, lifting: signals.movement)
    reps: tuple[Repetition, ...] = ()  # recent completed repetitions, labelled
    paused: bool = False  # the session is paused: nothing is said


def too_much_motion(state: LiveState, *, config: CoachConfig = DEFAULT.coach) -> bool:
    """True when a person is in view but at least ``config.motion_unmeasured_share`` of the last
    ``config.motion_window_s`` had no usable measurement (``state.unmeasured_share``: jolts such as
    a hand or a bumped camera masked, tracking lost).  The engine gives the hint once this lasts
    ``setup_persist_s``.  Whole-body movement (squats, lifting) is not "too much motion": the
    breathing is measured through it."""
    return bool(state.person_seen and not state.paused and state.unmeasured_share >= config.motion_unmeasured_share)


class FeedbackEngine:
    """Feedback rules with cooldowns; one instance per session."""

    def __init__(
        self, *, config: CoachConfig = DEFAULT.coach, lang: str = "en",
        hold_tolerance_s: float = DEFAULT.holds.edge_tolerance_s,
    ):
        self.config = config
        # a breath within a hold widened by this is the ripple of the held trace ([holds] edge_tolerance_s)
        self.hold_tolerance_s = hold_tolerance_s
        self.lang = check_lang(lang)
        self._events: list[FeedbackEvent] = []
        self._last: dict[str, float] = {}
        self._last_any: float = -np.inf
        self._t_first: float | None = None
        self._since: dict[str, float] = {}
        self._hold_told = False
        self._history: list[Breath] = []
        self._last_cue: float = -np.inf

    @property
    def events(self) -> tuple[FeedbackEvent, ...]:
        return tuple(self._events)

    def current(self, t_s: float) -> FeedbackEvent | None:
        """The message to show at ``t_s``: the latest one, for ``show_s`` seconds."""
        if self._events and 0.0 <= t_s - self._events[-1].t < self.config.show_s:
            return self._events[-1]
        return None

    # ------------------------------------------------------------------------------------------

    def _persist(self, key: str, active: bool, t: float) -> float:
        """Seconds the condition ``key`` has held without a break (0 when it does not hold)."""
        if not active:
            self._since.pop(key, None)
            return 0.0
        start = self._since.setdefault(key, t)
        return t - start

    def _cooldown(self, code: str) -> float:
        cfg = self.config
        if code == "distress_stop":
            return cfg.distress_cooldown_s
        if code == "hyperventilation":
            return cfg.hypervent_cooldown_s
        if code in _SETUP:
            return cfg.setup_cooldown_s
        if code in ("holding", "keep_breathing"):
            return cfg.holding_cooldown_s
        if code == "exhale_on_effort":
            return cfg.effort_cooldown_s
        return cfg.cooldown_s

    def _allowed(self, code: str, t: float) -> bool:
        if t - self._last.get(code, -np.inf) < self._cooldown(code):
            return False
        if code in _CUES and t - self._last_cue < self.config.cue_gap_s:
            return False
        if code in _CUES and t - self._last.get("distress_stop", -np.inf) < self.config.distress_quiet_s:
            return False
        return code in _SAFETY or t - self._last_any >= self.config.min_gap_s

    def _emit(self, code: str, t: float) -> FeedbackEvent:
        ev = FeedbackEvent(t=float(t), code=code, message=message(code, self.lang))
        self._events.append(ev)
        self._last[code] = t
        self._last_any = t
        if code in _CUES:
            self._last_cue = t
        return ev

    def _remember(self, breaths: tuple[Breath, ...], t: float) -> tuple[Breath, ...]:
        """All breaths seen within ``history_s``: the given ones replace remembered ones they overlap."""
        if breaths:
            first = breaths[0].inhale_start
            self._history = [b for b in self._history if b.end <= first + self.config.dedupe_s]
            self._history.extend(breaths)
        self._history = [b for b in self._history if b.end >= t - self.config.history_s]
        return tuple(self._history)

    # ------------------------------------------------------------------------------------------

    def update(self, inp: CoachInput) -> FeedbackEvent | None:
        """Feed the current measurements; returns the cue that fires now, if any."""
        cfg = self.config
        t = float(inp.t_s)
        if self._t_first is None:
            self._t_first = t
        if inp.paused:
            return None
        ex = inp.exercise if inp.pacer is not None and not inp.pacer.done else None
        if inp.open_hold_s is None:
            self._hold_told = False

        # conditions with a duration are tracked on every update, whatever fires
        belly_matters = ex is None or ex.focus == "belly"
        setup = {
            "no_person": self._persist("no_person", not inp.person_seen, t),
            "too_dark": self._persist("too_dark", inp.too_dark, t),
            "too_much_motion": self._persist("too_much_motion", inp.too_much_motion, t),
            "belly_out_of_frame": self._persist(
                "belly_out_of_frame", inp.person_seen and not inp.belly_in_view and belly_matters, t
            ),
        }
        chest = (
            ex is not None
            and ex.focus == "belly"
            and inp.belly_in_view
            and (
                inp.pattern_label == "chest"
                or (inp.belly_share is not None and inp.belly_share < cfg.chest_max_belly_share)
            )
        )
        chest_s = self._persist("chest_breathing", chest, t)

        # the ripple of a held trace is not breathing
        breaths = outside_holds(tuple(inp.breaths), tuple(inp.holds), tolerance_s=self.hold_tolerance_s)
        if len(breaths) != len(inp.breaths):
            inp = replace(inp, breaths=breaths)
        history = self._remember(tuple(inp.breaths), t)
        candidates: list[str] = []
        if distressed(history, inp.holds, t_s=t, config=cfg):
            candidates.append("distress_stop")
        candidates += [code for code, s in setup.items() if s >= cfg.setup_persist_s]
        readings = inp.person_seen and not inp.too_dark
        hyper = readings and not (inp.exercise is not None and inp.exercise.intense)
        hyper = hyper and hyperventilation(history, t_s=t, config=cfg)
        if hyper:
            candidates.append("hyperventilation")
        if readings and self._holding(inp, ex, t):
            candidates.append("keep_breathing" if inp.moving else "holding")
        if readings and t - self._t_first >= cfg.warmup_s:
            if self._no_exhale_on_effort(inp):
                candidates.append("exhale_on_effort")
            if chest_s >= cfg.chest_persist_s:
                candidates.append("chest_breathing")
            # only the most specific of these: breathing too fast also cuts the exhale short and
            # falls out of step, and "slow down" is the one correction to make
            if hyper:
                pass  # the hyperventilation warning already says to slow down
            elif self._too_fast(inp, ex):
                candidates.append("too_fast")
            elif ex is not None and self._exhale_short(inp, ex):
                candidates.append("exhale_short")
            elif ex is not None and self._out_of_step(inp, ex, t):
                candidates.append("out_of_step")

        if self._resting(inp, ex):
            candidates = [c for c in candidates if c not in _PACE]
        for code in candidates:
            if self._allowed(code, t):
                if code in ("holding", "keep_breathing"):
                    self._hold_told = True
                return self._emit(code, t)
        return None

    # ------------------------------------------------------------------------------------------

    def _resting(self, inp: CoachInput, ex: Exercise | None) -> bool:
        """The breath is held now (a hold is open, asked for by the pacer or not): no pace cue.
        A pacer hold phase alone does not silence them: someone who keeps breathing through it
        is told."""
        return inp.open_hold_s is not None

    def _holding(self, inp: CoachInput, ex: Exercise | None, t: float) -> bool:
        cfg = self.config
        if inp.open_hold_s is None or self._hold_told or len(inp.breaths) < cfg.holding_min_breaths:
            return False
        recent = inp.breaths[-cfg.recent_breaths :]
        threshold = max(cfg.holding_min_s, cfg.holding_pause_factor * float(np.median([b.pause_s for b in recent])))
        if inp.moving:
            threshold = cfg.moving_hold_min_s  # a pause does not last through a squat
        return self._unintended_s(inp, ex, t) >= threshold

    def _no_exhale_on_effort(self, inp: CoachInput) -> bool:
        cfg = self.config
        last = [r for r in inp.reps if r.exhale_on_effort is not None][-cfg.effort_reps_window :]
        if len(last) < cfg.effort_reps_window:
            return False
        return sum(1 for r in last if not r.exhale_on_effort) >= cfg.effort_reps_needed

    def _unintended_s(self, inp: CoachInput, ex: Exercise | None, t: float) -> float:
        """Seconds, ending now, of the open hold that the pacer did not ask for."""
        if ex is None or inp.pacer is None:
            return float(inp.open_hold_s)
        t0 = t - elapsed_s(ex, inp.pacer)
        grace = self.config.pacer_hold_grace_s

        def asked(tau: float) -> bool:
            for u in (tau, tau - grace, tau + grace):
                if u - t0 >= 0 and phase_at(ex, u - t0)[1] in ("hold_in", "hold_out"):
                    return True
            return False

        run = 0.0
        while run < inp.open_hold_s and not asked(t - run):
            run += _HOLD_STEP_S
        return min(run, float(inp.open_hold_s))

    def _recent(self, inp: CoachInput) -> tuple[Breath, ...]:
        n = self.config.recent_breaths
        return inp.breaths[-n:] if len(inp.breaths) >= n else ()

    def _too_fast(self, inp: CoachInput, ex: Exercise | None) -> bool:
        cfg = self.config
        recent = self._recent(inp)
        if not recent:
            return False
        rate = 60.0 / float(np.median([b.duration_s for b in recent]))
        if ex is not None:
            return rate > max(ex.rate_bpm * cfg.too_fast_ratio, ex.rate_bpm + cfg.too_fast_min_excess_bpm)
        confident = inp.rate_bpm is not None and inp.rate_confidence >= cfg.min_rate_confidence
        return confident and inp.rate_bpm > cfg.resting_max_bpm and rate > cfg.resting_max_bpm

    def _exhale_short(self, inp: CoachInput, ex: Exercise) -> bool:
        cfg = self.config
        if ex.exhale_s < cfg.exhale_short_min_s:
            return False
        recent = self._recent(inp)
        if not recent:
            return False
        exhales = []
        for b in recent:
            held = [h.start for h in inp.holds if h.after == "exhale" and b.exhale_start <= h.start <= b.end]
            exhales.append((min(held) if held else b.end) - b.exhale_start)
        return float(np.median(exhales)) < cfg.exhale_short_ratio * ex.exhale_s

    def _out_of_step(self, inp: CoachInput, ex: Exercise, t: float) -> bool:
        cfg = self.config
        t0 = t - elapsed_s(ex, inp.pacer)
        done = int(np.floor((t - t0) / ex.cycle_s + 1e-9))
        if done < cfg.out_of_step_cycles:
            return False
        c = compliance(
            ex,
            breaths=inp.breaths,
            holds=inp.holds,
            t0_s=t0,
            t_end_s=t,
            from_s=t0 + (done - cfg.out_of_step_cycles) * ex.cycle_s,
            config=cfg,
        )
        return c.scored > 0 and c.score < cfg.out_of_step_score
