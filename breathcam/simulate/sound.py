"""Seeded breath sounds with exact truth: airflow noise, heart sounds, and background noise at an SNR.

The breathing schedule (and so the truth) comes from :func:`breathcam.simulate.waveform.simulate_breathing`;
the sound is turbulence noise (band-limited 150-1500 Hz) whose amplitude follows the airflow (the
lung volume's speed), louder on the inhale than on the exhale as at a chest microphone
(``exhale_gain``).  Optional heart sounds (S1 and S2: 100 ms thumps at 40 and 55 Hz, as a contact
microphone hears them) and background noise: ``"white"``, ``"fan"`` (pink-ish noise with a 100 Hz hum
and harmonics) or ``"traffic"`` (low-frequency rumble whose level drifts over tens of seconds).
The SNR is breath-sound power over noise power across the whole recording.

:func:`simulate_air_sound` is an air microphone (a laptop's) in front of quiet nose breathing:
the exhale louder and lower than the inhale, turbulence growing faster than the flow, the room's
reverberation growing with distance, and a background of room tone, a desk fan (broadband air,
blade-pass tones, hum) or speech nearby (voiced bursts chopped into syllables), at a given SNR.

:func:`breath_sound` makes the same sound for any given breathing (the one a clip was rendered from),
and :class:`SoundTrack` asks ``render_clip`` for it as the clip's sound track.

>>> s = simulate_sound(duration_s=30, rate_bpm=12, seed=1)
>>> s.fs_hz, s.samples.dtype.name, round(s.truth.rate_bpm)
(8000.0, 'float32', 12)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from breathcam.simulate.waveform import Breathing, Truth, simulate_breathing
from breathcam.types import ParameterError

NOISES = ("white", "fan", "traffic")
# Turbulent airflow sound band at the chest (tracheal/vesicular sounds: most energy 150-1500 Hz).
BREATH_BAND_HZ = (150.0, 1500.0)
# Heart sounds as a contact microphone hears them: S1 and S2 are thumps of about 100 ms whose
# energy lies mostly below 100 Hz (S1 around 40 Hz, S2 a little higher); only their upper edge
# reaches the breath bands (100 Hz up).
HEART_S1_HZ = 40.0
HEART_S2_HZ = 55.0
HEART_SOUND_S = 0.1
# Waveform sampling used to derive the airflow (fast enough for the sharpest inhale onset).
_WAVE_HZ = 100.0


@dataclass(frozen=True)
class SimulatedSound:
    samples: np.ndarray  # mono float32, peak 0.5
    fs_hz: float
    truth: Truth


def _band_noise(n: int, *, fs_hz: float, band_hz: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    sos = signal.butter(4, band_hz, btype="bandpass", output="sos", fs=fs_hz)
    y = signal.sosfilt(sos, rng.standard_normal(n))
    return y / (np.std(y) or 1.0)


def _heart(n: int, *, fs_hz: float, bpm: float, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    t = np.arange(int(HEART_SOUND_S * fs_hz)) / fs_hz
    beat = 60.0 / bpm
    k = rng.uniform(0, beat)
    while k < n / fs_hz:
        for delay, f, amp in ((0.0, HEART_S1_HZ, 1.0), (0.3, HEART_S2_HZ, 0.7)):  # S1, then S2 300 ms later
            i = int((k + delay) * fs_hz)
            burst = amp * np.sin(2 * np.pi * f * t) * np.hanning(t.size)
            j = min(n, i + t.size)
            if i < n:
                out[i:j] += burst[: j - i]
        k += beat * float(np.exp(0.03 * rng.standard_normal()))
    return out


def _noise(kind: str, n: int, *, fs_hz: float, rng: np.random.Generator) -> np.ndarray:
    if kind == "white":
        y = rng.standard_normal(n)
    elif kind == "fan":
        y = signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(n))  # pinkish broadband air noise
        t = np.arange(n) / fs_hz
        hum = sum(np.sin(2 * np.pi * 100.0 * h * t + rng.uniform(0, 6.3)) / h for h in (1, 2, 3))
        y = y / np.std(y) + 0.5 * hum
    elif kind == "traffic":
        y = signal.lfilter([1.0], [1.0, -0.995], rng.standard_normal(n))  # rumble
        y = signal.sosfilt(signal.butter(2, 30.0, btype="highpass", output="sos", fs=fs_hz), y)
        t = np.arange(n) / fs_hz
        y = y / np.std(y) * (1.0 + 0.5 * np.sin(2 * np.pi * t / 23.0 + rng.uniform(0, 6.3)))
    else:
        raise ParameterError(f"noise must be one of {', '.join(NOISES)}, not {kind!r}")
    return y / (np.std(y) or 1.0)


@dataclass(frozen=True)
class SoundTrack:
    """A breath-sound track for a rendered clip (``render_clip(..., sound=SoundTrack())``): made by
    :func:`breath_sound` from the clip's own breathing, so the sound and the picture share one truth.
    The fields are those of :func:`breath_sound`; 16 kHz is a phone or webcam microphone's rate."""

    snr_db: float | None = 20.0
    noise: str = "white"
    heart_bpm: float | None = None
    heart_gain: float = 2.0
    exhale_gain: float = 0.5
    fs_hz: float = 16000.0


def simulate_sound(
    *,
    duration_s: float = 60.0,
    rate_bpm: float = 12.0,
    fs_hz: float = 8000.0,
    snr_db: float | None = None,
    noise: str = "white",
    heart_bpm: float | None = None,
    heart_gain: float = 2.0,
    exhale_gain: float = 0.5,
    irregularity: float = 0.0,
    paced: str | tuple[float, float, float, float] | None = None,
    holds=(),
    seed: int = 0,
) -> SimulatedSound:
    """A breathing recording with exact truth.

    snr_db: breath sound over background noise (None: no noise but a -60 dB floor); heart_bpm:
    add heart sounds at this rate, ``heart_gain`` times the breath sound's rms (contact
    microphones hear the heart louder than the breath); exhale_gain: the exhale's loudness relative
    to the inhale's; the rest as in simulate_breathing.
    """
    if fs_hz < 1000:
        raise ParameterError(f"fs_hz must be at least 1000 for breath sounds, not {fs_hz}")
    b = simulate_breathing(
        duration_s=duration_s, fs_hz=_WAVE_HZ, rate_bpm=rate_bpm, irregularity=irregularity, paced=paced, holds=holds, seed=seed
    )
    return breath_sound(b, fs_hz=fs_hz, snr_db=snr_db, noise=noise, heart_bpm=heart_bpm, heart_gain=heart_gain,
                        exhale_gain=exhale_gain, seed=seed)


def breath_sound(
    breathing: Breathing,
    *,
    fs_hz: float = 8000.0,
    snr_db: float | None = None,
    noise: str = "white",
    heart_bpm: float | None = None,
    heart_gain: float = 2.0,
    exhale_gain: float = 0.5,
    seed: int = 0,
) -> SimulatedSound:
    """The breath sounds of ``breathing`` (any :class:`~breathcam.simulate.waveform.Breathing`: the
    one a clip was rendered from, a belt recording's), lasting its truth's duration; parameters as in
    :func:`simulate_sound`.  Holds and pauses are silent: the sound follows the airflow."""
    if fs_hz < 1000:
        raise ParameterError(f"fs_hz must be at least 1000 for breath sounds, not {fs_hz}")
    rng = np.random.default_rng(seed)
    b = breathing
    flow = np.gradient(b.volume) * b.fs_hz
    amp = np.where(flow > 0, flow, -exhale_gain * flow)
    amp = amp / (np.percentile(amp, 99) or 1.0)
    n = int(round(b.truth.duration_s * fs_hz))
    t = np.arange(n) / fs_hz
    env = np.interp(t, b.t_s, amp)
    breath = env * _band_noise(n, fs_hz=fs_hz, band_hz=BREATH_BAND_HZ, rng=rng)
    p_breath = float(np.mean(breath**2)) or 1.0
    x = breath.copy()
    if heart_bpm is not None:
        h = _heart(n, fs_hz=fs_hz, bpm=heart_bpm, rng=rng)
        x += h * np.sqrt(p_breath / (np.mean(h**2) or 1.0)) * heart_gain
    if snr_db is not None:
        nz = _noise(noise, n, fs_hz=fs_hz, rng=rng)
        x += nz * np.sqrt(p_breath / 10.0 ** (snr_db / 10.0))
    else:
        x += 1e-3 * np.sqrt(p_breath) * rng.standard_normal(n)
    x = 0.5 * x / (np.max(np.abs(x)) or 1.0)
    return SimulatedSound(samples=x.astype(np.float32), fs_hz=float(fs_hz), truth=b.truth)


# --- the air microphone: a laptop's or webcam's microphone in front of a person breathing ------

AIR_CONDITIONS = ("quiet", "fan", "speech", "far")
# Nose breathing heard through the air: turbulence at the nostrils, higher than at the chest.
# The exhale carries more sound forward than the inhale (it blows toward the microphone), and the
# inhale is a little higher-pitched (narrow nostrils).
AIR_INHALE_BAND_HZ = (700.0, 3500.0)
AIR_EXHALE_BAND_HZ = (350.0, 2500.0)
# Reference distance (m): the SNR given is the one at this distance.
AIR_REFERENCE_M = 0.5
# Room: the reverberation's decay (RT60, s) of a furnished room, and its critical distance (m),
# where the reverberant sound is as loud as the direct one.
AIR_RT60_S = 0.4
AIR_CRITICAL_M = 0.8


def _room_tone(n: int, *, fs_hz: float, rng: np.random.Generator) -> np.ndarray:
    """A quiet room: brown-ish rumble plus a faint hiss (the microphone's own noise)."""
    y = signal.lfilter([1.0], [1.0, -0.98], rng.standard_normal(n))
    y = signal.sosfilt(signal.butter(2, 40.0, btype="highpass", output="sos", fs=fs_hz), y)
    y = y / (np.std(y) or 1.0) + 0.3 * rng.standard_normal(n)
    return y / (np.std(y) or 1.0)


def _fan(n: int, *, fs_hz: float, rng: np.random.Generator) -> np.ndarray:
    """A desk fan: broadband air noise shaped like pink noise, a motor hum, and the blade-pass
    tone (blades x rotation) with harmonics; steady, with a slight wobble of its level."""
    t = np.arange(n) / fs_hz
    air = signal.lfilter([1.0], [1.0, -0.95], rng.standard_normal(n))
    air = air / (np.std(air) or 1.0)
    blade = rng.uniform(40.0, 70.0)
    tones = sum(np.sin(2 * np.pi * blade * h * t + rng.uniform(0, 6.3)) / h for h in (1, 2, 3, 4))
    hum = np.sin(2 * np.pi * 100.0 * t + rng.uniform(0, 6.3))
    wobble = 1.0 + 0.05 * np.sin(2 * np.pi * t / rng.uniform(3.0, 8.0))
    y = (air + 0.4 * tones + 0.3 * hum) * wobble
    return y / (np.std(y) or 1.0)


def _speech(n: int, *, fs_hz: float, rng: np.random.Generator, share: float = 0.25) -> np.ndarray:
    """Speech nearby: bursts of 1-4 s (about ``share`` of the time) of voiced sound (a wandering
    pitch of 100-220 Hz with harmonics, formant-like band-pass) chopped into syllables at 3-6 Hz."""
    t = np.arange(n) / fs_hz
    out = np.zeros(n)
    dur = n / fs_hz
    k = rng.uniform(0.0, 3.0)
    while k < dur:
        length = rng.uniform(1.0, 4.0)
        i, j = int(k * fs_hz), min(n, int((k + length) * fs_hz))
        if j - i > 16:
            tt = t[i:j] - t[i]
            f0 = rng.uniform(100.0, 220.0) * (1.0 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * tt))
            ph = 2 * np.pi * np.cumsum(f0) / fs_hz
            voiced = sum(np.sin(h * ph) / h for h in range(1, 16) if h * 220.0 < 0.45 * fs_hz)
            syl = rng.uniform(3.0, 6.0)
            env = np.clip(np.sin(np.pi * syl * tt + rng.uniform(0, 3.1)), 0.0, None) ** 0.5
            env *= np.hanning(j - i) ** 0.2
            out[i:j] += voiced * env
        k += length / share * rng.uniform(0.6, 1.4)
    lo, hi = 120.0, min(3400.0, 0.45 * fs_hz)
    out = signal.sosfilt(signal.butter(2, [lo, hi], btype="bandpass", output="sos", fs=fs_hz), out)
    return out / (np.std(out) or 1.0)


def _reverb(x: np.ndarray, *, fs_hz: float, distance_m: float, rng: np.random.Generator) -> np.ndarray:
    """The direct sound plus the room's reverberant tail (exponentially decaying noise, RT60
    ``AIR_RT60_S``), the two in the ratio (critical distance / distance)^2."""
    m = int(AIR_RT60_S * fs_hz)
    tail = rng.standard_normal(m) * np.exp(-6.9 * np.arange(m) / m)
    tail /= np.sqrt(np.sum(tail**2)) or 1.0
    wet = signal.fftconvolve(x, tail)[: x.size]
    direct = (AIR_CRITICAL_M / max(distance_m, 1e-3)) ** 2
    return direct**0.5 * x + wet


def simulate_air_sound(
    *,
    condition: str = "quiet",
    duration_s: float = 30.0,
    rate_bpm: float = 12.0,
    snr_db: float = 10.0,
    distance_m: float | None = None,
    fs_hz: float = 16000.0,
    exhale_gain: float = 1.5,
    irregularity: float = 0.05,
    seed: int = 0,
) -> SimulatedSound:
    """Nose breathing heard by an air microphone (a laptop's), with exact truth.

    condition: ``"quiet"`` (room tone only), ``"fan"`` (a desk fan), ``"speech"`` (people talking
    nearby, in bursts, over the room tone), ``"far"`` (room tone, the person 1.5 m away: more of
    the room's reverberation); distance_m overrides the condition's distance (0.5 m, 1.5 m for
    ``"far"``).  snr_db: the breath sound's power over the background's at the reference distance
    (0.5 m); the breath falls 6 dB per doubling of distance beyond it.  exhale_gain: the exhale's
    loudness over the inhale's (at the nose the exhale blows toward the microphone)."""
    if condition not in AIR_CONDITIONS:
        raise ParameterError(f"condition must be one of {', '.join(AIR_CONDITIONS)}, not {condition!r}")
    if fs_hz < 8000:
        raise ParameterError(f"fs_hz must be at least 8000 for an air microphone, not {fs_hz}")
    distance = float(distance_m if distance_m is not None else (1.5 if condition == "far" else AIR_REFERENCE_M))
    b = simulate_breathing(duration_s=duration_s, fs_hz=_WAVE_HZ, rate_bpm=rate_bpm, irregularity=irregularity, seed=seed)
    rng = np.random.default_rng(seed + 7919)
    flow = np.gradient(b.volume) * b.fs_hz
    n = int(round(b.truth.duration_s * fs_hz))
    t = np.arange(n) / fs_hz
    f = np.interp(t, b.t_s, flow / (np.percentile(np.abs(flow), 99) or 1.0))
    # turbulence grows faster than the flow (sound power ~ flow^3 and more): quiet breathing is
    # only heard near its peak flow
    inhale = np.clip(f, 0.0, None) ** 1.5 * _band_noise(n, fs_hz=fs_hz, band_hz=AIR_INHALE_BAND_HZ, rng=rng)
    exhale = exhale_gain * np.clip(-f, 0.0, None) ** 1.5 * _band_noise(n, fs_hz=fs_hz, band_hz=AIR_EXHALE_BAND_HZ, rng=rng)
    breath = inhale + exhale
    p_ref = float(np.mean(breath**2)) or 1.0
    breath = _reverb(breath, fs_hz=fs_hz, distance_m=distance, rng=rng)
    breath *= np.sqrt(p_ref / (np.mean(breath**2) or 1.0)) * (AIR_REFERENCE_M / distance)
    background = _room_tone(n, fs_hz=fs_hz, rng=rng)
    if condition == "fan":
        background = 0.3 * background + _fan(n, fs_hz=fs_hz, rng=rng)
    elif condition == "speech":
        background = 0.5 * background + _speech(n, fs_hz=fs_hz, rng=rng)
    background *= np.sqrt(p_ref / 10.0 ** (snr_db / 10.0)) / (np.std(background) or 1.0)
    x = breath + background
    x = 0.5 * x / (np.max(np.abs(x)) or 1.0)
    return SimulatedSound(samples=x.astype(np.float32), fs_hz=float(fs_hz), truth=b.truth)
