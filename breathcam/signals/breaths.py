"""Every breath of a breathing trace: inhale start, exhale start, pause, end, depth, sighs.

The stage works in three steps, each adapted to the signal:

1. the dominant rate is estimated from the autocorrelation of the band-passed trace
   (:func:`dominant_rate`); it sets the minimum distance between breaths and the smoothing used to
   place breath boundaries;
2. peaks and troughs of the band-passed trace whose prominence exceeds a fraction of the local
   robust breath amplitude are taken in strict alternation; each trough-peak-trough is a breath;
3. boundaries are placed on a low-passed trace (no high-pass, so holds stay flat) by speed: an
   inhale starts where the rise begins, an exhale where the fall after the peak begins (after a
   hold at the top: the end of the hold), the pause where the exhale has come within a small
   fraction of the depth of the next inhale's start level.  Breaths are contiguous.

Each breath carries a confidence from its depth over the noise floor, its plausible duration and
its regularity against its neighbours; a breath much deeper than its neighbours is a sigh.

Where it fails: rates that change by more than a factor of about three within one clip (the
minimum distance comes from the dominant rate); shallow breaths below ``min_prominence_fraction``
of their neighbours are merged into them; the first and last breath of a clip are dropped when they
are not complete.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from breathcam.config import DEFAULT, BreathConfig, FilterConfig
from breathcam.signals.filters import bandpass, clean_trace, lowpass
from breathcam.types import Breath, ParameterError

__all__ = ["find_breaths", "dominant_rate", "segment", "Segmentation", "noise_sd"]


@dataclass(frozen=True)
class Segmentation:
    """What :func:`segment` found, with the intermediate traces (same length as the input)."""

    breaths: tuple[Breath, ...]
    rate_bpm: float | None  # dominant rate from the autocorrelation
    periodicity: float  # autocorrelation at the dominant period, 0..1
    noise_sd: float  # robust sd of the sample noise of the cleaned trace
    cleaned: np.ndarray  # glitch-free, gap-bridged trace
    usable: np.ndarray  # False inside long invalid stretches
    band: np.ndarray  # band-passed trace


def noise_sd(x: np.ndarray, usable: np.ndarray | None = None) -> float:
    """Robust sd of white sample noise, from the second difference (breathing barely enters it)."""
    d2 = np.diff(np.asarray(x, dtype=float), 2)
    if usable is not None:
        u = np.asarray(usable, dtype=bool)
        d2 = d2[u[2:] & u[1:-1] & u[:-2]]
    if d2.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6.0))


def dominant_rate(
    band: np.ndarray,
    *,
    fs_hz: float,
    usable: np.ndarray | None = None,
    config: BreathConfig = DEFAULT.breaths,
) -> tuple[float | None, float]:
    """Dominant breathing rate (breaths/min) and periodicity (0..1) of a band-passed trace.

    The rate is the highest autocorrelation peak between ``config.min_rate_bpm`` and
    ``max_rate_bpm`` (lags up to half the usable length); the periodicity is the normalised
    autocorrelation there.  ``(None, 0.0)`` when there is no peak.  The trace is first squashed
    (tanh of the trace over half its robust spread) so that sighs and glitches, far larger than a
    tidal breath, do not dominate the correlation.
    """
    y = np.asarray(band, dtype=float)
    m = np.ones(y.size) if usable is None else np.asarray(usable, dtype=float)
    n = y.size
    if n < 4 or m.sum() < 4:
        return None, 0.0
    lo_v, hi_v = np.percentile(y[m > 0], [config.amplitude_low_percentile, config.amplitude_high_percentile])
    half = 0.5 * (hi_v - lo_v)
    if half <= 0:
        return None, 0.0
    y = np.tanh((y - np.median(y[m > 0])) / half)
    y = (y - np.sum(y * m) / m.sum()) * m
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    ac = np.fft.irfft(np.abs(np.fft.rfft(y, nfft)) ** 2, nfft)[:n]
    cnt = np.fft.irfft(np.abs(np.fft.rfft(m, nfft)) ** 2, nfft)[:n]
    if ac[0] <= 0:
        return None, 0.0
    lo = max(1, int(np.floor(fs_hz * 60.0 / config.max_rate_bpm)))
    hi = min(int(np.ceil(fs_hz * 60.0 / config.min_rate_bpm)), int(m.sum() // 2))
    if hi <= lo + 2:
        return None, 0.0
    # unbiased estimate: divide by the number of overlapping usable samples at each lag
    r = np.where(cnt > 0.5, ac / np.maximum(cnt, 1.0), 0.0) / (ac[0] / cnt[0])
    seg = r[lo - 1 : hi + 2]
    peaks, _ = signal.find_peaks(seg)
    peaks = peaks[(peaks >= 1) & (peaks <= seg.size - 2)]
    if peaks.size == 0:
        return None, 0.0
    # a periodic trace correlates almost as well at two or three periods: take the shortest lag
    # whose peak comes close to the best one
    top = seg[peaks].max()
    if top <= 0:  # no lag correlates positively: nothing periodic (and no peak passes a ratio of it)
        return None, 0.0
    best = peaks[np.flatnonzero(seg[peaks] >= config.acf_peak_ratio * top)[0]]
    lag = best + lo - 1
    # parabolic refinement of the lag
    a, b, c = r[lag - 1], r[lag], r[lag + 1]
    den = a - 2 * b + c
    frac = 0.5 * (a - c) / den if den < 0 else 0.0
    period_s = (lag + float(np.clip(frac, -0.5, 0.5))) / fs_hz
    return 60.0 / period_s, float(np.clip(r[lag], 0.0, 1.0))


def _rolling_spread(x: np.ndarray, *, usable: np.ndarray, win: int, lo_pct: float, hi_pct: float) -> np.ndarray:
    """Percentile spread of ``x`` over a centred window, evaluated on a coarse grid and interpolated."""
    n = x.size
    step = max(1, win // 8)
    centres = np.arange(0, n, step)
    out = np.empty(centres.size)
    half = win // 2
    glob = x[usable] if usable.any() else x
    for k, c in enumerate(centres):
        i, j = max(0, c - half), min(n, c + half + 1)
        seg = x[i:j][usable[i:j]]
        if seg.size < max(4, win // 4):
            seg = glob
        p_lo, p_hi = np.percentile(seg, [lo_pct, hi_pct])
        out[k] = p_hi - p_lo
    return np.interp(np.arange(n), centres, out)


def _alternate(peaks: np.ndarray, troughs: np.ndarray, x: np.ndarray) -> list[tuple[int, int]]:
    """Merge peaks (+1) and troughs (-1) into a strictly alternating list, keeping the more extreme
    of two neighbours of the same kind."""
    events = sorted([(int(i), 1) for i in peaks] + [(int(i), -1) for i in troughs])
    out: list[tuple[int, int]] = []
    for i, kind in events:
        if out and out[-1][1] == kind:
            j = out[-1][0]
            if (kind == 1 and x[i] > x[j]) or (kind == -1 and x[i] < x[j]):
                out[-1] = (i, kind)
            continue
        out.append((i, kind))
    return out


def _prune(events: list[tuple[int, int]], xs: np.ndarray, prom: np.ndarray) -> list[tuple[int, int]]:
    """Drop pairs of extrema whose swing on the level-keeping trace ``xs`` is below ``prom``.

    The high-pass of a slow breath bends a long exhale tail or pause into a hump that the
    band-passed trace shows as a peak; on the low-passed trace that hump does not rise.  The
    weakest edge goes first, its two ends with it, until every edge swings enough.
    """
    ev = list(events)
    while len(ev) >= 2:
        swings = np.array(
            [(xs[ev[e + 1][0]] - xs[ev[e][0]]) * ev[e + 1][1] for e in range(len(ev) - 1)]
        )
        need = np.array([min(prom[ev[e][0]], prom[ev[e + 1][0]]) for e in range(len(ev) - 1)])
        e = int(np.argmin(swings - need))
        if swings[e] >= need[e]:
            break
        if e == 0 or e == len(ev) - 2:
            # an edge at either end of the list: drop only its outer event
            del ev[0 if e == 0 else len(ev) - 1]
        else:
            del ev[e : e + 2]
    return ev


def _onset(
    v: np.ndarray, *, at: int, lower: int, fraction: float, sign: int
) -> tuple[int, bool]:
    """Walk back from the fastest point ``at`` of an edge while the speed (``sign`` = +1 rising,
    -1 falling) stays above ``fraction`` of its peak.  Returns (index, found) where found is False
    when the walk reached ``lower`` still moving (the edge began before the data)."""
    thr = fraction * sign * v[at]
    j = at
    while j > lower and sign * v[j - 1] > thr:
        j -= 1
    return j, bool(j > lower or sign * v[j] <= thr)


def _sighs(depths: np.ndarray, *, ratio: float, neighbours: int) -> np.ndarray:
    out = np.zeros(depths.size, dtype=bool)
    for k in range(depths.size):
        nb = np.concatenate((depths[max(0, k - neighbours) : k], depths[k + 1 : k + 1 + neighbours]))
        if nb.size >= 2:
            out[k] = depths[k] > ratio * np.median(nb)
    return out


def _noise_gain(*, fs_hz: float, cutoff_hz: float, order: int) -> float:
    """Factor by which the zero-phase low-pass reduces the sd of white noise."""
    n = int(round(40 * fs_hz / cutoff_hz)) | 1
    imp = np.zeros(n)
    imp[n // 2] = 1.0
    h = lowpass(imp, fs_hz=fs_hz, cutoff_hz=cutoff_hz, order=order, pad_s=0.0)
    return float(np.sqrt(np.sum(h**2)))


def _confidence(
    depths: np.ndarray, durations: np.ndarray, *, noise: float, config: BreathConfig
) -> np.ndarray:
    snr = depths / max(noise, 1e-12)
    snr_score = np.clip(np.log(np.maximum(snr, 1e-12) / config.snr_low) / np.log(config.snr_high / config.snr_low), 0, 1)
    plausible = ((durations >= config.min_breath_s) & (durations <= config.max_breath_s)).astype(float)
    reg = np.ones(durations.size)
    for k in range(durations.size):
        nb = np.concatenate((durations[max(0, k - 3) : k], durations[k + 1 : k + 4]))
        if nb.size >= 2:
            reg[k] = np.exp(-((np.log(durations[k] / np.median(nb)) / config.regularity_log_scale) ** 2))
    return snr_score * plausible * (1.0 - config.regularity_weight * (1.0 - reg))


def _segment_extrema(
    y: np.ndarray,
    usable: np.ndarray,
    *,
    fs_hz: float,
    t0_s: float,
    config: BreathConfig,
    filters: FilterConfig,
) -> Segmentation:
    n = y.size
    xb = bandpass(y, fs_hz=fs_hz, low_hz=filters.low_hz, high_hz=filters.high_hz, order=filters.order)
    rate, periodicity = dominant_rate(xb, fs_hz=fs_hz, usable=usable, config=config)
    sd = noise_sd(y, usable)
    empty = Segmentation((), rate, periodicity, sd, y, usable, xb)
    if n < 4 or not usable.any():
        return empty
    period_s = 60.0 / rate if rate else config.min_breath_s / config.min_distance_fraction
    win = int(max(config.amplitude_window_s, config.amplitude_window_periods * period_s) * fs_hz)
    spread = _rolling_spread(
        xb,
        usable=usable,
        win=max(win, 8),
        lo_pct=config.amplitude_low_percentile,
        hi_pct=config.amplitude_high_percentile,
    )
    prom = config.min_prominence_fraction * spread
    # The dominant period sets the minimum distance between breaths only when the trace is clearly
    # periodic: in irregular breathing (talking) the autocorrelation's best lag is often two or three
    # breaths, and spacing peaks by it would merge real breaths.  Prominence then does the work.
    min_dist = max(1, int(0.5 * config.min_breath_s * fs_hz))
    trusted = bool(rate) and periodicity >= config.min_periodicity_for_spacing
    if trusted:
        # Breathing with holds between groups of breaths repeats every group, not every breath: the
        # period then spans several breaths, and far more prominent peaks than periods show it.
        free, _ = signal.find_peaks(xb, distance=min_dist, prominence=prom)
        trusted = free.size <= config.max_peaks_per_period * usable.sum() / fs_hz / period_s
    spacing_s = period_s if trusted else config.min_breath_s / config.min_distance_fraction
    dist = max(min_dist, int(config.min_distance_fraction * spacing_s * fs_hz))
    pk, _ = signal.find_peaks(xb, distance=dist, prominence=prom)
    tr, _ = signal.find_peaks(-xb, distance=dist, prominence=prom)
    events = _alternate(pk, tr, xb)
    # the trace may begin rising into its first peak, or end rising from its last trough
    if events and events[0][1] == 1:
        i0 = int(np.argmin(xb[: events[0][0] + 1]))
        if xb[events[0][0]] - xb[i0] >= prom[i0]:
            events.insert(0, (i0, -1))
    if events and events[-1][1] == -1:
        i1 = events[-1][0] + int(np.argmax(xb[events[-1][0] :]))
        if xb[i1] - xb[events[-1][0]] >= prom[i1]:
            events.append((i1, 1))

    # boundaries on a low-passed trace, smoothed in proportion to the dominant rate
    cutoff = filters.high_hz
    if trusted:  # only a trusted dominant rate
        cutoff = float(np.clip(config.refine_cutoff_factor * rate / 60.0, config.refine_min_cutoff_hz, filters.high_hz))
    xs = lowpass(y, fs_hz=fs_hz, cutoff_hz=cutoff, order=filters.order)
    events = _prune(events, xs, prom)
    v = np.gradient(xs) * fs_hz
    noise_s = sd * _noise_gain(fs_hz=fs_hz, cutoff_hz=cutoff, order=filters.order)

    idx = [i for i, _ in events]
    kinds = [k for _, k in events]
    # each rising edge (trough k -> peak k+1): its onset; each falling edge (peak -> trough): its onset
    rise_on: dict[int, tuple[int, bool]] = {}
    fall_on: dict[int, tuple[int, bool]] = {}
    # an onset is looked for inside the measured stretch of its edge, never in the held level of an
    # unmeasured one before it (the clip's start masked by a clap, a lost stretch)
    run_start = np.maximum.accumulate(np.where(usable & ~np.r_[False, usable[:-1]], np.arange(n), 0))
    lower = 0
    for e in range(len(idx) - 1):
        a, b = idx[e], idx[e + 1]
        if kinds[e] == -1:
            fastest = a + int(np.argmax(v[a : b + 1]))
            rise_on[e] = _onset(v, at=fastest, lower=max(lower, run_start[fastest]), fraction=config.onset_speed_fraction, sign=1)
        else:
            fastest = a + int(np.argmin(v[a : b + 1]))
            fall_on[e] = _onset(v, at=fastest, lower=max(lower, run_start[fastest]), fraction=config.onset_speed_fraction, sign=-1)
        lower = fastest

    breaths: list[Breath] = []
    raw: list[tuple[int, int, int, int, float]] = []
    for e in range(len(idx) - 3):
        if kinds[e] != -1 or (e not in rise_on) or (e + 1 not in fall_on) or (e + 2 not in rise_on):
            continue
        (i_in, ok_in), (i_ex, _), (i_end, ok_end) = rise_on[e], fall_on[e + 1], rise_on[e + 2]
        if not ok_end or not (i_in < i_ex < i_end) or not usable[i_in : i_end + 1].all():
            continue
        i_pk = i_in + int(np.argmax(xs[i_in : i_ex + 1]))
        depth = float(xs[i_pk] - xs[i_in])
        if depth <= 0:
            continue
        if not ok_in:
            # the measurement begins inside this inhale: a complete breath only if it begins near
            # the level the breath returns to
            if i_in != run_start[i_in] or xs[i_in] - xs[i_end] > config.edge_level_fraction * (xs[i_pk] - xs[i_end]):
                continue
        fall_depth = xs[i_pk] - xs[i_end]
        tail = np.flatnonzero(xs[i_ex : i_end + 1] - xs[i_end] <= config.pause_level_fraction * max(fall_depth, 0.0))
        i_pause = i_ex + int(tail[0]) if tail.size else i_end
        raw.append((i_in, i_ex, max(i_pause, i_ex), i_end, depth))
    if not raw:
        return empty
    arr = np.array(raw)
    times = t0_s + arr[:, :4] / fs_hz
    depths = arr[:, 4]
    durations = times[:, 3] - times[:, 0]
    conf = _confidence(depths, durations, noise=noise_s, config=config)
    sigh = _sighs(depths, ratio=config.sigh_depth_ratio, neighbours=config.sigh_neighbours)
    for k in range(len(raw)):
        breaths.append(
            Breath(
                inhale_start=float(times[k, 0]),
                exhale_start=float(times[k, 1]),
                pause_start=float(times[k, 2]),
                end=float(times[k, 3]),
                depth=float(depths[k]),
                confidence=float(conf[k]),
                is_sigh=bool(sigh[k]),
            )
        )
    return Segmentation(tuple(breaths), rate, periodicity, sd, y, usable, xb)


_METHODS = {"extrema": _segment_extrema}


def segment(
    x: np.ndarray,
    *,
    fs_hz: float,
    t0_s: float = 0.0,
    config: BreathConfig = DEFAULT.breaths,
    filters: FilterConfig = DEFAULT.filters,
    valid: np.ndarray | None = None,
    method: str = "extrema",
) -> Segmentation:
    """Like :func:`find_breaths`, returning the intermediate traces and the dominant rate too."""
    if method not in _METHODS:
        raise ParameterError(f"unknown breath method {method!r}; choose from {', '.join(_METHODS)}")
    if fs_hz <= 0:
        raise ParameterError(f"fs_hz must be positive, not {fs_hz}")
    y, usable = clean_trace(x, fs_hz=fs_hz, valid=valid, config=filters)
    return _METHODS[method](y, usable, fs_hz=fs_hz, t0_s=t0_s, config=config, filters=filters)


def find_breaths(
    x: np.ndarray,
    *,
    fs_hz: float,
    t0_s: float = 0.0,
    config: BreathConfig = DEFAULT.breaths,
    filters: FilterConfig = DEFAULT.filters,
    valid: np.ndarray | None = None,
    method: str = "extrema",
) -> tuple[Breath, ...]:
    """Every complete breath of an unfiltered breathing trace (inhale positive), sighs marked.

    ``x`` is sampled uniformly at ``fs_hz`` starting at ``t0_s``; ``valid`` (optional) is False
    where no measurement exists: no breath overlaps an invalid stretch longer than
    ``filters.max_gap_s``.

    >>> from breathcam.simulate.waveform import simulate_breathing
    >>> b = simulate_breathing(duration_s=60, fs_hz=10, rate_bpm=12, seed=1)
    >>> len(find_breaths(b.volume, fs_hz=10)) == len(b.truth.breaths)
    True
    """
    return segment(x, fs_hz=fs_hz, t0_s=t0_s, config=config, filters=filters, valid=valid, method=method).breaths
