"""Torso regions (chest, belly, shoulders, head) from mediapipe pose, with a motion fallback.

:class:`TorsoLocator` is called for every frame and returns where to measure breathing::

    locator = TorsoLocator()
    for frame in source:
        regions = locator.locate(frame, body_moving=tracker.body_moving)  # stable between pose runs

Pose (mediapipe 0.10.21, ``model_complexity=1``: the only model inside the wheel) runs once per
``PoseConfig.interval_s``; between runs the regions are held, and each run moves them only part
of the way (``smoothing``) so they do not breathe with the person.  A body that moves (a squat,
a lift; the caller passes the motion tracker's word for it) is followed instead: pose runs every
``moving_interval_s`` and its regions are used as they come, until ``moving_hold_s`` after the
last move.  The geometry is pure:
:func:`regions_from_landmarks` turns 33 landmarks into boxes in the torso's own frame (shoulder
line to hip line), so a tilted or lying person gets boxes along their torso.  Hips are usually
out of frame at a desk: the torso length is then estimated from the shoulder width and the
head-to-shoulder drop (anthropometric ratios documented in config.py) and boxes are clipped.

When pose finds nobody (head out of frame, side view, lying down, poor light) the regions come
from :func:`motion_regions`: the bounding box of the strongest temporal intensity variation over
the last seconds (the chest moves, the wall does not), split into upper half = chest, lower half
= belly; the centre of the frame when nothing stands out.  Pose keeps being retried every
``retry_interval_s`` so a person entering later is found.

Where it fails: the fallback cannot tell a breathing chest from other motion (a fan, a pet,
gestures) and never knows the view; torso length from proportions is wrong for unusual bodies
or postures (the belly box then sits too high or low); pose-based side views depend on mediapipe
guessing the hidden shoulder.  ``notes`` says which of these happened.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass, replace
from enum import IntEnum

import numpy as np

from breathcam._deps import cv2, require
from breathcam.config import DEFAULT, PoseConfig
from breathcam.types import Box, Frame, ParameterError, TorsoRegions


class Landmark(IntEnum):
    """mediapipe pose landmark indices (BlazePose, 33 points)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


N_LANDMARKS = len(Landmark)
_HEAD = tuple(range(Landmark.NOSE, Landmark.MOUTH_RIGHT + 1))

# Lines mediapipe's native code prints on every start, which say nothing to a user.  Anything
# else it prints is passed through.
_NOISE = re.compile(
    r"inference_feedback_manager\.cc|landmark_projection_calculator\.cc|"
    r"All log messages before absl::InitializeLog|Created TensorFlow Lite XNNPACK delegate|"
    r"gl_context(_egl)?\.cc|GL version:|face_landmarker_graph\.cc"
)


@dataclass(frozen=True)
class PoseLandmarks:
    """One pose result in pixels: ``xy_px`` (33x2) and ``visibility`` (33,) in 0..1."""

    xy_px: np.ndarray
    visibility: np.ndarray
    width: int
    height: int

    def seen(self, lm: Landmark, *, min_visibility: float) -> bool:
        """Visible enough and inside the image (mediapipe extrapolates points beyond the edges)."""
        x, y = self.xy_px[lm]
        inside = 0.0 <= x <= self.width - 1.0 and 0.0 <= y <= self.height - 1.0
        return bool(inside and self.visibility[lm] >= min_visibility)


# ---------------------------------------------------------------------------------------------
# pure geometry
# ---------------------------------------------------------------------------------------------


def _box_from_torso(
    origin: np.ndarray, u: np.ndarray, v: np.ndarray, *, a0: float, a1: float, b0: float, b1: float
) -> Box:
    """Axis-aligned box around the torso-frame rectangle [a0, a1] along u x [b0, b1] along v."""
    pts = np.array([origin + a * u + b * v for a in (a0, a1) for b in (b0, b1)])
    return Box(float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))


def inside_fraction(box: Box, *, width: int, height: int) -> float:
    """Fraction of the box's area inside the image."""
    area = box.width * box.height
    if area <= 0:
        return 0.0
    c = box.clipped(width, height)
    return max(0.0, c.width) * max(0.0, c.height) / area


def fit_box(box: Box, *, width: int, height: int, min_px: float) -> Box:
    """Clip ``box`` to the image and grow it to at least ``min_px`` a side, staying inside.

    A box entirely outside the image becomes a ``min_px`` box at the nearest edge, so a caller
    always gets a non-degenerate region inside the frame.
    """
    w_max, h_max = width - 1.0, height - 1.0

    def axis(lo: float, hi: float, limit: float) -> tuple[float, float]:
        lo, hi = max(0.0, min(lo, limit)), max(0.0, min(hi, limit))
        size = min(float(min_px), limit)
        if hi - lo < size:
            mid = 0.5 * (lo + hi)
            lo = min(max(0.0, mid - 0.5 * size), limit - size)
            hi = lo + size
        return lo, hi

    x0, x1 = axis(box.x0, box.x1, w_max)
    y0, y1 = axis(box.y0, box.y1, h_max)
    return Box(x0, y0, x1, y1)


@dataclass(frozen=True)
class _TorsoFrame:
    origin: np.ndarray  # shoulder midpoint
    u: np.ndarray  # unit vector down the torso
    v: np.ndarray  # unit vector across it
    length_px: float
    sep_px: float  # shoulder-point separation
    view: str
    hips_used: bool
    facing: float  # +1 / -1: side of v the person faces (side view), 0 unknown


def classify_view(*, sep_px: float, both_shoulders: bool, length_px: float | None, width: int, config: PoseConfig) -> str:
    """"front", "side" or "unknown" from the shoulder separation relative to the torso length.

    ``length_px`` must not come from the shoulder width itself (hips or head drop); without it
    the view is "front" only when the shoulders span ``front_min_width_fraction`` of the frame.
    """
    if length_px:
        ratio = sep_px / length_px
        if both_shoulders and ratio >= config.front_min_ratio:
            return "front"
        if ratio < config.side_max_ratio or not both_shoulders:
            return "side"
        return "unknown"
    if both_shoulders and sep_px >= config.front_min_width_fraction * width:
        return "front"
    return "side" if not both_shoulders else "unknown"


def _torso_frame(lm: PoseLandmarks, config: PoseConfig) -> _TorsoFrame | None:
    xy, mv = lm.xy_px, config.min_visibility

    def seen(i):
        return lm.seen(i, min_visibility=mv)

    ls, rs = Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER
    shoulders = [i for i in (ls, rs) if seen(i)]
    if not shoulders:
        return None
    both = len(shoulders) == 2
    origin = xy[shoulders].mean(axis=0)
    sep = float(np.linalg.norm(xy[ls] - xy[rs]))
    hips = [i for i in (Landmark.LEFT_HIP, Landmark.RIGHT_HIP) if seen(i)]
    ears = [i for i in (Landmark.LEFT_EAR, Landmark.RIGHT_EAR) if seen(i)]
    head = ears or ([Landmark.NOSE] if seen(Landmark.NOSE) else [])
    head_mid = xy[head].mean(axis=0) if head else None

    # Torso length independent of the shoulder width: hips, else the head-to-shoulder distance
    # (Euclidean, so it holds for any orientation; ears, which sit above the shoulders in a side
    # view, rather than the nose, which points forward).
    hip_len, u = None, None
    if hips:
        axis_vec = xy[hips].mean(axis=0) - origin
        norm = float(np.linalg.norm(axis_vec))
        if norm > 0 and (not both or norm >= config.min_torso_per_shoulder_width * sep):
            hip_len, u = norm, axis_vec / norm  # (a torso shorter than that is a wrong hip estimate)
    head_len = None
    if head_mid is not None:
        drop = float(np.linalg.norm(origin - head_mid))
        head_len = drop * config.torso_per_head_drop if drop > 0 else None
    independent = hip_len or head_len
    view = classify_view(sep_px=sep, both_shoulders=both, length_px=independent, width=lm.width, config=config)
    if u is None:
        if view == "front" and sep > 0:
            # perpendicular to the shoulder line, away from the head (holds when lying down)
            s = (xy[rs] - xy[ls]) / sep
            u = np.array([-s[1], s[0]])
            away = (origin - head_mid) if head_mid is not None else np.array([0.0, 1.0])
            if float(u @ away) < 0:
                u = -u
        else:
            # side / unknown: the shoulder line says nothing about the axis; image-down unless the
            # head lies more to the side of the shoulders than above them (lying down)
            u = np.array([0.0, 1.0])
            if head_mid is not None:
                away = origin - head_mid
                if abs(away[0]) > abs(away[1]):
                    u = away / np.linalg.norm(away)

    if float(u @ np.array([0.0, 1.0])) < math.cos(math.radians(config.max_axis_from_down_deg)):
        return None  # head-down: a false detection (mediapipe "finds" people in clothing folds)
    if hip_len:
        length = hip_len
    else:
        estimates = []
        if view == "front" or (head_len is None and both):
            estimates.append(sep * config.torso_per_shoulder_width)
        if head_len is not None:
            estimates.append(head_len)
        if not estimates:
            return None
        length = float(np.mean(estimates))
    if not length > 0:
        return None
    v = np.array([-u[1], u[0]])
    facing = 0.0
    if seen(Landmark.NOSE):
        offset = float((xy[Landmark.NOSE] - origin) @ v)
        if abs(offset) > config.facing_min_offset * length:  # the nose is ahead of the shoulders
            facing = math.copysign(1.0, offset)
    return _TorsoFrame(origin, u, v, length, sep, view, hip_len is not None, facing)


def regions_from_landmarks(
    lm: PoseLandmarks, *, t_s: float, config: PoseConfig = DEFAULT.pose
) -> tuple[TorsoRegions | None, tuple[str, ...]]:
    """Chest, belly, shoulder and head boxes (pixels, inside the image) from one pose result.

    Returns (None, ()) when the landmarks do not allow a torso (no shoulder seen, no scale).
    """
    tf = _torso_frame(lm, config)
    if tf is None:
        return None, ()
    notes = []
    W, H, L, sep = lm.width, lm.height, tf.length_px, tf.sep_px
    if tf.view == "front":
        chest_half, belly_half, shift = 0.5 * config.chest_width * sep, 0.5 * config.belly_width * sep, 0.0
        band_half = 0.5 * sep + config.shoulder_margin * sep
    else:
        depth = config.side_depth * L
        chest_half = max(0.5 * config.chest_width * sep, 0.5 * depth)
        belly_half = max(0.5 * config.belly_width * sep, 0.5 * depth)
        shift = tf.facing * config.side_front_shift * depth
        band_half = max(0.5 * sep + config.shoulder_margin * sep, 0.5 * depth)

    def torso_box(a0, a1, half, b_shift=0.0):
        return _box_from_torso(tf.origin, tf.u, tf.v, a0=a0 * L, a1=a1 * L, b0=b_shift - half, b1=b_shift + half)

    chest = torso_box(config.chest_top, config.chest_bottom, chest_half, shift)
    belly = torso_box(config.belly_top, config.belly_bottom, belly_half, shift)
    shoulders = torso_box(-config.shoulder_above, config.shoulder_below, band_half)
    belly_in_view = inside_fraction(belly, width=W, height=H) >= config.min_inside_fraction
    if not belly_in_view:
        notes.append("belly region mostly outside the frame; breathing measured on the chest only")

    reference = None
    head = [i for i in _HEAD if lm.seen(i, min_visibility=config.min_visibility)]
    if head:
        pts = lm.xy_px[list(head)]
        centre = pts.mean(axis=0)
        half = 0.5 * max(float(np.ptp(pts[:, 0])), float(np.ptp(pts[:, 1])), config.head_size * L)
        ref = Box(centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half)
        if inside_fraction(ref, width=W, height=H) >= config.min_inside_fraction:
            reference = fit_box(ref, width=W, height=H, min_px=config.min_box_px)

    used = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]
    if tf.hips_used:
        used += [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
    confidence = float(np.mean(lm.visibility[used]))
    if not tf.hips_used:
        notes.append("hips out of frame or hidden; torso length estimated from body proportions")
        confidence *= config.estimated_length_confidence

    def fit(b):
        return fit_box(b, width=W, height=H, min_px=config.min_box_px)

    arms = arms_across(lm, (chest, belly), config=config)
    if arms:
        notes.append("arms across the torso: chest and belly motion is partly the arms'")
    regions = TorsoRegions(
        t_s=t_s,
        chest=fit(chest),
        belly=fit(belly),
        shoulders=fit(shoulders),
        reference=reference,
        view=tf.view,
        method="pose",
        confidence=float(np.clip(confidence, 0.0, 1.0)),
        belly_in_view=belly_in_view,
        arms_on_torso=arms,
        torso_px=float(L),
    )
    return regions, tuple(notes)


def arms_across(lm: PoseLandmarks, boxes: tuple[Box, ...], *, config: PoseConfig = DEFAULT.pose) -> bool:
    """Both wrists seen inside the torso boxes (shrunk by ``arms_inside_margin``): arms folded
    across the chest or belly.  One hand resting on the belly (a common belly-breathing cue) moves
    with it and does not count."""
    inside = 0
    for wrist in (Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST):
        if not lm.seen(wrist, min_visibility=config.min_visibility):
            continue
        x, y = lm.xy_px[wrist]
        for b in boxes:
            mx, my = config.arms_inside_margin * b.width, config.arms_inside_margin * b.height
            if b.x0 + mx <= x <= b.x1 - mx and b.y0 + my <= y <= b.y1 - my:
                inside += 1
                break
    return inside == 2


def central_regions(*, width: int, height: int, t_s: float, config: PoseConfig = DEFAULT.pose) -> TorsoRegions:
    """The central part of the frame, split into chest (upper half) and belly (lower half)."""
    w, h = config.fallback_central_width * width, config.fallback_central_height * height
    box = Box(0.5 * (width - w), 0.5 * (height - h), 0.5 * (width + w), 0.5 * (height + h))
    return _split_regions(box, width=width, height=height, t_s=t_s, confidence=0.5 * config.fallback_confidence, config=config)


def _split_regions(box: Box, *, width: int, height: int, t_s: float, confidence: float, config: PoseConfig) -> TorsoRegions:
    box = fit_box(box, width=width, height=height, min_px=2 * config.min_box_px)
    mid = 0.5 * (box.y0 + box.y1)
    fit = dict(width=width, height=height, min_px=config.min_box_px)
    return TorsoRegions(
        t_s=t_s,
        chest=fit_box(Box(box.x0, box.y0, box.x1, mid), **fit),
        belly=fit_box(Box(box.x0, mid, box.x1, box.y1), **fit),
        shoulders=None,
        reference=None,
        view="unknown",
        method="motion",
        confidence=confidence,
        torso_px=float(box.height),
    )


def motion_regions(
    std_map: np.ndarray, *, width: int, height: int, t_s: float, config: PoseConfig = DEFAULT.pose
) -> tuple[TorsoRegions, bool]:
    """Regions around the strongest moving, textured area of a temporal-std map.

    ``std_map`` is the per-pixel temporal standard deviation of the (downscaled) gray image;
    it is mapped onto a ``width`` x ``height`` frame.  Returns (regions, True) when motion stood
    out, else (central regions, False).
    """
    std = np.asarray(std_map, dtype=np.float64)
    if std.size == 0 or not np.all(np.isfinite(std)):
        return central_regions(width=width, height=height, t_s=t_s, config=config), False
    med = float(np.median(std))
    top = float(np.percentile(std, 99))
    if top < config.fallback_min_std or top < config.fallback_min_contrast * med:
        return central_regions(width=width, height=height, t_s=t_s, config=config), False
    mask = (std >= config.fallback_level * top).astype(np.uint8)
    cv = cv2()
    # Join the moving edges of one body (its outline and folds) into one area.
    k = max(3, int(round(config.fallback_margin * min(std.shape))) | 1)
    mask = cv.dilate(mask, np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return central_regions(width=width, height=height, t_s=t_s, config=config), False
    energy = np.bincount(labels.ravel(), weights=std.ravel(), minlength=n)
    best = 1 + int(np.argmax(energy[1:]))
    x, y, w, h = (int(s) for s in stats[best, :4])
    sx, sy = width / std.shape[1], height / std.shape[0]
    box = Box(x * sx, y * sy, (x + w) * sx, (y + h) * sy)
    # grow by the margin and to the minimum size, around the centre
    cx, cy = box.center
    bw = max(box.width * (1 + 2 * config.fallback_margin), config.fallback_min_fraction * width)
    bh = max(box.height * (1 + 2 * config.fallback_margin), config.fallback_min_fraction * height)
    box = Box(cx - 0.5 * bw, cy - 0.5 * bh, cx + 0.5 * bw, cy + 0.5 * bh)
    # shift inside the frame rather than only clipping (keeps the size)
    dx = max(0.0, -box.x0) - max(0.0, box.x1 - (width - 1))
    dy = max(0.0, -box.y0) - max(0.0, box.y1 - (height - 1))
    box = Box(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy)
    return _split_regions(box, width=width, height=height, t_s=t_s, confidence=config.fallback_confidence, config=config), True


def smooth_box(held: Box | None, target: Box | None, *, alpha: float) -> Box | None:
    """Move each corner of ``held`` the fraction ``alpha`` toward ``target``."""
    if held is None or target is None:
        return target
    a = alpha
    return Box(
        held.x0 + a * (target.x0 - held.x0),
        held.y0 + a * (target.y0 - held.y0),
        held.x1 + a * (target.x1 - held.x1),
        held.y1 + a * (target.y1 - held.y1),
    )


def smooth_regions(held: TorsoRegions | None, target: TorsoRegions, *, config: PoseConfig = DEFAULT.pose) -> TorsoRegions:
    """Regions moved part of the way from ``held`` to ``target`` (``config.smoothing``).

    The target replaces the held regions at once when there are none, when the method changed,
    or when the chest moved by more than ``snap_fraction`` of its size (the person moved).
    """
    if held is None or held.method != target.method:
        return target
    (hx, hy), (tx, ty) = held.chest.center, target.chest.center
    if abs(tx - hx) > config.snap_fraction * max(held.chest.width, 1.0) or abs(ty - hy) > config.snap_fraction * max(
        held.chest.height, 1.0
    ):
        return target
    a = config.smoothing
    return replace(
        target,
        chest=smooth_box(held.chest, target.chest, alpha=a),
        belly=smooth_box(held.belly, target.belly, alpha=a),
        shoulders=smooth_box(held.shoulders, target.shoulders, alpha=a),
        reference=smooth_box(held.reference, target.reference, alpha=a),
        confidence=held.confidence + a * (target.confidence - held.confidence),
    )


# ---------------------------------------------------------------------------------------------
# mediapipe
# ---------------------------------------------------------------------------------------------


# Side of the blank image of the warm-up call (any size works; small is fast).
_WARMUP_PX = 64


class _StderrFilter:
    """Drop mediapipe's start-up lines from the process's stderr; pass everything else through.

    Native code writes to file descriptor 2 directly, so Python's logging cannot filter it.
    Inside ``with``, fd 2 points at a temporary file; on exit the lines that are not known noise
    go to the real stderr.  mediapipe opens its calculators in worker threads after the graph
    starts and prints from there, so every pose call is wrapped (about 0.1 ms against ~25 ms of
    pose), not only the first.
    """

    def __init__(self) -> None:
        self._tmp = None

    def __enter__(self) -> "_StderrFilter":
        self._saved = None
        try:
            sys.stderr.flush()
            if self._tmp is None:
                self._tmp = tempfile.TemporaryFile()
            self._saved = os.dup(2)
            os.dup2(self._tmp.fileno(), 2)
        except (OSError, ValueError, AttributeError):  # no usable fd 2 (embedded interpreters)
            self._saved = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is None:
            return
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._tmp.seek(0)
        text = self._tmp.read().decode("utf-8", "replace")
        self._tmp.seek(0)
        self._tmp.truncate()
        kept = [ln for ln in text.splitlines(True) if not _NOISE.search(ln)]
        if kept:
            os.write(2, "".join(kept).encode())

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.close()
            self._tmp = None


def _quiet_mediapipe_logging() -> None:
    # Read by glog/absl when mediapipe's native library loads: hide INFO, keep warnings/errors.
    os.environ.setdefault("GLOG_minloglevel", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    try:
        from absl import logging as absl_logging  # mediapipe depends on absl-py

        absl_logging.set_verbosity(absl_logging.WARNING)
    except ImportError:  # pragma: no cover
        pass


class _MediapipePose:
    """mediapipe.solutions.pose.Pose in video mode, giving :class:`PoseLandmarks` in pixels."""

    def __init__(self, config: PoseConfig):
        _quiet_mediapipe_logging()
        self._filter = _StderrFilter()
        with self._filter:
            mp = require("mediapipe")
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=False,
                model_complexity=1,  # the only model inside the 0.10.21 wheel; 0 and 2 download
                smooth_landmarks=False,  # our own smoothing runs on pose-run times, not 30 fps
                enable_segmentation=False,
                min_detection_confidence=config.min_detection_confidence,
                min_tracking_confidence=config.min_detection_confidence,
            )
            # The graph opens its calculators in worker threads, which print while they do; one
            # call on a blank image waits for all of them inside this filtered window.
            self._pose.process(np.zeros((_WARMUP_PX, _WARMUP_PX, 3), np.uint8))
        self.calls = 0

    def process(self, image_bgr: np.ndarray) -> PoseLandmarks | None:
        cv = cv2()
        rgb = cv.cvtColor(image_bgr, cv.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        with self._filter:
            result = self._pose.process(rgb)
        self.calls += 1
        if result.pose_landmarks is None:
            return None
        h, w = image_bgr.shape[:2]
        lms = result.pose_landmarks.landmark
        xy = np.array([[p.x * w, p.y * h] for p in lms], dtype=np.float64)
        vis = np.array([p.visibility for p in lms], dtype=np.float64)
        return PoseLandmarks(xy_px=xy, visibility=vis, width=w, height=h)

    def close(self) -> None:
        pose, self._pose = self._pose, None
        if pose is not None:
            with self._filter:
                pose.close()
        self._filter.close()


class _MotionAccumulator:
    """Exponentially weighted temporal mean and variance of a small gray image."""

    def __init__(self, config: PoseConfig):
        self.config = config
        self.mean: np.ndarray | None = None
        self.mean_sq: np.ndarray | None = None
        self.last_t: float | None = None
        self.seconds = 0.0

    def add(self, frame: Frame) -> None:
        cfg = self.config
        if self.last_t is not None and frame.t_s - self.last_t < 1.0 / cfg.fallback_sample_hz:
            return
        cv = cv2()
        img = frame.image
        h, w = img.shape[:2]
        small_w = min(cfg.fallback_width_px, w)
        small_h = max(1, int(round(h * small_w / w)))
        gray = cv.cvtColor(img, cv.COLOR_BGR2GRAY) if img.ndim == 3 else img
        gray = cv.resize(gray, (small_w, small_h), interpolation=cv.INTER_AREA).astype(np.float64)
        if self.mean is None or self.mean.shape != gray.shape:
            self.mean, self.mean_sq, self.seconds = gray, gray * gray, 0.0
        else:
            dt = frame.t_s - self.last_t
            a = 1.0 - math.exp(-dt / cfg.fallback_window_s)
            self.mean = self.mean + a * (gray - self.mean)
            self.mean_sq = self.mean_sq + a * (gray * gray - self.mean_sq)
            self.seconds += dt
        self.last_t = frame.t_s

    def std(self) -> np.ndarray:
        if self.mean is None:
            return np.zeros((1, 1))
        return np.sqrt(np.maximum(self.mean_sq - self.mean * self.mean, 0.0))


# ---------------------------------------------------------------------------------------------
# the locator
# ---------------------------------------------------------------------------------------------


class TorsoLocator:
    """Torso regions for every frame: pose every ``interval_s``, held and smoothed in between,
    the motion fallback when pose finds nobody.  Never raises on content; raises
    :class:`ParameterError` when frame times do not strictly increase."""

    def __init__(self, *, config: PoseConfig = DEFAULT.pose):
        self.config = config
        self._pose = _MediapipePose(config)
        self._motion = _MotionAccumulator(config)
        self._held: TorsoRegions | None = None
        self._last_t: float | None = None
        self._last_run_t: float | None = None
        self._last_found_t: float | None = None
        self._last_fallback_t: float | None = None
        self._runs = 0
        self._found = 0
        self._notes: dict[str, str] = {}
        self._landmarks: PoseLandmarks | None = None
        self._motion_stood_out = False
        self._moving_until = -np.inf  # pose follows a moving body closely until then

    # -- public -------------------------------------------------------------------------------

    @property
    def pose_found(self) -> float:
        """Fraction of pose runs that found the person (0 before the first run)."""
        return self._found / self._runs if self._runs else 0.0

    @property
    def person_seen(self) -> bool:
        """True once pose has found a person or the fallback found a region that moves more than
        the rest of the frame; False means nothing in view gave any sign of a person."""
        return self._found > 0 or self._motion_stood_out

    @property
    def pose_runs(self) -> int:
        """How many times pose has run (once per interval_s while tracking, less when searching)."""
        return self._runs

    @property
    def last_landmarks(self) -> PoseLandmarks | None:
        """Landmarks of the latest pose run that found the person (for overlays)."""
        return self._landmarks

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self._notes.values())

    def locate(self, frame: Frame, *, body_moving: bool = False) -> TorsoRegions | None:
        """Regions for this frame (``t_s`` set to the frame's time); None only for an empty image.

        ``body_moving`` (from :attr:`breathcam.signals.motion.MotionTracker.body_moving`) makes the
        regions follow the body closely for the next ``moving_hold_s``.
        """
        if self._last_t is not None and not frame.t_s > self._last_t:
            raise ParameterError(f"frame times must strictly increase: {frame.t_s} after {self._last_t}")
        self._last_t = frame.t_s
        if body_moving:
            self._moving_until = frame.t_s + self.config.moving_hold_s
        img = frame.image
        if img is None or img.ndim < 2 or img.shape[0] < 2 or img.shape[1] < 2:
            return None
        h, w = img.shape[:2]
        t = frame.t_s
        cfg = self.config
        self._motion.add(frame)

        if self._pose_due(t):
            self._run_pose(frame, w, h)
        pose_fresh = self._last_found_t is not None and t - self._last_found_t < cfg.lost_after_s
        if self._held is not None and self._held.method == "pose" and not pose_fresh:
            self._note("lost", f"person lost by pose at {t:.1f} s; regions from motion")
            self._held = None
        if self._held is None or self._held.method == "motion":
            self._update_fallback(t, w, h)
        return replace(self._held, t_s=t)

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> "TorsoLocator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------

    def _note(self, key: str, text: str) -> None:
        self._notes.setdefault(key, text)

    def _pose_due(self, t: float) -> bool:
        if self._last_run_t is None:
            return True
        tracking = self._last_found_t is not None and t - self._last_found_t < self.config.lost_after_s
        interval = self.config.interval_s if tracking else self.config.retry_interval_s
        if tracking and t < self._moving_until:
            interval = self.config.moving_interval_s
        return t - self._last_run_t >= interval

    def _run_pose(self, frame: Frame, w: int, h: int) -> None:
        self._last_run_t = frame.t_s
        self._runs += 1
        try:
            lm = self._pose.process(frame.image)
        except RuntimeError as exc:  # mediapipe graph errors: count as "not found", keep going
            self._note("pose-error", f"pose failed at {frame.t_s:.1f} s: {str(exc).splitlines()[0]}")
            lm = None
        target, notes = (None, ()) if lm is None else regions_from_landmarks(lm, t_s=frame.t_s, config=self.config)
        if target is None:
            return
        self._found += 1
        self._landmarks = lm
        if self._held is not None and self._held.method == "motion" and "fallback" in self._notes:
            self._note("found", f"person found by pose at {frame.t_s:.1f} s")
        self._last_found_t = frame.t_s
        for text in notes:
            self._note(text, text)
        # a moving body is followed as pose sees it; a still one is smoothed (regions must not breathe)
        following = frame.t_s < self._moving_until
        self._held = target if following else smooth_regions(self._held, target, config=self.config)

    def _update_fallback(self, t: float, w: int, h: int) -> None:
        cfg = self.config
        if self._held is not None and t - self._last_fallback_t < cfg.fallback_update_s:
            return
        self._last_fallback_t = t
        self._note("fallback", "no person found by pose; torso located from motion")
        if self._motion.seconds < cfg.fallback_min_s:
            target = central_regions(width=w, height=h, t_s=t, config=cfg)
        else:
            target, moving = motion_regions(self._motion.std(), width=w, height=h, t_s=t, config=cfg)
            self._motion_stood_out |= bool(moving)
            if not moving:
                self._note("central", "no motion stands out; torso assumed in the centre of the frame")
        self._held = smooth_regions(self._held, target, config=cfg)
