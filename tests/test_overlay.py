"""The overlay draws each part where layout() says, in its colours, in English and Dutch."""

import numpy as np
import pytest

from breathcam.config import DEFAULT
from breathcam.overlay.draw import (
    draw_gauge,
    draw_hold_timer,
    draw_overlay,
    draw_pacer,
    draw_waveform,
    fmt_num,
    label,
    layout,
    to_ascii,
)
from breathcam.types import Box, LiveState, TorsoRegions

STYLE = DEFAULT.overlay
W, H = 640, 480


def _frame(grey=110):
    return np.full((H, W, 3), grey, np.uint8)


def _near(img, bgr, tol=40):
    return np.all(np.abs(img.astype(int) - np.array(bgr)) <= tol, axis=-1)


def _crop(mask, box):
    x0, y0, x1, y1 = box.as_int()
    return mask[y0 : y1 + 1, x0 : x1 + 1]


def _state(**kw):
    t = np.linspace(0, 20, 400)
    base = dict(
        t_s=20.0,
        rate_bpm=12.3,
        rate_confidence=0.9,
        breaths=(),
        holds=(),
        open_hold_start_s=None,
        open_hold_after=None,
        regions=TorsoRegions(
            t_s=20.0, chest=Box(240, 150, 400, 230), belly=Box(250, 260, 390, 340), shoulders=None,
            reference=None, view="front", method="pose", confidence=1.0,
        ),
        person_seen=True,
        wave_t_s=t,
        wave_chest=3 * np.sin(2 * np.pi * t / 5),
        wave_belly=2 * np.sin(2 * np.pi * t / 5),
        wave_breathing=5 * np.sin(2 * np.pi * t / 5),
        belly_share=0.3,
    )
    base.update(kw)
    return LiveState(**base)


def test_gauge_splits_chest_and_belly_by_share():
    for share in (0.2, 0.7):
        img = draw_gauge(_frame(), share, style=STYLE)
        g = layout(W, H).gauge
        x = int(round(0.5 * (g.x0 + g.x1)))
        col = img[int(g.y0) + 2 : int(g.y1) - 1, x]
        chest = _near(col[:, None, :], STYLE.chest_bgr, 10)[:, 0]
        belly = _near(col[:, None, :], STYLE.belly_bgr, 10)[:, 0]
        assert chest.sum() + belly.sum() >= 0.95 * len(col)
        assert belly.sum() / (chest.sum() + belly.sum()) == pytest.approx(share, abs=0.03)
        # chest above, belly below
        assert np.flatnonzero(chest).max() < np.flatnonzero(belly).min()


def test_pacer_grows_with_the_target_and_names_the_phase():
    lay = layout(W, H)
    areas = []
    for target in (0.0, 0.5, 1.0):
        img = draw_pacer(_frame(), phase="inhale", target=target, phase_left_s=2.2, style=STYLE)
        (cx, cy), (r0, r1) = lay.pacer_center, lay.pacer_radius
        box = Box(cx - r1, cy - r1, cx + r1, cy + r1)
        # filled disc blended 60 % over grey 110: its colour lies between the two
        blend = 0.6 * np.array(STYLE.pacer_bgr) + 0.4 * 110
        areas.append(_near(_crop(img, box), blend, 12).sum())
    r0, r1 = lay.pacer_radius
    # area of a disc ~ pi r^2 (the digits in the middle take a little away)
    assert areas[0] < areas[1] < areas[2]
    assert areas[2] == pytest.approx(np.pi * r1**2, rel=0.2)
    assert areas[0] == pytest.approx(np.pi * r0**2, rel=0.5)
    # the phase name is drawn under the circle: white text pixels there
    img = draw_pacer(_frame(), phase="exhale", target=0.5, phase_left_s=3, style=STYLE)
    (cx, cy), (_, r1) = lay.pacer_center, lay.pacer_radius
    below = img[cy + r1 + 5 : cy + r1 + 40, max(0, cx - r1 - 40) : cx + r1 + 40]
    assert _near(below, STYLE.text_bgr, 20).sum() > 50


def test_hold_timer_only_while_holding():
    lay = layout(W, H)
    assert not _near(_crop(draw_hold_timer(_frame(), None, style=STYLE), lay.hold), STYLE.hold_bgr, 10).any()
    img = draw_hold_timer(_frame(), 4.2, style=STYLE)
    assert _near(_crop(img, lay.hold), STYLE.hold_bgr, 10).mean() > 0.5


def test_waveform_draws_both_traces_in_the_bottom_band():
    st = _state()
    img = draw_waveform(_frame(), st.wave_t_s, st.wave_chest, st.wave_belly, t_now=st.t_s, span_s=20, style=STYLE)
    lay = layout(W, H)
    band = _crop(img, lay.wave)
    chest_cols = np.flatnonzero(_near(band, STYLE.chest_bgr, 30).any(axis=0))
    belly_cols = np.flatnonzero(_near(band, STYLE.belly_bgr, 30).any(axis=0))
    # the lines run across the band (the labels alone would cover < 15 %)
    assert len(chest_cols) > 0.8 * band.shape[1]
    assert len(belly_cols) > 0.8 * band.shape[1]
    # the chest moves more: its line spans more rows
    rows_c = np.flatnonzero(_near(band[:, 150:], STYLE.chest_bgr, 30).any(axis=1))
    rows_b = np.flatnonzero(_near(band[:, 150:], STYLE.belly_bgr, 30).any(axis=1))
    assert np.ptp(rows_c) > np.ptp(rows_b)


def test_full_overlay_regions_rate_and_languages_differ():
    img_en = draw_overlay(_frame(), _state(), lang="en", style=STYLE)
    img_nl = draw_overlay(_frame(), _state(), lang="nl", style=STYLE)
    # region boxes: chest orange edge at its top-left corner
    assert _near(img_en[150:153, 240:300], STYLE.chest_bgr, 10).any()
    assert _near(img_en[260:263, 250:300], STYLE.belly_bgr, 10).any()
    # the rate panel holds white text; "breaths/min" vs "ademh./min" change pixels there
    lay = layout(W, H, regions=_state().regions)
    rate = _crop(img_en, lay.rate)
    assert _near(rate, STYLE.text_bgr, 20).sum() > 100
    assert np.any(_crop(img_en, lay.rate) != _crop(img_nl, lay.rate))


def test_low_confidence_rate_is_not_shown_as_a_number():
    a = draw_overlay(_frame(), _state(rate_confidence=0.1), style=STYLE)
    b = draw_overlay(_frame(), _state(rate_confidence=0.1, rate_bpm=30.0), style=STYLE)
    box = layout(W, H, regions=_state().regions).rate
    # the number is hidden, so the rate panel does not depend on it
    assert np.array_equal(_crop(a, box), _crop(b, box))


def test_paused_and_message():
    st = _state(paused=True)
    img = draw_overlay(_frame(), st, message="Breathe into your belly", style=STYLE)
    m = _crop(img, layout(W, H, regions=st.regions).message)  # the overlay places parts beside the torso
    assert _near(m, STYLE.text_bgr, 20).sum() > 100
    assert _near(img[150:260, 100:540], STYLE.text_bgr, 20).sum() > 200  # "PAUSED"


def test_dutch_text_and_numbers():
    assert to_ascii("één geïnspireerd, rustig ademen") == "een geinspireerd, rustig ademen"
    assert to_ascii("Adem in – langzaam") == "Adem in - langzaam"
    assert fmt_num(12.34, "nl") == "12,3" and fmt_num(12.34, "en") == "12.3"
    assert label("belly", "nl") == "Buik" and label("belly", "en") == "Belly"
    for key in ("per_min", "hold", "paused", "camera_lost", "inhale", "exhale"):
        assert to_ascii(label(key, "nl")) == label(key, "nl")  # drawable as is


def test_layout_scales_with_frame_width():
    a, b = layout(640, 480), layout(1280, 960)
    assert b.scale == 2 * a.scale
    assert b.rate.width == pytest.approx(2 * a.rate.width)
    assert b.pacer_radius[1] == pytest.approx(2 * a.pacer_radius[1], abs=1)


# --- nothing drawn covers a measured region ----------------------------------------------------------

# Typical regions as the torso locator gives them on rendered clips of a real person: a front view
# (full upper body, centred or off to one side) and a side view, at webcam sizes.
FRAMINGS = {
    "front 640x480": ((640, 480), dict(chest=Box(201, 232, 344, 326), belly=Box(203, 348, 332, 460),
                                       shoulders=Box(163, 170, 388, 251), reference=Box(245, 67, 332, 154))),
    "front 1280x720 off-centre": ((1280, 720), dict(chest=Box(229, 175, 339, 246), belly=Box(230, 264, 328, 348),
                                                    shoulders=Box(200, 129, 372, 190), reference=Box(262, 51, 328, 117))),
    "front 1280x720 centred": ((1280, 720), dict(chest=Box(540, 330, 740, 470), belly=Box(545, 490, 735, 650),
                                                 shoulders=Box(480, 260, 800, 370), reference=Box(580, 90, 700, 230))),
    "side 640x480": ((640, 480), dict(chest=Box(260, 82, 339, 154), belly=Box(258, 188, 336, 278),
                                      shoulders=Box(199, 30, 334, 82), reference=Box(220, 0, 318, 62))),
    "side 1280x720": ((1280, 720), dict(chest=Box(263, 59, 319, 110), belly=Box(262, 134, 318, 198),
                                        shoulders=Box(218, 22, 314, 59), reference=Box(232, 0, 305, 45))),
}


def _regions(boxes, view="front"):
    return TorsoRegions(t_s=20.0, view=view, method="pose", confidence=1.0, **boxes)


def _overlap(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("name", list(FRAMINGS))
def test_panels_stay_off_the_measured_regions(name):
    (w, h), boxes = FRAMINGS[name]
    lay = layout(w, h, regions=_regions(boxes))
    panels = lay.panels()
    assert set(panels) == {"rate", "hold", "meter", "pacer", "gauge", "message", "wave"}
    for part, box in panels.items():
        assert 0 <= box.x0 < box.x1 <= w and 0 <= box.y0 < box.y1 <= h, (part, box)
        for region, rbox in boxes.items():
            assert not _overlap(box, rbox), f"{part} {box} covers the {region} {rbox}"
    names = list(panels)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not _overlap(panels[a], panels[b]), f"{a} and {b} overlap"
    # the hold timer does not crowd the rate: not side by side at the top
    assert lay.hold.y0 >= lay.rate.y1 or abs(lay.hold.center[0] - lay.rate.center[0]) > 0.3 * w
    # readable: nothing shrunk below the configured share
    assert lay.rate.width >= DEFAULT.overlay.min_part_scale * 222 * lay.scale - 1


@pytest.mark.parametrize("name", list(FRAMINGS))
def test_drawn_pixels_stay_in_their_panels(name):
    from breathcam.coach.pacer import pacer_state
    from breathcam.coach.exercises import get_exercise

    (w, h), boxes = FRAMINGS[name]
    regions = _regions(boxes)
    t = np.linspace(0, 20, 400)
    st = _state(regions=regions, t_s=20.0, open_hold_start_s=14.0, rate_confidence=0.9, wave_t_s=t)
    ex = get_exercise("box")
    frame = np.full((h, w, 3), 110, np.uint8)
    img = draw_overlay(frame.copy(), st, pacer=pacer_state(ex, 5.0), compliance=0.15, lang="nl",
                       message="Ga iets verder weg zitten, zodat je buik in beeld is")
    changed = np.any(img != frame, axis=-1)
    allowed = np.zeros((h, w), bool)
    for box in layout(w, h, regions=regions).panels().values():
        x0, y0, x1, y1 = box.as_int()
        allowed[max(0, y0 - 1) : y1 + 2, max(0, x0 - 1) : x1 + 2] = True
    # the region boxes' own outlines
    t_px = max(1, int(round(STYLE.thickness * w / 640))) + 1
    for key in ("chest", "belly"):
        x0, y0, x1, y1 = boxes[key].as_int()
        allowed[y0 - t_px : y1 + t_px + 1, x0 - t_px : x1 + t_px + 1] = True
        inside = changed[y0 + t_px : y1 - t_px, x0 + t_px : x1 - t_px]
        assert not inside.any(), f"something drawn inside the {key} box"
    stray = changed & ~allowed
    ys, xs = np.nonzero(stray)
    assert not stray.any(), f"{stray.sum()} pixels drawn outside the panels, e.g. at x={xs[:3]}, y={ys[:3]}"


def test_compliance_colour_follows_the_value():
    from breathcam.overlay.draw import compliance_bgr

    assert compliance_bgr(0.15) == STYLE.hold_bgr  # 15 %: red, not green
    assert compliance_bgr(0.5) == STYLE.fair_bgr
    assert compliance_bgr(0.9) == STYLE.pacer_bgr
    lay = layout(W, H)
    (cx, cy), (_, r1) = lay.pacer_center, lay.pacer_radius
    for score, bgr in ((0.15, STYLE.hold_bgr), (0.9, STYLE.pacer_bgr)):
        img = draw_pacer(_frame(), phase="exhale", target=0.5, phase_left_s=3, compliance=score, style=STYLE)
        below = img[cy + r1 + 30 : cy + r1 + 70, max(0, cx - r1 - 40) : cx + r1 + 40]
        assert _near(below, bgr, 30).sum() > 20, score


def test_meter_slot_is_free_in_a_corner():
    for name, ((w, h), boxes) in FRAMINGS.items():
        lay = layout(w, h, regions=_regions(boxes))
        m = lay.meter
        assert m.width >= 60 * lay.scale and m.height >= 10 * lay.scale
        assert m.y0 <= 0.1 * h or m.y1 >= 0.9 * h, name  # top or bottom
        assert m.x0 <= 0.1 * w or m.x1 >= 0.9 * w, name  # left or right
