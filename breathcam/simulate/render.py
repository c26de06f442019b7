"""Render a video of a real person breathing from one still photo, with exact truth beside the clip.

A frontal still of a real person (the astronaut or Grace Hopper photos that ship with scikit-image
and matplotlib, or any BGR array) is fitted into the frame, the person is located once with
mediapipe pose, and every frame warps the still with ``cv2.remap`` by a smooth displacement field:

* chest: the upper chest and shoulders move *up* by ``amplitude_px * chest(t)``, weighted by a smooth
  bump over the chest and shoulders that fades out towards the head and the belly;
* belly: the abdomen expands radially about its centre by ``amplitude_px * belly(t)`` at the edge of
  the belly region, with a smooth fall-off outside it;
* body sway: the person (the soft mediapipe segmentation mask, not the background) translates by a
  slow random walk plus 0.1-0.3 Hz components of about ``sway_px``;
* camera shake: the whole frame jitters by about ``shake_px``;
* sensor noise (``noise_std`` grey levels), a mild brightness flicker and the codec's compression.

Frame ``i`` is at ``i / fps`` s; the waveform is sampled there.  Frames are streamed to the writer
one at a time, so clip length is limited by disk, not memory.  The truth (``breathing.truth`` plus the
render parameters in ``truth.extra``) is written beside the clip as ``<clip stem>.truth.json``.

Framings: ``full`` (head, shoulders and as much torso as the still has), ``torso`` (from below the
chin down: the head is out of frame and the top edge is at the collar, as in real torso-only clips
filmed at the sternum; on grace_hopper, whose photo ends at mid-chest, it is a close crop of the
chest), ``tight`` (only the chest-belly area: stands in for "pose finds nobody", which exercises the
analysis's motion fallback; *not* a side view), and ``side``: a side view cannot be rendered
honestly from a frontal still, so it is drawn (:mod:`breathcam.simulate.side`: a textured torso
profile whose belly and chest contours move forward and whose shoulders rise under the same truth;
``still`` is not used).

Conditions of real footage (:mod:`breathcam.simulate.conditions`), each off by default, each seeded
from its own random stream (switching one on changes nothing else; with all off a clip is byte for
byte what it was before they existed), each recorded in ``truth.extra`` only when used:

* ``clap`` ("hands", "jolt", "both"): a clap 0.2-0.8 s after the start and one ending 0.2-0.8 s
  before the end: forearms and hands (skin, or sleeves on dark clothing; shaded, textured,
  motion-blurred) rise from below the frame to meet in front of the chest for 0.3-1 s, and/or the
  camera jolts (a damped swing of up to ``jolt_px`` with a slight zoom over 0.2-0.5 s, keeping a small
  offset).  In the side view the near arm swings forward to the clap.  Truth: ``claps`` (each with
  ``hands_s``, ``jolt_s``, ``jolt_px``, ``jolt_zoom``, ``residual_px``), and ``hands_s``, ``jolt_s``
  lists; no hand pixel is drawn outside ``hands_s``.
* ``stand_sway_px``: a standing person sways as an inverted pendulum about the ankles (3.9 shoulder
  widths below the shoulders): 0.1-0.5 Hz, peak ``stand_sway_px`` at the shoulder line, bobbing
  (a quarter of that) and sway towards the camera (a scale change).  Truth ``stand_sway``: the
  sinusoids of the angle, the bobbing and the scale, the pivot and the lever, so the motion of any
  body point is exact (``conditions.StandingSway.chest_shift``).
* ``exposure_drift`` (0.05-0.2): auto-exposure gain drifting slowly plus steps (about 2 a minute,
  reached with a 0.3 s time constant), multiplying every pixel (bright areas clip at 255).  Truth
  ``exposure``: the gain per frame, the steps, the drift's sinusoids.
* ``jpeg_quality`` (15-30): every frame through JPEG before the clip's codec: 8x8 blocking and
  smeared colour, as a starved video call.
* ``clothing`` ("dark", "light") and ``tape_strips``: the torso's clothing recoloured to a plain dark,
  low-texture fabric or a plain light T-shirt (the photo's broad shading kept), and white tape strips
  on the sternum (over a dark phone on a light shirt).  Truth: ``clothing``, ``tape_strips``,
  ``tape_boxes`` (px, at rest).

A sound track (``sound=SoundTrack(...)``, off by default): breath sounds made from the same
breathing by :func:`breathcam.simulate.sound.breath_sound`, muxed by :func:`add_sound_track` (AAC in
mp4, PCM in avi/mkv; the video packets are copied untouched); ``truth.extra["sound"]`` records its
parameters.

Order per frame: the breathing warp, sway and standing sway (front: one remap; side: the drawn
layers), whole-body movement, the hands, the camera jolt, the gain (flicker x exposure), sensor
noise, JPEG, the codec.  Short clips whose hold fills most of the clip, and holds still running at
the clip's end, come from the waveform (``simulate_breathing(holds=..., open_holds=True)``).

Where it fails or misleads: the motion is a 2-D warp of a flat photo (no parallax, no clothing
folds, no lighting change with depth); the hips are out of both bundled stills, so the torso length
is estimated from the shoulder width, and on ``grace_hopper`` the photo ends at mid-chest: the belly
region lies below the picture (``truth.extra["belly_visible"]`` says how much of it is in frame).
Where the fitted frame is wider or taller than the still, the missing border is a blurred extension
of the picture's edge.  Standing sway moves the soft person mask, so the background just outside the
outline stretches with it (up to the sway's few px) instead of being revealed.  The hands are flat
shapes without fingers or shadows that do not sway with the body; a jolting *body* is not drawn
(only the camera jolts); the exposure steps have no visible cause; JPEG blocks every frame alike,
unlike a real codec that smears motion most and refreshes at key frames; recoloured clothing keeps
the photo's outline and reaches whatever mediapipe counts as the person below the neck (the
astronaut's helmet and gloves); the side view is a drawing (see :mod:`breathcam.simulate.side` for
what it does not reproduce).  None of this reproduces a real camera's rolling shutter, autofocus
hunting, white-balance drift or the lens's distortion.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from breathcam._deps import cv2, require
from breathcam.simulate import conditions as cond
from breathcam.simulate.movement import Rep, trajectory
from breathcam.simulate.side import SideScene, arm_swing_deg, build_side_scene, side_frame
from breathcam.simulate.sound import SoundTrack
from breathcam.simulate.waveform import Breathing
from breathcam.types import Box, InputError, ParameterError

STILLS = ("astronaut", "grace_hopper")
FRAMINGS = ("full", "torso", "tight", "side")
STILL_FRAMINGS = ("full", "torso", "tight")  # "side" is drawn (simulate.side), not fitted from a still

# --- body proportions, in units of the distance between mediapipe's two shoulder landmarks --------
# Shoulder-line-to-hip-line height over shoulder width: about 1.4 for adults (biacromial landmarks
# ~35 cm apart, shoulder to hip joint ~50 cm); mediapipe puts the astronaut's (low-visibility) hips
# at 1.39.  The hips are out of both bundled stills, so the torso length comes from this ratio.
TORSO_PER_SHOULDER = 1.4
# The chin lies 0.26-0.35 shoulder widths above the shoulder line on the bundled stills, and
# 0.27-0.3 below the nose: "torso" framing starts below whichever is lower.
CHIN_BELOW_NOSE = 0.45
CHIN_ABOVE_SHOULDERS = 0.2
# "torso" and "tight" framings show at least this much height (so the frame is not mostly fill
# where the photo ends at mid-chest); "tight" starts this far below the shoulder line.
TORSO_MIN_HEIGHT = 0.6
TIGHT_MIN_HEIGHT = 0.45
TIGHT_TOP = 0.25
# The head top is about 0.6 shoulder widths above the nose.
HEAD_TOP_ABOVE_NOSE = 0.7
# The chest bump: full weight from just above the shoulder line (the top of the shoulders) to the
# upper chest, fading to nothing at the chin and in the upper abdomen; laterally full over the
# shoulders, fading over the upper arms.
CHEST_TOP = -0.32  # weight 0 here (about the chin)
CHEST_FULL_TOP = -0.12  # weight 1 from here (top of the shoulders) ...
CHEST_FULL_BOTTOM = 0.35  # ... to here (upper chest)
CHEST_BOTTOM = 0.8  # weight 0 here (upper abdomen)
CHEST_HALF_WIDTH = 0.55  # full weight within this distance of the midline
CHEST_FADE = 0.35  # lateral fade-out length
# The abdomen: centred 0.72 of the way from the shoulder line to the hip line (around the navel),
# an ellipse of these half-axes; the expansion fades to zero at twice the ellipse's radius.
BELLY_CENTRE = 0.72  # fraction of the torso length below the shoulder line
BELLY_HALF_WIDTH = 0.38
BELLY_HALF_HEIGHT = 0.28
BELLY_FADE_RADII = 1.0
# The soft person mask is blurred by this fraction of the shoulder width, so that the background
# just outside the outline stretches smoothly as the person sways instead of tearing.
MASK_BLUR = 0.04
# The blurred extension filling a border the still does not cover (Gaussian sigma, output px).
FILL_BLUR_SIGMA_PX = 25.0

# --- motion and sensor --------------------------------------------------------------------------
# Vertical sway is smaller than lateral sway in a seated person.
SWAY_VERTICAL_SHARE = 0.5
# The sway's slow random walk (mean-reverting, time constant in s) and its periodic components.
SWAY_WALK_TAU_S = 8.0
SWAY_FREQ_RANGE_HZ = (0.1, 0.3)
# Camera shake: per-frame jitter smoothed by an AR(1) filter with this coefficient, in bursts (a
# laptop on a desk shakes while someone types or touches it, and is still in between): bursts last
# SHAKE_BURST_S on average, with SHAKE_GAP_S of stillness between them.  Constant whole-frame
# jitter would also make every mp4v frame expensive (6 MB/min at 640x480 for 0.3 px).
SHAKE_AR = 0.6
SHAKE_BURST_S = 2.0
SHAKE_GAP_S = 6.0
# Webcam optics and processing are softer than a studio photo: the fitted still is blurred by this
# sigma (output px).  It also keeps the mp4v clip near 8 MB per minute instead of 16.
WEBCAM_BLUR_SIGMA_PX = 0.8
# Brightness flicker: relative gain spread (0.6 %, a mild auto-exposure hunt plus mains beat).
FLICKER_FRACTION = 0.006
FLICKER_FREQ_HZ = 0.7
# Noise frames are drawn from a bank of this many fields, cropped at random offsets within this
# margin: effectively independent noise per frame without drawing 0.9 M normals per frame.
# Whole-body movement: the largest travel of the hips (20-60 px at 640x480 for squats seen from a
# laptop's distance); the plate behind the person is inpainted under the mask above this level,
# grown by this many px so that no outline of the person is left in it.
MOVEMENT_PX = 35.0
PLATE_MASK_LEVEL = 0.1
PLATE_DILATE_PX = 9
NOISE_BANK = 8
NOISE_MARGIN_PX = 64
# The drawn side view keeps the torso only where the body can reach (simulate.side): a breath of
# depth SIGH_REACH (sighs are 2.5), the sways (the random walk peaks near 3 sway_px, the standing
# sway is exact but leans the far-below pivot's lever a little further at the top) and spare px.
SIGH_REACH = 3.0
SIDE_REACH_SPARE_PX = 4.0


# ---------------------------------------------------------------------------------------------
# stills and pose
# ---------------------------------------------------------------------------------------------


def load_still(name: str) -> np.ndarray:
    """A bundled still of a real person as a BGR uint8 image ("astronaut" or "grace_hopper")."""
    cv = cv2()
    if name == "astronaut":
        data = require("skimage.data")
        return np.ascontiguousarray(cv.cvtColor(data.astronaut(), cv.COLOR_RGB2BGR))
    if name == "grace_hopper":
        cbook = require("matplotlib.cbook")
        path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        image = cv.imread(str(path))
        if image is None:
            raise InputError(f"could not read matplotlib's grace_hopper.jpg at {path}")
        return image
    raise ParameterError(f"unknown still {name!r}; choose from {', '.join(STILLS)} or pass a BGR array")


@dataclass(frozen=True)
class StillPose:
    """Where the person is in a still (still pixels)."""

    nose: tuple[float, float]
    left_shoulder: tuple[float, float]  # the person's left (image right)
    right_shoulder: tuple[float, float]
    mask: np.ndarray  # HxW float32 in 0..1, soft person segmentation

    @property
    def shoulder_width(self) -> float:
        return float(np.hypot(*np.subtract(self.left_shoulder, self.right_shoulder)))

    @property
    def mid_x(self) -> float:
        return 0.5 * (self.left_shoulder[0] + self.right_shoulder[0])

    @property
    def shoulder_y(self) -> float:
        return 0.5 * (self.left_shoulder[1] + self.right_shoulder[1])


_POSE_CACHE: dict[str, StillPose] = {}


def _still_key(image: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest() + str(image.shape)


def locate_person(image: np.ndarray) -> StillPose:
    """Nose, shoulders and the soft person mask of a BGR still, found once by mediapipe pose (cached)."""
    key = _still_key(image)
    if key in _POSE_CACHE:
        return _POSE_CACHE[key]
    from breathcam.capture.pose import still_landmarks

    lm, mask = still_landmarks(image, with_mask=True)
    if lm is None or mask is None:
        raise InputError("mediapipe pose finds no person in the still; use a frontal upper-body photo")
    # BlazePose indices: 0 nose, 11 left shoulder, 12 right shoulder.
    for i, part in ((0, "nose"), (11, "left shoulder"), (12, "right shoulder")):
        if lm.visibility[i] < 0.5:
            raise InputError(f"mediapipe pose does not see the {part} in the still; use a frontal upper-body photo")
    xy = lm.xy_px
    found = StillPose(
        nose=(float(xy[0, 0]), float(xy[0, 1])),
        left_shoulder=(float(xy[11, 0]), float(xy[11, 1])),
        right_shoulder=(float(xy[12, 0]), float(xy[12, 1])),
        mask=mask,
    )
    _POSE_CACHE[key] = found
    return found


# ---------------------------------------------------------------------------------------------
# scene: the fitted still and the spatial part of every displacement field
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """The fitted still and the precomputed spatial fields, all in output pixels.

    Per frame, the backward map is ``map_x = grid_x + b*belly_x - sx*person - kx`` and
    ``map_y = grid_y + c*chest_up + b*belly_y - sy*person - ky`` (b, c the belly and chest
    excursions in px, s the sway, k the shake).
    """

    base: np.ndarray  # HxWx3 uint8
    grid_x: np.ndarray  # HxW float32
    grid_y: np.ndarray
    chest_up: np.ndarray  # weight of the chest's upward motion, 0..1
    belly_x: np.ndarray  # backward map per px of belly expansion at the region edge
    belly_y: np.ndarray
    person: np.ndarray  # soft person mask, 0..1
    chest_box: Box  # where the chest weight is full (clipped to the frame)
    belly_box: Box  # the belly ellipse's bounding box (clipped)
    face_in_frame: bool
    belly_visible: float  # fraction of the belly ellipse inside the picture (not the fill)
    source_rect: tuple[float, float, float, float]  # the still's rectangle shown, still pixels
    pivot: tuple[float, float] = (0.0, 0.0)  # the hips' centre (output px): whole-body movement turns about it
    shoulder_px: float = 0.0  # the shoulder width (output px)
    shoulder_line: tuple[float, float] = (0.0, 0.0)  # the shoulders' midpoint (output px)
    clothing: str = "original"
    tape_boxes: tuple = ()  # the tape strips at rest, (x0, y0, x1, y1) output px each


def _source_rect(pose: StillPose, still_w: int, still_h: int, aspect: float, framing: str):
    """The still's rectangle (x0, y0, x1, y1) shown in the frame; it may reach past the picture."""
    sw = pose.shoulder_width
    hip_y = pose.shoulder_y + TORSO_PER_SHOULDER * sw
    below_chin = max(pose.nose[1] + CHIN_BELOW_NOSE * sw, pose.shoulder_y - CHIN_ABOVE_SHOULDERS * sw)
    if framing == "full":
        y0 = top_limit = max(0.0, pose.nose[1] - HEAD_TOP_ABOVE_NOSE * sw)
        min_height = 0.0
    elif framing == "torso":
        y0 = top_limit = below_chin
        min_height = TORSO_MIN_HEIGHT * sw
    elif framing == "tight":
        y0 = pose.shoulder_y + TIGHT_TOP * sw  # below the shoulder line
        top_limit = below_chin
        min_height = TIGHT_MIN_HEIGHT * sw
    else:
        raise ParameterError(f"unknown framing {framing!r}; choose from {', '.join(FRAMINGS)}")
    y1 = min(float(still_h), hip_y)
    height = max(y1 - y0, min_height)
    if y0 + height > still_h:  # the picture ends too soon: start higher, never above the limit
        y0 = max(top_limit, still_h - height)
    width = height * aspect  # where the picture still ends too soon, the bottom is fill
    if width >= still_w:
        x0 = 0.5 * (still_w - width)  # wider than the still: centre the picture, fill both sides
    else:
        x0 = float(np.clip(pose.mid_x - 0.5 * width, 0.0, still_w - width))
    return x0, y0, x0 + width, y0 + height


def _smooth_plateau(d: np.ndarray, full: float, fade: float) -> np.ndarray:
    """1 where d <= full, smoothstep down to 0 at full + fade."""
    u = np.clip((d - full) / fade, 0.0, 1.0)
    return 1.0 - u * u * (3.0 - 2.0 * u)


def build_scene(
    still: str | np.ndarray, *, width: int, height: int, framing: str = "full", clothing: str = "original",
    tape_strips: int = 0, seed: int = 0,
) -> Scene:
    """Fit the still into width x height for the framing and precompute the displacement fields.

    clothing ("original", "dark", "light") and tape_strips recolour the torso's clothing and tape its
    sternum (simulate.conditions.dress), seeded by ``seed``."""
    if width < 16 or height < 16:
        raise ParameterError(f"frame size {width}x{height} is too small")
    if framing not in STILL_FRAMINGS:
        raise ParameterError(
            f"framing {framing!r} is not fitted from a still; choose from {', '.join(STILL_FRAMINGS)}"
            + (" (the side view is drawn: simulate.side.build_side_scene, or render_clip(framing='side'))" if framing == "side" else "")
        )
    cond.check(clothing=clothing, tape_strips=tape_strips)
    cv = cv2()
    image = load_still(still) if isinstance(still, str) else np.ascontiguousarray(still)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ParameterError("a still must be an HxWx3 uint8 BGR image")
    pose = locate_person(image)
    sh, sw_px = image.shape[:2]
    x0, y0, x1, y1 = _source_rect(pose, sw_px, sh, width / height, framing)
    s = width / (x1 - x0)
    affine = np.array([[s, 0.0, -s * x0], [0.0, s, -s * y0]])
    flags = cv.INTER_AREA if s < 1 else cv.INTER_CUBIC
    base = cv.warpAffine(image, affine, (width, height), flags=flags, borderMode=cv.BORDER_REPLICATE)
    valid = cv.warpAffine(np.ones((sh, sw_px), np.float32), affine, (width, height), flags=cv.INTER_LINEAR)
    if valid.min() < 0.999:
        fill = cv.GaussianBlur(base, (0, 0), FILL_BLUR_SIGMA_PX)
        soft = cv.GaussianBlur(valid, (0, 0), 3.0)[..., None]
        base = np.clip(soft * base + (1.0 - soft) * fill, 0, 255).astype(np.uint8)
    mask = cv.warpAffine(pose.mask, affine, (width, height), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
    tape_boxes: list = []
    if clothing != "original" or tape_strips > 0:
        base, tape_boxes = cond.dress(
            base, mask, mid_x=s * (pose.mid_x - x0), shoulder_y=s * (pose.shoulder_y - y0), sw=s * pose.shoulder_width,
            clothing=clothing, tape_strips=tape_strips, seed=seed,
        )
    base = cv.GaussianBlur(base, (0, 0), WEBCAM_BLUR_SIGMA_PX)

    def to_out(p):
        return (s * (p[0] - x0), s * (p[1] - y0))

    sw = s * pose.shoulder_width
    mid_x = s * (pose.mid_x - x0)
    sh_y = s * (pose.shoulder_y - y0)
    nose = to_out(pose.nose)
    torso = TORSO_PER_SHOULDER * sw
    gy, gx = np.mgrid[0:height, 0:width].astype(np.float32)

    # chest: vertical band x lateral plateau
    dy = (gy - sh_y) / sw
    up = np.clip((dy - CHEST_TOP) / (CHEST_FULL_TOP - CHEST_TOP), 0.0, 1.0)
    down = np.clip((CHEST_BOTTOM - dy) / (CHEST_BOTTOM - CHEST_FULL_BOTTOM), 0.0, 1.0)
    band = np.minimum(up * up * (3 - 2 * up), down * down * (3 - 2 * down))
    lateral = _smooth_plateau(np.abs(gx - mid_x) / sw, CHEST_HALF_WIDTH, CHEST_FADE)
    chest_up = (band * lateral).astype(np.float32)

    # belly: radial expansion about the centre, linear inside the ellipse (a uniform scale, so the
    # region edge moves by 1 px per unit), smoothly fading outside it
    cx, cy = mid_x, sh_y + BELLY_CENTRE * torso
    rx, ry = BELLY_HALF_WIDTH * sw, BELLY_HALF_HEIGHT * torso
    ex, ey = (gx - cx) / rx, (gy - cy) / ry
    rho = np.sqrt(ex * ex + ey * ey)
    fade = _smooth_plateau(rho, 1.0, BELLY_FADE_RADII)
    # Outward displacement u = (ex, ey) * fade px per px of edge expansion (|u| = 1 on the ellipse
    # along both axes); the backward map samples from p - u.
    belly_x = (-ex * fade).astype(np.float32)
    belly_y = (-ey * fade).astype(np.float32)

    blur = max(1.0, MASK_BLUR * sw)
    person = cv.GaussianBlur(mask, (0, 0), blur).astype(np.float32)

    inside = (rho <= 1.0)
    belly_visible = float((valid[inside] > 0.5).sum() / max(1, np.pi * rx * ry)) if inside.any() else 0.0
    chest_box = Box(
        mid_x - CHEST_HALF_WIDTH * sw, sh_y + CHEST_FULL_TOP * sw, mid_x + CHEST_HALF_WIDTH * sw, sh_y + CHEST_FULL_BOTTOM * sw
    ).clipped(width, height)
    belly_box = Box(cx - rx, cy - ry, cx + rx, cy + ry).clipped(width, height)
    return Scene(
        base=np.ascontiguousarray(base),
        grid_x=gx,
        grid_y=gy,
        chest_up=chest_up,
        belly_x=belly_x,
        belly_y=belly_y,
        person=person,
        chest_box=chest_box,
        belly_box=belly_box,
        face_in_frame=bool(0 <= nose[1] < height and 0 <= nose[0] < width),
        belly_visible=round(min(1.0, belly_visible), 3),
        source_rect=(round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)),
        pivot=(float(mid_x), float(sh_y + torso)),
        shoulder_px=float(sw),
        shoulder_line=(float(mid_x), float(sh_y)),
        clothing=clothing,
        tape_boxes=tuple(tuple(b) for b in tape_boxes),
    )


# ---------------------------------------------------------------------------------------------
# time series: sway, shake, flicker
# ---------------------------------------------------------------------------------------------


def _sway(n: int, fps: float, sway_px: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) person translation in px: mean-reverting random walk plus two 0.1-0.3 Hz sways."""
    t = np.arange(n) / fps
    out = np.zeros((n, 2))
    if sway_px <= 0 or n == 0:
        return out
    a = np.exp(-1.0 / (SWAY_WALK_TAU_S * fps))
    for axis, share in ((0, 1.0), (1, SWAY_VERTICAL_SHARE)):
        steps = rng.standard_normal(n) * np.sqrt(1 - a * a)
        walk = np.empty(n)
        level = rng.standard_normal()
        for i in range(n):  # AR(1): stationary unit variance; cheap next to rendering
            level = a * level + steps[i]
            walk[i] = level
        f1, f2 = rng.uniform(*SWAY_FREQ_RANGE_HZ, size=2)
        p1, p2 = rng.uniform(0, 2 * np.pi, size=2)
        periodic = 0.6 * np.sin(2 * np.pi * f1 * t + p1) + 0.4 * np.sin(2 * np.pi * f2 * t + p2)
        # Scaled so that the typical peak excursion is about sway_px.
        out[:, axis] = share * sway_px * (0.5 * walk + 0.7 * periodic)
    return out


def _shake(n: int, fps: float, shake_px: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) camera translation in px: AR(1) jitter of std shake_px, in bursts."""
    out = np.zeros((n, 2))
    if shake_px <= 0 or n == 0:
        return out
    white = rng.standard_normal((n, 2))
    toggles = rng.random(n)
    p_end, p_start = 1.0 / (SHAKE_BURST_S * fps), 1.0 / (SHAKE_GAP_S * fps)
    jitter = np.zeros((n, 2))
    state = np.zeros(n)
    level = np.zeros(2)
    on = False
    for i in range(n):  # cheap next to rendering
        on = (toggles[i] >= p_end) if on else (toggles[i] < p_start)
        state[i] = on
        level = SHAKE_AR * level + np.sqrt(1 - SHAKE_AR**2) * white[i]
        jitter[i] = level
    # Bursts start and stop over about 0.2 s, not in one frame.
    k = max(1, int(round(0.2 * fps)))
    envelope = np.convolve(state, np.ones(k) / k, mode="same")
    return shake_px * jitter * envelope[:, None]


def _flicker(n: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) brightness gain near 1: a slow sinusoid plus smoothed noise."""
    t = np.arange(n) / fps
    phase = rng.uniform(0, 2 * np.pi)
    k = max(1, int(round(0.5 * fps)))
    jitter = np.convolve(rng.standard_normal(n), np.ones(k) / np.sqrt(k), mode="same")
    return 1.0 + FLICKER_FRACTION * (0.7 * np.sin(2 * np.pi * FLICKER_FREQ_HZ * t + phase) + 0.5 * jitter)


# ---------------------------------------------------------------------------------------------
# frames and clips
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The seeded conditions of one clip (simulate.conditions), planned before any frame is drawn."""

    claps: tuple = ()
    stand: "cond.StandingSway | None" = None
    exposure: "cond.Exposure | None" = None

    def truth(self) -> dict:
        out: dict = {}
        if self.claps:
            out["claps"] = [c.truth() for c in self.claps]
            out["hands_s"] = [c.truth()["hands_s"] for c in self.claps if c.hands]
            out["jolt_s"] = [c.truth()["jolt_s"] for c in self.claps if c.jolt]
        if self.stand is not None:
            out["stand_sway"] = self.stand.truth()
        if self.exposure is not None:
            out["exposure"] = self.exposure.truth()
        return out


def side_reach_px(amplitude_px: float, sway_px: float, stand_sway_px: float) -> float:
    """How far (px) the drawn side view's body may move from rest: a sigh's excursion (SIGH_REACH
    breaths of depth 1) plus both sways at their largest, with room to spare."""
    return SIGH_REACH * amplitude_px + 3.0 * sway_px + 1.5 * stand_sway_px + SIDE_REACH_SPARE_PX


def _frame_shape(scene) -> tuple[int, int]:
    return (scene.background if isinstance(scene, SideScene) else scene.base).shape[:2]


def plan_conditions(
    scene, *, n: int, fps: float, clap: str = "none", jolt_px: float = cond.JOLT_PX, stand_sway_px: float = 0.0,
    exposure_drift: float = 0.0, seed: int = 0,
) -> Plan:
    """The claps, standing sway and exposure of a clip of n frames (each from its own random stream)."""
    h, w = _frame_shape(scene)
    duration = n / fps
    claps = tuple(cond.plan_claps(clap, duration, seed=seed, jolt_px=jolt_px, frame_w=w, frame_h=h))
    stand = None
    if stand_sway_px > 0:
        if isinstance(scene, SideScene):
            pivot, sw, top = scene.pivot, scene.body_px, scene.shoulder_y
        else:
            sw = scene.shoulder_px
            mid_x, top = scene.shoulder_line
            pivot = (mid_x, top + cond.ANKLE_BELOW_SHOULDERS_SW * sw)
        stand = cond.plan_standing_sway(stand_sway_px, duration, pivot=pivot, lever_px=pivot[1] - top, sw=sw,
                                        centre=(0.5 * (w - 1), 0.5 * (h - 1)), seed=seed)
    return Plan(claps, stand, cond.plan_exposure(exposure_drift, n, fps, seed=seed))


def iter_frames(
    breathing: Breathing,
    scene: "Scene | SideScene",
    *,
    fps: float = 30.0,
    amplitude_px: float = 6.0,
    sway_px: float = 1.5,
    shake_px: float = 0.3,
    noise_std: float = 2.0,
    seed: int = 0,
    reps: Sequence[Rep] = (),
    movement_px: float = MOVEMENT_PX,
    clap: str = "none",
    jolt_px: float = cond.JOLT_PX,
    stand_sway_px: float = 0.0,
    exposure_drift: float = 0.0,
    jpeg_quality: int | None = None,
) -> Iterator[np.ndarray]:
    """Yield the clip's frames (HxWx3 uint8 BGR) one at a time; frame i shows time i / fps.

    ``reps``: whole-body repetitions (simulate.movement) moving the person by up to ``movement_px``.
    ``clap``, ``jolt_px``, ``stand_sway_px``, ``exposure_drift``, ``jpeg_quality``: the conditions of
    real footage (simulate.conditions; off by default).  ``scene`` is a fitted still
    (:func:`build_scene`) or a drawn side view (simulate.side.build_side_scene).
    """
    if fps <= 0:
        raise ParameterError(f"fps must be positive, not {fps}")
    if amplitude_px < 0 or sway_px < 0 or shake_px < 0 or noise_std < 0:
        raise ParameterError("amplitude_px, sway_px, shake_px and noise_std must not be negative")
    cond.check(clap=clap, jolt_px=jolt_px, stand_sway_px=stand_sway_px, exposure_drift=exposure_drift, jpeg_quality=jpeg_quality)
    side = isinstance(scene, SideScene)
    if side and reps:
        raise ParameterError("whole-body movement (reps) is not drawn in the side view")
    if side and side_reach_px(amplitude_px, sway_px, stand_sway_px) > scene.margin_px:
        raise ParameterError(
            f"the body may move {side_reach_px(amplitude_px, sway_px, stand_sway_px):.0f} px, beyond the side scene's "
            f"{scene.margin_px} px margin: build it with build_side_scene(..., reach_px=side_reach_px(...))"
        )
    cv = cv2()
    n = int(round(breathing.truth.duration_s * fps))
    t = np.arange(n) / fps
    chest = amplitude_px * np.interp(t, breathing.t_s, breathing.chest)
    belly = amplitude_px * np.interp(t, breathing.t_s, breathing.belly)
    rng = np.random.default_rng(seed)
    sway = _sway(n, fps, sway_px, rng)
    shake = _shake(n, fps, shake_px, rng)
    gain = _flicker(n, fps, rng)
    h, w = _frame_shape(scene)
    bank = None
    if noise_std > 0:
        bank = np.round(rng.normal(0.0, noise_std, (NOISE_BANK, h + NOISE_MARGIN_PX, w + NOISE_MARGIN_PX, 3)))
        bank = bank.astype(np.int16)
    picks = rng.integers(0, [NOISE_BANK, NOISE_MARGIN_PX, NOISE_MARGIN_PX], size=(n, 3))
    map_x = np.empty((h, w), np.float32)
    map_y = np.empty((h, w), np.float32)
    body = trajectory(reps, t, amplitude_px=movement_px, seed=seed) if reps else None
    plate = background_plate(scene) if body is not None else None
    # the conditions of real footage, each from its own random stream
    plan = plan_conditions(scene, n=n, fps=fps, clap=clap, jolt_px=jolt_px, stand_sway_px=stand_sway_px,
                           exposure_drift=exposure_drift, seed=seed)
    if plan.exposure is not None:
        gain = gain * plan.exposure.gain
    jolt = cond.jolt_offsets(list(plan.claps), t) if any(c.jolt for c in plan.claps) else None
    hands = None
    if not side and any(c.hands for c in plan.claps):
        mid_x, sh_y = scene.shoulder_line
        hands = cond.Hands(w, h, mid_x, sh_y, scene.shoulder_px, seed,
                           sleeve_bgr=cond.CLOTHING_BGR["dark"] if scene.clothing == "dark" else None)
    person_gx = person_gy = None
    if plan.stand is not None and not side:
        person_gx = scene.person * scene.grid_x
        person_gy = scene.person * scene.grid_y
    for i in range(n):
        if side:
            frame = _side_frame(scene, plan, float(chest[i]), float(belly[i]), float(t[i]), sway[i] if sway_px > 0 else None)
            if shake_px > 0 and (shake[i, 0] or shake[i, 1]):
                frame = cond.apply_jolt(frame, float(shake[i, 0]), float(shake[i, 1]), 0.0)
        else:
            cv.scaleAdd(scene.belly_x, float(belly[i]), scene.grid_x, dst=map_x)
            cv.scaleAdd(scene.belly_y, float(belly[i]), scene.grid_y, dst=map_y)
            cv.scaleAdd(scene.chest_up, float(chest[i]), map_y, dst=map_y)
            if sway_px > 0:
                cv.scaleAdd(scene.person, float(-sway[i, 0]), map_x, dst=map_x)
                cv.scaleAdd(scene.person, float(-sway[i, 1]), map_y, dst=map_y)
            if plan.stand is not None:
                _add_person_affine(map_x, map_y, scene.person, person_gx, person_gy, plan.stand.affine(float(t[i])))
            if shake_px > 0 and body is None:
                map_x -= np.float32(shake[i, 0])
                map_y -= np.float32(shake[i, 1])
            frame = cv.remap(scene.base, map_x, map_y, cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
            if body is not None:
                frame = _move_person(frame, plate, scene, body.affine(i, scene.pivot), shake[i])
            if hands is not None:
                layer = hands.layer(list(plan.claps), float(t[i]))
                if layer is not None:
                    frame = cond.over(frame, *layer)
        if jolt is not None and (jolt[i, 0] or jolt[i, 1] or jolt[i, 2]):
            frame = cond.apply_jolt(frame, float(jolt[i, 0]), float(jolt[i, 1]), float(jolt[i, 2]))
        frame = cv.convertScaleAbs(frame, alpha=float(gain[i]))
        if bank is not None:
            k, oy, ox = picks[i]
            frame = cv.add(frame, bank[k, oy : oy + h, ox : ox + w], dtype=cv.CV_8U)
        if jpeg_quality is not None:
            frame = cond.jpeg_roundtrip(frame, jpeg_quality)
        yield frame


def _add_person_affine(map_x, map_y, person, person_gx, person_gy, forward: np.ndarray) -> None:
    """Move the person (soft mask) by the 2x3 forward affine: map -= person * (p - forward^-1(p))."""
    cv = cv2()
    inv = cv.invertAffineTransform(forward)
    a, b = inv[:, :2], inv[:, 2]
    # p - inv(p) = (I - a) p - b
    cv.scaleAdd(person_gx, float(-(1.0 - a[0, 0])), map_x, dst=map_x)
    cv.scaleAdd(person_gy, float(a[0, 1]), map_x, dst=map_x)
    cv.scaleAdd(person, float(b[0]), map_x, dst=map_x)
    cv.scaleAdd(person_gx, float(a[1, 0]), map_y, dst=map_y)
    cv.scaleAdd(person_gy, float(-(1.0 - a[1, 1])), map_y, dst=map_y)
    cv.scaleAdd(person, float(b[1]), map_y, dst=map_y)


def _side_frame(scene: SideScene, plan: Plan, chest_px: float, belly_px: float, t: float, sway: np.ndarray | None) -> np.ndarray:
    """A side-view frame: standing sway and the small sway turn and move both layers; a clap swings the arm."""
    body = plan.stand.affine(t) if plan.stand is not None else None
    if sway is not None:
        body = body.copy() if body is not None else np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        body[:, 2] += sway
    swing = (0.0,)
    if any(c.hands and c.start <= t <= c.end + cond.HAND_SHUTTER_S for c in plan.claps):
        arc = np.radians(arm_swing_deg(plan.claps, t) - arm_swing_deg(plan.claps, t - cond.HAND_SHUTTER_S)) * scene.arm_length_px
        k = cond.blur_samples(arc)
        swing = tuple(arm_swing_deg(plan.claps, t - cond.HAND_SHUTTER_S * j / max(1, k - 1)) for j in range(k))
    return side_frame(scene, chest_px, belly_px, sway=body, arm_deg=swing)


def background_plate(scene: Scene) -> np.ndarray:
    """The scene without the person (inpainted), revealed where whole-body movement takes them away."""
    cv = cv2()
    hole = (scene.person > PLATE_MASK_LEVEL).astype(np.uint8) * 255
    k = max(3, int(PLATE_DILATE_PX) | 1)
    hole = cv.dilate(hole, np.ones((k, k), np.uint8))
    # Inpainting at half size: the plate is only seen in thin strips beside a moving person.
    small = cv.resize(scene.base, None, fx=0.5, fy=0.5, interpolation=cv.INTER_AREA)
    small_hole = cv.resize(hole, (small.shape[1], small.shape[0]), interpolation=cv.INTER_NEAREST)
    filled = cv.inpaint(small, small_hole, 5, cv.INPAINT_TELEA)
    filled = cv.resize(filled, (scene.base.shape[1], scene.base.shape[0]), interpolation=cv.INTER_LINEAR)
    keep = (hole == 0)[..., None]
    return np.where(keep, scene.base, filled)


def _move_person(frame: np.ndarray, plate: np.ndarray, scene: Scene, affine: np.ndarray, shake: np.ndarray) -> np.ndarray:
    """The person (soft mask) of ``frame`` moved by ``affine`` over the plate; then the camera's shake."""
    cv = cv2()
    h, w = frame.shape[:2]
    person = cv.warpAffine(frame, affine, (w, h), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
    alpha = cv.warpAffine(scene.person, affine, (w, h), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
    out = cv.blendLinear(person, plate, alpha, 1.0 - alpha)
    if shake[0] or shake[1]:
        m = np.array([[1.0, 0.0, shake[0]], [0.0, 1.0, shake[1]]])
        out = cv.warpAffine(out, m, (w, h), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
    return out


def add_sound_track(clip: str | Path, samples: np.ndarray, *, fs_hz: float) -> Path:
    """Give ``clip`` a mono sound track holding ``samples`` (float, -1..1, at ``fs_hz``), in place.

    The video packets are copied as they are (no re-encoding: the picture is unchanged bit for bit);
    the sound is AAC in mp4/m4v/mov and 16-bit PCM in other containers (avi, mkv).  A track the clip
    already has is replaced.  Needs PyAV (FFmpeg)."""
    av = require("av")
    clip = Path(clip)
    x = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
    rate = int(round(fs_hz))
    if x.size == 0 or rate <= 0:
        raise ParameterError("a sound track needs samples and a positive sample rate")
    aac = clip.suffix.lower() in (".mp4", ".m4v", ".mov")
    tmp = clip.with_name(clip.stem + ".sound-tmp" + clip.suffix)
    try:
        with av.open(str(clip)) as src, av.open(str(tmp), "w") as out:
            vin = src.streams.video[0]
            vout = out.add_stream_from_template(vin)
            aout = out.add_stream("aac" if aac else "pcm_s16le", rate=rate, layout="mono")
            for packet in src.demux(vin):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = vout
                out.mux(packet)
            step = aout.codec_context.frame_size or 1024
            for k in range(0, x.size, step):
                chunk = x[None, k : k + step]
                if aac:
                    frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                else:
                    frame = av.AudioFrame.from_ndarray(np.round(chunk * 32767).astype(np.int16), format="s16", layout="mono")
                frame.sample_rate, frame.pts = rate, k
                out.mux(aout.encode(frame))
            out.mux(aout.encode(None))
        tmp.replace(clip)
    finally:
        tmp.unlink(missing_ok=True)
    return clip


def truth_path(clip: str | Path) -> Path:
    """``clip.mp4`` -> ``clip.truth.json`` beside it."""
    clip = Path(clip)
    return clip.with_name(clip.stem + ".truth.json")


def render_clip(
    breathing: Breathing,
    path: str | Path,
    *,
    still: str | np.ndarray = "astronaut",
    width: int = 640,
    height: int = 480,
    fps: float = 30.0,
    amplitude_px: float = 6.0,
    sway_px: float = 1.5,
    shake_px: float = 0.3,
    noise_std: float = 2.0,
    framing: str = "full",
    codec: str = "mp4v",
    seed: int = 0,
    reps: Sequence[Rep] = (),
    movement_px: float = MOVEMENT_PX,
    clap: str = "none",
    jolt_px: float = cond.JOLT_PX,
    stand_sway_px: float = 0.0,
    exposure_drift: float = 0.0,
    jpeg_quality: int | None = None,
    clothing: str = "original",
    tape_strips: int = 0,
    sound: SoundTrack | None = None,
) -> Path:
    """Render ``breathing`` as a video of a real person and write ``<clip stem>.truth.json`` beside it.

    amplitude_px: image displacement per unit of chest/belly excursion (a simulated breath of depth 1
    moves the chest by ``amplitude_px * (1 - belly_share)``); sway_px: body sway; shake_px: camera
    shake; noise_std: sensor noise in grey levels; reps: whole-body repetitions
    (simulate.movement) moving the person by up to movement_px; codec: a FourCC ("mp4v" for .mp4, "MJPG" for .avi).
    framing "side" draws a side view (simulate.side; ``still`` is not used).  Conditions of real
    footage (simulate.conditions; all off by default): clap ("hands", "jolt", "both") at the start
    and the end, with the camera jolting by up to jolt_px; stand_sway_px: a standing person's sway
    about the ankles (peak px at the shoulder line); exposure_drift: auto-exposure gain drift and
    steps (peak-to-peak share, 0.05-0.2); jpeg_quality: every frame through JPEG at this quality
    (15-30: low bitrate); clothing ("dark", "light") and tape_strips (white tape on the sternum).
    sound: a breath-sound track made from the same breathing (:class:`~breathcam.simulate.sound.SoundTrack`,
    see :func:`add_sound_track`); off by default.  Returns the clip's path.
    """
    cv = cv2()
    path = Path(path)
    if len(codec) != 4:
        raise ParameterError(f"codec must be a four-character code such as 'mp4v', not {codec!r}")
    cond.check(clap=clap, jolt_px=jolt_px, stand_sway_px=stand_sway_px, exposure_drift=exposure_drift,
               jpeg_quality=jpeg_quality, clothing=clothing, tape_strips=tape_strips)
    if framing == "side":
        scene = build_side_scene(width, height, clothing=clothing, tape_strips=tape_strips, seed=seed,
                                 reach_px=side_reach_px(amplitude_px, sway_px, stand_sway_px))
    else:
        scene = build_scene(still, width=width, height=height, framing=framing, clothing=clothing,
                            tape_strips=tape_strips, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv.VideoWriter(str(path), cv.VideoWriter_fourcc(*codec), float(fps), (width, height))
    if not writer.isOpened():
        raise InputError(f"OpenCV cannot write {path} with codec {codec!r}; try .mp4 with mp4v or .avi with MJPG")
    conditions = dict(clap=clap, jolt_px=jolt_px, stand_sway_px=stand_sway_px, exposure_drift=exposure_drift)
    n = 0
    try:
        for frame in iter_frames(
            breathing, scene, fps=fps, amplitude_px=amplitude_px, sway_px=sway_px,
            shake_px=shake_px, noise_std=noise_std, seed=seed, reps=reps, movement_px=movement_px,
            jpeg_quality=jpeg_quality, **conditions,
        ):
            writer.write(frame)
            n += 1
    finally:
        writer.release()
    extra = dict(breathing.truth.extra)
    extra.update(
        still=("procedural side view" if framing == "side" else still if isinstance(still, str) else "array"),
        width=width,
        height=height,
        fps=float(fps),
        n_frames=n,
        amplitude_px=float(amplitude_px),
        sway_px=float(sway_px),
        shake_px=float(shake_px),
        noise_std=float(noise_std),
        framing=framing,
        codec=codec,
        seed=seed,
        movement_px=float(movement_px) if reps else 0.0,
        face_in_frame=scene.face_in_frame,
        belly_visible=scene.belly_visible,
        source_rect=list(scene.source_rect),
        chest_box=[round(v, 1) for v in (scene.chest_box.x0, scene.chest_box.y0, scene.chest_box.x1, scene.chest_box.y1)],
        belly_box=[round(v, 1) for v in (scene.belly_box.x0, scene.belly_box.y0, scene.belly_box.x1, scene.belly_box.y1)],
    )
    # the conditions of real footage: written only when used, so other clips' truths stay as they were
    if framing == "side":
        extra["side"] = scene.geometry
    if clothing != "original" or tape_strips > 0:
        extra.update(clothing=clothing, tape_strips=int(tape_strips))
        if framing != "side":
            extra["tape_boxes"] = [list(b) for b in scene.tape_boxes]
    if clap != "none":
        extra.update(clap=clap, jolt_px=float(jolt_px) if clap in ("jolt", "both") else 0.0)
    if stand_sway_px > 0:
        extra["stand_sway_px"] = float(stand_sway_px)
    if exposure_drift > 0:
        extra["exposure_drift"] = float(exposure_drift)
    if jpeg_quality is not None:
        extra["jpeg_quality"] = int(jpeg_quality)
    if sound is not None:
        from breathcam.simulate.sound import breath_sound

        s = breath_sound(breathing, fs_hz=sound.fs_hz, snr_db=sound.snr_db, noise=sound.noise, heart_bpm=sound.heart_bpm,
                         heart_gain=sound.heart_gain, exhale_gain=sound.exhale_gain, seed=seed)
        add_sound_track(path, s.samples, fs_hz=s.fs_hz)
        extra["sound"] = dataclasses.asdict(sound)
    extra.update(plan_conditions(scene, n=n, fps=fps, seed=seed, **conditions).truth())
    replace(breathing.truth, extra=extra).write(truth_path(path))
    return path
