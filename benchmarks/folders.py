"""`breathcam analyze FOLDER --jobs 2` against `--jobs 1`: wall time and identical results.

Renders N short clips (seeded simulations, 320x240 at 15 fps; cached in --work), analyses the
folder once with ``--jobs 1`` and once with ``--jobs 2`` (each with its own results folder, no
history), checks that every clip's result is the same number for number, and prints both times
and their ratio.  Two cores: the target is a ratio of about 0.5.

    python benchmarks/folders.py                   # 100 clips of 10 s, about 15 minutes on 2 cores
    python benchmarks/folders.py --clips 20        # a quicker look

The machine must be otherwise idle for the time ratio to mean anything: with other work on the
cores each run gets a share of them that changes from minute to minute.  The CPU time each run
took (breathcam and its workers) is printed too: its ratio is what running clips side by side
costs, whatever else the machine does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FPS = 15.0


def render(folder: Path, n: int, seconds: float) -> list[Path]:
    from breathcam.simulate.render import render_clip
    from breathcam.simulate.waveform import simulate_breathing

    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(n):
        out = folder / f"clip{i:03d}.mp4"
        if not out.exists():
            b = simulate_breathing(duration_s=seconds, fs_hz=FPS, rate_bpm=10 + i % 10, irregularity=0.05, seed=500 + i)
            render_clip(b, out, width=320, height=240, fps=FPS, amplitude_px=3.0, seed=500 + i)
            truth = folder / f"clip{i:03d}.truth.json"
            truth.unlink(missing_ok=True)
        clips.append(out)
    return clips


def _cpu_children() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(folder: Path, results: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of breathcam and its workers)."""
    shutil.rmtree(results, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cpu0 = _cpu_children()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "breathcam", "analyze", str(folder), "--jobs", str(jobs),
                           "--results", str(results), "--no-save", "-q"], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"--jobs {jobs} failed: {proc.stderr[-2000:]}")
    return seconds, _cpu_children() - cpu0


def results_of(results: Path) -> dict:
    out = {}
    for p in sorted(results.glob("*.result.json")):
        data = json.loads(p.read_text())
        data.pop("run")
        out[p.name] = data
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each clip")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "breathcam-bench-folders")
    args = ap.parse_args()
    folder = args.work / f"clips-{args.clips}x{args.seconds:g}s"
    t0 = time.perf_counter()
    render(folder, args.clips, args.seconds)
    print(f"{args.clips} clips of {args.seconds:g} s in {folder} (rendered in {time.perf_counter() - t0:.0f} s)")
    times, cpu = {}, {}
    for jobs in (1, 2):
        times[jobs], cpu[jobs] = run(folder, args.work / f"results-j{jobs}", jobs)
        print(f"--jobs {jobs}: {times[jobs]:.1f} s ({3600 * args.clips / times[jobs]:.0f} clips/hour), "
              f"CPU {cpu[jobs]:.0f} s ({cpu[jobs] / args.clips:.2f} s per clip)", flush=True)
    one, two = results_of(args.work / "results-j1"), results_of(args.work / "results-j2")
    same = sorted(one) == sorted(two) and all(one[k] == two[k] for k in one)
    print(f"results identical clip for clip: {'yes' if same else 'NO'} ({len(one)} result files)")
    print(f"time ratio --jobs 2 / --jobs 1: {times[2] / times[1]:.2f} (cores: {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f})")
    # On busy cores the wall ratio measures the other work as much as breathcam; the CPU ratio
    # says what running two at a time costs: near 1.0, two idle cores give a wall ratio near 0.5.
    print(f"CPU ratio --jobs 2 / --jobs 1: {cpu[2] / cpu[1]:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
