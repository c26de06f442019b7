"""Breath sounds -> breathing rate, breaths, audible inhale/exhale events and silences.

The stages, each a public function:

1. :class:`BandEnergy` (streaming) / :func:`band_power`: the sound is split into octave bands
   (``[sound] band_edges_hz``, only those below the source's Nyquist) and the mean power of each
   band is taken over 20 ms frames.  Causal filters with carried state: block-wise output equals
   the batch output exactly.
2. :func:`features`: log energy per band; heart sounds (short blips, S1/S2 80-150 ms) removed by a
   running low percentile over 0.6 s, widened to one whole beat when :func:`heart_period` finds
   the heart's rhythm (48-180/min) in the blips, looked for first in the heart's own band
   (:func:`heart_band`, 20-100 Hz), then in the breath bands; sampled at 10 Hz; an adaptive noise
   floor per band (a low percentile over 30 s) tracks steady background (fan, traffic, room).
   Besides each band's loudness, the *tilt* (a band's level minus the lowest band's) is a trace
   too: inhale and exhale sound different even when equally loud.
3. :func:`estimate_rate`: the loudness rhythm is the strongest peak of the loudness spectra
   (Welch, 60 s segments), judged by its prominence over a ring of the spectrum around it, never
   at the heart's rate or half of it; a strongest rhythm below the range (a drifting rumble)
   gives none.  Inhale and exhale each make a sound, so that rhythm is often twice the breathing
   rate.  Which it is comes from evidence, in decades of significance (-log10 p): whether the
   sound events at the rhythm alternate between two kinds (:func:`alternation_evidence`: colour,
   loudness, duration, spacing and where within the event its sound lies, odd against even
   events, a paired test), plus the prominence of the sub-harmonic (the same alternation over the
   whole recording).  Strong evidence (p < 0.01): half is the rate; some (p < 0.1), with nothing
   saying the rhythm is one breath: no rate, the two candidates are kept (``rate_candidates``)
   for the video to decide (fuse.py); a rhythm above ``plausible_max_bpm`` needs evidence that it
   is one breath.  A call made on little evidence lowers the confidence (down to half).
4. :func:`analyze_sound`: the traces that show the rate are band-passed around it and summed into
   one breath trace, which the video signal core segments (``breaths.segment``); the rate and the
   rate series come from ``rate.clip_rate`` / ``rate.rate_series`` like the video path.  Audible
   events and silences come from the level over the floor.

:class:`SoundAnalyzer` is the live form: ``push(block)`` as samples arrive, ``result()`` whenever
an estimate is wanted; both run the functions above.  ``level()`` is the overlay's sound meter
(:class:`SoundLevel`: the breath-band level in dB over the adaptive floor, and whether a breath is
heard now), kept up to date by ``push`` with the causal form of step 2 at no extra cost.  Live
figures (benchmarks/mic.py, 48 kHz microphone): push + level about 0.6 % of a core, ``result()``
over the 45 s window 20-30 ms, so once a second about 2.5 % (the rate-or-twice test adds about
3 ms, the whole-grid prominence saves more).

What sound can and cannot tell:

- a breath's *timing within the cycle* is approximate (a quarter breath): breath boundaries are
  placed on the band-passed loudness, not on lung volume; the count and the rate are what sound
  measures well;
- *inhale vs exhale*: within a breath the louder sound is called the inhale, which holds for a
  microphone on the chest (inspiratory sounds are louder there) and is often wrong for a
  microphone at the nose or mouth, where the exhale is louder.  Fused with video, the video's
  phases are used;
- *a hold vs quiet breathing*: both are silence.  Sound lists silences (``Silence``) and never
  reports them as holds by itself: a person who switches to quiet nose breathing is as silent as
  one who holds the breath.  Only the video tells these apart (fuse.py);
- *no breathing heard* (quiet breathing, a distant microphone, only noise): rate null with a note.

Where it fails: breathing sounds below the background noise (SNR < 0 dB in the bands used);
speech or music in the room (periodic sound that is not breathing); inhale and exhale that sound
exactly alike in loudness, colour, duration, spacing and shape: no test can tell them apart, the
rate then reads twice the truth (1 of the 90 files of RRuJO's tuning part, 5 of the 70 untouched
ones) or, when the events barely differ, no rate with two candidates; fast breathing (above
26/min) whose exhale is silent reads half.  A breathing rhythm near half a found heart's rate is
not taken.  The sound meter's floor looks back only (the batch floor is centred): for the first
``floor_window_s`` it is the quietest moment so far, and a background that suddenly grows louder
reads as audible breathing until the floor catches up (nine tenths of ``floor_window_s``: the
10th percentile rises only when nine in ten of its samples are louder; the batch floor, centred,
takes half of that); it says nothing during the first ``settle_s``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage, signal, stats

from breathcam.config import DEFAULT, Config, SoundConfig
from breathcam.signals.filters import bandpass, long_runs
from breathcam.signals.rate import clip_rate, rate_series
from breathcam.types import Audio, Breath, ParameterError, RatePoint, Silence, SoundEvent

__all__ = [
    "heart_period",
    "alternation_evidence",
    "bands_for",
    "heart_band",
    "BandEnergy",
    "band_power",
    "SoundFeatures",
    "features",
    "RateEstimate",
    "estimate_rate",
    "SoundResult",
    "analyze_sound",
    "analyze_audio_samples",
    "SoundLevel",
    "SoundAnalyzer",
]

_EPS_POWER = 1e-14  # -140 dB: below any 16-bit recording's quantisation noise


def _db(power: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(power, _EPS_POWER))


def _above_floor_db(level_db: np.ndarray, floor_db: np.ndarray) -> np.ndarray:
    """How audible the breathing is: the level over the floor, averaged over the bands (axis 0)."""
    return np.mean(level_db - floor_db, axis=0)


def _floor_grid(fs_hz: float) -> int:
    """The noise floor is computed on a coarse grid, one sample a second (a 30 s percentile moves
    slowly), and held or interpolated in between."""
    return max(1, int(round(fs_hz)))


def bands_for(*, source_rate_hz: float, fs_hz: float, config: SoundConfig = DEFAULT.sound) -> tuple[tuple[float, float], ...]:
    """The octave bands usable for a recording made at ``source_rate_hz`` and held at ``fs_hz``."""
    limit = config.max_nyquist_fraction * 0.5 * min(source_rate_hz, fs_hz)
    edges = config.band_edges_hz
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        if lo < limit:
            out.append((float(lo), float(min(hi, limit))))
    return tuple(b for b in out if b[1] > b[0] * 1.2)


class BandEnergy:
    """Mean power per band over frames of ``1 / config.frame_hz`` seconds, block by block.

    >>> be = BandEnergy(fs_hz=8000.0, bands=((100.0, 200.0), (200.0, 400.0)))
    >>> be.push(np.zeros(8000)).shape
    (50, 2)
    """

    def __init__(self, *, fs_hz: float, bands: tuple[tuple[float, float], ...], config: SoundConfig = DEFAULT.sound):
        if fs_hz <= 0:
            raise ParameterError(f"fs_hz must be positive, not {fs_hz}")
        if not bands:
            raise ParameterError("no usable sound band: the sample rate is too low (below 250 Hz)")
        self.fs_hz = float(fs_hz)
        self.bands = tuple(bands)
        self.hop = max(1, int(round(fs_hz / config.frame_hz)))
        self.frame_hz = self.fs_hz / self.hop
        self._sos = [
            signal.butter(config.band_order, [lo, hi], btype="bandpass", output="sos", fs=fs_hz) for lo, hi in bands
        ]
        self._zi = [np.zeros((s.shape[0], 2)) for s in self._sos]
        self._rest = np.zeros((0, len(bands)))
        self.n_samples = 0

    def push(self, block: np.ndarray) -> np.ndarray:
        """Filter the next samples; returns the frames completed by them (frames x bands)."""
        x = np.asarray(block, dtype=np.float64).reshape(-1)
        self.n_samples += x.size
        if x.size == 0:
            return np.zeros((0, len(self.bands)))
        y = np.empty((x.size, len(self.bands)))
        for k, sos in enumerate(self._sos):
            y[:, k], self._zi[k] = signal.sosfilt(sos, x, zi=self._zi[k])
        y = np.concatenate((self._rest, y * y))
        n = y.shape[0] // self.hop
        self._rest = y[n * self.hop :]
        return y[: n * self.hop].reshape(n, self.hop, len(self.bands)).mean(axis=1)


def band_power(x: np.ndarray, *, fs_hz: float, bands, config: SoundConfig = DEFAULT.sound) -> tuple[np.ndarray, float]:
    """Batch form of :class:`BandEnergy`: (frames x bands power, frame rate in Hz).

    The samples go through in blocks of ``_BATCH_BLOCK_S`` seconds (the filters keep their state
    between blocks, so the result is the same), so memory stays flat with the recording's length."""
    be = BandEnergy(fs_hz=fs_hz, bands=bands, config=config)
    x = np.asarray(x).reshape(-1)
    step = max(1, int(_BATCH_BLOCK_S * fs_hz))
    parts = [be.push(x[i : i + step]) for i in range(0, x.size, step)]
    return (np.concatenate(parts) if parts else np.zeros((0, len(be.bands)))), be.frame_hz


# Seconds of samples band_power filters at once: a 30-minute 48 kHz file whole takes GBs of
# intermediate arrays, 10 s blocks a few MB (and run faster, in cache).
_BATCH_BLOCK_S = 10.0


@dataclass(frozen=True)
class SoundFeatures:
    """Heart-filtered log energy per band (dB) and its adaptive floor, sampled at ``fs_hz``."""

    fs_hz: float
    t_s: np.ndarray
    level_db: np.ndarray  # bands x samples
    floor_db: np.ndarray  # bands x samples
    bands: tuple[tuple[float, float], ...]
    heart_bpm: float | None = None  # the heart's rate when its sounds were heard (heart_period)

    @property
    def above_floor_db(self) -> np.ndarray:
        """Mean level over the floor across bands: how audible the breathing is at each moment."""
        return _above_floor_db(self.level_db, self.floor_db)

    def traces(self) -> tuple[np.ndarray, tuple[str, ...]]:
        """Loudness of every band, and the tilt of every band over the lowest: (traces, names)."""
        lv = self.level_db
        names = [f"loud {lo:.0f}-{hi:.0f} Hz" for lo, hi in self.bands]
        rows = [lv[k] for k in range(lv.shape[0])]
        for k in range(1, lv.shape[0]):
            rows.append(lv[k] - lv[0])
            names.append(f"tilt {self.bands[k][0]:.0f}/{self.bands[0][0]:.0f} Hz")
        return np.array(rows), tuple(names)


def heart_band(fs_hz: float, config: SoundConfig = DEFAULT.sound) -> tuple[float, float] | None:
    """The band the heart's rhythm is looked for in first (``[sound] heart_band_hz``), or None when
    the sample rate cannot hold it."""
    band = tuple(config.heart_band_hz)
    if len(band) != 2 or not 0 < band[0] < band[1] < 0.45 * fs_hz:
        return None
    return (float(band[0]), float(band[1]))


def features(
    power: np.ndarray,
    *,
    frame_hz: float,
    bands: tuple[tuple[float, float], ...],
    t0_s: float = 0.0,
    heart_power: np.ndarray | None = None,
    config: SoundConfig = DEFAULT.sound,
) -> SoundFeatures:
    """Frame powers (frames x bands) -> heart-filtered dB at ``config.feature_hz`` with noise floor.

    ``heart_power``: the same frames' power in :func:`heart_band` (frames), where the heart's
    rhythm is looked for first; without it, or when it shows none, in the breath bands."""
    p = np.asarray(power, dtype=float)
    if p.ndim != 2:
        raise ParameterError("band power must be frames x bands")
    db = _db(p).T  # bands x frames
    heart = None
    if heart_power is not None:
        hp = np.asarray(heart_power, dtype=float).reshape(-1)[: p.shape[0]]
        heart = heart_period(_db(hp)[None, :], frame_hz=frame_hz, config=config)
    if heart is None:
        heart = heart_period(db, frame_hz=frame_hz, config=config)
    # one whole heart period in every window: the beat's blips (S1 + S2, ~0.25 s) then cover under
    # a third of it whatever the heart rate, and the percentile drops them
    window_s = config.heart_window_s if heart is None else float(np.clip(heart, config.heart_window_s, config.heart_window_max_s))
    win = max(1, int(round(window_s * frame_hz)))
    if db.shape[1] >= win and win > 1:
        db = ndimage.percentile_filter(db, config.heart_percentile, size=(1, win), mode="nearest")
    step = max(1, int(round(frame_hz / config.feature_hz)))
    n = db.shape[1] // step
    lv = db[:, : n * step].reshape(db.shape[0], n, step).mean(axis=2)
    fs = frame_hz / step
    # The band filters ring up from rest and the heart filter's low percentile drags the first
    # half window down with them: the opening samples hold the first settled level instead, or
    # the step from them reads as loudness changing (noise alone then passed for a rhythm).
    settle = min(n - 1, int(np.ceil(config.settle_s * fs))) if n else 0
    if settle > 0:
        lv[:, :settle] = lv[:, [settle]]
    fwin = max(1, min(n, int(round(config.floor_window_s * fs))))
    if n:
        sub = _floor_grid(fs)
        coarse = ndimage.percentile_filter(lv[:, ::sub], config.floor_percentile, size=(1, max(1, fwin // sub)), mode="nearest")
        idx = np.arange(0, n, sub)
        floor = np.array([np.interp(np.arange(n), idx, c) for c in coarse])
    else:
        floor = lv.copy()
    t = t0_s + (np.arange(n) + 0.5) * step / frame_hz
    return SoundFeatures(fs_hz=fs, t_s=t, level_db=lv, floor_db=floor, bands=tuple(bands),
                         heart_bpm=None if heart is None else round(60.0 / heart, 1))


def heart_period(db: np.ndarray, *, frame_hz: float, config: SoundConfig = DEFAULT.sound) -> float | None:
    """The heart's period (s) from the blips in the frame log energy (bands x frames), or None.

    Heart sounds are short (S1, S2: 80-150 ms) and come every 0.33-1.25 s (48-180 beats/min);
    breath sounds last 0.7 s and more.  The frames' excess over their running median over
    ``heart_window_s`` keeps the blips and drops the breaths; its autocorrelation at the lags of
    a heartbeat peaks at the beat's period when a heart is heard (``heart_min_autocorr``).  A lag
    whose half also peaks as high is the S1-S2 pair seen as two beats: the shorter lag is not
    taken, the longer one is (S1 and S2 differ, so the true period always correlates best)."""
    n = db.shape[1]
    lo, hi = int(np.floor(60.0 / config.heart_max_bpm * frame_hz)), int(np.ceil(60.0 / config.heart_min_bpm * frame_hz))
    if n < 4 * hi or lo < 2:
        return None
    x = ndimage.uniform_filter1d(db.mean(axis=0), 3)  # 60 ms: a blip's length, and less frame noise
    med = ndimage.median_filter(x, size=max(3, int(round(config.heart_window_s * frame_hz))), mode="nearest")
    d = np.maximum(x - med, 0.0)
    d = d - d.mean()
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(d, nfft)
    ac = np.fft.irfft(spec * np.conj(spec), nfft)[: hi + 2]
    if ac[0] <= 0:
        return None
    ac = ac / ac[0] * n / (n - np.arange(ac.size))  # unbiased, normalised
    seg = ac[lo : hi + 1]
    peaks, _ = signal.find_peaks(seg)
    if peaks.size == 0:
        return None
    k = int(peaks[np.argmax(seg[peaks])])
    if seg[k] < config.heart_min_autocorr:
        return None
    lag = lo + k
    # parabolic refinement of the lag
    a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
    den = a - 2 * b + c
    frac = 0.5 * (a - c) / den if den < 0 else 0.0
    return float((lag + frac) / frame_hz)


@dataclass(frozen=True)
class RateEstimate:
    """The breathing rate read from the sound spectra."""

    rate_bpm: float | None  # None: no peak in range, or rate and twice the rate equally likely
    prominence_db: float  # of the chosen rate's peak, best trace
    halved: bool  # True when half the loudness rate was taken (inhale and exhale both heard)
    trace_prominence_db: np.ndarray  # every trace's prominence at the rate
    confidence: float  # 0..1 from the prominence
    candidates: tuple[float, ...] = ()  # when undecided: the breathing rate is one of these
    alternation: tuple[float, float] = (0.0, 0.0)  # evidence (-log10 p) at the loudness rate and at twice it


def _spectra(traces: np.ndarray, *, fs_hz: float, config: SoundConfig) -> tuple[np.ndarray, np.ndarray, float]:
    """Welch spectra (dB) of every trace on a fine grid; (freq in bpm, dB, resolution in bpm)."""
    n = traces.shape[1]
    seg = min(n, int(round(config.spectrum_window_s * fs_hz)))
    nfft = max(4096, 1 << int(np.ceil(np.log2(8 * seg))))
    f, p = signal.welch(traces, fs=fs_hz, window="hann", nperseg=seg, noverlap=seg // 2, nfft=nfft, detrend="linear", axis=-1)
    return f * 60.0, 10.0 * np.log10(np.maximum(p, 1e-30)), 60.0 * fs_hz / seg


def _prominence(f_bpm: np.ndarray, spec_db: np.ndarray, at_bpm: float, *, res_bpm: float, config: SoundConfig) -> np.ndarray:
    """Each trace's peak height near ``at_bpm`` over the median of the ring around it (dB)."""
    d = np.abs(f_bpm - at_bpm)
    pk = d <= config.peak_halfwidth_res * res_bpm
    ring = (d >= config.ring_inner_res * res_bpm) & (d <= config.ring_outer_res * res_bpm) & (f_bpm > 0)
    if not pk.any() or ring.sum() < 3:
        return np.full(spec_db.shape[0], -np.inf)
    return spec_db[:, pk].max(axis=1) - np.median(spec_db[:, ring], axis=1)


def _prominence_grid(f_bpm: np.ndarray, spec_db: np.ndarray, grid: np.ndarray, *, res_bpm: float, config: SoundConfig) -> np.ndarray:
    """:func:`_prominence` at every grid point at once (grid x traces); the same sets of spectrum
    bins (``f_bpm`` is uniform from 0), gathered into padded windows."""
    df = float(f_bpm[1] - f_bpm[0])
    nf = f_bpm.size
    w_pk, w_in, w_out = (config.peak_halfwidth_res * res_bpm, config.ring_inner_res * res_bpm, config.ring_outer_res * res_bpm)
    eps = 1e-9 * df

    def window(lo_bpm: np.ndarray, hi_bpm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo = np.maximum(np.ceil((lo_bpm - eps) / df).astype(int), 0)
        hi = np.minimum(np.floor((hi_bpm + eps) / df).astype(int), nf - 1)
        width = int(max(1, (hi - lo + 1).max()))
        idx = lo[:, None] + np.arange(width)[None, :]
        valid = (idx <= hi[:, None]) & (idx < nf)
        return np.clip(idx, 0, nf - 1), valid

    pk_idx, pk_ok = window(grid - w_pk, grid + w_pk)
    lo_idx, lo_ok = window(grid - w_out, grid - w_in)
    hi_idx, hi_ok = window(grid + w_in, grid + w_out)
    ring_idx = np.concatenate((lo_idx, hi_idx), axis=1)
    ring_ok = np.concatenate((lo_ok, hi_ok), axis=1) & (f_bpm[ring_idx] > 0)
    pk = np.where(pk_ok[None], spec_db[:, pk_idx], -np.inf).max(axis=2)
    ring = np.where(ring_ok[None], spec_db[:, ring_idx], np.nan)
    out = (pk - np.nanmedian(ring, axis=2)).T
    bad = (~pk_ok.any(axis=1)) | (ring_ok.sum(axis=1) < 3)
    out[bad] = -np.inf
    return out


def _score(prominence_db: float, config: SoundConfig) -> float:
    lo, hi = config.prominence_low_db, config.prominence_high_db
    return float(np.clip((prominence_db - lo) / (hi - lo), 0.0, 1.0))


def _event_bounds(feats: SoundFeatures, rate_bpm: float) -> np.ndarray:
    """Sample indices where one sound event ends and the next begins, if the loudness swells once
    per ``1 / rate_bpm``: the troughs of the mean loudness band-passed around that rate."""
    f0 = rate_bpm / 60.0
    hi = min(1.45 * f0, 0.45 * feats.fs_hz)
    if hi <= 0.7 * f0 * 1.05:
        return np.zeros(0, dtype=int)
    loud = feats.level_db.mean(axis=0)
    ref = bandpass(loud - loud.mean(), fs_hz=feats.fs_hz, low_hz=0.7 * f0, high_hz=hi, order=4)
    phase = np.maximum.accumulate(np.unwrap(np.angle(signal.hilbert(ref))))
    k0, k1 = np.ceil((phase[0] - np.pi) / (2 * np.pi)), np.floor((phase[-1] - np.pi) / (2 * np.pi))
    idx = np.searchsorted(phase, 2 * np.pi * np.arange(k0, k1 + 1) + np.pi)
    return np.unique(idx[(idx > 0) & (idx < phase.size)])


def _event_features(feats: SoundFeatures, bounds: np.ndarray) -> np.ndarray:
    """Per sound event (events x features): its loudness in every band and the tilt of every band
    over the lowest (weighted by how far the event stands over its own quiet part: its colour), how
    long it stays over half its swing (duration), its peak loudness, its period, and its centre
    (where its sound lies within it, 0 to 1, weighted as the colour)."""
    lv = feats.level_db
    loud = lv.mean(axis=0)
    rows = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        seg = loud[a:b]
        low, top = float(np.percentile(seg, 10)), float(seg.max())
        w = np.maximum(seg - low, 0.0) + 1e-9
        band = (lv[:, a:b] * w).sum(axis=1) / w.sum()
        dur = float(np.mean(seg >= 0.5 * (low + top))) * (b - a) / feats.fs_hz
        # where within the event its sound lies (0: at its start, 1: at its end): an active inhale
        # swells and fades with a sine-like flow, a passive exhale's flow is fastest early and
        # decays (the lungs' recoil), so its sound comes earlier in its event
        centre = float(((np.arange(b - a) + 0.5) / (b - a) * w).sum() / w.sum())
        rows.append(np.r_[band, band[1:] - band[0], dur, top, (b - a) / feats.fs_hz, centre])
    return np.array(rows)


def alternation_evidence(feats: SoundFeatures, rate_bpm: float, *, centre: bool = True,
                         config: SoundConfig = DEFAULT.sound) -> float:
    """How strongly the sound events at ``rate_bpm`` alternate between two kinds: -log10 of the
    p-value that odd and even events are alike (0: no evidence; 2: p = 0.01).

    When inhale and exhale are both heard, the loudness swells twice per breath, and the two
    swells differ: in colour (the tilt between bands), loudness, duration, spacing, or where
    within the swell the sound lies (its centre: an active inhale swells and fades with a
    sine-like flow, a passive exhale is loudest early and decays).  Events are cut at the troughs
    of the loudness band-passed around ``rate_bpm``; each event's features
    (:func:`_event_features`) lose their slow drift (a running mean over four events), and the
    difference within each pair of neighbours is tested against zero: every feature but the centre
    by Student's t (Bonferroni over the features), and loudness, colour, duration and (with
    ``centre``) the centre together by Hotelling's T^2; the stronger of the two counts, at twice
    its p-value.  ``centre=False`` is for events that may be halves of longer ones (the test at
    twice a rhythm): a rising half and a falling half always differ in it.  Fewer than
    ``alternation_min_pairs`` pairs: no evidence either way (0); events over more than
    ``alternation_stretch_s``: the median over stretches of that length."""
    bounds = _event_bounds(feats, rate_bpm)
    if bounds.size < 2 * config.alternation_min_pairs + 1:
        return 0.0
    x = _event_features(feats, bounds)
    step = max(2 * config.alternation_min_pairs, 2 * int(round(config.alternation_stretch_s * rate_bpm / 120.0)))
    if x.shape[0] <= step + 2 * config.alternation_min_pairs:
        return _paired_evidence(x, nb=feats.level_db.shape[0], centre=centre)
    # a long recording: the median over stretches of alternation_stretch_s
    chunks = [x[i : i + step] for i in range(0, x.shape[0], step)]
    chunks = [c for c in chunks if c.shape[0] >= 2 * config.alternation_min_pairs]
    return float(np.median([_paired_evidence(c, nb=feats.level_db.shape[0], centre=centre) for c in chunks]))


def _paired_evidence(x: np.ndarray, *, nb: int, centre: bool = True) -> float:
    """-log10 p that odd and even rows of ``x`` (events x features, ``nb`` bands) are alike; the
    events' centre (the last feature) counts in the joint test only, and only with ``centre``."""
    n = x.shape[0]
    pad = np.pad(x, ((2, 1), (0, 0)), mode="edge")
    trend = np.array([pad[i : i + 4].mean(axis=0) for i in range(n)])
    r = x - trend
    m = n // 2
    d = r[1 : 2 * m : 2] - r[0 : 2 * m : 2]
    sd = d.std(axis=0, ddof=1)
    ok = sd > 1e-9
    ok[-1] = False  # the centre counts in the joint test only
    if not ok.any():
        return 0.0
    t = d.mean(axis=0)[ok] / (sd[ok] / np.sqrt(m))
    p_each = float(min(1.0, 2.0 * stats.t.sf(np.abs(t), m - 1).min() * ok.sum()))
    cols = [2 * nb - 2, 2 * nb - 1, 2 * nb]  # top tilt (colour), duration, peak loudness
    if nb < 2:
        cols = [2 * nb - 1, 2 * nb]
    if centre:
        cols.append(2 * nb + 2)
    p_joint = 1.0
    q = len(cols)
    if m > q + 1:
        dd = d[:, cols]
        mean = dd.mean(axis=0)
        cov = np.cov(dd, rowvar=False) + 1e-9 * np.eye(q)
        t2 = m * float(mean @ np.linalg.solve(cov, mean))
        p_joint = float(stats.f.sf((m - q) / (q * (m - 1)) * t2, q, m - q))
    p = min(1.0, 2.0 * min(p_each, p_joint))
    return float(-np.log10(max(p, 1e-300)))


def estimate_rate(feats: SoundFeatures, *, config: SoundConfig = DEFAULT.sound) -> RateEstimate:
    """The breathing rate from the loudness and tilt spectra (see the module docstring)."""
    traces, _ = feats.traces()
    n_loud = feats.level_db.shape[0]
    none = RateEstimate(None, 0.0, False, np.zeros(traces.shape[0]), 0.0)
    if traces.shape[1] < int(2 * 60.0 / config.max_rate_bpm * feats.fs_hz) or traces.shape[1] < 16:
        return none
    f, spec, res = _spectra(traces, fs_hz=feats.fs_hz, config=config)
    grid = np.arange(config.min_rate_bpm, config.max_rate_bpm, res / 8.0)
    # mean prominence of the loudness traces on a grid; cheap enough (a few hundred points)
    prom = _prominence_grid(f, spec[:n_loud], grid, res_bpm=res, config=config).mean(axis=1)
    if not np.isfinite(prom).any():
        return none
    peaks, _ = signal.find_peaks(np.nan_to_num(prom, neginf=-99.0))
    if peaks.size == 0:
        return none
    if feats.heart_bpm is not None:
        # the heart's rhythm (or S1 and S2 taken for two beats: half of it) is no breathing rate
        hb = feats.heart_bpm
        away = [min(abs(grid[k] - hb) / hb, abs(grid[k] - 0.5 * hb) / (0.5 * hb)) > config.heart_exclude_fraction for k in peaks]
        peaks = peaks[np.array(away, dtype=bool)]
        if peaks.size == 0:
            return none
    best = float(grid[peaks[np.argmax(prom[peaks])]])
    # refine on the summed loudness spectrum near the peak
    near = np.abs(f - best) <= res
    if near.any():
        best = float(f[near][np.argmax(spec[:n_loud, near].mean(axis=0))])
    if best < config.min_rate_bpm:
        # the strongest rhythm's summit lies below the range: a slower one (a rumble drifting every
        # 20-30 s) whose shoulder reached into it; no breathing rate in range stands out over it
        return none
    # Inhale and exhale each make a sound: is ``best`` the breathing rate or twice it?  Evidence
    # for twice: the sound events at ``best`` alternate between two kinds (e_here).  Evidence for
    # the rate itself: the events at twice ``best`` alternate (its inhale and exhale; e_twice).
    # A rate above plausible_max_bpm needs that evidence; a close call gives no rate.
    halved = False
    candidates: tuple[float, ...] = ()
    e_here = e_twice = 0.0
    half = 0.5 * best
    if half >= config.min_rate_bpm:
        # the sub-harmonic: a peak at half the rate in any loudness or tilt spectrum is the same
        # alternation seen over the whole recording; its prominence adds evidence from
        # subharmonic_null_db up, a decade per subharmonic_db_per_decade
        sub_db = float(np.max(_prominence(f, spec, half, res_bpm=res, config=config)))
        main_db = float(np.max(_prominence(f, spec[:n_loud], best, res_bpm=res, config=config)))
        null_db = max(config.subharmonic_null_db, main_db - config.subharmonic_max_below_db)
        e_sub = max(0.0, (sub_db - null_db) / config.subharmonic_db_per_decade)
        e_here = alternation_evidence(feats, best, config=config) + e_sub
        # (the events' centre is left out there: halves of one sound event alternate in it, rising
        # half then falling half, whatever the event is)
        e_twice = alternation_evidence(feats, 2.0 * best, centre=False, config=config)
        sure, doubt = config.alternation_halve_evidence, config.alternation_doubt_evidence
        if e_here >= sure or (best > config.plausible_max_bpm and e_twice < sure):
            halved = True
        elif e_here >= doubt and e_twice < sure:
            candidates = (round(half, 2), round(best, 2))
        if halved:
            ph = _prominence(f, spec, half, res_bpm=res, config=config)
            near = np.abs(f - half) <= res * config.peak_halfwidth_res
            k = int(np.argmax(ph))
            best = float(f[near][np.argmax(spec[k, near])]) if np.isfinite(ph[k]) else half
    tp = _prominence(f, spec, best, res_bpm=res, config=config)
    top = float(np.max(tp))
    if candidates:
        return RateEstimate(None, top, False, tp, 0.0, candidates, (e_here, e_twice))
    conf = _score(top, config)
    if half >= config.min_rate_bpm and e_twice < config.alternation_halve_evidence:
        # a call made on little evidence either way counts for less (down to half)
        sure, doubt = config.alternation_halve_evidence, config.alternation_doubt_evidence
        margin = (e_here - doubt) / (sure - doubt) if halved else (doubt - e_here) / doubt
        conf *= float(np.clip(0.5 + margin, 0.5, 1.0))
    return RateEstimate(best, top, halved, tp, conf, (), (e_here, e_twice))


@dataclass(frozen=True)
class SoundResult:
    """What the sound analysis found, in the shapes the video path uses."""

    rate_bpm: float | None
    rate_confidence: float
    rate_series: tuple[RatePoint, ...]
    breaths: tuple[Breath, ...]
    events: tuple[SoundEvent, ...]
    silences: tuple[Silence, ...]
    confidence: float
    prominence_db: float
    halved: bool  # inhale and exhale were both heard (the loudness peaked at twice the rate)
    bands: tuple[tuple[float, float], ...]
    audible_fraction: float  # share of the time the breathing was audible
    notes: tuple[str, ...] = ()
    fs_hz: float = 0.0
    t_s: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    trace: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    # when sound alone could not tell the rate from twice the rate: both (rate_bpm is then None);
    # with video, signals.fuse takes the one the camera agrees with
    rate_candidates: tuple[float, ...] = ()
    heart_bpm: float | None = None  # the heart's rate when its sounds were heard


def _breath_trace(feats: SoundFeatures, est: RateEstimate, *, config: SoundConfig) -> np.ndarray:
    traces, _ = feats.traces()
    f0 = est.rate_bpm / 60.0
    nyq = 0.5 * feats.fs_hz
    order = config.breath_band_order
    high = config.breath_band_high
    if est.halved:
        # the inhale+exhale rhythm at twice the rate is the loudest part of the trace: a sharper,
        # narrower band keeps it from splitting breaths
        high, order = config.halved_band_high, order + 2
    lo, hi = config.breath_band_low * f0, min(high * f0, 0.9 * nyq)
    keep = np.flatnonzero(est.trace_prominence_db >= est.prominence_db - config.trace_keep_db)
    bp = np.array([bandpass(traces[k] - traces[k].mean(), fs_hz=feats.fs_hz, low_hz=lo, high_hz=hi, order=order) for k in keep])
    bp /= np.maximum(bp.std(axis=1, keepdims=True), 1e-12)
    # orientation: louder is up (the mean loudness, band-passed alike, is the reference)
    ref = bandpass(feats.level_db.mean(axis=0) - feats.level_db.mean(), fs_hz=feats.fs_hz, low_hz=lo, high_hz=hi, order=order)
    best = bp[int(np.argmax(est.trace_prominence_db[keep]))]
    signs = np.sign(bp @ best)
    signs[signs == 0] = 1.0
    trace = (signs[:, None] * bp).mean(axis=0)
    if float(trace @ ref) < 0:
        trace = -trace
    return trace


def _cycles(trace: np.ndarray, *, fs_hz: float, t0_s: float, confidence: float, config: Config) -> tuple[Breath, ...]:
    """One breath per cycle of the band-passed breath trace (its analytic phase).

    The trace is loudness band-passed around the rate, ~ A cos(phase): the loud part is phase 0.
    A breath starts where the phase passes -pi/2 (the sound rises), its exhale where it passes
    +pi/2; one cycle is one breath, so the count follows the spectral rate.  A cycle whose
    amplitude is far below the typical one, or whose phase runs backwards, loses confidence.
    """
    if trace.size < 4:
        return ()
    z = signal.hilbert(trace)
    phase = np.unwrap(np.angle(z))
    amp = np.abs(z)
    typical = float(np.median(amp)) or 1.0
    # a cycle that starts within edge_phase_rad of the recording's first sample counts (the band-pass
    # settles there by reflection; at the end the phase stalls, so no such allowance)
    tol = config.sound.edge_phase_rad
    k0 = np.ceil((phase[0] - tol + 0.5 * np.pi) / (2 * np.pi))
    k1 = np.floor((phase[-1] + 0.5 * np.pi) / (2 * np.pi))

    def crossing(level: float) -> float | None:
        if phase[0] - tol <= level <= phase[0]:
            return t0_s
        i = int(np.searchsorted(np.maximum.accumulate(phase), level))
        if i <= 0 or i >= phase.size:
            return None
        a, b = phase[i - 1], phase[i]
        frac = (level - a) / (b - a) if b != a else 0.0
        return t0_s + (i - 1 + frac) / fs_hz

    out: list[Breath] = []
    bc = config.breaths
    for k in np.arange(k0, k1):
        start = crossing(2 * np.pi * k - 0.5 * np.pi)
        mid = crossing(2 * np.pi * k + 0.5 * np.pi)
        end = crossing(2 * np.pi * (k + 1) - 0.5 * np.pi)
        if start is None or mid is None or end is None or not start < mid < end:
            continue
        i, j = int((start - t0_s) * fs_hz), int((end - t0_s) * fs_hz) + 1
        seg_amp = float(np.mean(amp[i:j]))
        monotonic = bool(np.all(np.diff(phase[i:j]) > -0.1)) if j - i > 1 else True
        dur = end - start
        plausible = bc.min_breath_s <= dur <= bc.max_breath_s
        c = confidence * min(1.0, seg_amp / typical / config.sound.min_cycle_amplitude) * (1.0 if monotonic else 0.5)
        out.append(Breath(round(start, 3), round(mid, 3), round(end, 3), round(end, 3), round(2 * seg_amp, 4),
                          round(c if plausible else 0.0, 3)))
    return tuple(out)


def _events(feats: SoundFeatures, breaths, *, config: SoundConfig) -> tuple[tuple[SoundEvent, ...], np.ndarray]:
    above = feats.above_floor_db
    active = above >= config.active_db
    runs = long_runs(active, min_len=max(1, int(round(0.2 * feats.fs_hz))))
    raw = [(float(feats.t_s[i]), float(feats.t_s[j - 1]), float(above[i:j].max())) for i, j in runs]
    events: list[SoundEvent] = []
    for b in breaths:
        inside = [e for e in raw if b.inhale_start <= 0.5 * (e[0] + e[1]) < b.end]
        if not inside:
            continue
        loud = max(range(len(inside)), key=lambda k: inside[k][2])
        for k, (s, e, lvl) in enumerate(inside):
            events.append(SoundEvent(round(s, 3), round(e, 3), "inhale" if k == loud else "exhale", round(lvl, 1)))
    return tuple(events), active


def _silences(feats: SoundFeatures, active: np.ndarray, *, config: SoundConfig) -> tuple[Silence, ...]:
    out = []
    for i, j in long_runs(~active, min_len=max(1, int(round(config.min_silence_s * feats.fs_hz)))):
        if i == 0 or j >= active.size:
            continue  # touching the ends: its length is unknown
        out.append(Silence(round(float(feats.t_s[i]), 3), round(float(feats.t_s[j - 1]), 3)))
    return tuple(out)


def analyze_sound(feats: SoundFeatures, *, config: Config = DEFAULT, t_end_s: float | None = None) -> SoundResult:
    """Rate, breaths, events and silences from sound features."""
    sc = config.sound
    n = feats.t_s.size
    t0 = float(feats.t_s[0]) if n else 0.0
    t_end = float(t_end_s if t_end_s is not None else (feats.t_s[-1] if n else 0.0))
    notes: list[str] = []
    empty = SoundResult(None, 0.0, rate_series((), t_start_s=t0, t_end_s=t_end, config=config.rate), (), (), (), 0.0, 0.0,
                        False, feats.bands, 0.0, (), feats.fs_hz, feats.t_s, np.zeros(n))
    if n < 16:
        return _with_notes(empty, ("sound too short to measure breathing",))
    dynamic = float(np.percentile(feats.above_floor_db, 95))
    above = feats.above_floor_db
    audible = float(np.mean(above >= sc.active_db))
    if dynamic < sc.min_dynamic_db:
        empty = _with_notes(empty, ("no breathing heard: the sound is silent or a steady noise",))
        return SoundResult(**{**empty.__dict__, "audible_fraction": audible})
    est = estimate_rate(feats, config=sc)
    empty = SoundResult(**{**empty.__dict__, "heart_bpm": feats.heart_bpm, "audible_fraction": round(audible, 3)})
    if est.candidates:
        lo, hi = est.candidates
        return SoundResult(**{**empty.__dict__, "rate_candidates": est.candidates, "prominence_db": round(est.prominence_db, 2),
                              "notes": (f"sound: the rate is {lo:.0f} or {hi:.0f}/min (inhale and exhale may be two sounds "
                                        "or one); too close to call from sound alone",)})
    if est.rate_bpm is None:
        return _with_notes(empty, ("no breathing rhythm in the sound",))
    trace = _breath_trace(feats, est, config=sc)
    breaths = _cycles(trace, fs_hz=feats.fs_hz, t0_s=t0, confidence=est.confidence, config=config)
    bpm, conf = clip_rate(breaths, periodicity=None, config=config.rate)
    series = rate_series(breaths, t_start_s=t0, t_end_s=t_end, config=config.rate)
    events, active = _events(feats, breaths, config=sc)
    silences = _silences(feats, active, config=sc)
    if est.prominence_db < sc.prominence_low_db:
        notes.append("sound: no clear breathing rhythm (heard breathing is irregular, quiet, or masked by noise)")
    elif bpm is None:
        notes.append("sound: breathing rhythm too weak for a reliable rate")
    if silences:
        notes.append(
            f"sound: {len(silences)} silence(s) of {sc.min_silence_s:.0f} s or more; sound alone cannot tell a held "
            "breath from quiet breathing"
        )
    return SoundResult(
        rate_bpm=bpm,
        rate_confidence=round(conf, 3),
        rate_series=series,
        breaths=breaths,
        events=events,
        silences=silences,
        confidence=round(conf, 3),
        prominence_db=round(est.prominence_db, 2),
        halved=est.halved,
        bands=feats.bands,
        audible_fraction=round(audible, 3),
        notes=tuple(notes),
        fs_hz=feats.fs_hz,
        t_s=feats.t_s,
        trace=trace,
        heart_bpm=feats.heart_bpm,
    )


def _with_notes(r: SoundResult, notes: tuple[str, ...]) -> SoundResult:
    return SoundResult(**{**r.__dict__, "notes": r.notes + notes})


def analyze_audio_samples(audio: Audio, *, config: Config = DEFAULT) -> SoundResult:
    """The whole sound analysis of a decoded recording."""
    sc = config.sound
    bands = bands_for(source_rate_hz=audio.info.source_rate_hz, fs_hz=audio.info.sample_rate_hz, config=sc)
    power, frame_hz = band_power(audio.samples, fs_hz=audio.info.sample_rate_hz, bands=bands, config=sc)
    hb = heart_band(audio.info.sample_rate_hz, sc)
    heart = None
    if hb is not None:
        heart = band_power(audio.samples, fs_hz=audio.info.sample_rate_hz, bands=(hb,), config=sc)[0][:, 0]
    feats = features(power, frame_hz=frame_hz, bands=bands, t0_s=audio.t0_s, heart_power=heart, config=sc)
    return analyze_sound(feats, config=config, t_end_s=audio.t0_s + audio.info.duration_s)


@dataclass(frozen=True)
class SoundLevel:
    """The sound meter of a live session: the breath-band loudness now against its noise floor.

    Levels are dB of band power (full scale 0 dB), heart-filtered and averaged over the bands, as in
    :func:`features`; ``above_floor_db`` is what :attr:`SoundFeatures.above_floor_db` holds for the
    batch analysis, and ``audible`` the same ``[sound] active_db`` test."""

    t_s: float  # session time at the end of the sound it describes
    level_db: float
    floor_db: float
    above_floor_db: float
    audible: bool  # a breath sound is heard now


class SoundAnalyzer:
    """Live sound analysis: ``push(block)`` as samples arrive, ``result()`` when an estimate is wanted,
    ``level()`` for the overlay's sound meter.

    Only frame powers (50 per second and band) are kept, for the last ``[sound] live_window_s``;
    ``result()`` runs :func:`features` and :func:`analyze_sound` on them, so the live estimate is
    the batch estimate over that window.  ``level()`` costs nothing: ``push`` keeps it up to date
    with the causal form of :func:`features` (each feature sample the heart percentile over the last
    ``heart_window_s`` of frames; the floor percentile over the last ``floor_window_s`` of the
    once-a-second levels), so it trails the batch level by half a heart window (0.3 s) and its floor
    looks back only.  Nothing is reported during the first ``settle_s`` (the filters ring up).

    >>> an = SoundAnalyzer(fs_hz=8000.0)
    >>> an.push(np.zeros(800)); an.seconds, an.level()
    (0.1, None)
    """

    def __init__(self, *, fs_hz: float, source_rate_hz: float | None = None, config: Config = DEFAULT, t0_s: float = 0.0):
        sc = config.sound
        self.config = config
        self.bands = bands_for(source_rate_hz=source_rate_hz or fs_hz, fs_hz=fs_hz, config=sc)
        self._energy = BandEnergy(fs_hz=fs_hz, bands=self.bands, config=sc)
        frame_hz = self._energy.frame_hz
        self._frames: deque = deque(maxlen=int(np.ceil(sc.live_window_s * frame_hz)))
        # the heart band's frames, for the heart's rhythm (features(heart_power=...))
        hb = heart_band(fs_hz, sc)
        self._heart_energy = None if hb is None else BandEnergy(fs_hz=fs_hz, bands=(hb,), config=sc)
        self._heart_frames: deque = deque(maxlen=self._frames.maxlen)
        self._n_frames = 0
        self.t0_s = float(t0_s)
        # the sound meter's state (see level())
        self._step = max(1, int(round(frame_hz / sc.feature_hz)))  # frames per feature sample, as features()
        feature_hz = frame_hz / self._step
        self._heart: deque = deque(maxlen=max(1, int(round(sc.heart_window_s * frame_hz))))
        self._grid = _floor_grid(feature_hz)
        self._coarse: deque = deque(maxlen=max(1, int(round(sc.floor_window_s * feature_hz)) // self._grid))
        self._settle = int(np.ceil(sc.settle_s * feature_hz))
        self._n_features = 0
        self._floor: np.ndarray | None = None
        self._level: SoundLevel | None = None

    @property
    def seconds(self) -> float:
        return round(self._energy.n_samples / self._energy.fs_hz, 6)

    def push(self, block: np.ndarray) -> None:
        if self._heart_energy is not None:
            self._heart_frames.extend(self._heart_energy.push(block)[:, 0])
        for row in self._energy.push(block):
            self._frames.append(row)
            self._n_frames += 1
            self._heart.append(row)
            if self._n_frames % self._step == 0:
                self._feature_step()

    def _feature_step(self) -> None:
        sc = self.config.sound
        self._n_features += 1
        if self._n_features <= self._settle:
            return
        lv = np.percentile(_db(np.array(self._heart)), sc.heart_percentile, axis=0)  # per band
        if (self._n_features - self._settle - 1) % self._grid == 0:
            self._coarse.append(lv)
            self._floor = np.percentile(np.array(self._coarse), sc.floor_percentile, axis=0)
        above = float(_above_floor_db(lv, self._floor))
        self._level = SoundLevel(
            t_s=round(self.t0_s + self._n_frames / self._energy.frame_hz, 6),
            level_db=round(float(np.mean(lv)), 2),
            floor_db=round(float(np.mean(self._floor)), 2),
            above_floor_db=round(above, 2),
            audible=above >= sc.active_db,
        )

    def level(self) -> SoundLevel | None:
        """The sound meter after the last push (None during the first ``[sound] settle_s``)."""
        return self._level

    def result(self) -> SoundResult:
        sc = self.config.sound
        hop_s = 1.0 / self._energy.frame_hz
        first = self._n_frames - len(self._frames)
        power = np.array(self._frames) if self._frames else np.zeros((0, len(self.bands)))
        heart = None
        if self._heart_energy is not None and len(self._heart_frames) == len(self._frames):
            heart = np.array(self._heart_frames)
        feats = features(power, frame_hz=self._energy.frame_hz, bands=self.bands, t0_s=self.t0_s + first * hop_s,
                         heart_power=heart, config=sc)
        return analyze_sound(feats, config=self.config, t_end_s=self.t0_s + self._n_frames * hop_s)
