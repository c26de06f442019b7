"""The live overlay: torso regions, a scrolling waveform, the rate, a chest/belly gauge, a hold
timer, the pacer and one feedback message, drawn onto a BGR frame.

Every function draws on the image it is given (in place) with an :class:`OverlayConfig` style and
returns it; none opens a window.  :func:`draw_overlay` composes them; :func:`layout` says where
each part goes (tests and the window check use it).  Sizes scale with the frame width (designed
at 640 px), so a 1280 px frame gets the same layout twice as large.

Text goes through :func:`to_ascii`: OpenCV's Hershey fonts only have ASCII glyphs and draw "?"
for anything else, so accented Dutch letters (een/één, geïnspireerd) lose their accents instead
of turning into question marks.  Dutch numbers use a decimal comma.

Where it fails: very small frames (below about 320 px wide) crowd the parts; the waveform shows
the raw chest and belly motion (sway included), scaled to the larger of the two, so it is a guide
to the rhythm, not a measurement.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from breathcam._deps import cv2
from breathcam.config import DEFAULT, OverlayConfig
from breathcam.lang import LABELS, MESSAGES
from breathcam.types import Box, LiveState

__all__ = [
    "LABELS",
    "Layout",
    "draw_gauge",
    "draw_hold_timer",
    "draw_message",
    "draw_overlay",
    "draw_pacer",
    "draw_rate",
    "draw_regions",
    "draw_screen",
    "draw_waveform",
    "compliance_bgr",
    "fmt_num",
    "label",
    "layout",
    "to_ascii",
]

def label(key: str, lang: str) -> str:
    """The overlay's word for ``key`` in ``lang`` (breathcam.lang.LABELS, and the pacer's phase
    names; English for an unknown language, the key itself for an unknown key)."""
    texts = LABELS.get(key) or MESSAGES.get(f"phase_{key}")
    if texts is None:
        return key
    return texts.get(lang, texts["en"])


def to_ascii(text: str) -> str:
    """Text that cv2.putText can draw: accents dropped (é -> e, ï -> i), other non-ASCII as "?"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-").encode(
        "ascii", "replace"
    ).decode("ascii")


def fmt_num(x: float, lang: str, nd: int = 1) -> str:
    """A number as the language writes it: 12.5 (en), 12,5 (nl)."""
    s = f"{x:.{nd}f}"
    return s.replace(".", ",") if lang == "nl" else s


@dataclass(frozen=True)
class Layout:
    """Where each part of the overlay goes, in pixels, for one frame size (and torso)."""

    scale: float
    rate: Box  # the rate and its confidence
    gauge: Box  # the chest (top) / belly (bottom) bar itself; its labels lie above and below it
    hold: Box  # the hold timer, away from the rate
    pacer_center: tuple[int, int]
    pacer_radius: tuple[int, int]  # (min, max)
    message: Box  # one feedback message
    wave: Box  # the scrolling waveform
    meter: Box = Box(0.0, 0.0, 0.0, 0.0)  # a free slot in a corner for a sound-level meter
    # what every part may draw on (labels, text under the pacer included), by name
    footprints: tuple[tuple[str, Box], ...] = ()

    def panels(self) -> dict[str, Box]:
        """Every part's footprint: nothing is drawn outside these (the region boxes excepted)."""
        return dict(self.footprints)


def _overlaps(a: Box, b: Box) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _torso(regions, width: int, height: int, *, margin: float, grid: float) -> Box | None:
    """The measured boxes (chest, belly, shoulders, head reference) as one box, widened by
    ``margin`` and snapped outwards to ``grid`` pixels: the layout then does not follow every
    pixel of the regions' jitter."""
    if regions is None:
        return None
    boxes = [b for b in (regions.chest, regions.belly, regions.shoulders, regions.reference) if b is not None]
    x0 = min(b.x0 for b in boxes) - margin
    y0 = min(b.y0 for b in boxes) - margin
    x1 = max(b.x1 for b in boxes) + margin
    y1 = max(b.y1 for b in boxes) + margin
    snap_lo, snap_hi = (lambda v: np.floor(v / grid) * grid), (lambda v: np.ceil(v / grid) * grid)
    return Box(
        float(np.clip(snap_lo(x0), 0, width)), float(np.clip(snap_lo(y0), 0, height)),
        float(np.clip(snap_hi(x1), 0, width)), float(np.clip(snap_hi(y1), 0, height)),
    )


class _Column:
    """A free vertical strip beside the torso, filled from the top and from the bottom."""

    def __init__(self, x0: float, x1: float, y0: float, y1: float, margin: float) -> None:
        self.x0, self.x1, self.top, self.bottom, self.m = x0 + margin, x1 - margin, y0 + margin, y1 - margin, margin

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    def take_top(self, w: float, h: float, *, outer_left: bool) -> Box | None:
        if h > self.bottom - self.top or w > self.width:
            return None
        x0 = self.x0 if outer_left else self.x1 - w
        box = Box(x0, self.top, x0 + w, self.top + h)
        self.top += h + self.m
        return box

    def take_bottom(self, w: float, h: float, *, outer_left: bool) -> Box | None:
        if h > self.bottom - self.top or w > self.width:
            return None
        x0 = self.x0 if outer_left else self.x1 - w
        box = Box(x0, self.bottom - h, x0 + w, self.bottom)
        self.bottom -= h + self.m
        return box


def layout(width: int, height: int, *, regions=None, style: OverlayConfig = DEFAULT.overlay) -> Layout:
    """Where the parts go.  Without ``regions`` (no torso located yet) the classic layout: rate
    top left, hold timer and meter slot top right, pacer left, gauge right, message and waveform
    in a band along the bottom.  With ``regions`` every part is placed beside, above or below the
    measured boxes (chest, belly, shoulders, head), never over them: the waveform and message
    along the bottom when there is room below the torso, else at the bottom of the wider free
    column; the rate at the top of the left column (the right one when the left is too narrow),
    the hold timer and the meter slot at the top of the other, the pacer and the gauge where room
    is left.  Parts shrink (down to ``style.min_part_scale`` of their size) to fit a narrow
    column; what still does not fit goes to its classic place (a torso filling the frame)."""
    # designed at 640x480: a wide frame (16:9) scales by its height
    s = min(width / 640.0, height / 480.0)
    m = 6 * s
    wave_h = style.wave_height_fraction * height
    msg_h = 40 * s
    r_max = int(round(style.pacer_max_radius_fraction * height))
    r_min = int(round(style.pacer_min_radius_fraction * height))
    # classic places
    wave = Box(0.0, height - wave_h, width - 1.0, height - 1.0)
    message = Box(8 * s, wave.y0 - msg_h - 6 * s, width - 8 * s, wave.y0 - 6 * s)
    rate = Box(8 * s, 8 * s, 230 * s, 78 * s)
    meter = Box(width - 8 * s - 120 * s, 8 * s, width - 8 * s, 24 * s)
    hold = Box(meter.x1 - 220 * s, meter.y1 + m, meter.x1, meter.y1 + m + 50 * s)
    gauge_slot = Box(width - 70 * s, hold.y1 + m, width - 8 * s, max(hold.y1 + 130 * s, message.y0 - m))
    pacer_slot = Box(16 * s, rate.y1 + 12 * s, 16 * s + max(2 * r_max, 150 * s), rate.y1 + 12 * s + 2 * r_max + 74 * s)
    torso = _torso(regions, width, height, margin=m, grid=width / 32.0)
    if torso is not None:
        k_min = style.min_part_scale
        left = _Column(0.0, torso.x0, 0.0, height, m)
        right = _Column(torso.x1, float(width), 0.0, height, m)
        cols = [left, right]
        wide = max(cols, key=lambda c: c.width)
        below = height - torso.y1 - m

        def fit(col: _Column, w: float, h: float, *, top: bool = True, keep_aspect: bool = True):
            """The part in ``col`` (shrunk to its width if needed), or None."""
            k = min(1.0, col.width / w) if w > 0 else 1.0
            if k < k_min:
                return None
            hh = h * k if keep_aspect else h
            take = col.take_top if top else col.take_bottom
            return take(w * k, hh, outer_left=col is left)

        main = left if left.width >= k_min * 222 * s else right
        other = right if main is left else left
        # the meter slot in a top corner (the one away from the rate when there is room)
        meter = fit(other, 120 * s, 16 * s) or fit(main, 120 * s, 16 * s) or meter
        if below >= k_min * wave_h + m:
            wh = min(wave_h, below - m)
            wave = Box(0.0, height - wh, width - 1.0, height - 1.0)
            if wave.y0 - torso.y1 >= msg_h + m:
                message = Box(8 * s, wave.y0 - msg_h - m, width - 8 * s, wave.y0 - m)
            else:
                message = fit(wide, wide.width, msg_h * 1.5, top=False) or message
            for col in cols:  # the band below the torso is taken across the frame
                col.bottom = min(col.bottom, min(message.y0, wave.y0) - m)
        else:
            wave = fit(wide, wide.width, wave_h, top=False) or wave
            message = fit(wide, wide.width, msg_h * 1.5, top=False) or message
        rate = fit(main, 222 * s, 70 * s) or rate
        pacer_w, pacer_h = max(2 * r_max, 150 * s), 2 * r_max + 74 * s
        for col in sorted(cols, key=lambda c: c.top - c.bottom):
            room = col.bottom - col.top
            if col.width >= k_min * pacer_w and room >= k_min * pacer_h:
                k = min(1.0, col.width / pacer_w, room / pacer_h)
                pacer_slot = col.take_top(pacer_w * k, pacer_h * k, outer_left=col is left) or pacer_slot
                r_max, r_min = int(r_max * k), int(r_min * k)
                break
        # the hold timer in the other column, or well below the rate: a banner beside the rate
        # crowds it
        hold = fit(other, 220 * s, 50 * s) or fit(main, 220 * s, 50 * s) or hold
        for col in sorted(cols, key=lambda c: c.top - c.bottom):
            room = col.bottom - col.top
            if col.width >= 70 * s * k_min and room >= 130 * s * k_min:
                gauge_slot = fit(col, 62 * s, min(room, 300 * s), keep_aspect=False) or gauge_slot
                break
    gauge = Box(gauge_slot.x1 - 30 * s, gauge_slot.y0 + 22 * s, gauge_slot.x1 - 6 * s, gauge_slot.y1 - 30 * s)
    # the outline's thickness stays inside the slot
    pacer_center = (int(round(0.5 * (pacer_slot.x0 + pacer_slot.x1))), int(round(pacer_slot.y0 + r_max + 3 * s)))
    return Layout(
        scale=s,
        rate=rate,
        gauge=gauge,
        hold=hold,
        pacer_center=pacer_center,
        pacer_radius=(r_min, r_max),
        message=message,
        wave=wave,
        meter=meter,
        footprints=(
            ("rate", rate), ("hold", hold), ("meter", meter), ("pacer", pacer_slot), ("gauge", gauge_slot),
            ("message", message), ("wave", wave),
        ),
    )


# ---------------------------------------------------------------------------------------------
# primitives
# ---------------------------------------------------------------------------------------------


def _text(img: np.ndarray, text: str, org: tuple[float, float], *, scale: float, color, thickness: int) -> None:
    """Text with a dark outline: readable on any background."""
    cv = cv2()
    org_i = (int(round(org[0])), int(round(org[1])))
    t = to_ascii(text)
    cv.putText(img, t, org_i, cv.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness + 2, cv.LINE_AA)
    cv.putText(img, t, org_i, cv.FONT_HERSHEY_SIMPLEX, scale, tuple(int(c) for c in color), thickness, cv.LINE_AA)


def _text_size(text: str, *, scale: float, thickness: int) -> tuple[int, int]:
    cv = cv2()
    (w, h), _ = cv.getTextSize(to_ascii(text), cv.FONT_HERSHEY_SIMPLEX, scale, thickness)
    return w, h


def _panel(img: np.ndarray, box: Box, *, style: OverlayConfig) -> None:
    """A translucent dark rectangle."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box.clipped(w, h).as_int()
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    dark = np.empty_like(roi)
    dark[:] = style.panel_bgr
    a = style.panel_alpha
    roi[:] = (a * dark + (1 - a) * roi).astype(np.uint8)


def _thick(style: OverlayConfig, s: float) -> int:
    return max(1, int(round(style.thickness * s)))


# ---------------------------------------------------------------------------------------------
# parts
# ---------------------------------------------------------------------------------------------


def draw_regions(img: np.ndarray, regions, *, style: OverlayConfig = DEFAULT.overlay) -> np.ndarray:
    """Chest and belly boxes (a belly out of view is drawn dashed-thin)."""
    if regions is None:
        return img
    cv = cv2()
    s = img.shape[1] / 640.0
    t = _thick(style, s)
    x0, y0, x1, y1 = regions.chest.as_int()
    cv.rectangle(img, (x0, y0), (x1, y1), style.chest_bgr, t)
    x0, y0, x1, y1 = regions.belly.as_int()
    cv.rectangle(img, (x0, y0), (x1, y1), style.belly_bgr, t if regions.belly_in_view else 1)
    return img


def _lay(img: np.ndarray, lay: "Layout | None", style: OverlayConfig) -> "Layout":
    return lay if lay is not None else layout(img.shape[1], img.shape[0], style=style)


def draw_rate(
    img: np.ndarray, rate_bpm: float | None, confidence: float, *, lang: str = "en",
    style: OverlayConfig = DEFAULT.overlay, lay: Layout | None = None,
) -> np.ndarray:
    """The rate (grey "--" below ``style.min_rate_confidence``) and its confidence, in ``lay.rate``."""
    lay = _lay(img, lay, style)
    # a rate panel shrunk into a narrow column draws its text smaller
    s = lay.scale * min(1.0, lay.rate.width / (222 * lay.scale))
    _panel(img, lay.rate, style=style)
    big, small = style.font_scale * s * 1.3, style.font_scale * style.small_scale * s
    t = _thick(style, s)
    x, y = lay.rate.x0 + 8 * s, lay.rate.y0 + 36 * s
    room = lay.rate.width - 16 * s
    t1 = max(1, t - 1)
    if rate_bpm is None or confidence < style.min_rate_confidence:
        first, second, colours, dy = "--", label("no_reading", lang), ((170, 170, 170), (200, 200, 200)), -4 * s
    else:
        first, second, colours, dy = fmt_num(rate_bpm, lang), label("per_min", lang), (style.text_bgr, style.text_bgr), 0.0
    # one line, shrunk to the panel's width (Dutch units and wide numbers included)
    w1, _ = _text_size(first, scale=big, thickness=t)
    w2, _ = _text_size(second, scale=small, thickness=t1)
    k = min(1.0, room / (w1 + 8 * s + w2))
    _text(img, first, (x, y), scale=big * k, color=colours[0], thickness=t)
    w1, _ = _text_size(first, scale=big * k, thickness=t)
    _text(img, second, (x + w1 + 8 * s, y + dy), scale=small * k, color=colours[1], thickness=t1)
    conf = f"{label('confidence', lang)} {int(round(100 * confidence))}%"
    wc, _ = _text_size(conf, scale=small, thickness=t1)
    _text(img, conf, (x, y + 26 * s), scale=small * min(1.0, room / wc), color=(210, 210, 210), thickness=t1)
    return img


def draw_gauge(
    img: np.ndarray, belly_share: float | None, *, lang: str = "en", style: OverlayConfig = DEFAULT.overlay,
    lay: Layout | None = None,
) -> np.ndarray:
    """A vertical bar: the chest's share from the top, the belly's from the bottom."""
    cv = cv2()
    lay = _lay(img, lay, style)
    s = lay.scale
    g = lay.gauge
    _panel(img, Box(g.x0 - 4 * s, g.y0 - 4 * s, g.x1 + 4 * s, g.y1 + 4 * s), style=style)
    x0, y0, x1, y1 = g.as_int()
    if belly_share is not None:
        share = float(np.clip(belly_share, 0.0, 1.0))
        ym = int(round(y1 - share * (y1 - y0)))
        cv.rectangle(img, (x0, y0), (x1, ym), style.chest_bgr, -1)
        cv.rectangle(img, (x0, ym), (x1, y1), style.belly_bgr, -1)
    cv.rectangle(img, (x0, y0), (x1, y1), style.text_bgr, 1)
    small = style.font_scale * style.small_scale * s * 0.85
    t = max(1, _thick(style, s) - 1)
    for key, y, col in (("chest", g.y0 - 9 * s, style.chest_bgr), ("belly", g.y1 + 21 * s, style.belly_bgr)):
        w, _ = _text_size(label(key, lang), scale=small, thickness=t)
        _text(img, label(key, lang), (g.x1 - w, y), scale=small, color=col, thickness=t)
    return img


def draw_hold_timer(
    img: np.ndarray, hold_s: float | None, *, lang: str = "en", style: OverlayConfig = DEFAULT.overlay,
    lay: Layout | None = None,
) -> np.ndarray:
    """The seconds held so far, in its own box away from the rate (None: nothing drawn)."""
    if hold_s is None:
        return img
    cv = cv2()
    lay = _lay(img, lay, style)
    s = lay.scale
    x0, y0, x1, y1 = lay.hold.as_int()
    cv.rectangle(img, (x0, y0), (x1, y1), style.hold_bgr, -1)
    text = f"{label('hold', lang)} {fmt_num(hold_s, lang)} s"
    sc = style.font_scale * s * 0.9
    t = _thick(style, s)
    w, h = _text_size(text, scale=sc, thickness=t)
    if w > lay.hold.width - 8 * s:
        sc *= (lay.hold.width - 8 * s) / w
        w, h = _text_size(text, scale=sc, thickness=t)
    _text(img, text, (0.5 * (x0 + x1) - 0.5 * w, 0.5 * (y0 + y1) + 0.5 * h), scale=sc, color=style.text_bgr, thickness=t)
    return img


def draw_pacer(
    img: np.ndarray,
    *,
    phase: str,
    target: float,
    phase_left_s: float,
    phase_text: str | None = None,
    compliance: float | None = None,
    lang: str = "en",
    style: OverlayConfig = DEFAULT.overlay,
    lay: Layout | None = None,
) -> np.ndarray:
    """A circle that grows on the inhale and shrinks on the exhale (``target`` 0..1 lung volume),
    with the phase name and the seconds left in it; an outline shows the full size.  The
    "in step" figure below it is coloured by its value (:func:`compliance_bgr`)."""
    cv = cv2()
    lay = _lay(img, lay, style)
    nominal = max(1, int(round(style.pacer_max_radius_fraction * img.shape[0])))
    s = lay.scale * min(1.0, lay.pacer_radius[1] / nominal)
    room = lay.panels().get("pacer")
    room_w = room.width if room is not None else np.inf
    (cx, cy), (r0, r1) = lay.pacer_center, lay.pacer_radius
    r = int(round(r0 + float(np.clip(target, 0.0, 1.0)) * (r1 - r0)))
    t = _thick(style, s)
    overlay = img.copy()
    cv.circle(overlay, (cx, cy), r, style.pacer_bgr, -1, cv.LINE_AA)
    cv.addWeighted(overlay, 0.6, img, 0.4, 0, dst=img)
    cv.circle(img, (cx, cy), r1, style.pacer_bgr, t, cv.LINE_AA)
    name = phase_text if phase_text is not None else label(phase, lang)
    sc = style.font_scale * s * 0.75
    w, h = _text_size(name, scale=sc, thickness=t)
    if w > room_w:
        sc *= room_w / w
        w, h = _text_size(name, scale=sc, thickness=t)
    _text(img, name, (cx - 0.5 * w, cy + r1 + h + 10 * s), scale=sc, color=style.text_bgr, thickness=t)
    if phase != "done":
        left = f"{int(np.ceil(max(phase_left_s, 0.0) - 1e-6))}"
        sc2 = style.font_scale * s * 1.2
        w2, h2 = _text_size(left, scale=sc2, thickness=t)
        _text(img, left, (cx - 0.5 * w2, cy + 0.5 * h2), scale=sc2, color=style.text_bgr, thickness=t)
    if compliance is not None:
        text = f"{label('in_step', lang)} {int(round(100 * compliance))}%"
        sc3 = style.font_scale * style.small_scale * s
        w3, h3 = _text_size(text, scale=sc3, thickness=max(1, t - 1))
        if w3 > room_w:
            sc3 *= room_w / w3
            w3, h3 = _text_size(text, scale=sc3, thickness=max(1, t - 1))
        _text(img, text, (cx - 0.5 * w3, cy + r1 + h + 2 * h3 + 20 * s), scale=sc3, color=compliance_bgr(compliance, style=style),
              thickness=max(1, t - 1))
    return img


def draw_message(
    img: np.ndarray, text: str | None, *, style: OverlayConfig = DEFAULT.overlay, warn: bool = False,
    lay: Layout | None = None,
) -> np.ndarray:
    """One feedback message in its box, shrunk to fit the width (on two lines in a narrow box)."""
    if not text:
        return img
    cv = cv2()
    lay = _lay(img, lay, style)
    s = lay.scale
    m = lay.message
    t = _thick(style, s)
    sc = style.font_scale * s * 0.75
    room = m.width - 16 * s
    lines = [text]
    w, h = _text_size(text, scale=sc, thickness=t)
    if w > room and m.height >= 50 * s:  # a tall, narrow box: two lines
        lines = _wrap([text], width_px=max(room, w / 2 + 1), scale=sc, thickness=t)
        if len(lines) > 2:
            lines = [lines[0], " ".join(lines[1:])]
        w = max(_text_size(x, scale=sc, thickness=t)[0] for x in lines)
    if w > room:
        sc *= room / w
    sizes = [_text_size(x, scale=sc, thickness=t) for x in lines]
    h = max(hh for _, hh in sizes)
    x0, y0, x1, y1 = m.as_int()
    cv.rectangle(img, (x0, y0), (x1, y1), style.hold_bgr if warn else style.panel_bgr, -1)
    gap = 0.6 * h
    top = 0.5 * (m.y0 + m.y1) - 0.5 * (len(lines) * h + (len(lines) - 1) * gap)
    for k, (line, (lw, _)) in enumerate(zip(lines, sizes)):
        _text(img, line, (0.5 * (m.x0 + m.x1) - 0.5 * lw, top + h + k * (h + gap)), scale=sc, color=style.text_bgr, thickness=t)
    return img


def compliance_bgr(score: float, *, style: OverlayConfig = DEFAULT.overlay) -> tuple[int, int, int]:
    """The colour of a compliance figure (0..1): green from ``style.compliance_good``, amber from
    ``style.compliance_fair``, red below."""
    if score >= style.compliance_good:
        return style.pacer_bgr
    if score >= style.compliance_fair:
        return style.fair_bgr
    return style.hold_bgr


def _wave_points(t: np.ndarray, y: np.ndarray, *, t_now: float, span_s: float, box: Box, scale: float) -> np.ndarray:
    x = box.x1 - (t_now - t) / span_s * box.width
    ym = 0.5 * (box.y0 + box.y1)
    yy = ym - y * scale
    return np.stack([x, yy], axis=1).round().astype(np.int32).reshape(-1, 1, 2)


def _detrend(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    if y.size < 3 or np.ptp(t) <= 0:
        return y - (y.mean() if y.size else 0.0)
    a, b = np.polyfit(t - t[0], y, 1)
    return y - (a * (t - t[0]) + b)


def draw_waveform(
    img: np.ndarray,
    t_s: np.ndarray,
    chest: np.ndarray,
    belly: np.ndarray,
    *,
    t_now: float,
    span_s: float,
    lang: str = "en",
    style: OverlayConfig = DEFAULT.overlay,
    lay: Layout | None = None,
) -> np.ndarray:
    """The chest and belly motion of the last ``span_s`` seconds, scrolling to the left, both on
    one scale (so their sizes compare), each with its linear drift removed."""
    cv = cv2()
    lay = _lay(img, lay, style)
    s = lay.scale
    box = lay.wave
    _panel(img, box, style=style)
    lw = max(2, _thick(style, s))
    small = style.font_scale * style.small_scale * s * 0.8
    t = max(1, _thick(style, s) - 1)
    _text(img, label("chest", lang), (box.x0 + 6 * s, box.y0 + 16 * s), scale=small, color=style.chest_bgr, thickness=t)
    w_chest, _ = _text_size(label("chest", lang), scale=small, thickness=t)
    _text(img, label("belly", lang), (box.x0 + 14 * s + w_chest, box.y0 + 16 * s), scale=small, color=style.belly_bgr, thickness=t)
    t_s = np.asarray(t_s, dtype=float)
    if t_s.size < 2:
        return img
    keep = t_s >= t_now - span_s
    t_s = t_s[keep]
    if t_s.size < 2:
        return img
    c = _detrend(t_s, np.asarray(chest, dtype=float)[keep])
    b = _detrend(t_s, np.asarray(belly, dtype=float)[keep])
    amp = max(float(np.max(np.abs(c))), float(np.max(np.abs(b))), 1e-6)
    sc = 0.42 * box.height / amp
    inner = Box(box.x0 + lw, box.y0 + lw, box.x1 - lw, box.y1 - lw)  # the lines' width stays in the panel
    for y, col in ((b, style.belly_bgr), (c, style.chest_bgr)):
        pts = _wave_points(t_s, y, t_now=t_now, span_s=span_s, box=inner, scale=sc)
        cv.polylines(img, [pts], False, col, lw, cv.LINE_AA)
    return img


def draw_screen(
    img: np.ndarray, lines: list[str], *, style: OverlayConfig = DEFAULT.overlay, title: str | None = None
) -> np.ndarray:
    """A full-frame text screen (the safety screen): dark background, wrapped lines."""
    h, w = img.shape[:2]
    s = w / 640.0
    img[:] = style.panel_bgr
    t = max(1, _thick(style, s) - 1)
    sc = style.font_scale * style.small_scale * s * 0.8
    y = 30 * s
    if title:
        _text(img, title, (14 * s, y), scale=sc * 1.4, color=style.hold_bgr, thickness=t + 1)
        y += 36 * s
    for line in _wrap(lines, width_px=w - 28 * s, scale=sc, thickness=t):
        _text(img, line, (14 * s, y), scale=sc, color=style.text_bgr, thickness=t)
        y += 22 * s
        if y > h - 10 * s:
            break
    return img


def _wrap(lines: list[str], *, width_px: float, scale: float, thickness: int) -> list[str]:
    out: list[str] = []
    for para in lines:
        words = para.split()
        if not words:
            out.append("")
            continue
        cur = words[0]
        for word in words[1:]:
            if _text_size(cur + " " + word, scale=scale, thickness=thickness)[0] <= width_px:
                cur += " " + word
            else:
                out.append(cur)
                cur = word
        out.append(cur)
    return out


def draw_overlay(
    img: np.ndarray,
    state: LiveState,
    *,
    pacer=None,
    pacer_text: str | None = None,
    compliance: float | None = None,
    message: str | None = None,
    warn: bool = False,
    lang: str = "en",
    wave_s: float = DEFAULT.live.wave_s,
    style: OverlayConfig = DEFAULT.overlay,
) -> np.ndarray:
    """Everything, in drawing order, placed by :func:`layout` beside the torso regions (nothing
    covers a measured box).  ``pacer`` is a :class:`breathcam.coach.pacer.PacerState` (or anything
    with phase, target, phase_left_s).  ``lay.meter`` (from ``layout(w, h, regions=...)``) is left
    free for a sound-level meter."""
    lay = layout(img.shape[1], img.shape[0], regions=state.regions, style=style)
    draw_regions(img, state.regions, style=style)
    draw_waveform(
        img, state.wave_t_s, state.wave_chest, state.wave_belly, t_now=state.t_s, span_s=wave_s, lang=lang, style=style,
        lay=lay,
    )
    draw_rate(img, state.rate_bpm, state.rate_confidence, lang=lang, style=style, lay=lay)
    draw_gauge(img, state.belly_share, lang=lang, style=style, lay=lay)
    draw_hold_timer(img, state.open_hold_s, lang=lang, style=style, lay=lay)
    if pacer is not None:
        draw_pacer(
            img, phase=pacer.phase, target=pacer.target, phase_left_s=pacer.phase_left_s,
            phase_text=pacer_text, compliance=compliance, lang=lang, style=style, lay=lay,
        )
    draw_message(img, message, style=style, warn=warn, lay=lay)
    if state.paused:
        h, w = img.shape[:2]
        s = w / 640.0
        text = label("paused", lang)
        sc = style.font_scale * s * 1.6
        tw, th = _text_size(text, scale=sc, thickness=_thick(style, s) + 1)
        _text(img, text, (0.5 * (w - tw), 0.45 * h), scale=sc, color=style.text_bgr, thickness=_thick(style, s) + 1)
    return img
