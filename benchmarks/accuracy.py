"""Accuracy and speed of `breathcam analyze` on a seeded set of simulated clips.

Renders clips with exact truth (breathcam.simulate), analyses each one in a fresh process (as a
user would run it, so speed and peak memory are per analysis), and prints per condition and
overall: rate MAE (breaths/min), breath count error, holds found (IoU >= 0.6 and the right phase),
false holds per 10 min, speed as a multiple of real time, peak memory.  Speed is also set against
decoding: each clip is decoded alone (OpenCV, every frame read, in a fresh process) in the same
run, and "decode x" (decoding's multiple of real time, the ceiling) and "of decode" (analysis
speed / decoding speed) are printed beside it, so the figure can be compared across machines and
loads.  "CPU time of decode" is the same ratio in CPU seconds (decoding's over the analysis's,
each process's own, imports included): the figure least moved by other work on the machine; "in CPU time" is real time over the
analysis's CPU seconds (on an idle machine the wall-clock speed is at least that, as decoding
runs in threads of its own).

    python benchmarks/accuracy.py                # the full set (about 30 clips)
    python benchmarks/accuracy.py --quick        # a few clips, for a smoke run
    python benchmarks/accuracy.py --long 1800    # also a 30-minute clip, for memory flatness

Clips are cached in --work (default bench-out/clips) by their parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from breathcam.simulate.waveform import Truth  # noqa: E402

HOLD_IOU = 0.6


@dataclass(frozen=True)
class Case:
    name: str
    condition: str
    kind: str = "synthetic"  # "synthetic" | "belts"
    params: dict = field(default_factory=dict)  # simulate_breathing() or load_belts() keyword arguments
    render: dict = field(default_factory=dict)  # render_clip() keyword arguments


def cases(quick: bool) -> list[Case]:
    out: list[Case] = []
    stills = ["astronaut", "grace_hopper"]
    rates = [3, 6, 12, 20, 30, 40]
    for i, rate in enumerate(rates):
        for j, still in enumerate(stills):
            seed = 100 + 10 * i + j
            dur = 120 if rate < 6 else 60
            out.append(
                Case(
                    f"rate{rate}_{still}",
                    f"rate {rate:>2}/min",
                    params=dict(duration_s=dur, rate_bpm=rate, irregularity=0.08, seed=seed),
                    render=dict(still=still, seed=seed),
                )
            )
    for j, still in enumerate(stills):
        out.append(
            Case(f"paced478_{still}", "paced 4-7-8", params=dict(duration_s=120, paced="478", irregularity=0.03, seed=200 + j), render=dict(still=still, seed=200 + j))
        )
        out.append(
            Case(f"box_{still}", "paced box", params=dict(duration_s=120, paced="box", irregularity=0.03, seed=210 + j), render=dict(still=still, seed=210 + j))
        )
        holds = [(15.0, 10.0, "inhale"), (45.0, 15.0, "exhale"), (80.0, 8.0, "inhale"), (105.0, 12.0, "exhale")]
        out.append(
            Case(
                f"holds_{still}",
                "holds in normal breathing",
                params=dict(duration_s=130, rate_bpm=14, irregularity=0.1, holds=holds, seed=220 + j),
                render=dict(still=still, seed=220 + j),
            )
        )
        out.append(
            Case(
                f"normal_sighs_{still}",
                "irregular with sighs",
                params=dict(duration_s=120, rate_bpm=16, irregularity=0.15, sigh_every_s=40, seed=230 + j),
                render=dict(still=still, seed=230 + j),
            )
        )
        out.append(
            Case(
                f"small_{still}",
                "shallow (2 px)",
                params=dict(duration_s=60, rate_bpm=15, irregularity=0.08, seed=240 + j),
                render=dict(still=still, seed=240 + j, amplitude_px=2.0),
            )
        )
    out.append(
        Case("torso_only", "torso framing", params=dict(duration_s=60, rate_bpm=12, irregularity=0.08, seed=250), render=dict(still="astronaut", framing="torso", seed=250))
    )
    out.append(
        Case("tight_fallback", "no pose (tight)", params=dict(duration_s=60, rate_bpm=12, irregularity=0.08, seed=251), render=dict(still="grace_hopper", framing="tight", seed=251))
    )
    for k, rec in enumerate(["F01_resting", "M03_resting", "F05_dialogue", "M08_dialogue", "F08_resting", "M10_resting"]):
        out.append(
            Case(
                f"belts_{rec}",
                "belt-driven",
                kind="belts",
                params=dict(name=rec, start_s=120.0, duration_s=120.0),
                render=dict(still=stills[k % 2], seed=300 + k),
            )
        )
    if quick:
        keep = {"rate12_astronaut", "rate40_grace_hopper", "paced478_astronaut", "holds_grace_hopper", "belts_F01_resting"}
        out = [c for c in out if c.name in keep]
    return out


def belt_cases_all() -> list[Case]:
    """One 2-minute window (from 2 minutes in) of every VRWi recording, alternating the stills."""
    from breathcam.simulate.belts import list_recordings

    try:
        names = list_recordings()
    except Exception as exc:  # data folder absent
        print(f"no belt recordings: {exc}", file=sys.stderr)
        return []
    return [
        Case(
            f"belts_{name}",
            "belt-driven, talking" if "dialogue" in name else "belt-driven, resting",
            kind="belts",
            params=dict(name=name, start_s=120.0, duration_s=120.0),
            render=dict(still=("astronaut", "grace_hopper")[k % 2], seed=500 + k),
        )
        for k, name in enumerate(names)
    ]


def render_case(case: Case, work: Path, fps: float, *, simulate_fs_hz: float | None = None) -> Path | None:
    """The case's clip in ``work`` (rendered unless cached), None when its belt data is absent.
    Synthetic breathing is simulated at ``simulate_fs_hz`` (default: the clip's frame rate)."""
    from breathcam.simulate.render import render_clip

    clip = work / f"{case.name}.mp4"
    if clip.exists() and clip.with_suffix(".truth.json").exists():
        return clip
    if case.kind == "belts":
        from breathcam.simulate.belts import load_belts

        try:
            breathing = load_belts(fs_hz=fps, **case.params)
        except Exception as exc:  # data folder absent: skip belt cases
            print(f"skip {case.name}: {exc}", file=sys.stderr)
            return None
    else:
        from breathcam.simulate.waveform import simulate_breathing

        breathing = simulate_breathing(fs_hz=simulate_fs_hz or fps, description=case.condition, **case.params)
    render_clip(breathing, clip, fps=fps, **case.render)
    return clip


def analyse(clip: Path, out_json: Path, config_toml: Path | None = None) -> dict:
    extra = f", '--config', {str(config_toml)!r}" if config_toml else ""
    code = (
        "import json, resource, sys, time\n"
        "t0 = time.perf_counter()\n"
        "from breathcam.cli import main\n"
        f"rc = main(['analyze', {str(clip)!r}, '--json', {str(out_json)!r}, '--quiet', '--no-save'{extra}])\n"
        "wall = time.perf_counter() - t0\n"
        "ru = resource.getrusage(resource.RUSAGE_SELF)\n"
        # VmHWM is this process's own peak resident memory; ru_maxrss would also count the
        # benchmark's own peak (Linux keeps it across fork and exec).
        "hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(json.dumps({'rc': rc, 'wall_s': wall, 'cpu_s': ru.ru_utime + ru.ru_stime, 'maxrss_mb': hwm / 1024}))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"rc": proc.returncode, "error": proc.stderr.strip()[-500:]}


def decode(clip: Path) -> dict:
    """Wall time of decoding every frame of ``clip`` with OpenCV (the analysis's own decoder) in a
    fresh process: the ceiling the analysis's speed is measured against."""
    code = (
        "import json, time\n"
        "import cv2\n"
        "t0 = time.perf_counter()\n"
        f"cap = cv2.VideoCapture({str(clip)!r}, cv2.CAP_FFMPEG)\n"
        "n = 0\n"
        "while cap.read()[0]:\n"
        "    n += 1\n"
        "print(json.dumps({'frames': n, 'wall_s': time.perf_counter() - t0, 'cpu_s': time.process_time()}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {}


def iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def score(truth: Truth, result: dict, *, hold_iou: float = HOLD_IOU) -> dict:
    """Rate error, breath count error, holds found (IoU >= hold_iou, right phase) and false holds
    (overlapping no truth hold at all)."""
    est = result.get("rate_bpm")
    row = {
        "truth_bpm": truth.rate_bpm,
        "est_bpm": est,
        "abs_err": None if est is None or truth.rate_bpm is None else abs(est - truth.rate_bpm),
        "count_err": len(result["breaths"]) - len(truth.breaths),
        "duration_s": truth.duration_s,
    }
    holds_known = truth.extra.get("holds_known", True)
    if holds_known:
        found = 0
        matched_est = set()
        for th in truth.holds:
            for k, eh in enumerate(result["holds"]):
                if k not in matched_est and eh["after"] == th.after and iou((th.start, th.end), (eh["start"], eh["end"])) >= hold_iou:
                    found += 1
                    matched_est.add(k)
                    break
        false = 0
        for k, eh in enumerate(result["holds"]):
            if k in matched_est:
                continue
            if not any(iou((th.start, th.end), (eh["start"], eh["end"])) > 0 for th in truth.holds):
                false += 1
        row.update(truth_holds=len(truth.holds), holds_found=found, false_holds=false)
    return row


def fmt(x, nd=2):
    return "-" if x is None else f"{x:.{nd}f}"


def summarise(rows: list[dict], title: str) -> str:
    errs = [r["abs_err"] for r in rows if r.get("abs_err") is not None]
    readings = sum(1 for r in rows if r.get("est_bpm") is not None)
    th = sum(r.get("truth_holds", 0) for r in rows)
    hf = sum(r.get("holds_found", 0) for r in rows)
    fh = sum(r.get("false_holds", 0) for r in rows if "false_holds" in r)
    minutes = sum(r["duration_s"] for r in rows if "false_holds" in r) / 60.0
    speed = [r["speed_x"] for r in rows if r.get("speed_x")]
    dec = [r["decode_x"] for r in rows if r.get("decode_x")]
    wall = sum(r["wall_s"] for r in rows if r.get("wall_s") and r.get("decode_s"))
    dec_wall = sum(r["decode_s"] for r in rows if r.get("wall_s") and r.get("decode_s"))
    cpu = sum(r["cpu_s"] for r in rows if r.get("cpu_s") and r.get("decode_cpu_s"))
    total_s = sum(r["duration_s"] for r in rows if r.get("wall_s") and r.get("decode_s") and r.get("decode_cpu_s"))
    dec_cpu = sum(r["decode_cpu_s"] for r in rows if r.get("cpu_s") and r.get("decode_cpu_s"))
    mem = [r["maxrss_mb"] for r in rows if r.get("maxrss_mb")]
    return (
        f"{title:<28} n={len(rows):>2} readings={readings:>2}  rate MAE={fmt(statistics.mean(errs) if errs else None)}"
        f"  max err={fmt(max(errs) if errs else None)}"
        f"  |count err| mean={fmt(statistics.mean(abs(r['count_err']) for r in rows) if rows else None, 1)}"
        f"  holds found={hf}/{th}"
        f"  false holds/10min={fmt(10 * fh / minutes if minutes else None)}"
        f"  speed x={fmt(statistics.median(speed) if speed else None, 1)}"
        f" (all clips {fmt(total_s / wall if wall else None, 1)}, in CPU time {fmt(total_s / cpu if cpu else None, 1)};"
        f" decode x={fmt(statistics.median(dec) if dec else None, 1)},"
        f" of decode={fmt(dec_wall / wall if wall else None, 3)}, CPU time of decode={fmt(dec_cpu / cpu if cpu else None, 3)})"
        f"  peak MB={fmt(max(mem) if mem else None, 0)}"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few clips only")
    ap.add_argument("--work", type=Path, default=ROOT / "bench-out" / "clips")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--jobs", type=int, default=1, help="clips analysed at once (1 keeps the speed figure honest)")
    ap.add_argument("--only", help="substring of case names to run")
    ap.add_argument("--belts-all", action="store_true", help="only belt-driven clips: one 2-minute window of every recording")
    ap.add_argument("--render-only", action="store_true", help="render (and cache) the clips, analyse nothing")
    ap.add_argument("--config", type=Path, help="analyse with these settings (a TOML file, see docs/config.md)")
    ap.add_argument("--long", type=float, default=0, help="also render and analyse a clip this many seconds long")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    todo = belt_cases_all() if args.belts_all else cases(args.quick)
    if args.only:
        todo = [c for c in todo if args.only in c.name]
    if args.long:
        todo.append(
            Case(f"long{int(args.long)}", "long clip", params=dict(duration_s=args.long, rate_bpm=12, irregularity=0.1, sigh_every_s=90, seed=400), render=dict(still="astronaut", seed=400))
        )

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        clips = list(pool.map(lambda c: render_case(c, args.work, args.fps), todo))
    print(f"rendered {sum(c is not None for c in clips)} clips in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.render_only:
        return 0

    def run(pair):
        case, clip = pair
        out = clip.with_suffix(".analysis.json")
        perf = analyse(clip, out, args.config)
        truth = Truth.read(clip.with_suffix(".truth.json"))
        if perf.get("rc") != 0 or not out.exists():
            return case, {"error": perf.get("error", f"exit {perf.get('rc')}"), "duration_s": truth.duration_s, "count_err": 0}
        row = score(truth, json.loads(out.read_text()))
        row["speed_x"] = truth.duration_s / perf["wall_s"]
        row["wall_s"] = perf["wall_s"]
        dec = decode(clip)
        row["cpu_s"] = perf["cpu_s"]
        if dec.get("wall_s"):
            row["decode_s"] = dec["wall_s"]
            row["decode_x"] = truth.duration_s / dec["wall_s"]
            row["decode_cpu_s"] = dec["cpu_s"]
        row["maxrss_mb"] = perf["maxrss_mb"]
        return case, row

    pairs = [(c, p) for c, p in zip(todo, clips) if p is not None]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run, pairs))

    print(f"{'clip':<26} {'truth':>6} {'est':>6} {'err':>5} {'count':>5} {'holds':>6} {'false':>5} {'speed':>6} {'decode':>6} {'MB':>5}")
    for case, r in results:
        if "error" in r:
            print(f"{case.name:<26} ERROR {r['error']}")
            continue
        holds = f"{r['holds_found']}/{r['truth_holds']}" if "truth_holds" in r else "-"
        print(
            f"{case.name:<26} {fmt(r['truth_bpm'], 1):>6} {fmt(r['est_bpm'], 1):>6} {fmt(r['abs_err']):>5} "
            f"{r['count_err']:>5} {holds:>6} {r.get('false_holds', '-'):>5} {fmt(r['speed_x'], 1):>6} {fmt(r.get('decode_x'), 1):>6} {fmt(r['maxrss_mb'], 0):>5}"
        )
    print()
    by_condition: dict[str, list[dict]] = {}
    for case, r in results:
        if "error" not in r:
            by_condition.setdefault(case.condition, []).append(r)
    for cond, rows in by_condition.items():
        print(summarise(rows, cond))
    ok_rows = [r for _, r in results if "error" not in r]
    print(summarise(ok_rows, "OVERALL"))
    errors = sum(1 for _, r in results if "error" in r)
    if errors:
        print(f"{errors} clip(s) failed to analyse")
    return 0


if __name__ == "__main__":
    sys.exit(main())
