"""The real microphone path: a PulseAudio null sink ``virtmic`` as the microphone (the ``virtmic``
fixture of tests/conftest.py), the sound track of a rendered clip (``voiced_clip``: breath sounds of
the clip's own breathing) played into it in real time with paplay, captured through
sounddevice/PortAudio device "pulse" by both microphone classes at once, analysed."""

import json
import subprocess
import sys

import pytest

from breathcam.config import DEFAULT
from breathcam.simulate.render import truth_path
from breathcam.simulate.waveform import Truth

DURATION_S = 30.0


def test_breathing_played_into_a_virtual_microphone_is_measured(voiced_clip, virtmic):
    truth = Truth.read(truth_path(voiced_clip))
    assert truth.duration_s == DURATION_S
    # PortAudio reads the PulseAudio server from the environment when it loads: a fresh process.
    # Microphone (the blocking reader behind `record`) and LiveMicrophone (the live session's: polled,
    # resampled to 8 kHz, with a sound meter) listen to the same device side by side.
    code = (
        "import sys, json\n"
        "import numpy as np\n"
        "from breathcam.capture.audio import LiveMicrophone, Microphone, list_input_devices, to_internal\n"
        "from breathcam.signals.sound import SoundAnalyzer, analyze_audio_samples\n"
        "names=[d['name'] for d in list_input_devices()]\n"
        "live = LiveMicrophone.open('pulse', rate_hz=48000)\n"
        "lan = SoundAnalyzer(fs_hz=live.rate_hz, source_rate_hz=live.source_rate_hz)\n"
        "blocks, times, sizes, levels = [], [], [], []\n"
        "with Microphone(device='pulse') as mic:\n"
        "    an=SoundAnalyzer(fs_hz=mic.rate_hz)\n"
        "    print('ready', flush=True)\n"
        f"    for t, b in mic.blocks(duration_s={DURATION_S + 2}):\n"
        "        an.push(b); blocks.append(b)\n"
        "        for lb in live.poll():\n"
        "            lan.push(lb.samples); times.append(lb.t_s); sizes.append(lb.samples.size)\n"
        "            lv = lan.level()\n"
        "            if lv is not None: levels.append(lv.audible)\n"
        "    rate=mic.rate_hz\n"
        "live.close()\n"
        "r=an.result()\n"
        "batch=analyze_audio_samples(to_internal(np.concatenate(blocks), fs_hz=rate, name='mic', kind='microphone'))\n"
        "jumps = np.diff(times) - np.array(sizes[:-1]) / 8000.0\n"
        "late = [float(j) for j, t in zip(jumps, times[1:]) if abs(j) > 0.005 and t - times[0] > 3.0]\n"
        "print(json.dumps({'names': names, 'live': r.rate_bpm, 'batch': batch.rate_bpm,\n"
        "    'rms': float(np.std(np.concatenate(blocks))), 'live_mic': lan.result().rate_bpm,\n"
        "    'live_s': sum(sizes) / 8000.0, 'max_jump_s': float(np.abs(jumps).max()), 'late_jumps': late,\n"
        "    'span_s': times[-1] + sizes[-1] / 8000.0 - times[0], 'dropped': live.dropped_blocks,\n"
        "    'events': [e.status for e in live.events], 'audible': float(np.mean(levels))}))\n"
    )
    rec = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=virtmic)
    assert rec.stdout.readline().strip() == "ready", rec.stderr.read()
    assert virtmic.play(voiced_clip).wait(timeout=DURATION_S + 20) == 0
    out, err = rec.communicate(timeout=30)
    assert rec.returncode == 0, err
    res = json.loads(out.strip().splitlines()[-1])
    assert "pulse" in res["names"]
    assert res["rms"] > 1e-3, "nothing was captured"
    assert res["batch"] == pytest.approx(truth.rate_bpm, abs=1.0)
    assert res["live"] == pytest.approx(truth.rate_bpm, abs=1.0)
    # the live microphone: every block, in order, and the same reading
    assert res["live_mic"] == pytest.approx(truth.rate_bpm, abs=1.0)
    assert res["live_s"] >= DURATION_S and res["dropped"] == 0
    # block times follow the sample count: the timeline may be placed while the stream starts
    # (PulseAudio's first blocks come in a burst); a stream that started slowly (a cold machine) may
    # be placed once more after that, by less than the resync threshold; it agrees with the samples
    late = res["late_jumps"]
    assert len(late) <= 1 and all(abs(j) < DEFAULT.sound.mic_clock_resync_s for j in late), late
    assert res["max_jump_s"] < 0.5
    assert res["span_s"] == pytest.approx(res["live_s"], abs=0.3)
    assert res["events"][0] == "ok" and "lost" not in res["events"]
    assert res["audible"] > 0.3  # the sound meter hears the breaths
