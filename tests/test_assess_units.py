"""The assessment's pure parts: protocol timeline, Nijmegen answers, control pause, pattern flags, texts."""

from dataclasses import replace
from io import StringIO

import pytest

from breathcam.assess import nijmegen as nj
from breathcam.assess.control_pause import band, control_pause
from breathcam.assess.observe import free_breaths, observe
from breathcam.assess.patterns import PATTERNS, flag_patterns
from breathcam.assess.protocol import Timeline, parse_steps, plan
from breathcam.assess.texts import TEXTS
from breathcam.config import DEFAULT
from breathcam.types import Breath, Hold, InputError, ParameterError


def _breaths(n=24, period=5.0, t0=0.0, **kw):
    return [Breath(t0 + period * k, t0 + period * k + 2, t0 + period * k + 4.5, t0 + period * k + period, 1.0, 1.0, **kw)
            for k in range(n)]


def test_plan_and_timeline_skip():
    p = plan(steps=("rest", "hold", "standing", "moving"))
    c = DEFAULT.assess
    assert [s.kind for s in p] == ["rest", "hold", "standing", "moving"]
    assert p[0].run_s == c.countdown_s and p[0].end_s == c.countdown_s + c.rest_s
    assert p[1].start_s == p[0].end_s
    tl = Timeline(p)
    assert tl.at(1.0).phase == "countdown" and tl.at(1.0).step.kind == "rest"
    tl.skip(30.0)  # rest skipped at 30 s: the hold step's countdown starts there
    assert tl.skipped == ["rest"] and tl.steps[0].end_s == 30.0
    assert tl.at(31.0).step.kind == "hold" and tl.at(31.0).phase == "countdown"
    assert tl.steps[1].run_s == pytest.approx(30.0 + c.countdown_s)
    tl.end_step_at(tl.steps[1].run_s + 20.0)  # control pause measured: the step ends early
    assert tl.steps[1].end_s == pytest.approx(30.0 + c.countdown_s + 20.0)
    assert tl.at(tl.steps[-1].end_s + 1).done


def test_parse_steps():
    assert parse_steps(None) == ("rest", "hold", "nijmegen")
    assert parse_steps(None, moving=True) == ("rest", "hold", "standing", "moving", "nijmegen")
    assert parse_steps("nijmegen,rest") == ("rest", "nijmegen")
    with pytest.raises(ParameterError, match="unknown step"):
        parse_steps("rest,dance")


@pytest.mark.parametrize("text, fragment", [
    ("0,1,2,3,4,0,1,2,3,4,0,1,2,3,4,5", "answer 16 is 5"),
    ("0,1,2,3,4,0,1,2,3,4,0,1,2,3,4,a", "answer 16 is 'a'"),
    ("0,1,2,3,4,0,1,2,3,4,0,1,2,3,4", "16 answers, not 15"),
])
def test_nijmegen_refuses_bad_lists(text, fragment):
    with pytest.raises(InputError, match=fragment):
        nj.parse(text)


def test_nijmegen_dutch_message():
    with pytest.raises(InputError, match="antwoord 3 is 7"):
        nj.parse("0,0,7" + ",0" * 13, lang="nl")


def test_nijmegen_total_and_cutoff():
    n = nj.parse(",".join(["1"] * 16))
    assert n.total == 16 and not n.suggests_hvs
    n = nj.parse("2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 0")
    assert n.total == 30 and n.suggests_hvs
    assert len(nj.ITEMS["en"]) == len(nj.ITEMS["nl"]) == 16


def test_nijmegen_asks_again_on_bad_answers():
    answers = iter(["5", "a", "", "3"] + ["1"] * 15)
    out = StringIO()
    n = nj.ask(input_fn=lambda prompt: next(answers), output=out)
    assert n is not None and n.answers[0] == 3 and n.total == 3 + 15
    text = out.getvalue()
    assert text.count("each answer is a whole number from 0 to 4") == 3


def test_nijmegen_stopped_keeps_nothing_half():
    answers = iter(["1", "2"])

    def fn(prompt):
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    out = StringIO()
    assert nj.ask(input_fn=fn, output=out, lang="nl") is None
    assert "2 van de 16 beantwoord" in out.getvalue()


def test_control_pause_camera_key_and_open():
    holds = [Hold(20.0, 41.5, "exhale", 0.9)]
    breaths = [Breath(41.7, 43.0, 45.0, 46.0, 1.0, 1.0)]
    cp = control_pause(holds, breaths, window=(10.0, 80.0), keys=[20.3, 41.2])
    assert cp.camera_s == pytest.approx(21.7) and cp.key_s == pytest.approx(20.9) and cp.agree
    assert cp.band == "20-40"
    left = control_pause([Hold(20.0, 33.0, "exhale", 0.5, open=True)], (), window=(10.0, 80.0))
    assert left.open and left.camera_s == pytest.approx(13.0) and left.note == "open"
    none = control_pause((), breaths, window=(10.0, 80.0), keys=[12.0, 30.0])
    assert none.camera_s is None and none.seconds == pytest.approx(18.0) and none.band == "10-20"
    assert [band(x) for x in (5, 15, 25, 45)] == ["<10", "10-20", "20-40", ">40"]


def test_observe_leaves_holds_out_of_the_statistics():
    bs = _breaths(12)
    # one breath with an 8 s hold after inhale inside it
    held = Breath(60.0, 70.0, 72.0, 73.0, 1.0, 1.0)
    bs2 = bs + [held] + _breaths(6, t0=73.0)
    hold = Hold(62.0, 70.0, "inhale", 0.9)
    o = observe(bs2, [hold], window=(0.0, 110.0))
    assert free_breaths(bs2, [hold]) == bs + _breaths(6, t0=73.0)
    assert o.rate_bpm == pytest.approx(12.0) and o.cv_duration == pytest.approx(0.0)
    assert o.ie_ratio == pytest.approx(1.25) and o.longest_hold_s == pytest.approx(8.0)


def test_patterns_flag_exactly_what_is_measured():
    c = DEFAULT.assess
    calm = observe(_breaths(24, belly_share=0.5, phase_deg=5.0), (), window=(0, 120), pattern_confidence=0.9)
    flags = {p.name: p for p in flag_patterns(calm)}
    assert set(flags) == set(PATTERNS)
    assert [n for n, p in flags.items() if p.flagged] == []
    assert flags["forced_abdominal_expiration"].flagged is None
    fast = _breaths(50, period=2.4, belly_share=0.1, phase_deg=70.0)
    fast[3] = replace(fast[3], is_sigh=True)
    o = observe(fast, (), window=(0, 120), pattern_confidence=0.9)
    flags = {p.name: p for p in flag_patterns(o)}
    assert flags["hyperventilation"].flagged and flags["hyperventilation"].value == pytest.approx(25.0)
    assert flags["hyperventilation"].threshold == c.hyperventilation_rate_bpm
    assert flags["thoracic_dominant"].flagged and flags["thoraco_abdominal_asynchrony"].flagged
    assert flags["periodic_deep_sighing"].flagged is False  # 0.5/min
    unsure = observe(_breaths(24, belly_share=0.1), (), window=(0, 120), pattern_confidence=0.1)
    flags = {p.name: p for p in flag_patterns(unsure)}
    assert flags["thoracic_dominant"].flagged is None and flags["thoracic_dominant"].reason == "no_chest_belly"
    assert all(p.flagged is None for p in flag_patterns(None))


def test_texts_have_both_languages_with_the_same_fields():
    import string

    for key, langs in TEXTS.items():
        assert set(langs) == {"en", "nl"}, key
        fields = [{f for _, f, _, _ in string.Formatter().parse(v) if f} for v in langs.values()]
        assert fields[0] == fields[1], key


def test_banner_says_step_countdown_and_keys_in_dutch():
    from breathcam.assess.run import _draw_banner, banner_lines
    import numpy as np

    tl = Timeline(plan(steps=("rest", "hold")))
    lines = banner_lines(tl.at(2.0), lang="nl", index=1, total=2)
    assert lines[0] == "1/2 Observatie in rust: begint over 3 s"
    assert "volgende stap" in lines[2]
    lines = banner_lines(tl.at(DEFAULT.assess.countdown_s + DEFAULT.assess.rest_s + 10.0), lang="en", index=2, total=2)
    assert lines[0].startswith("2/2 Breath-hold test (control pause):") and lines[0].endswith("s left")
    img = np.full((480, 640, 3), 200, np.uint8)
    out = _draw_banner(img, lines, config=DEFAULT)
    assert out.shape == img.shape and (out[-70:] != 200).any() and (img == 200).all()


def test_assessment_json_round_trip():
    from breathcam.assess.control_pause import ControlPause
    from breathcam.assess.result import Assessment, StepResult, assessment_from_dict, assessment_to_dict

    rest = observe(_breaths(24), [Hold(30.0, 34.0, "exhale", 0.8)], window=(0, 120), pattern_confidence=0.9)
    a = Assessment(client="C1", lang="nl", started_at="2026-01-01T10:00:00", source="x.mp4", recorded_at=None,
                   steps=(StepResult("rest", "done", 0.0, 120.0),), rest=rest,
                   control_pause=ControlPause(20.0, 1.0, 21.0, "exhale"), patterns=flag_patterns(rest),
                   nijmegen=nj.parse(",".join(["2"] * 16)))
    d = assessment_to_dict(a)
    assert d["kind"] == "assessment" and d["numbers"]["control_pause_s"] == 20.0 and d["numbers"]["nijmegen_total"] == 32
    assert assessment_from_dict(d) == a


def test_nijmegen_from_a_file_and_a_missing_file(tmp_path):
    f = tmp_path / "answers.txt"
    f.write_text("1 1 1 1\n1 1 1 1\n1 1 1 1\n1 1 1 2\n")
    assert nj.load(str(f)).total == 17
    with pytest.raises(InputError, match="nor a file that exists"):
        nj.load(str(tmp_path / "missing.txt"))
    with pytest.raises(InputError, match="16 answers, not 1"):
        nj.load("5")
