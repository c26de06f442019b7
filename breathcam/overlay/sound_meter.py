"""The live overlay's sound meter: how loud the breath sounds are over the room's noise, whether a
breath is heard now, and what the microphone is doing.

:func:`draw_sound_meter` draws a small panel in the top-right corner (clear of the rate, the hold
timer, the chest/belly gauge below it and the torso regions): a bar from the noise floor to
``[overlay] sound_meter_full_db`` above it, green while a breath is heard
(:class:`~breathcam.signals.sound.SoundLevel`), and a short word when the microphone is off, lost or
muted.  :func:`mic_text` is the one-line notice a session shows once when the microphone fails.
Drawing only: no window is opened, the image passed in is drawn on.
"""

from __future__ import annotations

import numpy as np

from breathcam._deps import cv2
from breathcam.config import DEFAULT, OverlayConfig
from breathcam.types import Box

__all__ = ["MIC_LABELS", "mic_text", "meter_box", "draw_sound_meter"]

# status -> {lang: (short word on the meter, the notice said once)}
MIC_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "ok": {"en": ("sound", ""), "nl": ("geluid", "")},
    "unavailable": {
        "en": ("no mic", "No microphone: going on with video alone"),
        "nl": ("geen mic", "Geen microfoon: verder met alleen video"),
    },
    "lost": {
        "en": ("mic lost", "Microphone lost: going on with video alone"),
        "nl": ("mic weg", "Microfoon weg: verder met alleen video"),
    },
    "muted": {
        "en": ("mic muted", "Microphone silent (muted?): video alone until sound returns"),
        "nl": ("mic stil", "Microfoon stil (gedempt?): alleen video tot er weer geluid is"),
    },
}


def mic_text(status: str, lang: str = "en") -> str:
    """The notice for a microphone status (English or Dutch); '' for "ok".

    >>> mic_text("lost", "nl")
    'Microfoon weg: verder met alleen video'
    """
    table = MIC_LABELS.get(status, MIC_LABELS["unavailable"])
    return table.get(lang, table["en"])[1]


def meter_box(width: int, height: int) -> Box:
    """Where the meter goes for a frame size: top right, above the gauge (which starts at 70 px of 640)."""
    s = width / 640.0
    return Box(width - 150 * s, 8 * s, width - 8 * s, 52 * s)


def draw_sound_meter(
    img: np.ndarray, level, *, status: str | None = "ok", lang: str = "en", style: OverlayConfig = DEFAULT.overlay
) -> np.ndarray:
    """The meter for ``level`` (a SoundLevel, or None before the first one); ``status`` is the
    microphone's (None: no microphone was asked for, nothing is drawn)."""
    if status is None:
        return img
    from breathcam.overlay.draw import _panel, _text, _thick

    cv = cv2()
    h, w = img.shape[:2]
    s = w / 640.0
    box = meter_box(w, h)
    _panel(img, box, style=style)
    t = max(1, _thick(style, s) - 1)
    sc = style.font_scale * style.small_scale * s
    table = MIC_LABELS.get(status, MIC_LABELS["unavailable"])
    word = table.get(lang, table["en"])[0]
    heard = bool(level is not None and level.audible and status == "ok")
    colour = style.sound_heard_bgr if heard else style.sound_bgr
    _text(img, word, (box.x0 + 6 * s, box.y0 + 18 * s), scale=sc, color=colour if status == "ok" else style.hold_bgr, thickness=t)
    # the bar: floor (left) to sound_meter_full_db over it (right)
    bx0, by0 = int(round(box.x0 + 6 * s)), int(round(box.y0 + 26 * s))
    bx1, by1 = int(round(box.x1 - 6 * s)), int(round(box.y1 - 6 * s))
    cv.rectangle(img, (bx0, by0), (bx1, by1), style.sound_bgr, 1)
    if status == "ok" and level is not None:
        frac = float(np.clip(level.above_floor_db / style.sound_meter_full_db, 0.0, 1.0))
        x = int(round(bx0 + frac * (bx1 - bx0)))
        if x > bx0 + 1:
            cv.rectangle(img, (bx0 + 1, by0 + 1), (x - 1, by1 - 1), colour, -1)
    elif status != "ok":
        cv.line(img, (bx0, by1), (bx1, by0), style.hold_bgr, t)  # struck through: no sound used
    return img
