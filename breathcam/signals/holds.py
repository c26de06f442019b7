"""Breath holds: stretches where the breathing trace stays still for at least ``min_hold_s``.

Holds are found on a low-passed trace that is never high-passed (a high-pass turns a plateau into
a slope).  Stillness is judged by local speed, not by absolute level, so the slow drift of an
integrated optical-flow trace does not matter: the speed is the slope of a straight line fitted
over ``speed_window_s``, compared with the typical breathing speed (a high percentile of the speed
over the samples that move: in a short clip filled by a hold, only the breaths and the movements
into and out of the hold move) and with the speed that noise alone gives.  Two kinds of stretch
are holds: *still* ones, below ``flat_speed_fraction`` of that speed for ``min_hold_s`` plus the
modelled slow ends of the breaths around them, and *creeping* ones, below
``creep_speed_fraction``, as a real held chest settles or an emptied body keeps sinking, when
they outlast the creeping rests at the ends of the person's other breaths by ``min_hold_s``.  A
hold is labelled by the movement around it: rising into it and falling out of it is a hold after
inhale, falling into it and rising out of it a hold after exhale.  The movement into a hold must
be seen; one that runs into the end of the measurement is *open* (it lasted at least that long).

Where it fails: very slow breathing whose exhale tail crawls for seconds before a 2 s pause can
look like a 3 s hold when the noise hides the crawl; a person who holds still but keeps breathing
very shallowly (below the flat threshold) is reported as holding; a hold that starts before the
measurement (a clip that begins mid-hold, a clap masked over its start) is not reported; a hold
whose body keeps sinking faster than ``creep_speed_fraction`` of the breath into it (seen on one
real exhale hold: 10 px over 10 s) is not found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
from scipy import signal

from breathcam.config import DEFAULT, FilterConfig, HoldConfig
from breathcam.signals.breaths import noise_sd
from breathcam.signals.filters import clean_trace, long_runs, lowpass
from breathcam.types import Breath, Hold, ParameterError

__all__ = ["find_holds", "flat_mask", "Flatness"]


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


@dataclass(frozen=True)
class Flatness:
    """What :func:`flat_mask` measured, per sample of the trace (``noise_sd`` and ``window`` per trace)."""

    flat: np.ndarray  # flat (short movements bridged)
    level: np.ndarray  # the low-passed trace
    usable: np.ndarray  # from clean_trace
    speed: np.ndarray  # |slope - drift|
    limit: np.ndarray  # the speed below which the trace counts as flat
    noise_sd: float  # sd of the sample noise
    window: int  # the speed window in samples
    threshold: float = 0.0  # the flat speed where the body does not move (limit is raised where it does)


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
) -> Flatness:
    """Where the trace is flat (see :class:`Flatness`).
    ``breaths`` (optional) let the slow drift of the trace be estimated and discounted.
    ``moving`` (optional, per sample) marks whole-body movement: there the residue of the removed
    movement ripples the trace, and the flat threshold is ``moving_flat_speed_fraction``."""
    y, usable = clean_trace(x, fs_hz=fs_hz, valid=valid, config=filters)
    if y.size < 4:
        zero = np.zeros(y.size)
        return Flatness(np.zeros(y.size, dtype=bool), y, usable, zero, zero, 0.0, 1)
    level = lowpass(y, fs_hz=fs_hz, cutoff_hz=filters.hold_lowpass_hz, order=filters.order)
    drift = _drift_speed(level, fs_hz=fs_hz, t0_s=t0_s, breaths=breaths)
    slope, _ = _slope(level, fs_hz=fs_hz, window_s=config.speed_window_s)
    # the slope sd that white sample noise gives a least-squares line over n samples is
    # sd * fs * sqrt(12 / (n^3 - n)): lengthen the window until noise stays below the threshold
    sd = noise_sd(y, usable)
    n_min = max(3, int(round(config.speed_window_s * fs_hz)))
    ref = _breathing_speed(
        np.abs(slope), usable, floor=config.noise_speed_factor * sd * fs_hz * np.sqrt(12.0 / (n_min**3 - n_min)),
        fs_hz=fs_hz, config=config,
    )
    want = config.flat_speed_fraction * ref
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
    return Flatness(flat, level, usable, speed, limit, sd, n_win, float(thr))


def _breathing_speed(speed: np.ndarray, usable: np.ndarray, *, floor: float, fs_hz: float, config: HoldConfig) -> float:
    """The typical speed of the breathing movements: a high percentile of the speed over the
    samples that move (faster than the noise ``floor``).

    Over the whole clip, a hold that fills most of it (a short clip: a breath in, a 7 s hold, a
    breath out) would set the percentile inside the hold itself; the samples that move are the
    breaths and the movements into and out of the hold, whatever their share of the clip."""
    if not usable.any():
        return 0.0
    moving = usable & (speed > floor)
    pool = speed[moving] if moving.sum() >= config.min_moving_s * fs_hz else speed[usable]
    return float(np.percentile(pool, config.ref_speed_percentile))


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
    entry_only: bool = False,
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
    # the movement into the hold lasted at least as long as a typical one: a hold's start found
    # early (where a slow end creeps) must not shorten the slow end expected there
    if after == "inhale":
        return inhale_end(max(start_s - home[0].inhale_start, typical_in) if home else typical_in)
    lead = exhale_end(max(start_s - home[0].exhale_start, typical_out) if home else typical_out)
    if entry_only:  # an open hold: no movement out of it is seen
        return config.tail_margin * lead
    nxt = [b for b in breaths if abs(b.inhale_start - end_s) < 0.5 * b.duration_s]
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
    fm = flat_mask(x, fs_hz=fs_hz, breaths=breaths, t0_s=t0_s, config=config, filters=filters, valid=valid, moving=moving)
    n = fm.level.size
    if n < 4 or not fm.usable.any():
        return ()
    judge = _Judge(fm, breaths=breaths, fs_hz=fs_hz, t0_s=t0_s, config=config, filters=filters)
    core_len = max(2, int(round(config.core_min_s * fs_hz)))
    # Still holds: far stiller than breathing (flat), edges extended at the held level.
    still = [h for i, j in _merged(judge.extend(i, j) for i, j in long_runs(fm.flat, min_len=core_len))
             if (h := judge.hold(i, j, extra_s=judge.slow_ends_s(i, j))) is not None]
    # Creeping holds: a held chest settles, and a body keeps sinking after a breath out, at 0.1-0.3
    # of the speed of the breath into the hold (real footage).  The slow end of a slow breath
    # creeps alike, so a creeping stretch is a hold only when it rests far longer than this
    # person's breaths do.  Where it holds a still hold, the still hold keeps its extent and takes
    # the creeping one's phase: the movement into the hold lies beyond the settling.
    # (against the still threshold: where the body moves, the raised flat limit is already above
    # the creeping speed, and scaling it again would take breathing through squats for a hold)
    creeping = fm.usable & (fm.speed < fm.threshold * (config.creep_speed_fraction / config.flat_speed_fraction))
    rests = judge.breath_rests(creeping)
    crept = [h for i, j in _merged(judge.extend(i, j) for i, j in long_runs(creeping, min_len=core_len))
             if (h := judge.hold(i, j, extra_s=_longest_other_rest_s(rests, i, j, fs_hz=fs_hz, config=config))) is not None]
    holds = []
    for h in still:
        home = [c for c in crept if c.start <= h.start and h.end <= c.end]
        holds.append(replace(h, after=home[0].after) if home else h)
    holds += [c for c in crept if not any(c.start <= h.end and h.start <= c.end for h in still)]
    return tuple(sorted(holds, key=lambda h: h.start))


def _merged(runs) -> list[tuple[int, int]]:
    """Index runs in order, overlapping or touching ones merged."""
    out: list[tuple[int, int]] = []
    for i, j in runs:
        if out and i <= out[-1][1]:
            out[-1] = (out[-1][0], max(j, out[-1][1]))
        else:
            out.append((i, j))
    return out


def _longest_other_rest_s(rests: list[tuple[int, int]], i: int, j: int, *, fs_hz: float, config: HoldConfig) -> float:
    """The long end of the other breaths' rests (those not overlapping the run i..j): a creeping
    stretch must outlast it by min_hold_s.  Irregular breathing rests long now and then, so the
    high percentile, not the median; 0 with no other breath to compare with."""
    others = [(b - a) / fs_hz for a, b in rests if b <= i or a >= j]
    return float(np.percentile(others, config.rest_percentile)) if others else 0.0


class _Judge:
    """Turns a candidate run of samples into a labelled hold, or rejects it (see find_holds)."""

    def __init__(
        self, fm: Flatness, *, breaths: Sequence[Breath], fs_hz: float, t0_s: float, config: HoldConfig,
        filters: FilterConfig,
    ) -> None:
        self.fm, self.breaths, self.fs, self.t0, self.config = fm, breaths, fs_hz, t0_s, config
        self.depths = np.array([b.depth for b in breaths])
        self.mids = np.array([0.5 * (b.inhale_start + b.end) for b in breaths])
        u = fm.usable
        self.spread = float(np.subtract(*np.percentile(fm.level[u], [95, 5])))
        self.tol_noise = config.level_noise_factor * fm.noise_sd * np.sqrt(2.0 * filters.hold_lowpass_hz / fs_hz)
        self.ctx = max(1, int(round(config.context_s * fs_hz)))
        self.need_ctx = max(1, int(round(config.min_context_s * fs_hz)))

    def time(self, i: int) -> float:
        return self.t0 + i / self.fs

    def depth(self, t_s: float) -> float:
        """Median depth of the breaths nearest ``t_s`` (the trace's spread without breaths)."""
        if not self.depths.size:
            return self.spread
        return float(np.median(self.depths[np.argsort(np.abs(self.mids - t_s))[: self.config.depth_neighbours]]))

    def tolerance(self, i: int, j: int) -> float:
        return max(self.tol_noise, self.config.level_depth_fraction * self.depth(0.5 * (self.time(i) + self.time(j))))

    def extend(self, i: int, j: int) -> tuple[int, int]:
        """The run's edges extended while the level stays at the run's level, by at most half a
        speed window (the blur of the centred window on a sharp edge)."""
        level, usable, n = self.fm.level, self.fm.usable, self.fm.level.size
        core, tol = float(np.median(level[i:j])), self.tolerance(i, j)
        reach = self.fm.window // 2 + 1
        i_lim, j_lim = max(0, i - reach), min(n, j + reach)
        while i > i_lim and usable[i - 1] and abs(level[i - 1] - core) <= tol:
            i -= 1
        while j < j_lim and usable[j] and abs(level[j] - core) <= tol:
            j += 1
        return i, j

    def slow_ends_s(self, i: int, j: int) -> float:
        """The modelled slow ends of the movements around a still run (see _slow_ends_s)."""
        start, end = self.time(i), self.time(j)
        after, is_open = self._label(i, j)[:2] if self._context(i, j) else ("inhale", False)
        return _slow_ends_s(
            start, end, after, self.breaths, depth=self.depth(0.5 * (start + end)),
            threshold=float(self.fm.limit[i:j].max()), tolerance=self.tolerance(i, j), config=self.config,
            entry_only=is_open,
        )

    def breath_rests(self, creeping: np.ndarray) -> list[tuple[int, int]]:
        """How this person's breaths rest: the creeping run (i, j) around each breath's end."""
        rests = []
        for b in self.breaths:
            k = int(round((b.end - self.t0) * self.fs))
            if not 0 <= k < creeping.size:
                continue
            i = j = k
            while i > 0 and creeping[i - 1]:
                i -= 1
            while j < creeping.size and creeping[j]:
                j += 1
            rests.append((i, j))
        return rests

    def _context(self, i: int, j: int) -> tuple[int, int] | None:
        """(a, b): the usable context before and after the run, or None when the movement into it
        is not seen, or it ends at a gap inside the recording (its length is unknown)."""
        usable, n = self.fm.usable, self.fm.level.size
        a, b = i, j
        while a > max(0, i - self.ctx) and usable[a - 1]:
            a -= 1
        while b < min(n, j + self.ctx) and usable[b]:
            b += 1
        if i - a < self.need_ctx or not usable[i:j].all():
            return None
        if b - j < self.need_ctx and b < n and usable[b:].any():
            return None  # measured again later: a gap inside the recording, not its end
        return a, b

    def _label(self, i: int, j: int) -> tuple[str, bool, float]:
        """(after, open, movement): came up into it and goes down out of it is after inhale, the
        reverse after exhale; ``movement`` is how clearly (rose - fell, absolute).  A run followed
        by too little measurement to see the movement out of it is open."""
        a, b = self._context(i, j)
        level = self.fm.level
        is_open = b - j < self.need_ctx
        hold_level = float(np.median(level[i:j]))
        before, after_ = level[a:i], level[j:b]
        rose = hold_level - before.min()
        fell = before.max() - hold_level
        if not is_open:
            rose += hold_level - after_.min()
            fell += after_.max() - hold_level
        return ("inhale" if rose > fell else "exhale"), is_open, abs(rose - fell)

    def hold(self, i: int, j: int, *, extra_s: float) -> Hold | None:
        """The run as a hold when it lasts min_hold_s + ``extra_s`` (the slow ends of breathing that
        look like part of it) and is confidently entered (and left, unless open)."""
        if self._context(i, j) is None:
            return None
        after, is_open, movement = self._label(i, j)
        start, end = self.time(i), self.time(j)
        need = self.config.min_hold_s + extra_s
        if end - start < need:
            return None
        # confident when clearly entered and left (label_depth_fraction of a breath's depth on
        # each side it is seen on scores 1) or when far longer than breathing could make it
        sides = 1.0 if is_open else 2.0
        depth = self.depth(0.5 * (start + end))
        by_movement = movement / (sides * self.config.label_depth_fraction * max(depth, 1e-12))
        by_length = (end - start - need) / self.config.min_hold_s
        conf = float(np.clip(max(by_movement, by_length), 0.0, 1.0))
        if conf < self.config.min_confidence:
            return None
        return Hold(start=start, end=end, after=after, confidence=conf, open=is_open)
