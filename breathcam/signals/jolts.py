"""Jolts: brief, jerky motion that is neither breathing nor a movement the person performs.

A clap at the start and end of a recording (a common sync mark), a hand passing in front of the
torso, a bumped camera: for a fraction of a second the tracked regions move by several pixels,
far more than breathing moves them, and the step they leave would otherwise pass for a breath,
a hold's end or a squat.  :func:`jolt_mask` finds them on the motion tracker's per-frame log and
:func:`mask_jolts` takes them out: their frames hold no measurement (``valid`` False) and add no
displacement, so the level on either side is kept and nothing is counted as movement.

A jolt is told by its jerkiness, not its size: breathing moves the torso smoothly (below 1 Hz,
60/min), and so do squats, bends and lifts, while a clap or a bump shakes the regions at several
hertz.  Per region (chest, belly), the displacement above ``jolt_highpass_hz`` is measured as an
RMS over ``jolt_window_s``; a frame jolts where that exceeds ``jolt_floor_ratio`` times the
region's own median (its tracking jitter: on real clips jolts reach 13-45x, breathing stays
within 2-7x) and ``jolt_min_body_fraction`` of the torso length (so that a perfectly steady
rendered clip, whose jitter floor is near zero, does not call its breathing a jolt).  Jolting
frames closer than ``jolt_merge_s`` form one jolt, widened by ``jolt_margin_s`` on each side; a
jolt longer than ``jolt_max_s`` is not brief, and is left to the movement analysis.

Where it fails: a jolt that lasts longer than ``jolt_max_s`` (fidgeting, a long reach) stays in
the traces; a slow hand that glides in front of the torso is smooth and is not masked; a clip
shorter than a few seconds has no reliable jitter floor (nothing is masked below
``jolt_min_clip_s``).
"""

from __future__ import annotations

import numpy as np

from breathcam.config import DEFAULT, MotionConfig
from breathcam.signals.filters import design_highpass, long_runs

__all__ = ["jolt_mask", "mask_jolts"]

# Running-sum columns of the tracker's log (signals.motion.MotionSample): their increments in a
# jolt are dropped.  The ``*_ok`` flags are cleared there too.
_SUMS = (
    "chest_dx", "chest_dy", "belly_dx", "belly_dy", "belly_expansion", "reference_dx", "reference_dy",
    "background_dx", "background_dy", "shoulder_dy", "chest_anchor_dy", "shoulder_anchor_dy",
)
_FLAGS = ("chest_ok", "belly_ok", "reference_ok", "background_ok", "shoulder_ok")
_REGIONS = ("chest", "belly")


def _jerk_rms(t: np.ndarray, x: np.ndarray, y: np.ndarray, *, fs_hz: float, config: MotionConfig) -> np.ndarray:
    """RMS of the 2-D displacement above ``jolt_highpass_hz`` over a centred ``jolt_window_s``,
    per frame.  Worked out on a uniform grid at ``fs_hz`` (positions interpolated linearly by the
    frame times), so dropped frames and uneven timing add no jerk of their own."""
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import sosfiltfilt

    grid = t[0] + np.arange(int(np.floor((t[-1] - t[0]) * fs_hz)) + 1) / fs_hz
    gx, gy = np.interp(grid, t, x - x[0]), np.interp(grid, t, y - y[0])
    sos = design_highpass(fs_hz=fs_hz, cutoff_hz=config.jolt_highpass_hz, order=2)
    pad = min(grid.size - 1, int(round(fs_hz / config.jolt_highpass_hz)) * 3)
    hx, hy = sosfiltfilt(sos, gx, padlen=pad), sosfiltfilt(sos, gy, padlen=pad)
    w = max(1, int(round(config.jolt_window_s * fs_hz)))
    rms = np.sqrt(np.maximum(uniform_filter1d(hx * hx + hy * hy, w, mode="nearest"), 0.0))
    return np.interp(t, grid, rms)


def jolt_mask(
    cols: dict[str, np.ndarray], *, body_px: float | None, config: MotionConfig = DEFAULT.motion
) -> np.ndarray:
    """Per frame of the tracker's log: True inside a jolt (see the module docstring)."""
    t = np.asarray(cols["t_s"], dtype=float)
    n = t.size
    out = np.zeros(n, bool)
    if n < 8 or t[-1] - t[0] < config.jolt_min_clip_s:
        return out
    fs = 1.0 / float(np.median(np.diff(t)))
    if fs <= 2.5 * config.jolt_highpass_hz:
        return out  # too few frames a second to see jerkiness above the breathing band
    absolute = config.jolt_min_body_fraction * body_px if body_px else 0.0
    for name in _REGIONS:
        ok = np.asarray(cols[f"{name}_ok"]) > 0.5
        if ok.mean() < 0.5:
            continue
        # unmeasured frames add nothing: their sums are held
        x = np.cumsum(np.where(ok, np.diff(cols[f"{name}_dx"], prepend=cols[f"{name}_dx"][0]), 0.0))
        y = np.cumsum(np.where(ok, np.diff(cols[f"{name}_dy"], prepend=cols[f"{name}_dy"][0]), 0.0))
        rms = _jerk_rms(t, x, y, fs_hz=fs, config=config)
        floor = float(np.median(rms[ok]))
        out |= rms > max(config.jolt_floor_ratio * floor, absolute)
    if not out.any():
        return out
    # join jolting frames close together, widen, and keep the brief ones
    gap = int(round(config.jolt_merge_s * fs))
    for i, j in long_runs(~out, min_len=1):
        if i > 0 and j < n and j - i <= gap:
            out[i:j] = True
    margin = int(round(config.jolt_margin_s * fs))
    brief = np.zeros(n, bool)
    for i, j in long_runs(out, min_len=1):
        if t[j - 1] - t[i] <= config.jolt_max_s:
            i, j = max(0, i - margin), min(n, j + margin)
            # a scrap of frames before the first or after the last jolt (the hand on its way to
            # clap) is too short to hold a breath: it goes with the jolt
            if t[i] - t[0] <= config.jolt_max_s:
                i = 0
            if t[-1] - t[j - 1] <= config.jolt_max_s:
                j = n
            brief[i:j] = True
    return brief


def mask_jolts(
    cols: dict[str, np.ndarray], *, body_px: float | None, config: MotionConfig = DEFAULT.motion
) -> tuple[dict[str, np.ndarray], float]:
    """The log with its jolts taken out, and the seconds masked.

    Inside a jolt every running sum stays where it was (its increments are dropped), the regions'
    ``*_ok`` flags and ``valid`` are False.  The log is returned unchanged when nothing jolts."""
    jolt = jolt_mask(cols, body_px=body_px, config=config)
    if not jolt.any():
        return cols, 0.0
    out = dict(cols)
    for name in _SUMS:
        if name in out:
            c = np.asarray(out[name], dtype=float)
            out[name] = c[0] + np.cumsum(np.where(jolt, 0.0, np.diff(c, prepend=c[0])))
    for name in _FLAGS + ("valid",):
        if name in out:
            out[name] = np.where(jolt, 0.0, out[name])
    t = np.asarray(cols["t_s"], dtype=float)
    dt = np.diff(t, append=t[-1] + float(np.median(np.diff(t))))
    return out, float(np.sum(dt[jolt]))
