"""Chest vs belly accuracy of `breathcam analyze` on rendered simulated and belt-driven clips.

Per condition: label accuracy (the analysis label equals the truth label; "unknown" counts as
wrong), unknown labels, belly-share error (mean absolute), phase error (mean absolute, degrees,
where both are defined), paradoxical clips flagged, false paradoxical flags, and for switch clips
how many breaths the located switch is from the true one.

    python benchmarks/pattern.py --quick      # 8 clips, about 4 minutes on 2 cores
    python benchmarks/pattern.py              # 28 clips, about 15 minutes on 2 cores

Clips are 60 s at 15 fps, 640x480 (cached in --work by name).  Belt-driven clips replay the VRWi
thoracic and abdominal belts; those belts are uncalibrated against each other, so their chest /
belly truth is the share imposed by scaling each belt to a median breath of 1 - share and share
(simulate.belts.load_belts); their phase truth is the belts' own timing.  Astronaut clips show the
belly (full framing, sway 1-2.5 px); grace_hopper's photo ends at mid-chest, so its clip tests
"belly out of frame", and a torso framing (no face) where pose finds nobody tests regions from the
motion fallback (the right answer for both is "unknown").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from accuracy import Case as RateCase, render_case  # noqa: E402

FPS = 15.0
SECONDS = 60.0


@dataclass(frozen=True)
class Case(RateCase):
    expect_unknown: bool = False  # the right answer is "unknown" (no belly in view, pose finds nobody)


def cases(quick: bool) -> list[Case]:
    out: list[Case] = []
    shares = {"chest": (0.08, 0.15, 0.22), "mixed": (0.42, 0.5, 0.58), "belly": (0.78, 0.85, 0.92)}
    for label, values in shares.items():
        for i, share in enumerate(values):
            seed = 700 + 10 * len(out)
            out.append(Case(f"{label}{i}", f"sim {label}", params=dict(belly_share=share, rate_bpm=(10, 14, 18)[i], irregularity=0.08, seed=seed),
                            render=dict(still="astronaut", sway_px=(1.0, 1.5, 2.5)[i], seed=seed)))
    for i in range(3):
        seed = 800 + i
        out.append(Case(f"paradox{i}", "sim paradoxical", params=dict(belly_share=(0.4, 0.5, 0.6)[i], paradoxical=True, rate_bpm=(10, 14, 18)[i], irregularity=0.08, seed=seed),
                        render=dict(still="astronaut", sway_px=(1.0, 1.5, 2.5)[i], seed=seed)))
    for i, lag in enumerate((30.0, 60.0)):
        seed = 820 + i
        out.append(Case(f"lag{int(lag)}", "sim phase lag", params=dict(belly_share=0.5, phase_deg=lag, rate_bpm=12, irregularity=0.05, seed=seed),
                        render=dict(still="astronaut", seed=seed)))
    for i in range(3):
        seed = 840 + i
        out.append(Case(f"switch{i}", "sim switch", params=dict(belly_share=0.15, belly_share_after=0.85, switch_at_s=(25.0, 30.0, 35.0)[i], rate_bpm=(10, 12, 15)[i], irregularity=0.08, seed=seed),
                        render=dict(still="astronaut", sway_px=(1.0, 1.5, 2.5)[i], seed=seed)))
    out.append(Case("torso_nopose", "pose finds nobody", params=dict(belly_share=0.85, rate_bpm=12, seed=870),
                    render=dict(still="astronaut", framing="torso", seed=870), expect_unknown=True))
    out.append(Case("gh_belly_out", "belly out of frame", params=dict(belly_share=0.5, rate_bpm=12, seed=860),
                    render=dict(still="grace_hopper", seed=860), expect_unknown=True))
    belts = ["F01_resting", "M03_resting", "F08_resting", "M10_resting", "F05_resting", "M07_resting"]
    for k, rec in enumerate(belts):
        share = (0.15, 0.5, 0.85)[k % 3]
        label = ("chest", "mixed", "belly")[k % 3]
        out.append(Case(f"belts_{rec}_{label}", f"belts {label}", kind="belts", params=dict(name=rec, start_s=120.0, belly_share=share),
                        render=dict(still="astronaut", seed=900 + k)))
    for k, rec in enumerate(["M01_resting", "F03_resting"]):
        out.append(Case(f"belts_{rec}_paradox", "belts paradoxical", kind="belts", params=dict(name=rec, start_s=120.0, belly_share=0.5, paradoxical=True),
                        render=dict(still="astronaut", seed=950 + k)))
    if quick:
        keep = {"chest0", "mixed1", "belly2", "paradox0", "lag60", "switch1", "belts_F01_resting_chest", "belts_M03_resting_mixed"}
        out = [c for c in out if c.name in keep]
    return out


def run_case(case: Case, work: str) -> dict:
    from breathcam.pipeline import analyze_clip
    from breathcam.simulate.render import truth_path
    from breathcam.simulate.waveform import Truth

    clip = render_case(replace(case, params={"duration_s": SECONDS, **case.params}), Path(work), FPS, simulate_fs_hz=30.0)
    if clip is None:
        return {"skip": "belt data not found"}
    truth = Truth.read(truth_path(clip))
    t0 = time.perf_counter()
    analysis = analyze_clip(clip)
    p = analysis.pattern
    row = {"truth_label": truth.label, "label": p.label, "truth_share": truth.belly_share, "share": p.belly_share,
           "truth_phase": truth.phase_deg, "phase": p.phase_deg, "paradoxical": p.paradoxical,
           "truth_paradoxical": bool(case.params.get("paradoxical", False)), "confidence": p.confidence,
           "expect_unknown": case.expect_unknown, "seconds": time.perf_counter() - t0, "notes": p.notes}
    if truth.switch_s is not None:
        starts = [b.inhale_start for b in truth.breaths]
        k_true = sum(1 for s in starts if s < truth.switch_s - 1e-6)
        row["switch_err"] = None if p.switch_t is None else abs(sum(1 for s in starts if s < p.switch_t - 0.5) - k_true)
    return row


def phase_err(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def fmt(x, nd=2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def summarise(rows: list[dict], title: str) -> str:
    n = len(rows)
    correct = sum(1 for r in rows if (r["label"] == "unknown") if r["expect_unknown"]) + sum(
        1 for r in rows if not r["expect_unknown"] and r["label"] == r["truth_label"])
    unknown = sum(1 for r in rows if r["label"] == "unknown")
    share_err = [abs(r["share"] - r["truth_share"]) for r in rows if r["share"] is not None and r["truth_share"] is not None and "switch_err" not in r and not r["expect_unknown"]]
    ph = [e for e in (phase_err(r["phase"], r["truth_phase"]) for r in rows) if e is not None]
    para = [r for r in rows if r["truth_paradoxical"]]
    false_para = sum(1 for r in rows if not r["truth_paradoxical"] and r["paradoxical"])
    sw = [r["switch_err"] for r in rows if "switch_err" in r]
    parts = [f"{title:<22} n={n:>2} labels {correct}/{n} ({100 * correct / max(1, n):.0f}%) unknown {unknown}"]
    parts.append(f"share MAE {fmt(statistics.mean(share_err)) if share_err else '-'}")
    parts.append(f"phase MAE {fmt(statistics.mean(ph), 1) if ph else '-'} deg")
    if para:
        parts.append(f"paradoxical flagged {sum(1 for r in para if r['paradoxical'])}/{len(para)}")
    parts.append(f"false paradoxical {false_para}")
    if sw:
        within = sum(1 for e in sw if e is not None and e <= 2)
        parts.append(f"switch within 2 breaths {within}/{len(sw)} (errors {[e for e in sw]})")
    return ", ".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 clips only")
    ap.add_argument("--work", type=Path, default=ROOT / "bench-out" / "pattern")
    ap.add_argument("--jobs", type=int, default=2, help="clips rendered and analysed at once")
    ap.add_argument("--only", help="substring of case names to run")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    todo = cases(args.quick)
    if args.only:
        todo = [c for c in todo if args.only in c.name]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run_case, todo, [str(args.work)] * len(todo)))
    print(f"{'clip':<28} {'truth':>6} {'label':>7} {'share':>11} {'phase':>13} {'para':>5} {'conf':>5} {'switch':>6}")
    rows_by: dict[str, list[dict]] = {}
    for case, r in zip(todo, results):
        if "skip" in r:
            print(f"{case.name:<28} skipped: {r['skip']}")
            continue
        rows_by.setdefault(case.condition, []).append(r)
        print(f"{case.name:<28} {r['truth_label']:>6} {r['label']:>7} {fmt(r['truth_share']):>5}/{fmt(r['share']):<5} "
              f"{fmt(r['truth_phase'], 0):>6}/{fmt(r['phase'], 0):<6} {str(r['paradoxical']):>5} {fmt(r['confidence']):>5} {str(r.get('switch_err', '')):>6}")
    print()
    for cond, rows in rows_by.items():
        print(summarise(rows, cond))
    labelled = [r for cond, rows in rows_by.items() for r in rows if cond.startswith(("sim chest", "sim mixed", "sim belly", "belts chest", "belts mixed", "belts belly"))]
    if labelled:
        print(summarise(labelled, "chest/mixed/belly ALL"))
    print(summarise([r for rows in rows_by.values() for r in rows], "OVERALL"))
    print(f"{len(todo)} clips in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
