"""Live sessions with sound through the real PulseAudio virtual microphone (tests/conftest.py
``virtmic``): a rendered clip replayed at its own pace while its breath-sound track plays into the
microphone.  Each session runs in a fresh process (tests/live_driver.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("cv2")

DRIVER = Path(__file__).with_name("live_driver.py")


def _track_wav(clip: Path, folder: Path) -> Path:
    import soundfile

    from breathcam.capture.audio import load_track

    audio = load_track(clip)
    wav = folder / "track.wav"
    soundfile.write(str(wav), audio.samples, int(audio.info.sample_rate_hz))
    return wav


def _start(virtmic, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(DRIVER), *map(str, args)], env=virtmic, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _lines(proc: subprocess.Popen, *, timeout_s: float = 120.0) -> tuple[list[dict], str]:
    out, err = proc.communicate(timeout=timeout_s)
    return [json.loads(x) for x in out.splitlines() if x.startswith("{")], err


@pytest.fixture(scope="module")
def batch(voiced_clip):
    from breathcam.pipeline import analyze_clip

    return analyze_clip(voiced_clip)


def test_live_with_the_microphone_agrees_with_batch(virtmic, voiced_clip, batch, tmp_path):
    proc = _start(virtmic, voiced_clip, "--play", _track_wav(voiced_clip, tmp_path))
    lines, err = _lines(proc)
    assert proc.returncode == 0 and "Traceback" not in err, err
    done = lines[-1]
    assert lines[0]["mic"] == "ok" and done["mic_status"] == "ok"
    assert done["sound_s"] > 25.0  # the whole track was heard
    assert "sound" in done["sources"] and done["sound_rate_bpm"] == pytest.approx(15.0, abs=1.0)
    assert batch.rate_bpm is not None
    assert abs(done["rate_bpm"] - batch.rate_bpm) <= 0.3, (done["rate_bpm"], batch.rate_bpm)
    # the rate shown live: fused with the sound once the sound has a reading
    late = [r for r in done["live_rates"] if r[0] >= 20.0]
    assert late and all(r[1] is not None and abs(r[1] - 15.0) <= 1.0 and "sound" in r[2] for r in late)


def test_sound_keeps_the_rate_then_the_microphone_is_pulled(virtmic, voiced_clip, tmp_path):
    """Nobody in view from 8 s: sound alone carries the rate; at 20 s the sound server dies (as a
    pulled USB microphone takes its device): the session finishes with video alone, no traceback,
    keeping the sound it had."""
    proc = _start(virtmic, voiced_clip, "--play", _track_wav(voiced_clip, tmp_path), "--blank-from", 8)
    first = json.loads(proc.stdout.readline())
    assert first["event"] == "start" and first["mic"] == "ok"
    time.sleep(max(0.0, first["t"] + 20.0 - time.monotonic()))
    os.kill(virtmic.pid, signal.SIGKILL)
    lines, err = _lines(proc)
    assert proc.returncode == 0 and "Traceback" not in err, err
    done = lines[-1]
    why = {k: v for k, v in done.items() if k not in ("live_rates", "notes")}
    assert done["mic_status"] == "lost", why
    # everything the microphone delivered is kept (but for what came before the first frame) ...
    assert done["sound_s"] + done["sound_before_s"] == pytest.approx(done["mic_received_s"], abs=0.01), why
    # ... up to the kill, but for what sat in the server's and PortAudio's buffers
    assert 18.0 <= done["sound_s"] <= 20.3, why
    mic_notes = [n for n in done["notes"] if n.startswith("microphone")]
    assert len(mic_notes) == 1 and "lost" in mic_notes[0]  # said once in the notes
    assert done["duration_s"] > 25.0, why  # the session went on to the clip's end
    stretch = [r for r in done["live_rates"] if 15.0 <= r[0] <= 19.0]
    assert stretch and all(r[1] is not None and "sound" in r[2] for r in stretch), stretch
    assert all(abs(r[1] - 15.0) <= 1.0 for r in stretch), stretch
    after = [r for r in done["live_rates"] if r[0] >= 22.0]
    assert after and all("sound" not in r[2] for r in after), after
