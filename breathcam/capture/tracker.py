"""Optical flow on the torso regions: frames plus regions -> one motion sample per frame.

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

:meth:`MotionTracker.traces` and :meth:`MotionTracker.recent_traces` hand the log to
:func:`breathcam.signals.motion.traces_from_columns` (the trace maths: sway correction,
resampling, chest and belly combined).

Where it fails:

- Plain, untextured clothing gives few corners; a region with fewer than ``min_points`` trackable
  points is a tracking failure (``valid`` False when chest and belly both fail).
- Integration drifts: about 0.01 px per 20 s on textured clothing with sensor noise, more on video
  compression.
- Plain cloth under heavy compression (synthetic: astronaut blurred 8 px, JPEG quality 30) still
  reads about 0.75x of the chest's true amplitude.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from breathcam._deps import cv2
from breathcam.config import DEFAULT, MotionConfig, MovementConfig
from breathcam.signals.motion import FIELDS, METHODS, VIEWS, samples_from_columns, traces_from_columns
from breathcam.types import Box, Frame, InputError, MotionSample, MotionTraces, ParameterError, TorsoRegions

__all__ = ["MotionTracker"]


class _SampleLog:
    """Samples as rows of one growing float64 array (doubling), 184 bytes per frame."""

    def __init__(self) -> None:
        self._rows = np.zeros((1024, len(FIELDS)))
        self.n = 0

    def append(self, sample: MotionSample) -> None:
        if self.n == len(self._rows):
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
        row = self._rows[self.n]
        for i, name in enumerate(FIELDS):
            value = getattr(sample, name)
            if name == "method":
                value = METHODS.index(value) if value in METHODS else 0
            elif name == "view":
                value = VIEWS.index(value) if value in VIEWS else 0
            row[i] = value
        self.n += 1

    def columns(self) -> dict[str, np.ndarray]:
        rows = self._rows[: self.n]
        return {name: rows[:, i] for i, name in enumerate(FIELDS)}

    def samples(self) -> list[MotionSample]:
        return samples_from_columns(self.columns())

    @property
    def nbytes(self) -> int:
        return int(self._rows.nbytes)


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

    def next_wanted_s(self, t_s: float, *, fps: float) -> float:
        """The earliest time of the next frame worth tracking after one at ``t_s`` in a clip of
        ``fps`` frames/s: every frame while the body moves (-inf), else one in
        ``floor(fps / track_hz)`` (``MotionConfig.track_hz``; 0 = every frame)."""
        hz = self.config.track_hz
        if hz <= 0 or not fps > 0 or self.body_moving:
            return -np.inf
        # 29.97 fps counts as 30: one frame in 3
        stride = max(1, int(fps / hz + 0.05))
        return t_s + (stride - 0.5) / fps

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
            arms_on_torso=bool(regions.arms_on_torso),
        )
        self._log.append(sample)
        self._recent.append(sample)
        while self._recent[0].t_s < frame.t_s - self.movement.follow_window_s:
            self._recent.popleft()
        return sample

    def traces(self) -> MotionTraces:
        """Everything so far, resampled to ``config.fs_hz``."""
        return self._traces(self._log.columns())

    def recent_traces(self, *, window_s: float) -> MotionTraces:
        """The last ``window_s`` seconds only, resampled as :meth:`traces` does (for live use).

        The log holds running sums, so a slice of it is a valid log of its own: the cost depends
        on the window, not on how long the session has run.  Corrections and weights are chosen
        over the window alone.
        """
        cols = self._log.columns()
        if len(cols["t_s"]):
            k = int(np.searchsorted(cols["t_s"], cols["t_s"][-1] - window_s, side="left"))
            cols = {n: c[k:] for n, c in cols.items()}
        return self._traces(cols)

    def _traces(self, cols: dict[str, np.ndarray]) -> MotionTraces:
        return traces_from_columns(cols, fs_hz=self.config.fs_hz, config=self.config, movement=self.movement)

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
        self, t_s: float, *, valid: bool, ok: dict, facing: float, method: str, view: str, torso_px: float,
        arms_on_torso: bool = False,
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
            arms_on_torso=arms_on_torso,
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
            mx, my = _median(d, axis=0)
            g.dx += float(mx)
            g.dy += float(my)
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
        pk, dk = p[keep], d[keep]
        pm, t = _mean(pk), _mean(dk)
        r = pk - pm
        dd = dk - t
        rr = float(np.sum(r * r))
        if rr <= 0:
            return 0.0
        s = float(np.sum(r * dd)) / rr
        theta = float(np.sum(r[:, 0] * dd[:, 1] - r[:, 1] * dd[:, 0])) / rr
        # residuals of every point under this fit
        ra = p - pm
        model = t + s * ra + theta * np.stack([-ra[:, 1], ra[:, 0]], axis=1)
        res = np.hypot(*(d - model).T)
        mad = float(_median(res[keep]))  # residual norms are >= 0: their median is the scale
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
        step = _median(d, axis=0)
    else:
        centre = _mean(p)
        x = np.column_stack([np.ones(len(p)), p - centre])
        coef, *_ = np.linalg.lstsq(x, d, rcond=None)
        res = np.hypot(*(d - x @ coef).T)
        keep = res <= max(config.expansion_outlier_sigmas * 1.4826 * float(_median(res)), config.expansion_outlier_floor_px)
        if keep.sum() >= 6:
            coef, *_ = np.linalg.lstsq(x[keep], d[keep], rcond=None)
        step = coef[0] + (g.anchor - centre) @ coef[1:]
    g.anchor = g.anchor + step
    return float(step[1])


def _median(x: np.ndarray, *, axis: int | None = None) -> np.ndarray:
    """``np.median`` of a small array (the same values), without most of its per-call overhead,
    which at 5-40 points is several times the work itself and was a tenth of the tracker's time."""
    n = x.shape[0] if axis == 0 else x.size
    if n == 0 or (axis is None and x.ndim != 1):
        return np.median(x, axis=axis)
    k = n // 2
    if n % 2:
        return np.partition(x, k, axis=0)[k]
    part = np.partition(x, (k - 1, k), axis=0)
    return (part[k - 1] + part[k]) / 2


def _mean(x: np.ndarray) -> np.ndarray:
    """``x.mean(axis=0)`` (the same values: a sum over the count) without its per-call overhead."""
    return x.sum(axis=0) / len(x)


def _facing(regions: TorsoRegions, config: MotionConfig) -> float:
    """The located facing of a side view (``regions.facing``); without one, +1/-1 when the head sits
    clearly ahead of the chest along x, else 0."""
    if regions.view != "side":
        return 0.0
    if regions.facing:
        return float(np.sign(regions.facing))
    if regions.reference is None:
        return 0.0
    offset = regions.reference.center[0] - regions.chest.center[0]
    if abs(offset) <= config.facing_offset_fraction * max(regions.chest.width, 1.0):
        return 0.0
    return float(np.sign(offset))


