"""The live microphone (capture.audio.LiveMicrophone): streaming resampling, and every way a
microphone fails, for real through PortAudio and a private PulseAudio daemon (tests/conftest.py
``virtmic``): no sounddevice, no PortAudio, no input device, a missing device, the sound server
killed or frozen mid-session, a muted or silent microphone.  Each run records in a fresh process
(tests/mic_driver.py) and the test injects the fault from outside, timing it on the same monotonic
clock."""

from __future__ import annotations

import json
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from breathcam.capture.audio import Resampler, SampleClock
from breathcam.config import DEFAULT
from breathcam.simulate.sound import simulate_sound

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("mic_driver.py")
SC = DEFAULT.sound


# ---------------------------------------------------------------------------------------------
# streaming resampling
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("from_hz", [48000, 44100, 16000, 96000, 22050, 8000, 4000])
def test_resampler_block_wise_equals_batch(from_hz):
    from scipy.signal import resample_poly

    rng = np.random.default_rng(from_hz)
    x = rng.standard_normal(int(2.5 * from_hz))
    rs = Resampler(from_hz=from_hz, to_hz=8000)
    parts, i = [], 0
    while i < x.size:
        n = int(rng.integers(1, 7000))  # blocks of any size, a single sample included
        parts.append(rs.push(x[i : i + n]))
        i += n
    live = np.concatenate(parts)
    g = math.gcd(8000, from_hz)
    batch = resample_poly(x, 8000 // g, from_hz // g)
    # all but the last few outputs come without waiting for the end ...
    assert batch.size - live.size <= rs.half_len // rs.down + 2  # 10 outputs: 1.3 ms
    np.testing.assert_allclose(live, batch[: live.size], rtol=0, atol=1e-9)
    # ... and flush() adds those, computed against zeros after the end as the batch form does
    np.testing.assert_allclose(np.concatenate((live, rs.flush())), batch, rtol=0, atol=1e-9)


def test_resampler_has_no_clicks_at_block_edges():
    fs, f0 = 48000, 440.0
    t = np.arange(3 * fs) / fs
    x = (0.5 * np.sin(2 * np.pi * f0 * t)).astype(np.float32)
    rs = Resampler(from_hz=fs, to_hz=8000)
    parts = [rs.push(x[k : k + 4800]) for k in range(0, x.size, 4800)]  # 0.1 s blocks, as a microphone
    y = np.concatenate(parts)
    edges = np.cumsum([p.size for p in parts])[:-1]
    ideal = 0.5 * np.sin(2 * np.pi * f0 * np.arange(y.size) / 8000)
    err = np.abs(y - ideal)[200:]  # past the filter's start from silence
    assert err.max() < 2e-3
    # a click would be a jump at a block edge: the second difference there is the sine's own
    d2 = np.abs(np.diff(y, 2))
    at_edges = d2[edges[edges < d2.size] - 1]
    assert at_edges.max() <= d2[200:].max() + 1e-6


def test_sample_clock_ignores_late_callbacks_and_follows_lost_samples():
    """Block times: exact spacing from the sample count; late callbacks (jitter, the burst after a
    stall) do not move them, samples really lost do, within a window."""
    fs, n = 48000.0, 4800
    rng = np.random.default_rng(3)
    clock = SampleClock(fs_hz=fs)
    true_t, got = [], []
    lost_s = 0.0
    for k in range(400):
        if k == 250:
            lost_s = 0.5  # the device dropped 0.5 s of sound (an overflow): frames counted, time moved on
        t_true = 100.0 + 0.1 * k + lost_s
        delay = float(rng.uniform(0.0, 0.06))  # the scheduler
        if 100 <= k < 105:
            delay += 0.5 - 0.1 * (k - 100)  # a 0.5 s stall: the blocks come late, in a burst
        t0 = clock.start(t_true + delay, k * n)
        true_t.append(t_true)
        got.append(t0 + k * n / fs)
    err = np.array(got) - np.array(true_t)
    assert np.all(np.abs(err[:250]) <= 0.06)
    assert np.all(np.abs(err[262:]) <= 0.06)  # placed again within a window (10 blocks) and a bit
    assert np.all(np.diff(got[:250]) == pytest.approx(0.1))  # no jitter: the spacing is the sample count


# ---------------------------------------------------------------------------------------------
# unavailable: no sounddevice, no PortAudio, no input device (fresh interpreters)
# ---------------------------------------------------------------------------------------------

_OPEN = (
    "import json, time\n"
    "from breathcam.capture.audio import LiveMicrophone\n"
    "t = time.monotonic()\n"
    "mic = LiveMicrophone.open({device!r})\n"
    "took = time.monotonic() - t\n"
    "blocks = mic.poll()\n"
    "mic.close(); mic.close()\n"
    "print(json.dumps(dict(status=mic.status, cause=mic.cause, message=mic.message, blocks=len(blocks), took=took)))\n"
)


def _fresh(code: str, env: dict | None = None) -> tuple[dict, str]:
    env = dict(env or os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def test_without_the_sounddevice_package():
    out, _ = _fresh("import sys\nsys.modules['sounddevice'] = None\n" + _OPEN.format(device=None))
    assert out["status"] == "unavailable" and out["cause"] == "no-sounddevice"
    assert "pip install sounddevice" in out["message"] and "video alone" in out["message"]
    assert out["blocks"] == 0 and out["took"] < 2.0


def test_without_the_portaudio_library():
    pytest.importorskip("sounddevice", exc_type=ImportError)
    hide = (
        "import ctypes.util\n"
        "_find = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: None if 'portaudio' in name else _find(name)\n"
    )
    out, _ = _fresh(hide + _OPEN.format(device=None))
    assert out["status"] == "unavailable" and out["cause"] == "no-portaudio"
    assert out["message"].startswith("microphone not available: the PortAudio library is missing")
    assert "apt-get install libportaudio2" in out["message"] and "video alone" in out["message"]


def test_no_input_device_without_a_sound_server(tmp_path):
    """PulseAudio not running (an empty runtime folder): PortAudio lists no input through it."""
    pytest.importorskip("sounddevice", exc_type=OSError)
    run = tmp_path / "xdg"
    run.mkdir(mode=0o700)
    conf = tmp_path / "client.conf"
    conf.write_text("autospawn = no\n")
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run), HOME=str(tmp_path), PULSE_RUNTIME_PATH=str(run / "pulse"),
               PULSE_CLIENTCONFIG=str(conf))
    env.pop("PULSE_SERVER", None)
    listed, _ = _fresh("import json\nfrom breathcam.capture.audio import list_input_devices\n"
                       "print(json.dumps([d['name'] for d in list_input_devices()]))", env)
    if listed:
        pytest.skip(f"this machine has input devices without PulseAudio: {listed}")
    out, _ = _fresh(_OPEN.format(device=None), env)
    assert out["status"] == "unavailable" and out["cause"] == "no-input-device"
    assert "no microphone found" in out["message"] and "video alone" in out["message"]


# ---------------------------------------------------------------------------------------------
# through a real PulseAudio daemon
# ---------------------------------------------------------------------------------------------


class Driver:
    """tests/mic_driver.py in its own process, its JSON lines read on a thread."""

    def __init__(self, env: dict, *args: str):
        self.proc = subprocess.Popen([sys.executable, str(DRIVER), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.lines.put(json.loads(line))
        self.lines.put(None)

    def wait(self, pred, timeout_s: float) -> dict:
        """The first line (from now on) for which ``pred`` holds."""
        end = time.monotonic() + timeout_s
        while True:
            try:
                msg = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                msg = None
            if msg is None or time.monotonic() > end:
                self.proc.kill()
                raise AssertionError(f"no such line within {timeout_s} s; stderr: {self.proc.stderr.read()[-2000:]}")
            if pred(msg):
                return msg

    def send(self, command: str) -> None:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout_s: float = 15.0) -> dict:
        done = self.wait(lambda m: m["event"] == "done", timeout_s)
        self.proc.wait(timeout=timeout_s)
        err = self.proc.stderr.read()
        assert self.proc.returncode == 0 and "Traceback" not in err, err
        return done


def _status(name: str):
    return lambda m: m["event"] == "status" and m["status"] == name


def _breathing_wav(tmp_path, seconds: float = 30.0, rate_bpm: float = 15.0) -> tuple[Path, object]:
    s = simulate_sound(duration_s=seconds, rate_bpm=rate_bpm, snr_db=15, fs_hz=16000, seed=11)
    wav = tmp_path / "breath.wav"
    sf.write(wav, s.samples, 16000)
    return wav, s


def test_devices_by_name_index_and_missing_ones(virtmic):
    code = (
        "import json\n"
        "from breathcam.capture.audio import LiveMicrophone, list_input_devices\n"
        "idx = next(d['index'] for d in list_input_devices() if d['name'] == 'pulse')\n"
        "out = {}\n"
        "for dev in ('pulse', idx, str(idx), 'no-such-mic', 99):\n"
        "    mic = LiveMicrophone.open(dev)\n"
        "    out[repr(dev)] = (mic.status, mic.cause, mic.name, mic.message)\n"
        "    mic.close()\n"
        "print(json.dumps(out))\n"
    )
    out, _ = _fresh(code, virtmic)
    oks = [v for k, v in out.items() if "no-such" not in k and "99" not in k]
    assert all(v[0] == "ok" and v[2] == "pulse" for v in oks), out
    assert out["'no-such-mic'"][:2] == ["unavailable", "no-such-device"]
    assert "no input device named like 'no-such-mic'" in out["'no-such-mic'"][3]
    assert out["99"][:2] == ["unavailable", "no-such-device"]


def test_the_device_is_asked_for_the_analysis_rate_else_its_own(virtmic):
    """PulseAudio converts to the analysis rate in the server: the session receives 8 kHz, a sixth
    of a 48 kHz stream; with ``mic_ask_analysis_rate`` off the device's default rate comes in."""
    code = (
        "import json, time, dataclasses\n"
        "from breathcam.capture.audio import LiveMicrophone, list_input_devices\n"
        "from breathcam.config import DEFAULT\n"
        "default = next(d['default_rate_hz'] for d in list_input_devices() if d['name'] == 'pulse')\n"
        "out = {'default': default}\n"
        "for ask in (True, False):\n"
        "    sc = dataclasses.replace(DEFAULT.sound, mic_ask_analysis_rate=ask)\n"
        "    mic = LiveMicrophone.open('pulse', config=sc)\n"
        "    n, until = 0, time.monotonic() + 5.0\n"
        "    while n == 0 and time.monotonic() < until:\n"
        "        time.sleep(0.1)\n"
        "        n += sum(b.samples.size for b in mic.poll())\n"
        "    out[str(ask)] = (mic.status, mic.source_rate_hz, mic.rate_hz, n)\n"
        "    mic.close()\n"
        "print(json.dumps(out))\n"
    )
    out, _ = _fresh(code, virtmic)
    # (a null sink with nothing playing is digital silence: "muted" is a working stream too)
    assert out["True"][0] in ("ok", "muted") and out["True"][1:3] == [8000.0, 8000.0], out
    assert out["False"][0] in ("ok", "muted") and out["False"][1:3] == [out["default"], 8000.0], out
    assert out["default"] > 8000, out
    assert out["True"][3] > 0 and out["False"][3] > 0, out  # both deliver, at the internal rate


def test_microphone_pulled_mid_session_is_lost_and_what_came_is_kept(virtmic, tmp_path):
    wav, _ = _breathing_wav(tmp_path, seconds=10)
    d = Driver(virtmic, "--device", "pulse", "--rate", "48000", "--seconds", "15")
    d.wait(lambda m: m["event"] == "flowing", 20)
    player = virtmic.play(wav)
    time.sleep(2.0)
    t_kill = time.monotonic()
    os.kill(virtmic.pid, signal.SIGKILL)  # the device disappears as a crash would take it
    lost = d.wait(_status("lost"), 10)
    d.send("quit")
    done = d.finish()
    player.wait(timeout=10)
    detect_s = lost["t"] - t_kill
    assert detect_s < 2.0, detect_s  # PortAudio ends the stream: seen within a poll or two
    assert lost["cause"] == "stream-ended" and "lost" in lost["message"]
    assert done["status"] == "lost" and done["close_s"] < SC.mic_close_timeout_s + 0.3
    # every block received before the kill was handed out, without a gap (none is thrown away) ...
    span_s = done["last_t_s"] + 0.1 - done["first_t_s"]
    assert done["samples"] / 8000 == pytest.approx(span_s, abs=0.3)  # the timeline may be placed once at the start
    assert done["dropped"] == 0
    # ... up to the kill, but for what sat in the server's and PortAudio's buffers
    assert -0.6 <= done["last_t_s"] + 0.1 - t_kill <= 0.05, done["last_t_s"] + 0.1 - t_kill
    assert done["samples"] / 8000 > 1.5  # 2 s of flow before the kill


def test_frozen_sound_server_is_lost_then_back_and_close_never_hangs(virtmic):
    d = Driver(virtmic, "--device", "pulse", "--rate", "48000", "--seconds", "30")
    d.wait(lambda m: m["event"] == "flowing", 20)
    time.sleep(0.5)
    pid = virtmic.pid
    t_stop = time.monotonic()
    os.kill(pid, signal.SIGSTOP)  # the server stops delivering, without any error
    lost = d.wait(_status("lost"), 10)
    assert lost["cause"] == "stalled"
    assert SC.mic_lost_after_s - 0.3 <= lost["t"] - t_stop <= SC.mic_lost_after_s + 1.0
    t_cont = time.monotonic()
    os.kill(pid, signal.SIGCONT)
    back = d.wait(lambda m: m["event"] == "status" and m["status"] in ("ok", "muted"), 10)
    assert back["t"] - t_cont < 2.0  # nothing plays: the sound that comes back is silence
    os.kill(pid, signal.SIGSTOP)
    d.wait(_status("lost"), 10)
    d.send("close")  # closing while the server hangs: PortAudio would block for 30 s
    closed = d.wait(lambda m: m["event"] == "closed", 10)
    os.kill(pid, signal.SIGCONT)
    done = d.finish(timeout_s=10)
    assert closed["close_s"] < SC.mic_close_timeout_s + 0.3
    assert done["samples"] > 0


def test_muted_and_silent_microphone_then_sound_back(virtmic, tmp_path):
    wav, _ = _breathing_wav(tmp_path, seconds=20)
    d = Driver(virtmic, "--device", "pulse", "--rate", "48000", "--seconds", "30")
    flowing = d.wait(lambda m: m["event"] == "flowing", 20)
    # nothing plays: the null sink's monitor holds digital silence
    muted = d.wait(_status("muted"), 10)
    assert muted["cause"] == "silent" and "unmute" in muted["message"]
    assert SC.mic_muted_after_s - 0.2 <= muted["t"] - flowing["t_s"] <= SC.mic_muted_after_s + 1.0
    t_play = time.monotonic()
    player = virtmic.play(wav)
    ok = d.wait(_status("ok"), 10)
    assert ok["t"] - t_play < 1.5 and ok["cause"] == "sound-back"
    time.sleep(1.0)
    t_mute = time.monotonic()
    assert virtmic.pactl("set-source-mute", "virtmic.monitor", "1").returncode == 0
    muted = d.wait(_status("muted"), 10)
    assert SC.mic_muted_after_s - 0.2 <= muted["t"] - t_mute <= SC.mic_muted_after_s + 1.2
    t_unmute = time.monotonic()
    virtmic.pactl("set-source-mute", "virtmic.monitor", "0")
    ok = d.wait(_status("ok"), 10)
    assert ok["t"] - t_unmute < 1.5
    d.send("quit")
    done = d.finish()
    player.terminate()
    assert done["status"] == "ok" and done["dropped"] == 0


def test_sink_removed_mid_session_is_heard_as_silence(virtmic):
    """Unloading the null sink: PulseAudio moves the recording to another source (here the silent
    auto_null monitor), as it does when a USB microphone is pulled: the session hears silence."""
    player = subprocess.Popen(["paplay", "-d", "virtmic", "--raw", "--rate=8000", "--channels=1", "--format=s16le",
                               "/dev/urandom"], env=virtmic, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    d = Driver(virtmic, "--device", "pulse", "--rate", "48000", "--seconds", "20")
    d.wait(lambda m: m["event"] == "flowing", 20)
    time.sleep(1.0)
    t_pull = time.monotonic()
    assert virtmic.pactl("unload-module", "module-null-sink").returncode == 0
    gone = d.wait(lambda m: m["event"] == "status" and m["status"] in ("muted", "lost"), 10)
    d.send("quit")
    done = d.finish()
    player.kill()
    assert gone["t"] - t_pull < SC.mic_muted_after_s + 3.0
    assert done["status"] in ("muted", "lost"), done
    assert [e[1] for e in done["events"]][:2] == ["ok", gone["status"]]  # noise was heard until then


def test_open_gives_up_on_a_hanging_sound_server(virtmic):
    os.kill(virtmic.pid, signal.SIGSTOP)
    try:
        d = Driver(virtmic, "--device", "pulse", "--open-timeout", "2", "--seconds", "1")
        opened = d.wait(lambda m: m["event"] == "open", 20)
    finally:
        os.kill(virtmic.pid, signal.SIGCONT)
    done = d.finish(timeout_s=20)
    assert opened["status"] == "unavailable" and opened["cause"] == "timeout"
    assert 1.9 <= opened["open_s"] <= 3.0
    assert "did not answer" in opened["message"] and done["samples"] == 0
