"""Torso regions (chest, belly, shoulders, head) from mediapipe pose, checked against the
person's outline, with outline and motion fallbacks.

:class:`TorsoLocator` is called for every frame and returns where to measure breathing::

    locator = TorsoLocator()
    for frame in source:
        regions = locator.locate(frame, body_moving=tracker.body_moving)  # stable between pose runs

Pose (mediapipe's BlazePose "full" model, tracking the person from run to run: through the legacy
``mp.solutions`` API of mediapipe 0.10.21 on CPython 3.11-3.12, through the Tasks
``PoseLandmarker`` with the model shipped in ``models/`` on 3.13 and later, see
:func:`mediapipe_api`) runs once per
``PoseConfig.interval_s`` (optionally longer, up to ``steady_interval_s``, while its runs find the
torso where it is held); between runs the regions are held, and each run moves them only part
of the way (``smoothing``) so they do not breathe with the person.  A body that moves (a squat,
a lift; the caller passes the motion tracker's word for it) is followed instead: pose runs every
``moving_interval_s`` and its regions are used as they come, until ``moving_hold_s`` after the
last move.  The geometry is pure:
:func:`regions_from_landmarks` turns 33 landmarks into boxes in the torso's own frame (shoulder
line to hip line), so a tilted or lying person gets boxes along their torso.  Hips are usually
out of frame at a desk: the torso length is then estimated from the shoulder width and the
head-to-shoulder drop, in a side view from the hanging upper arm (anthropometric ratios
documented in config.py), and boxes are clipped.  A side view (shoulder points overlapping, or
pose's depths turning the shoulder line out of the picture) with a known facing (the nose, else
which shoulder is farther) gets its chest and belly boxes over the front of the torso, ahead of
the hanging arm.

The person's **outline** comes from mediapipe's selfie-segmentation model (also shipped in
``models/``) once per ``outline_interval_s`` (:class:`Outline`, :func:`person_outline`).  It

- centres pose's input: in a landscape frame pose sees a square crop around the person, which
  its face-driven detector finds far more often (and at the right scale) when the head is cut;
- rejects pose torsos far smaller than the person (:func:`outline_dwarfs_torso`: a "torso" in a
  neckline, a side-view skeleton squashed by mediapipe's tracking), after which pose's tracking is
  reset so the next run detects afresh;
- puts side-view boxes on the body's front contour (:func:`front_contour`);
- keeps pose's regions while pose misses a person whose outline still covers them;
- places the torso by itself when pose finds nobody (:func:`regions_from_outline`,
  :func:`outline_shape`): shoulder line where the outline widens (below a neck in profile), or the
  frame's top edge; the view from the outline's width over its height below the shoulders and, when
  a head shows, the head's width over the torso's (a side view is half as wide as a front view; a
  head is a third of the shoulders' width but most of the chest's depth), "unknown" when these
  disagree or say nothing; torso length from the body's width (front) or depth (side).  A side
  view faces the edge that breathes (:func:`wall_motion`: the motion map along each edge of the
  outline, summed over the outlines since the side view began) and then gets pose's side-view boxes
  on the front contour (:func:`torso_boxes`, shared with pose); until the facing is clear its boxes
  span the body's depth.

Without a usable outline the regions come from :func:`motion_regions`: the bounding box of the
strongest temporal spread of intensity over the last seconds (the chest moves, the wall does not;
the interquartile range, so a clap, a hand or a knock to the camera leaves no trace), split into
upper half = chest, lower half = belly; the centre of the frame when nothing stands out.  Pose is
retried every ``interval_s`` while an outline shows a person, every ``retry_interval_s`` otherwise.

Where it fails: the outline model misses clothing it does not take for a person (a spacesuit, a
dark suit filling the frame with no background) and clothing of the background's colour (a white
shirt against a white wall: side-view boxes then stay where the body's proportions put them).
Outline-only regions rest on proportions: the view stays unknown for a whole body seen from the
front (narrow, but its head says front) and for someone side-on at a desk (arms forward: short and
wide, but the head says side), and comes out wrong for a side view cut short above the belly with
the head out of frame (wide for its height: read as front) or a front view down to the feet with
the head cut (narrow: read as side); the torso length is the body's width or depth by proportion
(wrong with something wide held, a chair back in the outline, a big belly in profile); a side
view's shoulder line is the frame's top edge when the head shows without a narrower neck below it
(the boxes then sit high).  The facing of a side view needs breathing to move one edge more than
the other: standing sway, a long breath hold from the start or hands, hair, a screen or a passer-by
moving at one edge keep it unknown (boxes over the whole depth) or, rarely, make it wrong (boxes on
the back); a person who turns round while the outline never sees them from the front keeps the old
facing until the new one outweighs it.  The motion fallback cannot tell a breathing chest from
steady motion (a fan, a pet, gestures) and takes a whole swaying body as the torso; torso length
from proportions is wrong for unusual bodies or postures (the belly box then sits too high or
low); the facing from the shoulders' depths rests on mediapipe telling left from right in a
headless profile.  ``notes`` says which of these happened.
"""

from __future__ import annotations

import importlib
import math
import os
import re
import sys
import tempfile
import types
from collections import deque
from dataclasses import dataclass, replace
from enum import IntEnum

import numpy as np

from breathcam._deps import cv2, require
from breathcam.config import DEFAULT, PoseConfig
from breathcam.types import BreathcamError, Box, Frame, ParameterError, TorsoRegions


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
    r"gl_context(_egl)?\.cc|GL version:|face_landmarker_graph\.cc|"
    # the Tasks API (LiteRT) of mediapipe 1.x
    r"accelerator_registry\.cc|cpu_registry\.cc|compiled_model\.cc|environment\.cc|"
    r"Sparsity tensors may not yet be fully supported|inference_runner_litert\.cc|Logging before InitGoogle"
)


@dataclass(frozen=True)
class PoseLandmarks:
    """One pose result in pixels: ``xy_px`` (33x2), ``visibility`` (33,) in 0..1 and, when known,
    ``depth_px`` (33,): mediapipe's depth relative to the hips' midpoint, larger = farther."""

    xy_px: np.ndarray
    visibility: np.ndarray
    width: int
    height: int
    # mediapipe's relative depth of each landmark in pixels (larger = farther), None when unknown
    depth_px: np.ndarray | None = None

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


def classify_view(
    *, sep_px: float, both_shoulders: bool, length_px: float | None, width: int, config: PoseConfig,
    rotation_deg: float | None = None,
) -> str:
    """"front", "side" or "unknown" from the shoulder separation relative to the torso length.

    ``length_px`` must not come from the shoulder width itself (hips or head drop); without it
    the view is "front" only when the shoulders span ``front_min_width_fraction`` of the frame.
    ``rotation_deg``, the shoulder line's turn out of the picture (from pose's depths), makes it
    "side" when at least ``side_min_rotation_deg``.
    """
    if rotation_deg is not None and rotation_deg >= config.side_min_rotation_deg:
        return "side"
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
    sep = float(np.linalg.norm(xy[ls] - xy[rs]))
    rotation = None  # the shoulder line's turn out of the picture, from pose's depths
    if lm.depth_px is not None:
        rotation = math.degrees(math.atan2(abs(float(lm.depth_px[ls] - lm.depth_px[rs])), sep))
    if len(shoulders) == 1 and rotation is not None and rotation <= config.front_max_rotation_deg:
        # the other shoulder is just outside the frame, not hidden behind the body
        if min(lm.visibility[ls], lm.visibility[rs]) >= mv:
            shoulders = [ls, rs]
    both = len(shoulders) == 2
    origin = xy[shoulders].mean(axis=0)
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
    # Upper arm hanging along an upright torso: seen at full length in a side view.
    arm_len = None
    cos_arm = math.cos(math.radians(config.max_arm_from_down_deg))
    for sh, el in ((ls, Landmark.LEFT_ELBOW), (rs, Landmark.RIGHT_ELBOW)):
        if seen(sh) and seen(el):
            arm = xy[el] - xy[sh]
            n = float(np.linalg.norm(arm))
            if n > 0 and arm[1] / n >= cos_arm:
                arm_len = max(arm_len or 0.0, n * config.torso_per_upper_arm)
    independent = hip_len or (max(head_len or 0.0, arm_len or 0.0) or None)
    view = classify_view(
        sep_px=sep, both_shoulders=both, length_px=independent, width=lm.width, config=config, rotation_deg=rotation
    )
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
    elif view != "front" and arm_len:
        length = arm_len  # side view: the visible arm, not the head drop (see torso_per_upper_arm)
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
    elif view == "side" and lm.depth_px is not None and abs(v[0]) > 0.5:
        # nose out of frame: the person faces +x when their left shoulder is the farther one
        dz = float(lm.depth_px[ls] - lm.depth_px[rs])
        if abs(dz) >= config.facing_min_depth * length:
            facing = math.copysign(1.0, dz * v[0])
    return _TorsoFrame(origin, u, v, length, sep, view, hip_len is not None, facing)


def torso_boxes(
    origin: np.ndarray, u: np.ndarray, v: np.ndarray, *, length_px: float, sep_px: float, view: str, facing: float,
    outline: "Outline | None" = None, config: PoseConfig = DEFAULT.pose,
) -> tuple[Box, Box, Box, tuple[str, ...]]:
    """Chest, belly and shoulder boxes (pixels, not yet fitted to the image) in a torso's own frame.

    ``origin`` is the shoulder line's middle, ``u`` the unit vector down the torso, ``v`` across
    it, ``length_px`` the torso length and ``sep_px`` the shoulder-point separation.  A front view
    gets boxes between the shoulders.  Any other view gets boxes the body's depth wide
    (``side_depth``), or, in a side view whose ``facing`` (the side of ``v`` the person faces, 0
    unknown) is known, boxes over the front of the torso (``side_box_front``, ``side_box_depth``);
    with the person's ``outline`` those go onto its front contour (:func:`front_contour`) where
    that contour lies where a torso's front wall can be.  Both pose (:func:`regions_from_landmarks`)
    and the outline alone (:func:`regions_from_outline`) place their boxes here.
    """
    L, sep = float(length_px), float(sep_px)
    notes = []
    if view == "front":
        chest_half, belly_half, shift = 0.5 * config.chest_width * sep, 0.5 * config.belly_width * sep, 0.0
        band_half = 0.5 * sep + config.shoulder_margin * sep
    else:
        depth = config.side_depth * L
        chest_half = max(0.5 * config.chest_width * sep, 0.5 * depth)
        belly_half = max(0.5 * config.belly_width * sep, 0.5 * depth)
        shift = facing * config.side_front_shift * depth
        band_half = max(0.5 * sep + config.shoulder_margin * sep, 0.5 * depth)
    forward = view == "side" and facing != 0
    if forward:
        # over the front of the torso: chest and belly walls, not the arm (see side_box_front)
        chest_half = belly_half = 0.5 * config.side_box_depth * L
        shift = facing * (config.side_box_front - 0.5 * config.side_box_depth) * L

    def torso_box(a0, a1, half, b_shift=0.0):
        return _box_from_torso(origin, u, v, a0=a0 * L, a1=a1 * L, b0=b_shift - half, b1=b_shift + half)

    chest = torso_box(config.chest_top, config.chest_bottom, chest_half, shift)
    belly = torso_box(config.belly_top, config.belly_bottom, belly_half, shift)
    if forward and outline is not None and abs(v[0]) > 0.5:
        fx = math.copysign(1.0, facing * v[0])  # image direction the person faces

        def on_contour(b: Box) -> Box | None:
            xf = front_contour(outline, b.y0, b.y1, forward_x=fx, config=config)
            if xf is None or not config.side_front_min <= (xf - origin[0]) * fx / L <= config.side_front_max:
                return None
            front = xf + fx * config.side_contour_margin * L
            back = front - fx * config.side_box_depth * L
            return Box(min(front, back), b.y0, max(front, back), b.y1)

        moved = [on_contour(chest), on_contour(belly)]
        chest, belly = moved[0] or chest, moved[1] or belly
        if any(moved):
            notes.append("side view: chest and belly regions placed on the front contour of the body's outline")
    shoulders = torso_box(-config.shoulder_above, config.shoulder_below, band_half)
    return chest, belly, shoulders, tuple(notes)


def regions_from_landmarks(
    lm: PoseLandmarks, *, t_s: float, config: PoseConfig = DEFAULT.pose, outline: "Outline | None" = None
) -> tuple[TorsoRegions | None, tuple[str, ...]]:
    """Chest, belly, shoulder and head boxes (pixels, inside the image) from one pose result.

    With the person's ``outline`` (same frame size), a side view whose facing is known gets its
    chest and belly boxes on the outline's front contour (:func:`front_contour`).
    Returns (None, ()) when the landmarks do not allow a torso (no shoulder seen, no scale).
    """
    tf = _torso_frame(lm, config)
    if tf is None:
        return None, ()
    W, H, L = lm.width, lm.height, tf.length_px
    chest, belly, shoulders, box_notes = torso_boxes(
        tf.origin, tf.u, tf.v, length_px=L, sep_px=tf.sep_px, view=tf.view, facing=tf.facing, outline=outline,
        config=config,
    )
    notes = list(box_notes)
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
        facing=_image_facing(tf.view, tf.facing, tf.v),
    )
    return regions, tuple(notes)


def _image_facing(view: str, facing: float, v: np.ndarray) -> float:
    """+1/-1 when a side view faces +x/-x in the image (``facing`` is the side of ``v``), else 0."""
    if view != "side" or not facing or abs(float(v[0])) <= 0.5:
        return 0.0
    return math.copysign(1.0, facing * float(v[0]))


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


# ---------------------------------------------------------------------------------------------
# the person's outline (pure geometry on a segmentation mask)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outline:
    """The person's outline: the largest person area of a segmentation, as a boolean ``mask`` at a
    reduced scale, for a ``width`` x ``height`` frame.  Built by :func:`person_outline`."""

    mask: np.ndarray
    width: int
    height: int
    t_s: float = 0.0
    # True when the area reaches the frame's bottom edge (a torso continues below the picture)
    grounded: bool = False
    # the model's per-pixel probability of "person", same shape as mask (None when not kept)
    probability: np.ndarray | None = None

    @property
    def sx(self) -> float:
        return self.width / self.mask.shape[1]

    @property
    def sy(self) -> float:
        return self.height / self.mask.shape[0]

    def _row_range(self, y0: float, y1: float) -> tuple[int, int]:
        h = self.mask.shape[0]
        r0 = int(np.clip(math.floor(y0 / self.sy), 0, h - 1))
        r1 = int(np.clip(math.ceil(y1 / self.sy), r0 + 1, h))
        return r0, r1

    def row_widths(self, y0: float, y1: float) -> np.ndarray:
        """Width of the person (pixels of the frame) in each mask row between frame rows y0 and y1."""
        r0, r1 = self._row_range(y0, y1)
        return self.mask[r0:r1].sum(axis=1) * self.sx

    def coverage(self, box: Box) -> float:
        """Share of the box's area that lies on the person."""
        b = box.clipped(self.width, self.height)
        c0, c1 = int(math.floor(b.x0 / self.sx)), int(math.ceil(b.x1 / self.sx))
        r0, r1 = self._row_range(b.y0, b.y1)
        block = self.mask[r0:r1, max(0, c0) : max(c0 + 1, c1)]
        return float(block.mean()) if block.size else 0.0

    def body_width(self) -> float:
        """The person's width across the shoulders and arms: 90th percentile of the row widths."""
        w = self.mask.sum(axis=1)
        w = w[w > 0]
        return float(np.percentile(w, 90)) * self.sx if len(w) else 0.0

    def centre_x(self) -> float:
        cols = self.mask.sum(axis=0).astype(np.float64)
        total = float(cols.sum())
        if total <= 0:
            return 0.5 * self.width
        return float((np.arange(len(cols)) + 0.5) @ cols / total) * self.sx


def person_outline(
    probability: np.ndarray, *, width: int, height: int, t_s: float = 0.0, config: PoseConfig = DEFAULT.pose
) -> Outline | None:
    """The largest person area of a segmentation (per-pixel probability of "person", any size,
    mapped onto a ``width`` x ``height`` frame); None when it covers less than ``outline_min_area``."""
    prob = np.asarray(probability, dtype=np.float32)
    if prob.ndim != 2 or prob.size == 0 or not np.all(np.isfinite(prob)):
        return None
    binary = (prob >= config.outline_threshold).astype(np.uint8)
    if binary.sum() < config.outline_min_area * binary.size:
        return None
    n, labels, stats, _ = cv2().connectedComponentsWithStats(binary, connectivity=8)
    if n <= 1:
        return None
    best = 1 + int(np.argmax(stats[1:, 4]))
    if stats[best, 4] < config.outline_min_area * binary.size:
        return None
    mask = labels == best
    bottom = int(stats[best, 1] + stats[best, 3])  # one past the lowest row
    grounded = bottom >= (1.0 - config.outline_bottom_margin) * mask.shape[0]
    return Outline(mask=mask, width=int(width), height=int(height), t_s=float(t_s), grounded=bool(grounded), probability=prob)


def front_contour(outline: Outline, y0: float, y1: float, *, forward_x: float, config: PoseConfig = DEFAULT.pose) -> float | None:
    """The outline's front edge (image x, the median over the frame rows y0..y1) on the side the
    person faces (``forward_x`` +1: +x).  In each row the edge is followed out from the person's
    area over pixels the model still gives ``outline_soft_threshold`` (clothing of the
    background's colour).  None when under half the rows hold the person."""
    r0, r1 = outline._row_range(y0, y1)
    rows = outline.mask[r0:r1]
    has = rows.any(axis=1)
    if has.sum() < max(1, 0.5 * len(rows)):
        return None
    w = rows.shape[1]
    soft = outline.probability[r0:r1] >= config.outline_soft_threshold if outline.probability is not None else rows
    edges = []
    for k in np.flatnonzero(has):
        if forward_x > 0:
            x = w - 1 - int(np.argmax(rows[k, ::-1]))  # last person pixel
            beyond = soft[k, x + 1 :]
            run = int(np.argmin(beyond)) if len(beyond) and not beyond.all() else len(beyond)
            edges.append(x + 1 + run)
        else:
            x = int(np.argmax(rows[k]))
            before = soft[k, :x][::-1]
            run = int(np.argmin(before)) if len(before) and not before.all() else len(before)
            edges.append(x - run)
    return float(np.median(edges)) * outline.sx


def outline_dwarfs_torso(
    regions: TorsoRegions, outline: Outline | None, *, landmarks: PoseLandmarks | None = None,
    config: PoseConfig = DEFAULT.pose,
) -> bool:
    """True when pose's torso is far smaller than the person's outline: a false detection (a
    "torso" in a neckline) or a skeleton squashed by mediapipe's tracking.

    Side view: the outline at the chest and belly rows (median width) spans more than
    ``max_outline_per_torso_side`` torso lengths.  Front or unknown view (needs ``landmarks``):
    pose's shoulder points lie far inside the outline at their own height, closer together than
    ``min_shoulders_per_outline`` of its width there.  An outline that misses part of the person
    (clothing the model does not recognise) only makes it narrower, so it cannot make pose wrongly
    rejected that way; an object held at the side widens the arms' rows, not the shoulders'.
    """
    if outline is None or not regions.torso_px:
        return False
    if regions.view == "side":
        y1 = regions.belly.y1 if regions.belly_in_view else regions.chest.y1
        widths = outline.row_widths(regions.chest.y0, y1)
        widths = widths[widths > 0]
        return len(widths) > 0 and float(np.median(widths)) > config.max_outline_per_torso_side * float(regions.torso_px)
    if landmarks is None:
        return False
    a, b = landmarks.xy_px[Landmark.LEFT_SHOULDER], landmarks.xy_px[Landmark.RIGHT_SHOULDER]
    sep = float(np.linalg.norm(a - b))
    y = 0.5 * float(a[1] + b[1])
    half = 0.05 * float(regions.torso_px)  # a few rows around the shoulder line
    widths = outline.row_widths(y - half, y + half)
    widths = widths[widths > 0]
    return len(widths) > 0 and sep < config.min_shoulders_per_outline * float(np.median(widths))


@dataclass(frozen=True)
class OutlineShape:
    """What the person's outline alone says about the torso (:func:`outline_shape`), in frame pixels.

    ``view`` is "front", "side" or "unknown"; ``shoulder_y`` the shoulder line (0 with ``cut``: the
    frame's top edge cuts head and shoulders); ``length_px`` the torso length; ``centre_x`` the
    middle of the body over the chest rows; ``width_px`` the body's width (front: across shoulders
    and arms, the 90th percentile of the row widths) or depth (side: the median over the chest and
    belly rows); ``head`` the part above the shoulder line (None when nothing is).  ``aspect`` and
    ``head_ratio`` are the evidence for the view (see ``outline_side_max_aspect`` and
    ``outline_head_front_max``; ``head_ratio`` None when no head is seen).
    """

    view: str
    shoulder_y: float
    cut: bool
    length_px: float
    centre_x: float
    width_px: float
    head: Box | None
    aspect: float
    head_ratio: float | None


def _middle_x(outline: Outline, y0: float, y1: float) -> float | None:
    """The middle of the outline's extent (median over the frame rows y0..y1), None when empty."""
    r0, r1 = outline._row_range(y0, y1)
    band = outline.mask[r0:r1]
    band = band[band.any(axis=1)]
    if not len(band):
        return None
    first = np.argmax(band, axis=1)
    last = band.shape[1] - 1 - np.argmax(band[:, ::-1], axis=1)
    return float(np.median(0.5 * (first + last + 1))) * outline.sx


def _view_from(votes: tuple[str | None, ...]) -> str:
    """One view when the evidence agrees (None: no evidence), "unknown" when it conflicts or is absent."""
    seen = {v for v in votes if v is not None}
    return seen.pop() if len(seen) == 1 else "unknown"


def _head_width(widths: np.ndarray) -> float | None:
    """The head's width from the outline's row widths above the shoulder line: the widest row in
    their upper part, with a narrower row (the neck) below it; None when the outline only widens
    downwards there (a neck or the shoulders' slope cut by the frame: no head)."""
    n = len(widths)
    if n < 3:
        return None
    peak = int(np.argmax(widths[: max(1, int(round(0.6 * n)))]))  # the head's widest row, above the neck
    neck = peak + int(np.argmin(widths[peak:]))
    return float(widths[peak]) if neck > peak and widths[neck] < widths[peak] else None


def outline_shape(outline: Outline | None, *, config: PoseConfig = DEFAULT.pose) -> OutlineShape | None:
    """The view, shoulder line and torso length from the person's outline alone (pose found nobody).

    The shoulder line is the first row from the top where the outline spans
    ``outline_shoulder_fraction`` of its body width, below the neck when the frame's top row is
    already that wide and the outline narrows to a neck under it (a head seen in profile, as deep as
    the torso); without a neck, a top row that wide is a torso cut by the frame (``cut``).  The view
    comes from two pieces of evidence that hold for people and cameras in general, not from the
    frame: the outline's width below the shoulder line over its height there (a body seen side-on
    is half as deep as it is wide from the front: ``outline_side_max_aspect``), and, when a head is
    seen above the shoulders, its width over the torso's (a head is a third of the shoulders' width
    but most of the chest's depth: ``outline_head_front_max``).  When they disagree (a whole body
    from the front is narrow; a person side-on at a desk, arms forward, is short and wide) or say
    nothing, the view is "unknown".  The torso length is the body width by proportion
    (``outline_width_per_torso``) unless the view is side, then the body's depth over the chest and
    belly rows (``outline_side_depth_per_torso``).  None for an outline that does not reach the
    frame's bottom (a head alone, a patch of clothing).
    """
    if outline is None or not outline.grounded:
        return None
    sx, sy = outline.sx, outline.sy
    widths = outline.mask.sum(axis=1) * sx
    rows = np.flatnonzero(widths > 0)
    body = outline.body_width()
    if len(rows) == 0 or body <= 0:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    wide = widths >= config.outline_shoulder_fraction * body
    shoulder_row = int(np.flatnonzero(wide)[0])
    # a head as deep as the torso (a profile) is that wide already: a neck below it, narrower than
    # the head, then the torso, wider than the head, show where the shoulders are
    search = min(bottom, top + max(2, int(math.ceil(config.outline_neck_search * body / sy))))
    if shoulder_row < search:
        running = np.maximum.accumulate(widths[shoulder_row:search])
        narrow = np.flatnonzero(widths[shoulder_row:search] <= config.outline_neck_fraction * running)
        if len(narrow):
            neck = shoulder_row + int(narrow[0])
            below = np.flatnonzero(wide[neck:search])
            # a head is narrower than the torso under it (a torso that narrows and widens again,
            # at the waist or where the outline has gaps, is not)
            if len(below) and running[neck - shoulder_row] <= config.outline_cut_head_max * float(
                np.median(widths[neck + int(below[0]) : bottom])
            ):
                shoulder_row = neck + int(below[0])
    cut = shoulder_row == top and top == 0
    y_sh = 0.0 if cut else (shoulder_row + 0.5) * sy
    head = None
    head_ratio = None
    torso_w = float(np.median(widths[shoulder_row:bottom]))
    visible = (bottom - shoulder_row) * sy
    if shoulder_row > top:
        head_rows = outline.mask[top:shoulder_row]
        cols = np.flatnonzero(head_rows.any(axis=0))
        head = Box(cols[0] * sx, top * sy, (cols[-1] + 1) * sx, shoulder_row * sy)
        head_w = _head_width(widths[top:shoulder_row])
        if head_w is not None and head.height >= config.outline_head_min_height * body and torso_w > 0:
            head_ratio = head_w / torso_w
    aspect = torso_w / visible if visible > 0 else 0.0
    by_aspect = (
        "side" if aspect <= config.outline_side_max_aspect
        else "front" if aspect >= config.outline_front_min_aspect else None
    )
    by_head = None
    if head_ratio is not None:
        by_head = (
            "front" if head_ratio <= config.outline_head_front_max
            else "side" if head_ratio >= config.outline_head_side_min else None
        )
    view = _view_from((by_aspect, by_head))
    if view == "side":
        # the body's depth over the chest and belly rows (refined once: those rows depend on it)
        depth = torso_w
        for _ in range(2):
            L = depth / config.outline_side_depth_per_torso
            d = outline.row_widths(y_sh + config.chest_top * L, y_sh + config.belly_bottom * L)
            d = d[d > 0]
            if len(d):
                depth = float(np.median(d))
        width, L = depth, depth / config.outline_side_depth_per_torso
    else:
        width, L = body, body / config.outline_width_per_torso
    cx = _middle_x(outline, y_sh + config.chest_top * L, y_sh + config.chest_bottom * L)
    return OutlineShape(
        view=view, shoulder_y=y_sh, cut=cut, length_px=float(L), centre_x=outline.centre_x() if cx is None else cx,
        width_px=float(width), head=head, aspect=float(aspect), head_ratio=head_ratio,
    )


def wall_motion(
    outline: Outline, spread: np.ndarray, still: np.ndarray, *, y0: float, y1: float, config: PoseConfig = DEFAULT.pose
) -> np.ndarray:
    """How far the outline's left and right edges move, as sums to accumulate over time.

    ``spread`` is the motion map (each pixel's robust temporal spread, :class:`_MotionAccumulator`)
    and ``still`` an image of the same size (the median frame); both are mapped onto the outline's
    frame.  Over the frame rows y0..y1, within ``facing_wall_window_px`` of each edge, an edge moving
    by d pixels spreads a pixel by about |gradient| x d, so ``(sum(spread |g|), sum(g^2))`` per edge
    is a least-squares estimate of d in parts that add up over time.  Returns
    ``[left_num, left_den, right_num, right_den]`` (see :func:`facing_from_walls`).
    """
    out = np.zeros(4)
    spread = np.asarray(spread, np.float64)
    still = np.asarray(still, np.float64)
    if spread.ndim != 2 or spread.shape != still.shape or min(spread.shape) < 2:
        return out
    mh, mw = spread.shape
    g = np.abs(np.gradient(still, axis=1))
    k = int(config.facing_wall_window_px)
    r0, r1 = outline._row_range(y0, y1)
    mask = outline.mask
    for r in range(r0, r1):
        row = mask[r]
        if not row.any():
            continue
        y = min(mh - 1, int((r + 0.5) * outline.sy * mh / outline.height))
        left = int(np.argmax(row)) * outline.sx
        right = (len(row) - int(np.argmax(row[::-1]))) * outline.sx
        for i, x in ((0, left), (2, right)):
            c = int(x * mw / outline.width)
            a, b = max(0, c - k), min(mw, c + k + 1)
            out[i] += float(spread[y, a:b] @ g[y, a:b])
            out[i + 1] += float(g[y, a:b] @ g[y, a:b])
    return out


def wall_columns(
    outline: Outline, *, y0: float, y1: float, map_width: int, config: PoseConfig = DEFAULT.pose
) -> list[tuple[int, int]]:
    """The column ranges (pixels of a motion map ``map_width`` wide) that :func:`wall_motion`
    reads for the frame rows y0..y1: around the outline's left and right edges."""
    r0, r1 = outline._row_range(y0, y1)
    rows = outline.mask[r0:r1]
    rows = rows[rows.any(axis=1)]
    if not len(rows):
        return []
    scale = outline.sx * map_width / outline.width
    left = np.argmax(rows, axis=1) * scale
    right = (rows.shape[1] - np.argmax(rows[:, ::-1], axis=1)) * scale
    pad = int(config.facing_wall_window_px) + 2  # the window, and the image's gradient around it
    return [(int(e.min()) - pad, int(e.max()) + pad + 1) for e in (left, right)]


def facing_from_walls(walls: np.ndarray, *, config: PoseConfig = DEFAULT.pose) -> float:
    """+1 (the person faces +x) when the right edge moves at least ``facing_min_wall_ratio`` times
    as far as the left (summed :func:`wall_motion`), -1 the other way round, else 0."""
    ln, ld, rn, rd = (float(x) for x in walls)
    if ld <= 0 or rd <= 0 or ln <= 0 or rn <= 0:
        return 0.0
    ratio = (rn / rd) / (ln / ld)
    if ratio >= config.facing_min_wall_ratio:
        return 1.0
    if ratio <= 1.0 / config.facing_min_wall_ratio:
        return -1.0
    return 0.0


def regions_from_outline(
    outline: Outline | None, *, t_s: float, config: PoseConfig = DEFAULT.pose, facing: float = 0.0,
    shape: OutlineShape | None = None,
) -> tuple[TorsoRegions | None, tuple[str, ...]]:
    """Chest, belly, shoulder and head boxes from the person's outline alone (pose found nobody).

    The view, shoulder line and torso length come from :func:`outline_shape` (or ``shape``, when
    already computed).  A front or unknown view gets boxes as pose's from the front, centred on the
    middle of the outline at the chest, with a shoulder separation proportional to the body width.
    A side view gets pose's side-view boxes (:func:`torso_boxes`, the shoulder points at the middle
    of the body's depth): over the front of the torso, on the outline's front contour, when
    ``facing`` says which way the person faces (+1: +x, -1: -x in the image; from
    :func:`facing_from_walls`), else the body's whole depth wide.  Returns (None, ()) for an
    outline that does not reach the frame's bottom (a head alone, a patch of clothing).
    """
    shape = outline_shape(outline, config=config) if shape is None else shape
    if shape is None:
        return None, ()
    W, H = outline.width, outline.height
    L, side = shape.length_px, shape.view == "side"
    notes = []
    if side:
        facing = float(np.sign(facing))
        sep = 0.0  # in profile the shoulder points overlap
        if facing:
            way = "right" if facing > 0 else "left"
            notes.append(
                f"the person's outline shows them side-on, facing the {way} of the picture (the side that "
                "breathes): chest and belly regions on the front of the body"
            )
        else:
            notes.append(
                "the person's outline shows them side-on, but not yet which way they face: chest and belly "
                "regions span the body's whole depth"
            )
    else:
        facing = 0.0
        sep = config.outline_shoulders_per_width * shape.width_px
        if shape.view == "front":
            notes.append("the person's outline shows them from the front: chest and belly placed by body proportions")
        else:
            notes.append(
                "the person's outline does not show whether they face the camera or stand side-on: chest and "
                "belly placed by body proportions, as for a front view"
            )
    # torso frame: origin on the shoulder line, u down the image, v = (-1, 0) across it
    origin, u, v = np.array([shape.centre_x, shape.shoulder_y]), np.array([0.0, 1.0]), np.array([-1.0, 0.0])
    chest, belly, band, box_notes = torso_boxes(
        origin, u, v, length_px=L, sep_px=sep, view="side" if side else "front", facing=-facing,
        outline=outline, config=config,
    )
    notes += box_notes
    belly_in_view = inside_fraction(belly, width=W, height=H) >= config.min_inside_fraction
    if not belly_in_view:
        notes.append("belly region mostly outside the frame; breathing measured on the chest only")
    fit = dict(width=W, height=H, min_px=config.min_box_px)
    shoulders, reference = None, None
    if shape.cut:
        notes.append("head and shoulders above the frame: the shoulder line is taken at the frame's top edge")
    else:
        shoulders = fit_box(band, **fit)
        head = shape.head
        if head is not None and min(head.width, head.height) >= config.min_box_px:
            reference = fit_box(head, **fit)
    regions = TorsoRegions(
        t_s=t_s,
        chest=fit_box(chest, **fit),
        belly=fit_box(belly, **fit),
        shoulders=shoulders,
        reference=reference,
        view=shape.view,
        method="motion",
        confidence=config.outline_confidence,
        belly_in_view=belly_in_view,
        torso_px=float(L),
        facing=facing,
    )
    return regions, tuple(notes)


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


def regions_steady(held: TorsoRegions | None, target: TorsoRegions, *, config: PoseConfig = DEFAULT.pose) -> bool:
    """Whether ``target`` puts the chest and belly where ``held`` has them: same method, view and
    facing, each box's centre and sides within ``steady_fraction`` of its size."""
    if held is None or (held.method, held.view, held.facing) != (target.method, target.view, target.facing):
        return False
    f = config.steady_fraction
    for a, b in ((held.chest, target.chest), (held.belly, target.belly)):
        if (a is None) != (b is None):
            return False
        if a is None:
            continue
        w, h = max(a.width, 1.0), max(a.height, 1.0)
        (ax, ay), (bx, by) = a.center, b.center
        if abs(bx - ax) > f * w or abs(by - ay) > f * h or abs(b.width - a.width) > f * w or abs(b.height - a.height) > f * h:
            return False
    return True


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


class _DeferredModule(types.ModuleType):
    """Stands in for a module until an attribute of it is read, then imports the real one."""

    def __getattr__(self, name: str):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _import_mediapipe():
    """``import mediapipe``, without the matplotlib.pyplot that its solutions' drawing helpers
    import at load time (for a 3-D plot breathcam never draws): over a second of CPU in every
    process, about a tenth of a one-minute clip's analysis.  While mediapipe loads, a stand-in
    that imports the real pyplot on first use takes its place; it is withdrawn afterwards, so any
    later ``import matplotlib.pyplot`` gets the real module."""
    name = "matplotlib.pyplot"
    if "mediapipe" in sys.modules or name in sys.modules:
        return require("mediapipe")
    stand_in = _DeferredModule(name)
    sys.modules[name] = stand_in
    try:
        return require("mediapipe")
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


def mediapipe_api(config: PoseConfig = DEFAULT.pose) -> str:
    """The mediapipe API pose and the outline run on, "tasks" or "solutions" (``mediapipe_api``).

    "auto" takes the legacy solutions where the installed mediapipe has them (0.10.21 and older,
    whose wheel carries the models), else the Tasks API with the models in ``models/``."""
    if config.mediapipe_api not in ("auto", "tasks", "solutions"):
        raise ParameterError(f"mediapipe_api must be auto, tasks or solutions, not {config.mediapipe_api!r}")
    _quiet_mediapipe_logging()
    quiet = _StderrFilter()
    try:
        with quiet:
            mp = _import_mediapipe()
    finally:
        quiet.close()
    legacy = hasattr(mp, "solutions") and hasattr(mp.solutions, "pose")
    if config.mediapipe_api == "solutions" and not legacy:
        raise BreathcamError(
            f"mediapipe {getattr(mp, '__version__', '?')} has no legacy solutions API; "
            'use mediapipe_api="tasks" (or "auto"), or install mediapipe==0.10.21 on Python 3.9-3.12'
        )
    if config.mediapipe_api == "solutions" or (config.mediapipe_api == "auto" and legacy):
        return "solutions"
    return "tasks"


def _open_pose(config: PoseConfig):
    return _SolutionsPose(config) if mediapipe_api(config) == "solutions" else _TasksPose(config)


def _open_outline(config: PoseConfig, stderr_filter: _StderrFilter):
    if mediapipe_api(config) == "solutions":
        return _SolutionsOutline(config, stderr_filter)
    return _TasksOutline(config, stderr_filter)


def _landmarks(points, *, crop: tuple[int, int, int, int], width: int, height: int) -> PoseLandmarks:
    """mediapipe's normalised landmarks of a crop (x, y, z, visibility each) in the whole image's pixels."""
    x0, y0, x1, y1 = crop
    cw, ch = x1 - x0, y1 - y0
    xy = np.array([[x0 + p.x * cw, y0 + p.y * ch] for p in points], dtype=np.float64)
    vis = np.array([p.visibility if p.visibility is not None else 0.0 for p in points], dtype=np.float64)
    depth = np.array([p.z * cw for p in points], dtype=np.float64)  # z shares x's scale
    return PoseLandmarks(xy_px=xy, visibility=vis, width=width, height=height, depth_px=depth)


def _rgb(image_bgr: np.ndarray, crop: tuple[int, int, int, int]) -> np.ndarray:
    cv = cv2()
    x0, y0, x1, y1 = crop
    return cv.cvtColor(np.ascontiguousarray(image_bgr[y0:y1, x0:x1]), cv.COLOR_BGR2RGB)


def still_landmarks(
    image_bgr: np.ndarray, *, with_mask: bool = False, config: PoseConfig = DEFAULT.pose
) -> tuple[PoseLandmarks | None, np.ndarray | None]:
    """Pose of a single still (no tracking): its landmarks in pixels (None when nobody is found)
    and, with ``with_mask``, the pose model's soft person mask (HxW float32 in 0..1)."""
    api = mediapipe_api(config)
    h, w = image_bgr.shape[:2]
    rgb = _rgb(image_bgr, (0, 0, w, h))
    quiet = _StderrFilter()
    try:
        with quiet:
            if api == "solutions":
                mp = require("mediapipe")
                with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=with_mask) as pose:
                    result = pose.process(rgb)
                points = None if result.pose_landmarks is None else result.pose_landmarks.landmark
                mask = result.segmentation_mask
            else:
                from breathcam.models import POSE_LANDMARKER, model_path

                mp = require("mediapipe")
                vision = require("mediapipe.tasks.python.vision")
                options = vision.PoseLandmarkerOptions(
                    base_options=require("mediapipe.tasks.python").BaseOptions(model_asset_path=str(model_path(POSE_LANDMARKER))),
                    running_mode=vision.RunningMode.IMAGE,
                    min_pose_detection_confidence=config.min_detection_confidence,
                    min_pose_presence_confidence=config.min_detection_confidence,
                    output_segmentation_masks=with_mask,
                )
                square, (ox, oy) = _square(rgb)  # as the locator's runs see it (see _square)
                with vision.PoseLandmarker.create_from_options(options) as landmarker:
                    result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=square))
                points = result.pose_landmarks[0] if result.pose_landmarks else None
                masks = result.segmentation_masks if with_mask else None
                mask = None
                if masks:
                    side = square.shape[0]
                    mask = np.asarray(masks[0].numpy_view()).reshape(side, side)[oy : oy + h, ox : ox + w]
                crop = (-ox, -oy, square.shape[1] - ox, square.shape[0] - oy)
    finally:
        quiet.close()
    if api == "solutions":
        crop = (0, 0, w, h)
    if points is None:
        return None, None
    if mask is not None:
        mask = np.clip(np.asarray(mask, dtype=np.float32).reshape(h, w), 0.0, 1.0)
    return _landmarks(points, crop=crop, width=w, height=h), (mask if with_mask else None)


def _square(rgb: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The image centred on a black square (and the offset of its corner in the square).

    The Tasks PoseLandmarker projects its landmarks back into the image exactly only for a square
    input (it warns "NORM_RECT without IMAGE_DIMENSIONS is only supported for the square ROI"),
    and in VIDEO mode each run's crop comes from the last run's landmarks.  In a square nothing
    changes for the detector (it letterboxes into a square anyway) and the landmark model's crop
    already had black beyond the image's edges.  (The tracking's own wandering is stopped by
    :class:`_TasksPose`'s anchor; the legacy API needs none of this.)"""
    h, w = rgb.shape[:2]
    if h == w:
        return rgb, (0, 0)
    side = max(h, w)
    ox, oy = (side - w) // 2, (side - h) // 2
    out = np.zeros((side, side, 3), np.uint8)
    out[oy : oy + h, ox : ox + w] = rgb
    return out, (ox, oy)


def _anchor_key(lm: PoseLandmarks) -> tuple[np.ndarray, float]:
    """Where the torso is and how big, from the shoulders and the nose (for _TasksPose's anchor)."""
    xy = lm.xy_px
    mid = 0.5 * (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER])
    size = float(np.linalg.norm(xy[Landmark.LEFT_SHOULDER] - xy[Landmark.RIGHT_SHOULDER]) + np.linalg.norm(xy[Landmark.NOSE] - mid))
    return mid, size


class _TasksPose:
    """mediapipe Tasks PoseLandmarker in VIDEO mode with the bundle in ``models/``, giving
    :class:`PoseLandmarks` in pixels, tracked from an anchor so its crop cannot walk.

    In VIDEO mode the Tasks graph places each run's crop from the last run's landmarks, with none
    of the smoothing the legacy graph applied, and the crop wanders (on a still photo the hips
    walk 117 px in 12 runs; the legacy API's 16 px).  So every run replays a fixed start: a blank image (tracking lost),
    the *anchor* (the frame on which pose last detected the person afresh: the detector places
    the crop, the same way every time) and then the frame itself, tracked from the anchor's
    landmarks, as the legacy graph tracked from a crop it held nearly still.  The anchor is
    replaced (pose detects afresh on the current frame) when the crop the locator gives changes
    or the torso has moved by more than ``tasks_anchor_move_fraction`` of its size; when that
    detection fails the old anchor stays.  The price: three landmark-model runs and one detector
    run per call instead of one landmark run (six when the person moved).
    Each run is stamped ``tasks_clock_step_s`` after the previous one in the task's clock;
    :meth:`reset` opens a new landmarker, which detects afresh."""

    def __init__(self, config: PoseConfig):
        from breathcam.models import POSE_LANDMARKER, model_path

        self.config = config
        self._path = str(model_path(POSE_LANDMARKER))
        self._filter = _StderrFilter()
        self._landmarker = None
        self._open()
        self.calls = 0

    def _open(self) -> None:
        cfg = self.config
        self._t_ms = 0
        self._anchor = None  # (square rgb, its box in the image, shoulder midpoint, size) or None
        with self._filter:
            self._mp = require("mediapipe")
            vision = require("mediapipe.tasks.python.vision")
            options = vision.PoseLandmarkerOptions(
                base_options=require("mediapipe.tasks.python").BaseOptions(model_asset_path=self._path),
                running_mode=vision.RunningMode.VIDEO if cfg.tasks_tracking else vision.RunningMode.IMAGE,
                num_poses=1,
                min_pose_detection_confidence=cfg.min_detection_confidence,
                min_pose_presence_confidence=cfg.min_detection_confidence,
                min_tracking_confidence=cfg.min_detection_confidence,
                output_segmentation_masks=False,
            )
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
            # The graph opens its calculators and prints while it does: one blank call inside the
            # filtered window.
            self._detect(np.zeros((_WARMUP_PX, _WARMUP_PX, 3), np.uint8))

    def _detect(self, rgb: np.ndarray):
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if not self.config.tasks_tracking:
            return self._landmarker.detect(image)
        result = self._landmarker.detect_for_video(image, self._t_ms)
        self._t_ms += max(1, int(round(self.config.tasks_clock_step_s * 1000)))
        return result

    def _from_anchor(self, rgb: np.ndarray):
        """The frame tracked from the anchor's landmarks (see the class)."""
        self._detect(np.zeros((_WARMUP_PX, _WARMUP_PX, 3), np.uint8))  # nobody: tracking lost
        self._detect(self._anchor[0])  # detected afresh, the same way every time
        return self._detect(rgb)

    def _moved(self, lm: PoseLandmarks) -> bool:
        _, _, mid, size = self._anchor
        now_mid, now_size = _anchor_key(lm)
        limit = self.config.tasks_anchor_move_fraction * size
        return bool(np.linalg.norm(now_mid - mid) > limit or abs(now_size - size) > limit)

    def process(self, image_bgr: np.ndarray, crop: tuple[int, int, int, int] | None = None) -> PoseLandmarks | None:
        """Landmarks in the whole image's pixels; pose sees only ``crop`` (x0, y0, x1, y1) if given."""
        h, w = image_bgr.shape[:2]
        x0, y0, x1, y1 = crop if crop is not None else (0, 0, w, h)
        rgb, (ox, oy) = _square(_rgb(image_bgr, (x0, y0, x1, y1)))
        side = rgb.shape[0]
        box = (x0 - ox, y0 - oy, x0 - ox + side, y0 - oy + side)

        def landmarks(result) -> PoseLandmarks | None:
            return _landmarks(result.pose_landmarks[0], crop=box, width=w, height=h) if result.pose_landmarks else None

        self.calls += 1
        with self._filter:
            if not self.config.tasks_tracking:
                return landmarks(self._detect(rgb))
            tracked = None
            if self._anchor is not None and self._anchor[1] == box:
                tracked = landmarks(self._from_anchor(rgb))
                if tracked is not None and not self._moved(tracked):
                    return tracked
            # no anchor yet, another crop, or the person moved: detect afresh on this frame
            self._detect(np.zeros((_WARMUP_PX, _WARMUP_PX, 3), np.uint8))
            found = landmarks(self._detect(rgb))
            if found is not None:
                self._anchor = (rgb.copy(), box, *_anchor_key(found))
                return landmarks(self._detect(rgb))  # tracked from its own detection, as later runs are
            if tracked is None and self._anchor is not None:
                # the detector missed in another crop: tracked from the old anchor all the same
                tracked = landmarks(self._from_anchor(rgb))
            return tracked

    def reset(self) -> None:
        """Forget the tracked person: the next call detects afresh."""
        self._close_landmarker()
        self._open()

    def _close_landmarker(self) -> None:
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            with self._filter:
                landmarker.close()

    def close(self) -> None:
        self._close_landmarker()
        self._filter.close()


class _TasksOutline:
    """mediapipe Tasks ImageSegmenter with ``models/selfie_segmentation.tflite`` (the general
    256x256 selfie model): per-pixel probability of "person" on a copy of the frame
    ``outline_width_px`` wide."""

    def __init__(self, config: PoseConfig, stderr_filter: _StderrFilter):
        from breathcam.models import SELFIE_SEGMENTER, model_path

        self.config = config
        self._filter = stderr_filter
        path = str(model_path(SELFIE_SEGMENTER))
        with self._filter:
            self._mp = require("mediapipe")
            vision = require("mediapipe.tasks.python.vision")
            options = vision.ImageSegmenterOptions(
                base_options=require("mediapipe.tasks.python").BaseOptions(model_asset_path=path),
                running_mode=vision.RunningMode.IMAGE,
                output_confidence_masks=True,
                output_category_mask=False,
            )
            self._seg = vision.ImageSegmenter.create_from_options(options)
            self._segment(np.zeros((_WARMUP_PX, _WARMUP_PX, 3), np.uint8))
        self.calls = 0

    def _segment(self, rgb: np.ndarray):
        return self._seg.segment(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)))

    def process(self, image_bgr: np.ndarray) -> np.ndarray | None:
        cv = cv2()
        small = _outline_copy(image_bgr, self.config)
        rgb = cv.cvtColor(small, cv.COLOR_BGR2RGB)
        with self._filter:
            result = self._segment(rgb)
        self.calls += 1
        if not result.confidence_masks:
            return None
        mask = np.asarray(result.confidence_masks[0].numpy_view(), dtype=np.float32)
        return mask[..., 0] if mask.ndim == 3 else mask

    def close(self) -> None:
        seg, self._seg = self._seg, None
        if seg is not None:
            with self._filter:
                seg.close()


def _outline_copy(image_bgr: np.ndarray, config: PoseConfig) -> np.ndarray:
    """The frame shrunk to ``outline_width_px`` wide (the segmenter's input)."""
    cv = cv2()
    h, w = image_bgr.shape[:2]
    small_w = min(config.outline_width_px, w)
    small_h = max(1, int(round(h * small_w / w)))
    return cv.resize(image_bgr, (small_w, small_h), interpolation=cv.INTER_AREA) if small_w < w else image_bgr


class _SolutionsPose:
    """mediapipe.solutions.pose.Pose (the legacy API, mediapipe <= 0.10.21) in video mode,
    giving :class:`PoseLandmarks` in pixels."""

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

    def process(self, image_bgr: np.ndarray, crop: tuple[int, int, int, int] | None = None) -> PoseLandmarks | None:
        """Landmarks in the whole image's pixels; pose sees only ``crop`` (x0, y0, x1, y1) if given."""
        h, w = image_bgr.shape[:2]
        crop = crop if crop is not None else (0, 0, w, h)
        rgb = _rgb(image_bgr, crop)
        rgb.flags.writeable = False
        with self._filter:
            result = self._pose.process(rgb)
        self.calls += 1
        if result.pose_landmarks is None:
            return None
        return _landmarks(result.pose_landmarks.landmark, crop=crop, width=w, height=h)

    def reset(self) -> None:
        """Forget the tracked person: the next call detects afresh."""
        with self._filter:
            self._pose.reset()

    def close(self) -> None:
        pose, self._pose = self._pose, None
        if pose is not None:
            with self._filter:
                pose.close()
        self._filter.close()


class _SolutionsOutline:
    """mediapipe.solutions.selfie_segmentation (the legacy API; the general 256x256 model inside
    the 0.10.21 wheel, the same file as models/selfie_segmentation.tflite): per-pixel probability
    of "person" on a copy of the frame ``outline_width_px`` wide."""

    def __init__(self, config: PoseConfig, stderr_filter: _StderrFilter):
        self.config = config
        self._filter = stderr_filter
        with self._filter:
            mp = require("mediapipe")
            self._seg = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
            self._seg.process(np.zeros((_WARMUP_PX, _WARMUP_PX, 3), np.uint8))
        self.calls = 0

    def process(self, image_bgr: np.ndarray) -> np.ndarray | None:
        cv = cv2()
        rgb = cv.cvtColor(_outline_copy(image_bgr, self.config), cv.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        with self._filter:
            result = self._seg.process(rgb)
        self.calls += 1
        return None if result.segmentation_mask is None else np.asarray(result.segmentation_mask)

    def close(self) -> None:
        seg, self._seg = self._seg, None
        if seg is not None:
            with self._filter:
                seg.close()


class _MotionAccumulator:
    """The last ``fallback_window_s`` of a small gray image, sampled at ``fallback_sample_hz``;
    :meth:`std` is each pixel's robust temporal spread (interquartile range / 1.349)."""

    def __init__(self, config: PoseConfig):
        self.config = config
        self._frames: deque[np.ndarray] = deque()
        self._times: deque[float] = deque()
        self.last_t: float | None = None

    @property
    def seconds(self) -> float:
        return self._times[-1] - self._times[0] if len(self._times) >= 2 else 0.0

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
        # float before averaging down: 8-bit steps would make most still pixels' spread exactly 0
        gray = cv.resize(gray.astype(np.float32), (small_w, small_h), interpolation=cv.INTER_AREA)
        if self._frames and self._frames[-1].shape != gray.shape:
            self._frames.clear()
            self._times.clear()
        self._frames.append(gray)
        self._times.append(frame.t_s)
        while self._times[-1] - self._times[0] > cfg.fallback_window_s:
            self._frames.popleft()
            self._times.popleft()
        self.last_t = frame.t_s

    def std(self) -> np.ndarray:
        if len(self._frames) < 2:
            return np.zeros((1, 1))
        stack = np.stack(self._frames)
        q25, q75 = np.percentile(stack, [25, 75], axis=0)
        return (q75 - q25).astype(np.float64) / 1.349

    def maps(self, columns: list[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The spread (as :meth:`std`) and the median image, from one pass over the window, only
        over the ``columns`` ranges given ((start, stop) in the map's pixels; 0 elsewhere): the
        edges of an outline need a tenth of the map, and the whole map costs tens of ms."""
        if len(self._frames) < 2:
            return np.zeros((1, 1)), np.zeros((1, 1))
        stack = np.stack(self._frames)
        h, w = stack.shape[1:]
        spread, still = np.zeros((h, w)), np.zeros((h, w))
        for a, b in columns if columns is not None else [(0, w)]:
            a, b = max(0, int(a)), min(w, int(b))
            if b > a:
                q25, q50, q75 = np.percentile(stack[:, :, a:b], [25, 50, 75], axis=0)
                spread[:, a:b], still[:, a:b] = (q75 - q25) / 1.349, q50
        return spread, still


# ---------------------------------------------------------------------------------------------
# the locator
# ---------------------------------------------------------------------------------------------


class TorsoLocator:
    """Torso regions for every frame: pose every ``interval_s`` (on a crop around the person),
    held and smoothed in between, checked against the person's outline; the outline, then the
    motion fallback, when pose finds nobody.  Never raises on content; raises
    :class:`ParameterError` when frame times do not strictly increase."""

    def __init__(self, *, config: PoseConfig = DEFAULT.pose):
        self.config = config
        self._pose = _open_pose(config)
        self._segmenter = None
        self._notes: dict[str, str] = {}
        if config.outline_interval_s > 0:
            try:
                self._segmenter = _open_outline(config, self._pose._filter)
            except (RuntimeError, OSError, ValueError) as exc:  # the segmentation graph would not start
                self._note("outline-off", f"person outline unavailable ({str(exc).splitlines()[0]}); pose and motion only")
        self._motion = _MotionAccumulator(config)
        self._held: TorsoRegions | None = None
        self._last_t: float | None = None
        self._last_run_t: float | None = None
        self._last_found_t: float | None = None
        self._last_fallback_t: float | None = None
        self._runs = 0
        self._found = 0
        self._landmarks: PoseLandmarks | None = None
        self._motion_stood_out = False
        self._moving_until = -np.inf  # pose follows a moving body closely until then
        self._outline: Outline | None = None
        self._outline_checked_t: float | None = None  # the latest outline the fallback looked at
        self._outline_seen = False
        self._fallback_source: str | None = None  # "outline" or "motion": where fallback regions came from
        self._outline_ok_t = -np.inf  # time of the last outline that placed regions
        self._cover_at_found: float | None = None  # outline's cover of pose's boxes at its last success
        self._last_reset_t = -np.inf  # when pose's tracking was last reset
        self._interval = config.interval_s  # grows while pose finds the torso where it is held
        self._crop: tuple[int, int] | None = None  # (x0, side) of pose's crop in a landscape frame
        self._segmenter_last_t: float | None = None
        # evidence of which way a side view seen in the outline faces (see _side_facing)
        self._walls = np.zeros(4)
        self._walls_n = 0
        self._walls_x: float | None = None
        self._walls_facing = 0.0

    # -- public -------------------------------------------------------------------------------

    @property
    def pose_found(self) -> float:
        """Fraction of pose runs that found the person (0 before the first run)."""
        return self._found / self._runs if self._runs else 0.0

    @property
    def person_seen(self) -> bool:
        """True once pose has found a person, the outline showed a torso, or the fallback found a
        region that moves more than the rest of the frame; False means nothing in view gave any
        sign of a person."""
        return self._found > 0 or self._outline_seen or self._motion_stood_out

    @property
    def pose_runs(self) -> int:
        """How many times pose has run (once per interval_s while tracking, less when searching)."""
        return self._runs

    @property
    def last_landmarks(self) -> PoseLandmarks | None:
        """Landmarks of the latest pose run that found the person (for overlays)."""
        return self._landmarks

    @property
    def outline(self) -> Outline | None:
        """The person's latest outline (None before the first, when nobody was segmented, or off)."""
        return self._outline

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

        if self._outline_due(t):
            self._run_outline(frame, w, h)
        if self._pose_due(t):
            self._run_pose(frame, w, h)
        pose_fresh = self._last_found_t is not None and t - self._last_found_t < cfg.lost_after_s
        if self._held is not None and self._held.method == "pose" and not pose_fresh:
            if self._outline_holds(self._held, t):
                self._note("kept", f"person lost by pose at {t:.1f} s; regions kept where the person's outline still is")
            else:
                self._note("lost", f"person lost by pose at {t:.1f} s; regions from the person's outline, or from motion")
                self._held = None
        if self._held is None or self._held.method == "motion":
            self._update_fallback(t, w, h)
        return replace(self._held, t_s=t)

    def close(self) -> None:
        if self._segmenter is not None:
            self._segmenter.close()
        self._pose.close()

    def __enter__(self) -> "TorsoLocator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------

    def _note(self, key: str, text: str) -> None:
        self._notes.setdefault(key, text)

    def _fresh_outline(self, t: float) -> Outline | None:
        """The latest outline when it is recent enough to describe this frame."""
        o = self._outline
        if o is None or t - o.t_s > 2.0 * self.config.outline_interval_s:
            return None
        return o

    def _outline_due(self, t: float) -> bool:
        if self._segmenter is None:
            return False
        last = self._segmenter_last_t
        return last is None or t - last >= self.config.outline_interval_s

    def _run_outline(self, frame: Frame, w: int, h: int) -> None:
        self._segmenter_last_t = frame.t_s
        try:
            prob = self._segmenter.process(frame.image)
        except RuntimeError as exc:  # mediapipe graph errors: no outline this time
            self._note("outline-error", f"outline failed at {frame.t_s:.1f} s: {str(exc).splitlines()[0]}")
            prob = None
        self._outline = None if prob is None else person_outline(prob, width=w, height=h, t_s=frame.t_s, config=self.config)

    def _outline_holds(self, held: TorsoRegions, t: float) -> bool:
        """Pose lost the person, but the outline still covers its boxes as it did (see
        ``outline_hold_fraction``): the person has not moved away."""
        cfg = self.config
        o = self._fresh_outline(t)
        if o is None or self._cover_at_found is None or self._cover_at_found < cfg.outline_min_cover:
            return False
        if outline_dwarfs_torso(held, o, landmarks=self._landmarks, config=cfg):
            return False
        return _cover(held, o) >= cfg.outline_hold_fraction * self._cover_at_found

    def _pose_due(self, t: float) -> bool:
        """Pose is due every interval_s while it tracks the person or an outline shows someone
        (longer while its runs find the torso where it is held: steady_interval_s), every
        retry_interval_s otherwise, every moving_interval_s while the body moves."""
        if self._last_run_t is None:
            return True
        tracking = self._last_found_t is not None and t - self._last_found_t < self.config.lost_after_s
        someone = self._fresh_outline(t) is not None
        interval = self._interval if tracking or someone else self.config.retry_interval_s
        if tracking and t < self._moving_until:
            interval = self.config.moving_interval_s
        return t - self._last_run_t >= interval

    def _pose_crop(self, t: float, w: int, h: int) -> tuple[int, int, int, int] | None:
        """Square crop of a landscape frame around the person's outline (the whole frame without
        one), kept still unless they moved."""
        if w <= h:
            return None
        cfg = self.config
        o = self._fresh_outline(t)
        if o is None:
            # nobody segmented: no evidence of where the person is (a crop centred on pose's own
            # last torso would keep a false detection in view)
            self._crop = None
            return None
        cx, need = o.centre_x(), cfg.crop_margin * o.body_width()
        side = int(min(w, max(h, need)))
        if side >= w:
            self._crop = None
            return None
        x0 = int(round(min(max(cx - 0.5 * side, 0.0), w - side)))
        if self._crop is not None:
            old_x0, old_side = self._crop
            tol = cfg.crop_recentre_fraction * old_side
            if abs(side - old_side) <= tol and abs(x0 - old_x0) <= tol and old_x0 + old_side <= w:
                x0, side = old_x0, old_side
        self._crop = (x0, side)
        return (x0, 0, x0 + side, h)

    def _run_pose(self, frame: Frame, w: int, h: int) -> None:
        t = frame.t_s
        self._last_run_t = t
        self._runs += 1
        cfg = self.config
        # A moving body is followed as pose sees it: the outline (up to outline_interval_s old) is
        # too stale to place boxes on, but still tells a torso far too small for the person.
        following = t < self._moving_until
        outline = self._fresh_outline(t)
        try:
            lm = self._pose.process(frame.image, crop=self._pose_crop(t, w, h))
        except RuntimeError as exc:  # mediapipe graph errors: count as "not found", keep going
            self._note("pose-error", f"pose failed at {t:.1f} s: {str(exc).splitlines()[0]}")
            lm = None
        target, notes = (
            (None, ()) if lm is None
            else regions_from_landmarks(lm, t_s=t, config=cfg, outline=None if following else outline)
        )
        if target is not None and outline_dwarfs_torso(target, outline, landmarks=lm, config=cfg):
            self._note(
                "dwarfed",
                f"pose found a torso far smaller than the person in view at {t:.1f} s (a false detection) and it was ignored",
            )
            target = None
            if t - self._last_reset_t >= cfg.pose_reset_interval_s:
                self._last_reset_t = t
                self._pose.reset()  # mediapipe's tracking would keep this torso: detect afresh
            if self._held is not None and self._held.method == "pose" and outline_dwarfs_torso(
                self._held, outline, landmarks=self._landmarks, config=cfg
            ):
                self._held = None  # an earlier false torso, accepted while the outline was missing
        steady = target is not None and not following and self._held is not None and regions_steady(
            self._held, target, config=cfg
        )
        self._interval = (
            min(max(2.0 * self._interval, cfg.interval_s), max(cfg.steady_interval_s, cfg.interval_s)) if steady
            else cfg.interval_s
        )
        if target is None:
            return
        self._found += 1
        self._landmarks = lm
        if self._held is not None and self._held.method == "motion" and ("fallback" in self._notes or "outline" in self._notes):
            self._note("found", f"person found by pose at {t:.1f} s")
        self._last_found_t = t
        for text in notes:
            self._note(text, text)
        # a moving body is followed as pose sees it; a still one is smoothed (regions must not breathe)
        self._held = target if following else smooth_regions(self._held, target, config=cfg)
        if outline is not None and not following:
            self._cover_at_found = _cover(self._held, outline)

    def _update_fallback(self, t: float, w: int, h: int) -> None:
        cfg = self.config
        outline = self._fresh_outline(t)
        new_outline = outline is not None and outline.t_s != self._outline_checked_t
        due = self._held is None or t - self._last_fallback_t >= cfg.fallback_update_s
        if not due and not new_outline:
            return
        if outline is not None:
            self._outline_checked_t = outline.t_s
        shape = outline_shape(outline, config=cfg)
        facing = self._side_facing(shape, outline, new=new_outline)
        target, notes = regions_from_outline(outline, t_s=t, config=cfg, facing=facing, shape=shape)
        if target is None and not due:
            return  # a new outline that places nothing: the motion regions wait for their update
        self._last_fallback_t = t
        if (
            target is None and self._held is not None and self._fallback_source == "outline"
            and t - self._outline_ok_t < cfg.outline_lost_after_s
        ):
            return  # the outline missed the person for a moment: keep its regions
        source = "outline" if target is not None else "motion"
        if source != self._fallback_source:
            self._held = None  # a different source: its regions replace the others at once
        elif target is not None and self._held is not None and (
            (target.view, target.facing) != (self._held.view, self._held.facing)
        ):
            # the outline now tells the view or the facing: boxes elsewhere on the body, at once (a
            # box sliding there over seconds would carry its points across the body and drift)
            self._held = None
        self._fallback_source = source
        if target is not None:
            self._outline_ok_t = outline.t_s
            self._outline_seen = True
            self._note("outline", "no person found by pose; torso located from the person's outline")
            for text in notes:
                self._note(text, text)
        else:
            self._note("fallback", "no person found by pose; torso located from motion")
            if self._motion.seconds < cfg.fallback_min_s:
                target = central_regions(width=w, height=h, t_s=t, config=cfg)
            else:
                target, moving = motion_regions(self._motion.std(), width=w, height=h, t_s=t, config=cfg)
                self._motion_stood_out |= bool(moving)
                if not moving:
                    self._note("central", "no motion stands out; torso assumed in the centre of the frame")
        self._held = smooth_regions(self._held, target, config=cfg)

    def _side_facing(self, shape: OutlineShape | None, outline: Outline | None, *, new: bool) -> float:
        """Which way a person the outline shows side-on faces: the edge that breathes, from the
        motion map at every new outline since the side view began (:func:`wall_motion`)."""
        cfg = self.config
        if shape is None:
            return self._walls_facing  # the outline missed the person for a moment
        moved = self._walls_x is not None and abs(shape.centre_x - self._walls_x) > shape.width_px
        if shape.view == "front" or moved:
            self._walls, self._walls_n, self._walls_x, self._walls_facing = np.zeros(4), 0, None, 0.0
        if shape.view != "side":
            return 0.0
        if new and self._motion.seconds >= cfg.fallback_min_s:
            rows = dict(y0=shape.shoulder_y + cfg.chest_top * shape.length_px,
                        y1=shape.shoulder_y + cfg.belly_bottom * shape.length_px)
            map_width = min(cfg.fallback_width_px, outline.width)
            spread, still = self._motion.maps(wall_columns(outline, map_width=map_width, config=cfg, **rows))
            self._walls += wall_motion(outline, spread, still, config=cfg, **rows)
            self._walls_n += 1
            self._walls_x = shape.centre_x
        if self._walls_n >= cfg.facing_min_updates:
            self._walls_facing = facing_from_walls(self._walls, config=cfg)
        return self._walls_facing


def _cover(regions: TorsoRegions, outline: Outline) -> float:
    """Share of the chest and belly boxes (the belly only when in view) on the outline."""
    boxes = [regions.chest] + ([regions.belly] if regions.belly_in_view else [])
    areas = [max(b.width * b.height, 1.0) for b in boxes]
    return float(sum(outline.coverage(b) * a for b, a in zip(boxes, areas)) / sum(areas))
