"""Fusion of a video reading and a sound reading."""

import pytest

from breathcam.signals.fuse import fuse
from breathcam.types import Analysis, Breath, Hold, Pattern, Quality, Silence
from breathcam.signals.sound import SoundResult


def _video(rate=12.0, conf=0.6, holds=()):
    b = tuple(Breath(5.0 * k, 5.0 * k + 2, 5.0 * k + 4, 5.0 * k + 5, 1.0, 0.9) for k in range(10))
    return Analysis("clip.mp4", 50.0, rate, (), b if rate else (), holds, Pattern(), Quality(conf if rate else 0.0, 1.0, ()))


def _sound(rate=12.4, conf=0.8, silences=()):
    b = tuple(Breath(4.8 * k, 4.8 * k + 2, 4.8 * k + 4.8, 4.8 * k + 4.8, 1.0, conf) for k in range(10))
    return SoundResult(rate, conf, (), b if rate else (), (), silences, conf, 15.0, True, ((100.0, 200.0),), 0.5)


def test_agreeing_sources_raise_confidence_and_average():
    out = fuse(_video(), _sound())
    assert out.sources == ("video", "sound")
    assert out.quality.confidence == pytest.approx(1 - 0.4 * 0.2, abs=1e-3)
    assert 12.0 < out.rate_bpm < 12.4 and out.breaths == _video().breaths


def test_disagreeing_sound_never_makes_video_worse():
    v = _video()
    out = fuse(v, _sound(rate=24.0))
    assert out.rate_bpm == v.rate_bpm and out.quality.confidence == v.quality.confidence
    assert out.sources == ("video",) and any("disagree" in n for n in out.quality.notes)


def test_silent_track_is_ignored():
    v = _video()
    out = fuse(v, _sound(rate=None, conf=0.0))
    assert out.rate_bpm == v.rate_bpm and out.quality.confidence == v.quality.confidence and out.sources == ("video",)


def test_sound_alone_when_video_has_no_reading():
    out = fuse(_video(rate=None), _sound())
    assert out.sources == ("sound",) and out.rate_bpm == 12.4 and len(out.breaths) == 10


def test_hold_during_audible_breathing_loses_confidence():
    holds = (Hold(10.0, 16.0, "exhale", 0.9), Hold(30.0, 36.0, "inhale", 0.9))
    out = fuse(_video(holds=holds), _sound(silences=(Silence(9.5, 16.5),)))
    assert out.holds[0].confidence == 0.9 and out.holds[1].confidence == pytest.approx(0.45)


def _undecided(candidates=(6.0, 12.0)):
    from dataclasses import replace

    return replace(_sound(rate=None, conf=0.0), rate_candidates=candidates)


def test_video_decides_between_rate_and_twice_the_rate():
    out = fuse(_video(rate=12.0), _undecided((6.2, 12.4)))
    assert out.sources == ("video", "sound") and 12.0 < out.rate_bpm < 12.4
    assert out.quality.confidence == pytest.approx(1 - 0.4 * 0.6, abs=1e-3)
    assert any("video chose 12" in n for n in out.quality.notes)
    # video at the lower candidate: that one
    assert 6.0 <= fuse(_video(rate=6.0), _undecided((6.2, 12.4))).rate_bpm < 6.2


def test_undecided_sound_without_agreeing_video_gives_video_or_nothing():
    v = _video(rate=9.0)
    out = fuse(v, _undecided((6.2, 12.4)))
    assert out.rate_bpm == v.rate_bpm and out.sources == ("video",)
    out = fuse(_video(rate=None), _undecided((6.2, 12.4)))
    assert out.rate_bpm is None


def test_sound_at_twice_the_video_rate_keeps_the_video_and_says_why():
    v = _video(rate=10.0)
    out = fuse(v, _sound(rate=20.2))
    assert out.rate_bpm == 10.0 and out.quality.confidence == v.quality.confidence
    assert any("inhale and exhale" in n for n in out.quality.notes)
