"""Time the report of a 10-minute session (target <= 10 s) and check it in a real browser.

    .venv/bin/python benchmarks/report.py [--clip CLIP.mp4] [--chromium]

A seeded 10-minute session (15/min, irregular, sighs, two holds) goes through the signal core
(no video rendering); then the HTML report, both CSVs and a save to a temporary session history
are timed (median of 3 runs).  --clip also times the report of a real clip's analysis; --chromium
renders the report in headless Chromium and prints the screenshot's path.  Not a test: numbers.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from breathcam.signals.core import analyse
from breathcam.report.csv import write_csvs
from breathcam.report.html import write_report
from breathcam.report.store import SessionStore
from breathcam.simulate.waveform import simulate_breathing
from breathcam.types import MotionTraces

FS = 10.0


def simulated_session(duration_s: float = 600.0, seed: int = 3):
    b = simulate_breathing(duration_s=duration_s, fs_hz=FS, rate_bpm=15, irregularity=0.15, sigh_every_s=60,
                           holds=[(120, 8, "inhale"), (400, 12, "exhale")], belly_share=0.3, phase_deg=20, seed=seed)
    rng = np.random.default_rng(seed)
    x = 3.0 * b.volume
    x = x + 0.05 * np.std(x) * rng.standard_normal(x.size)
    tr = MotionTraces(FS, b.t_s, x, 3.0 * b.chest, 3.0 * b.belly, np.ones(x.size, bool), 1.0, "pose", "front")
    return tr


def time_outputs(analysis, folder: Path, runs: int = 3) -> dict:
    out = {"report": [], "csv": [], "save": []}
    for i in range(runs):
        t = time.perf_counter()
        path = write_report(analysis, folder / f"r{i}.html", lang="en", client="bench")
        out["report"].append(time.perf_counter() - t)
        t = time.perf_counter()
        write_csvs(analysis, folder, stem=f"r{i}")
        out["csv"].append(time.perf_counter() - t)
        t = time.perf_counter()
        with SessionStore(folder / "h.sqlite") as db:
            db.save_analysis(analysis, client="bench")
        out["save"].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in out.items()} | {"size_kb": path.stat().st_size / 1024, "path": path}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", help="also time the report of this clip's analysis")
    ap.add_argument("--chromium", action="store_true", help="screenshot the 10-minute report in headless Chromium")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="breathcam-bench-"))
    tr = simulated_session()
    t = time.perf_counter()
    analysis = analyse(tr, source="simulated-10min")
    core_s = time.perf_counter() - t
    r = time_outputs(analysis, folder)
    total = core_s + r["report"] + r["csv"] + r["save"]
    print(f"10-minute simulated session: {len(analysis.breaths)} breaths, {len(analysis.holds)} holds")
    print(f"  signal core {core_s:.2f} s | HTML report {r['report']:.3f} s ({r['size_kb']:.0f} kB) | "
          f"CSVs {r['csv']:.3f} s | history save {r['save']:.3f} s")
    print(f"  analysis + all outputs: {total:.2f} s (target <= 10 s)")
    if args.clip:
        from breathcam.pipeline import analyze_clip

        t = time.perf_counter()
        clip_analysis = analyze_clip(args.clip)
        clip_s = time.perf_counter() - t
        rc = time_outputs(clip_analysis, folder)
        print(f"clip {args.clip} ({clip_analysis.duration_s:.0f} s): video analysis {clip_s:.1f} s | "
              f"HTML report {rc['report']:.3f} s | CSVs {rc['csv']:.3f} s | history save {rc['save']:.3f} s")
    if args.chromium:
        png = folder / "report.png"
        t = time.perf_counter()
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={folder / 'profile'}", f"--screenshot={png}", "--window-size=1200,2000",
                        r["path"].as_uri()], capture_output=True, timeout=120)
        print(f"chromium screenshot {png} ({'ok' if png.exists() else 'missing'}) in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
