"""Frozen dataclasses passed between the stages of breathcam.

capture (Frame, TorsoRegions) -> motion (MotionTraces) -> signal core (Breath, Hold, RatePoint)
-> Analysis (the JSON analysis contract, see docs/contract.md).

Times are seconds from the start of the clip or session; image coordinates are pixels with y
pointing down.  Arrays inside frozen dataclasses are never modified after construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class BreathcamError(Exception):
    """A problem the user can act on: its message is one line, shown without a traceback."""


class InputError(BreathcamError):
    """The input (file, camera, parameters) cannot be used."""


class ParameterError(BreathcamError, ValueError):
    """A function was called with parameters outside their valid range."""


# ---------------------------------------------------------------------------------------------
# capture
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceInfo:
    """What a frame source knows about itself before the first frame."""

    name: str  # path, or "camera 0"
    kind: str  # "camera" | "file" | "replay"
    width: int
    height: int
    fps_nominal: float  # container/driver claim; timestamps are what count
    n_frames: int | None = None  # None when unknown (camera, some containers)
    duration_s: float | None = None


@dataclass(frozen=True)
class Frame:
    """One video frame; ``t_s`` comes from the source and strictly increases."""

    index: int
    t_s: float
    image: np.ndarray  # HxWx3 uint8, BGR (OpenCV order)


@dataclass(frozen=True)
class Box:
    """Axis-aligned rectangle in pixels: x0 <= x1, y0 <= y1."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        return (0.5 * (self.x0 + self.x1), 0.5 * (self.y0 + self.y1))

    def clipped(self, width: int, height: int) -> "Box":
        return Box(
            max(0.0, min(self.x0, width - 1.0)),
            max(0.0, min(self.y0, height - 1.0)),
            max(0.0, min(self.x1, width - 1.0)),
            max(0.0, min(self.y1, height - 1.0)),
        )

    def as_int(self) -> tuple[int, int, int, int]:
        return (int(round(self.x0)), int(round(self.y0)), int(round(self.x1)), int(round(self.y1)))


@dataclass(frozen=True)
class TorsoRegions:
    """Where to measure breathing in one frame.

    ``method`` is "pose" when mediapipe found the person, "motion" when the regions come from the
    motion-based fallback.  ``view`` is "front", "side" or "unknown".
    """

    t_s: float
    chest: Box  # upper chest and shoulders
    belly: Box  # abdominal wall
    shoulders: Box | None  # band around both shoulders (front view), for shoulder lift
    reference: Box | None  # head/face: whole-body sway reference, None when out of frame
    view: str
    method: str
    confidence: float  # 0..1
    # False when the belly box lies mostly outside the frame (a webcam framing head and chest):
    # the box is still given, clipped, but nothing is measured there.
    belly_in_view: bool = True


# ---------------------------------------------------------------------------------------------
# motion traces and signal core
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MotionTraces:
    """Uniformly sampled motion of the torso regions.

    All traces are displacements in pixels (not filtered), sampled at ``fs_hz`` on ``t_s``.
    ``breathing`` is the combined breathing trace oriented so that inhaling makes it rise.
    ``valid`` is False where no measurement was possible (no frame, tracking lost).
    """

    fs_hz: float
    t_s: np.ndarray
    breathing: np.ndarray
    chest: np.ndarray
    belly: np.ndarray
    valid: np.ndarray
    pose_found: float  # fraction of analysed frames where pose found the person
    method: str  # "pose" | "motion" | "mixed"
    view: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Breath:
    """One breath: inhale from ``inhale_start`` to ``exhale_start``, then exhale, then an optional
    end-expiratory pause from ``pause_start`` to ``end`` (``pause_start == end`` when none).

    A hold after inhale lies between the inhale peak and ``exhale_start`` and is listed in the holds.
    """

    inhale_start: float
    exhale_start: float
    pause_start: float
    end: float
    depth: float  # peak-to-trough excursion in trace units
    confidence: float  # 0..1
    is_sigh: bool = False

    @property
    def duration_s(self) -> float:
        return self.end - self.inhale_start

    @property
    def inhale_s(self) -> float:
        return self.exhale_start - self.inhale_start

    @property
    def exhale_s(self) -> float:
        return self.pause_start - self.exhale_start

    @property
    def pause_s(self) -> float:
        return self.end - self.pause_start


@dataclass(frozen=True)
class Hold:
    """A breath hold: the trace stays flat for at least the configured minimum."""

    start: float
    end: float
    after: str  # "inhale" | "exhale"
    confidence: float

    @property
    def duration_s(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class RatePoint:
    t: float
    bpm: float | None
    confidence: float


@dataclass(frozen=True)
class Pattern:
    label: str = "unknown"  # "chest" | "belly" | "mixed" | "unknown"
    belly_share: float | None = None
    phase_deg: float | None = None


@dataclass(frozen=True)
class FeedbackEvent:
    t: float
    code: str
    message: str


@dataclass(frozen=True)
class Quality:
    confidence: float
    pose_found: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignalResult:
    """What the signal core derives from one breathing trace."""

    rate_bpm: float | None
    rate_confidence: float
    rate_series: tuple[RatePoint, ...]
    breaths: tuple[Breath, ...]
    holds: tuple[Hold, ...]
    confidence: float  # 0..1 overall signal quality
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """The result of analysing one clip: the JSON analysis contract (docs/contract.md)."""

    source: str
    duration_s: float
    rate_bpm: float | None
    rate_series: tuple[RatePoint, ...]
    breaths: tuple[Breath, ...]
    holds: tuple[Hold, ...]
    pattern: Pattern
    quality: Quality
    feedback: tuple[FeedbackEvent, ...] = ()
    traces: MotionTraces | None = field(default=None, compare=False, repr=False)
