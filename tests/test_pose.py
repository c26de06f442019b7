"""Torso regions: real mediapipe on the bundled stills, pure geometry, the motion fallback."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import time

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")
mp = pytest.importorskip("mediapipe")

from breathcam.capture.pose import (  # noqa: E402
    Landmark,
    PoseLandmarks,
    TorsoLocator,
    classify_view,
    fit_box,
    motion_regions,
    regions_from_landmarks,
    smooth_regions,
)
from breathcam.config import DEFAULT  # noqa: E402
from breathcam.types import Box, Frame, ParameterError  # noqa: E402

W, H = 640, 480
CFG = DEFAULT.pose


def fit_640x480(img: np.ndarray) -> np.ndarray:
    """Resize to fit 640x480 and pad with black (BGR in, BGR out)."""
    h, w = img.shape[:2]
    s = min(W / w, H / h)
    r = cv2.resize(img, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
    out = np.zeros((H, W, 3), np.uint8)
    y, x = (H - r.shape[0]) // 2, (W - r.shape[1]) // 2
    out[y : y + r.shape[0], x : x + r.shape[1]] = r
    return out


@pytest.fixture(scope="module")
def stills() -> dict[str, np.ndarray]:
    skimage_data = pytest.importorskip("skimage.data")
    cbook = pytest.importorskip("matplotlib.cbook")
    astronaut = cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR)
    hopper = cv2.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    return {"astronaut": astronaut, "grace_hopper": hopper}


def mediapipe_points(img: np.ndarray) -> dict[str, np.ndarray]:
    """Shoulders and mouth straight from mediapipe, independent of the code under test."""
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        res = pose.process(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    lm = res.pose_landmarks.landmark
    pt = lambda i: np.array([lm[i].x * img.shape[1], lm[i].y * img.shape[0]])  # noqa: E731
    return {"ls": pt(11), "rs": pt(12), "mouth": (pt(9) + pt(10)) / 2, "nose": pt(0)}


def inside(box: Box, w: int = W, h: int = H) -> bool:
    return 0 <= box.x0 < box.x1 <= w - 1 and 0 <= box.y0 < box.y1 <= h - 1


def frames_of(images, *, fps: float, t0: float = 0.0, start_index: int = 0):
    return [Frame(index=start_index + i, t_s=t0 + i / fps, image=img) for i, img in enumerate(images)]


def jittered(img: np.ndarray, n: int, *, amp_px: float = 2.0, seed: int = 0) -> list[np.ndarray]:
    """n copies shifted by a slow sub-breath-sized sinusoid plus sensor noise."""
    rng = np.random.default_rng(seed)
    noise_bank = [rng.normal(0, 2.0, img.shape).round().astype(np.int16) for _ in range(5)]
    out = []
    for i in range(n):
        dy = amp_px * math.sin(2 * math.pi * 0.25 * i / 30.0)
        m = np.float32([[1, 0, 0], [0, 1, dy]])
        shifted = cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT)
        out.append(np.clip(shifted + noise_bank[i % 5], 0, 255).astype(np.uint8))
    return out


# ------------------------------------------------------------------------------------------------
# real pose on the bundled stills
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_stills_front_view_regions(stills, name):
    img = fit_640x480(stills[name])
    truth = mediapipe_points(img)
    with TorsoLocator() as loc:
        r = loc.locate(Frame(index=0, t_s=0.0, image=img))
        assert loc.pose_found == 1.0 and loc.pose_runs == 1
        notes = loc.notes
    assert r.method == "pose" and r.view == "front" and r.confidence > 0.5
    xs = sorted([truth["ls"][0], truth["rs"][0]])
    shoulder_y = 0.5 * (truth["ls"][1] + truth["rs"][1])
    sep = xs[1] - xs[0]
    # chest: between the shoulders, below the chin (mouth), not far below the shoulder line
    assert xs[0] - 0.1 * sep <= r.chest.x0 < r.chest.x1 <= xs[1] + 0.1 * sep
    assert r.chest.width >= 0.5 * sep
    assert r.chest.y0 > truth["mouth"][1] + 0.1 * sep
    assert r.chest.y0 < shoulder_y + 0.5 * sep
    # belly: below the chest (right below it when the frame holds it), narrower than the shoulders
    assert r.belly.y0 > r.chest.center[1] and r.belly.center[1] > r.chest.center[1]
    if not any("belly region mostly outside" in n for n in notes):
        assert r.belly.y0 >= r.chest.y1 - 2
    assert r.belly.width < sep
    # shoulders band holds both shoulder points; the head box holds the nose
    sx0, sy0, sx1, sy1 = r.shoulders.x0, r.shoulders.y0, r.shoulders.x1, r.shoulders.y1
    for p in (truth["ls"], truth["rs"]):
        assert sx0 <= p[0] <= sx1 and sy0 <= p[1] <= sy1
    assert r.reference is not None
    assert r.reference.x0 <= truth["nose"][0] <= r.reference.x1 and r.reference.y0 <= truth["nose"][1] <= r.reference.y1
    for box in (r.chest, r.belly, r.shoulders, r.reference):
        assert inside(box) and min(box.width, box.height) >= CFG.min_box_px


def test_grace_hopper_hips_out_of_frame_gives_clipped_belly_and_notes(stills):
    img = fit_640x480(stills["grace_hopper"])
    with TorsoLocator() as loc:
        r = loc.locate(Frame(index=0, t_s=0.0, image=img))
        notes = loc.notes
    assert any("hips out of frame" in n for n in notes)
    assert any("belly region mostly outside the frame" in n for n in notes)
    assert not r.belly_in_view  # nothing is measured on a belly that is mostly out of the picture
    assert r.belly.y1 == H - 1 and inside(r.belly) and r.belly.height >= CFG.min_box_px
    assert r.confidence <= CFG.estimated_length_confidence


def test_regions_are_stable_between_runs_and_pose_runs_at_interval(stills):
    """300 frames at 30 fps: pose runs once per interval_s; boxes are held in between and move
    little from run to run although the person shifts by +-2 px (breathing-sized)."""
    img = fit_640x480(stills["astronaut"])
    frames = frames_of(jittered(img, 300), fps=30.0)
    with TorsoLocator() as loc:
        calls = []
        real = loc._pose.process
        loc._pose.process = lambda image: calls.append(1) or real(image)
        t0 = time.perf_counter()
        regions = [loc.locate(f) for f in frames]
        elapsed = time.perf_counter() - t0
        assert loc.pose_found == 1.0
    expected_runs = math.ceil(frames[-1].t_s / CFG.interval_s)
    assert abs(len(calls) - expected_runs) <= 1 and loc.pose_runs == len(calls)
    chest = np.array([r.chest.as_int() for r in regions], float)
    changes = np.flatnonzero(np.any(np.diff(chest, axis=0) != 0, axis=1))
    assert len(changes) <= len(calls)  # boxes change only when pose ran
    steps = np.abs(np.diff(chest, axis=0))[changes]
    # and then only a little: mediapipe's landmarks wander by 5-20 px between runs (more while its
    # tracker settles), smoothing passes a fraction of it
    assert steps.max() <= 0.08 * min(regions[0].chest.width, regions[0].chest.height)
    assert np.median(steps.max(axis=1)) <= 2.0
    assert all(r.method == "pose" and r.view == "front" for r in regions)
    assert [r.t_s for r in regions] == [f.t_s for f in frames]
    print(f"\nlocate: {len(frames) / elapsed:.0f} frames/s over {len(frames)} frames 640x480 at 30 fps "
          f"({len(calls)} pose runs)")


def test_torso_only_crop_still_gives_sensible_regions(stills):
    # head cut off: keep the image from the shoulders' top down
    img = stills["astronaut"]
    crop = fit_640x480(img[230:, :])
    frames = frames_of(jittered(crop, 60, amp_px=3.0), fps=30.0)
    with TorsoLocator() as loc:
        regions = [loc.locate(f) for f in frames]
    r = regions[-1]
    assert r.method in ("pose", "motion")
    for box in (r.chest, r.belly):
        assert inside(box) and min(box.width, box.height) >= CFG.min_box_px
        assert box.width * box.height >= 0.02 * W * H  # a torso-sized region, not a speck
    assert r.chest.center[1] < r.belly.center[1]
    assert r.belly.y0 >= r.chest.y0


def test_noise_frames_give_central_motion_fallback_and_no_pose():
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(90)]
    with TorsoLocator() as loc:
        regions = [loc.locate(f) for f in frames_of(images, fps=30.0)]
        assert loc.pose_found == 0.0
        # retried at retry_interval_s, not every interval_s
        assert loc.pose_runs == 1 + int((89 / 30.0) // CFG.retry_interval_s)
        notes = loc.notes
    assert any("no person found by pose; torso located from motion" in n for n in notes)
    for r in regions:
        assert r.method == "motion" and r.view == "unknown" and r.shoulders is None and r.reference is None
        assert inside(r.chest) and inside(r.belly) and r.chest.center[1] < r.belly.center[1]
    # uniform noise: nothing stands out, the centre of the frame is used
    cx = 0.5 * (regions[-1].chest.x0 + regions[-1].chest.x1)
    assert abs(cx - W / 2) < 2 and any("centre of the frame" in n for n in notes)


def test_blank_frames_and_moving_patch_fallback():
    """A flat scene where only a textured patch (lower left) moves: the fallback finds it."""
    rng = np.random.default_rng(5)
    texture = rng.integers(0, 256, (140, 120, 3), dtype=np.uint8)
    texture = cv2.GaussianBlur(texture, (5, 5), 1.5)
    images = []
    for i in range(75):  # 5 s at 15 fps
        img = np.full((H, W, 3), 90, np.uint8)
        dy = int(round(4 * math.sin(2 * math.pi * 0.3 * i / 15.0)))
        img[300 + dy : 440 + dy, 60:180] = texture
        img = np.clip(img + rng.normal(0, 1.0, img.shape), 0, 255).astype(np.uint8)
        images.append(img)
    with TorsoLocator() as loc:
        regions = [loc.locate(f) for f in frames_of(images, fps=15.0)]
        assert loc.pose_found == 0.0
    r = regions[-1]
    assert r.method == "motion"
    union = Box(min(r.chest.x0, r.belly.x0), r.chest.y0, max(r.chest.x1, r.belly.x1), r.belly.y1)
    assert union.x0 <= 120 <= union.x1 and union.y0 <= 370 <= union.y1  # patch centre inside
    assert union.center[0] < W / 2 - 60 and union.center[1] > H / 2 + 40  # not the central guess
    # pure: a still scene (std exactly 0) gives the centre, not an error
    central, moving = motion_regions(np.zeros((120, 160)), width=W, height=H, t_s=0.0)
    assert not moving and abs(central.chest.center[0] - W / 2) < 1


def test_person_walks_away_and_comes_back(stills):
    person = fit_640x480(stills["grace_hopper"])
    rng = np.random.default_rng(9)
    empty = np.full((H, W, 3), 60, np.uint8)
    fps = 15.0
    noise = [np.clip(empty + rng.normal(0, 2, empty.shape), 0, 255).astype(np.uint8) for _ in range(5)]
    images = jittered(person, 15) + [noise[i % 5] for i in range(75)] + jittered(person, 45, seed=1)
    with TorsoLocator() as loc:
        regions = [loc.locate(f) for f in frames_of(images, fps=fps)]
        notes = loc.notes
        assert 0.0 < loc.pose_found < 1.0
    assert regions[10].method == "pose"
    # held for lost_after_s after the last success, then the fallback
    lost_at = 15 + int(CFG.lost_after_s * fps) + int(CFG.interval_s * fps) + 1
    assert all(r.method == "motion" for r in regions[lost_at:90])
    assert any(n.startswith("person lost by pose at") for n in notes)
    # found again within retry_interval_s of coming back
    back = 90 + int(CFG.retry_interval_s * fps) + 1
    assert all(r.method == "pose" for r in regions[back:])
    assert any(n.startswith("person found by pose at") for n in notes)


def test_times_must_increase(stills):
    img = np.zeros((H, W, 3), np.uint8)
    with TorsoLocator() as loc:
        loc.locate(Frame(0, 1.0, img))
        with pytest.raises(ParameterError, match="strictly increase"):
            loc.locate(Frame(1, 1.0, img))


def test_mediapipe_start_up_noise_is_filtered():
    code = (
        "import numpy as np\n"
        "from breathcam.capture.pose import TorsoLocator\n"
        "from breathcam.types import Frame\n"
        "loc = TorsoLocator()\n"
        "loc.locate(Frame(0, 0.0, np.zeros((120, 160, 3), np.uint8)))\n"
        "loc.close()\n"
        "import sys; sys.stderr.write('real error passes\\n')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "inference_feedback_manager" not in out.stderr and "InitializeLog" not in out.stderr
    assert "real error passes" in out.stderr


# ------------------------------------------------------------------------------------------------
# pure geometry on synthetic landmarks
# ------------------------------------------------------------------------------------------------


def synthetic_landmarks(points: dict[Landmark, tuple[float, float]], *, w=W, h=H, vis=0.99) -> PoseLandmarks:
    xy = np.full((len(Landmark), 2), -100.0)
    v = np.zeros(len(Landmark))
    for k, p in points.items():
        xy[k] = p
        v[k] = vis
    return PoseLandmarks(xy_px=xy, visibility=v, width=w, height=h)


def test_front_view_geometry_with_hips():
    L = Landmark
    lm = synthetic_landmarks({
        L.LEFT_SHOULDER: (400, 150), L.RIGHT_SHOULDER: (240, 150),
        L.LEFT_HIP: (380, 370), L.RIGHT_HIP: (260, 370),
        L.NOSE: (320, 80), L.LEFT_EAR: (350, 70), L.RIGHT_EAR: (290, 70),
    })
    r, notes = regions_from_landmarks(lm, t_s=1.5)
    assert notes == () and r.view == "front" and r.method == "pose" and r.t_s == 1.5
    Lpx, sep = 220.0, 160.0
    assert r.chest.y0 == pytest.approx(150 + CFG.chest_top * Lpx)
    assert r.chest.y1 == pytest.approx(150 + CFG.chest_bottom * Lpx)
    assert r.chest.width == pytest.approx(CFG.chest_width * sep)
    assert r.belly.y0 == pytest.approx(150 + CFG.belly_top * Lpx)
    assert r.belly.y1 == pytest.approx(150 + CFG.belly_bottom * Lpx)
    assert r.belly.width == pytest.approx(CFG.belly_width * sep)
    assert r.belly.center[0] == pytest.approx(320)
    assert r.shoulders.y0 < 150 < r.shoulders.y1 and r.shoulders.x0 < 240 and r.shoulders.x1 > 400
    assert r.reference.y1 < r.shoulders.y1 and r.confidence == pytest.approx(0.99)


def test_side_view_and_lying_down_geometry():
    L = Landmark
    # side view, facing right: shoulders almost on top of each other, head and nose to the right
    side = synthetic_landmarks({
        L.LEFT_SHOULDER: (300, 200), L.RIGHT_SHOULDER: (310, 205), L.LEFT_EAR: (300, 110), L.NOSE: (350, 120),
    })
    r, notes = regions_from_landmarks(side, t_s=0.0)
    assert r.view == "side" and any("hips" in n for n in notes)
    length = CFG.torso_per_head_drop * (202.5 - 110)
    assert r.chest.width == pytest.approx(CFG.side_depth * length, rel=0.05)
    assert r.chest.center[0] > 305  # shifted toward where the person faces
    assert r.belly.center[1] > r.chest.center[1] + 0.3 * length
    # lying down (head left, hips right): boxes follow the torso axis
    lying = synthetic_landmarks({
        L.LEFT_SHOULDER: (150, 320), L.RIGHT_SHOULDER: (150, 160),
        L.LEFT_HIP: (400, 300), L.RIGHT_HIP: (400, 180), L.NOSE: (80, 240),
    })
    r, _ = regions_from_landmarks(lying, t_s=0.0)
    assert r.view == "front"
    assert r.chest.width < r.chest.height and r.belly.center[0] > r.chest.center[0] + 60
    # no shoulder seen: nothing from pose
    assert regions_from_landmarks(synthetic_landmarks({L.NOSE: (300, 100)}), t_s=0.0) == (None, ())


def test_view_thresholds():
    kw = dict(width=W, config=CFG)
    assert classify_view(sep_px=150, both_shoulders=True, length_px=200, **kw) == "front"
    assert classify_view(sep_px=70, both_shoulders=True, length_px=200, **kw) == "unknown"
    assert classify_view(sep_px=30, both_shoulders=True, length_px=200, **kw) == "side"
    assert classify_view(sep_px=150, both_shoulders=False, length_px=200, **kw) == "side"
    assert classify_view(sep_px=300, both_shoulders=True, length_px=None, **kw) == "front"
    assert classify_view(sep_px=100, both_shoulders=True, length_px=None, **kw) == "unknown"


def test_boxes_never_degenerate_and_smoothing():
    b = fit_box(Box(700, 500, 900, 600), width=W, height=H, min_px=24)  # entirely outside
    assert inside(b) and b.width == 24 and b.height == 24
    b = fit_box(Box(10, 10, 12, 11), width=W, height=H, min_px=24)
    assert b.width == 24 and b.height == 24 and b.x0 == 0
    mk = lambda x: dataclasses.replace(  # noqa: E731
        regions_from_landmarks(
            synthetic_landmarks({Landmark.LEFT_SHOULDER: (400 + x, 150), Landmark.RIGHT_SHOULDER: (240 + x, 150),
                                 Landmark.LEFT_HIP: (380 + x, 370), Landmark.RIGHT_HIP: (260 + x, 370)}),
            t_s=0.0,
        )[0]
    )
    held, target = mk(0), mk(10)
    s = smooth_regions(held, target)
    assert s.chest.x0 == pytest.approx(held.chest.x0 + CFG.smoothing * 10)
    jump = smooth_regions(held, mk(200))  # the person moved: snap
    assert jump.chest == mk(200).chest


def test_person_seen_only_with_evidence():
    """Fresh noise every frame: pose finds nobody and no region moves more than the rest."""
    rng = np.random.default_rng(5)
    with TorsoLocator() as loc:
        for i in range(15 * 12):
            loc.locate(Frame(index=i, t_s=i / 15.0, image=rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)))
        assert loc.pose_found == 0.0
        assert not loc.person_seen


def test_arms_folded_across_the_torso_are_flagged_one_hand_on_the_belly_is_not():
    L = Landmark
    base = {
        L.LEFT_SHOULDER: (400, 150), L.RIGHT_SHOULDER: (240, 150),
        L.LEFT_HIP: (380, 370), L.RIGHT_HIP: (260, 370),
        L.NOSE: (320, 80), L.LEFT_EAR: (350, 70), L.RIGHT_EAR: (290, 70),
    }
    folded = {**base, L.LEFT_WRIST: (290, 210), L.RIGHT_WRIST: (350, 300)}
    r, notes = regions_from_landmarks(synthetic_landmarks(folded), t_s=0.0)
    assert r.arms_on_torso and any("arms across" in n for n in notes)
    one_hand = {**base, L.LEFT_WRIST: (320, 300), L.RIGHT_WRIST: (200, 360)}
    r, notes = regions_from_landmarks(synthetic_landmarks(one_hand), t_s=0.0)
    assert not r.arms_on_torso and not any("arms across" in n for n in notes)
    at_sides = {**base, L.LEFT_WRIST: (430, 380), L.RIGHT_WRIST: (210, 380)}
    assert not regions_from_landmarks(synthetic_landmarks(at_sides), t_s=0.0)[0].arms_on_torso


def test_a_moving_body_is_followed_closely(stills):
    """The person steps 30 px down at 4 s (after mediapipe's tracker has settled): while the
    tracker says the body moves, pose runs every moving_interval_s and the regions follow at once;
    without that word they are smoothed in over seconds."""
    img = fit_640x480(stills["astronaut"])
    down = cv2.warpAffine(img, np.float32([[1, 0, 0], [0, 1, 30]]), (W, H), borderMode=cv2.BORDER_REFLECT)
    frames = frames_of(jittered(img, 120, amp_px=0.5) + jittered(down, 150, amp_px=0.5, seed=1), fps=30.0)
    step = 120  # first frame after the move
    runs, ys = {}, {}
    for follow in (False, True):
        with TorsoLocator() as loc:
            regions = [loc.locate(f, body_moving=follow and 4.0 <= f.t_s < 4.2) for f in frames]
            runs[follow] = loc.pose_runs
        ys[follow] = np.array([r.chest.center[1] for r in regions])
    before, after = ys[False][step - 1], ys[False][-1]  # settled on each image (9 s)
    assert 20.0 <= after - before <= 50.0, (before, after)
    soon = step + 3  # 0.1 s after the move
    covered = {k: (y[soon] - before) / (after - before) for k, y in ys.items()}
    assert covered[True] >= 0.7 and covered[False] <= 0.4, covered
    assert abs(ys[True][-1] - after) <= 8.0, (ys[True][-1], after)
    # one run per 0.5 s, plus one per 0.1 s over the second after the move
    assert runs[True] >= runs[False] + 6, runs
