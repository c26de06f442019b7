"""The live overlay's sound meter: how loud the breath sounds are over the room's noise, whether a
breath is heard now, and what the microphone is doing.

:func:`draw_sound_meter` draws a small panel in the overlay layout's meter slot (a top corner,
beside the torso: overlay.draw.layout places it clear of every other part): a bar from the noise floor to
``[overlay] sound_meter_full_db`` above it, green while a breath is heard
(:class:`~breathcam.signals.sound.SoundLevel`), and a short word when the microphone is off, lost or
muted (its words in breathcam.lang).  :func:`mic_text` is the one-line notice a session shows once when the microphone fails.
Drawing only: no window is opened, the image passed in is drawn on.
"""

from __future__ import annotations

import numpy as np

from breathcam._deps import cv2
from breathcam.config import DEFAULT, OverlayConfig
from breathcam.types import Box

__all__ = ["mic_text", "meter_box", "draw_sound_meter"]

_STATUSES = ("ok", "unavailable", "lost", "muted")


def _status(status: str) -> str:
    return status if status in _STATUSES else "unavailable"


def mic_text(status: str, lang: str = "en") -> str:
    """The notice for a microphone status (breathcam.lang LABELS ``mic_notice_*``); '' for "ok".

    >>> mic_text("lost", "nl")
    'Microfoon weg: verder met alleen video'
    """
    from breathcam.lang import LABELS, text

    st = _status(status)
    return "" if st == "ok" else text(LABELS, f"mic_notice_{st}", lang)


def meter_box(width: int, height: int, *, regions=None, style: OverlayConfig = DEFAULT.overlay) -> Box:
    """Where the meter goes: the overlay layout's free meter slot (a top corner, beside the torso)."""
    from breathcam.overlay.draw import layout

    return layout(width, height, regions=regions, style=style).meter


def draw_sound_meter(
    img: np.ndarray, level, *, status: str | None = "ok", lang: str = "en", regions=None,
    style: OverlayConfig = DEFAULT.overlay,
) -> np.ndarray:
    """The meter for ``level`` (a SoundLevel, or None before the first one) in the layout's meter
    slot (``regions``: the torso's, as the rest of the overlay is placed); ``status`` is the
    microphone's (None: no microphone was asked for, nothing is drawn)."""
    if status is None:
        return img
    from breathcam.lang import LABELS, text
    from breathcam.overlay.draw import _panel, _text, _text_size

    cv = cv2()
    h, w = img.shape[:2]
    box = meter_box(w, h, regions=regions, style=style)
    if box.x1 <= box.x0 or box.y1 <= box.y0:
        return img
    _panel(img, box, style=style)
    bh = box.y1 - box.y0
    st = _status(status)
    word = text(LABELS, f"mic_{st}", lang)
    heard = bool(level is not None and level.audible and st == "ok")
    colour = style.sound_heard_bgr if heard else style.sound_bgr
    # the word on the left, the bar on the right, both as tall as the slot allows
    sc = 0.5 * bh / 22.0
    tw, th = _text_size(word, scale=sc, thickness=1)
    if tw > 0.45 * (box.x1 - box.x0):  # the word takes at most about half the slot
        sc *= 0.45 * (box.x1 - box.x0) / tw
        tw, th = _text_size(word, scale=sc, thickness=1)
    _text(img, word, (box.x0 + 0.15 * bh, box.y0 + 0.5 * (bh + th) - 0.15 * bh), scale=sc,  # room for g, p
          color=colour if st == "ok" else style.hold_bgr, thickness=1)
    # the bar: floor (left) to sound_meter_full_db over it (right)
    pad = max(1, int(round(0.2 * bh)))
    bx0, by0 = int(round(box.x0 + 0.3 * bh + tw)), int(round(box.y0)) + pad
    bx1, by1 = int(round(box.x1)) - pad, int(round(box.y1)) - pad
    cv.rectangle(img, (bx0, by0), (bx1, by1), style.sound_bgr, 1)
    if st == "ok" and level is not None:
        frac = float(np.clip(level.above_floor_db / style.sound_meter_full_db, 0.0, 1.0))
        x = int(round(bx0 + frac * (bx1 - bx0)))
        if x > bx0 + 1:
            cv.rectangle(img, (bx0 + 1, by0 + 1), (x - 1, by1 - 1), colour, -1)
    elif st != "ok":
        cv.line(img, (bx0, by1), (bx1, by0), style.hold_bgr, max(1, pad // 2))  # struck through: no sound used
    return img
