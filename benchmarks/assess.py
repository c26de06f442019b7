"""The guided assessment (`breathcam assess`) end to end on seeded assessment clips: the figures.

Renders clips laid out on the protocol's own plan (breathcam.simulate.assessment: rest breathing
with planted patterns, a control pause of known length, standing, squats with held breaths),
runs ``breathcam assess --source CLIP --no-window`` on each in a fresh process and prints per clip
and overall:

- control pause: camera value against the truth (hold start to the first breath), error in s;
- patterns: planted, flagged, missed, flagged but not planted (over the four a camera can tell);
- repetitions of the moving step: found / true, matched (IoU >= 0.5), held labels right;
- the run's wall time.

    python benchmarks/assess.py            # 4 scenarios x 2 seeds at the default step lengths (long)
    python benchmarks/assess.py --quick    # 1 seed, steps shortened (rest 60 s, hold 45 s, moving 40 s)
    python benchmarks/assess.py --only sigh --seeds 5

Clips are cached in --work (default bench-out/assess) by their parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from breathcam.config import DEFAULT  # noqa: E402

# (name, settings of simulate.assessment.assessment_breathing, with moving)
SCENARIOS = [
    ("calm", dict(rate_bpm=12.0, cp_s=25.0), True),
    ("sighs", dict(rate_bpm=12.0, sigh_every_s=20.0, cp_s=18.0), True),
    ("fast_chest", dict(rate_bpm=24.0, belly_share=0.15, cp_s=12.0), False),
    ("asynchrony", dict(rate_bpm=14.0, phase_deg=70.0, cp_s=35.0), False),
]
QUICK = dict(rest_s=60.0, hold_step_s=45.0, standing_s=10.0, moving_s=40.0)


def iou(a, b) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def render(name: str, settings: dict, moving: bool, *, seed: int, quick: bool, work: Path) -> Path:
    from breathcam.simulate.assessment import render_assessment

    cfg = replace(DEFAULT.assess, **QUICK) if quick and moving else \
        replace(DEFAULT.assess, rest_s=60.0, hold_step_s=max(45.0, settings["cp_s"] + 25.0)) if quick else DEFAULT.assess
    clip = work / f"{name}_{'q' if quick else 'f'}_s{seed}.mp4"
    toml = clip.with_suffix(".toml")
    toml.write_text("[assess]\n" + "".join(f"{k} = {getattr(cfg, k)!r}\n" for k in ("rest_s", "hold_step_s", "standing_s", "moving_s")))
    if clip.exists() and clip.with_suffix(".truth.json").exists():
        return clip
    steps = ("rest", "hold", "standing", "moving") if moving else ("rest", "hold")
    still = "astronaut" if seed % 2 else "grace_hopper"
    render_assessment(clip, still=still, seed=seed, steps=steps, config=cfg, **settings)
    return clip


def run(clip: Path, moving: bool) -> tuple[dict | None, float, str]:
    out = clip.with_suffix(".assess.json")
    cmd = [sys.executable, "-m", "breathcam", "assess", "--source", str(clip), "--no-window", "--no-save", "--quiet",
           "--config", str(clip.with_suffix(".toml")), "--steps", "rest,hold" + (",standing,moving" if moving else ""),
           "--json", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return None, wall, proc.stderr.strip()
    return json.loads(out.read_text()), wall, ""


def score(truth: dict, a: dict) -> dict:
    ex = truth["extra"]["assessment"]
    cp_t = (ex.get("control_pause") or {}).get("seconds")
    cp_e = (a.get("control_pause") or {}).get("camera_s")
    planted = set(ex["patterns"])
    flagged = {p["name"] for p in a["patterns"] if p["flagged"]}
    row = {"cp_truth": cp_t, "cp_est": cp_e, "cp_err": None if cp_t is None or cp_e is None else cp_e - cp_t,
           "planted": planted, "flagged": flagged, "missed": planted - flagged, "extra": flagged - planted,
           "cannot": [p["name"] for p in a["patterns"] if p["flagged"] is None]}
    reps = truth["extra"].get("movement", {}).get("reps", [])
    found = (a.get("moving") or {}).get("reps", [])
    matched = held_ok = held_n = 0
    for r in reps:
        best = max(found, key=lambda f: iou((r["start"], r["end"]), (f["start"], f["end"])), default=None)
        if best is None or iou((r["start"], r["end"]), (best["start"], best["end"])) < 0.5:
            continue
        matched += 1
        if best.get("held") is not None:
            held_n += 1
            held_ok += int(bool(best["held"]) == bool(r["held"]))
    row.update(reps=len(reps), reps_found=len(found), reps_matched=matched, held_ok=held_ok, held_n=held_n)
    return row


def fmt(x, nd=2) -> str:
    return "-" if x is None else f"{x:+.{nd}f}" if isinstance(x, float) else str(x)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed, shortened steps")
    ap.add_argument("--only", help="scenarios whose name contains this")
    ap.add_argument("--seeds", help="comma-separated seeds (default 1,2; --quick: 1)")
    ap.add_argument("--work", default=str(ROOT / "bench-out" / "assess"))
    args = ap.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [1] if args.quick else [1, 2]
    rows = []
    for name, settings, moving in SCENARIOS:
        if args.only and args.only not in name:
            continue
        for seed in seeds:
            clip = render(name, settings, moving, seed=seed, quick=args.quick, work=work)
            a, wall, err = run(clip, moving)
            if a is None:
                print(f"{clip.name}: assess failed: {err}")
                continue
            row = score(json.loads(clip.with_suffix(".truth.json").read_text()), a)
            rows.append(row)
            print(f"{clip.name:<26} cp truth {row['cp_truth']:.2f} est {fmt(row['cp_est'] and float(row['cp_est']))} "
                  f"err {fmt(row['cp_err'])} s  planted {sorted(row['planted']) or '-'} flagged {sorted(row['flagged']) or '-'}"
                  f"  reps {row['reps_found']}/{row['reps']} matched {row['reps_matched']} held {row['held_ok']}/{row['held_n']}"
                  f"  ({wall:.0f} s)", flush=True)
    if not rows:
        return 1
    errs = [abs(r["cp_err"]) for r in rows if r["cp_err"] is not None]
    print()
    print(f"clips {len(rows)}; control pause |error| median {statistics.median(errs):.2f} s, max {max(errs):.2f} s, "
          f"within 1 s {sum(e <= 1.0 for e in errs)}/{len(rows)} (no reading {sum(r['cp_err'] is None for r in rows)})")
    print(f"patterns: planted {sum(len(r['planted']) for r in rows)}, flagged of them "
          f"{sum(len(r['planted'] & r['flagged']) for r in rows)}, flagged not planted {sum(len(r['extra']) for r in rows)}"
          f"; clips with exactly the planted set {sum(not r['missed'] and not r['extra'] for r in rows)}/{len(rows)}")
    mv = [r for r in rows if r["reps"]]
    if mv:
        print(f"repetitions: found {sum(r['reps_found'] for r in mv)}/{sum(r['reps'] for r in mv)}, matched "
              f"{sum(r['reps_matched'] for r in mv)}, held label right {sum(r['held_ok'] for r in mv)}/{sum(r['held_n'] for r in mv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
