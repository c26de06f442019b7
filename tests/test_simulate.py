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
    assert abs(dx) < 0.3
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
    import mediapipe as mp

    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        return pose.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).pose_landmarks


def test_torso_framing_has_no_face(tmp_path):
    from breathcam.simulate.render import render_clip

    b = simulate_breathing(duration_s=1.0, rate_bpm=12.0, seed=0)
    path = render_clip(b, tmp_path / "torso.mp4", width=640, height=480, framing="torso")
    frame = _frames(path)[0]
    landmarks = _pose(frame)
    assert landmarks is None or landmarks.landmark[0].y < 0 or landmarks.landmark[0].visibility < 0.5
    assert Truth.read(tmp_path / "torso.truth.json").extra["face_in_frame"] is False
    # The full framing of the same still does show a face: the check above is not vacuous.
    full = render_clip(b, tmp_path / "full.mp4", width=640, height=480)
    found = _pose(_frames(full)[0])
    assert found is not None and 0 < found.landmark[0].y < 1


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
