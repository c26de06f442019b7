"""The real microphone path: a PulseAudio null sink ``virtmic`` as the microphone, a breathing
recording played into it with paplay, captured through sounddevice/PortAudio device "pulse",
analysed.  The test starts and stops its own PulseAudio daemon in a temporary XDG_RUNTIME_DIR."""

import ctypes.util
import os
import shutil
import subprocess
import time

import pytest
import soundfile as sf

from breathcam.simulate.sound import simulate_sound

_MISSING = [b for b in ("pulseaudio", "paplay", "pactl") if shutil.which(b) is None]
if ctypes.util.find_library("portaudio") is None:
    _MISSING.append("libportaudio2")
pytestmark = pytest.mark.skipif(bool(_MISSING), reason=f"missing for the capture test: {', '.join(_MISSING)}")

DURATION_S = 30.0


@pytest.fixture
def virtmic(tmp_path, monkeypatch):
    run = tmp_path / "xdg"
    run.mkdir(mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run), HOME=str(tmp_path), PULSE_RUNTIME_PATH=str(run / "pulse"))
    cmd = ["pulseaudio", "-D", "--exit-idle-time=-1", "--system=false", "--disallow-exit", "-n",
           "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=virtmic",
           "--load=module-always-sink"]
    subprocess.run(cmd, env=env, check=True, timeout=20, capture_output=True)
    for _ in range(50):
        if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run(["pactl", "set-default-source", "virtmic.monitor"], env=env, check=True, timeout=10)
    for k in ("XDG_RUNTIME_DIR", "HOME", "PULSE_RUNTIME_PATH"):
        monkeypatch.setenv(k, env[k])
    yield env
    subprocess.run(["pulseaudio", "--kill"], env=env, timeout=20, capture_output=True)


def test_breathing_played_into_a_virtual_microphone_is_measured(tmp_path, virtmic):
    import sys

    s = simulate_sound(duration_s=DURATION_S, rate_bpm=15, snr_db=15, fs_hz=16000, seed=11)
    wav = tmp_path / "breath.wav"
    sf.write(wav, s.samples, 16000)
    # PortAudio reads the PulseAudio server from the environment when it loads: a fresh process.
    code = (
        "import sys, json\n"
        "from breathcam.capture.audio import Microphone, list_input_devices, to_internal\n"
        "from breathcam.signals.sound import SoundAnalyzer, analyze_audio_samples\n"
        "import numpy as np\n"
        "names=[d['name'] for d in list_input_devices()]\n"
        "blocks=[]\n"
        "with Microphone(device='pulse') as mic:\n"
        "    an=SoundAnalyzer(fs_hz=mic.rate_hz)\n"
        "    print('ready', flush=True)\n"
        f"    for t, b in mic.blocks(duration_s={DURATION_S + 2}):\n"
        "        an.push(b); blocks.append(b)\n"
        "    rate=mic.rate_hz\n"
        "r=an.result()\n"
        "batch=analyze_audio_samples(to_internal(np.concatenate(blocks), fs_hz=rate, name='mic', kind='microphone'))\n"
        "print(json.dumps({'names': names, 'live': r.rate_bpm, 'batch': batch.rate_bpm, 'rms': float(np.std(np.concatenate(blocks)))}))\n"
    )
    rec = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(virtmic, PYTHONPATH=os.getcwd()))
    assert rec.stdout.readline().strip() == "ready", rec.stderr.read()
    subprocess.run(["paplay", "-d", "virtmic", str(wav)], env=virtmic, check=True, timeout=DURATION_S + 20)
    out, err = rec.communicate(timeout=30)
    import json

    res = json.loads(out.strip().splitlines()[-1])
    assert "pulse" in res["names"]
    assert res["rms"] > 1e-3, "nothing was captured"
    assert res["batch"] == pytest.approx(s.truth.rate_bpm, abs=1.0)
    assert res["live"] == pytest.approx(s.truth.rate_bpm, abs=1.0)
