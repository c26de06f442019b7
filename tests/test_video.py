"""Frame sources: files (mp4v/.mp4, MJPG/.avi), timing rules, bad input, replay pacing, cameras."""

from __future__ import annotations

import dataclasses
import os
import time
import wave

import numpy as np
import pytest

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")  # as the sources do; keeps the test log clean
cv2 = pytest.importorskip("cv2")

from breathcam.capture import video  # noqa: E402
from breathcam.capture.video import (  # noqa: E402
    CameraSource,
    FileSource,
    FrameSource,
    ReplaySource,
    choose_timing,
    downscaled_size,
    increasing_mask,
    open_source,
    timestamp_rate_hz,
)
from breathcam.config import DEFAULT  # noqa: E402
from breathcam.types import InputError  # noqa: E402


def write_clip(path, *, n=20, fps=25.0, size=(160, 120), fourcc="MJPG"):
    """A clip whose frame i has mean gray level ~ 10*i (to check order and content)."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    for i in range(n):
        img = np.full((h, w, 3), (10 * i) % 250, np.uint8)
        img[: h // 4, : w // 4] = rng.integers(0, 255, (h // 4, w // 4, 3), dtype=np.uint8)
        writer.write(img)
    writer.release()
    return path


class _RealCv2Proxy:
    """cv2, with VideoCapture replaced: drives the sources with scripted frames."""

    def __init__(self, capture_cls):
        self.VideoCapture = capture_cls

    def __getattr__(self, name):
        return getattr(cv2, name)


class FakeCapture:
    """Scripted capture: yields frames with the given container times (ms) and properties."""

    def __init__(self, times_ms, *, fps=30.0, n_claimed=None, shape=(48, 64, 3)):
        self.times_ms = list(times_ms)
        self.fps = fps
        self.n_claimed = len(self.times_ms) if n_claimed is None else n_claimed
        self.shape = shape
        self.i = 0
        self.released = False

    def __call__(self, *args, **kwargs):  # used as the class: VideoCapture(path, api)
        return self

    def isOpened(self):
        return True

    def grab(self):
        if self.i >= len(self.times_ms):
            return False
        self.i += 1
        return True

    def retrieve(self):
        return True, np.full(self.shape, self.i % 256, np.uint8)

    def read(self):
        return self.retrieve() if self.grab() else (False, None)

    def get(self, prop):
        if prop == cv2.CAP_PROP_FPS:
            return self.fps
        if prop == cv2.CAP_PROP_FRAME_COUNT:
            return self.n_claimed
        if prop == cv2.CAP_PROP_POS_MSEC:
            return self.times_ms[self.i - 1]
        return 0.0

    def release(self):
        self.released = True


@pytest.fixture
def fake_cv2(monkeypatch):
    def install(capture):
        monkeypatch.setattr(video, "cv2", lambda: _RealCv2Proxy(capture))
        return capture

    return install


# ------------------------------------------------------------------------------------------------
# real files
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fourcc, suffix", [("mp4v", ".mp4"), ("MJPG", ".avi")])
def test_file_round_trip_times_and_content(tmp_path, fourcc, suffix):
    path = write_clip(tmp_path / f"clip{suffix}", n=20, fps=25.0, fourcc=fourcc)
    with open_source(path) as src:
        assert isinstance(src, FrameSource)
        assert (src.info.width, src.info.height) == (160, 120)
        assert src.info.kind == "file" and src.info.fps_nominal == pytest.approx(25.0)
        assert src.info.n_frames == 20 and src.info.duration_s == pytest.approx(0.8)
        frames = list(src)
        assert src.ended_reason is None and src.notes == ()
    assert [f.index for f in frames] == list(range(20))
    t = np.array([f.t_s for f in frames])
    np.testing.assert_allclose(t, np.arange(20) / 25.0, atol=1e-3)
    levels = np.array([f.image[60:, 80:].mean() for f in frames])
    np.testing.assert_allclose(levels, 10 * np.arange(20), atol=4)  # order and content kept
    assert src._cap is None  # the context manager released the file


def test_wide_frames_are_downscaled_and_reported(tmp_path):
    path = write_clip(tmp_path / "wide.avi", n=10, size=(1280, 720))
    cfg = dataclasses.replace(DEFAULT.video, max_width_px=640)
    with open_source(path, config=cfg) as src:
        assert (src.info.width, src.info.height) == (640, 360)
        shapes = {f.image.shape for f in src}
    assert shapes == {(360, 640, 3)}
    assert downscaled_size(320, 240, max_width_px=640) == (320, 240)
    assert downscaled_size(1920, 1080, max_width_px=640) == (640, 360)


def test_file_is_streamed_not_loaded(tmp_path):
    path = write_clip(tmp_path / "c.avi", n=30)
    src = FileSource(path)
    it = iter(src)
    first = next(it)
    # only the probe frames are buffered; the rest is still in the file
    assert first.index == 0 and src._cap is not None
    assert len(src._buffer) < DEFAULT.video.probe_frames
    rest = list(it)
    assert len(rest) == 29
    src.close()


# ------------------------------------------------------------------------------------------------
# timing rules (pure) and variable frame rate through the real FileSource code
# ------------------------------------------------------------------------------------------------


def test_increasing_mask_drops_non_increasing_and_nan():
    t = [0.0, 0.033, 0.033, 0.020, 0.1, float("nan"), 0.2, 0.15, 0.3]
    np.testing.assert_array_equal(
        increasing_mask(t), [True, True, False, False, True, False, True, False, True]
    )
    assert increasing_mask([]).size == 0


def test_timestamp_rate_and_timing_choice():
    vfr_ms = [0, 33, 70, 100, 140, 166, 200, 233]  # irregular, ~30 fps
    assert timestamp_rate_hz(vfr_ms) == pytest.approx(30.0, rel=0.05)
    assert timestamp_rate_hz([0, 0, 0, 0]) is None  # no timestamps
    assert timestamp_rate_hz([0, 40, 30, 20, 10]) is None  # most of them do not increase
    assert timestamp_rate_hz([0, 40, 80, 80, 70, 120]) == pytest.approx(25.0)  # a few repeats
    assert choose_timing(fps_nominal=0.0, t_ms=vfr_ms) == ("timestamps", pytest.approx(30.0, rel=0.05))
    assert choose_timing(fps_nominal=25.0, t_ms=[0, 0, 0]) == ("index", 25.0)
    for bad in (0.0, float("nan"), 1.0, 5000.0, -3.0, float("inf")):
        with pytest.raises(InputError, match="not usable"):
            choose_timing(fps_nominal=bad, t_ms=[0, 0, 0])
    with pytest.raises(InputError, match="frame rate 5000"):  # timestamps as absurd as the fps
        choose_timing(fps_nominal=5000.0, t_ms=[0, 0.2, 0.4])


def test_variable_frame_rate_uses_container_times_and_drops_repeats(fake_cv2):
    # nominal 30 fps, but the container says otherwise: a VFR clip with one repeated and one
    # backwards timestamp
    times_ms = [1000, 1033, 1100, 1150, 1150, 1140, 1300, 1500, 1533, 1566]
    fake_cv2(FakeCapture(times_ms, fps=30.0))
    with FileSource(__file__) as src:  # an existing file; its frames come from FakeCapture
        assert src.timing == "timestamps"
        frames = list(src)
    t = [f.t_s for f in frames]
    np.testing.assert_allclose(t, [0, 0.033, 0.1, 0.15, 0.3, 0.5, 0.533, 0.566], atol=1e-9)
    assert [f.index for f in frames] == list(range(8))
    assert src.t0_s == pytest.approx(1.0)
    assert src.notes == ("2 frame(s) dropped: their timestamps did not increase",)


def test_no_container_times_fall_back_to_index_over_fps(fake_cv2):
    fake_cv2(FakeCapture([0.0] * 12, fps=12.5))
    with FileSource(__file__) as src:
        assert src.timing == "index"
        t = [f.t_s for f in src]
    np.testing.assert_allclose(t, np.arange(12) / 12.5)


def test_file_ending_early_sets_ended_reason(fake_cv2):
    fake_cv2(FakeCapture(np.arange(20) * 40.0, fps=25.0, n_claimed=100))
    with FileSource(__file__) as src:
        n = sum(1 for _ in src)
    assert n == 20
    assert "ended after 20 of 100 frames" in src.ended_reason


# ------------------------------------------------------------------------------------------------
# bad input: one-line InputErrors on open
# ------------------------------------------------------------------------------------------------


def _bad_inputs(tmp_path):
    good = write_clip(tmp_path / "good.mp4", n=20, fourcc="mp4v")
    data = good.read_bytes()
    (tmp_path / "trunc.mp4").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "random.mp4").write_bytes(np.random.default_rng(1).bytes(20000))
    cv2.imwrite(str(tmp_path / "still.png"), np.zeros((40, 40, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "still.jpg"), np.zeros((40, 40, 3), np.uint8))
    (tmp_path / "renamed.mp4").write_bytes((tmp_path / "still.png").read_bytes())
    with wave.open(str(tmp_path / "sound.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(np.zeros(8000, np.int16).tobytes())
    (tmp_path / "sound.mp4").write_bytes(b"\x00\x00\x00\x21hdlr\x00\x00\x00\x00\x00\x00\x00\x00soun" + bytes(200))
    writer = cv2.VideoWriter(str(tmp_path / "noframes.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    writer.release()
    write_clip(tmp_path / "slow.avi", n=10, fps=2.0)
    write_clip(tmp_path / "fast.avi", n=10, fps=200.0)
    (tmp_path / "folder.mp4").mkdir()
    return {
        "missing.mp4": "not found",
        "empty.mp4": r"is empty \(0 bytes\)",
        "random.mp4": "could not be opened as a video",
        "trunc.mp4": "could not be opened as a video",
        "still.png": "is an image, not a video",
        "still.jpg": "is an image, not a video",
        "renamed.mp4": "is an image, not a video",
        "sound.wav": "has no video stream",
        "sound.mp4": "has no video stream",
        "noframes.avi": "no frame|could not be opened",
        "slow.avi": "frame rate 2 is not usable",
        "fast.avi": "frame rate 200 is not usable",  # with max_fps = 100 below
        "folder.mp4": "is a folder",
    }


def test_bad_inputs_raise_one_line_input_errors_on_open(tmp_path):
    # AVI stores at most 600 frames/s, so the absurd rate is tested against a lower ceiling
    cfg = dataclasses.replace(DEFAULT.video, max_fps=100.0)
    for name, pattern in _bad_inputs(tmp_path).items():
        with pytest.raises(InputError, match=pattern) as info:
            open_source(tmp_path / name, config=cfg)
        msg = str(info.value)
        assert "\n" not in msg and name in msg, (name, msg)
        with pytest.raises(InputError):
            open_source(tmp_path / name, replay=True, config=cfg)


# ------------------------------------------------------------------------------------------------
# replay: the camera stand-in
# ------------------------------------------------------------------------------------------------


def test_replay_paces_frames_to_the_wall_clock(tmp_path):
    path = write_clip(tmp_path / "r.avi", n=16, fps=20.0)  # 0.75 s
    with open_source(path, replay=True) as src:
        assert isinstance(src, ReplaySource) and src.info.kind == "replay"
        stamps = [(f.t_s, time.monotonic()) for f in src]
    t = np.array([s[0] for s in stamps])
    wall = np.array([s[1] for s in stamps]) - stamps[0][1]
    # (tolerances allow for a loaded 2-core machine: a frame may be dropped when the test
    # process is descheduled for more than replay_max_lag_s)
    assert len(t) + src.dropped == 16 and src.dropped <= 2
    assert np.all(wall >= t - 0.005)  # never early
    assert np.median(wall - t) < 0.03 and np.max(wall - t) < DEFAULT.video.replay_max_lag_s + 0.05  # nor late
    assert wall[-1] == pytest.approx(t[-1], abs=0.1) and t[-1] >= 0.7


def test_replay_speed_and_slow_consumer(tmp_path):
    path = write_clip(tmp_path / "r.avi", n=30, fps=30.0)  # 0.967 s
    t0 = time.monotonic()
    with ReplaySource(path, speed=2.0) as src:
        n = sum(1 for _ in src)
    elapsed = time.monotonic() - t0
    assert n + src.dropped == 30 and src.dropped <= 2
    assert 29 / 30 / 2 - 0.01 <= elapsed < 29 / 30 / 2 + 0.2

    t0 = time.monotonic()
    got = []
    with ReplaySource(path) as src:
        for f in src:
            got.append(f.t_s)
            time.sleep(0.15)  # a consumer at ~6 frames/s
    elapsed = time.monotonic() - t0
    assert 3 <= len(got) <= 10 and src.dropped == 30 - len(got)
    assert np.all(np.diff(got) > 0.05)  # the frames kept are spread over the clip
    assert got[-1] > 0.6
    assert elapsed < 1.0 + 0.6  # never blocks: ends about when the clip ends
    assert "replay dropped" in src.notes[-1]
    with pytest.raises(InputError, match="speed"):
        ReplaySource(path, speed=0.0)


# ------------------------------------------------------------------------------------------------
# cameras
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [7, "9"])
def test_missing_camera_raises_input_error_quickly(spec):
    t0 = time.monotonic()
    with pytest.raises(InputError, match=rf"camera {spec} could not be opened: ") as info:
        open_source(spec)
    assert time.monotonic() - t0 < 3.0
    assert "\n" not in str(info.value)


def test_camera_that_stops_mid_session_ends_cleanly(fake_cv2):
    cap = fake_cv2(FakeCapture([0.0] * 6, fps=0.0, shape=(480, 1280, 3)))
    with CameraSource(0) as src:
        assert src.info.kind == "camera" and (src.info.width, src.info.height) == (640, 240)
        frames = []
        for f in src:
            frames.append(f)
            time.sleep(0.002)
    assert len(frames) == 6
    assert frames[0].t_s == 0.0 and np.all(np.diff([f.t_s for f in frames]) > 0)
    assert frames[-1].image.shape == (240, 640, 3)
    assert src.ended_reason.startswith("camera 0 stopped delivering frames after")
    assert cap.released


def test_camera_that_opens_but_gives_no_frame(fake_cv2):
    fake_cv2(FakeCapture([], fps=30.0))
    with pytest.raises(InputError, match="camera 0 could not be opened: it delivered no frame"):
        CameraSource(0)


def test_bool_is_not_a_camera_index():
    with pytest.raises(InputError, match="not a video source"):
        open_source(True)


def test_frames_before_next_wanted_are_skipped_not_dropped(tmp_path):
    # the analysis asks for one frame in three: the others are decoded but never delivered, and
    # the delivered ones keep their own times and content
    path = write_clip(tmp_path / "clip.avi", n=30, fps=30.0)
    with open_source(path) as src:
        frames = []
        for f in src:
            frames.append(f)
            src.next_wanted_s = f.t_s + 2.5 / 30.0
        assert src.skipped == 20 and src.notes == () and src.ended_reason is None
    assert [f.index for f in frames] == list(range(10))
    t = np.array([f.t_s for f in frames])
    np.testing.assert_allclose(t, np.arange(0, 30, 3) / 30.0, atol=1e-3)
    levels = np.array([f.image[60:, 80:].mean() for f in frames])
    np.testing.assert_allclose(levels, 10 * np.arange(0, 30, 3) % 250, atol=4)
