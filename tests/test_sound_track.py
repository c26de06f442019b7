"""Clips with a breath-sound track: simulate.render.add_sound_track muxes sound into a rendered clip
without touching the picture, and `breathcam analyze` fuses the track with the video."""

import json

import numpy as np
import pytest

from breathcam.simulate.render import add_sound_track, truth_path
from breathcam.simulate.sound import breath_sound, simulate_sound
from breathcam.simulate.waveform import Truth, simulate_breathing


def _tiny_clip(path, seconds=3.0, fps=10):
    """A few frames of noise as a video (OpenCV, as render_clip writes them)."""
    from breathcam._deps import cv2

    cv = cv2()
    fourcc = "mp4v" if path.suffix == ".mp4" else "MJPG"
    w = cv.VideoWriter(str(path), cv.VideoWriter_fourcc(*fourcc), float(fps), (64, 48))
    rng = np.random.default_rng(0)
    for _ in range(int(seconds * fps)):
        w.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    w.release()
    return path


def _video_packets(path):
    import av

    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.dts is not None]


@pytest.mark.parametrize("suffix", [".mp4", ".avi"])
def test_add_sound_track_keeps_the_picture_and_holds_the_sound(tmp_path, suffix):
    from breathcam.capture.audio import load_track

    clip = _tiny_clip(tmp_path / f"c{suffix}")
    before = _video_packets(clip)
    s = simulate_sound(duration_s=3.0, rate_bpm=20, fs_hz=16000, seed=1)
    add_sound_track(clip, s.samples, fs_hz=s.fs_hz)
    assert _video_packets(clip) == before  # copied, not re-encoded
    track = load_track(clip)
    assert track is not None and track.info.source_rate_hz == 16000
    assert track.info.duration_s == pytest.approx(3.0, abs=0.15)
    if suffix == ".avi":  # 16-bit PCM: the samples themselves (at 8 kHz)
        from breathcam.capture.audio import to_internal

        ref = to_internal(s.samples, fs_hz=16000, name="ref", kind="file").samples
        np.testing.assert_allclose(track.samples, ref, atol=1e-3)
    assert not list(tmp_path.glob("*sound-tmp*"))


def test_breath_sound_follows_the_given_breathing():
    b = simulate_breathing(duration_s=40, fs_hz=20, rate_bpm=12, holds=[(15, 8, "inhale")], seed=2)
    s = breath_sound(b, fs_hz=8000, snr_db=None, seed=2)
    assert s.truth is b.truth and s.samples.size == 40 * 8000
    env = np.sqrt(np.convolve(s.samples.astype(float) ** 2, np.ones(800) / 800, mode="same"))
    (hold,) = b.truth.holds
    inside = env[int((hold.start + 0.5) * 8000) : int((hold.end - 0.5) * 8000)]
    assert inside.max() < 0.05 * env.max()  # a held breath makes no airflow sound


def test_analyze_fuses_the_clip_sound_track(voiced_clip, run_cli, tmp_path):
    out = tmp_path / "a.json"
    proc = run_cli("analyze", str(voiced_clip), "--json", str(out), "--no-save")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    truth = Truth.read(truth_path(voiced_clip))
    assert json.loads(truth_path(voiced_clip).read_text())["extra"]["sound"]["snr_db"] == 20.0
    assert data["sources"] == ["video", "sound"]
    assert data["rate_bpm"] == pytest.approx(truth.rate_bpm, abs=0.5)
    assert data["sound"]["rate_bpm"] == pytest.approx(truth.rate_bpm, abs=1.0)
    assert any("agree" in n for n in data["quality"]["notes"])
