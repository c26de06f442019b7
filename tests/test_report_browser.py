"""The report rendered by a real browser (headless Chromium): the page is not blank and shows the plots."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from breathcam.signals.core import analyse
from breathcam.report.html import COLORS, write_report
from breathcam.simulate.waveform import simulate_breathing
from breathcam.types import MotionTraces

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "",
                             shutil.which("google-chrome") or "") if p and Path(p).exists()), None)


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def _screenshot(html: Path, png: Path, profile: Path) -> np.ndarray:
    cv2 = pytest.importorskip("cv2")
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--screenshot={png}", "--window-size=1200,2000", html.as_uri()],
        capture_output=True, timeout=120, check=False,
    )
    assert png.exists(), "chromium wrote no screenshot"
    return cv2.imread(str(png))[:, :, ::-1]  # RGB


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: apt-get install chromium)")
def test_report_renders_with_plots_in_chromium(tmp_path):
    b = simulate_breathing(duration_s=240, fs_hz=10.0, rate_bpm=12, irregularity=0.1, sigh_every_s=50,
                           holds=[(60, 10, "exhale")], seed=5)
    x = 3.0 * b.volume
    tr = MotionTraces(10.0, b.t_s, x, 3.0 * b.chest, 3.0 * b.belly, np.ones(x.size, bool), 1.0, "pose", "front")
    analysis = analyse(tr, source="browser.mp4")
    html = write_report(analysis, tmp_path / "r.html", lang="en", client="B1")
    img = _screenshot(html, tmp_path / "r.png", tmp_path / "profile").astype(int)
    assert img.shape[0] >= 1500 and img.shape[1] >= 1000
    assert img.std() > 20, "blank page"

    def share(colour: str, tol: int = 30, opacity: float = 1.0) -> float:
        target = opacity * _rgb(colour) + (1 - opacity) * 255  # over the white plot background
        return float((np.abs(img - target).sum(axis=2) < tol).mean())

    # the breathing line, the hold band, the sigh markers and the rate line are on screen
    assert share(COLORS["breathing"]) > 0.002
    assert share(COLORS["hold"], opacity=0.6) > 0.0005  # the band is drawn at 60% opacity
    assert share(COLORS["sigh"]) > 0.00002
    assert share(COLORS["rate"]) > 0.0004  # broken while the breath is held: nobody breathes there
    # the waveform strips sit in the top half of the page, where the line colour must appear row by row
    rows_with_line = (np.abs(img[:1000] - _rgb(COLORS["breathing"])).sum(axis=2) < 30).any(axis=1).sum()
    assert rows_with_line > 150
