import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT / ".." / "shared" / "data"


def _run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m breathcam ARGS`` as a user would, capturing its output."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "breathcam", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(autouse=True)
def private_history(tmp_path_factory, monkeypatch):
    """Every test (and every breathcam it starts) keeps its session history in a temp folder,
    never in the real ~/.local/share/breathcam."""
    monkeypatch.setenv("BREATHCAM_HOME", str(tmp_path_factory.mktemp("breathcam-home")))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent on this machine")
    return SHARED_DATA


@pytest.fixture
def run_cli():
    """``run_cli("analyze", path, ...)`` runs breathcam as a user would and returns the finished process."""
    return _run_cli


# ---------------------------------------------------------------------------------------------
# a virtual microphone: a private PulseAudio daemon whose null sink "virtmic" is heard by PortAudio
# ---------------------------------------------------------------------------------------------

PULSE_MISSING = [b for b in ("pulseaudio", "paplay", "pactl") if shutil.which(b) is None]
if ctypes.util.find_library("portaudio") is None:
    PULSE_MISSING.append("libportaudio2")


class VirtMic(dict):
    """The environment of a private PulseAudio daemon: pass it as ``env=`` to every process that
    plays or records.  Its null sink ``virtmic`` is the microphone: what is played into it
    (:meth:`play`) is heard on its monitor, the default source, which PortAudio lists as device
    "pulse".  PortAudio reads the server from the environment when it loads: record in a fresh
    process."""

    tmp: Path

    @property
    def pid(self) -> int:
        """The daemon's process id (to freeze it with SIGSTOP, or kill it as a crash would)."""
        return int((Path(self["PULSE_RUNTIME_PATH"]) / "pid").read_text().strip())

    def pactl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["pactl", *args], env=self, capture_output=True, text=True, timeout=10)

    def play(self, path: str | Path) -> subprocess.Popen:
        """Play a sound file, or a clip's sound track, into the microphone in real time (paplay, in
        the background); returns the player's process."""
        path = Path(path)
        if path.suffix.lower() not in (".wav", ".flac", ".ogg"):
            import soundfile

            from breathcam.capture.audio import load_track

            audio = load_track(path)
            if audio is None:
                raise ValueError(f"{path} has no sound track to play")
            wav = self.tmp / f"{path.stem}.track.wav"
            soundfile.write(str(wav), audio.samples, int(audio.info.sample_rate_hz))
            path = wav
        return subprocess.Popen(["paplay", "-d", "virtmic", str(path)], env=self, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)


@pytest.fixture
def virtmic(tmp_path, monkeypatch):
    """A private PulseAudio daemon with a null sink as the microphone (see :class:`VirtMic`), started
    for the test and stopped after it (also when the test froze or killed it)."""
    if PULSE_MISSING:
        pytest.skip(f"no virtual microphone here: missing {', '.join(PULSE_MISSING)}")
    run = tmp_path / "xdg"
    run.mkdir(mode=0o700)
    client_conf = tmp_path / "client.conf"
    client_conf.write_text("autospawn = no\n")  # a killed daemon must stay dead, not be respawned
    env = VirtMic(os.environ, XDG_RUNTIME_DIR=str(run), HOME=str(tmp_path), PULSE_RUNTIME_PATH=str(run / "pulse"),
                  PULSE_CLIENTCONFIG=str(client_conf), PYTHONPATH=str(ROOT))
    env.tmp = tmp_path
    cmd = ["pulseaudio", "-D", "--exit-idle-time=-1", "--system=false", "--disallow-exit", "-n",
           "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=virtmic",
           "--load=module-always-sink"]
    subprocess.run(cmd, env=env, check=True, timeout=20, capture_output=True)
    for _ in range(50):
        if env.pactl("info").returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run(["pactl", "set-default-source", "virtmic.monitor"], env=env, check=True, timeout=10)
    for k in ("XDG_RUNTIME_DIR", "HOME", "PULSE_RUNTIME_PATH", "PULSE_CLIENTCONFIG"):
        monkeypatch.setenv(k, env[k])
    try:
        pid = env.pid
    except (OSError, ValueError):
        pid = None
    yield env
    if pid is not None:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            return
    subprocess.run(["pulseaudio", "--kill"], env=env, timeout=20, capture_output=True)


@pytest.fixture(scope="session")
def voiced_clip(tmp_path_factory) -> Path:
    """A rendered 30 s clip (320x240, 20 fps, 15 breaths/min) whose sound track carries the breath
    sounds of the same breathing (simulate.sound.SoundTrack, 20 dB over white noise); its truth is
    ``truth_path(clip)``.  Play it into the microphone with ``virtmic.play(clip)``."""
    pytest.importorskip("skimage")
    from breathcam.simulate.render import render_clip
    from breathcam.simulate.sound import SoundTrack
    from breathcam.simulate.waveform import simulate_breathing

    b = simulate_breathing(duration_s=30, fs_hz=20, rate_bpm=15, irregularity=0.03, seed=11)
    out = tmp_path_factory.mktemp("voiced") / "voiced.mp4"
    return render_clip(b, out, width=320, height=240, fps=20, amplitude_px=3.0, seed=11, sound=SoundTrack(snr_db=20))
