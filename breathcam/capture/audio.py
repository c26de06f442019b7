"""Sound sources: audio files, a video clip's sound track, and the microphone.

Every source delivers mono float samples at one internal rate (``[sound] sample_rate_hz``, 8 kHz):
channels are averaged, the rate converted by polyphase resampling.

- :func:`load_audio` reads wav, flac, ogg, aiff, mp3 ... through soundfile (libsndfile, bundled
  in its wheel) and falls back to PyAV (FFmpeg) for what libsndfile lacks (m4a, aac, opus in
  webm, wma, a video file's track).
- :func:`load_track` decodes the sound track of a video clip through PyAV; ``None`` when the clip
  has none.
- :class:`Resampler` is the streaming form of that resampling: block by block, the same filter and
  output grid as ``scipy.signal.resample_poly`` (a test keeps the two equal), no clicks at block
  edges, 0.13 ms per 0.1 s block at 48 kHz.
- :class:`Microphone` records through sounddevice (PortAudio).  Its callback only timestamps,
  copies and enqueues a block; all analysis runs in the consumer.  :func:`list_input_devices`
  lists the microphones; a device is chosen by index or by (part of) its name.
- :class:`LiveMicrophone` is the microphone of a live session: :meth:`LiveMicrophone.open` never
  raises, :meth:`~LiveMicrophone.poll` never waits, and ``status`` says what state it is in: "ok",
  "unavailable" (it could not start), "lost" (it stopped delivering mid-session), "muted" (it
  delivers digital silence); ``message`` says what happened and what to do.  Its blocks
  (:class:`MicBlock`) are at the internal rate with the monotonic time of their first sample.

Where it fails: without the sounddevice package or the PortAudio library (Debian:
``apt-get install libportaudio2``), or without any input device, :class:`Microphone` raises
:class:`MicrophoneError` (a BreathcamError) saying so and :class:`LiveMicrophone` is "unavailable";
files and clips still work.  PortAudio learns its devices once per process: a microphone plugged
in (or a sound server started) after the first use is seen only by a new process.  A microphone
pulled out while PulseAudio runs is often not "lost": PulseAudio moves the recording to another
source, so the session hears that source (often silence: "muted").  Block times come from the
callback's clock minus PortAudio's reported input latency, kept in step with the device's sample
count; they can be off by the latency PortAudio does not know about (tens of ms).  Through
PulseAudio's ALSA plugin, opening takes 1.2-2 s.  A file neither libsndfile nor FFmpeg can decode
is refused with InputError.  Recordings above 8 kHz lose what lies above 4 kHz (breath sounds
carry little there).
"""

from __future__ import annotations

import math
import queue
import statistics
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from breathcam.config import DEFAULT, SoundConfig
from breathcam.types import Audio, AudioInfo, BreathcamError, InputError, ParameterError

__all__ = [
    "load_audio",
    "load_track",
    "to_internal",
    "list_input_devices",
    "Resampler",
    "SampleClock",
    "MicrophoneError",
    "Microphone",
    "record",
    "LiveMicrophone",
    "MicBlock",
    "MicEvent",
    "MIC_STATUSES",
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
    from breathcam.fileio import check_input

    check_input(path, what="sound file")  # missing, folder, FIFO, device, link loop, empty, unreadable


# Files are read and mixed down in blocks of this many seconds of the source: memory stays flat
# in the length of the recording (a 30-minute 48 kHz file holds 0.7 GB as float64; only the
# 8 kHz float32 result, 58 MB, is kept).  One second keeps the per-block overhead below 1 %.
_FILE_BLOCK_S = 1.0


class _Mixdown:
    """:func:`to_internal` block by block: each block (frames x channels) is cleaned, checked for
    clipping, mixed to mono and resampled with :class:`Resampler` (equal to the batch
    ``resample_poly``), so a whole file is never held at its own rate."""

    def __init__(self, fs_hz: float, *, name: str, kind: str, config: SoundConfig):
        if not math.isfinite(fs_hz) or fs_hz <= 0:
            raise InputError(f"{name} has an impossible sample rate ({fs_hz} Hz)")
        self.fs_hz, self.name, self.kind, self.config = float(fs_hz), name, kind, config
        self.target = int(config.sample_rate_hz)
        self.resampler = Resampler(from_hz=fs_hz, to_hz=self.target) if int(round(fs_hz)) != self.target else None
        self.parts: list[np.ndarray] = []
        self.frames = 0
        self.clipped = 0
        self.channels = 0

    def push(self, block: np.ndarray) -> None:
        x = np.asarray(block, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[0] == 0:
            return
        self.channels = max(self.channels, int(x.shape[1]))
        x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
        self.clipped += int(np.count_nonzero(np.max(np.abs(x), axis=1) >= self.config.clip_level))
        mono = x.mean(axis=1)
        self.frames += x.shape[0]
        y = self.resampler.push(mono) if self.resampler is not None else mono
        self.parts.append(y.astype(np.float32))

    def finish(self) -> Audio:
        if self.frames == 0:
            raise InputError(f"{self.name} holds no sound samples")
        if self.resampler is not None:
            self.parts.append(self.resampler.flush().astype(np.float32))
        mono = np.concatenate(self.parts)
        self.parts = []
        clipped = self.clipped / self.frames
        notes = []
        if self.channels > 1:
            notes.append(f"{self.channels} sound channels mixed to one")
        if clipped > self.config.clipped_fraction:
            notes.append(f"sound is clipped in {100 * clipped:.0f}% of samples: recording level too high")
        info = AudioInfo(
            name=self.name,
            kind=self.kind,
            source_rate_hz=self.fs_hz,
            sample_rate_hz=float(self.target),
            channels=self.channels,
            duration_s=round(self.frames / self.fs_hz, 3),
            clipped_fraction=round(clipped, 4),
            notes=tuple(notes),
        )
        return Audio(samples=mono, info=info)


def load_audio(path: str | Path, *, config: SoundConfig = DEFAULT.sound) -> Audio:
    """Read a sound file (or any file with a sound track) as mono at the internal rate, in blocks
    (memory flat in the file's length)."""
    import soundfile

    path = Path(path)
    _check_file(path)
    try:
        fh = soundfile.SoundFile(str(path))
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError):
        audio = _decode_av(path, config=config, kind="file")
        if audio is None:
            raise InputError(f"{path} holds no sound track") from None
        return audio
    with fh:
        mix = _Mixdown(float(fh.samplerate), name=str(path), kind="file", config=config)
        block = max(1, int(round(_FILE_BLOCK_S * fh.samplerate)))
        try:
            for x in fh.blocks(blocksize=block, dtype="float64", always_2d=True):
                mix.push(x)
        except (soundfile.LibsndfileError, RuntimeError) as exc:
            if mix.frames == 0:
                raise InputError(f"{path}: its sound cannot be decoded ({_why(exc)})") from None
            # a file cut off part-way: what was read is kept, as for video
    return mix.finish()


def load_track(path: str | Path, *, config: SoundConfig = DEFAULT.sound) -> Audio | None:
    """The sound track of a video clip, or ``None`` when it has none (or it cannot be decoded)."""
    path = Path(path)
    try:
        return _decode_av(path, config=config, kind="track")
    except InputError:
        return None


def _decode_av(path: Path, *, config: SoundConfig, kind: str) -> Audio | None:
    """Decode the first sound stream with PyAV (FFmpeg), mixed down block by block (_Mixdown)."""
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
        mix: _Mixdown | None = None
        pending: list[np.ndarray] = []
        n_pending = 0

        def drain() -> None:
            nonlocal pending, n_pending
            if pending and mix is not None:
                channels = max(p.shape[1] for p in pending)
                mix.push(np.concatenate([p if p.shape[1] == channels else np.repeat(p.mean(axis=1, keepdims=True),
                                                                                      channels, axis=1)
                                         for p in pending], axis=0))
            pending, n_pending = [], 0

        try:
            for frame in container.decode(stream):
                a = frame.to_ndarray()
                # planar: channels x samples; packed: 1 x (samples * channels)
                ch = len(frame.layout.channels)
                if frame.format.is_planar:
                    a = a.T
                else:
                    a = a.reshape(-1, ch)
                if mix is None:  # the first frame's rate is the stream's (a container may not say)
                    mix = _Mixdown(float(frame.sample_rate or fs), name=str(path), kind=kind, config=config)
                pending.append(_to_float(a))
                n_pending += a.shape[0]
                if n_pending >= _FILE_BLOCK_S * mix.fs_hz:
                    drain()
        except (av.error.FFmpegError, ValueError) as exc:
            if mix is None or (mix.frames == 0 and not pending):
                raise InputError(f"{path}: its sound track cannot be decoded ({_why(exc)})") from None
        drain()
        if mix is None or mix.frames == 0:
            raise InputError(f"{path}: its sound track holds no samples")
    finally:
        container.close()
    return mix.finish()


def _to_float(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        return a.astype(np.float64)
    if a.dtype.kind == "u":  # 8-bit PCM is unsigned
        return (a.astype(np.float64) - 128.0) / 128.0
    return a.astype(np.float64) / float(np.iinfo(a.dtype).max)


def _why(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc).splitlines()[0][:120]


# ---------------------------------------------------------------------------------------------
# streaming resampling
# ---------------------------------------------------------------------------------------------


class Resampler:
    """Polyphase resampling from ``from_hz`` to ``to_hz``, block by block.

    The filter and the output grid are those of ``scipy.signal.resample_poly(x, up, down)`` (a
    Kaiser-windowed sinc, 10 zero crossings each side), so the blocks put together equal the batch
    resampling of the whole signal; :meth:`flush` adds the last few outputs, which depend on the
    zeros the batch form assumes after the end.  The input samples the filter still needs are
    carried between blocks: no clicks at block edges.  Output appears ``half_len / up`` input
    samples (1.3 ms at 48 kHz) after its input.

    >>> rs = Resampler(from_hz=48000, to_hz=8000)
    >>> sum(rs.push(np.zeros(4800)).size for _ in range(10)) + rs.flush().size
    8000
    """

    def __init__(self, *, from_hz: float, to_hz: float):
        from scipy import signal

        src, dst = int(round(from_hz)), int(round(to_hz))
        if src <= 0 or dst <= 0:
            raise ParameterError(f"sample rates must be positive, not {from_hz} -> {to_hz} Hz")
        g = math.gcd(src, dst)
        self.from_hz, self.to_hz = float(src), float(dst)
        self.up, self.down = dst // g, src // g
        max_rate = max(self.up, self.down)
        self.half_len = 10 * max_rate if max_rate > 1 else 0
        if max_rate > 1:
            h = signal.firwin(2 * self.half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0)) * self.up
        else:  # the same rate: resample_poly copies, so does this
            h = np.ones(1)
        self.taps = -(-h.size // self.up)  # taps per phase
        self._phases = np.zeros((self.up, self.taps))
        for p in range(self.up):
            part = h[p :: self.up]
            self._phases[p, : part.size] = part
        self._hist = np.zeros(self.taps - 1)  # the last inputs; zeros stand for the time before the start
        self.n_in = 0  # input samples pushed
        self.n_out = 0  # output samples returned

    def _ready(self, n_in: int) -> int:
        """How many outputs the first ``n_in`` inputs determine (output m needs inputs up to
        (m * down + half_len) // up)."""
        return max(0, (n_in * self.up - 1 - self.half_len) // self.down + 1)

    def push(self, block: np.ndarray) -> np.ndarray:
        """The next input samples; returns the output samples they complete (float64)."""
        x = np.asarray(block, dtype=np.float64).reshape(-1)
        buf = np.concatenate((self._hist, x))
        start = self.n_in - self._hist.size  # input index of buf[0]
        self.n_in += x.size
        m1 = self._ready(self.n_in)
        y = self._filter(buf, start, self.n_out, m1)
        self.n_out = max(self.n_out, m1)
        self._hist = buf[buf.size - (self.taps - 1) :] if self.taps > 1 else buf[:0]
        return y

    def _filter(self, buf: np.ndarray, start: int, m0: int, m1: int) -> np.ndarray:
        if m1 <= m0:
            return np.zeros(0)
        n = np.arange(m0, m1, dtype=np.int64) * self.down + self.half_len
        last = n // self.up - start  # buf index of the newest input each output uses
        j = np.arange(self.taps)
        if self.up == 1:  # one phase: plain strided windows, no gather of the filter
            win = np.lib.stride_tricks.sliding_window_view(buf, self.taps)[last - (self.taps - 1)]
            return win @ self._phases[0, ::-1]
        return np.einsum("mj,mj->m", self._phases[n % self.up], buf[last[:, None] - j[None, :]])

    def flush(self) -> np.ndarray:
        """The outputs that the batch form computes against zeros after the end; push nothing after."""
        total = -(-self.n_in * self.up // self.down)  # ceil: resample_poly's output length
        pad = np.zeros(self.taps + self.half_len // self.up + 1)
        n_in = self.n_in
        y = self.push(pad)
        self.n_in = n_in
        keep = max(0, total - (self.n_out - y.size))
        self.n_out = total
        return y[:keep]


# ---------------------------------------------------------------------------------------------
# microphone
# ---------------------------------------------------------------------------------------------


class MicrophoneError(BreathcamError):
    """A microphone cannot be used.  ``cause`` says why in one word a program can test:
    ``no-sounddevice``, ``no-portaudio``, ``no-input-device``, ``no-such-device`` or ``refused``."""

    def __init__(self, message: str, *, cause: str):
        super().__init__(message)
        self.cause = cause


def _sounddevice():
    """Import sounddevice, or say exactly what is missing and how to install it."""
    try:
        import sounddevice
    except OSError as exc:  # the Python package is there, the PortAudio library is not
        raise MicrophoneError(
            f"the PortAudio library is missing ({exc}); install it with: apt-get install libportaudio2 "
            "(macOS: brew install portaudio)",
            cause="no-portaudio",
        ) from None
    except ImportError:
        raise MicrophoneError(
            "the sounddevice package is missing; install it with: pip install sounddevice "
            "(and the PortAudio library: apt-get install libportaudio2)",
            cause="no-sounddevice",
        ) from None
    return sounddevice


def list_input_devices() -> list[dict]:
    """Every input device: ``{"index", "name", "channels", "default_rate_hz", "default"}``."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except Exception as exc:  # PortAudio errors are plain Exceptions (sd.PortAudioError)
        raise MicrophoneError(f"cannot list sound devices: {exc}", cause="refused") from None
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
    """The device to open and its default rate; MicrophoneError when there is no such input."""
    inputs = list_input_devices()
    if not inputs:
        raise MicrophoneError(
            "no microphone found: PortAudio lists no input device (plug one in; on Linux check that "
            "PulseAudio or PipeWire runs; on a server start PulseAudio with a null sink, see docs/usage.md)",
            cause="no-input-device",
        )
    if device is None:
        chosen = next((d for d in inputs if d["default"]), inputs[0])
    elif isinstance(device, int) or (isinstance(device, str) and device.isdigit()):
        idx = int(device)
        chosen = next((d for d in inputs if d["index"] == idx), None)
        if chosen is None:
            raise MicrophoneError(f"no input device {idx}; run 'breathcam devices' to list them", cause="no-such-device")
    else:
        matches = [d for d in inputs if device.lower() in d["name"].lower()]
        exact = [d for d in matches if d["name"].lower() == device.lower()]
        if not matches:
            raise MicrophoneError(
                f"no input device named like {device!r}; run 'breathcam devices' to list them", cause="no-such-device"
            )
        chosen = (exact or matches)[0]
    return chosen["index"], chosen["default_rate_hz"]


class Microphone:
    """A microphone as a stream of ``(t_s, block)``: ``t_s`` from the monotonic clock at the
    block's first sample, ``block`` mono float32 at the device's rate (``rate_hz``: the device's
    default unless asked for another).

    The PortAudio callback only timestamps, copies and enqueues (never blocks); when the consumer
    falls behind, the oldest blocks are dropped and counted in ``dropped_blocks``.

        with Microphone(device="pulse") as mic:
            for t_s, block in mic.blocks(duration_s=10):
                ...
    """

    def __init__(
        self, *, device: int | str | None = None, rate_hz: float | None = None, config: SoundConfig = DEFAULT.sound
    ):
        sd = _sounddevice()
        self.config = config
        self.device, default_rate = _resolve_device(sd, device)
        self.rate_hz = float(rate_hz or default_rate)
        self.block_frames = max(1, int(round(config.block_s * self.rate_hz)))
        self._queue: queue.Queue = queue.Queue(maxsize=max(2, int(config.queue_s / config.block_s)))
        self.dropped_blocks = 0
        self.status_flags = 0  # callbacks that reported an overflow or another PortAudio condition
        self.frames = 0  # frames the callback received so far
        self.last_block_at: float | None = None  # monotonic time of the last callback
        self.finished = False  # PortAudio ended the stream (an error, the device gone) or it was stopped
        self._stream = None
        self.latency_s = 0.0
        try:
            self.name = str(sd.query_devices(self.device)["name"])
            self._stream = sd.InputStream(
                device=self.device,
                channels=1,
                samplerate=self.rate_hz,
                blocksize=self.block_frames,
                dtype="float32",
                callback=self._callback,
                finished_callback=self._finished,
            )
            self.latency_s = float(self._stream.latency)  # input latency PortAudio reports
        except Exception as exc:  # PortAudioError, or ValueError for settings the device refuses
            raise MicrophoneError(
                f"input device {self.device} refused to record at {self.rate_hz:.0f} Hz ({_why(exc)})", cause="refused"
            ) from None

    def _callback(self, indata, frames, time_info, status) -> None:  # runs on PortAudio's thread
        # the first sample was captured a block and the input latency ago (PortAudio's own capture
        # times, time_info.inputBufferAdcTime, drop to nonsense through PulseAudio's ALSA plugin)
        now = time.monotonic()
        t = now - frames / self.rate_hz - self.latency_s
        if status:
            self.status_flags += 1
        item = (t, self.frames, indata[:, 0].copy())
        self.frames += frames
        self.last_block_at = now
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self.dropped_blocks += 1
            self._queue.put_nowait(item)

    def _finished(self) -> None:  # runs on PortAudio's thread
        self.finished = True

    @property
    def active(self) -> bool:
        """The stream runs (False once PortAudio stopped it, or after stop())."""
        stream = self._stream
        return stream is not None and bool(stream.active)

    def start(self) -> "Microphone":
        try:
            self._stream.start()
        except Exception as exc:
            raise MicrophoneError(f"input device {self.name} refused to start ({_why(exc)})", cause="refused") from None
        return self

    def stop(self, *, timeout_s: float | None = None) -> bool:
        """Stop and close the stream; safe to call twice.  With ``timeout_s``, wait at most that
        long (PortAudio blocks while a sound server hangs) and leave the stream to close on its own
        thread; returns whether it closed in time."""
        stream, self._stream = self._stream, None
        if stream is None:
            return True

        def shut() -> None:
            try:
                stream.abort()
            except Exception:
                pass
            try:
                stream.close()
            except Exception:
                pass

        if timeout_s is None:
            shut()
            return True
        import threading

        worker = threading.Thread(target=shut, name="breathcam-mic-close", daemon=True)
        worker.start()
        worker.join(timeout_s)
        if worker.is_alive():
            _skip_portaudio_exit(worker, timeout_s)
            return False
        return True

    def __enter__(self) -> "Microphone":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop(timeout_s=self.config.mic_close_timeout_s)

    def read(self, *, timeout_s: float = 1.0) -> tuple[float, np.ndarray] | None:
        """The next block, or None when none arrived within ``timeout_s``."""
        try:
            t, _index, block = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None
        return t, block

    def drain(self) -> list[tuple[float, int, np.ndarray]]:
        """Every block waiting, without waiting: ``(t_s, index of its first frame, block)``."""
        out = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                return out

    def blocks(self, *, duration_s: float | None = None, timeout_s: float = 2.0) -> Iterator[tuple[float, np.ndarray]]:
        """Blocks until ``duration_s`` of audio has arrived (forever when None); BreathcamError when
        the device delivers nothing for ``timeout_s`` (the first block: ``[sound] mic_start_timeout_s``)."""
        got = 0
        need = None if duration_s is None else int(round(duration_s * self.rate_hz))
        while need is None or got < need:
            wait_s = timeout_s if got else max(timeout_s, self.config.mic_start_timeout_s)
            item = self.read(timeout_s=wait_s)
            if item is None:
                raise BreathcamError(f"microphone {self.name} delivered no sound for {wait_s:.0f} s")
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


# ---------------------------------------------------------------------------------------------
# the live microphone: never raises, says what state it is in
# ---------------------------------------------------------------------------------------------

MIC_STATUSES = ("ok", "unavailable", "lost", "muted")
_VIDEO_ALONE = "the session goes on with video alone"


@dataclass(frozen=True)
class MicBlock:
    """Sound from the live microphone: mono float32 at ``[sound] sample_rate_hz``; ``t_s`` is the
    monotonic time of its first sample."""

    t_s: float
    samples: np.ndarray = field(repr=False)
    fs_hz: float = float(DEFAULT.sound.sample_rate_hz)

    @property
    def duration_s(self) -> float:
        return self.samples.size / self.fs_hz


@dataclass(frozen=True)
class MicEvent:
    """A change of the live microphone's status, at monotonic time ``t_s``."""

    t_s: float
    status: str  # one of MIC_STATUSES
    cause: str  # why, as a word a program can test (MicrophoneError causes, "listening", "stalled", ...)
    message: str  # what happened and what to do, in plain words


def _open_within(
    device: int | str | None, *, rate_hz: float | None, config: SoundConfig
) -> tuple[Microphone | None, BaseException | None]:
    """Open and start a Microphone on a worker thread, waiting at most ``[sound] mic_open_timeout_s``:
    PortAudio blocks while the sound server hangs.  A microphone that opens after that is closed."""
    import threading

    box: dict = {}
    lock = threading.Lock()

    def work() -> None:
        mic = error = None
        try:
            mic = Microphone(device=device, rate_hz=rate_hz, config=config)
            mic.start()
        except BaseException as exc:  # reported to the caller, never raised on this thread
            error = exc
            if mic is not None:
                mic.stop(timeout_s=config.mic_close_timeout_s)
                mic = None
        with lock:
            box.update(mic=mic, error=error, done=True)
            late = box.get("abandoned", False)
        if late and mic is not None:
            mic.stop(timeout_s=config.mic_close_timeout_s)

    worker = threading.Thread(target=work, name="breathcam-mic-open", daemon=True)
    worker.start()
    worker.join(config.mic_open_timeout_s)
    with lock:
        if not box.get("done"):
            box["abandoned"] = True
            _skip_portaudio_exit(worker, config.mic_close_timeout_s)
            return None, MicrophoneError(
                f"the sound system did not answer within {config.mic_open_timeout_s:g} s (PulseAudio or PipeWire "
                "hanging? restart it)",
                cause="timeout",
            )
    return box["mic"], box["error"]


_PENDING: list = []  # (thread, timeout_s) of PortAudio calls left running when a close or open gave up


def _skip_portaudio_exit(worker=None, timeout_s: float = 0.0) -> None:
    """PortAudio hangs with the sound server: its exit handler (Pa_Terminate) would hang the
    program's exit the same way, so it is not run (the system frees the device at exit).  A worker
    still closing a stream is waited for at exit, a little: exiting while it finishes crashes the
    interpreter (PortAudio's thread calls back into a Python that is shutting down)."""
    import atexit
    import sys

    handler = getattr(sys.modules.get("sounddevice"), "_exit_handler", None)
    if handler is not None:
        atexit.unregister(handler)
    if worker is not None:
        if not _PENDING:
            atexit.register(_wait_pending)
        _PENDING.append((worker, timeout_s))


def _wait_pending() -> None:
    for worker, timeout_s in _PENDING:
        worker.join(timeout_s)


class SampleClock:
    """Block times from a device's sample count, kept in step with the callback's clock.

    ``start(t_cb, index)`` takes a block's callback estimate of its first sample's time and the
    device frame index of that sample; it returns the time of frame 0, so that frame ``i`` is at
    ``start + i / fs_hz``: exact spacing, no scheduler jitter.  The timeline is placed by the first
    block and moved only when the callbacks of a whole ``[sound] mic_clock_window_s`` say, by their
    median, that it is off by more than ``[sound] mic_clock_resync_s`` (samples lost, a drifting
    device clock, a first block that came late); it then moves to the least delayed callback of the
    window (a callback comes after its sound, never before), so the burst that follows a stall,
    whose callbacks are all late, moves it by little.
    """

    def __init__(self, *, fs_hz: float = 0.0, config: SoundConfig = DEFAULT.sound):
        self.fs_hz = float(fs_hz)
        self.config = config
        self._anchor: tuple[float, int] | None = None  # (time, device frame index)
        self._dev: deque = deque(maxlen=max(1, int(round(config.mic_clock_window_s / config.block_s))))

    def start(self, t_cb: float, index: int) -> float:
        if self._anchor is None:
            self._anchor = (t_cb, index)
        t, i = self._anchor
        dev = self._dev
        dev.append(t_cb - (t + (index - i) / self.fs_hz))
        if len(dev) == dev.maxlen and abs(statistics.median(dev)) > self.config.mic_clock_resync_s:
            shift = min(dev)
            t += shift
            self._anchor = (t, i)
            self._dev = deque((d - shift for d in dev), maxlen=dev.maxlen)
        return t - i / self.fs_hz


class LiveMicrophone:
    """The microphone of a live session: it never raises and never blocks.

    :meth:`open` returns an object whatever happens; its ``status`` says what state it is in:

    - ``"ok"``: listening (also while the first block is on its way);
    - ``"unavailable"``: it could not start (no sounddevice package, no PortAudio library, no input
      device, the named device missing, the stream refused); nothing will come;
    - ``"lost"``: it stopped delivering mid-session: PortAudio ended the stream (the device or its
      sound server is gone: final), or no block arrived for ``[sound] mic_lost_after_s`` (back to
      ``"ok"`` when blocks flow again);
    - ``"muted"``: blocks arrive but hold digital silence (below ``[sound] mic_muted_below_dbfs``,
      far under any real microphone's own noise) for ``[sound] mic_muted_after_s``; back to ``"ok"``
      with the first block above it.

    ``message`` says in plain words what happened and what to do; ``cause`` names it for programs;
    ``events`` lists every change with its time.  :meth:`poll` returns the blocks received since the
    last call, resampled (streaming, :class:`Resampler`) to ``[sound] sample_rate_hz``, each with the
    monotonic time of its first sample; it updates the status.  :meth:`close` is safe in any state,
    twice, and returns within ``[sound] mic_close_timeout_s``.

        mic = LiveMicrophone.open(device=None)       # None: the default input; or an index, or a name
        if mic.status == "unavailable":
            print(mic.message)                       # and go on with video alone
        ...
        for block in mic.poll():                     # once per video frame
            analyzer.push(block.samples)
        mic.close()
    """

    def __init__(self, *, config: SoundConfig = DEFAULT.sound):
        self.config = config
        self.status = "unavailable"
        self.cause = "not-opened"
        self.message = f"microphone not opened; {_VIDEO_ALONE}"
        self.events: list[MicEvent] = []
        self.name: str | None = None
        self.device: int | str | None = None
        self.source_rate_hz: float | None = None
        self.rate_hz = float(config.sample_rate_hz)
        self.blocks_received = 0  # device blocks handed out by poll()
        self.samples_received = 0  # samples at rate_hz handed out by poll()
        self._mic: Microphone | None = None
        self._resampler: Resampler | None = None
        self._opened_at = time.monotonic()
        self._quiet_since: float | None = None  # first sample time of the current run of silent blocks
        self._last_end: float | None = None  # time just after the last sample received
        self._clock = SampleClock(config=config)
        self._quiet_ms = 10.0 ** (config.mic_muted_below_dbfs / 10.0)  # mean square of that level
        self._final = False
        self._dropped_at_close = 0

    @classmethod
    def open(
        cls, device: int | str | None = None, *, rate_hz: float | None = None, config: SoundConfig = DEFAULT.sound
    ) -> "LiveMicrophone":
        """Start listening on ``device`` (None: the default input; an index; or a name, matched as in
        ``breathcam devices``) at ``rate_hz`` (None: the analysis rate when the device takes it, see
        ``[sound] mic_ask_analysis_rate``, else the device's default).  Never raises."""
        self = cls(config=config)
        ask = rate_hz if rate_hz is not None else (float(config.sample_rate_hz) if config.mic_ask_analysis_rate else None)
        mic, error = _open_within(device, rate_hz=ask, config=config)
        if rate_hz is None and ask is not None and getattr(error, "cause", None) == "refused":
            mic, error = _open_within(device, rate_hz=None, config=config)  # the device's own rate, resampled here
        if error is not None:
            cause = getattr(error, "cause", "refused")
            reason = str(error) if isinstance(error, BreathcamError) else _why(error)
            self._set("unavailable", cause, f"microphone not available: {reason}; {_VIDEO_ALONE}")
            return self
        self.name, self.device, self.source_rate_hz = mic.name, mic.device, mic.rate_hz
        self._mic = mic
        self._resampler = Resampler(from_hz=mic.rate_hz, to_hz=self.rate_hz)
        self._opened_at = time.monotonic()
        self._set("ok", "listening", f"microphone {self.name}: listening")
        return self

    # -- state ------------------------------------------------------------------------------------

    def _set(self, status: str, cause: str, message: str) -> None:
        if (status, cause) == (self.status, self.cause) and self.events:
            return
        self.status, self.cause, self.message = status, cause, message
        self.events.append(MicEvent(round(time.monotonic(), 6), status, cause, message))

    @property
    def dropped_blocks(self) -> int:
        """Blocks dropped because poll() was not called for ``[sound] queue_s``."""
        return self._mic.dropped_blocks if self._mic is not None else self._dropped_at_close

    @property
    def seconds_received(self) -> float:
        return self.samples_received / self.rate_hz

    # -- blocks -----------------------------------------------------------------------------------

    def poll(self) -> list[MicBlock]:
        """Every block received since the last call (never waits, never raises); updates ``status``."""
        mic = self._mic
        if mic is None:
            return []
        out: list[MicBlock] = []
        try:
            for t_cb, index, raw in mic.drain():
                block = self._block(t_cb, index, raw)
                if block is not None:
                    out.append(block)
            self._update(mic)
        except Exception as exc:  # a PortAudio surprise: keep what came, report the microphone lost
            self._final = True
            self._set("lost", "error", f"microphone {self.name} lost: {_why(exc)}; {_VIDEO_ALONE}")
        return out

    def _block(self, t_cb: float, index: int, raw: np.ndarray) -> MicBlock | None:
        fs_in = self.source_rate_hz
        self._clock.fs_hz = fs_in
        self.blocks_received += 1
        # silence, judged on the device's own samples
        quiet = float(np.dot(raw, raw)) < self._quiet_ms * max(1, raw.size)
        if not quiet:
            self._quiet_since = None
        elif self._quiet_since is None:
            self._quiet_since = t_cb
        self._last_end = t_cb + raw.size / fs_in
        t0 = self._clock.start(t_cb, index)  # the time of the device's frame 0
        rs = self._resampler
        m0 = rs.n_out
        y = rs.push(raw)
        if y.size == 0:
            return None
        self.samples_received += y.size
        t = t0 + m0 / self.rate_hz
        return MicBlock(t_s=round(t, 6), samples=y.astype(np.float32), fs_hz=self.rate_hz)

    def _update(self, mic: Microphone) -> None:
        c = self.config
        now = time.monotonic()
        name = self.name
        if self._final:
            return
        if mic.finished or not mic.active:
            self._final = True
            self._set(
                "lost",
                "stream-ended",
                f"microphone {name} lost: the sound device stopped recording (unplugged, or its sound server "
                f"quit); check it and start a new session to use it again; {_VIDEO_ALONE}",
            )
            return
        last = mic.last_block_at
        if last is None:
            if now - self._opened_at > c.mic_start_timeout_s:
                self._set(
                    "lost",
                    "no-sound",
                    f"microphone {name} lost: no sound arrived in the {c.mic_start_timeout_s:.0f} s since it was "
                    f"opened (is another program using it?); {_VIDEO_ALONE}",
                )
            return
        if now - last > c.mic_lost_after_s:
            self._set(
                "lost",
                "stalled",
                f"microphone {name} lost: no sound for over {c.mic_lost_after_s:g} s (unplugged, or taken by "
                f"another program?); {_VIDEO_ALONE} until it delivers again",
            )
            return
        if self._quiet_since is not None and self._last_end - self._quiet_since >= c.mic_muted_after_s:
            self._set(
                "muted",
                "silent",
                f"microphone {name} is silent (muted, or its input level at zero): unmute it or raise its level "
                f"in the system's sound settings; {_VIDEO_ALONE} until sound returns",
            )
            return
        if self.status != "ok":
            self._set("ok", "sound-back", f"microphone {name}: sound is back")

    # -- end --------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop listening; safe in any state and twice; returns within ``[sound] mic_close_timeout_s``."""
        mic, self._mic = self._mic, None
        if mic is None:
            return
        self._dropped_at_close = mic.dropped_blocks
        mic.stop(timeout_s=self.config.mic_close_timeout_s)

    def __enter__(self) -> "LiveMicrophone":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
