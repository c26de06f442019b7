"""The clip simulator: rendered clips move as the truth says, and belt recordings give sane truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from breathcam.simulate.waveform import Truth, simulate_breathing
from breathcam.types import InputError, ParameterError

cv2 = pytest.importorskip("cv2")
pytest.importorskip("mediapipe")
pytest.importorskip("skimage")

BELT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "vrwi-belts"
W, H = 320, 240


def _frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(frame)
    cap.release()
    return out


def _shift(a: np.ndarray, b: np.ndarray, box) -> tuple[float, float]:
    """(dx, dy) of image b relative to image a inside box (x0, y0, x1, y1), by phase correlation."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    # phaseCorrelate is biased by half a pixel on odd sizes and on sizes it pads: shrink to even
    # DFT-friendly sizes.
    w, h = x1 - x0, y1 - y0
    while w % 2 or cv2.getOptimalDFTSize(w) != w:
        w -= 1
    while h % 2 or cv2.getOptimalDFTSize(h) != h:
        h -= 1
    x1, y1 = x0 + w, y0 + h
    ga = cv2.cvtColor(a[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY).astype(np.float64)
    gb = cv2.cvtColor(b[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY).astype(np.float64)
    win = cv2.createHanningWindow((x1 - x0, y1 - y0), cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(ga, gb, win)
    return dx, dy


@pytest.fixture(scope="module")
def breathing():
    return simulate_breathing(duration_s=10.0, rate_bpm=15.0, belly_share=0.3, seed=2)


@pytest.fixture(scope="module")
def still_clip(tmp_path_factory, breathing):
    from breathcam.simulate.render import render_clip

    path = tmp_path_factory.mktemp("sim") / "still.mp4"
    render_clip(breathing, path, width=W, height=H, sway_px=0.0, shake_px=0.0, seed=1)
    return path


def test_clip_has_the_right_frames_and_truth(still_clip, breathing):
    frames = _frames(still_clip)
    assert len(frames) == 300  # 10 s at 30 fps
    assert frames[0].shape == (H, W, 3)
    truth = Truth.read(still_clip.with_name("still.truth.json"))
    assert truth.breaths == breathing.truth.breaths
    assert truth.rate_bpm == pytest.approx(breathing.truth.rate_bpm)
    assert truth.extra["amplitude_px"] == 6.0 and truth.extra["framing"] == "full"
    assert truth.extra["still"] == "astronaut" and truth.extra["seed"] == 1
    assert truth.extra["face_in_frame"] is True


def test_chest_rises_by_the_amplitude(still_clip, breathing):
    frames = _frames(still_clip)
    truth = Truth.read(still_clip.with_name("still.truth.json"))
    t = np.arange(len(frames)) / 30.0
    chest = np.interp(t, breathing.t_s, breathing.chest)
    hi, lo = int(np.argmax(chest)), int(np.argmin(chest))
    expected = 6.0 * (chest[hi] - chest[lo])  # 6 px * 0.7 share * depth
    assert expected > 3.0
    dx, dy = _shift(frames[lo], frames[hi], truth.extra["chest_box"])
    assert -dy == pytest.approx(expected, rel=0.25)  # up is -y
    # no sideways motion beyond what the codec and the shift estimate leave (0.29 px with
    # mediapipe 0.10.21 and OpenCV 4.11, 0.34 px with mediapipe 1.2 and OpenCV 4.14)
    assert abs(dx) < 0.1 * expected
    # The head, above the chest bump, barely moves.
    x0, y0, x1, y1 = truth.extra["chest_box"]
    head = (0.5 * (x0 + x1) - 30, 5, 0.5 * (x0 + x1) + 30, y0 - 25)
    assert abs(_shift(frames[lo], frames[hi], head)[1]) < 0.25 * expected


def test_sway_moves_the_person_not_the_background(tmp_path):
    from breathcam.simulate.render import build_scene, iter_frames

    b = simulate_breathing(duration_s=12.0, rate_bpm=12.0, seed=0)
    scene = build_scene("astronaut", width=W, height=H)
    frames = list(iter_frames(b, scene, amplitude_px=0.0, sway_px=2.0, shake_px=0.0, noise_std=2.0, seed=4))
    head_box = (scene.chest_box.x0, 5, scene.chest_box.x1, scene.chest_box.y0 - 10)
    background = (0.72 * W, 2, 0.86 * W, 0.22 * H)  # the shuttle and backdrop, right of the head
    head = np.array([_shift(frames[0], f, head_box) for f in frames[::10]])
    back = np.array([_shift(frames[0], f, background) for f in frames[::10]])
    assert np.abs(head).max() > 1.0  # the person sways ...
    assert np.abs(back).max() < 0.5  # ... the background stays


def test_seed_fixes_the_frames(tmp_path, breathing):
    from breathcam.simulate.render import render_clip

    first = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        short = simulate_breathing(duration_s=1.0, rate_bpm=12.0, seed=0)
        path = render_clip(short, tmp_path / f"{name}.mp4", width=W, height=H, seed=seed)
        first.append(_frames(path)[0])
    assert first[0].tobytes() == first[1].tobytes()
    assert first[0].tobytes() != first[2].tobytes()


def _pose(image: np.ndarray):
    from breathcam.capture.pose import still_landmarks

    return still_landmarks(image)[0]


def test_torso_framing_has_no_face(tmp_path):
    from breathcam.simulate.render import render_clip

    b = simulate_breathing(duration_s=1.0, rate_bpm=12.0, seed=0)
    path = render_clip(b, tmp_path / "torso.mp4", width=640, height=480, framing="torso")
    frame = _frames(path)[0]
    landmarks = _pose(frame)
    assert landmarks is None or landmarks.xy_px[0, 1] < 0 or landmarks.visibility[0] < 0.5
    assert Truth.read(tmp_path / "torso.truth.json").extra["face_in_frame"] is False
    # The full framing of the same still does show a face: the check above is not vacuous.
    full = render_clip(b, tmp_path / "full.mp4", width=640, height=480)
    found = _pose(_frames(full)[0])
    assert found is not None and 0 < found.xy_px[0, 1] < found.height


def test_tight_framing_renders(tmp_path):
    from breathcam.simulate.render import render_clip

    b = simulate_breathing(duration_s=2.0, rate_bpm=12.0, seed=0)
    path = render_clip(b, tmp_path / "tight.avi", width=W, height=H, framing="tight", codec="MJPG")
    frames = _frames(path)
    assert len(frames) == 60 and frames[0].shape == (H, W, 3)
    assert _pose(frames[0]) is None  # stands in for "pose finds nobody" (not a side view)
    assert Truth.read(tmp_path / "tight.truth.json").extra["framing"] == "tight"


def test_bad_parameters_are_refused(tmp_path, breathing):
    from breathcam.simulate.render import build_scene, load_still, render_clip

    with pytest.raises(ParameterError):
        load_still("mona_lisa")
    with pytest.raises(ParameterError):
        build_scene("astronaut", width=W, height=H, framing="side")
    with pytest.raises(ParameterError):
        render_clip(breathing, tmp_path / "x.mp4", codec="h264x")
    with pytest.raises(InputError):  # no person in a flat grey picture
        build_scene(np.full((300, 300, 3), 128, np.uint8), width=W, height=H)


def test_cli_writes_clip_and_truth(tmp_path):
    from breathcam.simulate.__main__ import main

    out = tmp_path / "cli.mp4"
    assert main([str(out), "--seconds", "15", "--width", "320", "--height", "240", "--holds", "1:4:exhale"]) == 0
    truth = Truth.read(tmp_path / "cli.truth.json")
    assert len(_frames(out)) == 450
    assert truth.holds and truth.holds[0].after == "exhale"
    assert main([str(out), "--belts", "F01_resting", "--holds", "5:4:inhale"]) == 2  # refused, not rendered


# ---------------------------------------------------------------------------------------------
# belts
# ---------------------------------------------------------------------------------------------

needs_belts = pytest.mark.skipif(not BELT_DIR.is_dir(), reason=f"belt recordings not found at {BELT_DIR}")


@pytest.fixture(scope="module")
def belts():
    from breathcam.simulate.belts import load_belts

    return load_belts("F01_resting", data_dir=BELT_DIR, start_s=60.0, duration_s=120.0, belly_share=0.4)


@needs_belts
def test_belts_give_a_plausible_rate(belts):
    truth = belts.truth
    assert belts.t_s.size == 3600 and belts.chest.shape == belts.belly.shape == belts.t_s.shape
    assert 6.0 <= truth.rate_bpm <= 30.0
    assert truth.holds == () and truth.extra["holds_known"] is False
    assert truth.extra["recording"] == "F01_resting" and truth.label == "mixed"
    assert -60.0 < truth.phase_deg < 60.0  # the two belts of a resting person move together
    for b in truth.breaths:
        assert b.inhale_start < b.exhale_start < b.end


@needs_belts
def test_reference_count_matches_a_plain_peak_count(belts):
    from scipy import signal

    sos = signal.butter(3, [0.08, 0.8], btype="band", fs=belts.fs_hz, output="sos")
    clean = signal.sosfiltfilt(sos, belts.volume)
    peaks, _ = signal.find_peaks(clean, distance=int(1.5 * belts.fs_hz), prominence=0.5 * clean.std())
    breaths = belts.truth.breaths
    t_peaks = peaks / belts.fs_hz
    inside = np.sum((t_peaks > breaths[0].inhale_start) & (t_peaks < breaths[-1].end))
    assert abs(inside - len(breaths)) <= 1
    # Each breath's exhale starts at a high point and its inhale at a low point of the trace.
    v = np.interp([b.exhale_start for b in breaths], belts.t_s, belts.volume)
    u = np.interp([b.inhale_start for b in breaths], belts.t_s, belts.volume)
    assert np.all(v - u > 0.3)


@needs_belts
def test_belts_are_normalised(belts):
    for trace, share in ((belts.chest, 0.6), (belts.belly, 0.4)):
        breaths = belts.truth.breaths
        depth = [
            np.interp(b.exhale_start, belts.t_s, trace) - np.interp(b.inhale_start, belts.t_s, trace) for b in breaths
        ]
        assert np.median(depth) == pytest.approx(share, rel=0.2)
        assert abs(np.percentile(trace, 5)) < 0.25 * share  # troughs near zero, no drift
    early, late = belts.volume[:1800], belts.volume[1800:]
    assert abs(np.median(early) - np.median(late)) < 0.15


def test_missing_belt_data_is_a_clear_error(tmp_path):
    from breathcam.simulate.belts import list_recordings, load_belts

    with pytest.raises(InputError):
        list_recordings(tmp_path / "nowhere")
    with pytest.raises(InputError):
        load_belts("F01_resting", data_dir=tmp_path)


@needs_belts
def test_belts_paradoxical_and_per_breath_share():
    from breathcam.simulate.belts import load_belts

    b = load_belts("F01_resting", data_dir=BELT_DIR, start_s=60.0, duration_s=60.0, belly_share=0.85, paradoxical=True)
    assert b.truth.label == "belly"
    assert all(br.belly_share == 0.85 for br in b.truth.breaths)
    assert abs(abs(b.truth.phase_deg) - 180.0) < 60.0  # the inverted abdominal belt moves against the chest
    assert np.corrcoef(b.chest, b.belly)[0, 1] < -0.5


def test_cli_switch_flags_are_checked(tmp_path):
    from breathcam.simulate.__main__ import main

    # --switch-at without --belly-share-after is refused before anything is rendered
    assert main([str(tmp_path / "x.mp4"), "--seconds", "5", "--switch-at", "2"]) == 2
    assert not (tmp_path / "x.mp4").exists()


# ---------------------------------------------------------------------------------------------
# conditions of real footage: short holds, claps, standing sway, side view, exposure, bitrate,
# clothing
# ---------------------------------------------------------------------------------------------


def test_short_clip_hold_is_where_asked():
    # 12 s: a breath in, "breathe in and hold" for 7 s, the breath out
    b = simulate_breathing(duration_s=12.0, rate_bpm=15.0, holds=[(2.0, 7.0, "inhale")], seed=0)
    (hold,) = b.truth.holds
    assert hold.after == "inhale" and not hold.open
    assert 1.0 < hold.start < 3.5 and hold.end - hold.start == pytest.approx(7.0, abs=0.01)
    # the volume is flat at its top over the hold, and the hold starts at the end of an inhale
    inside = (b.t_s > hold.start + 0.05) & (b.t_s < hold.end - 0.05)
    assert np.ptp(b.volume[inside]) < 1e-9 and b.volume[inside].mean() > 0.9
    # after exhale, and a hold at the very start of the clip
    for at in (0.0, 2.0):
        b = simulate_breathing(duration_s=12.0, rate_bpm=15.0, holds=[(at, 6.0, "exhale")], seed=1)
        (hold,) = b.truth.holds
        assert hold.after == "exhale" and hold.end - hold.start >= 6.0
        inside = (b.t_s > hold.start + 0.05) & (b.t_s < hold.end - 0.05)
        assert np.abs(b.volume[inside]).max() < 1e-9  # at rest, breathed out


def test_hold_open_at_the_clip_end():
    kw = dict(duration_s=12.0, rate_bpm=15.0, holds=[(6.0, 10.0, "inhale")], seed=0)
    legacy = simulate_breathing(**kw, open_holds=False)
    assert legacy.truth.holds == ()  # a hold cut by the clip's end: left out when asked to
    (hold,) = simulate_breathing(**kw, open_holds=True).truth.holds
    assert hold.open and hold.end == 12.0 and hold.after == "inhale" and 5.0 < hold.start < 8.0
    # written and read back; a closed hold's JSON has no "open" key (older truths read the same)
    data = simulate_breathing(**kw, open_holds=True).truth.to_dict()
    assert data["holds"][0]["open"] is True and Truth.from_dict(data).holds[0].open
    closed = simulate_breathing(duration_s=12.0, rate_bpm=15.0, holds=[(2.0, 6.0, "exhale")], seed=0).truth.to_dict()
    assert "open" not in closed["holds"][0]
    # a hold asked for inside the clip's last pause is placed there, not dropped: paced breaths of
    # 1.5 s in, 1.5 s out and a 7 s pause; the second breath's pause runs past 20 s
    b = simulate_breathing(duration_s=20.0, paced=(1.5, 0.0, 1.5, 7.0), holds=[(14.0, 8.0, "inhale")], seed=0, open_holds=True)
    (hold,) = [h for h in b.truth.holds if h.after == "inhale"]
    assert hold.start == pytest.approx(15.5) and hold.end == 20.0 and hold.open
    # holds the clip cannot show are refused
    for bad in ((12.0, 5.0, "inhale"), (2.0, 0.0, "exhale"), (2.0, 5.0, "sideways")):
        with pytest.raises(ParameterError):
            simulate_breathing(duration_s=12.0, holds=[bad])


SMALL_W, SMALL_H = 240, 180


@pytest.fixture(scope="module")
def short_breathing():
    return simulate_breathing(duration_s=4.0, rate_bpm=15.0, seed=3)


def _still_kw():
    return dict(sway_px=0.0, shake_px=0.0, noise_std=2.0)


def test_hands_appear_only_inside_the_truth_intervals(short_breathing):
    from breathcam.simulate.render import build_scene, iter_frames, plan_conditions

    scene = build_scene("astronaut", width=SMALL_W, height=SMALL_H, framing="torso")
    n = 120
    plan = plan_conditions(scene, n=n, fps=30.0, clap="hands", seed=7)
    spans = plan.truth()["hands_s"]
    assert len(spans) == 2 and spans[0][1] < 2.0 < spans[1][0]  # one clap at each end
    for a, b in spans:
        assert 0.3 <= b - a <= 1.0 + 0.02
    plain = list(iter_frames(short_breathing, scene, seed=7, **_still_kw()))
    clap = list(iter_frames(short_breathing, scene, seed=7, clap="hands", **_still_kw()))
    t = np.arange(n) / 30.0
    for i in range(n):
        inside = any(a <= t[i] <= b for a, b in spans)
        diff = np.abs(clap[i].astype(int) - plain[i].astype(int)).max(axis=2)
        if not inside:
            assert diff.max() == 0, f"hand pixels at {t[i]:.3f} s, outside {spans}"
    for a, b in spans:  # around the clap the hands cover a good part of the chest
        i = int(round(0.5 * (a + b) * 30))
        diff = np.abs(clap[i].astype(int) - plain[i].astype(int)).max(axis=2)
        assert (diff > 25).mean() > 0.04


def test_camera_jolt_follows_the_truth(short_breathing):
    from breathcam.simulate.conditions import jolt_offsets
    from breathcam.simulate.render import build_scene, iter_frames, plan_conditions

    scene = build_scene("astronaut", width=SMALL_W, height=SMALL_H)
    plan = plan_conditions(scene, n=120, fps=30.0, clap="jolt", jolt_px=12.0, seed=5)
    claps = plan.truth()["claps"]
    assert all("jolt_s" in c and "hands_s" not in c for c in claps)
    plain = list(iter_frames(short_breathing, scene, seed=5, noise_std=0.0, sway_px=0.0, shake_px=0.0))
    jolt = list(iter_frames(short_breathing, scene, seed=5, noise_std=0.0, sway_px=0.0, shake_px=0.0, clap="jolt", jolt_px=12.0))
    t = np.arange(120) / 30.0
    offsets = jolt_offsets(list(plan.claps), t)
    first = claps[0]["jolt_s"][0]
    assert all(jolt[i].tobytes() == plain[i].tobytes() for i in range(120) if t[i] <= first)
    i = int(np.argmax(np.hypot(offsets[:, 0], offsets[:, 1])))
    assert np.hypot(*offsets[i, :2]) > 6.0
    box = (SMALL_W * 0.3, SMALL_H * 0.3, SMALL_W * 0.7, SMALL_H * 0.7)  # the centre: the zoom moves it least
    dx, dy = _shift(plain[i], jolt[i], box)
    assert dx == pytest.approx(offsets[i, 0], abs=0.6) and dy == pytest.approx(offsets[i, 1], abs=0.6)


def test_standing_sway_moves_the_person_as_the_truth_says():
    from breathcam.simulate.render import build_scene, iter_frames, plan_conditions

    b = simulate_breathing(duration_s=8.0, rate_bpm=12.0, seed=0)
    scene = build_scene("astronaut", width=320, height=240)
    n = 240
    plan = plan_conditions(scene, n=n, fps=30.0, stand_sway_px=6.0, seed=2)
    truth = plan.truth()["stand_sway"]
    assert truth["peak_px"] == 6.0 and all(0.1 <= f <= 0.5 for _, f, _ in truth["angle_rad"])
    frames = list(iter_frames(b, scene, amplitude_px=0.0, seed=2, stand_sway_px=6.0, **_still_kw()))
    x0, y0, x1, y1 = (scene.chest_box.x0, scene.chest_box.y0, scene.chest_box.x1, scene.chest_box.y1)
    chest = (x0, y0 - 30, x1, y1 + 10)
    point = scene.shoulder_line
    t = np.arange(n) / 30.0
    expected = plan.stand.chest_shift(t, point)
    # the chest's displacement peaks at the asked amplitude over the clip (within 10 %) ...
    peak = np.abs(plan.stand.chest_shift(np.linspace(0, 8, 401), point)[:, 0]).max()
    assert peak == pytest.approx(6.0, rel=0.1)
    measured = np.array([_shift(frames[0], frames[i], chest) for i in range(0, n, 10)])
    want = expected[::10] - expected[0]
    # ... and the rendered chest follows it
    assert np.abs(measured - want).max() < 0.6
    assert np.ptp(measured[:, 0]) > 3.0
    background = (0.78 * 320, 2, 0.95 * 320, 0.2 * 240)
    assert np.abs([_shift(frames[0], frames[i], background) for i in range(0, n, 30)]).max() < 0.5


def _front_edge(frame: np.ndarray, row: float, level: float) -> float:
    """Sub-pixel x where the dark clothing ends and the light wall begins, right of the body, on a row."""
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(float)
    r = int(round(row))
    line = grey[r - 2 : r + 3].mean(axis=0)
    dark = np.flatnonzero(line < level)
    x = int(dark[dark < 0.7 * line.size].max())  # the rightmost dark pixel of the body
    a, b = line[x], line[x + 1]
    return x + (level - a) / (b - a)


def test_side_view_front_contour_moves_by_the_truth(tmp_path):
    from breathcam.simulate.render import iter_frames, render_clip
    from breathcam.simulate.side import build_side_scene

    b = simulate_breathing(duration_s=6.0, rate_bpm=15.0, belly_share=0.6, seed=4)
    scene = build_side_scene(320, 240, clothing="dark", seed=1)
    frames = list(iter_frames(b, scene, amplitude_px=8.0, seed=1, **_still_kw()))
    geo = scene.geometry
    t = np.arange(len(frames)) / 30.0
    level = 110.0
    for row, trace, per in (
        (geo["belly_row_y"], np.interp(t, b.t_s, b.belly), geo["front_px_per_belly_px"]),
        (geo["chest_row_y"], np.interp(t, b.t_s, b.chest), geo["front_px_per_chest_px"]),
    ):
        edge = np.array([_front_edge(f, row, level) for f in frames])
        want = 8.0 * per * trace
        assert np.ptp(edge) == pytest.approx(np.ptp(want), rel=0.12, abs=0.3)
        assert np.corrcoef(edge, want)[0, 1] > 0.97
    # the rest position in the truth is where the contour is drawn (frames where the trace is ~0)
    rest = int(np.argmin(np.interp(t, b.t_s, b.belly)))
    assert _front_edge(frames[rest], geo["belly_row_y"], level) == pytest.approx(geo["belly_front_x"], abs=0.6)
    # a side clip: truth, no face, the arm swings at a clap only inside the truth's intervals
    b2 = simulate_breathing(duration_s=3.0, rate_bpm=15.0, seed=4)
    path = render_clip(b2, tmp_path / "side.avi", width=160, height=120,
                       framing="side", codec="MJPG", clap="hands", seed=3)
    truth = Truth.read(path.with_name("side.truth.json"))
    assert truth.extra["framing"] == "side" and truth.extra["face_in_frame"] is False
    assert truth.extra["side"]["facing"] == "right" and len(truth.extra["hands_s"]) == 2
    assert len(_frames(path)) == 90


def test_side_view_arm_moves_only_inside_the_clap():
    from breathcam.simulate.render import iter_frames, plan_conditions
    from breathcam.simulate.side import build_side_scene

    b = simulate_breathing(duration_s=4.0, rate_bpm=15.0, seed=4)
    scene = build_side_scene(SMALL_W, SMALL_H, clothing="light", seed=2)
    spans = plan_conditions(scene, n=120, fps=30.0, clap="hands", seed=9).truth()["hands_s"]
    plain = list(iter_frames(b, scene, seed=9, **_still_kw()))
    clap = list(iter_frames(b, scene, seed=9, clap="hands", **_still_kw()))
    t = np.arange(120) / 30.0
    for i in range(120):
        if not any(a <= t[i] <= b_ for a, b_ in spans):
            assert clap[i].tobytes() == plain[i].tobytes()
    for a, b_ in spans:
        i = int(round(0.5 * (a + b_) * 30))
        assert (np.abs(clap[i].astype(int) - plain[i].astype(int)).max(axis=2) > 25).mean() > 0.02


def test_exposure_gain_follows_the_truth(short_breathing):
    from breathcam.simulate.render import build_scene, iter_frames, plan_conditions

    scene = build_scene("astronaut", width=SMALL_W, height=SMALL_H)
    kw = dict(seed=4, sway_px=0.0, shake_px=0.0, noise_std=0.0)
    plain = list(iter_frames(short_breathing, scene, **kw))
    drift = list(iter_frames(short_breathing, scene, exposure_drift=0.2, **kw))
    gain = plan_conditions(scene, n=120, fps=30.0, exposure_drift=0.2, seed=4).exposure.gain
    assert np.ptp(gain) > 0.05
    measured = []
    for a, b in zip(plain, drift):
        ok = (a > 40) & (a < 180) & (b < 250)  # mid-tones: no clipping, rounding matters little
        measured.append(b[ok].astype(float).sum() / a[ok].astype(float).sum())
    assert np.abs(np.array(measured) - gain).max() < 0.01
    # about two steps a minute: a 4 s clip still has one, and a minute has two
    truth = plan_conditions(scene, n=1800, fps=30.0, exposure_drift=0.1, seed=4).truth()["exposure"]
    assert len(truth["steps"]) == 2 and len(truth["gain"]) == 1800
    assert all(0.05 <= abs(r - 1) <= 0.1 + 1e-9 for _, r in truth["steps"])


def test_low_bitrate_blocks_every_frame(short_breathing):
    from breathcam.simulate.render import build_scene, iter_frames

    scene = build_scene("astronaut", width=SMALL_W, height=SMALL_H)

    def blockiness(frame):
        """Mean step across JPEG's 8x8 block edges over the mean step elsewhere (both directions)."""
        g = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(float)
        ratios = []
        for axis in (0, 1):
            d = np.abs(np.diff(g, axis=axis)).mean(axis=1 - axis)  # step k is between lines k and k+1
            ratios.append(d[7::8].mean() / np.delete(d, np.s_[7::8]).mean())
        return float(np.mean(ratios))

    plain = next(iter_frames(short_breathing, scene, seed=1, noise_std=0.0))
    low = [f for _, f in zip(range(3), iter_frames(short_breathing, scene, seed=1, noise_std=0.0, jpeg_quality=15))]
    again = next(iter_frames(short_breathing, scene, seed=1, noise_std=0.0, jpeg_quality=15))
    assert blockiness(plain) < 1.2 and min(blockiness(f) for f in low) > 1.6
    assert again.tobytes() == low[0].tobytes()  # deterministic


def test_clothing_is_recoloured_and_taped():
    from breathcam.simulate.render import build_scene

    orig = build_scene("astronaut", width=320, height=240, framing="torso")
    dark = build_scene("astronaut", width=320, height=240, framing="torso", clothing="dark", tape_strips=3, seed=1)
    light = build_scene("astronaut", width=320, height=240, framing="torso", clothing="light", seed=1)
    box = orig.belly_box
    y0, y1, x0, x1 = int(box.y0), int(box.y1), int(box.x0), int(box.x1)

    def texture(img):
        g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(float)[y0:y1, x0:x1]
        return np.abs(g - cv2.GaussianBlur(g, (0, 0), 3)).mean()

    grey = lambda img: cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)[y0:y1, x0:x1].mean()  # noqa: E731
    assert grey(dark.base) < 60 < 170 < grey(light.base)
    assert texture(dark.base) < 0.6 * texture(orig.base)  # plain, low-texture fabric
    assert len(dark.tape_boxes) == 3
    for bx0, by0, bx1, by1 in dark.tape_boxes:  # white strips on the dark fabric
        strip = cv2.cvtColor(dark.base, cv2.COLOR_BGR2GRAY)[int(by0) + 2 : int(by1) - 1, int(bx0) + 3 : int(bx1) - 3]
        assert strip.mean() > 200
    assert orig.clothing == "original" and orig.tape_boxes == ()


def test_cli_renders_the_conditions(tmp_path):
    from breathcam.simulate.__main__ import main

    out = tmp_path / "real.avi"
    args = [str(out), "--seconds", "5", "--width", "160", "--height", "120", "--codec", "MJPG", "--rate", "20",
            "--holds", "0.5:10:inhale", "--framing", "torso", "--clothing", "dark", "--tape", "2", "--clap", "both",
            "--stand-sway", "4", "--exposure-drift", "0.1", "--jpeg-quality", "25"]
    assert main(args) == 0
    truth = Truth.read(tmp_path / "real.truth.json")
    assert len(_frames(out)) == 150
    (hold,) = truth.holds  # breathe in and hold, still holding at the end
    assert hold.open and hold.end == 5.0 and hold.after == "inhale" and hold.start < 2.0
    extra = truth.extra
    assert extra["clothing"] == "dark" and extra["tape_strips"] == 2 and len(extra["tape_boxes"]) == 2
    assert extra["clap"] == "both" and len(extra["hands_s"]) == 2 and len(extra["jolt_s"]) == 2
    assert extra["stand_sway_px"] == 4.0 and extra["stand_sway"]["peak_px"] == 4.0
    assert extra["jpeg_quality"] == 25 and len(extra["exposure"]["gain"]) == 150
    with pytest.raises(SystemExit):  # argparse refuses what is not offered
        main([str(out), "--seconds", "2", "--clothing", "plaid"])
    assert main([str(out), "--seconds", "2", "--jpeg-quality", "0"]) == 2  # refused before rendering


def test_conditions_off_leave_the_truth_as_before(tmp_path, short_breathing):
    from breathcam.simulate.render import render_clip

    path = render_clip(short_breathing, tmp_path / "plain.avi", width=SMALL_W, height=SMALL_H, codec="MJPG")
    extra = Truth.read(tmp_path / "plain.truth.json").extra
    for key in ("clap", "claps", "hands_s", "stand_sway", "exposure", "jpeg_quality", "clothing", "side", "tape_boxes"):
        assert key not in extra
    assert path.exists()


def test_bad_conditions_are_refused(tmp_path, short_breathing):
    from breathcam.simulate.render import iter_frames, render_clip
    from breathcam.simulate.side import build_side_scene

    for bad in (dict(clap="snap"), dict(clothing="plaid"), dict(jpeg_quality=0), dict(exposure_drift=1.5), dict(stand_sway_px=-1)):
        with pytest.raises(ParameterError):
            render_clip(short_breathing, tmp_path / "x.avi", width=SMALL_W, height=SMALL_H, codec="MJPG", **bad)
    assert not (tmp_path / "x.avi").exists()
    scene = build_side_scene(SMALL_W, SMALL_H, seed=0)
    with pytest.raises(ParameterError):  # more sway than the drawn torso has room for
        next(iter_frames(short_breathing, scene, stand_sway_px=40.0))
