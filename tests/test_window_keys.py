"""Keys in a real window under Xvfb (xdotool types them): p pauses the analysis (the frames after
it are not measured), q ends the session at once and keeps what was measured."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_window import xvfb  # noqa: F401  (the private X server fixture)

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None or shutil.which("xdotool") is None,
    reason="needs Xvfb and xdotool (apt-get install xvfb xdotool; CI installs them)",
)


def _xdo(display, *args) -> subprocess.CompletedProcess:
    return subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display), capture_output=True, text=True,
                          timeout=20)


def test_pause_then_quit_keys(xvfb, tmp_path_factory, tmp_path):  # noqa: F811
    from test_live import shared_clip

    clip, _ = shared_clip(tmp_path_factory)
    env = dict(os.environ, DISPLAY=xvfb, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="xcb")
    out = tmp_path / "s.json"
    proc = subprocess.Popen([sys.executable, "-m", "breathcam", "live", "--source", str(clip), "--no-mic", "--json",
                             str(out), "--no-save"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        win = ""
        deadline = time.monotonic() + 90
        while not win and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
            win = _xdo(xvfb, "search", "--onlyvisible", "--name", "^breathcam$").stdout.split()
            win = win[0] if win else ""
        assert win, "the window never appeared"
        t_shown = time.monotonic()
        _xdo(xvfb, "windowfocus", "--sync", win)
        time.sleep(max(0.0, t_shown + 4.0 - time.monotonic()))
        _xdo(xvfb, "key", "--window", win, "p")  # pause at about 4 s
        time.sleep(4.0)
        t_quit = time.monotonic()
        _xdo(xvfb, "key", "--window", win, "q")  # quit at about 8 s, long before the clip's 24 s
        stdout, stderr = proc.communicate(timeout=60)
        quit_s = time.monotonic() - t_quit
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr
    assert quit_s < 15.0  # q ended it at once (the analysis of what was measured takes a few seconds)
    data = json.loads(out.read_text())
    # measured until the pause only: about 4 s (the first frame shows a little before the window is found)
    assert 2.5 <= data["duration_s"] <= 6.5, data["duration_s"]
