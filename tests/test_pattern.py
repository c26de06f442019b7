"""breathcam.signals.pattern on seeded synthetic traces with exact truth (no video: fast).

The traces are what signals.motion hands on: chest rise and belly expansion in pixels, with
tracking noise and a slow drift; the breaths come from the signal core itself.  Rendered clips
are measured by benchmarks/pattern.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from breathcam.config import DEFAULT
from breathcam.signals.core import process
from breathcam.signals.pattern import find_switch, measure_pattern, phase_deg
from breathcam.simulate.waveform import simulate_breathing
from breathcam.types import MotionTraces

FS = 10.0
PX = 6.0  # pixels per unit excursion, as the renderer's default amplitude


def make_traces(*, seed=1, noise_px=0.05, view="front", forward_sign=1.0, shoulder_ratio=None, **kw) -> tuple[MotionTraces, object]:
    b = simulate_breathing(duration_s=kw.pop("duration_s", 60.0), fs_hz=FS, irregularity=kw.pop("irregularity", 0.08), seed=seed, **kw)
    rng = np.random.default_rng(seed)
    n = b.t_s.size
    drift = np.cumsum(rng.normal(0, 0.005, (3, n)), axis=1)
    chest = PX * b.chest + drift[0] + rng.normal(0, noise_px, n)
    belly = PX * b.belly + drift[1] + rng.normal(0, noise_px, n)
    sign = -1.0 if kw.get("paradoxical") else 1.0
    shoulder = None
    if shoulder_ratio is not None:
        shoulder = shoulder_ratio * PX * b.chest + drift[2] + rng.normal(0, noise_px, n)
    tr = MotionTraces(
        fs_hz=FS, t_s=b.t_s, breathing=chest + sign * belly, chest=chest, belly=forward_sign * belly,
        valid=np.ones(n, bool), pose_found=1.0, method="pose", view=view, shoulder=shoulder,
        belly_forward_sign=forward_sign,
    )
    return tr, b.truth


def run(tr: MotionTraces):
    res = process(tr)
    return measure_pattern(tr, res.breaths)


@pytest.mark.parametrize("share,label", [(0.1, "chest"), (0.5, "mixed"), (0.9, "belly"), (0.2, "chest"), (0.8, "belly")])
def test_share_and_label(share, label):
    tr, truth = make_traces(belly_share=share, rate_bpm=12, seed=int(share * 100))
    out = run(tr)
    p = out.pattern
    assert truth.label == label
    assert p.label == label and p.confidence > 0.6, p
    assert abs(p.belly_share - share) < 0.04, p.belly_share
    measured = [b for b in out.breaths if b.belly_share is not None]
    assert len(measured) >= 0.8 * len(out.breaths)
    assert all(abs(b.belly_share - share) < 0.1 for b in measured)
    assert p.paradoxical is False


def test_in_phase_and_lagged_phase():
    p = run(make_traces(belly_share=0.5, rate_bpm=12, seed=3)[0]).pattern
    assert abs(p.phase_deg) < 8, p.phase_deg
    p = run(make_traces(belly_share=0.5, rate_bpm=12, phase_deg=45.0, seed=4)[0]).pattern
    assert abs(p.phase_deg - 45.0) < 10, p.phase_deg  # belly lagging: positive
    assert p.paradoxical is False


@pytest.mark.parametrize("share", [0.35, 0.5, 0.65])
def test_paradoxical_is_flagged(share):
    tr, truth = make_traces(belly_share=share, rate_bpm=15, paradoxical=True, seed=int(share * 100) + 5)
    out = run(tr)
    p = out.pattern
    assert p.paradoxical is True, p
    assert abs(abs(p.phase_deg) - 180.0) < 20, p.phase_deg
    per_breath = [abs(b.phase_deg) for b in out.breaths if b.phase_deg is not None]
    assert np.median(per_breath) > 150


def test_phase_is_null_when_one_component_is_still():
    out = run(make_traces(belly_share=0.03, rate_bpm=12, seed=8)[0])
    assert out.pattern.label == "chest"
    assert out.pattern.phase_deg is None
    assert all(b.phase_deg is None for b in out.breaths)
    assert out.pattern.paradoxical is False


def test_phase_function_sign_convention():
    t = np.arange(0, 40, 1 / FS)
    c = np.sin(2 * np.pi * 0.2 * t)
    lag_s = 0.5  # 36 deg of a 5 s breath
    b = np.sin(2 * np.pi * 0.2 * (t - lag_s))
    i0, i1 = 100, 150
    assert abs(phase_deg(c, b, i0=i0, i1=i1, period_samples=50) - 36.0) < 3
    assert abs(phase_deg(b, c, i0=i0, i1=i1, period_samples=50) + 36.0) < 3
    assert abs(abs(phase_deg(c, -c, i0=i0, i1=i1, period_samples=50)) - 180.0) < 8


@pytest.mark.parametrize("seed,switch_at", [(21, 25.0), (22, 35.0), (23, 45.0)])
def test_switch_is_located_within_two_breaths(seed, switch_at):
    tr, truth = make_traces(belly_share=0.15, belly_share_after=0.85, switch_at_s=switch_at, rate_bpm=12,
                            duration_s=75.0, seed=seed)
    assert truth.switch_s is not None and truth.switch_s >= switch_at
    p = run(tr).pattern
    assert p.switch_t is not None, p
    assert (p.label_before, p.label_after) == ("chest", "belly")
    starts = np.array([b.inhale_start for b in truth.breaths])
    k_true = int(np.sum(starts < truth.switch_s - 1e-6))
    k_est = int(np.sum(starts < p.switch_t - 0.5))
    assert abs(k_est - k_true) <= 2, (p.switch_t, truth.switch_s)
    assert any("turned into belly" in n for n in p.notes)


def test_no_switch_on_steady_breathing():
    shares = list(np.random.default_rng(2).normal(0.5, 0.04, 20))
    assert find_switch(np.arange(20.0), shares) is None
    assert find_switch(np.arange(20.0), [0.1] * 10 + [0.9] * 10).index == 10


def test_shoulder_lift():
    p = run(make_traces(belly_share=0.2, rate_bpm=12, shoulder_ratio=0.9, seed=30)[0]).pattern
    # shoulders rise 0.9 x the chest, the chest is 0.8 of the motion: about 0.72 of the breath
    assert 0.55 < p.shoulder_lift < 0.9, p.shoulder_lift
    assert any("shoulders lift" in n for n in p.notes)
    p = run(make_traces(belly_share=0.9, rate_bpm=12, shoulder_ratio=0.0, seed=31)[0]).pattern
    assert abs(p.shoulder_lift) < 0.15, p.shoulder_lift
    assert run(make_traces(belly_share=0.5, seed=32)[0]).pattern.shoulder_lift is None


def test_side_view_paradox_needs_the_facing_direction():
    # side view: the belly trace as motion.py gives it is forward motion times belly_forward_sign
    tr, _ = make_traces(belly_share=0.5, rate_bpm=12, paradoxical=True, view="side", forward_sign=-1.0, seed=40)
    p = run(tr).pattern
    assert p.paradoxical is True and p.view == "side"
    assert p.confidence < run(make_traces(belly_share=0.5, rate_bpm=12, paradoxical=True, seed=40)[0]).pattern.confidence
    unknown_facing = replace(tr, belly_forward_sign=0.0)
    p = run(unknown_facing).pattern
    assert p.paradoxical is None
    assert any("paradoxical breathing cannot be told" in n for n in p.notes)


def test_side_view_samples_to_pattern():
    """Synthetic side-view samples (person facing -x, head ahead) through motion -> pattern."""
    from breathcam.signals.motion import traces_from_samples
    from breathcam.types import MotionSample

    t = np.arange(0, 60, 1 / 30)
    s = np.sin(2 * np.pi * 0.2 * t)
    rng = np.random.default_rng(3)

    def samples(forward):
        return [
            MotionSample(
                t_s=float(ti), valid=True, chest_dx=0.0, chest_dy=-2.0 * si + rng.normal(0, 0.02), belly_dx=-f + rng.normal(0, 0.02),
                belly_dy=0.0, belly_expansion=0.0, reference_dx=0.0, reference_dy=0.0, background_dx=0.0,
                background_dy=0.0, chest_ok=True, belly_ok=True, reference_ok=False, background_ok=False,
                facing=-1.0, method="pose", view="side",
            )
            for ti, si, f in zip(t, s, forward)
        ]

    normal = traces_from_samples(samples(1.5 * s), fs_hz=FS)
    para = traces_from_samples(samples(-1.5 * s), fs_hz=FS)
    assert normal.belly_forward_sign != 0 and para.belly_forward_sign != 0
    p_normal, p_para = run(normal).pattern, run(para).pattern
    assert p_normal.paradoxical is False and abs(p_normal.phase_deg) < 15
    assert p_para.paradoxical is True, p_para
    assert abs(p_normal.belly_share - 1.5 / 3.5) < 0.05


@pytest.mark.parametrize(
    "change,note",
    [
        (dict(belly_measured=0.3), "belly not tracked"),
        (dict(chest_measured=0.2), "chest not tracked"),
        (dict(arms_on_torso=0.6), "arms across the torso"),
        (dict(method="motion", pose_found=0.0), "located from motion"),
    ],
)
def test_bad_input_gives_unknown_with_a_note(change, note):
    tr, _ = make_traces(belly_share=0.85, rate_bpm=12, seed=50)
    out = run(replace(tr, **change))
    assert out.pattern.label == "unknown" and out.pattern.belly_share is None
    assert any(note in n for n in out.pattern.notes), out.pattern.notes
    assert all(b.belly_share is None for b in out.breaths)


def test_unstable_split_is_not_labelled():
    # a belly whose share jumps from breath to breath (clothing, arms moving over it)
    tr, truth = make_traces(belly_share=0.5, rate_bpm=12, seed=60)
    gain = np.where((tr.t_s // 5.0) % 2 == 0, 0.15, 3.0)  # every other breath (12/min)
    out = run(replace(tr, belly=tr.belly * gain))
    assert out.pattern.label == "unknown"
    assert any("varies too much" in n or "too uncertain" in n for n in out.pattern.notes)


def test_loose_clothing_lowers_confidence():
    # the belly region shows only noise and drift: chest breathing or a hidden belly
    tr, _ = make_traces(belly_share=0.0, rate_bpm=12, seed=70)
    rng = np.random.default_rng(70)
    noisy = replace(tr, belly=np.cumsum(rng.normal(0, 0.03, tr.t_s.size)) + rng.normal(0, 0.1, tr.t_s.size))
    clean = run(tr).pattern
    p = run(noisy).pattern
    assert p.confidence < clean.confidence
    assert any("do not move in step" in n for n in p.notes)


def test_contract_and_summary():
    from breathcam.cli import summary_lines
    from breathcam.signals.core import analyse
    from breathcam.report.export import analysis_to_dict

    tr, _ = make_traces(belly_share=0.5, rate_bpm=12, paradoxical=True, seed=80)
    a = analyse(tr, source="synthetic")
    d = analysis_to_dict(a)
    pat = d["pattern"]
    assert pat["label"] == "mixed" and pat["paradoxical"] is True
    assert 0.4 < pat["belly_share"] < 0.6 and abs(abs(pat["phase_deg"]) - 180) < 20
    assert {"shoulder_lift", "confidence", "view", "switch_t", "notes"} <= set(pat)
    assert all("belly_share" in b and "phase_deg" in b for b in d["breaths"])
    assert sum(b["belly_share"] is not None for b in d["breaths"]) >= 8
    text = "\n".join(summary_lines(a))
    assert "chest/belly: mixed" in text and "paradoxical" in text


def test_config_thresholds_are_used():
    tr, _ = make_traces(belly_share=0.5, rate_bpm=12, seed=90)
    res = process(tr)
    cfg = replace(DEFAULT.pattern, belly_min_share=0.4)
    assert measure_pattern(tr, res.breaths, config=cfg).pattern.label == "belly"
