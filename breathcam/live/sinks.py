"""Where a live session's frames go: a window, a video file, or nowhere.

A sink draws a :class:`~breathcam.live.session.View` onto a frame (:func:`render`, the one drawing
step all sinks share) and shows or writes it.  The window owns the keys and the screens that wait
for one: :func:`key_action` maps a key code to what it does, :func:`camera_lost_image` is the
camera-lost screen, :func:`safety_screen_image` the safety screen of an intense exercise.

    sink.show(img) -> "quit" | "pause" | "recalibrate" | None   (a key pressed, or None)
    sink.camera_lost(last_image, lang)                           (the window shows it a while)
    sink.close()

Keys in the window: ``q`` / Esc quit, ``p`` / space pause, ``r`` recalibrate; closing the window
quits.  Where it fails: a window needs a display (DISPLAY on Linux); a video file needs a name
OpenCV can write (.mp4 or .avi).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from breathcam.config import DEFAULT, Config

__all__ = [
    "WINDOW_NAME", "KEYS_QUIT", "KEYS_PAUSE", "KEYS_RECAL", "key_action", "render", "camera_lost_image",
    "safety_screen_image", "WindowSink", "VideoSink", "NullSink",
]

WINDOW_NAME = "breathcam"
# Key codes (cv2.waitKey & 0xFF).
KEYS_QUIT = frozenset({ord("q"), 27})
KEYS_PAUSE = frozenset({ord("p"), ord(" ")})
KEYS_RECAL = frozenset({ord("r")})


def key_action(key: int) -> str | None:
    """What a key code (as cv2.waitKey returns it; -1: none) does in the live window.

    >>> [key_action(k) for k in (ord("q"), 27, ord(" "), ord("r"), ord("x"), -1)]
    ['quit', 'quit', 'pause', 'recalibrate', None, None]
    """
    if key is None or key < 0:
        return None
    k = key & 0xFF
    if k in KEYS_QUIT:
        return "quit"
    if k in KEYS_PAUSE:
        return "pause"
    if k in KEYS_RECAL:
        return "recalibrate"
    return None


def render(image: np.ndarray, view, *, lang: str = "en", config: Config = DEFAULT) -> np.ndarray:
    """The overlay for one step, drawn on a copy of ``image``: draw_overlay, then the sound meter;
    a microphone notice takes the message line while no coach cue needs it."""
    from breathcam.overlay.draw import draw_overlay
    from breathcam.overlay.sound_meter import draw_sound_meter

    message, warn = view.message, view.warn
    if message is None and view.notice:
        message, warn = view.notice, True
    img = draw_overlay(
        image.copy(), view.state, pacer=view.pacer, pacer_text=view.pacer_text, compliance=view.compliance,
        message=message, warn=warn, lang=lang, wave_s=config.live.wave_s, style=config.overlay,
    )
    return draw_sound_meter(img, view.sound, status=view.mic_status, lang=lang, regions=view.state.regions,
                            style=config.overlay)


def camera_lost_image(last_image: np.ndarray | None, lang: str = "en", *, config: Config = DEFAULT) -> np.ndarray:
    """The screen shown when the camera stops delivering: the last frame with the message on it."""
    from breathcam.overlay.draw import draw_message, label

    img = np.zeros((480, 640, 3), np.uint8) if last_image is None else last_image.copy()
    return draw_message(img, label("camera_lost", lang), style=config.overlay, warn=True)


def safety_screen_image(ex, *, lang: str, config: Config = DEFAULT) -> np.ndarray:
    """The safety screen of an intense exercise, with the key to confirm it."""
    from breathcam.coach.exercises import exercise_title
    from breathcam.coach.messages import message
    from breathcam.coach.safety import safety_text
    from breathcam.overlay.draw import draw_screen

    img = np.zeros((480, 640, 3), np.uint8)
    lines = safety_text(lang).splitlines() + ["", message("safety_key_prompt", lang)]
    draw_screen(img, lines, style=config.overlay, title=exercise_title(ex, lang))
    return img


class NullSink:
    """Nothing shown, nothing written (headless sessions, benchmarks)."""

    window = False

    def show(self, img: np.ndarray) -> str | None:
        return None

    def camera_lost(self, last_image, lang: str = "en") -> None:
        return None

    def close(self) -> None:
        return None


class VideoSink(NullSink):
    """Every overlaid frame written to a video file (opened at the first frame: its size)."""

    def __init__(self, path: str | Path, *, fps: float) -> None:
        out = Path(path)
        if out.parent and not out.parent.exists():
            from breathcam.types import BreathcamError

            raise BreathcamError(f"cannot write {out}: folder {out.parent} does not exist")
        self.path = out
        self.fps = fps if math.isfinite(fps) and fps > 0 else 30.0
        self._writer = None
        self.codec, self.note = "", ""  # what the file was written as, once opened

    def show(self, img: np.ndarray) -> str | None:
        if self._writer is None:  # H.264 where the codecs allow (breathcam.videofile)
            from breathcam.videofile import VideoFileWriter

            h, w = img.shape[:2]
            self._writer = VideoFileWriter(self.path, fps=self.fps, width=w, height=h)
            self.codec, self.note = self._writer.codec, self._writer.note
        self._writer.write(img)
        return None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class WindowSink(NullSink):
    """A window (OpenCV HighGUI): shows each frame, reads the keys, shows the camera-lost screen."""

    window = True

    def __init__(self, *, config: Config = DEFAULT, cv=None) -> None:
        from breathcam._deps import cv2

        self.config = config
        self.cv = cv if cv is not None else cv2()
        self._created = False

    def _show(self, img: np.ndarray) -> None:
        cv = self.cv
        if not self._created:
            cv.namedWindow(WINDOW_NAME, cv.WINDOW_AUTOSIZE | getattr(cv, "WINDOW_GUI_NORMAL", 0))
            cv.moveWindow(WINDOW_NAME, 0, 0)
            self._created = True
        cv.imshow(WINDOW_NAME, img)

    def closed(self) -> bool:
        """The user closed the window."""
        cv = self.cv
        try:
            return cv.getWindowProperty(WINDOW_NAME, cv.WND_PROP_VISIBLE) < 1
        except cv.error:
            return True

    def show(self, img: np.ndarray) -> str | None:
        self._show(img)
        action = key_action(self.cv.waitKey(1))
        if action is None and self.closed():
            return "quit"
        return action

    def camera_lost(self, last_image, lang: str = "en") -> None:
        """Say the camera went away for ``[live] lost_camera_message_s`` (a quit key ends it early)."""
        self._show(camera_lost_image(last_image, lang, config=self.config))
        until = time.monotonic() + self.config.live.lost_camera_message_s
        while time.monotonic() < until:
            if key_action(self.cv.waitKey(50)) == "quit":
                break

    def confirm_safety(self, ex, *, lang: str):
        """The safety screen: a SafetyAck once confirmed by its key, None when refused (q, Esc, closed)."""
        from breathcam.coach.safety import confirm_key

        self._show(safety_screen_image(ex, lang=lang, config=self.config))
        while True:
            key = self.cv.waitKey(100)
            if key >= 0 and key_action(key) != "quit":
                ack = confirm_key(ex, key, lang=lang)
                if ack is not None:
                    return ack
            if key_action(key) == "quit" or self.closed():
                return None

    def close(self) -> None:
        if self._created:
            self.cv.destroyAllWindows()
            self.cv.waitKey(1)
            self._created = False


class Sinks(NullSink):
    """Several sinks as one (a window and a video file): the first key any of them reports."""

    def __init__(self, sinks) -> None:
        self.sinks = [s for s in sinks if s is not None]
        self.window = any(s.window for s in self.sinks)

    def show(self, img: np.ndarray) -> str | None:
        action = None
        for s in self.sinks:
            action = s.show(img) or action
        return action

    def camera_lost(self, last_image, lang: str = "en") -> None:
        for s in self.sinks:
            s.camera_lost(last_image, lang)

    def close(self) -> None:
        for s in self.sinks:
            s.close()
