"""The safety screen cannot be skipped; hyperventilation and distress checks."""

import dataclasses
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from breathcam.coach.exercises import EXERCISES, get_exercise
from breathcam.coach.safety import (
    SafetyAck,
    check_ack,
    confirm_in_terminal,
    confirm_key,
    distressed,
    hyperventilation,
    needs_screen,
    refuse_non_interactive,
    safety_text,
)
from breathcam.config import DEFAULT
from breathcam.types import Breath, BreathcamError, Hold

INTENSE = ["connected", "holdrounds", "1-0-1-0", "4-30-6-0"]


def scripted(*answers):
    """An input() stand-in that replays answers, then raises EOFError like a closed stdin."""
    it = iter(answers)

    def fn(prompt=""):
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return fn


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_safety_text_lists_contraindications_and_situations(lang):
    text = safety_text(lang).lower()
    words = {
        "en": ["pregnant", "heart", "epilepsy", "asthma", "copd", "psychosis", "blood pressure", "trauma",
               "driving", "swimming", "bath", "dizzy"],
        "nl": ["zwanger", "hart", "epilepsie", "astma", "copd", "psychose", "bloeddruk", "ingrijpends",
               "autorijden", "zwemmen", "bad", "duizelig"],
    }[lang]
    for w in words:
        assert w in text, w


@pytest.mark.parametrize("name", INTENSE)
@pytest.mark.parametrize("answers", [("no",), ("",), (), ("nee",), ("y",), ("yes please",), ("ok",)])
def test_intense_exercise_does_not_start_without_the_word(name, answers):
    ex = get_exercise(name)
    out = io.StringIO()
    ack = confirm_in_terminal(ex, lang="en", input_fn=scripted(*answers), output=out)
    assert ack is None
    assert "pregnant" in out.getvalue() and "does not start" in out.getvalue()
    with pytest.raises(BreathcamError, match="safety screen"):
        check_ack(ex, ack)


@pytest.mark.parametrize("answer, lang", [("yes", "en"), ("YES ", "en"), ("ja", "nl"), ("Ja", "en"), ("yes", "nl")])
def test_yes_or_ja_confirms(answer, lang):
    ex = get_exercise("connected")
    out = io.StringIO()
    ack = confirm_in_terminal(ex, lang=lang, input_fn=scripted(answer), output=out)
    assert isinstance(ack, SafetyAck) and ack.exercise == "connected" and ack.lang == lang
    assert "T" in ack.t and ack.t[:4].isdigit()  # ISO time
    check_ack(ex, ack)  # no error
    if lang == "nl":
        assert "zwanger" in out.getvalue()


def test_keyboard_interrupt_is_a_refusal():
    def interrupt(prompt=""):
        raise KeyboardInterrupt

    assert confirm_in_terminal(get_exercise("holdrounds"), input_fn=interrupt, output=io.StringIO()) is None


def test_window_key_confirms_only_with_y_or_j():
    ex = get_exercise("holdrounds")
    assert confirm_key(ex, ord("y")) is not None and confirm_key(ex, "J", lang="nl") is not None
    for key in (None, -1, 27, ord("q"), ord("n"), " ", 13):
        assert confirm_key(ex, key) is None


def test_no_flag_bypasses_the_screen():
    for name in INTENSE:
        ex = get_exercise(name)
        assert needs_screen(ex)
        # clearing the flag does not make it gentle: the phase lengths alone call for the screen
        assert needs_screen(dataclasses.replace(ex, intense=False, focus="pace"))
        with pytest.raises(BreathcamError):
            check_ack(dataclasses.replace(ex, intense=False), None)
        # an acknowledgement for another exercise does not count
        other = SafetyAck("box", "2026-01-01T00:00:00+00:00", "en")
        with pytest.raises(BreathcamError):
            check_ack(ex, other)
    assert "terminal or window" in str(refuse_non_interactive(get_exercise("connected")))
    for name, ex in EXERCISES.items():
        assert needs_screen(ex) == ex.intense, name
        if not ex.intense:
            check_ack(ex, None)  # the gentle ones need none


def breaths_at(rate_bpm, *, t0=0.0, t1=120.0, depth=1.0, jitter=0.0, seed=0):
    """Contiguous synthetic breaths at ``rate_bpm`` from t0 to t1 (duration jittered log-normally)."""
    rng = np.random.default_rng(seed)
    out, t = [], t0
    while True:
        d = 60.0 / rate_bpm * float(np.exp(jitter * rng.standard_normal()))
        if t + d > t1:
            return out
        dep = depth * float(np.exp(jitter * rng.standard_normal()))
        out.append(Breath(t, t + 0.4 * d, t + 0.9 * d, t + d, dep, 1.0))
        t += d


def test_hyperventilation_fast_for_a_minute():
    fast = breaths_at(28, t1=90)
    assert hyperventilation(fast, t_s=90.0)
    assert not hyperventilation(fast, t_s=30.0)  # not for long enough yet
    assert not hyperventilation(breaths_at(14, t1=120), t_s=120.0)
    assert not hyperventilation(breaths_at(28, t1=20) + breaths_at(12, t0=20, t1=90), t_s=90.0)


def test_hyperventilation_deep_for_a_minute():
    calm = breaths_at(14, t1=60)
    deep = breaths_at(14, t0=calm[-1].end, t1=140, depth=2.5)
    assert hyperventilation(calm + deep, t_s=140.0)
    # deep but slow (a deep-breathing exercise at 6/min) is not hyperventilation
    slow_deep = breaths_at(6, t0=calm[-1].end, t1=140, depth=2.5)
    assert not hyperventilation(calm + slow_deep, t_s=140.0)
    assert not hyperventilation(calm + breaths_at(14, t0=calm[-1].end, t1=140, depth=1.3), t_s=140.0)


def test_distress_is_fast_and_erratic_gasping():
    cfg = DEFAULT.coach
    assert distressed(breaths_at(36, t1=40, jitter=0.4, seed=1), (), t_s=40.0)
    # fast but steady (connected breathing) is not distress; very fast is
    assert not distressed(breaths_at(36, t1=40), (), t_s=40.0)
    assert distressed(breaths_at(cfg.distress_max_rate_bpm + 5, t1=40), (), t_s=40.0)
    assert not distressed(breaths_at(14, t1=40, jitter=0.4, seed=1), (), t_s=40.0)
    # a very long hold that just ended
    long_hold = Hold(10.0, 10.0 + cfg.distress_hold_s + 5, "inhale", 1.0)
    assert distressed((), (long_hold,), t_s=long_hold.end + 2)
    assert not distressed((), (Hold(10.0, 40.0, "exhale", 1.0),), t_s=42.0)


def test_the_cli_cannot_start_an_intense_exercise_without_a_terminal(tmp_path):
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))

    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "breathcam", *args], input=stdin, capture_output=True,
                              text=True, timeout=120, env=env, cwd=root)

    if run("exercise", "--help").returncode != 0:
        pytest.skip("breathcam exercise is not available yet")
    clip = str(tmp_path / "missing.mp4")
    # piping "yes" into a script is no confirmation: only a person at a terminal or window confirms
    for name, stdin in (("connected", ""), ("1-0-1-0", "yes\n"), ("holdrounds", "ja\n")):
        out = run("exercise", name, "--source", clip, "--no-window", stdin=stdin)
        assert out.returncode == 2, out
        assert "safety screen" in out.stderr and "Traceback" not in out.stderr
    # and there is no flag that skips it
    out = run("exercise", "connected", "--source", clip, "--no-window", "--yes")
    assert out.returncode == 2 and "unrecognized arguments" in out.stderr
