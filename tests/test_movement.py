"""Breathing while moving: the movement simulator, repetition finding, movement removal, labels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from breathcam.config import DEFAULT
from breathcam.signals.movement import (
    analyse_movement,
    body_moves,
    find_reps,
    in_sets,
    label_reps,
    movement_summary,
    stabilise_columns,
)
from breathcam.simulate.movement import (
    MOVING_SHARE,
    Rep,
    movement_breathing,
    regular_reps,
    reps_from_truth,
    trajectory,
)
from breathcam.types import Breath, Hold, ParameterError

FS = 30.0


def test_regular_reps_timing():
    reps = regular_reps(kind="squat", start_s=2.0, n=3, period_s=3.0)
    assert [r.start for r in reps] == [2.0, 5.0, 8.0]
    assert reps[0].turn == pytest.approx(2.0 + 1.5 * MOVING_SHARE)
    assert reps[0].end == pytest.approx(2.0 + 3.0 * MOVING_SHARE)
    with pytest.raises(ParameterError):
        regular_reps(kind="cartwheel", start_s=0, n=1, period_s=3)


def test_trajectory_moves_only_during_reps():
    reps = regular_reps(kind="bend", start_s=1.0, n=2, period_s=4.0)
    t = np.arange(0, 10, 1 / FS)
    tr = trajectory(reps, t, amplitude_px=40.0, seed=3)
    rest = np.ones(t.size, bool)
    for r in reps:
        rest &= ~((t > r.start) & (t < r.end))
    assert np.all(tr.dy[rest] == 0) and np.all(tr.squash_y[rest] == 1)
    i_turn = int(round(reps[0].turn * FS))
    assert tr.dy[i_turn] == pytest.approx(40.0, abs=0.1)
    assert tr.squash_y[i_turn] == pytest.approx(0.85, abs=0.01)  # a bend foreshortens the torso 15 %
    m = tr.affine(i_turn, (320.0, 500.0))
    # the pivot itself moves by the translation only
    assert m @ np.array([320.0, 500.0, 1.0]) == pytest.approx([320.0 + tr.dx[i_turn], 540.0], abs=1e-6)


def test_holds_condition_puts_reps_inside_holds():
    breathing, reps = movement_breathing("holds", duration_s=80, seed=4)
    held = [r for r in reps if r.held]
    assert len(held) >= 2 and len(reps) > len(held)
    for r in held:
        assert any(h.start <= r.start and r.end <= h.end and h.after == "inhale" for h in breathing.truth.holds)
    assert reps_from_truth(breathing.truth.extra) == reps


def test_locked_condition_breathes_once_per_rep_and_exhales_on_effort():
    breathing, reps = movement_breathing("locked", duration_s=45, period_s=3.0, seed=2)
    assert breathing.truth.rate_bpm == pytest.approx(20.0, abs=0.01)
    assert len(reps) >= 12 and all(r.exhale_on_effort for r in reps)


def test_bracing_freezes_the_belly_and_keeps_the_volume():
    plain, reps = movement_breathing("continue", duration_s=60, seed=5)
    braced, reps_b = movement_breathing("bracing", duration_s=60, seed=5)
    assert [r.start for r in reps] == [r.start for r in reps_b] and all(r.braced for r in reps_b)
    np.testing.assert_allclose(braced.volume, plain.volume, atol=1e-12)
    r = reps_b[0]
    m = (braced.t_s >= r.start) & (braced.t_s < r.end)
    assert np.ptp(braced.belly[m]) == 0.0 and np.ptp(braced.chest[m]) > 0.05


def _breath_wave(t, rate_bpm=12.0):
    return 2.0 * (0.5 - 0.5 * np.cos(2 * np.pi * rate_bpm / 60.0 * t))


def test_find_reps_counts_and_times_repetitions():
    reps = regular_reps(kind="squat", start_s=3.0, n=8, period_s=3.0) + regular_reps(
        kind="squat", start_s=40.0, n=5, period_s=3.0
    )
    t = np.arange(0, 60, 1 / FS)
    tr = trajectory(reps, t, amplitude_px=30.0, seed=1)
    rng = np.random.default_rng(0)
    # the reference also carries a little breathing, drift and tracking noise
    pos = tr.dy + 0.3 * _breath_wave(t) + 0.02 * t + rng.normal(0, 0.2, t.size)
    found = find_reps(pos, fs_hz=FS)
    assert len(found) == len(reps)
    for f, r in zip(found, reps):
        assert abs(f.turn - r.turn) < 0.1
        assert abs(f.start - r.start) < 0.35 and abs(f.end - r.end) < 0.35
        assert f.depth_px == pytest.approx(30.0, rel=0.1)


def test_find_reps_ignores_the_rest_position_drifting_between_sets():
    """Two sets of deep bends; between them the rest position sags 9 px and comes back over 12 s,
    an excursion deep enough on its own but a tenth of a repetition's depth."""
    reps = regular_reps(kind="bend", start_s=3.0, n=6, period_s=4.0) + regular_reps(
        kind="bend", start_s=45.0, n=6, period_s=4.0
    )
    t = np.arange(0, 75, 1 / FS)
    sag = 9.0 * np.exp(-0.5 * ((t - 36.0) / 2.5) ** 2)
    pos = trajectory(reps, t, amplitude_px=90.0, seed=2).dy + sag
    assert len(find_reps(pos, fs_hz=FS)) == len(reps)
    # on its own the sag is a repetition-shaped excursion (found when a lone one may count): only
    # its depth beside the others rules it out; alone it is no set and far too shallow to stand alone
    assert len(find_reps(sag, fs_hz=FS, config=replace(DEFAULT.movement, min_reps_per_set=1))) == 1
    assert find_reps(sag, fs_hz=FS) == ()


def test_find_reps_ignores_sway_and_breathing():
    t = np.arange(0, 60, 1 / FS)
    pos = 1.5 * np.sin(2 * np.pi * 0.15 * t) + _breath_wave(t)
    assert find_reps(pos, fs_hz=FS) == ()


# A standing person's torso seen from a phone or laptop: 250-400 px long at 640 px wide.
TORSO_PX = 300.0
# The rules before repetitions were judged against the body and its rhythm: any excursion of
# min_rep_px counted, alone or not (what the tests below must beat).
OLD_RULES = replace(DEFAULT.movement, min_reps_per_set=1)


def _standing(t, seed):
    """A still standing person's body reference (px, down positive): sway of a few px at 0.1-0.5 Hz,
    the head's share of breathing, tracking noise, and a jolt at each end (the hand clap that
    marks the start and end of a recording, settling into position) 3-5 % of the torso deep."""
    rng = np.random.default_rng(seed)
    x = 0.15 * rng.normal(size=t.size)
    for f in rng.uniform(0.1, 0.5, 3):
        x += rng.uniform(0.8, 1.6) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    x += 0.3 * _breath_wave(t, rate_bpm=rng.uniform(10, 18))
    for centre in (rng.uniform(0.8, 1.5), t[-1] - rng.uniform(1.0, 2.0)):
        width = rng.uniform(1.0, 1.6)
        u = np.clip((t - centre) / width + 0.5, 0.0, 1.0)
        x += rng.uniform(0.03, 0.05) * TORSO_PX * 0.5 * (1 - np.cos(2 * np.pi * u))
    return x


@pytest.mark.parametrize("seed", range(6))
def test_a_standing_person_swaying_with_jolts_makes_no_repetition(seed):
    t = np.arange(0, 12.0 + 2 * seed, 1 / FS)
    pos = _standing(t, seed)
    # the jolts are repetition-shaped excursions deeper than min_rep_px: the old rules counted them
    assert len(find_reps(pos, fs_hz=FS, config=OLD_RULES)) >= 1
    assert find_reps(pos, fs_hz=FS, body_px=TORSO_PX) == ()
    assert not body_moves(pos, fs_hz=FS, body_px=TORSO_PX)


@pytest.mark.parametrize("seed", range(3))
def test_repetitions_of_body_relative_size_are_counted_exactly_among_sway_and_jolts(seed):
    """Two sets of squats 8 % of the torso deep (the simulator's smallest relative size), the
    second only two long, on a standing person who sways and jolts at both ends."""
    t = np.arange(0, 60, 1 / FS)
    reps = regular_reps(kind="squat", start_s=8.0, n=6, period_s=3.0) + regular_reps(
        kind="squat", start_s=38.0, n=2, period_s=3.0
    )
    depth = 0.08 * TORSO_PX
    pos = trajectory(reps, t, amplitude_px=depth, seed=seed).dy + _standing(t, seed)
    found = find_reps(pos, fs_hz=FS, body_px=TORSO_PX)
    assert len(found) == len(reps)
    for f, r in zip(found, reps):
        assert abs(f.turn - r.turn) < 0.15
        assert f.depth_px == pytest.approx(depth, rel=0.2)
    assert body_moves(pos, fs_hz=FS, body_px=TORSO_PX)


def test_rhythmic_sway_shallower_than_the_body_allows_is_no_repetition():
    """A set of 9 px (3 % of the torso) dips in rhythm: deep enough in pixels, not for this body."""
    t = np.arange(0, 40, 1 / FS)
    pos = trajectory(regular_reps(kind="squat", start_s=4.0, n=8, period_s=3.0), t, amplitude_px=0.03 * TORSO_PX).dy
    assert len(find_reps(pos, fs_hz=FS, config=OLD_RULES)) == 8
    assert find_reps(pos, fs_hz=FS, body_px=TORSO_PX) == ()
    # the same dips on a body a third the size are a quarter squat each, in a set
    assert len(find_reps(pos, fs_hz=FS, body_px=TORSO_PX / 3)) == 8


def test_a_lone_excursion_counts_only_when_it_is_a_deliberate_movement():
    t = np.arange(0, 30, 1 / FS)
    one = regular_reps(kind="lift", start_s=10.0, n=1, period_s=5.0)
    for fraction, expected in ((0.05, 0), (0.15, 0), (0.3, 1)):
        pos = trajectory(one, t, amplitude_px=fraction * TORSO_PX, seed=1).dy + _standing(t, 7)
        assert len(find_reps(pos, fs_hz=FS, body_px=TORSO_PX)) == expected, fraction
    # without the body's size a lone excursion cannot be judged: it never counts
    deep = trajectory(one, t, amplitude_px=0.3 * TORSO_PX, seed=1).dy
    assert find_reps(deep, fs_hz=FS) == ()
    assert len(find_reps(deep, fs_hz=FS, config=OLD_RULES)) == 1


def test_in_sets_needs_similar_depths_within_the_rest():
    from breathcam.types import Repetition

    def rep(start, depth):
        return Repetition(start=start, turn=start + 1.0, end=start + 2.0, depth_px=depth)

    cfg = DEFAULT.movement
    # a deep lone-ish excursion and a shallow wiggle right after: not two of similar depth
    assert in_sets([rep(0.0, 60.0), rep(3.0, 20.0)], body_px=300.0) == ()
    # similar depths, short rests: a set (the uneven first one comes with it)
    run = [rep(0.0, 60.0), rep(3.0, 20.0), rep(6.0, 22.0)]
    assert in_sets(run, body_px=300.0) == tuple(run)
    # a jolt a little before a set, far shallower than its repetitions, is not one of them
    jolted = [rep(0.0, 12.0), rep(4.0, 40.0), rep(7.0, 42.0), rep(10.0, 41.0)]
    assert in_sets(jolted, body_px=300.0) == tuple(jolted[1:])
    # two similar excursions a clip's length apart (claps at both ends): no set
    far = [rep(0.0, 20.0), rep(2.0 + cfg.max_rep_rest_s + 0.5, 20.0)]
    assert in_sets(far, body_px=300.0) == ()
    # ...unless each is deep enough to stand alone
    assert in_sets(far, body_px=60.0) == tuple(far)


def _columns(t, body, chest_breath, belly_breath):
    n = t.size
    ones = np.ones(n)
    return {
        "t_s": t, "valid": ones, "chest_ok": ones, "belly_ok": ones, "reference_ok": ones, "shoulder_ok": ones,
        "reference_dy": 1.3 * body,
        "reference_dx": 0.05 * body,
        "chest_dy": 1.1 * body - chest_breath,
        "shoulder_dy": 1.15 * body - 0.4 * chest_breath,
        # the belly box's scale follows the movement a little, not quite linearly
        "belly_expansion": belly_breath + 0.04 * body + 0.001 * body**2,
        "belly_dx": 0.02 * body,
        "belly_dy": 1.0 * body,
    }


def test_stabilise_removes_movement_and_keeps_breathing():
    t = np.arange(0, 90, 1 / FS)
    reps = regular_reps(kind="squat", start_s=5.0, n=8, period_s=3.0) + regular_reps(kind="squat", start_s=50.0, n=8, period_s=3.0)
    body = trajectory(reps, t, amplitude_px=35.0, seed=2).dy
    chest = 0.8 * 2.0 * (0.5 - 0.5 * np.cos(2 * np.pi * 0.2 * t))  # 12/min, unrelated to the 3 s reps
    belly = 1.5 * (0.5 - 0.5 * np.cos(2 * np.pi * 0.2 * t))
    cols = _columns(t, body, chest, belly)
    out, ref, notes = stabilise_columns(cols)
    assert ref == "head" and notes
    # what is left of the chest rise is the breath (up to a constant)
    resid = -(out["chest_dy"] - out["chest_dy"][0]) - chest
    assert np.ptp(resid) < 0.1 * np.ptp(chest)
    resid_b = (out["belly_expansion"] - out["belly_expansion"][0]) - belly
    assert np.ptp(resid_b) < 0.1 * np.ptp(belly)
    # without the head the belly's translation is the reference
    no_head = dict(cols, reference_ok=np.zeros(t.size))
    _, ref2, _ = stabilise_columns(no_head)
    assert ref2 == "belly"


def test_stabilise_leaves_a_still_person_alone():
    t = np.arange(0, 60, 1 / FS)
    cols = _columns(t, 1.0 * np.sin(2 * np.pi * 0.12 * t), _breath_wave(t), _breath_wave(t))
    out, ref, notes = stabilise_columns(cols)
    assert out is cols and ref is None and notes == ()


@pytest.mark.parametrize("seed", range(3))
def test_stabilise_leaves_a_standing_person_with_jolts_alone(seed):
    """Sway and a jolt at each end move the reference by more than min_movement_px: the breathing
    stays as measured (nothing regressed out, no note), whatever the torso's size."""
    t = np.arange(0, 20, 1 / FS)
    body = _standing(t, seed) / 1.3  # _columns's head moves 1.3 times the body: the reference is _standing
    cols = _columns(t, body, _breath_wave(t), _breath_wave(t))
    old = replace(DEFAULT.movement, min_reps_per_set=1, min_movement_fraction=0.0)
    assert stabilise_columns(cols, config=old)[1] == "head"  # before: "moving"
    for body_px in (TORSO_PX, None):
        out, ref, notes = stabilise_columns(cols, body_px=body_px)
        assert out is cols and ref is None and notes == ()


def test_stabilise_removes_a_posture_shift_of_a_tenth_of_the_torso():
    """Leaning towards the laptop for 4 s and back (10 % of the torso) is movement, though no
    repetition: it is removed; the same shift on a body three times the size is sway."""
    t = np.arange(0, 30, 1 / FS)
    u = np.clip((t - 3.0) / 0.8, 0, 1) - np.clip((t - 8.0) / 0.8, 0, 1)
    lean = -0.1 * TORSO_PX * u + _standing(t, 3) * 0.2
    chest = _breath_wave(t)
    cols = _columns(t, lean, 0.8 * chest, _breath_wave(t))
    out, ref, notes = stabilise_columns(cols, body_px=TORSO_PX)
    assert ref == "head" and notes
    resid = -(out["chest_dy"] - out["chest_dy"][0]) - 0.8 * chest
    assert np.ptp(resid) < 0.25 * np.ptp(0.8 * chest)
    assert stabilise_columns(cols, body_px=3 * TORSO_PX)[1] is None


def _standing_samples(t, body, torso_px):
    """Motion samples of a person standing face-on, head in view, whose reference moves by
    ``body`` (px, down positive) and whose chest and belly breathe at 12/min."""
    from breathcam.types import MotionSample

    breath = _breath_wave(t)
    return [
        MotionSample(
            t_s=float(ti), valid=True, chest_dx=0.0, chest_dy=float(0.9 * b - 0.8 * br), belly_dx=0.0,
            belly_dy=float(0.8 * b), belly_expansion=float(0.6 * br + 0.04 * b), reference_dx=0.0, reference_dy=float(b),
            background_dx=0.0, background_dy=0.0, chest_ok=True, belly_ok=True, reference_ok=True, background_ok=False,
            facing=0.0, method="pose", view="front", shoulder_dy=float(0.95 * b - 0.3 * br), shoulder_ok=True,
            chest_anchor_dy=float(0.9 * b - 0.8 * br), shoulder_anchor_dy=float(0.95 * b - 0.3 * br), torso_px=torso_px,
        )
        for ti, b, br in zip(t, body, breath)
    ]


def test_traces_of_a_standing_person_have_no_movement_and_squats_still_do():
    """Through the motion traces and the movement section, as the pipeline runs them: a standing
    person with jolts at both ends gives no movement section and no "whole-body movement removed"
    note; the same person squatting (a tenth of the torso) gives every repetition."""
    from breathcam.signals.motion import traces_from_samples

    t = np.arange(0, 45, 1 / FS)
    still = traces_from_samples(_standing_samples(t, _standing(t, 4), TORSO_PX), fs_hz=FS)
    assert still.body_px == pytest.approx(TORSO_PX)
    assert still.body is None and still.moving is None
    assert not any("whole-body movement" in n for n in still.notes)
    assert analyse_movement(still, breaths=(), holds=(), rate_bpm=12.0) is None
    reps = regular_reps(kind="squat", start_s=8.0, n=8, period_s=3.0)
    squats = trajectory(reps, t, amplitude_px=0.1 * TORSO_PX, seed=4).dy + _standing(t, 4)
    moving = traces_from_samples(_standing_samples(t, squats, TORSO_PX), fs_hz=FS)
    assert any("whole-body movement" in n for n in moving.notes) and moving.body is not None
    movement = analyse_movement(moving, breaths=(), holds=(), rate_bpm=12.0)
    assert movement is not None and len(movement.reps) == len(reps)


def _breath(t0, t_ex, t_pause, t_end):
    return Breath(inhale_start=t0, exhale_start=t_ex, pause_start=t_pause, end=t_end, depth=1.0, confidence=1.0)


def test_label_reps_held_exhale_and_braced():
    # each a deliberate lone squat of 30 % of a 100 px torso
    t40 = np.arange(0, 40, 1 / FS)
    reps = tuple(
        find_reps(trajectory(regular_reps(kind="squat", start_s=s, n=1, period_s=3.0), t40, amplitude_px=30.0).dy,
                  fs_hz=FS, body_px=100.0)
        for s in (5.0, 20.0)
    )
    reps = reps[0] + reps[1]
    assert len(reps) == 2
    r1, r2 = reps
    # a hold covering the first rep; an exhale over the second one's way up
    holds = (Hold(start=r1.start - 0.5, end=r1.end + 0.5, after="inhale", confidence=1.0),)
    breaths = (_breath(r2.start - 1.0, r2.turn - 0.1, r2.end + 0.3, r2.end + 1.0),)
    t = np.arange(0, 40, 0.1)
    chest = np.sin(2 * np.pi * 0.2 * t)
    belly = np.sin(2 * np.pi * 0.2 * t)
    in_r2 = (t >= r2.start) & (t <= r2.end)
    belly[in_r2] = belly[np.argmax(in_r2)]  # braced through the second rep
    out = label_reps(reps, breaths=breaths, holds=holds, chest=chest, belly=belly, t_s=t)
    assert (out[0].held, out[0].exhale_on_effort) == (True, False)
    assert (out[1].held, out[1].exhale_on_effort, out[1].braced) == (False, True, True)
    assert out[0].braced is False
    assert label_reps(reps, breaths=breaths, holds=holds, separable=False) == reps


def test_summary_says_when_breathing_keeps_step_with_the_movement():
    t = np.arange(0, 40, 1 / FS)
    reps_true = regular_reps(kind="squat", start_s=1.0, n=12, period_s=3.0)
    pos = trajectory(reps_true, t, amplitude_px=30.0).dy
    reps = find_reps(pos, fs_hz=FS)
    locked = movement_summary(reps, position=pos, fs_hz=FS, t0_s=0.0, rate_bpm=20.1, reference="head")
    free = movement_summary(reps, position=pos, fs_hz=FS, t0_s=0.0, rate_bpm=12.0, reference="head")
    assert not locked.separable and locked.notes
    assert free.separable and not free.notes
    assert 0.4 < free.moving_fraction < 0.9
    assert len(free.motion_series) == pytest.approx(40, abs=1)
    assert isinstance(reps_true[0], Rep)


# ---------------------------------------------------------------------------------------------
# live cues while moving
# ---------------------------------------------------------------------------------------------


def _engine_input(t, **kw):
    from breathcam.coach.feedback import CoachInput

    breaths = tuple(_breath(s, s + 2.0, s + 4.0, s + 5.0) for s in np.arange(0.0, t - 6.0, 5.0))
    return CoachInput(t_s=t, rate_bpm=12.0, rate_confidence=0.9, breaths=breaths, holds=(), **kw)


def test_a_hold_while_moving_is_told_keep_breathing():
    from breathcam.coach.feedback import FeedbackEngine

    eng = FeedbackEngine()
    for t in np.arange(20.0, 22.0, 0.5):
        assert eng.update(_engine_input(t, open_hold_s=None, open_hold_after=None, moving=True)) is None
    ev = [eng.update(_engine_input(t, open_hold_s=t - 22.0, open_hold_after="inhale", moving=True)) for t in np.arange(22.0, 26.0, 0.5)]
    fired = [e for e in ev if e is not None]
    assert [e.code for e in fired] == ["keep_breathing"]
    assert fired[0].t - 22.0 <= 2.5
    eng_nl = FeedbackEngine(lang="nl")
    e = None
    for t in np.arange(22.0, 26.0, 0.5):
        e = e or eng_nl.update(_engine_input(t, open_hold_s=t - 22.0, open_hold_after="inhale", moving=True))
    assert e.message == "Blijf doorademen tijdens het bewegen"


def _rep(start, exhale):
    from breathcam.types import Repetition

    return Repetition(start=start, turn=start + 1.2, end=start + 2.4, depth_px=30.0, held=False, exhale_on_effort=exhale)


def test_no_exhale_on_the_way_up_is_told_once_per_cooldown():
    from breathcam.coach.feedback import FeedbackEngine

    eng = FeedbackEngine()
    assert eng.update(_engine_input(8.0, open_hold_s=None, open_hold_after=None)) is None  # warm-up starts
    good = tuple(_rep(s, True) for s in (12.0, 15.0, 18.0))
    assert eng.update(_engine_input(21.0, open_hold_s=None, open_hold_after=None, moving=True, reps=good)) is None
    bad = good + tuple(_rep(s, False) for s in (21.0, 24.0))
    first = eng.update(_engine_input(27.0, open_hold_s=None, open_hold_after=None, moving=True, reps=bad))
    assert first is not None and first.code == "exhale_on_effort" and first.message == "Breathe out as you come up"
    worse = bad + (_rep(27.0, False),)
    assert eng.update(_engine_input(37.0, open_hold_s=None, open_hold_after=None, moving=True, reps=worse)) is None
    assert eng.update(_engine_input(58.0, open_hold_s=None, open_hold_after=None, moving=True, reps=worse)) is not None


@pytest.fixture(scope="module")
def squat_clip(tmp_path_factory):
    """45 s of squats every 3 s with the breath held through two of them, small and 15 frames/s
    so the live replay stays fast."""
    from breathcam.simulate.render import render_clip

    path = tmp_path_factory.mktemp("squats") / "squats.avi"
    breathing, reps = movement_breathing("holds", duration_s=45, rate_bpm=12, fs_hz=15.0, seed=7)
    render_clip(breathing, path, width=320, height=240, fps=15, amplitude_px=3.0, movement_px=18.0, reps=reps,
                codec="MJPG", seed=7)
    return path, breathing.truth, reps


def test_live_session_while_squatting_says_keep_breathing_and_lists_the_reps(squat_clip, tmp_path):
    from breathcam.live import run_live

    path, truth, reps = squat_clip
    held = [h for h in truth.holds if any(r.held and h.start <= r.start for r in reps)]
    assert held, "the simulated clip must hold its breath through a repetition"
    result = run_live(str(path), window=False, realtime=False)
    codes = [(e.t, e.code) for e in result.analysis.feedback]
    told = [t for t, c in codes if c == "keep_breathing"]
    assert told, codes
    # told while the held repetitions were going on
    assert any(h.start < t <= h.end + 1.0 for t in told for h in held), (told, held)
    assert "holding" not in [c for _, c in codes]
    movement = result.analysis.movement
    assert movement is not None and len(movement.reps) == len(reps)
