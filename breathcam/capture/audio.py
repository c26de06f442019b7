"""Sound sources: audio files, a video clip's sound track, and the microphone.

Every source delivers mono float samples at one internal rate (``[sound] sample_rate_hz``, 8 kHz):
channels are averaged, the rate converted by polyphase resampling.

- :func:`load_audio` reads wav, flac, ogg, aiff, mp3 ... through soundfile (libsndfile, bundled
  in its wheel) and falls back to PyAV (FFmpeg) for what libsndfile lacks (m4a, aac, opus in
  webm, wma, a video file's track).
- :func:`load_track` decodes the sound track of a video clip through PyAV; ``None`` when the clip
  has none.
- :class:`Microphone` records through sounddevice (PortAudio).  Its callback only timestamps,
  copies and enqueues a block; all analysis runs in the consumer.  :func:`list_input_devices`
  lists the microphones.

Where it fails: without the PortAudio library (Debian: ``apt-get install libportaudio2``) or
without any input device, the microphone functions raise BreathcamError saying so; files and
clips still work.  A file neither libsndfile nor FFmpeg can decode is refused with InputError.
Recordings above 8 kHz lose what lies above 4 kHz (breath sounds carry little there).
"""

from __future__ import annotations

import math
import queue
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from breathcam.config import DEFAULT, SoundConfig
from breathcam.types import Audio, AudioInfo, BreathcamError, InputError

__all__ = [
    "load_audio",
    "load_track",
    "to_internal",
    "list_input_devices",
    "Microphone",
    "record",
    "AUDIO_SUFFIXES",
]

# Suffixes routed to the sound analysis by ``breathcam analyze`` when the content does not say.
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".aifc", ".m4a", ".aac", ".wma", ".au", ".caf")


def to_internal(
    samples: np.ndarray, *, fs_hz: float, name: str, kind: str, config: SoundConfig = DEFAULT.sound
) -> Audio:
    """Mix ``samples`` (frames, or frames x channels; float -1..1) to mono at the internal rate."""
    from scipy import signal

    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0:
        raise InputError(f"{name} holds no sound samples")
    if not math.isfinite(fs_hz) or fs_hz <= 0:
        raise InputError(f"{name} has an impossible sample rate ({fs_hz} Hz)")
    channels = int(x.shape[1])
    x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    clipped = float(np.mean(np.max(np.abs(x), axis=1) >= config.clip_level))
    mono = x.mean(axis=1)
    target = int(config.sample_rate_hz)
    if int(round(fs_hz)) != target:
        up, down = target, int(round(fs_hz))
        g = math.gcd(up, down)
        mono = signal.resample_poly(mono, up // g, down // g)
    notes = []
    if channels > 1:
        notes.append(f"{channels} sound channels mixed to one")
    if clipped > config.clipped_fraction:
        notes.append(f"sound is clipped in {100 * clipped:.0f}% of samples: recording level too high")
    info = AudioInfo(
        name=name,
        kind=kind,
        source_rate_hz=float(fs_hz),
        sample_rate_hz=float(target),
        channels=channels,
        duration_s=round(x.shape[0] / fs_hz, 3),
        clipped_fraction=round(clipped, 4),
        notes=tuple(notes),
    )
    return Audio(samples=mono.astype(np.float32), info=info)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give one sound file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes)")


def load_audio(path: str | Path, *, config: SoundConfig = DEFAULT.sound) -> Audio:
    """Read a sound file (or any file with a sound track) as mono at the internal rate."""
    import soundfile

    path = Path(path)
    _check_file(path)
    try:
        data, fs = soundfile.read(str(path), dtype="float64", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError):
        audio = _decode_av(path, config=config, kind="file")
        if audio is None:
            raise InputError(f"{path} holds no sound track") from None
        return audio
    return to_internal(data, fs_hz=float(fs), name=str(path), kind="file", config=config)


def load_track(path: str | Path, *, config: SoundConfig = DEFAULT.sound) -> Audio | None:
    """The sound track of a video clip, or ``None`` when it has none (or it cannot be decoded)."""
    path = Path(path)
    try:
        return _decode_av(path, config=config, kind="track")
    except InputError:
        return None


def _decode_av(path: Path, *, config: SoundConfig, kind: str) -> Audio | None:
    """Decode the first sound stream with PyAV (FFmpeg) at its own rate, keeping the channels."""
    try:
        import av
    except ImportError:
        raise InputError(f"{path} is not a format soundfile reads, and PyAV is missing (pip install av)") from None
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise InputError(f"{path} is not a sound or video file breathcam can decode ({_why(exc)})") from None
    try:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        fs = float(stream.rate or stream.codec_context.sample_rate or 0)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                a = frame.to_ndarray()
                # planar: channels x samples; packed: 1 x (samples * channels)
                ch = len(frame.layout.channels)
                if frame.format.is_planar:
                    a = a.T
                else:
                    a = a.reshape(-1, ch)
                a = _to_float(a)
                fs = float(frame.sample_rate or fs)
                chunks.append(a)
        except (av.error.FFmpegError, ValueError) as exc:
            if not chunks:
                raise InputError(f"{path}: its sound track cannot be decoded ({_why(exc)})") from None
        if not chunks:
            raise InputError(f"{path}: its sound track holds no samples")
        data = np.concatenate(chunks, axis=0)
    finally:
        container.close()
    audio = to_internal(data, fs_hz=fs, name=str(path), kind=kind, config=config)
    return audio


def _to_float(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        return a.astype(np.float64)
    if a.dtype.kind == "u":  # 8-bit PCM is unsigned
        return (a.astype(np.float64) - 128.0) / 128.0
    return a.astype(np.float64) / float(np.iinfo(a.dtype).max)


def _why(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc).splitlines()[0][:120]


# ---------------------------------------------------------------------------------------------
# microphone
# ---------------------------------------------------------------------------------------------


def _sounddevice():
    """Import sounddevice, or say exactly what is missing and how to install it."""
    try:
        import sounddevice
    except OSError as exc:  # the Python package is there, the PortAudio library is not
        raise BreathcamError(
            f"the microphone needs the PortAudio library, which is missing ({exc}); "
            "install it with: apt-get install libportaudio2 (macOS: brew install portaudio)"
        ) from None
    except ImportError:
        raise BreathcamError(
            "the microphone needs the sounddevice package: pip install sounddevice "
            "(and the PortAudio library: apt-get install libportaudio2)"
        ) from None
    return sounddevice


def list_input_devices() -> list[dict]:
    """Every input device: ``{"index", "name", "channels", "default_rate_hz", "default"}``."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except Exception as exc:  # PortAudio errors are plain Exceptions (sd.PortAudioError)
        raise BreathcamError(f"cannot list sound devices: {exc}") from None
    out = []
    for i, d in enumerate(devices):
        if d["max_input_channels"] > 0:
            out.append(
                {
                    "index": i,
                    "name": d["name"],
                    "channels": int(d["max_input_channels"]),
                    "default_rate_hz": float(d["default_samplerate"]),
                    "default": i == default_in,
                }
            )
    return out


def _resolve_device(sd, device: int | str | None) -> tuple[int | str | None, float]:
    """The device to open and its default rate; BreathcamError when there is no such input."""
    inputs = list_input_devices()
    if not inputs:
        raise BreathcamError(
            "no microphone found: PortAudio lists no input device (plug one in, or on a server start "
            "PulseAudio with a null sink; see docs/usage.md)"
        )
    if device is None:
        chosen = next((d for d in inputs if d["default"]), inputs[0])
    elif isinstance(device, int) or (isinstance(device, str) and device.isdigit()):
        idx = int(device)
        chosen = next((d for d in inputs if d["index"] == idx), None)
        if chosen is None:
            raise BreathcamError(f"no input device {idx}; run 'breathcam devices' to list them")
    else:
        matches = [d for d in inputs if device.lower() in d["name"].lower()]
        exact = [d for d in matches if d["name"].lower() == device.lower()]
        if not matches:
            raise BreathcamError(f"no input device named like {device!r}; run 'breathcam devices' to list them")
        chosen = (exact or matches)[0]
    return chosen["index"], chosen["default_rate_hz"]


class Microphone:
    """A microphone as a stream of ``(t_s, block)``: ``t_s`` from the monotonic clock at the
    block's first sample, ``block`` mono float32 at the device's rate.

    The PortAudio callback only timestamps, copies and enqueues (never blocks); when the consumer
    falls behind, the oldest blocks are dropped and counted in ``dropped_blocks``.

        with Microphone(device="pulse") as mic:
            for t_s, block in mic.blocks(duration_s=10):
                ...
    """

    def __init__(self, *, device: int | str | None = None, config: SoundConfig = DEFAULT.sound):
        sd = _sounddevice()
        self.config = config
        self.device, rate = _resolve_device(sd, device)
        self.rate_hz = float(rate)
        self.block_frames = max(1, int(round(config.block_s * self.rate_hz)))
        self._queue: queue.Queue = queue.Queue(maxsize=max(2, int(config.queue_s / config.block_s)))
        self.dropped_blocks = 0
        self.status_flags = 0
        try:
            self._stream = sd.InputStream(
                device=self.device,
                channels=1,
                samplerate=self.rate_hz,
                blocksize=self.block_frames,
                dtype="float32",
                callback=self._callback,
            )
        except Exception as exc:
            raise BreathcamError(f"cannot open input device {self.device}: {exc}") from None
        self.name = str(sd.query_devices(self.device)["name"])

    def _callback(self, indata, frames, time_info, status) -> None:  # runs on PortAudio's thread
        t = time.monotonic() - frames / self.rate_hz
        if status:
            self.status_flags += 1
        item = (t, indata[:, 0].copy())
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self.dropped_blocks += 1
            self._queue.put_nowait(item)

    def start(self) -> "Microphone":
        self._stream.start()
        return self

    def stop(self) -> None:
        try:
            self._stream.stop()
        finally:
            self._stream.close()

    def __enter__(self) -> "Microphone":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def read(self, *, timeout_s: float = 1.0) -> tuple[float, np.ndarray] | None:
        """The next block, or None when none arrived within ``timeout_s``."""
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def blocks(self, *, duration_s: float | None = None, timeout_s: float = 2.0) -> Iterator[tuple[float, np.ndarray]]:
        """Blocks until ``duration_s`` of audio has arrived (forever when None); BreathcamError when
        the device delivers nothing for ``timeout_s``."""
        got = 0
        need = None if duration_s is None else int(round(duration_s * self.rate_hz))
        while need is None or got < need:
            item = self.read(timeout_s=timeout_s)
            if item is None:
                raise BreathcamError(f"microphone {self.name} delivered no sound for {timeout_s:.0f} s")
            got += item[1].size
            yield item


def record(
    duration_s: float, *, device: int | str | None = None, config: SoundConfig = DEFAULT.sound
) -> Audio:
    """Record ``duration_s`` seconds from a microphone, at the internal rate."""
    blocks = []
    with Microphone(device=device, config=config) as mic:
        for _t, block in mic.blocks(duration_s=duration_s):
            blocks.append(block)
        rate, name = mic.rate_hz, mic.name
    x = np.concatenate(blocks)[: int(round(duration_s * rate))]
    return to_internal(x, fs_hz=rate, name=f"microphone {name}", kind="microphone", config=config)
