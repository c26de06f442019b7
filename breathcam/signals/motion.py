"""The tracker's per-frame log -> uniformly sampled breathing motion traces (pixels, unfiltered).

:func:`traces_from_columns` (pure) turns the log of :class:`~breathcam.types.MotionSample`
(capture.tracker) into :class:`~breathcam.types.MotionTraces`; the tracker's ``traces`` and
``recent_traces`` and :func:`traces_from_samples` all come here with the same arguments, so the
live and the batch path resample alike:

1. Sway and shake: the chest's vertical increments (and a side view belly's horizontal ones) are
   offered raw, minus the background's, and minus the head's.  When the belly's expansion is
   measured (front view) it is a sway-free breathing proxy, and the chest candidate that
   correlates best with it wins (the chest, in turn, is the proxy for a side-view belly).  Without
   a proxy, the head is subtracted (scaled by the coupling) when the chest shares most of the
   head's sideways motion, where breathing seen from the front moves nothing: the upper body then
   sways as one piece.  Otherwise a correction is taken when the breathing peak holds a clearly
   larger share of the power of its positions or velocities, or an equal share of a much smaller
   power (the reference explained a sway larger than the breathing).  The front-view belly
   expansion needs no correction: translation does not change a fitted scale.  A belly box that
   pose reports mostly outside the frame is not tracked at all.
2. Resampling to ``fs_hz`` by the frame timestamps: each output sample is the mean of the linear
   interpolant between measured frames over its 1/fs window (no time shift, uneven frame times and
   dropped frames handled, frame noise averaged); gaps up to ``max_gap_s`` are filled linearly,
   longer gaps and failed tracking are ``valid`` False.  Nothing else filters the traces.
3. ``breathing``: when chest and belly move together (band-passed correlation of either sign at
   least ``min_coherent_correlation``), w_c chest + w_b belly with w_i proportional to a_i / n_i
   (maximal-ratio combining; w_c + w_b = 1 so the unit stays pixels), a_i^2 the trace's power at
   the common breathing peak, n_i all its other power (sway, steps, noise).  The common peak is
   found on the band-passed positions (velocity spectra weight frequencies by f^2 and could put it
   on a harmonic or on jitter); a_i and n_i come from velocity spectra, so holds and drift do not
   hide the peak.  The chest sets the orientation (it rises on inhale, even in paradoxical
   breathing); the belly is flipped to follow it when they correlate clearly and the chest is
   clean, else it keeps its own (expansion = inhale).  When they do not move together, only one
   of them shows the breath: the one whose breathing peak is sharper is used alone.  Weights and
   choices are made once per call over the whole trace.

Where it fails:

- Head reference: nodding, talking, turning the head move it without the body; the choice then
  keeps the raw trace.  Without a usable belly proxy (side view, belly out of frame or untracked)
  the choice rests on the sideways coupling or on spectral concentration, which can take a head
  that nods at the breathing rate, or one that rises with the breath.  When the head both sways and rises with
  the breath, its breathing part is subtracted with the sway and the chest reads smaller (0.6x with
  a head rising 0.4x as much).
- A belly box on something that does not breathe (a blanket, clothing folds) makes a poor proxy:
  the chest then keeps its sway; if the belly still correlates with the chest it is mixed in by
  its weight.
- Background reference: a moving background (people, screens, a fan) or a torso filling the frame
  (the strips then hold the arms) make it move with something other than the camera.
- Sway with no head in frame cannot be told from breathing along the same axis (vertical bobbing in
  the chest trace, forward rocking in a side view belly trace).
- The side-view belly's orientation comes from its correlation with the chest, or else from the
  facing the locator found (pose's nose or shoulders, the outline's breathing edge) or where the
  head sits: a side view of paradoxical breathing reads as normal breathing.
- Posture changes remain as steps (the signal core band-passes them away).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Sequence

import numpy as np

from breathcam.config import DEFAULT, MotionConfig, MovementConfig
from breathcam.signals.filters import band
from breathcam.signals.jolts import mask_jolts
from breathcam.signals.movement import body_reference, moving_mask, stabilise_columns
from breathcam.types import InputError, MotionSample, MotionTraces, ParameterError

__all__ = ["traces_from_columns", "traces_from_samples", "columns_from_samples", "samples_from_columns", "FIELDS", "METHODS", "VIEWS"]

# Codes for the string fields of a sample inside the column log.
METHODS = ("none", "pose", "motion")
VIEWS = ("unknown", "front", "side")
# The log's columns: one per field of MotionSample.
FIELDS = tuple(f.name for f in fields(MotionSample))


def samples_from_columns(cols: dict[str, np.ndarray]) -> list[MotionSample]:
    out = []
    for k in range(len(cols["t_s"])):
        values = {}
        for f in fields(MotionSample):
            v = cols[f.name][k]
            if f.name == "method":
                values[f.name] = METHODS[int(v)]
            elif f.name == "view":
                values[f.name] = VIEWS[int(v)]
            elif f.type == "bool":
                values[f.name] = bool(v)
            else:
                values[f.name] = float(v)
        out.append(MotionSample(**values))
    return out


def columns_from_samples(samples: Sequence[MotionSample]) -> dict[str, np.ndarray]:
    cols = {}
    for name in FIELDS:
        if name == "method":
            cols[name] = np.array([METHODS.index(s.method) if s.method in METHODS else 0 for s in samples], float)
        elif name == "view":
            cols[name] = np.array([VIEWS.index(s.view) if s.view in VIEWS else 0 for s in samples], float)
        else:
            cols[name] = np.array([float(getattr(s, name)) for s in samples], float)
    return cols


# ---------------------------------------------------------------------------------------------
# samples -> traces
# ---------------------------------------------------------------------------------------------


def traces_from_samples(
    samples: Sequence[MotionSample],
    *,
    fs_hz: float | None = None,
    config: MotionConfig = DEFAULT.motion,
    movement: MovementConfig = DEFAULT.movement,
) -> MotionTraces:
    """Resample motion samples to uniform traces: sway-corrected, combined, ``valid`` marked.

    Pure: the same samples give the same traces.  ``fs_hz`` defaults to ``config.fs_hz``.
    """
    return traces_from_columns(columns_from_samples(samples), fs_hz=fs_hz or config.fs_hz, config=config, movement=movement)


def traces_from_columns(
    cols: dict[str, np.ndarray],
    *,
    fs_hz: float,
    config: MotionConfig = DEFAULT.motion,
    movement: MovementConfig = DEFAULT.movement,
) -> MotionTraces:
    """The traces of a log of samples held as columns (one array per field of MotionSample, its
    string fields coded by METHODS and VIEWS): the batch and the live path both come here."""
    if fs_hz <= 0:
        raise ParameterError(f"fs_hz must be positive, got {fs_hz}")
    t = cols["t_s"]
    n = len(t)
    method_codes = cols["method"].astype(int)
    n_pose = int(np.sum(method_codes == METHODS.index("pose")))
    n_motion = int(np.sum(method_codes == METHODS.index("motion")))
    pose_found = n_pose / n if n else 0.0
    # "motion" also when no frame had regions: nothing came from pose
    method = "mixed" if n_pose and n_motion else "pose" if n_pose else "motion"
    view_codes = cols["view"].astype(int)[method_codes != 0]
    view = VIEWS[int(np.bincount(view_codes, minlength=len(VIEWS)).argmax())] if len(view_codes) else "unknown"
    valid = cols["valid"] > 0.5
    sized = cols["torso_px"][cols["torso_px"] > 0] if "torso_px" in cols else np.zeros(0)
    body_px = float(np.median(sized)) if len(sized) else None
    arms_fraction = float(np.mean(cols["arms_on_torso"])) if n and "arms_on_torso" in cols else 0.0
    if n and np.any(np.diff(t) <= 0):
        raise InputError("motion samples must have increasing times")
    notes: list[str] = []
    # jolts (a clap, a hand passing, a bumped camera) hold no measurement
    cols, jolt_s = mask_jolts(cols, body_px=body_px, config=config)
    if jolt_s > 0:
        notes.append(f"{jolt_s:.1f} s of sudden motion (a clap, a hand, a bumped camera) left out")
        valid = cols["valid"] > 0.5
    if valid.sum() < 2:
        empty = np.zeros(0)
        return MotionTraces(
            fs_hz=fs_hz, t_s=empty, breathing=empty, chest=empty, belly=empty, valid=np.zeros(0, bool),
            pose_found=pose_found, method=method, view=view,
            notes=("no torso motion could be measured",), body_px=body_px,
        )

    t_out = _grid(t, fs_hz)
    # whole-body movement (squats, lifting) out of the breathing measurements first
    raw_cols = cols
    cols, body_ref, move_notes = stabilise_columns(cols, body_px=body_px, config=movement)
    notes += move_notes

    def inc(name: str) -> np.ndarray:
        return np.diff(cols[name], prepend=cols[name][0])

    ref_ok = cols["reference_ok"] > 0.5
    bg_ok = cols["background_ok"] > 0.5
    side = cols["view"].astype(int) == VIEWS.index("side")

    # the front-view belly expansion ignores translation: a sway-free breathing proxy for the chest
    proxy = None
    if (~side & (cols["belly_ok"] > 0.5))[valid].mean() >= config.min_reference_fraction:
        expansion = np.cumsum(np.where(side, 0.0, inc("belly_expansion")))
        proxy, _ = _resample(t, expansion, valid, t_out, fs_hz=fs_hz, config=config)
    # chest: upward motion, sway/shake correction chosen by breathing quality
    coupling = _rigid_coupling(inc("chest_dx"), inc("reference_dx"), valid & ref_ok & (cols["chest_ok"] > 0.5))
    if proxy is None and coupling >= config.min_rigid_coupling:
        # No sway-free proxy to judge by, but the head follows the chest sideways, where breathing
        # seen from the front moves nothing: the upper body sways as one piece, so the head's
        # vertical motion (scaled by that coupling) is the sway to remove.
        chest_inc = np.where(ref_ok, -inc("chest_dy") + coupling * inc("reference_dy"), -inc("chest_dy"))
        chest_ref = "head"
        shoulder_inc = np.where(ref_ok, -inc("shoulder_dy") + coupling * inc("reference_dy"), -inc("shoulder_dy"))
    else:
        chest_inc, chest_ref = _choose_correction(
            -inc("chest_dy"), [("background", -inc("background_dy"), bg_ok), ("head", -inc("reference_dy"), ref_ok)],
            proxy=proxy, t=t, valid=valid, t_out=t_out, fs_hz=fs_hz, config=config,
        )
        # the shoulders get the chest's correction (they sit on the same upper body)
        ref_inc, ref_ok_k = {
            "background": (-inc("background_dy"), bg_ok), "head": (-inc("reference_dy"), ref_ok)
        }.get(chest_ref, (0.0 * t, np.zeros(n, bool)))
        shoulder_inc = np.where(ref_ok_k, -inc("shoulder_dy") - ref_inc, -inc("shoulder_dy"))
    chest_u, valid_u = _resample(t, np.cumsum(chest_inc), valid, t_out, fs_hz=fs_hz, config=config)
    shoulder_u = None
    shoulder_ok = cols["shoulder_ok"] > 0.5
    if shoulder_ok[valid].mean() >= config.min_reference_fraction:
        shoulder_u, _ = _resample(t, np.cumsum(np.where(shoulder_ok, shoulder_inc, 0.0)), valid, t_out, fs_hz=fs_hz, config=config)
    # belly: expansion (front/unknown view), horizontal motion (side view, orientation below)
    belly_dx_inc, belly_ref = (inc("belly_dx"), "none")
    if side.any():
        belly_dx_inc, belly_ref = _choose_correction(
            inc("belly_dx"), [("background", inc("background_dx"), bg_ok), ("head", inc("reference_dx"), ref_ok)],
            proxy=chest_u, t=t, valid=valid & side, t_out=t_out, fs_hz=fs_hz, config=config,
        )
    sign_side = 1.0
    if side.any():
        side_u, _ = _resample(t, np.cumsum(np.where(side, belly_dx_inc, 0.0)), valid, t_out, fs_hz=fs_hz, config=config)
        r = _band_correlation(side_u, chest_u, valid_u, fs_hz=fs_hz, config=config)
        if r is not None and abs(r) >= config.min_sign_correlation:
            sign_side = float(np.sign(r))
            notes.append("side view: belly orientation taken from its correlation with the chest")
        else:
            facing = cols["facing"][side]
            sign_side = float(np.sign(facing.sum())) or 1.0
            notes.append("side view: belly orientation from the facing direction (uncertain)")
    belly_inc = np.where(side, sign_side * belly_dx_inc, inc("belly_expansion"))
    # physical orientation of the belly trace for the pattern (forward / outward = +): the front
    # view's expansion is physical; a side view's needs the facing direction (capture.tracker._facing)
    forward_sign = 1.0
    if view == "side":
        facing_sum = float(cols["facing"][side].sum()) if side.any() else 0.0
        forward_sign = float(np.sign(facing_sum)) * sign_side
    belly_u, _ = _resample(t, np.cumsum(belly_inc), valid, t_out, fs_hz=fs_hz, config=config)

    if chest_ref != "none":
        notes.append(f"chest sway removed with the {chest_ref} as reference")
    if belly_ref != "none":
        notes.append(f"belly sway removed with the {belly_ref} as reference")

    measured = (float(np.mean(cols["chest_ok"][valid])), float(np.mean(cols["belly_ok"][valid])))
    breathing, combine_notes = _combine(chest_u, belly_u, valid_u, measured=measured, fs_hz=fs_hz, config=config)
    notes += combine_notes
    lost = 1.0 - float(valid_u.mean()) if len(valid_u) else 1.0
    if lost > 0.1:
        notes.append(f"torso motion not measured for {100 * lost:.0f}% of the clip")
    return MotionTraces(
        fs_hz=float(fs_hz),
        t_s=t_out,
        breathing=breathing,
        chest=chest_u,
        belly=belly_u,
        valid=valid_u,
        pose_found=float(pose_found),
        method=method,
        view=view,
        notes=tuple(notes),
        shoulder=shoulder_u,
        chest_measured=measured[0],
        belly_measured=measured[1],
        belly_forward_sign=forward_sign,
        arms_on_torso=float(arms_fraction),
        body_px=body_px,
        **_body_traces(raw_cols, body_ref, valid, t_out, fs_hz=fs_hz, config=config, movement=movement),
    )


def _body_traces(
    cols: dict[str, np.ndarray], body_ref: str | None, valid: np.ndarray, t_out: np.ndarray, *,
    fs_hz: float, config: MotionConfig, movement: MovementConfig,
) -> dict:
    """The body reference's position and where it moves, on the output grid (empty when still)."""
    if body_ref is None:
        return {}
    ref = body_reference(cols, config=movement)
    if ref is None:
        return {}
    body, _ = _resample(cols["t_s"], ref[1], valid, t_out, fs_hz=fs_hz, config=config)
    return {"body": body, "moving": moving_mask(body, fs_hz=fs_hz, config=movement), "body_reference": body_ref}


def _grid(t: np.ndarray, fs_hz: float) -> np.ndarray:
    """Multiples of 1/fs from the first to the last frame time."""
    k0 = int(np.ceil(t[0] * fs_hz - 1e-9))
    k1 = int(np.floor(t[-1] * fs_hz + 1e-9))
    return np.arange(k0, k1 + 1) / fs_hz


def _resample(
    t: np.ndarray, x: np.ndarray, valid: np.ndarray, t_out: np.ndarray, *, fs_hz: float, config: MotionConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the linear interpolant through the valid frames over each output window.

    Each output sample at t averages the piecewise-linear curve through (t_k, x_k) over
    [t - h, t + h] with h = 1/(2 fs), narrowed at the ends of the measured span: centred (no
    delay), exact for uneven frame times, and it averages the several frames that fall in one
    window (a box filter 1/fs wide: 0.98 gain at 1 Hz, so the breathing band is untouched).
    Output samples in gaps longer than ``max_gap_s`` between valid frames, or outside the measured
    span, are invalid.
    """
    tv, xv = t[valid], x[valid]
    if len(tv) == 0:
        return np.zeros(len(t_out)), np.zeros(len(t_out), bool)
    if len(tv) == 1:
        return np.full(len(t_out), xv[0]), np.abs(t_out - tv[0]) <= 1e-9
    h = 0.5 / fs_hz
    seg_dt = np.diff(tv)
    slope = np.diff(xv) / seg_dt
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (xv[1:] + xv[:-1]) * seg_dt)])

    def integral(e: np.ndarray) -> np.ndarray:
        e = np.clip(e, tv[0], tv[-1])
        k = np.clip(np.searchsorted(tv, e, side="right") - 1, 0, len(tv) - 2)
        u = e - tv[k]
        return cum[k] + xv[k] * u + 0.5 * slope[k] * u * u

    # near the ends of the measured span the window shrinks symmetrically, so it stays centred
    half = np.clip(np.minimum(h, np.minimum(t_out - tv[0], tv[-1] - t_out)), 0.0, None)
    lo, hi = t_out - half, t_out + half
    width = hi - lo
    point = np.interp(t_out, tv, xv)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(width > 1e-9, (integral(hi) - integral(lo)) / np.where(width > 1e-9, width, 1.0), point)
    # the valid frames either side of each output time; one lying on a frame is measured
    before = np.clip(np.searchsorted(tv, t_out + 1e-9, side="right") - 1, 0, len(tv) - 1)
    after = np.clip(np.searchsorted(tv, t_out - 1e-9, side="left"), 0, len(tv) - 1)
    inside = (t_out >= tv[0] - 1e-9) & (t_out <= tv[-1] + 1e-9)
    ok = inside & (tv[after] - tv[before] <= config.max_gap_s + 1e-9)
    return y, ok


def _spectrum(x: np.ndarray, *, fs_hz: float, config: MotionConfig) -> tuple[np.ndarray, np.ndarray] | None:
    from scipy.signal import welch

    if len(x) < config.min_quality_s * fs_hz:
        return None
    nper = int(min(len(x), config.quality_window_s * fs_hz))
    f, p = welch(x, fs=fs_hz, nperseg=nper, detrend="linear")
    return f, p


def _concentration(x: np.ndarray, *, fs_hz: float, config: MotionConfig) -> tuple[float, float] | None:
    """(share of the trace's power in its breathing peak, total power).

    The peak is the largest in the breathing band, +- ``peak_halfwidth_hz``; the total covers
    every frequency above 0 (after Welch's linear detrending).
    """
    spec = _spectrum(x, fs_hz=fs_hz, config=config)
    if spec is None:
        return None
    f, p = spec
    band = (f >= config.band_low_hz) & (f <= config.band_high_hz)
    if not band.any():
        return None
    total = float(np.sum(p[f > 0]))
    if total <= 0:
        return 0.0, 0.0
    f_peak = f[band][np.argmax(p[band])]
    peak = float(np.sum(p[np.abs(f - f_peak) <= config.peak_halfwidth_hz]))
    return peak / total, total


def _choose_correction(
    raw_inc: np.ndarray,
    options: list[tuple[str, np.ndarray, np.ndarray]],
    *,
    proxy: np.ndarray | None,
    t: np.ndarray,
    valid: np.ndarray,
    t_out: np.ndarray,
    fs_hz: float,
    config: MotionConfig,
) -> tuple[np.ndarray, str]:
    """Per-frame increments, raw or minus a reference (sway, shake), and the reference's name.

    With a sway-free breathing proxy (the front-view belly expansion for the chest; the chest for a
    side-view belly), the candidate that follows it best wins: its band-passed correlation must
    leave less unexplained (1 - r^2) by ``correction_gain`` than the current choice.  Phase lag
    and paradoxical breathing lower every candidate's correlation alike; a swaying trace, or one
    with a nodding head subtracted, follows the proxy less.  A head that rises with the breath
    gives a tie and is not subtracted.  When the proxy follows none of them (|r| below
    ``min_proxy_correlation``) or there is none, a correction wins when the breathing peak holds
    a clearly larger share of the power of its positions or of its velocities (and neither gets
    clearly worse), or an equal share of at most ``max_corrected_power`` of the power (the
    reference explained a sway larger than the breathing).
    """
    if valid.sum() < 2:
        return raw_inc, "none"
    cands = [("none", raw_inc)]
    for name, ref_inc, ok in options:
        if ok[valid].mean() >= config.min_reference_fraction:
            # where the reference was not measured on a frame, that frame's increment stays raw
            cands.append((name, np.where(ok, raw_inc - ref_inc, raw_inc)))
    if len(cands) == 1:
        return raw_inc, "none"
    traces = [_resample(t, np.cumsum(inc), valid, t_out, fs_hz=fs_hz, config=config) for _, inc in cands]
    if proxy is not None:
        rs = [_band_correlation(tr, proxy, ok_u, fs_hz=fs_hz, config=config) for tr, ok_u in traces]
        if all(r is not None for r in rs) and max(abs(r) for r in rs) >= config.min_proxy_correlation:
            best = 0
            for k in range(1, len(cands)):
                if (1 - rs[k] ** 2) * config.correction_gain < 1 - rs[best] ** 2:
                    best = k
            return cands[best][1], cands[best][0]
    # judged on the positions and on the velocities: a slow sway shows in the first, a hold or a
    # drift can own its lowest frequencies, and camera shake (fast, small) only shows in the second
    quality = [
        (_concentration(tr, fs_hz=fs_hz, config=config), _concentration(np.diff(tr), fs_hz=fs_hz, config=config))
        for tr, _ in traces
    ]
    if quality[0][0] is None or quality[0][1] is None:
        return raw_inc, "none"
    g = config.correction_gain
    best = 0
    for k in range(1, len(cands)):
        (qp, qv), (bp, bv) = quality[k], quality[best]
        if qp is None or qv is None:
            continue
        not_worse = qp[0] * g >= bp[0] and qv[0] * g >= bv[0]
        cleaner = qp[0] > g * bp[0] or qv[0] > g * bv[0]
        explained = qp[1] <= config.max_corrected_power * bp[1]
        if not_worse and (cleaner or explained):
            best = k
    return cands[best][1], cands[best][0]


def _rigid_coupling(chest_dx_inc: np.ndarray, head_dx_inc: np.ndarray, both: np.ndarray) -> float:
    """How much of the head's sideways motion the chest shares (least-squares slope, 0..1).

    Near 1 when the upper body sways or the camera shakes as one piece; near 0 when the head moves
    on its own (nodding, talking) or nothing moves but tracking noise.
    """
    c, h = chest_dx_inc[both], head_dx_inc[both]
    den = float(np.dot(h, h))
    if len(h) < 2 or den <= 0:
        return 0.0
    return float(np.clip(np.dot(c, h) / den, 0.0, 1.0))


def _bandpass(x: np.ndarray, *, fs_hz: float, config: MotionConfig) -> np.ndarray:
    return band(x, fs_hz=fs_hz, low_hz=config.band_low_hz, high_hz=config.band_high_hz, order=2, demean=True)


def _band_correlation(
    a: np.ndarray, b: np.ndarray, valid: np.ndarray, *, fs_hz: float, config: MotionConfig
) -> float | None:
    """Correlation of the band-passed traces over the valid samples (None when too short)."""
    if len(a) < config.min_quality_s * fs_hz:
        return None
    return _correlation(
        _bandpass(a, fs_hz=fs_hz, config=config), _bandpass(b, fs_hz=fs_hz, config=config), valid, fs_hz=fs_hz, config=config
    )


def _correlation(fa: np.ndarray, fb: np.ndarray, valid: np.ndarray, *, fs_hz: float, config: MotionConfig) -> float | None:
    """Correlation of two already band-passed traces over the valid samples (None when too few)."""
    if valid.sum() < config.min_quality_s * fs_hz:
        return None
    fa, fb = fa[valid], fb[valid]
    den = float(np.sqrt(np.sum(fa * fa) * np.sum(fb * fb)))
    return float(np.sum(fa * fb) / den) if den > 0 else None


def _breathing_peak(spectra: list[tuple[np.ndarray, np.ndarray]], *, config: MotionConfig) -> float:
    """Frequency of the common breathing peak: the largest in-band peak of the traces' spectra,
    each normalised to its total power (so a strongly swaying trace cannot impose its sway)."""
    f = spectra[0][0]
    total = sum(p / max(float(np.sum(p[f > 0])), 1e-30) for _, p in spectra)
    band = (f >= config.band_low_hz) & (f <= config.band_high_hz)
    return float(f[band][np.argmax(total[band])])


def _breathing_snr(
    spectrum: tuple[np.ndarray, np.ndarray], f_peak: float, *, fs_hz: float, config: MotionConfig
) -> tuple[float, float]:
    """(breathing amplitude, disturbance power) of one trace.

    Breathing is the power within ``peak_halfwidth_hz`` of the common peak; the disturbance is all
    the rest (sway, drift steps, talking, tracking noise), at least the white-noise floor measured
    above ``noise_low_hz`` spread over the breathing band.  On velocity spectra (as used) the
    amplitude is scaled by the same 2 pi f_peak for every trace, and the disturbance by f^2: slow
    drift and holds count less than jitter.
    """
    f, p = spectrum
    df = f[1] - f[0]
    near = np.abs(f - f_peak) <= config.peak_halfwidth_hz
    peak = float(np.sum(p[near])) * df
    rest = float(np.sum(p[(f > 0) & ~near])) * df
    hf = (f >= config.noise_low_hz) & (f <= 0.9 * fs_hz / 2)
    floor = float(np.median(p[hf])) * (config.band_high_hz - config.band_low_hz) if hf.any() else 0.0
    return float(np.sqrt(peak)), max(rest, floor, 1e-12)


def _combine(
    chest: np.ndarray,
    belly: np.ndarray,
    valid: np.ndarray,
    *,
    measured: tuple[float, float],
    fs_hz: float,
    config: MotionConfig,
) -> tuple[np.ndarray, list[str]]:
    """breathing = w_c chest + w_b sign * belly, weights from breathing SNR, sign from the chest;
    the sharper region alone when chest and belly do not move together.

    ``measured`` is the fraction of valid frames on which chest and belly were tracked: a region
    never tracked gets no weight.  Too short for spectra: equal weights, physical orientations.
    """
    notes: list[str] = []
    if not measured[1]:
        return chest.copy(), ["belly not tracked: breathing trace from the chest only"]
    if not measured[0]:
        return belly.copy(), ["chest not tracked: breathing trace from the belly only"]
    # Spectra of the velocities, not the positions: holds, posture drift and slow sway pile up power
    # at the lowest frequencies of a position spectrum (1/f^2) and would hide the breathing peak.
    spec_c = _spectrum(np.diff(chest), fs_hz=fs_hz, config=config)
    spec_b = _spectrum(np.diff(belly), fs_hz=fs_hz, config=config)
    if spec_c is None or spec_b is None:
        return 0.5 * (chest + belly), notes
    band_c, band_b = (_bandpass(x, fs_hz=fs_hz, config=config) for x in (chest, belly))
    r = _correlation(band_c, band_b, valid, fs_hz=fs_hz, config=config)
    if r is None or abs(r) < config.min_coherent_correlation:
        # Chest and belly do not move together: at most one of them shows the breath (a belly box
        # on clothing folds or off the picture, an arm across one region).  Mixing them would let
        # the noisy one set the common peak; keep the one whose breathing peak is sharper.
        qc = _concentration(np.diff(chest), fs_hz=fs_hz, config=config)
        qb = _concentration(np.diff(belly), fs_hz=fs_hz, config=config)
        if qc is not None and qb is not None and qb[0] > qc[0]:
            return belly.copy(), ["chest and belly disagree: breathing trace from the belly only"]
        return chest.copy(), ["chest and belly disagree: breathing trace from the chest only"]
    # The common peak is found on the band-passed positions: velocity spectra weight frequencies by
    # f^2, so the harmonics of sharp breaths and tracking jitter could outweigh a slow breath there.
    f_peak = _breathing_peak([_spectrum(x, fs_hz=fs_hz, config=config) for x in (band_c, band_b)], config=config)
    ac, nc = _breathing_snr(spec_c, f_peak, fs_hz=fs_hz, config=config)
    ab, nb = _breathing_snr(spec_b, f_peak, fs_hz=fs_hz, config=config)
    wc, wb = ac / nc, ab / nb  # maximal-ratio combining: amplitude / disturbance power
    if wc + wb <= 0:
        return 0.5 * (chest + belly), ["no breathing motion found in chest or belly"]
    wc, wb = wc / (wc + wb), wb / (wc + wb)
    sign = 1.0
    chest_snr = ac * ac / nc
    if r is not None and chest_snr >= config.min_orientation_snr and abs(r) >= config.min_sign_correlation and r < 0:
        sign = -1.0
        notes.append("belly moves against the chest (paradoxical breathing or a misplaced belly region)")
    return wc * chest + sign * wb * belly, notes
