"""Jolts (a clap, a hand, a bumped camera) are told from breathing and from squats by their
jerkiness, and taken out of the tracker's log without moving the level."""

from __future__ import annotations

import numpy as np

from breathcam.signals.jolts import jolt_mask, mask_jolts
from breathcam.signals.motion import FIELDS, traces_from_columns
from breathcam.config import DEFAULT

FPS = 30.0
BODY_PX = 300.0


def _log(t: np.ndarray, chest_dy: np.ndarray, *, belly_dy: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """A tracker log (signals.motion) of a front view, pose regions, chest and belly tracked."""
    cols = {name: np.zeros(t.size) for name in FIELDS}
    cols.update(t_s=t, valid=np.ones(t.size), chest_ok=np.ones(t.size), belly_ok=np.ones(t.size),
                method=np.ones(t.size), view=np.ones(t.size), torso_px=np.full(t.size, BODY_PX))
    cols["chest_dy"] = chest_dy
    cols["belly_dy"] = 0.3 * chest_dy if belly_dy is None else belly_dy
    cols["belly_expansion"] = -0.5 * chest_dy
    return cols


def _breathing(t: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return -2.0 * np.sin(2 * np.pi * t / 4.0) + np.cumsum(rng.normal(0.0, 0.05, t.size))  # up is -dy


def _clap(t: np.ndarray, at_s: float, seed: int) -> np.ndarray:
    """The regions shaken for 0.5 s (several px at several hertz) and left 6 px off."""
    rng = np.random.default_rng(seed)
    u = (t - at_s) / 0.5
    inside = (u >= 0) & (u <= 1)
    shake = np.where(inside, rng.normal(0.0, 4.0, t.size), 0.0)
    return np.cumsum(shake) * inside + 6.0 * (u > 1)


def test_claps_at_both_ends_are_masked_and_breathing_is_not():
    t = np.arange(int(20 * FPS)) / FPS
    y = _breathing(t, 1) + _clap(t, 1.0, 2) + _clap(t, 18.0, 3)
    jolt = jolt_mask(_log(t, y), body_px=BODY_PX)
    # everything up to the first clap's end and from the last clap's start is masked ...
    assert jolt[t < 1.5].all() and jolt[t > 18.0].all()
    # ... and no breathing in between (beyond the 0.2 s margin and the 0.3 s window's blur)
    assert not jolt[(t > 2.0) & (t < 17.5)].any()


def test_breathing_alone_and_a_squat_are_not_jolts():
    t = np.arange(int(30 * FPS)) / FPS
    assert not jolt_mask(_log(t, _breathing(t, 4)), body_px=BODY_PX).any()
    # squats: the body goes 60 px down and up in 2 s, three times (smooth, however large)
    squat = 30.0 * (1 - np.cos(2 * np.pi * np.clip((t - 10.0) / 2.0, 0.0, 3.0)))
    assert not jolt_mask(_log(t, _breathing(t, 5) + squat, belly_dy=squat), body_px=BODY_PX).any()


def test_dropped_frames_and_uneven_timing_are_not_jolts():
    rng = np.random.default_rng(6)
    t = np.arange(int(20 * FPS)) / FPS + rng.uniform(-0.3, 0.3, int(20 * FPS)) / FPS
    t = np.sort(t[rng.random(t.size) > 0.15])
    t = t[(t < 9.0) | (t > 10.2)]  # and a 1.2 s gap
    assert not jolt_mask(_log(t, _breathing(t, 7)), body_px=BODY_PX).any()


def test_masked_jolt_keeps_the_level_and_leaves_the_trace_unmeasured():
    t = np.arange(int(20 * FPS)) / FPS
    y = _breathing(t, 8) + _clap(t, 10.0, 9)
    cols = _log(t, y)
    out, seconds = mask_jolts(cols, body_px=BODY_PX)
    assert 0.5 <= seconds <= 1.5
    jolt = out["valid"] < 0.5
    assert jolt[(t > 10.1) & (t < 10.4)].all()
    # the 6 px the clap left is gone: after the jolt the chest sums continue from where they were
    # (what is taken out is the clap's 6 px and the breathing of the masked second, at most 3 px)
    step = out["chest_dy"] - cols["chest_dy"]
    assert np.ptp(step[t > 11.0]) < 1e-9 and np.allclose(step[t < 9.5], 0.0)
    breathing_then = _breathing(t, 8)[(t > 9.5) & (t < 11.0)]
    assert abs(step[t > 11.0][0] + 6.0) <= np.ptp(breathing_then)
    # the traces see a gap, not a step
    tr = traces_from_columns(cols, fs_hz=10.0, config=DEFAULT.motion)
    assert any("sudden motion" in n for n in tr.notes)
    masked_t = t[jolt]
    inside = (tr.t_s > masked_t[0] + 0.1) & (tr.t_s < masked_t[-1] - 0.1)
    outside = (tr.t_s < masked_t[0] - 0.1) | (tr.t_s > masked_t[-1] + 0.1)
    assert not tr.valid[inside].any() and tr.valid[outside].all()


def test_short_logs_are_left_alone():
    t = np.arange(int(3 * FPS)) / FPS
    assert not jolt_mask(_log(t, _clap(t, 1.0, 10)), body_px=BODY_PX).any()
