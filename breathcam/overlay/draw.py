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
    "fmt_num",
    "label",
    "layout",
    "to_ascii",
]

# The overlay's own words.  Coaching messages come from breathcam.coach.messages.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "per_min": "breaths/min",
        "no_reading": "no reading yet",
        "confidence": "confidence",
        "chest": "Chest",
        "belly": "Belly",
        "hold": "Hold",
        "paused": "PAUSED",
        "in_step": "in step",
        "keys": "q quit  p pause  r recalibrate",
        "camera_lost": "Camera lost: the session ends and what was measured is kept",
        "inhale": "Breathe in",
        "hold_in": "Hold",
        "exhale": "Breathe out",
        "hold_out": "Hold",
        "done": "Done",
        "safety_keys": "Press y to confirm you read this and none applies; q to cancel.",
    },
    "nl": {
        "per_min": "ademh./min",
        "no_reading": "nog geen meting",
        "confidence": "betrouwbaarheid",
        "chest": "Borst",
        "belly": "Buik",
        "hold": "Adem vast",
        "paused": "GEPAUZEERD",
        "in_step": "in de maat",
        "keys": "q stop  p pauze  r opnieuw zoeken",
        "camera_lost": "Camera weg: de sessie stopt en wat gemeten is blijft bewaard",
        "inhale": "Adem in",
        "hold_in": "Vasthouden",
        "exhale": "Adem uit",
        "hold_out": "Vasthouden",
        "done": "Klaar",
        "safety_keys": "Druk op j als je dit gelezen hebt en niets ervan op jou van toepassing is; q om te stoppen.",
    },
}


def label(key: str, lang: str) -> str:
    return LABELS.get(lang, LABELS["en"]).get(key, LABELS["en"].get(key, key))


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
    """Where each part of the overlay goes, in pixels, for one frame size."""

    scale: float
    rate: Box  # top-left: the rate and its confidence
    gauge: Box  # right edge: chest (top) / belly (bottom) bar
    hold: Box  # top, right of the rate: the hold timer
    pacer_center: tuple[int, int]
    pacer_radius: tuple[int, int]  # (min, max)
    message: Box  # above the waveform: one feedback message
    wave: Box  # bottom band: the scrolling waveform


def layout(width: int, height: int, *, style: OverlayConfig = DEFAULT.overlay) -> Layout:
    s = width / 640.0
    wave_h = style.wave_height_fraction * height
    wave = Box(0.0, height - wave_h, width - 1.0, height - 1.0)
    msg_h = 40 * s
    r_max = int(round(style.pacer_max_radius_fraction * height))
    r_min = int(round(style.pacer_min_radius_fraction * height))
    return Layout(
        scale=s,
        rate=Box(8 * s, 8 * s, 230 * s, 78 * s),
        gauge=Box(width - 44 * s, 70 * s, width - 20 * s, max(80 * s, wave.y0 - msg_h - 30 * s)),
        hold=Box(246 * s, 8 * s, 246 * s + 220 * s, 58 * s),
        pacer_center=(int(round(16 * s + r_max)), int(round(90 * s + r_max))),
        pacer_radius=(r_min, r_max),
        message=Box(8 * s, wave.y0 - msg_h - 6 * s, width - 8 * s, wave.y0 - 6 * s),
        wave=wave,
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


def draw_rate(
    img: np.ndarray, rate_bpm: float | None, confidence: float, *, lang: str = "en", style: OverlayConfig = DEFAULT.overlay
) -> np.ndarray:
    lay = layout(img.shape[1], img.shape[0], style=style)
    s = lay.scale
    _panel(img, lay.rate, style=style)
    big, small = style.font_scale * s * 1.3, style.font_scale * style.small_scale * s
    t = _thick(style, s)
    x, y = lay.rate.x0 + 8 * s, lay.rate.y0 + 36 * s
    if rate_bpm is None or confidence < style.min_rate_confidence:
        _text(img, "--", (x, y), scale=big, color=(170, 170, 170), thickness=t)
        _text(img, label("no_reading", lang), (x + 60 * s, y - 4 * s), scale=small, color=(200, 200, 200), thickness=max(1, t - 1))
    else:
        _text(img, fmt_num(rate_bpm, lang), (x, y), scale=big, color=style.text_bgr, thickness=t)
        w, _ = _text_size(fmt_num(rate_bpm, lang), scale=big, thickness=t)
        _text(img, label("per_min", lang), (x + w + 8 * s, y), scale=small, color=style.text_bgr, thickness=max(1, t - 1))
    conf = f"{label('confidence', lang)} {int(round(100 * confidence))}%"
    _text(img, conf, (x, y + 26 * s), scale=small, color=(210, 210, 210), thickness=max(1, t - 1))
    return img


def draw_gauge(
    img: np.ndarray, belly_share: float | None, *, lang: str = "en", style: OverlayConfig = DEFAULT.overlay
) -> np.ndarray:
    """A vertical bar: the chest's share from the top, the belly's from the bottom."""
    cv = cv2()
    lay = layout(img.shape[1], img.shape[0], style=style)
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
    for key, y, col in (("chest", g.y0 - 10 * s, style.chest_bgr), ("belly", g.y1 + 22 * s, style.belly_bgr)):
        w, _ = _text_size(label(key, lang), scale=small, thickness=t)
        _text(img, label(key, lang), (g.x1 - w, y), scale=small, color=col, thickness=t)
    return img


def draw_hold_timer(
    img: np.ndarray, hold_s: float | None, *, lang: str = "en", style: OverlayConfig = DEFAULT.overlay
) -> np.ndarray:
    if hold_s is None:
        return img
    cv = cv2()
    lay = layout(img.shape[1], img.shape[0], style=style)
    s = lay.scale
    x0, y0, x1, y1 = lay.hold.as_int()
    cv.rectangle(img, (x0, y0), (x1, y1), style.hold_bgr, -1)
    text = f"{label('hold', lang)} {fmt_num(hold_s, lang)} s"
    sc = style.font_scale * s * 0.9
    t = _thick(style, s)
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
) -> np.ndarray:
    """A circle that grows on the inhale and shrinks on the exhale (``target`` 0..1 lung volume),
    with the phase name and the seconds left in it; an outline shows the full size."""
    cv = cv2()
    lay = layout(img.shape[1], img.shape[0], style=style)
    s = lay.scale
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
        _text(img, text, (cx - 0.5 * w3, cy + r1 + h + 2 * h3 + 20 * s), scale=sc3, color=style.pacer_bgr, thickness=max(1, t - 1))
    return img


def draw_message(img: np.ndarray, text: str | None, *, style: OverlayConfig = DEFAULT.overlay, warn: bool = False) -> np.ndarray:
    """One feedback message in a box above the waveform, shrunk to fit the width."""
    if not text:
        return img
    cv = cv2()
    lay = layout(img.shape[1], img.shape[0], style=style)
    s = lay.scale
    m = lay.message
    t = _thick(style, s)
    sc = style.font_scale * s * 0.75
    w, h = _text_size(text, scale=sc, thickness=t)
    if w > m.width - 16 * s:
        sc *= (m.width - 16 * s) / w
        w, h = _text_size(text, scale=sc, thickness=t)
    x0, y0, x1, y1 = m.as_int()
    cv.rectangle(img, (x0, y0), (x1, y1), style.hold_bgr if warn else style.panel_bgr, -1)
    _text(img, text, (0.5 * (m.x0 + m.x1) - 0.5 * w, 0.5 * (m.y0 + m.y1) + 0.5 * h), scale=sc, color=style.text_bgr, thickness=t)
    return img


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
) -> np.ndarray:
    """The chest and belly motion of the last ``span_s`` seconds, scrolling to the left, both on
    one scale (so their sizes compare), each with its linear drift removed."""
    cv = cv2()
    lay = layout(img.shape[1], img.shape[0], style=style)
    s = lay.scale
    box = lay.wave
    _panel(img, box, style=style)
    small = style.font_scale * style.small_scale * s * 0.8
    t = max(1, _thick(style, s) - 1)
    _text(img, label("chest", lang), (box.x0 + 6 * s, box.y0 + 16 * s), scale=small, color=style.chest_bgr, thickness=t)
    _text(img, label("belly", lang), (box.x0 + 70 * s, box.y0 + 16 * s), scale=small, color=style.belly_bgr, thickness=t)
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
    for y, col in ((b, style.belly_bgr), (c, style.chest_bgr)):
        pts = _wave_points(t_s, y, t_now=t_now, span_s=span_s, box=box, scale=sc)
        cv.polylines(img, [pts], False, col, max(2, _thick(style, s)), cv.LINE_AA)
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
    """Everything, in drawing order (regions under the panels).  ``pacer`` is a
    :class:`breathcam.coach.pacer.PacerState` (or anything with phase, target, phase_left_s)."""
    draw_regions(img, state.regions, style=style)
    draw_waveform(
        img, state.wave_t_s, state.wave_chest, state.wave_belly, t_now=state.t_s, span_s=wave_s, lang=lang, style=style
    )
    draw_rate(img, state.rate_bpm, state.rate_confidence, lang=lang, style=style)
    draw_gauge(img, state.belly_share, lang=lang, style=style)
    draw_hold_timer(img, state.open_hold_s, lang=lang, style=style)
    if pacer is not None:
        draw_pacer(
            img, phase=pacer.phase, target=pacer.target, phase_left_s=pacer.phase_left_s,
            phase_text=pacer_text, compliance=compliance, lang=lang, style=style,
        )
    draw_message(img, message, style=style, warn=warn)
    if state.paused:
        h, w = img.shape[:2]
        s = w / 640.0
        text = label("paused", lang)
        sc = style.font_scale * s * 1.6
        tw, th = _text_size(text, scale=sc, thickness=_thick(style, s) + 1)
        _text(img, text, (0.5 * (w - tw), 0.45 * h), scale=sc, color=style.text_bgr, thickness=_thick(style, s) + 1)
    return img
