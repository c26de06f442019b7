"""Safety: the screen before intense exercises, and the hyperventilation and distress checks.

Intense techniques (fast connected breathing, breath-hold rounds, and any custom pattern as fast or
holding as long) start only after the person has read the contraindications and the situations to
avoid and confirmed by typing a word ("yes" / "ja") or pressing a key in the window.  Nothing skips
it: :func:`needs_screen` looks at the phase lengths as well as the exercise's flag, and
:func:`check_ack` refuses to start an intense exercise without a matching :class:`SafetyAck`;
a run without a terminal on stdin (a script) cannot confirm and is refused with a clear message.

:func:`hyperventilation` flags breathing that has been fast, or deep at a fair rate, for a minute
(Boulding et al. 2016); :func:`distressed` flags fast, erratic gasping and very long holds.  The
feedback engine turns them into a warning and a stop prompt.

Where it fails: the screen is a text the person may not read, and it is no medical check; the
depth criterion of hyperventilation compares with the person's own earlier breaths, so someone who
breathes deeply from the first breath is caught only by the rate; camera depth units vary with
framing, so depth is never compared with a fixed number.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Sequence, TextIO

import numpy as np

from breathcam.config import DEFAULT, CoachConfig
from breathcam.coach.exercises import Exercise, exercise_title, is_intense_pattern, pattern_text
from breathcam.coach.messages import check_lang, message
from breathcam.types import Breath, BreathcamError, Hold

__all__ = [
    "SafetyAck",
    "safety_text",
    "needs_screen",
    "confirm_in_terminal",
    "confirm_key",
    "check_ack",
    "refuse_non_interactive",
    "hyperventilation",
    "distressed",
    "ACCEPT_WORDS",
]

# Words that confirm the screen, in either language (a Dutch speaker running in English may type ja).
ACCEPT_WORDS = ("yes", "ja")
# Keys that confirm it in the window (J for ja, Y for yes).
ACCEPT_KEYS = ("y", "j")

_TEXT = {
    "en": """\
This exercise is intense. It changes the carbon dioxide and oxygen in your blood and can make
you dizzy, tingly or faint.

Do NOT do it if you:
  - are pregnant
  - have heart disease or a heart rhythm problem
  - have epilepsy or have ever had a seizure
  - have severe asthma or COPD
  - have had a psychosis or another serious mental illness
  - have high blood pressure that is not under control
  - have been through a recent trauma (physical or emotional)

Never do it while driving, in or near water (swimming, in the bath, under the shower) or
standing up: sit or lie down somewhere safe where you can fall without hurting yourself.

Stop at once and breathe normally if you feel dizzy, light-headed, numb, unwell, anxious
or have pain in your chest. When in doubt, ask your doctor first.""",
    "nl": """\
Deze oefening is intensief. Ze verandert het koolzuur en de zuurstof in je bloed en kan je
duizelig, tintelig of flauw maken.

Doe haar NIET als je:
  - zwanger bent
  - een hartziekte of hartritmestoornis hebt
  - epilepsie hebt of ooit een aanval hebt gehad
  - ernstige astma of COPD hebt
  - een psychose of een andere ernstige psychische aandoening hebt gehad
  - een hoge bloeddruk hebt die niet onder controle is
  - kort geleden iets ingrijpends hebt meegemaakt (lichamelijk of emotioneel)

Doe haar nooit tijdens het autorijden, in of bij het water (zwemmen, in bad, onder de douche)
of staand: ga zitten of liggen op een veilige plek waar je niet kunt vallen.

Stop meteen en adem gewoon als je duizelig, licht in je hoofd, gevoelloos, onwel of angstig
wordt of pijn op je borst krijgt. Twijfel je, vraag het dan eerst aan je arts.""",
}


@dataclass(frozen=True)
class SafetyAck:
    """Proof that the safety screen of ``exercise`` was shown and confirmed."""

    exercise: str
    t: str  # ISO time of the confirmation
    lang: str


def safety_text(lang: str = "en") -> str:
    """The contraindications and the situations to avoid (docs: design.md), in ``lang``."""
    return _TEXT[check_lang(lang)]


def needs_screen(ex: Exercise, *, config: CoachConfig = DEFAULT.coach) -> bool:
    """True for intense exercises: by flag, or by phase lengths (fast or long holds) whatever the flag."""
    return bool(ex.intense) or is_intense_pattern(ex, config=config)


def _ack(ex: Exercise, lang: str) -> SafetyAck:
    return SafetyAck(ex.name, datetime.now(timezone.utc).isoformat(timespec="seconds"), lang)


def confirm_in_terminal(
    ex: Exercise,
    *,
    lang: str = "en",
    input_fn: Callable[[str], str] = input,
    output: TextIO = sys.stdout,
) -> SafetyAck | None:
    """Print the screen and read one answer: "yes" or "ja" (any case) confirms and returns a
    SafetyAck; anything else, an empty line, end of input or Ctrl-C returns None."""
    check_lang(lang)
    print(message("safety_title", lang, title=exercise_title(ex, lang)), file=output)
    print(file=output)
    print(safety_text(lang), file=output)
    print(file=output)
    output.flush()
    try:
        answer = input_fn(message("safety_prompt", lang))
    except (EOFError, KeyboardInterrupt):
        answer = ""
    if str(answer).strip().lower() in ACCEPT_WORDS:
        return _ack(ex, lang)
    print(message("safety_refused", lang), file=output)
    return None


def confirm_key(ex: Exercise, key: int | str | None, *, lang: str = "en") -> SafetyAck | None:
    """The window's version: ``key`` (a character or an OpenCV key code) "y"/"j" confirms, any
    other key or none refuses.  The window shows safety_text(lang) and message("safety_key_prompt")."""
    check_lang(lang)
    if isinstance(key, int):
        key = chr(key & 0xFF) if key >= 0 else ""
    if key is not None and str(key).strip().lower() in ACCEPT_KEYS:
        return _ack(ex, lang)
    return None


def check_ack(ex: Exercise, ack: SafetyAck | None, *, config: CoachConfig = DEFAULT.coach) -> None:
    """Raise BreathcamError unless ``ex`` needs no screen or ``ack`` confirms the screen for it."""
    if not needs_screen(ex, config=config):
        return
    if ack is None or not isinstance(ack, SafetyAck) or ack.exercise != ex.name:
        raise refuse_non_interactive(ex)


def _label(ex: Exercise) -> str:
    return pattern_text(ex) if ex.name == "custom" else ex.name


def refuse_non_interactive(ex: Exercise, *, lang: str = "en") -> BreathcamError:
    """The error to raise when an intense exercise is started without a terminal or window."""
    return BreathcamError(message("safety_non_interactive", lang, name=_label(ex)))


def _recent(breaths: Sequence[Breath], *, t_s: float, window_s: float) -> list[Breath]:
    return [b for b in breaths if t_s - window_s <= b.inhale_start and b.end <= t_s]


def _rate(breaths: Sequence[Breath]) -> float:
    span = breaths[-1].end - breaths[0].inhale_start
    return 60.0 * len(breaths) / span if span > 0 else 0.0


def hyperventilation(breaths: Sequence[Breath], *, t_s: float, config: CoachConfig = DEFAULT.coach) -> bool:
    """True when the last ``hypervent_window_s`` of complete breaths were fast (above
    ``hypervent_rate_bpm``), or deep (median depth ``hypervent_depth_ratio`` times that of the
    earlier breaths) at ``hypervent_min_rate_bpm`` or more, and cover most of the window."""
    recent = _recent(breaths, t_s=t_s, window_s=config.hypervent_window_s)
    if len(recent) < 2:
        return False
    span = recent[-1].end - recent[0].inhale_start
    if span < config.hypervent_coverage * config.hypervent_window_s:
        return False
    rate = _rate(recent)
    if rate >= config.hypervent_rate_bpm:
        return True
    earlier = [b for b in breaths if b.end <= recent[0].inhale_start]
    if len(earlier) < config.hypervent_baseline_breaths or rate < config.hypervent_min_rate_bpm:
        return False
    base = float(np.median([b.depth for b in earlier]))
    return base > 0 and float(np.median([b.depth for b in recent])) >= config.hypervent_depth_ratio * base


def distressed(
    breaths: Sequence[Breath], holds: Sequence[Hold], *, t_s: float, config: CoachConfig = DEFAULT.coach
) -> bool:
    """True for fast, erratic breathing (gasping) over the last ``distress_window_s``, breathing
    faster than ``distress_max_rate_bpm``, or a hold longer than ``distress_hold_s`` that ended
    within that window."""
    for h in holds:
        if h.duration_s >= config.distress_hold_s and t_s - config.distress_window_s <= h.end <= t_s:
            return True
    recent = _recent(breaths, t_s=t_s, window_s=config.distress_window_s)
    if len(recent) < config.distress_min_breaths:
        return False
    rate = _rate(recent)
    if rate >= config.distress_max_rate_bpm:
        return True
    if rate < config.distress_rate_bpm:
        return False
    durations = np.array([b.duration_s for b in recent])
    depths = np.array([b.depth for b in recent])
    cv_duration = float(durations.std() / durations.mean()) if durations.mean() > 0 else 0.0
    cv_depth = float(depths.std() / depths.mean()) if depths.mean() > 0 else 0.0
    return cv_duration >= config.distress_cv or cv_depth >= config.distress_depth_cv
