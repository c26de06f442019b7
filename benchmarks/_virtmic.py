"""A private PulseAudio daemon whose null sink "virtmic" is the default source, for the benchmarks
that play sound into a real microphone path (live.py, mic.py); tests/conftest.py has the tests' own."""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def virtual_mic(tmp: Path, *, rate_hz: float | None = None, run_name: str = "xdg"):
    """Start the daemon (its sink at ``rate_hz`` when given) under ``tmp``; yields its environment
    (the daemon's pid file is ``Path(env["PULSE_RUNTIME_PATH"]) / "pid"``) and kills it after."""
    run = tmp / run_name
    run.mkdir(mode=0o700)
    conf = tmp / "client.conf"
    conf.write_text("autospawn = no\n")
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run), HOME=str(tmp), PULSE_RUNTIME_PATH=str(run / "pulse"),
               PULSE_CLIENTCONFIG=str(conf), PYTHONPATH=str(ROOT))
    sink = "module-null-sink sink_name=virtmic" + (f" rate={int(rate_hz)}" if rate_hz else "")
    subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "--system=false", "--disallow-exit", "-n",
                    "--load=module-native-protocol-unix", f"--load={sink}",
                    "--load=module-always-sink"], env=env, check=True, timeout=20, capture_output=True)
    try:
        for _ in range(50):
            if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(["pactl", "set-default-source", "virtmic.monitor"], env=env, check=True, timeout=10)
        yield env
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=env, timeout=20, capture_output=True)
