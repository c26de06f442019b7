"""Conditions of real footage for rendered clips: a clap at the ends, standing sway, auto-exposure
drift, low-bitrate compression and clothing; each seeded, each with exact truth.

:mod:`breathcam.simulate.render` applies them (its docstring says in which order and where they
mislead); this module plans them and draws what is drawn.  Every condition draws its random numbers
from its own stream (``np.random.default_rng([seed, STREAM])``), so switching one on changes
nothing else in the clip, and with all of them off a clip is exactly what it was before they
existed.

* **clap** (``"hands"``, ``"jolt"`` or ``"both"``): real clips start and end with a hand clap as a
  sync mark.  ``hands``: two forearms and hands (skin, or the sleeve's colour on long sleeves, with
  shading, texture and motion blur) rise from below the frame to meet in front of the chest and drop
  away again, over 0.3-1 s; ``jolt``: the camera jolts at the clap (a fast translation of up to
  ``jolt_px`` with a slight zoom, a damped swing over 0.2-0.5 s, and a small offset it keeps after).
  One clap starts 0.2-0.8 s into the clip, one ends 0.2-0.8 s before its end.
* **standing sway**: a standing person sways as an inverted pendulum about the ankles (far below
  the frame): a slow (0.1-0.5 Hz) rotation about the ankles whose peak displacement at the shoulder
  line is ``stand_sway_px``, some vertical bobbing, and the sway towards and away from the camera as
  a change of scale about the frame's centre.
* **exposure drift**: the camera's auto-exposure moves the overall gain slowly (two sinusoids of
  0.03-0.15 Hz, peak-to-peak ``exposure_drift``) and in steps (about 2 a minute, each of
  0.5-1 ``exposure_drift``, reached with a 0.3 s time constant as the camera re-adjusts).
* **low bitrate**: every frame goes through JPEG at ``jpeg_quality`` (15-30 looks like a starved
  video call: 8x8 blocking, smeared colour) before the clip's own codec.
* **clothing**: the torso's clothing recoloured to a plain dark, low-texture fabric or a plain light
  T-shirt (keeping the photo's broad shading and a little of its detail, with a fine weave), and
  optionally a few high-contrast strips of white tape on the sternum (over a dark phone on a light
  shirt), as the real clips have.

Where it misleads: the hands are flat shapes with no fingers or shadows, and they do not sway with
the body; the jolt moves the whole picture (a body that jolts is not drawn); the exposure steps
come with no visible cause (nothing bright is drawn entering); the JPEG pass blocks every frame alike
(a real low-bitrate codec smears motion most and refreshes in key frames); the clothing keeps the
photo's outline (a suit's shape under a T-shirt's colour) and the recolouring reaches whatever
mediapipe counts as the person below the neck (the astronaut's helmet, her gloves).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from breathcam._deps import cv2
from breathcam.types import ParameterError

CLAPS = ("none", "hands", "jolt", "both")
CLOTHING = ("original", "dark", "light")

# Independent random streams per condition (see the module docstring).
STREAM_CLAP = 1
STREAM_STAND = 2
STREAM_EXPOSURE = 3
STREAM_CLOTHING = 4
STREAM_SIDE = 5
STREAM_HANDS = 6

# --- clap ----------------------------------------------------------------------------------------
# The start clap begins this long after the clip's start; the end clap ends this long before its end.
CLAP_START_RANGE_S = (0.2, 0.8)
CLAP_END_MARGIN_RANGE_S = (0.2, 0.8)
# How long the hands are moving (in from below the frame, the clap, out again).
CLAP_DURATION_RANGE_S = (0.3, 1.0)
# The hands' path profile: s(u) = sin(pi u) ** power, u in 0..1 over the clap; below 1 the hands
# arrive quickly, linger near each other and leave quickly.
CLAP_PROFILE_POWER = 0.6
# Motion blur: each frame averages the hands at instants spread over the exposure time before the
# frame's time (1/60 s: half the frame time of a 30 fps webcam): at least HAND_BLUR_SAMPLES, and
# as many more (up to HAND_BLUR_MAX_SAMPLES) as keep the hands' successive positions within
# HAND_BLUR_STEP_PX of each other, so that fast hands smear instead of showing copies.
HAND_SHUTTER_S = 1.0 / 60.0
HAND_BLUR_SAMPLES = 6
HAND_BLUR_MAX_SAMPLES = 32
HAND_BLUR_STEP_PX = 2.0
# Hand and forearm sizes, in shoulder widths (biacromial ~36 cm: a forearm ~7 cm thick, a hand
# ~18 cm long and ~9 cm wide).  The hands meet this far below the shoulder line (mid-chest).
FOREARM_WIDTH_SW = 0.2
HAND_LENGTH_SW = 0.5
HAND_WIDTH_SW = 0.26
CLAP_HEIGHT_SW = 0.55
# At rest the wrists are this far apart (sideways from the midline) and this far below the frame,
# so that nothing of the hands is in view before and after a clap.
HAND_REST_SIDE_SW = 0.7
HAND_REST_BELOW_FRAME_SW = 0.9
# The forearm runs from the wrist down and outwards to a point this far beyond the wrist (out of view).
FOREARM_REACH_SW = 3.0
FOREARM_SPLAY = 0.45  # sideways component of the forearm's direction (down is 1)
# Per clap the hands' path is shifted sideways by up to CLAP_PATH_JITTER_SW (the meeting point by
# CLAP_MEET_JITTER_SHARE of that); at the clap the hands' centres are HAND_MEET_OFFSET hand widths
# from the midline (palms pressed together), the wrists HAND_WRIST_BELOW_MEET hand lengths below;
# rising, the hands lean inwards by up to HAND_TILT (sideways per unit up).
CLAP_PATH_JITTER_SW = 0.1
CLAP_MEET_JITTER_SHARE = 0.2
HAND_MEET_OFFSET = 0.25
HAND_WRIST_BELOW_MEET = 0.6
HAND_TILT = 0.35
# Shading: the lit middle of a limb is HAND_CORE_WIDTH of its width, softened by
# HAND_SHADE_SIGMA_SW shoulder widths.
HAND_CORE_WIDTH = 0.4
HAND_SHADE_SIGMA_SW = 0.08
# Skin tones (BGR) to pick from, the shading across a forearm (darkest at the edges) and the
# skin's texture (relative std of a fine noise).
SKIN_TONES_BGR = ((120, 150, 205), (95, 125, 180), (70, 95, 140), (150, 175, 225))
HAND_EDGE_SHADE = 0.7
HAND_TEXTURE = 0.035
HAND_TEXTURE_SIGMA_PX = 2.5
# The camera jolt: peak translation ``jolt_px`` (default JOLT_PX), a zoom whose peak moves the frame's
# corners by up to JOLT_ZOOM_SHARE of that, over JOLT_DURATION_RANGE_S as a damped swing
# exp(-JOLT_DAMPING u) sin(JOLT_HALF_CYCLES pi u) (u in 0..1, so the swing is over at u = 1),
# leaving an offset of JOLT_RESIDUAL_RANGE of the peak (the camera does not come back exactly).
JOLT_PX = 10.0
JOLT_DURATION_RANGE_S = (0.2, 0.5)
JOLT_ZOOM_SHARE = 0.5
JOLT_DAMPING = 3.0
JOLT_HALF_CYCLES = 3
JOLT_RESIDUAL_RANGE = (0.0, 0.3)
# A jolt's peak is this share of jolt_px (drawn per clap), and it starts this share of its own
# duration before the hands meet (the hands hit, then the camera or the table shakes).
JOLT_PEAK_RANGE = (0.6, 1.0)
JOLT_LEAD_SHARE = 0.2

# --- standing sway -------------------------------------------------------------------------------
# Ankles below the shoulder line, in shoulder widths (shoulder to ankle ~1.4 m, ~3.9 widths).
ANKLE_BELOW_SHOULDERS_SW = 3.9
# The sway: STAND_COMPONENTS sinusoids in STAND_FREQ_RANGE_HZ per axis (in-plane angle, bobbing,
# towards/away from the camera), scaled so that the in-plane displacement at the shoulder line
# peaks at stand_sway_px over the clip; bobbing peaks at STAND_BOB_SHARE of it, and the sway
# towards the camera at STAND_DEPTH_SHARE of it (people sway more front-back than sideways), seen
# from STAND_CAMERA_DISTANCE_SW shoulder widths (about 1.5 m) as a change of scale.
STAND_COMPONENTS = 3
STAND_FREQ_RANGE_HZ = (0.1, 0.5)
STAND_BOB_SHARE = 0.25
STAND_DEPTH_SHARE = 1.5
STAND_CAMERA_DISTANCE_SW = 4.0
# Each sinusoid's weight is drawn from STAND_WEIGHT_RANGE and divided by sqrt(f / 0.1 Hz) (slower
# sways are larger); the sum is scaled to its peak over the clip sampled at STAND_PEAK_SAMPLING_HZ.
STAND_WEIGHT_RANGE = (0.3, 1.0)
STAND_PEAK_SAMPLING_HZ = 50.0

# --- exposure ------------------------------------------------------------------------------------
EXPOSURE_DRIFT_FREQ_RANGE_HZ = (0.03, 0.15)
EXPOSURE_STEPS_PER_MIN = 2.0
EXPOSURE_STEP_RANGE = (0.5, 1.0)  # a step's size as a share of exposure_drift
EXPOSURE_STEP_TAU_S = 0.3
# The drift's two sinusoids weigh EXPOSURE_DRIFT_WEIGHTS (summing to 1: peak-to-peak at most
# exposure_drift); steps fall within EXPOSURE_STEP_WINDOW of the clip, brighter with probability
# EXPOSURE_BRIGHTER_SHARE (more often darker: something bright came into view).
EXPOSURE_DRIFT_WEIGHTS = (0.6, 0.4)
EXPOSURE_STEP_WINDOW = (0.15, 0.85)
EXPOSURE_BRIGHTER_SHARE = 0.4

# --- clothing ------------------------------------------------------------------------------------
# Plain fabric colours (BGR), how much of the photo's fine detail survives (share of its local
# contrast), the fabric's weave (grey levels of a fine noise) and how strongly the photo's broad
# shading is kept (exponent on its relative brightness, clipped to CLOTHING_SHADING_RANGE).
CLOTHING_BGR = {"dark": (44, 34, 30), "light": (226, 229, 231)}
CLOTHING_DETAIL = {"dark": 0.12, "light": 0.3}
CLOTHING_WEAVE = {"dark": 2.0, "light": 2.5}
CLOTHING_SHADING_GAMMA = 0.5
CLOTHING_SHADING_RANGE = (0.55, 1.12)  # 1.12 keeps the light fabric (226) just below white
# The clothing starts this far above the shoulder line (below the chin; CHIN_ABOVE_SHOULDERS is
# 0.2), fading in over CLOTHING_FEATHER_SW; the person mask is cut at CLOTHING_MASK_LEVEL.
CLOTHING_TOP_ABOVE_SHOULDERS_SW = 0.1
CLOTHING_FEATHER_SW = 0.06
CLOTHING_MASK_LEVEL = 0.5
CLOTHING_MASK_RAMP = 0.2  # the mask from CLOTHING_MASK_LEVEL -/+ half this goes 0 -> 1
CLOTHING_EDGE_SIGMA_PX = 1.0  # the recoloured area's edge is softened by this
CLOTHING_SHADING_SIGMA_SW = 0.12
# Tape: strips across the sternum, the first this far below the shoulder line, each this tall and
# this far apart; wide on dark clothing, narrow over a dark phone on light clothing.
TAPE_BGR = (236, 238, 240)
PHONE_BGR = (28, 28, 30)
TAPE_TOP_SW = 0.22
TAPE_HEIGHT_SW = 0.05
TAPE_GAP_SW = 0.1
TAPE_WIDTH_SW = {"dark": 0.55, "light": 0.24, "original": 0.45}
PHONE_SIZE_SW = (0.18, 0.36)
PHONE_CORNER = 0.15  # the phone's corners are rounded by softening its edge (share of its width)
# Per strip: a tilt of up to TAPE_TILT_DEG, a sideways offset of up to TAPE_JITTER_SW, a length
# within TAPE_LENGTH_SPREAD of the nominal; tape and phone carry a fine texture (relative std).
TAPE_TILT_DEG = 3.0
TAPE_JITTER_SW = 0.03
TAPE_LENGTH_SPREAD = 0.1
TAPE_TEXTURE = 0.03


def blur_samples(travel_px: float) -> int:
    """How many instants a frame's motion blur averages for a shape moving ``travel_px`` in the exposure."""
    need = int(np.ceil(abs(travel_px) / HAND_BLUR_STEP_PX)) + 1
    return int(np.clip(need, HAND_BLUR_SAMPLES, HAND_BLUR_MAX_SAMPLES))


def stream(seed: int, which: int) -> np.random.Generator:
    """The random stream of one condition for a clip's seed."""
    return np.random.default_rng([int(seed) % 2**32, which])


def check(*, clap: str = "none", jolt_px: float = JOLT_PX, stand_sway_px: float = 0.0, exposure_drift: float = 0.0,
          jpeg_quality: int | None = None, clothing: str = "original", tape_strips: int = 0) -> None:
    """Refuse out-of-range condition parameters with a ParameterError."""
    if clap not in CLAPS:
        raise ParameterError(f"unknown clap {clap!r}; choose from {', '.join(CLAPS)}")
    if clothing not in CLOTHING:
        raise ParameterError(f"unknown clothing {clothing!r}; choose from {', '.join(CLOTHING)}")
    if jolt_px < 0 or stand_sway_px < 0 or not 0 <= exposure_drift < 1 or tape_strips < 0:
        raise ParameterError("jolt_px, stand_sway_px and tape_strips must not be negative; exposure_drift must be in [0, 1)")
    if jpeg_quality is not None and not 1 <= int(jpeg_quality) <= 100:
        raise ParameterError(f"jpeg_quality must be in 1..100, not {jpeg_quality}")


# ---------------------------------------------------------------------------------------------
# clap: hands and camera jolt
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clap:
    """One clap: the hands move over [start, end] (meeting at ``meet``); the camera jolts over
    [jolt_start, jolt_end] by up to (jolt_dx, jolt_dy) px and jolt_zoom (relative scale), keeping
    (residual_dx, residual_dy) after."""

    start: float
    end: float
    hands: bool
    jolt: bool
    side_left: float = 0.0  # per-clap variation of the path (share of the shoulder width)
    jolt_start: float = 0.0
    jolt_end: float = 0.0
    jolt_dx: float = 0.0
    jolt_dy: float = 0.0
    jolt_zoom: float = 0.0
    residual_dx: float = 0.0
    residual_dy: float = 0.0

    @property
    def meet(self) -> float:
        return 0.5 * (self.start + self.end)

    def truth(self) -> dict:
        out = {"start": round(self.start, 4), "end": round(self.end, 4), "meet": round(self.meet, 4)}
        if self.hands:
            # hands may be in view anywhere inside this interval (the motion plus the motion blur's
            # exposure), never outside it
            out["hands_s"] = [round(self.start, 4), round(self.end + HAND_SHUTTER_S, 4)]
        if self.jolt:
            out.update(
                jolt_s=[round(self.jolt_start, 4), round(self.jolt_end, 4)],
                jolt_px=[round(self.jolt_dx, 3), round(self.jolt_dy, 3)],
                jolt_zoom=round(self.jolt_zoom, 5),
                residual_px=[round(self.residual_dx, 3), round(self.residual_dy, 3)],
            )
        return out


def plan_claps(kind: str, duration_s: float, *, seed: int, jolt_px: float = JOLT_PX, frame_w: int = 640, frame_h: int = 480) -> list[Clap]:
    """The clip's two claps (start and end) for ``kind`` ("none" gives none)."""
    if kind == "none":
        return []
    rng = stream(seed, STREAM_CLAP)
    hands = kind in ("hands", "both")
    jolt = kind in ("jolt", "both")
    out = []
    for which in ("start", "end"):
        dur = float(rng.uniform(*CLAP_DURATION_RANGE_S))
        if which == "start":
            start = float(rng.uniform(*CLAP_START_RANGE_S))
        else:
            start = duration_s - float(rng.uniform(*CLAP_END_MARGIN_RANGE_S)) - dur
        start = max(0.0, start)
        end = min(duration_s, start + dur)
        j_dur = float(rng.uniform(*JOLT_DURATION_RANGE_S))
        angle = float(rng.uniform(0, 2 * np.pi))
        mag = float(rng.uniform(*JOLT_PEAK_RANGE)) * jolt_px
        # the zoom moves the corners by up to JOLT_ZOOM_SHARE * mag px
        zoom = float(rng.uniform(-1, 1)) * JOLT_ZOOM_SHARE * mag / (0.5 * np.hypot(frame_w, frame_h))
        res = float(rng.uniform(*JOLT_RESIDUAL_RANGE))
        res_angle = float(rng.uniform(0, 2 * np.pi))
        side = float(rng.uniform(-CLAP_PATH_JITTER_SW, CLAP_PATH_JITTER_SW))
        j0 = min(max(0.0, start + 0.5 * dur - JOLT_LEAD_SHARE * j_dur), max(0.0, duration_s - j_dur))
        out.append(
            Clap(start, end, hands, jolt, side_left=side,
                 jolt_start=j0 if jolt else 0.0, jolt_end=j0 + j_dur if jolt else 0.0,
                 jolt_dx=mag * np.cos(angle) if jolt else 0.0, jolt_dy=mag * np.sin(angle) if jolt else 0.0,
                 jolt_zoom=zoom if jolt else 0.0,
                 residual_dx=res * mag * np.cos(res_angle) if jolt else 0.0,
                 residual_dy=res * mag * np.sin(res_angle) if jolt else 0.0)
        )
    return out


def _jolt_shape(u: np.ndarray) -> np.ndarray:
    """The damped swing over u in 0..1, peak |value| 1, zero at both ends."""
    ref = np.linspace(0, 1, 2001)
    peak = np.abs(np.exp(-JOLT_DAMPING * ref) * np.sin(JOLT_HALF_CYCLES * np.pi * ref)).max()
    return np.exp(-JOLT_DAMPING * u) * np.sin(JOLT_HALF_CYCLES * np.pi * u) / peak


def jolt_offsets(claps: list[Clap], t: np.ndarray) -> np.ndarray:
    """(n, 3) camera translation dx, dy (px) and zoom (relative) at times t."""
    t = np.asarray(t, float)
    out = np.zeros((t.size, 3))
    for c in claps:
        if not c.jolt:
            continue
        u = np.clip((t - c.jolt_start) / (c.jolt_end - c.jolt_start), 0.0, 1.0)
        swing = np.where((u > 0) & (u < 1), _jolt_shape(u), 0.0)
        settle = u * u * (3 - 2 * u)  # the offset the camera keeps is reached smoothly
        out[:, 0] += c.jolt_dx * swing + c.residual_dx * settle
        out[:, 1] += c.jolt_dy * swing + c.residual_dy * settle
        out[:, 2] += c.jolt_zoom * swing
    return out


def apply_jolt(frame: np.ndarray, dx: float, dy: float, zoom: float) -> np.ndarray:
    """The frame as the jolted camera sees it: the picture moved by (dx, dy), scaled about its centre."""
    cv = cv2()
    h, w = frame.shape[:2]
    s = 1.0 + zoom
    cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
    m = np.array([[s, 0.0, (1 - s) * cx + dx], [0.0, s, (1 - s) * cy + dy]])
    return cv.warpAffine(frame, m, (w, h), flags=cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)


@dataclass
class Hands:
    """Draws the clap's forearms and hands over frames (front views).

    ``mid_x``, ``chest_y``: where the hands meet (output px); ``sw``: the shoulder width (px);
    ``sleeve_bgr``: the forearms' colour on long sleeves (None: bare forearms)."""

    width: int
    height: int
    mid_x: float
    chest_y: float
    sw: float
    seed: int
    sleeve_bgr: tuple[int, int, int] | None = None
    _texture: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        rng = stream(self.seed, STREAM_HANDS)
        self.skin = np.array(SKIN_TONES_BGR[int(rng.integers(len(SKIN_TONES_BGR)))], np.float32)
        cv = cv2()
        noise = cv.GaussianBlur(rng.standard_normal((self.height, self.width)).astype(np.float32), (0, 0), HAND_TEXTURE_SIGMA_PX)
        self._texture = 1.0 + HAND_TEXTURE * noise / max(1e-6, float(noise.std()))

    def _pose(self, clap: Clap, t: float, sign: int) -> tuple[np.ndarray, np.ndarray]:
        """Wrist position and the unit vector from the wrist towards the fingertips, at time t."""
        u = np.clip((t - clap.start) / (clap.end - clap.start), 0.0, 1.0)
        s = np.sin(np.pi * u) ** CLAP_PROFILE_POWER
        sw = self.sw
        rest = np.array([self.mid_x + sign * (HAND_REST_SIDE_SW + clap.side_left) * sw,
                         self.height + (HAND_REST_BELOW_FRAME_SW + HAND_LENGTH_SW) * sw])
        meet = np.array([self.mid_x + sign * HAND_MEET_OFFSET * HAND_WIDTH_SW * sw + clap.side_left * CLAP_MEET_JITTER_SHARE * sw,
                         self.chest_y + CLAP_HEIGHT_SW * sw + HAND_WRIST_BELOW_MEET * HAND_LENGTH_SW * sw])
        wrist = rest + s * (meet - rest)
        # the hand points up and in while it rises, straight up at the clap
        d = np.array([-sign * HAND_TILT * (1 - s), -1.0])
        return wrist, d / np.hypot(*d)

    def layer(self, claps: list[Clap], t: float) -> tuple[np.ndarray, np.ndarray] | None:
        """(alpha HxW, colour HxWx3) of the hands at frame time t, or None when none is in view."""
        cv = cv2()
        active = [c for c in claps if c.hands and c.start <= t <= c.end + HAND_SHUTTER_S]
        if not active:
            return None
        h, w, sw = self.height, self.width, self.sw
        alpha = np.zeros((h, w), np.float32)  # the hands' coverage, averaged over the exposure
        on_sleeve = np.zeros((h, w), np.float32)  # of which forearm not covered by a hand
        core = np.zeros((h, w), np.float32)  # the middle of each limb (for the shading)
        travel = max(
            float(np.hypot(*(self._pose(c, t, 1)[0] - self._pose(c, t - HAND_SHUTTER_S, 1)[0]))) for c in active
        )
        k = blur_samples(travel)
        p = lambda v: (int(round(v[0] * 16)), int(round(v[1] * 16)))  # noqa: E731  (4 fractional bits)
        for clap in active:
            for j in range(k):
                ts = t - HAND_SHUTTER_S * j / max(1, k - 1)
                if not clap.start <= ts <= clap.end:
                    continue
                # both arms into the same masks: where they overlap they cover once
                m_f = np.zeros((h, w), np.uint8)
                m_h = np.zeros((h, w), np.uint8)
                m_c = np.zeros((h, w), np.uint8)
                for sign in (-1, 1):
                    wrist, d = self._pose(clap, ts, sign)
                    far = wrist + FOREARM_REACH_SW * sw * np.array([sign * FOREARM_SPLAY, 1.0]) / np.hypot(FOREARM_SPLAY, 1.0)
                    cv.line(m_f, p(wrist), p(far), 255, max(1, int(round(FOREARM_WIDTH_SW * sw))), cv.LINE_AA, 4)
                    cv.line(m_c, p(wrist), p(far), 255, max(1, int(round(HAND_CORE_WIDTH * FOREARM_WIDTH_SW * sw))), cv.LINE_AA, 4)
                    centre = wrist + 0.5 * HAND_LENGTH_SW * sw * d
                    ang = float(np.degrees(np.arctan2(d[1], d[0])))
                    axes = (max(1, int(round(0.5 * HAND_LENGTH_SW * sw * 16))), max(1, int(round(0.5 * HAND_WIDTH_SW * sw * 16))))
                    cv.ellipse(m_h, p(centre), axes, ang, 0, 360, 255, -1, cv.LINE_AA, 4)
                    cv.ellipse(m_c, p(centre), (axes[0], axes[1] // 2), ang, 0, 360, 255, -1, cv.LINE_AA, 4)
                f = m_f.astype(np.float32) / 255.0
                hd = m_h.astype(np.float32) / 255.0
                alpha += np.maximum(f, hd) / k
                on_sleeve += f * (1 - hd) / k
                core += m_c.astype(np.float32) / (255.0 * k)
        if float(alpha.max()) <= 0.0:
            return None
        shade = HAND_EDGE_SHADE + (1.0 - HAND_EDGE_SHADE) * np.clip(cv.GaussianBlur(core, (0, 0), max(1.0, HAND_SHADE_SIGMA_SW * sw)) / np.maximum(alpha, 1e-3), 0, 1)
        skin = self.skin[None, None, :] * (shade * self._texture)[..., None]
        if self.sleeve_bgr is not None:
            sleeve = np.array(self.sleeve_bgr, np.float32)[None, None, :] * (shade * self._texture)[..., None]
            # the sleeve where the forearm shows and the hand does not cover it
            share = np.clip(on_sleeve / np.maximum(alpha, 1e-3), 0, 1)[..., None]
            colour = share * sleeve + (1 - share) * skin
        else:
            colour = skin
        return alpha, colour


def over(frame: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """``colour`` with ``alpha`` over a uint8 frame."""
    a = alpha[..., None]
    return np.clip(frame.astype(np.float32) * (1 - a) + colour * a + 0.5, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# standing sway
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandingSway:
    """The inverted pendulum's motion: in-plane angle (rad), bobbing (px, down positive) and scale,
    each a sum of sinusoids ``(amplitude, frequency Hz, phase rad)``; the ankle pivot and the frame
    centre (about which the scale acts) in output px."""

    angle: tuple[tuple[float, float, float], ...]
    bob: tuple[tuple[float, float, float], ...]
    scale: tuple[tuple[float, float, float], ...]
    pivot: tuple[float, float]
    centre: tuple[float, float]
    lever_px: float  # ankles to the shoulder line
    peak_px: float

    @staticmethod
    def _sum(parts, t):
        t = np.asarray(t, float)
        return sum((a * np.sin(2 * np.pi * f * t + p) for a, f, p in parts), np.zeros_like(t))

    def at(self, t) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(angle rad, bob px, scale - 1) at times t."""
        return self._sum(self.angle, t), self._sum(self.bob, t), self._sum(self.scale, t)

    def affine(self, t: float) -> np.ndarray:
        """2x3 forward transform of the person at time t (a point p of the still body goes to M @ [p, 1])."""
        angle, bob, scale = (float(v[0]) for v in self.at(np.array([t])))
        c, s = np.cos(angle), np.sin(angle)
        px, py = self.pivot
        cx, cy = self.centre
        # rotate about the ankles (positive angle: the top moves towards +x), then scale about the
        # frame's centre, then bob
        r = np.array([[c, s], [-s, c]])
        rot_t = np.array([px, py]) - r @ np.array([px, py])
        k = 1.0 + scale
        m = k * r
        tr = k * rot_t + (1 - k) * np.array([cx, cy]) + np.array([0.0, bob])
        return np.hstack([m, tr[:, None]])

    def chest_shift(self, t, point: tuple[float, float]) -> np.ndarray:
        """(n, 2) displacement (px) of a body point at rest at ``point`` at times t."""
        out = []
        for ti in np.atleast_1d(t):
            m = self.affine(float(ti))
            q = m[:, :2] @ np.asarray(point, float) + m[:, 2]
            out.append(q - np.asarray(point, float))
        return np.array(out)

    def truth(self) -> dict:
        r = lambda parts: [[round(a, 7), round(f, 5), round(p, 5)] for a, f, p in parts]  # noqa: E731
        return {"peak_px": round(self.peak_px, 3), "lever_px": round(self.lever_px, 2),
                "pivot": [round(v, 2) for v in self.pivot], "centre": [round(v, 2) for v in self.centre],
                "angle_rad": r(self.angle), "bob_px": r(self.bob), "scale": r(self.scale)}


def plan_standing_sway(stand_sway_px: float, duration_s: float, *, pivot: tuple[float, float],
                       lever_px: float, sw: float, centre: tuple[float, float], seed: int) -> StandingSway | None:
    """The sway for a clip: in-plane displacement peaking at ``stand_sway_px`` at the shoulder line
    (``lever_px`` above the ankle ``pivot``); None when stand_sway_px is 0."""
    if stand_sway_px <= 0:
        return None
    rng = stream(seed, STREAM_STAND)
    t = np.linspace(0.0, max(duration_s, 1e-3), max(2, int(duration_s * STAND_PEAK_SAMPLING_HZ) + 1))

    def parts(peak: float):
        f = rng.uniform(*STAND_FREQ_RANGE_HZ, size=STAND_COMPONENTS)
        a = rng.uniform(*STAND_WEIGHT_RANGE, size=STAND_COMPONENTS) / np.sqrt(f / STAND_FREQ_RANGE_HZ[0])
        p = rng.uniform(0, 2 * np.pi, size=STAND_COMPONENTS)
        raw = tuple((float(ai), float(fi), float(pi)) for ai, fi, pi in zip(a, f, p))
        top = np.abs(StandingSway._sum(raw, t)).max()
        k = peak / top if top > 0 else 0.0
        return tuple((ai * k, fi, pi) for ai, fi, pi in raw)

    angle = parts(stand_sway_px / lever_px)  # small angles: displacement at the lever = angle * lever
    bob = parts(STAND_BOB_SHARE * stand_sway_px)
    depth_px = STAND_DEPTH_SHARE * stand_sway_px
    scale = parts(depth_px / (STAND_CAMERA_DISTANCE_SW * sw))
    return StandingSway(angle, bob, scale, pivot, centre, float(lever_px), float(stand_sway_px))


# ---------------------------------------------------------------------------------------------
# exposure and compression
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    gain: np.ndarray  # per frame, relative (1 = unchanged)
    steps: tuple[tuple[float, float], ...]  # (time s, ratio) of each step
    drift: tuple[tuple[float, float, float], ...]  # (amplitude, frequency Hz, phase rad)

    def truth(self) -> dict:
        return {"gain": [round(float(g), 5) for g in self.gain],
                "steps": [[round(t, 4), round(r, 5)] for t, r in self.steps],
                "drift": [[round(a, 5), round(f, 5), round(p, 5)] for a, f, p in self.drift],
                "step_tau_s": EXPOSURE_STEP_TAU_S}


def plan_exposure(exposure_drift: float, n: int, fps: float, *, seed: int) -> Exposure | None:
    """Auto-exposure gain per frame: a slow drift of peak-to-peak ``exposure_drift`` times steps."""
    if exposure_drift <= 0:
        return None
    rng = stream(seed, STREAM_EXPOSURE)
    t = np.arange(n) / fps
    duration = n / fps
    f = rng.uniform(*EXPOSURE_DRIFT_FREQ_RANGE_HZ, size=2)
    p = rng.uniform(0, 2 * np.pi, size=2)
    w = np.array(EXPOSURE_DRIFT_WEIGHTS)
    drift = tuple((float(0.5 * exposure_drift * wi), float(fi), float(pi)) for wi, fi, pi in zip(w, f, p))
    level = 1.0 + sum(a * np.sin(2 * np.pi * fi * t + pi) for a, fi, pi in drift)
    n_steps = max(1, int(round(EXPOSURE_STEPS_PER_MIN * duration / 60.0)))
    times = np.sort(rng.uniform(*EXPOSURE_STEP_WINDOW, size=n_steps)) * duration
    steps = []
    mult = np.ones(n)
    for ts in times:
        sign = 1.0 if rng.random() < EXPOSURE_BRIGHTER_SHARE else -1.0
        ratio = 1.0 + sign * float(rng.uniform(*EXPOSURE_STEP_RANGE)) * exposure_drift
        steps.append((float(ts), float(ratio)))
        # the camera reaches the new gain exponentially
        reach = np.where(t >= ts, 1.0 - np.exp(-(t - ts) / EXPOSURE_STEP_TAU_S), 0.0)
        mult *= 1.0 + (ratio - 1.0) * reach
    return Exposure(gain=level * mult, steps=tuple(steps), drift=drift)


def jpeg_roundtrip(frame: np.ndarray, quality: int) -> np.ndarray:
    """The frame after JPEG compression at ``quality`` (1-100) and decompression."""
    cv = cv2()
    ok, buf = cv.imencode(".jpg", frame, [cv.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ParameterError(f"OpenCV could not JPEG-encode a frame at quality {quality}")
    return cv.imdecode(buf, cv.IMREAD_COLOR)


# ---------------------------------------------------------------------------------------------
# clothing (front views: recolouring the fitted still)
# ---------------------------------------------------------------------------------------------


def dress(base: np.ndarray, mask: np.ndarray, *, mid_x: float, shoulder_y: float, sw: float, clothing: str,
          tape_strips: int, seed: int) -> tuple[np.ndarray, list[list[float]]]:
    """The fitted still with its clothing recoloured and tape added; the tape strips' boxes (px)."""
    cv = cv2()
    rng = stream(seed, STREAM_CLOTHING)
    h, w = base.shape[:2]
    out = base.astype(np.float32)
    gy = np.arange(h, dtype=np.float32)[:, None]
    top = shoulder_y - CLOTHING_TOP_ABOVE_SHOULDERS_SW * sw
    vertical = np.clip((gy - top) / max(1.0, CLOTHING_FEATHER_SW * sw), 0.0, 1.0)
    person = np.clip((mask - CLOTHING_MASK_LEVEL) / CLOTHING_MASK_RAMP + 0.5, 0.0, 1.0)
    region = cv.GaussianBlur((person * vertical).astype(np.float32), (0, 0), CLOTHING_EDGE_SIGMA_PX)
    if clothing != "original":
        grey = cv.cvtColor(base, cv.COLOR_BGR2GRAY).astype(np.float32)
        sigma = max(1.0, CLOTHING_SHADING_SIGMA_SW * sw)
        broad = cv.GaussianBlur(grey, (0, 0), sigma)
        detail = grey - broad
        ref = float(np.median(broad[region > 0.5])) if (region > 0.5).any() else float(broad.mean())
        shading = np.clip((broad / max(ref, 1.0)) ** CLOTHING_SHADING_GAMMA, *CLOTHING_SHADING_RANGE)
        weave = cv.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.7)
        weave *= CLOTHING_WEAVE[clothing] / max(1e-6, float(weave.std()))
        colour = np.array(CLOTHING_BGR[clothing], np.float32)
        fabric = colour[None, None, :] * shading[..., None] + (CLOTHING_DETAIL[clothing] * detail + weave)[..., None]
        out = out * (1 - region[..., None]) + fabric * region[..., None]
    boxes: list[list[float]] = []
    if tape_strips > 0:
        width = TAPE_WIDTH_SW[clothing] * sw
        y0 = shoulder_y + TAPE_TOP_SW * sw
        if clothing == "light":  # a dark phone on the sternum under the tape
            pw, ph = PHONE_SIZE_SW[0] * sw, PHONE_SIZE_SW[1] * sw
            y_mid = y0 + 0.5 * (tape_strips - 1) * TAPE_GAP_SW * sw
            out = _paint_rect(out, (mid_x, y_mid), (pw, ph), float(rng.uniform(-1, 1)) * TAPE_TILT_DEG, PHONE_BGR, rng, radius=PHONE_CORNER)
        for k in range(tape_strips):
            cy = y0 + k * TAPE_GAP_SW * sw
            cx = mid_x + float(rng.uniform(-TAPE_JITTER_SW, TAPE_JITTER_SW)) * sw
            tw = width * float(rng.uniform(1 - TAPE_LENGTH_SPREAD, 1 + TAPE_LENGTH_SPREAD))
            th = TAPE_HEIGHT_SW * sw
            out = _paint_rect(out, (cx, cy), (tw, th), float(rng.uniform(-1, 1)) * TAPE_TILT_DEG, TAPE_BGR, rng)
            boxes.append([round(cx - 0.5 * tw, 1), round(cy - 0.5 * th, 1), round(cx + 0.5 * tw, 1), round(cy + 0.5 * th, 1)])
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), boxes


def _paint_rect(img: np.ndarray, centre, size, angle_deg: float, bgr, rng: np.random.Generator, radius: float = 0.0) -> np.ndarray:
    """A filled, anti-aliased, slightly textured rotated rectangle painted on a float image."""
    cv = cv2()
    h, w = img.shape[:2]
    m = np.zeros((h, w), np.uint8)
    pts = cv.boxPoints(((float(centre[0]), float(centre[1])), (float(size[0]), float(size[1])), float(angle_deg)))
    cv.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 255, cv.LINE_AA, 4)
    if radius > 0:
        m = cv.GaussianBlur(m, (0, 0), max(0.8, radius * min(size) * 0.2))
    a = (m.astype(np.float32) / 255.0)[..., None]
    texture = 1.0 + TAPE_TEXTURE * cv.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 1.0)[..., None]
    return img * (1 - a) + np.array(bgr, np.float32)[None, None, :] * texture * a
