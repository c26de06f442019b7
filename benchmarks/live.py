"""Live loop figures on seeded rendered clips replayed in real time (the camera stand-in).

Prints, per clip and overall:
- frame-to-overlay latency (ms, median and p95): from the moment the replay source hands over a
  frame to the overlay drawn on it (pose, tracking, online analysis, coach, drawing);
- frames per second the loop kept up with, and frames the replay dropped for being late;
- hold flagged delay: seconds from a true hold's start to the first frame on which the online
  analyzer reported it open;
- live vs batch rate: the online analyzer's rate over its committed breaths, and the session's
  analysis, against ``breathcam analyze`` on the same clip (and the truth).

    python benchmarks/live.py            # three clips, 640x480 at 30 fps, about 4 minutes
    python benchmarks/live.py --quick    # one clip
    python benchmarks/live.py --window   # also draw into a real window (needs DISPLAY, e.g. Xvfb)
    python benchmarks/live.py --clip bench-out/movement/lift_holds_astronaut_a35_s1.mp4
                                         # a clip with its .truth.json beside it (e.g. a moving body)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from breathcam.simulate.waveform import simulate_breathing  # noqa: E402

CLIPS = [
    # name, simulate_breathing arguments, render seed
    ("12/min, hold after exhale", dict(duration_s=45, rate_bpm=12, holds=[(22, 8, "exhale")], seed=101), 101),
    ("6/min, hold after inhale", dict(duration_s=60, rate_bpm=6, holds=[(33, 10, "inhale")], seed=102), 102),
    ("16/min restless", dict(duration_s=40, rate_bpm=16, irregularity=0.15, seed=103), 103),
]


def _render(folder: Path, name: str, kwargs: dict, seed: int) -> tuple[Path, object]:
    from breathcam.simulate.render import render_clip

    b = simulate_breathing(**kwargs)
    path = folder / f"live_{seed}.mp4"
    if not path.exists():
        render_clip(b, path, width=640, height=480, fps=30.0, seed=seed)
    return path, b.truth


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one clip only")
    ap.add_argument("--window", action="store_true", help="show the overlay in a real window (needs DISPLAY)")
    ap.add_argument("--folder", help="where to keep the rendered clips (default: a temporary folder)")
    ap.add_argument("--clip", help="replay this rendered clip (truth from the .truth.json beside it) instead")
    args = ap.parse_args()
    if args.window and not os.environ.get("DISPLAY"):
        print("--window needs DISPLAY (start Xvfb :99 and set DISPLAY=:99)", file=sys.stderr)
        return 2

    from breathcam.live import run_live
    from breathcam.pipeline import analyze_clip

    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="breathcam-live-"))
    folder.mkdir(parents=True, exist_ok=True)
    clips = CLIPS[:1] if args.quick else CLIPS
    print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    lat_all, fps_all, delays, live_err, sess_err = [], [], [], [], []
    if args.clip:
        from breathcam.simulate.render import truth_path
        from breathcam.simulate.waveform import Truth

        clips = [(Path(args.clip).name, Path(args.clip), Truth.read(truth_path(args.clip)))]
    else:
        clips = [(name, *_render(folder, name, kwargs, seed)) for name, kwargs, seed in clips]
    for name, path, truth in clips:
        t0 = time.monotonic()
        res = run_live(str(path), window=args.window, realtime=True)
        wall = time.monotonic() - t0
        batch = analyze_clip(path)
        lat = res.latency_ms
        fps = res.frames / res.wall_s if res.wall_s > 0 else float("nan")
        lat_all.append(lat)
        fps_all.append(fps)
        print(f"\n{name} ({path.name}, {truth.duration_s:.0f} s, replayed in {wall:.1f} s)")
        print(f"  latency ms: median {np.median(lat):.1f}, p95 {np.percentile(lat, 95):.1f}, max {lat.max():.1f}")
        print(f"  loop fps: {fps:.1f} (frames analysed {res.frames}, dropped by replay {res.dropped})")
        for h in truth.holds:
            flags = [t_flag for start, t_flag in res.online_holds_flagged if abs(start - h.start) <= 2.0]
            if flags:
                delays.append(min(flags) - h.start)
                print(f"  hold {h.after} at {h.start:.1f} s: flagged open after {delays[-1]:.1f} s")
            else:
                delays.append(float("inf"))
                print(f"  hold {h.after} at {h.start:.1f} s: NOT flagged")
        b_rate, live_rate, sess_rate = batch.rate_bpm, res.online_rate_bpm, res.analysis.rate_bpm
        fmt = lambda x: "null" if x is None else f"{x:.2f}"  # noqa: E731
        print(f"  rate /min: truth {truth.rate_bpm:.2f}, batch {fmt(b_rate)}, online {fmt(live_rate)}, session {fmt(sess_rate)}")
        if b_rate is not None and live_rate is not None:
            live_err.append(abs(live_rate - b_rate))
        if b_rate is not None and sess_rate is not None:
            sess_err.append(abs(sess_rate - b_rate))
    lat = np.concatenate(lat_all)
    print("\noverall")
    print(f"  frame-to-overlay latency: median {np.median(lat):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms (target <= 100)")
    print(f"  loop fps at 640x480: median {np.median(fps_all):.1f} (target >= 25)")
    if delays:
        print(f"  hold flagged after: median {np.median(delays):.1f} s, worst {max(delays):.1f} s (target <= 3)")
    if live_err:
        print(f"  |online - batch| rate: median {np.median(live_err):.2f}, worst {max(live_err):.2f} /min (target <= 0.5)")
    if sess_err:
        print(f"  |session - batch| rate: worst {max(sess_err):.2f} /min")
    print(f"  load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
