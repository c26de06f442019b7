"""Breathing while moving: whole-body movement measured, removed from the breathing motion, and
every repetition (squat, bend, lift) found and labelled.

Two stages, both pure:

1. :func:`stabilise_columns` works on the motion tracker's per-frame log (before the chest and
   belly traces are built).  It picks a *body reference*: the vertical motion of the head when it
   is tracked, else the belly's translation (from the front, belly breathing expands the belly
   box about its centre and barely moves its median point).  When that reference moves more than
   ``min_movement_px`` and either shows repetitions (stage 2) or shifts by
   ``min_movement_fraction`` of the torso's length (:func:`body_moves`), the person is moving, and
   every breathing measurement (chest rise, belly expansion or forward motion, shoulder lift) is
   regressed on the reference's vertical position, its square and its sideways motion, and the
   regressed part is removed.  The fit is band-passed
   and runs over the whole clip: breathing that is not in step with the movement is uncorrelated
   with it and survives.  Only one reference is used: a second that carries some breathing (the
   belly's translation next to the head) would let the fit rebuild the breath from the difference
   and cancel it.  Squats, bends and lifts move, scale and tip the torso about the hips in one
   smooth profile per repetition, which those terms follow.  While the body moves, the chest and
   shoulders are taken at an anchored body point (``chest_anchor_dy``: an affine fit of the
   tracked points, see signals.motion) rather than at the median point, which jumps between
   different surviving points as the torso scales and leaves the frame.
2. :func:`find_reps` finds repetitions on the reference's position (down is +y): prominent
   excursions away from the rest level, each from leaving rest (``start``) through the turning
   point (``turn``: the bottom of a squat, the floor in a lift) back to rest (``end``); the way
   down is "down"/"lower", the way up is the effort ("up"/"lift").  Repetitions are judged
   against the body's size (``MotionTraces.body_px``, the torso's length): each must move the
   reference by ``min_rep_excursion_fraction`` of it, and they must come in a rhythm
   (:func:`in_sets`: two or more of similar depth with short rests between them), or alone only
   when one moves the body by ``min_lone_rep_fraction`` of it (a deliberate lift).  A still
   person's sway, the jolt of a hand clap at the start and end of a recording and settling into
   position move the reference by 1-7 % of the torso, one-offs a clip's length apart; before
   these rules they gave 14 phantom repetitions over 18 real clips of still people
   (benchmarks/real.py), now none, and the fit no longer runs on them.  :func:`label_reps` then
   says for each whether the breath was held through it, whether an exhale fell on the effort,
   and whether the belly was braced (frozen while the chest still moved).

Where it fails: breathing locked to the movement (one breath per repetition) cannot be told from
the movement by the camera alone: the fit removes part of the breath with it.  This is detected
(the breathing rate within a few percent of the repetition rate) and said, with the confidence
lowered.  What the fit leaves ripples the trace by 0.2-0.4 px per repetition on the simulator;
holds are judged with a more tolerant flat threshold where the body moves
(``[holds] moving_flat_speed_fraction``).  The fit can only remove what the tracker measured on
the same body points throughout: the pose regions must follow the body (``[pose]
moving_interval_s``, driven by ``MotionTracker.body_moving``) and the anchored point must not be
swapped mid-repetition (``[motion] anchor_margin_fraction``); before both, lifts left bumps of
1-2 px and steps of several px, and 2 of 6 lift holds were found.  Movement that is not a stiff
torso motion (twisting, arms crossing the chest, walking out of the frame) leaves residue the fit
cannot remove.  Without the head in frame the belly's translation is the reference, and chest
breathing that pulls the upper belly box with it is partly removed too (about 15 % on the
simulator).  The torso's length comes from pose and can be far too small (a quarter to two fifths
of it on real clips: side views with the hips hidden, a misplaced skeleton): a still person then
passes for one shifting posture and the fit runs (no repetition is reported, the rhythm and lone
rules stand in the way); a single shallow squat (under a quarter of the torso) is not reported.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
from scipy import signal

from breathcam.config import DEFAULT, MovementConfig
from breathcam.signals.filters import band, design_highpass, design_lowpass
from breathcam.types import Breath, Hold, Movement, ParameterError, Repetition

__all__ = [
    "stabilise_columns", "body_moves", "find_reps", "in_sets", "label_reps", "body_reference", "movement_summary",
    "moving_mask",
]

# Measurements in the tracker's log that carry breathing (and the movement, to be removed), and the
# head's vertical motion: the sway correction that follows subtracts it from the chest, and would
# put the movement back if it were left in.
BREATHING_COLUMNS = ("chest_dy", "shoulder_dy", "belly_expansion", "belly_dx", "reference_dy")


def body_reference(cols: dict[str, np.ndarray], *, config: MovementConfig = DEFAULT.movement) -> tuple[str, np.ndarray] | None:
    """(name, per-frame vertical position) of the body reference, or None when none is tracked.

    The head when it is tracked on at least ``min_reference_fraction`` of the measured frames,
    else the belly's translation, else nothing.
    """
    valid = np.asarray(cols["valid"]) > 0.5
    if valid.sum() < 2:
        return None
    for name, column, ok in (("head", "reference_dy", "reference_ok"), ("belly", "belly_dy", "belly_ok")):
        if column in cols and (np.asarray(cols[ok])[valid] > 0.5).mean() >= config.min_reference_fraction:
            y = np.asarray(cols[column], dtype=float)
            return name, y - y[0]
    return None


# The sideways motion of each body reference (breathing moves neither sideways from the front).
_SIDEWAYS = {"head": "reference_dx", "belly": "belly_dx"}


def _band(x: np.ndarray, *, fs_hz: float, config: MovementConfig) -> np.ndarray:
    pad = min(x.shape[0] - 1, 3 * int(fs_hz / config.fit_low_hz))
    return band(x, fs_hz=fs_hz, low_hz=config.fit_low_hz, high_hz=config.fit_high_hz, order=config.fit_order,
                axis=0, padlen=max(0, pad))


def _frame_rate(t_s: np.ndarray) -> float:
    dt = np.diff(t_s)
    return 1.0 / float(np.median(dt)) if dt.size and np.median(dt) > 0 else 0.0


def movement_extent_px(position: np.ndarray, *, fs_hz: float, config: MovementConfig = DEFAULT.movement) -> float:
    """The reference's robust peak-to-peak excursion in the movement band (px)."""
    if position.size < 8 or fs_hz <= 2 * config.fit_high_hz:
        return 0.0
    b = _band(position, fs_hz=fs_hz, config=config)
    lo, hi = np.percentile(b, [config.extent_low_percentile, 100 - config.extent_low_percentile])
    return float(hi - lo)


def body_moves(
    position: np.ndarray, *, fs_hz: float, body_px: float | None = None, config: MovementConfig = DEFAULT.movement
) -> bool:
    """Whether the body reference's position (px, down positive) shows whole-body movement.

    It must reach ``min_movement_px`` and either show repetitions (:func:`find_reps`: deep enough
    for the body, in a rhythm) or reach ``min_movement_fraction`` of the torso's length
    ``body_px`` (a posture shift, such as leaning towards the laptop and back).  Sway, the jolt of
    a hand clap and settling into position are not movement: the fit would only take breathing
    away with them (on the belly the reference carries part of the breath).

    Where it fails: ``body_px`` is pose's estimate and can be far too small (a quarter to two
    fifths of the torso on real clips: side views with the hips hidden, a misplaced skeleton); a
    still person's sway then passes the posture-shift test and the fit runs on it, as it did on
    every still person before (no repetition is reported: see find_reps).  Straightening up into
    a deep held breath moved the belly reference by 7 % of the torso on a real clip: a little
    below the posture-shift threshold.
    """
    x = np.asarray(position, dtype=float)
    extent = movement_extent_px(x, fs_hz=fs_hz, config=config)
    if extent < config.min_movement_px:
        return False
    if body_px and extent >= config.min_movement_fraction * body_px:
        return True
    return bool(find_reps(x, fs_hz=fs_hz, body_px=body_px, config=config))


def stabilise_columns(
    cols: dict[str, np.ndarray], *, body_px: float | None = None, config: MovementConfig = DEFAULT.movement
) -> tuple[dict[str, np.ndarray], str | None, tuple[str, ...]]:
    """Remove whole-body movement from the breathing columns of a motion log.

    Returns the columns (the same object when the body did not move, see :func:`body_moves`), the
    name of the reference used (None when nothing was removed) and notes.  Columns are cumulative
    displacements per frame; ``body_px`` is the torso's length (MotionTraces.body_px).
    """
    t = np.asarray(cols["t_s"], dtype=float)
    ref = body_reference(cols, config=config)
    fs = _frame_rate(t)
    if ref is None or t.size < 8 or fs <= 2 * config.fit_high_hz:
        return cols, None, ()
    name, position = ref
    if not body_moves(position, fs_hz=fs, body_px=body_px, config=config):
        return cols, None, ()
    # The position and its square (a measurement's response to the movement is not quite
    # proportional to the reference's: the torso scales and tips as it moves) and the reference's
    # sideways motion (a lift drifts and tilts to one side or the other).
    scale = max(float(np.max(np.abs(position))), 1e-9)
    side = np.asarray(cols[_SIDEWAYS[name]], dtype=float)
    basis = np.column_stack([position, position**2 / scale, side - side[0]])
    reg = _band(basis, fs_hz=fs, config=config)
    out = dict(cols)
    # while the body moves, the anchored fits stand in for the medians (see MotionSample)
    for column, anchored in (("chest_dy", "chest_anchor_dy"), ("shoulder_dy", "shoulder_anchor_dy")):
        if anchored in cols:
            out[column] = cols[anchored]
    for column in BREATHING_COLUMNS:
        if column not in cols:
            continue
        y = np.asarray(out[column], dtype=float)
        beta, *_ = np.linalg.lstsq(reg, _band(y - y[0], fs_hz=fs, config=config), rcond=None)
        out[column] = y - basis @ beta
    return out, name, (f"whole-body movement removed from the breathing motion (reference: {name})",)


def moving_mask(body: np.ndarray, *, fs_hz: float, config: MovementConfig = DEFAULT.movement) -> np.ndarray:
    """Where the body moves: its reference faster than ``moving_speed_px_s``, widened by
    ``moving_margin_s`` on each side (a repetition's slow turn and its settling)."""
    x = np.asarray(body, dtype=float)
    if x.size < 2:
        return np.zeros(x.size, bool)
    lp = design_lowpass(fs_hz=fs_hz, cutoff_hz=min(config.rep_smooth_hz, 0.45 * fs_hz), order=2)
    speed = np.abs(np.gradient(signal.sosfiltfilt(lp, x, padlen=min(x.size - 1, 3 * int(fs_hz)))) * fs_hz)
    fast = speed > config.moving_speed_px_s
    k = int(round(config.moving_margin_s * fs_hz))
    if k > 0 and fast.any():
        fast = np.convolve(fast.astype(float), np.ones(2 * k + 1), mode="same") > 0
    return fast


# ---------------------------------------------------------------------------------------------
# repetitions
# ---------------------------------------------------------------------------------------------


def find_reps(
    position: np.ndarray,
    *,
    fs_hz: float,
    t0_s: float = 0.0,
    body_px: float | None = None,
    config: MovementConfig = DEFAULT.movement,
) -> tuple[Repetition, ...]:
    """Repetitions in a body position trace (px, down positive) sampled at ``fs_hz``.

    A repetition is an excursion at least ``min_rep_px`` deep (and ``min_rep_depth_fraction`` of
    the median excursion) lasting ``min_rep_s`` to ``max_rep_s``; it starts and ends where the
    position is within ``rep_edge_fraction`` of its depth from the rest level.  Against the body's
    size ``body_px`` (the torso's length in px, MotionTraces.body_px; None when unknown) it must be
    ``min_rep_excursion_fraction`` of it deep, and it must come in a rhythm (:func:`in_sets`): in a
    set of at least ``min_reps_per_set`` of similar depth, or alone only when it moves the body by
    ``min_lone_rep_fraction`` of its size (never when the size is unknown).

    Where it fails: a single shallow squat or bend (under a quarter of the torso) is not reported;
    two of a still person's jolts deeper than ``min_rep_excursion_fraction`` of the torso within a
    few seconds of each other (claps at both ends of a clip shorter than about 6 s) read as a set
    of two; a torso length that pose underestimated lets sway pass the depth test (the rhythm then
    still stands between it and a repetition).
    """
    x = np.asarray(position, dtype=float)
    if fs_hz <= 0:
        raise ParameterError(f"fs_hz must be positive, not {fs_hz}")
    if x.size < 4 or not np.all(np.isfinite(x)):
        return ()
    # slow drift (posture, integration) off; the excursions keep their shape
    sos = design_highpass(fs_hz=fs_hz, cutoff_hz=config.rep_low_hz, order=2)
    pad = min(x.size - 1, 3 * int(fs_hz / config.rep_low_hz))
    y = signal.sosfiltfilt(sos, x - x[0], padlen=max(0, pad))
    lp = design_lowpass(fs_hz=fs_hz, cutoff_hz=config.rep_smooth_hz, order=2)
    y = signal.sosfiltfilt(lp, y, padlen=min(x.size - 1, 3 * int(fs_hz / config.rep_smooth_hz)))
    peaks, props = signal.find_peaks(
        y, prominence=config.min_rep_px, distance=max(1, int(config.min_rep_s * fs_hz)), wlen=int(config.max_rep_s * fs_hz)
    )
    if peaks.size == 0:
        return ()
    _, _, left, right = signal.peak_widths(
        y, peaks, rel_height=1.0 - config.rep_edge_fraction, prominence_data=(props["prominences"], props["left_bases"], props["right_bases"])
    )
    reps = []
    min_depth = config.min_rep_depth_fraction * float(np.median(props["prominences"]))
    if body_px:
        min_depth = max(min_depth, config.min_rep_excursion_fraction * float(body_px))
    for p, a, b, prom in zip(peaks, left, right, props["prominences"]):
        duration = (b - a) / fs_hz
        if not config.min_rep_s <= duration <= config.max_rep_s or prom < min_depth:
            continue
        reps.append(
            Repetition(
                start=round(t0_s + a / fs_hz, 3),
                turn=round(t0_s + p / fs_hz, 3),
                end=round(t0_s + b / fs_hz, 3),
                depth_px=round(float(prom), 2),
            )
        )
    return in_sets(reps, body_px=body_px, config=config)


def in_sets(
    reps: Sequence[Repetition], *, body_px: float | None = None, config: MovementConfig = DEFAULT.movement
) -> tuple[Repetition, ...]:
    """The repetitions that come in a rhythm, in the order of their turning points.

    Repetitions form a set while each starts within ``max_rep_rest_s`` of the end of the one
    before; a set counts when it holds ``min_reps_per_set`` repetitions of similar depth (the
    shallowest of them at least ``similar_rep_depth_fraction`` of the deepest), and then so do its
    repetitions at least that fraction of its median depth.  Any other repetition counts only when
    it is ``min_lone_rep_fraction`` of ``body_px`` deep (never when ``body_px`` is None).

    Why: a physiotherapist films a set of squats or bends, several in a row at an even pace, or a
    deliberate lift, which moves the torso by a quarter of its length or more.  A still person's
    sway and jolts are one-offs a few % of the torso deep, and the claps at both ends of a clip
    are the clip's length apart.

    Where it fails: two squats with a rest longer than ``max_rep_rest_s`` between them count only
    if each is deep enough to stand alone; two jolts of similar depth within a few seconds (claps
    at both ends of a clip shorter than about 6 s) read as a set when they pass the body-size
    depth (find_reps), and so does a jolt just before a set of shallow repetitions (under twice
    its depth).
    """
    ordered = sorted(reps, key=lambda r: r.turn)
    runs: list[list[Repetition]] = []
    for r in ordered:
        if runs and r.start - runs[-1][-1].end <= config.max_rep_rest_s:
            runs[-1].append(r)
        else:
            runs.append([r])
    lone = config.min_lone_rep_fraction * float(body_px) if body_px else float("inf")
    out: list[Repetition] = []
    n = max(1, config.min_reps_per_set)
    for run in runs:
        depths = sorted(r.depth_px for r in run)
        # n of them of similar depth: some n neighbours in depth order within the fraction
        f = config.similar_rep_depth_fraction
        rhythm = any(depths[i] >= f * depths[i + n - 1] for i in range(len(depths) - n + 1))
        # in a set, what is far shallower than its typical repetition (a jolt just before it) is
        # not one of them
        member = f * float(np.median(depths)) if rhythm else float("inf")
        out += [r for r in run if r.depth_px >= min(member, lone)]
    return tuple(out)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def label_reps(
    reps: Sequence[Repetition],
    *,
    breaths: Sequence[Breath],
    holds: Sequence[Hold],
    chest: np.ndarray | None = None,
    belly: np.ndarray | None = None,
    t_s: np.ndarray | None = None,
    separable: bool = True,
    config: MovementConfig = DEFAULT.movement,
) -> tuple[Repetition, ...]:
    """Each repetition with ``held``, ``exhale_on_effort`` and ``braced`` filled in.

    Left None where the breath could not be separated from the movement (``separable`` False) or,
    for bracing, where chest and belly were not both measured.
    """
    if not separable:
        return tuple(reps)
    out = []
    brace = _brace_scores(reps, chest, belly, t_s, config=config)
    for rep, braced in zip(reps, brace):
        span = rep.end - rep.start
        held = any(_overlap(rep.start, rep.end, h.start, h.end) >= config.held_overlap * span for h in holds)
        effort = rep.end - rep.turn
        exhale = (not held) and any(
            _overlap(rep.turn, rep.end, b.exhale_start, b.pause_start) >= config.effort_exhale_overlap * effort
            for b in breaths
        )
        out.append(
            Repetition(
                start=rep.start, turn=rep.turn, end=rep.end, depth_px=rep.depth_px,
                held=held, exhale_on_effort=exhale, braced=braced,
            )
        )
    return tuple(out)


def _brace_scores(reps, chest, belly, t_s, *, config: MovementConfig) -> list[bool | None]:
    """Belly braced: its breathing motion during the repetition is a small fraction of the chest's,
    compared with the same ratio while breathing between repetitions."""
    if chest is None or belly is None or t_s is None or len(t_s) < 8 or not reps:
        return [None] * len(reps)
    t = np.asarray(t_s, dtype=float)
    fs = _frame_rate(t)
    vc = np.abs(np.gradient(np.asarray(chest, dtype=float)) * fs)
    vb = np.abs(np.gradient(np.asarray(belly, dtype=float)) * fs)
    during = np.zeros(t.size, bool)
    for r in reps:
        during |= (t >= r.start) & (t <= r.end)
    if (~during).sum() < fs * config.min_rest_for_brace_s:
        return [None] * len(reps)
    rest_ratio = float(np.median(vb[~during])) / max(float(np.median(vc[~during])), 1e-9)
    scores: list[bool | None] = []
    for r in reps:
        m = (t >= r.start) & (t <= r.end)
        c = float(np.median(vc[m])) if m.any() else 0.0
        if c <= 1e-9 or rest_ratio <= 1e-9:
            scores.append(None)  # the chest did not move either: a hold, not bracing
            continue
        ratio = float(np.median(vb[m])) / c
        scores.append(ratio < config.brace_ratio * rest_ratio)
    return scores


def movement_summary(
    reps: Sequence[Repetition],
    *,
    position: np.ndarray,
    fs_hz: float,
    t0_s: float,
    rate_bpm: float | None,
    reference: str | None,
    config: MovementConfig = DEFAULT.movement,
) -> Movement:
    """The ``movement`` section: repetitions, whole-body motion per second, and whether the breath
    could be separated from the movement."""
    x = np.asarray(position, dtype=float)
    speed = np.abs(np.gradient(x) * fs_hz) if x.size > 1 else np.zeros(x.size)
    step = max(1, int(round(fs_hz)))
    series = tuple(
        (round(t0_s + (i + 0.5 * step) / fs_hz, 2), round(float(np.mean(speed[i : i + step])), 2))
        for i in range(0, x.size, step)
    )
    notes: list[str] = []
    locked = False
    if len(reps) >= config.min_reps_for_rhythm and rate_bpm:
        starts = np.array([r.start for r in reps])
        gaps = np.diff(starts)
        rep_rate = 60.0 / float(np.median(gaps)) if gaps.size else 0.0
        if rep_rate > 0 and abs(rate_bpm - rep_rate) <= config.locked_rate_tolerance * rep_rate:
            locked = True
            notes.append(
                "breathing keeps step with the movement (one breath per repetition): the camera cannot "
                "separate the breath from the movement; the rate may be the movement's"
            )
    moving = float(np.mean(speed > config.moving_speed_px_s)) if speed.size else 0.0
    return Movement(
        reps=tuple(reps),
        moving_fraction=round(moving, 3),
        motion_series=series,
        reference=reference,
        separable=not locked,
        notes=tuple(notes),
    )


def analyse_movement(
    traces, *, breaths: Sequence[Breath], holds: Sequence[Hold], rate_bpm: float | None, config: MovementConfig = DEFAULT.movement
) -> Movement | None:
    """The ``movement`` section for motion traces (None when the body did not move)."""
    body = traces.body
    if body is None or len(body) < 4:
        return None
    t0 = float(traces.t_s[0])
    body_px = traces.body_px
    reps = find_reps(body, fs_hz=traces.fs_hz, t0_s=t0, body_px=body_px, config=config)
    summary = movement_summary(
        reps, position=body, fs_hz=traces.fs_hz, t0_s=t0, rate_bpm=rate_bpm, reference=traces.body_reference, config=config
    )
    measured = traces.chest_measured >= config.min_reference_fraction and traces.belly_measured >= config.min_reference_fraction
    labelled = label_reps(
        reps, breaths=breaths, holds=holds, separable=summary.separable, config=config,
        chest=traces.chest if measured else None, belly=traces.belly if measured else None, t_s=traces.t_s,
    )
    return replace(summary, reps=labelled)
