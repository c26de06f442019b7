"""The overlay's sound meter: the bar follows the level over the floor, green while a breath is
heard, struck through when the microphone is off; the notices in English and Dutch."""

import numpy as np
import pytest

pytest.importorskip("cv2")

from breathcam.config import DEFAULT  # noqa: E402
from breathcam.overlay.sound_meter import draw_sound_meter, meter_box, mic_text  # noqa: E402
from breathcam.signals.sound import SoundLevel  # noqa: E402

ST = DEFAULT.overlay


def _bar(img, w=640, h=480):
    x0, y0, x1, y1 = meter_box(w, h).as_int()
    return img[y0 + 28 : y1 - 8, x0 + 8 : x1 - 8].astype(int)


def _share(bar, bgr):
    return float((np.abs(bar - np.array(bgr)).max(axis=-1) <= 10).any(axis=0).mean())


def test_bar_follows_the_level_and_turns_green_when_heard():
    full = ST.sound_meter_full_db
    quiet = SoundLevel(1.0, -60.0, -62.0, 0.25 * full, False)
    loud = SoundLevel(1.0, -40.0, -62.0, 0.75 * full, True)
    a = draw_sound_meter(np.zeros((480, 640, 3), np.uint8), quiet, status="ok")
    b = draw_sound_meter(np.zeros((480, 640, 3), np.uint8), loud, status="ok")
    assert _share(_bar(a), ST.sound_bgr) == pytest.approx(0.25, abs=0.06)
    assert _share(_bar(b), ST.sound_heard_bgr) == pytest.approx(0.75, abs=0.06)
    assert _share(_bar(a), ST.sound_heard_bgr) == 0.0
    # nothing drawn outside its corner (the rate, the hold timer and the regions stay clear)
    box = meter_box(640, 480)
    mask = np.zeros((480, 640), bool)
    x0, y0, x1, y1 = box.as_int()
    mask[y0 : y1 + 1, x0 : x1 + 1] = True
    assert not b[~mask].any()
    assert box.y1 < 70  # above the chest/belly gauge


def test_microphone_off_is_struck_through_and_no_microphone_draws_nothing():
    lost = draw_sound_meter(np.zeros((480, 640, 3), np.uint8), None, status="lost", lang="nl")
    assert _share(_bar(lost), ST.hold_bgr) > 0.6  # the diagonal crosses the bar
    assert not draw_sound_meter(np.zeros((480, 640, 3), np.uint8), None, status=None).any()
    assert mic_text("unavailable", "en").startswith("No microphone") and mic_text("muted", "nl").startswith("Microfoon stil")
    assert mic_text("ok") == ""
