"""Frozen dataclasses passed between the stages of breathcam.

capture (Frame, TorsoRegions) -> motion (MotionTraces) -> signal core (Breath, Hold, RatePoint)
-> Analysis (the JSON analysis contract, see docs/contract.md).

Times are seconds from the start of the clip or session; image coordinates are pixels with y
pointing down.  Arrays inside frozen dataclasses are never modified after construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # results of later stages, typed here without importing their modules
    from breathcam.coach.compliance import Compliance
    from breathcam.signals.sound import SoundResult


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

    ``method`` is "pose" when mediapipe found the person, "motion" when the regions come from a
    fallback (the person's outline, or motion).  ``view`` is "front", "side" or "unknown".
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
    # True when a wrist lies inside the chest or belly box (arms crossed over the torso): the
    # chest/belly split is then not trusted (signals.pattern).  Set by the pose stage when it knows.
    arms_on_torso: bool = False
    # The torso's length in pixels (shoulder line to hip line: from pose, or from the outline's
    # width by body proportions; the located area's height for the motion fallback): the body's
    # size, against which motion is judged (sway vs a squat).
    torso_px: float | None = None
    # Side view: +1 when the person faces +x (image right), -1 for -x, 0 when unknown or not a side
    # view (from pose's nose or shoulder depths, or from which edge of the outline breathes).
    facing: float = 0.0


# ---------------------------------------------------------------------------------------------
# motion traces and signal core
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MotionSample:
    """What one frame contributed: running sums of frame-to-frame displacements, in image pixels.

    Displacements use image axes (x right, y down) and start at 0 on the first frame; ``*_ok`` says
    whether that region's increment was measured on this frame (when not, its sum stays put).
    ``belly_expansion`` is the outward movement of the belly box's edges.  ``facing`` is +1 when
    the person faces +x in a side view, -1 for -x, 0 when unknown.
    """

    t_s: float
    valid: bool  # chest or belly measured on this frame
    chest_dx: float
    chest_dy: float
    belly_dx: float
    belly_dy: float
    belly_expansion: float
    reference_dx: float
    reference_dy: float
    background_dx: float
    background_dy: float
    chest_ok: bool
    belly_ok: bool
    reference_ok: bool
    background_ok: bool
    facing: float
    method: str  # regions.method, or "none" when the frame had no regions
    view: str
    # Shoulder band (for shoulder lift, signals.pattern): running vertical displacement and
    # whether it was measured on this frame.
    shoulder_dy: float = 0.0
    shoulder_ok: bool = False
    # Vertical displacement of one body point each in the chest and shoulder boxes, from an affine
    # fit of the points' motion (capture.tracker): unlike the median it does not depend on which
    # points survive, which matters when the torso scales and leaves the frame as the person moves
    # (signals.movement uses these while the body moves).
    chest_anchor_dy: float = 0.0
    shoulder_anchor_dy: float = 0.0
    # The regions' torso length (TorsoRegions.torso_px), 0 when unknown, and whether they had the
    # arms across the torso (TorsoRegions.arms_on_torso).
    torso_px: float = 0.0
    arms_on_torso: bool = False

    @property
    def chest(self) -> float:
        """Upward chest displacement so far (inhale rises), uncorrected for sway."""
        return -self.chest_dy

    @property
    def belly(self) -> float:
        """Belly expansion so far (front view), or horizontal displacement (side view, unsigned)."""
        return self.belly_dx if self.view == "side" else self.belly_expansion


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
    # --- for the chest/belly pattern (signals.pattern); defaults keep old call sites working ---
    # Upward motion of the shoulder band (pixels, sway-corrected like the chest); None when the
    # shoulders were not tracked.
    shoulder: np.ndarray | None = None
    # Fraction of the valid samples on which the chest / belly was actually tracked.
    chest_measured: float = 1.0
    belly_measured: float = 1.0
    # Side view: the sign that turns ``belly`` into physical forward motion (+1/-1), taken from
    # where the head sits; 0 when unknown (the belly then follows the chest's orientation and
    # paradoxical breathing cannot be told from the side).  Front view: +1 (expansion is physical).
    belly_forward_sign: float = 1.0
    # Fraction of frames whose regions had the arms across the torso.
    arms_on_torso: float = 0.0
    # --- whole-body movement (signals.movement); None when the body did not move ---
    # The body reference's vertical position (pixels, down positive: a squat goes up in it) and
    # where the body is moving; the breathing traces above have the movement removed.
    body: np.ndarray | None = None
    moving: np.ndarray | None = None
    body_reference: str | None = None  # "head" | "belly"
    # The torso's length in pixels (median over the frames with regions; None when unknown): the
    # body's size, so that excursions can be judged relative to it whatever the framing.
    body_px: float | None = None


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
    # chest vs belly (signals.pattern): the belly's share of this breath's motion (0 all chest,
    # 1 all belly) and the belly's lag behind the chest in degrees; None when not measured.
    belly_share: float | None = None
    phase_deg: float | None = None

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
    # True when the hold runs into the end of the measurement (the clip's end, or tracking lost):
    # it lasted at least until ``end``.
    open: bool = False

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
    """Chest vs belly breathing over a clip (signals.pattern; docs/measurement.md)."""

    label: str = "unknown"  # "chest" | "belly" | "mixed" | "unknown"
    belly_share: float | None = None  # belly's share of the camera-visible breathing motion, 0..1
    phase_deg: float | None = None  # belly lag behind the chest; 0 together, +-180 paradoxical
    paradoxical: bool | None = None  # None when the phase is undefined or cannot be oriented
    shoulder_lift: float | None = None  # median shoulder rise per breath / median chest rise
    confidence: float = 0.0  # 0..1
    view: str = "unknown"
    switch_t: float | None = None  # time the pattern changed (e.g. chest -> belly), None if none
    label_before: str | None = None  # labels before and after switch_t
    label_after: str | None = None
    notes: tuple[str, ...] = ()


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
class Repetition:
    """One repetition of a movement (squat, bend, lift): leaves rest at ``start``, turns at ``turn``
    (the bottom), back at rest at ``end``.  The way down (lower) is ``start..turn``, the effort (the
    way up, the lift) ``turn..end``.  Labels are None when they could not be measured."""

    start: float
    turn: float
    end: float
    depth_px: float
    held: bool | None = None  # the breath was held through the repetition
    exhale_on_effort: bool | None = None  # an exhale fell on the way up
    braced: bool | None = None  # the belly was frozen while the chest still moved


@dataclass(frozen=True)
class Movement:
    """Whole-body movement in a clip and how the breath went with it."""

    reps: tuple[Repetition, ...]
    moving_fraction: float  # share of the clip with the body moving
    motion_series: tuple[tuple[float, float], ...]  # (t, body speed px/s), about one per second
    reference: str | None  # "head" | "belly": what the body's motion was measured on
    separable: bool  # False when the breath keeps step with the movement
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
    # How closely a paced exercise was followed; None outside exercises.
    compliance: Compliance | None = None
    # Which measurements contributed: "video", "sound" or both (breathcam.signals.fuse).
    sources: tuple[str, ...] = ("video",)
    # What the sound analysis found; None without sound.
    sound: SoundResult | None = field(default=None, compare=False, repr=False)
    # Whole-body movement and the repetitions found in it (breathcam.signals.movement); None when
    # the body did not move.
    movement: Movement | None = None


# ---------------------------------------------------------------------------------------------
# live sessions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveState:
    """A snapshot of a live session, for the overlay, the coach and whoever keeps the session.

    Breaths and holds are those the online analyzer has committed so far (complete, no longer
    revised); ``open_hold_s`` is the length of a hold still going on now (None while breathing).
    ``wave_t_s`` / ``wave_chest`` / ``wave_belly`` / ``wave_breathing`` are the recent traces for
    the scrolling waveform (pixels, band-limited for display).
    """

    t_s: float
    rate_bpm: float | None
    rate_confidence: float
    breaths: tuple[Breath, ...]
    holds: tuple[Hold, ...]
    open_hold_start_s: float | None
    open_hold_after: str | None
    regions: TorsoRegions | None
    person_seen: bool
    wave_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    wave_chest: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    wave_belly: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    wave_breathing: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    belly_share: float | None = None  # belly's share of the recent motion (0..1), display only
    pattern_label: str = "unknown"
    paused: bool = False
    notes: tuple[str, ...] = ()
    moving: bool = False  # the whole body moves now (squats, lifting)
    reps: tuple[Repetition, ...] = ()  # recent completed repetitions, labelled (signals.movement)
    # share of the last [coach] motion_window_s without a usable measurement (jolts, tracking lost)
    unmeasured_share: float = 0.0

    @property
    def open_hold_s(self) -> float | None:
        if self.open_hold_start_s is None:
            return None
        return max(0.0, self.t_s - self.open_hold_start_s)


# ---------------------------------------------------------------------------------------------
# sound
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioInfo:
    """What an audio source is: its own rate and channels, and what it was resampled to."""

    name: str  # path, "sound track of CLIP" or "microphone NAME"
    kind: str  # "file" | "track" | "microphone"
    source_rate_hz: float  # the recording's own sample rate (sets the highest usable band)
    sample_rate_hz: float  # the internal rate the samples were resampled to
    channels: int  # channels in the source (mixed down to one)
    duration_s: float
    clipped_fraction: float = 0.0  # share of samples at full scale
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Audio:
    """Mono float samples (-1..1) at ``info.sample_rate_hz``, starting at ``t0_s``."""

    samples: np.ndarray
    info: AudioInfo
    t0_s: float = 0.0


@dataclass(frozen=True)
class SoundEvent:
    """One audible part of a breath: ``kind`` is "inhale" or "exhale" (by loudness order, see
    breathcam.signals.sound), ``level_db`` its peak over the noise floor."""

    start: float
    end: float
    kind: str
    level_db: float


@dataclass(frozen=True)
class Silence:
    """A stretch with no audible breathing: a hold, or breathing too quiet to hear."""

    start: float
    end: float

    @property
    def duration_s(self) -> float:
        return self.end - self.start
