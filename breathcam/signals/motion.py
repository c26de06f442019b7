"""Frames plus torso regions -> uniformly sampled breathing motion traces (pixels, unfiltered).

:class:`MotionTracker` is fed every frame in order with the torso regions found for it.  It tracks
sparse Shi-Tomasi corners with pyramidal Lucas-Kanade (forward-backward checked) in four groups:

- **chest** box: the median vertical displacement; the chest trace is its upward motion (-dy).
- **belly** box: the median displacement and the *expansion*: a robust least-squares fit of
  translation + scale + rotation to the points' displacements; scale x (w + h) / 4 is how far the
  box's edges move outwards (front view).  From the side the belly moves forwards instead: its
  horizontal displacement, oriented along the facing direction.
- **reference** (head box, when pose gives one): whole-body sway plus camera shake.
- **background**: corners in the left and right strips of the frame, outside the person's boxes:
  camera shake.

Each frame only adds frame-to-frame increments (medians over the surviving points) to running
sums, so re-seeding points (too few survive, or the box moved) never makes a jump, and only the
previous grey frame is kept.  Per frame, one :class:`MotionSample` of 23 numbers is logged in
column arrays (184 bytes, so 10 MB for a 30-minute clip at 30 fps, at most twice that while the
array grows).  Grey frames are blurred by 1.5 px first: on plain cloth, corners would otherwise lock
onto the static 8x8 block pattern of video compression.

:func:`traces_from_samples` (pure; :meth:`MotionTracker.traces` uses it) turns samples into
:class:`~breathcam.types.MotionTraces`:

1. Sway and shake: the chest's vertical increments (and a side view belly's horizontal ones) are
   offered raw, minus the background's, and minus the head's.  When the belly's expansion is
   measured (front view) it is a sway-free breathing proxy, and the chest candidate that
   correlates best with it wins (the chest, in turn, is the proxy for a side-view belly).  Without
   a proxy, the head is subtracted (scaled by the coupling) when the chest shares most of the
   head's sideways motion, where breathing seen from the front moves nothing: the upper body then
   sways as one piece.  Otherwise a correction is taken when the breathing peak holds a clearly
   larger share of the power of its positions or velocities, or an equal share of a much smaller
   power (the reference explained a sway larger than the breathing).  The front-view belly
   expansion needs no correction: translation does not change a fitted scale.  A belly box that
   pose reports mostly outside the frame is not tracked at all.
2. Resampling to ``fs_hz`` by the frame timestamps: each output sample is the mean of the linear
   interpolant between measured frames over its 1/fs window (no time shift, uneven frame times and
   dropped frames handled, frame noise averaged); gaps up to ``max_gap_s`` are filled linearly,
   longer gaps and failed tracking are ``valid`` False.  Nothing else filters the traces.
3. ``breathing``: when chest and belly move together (band-passed correlation of either sign at
   least ``min_coherent_correlation``), w_c chest + w_b belly with w_i proportional to a_i / n_i
   (maximal-ratio combining; w_c + w_b = 1 so the unit stays pixels), a_i^2 the trace's power at
   the common breathing peak, n_i all its other power (sway, steps, noise).  The common peak is
   found on the band-passed positions (velocity spectra weight frequencies by f^2 and could put it
   on a harmonic or on jitter); a_i and n_i come from velocity spectra, so holds and drift do not
   hide the peak.  The chest sets the orientation (it rises on inhale, even in paradoxical
   breathing); the belly is flipped to follow it when they correlate clearly and the chest is
   clean, else it keeps its own (expansion = inhale).  When they do not move together, only one
   of them shows the breath: the one whose breathing peak is sharper is used alone.  Weights and
   choices are made once per call over the whole trace.

Where it fails:

- Plain, untextured clothing gives few corners; a region with fewer than ``min_points`` trackable
  points is a tracking failure (``valid`` False when chest and belly both fail).
- Head reference: nodding, talking, turning the head move it without the body; the choice then
  keeps the raw trace.  Without a usable belly proxy (side view, belly out of frame or untracked)
  the choice rests on the sideways coupling or on spectral concentration, which can take a head
  that nods at the breathing rate, or one that rises with the breath.  When the head both sways and rises with
  the breath, its breathing part is subtracted with the sway and the chest reads smaller (0.6x with
  a head rising 0.4x as much).
- A belly box on something that does not breathe (a blanket, clothing folds) makes a poor proxy:
  the chest then keeps its sway; if the belly still correlates with the chest it is mixed in by
  its weight.
- Background reference: a moving background (people, screens, a fan) or a torso filling the frame
  (the strips then hold the arms) make it move with something other than the camera.
- Sway with no head in frame cannot be told from breathing along the same axis (vertical bobbing in
  the chest trace, forward rocking in a side view belly trace).
- The side-view facing direction comes from the chest correlation, or else from where the head sits:
  a side view of paradoxical breathing reads as normal breathing.
- Integration drifts: about 0.01 px per 20 s on textured clothing with sensor noise, more on video
  compression; posture changes remain as steps (the signal core band-passes them away).
- Plain cloth under heavy compression (synthetic: astronaut blurred 8 px, JPEG quality 30) still
  reads about 0.75x of the chest's true amplitude.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields
from typing import Sequence

import numpy as np

from breathcam._deps import cv2
from breathcam.config import DEFAULT, MotionConfig, MovementConfig
from breathcam.signals.filters import band
from breathcam.signals.jolts import mask_jolts
from breathcam.signals.movement import body_reference, moving_mask, stabilise_columns
from breathcam.types import Box, Frame, InputError, MotionTraces, ParameterError, TorsoRegions

# Codes for the string fields of a sample inside the column log.
_METHODS = ("none", "pose", "motion")
_VIEWS = ("unknown", "front", "side")


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
    # fit of the points' motion (see _anchored): unlike the median it does not depend on which
    # points survive, which matters when the torso scales and leaves the frame as the person moves
    # (signals.movement uses these while the body moves).
    chest_anchor_dy: float = 0.0
    shoulder_anchor_dy: float = 0.0
    # The regions' torso length (TorsoRegions.torso_px), 0 when unknown.
    torso_px: float = 0.0

    @property
    def chest(self) -> float:
        """Upward chest displacement so far (inhale rises), uncorrected for sway."""
        return -self.chest_dy

    @property
    def belly(self) -> float:
        """Belly expansion so far (front view), or horizontal displacement (side view, unsigned)."""
        return self.belly_dx if self.view == "side" else self.belly_expansion


_FIELDS = tuple(f.name for f in fields(MotionSample))


class _SampleLog:
    """Samples as rows of one growing float64 array (doubling), 184 bytes per frame."""

    def __init__(self) -> None:
        self._rows = np.zeros((1024, len(_FIELDS)))
        self.n = 0

    def append(self, sample: MotionSample) -> None:
        if self.n == len(self._rows):
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
        row = self._rows[self.n]
        for i, name in enumerate(_FIELDS):
            value = getattr(sample, name)
            if name == "method":
                value = _METHODS.index(value) if value in _METHODS else 0
            elif name == "view":
                value = _VIEWS.index(value) if value in _VIEWS else 0
            row[i] = value
        self.n += 1

    def columns(self) -> dict[str, np.ndarray]:
        rows = self._rows[: self.n]
        return {name: rows[:, i] for i, name in enumerate(_FIELDS)}

    def samples(self) -> list[MotionSample]:
        return _samples_from_columns(self.columns())

    @property
    def nbytes(self) -> int:
        return int(self._rows.nbytes)


def _samples_from_columns(cols: dict[str, np.ndarray]) -> list[MotionSample]:
    out = []
    for k in range(len(cols["t_s"])):
        values = {}
        for f in fields(MotionSample):
            v = cols[f.name][k]
            if f.name == "method":
                values[f.name] = _METHODS[int(v)]
            elif f.name == "view":
                values[f.name] = _VIEWS[int(v)]
            elif f.type == "bool":
                values[f.name] = bool(v)
            else:
                values[f.name] = float(v)
        out.append(MotionSample(**values))
    return out


def _columns_from_samples(samples: Sequence[MotionSample]) -> dict[str, np.ndarray]:
    cols = {}
    for name in _FIELDS:
        if name == "method":
            cols[name] = np.array([_METHODS.index(s.method) if s.method in _METHODS else 0 for s in samples], float)
        elif name == "view":
            cols[name] = np.array([_VIEWS.index(s.view) if s.view in _VIEWS else 0 for s in samples], float)
        else:
            cols[name] = np.array([float(getattr(s, name)) for s in samples], float)
    return cols


# ---------------------------------------------------------------------------------------------
# tracking
# ---------------------------------------------------------------------------------------------


class _Group:
    """The tracked points of one region and the running sums of their motion."""

    def __init__(self, name: str, max_points: int) -> None:
        self.name = name
        self.max_points = max_points
        self.points = np.zeros((0, 2), np.float32)
        self.n_seeded = 0
        self.seed_box: Box | None = None
        self.seed_t_s = -np.inf
        self.dx = 0.0
        self.dy = 0.0
        self.expansion = 0.0
        self.anchor: np.ndarray | None = None  # a body point followed through the frames (px)
        self.anchor_dy = 0.0

    def drop(self) -> None:
        self.points = np.zeros((0, 2), np.float32)
        self.n_seeded = 0
        self.seed_box = None
        self.seed_t_s = -np.inf


class MotionTracker:
    """Streams frames and torso regions into motion samples; :meth:`traces` resamples them.

    Only the previous grey frame and a few floats per frame are kept.
    """

    def __init__(self, *, config: MotionConfig = DEFAULT.motion, movement: MovementConfig = DEFAULT.movement) -> None:
        if config.fs_hz <= 0 or config.max_gap_s <= 0:
            raise ParameterError("motion fs_hz and max_gap_s must be positive")
        self.config = config
        self.movement = movement
        self._groups = {
            "chest": _Group("chest", config.max_corners),
            "belly": _Group("belly", config.max_corners),
            "reference": _Group("reference", config.reference_corners),
            # the shoulder band only needs a robust vertical translation, like the head
            "shoulders": _Group("shoulders", config.reference_corners),
            "background": _Group("background", config.background_corners),
        }
        self._prev: np.ndarray | None = None
        self._last_t: float | None = None
        self._log = _SampleLog()
        self._arms_frames = 0  # frames whose regions had the arms across the torso
        self._recent: deque[MotionSample] = deque()  # the last follow_window_s of samples

    # -- public ---------------------------------------------------------------------------------

    @property
    def body_moving(self) -> bool:
        """Whether the body (the head, else the belly) moved faster than ``follow_speed_px_s`` over
        the last ``follow_window_s``: the pose locator then follows it closely."""
        if len(self._recent) < 2:
            return False
        a, b = self._recent[0], self._recent[-1]
        dt = b.t_s - a.t_s
        if dt < 0.5 * self.movement.follow_window_s:
            return False
        for y, ok in (("reference_dy", "reference_ok"), ("belly_dy", "belly_ok")):
            if getattr(a, ok) and getattr(b, ok):
                return abs(getattr(b, y) - getattr(a, y)) > self.movement.follow_speed_px_s * dt
        return False

    def update(self, frame: Frame, regions: TorsoRegions | None) -> MotionSample:
        """Measure this frame's motion and log it.  Frames must come in order of time.

        Returns the sample logged for the frame (``valid`` False when nothing could be measured:
        first frame without regions, regions missing, too few points in chest and belly).
        """
        if self._last_t is not None and not frame.t_s > self._last_t:
            raise InputError(f"frame times must increase: {frame.t_s:.3f} s after {self._last_t:.3f} s")
        self._last_t = frame.t_s
        cv = cv2()
        image = frame.image
        gray = cv.cvtColor(image, cv.COLOR_BGR2GRAY) if image.ndim == 3 else image
        if self.config.smooth_sigma_px > 0:  # kernel cut at +-2 sigma: 7 taps for 1.5 px
            k = 2 * int(np.ceil(2 * self.config.smooth_sigma_px)) + 1
            gray = cv.GaussianBlur(gray, (k, k), self.config.smooth_sigma_px)
        if self._prev is not None and self._prev.shape != gray.shape:
            self._prev = None  # a new stream size: start the points afresh, the sums continue
            for g in self._groups.values():
                g.drop()

        if regions is None:
            for g in self._groups.values():
                g.drop()
            self._prev = gray
            sample = self._sample(frame.t_s, valid=False, ok={}, facing=0.0, method="none", view="unknown", torso_px=0.0)
            self._log.append(sample)
            self._recent.clear()
            return sample

        boxes = self._boxes(regions, gray.shape)
        self._arms_frames += int(bool(regions.arms_on_torso))
        ok: dict[str, bool] = {}
        if self._prev is not None:
            ok = self._track(self._prev, gray, boxes)
        tracked = "chest" in ok or "belly" in ok
        for g in self._groups.values():
            self._maybe_reseed(g, gray, boxes, frame.t_s)
        self._prev = gray
        # A frame that only seeds points (first frame, regions back after a gap) is the origin of
        # the new points: the sums continue unchanged, so its value is exact.
        seeded = bool(len(self._groups["chest"].points) or len(self._groups["belly"].points))
        valid = bool(ok.get("chest") or ok.get("belly")) or (not tracked and seeded)
        sample = self._sample(
            frame.t_s,
            valid=valid,
            ok=ok,
            facing=_facing(regions, self.config),
            method=regions.method,
            view=regions.view,
            torso_px=regions.torso_px or 0.0,
        )
        self._log.append(sample)
        self._recent.append(sample)
        while self._recent[0].t_s < frame.t_s - self.movement.follow_window_s:
            self._recent.popleft()
        return sample

    def traces(self) -> MotionTraces:
        """Everything so far, resampled to ``config.fs_hz``."""
        arms = self._arms_frames / self._log.n if self._log.n else 0.0
        return _traces_from_columns(
            self._log.columns(), fs_hz=self.config.fs_hz, config=self.config, arms_fraction=arms, movement=self.movement
        )

    def recent_traces(self, *, window_s: float) -> MotionTraces:
        """The last ``window_s`` seconds only, resampled as :meth:`traces` does (for live use).

        The log holds running sums, so a slice of it is a valid log of its own: the cost depends
        on the window, not on how long the session has run.  Corrections and weights are chosen
        over the window alone.
        """
        cols = self._log.columns()
        if not len(cols["t_s"]):
            return _traces_from_columns(cols, fs_hz=self.config.fs_hz, config=self.config)
        k = int(np.searchsorted(cols["t_s"], cols["t_s"][-1] - window_s, side="left"))
        return _traces_from_columns(
            {n: c[k:] for n, c in cols.items()}, fs_hz=self.config.fs_hz, config=self.config, movement=self.movement
        )

    def samples(self) -> list[MotionSample]:
        """The logged samples (materialised; for tests and debugging)."""
        return self._log.samples()

    @property
    def n_frames(self) -> int:
        return self._log.n

    @property
    def log_bytes(self) -> int:
        """Memory held by the sample log (grows by a fixed number of floats per frame)."""
        return self._log.nbytes

    # -- internals ------------------------------------------------------------------------------

    def _sample(
        self, t_s: float, *, valid: bool, ok: dict, facing: float, method: str, view: str, torso_px: float
    ) -> MotionSample:
        c, b, r, bg = (self._groups[k] for k in ("chest", "belly", "reference", "background"))
        sh = self._groups["shoulders"]
        return MotionSample(
            t_s=float(t_s),
            valid=valid,
            chest_dx=c.dx,
            chest_dy=c.dy,
            chest_anchor_dy=c.anchor_dy,
            belly_dx=b.dx,
            belly_dy=b.dy,
            belly_expansion=b.expansion,
            reference_dx=r.dx,
            reference_dy=r.dy,
            background_dx=bg.dx,
            background_dy=bg.dy,
            chest_ok=bool(ok.get("chest", False)),
            belly_ok=bool(ok.get("belly", False)),
            reference_ok=bool(ok.get("reference", False)),
            background_ok=bool(ok.get("background", False)),
            facing=facing,
            method=method,
            view=view,
            shoulder_dy=sh.dy,
            shoulder_anchor_dy=sh.anchor_dy,
            shoulder_ok=bool(ok.get("shoulders", False)),
            torso_px=float(torso_px),
        )

    def _boxes(self, regions: TorsoRegions, shape: tuple[int, ...]) -> dict[str, Box | None]:
        h, w = shape[:2]
        out: dict[str, Box | None] = {}
        named = (("chest", regions.chest), ("belly", regions.belly), ("reference", regions.reference), ("shoulders", regions.shoulders))
        for name, box in named:
            if box is None:
                out[name] = None
                continue
            if name == "belly" and not regions.belly_in_view:
                out[name] = None  # mostly outside the frame: what cannot be seen is not measured
                continue
            box = box.clipped(w, h)
            ok = box.width >= self.config.min_box_px and box.height >= self.config.min_box_px
            out[name] = box if ok else None
        out["person"] = [b for b in (regions.chest, regions.belly, regions.shoulders, regions.reference) if b]
        return out

    def _track(self, prev: np.ndarray, gray: np.ndarray, boxes: dict) -> dict[str, bool]:
        """Forward and backward LK over all groups' points; update the running sums."""
        cfg = self.config
        groups = [g for g in self._groups.values() if len(g.points)]
        if not groups:
            return {}
        p0 = np.concatenate([g.points for g in groups])
        p1, good = _track_points(prev, gray, p0, config=cfg)
        ok: dict[str, bool] = {}
        start = 0
        for g in groups:
            n = len(g.points)
            sel = good[start : start + n]
            a, b = p0[start : start + n][sel], p1[start : start + n][sel]
            start += n
            if len(a) < cfg.min_points:
                g.drop()
                ok[g.name] = False
                continue
            d = b - a
            g.dx += float(np.median(d[:, 0]))
            g.dy += float(np.median(d[:, 1]))
            if g.name in ("chest", "shoulders") and boxes.get(g.name) is not None:
                g.anchor_dy += _anchored(g, a, d, boxes[g.name], config=cfg)
            if g.name == "belly" and boxes.get("belly") is not None:
                box = boxes["belly"]
                g.expansion += _expansion(a, d, config=cfg) * 0.25 * (box.width + box.height)
            if g.name == "background":
                b = b[~_inside_any(b, boxes["person"], cfg.background_margin_fraction)]
            g.points = b
            ok[g.name] = True
        return ok

    def _maybe_reseed(self, g: _Group, gray: np.ndarray, boxes: dict, t_s: float) -> None:
        cfg = self.config
        few = len(g.points) < max(cfg.min_points, cfg.min_tracked_fraction * g.n_seeded)
        if g.name == "background":
            # a textureless or hidden background would otherwise cost a full-frame corner search
            # on every frame
            if not few or t_s - g.seed_t_s < cfg.reseed_retry_s:
                return
            mask = _background_mask(gray.shape, boxes["person"], config=cfg)
            g.points = _corners(gray, mask, None, g.max_points, config=cfg)
            g.n_seeded, g.seed_t_s = len(g.points), t_s
            return
        box = boxes.get(g.name)
        if box is None:
            g.drop()
            return
        if g.seed_box is None or few or _moved(g.seed_box, box, config=cfg):
            g.points = _corners(gray, None, box, g.max_points, config=cfg)
            g.n_seeded, g.seed_box, g.seed_t_s = len(g.points), box, t_s


def _track_points(
    prev: np.ndarray, gray: np.ndarray, p0: np.ndarray, *, config: MotionConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Pyramidal LK from ``prev`` to ``gray`` and back: (new positions, forward-backward ok).

    All groups go in one call each way: LK on crops around each group was measured no faster at
    640x480 (the saving on pyramids is eaten by the extra calls).
    """
    cv = cv2()
    h, w = gray.shape[:2]
    win = (config.lk_window_px, config.lk_window_px)
    crit = (cv.TERM_CRITERIA_EPS | cv.TERM_CRITERIA_COUNT, config.lk_iterations, config.lk_epsilon_px)
    q0 = p0.reshape(-1, 1, 2)
    q1, st1, _ = cv.calcOpticalFlowPyrLK(prev, gray, q0, None, winSize=win, maxLevel=config.lk_levels, criteria=crit)
    qb, st2, _ = cv.calcOpticalFlowPyrLK(gray, prev, q1, None, winSize=win, maxLevel=config.lk_levels, criteria=crit)
    p1 = q1.reshape(-1, 2)
    fb = np.hypot(*(qb.reshape(-1, 2) - p0).T)
    inside = (p1[:, 0] >= 0) & (p1[:, 1] >= 0) & (p1[:, 0] <= w - 1) & (p1[:, 1] <= h - 1)
    good = (st1.ravel() == 1) & (st2.ravel() == 1) & (fb < config.fb_max_px) & inside
    return p1, good


def _corners(gray: np.ndarray, mask: np.ndarray | None, box: Box | None, n: int, *, config: MotionConfig) -> np.ndarray:
    cv = cv2()
    if box is not None:
        x0, y0, x1, y1 = box.as_int()
        roi = gray[y0 : y1 + 1, x0 : x1 + 1]
        offset = np.array([x0, y0], np.float32)
    else:
        roi, offset = gray, np.zeros(2, np.float32)
    if roi.size == 0 or n <= 0:
        return np.zeros((0, 2), np.float32)
    pts = cv.goodFeaturesToTrack(roi, n, config.corner_quality, config.min_corner_distance_px, mask=mask)
    if pts is None:
        return np.zeros((0, 2), np.float32)
    return (pts.reshape(-1, 2) + offset).astype(np.float32)


def _background_mask(shape: tuple[int, ...], person: list[Box], *, config: MotionConfig) -> np.ndarray:
    h, w = shape[:2]
    mask = np.zeros((h, w), np.uint8)
    sx = int(round(config.background_strip_fraction * w))
    mask[:, :sx] = 255
    mask[:, w - sx :] = 255
    m = config.background_margin_fraction
    for b in person:
        x0, y0 = int(b.x0 - m * b.width), int(b.y0 - m * b.height)
        x1, y1 = int(np.ceil(b.x1 + m * b.width)), int(np.ceil(b.y1 + m * b.height))
        mask[max(0, y0) : max(0, y1 + 1), max(0, x0) : max(0, x1 + 1)] = 0
    return mask


def _inside_any(points: np.ndarray, boxes: list[Box], margin_fraction: float) -> np.ndarray:
    inside = np.zeros(len(points), bool)
    for b in boxes:
        mx, my = margin_fraction * b.width, margin_fraction * b.height
        inside |= (
            (points[:, 0] >= b.x0 - mx)
            & (points[:, 0] <= b.x1 + mx)
            & (points[:, 1] >= b.y0 - my)
            & (points[:, 1] <= b.y1 + my)
        )
    return inside


def _moved(seed: Box, box: Box, *, config: MotionConfig) -> bool:
    size = 0.5 * (seed.width + seed.height)
    (ax, ay), (bx, by) = seed.center, box.center
    if np.hypot(bx - ax, by - ay) > config.reseed_shift_fraction * size:
        return True
    return (
        abs(box.width - seed.width) > config.reseed_size_fraction * seed.width
        or abs(box.height - seed.height) > config.reseed_size_fraction * seed.height
    )


def _expansion(p: np.ndarray, d: np.ndarray, *, config: MotionConfig) -> float:
    """Relative scale change of a point set: robust fit of d = t + s r + theta (J r).

    With r centred on the points' mean the normal equations decouple: t = mean(d),
    s = sum(r . d) / sum(|r|^2), theta = sum(r x d) / sum(|r|^2).  Points whose residual exceeds
    ``expansion_outlier_sigmas`` robust sigmas are dropped once and the fit repeated.
    """
    p = p.astype(float)
    d = d.astype(float)
    keep = np.ones(len(p), bool)
    s = 0.0
    for _ in range(2):
        if keep.sum() < config.min_points:
            break
        r = p[keep] - p[keep].mean(axis=0)
        dd = d[keep] - d[keep].mean(axis=0)
        rr = float(np.sum(r * r))
        if rr <= 0:
            return 0.0
        s = float(np.sum(r * dd)) / rr
        theta = float(np.sum(r[:, 0] * dd[:, 1] - r[:, 1] * dd[:, 0])) / rr
        # residuals of every point under this fit
        ra = p - p[keep].mean(axis=0)
        t = d[keep].mean(axis=0)
        model = t + s * ra + theta * np.stack([-ra[:, 1], ra[:, 0]], axis=1)
        res = np.hypot(*(d - model).T)
        mad = float(np.median(res[keep]))  # residual norms are >= 0: their median is the scale
        limit = max(config.expansion_outlier_sigmas * 1.4826 * mad, config.expansion_outlier_floor_px)
        new_keep = res <= limit
        if np.array_equal(new_keep, keep):
            break
        keep = new_keep
    return s


def _anchored(g: _Group, p: np.ndarray, d: np.ndarray, box: Box, *, config: MotionConfig) -> float:
    """Vertical displacement of the group's anchor: a robust affine fit d = t + A (p - mean)
    evaluated at the anchor, which then moves with it.  The anchor starts at the box centre and
    goes back there when it is ``anchor_margin_fraction`` of the box's size outside the box (the
    body moved on)."""
    mx, my = config.anchor_margin_fraction * box.width, config.anchor_margin_fraction * box.height
    if g.anchor is None or not (box.x0 - mx <= g.anchor[0] <= box.x1 + mx and box.y0 - my <= g.anchor[1] <= box.y1 + my):
        g.anchor = np.array(box.center, dtype=float)
    p = p.astype(float)
    d = d.astype(float)
    if len(p) < max(config.min_points, 6):
        step = np.median(d, axis=0)
    else:
        x = np.column_stack([np.ones(len(p)), p - p.mean(axis=0)])
        coef, *_ = np.linalg.lstsq(x, d, rcond=None)
        res = np.hypot(*(d - x @ coef).T)
        keep = res <= max(config.expansion_outlier_sigmas * 1.4826 * float(np.median(res)), config.expansion_outlier_floor_px)
        if keep.sum() >= 6:
            coef, *_ = np.linalg.lstsq(x[keep], d[keep], rcond=None)
        step = coef[0] + (g.anchor - p.mean(axis=0)) @ coef[1:]
    g.anchor = g.anchor + step
    return float(step[1])


def _facing(regions: TorsoRegions, config: MotionConfig) -> float:
    """+1/-1 when the head sits clearly ahead of the chest along x (side view), else 0."""
    if regions.view != "side" or regions.reference is None:
        return 0.0
    offset = regions.reference.center[0] - regions.chest.center[0]
    if abs(offset) <= config.facing_offset_fraction * max(regions.chest.width, 1.0):
        return 0.0
    return float(np.sign(offset))


# ---------------------------------------------------------------------------------------------
# samples -> traces
# ---------------------------------------------------------------------------------------------


def traces_from_samples(
    samples: Sequence[MotionSample], *, fs_hz: float | None = None, config: MotionConfig = DEFAULT.motion
) -> MotionTraces:
    """Resample motion samples to uniform traces: sway-corrected, combined, ``valid`` marked.

    Pure: the same samples give the same traces.  ``fs_hz`` defaults to ``config.fs_hz``.
    """
    return _traces_from_columns(_columns_from_samples(samples), fs_hz=fs_hz or config.fs_hz, config=config)


def _traces_from_columns(
    cols: dict[str, np.ndarray],
    *,
    fs_hz: float,
    config: MotionConfig,
    arms_fraction: float = 0.0,
    movement: MovementConfig = DEFAULT.movement,
) -> MotionTraces:
    if fs_hz <= 0:
        raise ParameterError(f"fs_hz must be positive, got {fs_hz}")
    t = cols["t_s"]
    n = len(t)
    method_codes = cols["method"].astype(int)
    n_pose = int(np.sum(method_codes == _METHODS.index("pose")))
    n_motion = int(np.sum(method_codes == _METHODS.index("motion")))
    pose_found = n_pose / n if n else 0.0
    # "motion" also when no frame had regions: nothing came from pose
    method = "mixed" if n_pose and n_motion else "pose" if n_pose else "motion"
    view_codes = cols["view"].astype(int)[method_codes != 0]
    view = _VIEWS[int(np.bincount(view_codes, minlength=len(_VIEWS)).argmax())] if len(view_codes) else "unknown"
    valid = cols["valid"] > 0.5
    sized = cols["torso_px"][cols["torso_px"] > 0] if "torso_px" in cols else np.zeros(0)
    body_px = float(np.median(sized)) if len(sized) else None
    if n and np.any(np.diff(t) <= 0):
        raise InputError("motion samples must have increasing times")
    notes: list[str] = []
    # jolts (a clap, a hand passing, a bumped camera) hold no measurement
    cols, jolt_s = mask_jolts(cols, body_px=body_px, config=config)
    if jolt_s > 0:
        notes.append(f"{jolt_s:.1f} s of sudden motion (a clap, a hand, a bumped camera) left out")
        valid = cols["valid"] > 0.5
    if valid.sum() < 2:
        empty = np.zeros(0)
        return MotionTraces(
            fs_hz=fs_hz, t_s=empty, breathing=empty, chest=empty, belly=empty, valid=np.zeros(0, bool),
            pose_found=pose_found, method=method, view=view,
            notes=("no torso motion could be measured",), body_px=body_px,
        )

    t_out = _grid(t, fs_hz)
    # whole-body movement (squats, lifting) out of the breathing measurements first
    raw_cols = cols
    cols, body_ref, move_notes = stabilise_columns(cols, body_px=body_px, config=movement)
    notes += move_notes

    def inc(name: str) -> np.ndarray:
        return np.diff(cols[name], prepend=cols[name][0])

    ref_ok = cols["reference_ok"] > 0.5
    bg_ok = cols["background_ok"] > 0.5
    side = cols["view"].astype(int) == _VIEWS.index("side")

    # the front-view belly expansion ignores translation: a sway-free breathing proxy for the chest
    proxy = None
    if (~side & (cols["belly_ok"] > 0.5))[valid].mean() >= config.min_reference_fraction:
        expansion = np.cumsum(np.where(side, 0.0, inc("belly_expansion")))
        proxy, _ = _resample(t, expansion, valid, t_out, fs_hz=fs_hz, config=config)
    # chest: upward motion, sway/shake correction chosen by breathing quality
    coupling = _rigid_coupling(inc("chest_dx"), inc("reference_dx"), valid & ref_ok & (cols["chest_ok"] > 0.5))
    if proxy is None and coupling >= config.min_rigid_coupling:
        # No sway-free proxy to judge by, but the head follows the chest sideways, where breathing
        # seen from the front moves nothing: the upper body sways as one piece, so the head's
        # vertical motion (scaled by that coupling) is the sway to remove.
        chest_inc = np.where(ref_ok, -inc("chest_dy") + coupling * inc("reference_dy"), -inc("chest_dy"))
        chest_ref = "head"
        shoulder_inc = np.where(ref_ok, -inc("shoulder_dy") + coupling * inc("reference_dy"), -inc("shoulder_dy"))
    else:
        chest_inc, chest_ref = _choose_correction(
            -inc("chest_dy"), [("background", -inc("background_dy"), bg_ok), ("head", -inc("reference_dy"), ref_ok)],
            proxy=proxy, t=t, valid=valid, t_out=t_out, fs_hz=fs_hz, config=config,
        )
        # the shoulders get the chest's correction (they sit on the same upper body)
        ref_inc, ref_ok_k = {
            "background": (-inc("background_dy"), bg_ok), "head": (-inc("reference_dy"), ref_ok)
        }.get(chest_ref, (0.0 * t, np.zeros(n, bool)))
        shoulder_inc = np.where(ref_ok_k, -inc("shoulder_dy") - ref_inc, -inc("shoulder_dy"))
    chest_u, valid_u = _resample(t, np.cumsum(chest_inc), valid, t_out, fs_hz=fs_hz, config=config)
    shoulder_u = None
    shoulder_ok = cols["shoulder_ok"] > 0.5
    if shoulder_ok[valid].mean() >= config.min_reference_fraction:
        shoulder_u, _ = _resample(t, np.cumsum(np.where(shoulder_ok, shoulder_inc, 0.0)), valid, t_out, fs_hz=fs_hz, config=config)
    # belly: expansion (front/unknown view), horizontal motion (side view, orientation below)
    belly_dx_inc, belly_ref = (inc("belly_dx"), "none")
    if side.any():
        belly_dx_inc, belly_ref = _choose_correction(
            inc("belly_dx"), [("background", inc("background_dx"), bg_ok), ("head", inc("reference_dx"), ref_ok)],
            proxy=chest_u, t=t, valid=valid & side, t_out=t_out, fs_hz=fs_hz, config=config,
        )
    sign_side = 1.0
    if side.any():
        side_u, _ = _resample(t, np.cumsum(np.where(side, belly_dx_inc, 0.0)), valid, t_out, fs_hz=fs_hz, config=config)
        r = _band_correlation(side_u, chest_u, valid_u, fs_hz=fs_hz, config=config)
        if r is not None and abs(r) >= config.min_sign_correlation:
            sign_side = float(np.sign(r))
            notes.append("side view: belly orientation taken from its correlation with the chest")
        else:
            facing = cols["facing"][side]
            sign_side = float(np.sign(facing.sum())) or 1.0
            notes.append("side view: belly orientation from head position (uncertain)")
    belly_inc = np.where(side, sign_side * belly_dx_inc, inc("belly_expansion"))
    # physical orientation of the belly trace for the pattern (forward / outward = +): the front
    # view's expansion is physical; a side view's needs the facing direction from the head
    forward_sign = 1.0
    if view == "side":
        facing_sum = float(cols["facing"][side].sum()) if side.any() else 0.0
        forward_sign = float(np.sign(facing_sum)) * sign_side
    belly_u, _ = _resample(t, np.cumsum(belly_inc), valid, t_out, fs_hz=fs_hz, config=config)

    if chest_ref != "none":
        notes.append(f"chest sway removed with the {chest_ref} as reference")
    if belly_ref != "none":
        notes.append(f"belly sway removed with the {belly_ref} as reference")

    measured = (float(np.mean(cols["chest_ok"][valid])), float(np.mean(cols["belly_ok"][valid])))
    breathing, combine_notes = _combine(chest_u, belly_u, valid_u, measured=measured, fs_hz=fs_hz, config=config)
    notes += combine_notes
    lost = 1.0 - float(valid_u.mean()) if len(valid_u) else 1.0
    if lost > 0.1:
        notes.append(f"torso motion not measured for {100 * lost:.0f}% of the clip")
    return MotionTraces(
        fs_hz=float(fs_hz),
        t_s=t_out,
        breathing=breathing,
        chest=chest_u,
        belly=belly_u,
        valid=valid_u,
        pose_found=float(pose_found),
        method=method,
        view=view,
        notes=tuple(notes),
        shoulder=shoulder_u,
        chest_measured=measured[0],
        belly_measured=measured[1],
        belly_forward_sign=forward_sign,
        arms_on_torso=float(arms_fraction),
        body_px=body_px,
        **_body_traces(raw_cols, body_ref, valid, t_out, fs_hz=fs_hz, config=config, movement=movement),
    )


def _body_traces(
    cols: dict[str, np.ndarray], body_ref: str | None, valid: np.ndarray, t_out: np.ndarray, *,
    fs_hz: float, config: MotionConfig, movement: MovementConfig,
) -> dict:
    """The body reference's position and where it moves, on the output grid (empty when still)."""
    if body_ref is None:
        return {}
    ref = body_reference(cols, config=movement)
    if ref is None:
        return {}
    body, _ = _resample(cols["t_s"], ref[1], valid, t_out, fs_hz=fs_hz, config=config)
    return {"body": body, "moving": moving_mask(body, fs_hz=fs_hz, config=movement), "body_reference": body_ref}


def _grid(t: np.ndarray, fs_hz: float) -> np.ndarray:
    """Multiples of 1/fs from the first to the last frame time."""
    k0 = int(np.ceil(t[0] * fs_hz - 1e-9))
    k1 = int(np.floor(t[-1] * fs_hz + 1e-9))
    return np.arange(k0, k1 + 1) / fs_hz


def _resample(
    t: np.ndarray, x: np.ndarray, valid: np.ndarray, t_out: np.ndarray, *, fs_hz: float, config: MotionConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the linear interpolant through the valid frames over each output window.

    Each output sample at t averages the piecewise-linear curve through (t_k, x_k) over
    [t - h, t + h] with h = 1/(2 fs), narrowed at the ends of the measured span: centred (no
    delay), exact for uneven frame times, and it averages the several frames that fall in one
    window (a box filter 1/fs wide: 0.98 gain at 1 Hz, so the breathing band is untouched).
    Output samples in gaps longer than ``max_gap_s`` between valid frames, or outside the measured
    span, are invalid.
    """
    tv, xv = t[valid], x[valid]
    if len(tv) == 0:
        return np.zeros(len(t_out)), np.zeros(len(t_out), bool)
    if len(tv) == 1:
        return np.full(len(t_out), xv[0]), np.abs(t_out - tv[0]) <= 1e-9
    h = 0.5 / fs_hz
    seg_dt = np.diff(tv)
    slope = np.diff(xv) / seg_dt
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (xv[1:] + xv[:-1]) * seg_dt)])

    def integral(e: np.ndarray) -> np.ndarray:
        e = np.clip(e, tv[0], tv[-1])
        k = np.clip(np.searchsorted(tv, e, side="right") - 1, 0, len(tv) - 2)
        u = e - tv[k]
        return cum[k] + xv[k] * u + 0.5 * slope[k] * u * u

    # near the ends of the measured span the window shrinks symmetrically, so it stays centred
    half = np.clip(np.minimum(h, np.minimum(t_out - tv[0], tv[-1] - t_out)), 0.0, None)
    lo, hi = t_out - half, t_out + half
    width = hi - lo
    point = np.interp(t_out, tv, xv)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(width > 1e-9, (integral(hi) - integral(lo)) / np.where(width > 1e-9, width, 1.0), point)
    # the valid frames either side of each output time; one lying on a frame is measured
    before = np.clip(np.searchsorted(tv, t_out + 1e-9, side="right") - 1, 0, len(tv) - 1)
    after = np.clip(np.searchsorted(tv, t_out - 1e-9, side="left"), 0, len(tv) - 1)
    inside = (t_out >= tv[0] - 1e-9) & (t_out <= tv[-1] + 1e-9)
    ok = inside & (tv[after] - tv[before] <= config.max_gap_s + 1e-9)
    return y, ok


def _spectrum(x: np.ndarray, *, fs_hz: float, config: MotionConfig) -> tuple[np.ndarray, np.ndarray] | None:
    from scipy.signal import welch

    if len(x) < config.min_quality_s * fs_hz:
        return None
    nper = int(min(len(x), config.quality_window_s * fs_hz))
    f, p = welch(x, fs=fs_hz, nperseg=nper, detrend="linear")
    return f, p


def _concentration(x: np.ndarray, *, fs_hz: float, config: MotionConfig) -> tuple[float, float] | None:
    """(share of the trace's power in its breathing peak, total power).

    The peak is the largest in the breathing band, +- ``peak_halfwidth_hz``; the total covers
    every frequency above 0 (after Welch's linear detrending).
    """
    spec = _spectrum(x, fs_hz=fs_hz, config=config)
    if spec is None:
        return None
    f, p = spec
    band = (f >= config.band_low_hz) & (f <= config.band_high_hz)
    if not band.any():
        return None
    total = float(np.sum(p[f > 0]))
    if total <= 0:
        return 0.0, 0.0
    f_peak = f[band][np.argmax(p[band])]
    peak = float(np.sum(p[np.abs(f - f_peak) <= config.peak_halfwidth_hz]))
    return peak / total, total


def _choose_correction(
    raw_inc: np.ndarray,
    options: list[tuple[str, np.ndarray, np.ndarray]],
    *,
    proxy: np.ndarray | None,
    t: np.ndarray,
    valid: np.ndarray,
    t_out: np.ndarray,
    fs_hz: float,
    config: MotionConfig,
) -> tuple[np.ndarray, str]:
    """Per-frame increments, raw or minus a reference (sway, shake), and the reference's name.

    With a sway-free breathing proxy (the front-view belly expansion for the chest; the chest for a
    side-view belly), the candidate that follows it best wins: its band-passed correlation must
    leave less unexplained (1 - r^2) by ``correction_gain`` than the current choice.  Phase lag
    and paradoxical breathing lower every candidate's correlation alike; a swaying trace, or one
    with a nodding head subtracted, follows the proxy less.  A head that rises with the breath
    gives a tie and is not subtracted.  When the proxy follows none of them (|r| below
    ``min_proxy_correlation``) or there is none, a correction wins when the breathing peak holds
    a clearly larger share of the power of its positions or of its velocities (and neither gets
    clearly worse), or an equal share of at most ``max_corrected_power`` of the power (the
    reference explained a sway larger than the breathing).
    """
    if valid.sum() < 2:
        return raw_inc, "none"
    cands = [("none", raw_inc)]
    for name, ref_inc, ok in options:
        if ok[valid].mean() >= config.min_reference_fraction:
            # where the reference was not measured on a frame, that frame's increment stays raw
            cands.append((name, np.where(ok, raw_inc - ref_inc, raw_inc)))
    if len(cands) == 1:
        return raw_inc, "none"
    traces = [_resample(t, np.cumsum(inc), valid, t_out, fs_hz=fs_hz, config=config) for _, inc in cands]
    if proxy is not None:
        rs = [_band_correlation(tr, proxy, ok_u, fs_hz=fs_hz, config=config) for tr, ok_u in traces]
        if all(r is not None for r in rs) and max(abs(r) for r in rs) >= config.min_proxy_correlation:
            best = 0
            for k in range(1, len(cands)):
                if (1 - rs[k] ** 2) * config.correction_gain < 1 - rs[best] ** 2:
                    best = k
            return cands[best][1], cands[best][0]
    # judged on the positions and on the velocities: a slow sway shows in the first, a hold or a
    # drift can own its lowest frequencies, and camera shake (fast, small) only shows in the second
    quality = [
        (_concentration(tr, fs_hz=fs_hz, config=config), _concentration(np.diff(tr), fs_hz=fs_hz, config=config))
        for tr, _ in traces
    ]
    if quality[0][0] is None or quality[0][1] is None:
        return raw_inc, "none"
    g = config.correction_gain
    best = 0
    for k in range(1, len(cands)):
        (qp, qv), (bp, bv) = quality[k], quality[best]
        if qp is None or qv is None:
            continue
        not_worse = qp[0] * g >= bp[0] and qv[0] * g >= bv[0]
        cleaner = qp[0] > g * bp[0] or qv[0] > g * bv[0]
        explained = qp[1] <= config.max_corrected_power * bp[1]
        if not_worse and (cleaner or explained):
            best = k
    return cands[best][1], cands[best][0]


def _rigid_coupling(chest_dx_inc: np.ndarray, head_dx_inc: np.ndarray, both: np.ndarray) -> float:
    """How much of the head's sideways motion the chest shares (least-squares slope, 0..1).

    Near 1 when the upper body sways or the camera shakes as one piece; near 0 when the head moves
    on its own (nodding, talking) or nothing moves but tracking noise.
    """
    c, h = chest_dx_inc[both], head_dx_inc[both]
    den = float(np.dot(h, h))
    if len(h) < 2 or den <= 0:
        return 0.0
    return float(np.clip(np.dot(c, h) / den, 0.0, 1.0))


def _bandpass(x: np.ndarray, *, fs_hz: float, config: MotionConfig) -> np.ndarray:
    return band(x, fs_hz=fs_hz, low_hz=config.band_low_hz, high_hz=config.band_high_hz, order=2, demean=True)


def _band_correlation(
    a: np.ndarray, b: np.ndarray, valid: np.ndarray, *, fs_hz: float, config: MotionConfig
) -> float | None:
    """Correlation of the band-passed traces over the valid samples (None when too short)."""
    if len(a) < config.min_quality_s * fs_hz:
        return None
    return _correlation(
        _bandpass(a, fs_hz=fs_hz, config=config), _bandpass(b, fs_hz=fs_hz, config=config), valid, fs_hz=fs_hz, config=config
    )


def _correlation(fa: np.ndarray, fb: np.ndarray, valid: np.ndarray, *, fs_hz: float, config: MotionConfig) -> float | None:
    """Correlation of two already band-passed traces over the valid samples (None when too few)."""
    if valid.sum() < config.min_quality_s * fs_hz:
        return None
    fa, fb = fa[valid], fb[valid]
    den = float(np.sqrt(np.sum(fa * fa) * np.sum(fb * fb)))
    return float(np.sum(fa * fb) / den) if den > 0 else None


def _breathing_peak(spectra: list[tuple[np.ndarray, np.ndarray]], *, config: MotionConfig) -> float:
    """Frequency of the common breathing peak: the largest in-band peak of the traces' spectra,
    each normalised to its total power (so a strongly swaying trace cannot impose its sway)."""
    f = spectra[0][0]
    total = sum(p / max(float(np.sum(p[f > 0])), 1e-30) for _, p in spectra)
    band = (f >= config.band_low_hz) & (f <= config.band_high_hz)
    return float(f[band][np.argmax(total[band])])


def _breathing_snr(
    spectrum: tuple[np.ndarray, np.ndarray], f_peak: float, *, fs_hz: float, config: MotionConfig
) -> tuple[float, float]:
    """(breathing amplitude, disturbance power) of one trace.

    Breathing is the power within ``peak_halfwidth_hz`` of the common peak; the disturbance is all
    the rest (sway, drift steps, talking, tracking noise), at least the white-noise floor measured
    above ``noise_low_hz`` spread over the breathing band.  On velocity spectra (as used) the
    amplitude is scaled by the same 2 pi f_peak for every trace, and the disturbance by f^2: slow
    drift and holds count less than jitter.
    """
    f, p = spectrum
    df = f[1] - f[0]
    near = np.abs(f - f_peak) <= config.peak_halfwidth_hz
    peak = float(np.sum(p[near])) * df
    rest = float(np.sum(p[(f > 0) & ~near])) * df
    hf = (f >= config.noise_low_hz) & (f <= 0.9 * fs_hz / 2)
    floor = float(np.median(p[hf])) * (config.band_high_hz - config.band_low_hz) if hf.any() else 0.0
    return float(np.sqrt(peak)), max(rest, floor, 1e-12)


def _combine(
    chest: np.ndarray,
    belly: np.ndarray,
    valid: np.ndarray,
    *,
    measured: tuple[float, float],
    fs_hz: float,
    config: MotionConfig,
) -> tuple[np.ndarray, list[str]]:
    """breathing = w_c chest + w_b sign * belly, weights from breathing SNR, sign from the chest;
    the sharper region alone when chest and belly do not move together.

    ``measured`` is the fraction of valid frames on which chest and belly were tracked: a region
    never tracked gets no weight.  Too short for spectra: equal weights, physical orientations.
    """
    notes: list[str] = []
    if not measured[1]:
        return chest.copy(), ["belly not tracked: breathing trace from the chest only"]
    if not measured[0]:
        return belly.copy(), ["chest not tracked: breathing trace from the belly only"]
    # Spectra of the velocities, not the positions: holds, posture drift and slow sway pile up power
    # at the lowest frequencies of a position spectrum (1/f^2) and would hide the breathing peak.
    spec_c = _spectrum(np.diff(chest), fs_hz=fs_hz, config=config)
    spec_b = _spectrum(np.diff(belly), fs_hz=fs_hz, config=config)
    if spec_c is None or spec_b is None:
        return 0.5 * (chest + belly), notes
    band_c, band_b = (_bandpass(x, fs_hz=fs_hz, config=config) for x in (chest, belly))
    r = _correlation(band_c, band_b, valid, fs_hz=fs_hz, config=config)
    if r is None or abs(r) < config.min_coherent_correlation:
        # Chest and belly do not move together: at most one of them shows the breath (a belly box
        # on clothing folds or off the picture, an arm across one region).  Mixing them would let
        # the noisy one set the common peak; keep the one whose breathing peak is sharper.
        qc = _concentration(np.diff(chest), fs_hz=fs_hz, config=config)
        qb = _concentration(np.diff(belly), fs_hz=fs_hz, config=config)
        if qc is not None and qb is not None and qb[0] > qc[0]:
            return belly.copy(), ["chest and belly disagree: breathing trace from the belly only"]
        return chest.copy(), ["chest and belly disagree: breathing trace from the chest only"]
    # The common peak is found on the band-passed positions: velocity spectra weight frequencies by
    # f^2, so the harmonics of sharp breaths and tracking jitter could outweigh a slow breath there.
    f_peak = _breathing_peak([_spectrum(x, fs_hz=fs_hz, config=config) for x in (band_c, band_b)], config=config)
    ac, nc = _breathing_snr(spec_c, f_peak, fs_hz=fs_hz, config=config)
    ab, nb = _breathing_snr(spec_b, f_peak, fs_hz=fs_hz, config=config)
    wc, wb = ac / nc, ab / nb  # maximal-ratio combining: amplitude / disturbance power
    if wc + wb <= 0:
        return 0.5 * (chest + belly), ["no breathing motion found in chest or belly"]
    wc, wb = wc / (wc + wb), wb / (wc + wb)
    sign = 1.0
    chest_snr = ac * ac / nc
    if r is not None and chest_snr >= config.min_orientation_snr and abs(r) >= config.min_sign_correlation and r < 0:
        sign = -1.0
        notes.append("belly moves against the chest (paradoxical breathing or a misplaced belly region)")
    return wc * chest + sign * wb * belly, notes
