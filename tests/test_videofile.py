"""--video files: H.264 (browsers play it) through PyAV, Motion JPEG for .avi; read back frame for frame."""

import numpy as np
import pytest

from breathcam.videofile import VideoFileWriter

av = pytest.importorskip("av")


def _frames(n, h, w):
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 // w, yy * 255 // h, (xx + yy) * 127 // (w + h)], axis=-1).astype(np.uint8)
    for k in range(n):
        img = base.copy()
        img[10:30, 10 + k: 40 + k] = (0, 0, 255)  # a red block that moves
        yield img


@pytest.mark.parametrize("name, codec", [("out.mp4", "h264"), ("out.mkv", "h264"), ("out.avi", "mjpeg")])
def test_written_and_read_back(tmp_path, name, codec):
    path = tmp_path / name
    frames = list(_frames(30, 121, 161))  # odd size: H.264 drops the last row and column
    w = VideoFileWriter(path, fps=15.0, width=161, height=121)
    for f in frames:
        w.write(f)
    w.close()
    assert w.note == ""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == codec
        back = [fr.to_ndarray(format="bgr24") for fr in c.decode(stream)]
    assert len(back) == 30
    assert float(stream.average_rate) == pytest.approx(15.0, abs=0.01)
    h, wd = back[0].shape[:2]
    assert (h, wd) == (120, 160) or (codec != "h264" and (h, wd) == (121, 161))
    err = np.abs(back[20].astype(int) - frames[20][:h, :wd].astype(int)).mean()
    assert err < 4  # lossy, but the same picture
    assert back[20][20, 35, 2] > 150 and back[20][20, 35, 0] < 120  # the red block where it was drawn
