"""Chest vs belly breathing: belly share, chest-belly phase, paradoxical flag, shoulder lift, label.

:func:`measure_pattern` takes the motion traces and the breaths the signal core found and returns
a :class:`~breathcam.types.Pattern` for the clip plus the breaths with their own ``belly_share``
and ``phase_deg``.

Method (details, thresholds and figures in docs/measurement.md, "Chest and belly"):

1. Chest, belly and shoulder traces are band-passed (``[filters] low_hz-high_hz``, zero phase).
   The chest trace is the upward motion of the upper chest; the belly trace is the outward
   motion of the belly region's edges (front view: expansion x the region's mean half-side) or
   its forward motion (side view, oriented by the facing direction).  Both are pixels of image
   motion, so the **belly share is a share of camera-visible motion, not of lung volume**: no
   camera can calibrate volume without a reference.
2. Per breath (``inhale_start`` to ``end``): each component's amplitude is the RMS of its
   band-passed trace over the breath (a lagging component counts in full, unlike a projection);
   belly share = belly / (chest + belly).  The phase is the lag of the cross-correlation peak of
   chest and belly within +- half the breath, in degrees of the breath (belly lagging > 0,
   paradoxical near +-180); null when one component carries less than ``min_phase_share``.
3. Clip: the median per-breath share; the circular mean of the per-breath phases; paradoxical
   when that phase reaches ``paradoxical_min_deg``; a switch when the per-breath shares split
   into two stretches with different labels (:func:`find_switch`); shoulder lift as the median
   of the shoulder band's rise over the breath's chest + belly motion.

Where it fails (label "unknown" with a note, never a confident wrong label): the belly out of
frame or untracked (plain, dark clothing), the arms across the torso (when pose reports it),
regions not located by pose (outline or motion), too few breaths, a split that varies from
breath to breath.
Loose clothing over a belly that moves looks like a still belly: the label can then read "chest"
(its confidence is lowered when the belly shows nothing in step with the breath).  In a side view
without a facing direction the belly follows the chest's orientation and paradoxical breathing
cannot be told (``paradoxical`` null).  The split depends on where the regions sit: crosstalk
between the regions (the lower chest moves with the belly) reads about 0.1 on pure chest or pure
belly breathing in the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from breathcam.config import DEFAULT, FilterConfig, PatternConfig
from breathcam.types import Breath, MotionTraces, Pattern

__all__ = ["PatternResult", "measure_pattern", "label_of", "phase_deg", "find_switch"]


@dataclass(frozen=True)
class PatternResult:
    pattern: Pattern
    breaths: tuple[Breath, ...]  # the input breaths with belly_share / phase_deg filled where measured


@dataclass(frozen=True)
class Switch:
    index: int  # first breath (of the measured ones) after the switch
    t: float  # its inhale_start
    before: float  # median share before and after
    after: float


def label_of(share: float, *, config: PatternConfig = DEFAULT.pattern) -> str:
    """"chest" | "mixed" | "belly" for a belly share."""
    if share < config.chest_max_share:
        return "chest"
    if share > config.belly_min_share:
        return "belly"
    return "mixed"


def phase_deg(chest: np.ndarray, belly: np.ndarray, *, i0: int, i1: int, period_samples: float) -> float | None:
    """Belly lag behind the chest over samples [i0, i1), degrees of ``period_samples``, in (-180, 180].

    The normalised cross-correlation r(L) = <c(t - L), b(t)> over the window is searched over
    lags within +- half a period; its peak (refined by a parabola) is the lag.  Both inputs are
    band-passed, zero-mean traces of the whole clip (lagged samples may reach outside the window).
    """
    n = len(chest)
    half = max(1, int(round(0.5 * period_samples)))
    lags = np.arange(-half, half + 1)
    b = belly[i0:i1]
    nb = float(np.sqrt(np.sum(b * b)))
    if nb <= 0:
        return None
    r = np.full(len(lags), -np.inf)
    for k, lag in enumerate(lags):
        j0, j1 = i0 - lag, i1 - lag
        if j0 < 0 or j1 > n:
            continue
        c = chest[j0:j1]
        nc = float(np.sqrt(np.sum(c * c)))
        if nc > 0:
            r[k] = float(np.dot(c, b)) / (nc * nb)
    if not np.isfinite(r).any():
        return None
    k = int(np.argmax(r))
    lag = float(lags[k])
    if 0 < k < len(lags) - 1 and np.isfinite(r[k - 1]) and np.isfinite(r[k + 1]):
        den = r[k - 1] - 2 * r[k] + r[k + 1]
        if den < 0:
            lag += 0.5 * (r[k - 1] - r[k + 1]) / den
    deg = 360.0 * lag / period_samples
    return float((deg + 180.0) % 360.0 - 180.0) if abs(deg) < 180.0 else 180.0


def find_switch(
    times: Sequence[float], shares: Sequence[float], *, config: PatternConfig = DEFAULT.pattern
) -> Switch | None:
    """The best split of per-breath shares into two stretches, when it is a real change of label.

    Least squares over every split leaving ``switch_min_breaths`` on each side; reported when the
    two medians differ by ``switch_min_change`` and by ``switch_min_ratio`` pooled spreads, and
    carry different labels.
    """
    s = np.asarray(shares, float)
    m = config.switch_min_breaths
    if len(s) < 2 * m:
        return None
    best, best_cost = None, np.inf
    for k in range(m, len(s) - m + 1):
        a, b = s[:k], s[k:]
        cost = float(np.sum((a - a.mean()) ** 2) + np.sum((b - b.mean()) ** 2))
        if cost < best_cost:
            best, best_cost = k, cost
    a, b = s[:best], s[best:]
    before, after = float(np.median(a)), float(np.median(b))
    spread = float(np.sqrt(best_cost / max(1, len(s) - 2)))
    change = abs(after - before)
    if change < config.switch_min_change or change < config.switch_min_ratio * spread:
        return None
    if label_of(before, config=config) == label_of(after, config=config):
        return None
    return Switch(index=best, t=float(times[best]), before=before, after=after)


def _bandpass(x: np.ndarray, *, fs_hz: float, filters: FilterConfig) -> np.ndarray:
    from breathcam.signals.filters import band

    return band(x, fs_hz=fs_hz, low_hz=filters.low_hz, high_hz=filters.high_hz, order=filters.order, demean=True)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


def _iqr(x: Sequence[float]) -> float:
    return float(np.subtract(*np.percentile(x, [75, 25]))) if len(x) else 0.0


def _unknown(breaths: Sequence[Breath], view: str, note: str) -> PatternResult:
    return PatternResult(Pattern(label="unknown", view=view, notes=(note,)), tuple(breaths))


def measure_pattern(
    traces: MotionTraces,
    breaths: Sequence[Breath],
    *,
    config: PatternConfig = DEFAULT.pattern,
    filters: FilterConfig = DEFAULT.filters,
) -> PatternResult:
    """Chest vs belly over the clip and per breath (see the module docstring)."""
    view = traces.view
    fs = float(traces.fs_hz)
    n = len(traces.t_s)
    # the minimum a band-pass and a one-breath cross-correlation need
    if n < 3 * int(fs) or len(breaths) == 0:
        return _unknown(breaths, view, "chest/belly: no breaths to measure")
    if traces.method == "motion":
        return _unknown(breaths, view, "chest/belly: torso located from motion or the person's outline, not by pose; its chest and belly regions are a guess")
    if traces.arms_on_torso > config.max_arms_fraction:
        return _unknown(breaths, view, "chest/belly: arms across the torso, their motion mixes into the regions")
    if traces.belly_measured < config.min_measured_fraction:
        return _unknown(breaths, view, "chest/belly: belly not tracked (out of frame, or clothing too plain or dark to track)")
    if traces.chest_measured < config.min_measured_fraction:
        return _unknown(breaths, view, "chest/belly: chest not tracked (clothing too plain or dark to track)")

    notes: list[str] = []
    orientable = True
    belly_raw = np.asarray(traces.belly, float)
    if view == "side":
        if traces.belly_forward_sign:
            belly_raw = belly_raw * float(np.sign(traces.belly_forward_sign))
        else:
            orientable = False
            notes.append("chest/belly: side view without a facing direction, paradoxical breathing cannot be told")
    c = _bandpass(np.asarray(traces.chest, float), fs_hz=fs, filters=filters)
    b = _bandpass(belly_raw, fs_hz=fs, filters=filters)
    br = _bandpass(np.asarray(traces.breathing, float), fs_hz=fs, filters=filters)
    sh = None if traces.shoulder is None else _bandpass(np.asarray(traces.shoulder, float), fs_hz=fs, filters=filters)
    valid = np.asarray(traces.valid, bool)
    t0 = float(traces.t_s[0])

    out: list[Breath] = []
    times, shares, phases, lifts, weights = [], [], [], [], []
    for bt in breaths:
        i0 = max(0, int(round((bt.inhale_start - t0) * fs)))
        i1 = min(n, int(round((bt.end - t0) * fs)))
        if i1 - i0 < 3 or valid[i0:i1].mean() < config.min_valid_fraction or bt.confidence < config.min_breath_confidence:
            out.append(bt)
            continue
        ac, ab = _rms(c[i0:i1]), _rms(b[i0:i1])
        if ac + ab <= 0:
            out.append(bt)
            continue
        share = ab / (ac + ab)
        ph = None
        if min(share, 1.0 - share) >= config.min_phase_share:
            ph = phase_deg(c, b, i0=i0, i1=i1, period_samples=(i1 - i0))
        if sh is not None:
            s_k = sh[i0:i1]
            lifts.append(_rms(s_k) * float(np.sign(np.dot(s_k, br[i0:i1]))) / (ac + ab))
        out.append(replace(bt, belly_share=share, phase_deg=ph))
        times.append(bt.inhale_start)
        shares.append(share)
        if ph is not None:
            phases.append(ph)
            weights.append(ac + ab)
    if len(shares) < config.min_breaths:
        return PatternResult(
            Pattern(label="unknown", view=view, notes=tuple(notes) + ("chest/belly: too few breaths measured",)), tuple(out)
        )

    share = float(np.median(shares))
    phase = None
    if len(phases) >= max(1, len(shares) // 2):
        z = np.sum(np.asarray(weights) * np.exp(1j * np.deg2rad(phases)))
        phase = float(np.rad2deg(np.angle(z)))
    paradoxical = None
    if phase is not None and orientable:
        paradoxical = bool(abs(phase) >= config.paradoxical_min_deg)
    elif phase is None and min(share, 1 - share) < config.min_phase_share:
        paradoxical = False  # one component (nearly) still: nothing can move against the other
    switch = find_switch(times, shares, config=config)
    if switch is not None:
        spread = max(_iqr(shares[: switch.index]), _iqr(shares[switch.index :]))
        notes.append(
            f"chest/belly: {label_of(switch.before, config=config)} breathing turned into "
            f"{label_of(switch.after, config=config)} breathing at {switch.t:.0f} s"
        )
    else:
        spread = _iqr(shares)
    lift = float(np.median(lifts)) if lifts else None
    if lift is not None and lift >= config.shoulder_lift_note:
        notes.append("chest/belly: the shoulders lift with the breath")

    # confidence
    label = label_of(share, config=config)
    d = min(abs(share - config.chest_max_share), abs(share - config.belly_min_share))
    conf = 0.5 + 0.5 * min(1.0, d / config.label_margin)
    conf *= len(shares) / len(breaths)
    conf *= max(0.0, 1.0 - 0.5 * spread / config.max_share_iqr)
    conf *= {"front": 1.0, "side": config.side_view_factor}.get(view, config.unknown_view_factor)
    if traces.method != "pose":
        conf *= traces.pose_found
    r = _coherence(c, b, valid)
    if r < config.min_coherence:
        conf *= config.incoherent_factor
        notes.append("chest/belly: chest and belly do not move in step; one of them may be hidden (loose clothing)")
    if spread > config.max_share_iqr:
        conf = 0.0
        notes.append("chest/belly: the split varies too much from breath to breath")
    if conf < config.min_confidence:
        notes.append(f"chest/belly: reading too uncertain for a label (would be {label}, confidence {conf:.2f})")
        label = "unknown"
    pattern = Pattern(
        label=label,
        belly_share=share,
        phase_deg=phase,
        paradoxical=paradoxical,
        shoulder_lift=lift,
        confidence=float(np.clip(conf, 0.0, 1.0)),
        view=view,
        switch_t=None if switch is None else switch.t,
        label_before=None if switch is None else label_of(switch.before, config=config),
        label_after=None if switch is None else label_of(switch.after, config=config),
        notes=tuple(notes),
    )
    return PatternResult(pattern, tuple(out))


def _coherence(a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> float:
    """|correlation| of two band-passed traces over the valid samples (0 when undefined)."""
    a, b = a[valid], b[valid]
    den = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    return abs(float(np.dot(a, b)) / den) if den > 0 else 0.0
