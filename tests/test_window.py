"""A real window under Xvfb: `breathcam live --source CLIP` opens it, and a screenshot of the X
screen shows the overlay (its colours where the layout puts them)."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None or shutil.which("import") is None,
    reason="needs Xvfb and ImageMagick's import (apt-get install xvfb imagemagick; CI installs them)",
)


@pytest.fixture
def xvfb():
    """A private X server; Xvfb picks a free display number itself (-displayfd), so parallel
    test runs cannot collide on one number."""
    r, w = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(w,),
    )
    os.close(w)
    number = b""
    deadline = time.monotonic() + 20
    with os.fdopen(r, "rb") as fh:
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            chunk = fh.read(1)
            if not chunk:
                break
            number += chunk
    if not number.strip().isdigit():
        proc.kill()
        pytest.fail("Xvfb did not start (no display number reported)")
    yield f":{number.strip().decode()}"
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


def _screenshot(display: str, path: Path) -> np.ndarray | None:
    cv2 = pytest.importorskip("cv2")
    env = dict(os.environ, DISPLAY=display)
    r = subprocess.run(["import", "-window", "root", str(path)], env=env, capture_output=True, timeout=30)
    if r.returncode != 0 or not path.exists():
        return None
    return cv2.imread(str(path))


def test_live_window_shows_the_overlay(xvfb, tmp_path_factory, tmp_path):
    from breathcam.config import DEFAULT
    from test_live import overlay_layout, shared_clip

    clip, _ = shared_clip(tmp_path_factory)
    env = dict(os.environ, DISPLAY=xvfb, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="xcb")
    out = tmp_path / "s.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "breathcam", "live", "--source", str(clip), "--json", str(out), "--replay-speed", "2"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    shots = []
    try:
        # screenshots while the session runs; the last ones have the rate and the gauge filled
        while proc.poll() is None and len(shots) < 40:
            time.sleep(0.7)
            img = _screenshot(xvfb, tmp_path / f"shot{len(shots)}.png")
            if img is not None and img.max() > 0:
                shots.append(img)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert out.exists()  # the session was written after the window closed
    assert shots, "no window ever appeared on the X screen"

    style = DEFAULT.overlay
    lay = overlay_layout(clip)  # the parts sit beside the torso, located as the live loop does
    # a shot can catch the window while it is being created or closed: the overlay must be
    # complete on one of the last few
    problems = [_overlay_problems(img, lay, style) for img in shots[-6:]]
    assert any(not p for p in problems), f"overlay incomplete on every late screenshot: {problems}"


def _overlay_problems(img: np.ndarray, lay, style) -> list[str]:
    """What is missing from the overlay in a screenshot ([] when all is there)."""
    # the window: the bounding box of what is not the black root
    ys, xs = np.nonzero(img.max(axis=2) > 0)
    y0, x0 = ys.min(), xs.min()
    win = img[y0 : y0 + 240, x0 : x0 + 320].astype(int)
    if win.shape[:2] != (240, 320):
        return [f"window size {win.shape[:2]}"]

    def near(a, bgr, tol):
        return np.all(np.abs(a - np.array(bgr)) <= tol, axis=-1)

    def crop(a, box):
        bx0, by0, bx1, by1 = box.as_int()
        return a[by0 : by1 + 1, bx0 : bx1 + 1]

    out = []
    # waveform band: chest (orange) and belly (cyan) lines across it
    band = crop(win, lay.wave)
    if near(band, style.chest_bgr, 40).any(axis=0).mean() <= 0.4:
        out.append("no chest line")
    if near(band, style.belly_bgr, 40).any(axis=0).mean() <= 0.4:
        out.append("no belly line")
    # rate panel: white digits on the dark panel
    if near(crop(win, lay.rate), style.text_bgr, 30).sum() <= 30:
        out.append("no rate text")
    # gauge: filled with the chest colour above the belly colour
    g = crop(win, lay.gauge)
    rows_c = np.flatnonzero(near(g, style.chest_bgr, 30).any(axis=1))
    rows_b = np.flatnonzero(near(g, style.belly_bgr, 30).any(axis=1))
    if not (len(rows_c) and len(rows_b) and np.median(rows_c) < np.median(rows_b)):
        out.append("gauge not filled chest over belly")
    # torso regions: an orange box edge in the middle of the frame
    mid = win[40:200, 60:260]
    if near(mid, style.chest_bgr, 30).sum() <= 40:
        out.append("no chest region box")
    return out
