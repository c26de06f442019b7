"""Accuracy of `breathcam analyze` on rendered clips with the conditions of real footage.

The real clips (../shared/data/real-video, benchmarks/real.py) are short, standing, torso-only or
side-on, start and end with a clap, and often hold the breath for most of the clip; the renderer
now makes each of these conditions with exact truth (breathcam.simulate.conditions and .side).
This benchmark renders a seeded set of such clips, analyses each one in a fresh process (as a user
would run it) and prints per condition:

- holds found: a reported hold overlapping a truth hold with IoU >= 0.3 and the right phase (as
  benchmarks/real.py: real hold intervals are coarse); an open hold (running into the clip's end)
  is scored on the part the clip shows;
- false holds: reported holds overlapping no truth hold;
- the rate error on the normal-breathing clips (rate MAE, breaths/min), and those with no rate;
- the highest rate shown while the person holds (rate series inside the hold, and the clip rate
  when the hold fills most of the clip; above 25/min is wrong);
- movement repetitions reported (every person here stands still: the target is 0).

    python benchmarks/realistic.py               # the full set (32 clips, about 10 minutes on 2 cores)
    python benchmarks/realistic.py --quick       # 7 clips
    python benchmarks/realistic.py --only side   # case names containing "side"

Clips are cached in --work (default bench-out/realistic) by name; a clip whose parameters changed
is rendered again.  It reuses accuracy.py's Case, render_case, analyse and score.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from accuracy import Case as RateCase, analyse, fmt, iou, render_case, score  # noqa: E402

from breathcam.simulate.waveform import Truth  # noqa: E402

HOLD_IOU = 0.3
# While a person holds, no rate above this is acceptable (benchmarks/real.py).
MAX_RATE_IN_HOLD = 25.0
FPS = 30.0


@dataclass(frozen=True)
class Case(RateCase):
    rate_scored: bool = False  # normal breathing: the rate is scored


def _short_hold(name: str, condition: str, *, after: str, framing: str, clothing: str, seed: int, open_end: bool = False,
                **render) -> Case:
    """A 13-14 s clip like the real hold takes: a breath, "breathe in (or out) and hold" for
    7-8 s, then a breath; or (open_end) a 12 s clip whose hold runs into its end."""
    if open_end:
        params = dict(duration_s=12.0, rate_bpm=15.0, holds=[(4.5, 12.0, after)])
    elif after == "inhale":
        params = dict(duration_s=13.0, rate_bpm=15.0, holds=[(2.0, 7.5, after)])
    else:  # the hold starts after the first breath's exhale (3.5-4.5 s)
        params = dict(duration_s=14.0, rate_bpm=15.0, holds=[(2.0, 6.5, after)])
    params.update(irregularity=0.05, seed=seed, open_holds=True)
    tape = 3 if clothing == "dark" else 4
    return Case(name, condition, params=params,
                render=dict(framing=framing, clothing=clothing, tape_strips=tape, seed=seed, **render))


def cases(quick: bool) -> list[Case]:
    out: list[Case] = []
    # baselines: the same framings breathing normally with none of the conditions
    out.append(Case("base_torso", "baseline (torso, side)", params=dict(duration_s=30.0, rate_bpm=14.0, irregularity=0.08, seed=1000),
                    render=dict(framing="torso", seed=1000), rate_scored=True))
    out.append(Case("base_side", "baseline (torso, side)", params=dict(duration_s=30.0, rate_bpm=14.0, irregularity=0.08, seed=1001),
                    render=dict(framing="side", seed=1001), rate_scored=True))
    # short hold clips: front torso-only and side, after inhale and after exhale, dark and light
    k = 0
    for view, framing in (("front", "torso"), ("side", "side")):
        for after in ("inhale", "exhale"):
            for clothing in ("dark", "light"):
                out.append(_short_hold(f"hold_{view}_{after[:2]}_{clothing}", f"short hold, {view}", after=after,
                                       framing=framing, clothing=clothing, seed=1010 + k))
                k += 1
        out.append(_short_hold(f"hold_{view}_open", f"hold open at end, {view}", after="inhale", framing=framing,
                               clothing="dark", seed=1030 + k, open_end=True))
        out.append(_short_hold(f"hold_{view}_open_ex", f"hold open at end, {view}", after="exhale", framing=framing,
                               clothing="light", seed=1040 + k, open_end=True))
    # a clap at the start and the end
    for i, (framing, clap) in enumerate((("full", "both"), ("torso", "hands"), ("side", "both"))):
        out.append(Case(f"clap_{framing}_{clap}", "clap at the ends", params=dict(duration_s=20.0, rate_bpm=14.0, irregularity=0.08, seed=1100 + i),
                        render=dict(framing=framing, clap=clap, seed=1100 + i, clothing="dark" if framing == "torso" else "original"),
                        rate_scored=True))
    # standing sway with normal breathing
    for i, (framing, px, rate) in enumerate((("torso", 4.0, 12.0), ("torso", 8.0, 16.0), ("side", 6.0, 12.0))):
        out.append(Case(f"sway_{framing}_{int(px)}px", "standing sway", params=dict(duration_s=30.0, rate_bpm=rate, irregularity=0.08, seed=1200 + i),
                        render=dict(framing=framing, stand_sway_px=px, seed=1200 + i), rate_scored=True))
    # auto-exposure drift
    for i, drift in enumerate((0.1, 0.2)):
        out.append(Case(f"exposure_{int(100 * drift)}", "exposure drift", params=dict(duration_s=30.0, rate_bpm=14.0, irregularity=0.08, seed=1300 + i),
                        render=dict(framing="torso", exposure_drift=drift, seed=1300 + i), rate_scored=True))
    holds_params = dict(duration_s=60.0, rate_bpm=14.0, irregularity=0.08, holds=[(12.0, 9.0, "inhale"), (38.0, 10.0, "exhale")],
                        seed=1310, open_holds=True)
    out.append(Case("holds_control", "holds, no conditions", params=holds_params, render=dict(framing="torso", seed=1310)))
    out.append(Case("holds_control_full", "holds, no conditions", params=holds_params, render=dict(framing="full", seed=1310)))
    out.append(Case("exposure_holds", "exposure drift, holds",
                    params=holds_params, render=dict(framing="torso", exposure_drift=0.15, seed=1310)))
    # low bitrate
    for i, q in enumerate((20, 30)):
        out.append(Case(f"jpeg_q{q}", "low bitrate", params=dict(duration_s=30.0, rate_bpm=14.0, irregularity=0.08, seed=1400 + i),
                        render=dict(framing="torso", jpeg_quality=q, seed=1400 + i), rate_scored=True))
    out.append(_short_hold("jpeg_hold_q20", "low bitrate, short hold", after="inhale", framing="torso", clothing="dark", seed=1410,
                           jpeg_quality=20))
    # everything at once, as the real standing clips are
    k = 0
    for view, framing in (("front", "torso"), ("side", "side")):
        for after, clothing in (("inhale", "light"), ("exhale", "dark")):
            out.append(_short_hold(f"real_{view}_{after[:2]}", f"all conditions, {view}", after=after, framing=framing, clothing=clothing,
                                   seed=1500 + k, clap="both", stand_sway_px=4.0, exposure_drift=0.1, jpeg_quality=25))
            k += 1
    if quick:
        keep = {"base_torso", "hold_front_in_dark", "hold_side_ex_light", "clap_torso_hands", "sway_torso_8px", "exposure_20", "jpeg_q20"}
        out = [c for c in out if c.name in keep]
    return out


def _render(case: Case, work: Path) -> Path | None:
    """render_case, after dropping a cached clip whose parameters differ from the case's."""
    stamp = work / f"{case.name}.case.json"
    want = json.dumps({"params": case.params, "render": case.render}, sort_keys=True, default=str)
    clip = work / f"{case.name}.mp4"
    if clip.exists() and (not stamp.exists() or stamp.read_text() != want):
        clip.unlink()
        clip.with_suffix(".truth.json").unlink(missing_ok=True)
    path = render_case(RateCase(case.name, case.condition, case.kind, case.params, case.render), work, FPS)
    stamp.write_text(want)
    return path


def max_rate_in_hold(truth: Truth, result: dict) -> float | None:
    """The highest rate the analysis shows while the person holds (as benchmarks/real.py)."""
    rates = []
    for h in truth.holds:
        rates += [p["bpm"] for p in result.get("rate_series", []) if p.get("bpm") and h.start <= p["t"] <= h.end]
        if result.get("rate_bpm") and (h.end - h.start) >= 0.5 * truth.duration_s:
            rates.append(result["rate_bpm"])
    return max(rates) if rates else None


def run(case: Case, work: Path) -> dict:
    clip = _render(case, work)
    out = clip.with_suffix(".analysis.json")
    out.unlink(missing_ok=True)
    perf = analyse(clip, out)
    truth = Truth.read(clip.with_suffix(".truth.json"))
    if perf.get("rc") != 0 or not out.exists():
        return {"error": perf.get("error", f"exit {perf.get('rc')}")}
    result = json.loads(out.read_text())
    row = score(truth, result, hold_iou=HOLD_IOU)
    ious = {}
    for th in truth.holds:
        same = [iou((th.start, th.end), (eh["start"], eh["end"])) for eh in result["holds"] if eh["after"] == th.after]
        ious[f"{th.after[:2]} {th.start:.1f}-{th.end:.1f}{'+' if th.open else ''}"] = round(max(same), 2) if same else 0.0
    row.update(
        rate_scored=case.rate_scored,
        reps=(result.get("movement") or {}).get("n_reps", 0) or 0,
        hold_ious=ious,
        reported=[f"{h['after'][:2]} {h['start']:.1f}-{h['end']:.1f}" for h in result["holds"]],
        max_rate_in_hold=max_rate_in_hold(truth, result) if truth.holds else None,
        wall_s=perf.get("wall_s"),
    )
    return row


def summarise(rows: list[dict], title: str) -> str:
    th = sum(r.get("truth_holds", 0) for r in rows)
    hf = sum(r.get("holds_found", 0) for r in rows)
    fh = sum(r.get("false_holds", 0) for r in rows)
    scored = [r for r in rows if r["rate_scored"]]
    errs = [r["abs_err"] for r in scored if r.get("abs_err") is not None]
    no_reading = sum(1 for r in scored if r.get("est_bpm") is None)
    held = [r for r in rows if r.get("truth_holds")]
    high = sum(1 for r in held if (r.get("max_rate_in_hold") or 0) > MAX_RATE_IN_HOLD)
    parts = [f"{title:<28} n={len(rows):>2}", f"holds found {hf}/{th}", f"false holds {fh}"]
    if scored:
        parts.append(f"rate MAE {fmt(statistics.mean(errs) if errs else None)} (max {fmt(max(errs) if errs else None)})")
        parts.append(f"no reading {no_reading}/{len(scored)}")
    if held:
        parts.append(f"rate >{MAX_RATE_IN_HOLD:.0f} while holding {high}/{len(held)}")
    parts.append(f"reps {sum(r['reps'] for r in rows)}")
    return ", ".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="7 clips only")
    ap.add_argument("--work", type=Path, default=ROOT / "bench-out" / "realistic")
    ap.add_argument("--only", help="substring of case names to run")
    ap.add_argument("--render-only", action="store_true", help="render (and cache) the clips, analyse nothing")
    ap.add_argument("--json", type=Path, help="also write the per-clip rows here")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    todo = cases(args.quick)
    if args.only:
        todo = [c for c in todo if args.only in c.name]
    t0 = time.perf_counter()
    if args.render_only:
        for c in todo:  # one at a time: the machine is shared
            _render(c, args.work)
        print(f"rendered {len(todo)} clips in {time.perf_counter() - t0:.0f} s")
        return 0
    results = []
    print(f"{'clip':<22} {'truth':>6} {'est':>6} {'err':>5} {'holds':>5} {'false':>5} {'hold IoU (truth: best reported)':<40} reported holds")
    for case in todo:  # one at a time: the machine is shared, and each analysis is timed alone
        r = run(case, args.work)
        results.append((case, r))
        if "error" in r:
            print(f"{case.name:<22} ERROR {r['error']}")
            continue
        holds = f"{r['holds_found']}/{r['truth_holds']}"
        ious = "; ".join(f"{k}: {v:.2f}" for k, v in r["hold_ious"].items())
        err = fmt(r["abs_err"]) if r["rate_scored"] else "-"
        print(f"{case.name:<22} {fmt(r['truth_bpm'], 1):>6} {fmt(r['est_bpm'], 1):>6} {err:>5} {holds:>5} {r['false_holds']:>5} "
              f"{ious:<40} {'; '.join(r['reported'])}{'  reps ' + str(r['reps']) if r['reps'] else ''}", flush=True)
    print()
    by: dict[str, list[dict]] = {}
    for case, r in results:
        if "error" not in r:
            by.setdefault(case.condition, []).append(r)
    for cond, rows in by.items():
        print(summarise(rows, cond))
    ok = [r for _, r in results if "error" not in r]
    if ok:
        print(summarise(ok, "OVERALL"))
    errors = sum(1 for _, r in results if "error" in r)
    if errors:
        print(f"{errors} clip(s) failed to analyse")
    print(f"({len(results)} clips in {time.perf_counter() - t0:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps([{"case": asdict(c), **r} for c, r in results], indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
