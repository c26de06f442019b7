"""Sound sources: files of every common shape decode to mono at the internal rate; bad input is refused
with one clear line, or gives a null reading with a note."""

import json

import numpy as np
import pytest
import soundfile as sf

from breathcam.capture.audio import load_audio, load_track
from breathcam.config import DEFAULT
from breathcam.pipeline import analyze_audio
from breathcam.simulate.sound import simulate_sound
from breathcam.types import InputError


def _breathing(fs_hz=8000, seconds=40, seed=1):
    s = simulate_sound(duration_s=seconds, rate_bpm=12, fs_hz=max(fs_hz, 8000), snr_db=15, seed=seed)
    x = s.samples
    if fs_hz != s.fs_hz:
        from scipy.signal import resample_poly

        x = resample_poly(x, fs_hz, int(s.fs_hz)).astype(np.float32)
    return x, s.truth


@pytest.mark.parametrize("fs_hz", [8000, 16000, 44100, 96000])
def test_sample_rates_decode_to_internal_rate_and_read_the_rate(tmp_path, fs_hz):
    x, truth = _breathing(fs_hz)
    p = tmp_path / "b.wav"
    sf.write(p, x, fs_hz)
    a = load_audio(p)
    assert a.info.sample_rate_hz == DEFAULT.sound.sample_rate_hz
    assert a.info.source_rate_hz == fs_hz
    assert abs(a.info.duration_s - 40) < 0.01
    an = analyze_audio(p)
    assert an.sources == ("sound",)
    assert an.rate_bpm == pytest.approx(truth.rate_bpm, abs=0.5)


@pytest.mark.parametrize("channels, fmt", [(2, "flac"), (4, "wav"), (1, "ogg")])
def test_channels_and_formats(tmp_path, channels, fmt):
    x, truth = _breathing()
    data = np.stack([x * (0.5 + 0.1 * k) for k in range(channels)], axis=1) if channels > 1 else x
    p = tmp_path / f"b.{fmt}"
    sf.write(p, data, 8000)
    a = load_audio(p)
    assert a.info.channels == channels and a.samples.ndim == 1
    if channels > 1:
        assert any("mixed" in n for n in a.info.notes)
    assert analyze_audio(p).rate_bpm == pytest.approx(truth.rate_bpm, abs=0.5)


def test_8khz_contact_recording_band_limit(tmp_path):
    x, truth = _breathing(fs_hz=2000)
    p = tmp_path / "low.wav"
    sf.write(p, x, 2000)
    an = analyze_audio(p)
    assert max(hi for _, hi in an.sound.bands) <= 900.0
    assert an.rate_bpm == pytest.approx(truth.rate_bpm, abs=0.5)


def test_silent_file_gives_null_with_note(tmp_path):
    p = tmp_path / "silent.wav"
    sf.write(p, np.zeros(8000 * 30, np.float32), 8000)
    an = analyze_audio(p)
    assert an.rate_bpm is None and an.breaths == ()
    assert any("no breathing heard" in n for n in an.quality.notes)


def test_steady_noise_gives_null(tmp_path):
    p = tmp_path / "noise.wav"
    sf.write(p, (0.1 * np.random.default_rng(0).standard_normal(8000 * 40)).astype(np.float32), 8000)
    assert analyze_audio(p).rate_bpm is None


def test_clipped_file_is_noted_and_still_read(tmp_path):
    x, truth = _breathing()
    p = tmp_path / "clipped.wav"
    sf.write(p, np.clip(x * 6, -1, 1), 8000, subtype="PCM_16")
    an = analyze_audio(p)
    assert any("clipped" in n for n in an.quality.notes)
    assert an.rate_bpm == pytest.approx(truth.rate_bpm, abs=1.0)


def test_too_short_unknown_empty(tmp_path):
    short = tmp_path / "short.wav"
    sf.write(short, np.zeros(8000 * 3, np.float32), 8000)
    with pytest.raises(InputError, match="only 3.0 s"):
        analyze_audio(short)
    junk = tmp_path / "junk.flac"
    junk.write_bytes(np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(InputError, match="junk.flac"):
        load_audio(junk)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_audio(empty)


def test_clip_sound_track_through_pyav(tmp_path):
    """A video file with an AAC track: load_track decodes it; a clip without one gives None."""
    import av

    x, truth = _breathing(fs_hz=16000, seconds=30)
    p = tmp_path / "clip.mp4"
    with av.open(str(p), "w") as out:
        v = out.add_stream("mpeg4", rate=5)
        v.width, v.height = 64, 48
        s = out.add_stream("aac", rate=16000)
        s.layout = "mono"
        for i in range(5 * 30):
            fr = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i % 255, np.uint8), format="rgb24")
            for pkt in v.encode(fr):
                out.mux(pkt)
        for pkt in v.encode():
            out.mux(pkt)
        pts = 0
        for k in range(0, x.size, 1024):
            fr = av.AudioFrame.from_ndarray(x[None, k : k + 1024].astype(np.float32), format="fltp", layout="mono")
            fr.sample_rate, fr.pts = 16000, pts
            pts += fr.samples
            for pkt in s.encode(fr):
                out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)
    a = load_track(p)
    assert a is not None and a.info.source_rate_hz == 16000 and abs(a.info.duration_s - 30) < 0.2
    from breathcam.signals.sound import analyze_audio_samples

    assert analyze_audio_samples(a).rate_bpm == pytest.approx(truth.rate_bpm, abs=0.6)
    silent_video = tmp_path / "novoice.mp4"
    with av.open(str(silent_video), "w") as out:
        v = out.add_stream("mpeg4", rate=5)
        v.width, v.height = 64, 48
        for i in range(10):
            for pkt in v.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")):
                out.mux(pkt)
        for pkt in v.encode():
            out.mux(pkt)
    assert load_track(silent_video) is None


def test_cli_analyzes_wav_and_writes_sources(tmp_path, run_cli):
    x, truth = _breathing()
    p = tmp_path / "b.wav"
    sf.write(p, x, 8000)
    out = tmp_path / "o.json"
    proc = run_cli("analyze", str(p), "--json", str(out), "--no-save")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(out.read_text())
    assert d["sources"] == ["sound"] and d["rate_bpm"] == pytest.approx(truth.rate_bpm, abs=0.5)
    assert d["sound"]["events"] and "silences" in d["sound"]
    # a clear rate: no candidates; no heart sounds in this recording
    assert d["sound"]["rate_candidates"] == [] and d["sound"]["heart_bpm"] is None
