"""Exercises, the pacer and the messages of the coach."""

import re

import numpy as np
import pytest

from breathcam.coach.exercises import EXERCISES, cycles_for, exercise_title, get_exercise
from breathcam.coach.messages import LANGS, MESSAGES, message
from breathcam.coach.pacer import elapsed_s, pacer_state, phase_name, target_curve
from breathcam.types import BreathcamError, ParameterError


@pytest.mark.parametrize(
    "name, pattern, rate",
    [
        ("box", (4, 4, 4, 4), 3.75),
        ("478", (4, 7, 8, 0), 60 / 19),
        ("4-7-8", (4, 7, 8, 0), 60 / 19),
        ("46", (4, 0, 6, 0), 6.0),
        ("coherent", (4.4, 0, 6.5, 0), 5.5),
        ("coherent6", (5, 0, 5, 0), 6.0),
        ("belly", (4, 0, 6, 0), 6.0),
        ("Box", (4, 4, 4, 4), 3.75),
    ],
)
def test_named_exercises_have_their_timing(name, pattern, rate):
    ex = get_exercise(name)
    assert ex.durations == pytest.approx(pattern)
    assert ex.rate_bpm == pytest.approx(rate, abs=0.01)
    assert not ex.intense


def test_intense_exercises_are_flagged_and_belly_has_its_focus():
    assert get_exercise("connected").intense and get_exercise("holdrounds").intense
    assert get_exercise("connected").rate_bpm >= 20
    assert max(get_exercise("holdrounds").hold_in_s, get_exercise("holdrounds").hold_out_s) >= 20
    assert get_exercise("belly").focus == "belly"
    assert sum(ex.intense for ex in EXERCISES.values()) == 2


def test_custom_pattern():
    ex = get_exercise("4-2-6-0")
    assert ex.name == "custom" and ex.durations == (4.0, 2.0, 6.0, 0.0) and not ex.intense
    assert get_exercise("5,5-0-5,5-0").cycle_s == pytest.approx(11.0)
    assert get_exercise("3-5").durations == (3.0, 0.0, 5.0, 0.0)
    # a custom pattern as fast or holding as long as an intense exercise is intense too
    assert get_exercise("1-0-1-0").intense
    assert get_exercise("4-30-6-0").intense and get_exercise("4-0-6-45").intense
    assert "custom" in exercise_title(ex, "en").lower() or "4-2-6-0" in exercise_title(ex, "en")
    assert exercise_title(ex, "nl") == "Eigen patroon 4-2-6-0"


@pytest.mark.parametrize("bad", ["nosuch", "4-x-6-0", "0-0-6-0", "4-0-0-0", "4-0-600-0", "4-2-6"])
def test_bad_exercise_names_are_refused_with_the_choices(bad):
    with pytest.raises(BreathcamError) as err:
        get_exercise(bad)
    if bad == "nosuch":
        assert "box" in str(err.value) and "478" in str(err.value) and "4-2-6-0" in str(err.value)


def test_session_length_in_cycles():
    box = get_exercise("box")
    assert cycles_for(box, cycles=3) == 3
    assert cycles_for(box, duration_s=60) == 4  # 60 s of 16 s cycles, rounded to whole cycles
    assert cycles_for(box, duration_s=5) == 1
    assert cycles_for(get_exercise("478")) == 4  # its default
    with pytest.raises(BreathcamError):
        cycles_for(box, cycles=0)
    with pytest.raises(BreathcamError):
        cycles_for(box, duration_s=-3)


def test_pacer_walks_through_the_phases():
    ex = get_exercise("478")
    expect = [(1.0, "inhale", 3.0), (4.5, "hold_in", 6.5), (12.0, "exhale", 7.0), (19.5, "inhale", 3.5)]
    for t, phase, left in expect:
        s = pacer_state(ex, t)
        assert s.phase == phase and s.phase_left_s == pytest.approx(left)
        assert elapsed_s(ex, s) == pytest.approx(t)
    assert pacer_state(ex, 19.5).cycle == 1
    assert pacer_state(ex, 4.5).target == 1.0 and pacer_state(ex, 19.0 + 1e-6).target == pytest.approx(0, abs=1e-6)
    # mid-inhale and mid-exhale the shape is half way
    assert pacer_state(ex, 2.0).target == pytest.approx(0.5)
    assert pacer_state(ex, 15.0).target == pytest.approx(0.5)
    done = pacer_state(ex, 4 * 19 + 1.0, cycles=4)
    assert done.done and done.phase == "done" and done.target == 0.0
    assert not pacer_state(ex, 4 * 19 - 0.1, cycles=4).done
    box = get_exercise("box")
    assert pacer_state(box, 13.0).phase == "hold_out" and pacer_state(box, 13.0).target == 0.0


def test_target_curve_matches_pacer_state_and_rises_then_falls():
    ex = get_exercise("box")
    t = np.arange(0, 32, 0.25)
    curve = target_curve(ex, t)
    assert curve == pytest.approx([pacer_state(ex, x).target for x in t], abs=1e-9)
    inhale = curve[(t >= 0) & (t < 4)]
    exhale = curve[(t >= 8) & (t < 12)]
    assert np.all(np.diff(inhale) > 0) and np.all(np.diff(exhale) < 0)
    assert curve.min() >= 0 and curve.max() <= 1


def test_phase_names_in_both_languages():
    assert phase_name("inhale", "nl") == "Adem in" and phase_name("inhale", "en") == "Breathe in"
    assert phase_name("exhale", "nl") == "Adem uit"
    assert phase_name("hold_in", "nl") == "Vasthouden" and phase_name("hold_out", "en") == "Hold"
    with pytest.raises(ParameterError):
        phase_name("inhale", "de")


def test_every_message_has_both_languages_with_the_same_fields():
    assert LANGS == ("en", "nl")
    for code, texts in MESSAGES.items():
        assert set(texts) == set(LANGS), code
        fields = [set(re.findall(r"\{(\w+)", texts[lang])) for lang in LANGS]
        assert fields[0] == fields[1], code
        assert texts["en"] != "" and texts["nl"] != ""
    assert message("hold_timer", "nl", s=5.2) == "Adem vast 5 s"
    assert message("chest_breathing", "nl") == "Adem in je buik"
    assert message("exhale_short", "nl") == "Maak de uitademing langer"
    assert message("too_fast", "nl") == "Rustiger ademen"
    assert message("holding", "nl").startswith("Je houdt je adem in")
    with pytest.raises(ParameterError):
        message("nosuch")


def test_every_exercise_has_a_title_in_both_languages():
    for ex in EXERCISES.values():
        titles = {lang: exercise_title(ex, lang) for lang in LANGS}
        assert all(titles.values()) and "{" not in "".join(titles.values())
        if ex.intense:
            assert "intense" in titles["en"] and "intensief" in titles["nl"]


def test_coach_imports_are_light():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import breathcam.coach.exercises, breathcam.coach.pacer, breathcam.coach.messages\n"
        "import breathcam.coach.compliance, breathcam.coach.feedback, breathcam.coach.safety\n"
        "heavy = [m for m in ('cv2', 'mediapipe', 'sounddevice', 'soundfile', 'av', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
