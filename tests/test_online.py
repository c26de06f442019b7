"""The online analyzer: open holds flagged within 3 s, streamed breaths equal to the batch ones,
and live (streaming) vs batch rate on the same rendered clip."""


import numpy as np
import pytest

from breathcam.config import DEFAULT
from breathcam.signals.core import process
from breathcam.signals.online import OnlineAnalyzer, merge_breaths, merge_holds, open_hold
from breathcam.simulate.waveform import simulate_breathing
from breathcam.types import Breath, Hold, MotionTraces

FS = 10.0


def _traces(b, *, end_s, snr_noise=0.02, seed=0):
    n = int(round(end_s * b.fs_hz))
    rng = np.random.default_rng(seed)
    x = b.volume[:n] + snr_noise * rng.standard_normal(n)
    return MotionTraces(b.fs_hz, b.t_s[:n], x, b.chest[:n], b.belly[:n], np.ones(n, bool), 1.0, "pose", "front")


@pytest.mark.parametrize("after, rate, seed", [("exhale", 12, 1), ("inhale", 12, 2), ("inhale", 6, 3), ("exhale", 15, 4)])
def test_open_hold_flagged_within_3_s(after, rate, seed):
    b = simulate_breathing(duration_s=70, fs_hz=FS, rate_bpm=rate, holds=[(40, 10, after)], seed=seed)
    (h,) = b.truth.holds
    flagged = None
    for end in np.arange(h.start - 5.0, h.end, 0.5):  # the live cadence: a check every 0.5 s
        tr = _traces(b, end_s=end, seed=seed)
        breaths = process(tr).breaths
        found = open_hold(tr, breaths=breaths)
        if end < h.start:
            assert found is None, f"hold flagged {h.start - end:.1f} s before it started"
        elif found is not None and flagged is None:
            flagged = (end, found)
    assert flagged is not None, "hold never flagged"
    t_flag, (start, label) = flagged
    assert t_flag - h.start <= 3.0
    assert start == pytest.approx(h.start, abs=1.0)
    assert label == after


@pytest.mark.parametrize("rate, seed", [(12, 5), (18, 6), (8, 7)])
def test_no_open_hold_in_plain_breathing(rate, seed):
    b = simulate_breathing(duration_s=60, fs_hz=FS, rate_bpm=rate, irregularity=0.1, seed=seed)
    for end in np.arange(20.0, 60.0, 0.5):
        tr = _traces(b, end_s=end, seed=seed)
        assert open_hold(tr, breaths=process(tr).breaths) is None, f"false open hold at {end} s"


def test_no_open_hold_without_movement():
    n = 300
    t = np.arange(n) / FS
    x = 0.01 * np.random.default_rng(0).standard_normal(n)
    tr = MotionTraces(FS, t, x, x, x, np.ones(n, bool), 1.0, "pose", "front")
    assert open_hold(tr) is None


def _b(t0, t1, depth=1.0):
    return Breath(t0, t0 + 0.4 * (t1 - t0), t1, t1, depth, 0.9)


def test_merge_keeps_committed_and_adds_only_new_final_breaths():
    committed = (_b(0, 5), _b(5, 10))
    found = (_b(4.9, 10.1), _b(9.8, 15), _b(15, 20), _b(20, 24))
    out = merge_breaths(committed, found, final_before_s=21.0)
    assert [round(x.inhale_start, 1) for x in out] == [0, 5, 10, 15]
    assert out[2].inhale_start == 10.0  # trimmed to stay contiguous with the committed breath
    # idempotent: the same window again adds nothing
    assert merge_breaths(out, found, final_before_s=21.0) == out
    holds = merge_holds((Hold(3, 7, "inhale", 1.0),), (Hold(3.1, 7, "inhale", 1.0), Hold(12, 16, "exhale", 1.0), Hold(30, 35, "exhale", 1)), final_before_s=20)
    assert [h.start for h in holds] == [3, 12]


@pytest.fixture(scope="module")
def hold_clip(tmp_path_factory):
    pytest.importorskip("cv2")
    from breathcam.simulate.render import render_clip

    # small and 15 frames/s keeps the test fast; the benchmark runs 640x480 at 30
    b = simulate_breathing(duration_s=32, rate_bpm=12, holds=[(16, 8, "exhale")], seed=11)
    path = tmp_path_factory.mktemp("online") / "hold.mp4"
    render_clip(b, path, width=320, height=240, fps=15, amplitude_px=4.0, seed=11)
    return path, b.truth


def test_streaming_matches_batch_on_a_rendered_clip(hold_clip):
    from breathcam.capture.video import open_source

    path, truth = hold_clip
    online = OnlineAnalyzer()
    first_open = {}
    with open_source(str(path)) as src:
        for frame in src:
            st = online.update(frame)
            if st.open_hold_start_s is not None:
                first_open.setdefault("t", frame.t_s)
                first_open.setdefault("start", st.open_hold_start_s)
    # the window over the whole session is exactly the batch trace (same log, same functions)
    whole = online.front.recent_traces(window_s=1e9)
    full = online.front.traces()
    assert np.array_equal(whole.breathing, full.breathing) and np.array_equal(whole.t_s, full.t_s)
    online.flush()
    live_rate, _ = online.committed_rate()
    # the batch functions over the whole log (the log is the one `breathcam analyze` builds:
    # same source and front end, checked above to resample identically)
    batch = online.session_analysis(source=str(path))
    assert batch.rate_bpm is not None and live_rate is not None
    assert abs(live_rate - batch.rate_bpm) <= 0.5
    assert abs(live_rate - truth.rate_bpm) <= 0.5
    # committed breaths line up with the batch breaths
    starts_live = np.array([b.inhale_start for b in online.state.breaths])
    starts_batch = np.array([b.inhale_start for b in batch.breaths])
    assert abs(len(starts_live) - len(starts_batch)) <= 1
    near = [np.min(np.abs(starts_batch - s)) for s in starts_live]
    assert np.median(near) < 0.3
    # the hold: flagged open within 3 s of its true start, and committed once it ended
    (h,) = truth.holds
    assert first_open and first_open["t"] - h.start <= 3.0
    assert any(abs(x.start - h.start) < 1.5 and x.after == "exhale" for x in online.state.holds)
    # analysis runs about once per second, not per frame
    assert online.analysis_runs <= 32 - DEFAULT.live.min_analysis_s + 3


@pytest.fixture(scope="module")
def hold_in_breathing_clip(tmp_path_factory):
    pytest.importorskip("cv2")
    from breathcam.simulate.render import render_clip

    # a 10 s hold among slightly irregular breathing, long enough for the rate window to hold it
    b = simulate_breathing(duration_s=60, rate_bpm=12, irregularity=0.1, holds=[(24, 10, "exhale")], seed=31)
    path = tmp_path_factory.mktemp("online") / "hold_in_breathing.mp4"
    render_clip(b, path, width=320, height=240, fps=15, amplitude_px=4.0, seed=31)
    return path, b.truth


def test_rate_after_a_hold_leaves_the_hold_out_and_never_goes_blank(hold_in_breathing_clip):
    from breathcam.capture.video import open_source

    path, truth = hold_in_breathing_clip
    (h,) = truth.holds
    online = OnlineAnalyzer()
    readings = []
    with open_source(str(path)) as src:
        for frame in src:
            st = online.update(frame)
            readings.append((frame.t_s, st.rate_bpm))
    t = np.array([r[0] for r in readings])
    first = next(i for i, (_, r) in enumerate(readings) if r is not None)
    blank = [round(ti, 1) for ti, r in readings[first:] if r is None]
    assert not blank, f"the rate went blank at {blank[:5]} s after it had a reading"
    # from a breath after the hold to the end: the breathing's own pace (the truth leaves the
    # interrupting hold out too), not the breaths diluted by the time held
    after = np.array([r for ti, r in readings if ti >= h.end + 5.0])
    assert after.size and np.max(np.abs(after - truth.rate_bpm)) <= 1.0, (truth.rate_bpm, after.min(), after.max())
    during = np.array([r for ti, r in readings if h.start + 3.0 <= ti <= h.end])
    assert np.max(np.abs(during - truth.rate_bpm)) <= 1.0


@pytest.mark.parametrize("end_s", [48, 50])
def test_a_hold_in_the_window_does_not_blank_the_rate(end_s):
    # irregular breathing with a 12 s hold: over the window that holds it, the breathing's
    # periodicity falls below what a confident rate needs, while measured around the hold it is
    # the breathing's own; the batch chain and the live window both measure it there
    from breathcam.signals.core import breathing_periodicity
    from breathcam.signals.online import rate_outside_holds

    b = simulate_breathing(duration_s=90, fs_hz=FS, rate_bpm=12, holds=[(30, 12, "exhale")], seed=3, irregularity=0.2)
    tr = _traces(b, end_s=end_s, snr_noise=0.1, seed=3)
    r = process(tr)
    assert r.holds and breathing_periodicity(tr, ()) < breathing_periodicity(tr, r.holds) - 0.05
    rate, conf = rate_outside_holds(tr, r.breaths, r.holds)
    assert rate is not None and conf >= DEFAULT.rate.min_confidence
    assert rate == pytest.approx(11.9, abs=1.0)  # the truth over the breaths so far, the hold left out
    assert r.rate_bpm == pytest.approx(rate, abs=1e-9)  # the batch chain reads the same
