"""The breath-hold test (control pause): from the hold's start to the first breath after it.

"Breathe normally ... after a normal breath out, hold until the first urge to breathe."  The
camera times it from the analysis core's holds in the step's window: the longest hold of at least
``[assess] min_control_pause_s`` (one after exhale preferred), from its start to the inhale start
of the first breath after it.  A key pressed at the start and at the first breath is the fallback
and the cross-check: both are kept and shown side by side.  A hold that runs into the end of the
measurement (the person left the view, the camera stopped, the step ended) is reported as a lower
bound ("at least").  The bands (<10, 10-20, 20-40, >40 s) are the usual guidance, not validated.

    >>> from breathcam.types import Breath, Hold
    >>> cp = control_pause([Hold(20.0, 41.5, "exhale", 0.9)], [Breath(41.7, 43.0, 45.0, 46.0, 1.0, 1.0)],
    ...                    window=(10.0, 80.0))
    >>> cp.camera_s, cp.band, cp.open
    (21.7, '20-40', False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from breathcam.config import DEFAULT, AssessConfig
from breathcam.types import Breath, Hold

__all__ = ["ControlPause", "control_pause", "band"]


@dataclass(frozen=True)
class ControlPause:
    camera_s: float | None  # None: no hold seen
    start_s: float | None
    end_s: float | None
    after: str | None  # the hold's phase ("exhale" is the test's)
    open: bool = False  # the hold ran into the end of the measurement: at least camera_s
    key_s: float | None = None  # timed by two key presses
    band: str | None = None  # "<10" | "10-20" | "20-40" | ">40" (of the camera's value, else the key's)
    agree: bool | None = None  # camera and key within [assess] cp_agree_s
    note: str = ""  # a key of breathcam.assess.texts: why it is missing or a lower bound

    @property
    def seconds(self) -> float | None:
        """The value reported: the camera's, else the key's."""
        return self.camera_s if self.camera_s is not None else self.key_s


def band(seconds: float | None, *, config: AssessConfig = DEFAULT.assess) -> str | None:
    if seconds is None:
        return None
    a, b, c = config.cp_band_edges_s
    if seconds < a:
        return f"<{a:g}"
    if seconds < b:
        return f"{a:g}-{b:g}"
    if seconds < c:
        return f"{b:g}-{c:g}"
    return f">{c:g}"


def control_pause(
    holds: Sequence[Hold],
    breaths: Sequence[Breath],
    *,
    window: tuple[float, float],
    keys: Sequence[float] = (),
    config: AssessConfig = DEFAULT.assess,
) -> ControlPause:
    """The control pause in ``window`` (the step's measured time); ``keys``: times of the key
    presses during the step (the first two time the hold)."""
    t0, t1 = window
    key_s = round(float(keys[1] - keys[0]), 2) if len(keys) >= 2 and keys[1] > keys[0] else None
    cands = [h for h in holds if h.start >= t0 - 1.0 and h.start < t1 and h.duration_s >= config.min_control_pause_s]
    if not cands:
        return ControlPause(None, None, None, None, key_s=key_s, band=band(key_s, config=config), note="no_hold")
    exhale = [h for h in cands if h.after == "exhale"]
    h = max(exhale or cands, key=lambda x: x.duration_s)
    nxt = [b for b in breaths if b.inhale_start >= h.end - 1.0 and b.inhale_start > h.start]
    end = min(b.inhale_start for b in nxt) if nxt and not h.open else h.end
    end = max(end, h.end) if h.open else end
    seconds = round(end - h.start, 2)
    agree = None if key_s is None else abs(seconds - key_s) <= config.cp_agree_s
    return ControlPause(seconds, round(h.start, 2), round(end, 2), h.after, open=bool(h.open), key_s=key_s,
                        band=band(seconds, config=config), agree=agree, note="open" if h.open else "")
