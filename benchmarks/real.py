"""Accuracy of `breathcam analyze` on real clips of real people (../shared/data/real-video).

Every clip is analysed in a fresh process, as a user would run it.  Printed per clip and in total:

- holds found: a reported hold overlapping the truth interval with IoU >= 0.3 and the right phase
  (after inhale / after exhale); an open hold (running into the clip's end) counts with its
  reported "at least" end;
- false holds: holds reported on normal breathing (take 1 and the seated clips);
- the highest rate shown while the person holds (rate series points inside the hold, and the
  clip rate when the hold fills most of the clip): the target is none above 25/min;
- the rate against the rough reference, where there is one; clips with no rate reading;
- movement repetitions reported (every clip here is a still person: the target is 0);
- on the vitallens clip, the correlation and lag of the measured breathing trace against the
  recorded ``resp`` reference (whose sign is checked: its rises are shorter than its falls, so
  it runs with inhale up, and a positive r means the measurement does too).

    python benchmarks/real.py                       # every clip, 2 at a time
    python benchmarks/real.py --only benhur_2       # clips whose name contains this
    python benchmarks/real.py --data DIR --jobs 1
    python benchmarks/real.py --config fast.toml    # with other settings

The clips of ``prescan-dev`` carry no licence: they are read where they lie and nothing derived
from them is written outside --work (default bench-out/real).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOLD_IOU = 0.3
# While a person holds, no rate above this is acceptable (normal adult breathing is 12-20/min).
MAX_RATE_IN_HOLD = 25.0
# Lags searched for the reference trace (s): the reference's sensor delay is not documented.
MAX_LAG_S = 2.0


@dataclass(frozen=True)
class Clip:
    path: Path
    case: str  # normal | inhale_hold | exhale_hold | irregular | seated
    hold_s: tuple[float, float] | None = None
    rate_ref: float | None = None
    reference_csv: Path | None = None  # per-frame "resp" column

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def view(self) -> str:
        return "side" if "_side" in self.name else "front" if "_front" in self.name else "seated"


def discover(data: Path) -> list[Clip]:
    clips: list[Clip] = []
    pre = data / "prescan-dev"
    if (pre / "truth.json").is_file():
        for row in json.loads((pre / "truth.json").read_text()):
            hold = tuple(row["hold_s"]) if row.get("hold_s") else None
            clips.append(Clip(pre / row["clip"], row["case"], hold, row.get("rate_bpm_rough")))
    vl = data / "vitallens" / "sample_video_1.mp4"
    if vl.is_file():
        clips.append(Clip(vl, "seated", reference_csv=vl.with_name("sample_vitals_1.csv")))
    wc = data / "webcam" / "remophysio_video.mp4"
    if wc.is_file():
        clips.append(Clip(wc, "seated"))
    return clips


# ------------------------------------------------------------------------------------------
# worker: one clip in this process (called by the parent in a fresh interpreter)
# ------------------------------------------------------------------------------------------


def run_one(clip: Path, out_json: Path, out_npz: Path, config_toml: Path | None = None) -> None:
    from breathcam.config import load_config
    from breathcam.pipeline import analyze_clip
    from breathcam.report.export import write_json

    config = load_config(config_toml)
    t0 = time.perf_counter()
    analysis = analyze_clip(clip, config=config)
    elapsed = time.perf_counter() - t0
    write_json(analysis, out_json)
    tr = analysis.traces
    if tr is not None and len(tr.t_s):
        np.savez_compressed(
            out_npz, t_s=tr.t_s, breathing=tr.breathing, chest=tr.chest, belly=tr.belly, valid=tr.valid,
            elapsed_s=elapsed,
        )


# ------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------


def _iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def reference_fit(clip: Clip, t: np.ndarray, x: np.ndarray, ok: np.ndarray) -> dict | None:
    """Correlation and lag of the measured breathing trace (``t``, ``x``, valid ``ok``) against
    the clip's reference, and whether the reference runs with inhale up.

    The reference is per video frame; it is placed on the trace's time grid by the frame times
    (frame i at i / fps).  The lag is the shift of the measured trace behind the reference that
    maximises |r|.  The reference's sign is not documented: a breath's inhale is shorter than its
    exhale, so where the reference rises faster than it falls it runs with inhale up
    (``inhale_up``), and a positive r then means the measured trace does too."""
    if clip.reference_csv is None or not len(t):
        return None
    import csv

    import cv2
    from scipy.signal import detrend

    with open(clip.reference_csv) as fh:
        resp = np.array([float(r["resp"]) for r in csv.DictReader(fh)])
    cap = cv2.VideoCapture(str(clip.path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    cap.release()
    ref = np.interp(t, np.arange(resp.size) / fps, resp)
    slope = np.diff(resp)
    inhale_up = bool(np.sum(slope > 0) < np.sum(slope < 0))  # the rise takes fewer frames
    best = (0.0, 0.0)
    fs = 1.0 / float(np.median(np.diff(t)))
    for k in range(-int(MAX_LAG_S * fs), int(MAX_LAG_S * fs) + 1):
        # measured[i] compared with reference[i - k]: k > 0 means the measurement lags
        if k >= 0:
            a, b, m = x[k:], ref[: ref.size - k], ok[k:]
        else:
            a, b, m = x[:k], ref[-k:], ok[:k]
        if m.sum() < 0.5 * t.size:
            continue
        r = float(np.corrcoef(detrend(a[m]), detrend(b[m]))[0, 1])
        if abs(r) > abs(best[0]):
            best = (r, k / fs)
    return {"r": round(best[0], 3), "lag_s": round(best[1], 2), "inhale_up": inhale_up}


def score(clip: Clip, result: dict, fit: dict | None) -> dict:
    holds = result.get("holds", [])
    dur = float(result.get("duration_s") or 0.0)
    out = {
        "clip": clip.name,
        "case": clip.case,
        "view": clip.view,
        "rate": result.get("rate_bpm"),
        "ref": clip.rate_ref,
        "breaths": len(result.get("breaths", [])),
        "holds": [f"{h['after'][:2]} {h['start']:.1f}-{h['end']:.1f}{'+' if h.get('open') else ''}" for h in holds],
        "reps": (result.get("movement") or {}).get("n_reps", 0) or 0,
        "confidence": (result.get("quality") or {}).get("confidence"),
        "pose": (result.get("quality") or {}).get("pose_found"),
        "notes": (result.get("quality") or {}).get("notes", []),
        "fit": fit,
    }
    if clip.hold_s is not None:
        want = "inhale" if clip.case == "inhale_hold" else "exhale"
        ious = [_iou((h["start"], h["end"]), clip.hold_s) for h in holds if h["after"] == want]
        out["hold_found"] = bool(ious) and max(ious) >= HOLD_IOU
        out["hold_iou"] = round(max(ious), 2) if ious else 0.0
        a, b = clip.hold_s
        inside = [p["bpm"] for p in result.get("rate_series", []) if p.get("bpm") and a <= p["t"] <= b]
        if result.get("rate_bpm") and (b - a) >= 0.5 * dur:
            inside.append(result["rate_bpm"])
        out["max_rate_in_hold"] = max(inside) if inside else None
    if clip.case in ("normal", "seated"):
        out["false_holds"] = len(holds)
    return out


def fmt_row(s: dict) -> str:
    rate = f"{s['rate']:.1f}" if s["rate"] else "-"
    ref = f"{s['ref']:.1f}" if s["ref"] else "-"
    hold = ""
    if "hold_found" in s:
        hold = f"{'found' if s['hold_found'] else 'MISSED'} iou {s['hold_iou']:.2f}"
        if s["max_rate_in_hold"]:
            hold += f", rate in hold {s['max_rate_in_hold']:.0f}"
    elif s.get("false_holds"):
        hold = f"FALSE x{s['false_holds']}"
    fit = f" r={s['fit']['r']:+.2f} lag {s['fit']['lag_s']:+.2f}s" if s["fit"] else ""
    return (
        f"{s['clip']:<22} {s['case']:<12} {rate:>5} {ref:>5} {s['breaths']:>3} {s['reps']:>3} "
        f"{(s['pose'] or 0):>5.2f} {(s['confidence'] or 0):>5.2f}  {hold:<32} {'; '.join(s['holds'])}{fit}"
    )


def summarise(scores: list[dict]) -> list[str]:
    lines = []
    hold_clips = [s for s in scores if "hold_found" in s]
    if hold_clips:
        found = sum(s["hold_found"] for s in hold_clips)
        lines.append(f"holds found (IoU >= {HOLD_IOU}, right phase): {found}/{len(hold_clips)}")
        for view in ("front", "side"):
            v = [s for s in hold_clips if s["view"] == view]
            if v:
                lines.append(f"  {view}: {sum(s['hold_found'] for s in v)}/{len(v)}")
        high = [s for s in hold_clips if (s["max_rate_in_hold"] or 0) > MAX_RATE_IN_HOLD]
        lines.append(f"hold clips showing a rate above {MAX_RATE_IN_HOLD:.0f}/min while holding: {len(high)}/{len(hold_clips)}")
    normal = [s for s in scores if "false_holds" in s]
    if normal:
        lines.append(f"false holds on normal breathing: {sum(s['false_holds'] for s in normal)} on {len(normal)} clips")
    rated = [s for s in scores if s["ref"]]
    if rated:
        errs = [abs(s["rate"] - s["ref"]) for s in rated if s["rate"]]
        within = sum(e <= 2.0 for e in errs)
        med = f"{statistics.median(errs):.1f}/min" if errs else "-"
        lines.append(
            f"rate vs rough reference: reading on {len(errs)}/{len(rated)}, median error {med}, within 2/min {within}/{len(rated)}"
        )
    no_rate = [s for s in scores if not s["rate"] and s["case"] in ("normal", "irregular", "seated")]
    lines.append(f"breathing clips with no rate reading: {len(no_rate)}/{sum(s['case'] in ('normal', 'irregular', 'seated') for s in scores)}")
    lines.append(f"movement repetitions reported (all people here are still): {sum(s['reps'] for s in scores)}")
    for s in scores:
        if s["fit"]:
            sign = "inhale up" if s["fit"]["inhale_up"] else "inhale down"
            lines.append(f"reference trace ({s['clip']}, {sign}): r = {s['fit']['r']:+.3f} at lag {s['fit']['lag_s']:+.2f} s")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "real-video")
    ap.add_argument("--work", type=Path, default=ROOT / "bench-out" / "real")
    ap.add_argument("--only", default="", help="only clips whose name contains this")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the per-clip scores here")
    ap.add_argument("--config", type=Path, help="analyse with these settings (a TOML file, see docs/config.md)")
    ap.add_argument("--one", nargs=3, metavar=("CLIP", "OUT_JSON", "OUT_NPZ"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        run_one(*(Path(p) for p in args.one), config_toml=args.config)
        return 0
    clips = [c for c in discover(args.data) if args.only in c.name]
    if not clips:
        print(f"no real clips found under {args.data}")
        return 1
    args.work.mkdir(parents=True, exist_ok=True)

    def job(clip: Clip) -> tuple[Clip, dict | None, str]:
        out_json, out_npz = args.work / f"{clip.name}.json", args.work / f"{clip.name}.npz"
        out_json.unlink(missing_ok=True)
        out_npz.unlink(missing_ok=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(clip.path), str(out_json), str(out_npz)]
            + (["--config", str(args.config)] if args.config else []),
            capture_output=True, text=True,
        )
        if proc.returncode != 0 or not out_json.is_file():
            return clip, None, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        return clip, json.loads(out_json.read_text()), ""

    t0 = time.time()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        done = list(pool.map(job, clips))
    scores = []
    print(f"{'clip':<22} {'case':<12} {'rate':>5} {'ref':>5} {'br':>3} {'rep':>3} {'pose':>5} {'conf':>5}  {'hold':<32} reported holds")
    for clip, result, err in done:
        if result is None:
            print(f"{clip.name:<22} FAILED: {err}")
            continue
        npz = args.work / f"{clip.name}.npz"
        trace = np.load(npz) if npz.is_file() else None
        fit = None if trace is None else reference_fit(clip, trace["t_s"], trace["breathing"], trace["valid"].astype(bool))
        s = score(clip, result, fit)
        scores.append(s)
        print(fmt_row(s))
    print()
    for line in summarise(scores):
        print(line)
    print(f"({len(done)} clips in {time.time() - t0:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(scores, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
