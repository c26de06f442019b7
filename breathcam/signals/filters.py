"""Filters for breathing traces: zero-phase band-pass and low-pass, trace cleaning, streaming state.

Design once, apply many times (scipy.signal second-order sections).  ``bandpass`` / ``lowpass`` are
zero-phase (``sosfiltfilt``) for recorded clips; :class:`StreamingFilter` runs the same design
causally block by block for the live path, carrying the filter state between blocks.

``clean_trace`` prepares a raw displacement trace: it removes single-sample steps and spikes (motion
glitches) and bridges invalid samples by interpolation so the filters never see NaN.

Where it fails: a 0.05 Hz high-pass needs about 20 s to settle, so the first and last breaths of a
clip are less reliable than the middle ones (the zero-phase filter pads by reflection to soften
this); glitches slower than one sample (a person shifting for half a second) pass ``clean_trace``.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import signal

from breathcam.config import DEFAULT, FilterConfig
from breathcam.types import ParameterError


def _check_band(*, fs_hz: float, low_hz: float | None, high_hz: float | None, order: int) -> None:
    if fs_hz <= 0:
        raise ParameterError(f"fs_hz must be positive, not {fs_hz}")
    if order < 1:
        raise ParameterError(f"filter order must be at least 1, not {order}")
    nyquist = 0.5 * fs_hz
    for name, f in (("low_hz", low_hz), ("high_hz", high_hz)):
        if f is not None and not 0 < f < nyquist:
            raise ParameterError(f"{name}={f} must lie between 0 and the Nyquist frequency {nyquist} Hz")
    if low_hz is not None and high_hz is not None and low_hz >= high_hz:
        raise ParameterError(f"low_hz={low_hz} must be below high_hz={high_hz}")


@functools.lru_cache(maxsize=128)
def _butter(order: int, cutoff: float | tuple[float, float], btype: str, fs_hz: float) -> np.ndarray:
    """A Butterworth design as second-order sections, made once per set of parameters (callers
    get copies: scipy's filters want writable arrays, and a copy costs far less than a design)."""
    return signal.butter(order, cutoff, btype=btype, output="sos", fs=fs_hz)


def design_bandpass(*, fs_hz: float, low_hz: float, high_hz: float, order: int) -> np.ndarray:
    """Butterworth band-pass as second-order sections (designed once, then reused).

    >>> design_bandpass(fs_hz=10, low_hz=0.05, high_hz=1.0, order=2).shape
    (2, 6)
    """
    _check_band(fs_hz=fs_hz, low_hz=low_hz, high_hz=high_hz, order=order)
    return _butter(int(order), (float(low_hz), float(high_hz)), "bandpass", float(fs_hz)).copy()


def design_lowpass(*, fs_hz: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Butterworth low-pass as second-order sections (designed once, then reused)."""
    _check_band(fs_hz=fs_hz, low_hz=None, high_hz=cutoff_hz, order=order)
    return _butter(int(order), float(cutoff_hz), "lowpass", float(fs_hz)).copy()


def design_highpass(*, fs_hz: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Butterworth high-pass as second-order sections (designed once, then reused)."""
    _check_band(fs_hz=fs_hz, low_hz=cutoff_hz, high_hz=None, order=order)
    return _butter(int(order), float(cutoff_hz), "highpass", float(fs_hz)).copy()


def band(
    x: np.ndarray,
    *,
    fs_hz: float,
    low_hz: float,
    high_hz: float,
    order: int,
    axis: int = -1,
    padlen: int | None = None,
    demean: bool = False,
) -> np.ndarray:
    """Zero-phase band-pass of ``x`` along ``axis`` for comparing traces with each other (their
    correlation, a regression): the high edge is kept below 0.45 ``fs_hz``, ``demean`` removes
    the mean first, and ``padlen`` is scipy's default unless given (:func:`bandpass` is the one
    for breathing traces, padded by a period of its low edge).

    >>> band(np.ones(100), fs_hz=10.0, low_hz=0.05, high_hz=1.0, order=2, demean=True).max() == 0.0
    True
    """
    sos = design_bandpass(fs_hz=fs_hz, low_hz=low_hz, high_hz=min(high_hz, 0.45 * fs_hz), order=order)
    x = np.asarray(x, dtype=float)
    if demean:
        x = x - np.mean(x, axis=axis, keepdims=True)
    return signal.sosfiltfilt(sos, x, axis=axis, padlen=padlen)


def _filtfilt(sos: np.ndarray, x: np.ndarray, *, padlen: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ParameterError("filters take one-dimensional traces")
    if x.size < 2:
        return x.copy()
    if not np.all(np.isfinite(x)):
        raise ParameterError("trace contains NaN or inf; clean it first (filters.clean_trace)")
    return signal.sosfiltfilt(sos, x, padtype="odd", padlen=min(padlen, x.size - 1))


def bandpass(
    x: np.ndarray,
    *,
    fs_hz: float,
    low_hz: float = DEFAULT.filters.low_hz,
    high_hz: float = DEFAULT.filters.high_hz,
    order: int = DEFAULT.filters.order,
    pad_s: float | None = None,
) -> np.ndarray:
    """Zero-phase Butterworth band-pass of a 1-D trace.

    ``pad_s`` is the reflected padding at each end; by default one period of the low edge, so the
    slow edge settles before the first real sample.
    """
    sos = design_bandpass(fs_hz=fs_hz, low_hz=low_hz, high_hz=high_hz, order=order)
    pad = 1.0 / low_hz if pad_s is None else pad_s
    return _filtfilt(sos, x, padlen=int(round(pad * fs_hz)))


def lowpass(
    x: np.ndarray,
    *,
    fs_hz: float,
    cutoff_hz: float = DEFAULT.filters.hold_lowpass_hz,
    order: int = DEFAULT.filters.order,
    pad_s: float | None = None,
) -> np.ndarray:
    """Zero-phase Butterworth low-pass of a 1-D trace (keeps levels: plateaus stay flat)."""
    sos = design_lowpass(fs_hz=fs_hz, cutoff_hz=cutoff_hz, order=order)
    pad = 2.0 / cutoff_hz if pad_s is None else pad_s
    return _filtfilt(sos, x, padlen=int(round(pad * fs_hz)))


def long_runs(mask: np.ndarray, *, min_len: int) -> list[tuple[int, int]]:
    """Half-open index runs ``[i, j)`` where ``mask`` is True for at least ``min_len`` samples."""
    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        return []
    edges = np.diff(np.concatenate(([0], m.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return [(int(i), int(j)) for i, j in zip(starts, ends) if j - i >= min_len]


def clean_trace(
    x: np.ndarray,
    *,
    fs_hz: float,
    valid: np.ndarray | None = None,
    config: FilterConfig = DEFAULT.filters,
) -> tuple[np.ndarray, np.ndarray]:
    """Bridge invalid samples and remove single-sample glitches.

    Returns ``(cleaned, usable)``: ``cleaned`` is finite everywhere (invalid and NaN samples are
    linearly interpolated, ends held); ``usable`` is False inside invalid stretches longer than
    ``config.max_gap_s`` (shorter gaps are trusted to the interpolation) and in invalid stretches
    at either end of any length (held ends are no measurement: nothing lies beyond them to
    interpolate towards, and a held level would pass for a flat stretch).  A step or spike whose
    sample-to-sample change departs from the median of the four changes around it by more
    than ``config.glitch_diff_ratio`` times the upper quartile of such departures is taken out
    (the change is replaced by that median: a step is removed, the trace after it shifted back).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ParameterError("the breathing trace must be one-dimensional")
    ok = np.isfinite(x)
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != x.shape:
            raise ParameterError(f"valid has shape {valid.shape}, the trace {x.shape}")
        ok &= valid
    usable = np.ones(x.size, dtype=bool)
    for i, j in long_runs(~ok, min_len=max(1, int(round(config.max_gap_s * fs_hz)) + 1)):
        usable[i:j] = False
    if ok.any():
        first, last = np.flatnonzero(ok)[[0, -1]]
        usable[:first] = False
        usable[last + 1 :] = False
    if not ok.any():
        return np.zeros_like(x), np.zeros(x.size, dtype=bool)
    idx = np.arange(x.size)
    y = np.interp(idx, idx[ok], x[ok]) if not ok.all() else x.copy()
    if y.size > 5:
        # A glitch is a change that stands out from the changes around it: a breath, however fast
        # or deep, moves the trace smoothly over several samples, so each change stays close to
        # the median of its four neighbours (even where a hold leaves the rest of the trace still).
        d = np.diff(y)
        padded = np.pad(d, 2, mode="edge")
        local = np.median(np.stack([padded[k : k + d.size] for k in (0, 1, 3, 4)]), axis=0)  # 2 each side
        jump = np.abs(d - local)
        pairs = usable[1:] & usable[:-1]
        scale = np.percentile(jump[pairs], 75) if pairs.any() else 0.0
        if scale > 0:
            bad = jump > config.glitch_diff_ratio * scale
            if bad.any():
                d[bad] = local[bad]
                y = np.concatenate(([y[0]], y[0] + np.cumsum(d)))
    return y, usable


class StreamingFilter:
    """A fixed sos filter applied block by block, its state carried between blocks.

    The output over all blocks equals ``scipy.signal.sosfilt`` over the whole trace (causal, so
    it lags; the recorded-clip path uses the zero-phase functions above).

    >>> f = StreamingFilter.bandpass(fs_hz=10.0)
    >>> y1 = f.process(np.ones(5)); y2 = f.process(np.ones(5))
    """

    def __init__(self, sos: np.ndarray, *, initial: float | None = None):
        self.sos = np.asarray(sos, dtype=float)
        self._initial = initial
        self.zi: np.ndarray | None = None

    @classmethod
    def bandpass(cls, *, fs_hz: float, config: FilterConfig = DEFAULT.filters) -> "StreamingFilter":
        return cls(design_bandpass(fs_hz=fs_hz, low_hz=config.low_hz, high_hz=config.high_hz, order=config.order))

    @classmethod
    def lowpass(cls, *, fs_hz: float, config: FilterConfig = DEFAULT.filters) -> "StreamingFilter":
        return cls(design_lowpass(fs_hz=fs_hz, cutoff_hz=config.hold_lowpass_hz, order=config.order))

    def reset(self) -> None:
        self.zi = None

    def process(self, block: np.ndarray) -> np.ndarray:
        """Filter the next block of samples; returns as many samples as it was given."""
        block = np.asarray(block, dtype=float)
        if self.zi is None:
            self.zi = np.zeros((self.sos.shape[0], 2))
            if self._initial is not None:
                self.zi = signal.sosfilt_zi(self.sos) * self._initial
        y, self.zi = signal.sosfilt(self.sos, block, zi=self.zi)
        return y
