"""A seeded clip of a whole assessment (``breathcam assess``), laid out on the protocol's own plan.

:func:`assessment_breathing` builds one breathing signal across the camera steps of
:func:`breathcam.assess.protocol.plan`: rest breathing (sighs, chest share, phase or rate as asked:
the planted patterns), a control pause of known length after a normal breath out in the hold step,
standing breathing, and in the moving step squats (or lifts) with the breath held through some of
them and breathing between others (as ``simulate.movement``'s "holds" condition).  The truth's
``extra["assessment"]`` carries the plan, the control pause (hold start to the first breath), and
the patterns planted.

    python -m breathcam.simulate.assessment clip.mp4 --sigh-every 20 --cp 25 --moving --seed 1
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, replace

from breathcam.config import DEFAULT, AssessConfig
from breathcam.simulate.movement import _exhale_in, _with_movement, regular_reps
from breathcam.simulate.waveform import simulate_breathing
from breathcam.types import ParameterError

__all__ = ["assessment_breathing", "planted_patterns", "render_assessment"]

# The squats of the moving step: one every 3 s (as benchmarks/movement.py), held breaths 2 reps + 1 s.
PERIOD_S = 3.0
# Where the control pause starts: this many seconds into the hold step's measured time (a few
# normal breaths first, as the instruction asks).
CP_AT_S = 12.0


def planted_patterns(*, rate_bpm: float, sigh_every_s: float | None, belly_share: float, phase_deg: float,
                     paradoxical: bool, config: AssessConfig = DEFAULT.assess) -> tuple[str, ...]:
    """The patterns a clip with these settings shows (by the thresholds of ``config``)."""
    out = []
    if rate_bpm > config.hyperventilation_rate_bpm:
        out.append("hyperventilation")
    if sigh_every_s is not None and 60.0 / sigh_every_s >= config.sighs_per_min:
        out.append("periodic_deep_sighing")
    if belly_share < config.thoracic_max_belly_share:
        out.append("thoracic_dominant")
    if paradoxical or abs(phase_deg) > config.asynchrony_phase_deg:
        out.append("thoraco_abdominal_asynchrony")
    return tuple(out)


def assessment_breathing(
    *,
    steps: tuple[str, ...] = ("rest", "hold"),
    config: AssessConfig = DEFAULT.assess,
    rate_bpm: float = 12.0,
    sigh_every_s: float | None = None,
    belly_share: float = 0.5,
    phase_deg: float = 0.0,
    paradoxical: bool = False,
    cp_s: float = 25.0,
    kind: str = "squat",
    fs_hz: float = 30.0,
    seed: int = 0,
):
    """Breathing and repetitions for the camera steps of ``steps``; returns (Breathing, reps)."""
    from breathcam.assess.protocol import plan

    steps_plan = plan(steps=steps, config=config)
    if not steps_plan:
        raise ParameterError("no camera step to simulate")
    windows = {s.kind: s for s in steps_plan}
    duration = steps_plan[-1].end_s
    holds = []
    if "hold" in windows:
        h = windows["hold"]
        if CP_AT_S + cp_s + 8.0 > h.end_s - h.run_s:
            raise ParameterError(f"a control pause of {cp_s:g} s does not fit the hold step "
                                 f"([assess] hold_step_s = {config.hold_step_s:g})")
        holds.append((h.run_s + CP_AT_S, cp_s, "exhale"))
    hold_s = 2 * PERIOD_S + 1.0
    if "moving" in windows:
        m = windows["moving"]
        t = m.run_s + 4.0
        while t + hold_s + 8 < m.end_s:
            holds.append((t, hold_s, "inhale"))
            t += hold_s + 14.0
    breathing = simulate_breathing(
        duration_s=duration, fs_hz=fs_hz, rate_bpm=rate_bpm, irregularity=0.06, sigh_every_s=sigh_every_s,
        holds=holds, belly_share=belly_share, phase_deg=phase_deg, paradoxical=paradoxical, seed=seed,
        description="assessment",
    )
    truth = breathing.truth
    reps = []
    cp_truth = None
    if "hold" in windows:
        h = windows["hold"]
        th = [x for x in truth.holds if x.after == "exhale" and h.run_s <= x.start < h.end_s and x.end - x.start >= 3.0]
        if th:
            x = max(th, key=lambda x: x.end - x.start)
            nxt = [b.inhale_start for b in truth.breaths if b.inhale_start >= x.end - 0.5]
            end = min(nxt) if nxt else x.end
            cp_truth = {"start": round(x.start, 3), "end": round(end, 3), "seconds": round(end - x.start, 3)}
    if "moving" in windows:
        m = windows["moving"]
        held = [x for x in truth.holds if x.after == "inhale" and m.run_s <= x.start < m.end_s
                and x.end - x.start >= 2 * PERIOD_S]
        for x in held:
            mid = 0.5 * (x.start + x.end)
            reps += [replace(r, held=True) for r in regular_reps(kind=kind, start_s=mid - PERIOD_S, n=2, period_s=PERIOD_S)]
        busy = sorted((x.start, x.end) for x in held)
        edges = [m.run_s + 1.0] + [e for ab in busy for e in ab] + [m.end_s - 1.0]
        for a, b in zip(edges[0::2], edges[1::2]):
            n = int((b - a - 2.0) // PERIOD_S)
            if n >= 2:
                reps += regular_reps(kind=kind, start_s=a + 1.0, n=min(n, 3), period_s=PERIOD_S)
        reps = sorted(reps, key=lambda r: r.start)
        reps = [replace(r, exhale_on_effort=_exhale_in(breathing, r.turn, r.end)) for r in reps]
    breathing = _with_movement(breathing, tuple(reps), "assessment") if reps else breathing
    extra = dict(breathing.truth.extra)
    extra["assessment"] = {
        "plan": [asdict(s) for s in steps_plan],
        "control_pause": cp_truth,
        "patterns": list(planted_patterns(rate_bpm=rate_bpm, sigh_every_s=sigh_every_s, belly_share=belly_share,
                                          phase_deg=phase_deg, paradoxical=paradoxical, config=config)),
        "config": asdict(config),
    }
    return replace(breathing, truth=replace(breathing.truth, extra=extra)), tuple(reps)


def render_assessment(path, *, still: str = "astronaut", seed: int = 0, fps: float = 30.0, **kw):
    """Render the clip (and its truth beside it); returns the clip's path."""
    from breathcam.simulate.render import render_clip

    breathing, reps = assessment_breathing(seed=seed, fs_hz=max(fps, 30.0), **kw)
    return render_clip(breathing, path, still=still, seed=seed, reps=reps, fps=fps)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m breathcam.simulate.assessment", description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--rate", type=float, default=12.0)
    ap.add_argument("--sigh-every", type=float, default=None, metavar="S")
    ap.add_argument("--belly-share", type=float, default=0.5)
    ap.add_argument("--phase", type=float, default=0.0)
    ap.add_argument("--paradoxical", action="store_true")
    ap.add_argument("--cp", type=float, default=25.0, help="control pause in seconds (default 25)")
    ap.add_argument("--moving", action="store_true", help="add the standing and moving steps")
    ap.add_argument("--rest-s", type=float, default=None, help="rest step length (default [assess] rest_s)")
    ap.add_argument("--still", default="astronaut")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    cfg = DEFAULT.assess if args.rest_s is None else replace(DEFAULT.assess, rest_s=args.rest_s)
    steps = ("rest", "hold", "standing", "moving") if args.moving else ("rest", "hold")
    path = render_assessment(args.out, still=args.still, seed=args.seed, steps=steps, config=cfg, rate_bpm=args.rate,
                             sigh_every_s=args.sigh_every, belly_share=args.belly_share, phase_deg=args.phase,
                             paradoxical=args.paradoxical, cp_s=args.cp)
    print(f"{path}: assessment clip written with its truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
