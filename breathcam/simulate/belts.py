"""Real breathing from the VRWi respiration belts, with a reference truth, to drive the clip renderer.

The VRWi dataset (Obi & Funakoshi, ICMI 2023; CC BY-NC 4.0) holds a thoracic and an abdominal belt
for 20 people, resting (~20 min) and in dialogue (~16 min), at ~83 Hz with uneven timestamps.
:func:`load_belts` cuts a window, resamples it by the timestamps, removes the belts' slow baseline
drift, orients both belts so that inhaling is positive, normalises each to its median breath
excursion, and mixes them to the requested belly share.  The truth comes from a reference breath
detector on the clean belt sum, written here independently of ``breathcam.signals`` (the code under
test), as a validation study would use a reference belt.

Orientation: in these files RespValue *falls* on inhale.  Measured over all 43 recordings (band-pass
0.05-1 Hz, prominent peaks and troughs), RespValue's median rise lasts longer than its fall in 35 of
43 thoracic and 27 of 43 abdominal belts (median ratio 1.38 and 1.19), and in dialogue, where
inhales are quick and speech stretches the exhale, in 39 of 46 belts (median 1.4).  Inhales are the
shorter phase, so RespValue is negated (:data:`INHALE_SIGN`).

Where it fails: the truth is a detector's reading of a belt, not an annotation (holds are unknown:
``truth.extra["holds_known"]`` is False); talking, sighs and movement make some breath boundaries
debatable; the belts are uncalibrated, so the chest/belly split is set by ``belly_share``, not
measured.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

import breathcam
from breathcam.simulate.waveform import Breathing, Truth, TruthBreath, rate_from_breaths, truth_label
from breathcam.types import InputError, ParameterError

BELTS = ("thoracic", "abdominal")
# RespValue falls on inhale in the VRWi files (see the module docstring): multiply by this.
INHALE_SIGN = -1.0
# Baseline drift removal: a zero-phase high-pass at 0.03 Hz (periods over 33 s) keeps 3/min
# breathing (0.05 Hz) nearly untouched.  It runs on the window plus this much margin on each side
# (where the recording has it) so that the filter's edges fall outside the window.
DRIFT_CUTOFF_HZ = 0.03
MARGIN_S = 30.0
# Belt sensor noise above breathing (some abdominal belts, e.g. M07's, are noisy up to 40 Hz) is
# removed by a zero-phase low-pass: breathing motion is smooth, the renderer must not jitter.
SMOOTH_CUTOFF_HZ = 1.5
# Movement artefacts can swing a belt by many breath depths; the normalised traces are clipped to
# this range (in median breath depths) so a clip never warps the person absurdly.  A sigh is 2-3.
CLIP_RANGE = (-2.0, 4.0)
# Reference detector: zero-phase band-pass 0.05-1 Hz (3-60/min), second order per edge.
REF_BAND_HZ = (0.05, 1.0)
# A peak or trough counts when its prominence is at least this fraction of the robust breath
# amplitude (the 10-90 percentile range of the band-passed sum): ignores talking ripples.
REF_PROMINENCE_FRACTION = 0.3
# Breaths closer than this are one breath (40/min is 1.5 s; talking makes faster wiggles).
REF_MIN_BREATH_S = 1.2
# The inhale starts where the signal leaves the trough: the last time before the peak at which it
# is within this fraction of the breath's depth above the trough (the end-expiratory pause is flat,
# so the trough's exact sample is arbitrary within it).
REF_ONSET_FRACTION = 0.1
# A breath deeper than this multiple of the median depth is a sigh (as in waveform.py).
REF_SIGH_RATIO = 1.8


def default_data_dir() -> Path:
    """``$BREATHCAM_DATA`` (the vrwi-belts folder itself, or a folder holding it), else ../shared/data."""
    env = os.environ.get("BREATHCAM_DATA")
    if env:
        path = Path(env)
        return path / "vrwi-belts" if (path / "vrwi-belts").is_dir() else path
    return Path(breathcam.__file__).resolve().parents[1] / ".." / "shared" / "data" / "vrwi-belts"


def _data_dir(data_dir: Path | None) -> Path:
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    if not path.is_dir():
        raise InputError(f"belt data folder not found: {path} (set BREATHCAM_DATA to the vrwi-belts folder)")
    return path


def list_recordings(data_dir: Path | None = None) -> list[str]:
    """Names of recordings with both belts, e.g. "F01_resting", "M07_dialogue_1"."""
    path = _data_dir(data_dir)
    names = {}
    for f in path.glob("*.tsv.gz"):
        stem = f.name[: -len(".tsv.gz")]
        name, _, belt = stem.rpartition("_")
        if belt in BELTS:
            names.setdefault(name, set()).add(belt)
    return sorted(n for n, belts in names.items() if belts == set(BELTS))


def read_belt(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(t_s, value) of one belt file; t_s is seconds since midnight, unwrapped past midnight."""
    try:
        with gzip.open(path, "rt") as fh:
            header = fh.readline().strip().split("\t")
            if header[:2] != ["DateTime", "RespValue"]:
                raise InputError(f"{path.name}: expected columns DateTime and RespValue, found {header}")
            times, values = [], []
            for line in fh:
                stamp, _, value = line.partition("\t")
                if not value:
                    continue
                h, m, s = stamp.split(":")
                times.append(int(h) * 3600 + int(m) * 60 + float(s))
                values.append(float(value))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read belt file {path}: {exc}") from None
    t = np.asarray(times)
    t = t + 86400.0 * np.concatenate([[0], np.cumsum(np.diff(t) < -43200)])  # across midnight
    order = np.argsort(t, kind="stable")
    t, v = t[order], np.asarray(values)[order]
    keep = np.concatenate([[True], np.diff(t) > 0])  # duplicate stamps: keep the first
    return t[keep], v[keep]


def _sos(kind: str, cutoff, fs_hz: float):
    from scipy import signal

    return signal.butter(2, cutoff, btype=kind, fs=fs_hz, output="sos")


def _robust_amplitude(x: np.ndarray) -> float:
    return float(np.percentile(x, 90) - np.percentile(x, 10))


def _extrema(x: np.ndarray, fs_hz: float, prominence: float) -> tuple[np.ndarray, np.ndarray]:
    """Alternating troughs and peaks (indices), starting with a trough."""
    from scipy import signal

    distance = max(1, int(REF_MIN_BREATH_S * fs_hz / 2))
    peaks, _ = signal.find_peaks(x, prominence=prominence, distance=distance)
    troughs, _ = signal.find_peaks(-x, prominence=prominence, distance=distance)
    events = sorted([(int(i), 1) for i in peaks] + [(int(i), -1) for i in troughs])
    merged: list[tuple[int, int]] = []
    for i, kind in events:  # two of a kind in a row: keep the more extreme
        if merged and merged[-1][1] == kind:
            j = merged[-1][0]
            if (kind == 1 and x[i] > x[j]) or (kind == -1 and x[i] < x[j]):
                merged[-1] = (i, kind)
            continue
        merged.append((i, kind))
    while merged and merged[0][1] == 1:
        merged.pop(0)
    troughs = np.array([i for i, k in merged if k == -1], dtype=int)
    peaks = np.array([i for i, k in merged if k == 1], dtype=int)
    return troughs, peaks


def reference_breaths(volume: np.ndarray, fs_hz: float) -> tuple[TruthBreath, ...]:
    """Breaths of a clean belt trace (inhale positive): trough -> peak -> next trough.

    Zero-phase band-pass 0.05-1 Hz, peaks and troughs with a prominence of at least 0.3 of the robust
    amplitude, alternation enforced; the inhale starts where the trace leaves the trough, the exhale
    at the peak, and the breath ends where the next one starts.
    """
    from scipy import signal

    if volume.size < 3 * fs_hz:
        return ()
    x = signal.sosfiltfilt(_sos("bandpass", REF_BAND_HZ, fs_hz), volume)
    troughs, peaks = _extrema(x, fs_hz, REF_PROMINENCE_FRACTION * _robust_amplitude(x))
    onsets, tops, depths = [], [], []
    for k in range(len(troughs)):
        tr = troughs[k]
        later = peaks[peaks > tr]
        if later.size == 0:
            break
        pk = later[0]
        depth = x[pk] - x[tr]
        seg = x[tr : pk + 1]
        below = np.nonzero(seg <= x[tr] + REF_ONSET_FRACTION * depth)[0]
        onsets.append(tr + int(below[-1]))
        tops.append(pk)
        depths.append(depth)
    if len(onsets) < 2:
        return ()
    median_depth = float(np.median(depths))
    breaths = []
    for k in range(len(onsets) - 1):
        breaths.append(
            TruthBreath(
                inhale_start=round(onsets[k] / fs_hz, 4),
                exhale_start=round(tops[k] / fs_hz, 4),
                end=round(onsets[k + 1] / fs_hz, 4),
                is_sigh=bool(depths[k] > REF_SIGH_RATIO * median_depth),
            )
        )
    return tuple(breaths)


def _phase_deg(chest: np.ndarray, belly: np.ndarray, fs_hz: float, period_s: float) -> float:
    """Belly lag behind the chest in degrees of the median period, from the cross-correlation peak."""
    from scipy import signal

    sos = _sos("bandpass", REF_BAND_HZ, fs_hz)
    a = signal.sosfiltfilt(sos, chest)
    b = signal.sosfiltfilt(sos, belly)
    a = (a - a.mean()) / (a.std() + 1e-12)
    b = (b - b.mean()) / (b.std() + 1e-12)
    max_lag = max(1, int(0.5 * period_s * fs_hz))
    lags = np.arange(-max_lag, max_lag + 1)
    n = a.size
    corr = np.array([np.dot(a[max(0, -L) : n - max(0, L)], b[max(0, L) : n - max(0, -L)]) / n for L in lags])
    best = int(np.argmax(corr))
    if corr[best] < 0:  # out of step everywhere within half a cycle: paradoxical
        return 180.0
    return float(360.0 * lags[best] / fs_hz / period_s)


def load_belts(
    name: str,
    *,
    data_dir: Path | None = None,
    start_s: float = 60.0,
    duration_s: float = 120.0,
    fs_hz: float = 30.0,
    belly_share: float = 0.5,
    paradoxical: bool = False,
) -> Breathing:
    """``duration_s`` of real breathing from recording ``name``, starting ``start_s`` into it.

    Chest and belly are drift-free, inhale-positive and scaled so that a median breath moves the
    chest by ``1 - belly_share`` and the belly by ``belly_share`` (like ``simulate_breathing``'s depth-1
    breaths); the troughs sit near 0.  The truth comes from :func:`reference_breaths`.
    ``paradoxical`` turns the abdominal belt upside down (belly in while the chest rises); the
    truth phase is then measured on the inverted belt.
    """
    from scipy import signal

    if duration_s <= 0 or fs_hz <= 0 or start_s < 0:
        raise ParameterError("duration_s and fs_hz must be positive and start_s not negative")
    if not 0 <= belly_share <= 1:
        raise ParameterError("belly_share must be in [0, 1]")
    folder = _data_dir(data_dir)
    raw = {}
    for belt in BELTS:
        path = folder / f"{name}_{belt}.tsv.gz"
        if not path.is_file():
            known = ", ".join(list_recordings(folder)[:6])
            raise InputError(f"no belt recording {name!r} in {folder} (e.g. {known}, ...)")
        raw[belt] = read_belt(path)
    t_first = max(raw[b][0][0] for b in BELTS)
    t_last = min(raw[b][0][-1] for b in BELTS)
    if t_first + start_s + duration_s > t_last:
        raise ParameterError(
            f"{name} has {t_last - t_first:.0f} s of both belts; {start_s:.0f} + {duration_s:.0f} s does not fit"
        )
    lo = max(t_first, t_first + start_s - MARGIN_S)
    hi = min(t_last, t_first + start_s + duration_s + MARGIN_S)
    grid = np.arange(lo, hi, 1.0 / fs_hz)
    n = int(round(duration_s * fs_hz))
    i0 = int(round((t_first + start_s - lo) * fs_hz))
    hp = _sos("highpass", DRIFT_CUTOFF_HZ, fs_hz)
    lp = _sos("lowpass", min(SMOOTH_CUTOFF_HZ, 0.45 * fs_hz), fs_hz)
    parts = {}
    for belt in BELTS:
        t, v = raw[belt]
        x = INHALE_SIGN * np.interp(grid, t, v)
        x = signal.sosfiltfilt(lp, signal.sosfiltfilt(hp, x - np.median(x)))[i0 : i0 + n]
        parts[belt] = x
    # Scale each belt to its median breath depth, measured with the reference detector's extrema.
    scaled = {}
    for belt, x in parts.items():
        smooth = signal.sosfiltfilt(_sos("bandpass", REF_BAND_HZ, fs_hz), x)
        troughs, peaks = _extrema(smooth, fs_hz, REF_PROMINENCE_FRACTION * _robust_amplitude(smooth))
        pairs = [(tr, peaks[peaks > tr][0]) for tr in troughs if np.any(peaks > tr)]
        if len(pairs) < 2:
            raise InputError(f"{name} {belt} belt shows fewer than two breaths in {start_s:.0f}-{start_s + duration_s:.0f} s")
        depth = float(np.median([smooth[p] - smooth[q] for q, p in pairs]))
        floor = float(np.median([x[q] for q, _ in pairs]))
        scaled[belt] = np.clip((x - floor) / depth, *CLIP_RANGE)
    breaths = reference_breaths(scaled["thoracic"] + scaled["abdominal"], fs_hz)
    if paradoxical:
        scaled["abdominal"] = 1.0 - scaled["abdominal"]
    chest = (1.0 - belly_share) * scaled["thoracic"]
    belly = belly_share * scaled["abdominal"]
    # the share is imposed by the scaling above (the belts are uncalibrated against each other)
    breaths = tuple(replace(b, belly_share=float(belly_share)) for b in breaths)
    rate = rate_from_breaths(breaths)
    period_s = float(np.median([b.end - b.inhale_start for b in breaths])) if breaths else 4.0
    phase = _phase_deg(scaled["thoracic"], scaled["abdominal"], fs_hz, period_s)
    label = truth_label(belly_share)
    truth = Truth(
        duration_s=float(n / fs_hz),
        rate_bpm=None if rate is None else round(rate, 4),
        breaths=breaths,
        holds=(),
        belly_share=float(belly_share),
        phase_deg=round(phase, 1),
        label=label,
        description=f"VRWi belts {name}, {start_s:.0f}-{start_s + duration_s:.0f} s",
        seed=None,
        extra={
            "holds_known": False,
            "recording": name,
            "start_s": float(start_s),
            "truth_source": "reference breath detector on the belt sum (breathcam.simulate.belts)",
            "data": "VRWi dataset, Obi & Funakoshi, ICMI 2023, CC BY-NC 4.0",
        },
    )
    t_s = np.arange(n) / fs_hz
    return Breathing(fs_hz=float(fs_hz), t_s=t_s, chest=chest, belly=belly, truth=truth)
