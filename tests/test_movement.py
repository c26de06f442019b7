"""Breathing while moving: the movement simulator, repetition finding, movement removal, labels."""

from __future__ import annotations

import numpy as np
import pytest

from breathcam.signals.movement import find_reps, label_reps, movement_summary, stabilise_columns
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
    # on its own the sag is a repetition-shaped excursion: only its depth beside the others rules it out
    assert len(find_reps(sag, fs_hz=FS)) == 1


def test_find_reps_ignores_sway_and_breathing():
    t = np.arange(0, 60, 1 / FS)
    pos = 1.5 * np.sin(2 * np.pi * 0.15 * t) + _breath_wave(t)
    assert find_reps(pos, fs_hz=FS) == ()


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


def _breath(t0, t_ex, t_pause, t_end):
    return Breath(inhale_start=t0, exhale_start=t_ex, pause_start=t_pause, end=t_end, depth=1.0, confidence=1.0)


def test_label_reps_held_exhale_and_braced():
    reps = tuple(find_reps(trajectory(regular_reps(kind="squat", start_s=s, n=1, period_s=3.0), np.arange(0, 40, 1 / FS), amplitude_px=30.0).dy, fs_hz=FS)
                 for s in (5.0, 20.0))
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
