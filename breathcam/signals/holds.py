"""Breath holds: stretches where the breathing trace stays flat for at least ``min_hold_s``.

Holds are found on a low-passed trace that is never high-passed (a high-pass turns a plateau into
a slope).  Flatness is judged by local speed, not by absolute level, so the slow drift of an
integrated optical-flow trace does not matter: the speed is the slope of a straight line fitted
over ``speed_window_s``, and the trace is flat while that slope stays below a fraction of the
typical breathing speed of the clip (and above the speed noise alone produces).  A hold is
labelled by the movement around it: rising into it and falling out of it is a hold after inhale,
falling into it and rising out of it a hold after exhale.

Where it fails: very slow breathing whose exhale tail crawls for seconds before a 2 s pause can
look like a 3 s hold when the noise hides the crawl; a person who holds still but keeps breathing
very shallowly (below the flat threshold) is reported as holding; holds that touch the clip's
ends or an invalid stretch are not reported (their length is unknown).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import signal

from breathcam.config import DEFAULT, FilterConfig, HoldConfig
from breathcam.signals.breaths import noise_sd
from breathcam.signals.filters import clean_trace, long_runs, lowpass
from breathcam.types import Breath, Hold, ParameterError

__all__ = ["find_holds", "flat_mask"]


def _slope(y: np.ndarray, *, fs_hz: float, window_s: float) -> tuple[np.ndarray, int]:
    n = max(3, int(round(window_s * fs_hz)) | 1)
    if y.size < n:
        return np.gradient(y) * fs_hz, n
    return signal.savgol_filter(y, n, 1, deriv=1, delta=1.0 / fs_hz, mode="interp"), n


def _drift_speed(level: np.ndarray, *, fs_hz: float, t0_s: float, breaths: Sequence[Breath]) -> np.ndarray:
    """Slow drift speed of the trace: a breath starts and ends at the same lung volume, so the
    level change from one inhale start to the next over the breath's duration is drift alone.
    Interpolated between breath midpoints, held beyond them; zero without breaths."""
    n = level.size
    mids, speeds = [], []
    for b in breaths:
        i = int(round((b.inhale_start - t0_s) * fs_hz))
        j = int(round((b.end - t0_s) * fs_hz))
        if 0 <= i < j < n:
            mids.append(0.5 * (i + j))
            speeds.append((level[j] - level[i]) * fs_hz / (j - i))
    if not mids:
        return np.zeros(n)
    return np.interp(np.arange(n), mids, speeds)


def flat_mask(
    x: np.ndarray,
    *,
    fs_hz: float,
    breaths: Sequence[Breath] = (),
    t0_s: float = 0.0,
    config: HoldConfig = DEFAULT.holds,
    filters: FilterConfig = DEFAULT.filters,
    valid: np.ndarray | None = None,
    moving: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, int, np.ndarray]:
    """Where the trace is flat.  Returns ``(flat, level, usable, noise, window, threshold)``: the
    boolean mask (short movements bridged), the low-passed trace, the usable mask from
    :func:`clean_trace`, the sd of the sample noise, the speed window in samples and, per sample,
    the speed below which the trace counts as flat.
    ``breaths`` (optional) let the slow drift of the trace be estimated and discounted.
    ``moving`` (optional, per sample) marks whole-body movement: there the residue of the removed
    movement ripples the trace, and the flat threshold is ``moving_flat_speed_fraction``."""
    y, usable = clean_trace(x, fs_hz=fs_hz, valid=valid, config=filters)
    if y.size < 4:
        return np.zeros(y.size, dtype=bool), y, usable, 0.0, 1, np.zeros(y.size)
    level = lowpass(y, fs_hz=fs_hz, cutoff_hz=filters.hold_lowpass_hz, order=filters.order)
    drift = _drift_speed(level, fs_hz=fs_hz, t0_s=t0_s, breaths=breaths)
    slope, _ = _slope(level, fs_hz=fs_hz, window_s=config.speed_window_s)
    ref = float(np.percentile(np.abs(slope[usable]), config.ref_speed_percentile)) if usable.any() else 0.0
    want = config.flat_speed_fraction * ref
    # the slope sd that white sample noise gives a least-squares line over n samples is
    # sd * fs * sqrt(12 / (n^3 - n)): lengthen the window until noise stays below the threshold
    sd = noise_sd(y, usable)
    n_min = max(3, int(round(config.speed_window_s * fs_hz)))
    max_s = config.max_speed_window_s
    if breaths:
        typical_s = float(np.median([b.duration_s for b in breaths]))
        max_s = min(max_s, config.max_window_breath_fraction * typical_s)
    n_max = max(n_min, int(round(max_s * fs_hz)))
    n_need = (12.0 * (config.noise_speed_factor * sd * fs_hz / max(want, 1e-12)) ** 2) ** (1.0 / 3.0)
    n_win = int(np.clip(np.ceil(n_need), n_min, n_max))
    if n_win > n_min:
        slope, _ = _slope(level, fs_hz=fs_hz, window_s=n_win / fs_hz)
    noise_slope = sd * fs_hz * np.sqrt(12.0 / (n_win**3 - n_win))
    thr = max(want, config.noise_speed_factor * noise_slope)
    speed = np.abs(slope - drift)
    limit = _moving_limit(thr, moving, n=speed.size, config=config)
    flat = (speed < limit) & usable
    # bridge short movements inside a flat stretch
    gap = int(round(config.bridge_s * fs_hz))
    for i, j in long_runs(~flat, min_len=1):
        if 0 < i and j < flat.size and j - i <= gap and usable[i:j].all():
            flat[i:j] = True
    return flat, level, usable, sd, n_win, limit


def _moving_limit(thr: float, moving: np.ndarray | None, *, n: int, config: HoldConfig) -> np.ndarray:
    """The flat threshold per sample: raised where the body moves (see HoldConfig)."""
    if moving is None or not np.any(moving):
        return np.full(n, thr)
    if len(moving) != n:
        raise ParameterError(f"moving has {len(moving)} samples but the trace has {n}")
    return np.where(moving, thr * config.moving_flat_speed_fraction / config.flat_speed_fraction, thr)


def _slow_ends_s(
    start_s: float,
    end_s: float,
    after: str,
    breaths: Sequence[Breath],
    *,
    depth: float,
    threshold: float,
    tolerance: float,
    config: HoldConfig,
) -> float:
    """How long the slow ends of the movements around a hold stay below the flat ``threshold``
    speed, and so look like part of the hold.

    An inhale (raised cosine of duration T, depth D, peak speed pi D / 2T) is below the
    threshold for T asin(thr / peak) / pi at each end; a passive exhale (exponential, peak speed
    k D / T) for T (1 - ln(peak / thr) / k) at its end.  Around a hold after inhale: the end of
    the inhale (the exhale starts fast); after exhale: the end of the exhale and the start of the
    next inhale.  At the clip's ends the breaths may be incomplete: typical ones stand in."""
    if not breaths or depth <= 0 or threshold <= 0:
        return 0.0

    rel = min(1.0, tolerance / depth)

    def inhale_end(t_in: float) -> float:
        peak = np.pi * depth / (2.0 * max(t_in, 1e-6))
        by_speed = float(np.arcsin(min(1.0, threshold / peak))) / np.pi
        by_level = float(np.arccos(1.0 - 2.0 * rel)) / np.pi
        return t_in * max(by_speed, by_level)

    def exhale_end(t_out: float) -> float:
        k = config.exhale_decay
        peak = k * depth / max(t_out, 1e-6)
        by_speed = 1.0 - float(np.log(max(peak / threshold, 1.0))) / k
        floor = np.exp(-k)
        by_level = 1.0 + float(np.log(rel * (1.0 - floor) + floor)) / k
        return t_out * max(0.0, by_speed, by_level)

    typical_in = float(np.median([b.inhale_s for b in breaths]))
    typical_out = float(np.median([b.exhale_s for b in breaths]))
    home = [b for b in breaths if b.inhale_start <= start_s <= b.end]
    if after == "inhale":
        return inhale_end(start_s - home[0].inhale_start if home else typical_in)
    nxt = [b for b in breaths if abs(b.inhale_start - end_s) < 0.5 * b.duration_s]
    lead = exhale_end(start_s - home[0].exhale_start if home else typical_out)
    return config.tail_margin * (lead + inhale_end(nxt[0].inhale_s if nxt else typical_in))


def find_holds(
    x: np.ndarray,
    *,
    fs_hz: float,
    breaths: Sequence[Breath] = (),
    t0_s: float = 0.0,
    config: HoldConfig = DEFAULT.holds,
    filters: FilterConfig = DEFAULT.filters,
    valid: np.ndarray | None = None,
    moving: np.ndarray | None = None,
) -> tuple[Hold, ...]:
    """Breath holds of an unfiltered breathing trace (inhale positive) sampled at ``fs_hz``.

    ``breaths`` (from :func:`breathcam.signals.breaths.find_breaths`) let the drift be discounted,
    give the local breath depth and the length of the movement into each hold; without them the
    trace's own spread is used and no drift is discounted.

    >>> import numpy as np
    >>> from breathcam.simulate.waveform import simulate_breathing
    >>> b = simulate_breathing(duration_s=60, fs_hz=10, rate_bpm=12, holds=[(20, 10, "inhale")], seed=1)
    >>> [h.after for h in find_holds(b.volume, fs_hz=10)]
    ['inhale']
    """
    if fs_hz <= 0:
        raise ParameterError(f"fs_hz must be positive, not {fs_hz}")
    flat, level, usable, sd, n_win, limit = flat_mask(
        x, fs_hz=fs_hz, breaths=breaths, t0_s=t0_s, config=config, filters=filters, valid=valid, moving=moving
    )
    n = level.size
    if n < 4 or not usable.any():
        return ()
    depths = np.array([b.depth for b in breaths])
    mids = np.array([0.5 * (b.inhale_start + b.end) for b in breaths])
    spread = float(np.subtract(*np.percentile(level[usable], [95, 5])))

    def local_depth(t_s: float) -> float:
        """Median depth of the breaths nearest ``t_s`` (the trace's spread without breaths)."""
        if not depths.size:
            return spread
        return float(np.median(depths[np.argsort(np.abs(mids - t_s))[: config.depth_neighbours]]))
    ctx = max(1, int(round(config.context_s * fs_hz)))

    # flat stretches, their edges extended while the level stays at the stretch's level, by at
    # most half a speed window (the blur of the centred window on a sharp edge)
    tol_noise = config.level_noise_factor * sd * np.sqrt(2.0 * filters.hold_lowpass_hz / fs_hz)
    reach = n_win // 2 + 1
    runs: list[tuple[int, int, float]] = []
    for i, j in long_runs(flat, min_len=max(2, int(round(config.core_min_s * fs_hz)))):
        core = float(np.median(level[i:j]))
        t_mid = t0_s + 0.5 * (i + j) / fs_hz
        depth = local_depth(t_mid)
        tol = max(tol_noise, config.level_depth_fraction * depth)
        i_lim, j_lim = max(0, i - reach), min(n, j + reach)
        while i > i_lim and usable[i - 1] and abs(level[i - 1] - core) <= tol:
            i -= 1
        while j < j_lim and usable[j] and abs(level[j] - core) <= tol:
            j += 1
        if runs and i <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(j, runs[-1][1]), max(tol, runs[-1][2]))
        else:
            runs.append((i, j, tol))
    holds: list[Hold] = []
    for i, j, tol in runs:
        # a hold needs movement on both sides inside usable data, or its length is unknown
        if i == 0 or j >= n or not usable[max(0, i - ctx) : min(n, j + ctx)].all():
            continue
        a, b = max(0, i - ctx), min(n, j + ctx)
        hold_level = float(np.median(level[i:j]))
        before, after_ = level[a:i], level[j:b]
        # came up into it and goes down out of it: after inhale; the reverse: after exhale
        rose = (hold_level - before.min()) + (hold_level - after_.min())
        fell = (before.max() - hold_level) + (after_.max() - hold_level)
        after = "inhale" if rose > fell else "exhale"
        start, end = t0_s + i / fs_hz, t0_s + j / fs_hz
        t_mid = 0.5 * (start + end)
        depth = local_depth(t_mid)
        # the slow ends of the movements around it look flat too: demand that much more
        extra = _slow_ends_s(
            start, end, after, breaths, depth=depth, threshold=float(limit[i:j].max()), tolerance=tol, config=config
        )
        need = config.min_hold_s + extra
        if end - start < need:
            continue
        # confident when clearly entered and left (label_depth_fraction of a breath's depth on
        # each side scores 1) or when far longer than the slow ends of breathing could make it
        by_movement = abs(rose - fell) / (2.0 * config.label_depth_fraction * max(depth, 1e-12))
        by_length = (end - start - need) / config.min_hold_s
        conf = float(np.clip(max(by_movement, by_length), 0.0, 1.0))
        if conf >= config.min_confidence:
            holds.append(Hold(start=start, end=end, after=after, confidence=conf))
    return tuple(holds)
