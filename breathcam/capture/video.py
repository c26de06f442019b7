"""Frame sources behind one interface: a video file, a camera, and a file replayed at real time.

Every source is a context manager and a single-pass iterator of :class:`breathcam.types.Frame`
whose ``t_s`` strictly increases and starts at 0::

    with open_source("clip.mp4") as src:      # or open_source(0) for camera 0
        for frame in src:
            ...

- :class:`FileSource` streams a file frame by frame (a 30-minute clip is never loaded whole).
  Times are the container's presentation times (right for variable-frame-rate clips), or
  index / fps when the container has none.  Frames wider than ``VideoConfig.max_width_px`` are
  downscaled and :class:`SourceInfo` reports the delivered size.  A consumer that needs fewer
  frames sets ``next_wanted_s``: frames before that time are decoded (the codec needs them) but
  neither converted to BGR nor scaled, which is most of the cost of a frame after decoding.
- :class:`CameraSource` reads an OpenCV camera; times come from ``time.monotonic()``.
- :class:`ReplaySource` is a file played against the wall clock: the camera stand-in for live
  tests on machines without a camera.  It drops frames when the consumer is slow, as a camera does.

Where it fails: every unusable input (missing, empty, corrupt, truncated, an image or an audio
file, an absurd frame rate without timestamps, no decodable frame, a camera that cannot be opened)
raises :class:`InputError` with a one-line reason when the source is *opened* (the first frames
are read eagerly), so callers learn before doing any work.  A file that ends early or a camera
that stops mid-session ends the iteration cleanly and sets ``ended_reason``; frames whose
timestamps do not increase are dropped and counted in ``notes``.  FFmpeg's own log lines are
silenced (set OPENCV_FFMPEG_LOGLEVEL=24 before starting to see them); their content is reported
through the errors above.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections import deque
from pathlib import Path
from typing import Iterable, Iterator, Protocol, runtime_checkable

import numpy as np

from breathcam._deps import cv2
from breathcam.config import DEFAULT, VideoConfig
from breathcam.types import Frame, InputError, SourceInfo

# Leading bytes of still-image and audio-only formats.  OpenCV's FFmpeg backend happily opens
# a PNG as a one-frame "video", and fails on a WAV without saying why; the magic bytes let the
# error name the real problem.
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".heic"}
_AUDIO_MAGIC = ((b"fLaC", "FLAC"), (b"ID3", "MP3"), (b"\xff\xfb", "MP3"), (b"\xff\xf3", "MP3"), (b"OggS", "Ogg"))
_AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aiff", ".aif", ".wma"}
# Bytes read from each end of an MP4/MOV file when looking for its track handlers.
_ISO_SCAN_BYTES = 4 << 20


@runtime_checkable
class FrameSource(Protocol):
    """A context manager and single-pass iterator of frames."""

    info: SourceInfo
    ended_reason: str | None

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> "FrameSource": ...

    def __exit__(self, *exc: object) -> None: ...


def open_source(spec: str | int | Path, *, replay: bool = False, config: VideoConfig = DEFAULT.video) -> FrameSource:
    """Open a camera (an int, or a string of digits that is not a file) or a video file.

    ``replay=True`` plays a file against the wall clock (:class:`ReplaySource`).  Raises
    :class:`InputError` with a one-line reason when the source cannot be used.
    """
    if isinstance(spec, bool):
        raise InputError(f"not a video source: {spec!r}")
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit() and not Path(spec).exists()):
        if replay:
            raise InputError("replay needs a video file, not a camera")
        return CameraSource(int(spec), config=config)
    if replay:
        return ReplaySource(spec, config=config)
    return FileSource(spec, config=config)


# ---------------------------------------------------------------------------------------------
# pure helpers
# ---------------------------------------------------------------------------------------------


def increasing_mask(t_s: Iterable[float]) -> np.ndarray:
    """True for each timestamp kept by the sources: finite and above the last kept one.

    This is the rule :class:`FileSource` applies frame by frame (a frame whose time does not
    increase is dropped), as a pure function for tests and for callers holding a time array.
    """
    keep = []
    last = -math.inf
    for t in t_s:
        ok = math.isfinite(t) and t > last
        keep.append(ok)
        if ok:
            last = t
    return np.asarray(keep, dtype=bool)


def timestamp_rate_hz(t_ms: Iterable[float]) -> float | None:
    """Frame rate implied by container timestamps (ms), or None when they are not usable.

    Usable means: at least two, and most of them (those :func:`increasing_mask` keeps) finite
    and increasing; a container without timestamps reports 0 for every frame.  The rate is
    1 / median interval, so one odd interval (a variable-frame-rate hiccup) does not change it.
    """
    t = np.asarray(list(t_ms), dtype=float)
    kept = t[increasing_mask(t)]
    if kept.size < 2 or kept.size < 0.5 * t.size:
        return None
    return float(1000.0 / np.median(np.diff(kept)))


def choose_timing(*, fps_nominal: float, t_ms: Iterable[float], config: VideoConfig = DEFAULT.video) -> tuple[str, float]:
    """Decide how a file's frames are timed: ("timestamps", rate) or ("index", fps).

    Container timestamps win when they increase and imply a rate within [min_fps, max_fps];
    otherwise the nominal fps is used when it is within that range.  Raises :class:`InputError`
    when neither is usable (zero, NaN or absurd fps and no usable timestamps).
    """
    rate = timestamp_rate_hz(t_ms)
    if rate is not None and config.min_fps <= rate <= config.max_fps:
        return "timestamps", rate
    if math.isfinite(fps_nominal) and config.min_fps <= fps_nominal <= config.max_fps:
        return "index", float(fps_nominal)
    shown = "unknown" if not math.isfinite(fps_nominal) or fps_nominal <= 0 else f"{fps_nominal:g}"
    raise InputError(
        f"frame rate {shown} is not usable (expected {config.min_fps:g}-{config.max_fps:g} frames/s) "
        "and the file carries no usable timestamps"
    )


def downscaled_size(width: int, height: int, *, max_width_px: int) -> tuple[int, int]:
    """Delivered frame size: unchanged up to ``max_width_px``, else scaled to that width."""
    if width <= max_width_px:
        return width, height
    return max_width_px, max(1, int(round(height * max_width_px / width)))


def sniff_kind(path: Path, head: bytes) -> str | None:
    """"image" or "audio" when the file's leading bytes (or, failing that, its suffix) say so."""
    for magic, _name in _IMAGE_MAGIC:
        if head.startswith(magic):
            return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio"
    for magic, _name in _AUDIO_MAGIC:
        if head.startswith(magic):
            return "audio"
    suffix = path.suffix.lower()
    if suffix in _IMAGE_SUFFIXES:
        return "image"
    if suffix in _AUDIO_SUFFIXES:
        return "audio"
    return None


def _iso_tracks(path: Path) -> set[str]:
    """Track handler types ("vide", "soun", ...) named in an MP4/MOV file's headers (best effort)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        chunks = [fh.read(_ISO_SCAN_BYTES)]
        if size > _ISO_SCAN_BYTES:
            fh.seek(max(_ISO_SCAN_BYTES, size - _ISO_SCAN_BYTES))
            chunks.append(fh.read())
    found = set()
    for data in chunks:
        start = 0
        while (i := data.find(b"hdlr", start)) >= 0:
            found.add(data[i + 12 : i + 16].decode("latin-1"))
            start = i + 4
    return found


def _quiet_opencv() -> None:
    """Silence FFmpeg's and OpenCV's log lines; the errors they describe become InputErrors."""
    # AV_LOG_FATAL: read by OpenCV when it first initialises FFmpeg.  setdefault keeps a user's choice.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")


def _set_cv_log_level(level: int | None) -> int | None:
    """Set OpenCV's own log level (0 = silent), returning the previous one (None when unsupported)."""
    cv = cv2()
    if not (hasattr(cv, "getLogLevel") and hasattr(cv, "setLogLevel")):
        return None
    previous = cv.getLogLevel()
    if level is not None:
        cv.setLogLevel(level)
    return previous


# ---------------------------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------------------------


class _Source:
    info: SourceInfo
    ended_reason: str | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class FileSource(_Source):
    """A video file, streamed frame by frame with container timestamps.

    Attributes besides ``info``: ``timing`` ("timestamps" or "index"), ``t0_s`` (the container
    time of the first frame, subtracted from every ``t_s``), ``notes`` (dropped frames),
    ``ended_reason`` (None, or why the stream ended before the announced end).
    """

    def __init__(self, path: str | Path, *, config: VideoConfig = DEFAULT.video, _kind: str = "file"):
        self.config = config
        self.path = Path(path)
        self._cap = None
        self._buffer: deque[tuple[np.ndarray, float]] = deque()
        self._index = 0
        self._last_t_s = -math.inf
        self._dropped = 0
        self.ended_reason = None
        # Frames earlier than this (s) are decoded but not delivered: a consumer that needs fewer
        # frames than the file has (the analysis while nothing moves) sets it after each frame.
        # Skipped frames are not counted as dropped and keep the timing of the ones delivered.
        self.next_wanted_s = -math.inf
        self.skipped = 0
        self._check_file()
        cv = cv2()
        _quiet_opencv()
        previous = _set_cv_log_level(0)  # LOG_LEVEL_SILENT while probing
        try:
            self._cap = cv.VideoCapture(str(self.path), cv.CAP_FFMPEG)
            if not self._cap.isOpened():
                self._cap.release()
                self._cap = cv.VideoCapture(str(self.path))  # any other backend
            if not self._cap.isOpened():
                raise InputError(self._why_unopenable())
            self._probe(cv, _kind)
        except BaseException:
            self.close()
            raise
        finally:
            _set_cv_log_level(previous)

    # -- opening ------------------------------------------------------------------------------

    def _check_file(self) -> None:
        from breathcam.fileio import check_input

        p = self.path
        check_input(p, what="video file")  # missing, folder, FIFO, device, link loop, empty, unreadable
        try:
            with open(p, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
        kind = sniff_kind(p, head)
        if kind == "image":
            raise InputError(f"{p} is an image, not a video")
        if kind == "audio":
            raise InputError(f"{p} has no video stream (it is an audio file)")

    def _why_unopenable(self) -> str:
        p = self.path
        try:
            tracks = _iso_tracks(p)
        except OSError:
            tracks = set()
        if "soun" in tracks and "vide" not in tracks:
            return f"{p} has no video stream (audio only)"
        return f"{p} could not be opened as a video (corrupt, truncated or unsupported format)"

    def _probe(self, cv, kind: str) -> None:
        """Read the first frames eagerly: errors surface now, and the timing is decided."""
        cap = self._cap
        fps_nominal = float(cap.get(cv.CAP_PROP_FPS) or 0.0)
        n_claimed = int(cap.get(cv.CAP_PROP_FRAME_COUNT) or 0)
        n_claimed = n_claimed if n_claimed > 0 else None
        t_ms = []
        for _ in range(max(1, self.config.probe_frames)):
            ok, image = cap.read()
            if not ok or image is None:
                break
            t_ms.append(float(cap.get(cv.CAP_PROP_POS_MSEC)))
            self._buffer.append((image, t_ms[-1]))
        if not self._buffer:
            raise InputError(f"{self.path} opened but no frame could be decoded (corrupt or empty video stream)")
        image0 = self._buffer[0][0]
        if image0.ndim != 3 or image0.shape[2] != 3 or image0.dtype != np.uint8:
            raise InputError(f"{self.path} decodes to unsupported frames (shape {image0.shape}, {image0.dtype})")
        expected = min(self.config.probe_frames, n_claimed or 1)
        if len(self._buffer) < expected:
            raise InputError(
                f"{self.path} is truncated or corrupt: only {len(self._buffer)} of {n_claimed} frames could be decoded"
            )
        if len(self._buffer) == 1 and self.config.probe_frames > 1:
            # A one-frame "video" (an image in a format not recognised above): nothing moves in it.
            raise InputError(f"{self.path} holds a single frame: an image, not a video")
        try:
            self.timing, self.fps = choose_timing(fps_nominal=fps_nominal, t_ms=t_ms, config=self.config)
        except InputError as exc:
            raise InputError(f"{self.path}: {exc}") from None
        self.t0_s = t_ms[0] / 1000.0 if self.timing == "timestamps" else 0.0
        h, w = image0.shape[:2]
        self._size = downscaled_size(w, h, max_width_px=self.config.max_width_px)
        self._n_claimed = n_claimed
        duration = n_claimed / self.fps if n_claimed else None
        self.info = SourceInfo(
            name=str(self.path),
            kind=kind,
            width=self._size[0],
            height=self._size[1],
            fps_nominal=fps_nominal if math.isfinite(fps_nominal) else 0.0,
            n_frames=n_claimed,
            duration_s=duration,
        )

    # -- reading ------------------------------------------------------------------------------

    @property
    def notes(self) -> tuple[str, ...]:
        if self._dropped:
            return (f"{self._dropped} frame(s) dropped: their timestamps did not increase",)
        return ()

    def _raw(self) -> Iterator[tuple[np.ndarray | None, float]]:
        """(image, container time ms) pairs: the probed frames, then the rest of the file.  The
        rest are only grabbed (decoded, not converted): image None, :meth:`_retrieve` gets it."""
        cv = cv2()
        while self._buffer:
            yield self._buffer.popleft()
        pos_msec = cv.CAP_PROP_POS_MSEC
        while self._cap is not None:
            if not self._cap.grab():
                return
            yield None, float(self._cap.get(pos_msec))

    def _retrieve(self) -> np.ndarray | None:
        ok, image = self._cap.retrieve() if self._cap is not None else (False, None)
        return image if ok else None

    def __iter__(self) -> Iterator[Frame]:
        cv = cv2()
        n_read = 0
        for image, t_ms in self._raw():
            n_read += 1
            if self.timing == "timestamps":
                t_s = t_ms / 1000.0 - self.t0_s
            else:
                t_s = (n_read - 1) / self.fps
            if not (math.isfinite(t_s) and t_s > self._last_t_s):
                self._dropped += 1
                continue
            self._last_t_s = t_s
            if t_s < self.next_wanted_s:
                self.skipped += 1  # the consumer does not need it: never converted nor scaled
                continue
            if image is None:
                image = self._retrieve()
                if image is None:
                    break
            if (image.shape[1], image.shape[0]) != self._size:
                image = cv.resize(image, self._size, interpolation=cv.INTER_AREA)
            frame = Frame(index=self._index, t_s=t_s, image=image)
            self._index += 1
            yield frame
        if self._n_claimed and n_read < self.config.min_decoded_fraction * self._n_claimed:
            self.ended_reason = f"{self.path} ended after {n_read} of {self._n_claimed} frames (truncated or corrupt?)"

    def close(self) -> None:
        cap, self._cap = getattr(self, "_cap", None), None
        if cap is not None:
            cap.release()
        if hasattr(self, "_buffer"):
            self._buffer.clear()


class ReplaySource(_Source):
    """A video file played against the wall clock: the camera stand-in for live tests.

    Each frame is yielded no earlier than its own timestamp (divided by ``speed``) after the first
    frame was yielded.  A frame already more than ``replay_max_lag_s`` late (the consumer is slow)
    is dropped, as a camera drops what nobody reads; ``dropped`` counts them.  Frames keep the
    file's timestamps, so results compare with an offline run of the same file.
    """

    def __init__(self, path: str | Path, *, speed: float = 1.0, config: VideoConfig = DEFAULT.video):
        if not (math.isfinite(speed) and speed > 0):
            raise InputError(f"replay speed must be a positive number, not {speed}")
        self.speed = float(speed)
        self.config = config
        self.dropped = 0
        self._file = FileSource(path, config=config, _kind="replay")
        self.info = self._file.info
        self.ended_reason = None

    @property
    def notes(self) -> tuple[str, ...]:
        notes = self._file.notes
        if self.dropped:
            notes += (f"replay dropped {self.dropped} frame(s): the consumer was slower than real time",)
        return notes

    def __iter__(self) -> Iterator[Frame]:
        start: float | None = None
        t_first = 0.0
        for frame in self._file:
            if start is None:
                start, t_first = time.monotonic(), frame.t_s
            target = start + (frame.t_s - t_first) / self.speed
            wait = target - time.monotonic()
            if wait > self.config.replay_max_wait_s:
                # A gap in the clip's timestamps: wait the maximum, then rebase the clock.
                time.sleep(self.config.replay_max_wait_s)
                start -= wait - self.config.replay_max_wait_s
            elif wait > 0:
                time.sleep(wait)
            elif -wait > self.config.replay_max_lag_s:
                self.dropped += 1
                continue
            yield frame
        self.ended_reason = self._file.ended_reason

    def close(self) -> None:
        f = getattr(self, "_file", None)
        if f is not None:
            f.close()


class CameraSource(_Source):
    """An OpenCV camera; ``t_s`` is ``time.monotonic()`` relative to the first frame.

    A camera that stops delivering ``camera_max_failed_reads`` times in a row ends the iteration
    and sets ``ended_reason``; no exception, so what was measured is kept.
    """

    def __init__(self, index: int, *, config: VideoConfig = DEFAULT.video):
        self.config = config
        self.index = int(index)
        self.ended_reason = None
        self._cap = None
        self._first: tuple[np.ndarray, float] | None = None
        cv = cv2()
        name = f"camera {self.index}"
        if self.index < 0:
            raise InputError(f"{name} could not be opened: camera indices start at 0")
        _quiet_opencv()
        previous = _set_cv_log_level(0)
        try:
            self._cap = cv.VideoCapture(self.index)
            if not self._cap.isOpened():
                raise InputError(f"{name} could not be opened: {self._why_unopenable()}")
            ok, image = self._cap.read()
            if not ok or image is None:
                raise InputError(f"{name} could not be opened: it delivered no frame (in use by another program?)")
        except BaseException:
            self.close()
            raise
        finally:
            _set_cv_log_level(previous)
        self._t0 = time.monotonic()
        self._first = (image, self._t0)
        h, w = image.shape[:2]
        self._size = downscaled_size(w, h, max_width_px=config.max_width_px)
        fps = float(self._cap.get(cv.CAP_PROP_FPS) or 0.0)
        self.info = SourceInfo(
            name=name,
            kind="camera",
            width=self._size[0],
            height=self._size[1],
            fps_nominal=fps if math.isfinite(fps) else 0.0,
        )

    def _why_unopenable(self) -> str:
        if sys.platform.startswith("linux"):
            dev = Path(f"/dev/video{self.index}")
            if not dev.exists():
                return f"no such device ({dev} does not exist)"
            if not os.access(dev, os.R_OK | os.W_OK):
                return f"no permission to use {dev} (add the user to the 'video' group)"
        return "the driver refused it (no such camera, or in use by another program)"

    def __iter__(self) -> Iterator[Frame]:
        cv = cv2()
        index = 0
        last_t = -math.inf
        failed = 0
        while self._cap is not None:
            if self._first is not None:
                (image, t_abs), self._first = self._first, None
            else:
                ok, image = self._cap.read()
                t_abs = time.monotonic()
                if not ok or image is None:
                    failed += 1
                    if failed >= self.config.camera_max_failed_reads:
                        self.ended_reason = (
                            f"{self.info.name} stopped delivering frames after {t_abs - self._t0:.1f} s"
                        )
                        return
                    continue
            failed = 0
            t_s = t_abs - self._t0
            if t_s <= last_t:
                continue
            last_t = t_s
            if (image.shape[1], image.shape[0]) != self._size:
                image = cv.resize(image, self._size, interpolation=cv.INTER_AREA)
            yield Frame(index=index, t_s=t_s, image=image)
            index += 1

    def close(self) -> None:
        cap, self._cap = getattr(self, "_cap", None), None
        if cap is not None:
            cap.release()
