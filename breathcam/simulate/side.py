"""A procedural side view of a standing person breathing, under the same truth as the frontal clips.

A side view cannot be made honestly from a frontal still, so this draws one: a person in profile
facing right (+x), the torso from the neck to the thighs, the head mostly above the frame, an arm
hanging beside the torso, in a plain room.  Sizes are in frame heights (the frame shows about 0.95 m
of the body: the torso's depth is about 0.24 frame heights at the chest).

* The torso's outline is a back and a front contour (chest, waist, belly, hips) through fixed
  control points, varied a little per seed; the clothing is a textured fabric (a fine weave, a few
  soft folds, darker towards the back and the front edge, as a rounded body is lit from the camera's
  side), dark, light or a mid blue-grey ("original"), with trousers below the hips and skin above
  the neckline.  The arm (sleeve and skin, shaded across its width) is its own layer in front of the
  torso.  The room behind is a lit wall, ceiling lights, a door frame, a notice board and a desk.
* Breathing, with ``c = amplitude_px * chest(t)`` and ``b = amplitude_px * belly(t)``:
  the belly's front contour moves forward by ``b`` (full over the abdomen, fading towards the lower
  chest and the hips), the chest's front contour moves forward by ``SIDE_CHEST_FORWARD_SHARE * c``
  (the sternum's pump-handle motion), and the shoulders and upper chest rise by ``c``, carrying the
  arm with them.  Inside the torso the forward motion ramps linearly from nothing at the back to the
  full amount at the front contour, so the back stays put and the fabric stretches in between.
  The contour moves *exactly* by these amounts (the layer beyond the contour moves rigidly).
* Standing sway (``render.iter_frames(stand_sway_px=...)``) turns both layers about the ankles, far
  below the frame, so in a side view the front-back sway is in the picture's plane; a clap
  (``clap="hands"``) swings the arm forward about the shoulder up to SIDE_CLAP_DEG and back,
  motion-blurred.

What it does not reproduce: real anatomy (the outline is a smooth drawing; no breasts, shoulder
blades or spine moving), the far arm (it would show its hand at the clap), clothing that slides or
folds anew as the body moves (the fabric stretches with the torso), lighting that changes as the
surface turns, the back moving (a seated person's back rests; a standing one's moves a little), a
face (the head is hair and a cheek at the top edge), and perspective (the camera is orthographic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from breathcam._deps import cv2, require
from breathcam.simulate.conditions import CLOTHING_BGR, SKIN_TONES_BGR, STREAM_SIDE, stream
from breathcam.types import Box

# --- the body, in frame heights: y down from the frame's top, x from the torso's axis --------------
SIDE_AXIS_X = 0.42  # the torso's axis, as a share of the frame width
FRONT_PROFILE = (
    (-0.10, 0.030), (0.03, 0.035), (0.10, 0.055), (0.16, 0.090), (0.26, 0.120), (0.36, 0.125),
    (0.44, 0.112), (0.52, 0.108), (0.60, 0.116), (0.70, 0.110), (0.78, 0.100), (0.90, 0.105), (1.10, 0.100),
)
BACK_PROFILE = (
    (-0.10, -0.060), (0.03, -0.050), (0.10, -0.075), (0.16, -0.110), (0.28, -0.120), (0.40, -0.108),
    (0.52, -0.092), (0.64, -0.100), (0.76, -0.120), (0.86, -0.140), (0.96, -0.130), (1.10, -0.110),
)
# Per-seed variation: the front contour's offsets (the belly and chest's prominence), the back's.
FRONT_VARIATION = (0.9, 1.12)
BACK_VARIATION = (0.92, 1.08)
# The head (hair) and the cheek below it; mostly above the frame.
HEAD_CENTRE = (0.015, -0.05)
HEAD_AXES = (0.095, 0.125)
FACE_CENTRE = (0.05, -0.03)
FACE_AXES = (0.065, 0.095)
# Neckline (front and back), the top's hem over the trousers, the short sleeve's end.
NECKLINE_Y = (0.15, 0.12)
HEM_Y = 0.79
SHORT_SLEEVE_Y = 0.31
# The arm: shoulder joint, elbow, wrist, fingertips (x from the axis, y) and widths.
SHOULDER_JOINT = (-0.01, 0.165)
ELBOW = (-0.005, 0.46)
WRIST = (0.025, 0.70)
FINGERTIPS = (0.035, 0.80)
UPPER_ARM_WIDTH = 0.09
FOREARM_WIDTH = 0.068
HAND_AXES = (0.055, 0.032)
DELTOID_RADIUS = 0.058
# Breathing weights over height: (zero above, full from, full to, zero below).
BELLY_BAND = (0.40, 0.50, 0.66, 0.78)
CHEST_FORWARD_BAND = (0.10, 0.20, 0.36, 0.50)
CHEST_UP_BAND = (0.02, 0.12, 0.32, 0.52)
# The chest's front moves forward by this share of its rise (the sternum's pump-handle motion).
SIDE_CHEST_FORWARD_SHARE = 0.7
# The arm rises with the shoulders by this share of the chest's rise.
SIDE_ARM_RISE_SHARE = 1.0
# A clap swings the arm forward about the shoulder by up to this angle.
SIDE_CLAP_DEG = 70.0
# The ankles (the standing sway's pivot) and the body's shoulder width, in frame heights (for the
# scale change of sway towards the camera).
SIDE_ANKLE_Y = 1.62
SIDE_SHOULDER_WIDTH = 0.38
# Colours (BGR): the "original" top, trousers, hair; lighting across the torso's depth (darkest at
# the back and front edges); textures (weave: grey levels, folds: relative).
ORIGINAL_TOP_BGR = (125, 104, 86)
TROUSERS_BGR = (78, 70, 62)
HAIR_BGR = (32, 40, 52)
EDGE_SHADE = 0.72
WEAVE_GREY = {"dark": 2.0, "light": 2.5, "original": 2.5}
FOLD_SHARE = {"dark": 0.04, "light": 0.07, "original": 0.06}
FOLD_SIGMA = 0.025
# A stripe of tape along the sleeve's outer edge (tape_strips > 0), as on sports tops.
SLEEVE_STRIPE_WIDTH = 0.012
# Webcam softness (output px), as for the frontal clips.
SIDE_BLUR_SIGMA_PX = 0.8
# The columns kept for the torso reach this far (frame heights) beyond the body at rest: room for a
# standing sway of up to about 0.1 frame heights (50 px at 480 lines).
SIDE_ROI_MARGIN = 0.12


@dataclass(frozen=True)
class SideScene:
    """The side view's layers at rest and its displacement fields, in output pixels.

    Per frame the torso's backward map is ``map_x = grid_x - b*belly_x - c*chest_x`` and
    ``map_y = grid_y + c*chest_up`` (b, c the belly and chest excursions in px), composed with the
    standing sway; the arm layer moves rigidly (up with the chest, swinging at a clap).  The torso
    and its fields are kept only over the columns ``roi`` (x0, x1) where the body is, with a margin
    for sway (drawing a frame costs a third of drawing it whole); the arm layer is whole-frame, as
    a clap swings it anywhere."""

    background: np.ndarray  # HxWx3 uint8
    torso: np.ndarray  # Hx(x1-x0)x4 float32, premultiplied BGR and alpha
    arm: np.ndarray  # HxWx4 float32, premultiplied
    grid_x: np.ndarray  # Hx(x1-x0): columns x0..x1-1 of the frame, counted from x0
    grid_y: np.ndarray
    belly_x: np.ndarray
    chest_x: np.ndarray
    chest_up: np.ndarray
    roi: tuple[int, int]
    margin_px: int  # the columns kept beyond the body at rest
    shoulder_joint: tuple[float, float]
    pivot: tuple[float, float]  # the ankles
    shoulder_y: float
    body_px: float  # a shoulder width's equivalent in px
    arm_length_px: float  # shoulder joint to fingertips
    chest_box: Box
    belly_box: Box
    geometry: dict
    clothing: str
    face_in_frame: bool = False
    belly_visible: float = 1.0
    source_rect: tuple = ()


def _profile(points, scale: float, rng_scale: float):
    interp = require("scipy.interpolate")
    ys = np.array([p[0] for p in points])
    xs = np.array([p[1] for p in points]) * rng_scale
    f = interp.PchipInterpolator(ys, xs, extrapolate=True)
    return lambda y: f(y / scale) * scale


def _band(y: np.ndarray, band: tuple[float, float, float, float], h: float) -> np.ndarray:
    a, b, c, d = (v * h for v in band)
    up = np.clip((y - a) / (b - a), 0, 1)
    down = np.clip((d - y) / (d - c), 0, 1)
    return np.minimum(up * up * (3 - 2 * up), down * down * (3 - 2 * down))


def _fill(mask_shape, polys, *, lines=(), ellipses=()) -> np.ndarray:
    """An anti-aliased 0..1 mask of polygons, thick lines ((p, q, width)) and ellipses ((centre, axes, angle))."""
    cv = cv2()
    m = np.zeros(mask_shape, np.uint8)
    s = lambda p: (int(round(p[0] * 16)), int(round(p[1] * 16)))  # noqa: E731
    if polys:
        cv.fillPoly(m, [np.round(np.asarray(p) * 16).astype(np.int32) for p in polys], 255, cv.LINE_AA, 4)
    for p, q, wid in lines:
        cv.line(m, s(p), s(q), 255, max(1, int(round(wid))), cv.LINE_AA, 4)
    for c, axes, ang in ellipses:
        cv.ellipse(m, s(c), (int(round(axes[0] * 16)), int(round(axes[1] * 16))), ang, 0, 360, 255, -1, cv.LINE_AA, 4)
    return m.astype(np.float32) / 255.0


def _room(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A plain lit room: wall, ceiling with lights, a door frame, a notice board, a desk."""
    cv = cv2()
    gy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    wall = np.array([198, 203, 206], np.float32) * (1.04 - 0.12 * gy)
    img = np.broadcast_to(wall, (h, w, 3)).copy()
    ceiling = int(rng.uniform(0.08, 0.16) * h)
    img[:ceiling] = np.array([228, 230, 232], np.float32)
    for _ in range(2):
        x0 = int(rng.uniform(0.45, 0.9) * w)
        lw = int(rng.uniform(0.08, 0.14) * w)
        img[max(0, ceiling - int(0.04 * h)) : ceiling - int(0.01 * h), x0 : x0 + lw] = 252
    corner = int(rng.uniform(0.05, 0.2) * w)
    img[ceiling:, :corner] *= 0.86  # the wall turns away from the light
    door = int(rng.uniform(0.7, 0.9) * w)
    img[ceiling:, door : door + max(2, w // 90)] = np.array([150, 155, 160], np.float32)
    bx0, by0 = int(rng.uniform(0.6, 0.72) * w), int(rng.uniform(0.45, 0.55) * h)
    bw, bh = int(0.16 * w), int(0.28 * h)
    img[by0 : by0 + bh, bx0 : bx0 + bw] = np.array([235, 238, 240], np.float32)
    for _ in range(9):  # notices and lines of print on the board
        x = bx0 + int(rng.uniform(0.05, 0.6) * bw)
        y = by0 + int(rng.uniform(0.05, 0.85) * bh)
        colour = rng.uniform(40, 220, size=3).astype(np.float32)
        img[y : y + max(2, int(rng.uniform(0.04, 0.15) * bh)), x : x + max(3, int(rng.uniform(0.1, 0.35) * bw))] = colour
    desk = int(rng.uniform(0.86, 0.93) * h)
    img[desk:] = np.array([60, 62, 66], np.float32)
    img[desk : desk + max(2, h // 120)] = np.array([110, 112, 116], np.float32)
    noise = cv.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 1.0)
    img += (2.0 * noise / max(1e-6, float(noise.std())))[..., None]
    return np.clip(cv.GaussianBlur(img, (0, 0), SIDE_BLUR_SIGMA_PX), 0, 255).astype(np.uint8)


def build_side_scene(width: int, height: int, *, clothing: str = "original", tape_strips: int = 0, seed: int = 0,
                     reach_px: float = 0.0) -> SideScene:
    """Draw the side view's room, torso and arm at rest and the breathing fields for width x height.

    reach_px: how far (px) the body may move from rest (breathing, sway); the torso's columns are
    kept at least this far beyond it (and SIDE_ROI_MARGIN frame heights)."""
    cv = cv2()
    rng = stream(seed, STREAM_SIDE)
    w, h = int(width), int(height)
    H = float(h)
    axis = SIDE_AXIS_X * w
    front = _profile(FRONT_PROFILE, H, float(rng.uniform(*FRONT_VARIATION)))
    back = _profile(BACK_PROFILE, H, float(rng.uniform(*BACK_VARIATION)))
    skin = np.array(SKIN_TONES_BGR[int(rng.integers(len(SKIN_TONES_BGR)))], np.float32)
    top = np.array(CLOTHING_BGR.get(clothing, ORIGINAL_TOP_BGR), np.float32)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    ys = np.arange(h, dtype=np.float32)
    xf = axis + front(ys)
    xb = axis + back(ys)

    # the torso (neck, trunk, hips and thighs): per row, the share of each pixel (centres at
    # integer x) between the back and the front contour, so that the contour is exactly where the
    # profile says; and the head
    trunk = (np.clip(xf[:, None] - gx + 0.5, 0, 1) * np.clip(gx - xb[:, None] + 0.5, 0, 1)).astype(np.float32)
    hx, hy = axis + HEAD_CENTRE[0] * H, HEAD_CENTRE[1] * H
    head = _fill((h, w), [], ellipses=[((hx, hy), (HEAD_AXES[0] * H, HEAD_AXES[1] * H), 0.0)])
    face = _fill((h, w), [], ellipses=[((axis + FACE_CENTRE[0] * H, FACE_CENTRE[1] * H), (FACE_AXES[0] * H, FACE_AXES[1] * H), 0.0)]) * head
    alpha = np.clip(trunk + head - trunk * head, 0, 1)

    depth = np.clip((gx - xb[:, None]) / np.maximum(1.0, (xf - xb)[:, None]), 0.0, 1.0)
    light = EDGE_SHADE + (1 - EDGE_SHADE) * np.sqrt(np.clip(np.sin(np.pi * depth), 0, 1))
    weave = cv.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.7)
    weave *= WEAVE_GREY[clothing] / max(1e-6, float(weave.std()))
    folds = cv.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), FOLD_SIGMA * H)
    folds = 1.0 + FOLD_SHARE[clothing] * folds / max(1e-6, float(folds.std()))
    neck_y = (NECKLINE_Y[1] + (NECKLINE_Y[0] - NECKLINE_Y[1]) * depth) * H
    is_top = ((gy >= neck_y) & (gy < HEM_Y * H)).astype(np.float32)
    is_trousers = (gy >= HEM_Y * H).astype(np.float32)
    is_skin = 1.0 - is_top - is_trousers
    colour = (is_top[..., None] * top + is_trousers[..., None] * np.array(TROUSERS_BGR, np.float32)
              + is_skin[..., None] * skin) * (light * folds)[..., None] + weave[..., None]
    colour = face[..., None] * skin * 0.95 + (head - face)[..., None] * np.array(HAIR_BGR, np.float32) + (1 - head)[..., None] * colour
    colour = cv.GaussianBlur(colour, (0, 0), 0.6)  # seams between the pieces are not razor sharp
    torso = np.dstack([colour * alpha[..., None], alpha]).astype(np.float32)

    # the arm: deltoid, upper arm, forearm, hand
    P = lambda p: (axis + p[0] * H, p[1] * H)  # noqa: E731
    sj, el, wr, ft = P(SHOULDER_JOINT), P(ELBOW), P(WRIST), P(FINGERTIPS)
    hand_c = (0.5 * (wr[0] + ft[0]), 0.5 * (wr[1] + ft[1]))
    hand_ang = float(np.degrees(np.arctan2(ft[1] - wr[1], ft[0] - wr[0])))
    upper = _fill((h, w), [], lines=[(sj, el, UPPER_ARM_WIDTH * H)], ellipses=[(sj, (DELTOID_RADIUS * H, DELTOID_RADIUS * H), 0.0)])
    fore = _fill((h, w), [], lines=[(el, wr, FOREARM_WIDTH * H)])
    hand = _fill((h, w), [], ellipses=[(hand_c, (HAND_AXES[0] * H, HAND_AXES[1] * H), hand_ang)])
    arm_alpha = np.clip(np.maximum(np.maximum(upper, fore), hand), 0, 1)
    dist = cv.distanceTransform((arm_alpha > 0.5).astype(np.uint8), cv.DIST_L2, 5)
    arm_light = EDGE_SHADE + (1 - EDGE_SHADE) * np.sqrt(np.clip(dist / (0.5 * FOREARM_WIDTH * H), 0, 1))
    sleeve_end = (h * 2.0) if clothing == "dark" else SHORT_SLEEVE_Y * H
    # along the arm (projected on the shoulder-to-wrist line): sleeve down to sleeve_end, then skin
    on_sleeve = ((gy < sleeve_end) & (hand < 0.5)).astype(np.float32)
    arm_col = (on_sleeve[..., None] * top + (1 - on_sleeve)[..., None] * skin) * (arm_light * folds)[..., None] + weave[..., None]
    stripes = []
    if tape_strips > 0:  # a white stripe down the sleeve's outer (camera) side
        stripe = _fill((h, w), [], lines=[((sj[0] - 0.2 * DELTOID_RADIUS * H, sj[1] - 0.5 * DELTOID_RADIUS * H),
                                           (wr[0] - 0.2 * FOREARM_WIDTH * H, min(wr[1], sleeve_end)), SLEEVE_STRIPE_WIDTH * H)])
        stripe *= on_sleeve * arm_alpha
        arm_col = arm_col * (1 - stripe[..., None]) + np.array([236, 238, 240], np.float32) * stripe[..., None]
        stripes.append("sleeve")
    arm_col = cv.GaussianBlur(arm_col, (0, 0), 0.6)
    arm = np.dstack([arm_col * arm_alpha[..., None], arm_alpha]).astype(np.float32)

    sigma = SIDE_BLUR_SIGMA_PX
    torso = cv.GaussianBlur(torso, (0, 0), sigma)
    arm = cv.GaussianBlur(arm, (0, 0), sigma)

    # breathing fields
    belly_w = _band(ys, BELLY_BAND, H)[:, None]
    chest_fw = _band(ys, CHEST_FORWARD_BAND, H)[:, None]
    up_w = _band(ys, CHEST_UP_BAND, H)[:, None]
    belly_x = (depth * belly_w).astype(np.float32)
    chest_x = (SIDE_CHEST_FORWARD_SHARE * depth * chest_fw).astype(np.float32)
    chest_up = np.ascontiguousarray(np.broadcast_to(up_w, (h, w))).astype(np.float32)

    occupied = np.flatnonzero((torso[..., 3] > 1e-3).any(axis=0) | (arm[..., 3] > 1e-3).any(axis=0))
    margin = int(np.ceil(max(SIDE_ROI_MARGIN * H, reach_px)))
    x0, x1 = (max(0, int(occupied[0]) - margin), min(w, int(occupied[-1]) + 1 + margin)) if occupied.size else (0, w)
    crop = lambda a: np.ascontiguousarray(a[:, x0:x1])  # noqa: E731

    # where the contour moves in full (truth and regions)
    belly_row = float(round(0.5 * (BELLY_BAND[1] + BELLY_BAND[2]) * H))
    chest_row = float(round(0.5 * (CHEST_FORWARD_BAND[1] + CHEST_FORWARD_BAND[2]) * H))
    x_at = lambda f, y: float(axis + f(np.array([y]))[0])  # noqa: E731
    chest_box = Box(x_at(back, chest_row), CHEST_UP_BAND[1] * H, x_at(front, chest_row), CHEST_UP_BAND[2] * H).clipped(w, h)
    belly_box = Box(x_at(back, belly_row), BELLY_BAND[1] * H, x_at(front, belly_row) + 0.0, BELLY_BAND[2] * H).clipped(w, h)
    geometry = {
        "facing": "right",
        "belly_row_y": round(belly_row, 2),
        "belly_front_x": round(x_at(front, belly_row), 3),
        "belly_rows_y": [round(BELLY_BAND[1] * H, 2), round(BELLY_BAND[2] * H, 2)],
        "chest_row_y": round(chest_row, 2),
        "chest_front_x": round(x_at(front, chest_row), 3),
        "chest_rows_y": [round(CHEST_FORWARD_BAND[1] * H, 2), round(CHEST_FORWARD_BAND[2] * H, 2)],
        "front_px_per_belly_px": 1.0,
        "front_px_per_chest_px": SIDE_CHEST_FORWARD_SHARE,
        "shoulder_up_px_per_chest_px": 1.0,
        "arm_up_px_per_chest_px": SIDE_ARM_RISE_SHARE,
        "shoulder_joint": [round(sj[0], 2), round(sj[1], 2)],
        "tape": stripes,
    }
    return SideScene(
        background=_room(w, h, rng),
        torso=crop(torso),
        arm=np.ascontiguousarray(arm),
        grid_x=crop(gx) - np.float32(x0),
        grid_y=crop(gy),
        belly_x=crop(belly_x),
        chest_x=crop(chest_x),
        chest_up=crop(chest_up),
        roi=(x0, x1),
        margin_px=margin,
        shoulder_joint=(float(sj[0]), float(sj[1])),
        pivot=(float(axis), SIDE_ANKLE_Y * H),
        shoulder_y=float(sj[1]),
        body_px=SIDE_SHOULDER_WIDTH * H,
        arm_length_px=float(np.hypot(ft[0] - sj[0], ft[1] - sj[1])),
        chest_box=chest_box,
        belly_box=belly_box,
        geometry=geometry,
        clothing=clothing,
    )


def arm_swing_deg(claps, t: float) -> float:
    """The arm's forward swing (degrees) at time t: up to SIDE_CLAP_DEG during a clap's hands."""
    from breathcam.simulate.conditions import CLAP_PROFILE_POWER

    angle = 0.0
    for c in claps:
        if c.hands and c.start <= t <= c.end:
            u = (t - c.start) / (c.end - c.start)
            angle = max(angle, SIDE_CLAP_DEG * float(np.sin(np.pi * u)) ** CLAP_PROFILE_POWER)
    return angle


def _rotation_about(point, deg: float) -> np.ndarray:
    """3x3: rotate by ``deg`` about ``point`` so that a hanging arm (pointing +y) swings towards +x."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    r = np.array([[c, s], [-s, c]])
    p = np.asarray(point, float)
    m = np.eye(3)
    m[:2, :2] = r
    m[:2, 2] = p - r @ p
    return m


def side_frame(scene: SideScene, chest_px: float, belly_px: float, *, sway: np.ndarray | None = None,
               arm_deg: tuple[float, ...] = (0.0,)) -> np.ndarray:
    """One composited frame (uint8 BGR): ``sway`` is the body's 2x3 forward transform (or None),
    ``arm_deg`` the arm's swing at the instants averaged for motion blur."""
    cv = cv2()
    h, w = scene.background.shape[:2]
    x0, x1 = scene.roi
    rw = x1 - x0
    shift = np.eye(3)
    shift[0, 2] = -x0  # frame -> ROI columns
    map_x = np.empty((h, rw), np.float32)
    map_y = np.empty((h, rw), np.float32)
    cv.scaleAdd(scene.belly_x, -float(belly_px), scene.grid_x, dst=map_x)
    cv.scaleAdd(scene.chest_x, -float(chest_px), map_x, dst=map_x)
    cv.scaleAdd(scene.chest_up, float(chest_px), scene.grid_y, dst=map_y)
    body = np.vstack([sway, [0, 0, 1]]) if sway is not None else np.eye(3)
    if sway is not None:
        # final(p) = the breathing map at the unswayed point; warpAffine's dst(p) = src(M^-1 p),
        # with M the sway in ROI coordinates
        m = (shift @ body @ np.linalg.inv(shift))[:2]
        map_x = cv.warpAffine(map_x, m, (rw, h), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
        map_y = cv.warpAffine(map_y, m, (rw, h), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
    torso = cv.remap(scene.torso, map_x, map_y, cv.INTER_LINEAR, borderMode=cv.BORDER_CONSTANT, borderValue=0)
    rise = np.eye(3)
    rise[1, 2] = -SIDE_ARM_RISE_SHARE * float(chest_px)
    swinging = any(abs(d) > 0 for d in arm_deg)
    # at rest the arm stays within the ROI; a swing may take it anywhere in the frame
    ax0, aw, to_arm = (0, w, np.eye(3)) if swinging else (x0, rw, shift)
    arm = np.zeros((h, aw, 4), np.float32)
    for deg in arm_deg:
        m = to_arm @ body @ rise @ _rotation_about(scene.shoulder_joint, deg)
        arm += cv.warpAffine(scene.arm, m[:2], (aw, h), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_CONSTANT, borderValue=0)
    if len(arm_deg) > 1:
        arm /= len(arm_deg)
    out = scene.background.astype(np.float32)
    part = out[:, x0:x1]
    part *= 1 - torso[..., 3:4]
    part += torso[..., :3]
    part = out[:, ax0 : ax0 + aw]
    part *= 1 - arm[..., 3:4]
    part += arm[..., :3]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
