"""The overlay's sound meter: the bar follows the level over the floor, green while a breath is
heard, struck through when the microphone is off, inside the layout's meter slot only; the
notices in English and Dutch."""

import numpy as np
import pytest

pytest.importorskip("cv2")

from breathcam.config import DEFAULT  # noqa: E402
from breathcam.overlay.sound_meter import draw_sound_meter, meter_box, mic_text  # noqa: E402
from breathcam.signals.sound import SoundLevel  # noqa: E402

ST = DEFAULT.overlay


def _cols(img, bgr):
    """How many columns of the meter slot hold ``bgr``."""
    x0, y0, x1, y1 = meter_box(640, 480).as_int()
    part = img[y0 : y1 + 1, x0 : x1 + 1].astype(int)
    return int((np.abs(part - np.array(bgr)).max(axis=-1) <= 10).any(axis=0).sum())


def _outside_is_blank(img):
    x0, y0, x1, y1 = meter_box(640, 480).as_int()
    mask = np.ones(img.shape[:2], bool)
    mask[y0 : y1 + 1, x0 : x1 + 1] = False
    return not img[mask].any()


def test_bar_follows_the_level_and_turns_green_when_heard():
    full = ST.sound_meter_full_db
    a = draw_sound_meter(np.zeros((480, 640, 3), np.uint8), SoundLevel(1.0, -60.0, -62.0, 0.25 * full, False), status="ok")
    b = draw_sound_meter(np.zeros((480, 640, 3), np.uint8), SoundLevel(1.0, -40.0, -62.0, 0.75 * full, True), status="ok")
    c = draw_sound_meter(np.zeros((480, 640, 3), np.uint8), SoundLevel(1.0, -40.0, -62.0, 2.0 * full, True), status="ok")
    green_b, green_c = _cols(b, ST.sound_heard_bgr), _cols(c, ST.sound_heard_bgr)
    assert green_b / green_c == pytest.approx(0.75, abs=0.08)  # full at sound_meter_full_db
    assert _cols(a, ST.sound_heard_bgr) == 0  # grey while nothing is heard
    assert all(_outside_is_blank(x) for x in (a, b, c))  # only in its slot: nothing else is covered


def test_microphone_off_is_struck_through_and_no_microphone_draws_nothing():
    lost = draw_sound_meter(np.zeros((480, 640, 3), np.uint8), None, status="lost", lang="nl")
    assert _cols(lost, ST.hold_bgr) > 20 and _outside_is_blank(lost)
    assert not draw_sound_meter(np.zeros((480, 640, 3), np.uint8), None, status=None).any()
    assert mic_text("unavailable", "en").startswith("No microphone") and mic_text("muted", "nl").startswith("Microfoon stil")
    assert mic_text("ok") == ""
