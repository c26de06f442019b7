"""Writing a video file (``--video OUT``): H.264 where the installed codecs allow, so browsers play it.

``.mp4``, ``.mov``, ``.mkv`` (and any other name but ``.avi``) are written as H.264 (yuv420p,
``+faststart`` in MP4) through PyAV's libx264, a core dependency of breathcam; when that encoder is
not in the installed FFmpeg, the file is written by OpenCV as MPEG-4 Part 2 (``mp4v``), which
players such as VLC and ffplay show but browsers do not, and :attr:`VideoFileWriter.note` says so.
``.avi`` is Motion JPEG (OpenCV).  H.264 in yuv420p needs an even width and height: an odd last
row or column is dropped.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from breathcam.types import InputError

__all__ = ["VideoFileWriter", "H264_CRF"]

# Quality of the H.264 stream (x264 constant rate factor: 0 lossless, 23 x264's default, 51 worst);
# 18 keeps the overlay's thin lines and colours close to the frames drawn (visually lossless).
H264_CRF = 18


class VideoFileWriter:
    """``write(bgr_image)`` frame after frame, then ``close()``.  ``codec`` names what was written."""

    def __init__(self, path: str | Path, *, fps: float, width: int, height: int) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self.note = ""
        self._av = self._cv = None
        if self.path.suffix.lower() != ".avi":
            try:
                self._open_h264(width, height)
                self.codec = "H.264"
                return
            except Exception as exc:  # no libx264 in this FFmpeg, or PyAV refused the options
                self._close_av()
                self.note = (f"H.264 is not available here ({type(exc).__name__}: {str(exc)[:80]}); written as "
                             f"MPEG-4 Part 2, which browsers do not play (VLC and ffplay do)")
        self._open_cv(width, height)

    def _open_h264(self, width: int, height: int) -> None:
        import av

        self.size = (width - width % 2, height - height % 2)
        opts = {"movflags": "+faststart"} if self.path.suffix.lower() in (".mp4", ".m4v", ".mov") else {}
        container = av.open(str(self.path), mode="w", options=opts)
        self._av = container
        stream = container.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1001))
        stream.width, stream.height = self.size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(H264_CRF), "preset": "veryfast"}
        self._stream = stream
        self._av_module = av

    def _open_cv(self, width: int, height: int) -> None:
        from breathcam._deps import cv2

        cv = cv2()
        self.size = (width, height)
        fourcc = "MJPG" if self.path.suffix.lower() == ".avi" else "mp4v"
        self.codec = "Motion JPEG" if fourcc == "MJPG" else "MPEG-4 Part 2"
        self._cv = cv.VideoWriter(str(self.path), cv.VideoWriter_fourcc(*fourcc), self.fps, (width, height))
        if not self._cv.isOpened():
            raise InputError(f"cannot write video {self.path}; use a .mp4 or .avi file name")

    def write(self, img: np.ndarray) -> None:
        if self._av is not None:
            w, h = self.size
            frame = self._av_module.VideoFrame.from_ndarray(np.ascontiguousarray(img[:h, :w]), format="bgr24")
            for packet in self._stream.encode(frame):
                self._av.mux(packet)
        else:
            self._cv.write(img)

    def _close_av(self) -> None:
        container, self._av = self._av, None
        if container is not None:
            try:
                container.close()
            except Exception:
                pass

    def close(self) -> None:
        if self._av is not None:
            try:
                for packet in self._stream.encode(None):  # flush the encoder
                    self._av.mux(packet)
            finally:
                self._close_av()
        if self._cv is not None:
            self._cv.release()
            self._cv = None
