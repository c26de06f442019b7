"""Whole-body movement for simulated clips: squats, bends and lifts with exact repetition truth.

A repetition leaves the rest position at ``start``, reaches the turning point (the bottom of a
squat or bend, the floor in a lift) at ``turn`` and is back at ``end``; between repetitions the
person stands still.  The body's pose over time is a :class:`Trajectory`: translation, uniform
scale, vertical foreshortening (the torso leaning towards the camera) and an in-plane tilt, all
about a pivot at the hips.  :mod:`breathcam.simulate.render` moves the whole person (the soft
segmentation mask and everything inside it) by this transform over a background plate, after the
breathing warp, so that breathing rides on the movement exactly as it does on a real body.

How each kind looks from a frontal camera framing the upper body (``amplitude_px`` is the largest
downward travel of the hips-pivot, 20-60 px at 640x480):

* squat: the body goes straight down, the torso leans forward a little (4 % foreshortening);
* bend: forward bend from the hips: down, strongly foreshortened (15 %) and nearer the camera (5 %);
* lift: a squat-and-bend to the floor and back up (the "lift" is the way up, the "lower" the way
  down), with a slight sideways tilt.

The breathing that goes with a movement (continued, held during repetitions, locked to the rhythm,
belly braced) is made by :func:`movement_breathing`; its truth carries the repetitions and their
labels in ``truth.extra["movement"]``.

Where it misleads: a 2-D transform of a flat photo, so no parallax, no limbs moving against the
torso, and the background revealed behind the person is an inpainted plate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Sequence

import numpy as np

from breathcam.simulate.waveform import Breathing, simulate_breathing
from breathcam.types import ParameterError

KINDS = ("squat", "bend", "lift")

# Per kind at the turning point: (vertical foreshortening, scale, sideways tilt in degrees, sideways
# drift as a share of the amplitude).  A squat keeps the torso nearly upright; a forward bend tips it
# towards the camera (shorter, nearer); a lift is in between and rarely perfectly symmetric.
KIND_SHAPE: dict[str, tuple[float, float, float, float]] = {
    "squat": (0.04, 0.00, 1.0, 0.05),
    "bend": (0.15, 0.05, 1.5, 0.05),
    "lift": (0.10, 0.03, 3.0, 0.10),
}
# A repetition spends this share of its period moving (down and up, half each); the rest standing.
MOVING_SHARE = 0.8


@dataclass(frozen=True)
class Rep:
    """One repetition: leaves the rest position at ``start``, turns at ``turn``, back at ``end``."""

    start: float
    turn: float
    end: float
    kind: str
    held: bool = False  # the breath is held through the whole repetition
    braced: bool = False  # the belly is frozen while the chest keeps breathing
    exhale_on_effort: bool = False  # an exhale overlaps the effort phase (the way up)


@dataclass(frozen=True)
class Trajectory:
    """The body's transform per frame about ``pivot`` (output px): p' = pivot + A (p - pivot) + (dx, dy)."""

    dx: np.ndarray
    dy: np.ndarray
    scale: np.ndarray
    squash_y: np.ndarray  # vertical scale (< 1: torso leaning towards the camera)
    tilt_rad: np.ndarray

    def affine(self, i: int, pivot: tuple[float, float]) -> np.ndarray:
        """2x3 forward map of frame ``i`` (person pixels of the still -> output pixels)."""
        c, s = np.cos(self.tilt_rad[i]), np.sin(self.tilt_rad[i])
        a = np.array([[c, -s], [s, c]]) @ np.diag([self.scale[i], self.scale[i] * self.squash_y[i]])
        px, py = pivot
        offset = np.array([px, py]) - a @ np.array([px, py]) + np.array([self.dx[i], self.dy[i]])
        return np.hstack([a, offset[:, None]])

    @property
    def moving(self) -> bool:
        return bool(np.any(self.dy != 0) or np.any(self.dx != 0))


def regular_reps(*, kind: str, start_s: float, n: int, period_s: float) -> tuple[Rep, ...]:
    """``n`` repetitions one every ``period_s`` from ``start_s`` (moving MOVING_SHARE of each period)."""
    _check_kind(kind)
    if period_s <= 0 or n < 0:
        raise ParameterError("period_s must be positive and n not negative")
    move = MOVING_SHARE * period_s
    return tuple(
        Rep(start=round(t, 4), turn=round(t + move / 2, 4), end=round(t + move, 4), kind=kind)
        for t in (start_s + k * period_s for k in range(n))
    )


def trajectory(
    reps: Sequence[Rep], t_s: np.ndarray, *, amplitude_px: float, seed: int = 0
) -> Trajectory:
    """The body's transform at times ``t_s`` for these repetitions (rest position elsewhere)."""
    t = np.asarray(t_s, dtype=float)
    rng = np.random.default_rng(seed)
    dx, dy = np.zeros_like(t), np.zeros_like(t)
    scale, squash, tilt = np.ones_like(t), np.ones_like(t), np.zeros_like(t)
    for rep in reps:
        _check_kind(rep.kind)
        foreshorten, nearer, tilt_deg, drift = KIND_SHAPE[rep.kind]
        u = _profile(rep, t)
        m = u > 0
        side = rng.choice([-1.0, 1.0])
        dy[m] += amplitude_px * u[m]
        dx[m] += side * drift * amplitude_px * u[m]
        scale[m] *= 1.0 + nearer * u[m]
        squash[m] *= 1.0 - foreshorten * u[m]
        tilt[m] += side * np.deg2rad(tilt_deg) * u[m]
    return Trajectory(dx=dx, dy=dy, scale=scale, squash_y=squash, tilt_rad=tilt)


def _profile(rep: Rep, t: np.ndarray) -> np.ndarray:
    """0 at rest, rising to 1 at the turn and back to 0 at the end (raised cosines: smooth starts)."""
    u = np.zeros_like(t)
    down = (t > rep.start) & (t <= rep.turn)
    up = (t > rep.turn) & (t < rep.end)
    u[down] = 0.5 * (1 - np.cos(np.pi * (t[down] - rep.start) / (rep.turn - rep.start)))
    u[up] = 0.5 * (1 + np.cos(np.pi * (t[up] - rep.turn) / (rep.end - rep.turn)))
    return u


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ParameterError(f"unknown movement {kind!r}; choose from {', '.join(KINDS)}")


# ---------------------------------------------------------------------------------------------
# breathing that goes with a movement
# ---------------------------------------------------------------------------------------------

CONDITIONS = ("continue", "holds", "locked", "bracing", "still")


def movement_breathing(
    condition: str,
    *,
    kind: str = "squat",
    duration_s: float = 90.0,
    period_s: float = 3.0,
    rate_bpm: float = 12.0,
    fs_hz: float = 30.0,
    belly_share: float = 0.5,
    seed: int = 0,
) -> tuple[Breathing, tuple[Rep, ...]]:
    """Breathing and repetitions for one condition, with the labels in the truth.

    - ``continue``: sets of repetitions (8 per set, 10-15 s rest between sets) while breathing
      goes on at ``rate_bpm``, unrelated to the movement;
    - ``holds``: the same breathing with holds after inhale of 2 repetitions' length, each covering
      two repetitions (the person inhales, holds, squats twice, then breathes out), plus sets
      with breathing between them;
    - ``locked``: one breath per repetition, exhaling on the way up (rate 60 / period_s);
    - ``bracing``: sets with breathing that continues in the chest while the belly is frozen;
    - ``still``: no movement at all (the control).
    """
    if condition not in CONDITIONS:
        raise ParameterError(f"unknown condition {condition!r}; choose from {', '.join(CONDITIONS)}")
    rng = np.random.default_rng(seed)
    desc = f"{condition} {kind} every {period_s:g} s"
    if condition == "locked":
        # Inhale while going down, exhale on the effort (the way up), a short pause standing.
        move = MOVING_SHARE * period_s
        pattern = (move / 2, 0.0, move / 2, period_s - move)
        breathing = simulate_breathing(
            duration_s=duration_s, fs_hz=fs_hz, paced=pattern, irregularity=0.0, belly_share=belly_share,
            seed=seed, description=desc,
        )
        first = breathing.truth.breaths[0].inhale_start if breathing.truth.breaths else 0.0
        n = int((duration_s - first - period_s) // period_s)
        reps = regular_reps(kind=kind, start_s=first, n=max(0, n), period_s=period_s)
        reps = tuple(replace(r, exhale_on_effort=True) for r in reps)
        return _with_movement(breathing, reps, condition), reps
    if condition == "still":
        breathing = simulate_breathing(
            duration_s=duration_s, fs_hz=fs_hz, rate_bpm=rate_bpm, irregularity=0.08, belly_share=belly_share,
            seed=seed, description=desc,
        )
        return _with_movement(breathing, (), condition), ()
    hold_s = 2 * period_s + 1.0
    holds = []
    if condition == "holds":
        t = 12.0 + rng.uniform(0, 3)
        while t + hold_s + 8 < duration_s:
            holds.append((t, hold_s, "inhale"))
            t += hold_s + rng.uniform(14, 20)
    breathing = simulate_breathing(
        duration_s=duration_s, fs_hz=fs_hz, rate_bpm=rate_bpm, irregularity=0.08, holds=holds,
        belly_share=belly_share, seed=seed, description=desc,
    )
    reps: list[Rep] = []
    if condition == "holds":
        for h in breathing.truth.holds:
            if h.after == "inhale" and h.end - h.start >= 2 * period_s:
                mid = 0.5 * (h.start + h.end)
                reps += regular_reps(kind=kind, start_s=mid - period_s, n=2, period_s=period_s)
        reps = [replace(r, held=True) for r in reps]
        gaps = _free_spans([(h.start, h.end) for h in breathing.truth.holds], duration_s)
        for a, b in gaps:  # a few repetitions while breathing between the holds
            n = int((b - a - 2.0) // period_s)
            if n >= 2:
                reps += regular_reps(kind=kind, start_s=a + 1.0, n=min(n, 3), period_s=period_s)
    else:
        t = 5.0 + rng.uniform(0, 2)
        while t + 8 * period_s < duration_s - 2:
            reps += regular_reps(kind=kind, start_s=t, n=8, period_s=period_s)
            t += 8 * period_s + rng.uniform(10, 15)
        if condition == "bracing":
            reps = [replace(r, braced=True) for r in reps]
    reps = sorted(reps, key=lambda r: r.start)
    if condition == "bracing":
        breathing = _brace(breathing, reps)
    reps = [replace(r, exhale_on_effort=_exhale_in(breathing, r.turn, r.end)) for r in reps]
    return _with_movement(breathing, tuple(reps), condition), tuple(reps)


def _free_spans(busy: Sequence[tuple[float, float]], duration_s: float) -> list[tuple[float, float]]:
    spans, t = [], 0.0
    for a, b in sorted(busy):
        if a > t:
            spans.append((t, a))
        t = max(t, b)
    if t < duration_s:
        spans.append((t, duration_s))
    return spans


# An exhale ends (the end-expiratory pause begins) where the volume comes within this share of the
# breath's depth of its lowest level: the analysis places the pause the same way
# (breathcam.config.BreathConfig.pause_level_fraction).
EXHALE_END_FRACTION = 0.1
# An exhale "falls on the effort" when it covers this share of the way up (MovementConfig).
EFFORT_EXHALE_OVERLAP = 0.4


def _exhale_in(breathing: Breathing, t0: float, t1: float) -> bool:
    """Whether an exhale covers at least EFFORT_EXHALE_OVERLAP of [t0, t1]."""
    t, v = breathing.t_s, breathing.volume
    for b in breathing.truth.breaths:
        m = (t >= b.exhale_start) & (t < b.end)
        if not m.any():
            continue
        top, low = float(v[m][0]), float(v[m].min())
        below = np.flatnonzero(v[m] <= low + EXHALE_END_FRACTION * (top - low))
        ex_end = float(t[m][below[0]]) if below.size else b.end
        if min(t1, ex_end) - max(t0, b.exhale_start) >= EFFORT_EXHALE_OVERLAP * (t1 - t0):
            return True
    return False


def _brace(breathing: Breathing, reps: Sequence[Rep]) -> Breathing:
    """Freeze the belly through each repetition (held at its value at the start) and shift the volume
    to the chest so that the breath goes on at the same depth."""
    belly = breathing.belly.copy()
    chest = breathing.chest.copy()
    t = breathing.t_s
    for r in reps:
        m = (t >= r.start) & (t < r.end)
        if not m.any():
            continue
        frozen = belly[np.argmax(m)]
        chest[m] += belly[m] - frozen
        belly[m] = frozen
    return replace(breathing, chest=chest, belly=belly)


def _with_movement(breathing: Breathing, reps: Sequence[Rep], condition: str) -> Breathing:
    extra = dict(breathing.truth.extra)
    extra["movement"] = {"condition": condition, "reps": [asdict(r) for r in reps]}
    return replace(breathing, truth=replace(breathing.truth, extra=extra))


def reps_from_truth(extra: dict) -> tuple[Rep, ...]:
    """The repetitions stored in a truth's ``extra["movement"]`` (empty when there are none)."""
    return tuple(Rep(**r) for r in extra.get("movement", {}).get("reps", ()))
