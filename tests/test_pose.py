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
    still_landmarks,
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
    lm, _ = still_landmarks(img)
    pt = lambda i: lm.xy_px[i].copy()  # noqa: E731
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
    # shoulders band holds both shoulder points (within 3 % of their separation: mediapipe's points
    # on the locator's square crop and on the whole frame differ by up to 10 px on the astronaut's
    # spacesuit); the head box holds the nose
    sx0, sy0, sx1, sy1 = r.shoulders.x0, r.shoulders.y0, r.shoulders.x1, r.shoulders.y1
    tol = 0.03 * sep
    for p in (truth["ls"], truth["rs"]):
        assert sx0 - tol <= p[0] <= sx1 + tol and sy0 - tol <= p[1] <= sy1 + tol
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
        loc._pose.process = lambda image, **kw: calls.append(1) or real(image, **kw)
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
    # over the front of the torso, toward where the person faces (the arm hangs at the shoulders)
    assert r.chest.width == pytest.approx(CFG.side_box_depth * length, rel=0.05)
    assert r.chest.x1 == pytest.approx(305 + CFG.side_box_front * length, rel=0.02)
    assert r.chest.x0 > 305
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


# ------------------------------------------------------------------------------------------------
# the person's outline: pure geometry on synthetic silhouettes
# ------------------------------------------------------------------------------------------------


def silhouette(w: int, h: int, polygons, *, circles=(), model_w: int = 256) -> np.ndarray:
    """A segmentation-like probability map (1 on the person, 0 elsewhere) at the model's width."""
    m = np.zeros((h, w), np.uint8)
    for poly in polygons:
        cv2.fillPoly(m, [np.array(poly, np.int32)], 1)
    for (cx, cy, r) in circles:
        cv2.circle(m, (cx, cy), r, 1, -1)
    small = cv2.resize(m.astype(np.float32), (model_w, int(round(h * model_w / w))), interpolation=cv2.INTER_AREA)
    return small


# a torso-only front view, 560x368: shoulders and arms cut by the top edge, hips by the bottom
FRONT_W, FRONT_H = 560, 368
FRONT_TORSO = [(100, 0), (460, 0), (470, 200), (440, 368), (120, 368), (90, 200)]


def test_outline_locates_a_headless_front_torso():
    from breathcam.capture.pose import person_outline, regions_from_outline

    o = person_outline(silhouette(FRONT_W, FRONT_H, [FRONT_TORSO]), width=FRONT_W, height=FRONT_H)
    assert o is not None and o.grounded
    r, notes = regions_from_outline(o, t_s=2.0)
    assert r.method == "motion" and r.view == "front" and r.t_s == 2.0
    assert any("shoulder line is taken at the frame's top edge" in n for n in notes)
    assert r.shoulders is None and r.reference is None  # both are above the picture
    # a torso-sized length from the body's width (about 370 px here), not a speck, not the frame
    assert 0.6 * FRONT_H < r.torso_px < 1.2 * FRONT_H
    # chest high on the body, belly below it, both on the person and centred on the body
    assert r.chest.y0 < 0.15 * FRONT_H and r.chest.y1 < r.belly.y0 <= r.belly.y1
    for box in (r.chest, r.belly):
        assert o.coverage(box) > 0.95
        assert abs(box.center[0] - 280) < 10
        assert 0.3 * 370 < box.width < 0.7 * 370  # inside the arms


def test_outline_with_a_head_finds_the_shoulder_line_and_the_head():
    from breathcam.capture.pose import person_outline, regions_from_outline

    # seated at a webcam: head (circle) and neck above shoulders 500 px wide, cut at the bottom
    body = [(300, 150), (340, 150), (345, 185), (570, 215), (600, 480), (40, 480), (70, 215), (295, 185)]
    o = person_outline(silhouette(W, H, [body], circles=[(320, 95, 60)]), width=W, height=H)
    r, notes = regions_from_outline(o, t_s=0.0)
    assert not any("top edge" in n for n in notes)
    assert 185 <= r.shoulders.center[1] <= 240  # the shoulder line, where the outline widens
    assert r.reference is not None and r.reference.y0 < 95 < r.reference.y1 and r.reference.x0 < 320 < r.reference.x1
    assert r.chest.y0 > 185 and abs(r.chest.center[0] - 320) < 15
    assert not r.belly_in_view and any("belly region mostly outside" in n for n in notes)


def test_outline_that_does_not_reach_the_bottom_places_nothing():
    from breathcam.capture.pose import person_outline, regions_from_outline

    # a lone head, or a patch of clothing the model half recognised: it floats in the frame
    o = person_outline(silhouette(W, H, [], circles=[(320, 150, 90)]), width=W, height=H)
    assert o is not None and not o.grounded
    assert regions_from_outline(o, t_s=0.0) == (None, ())
    # specks are nobody; noise is nobody
    assert person_outline(silhouette(W, H, [], circles=[(50, 50, 10)]), width=W, height=H) is None
    assert person_outline(np.full((10, 10), np.nan), width=W, height=H) is None


def test_pose_torso_far_smaller_than_the_outline_is_rejected():
    from breathcam.capture.pose import outline_dwarfs_torso, person_outline

    L = Landmark
    o = person_outline(silhouette(FRONT_W, FRONT_H, [FRONT_TORSO]), width=FRONT_W, height=FRONT_H)

    def check(points, outline=o):
        lm = synthetic_landmarks(points, w=FRONT_W, h=FRONT_H)
        r, _ = regions_from_landmarks(lm, t_s=0.0)
        return outline_dwarfs_torso(r, outline, landmarks=lm)

    # a "torso" in the neckline: shoulder points 40 px apart where the person is 360 px wide
    neckline = {L.LEFT_SHOULDER: (300, 40), L.RIGHT_SHOULDER: (260, 42), L.LEFT_HIP: (296, 130), L.RIGHT_HIP: (266, 128)}
    assert check(neckline)
    # the person's own shoulders, near the outline's edges: kept
    real = {L.LEFT_SHOULDER: (410, 12), L.RIGHT_SHOULDER: (150, 12), L.LEFT_HIP: (390, 360), L.RIGHT_HIP: (170, 360)}
    assert not check(real)
    # an object held at one side widens the outline at the belly, not at the shoulders: kept
    bag = person_outline(
        silhouette(FRONT_W, FRONT_H, [FRONT_TORSO, [(460, 150), (560, 150), (560, 330), (460, 330)]]),
        width=FRONT_W, height=FRONT_H,
    )
    assert not check(real, bag)
    # no outline, or one that misses the clothing: pose stands
    assert not check(neckline, None)
    head_only = person_outline(silhouette(FRONT_W, FRONT_H, [], circles=[(280, 60, 50)]), width=FRONT_W, height=FRONT_H)
    assert not check(real, head_only)


def side_outline(w: int, h: int, *, shoulder_x: float, L: float, front: float, back: float = 0.3, top: int = 60):
    """A profile facing +x: the body from ``back`` to ``front`` torso lengths about the shoulders."""
    return silhouette(w, h, [[(shoulder_x - back * L, top), (shoulder_x + 0.2 * L, top),
                              (shoulder_x + front * L, top + 0.2 * L), (shoulder_x + front * L, h),
                              (shoulder_x - back * L, h)]])


def side_landmarks(*, mirror: bool = False, nose: bool = True, w: int = 640, h: int = 427):
    """Profile facing +x (or -x mirrored), head mostly out of frame, arm hanging: upper arm 188 px."""
    L = Landmark
    pts = {L.LEFT_SHOULDER: (300.0, 100.0), L.RIGHT_SHOULDER: (306.0, 104.0), L.LEFT_ELBOW: (310.0, 290.0),
           L.LEFT_EAR: (322.0, 45.0)}
    if nose:
        pts[L.NOSE] = (352.0, 60.0)
    lm = synthetic_landmarks({k: ((w - 1 - x) if mirror else x, y) for k, (x, y) in pts.items()}, w=w, h=h)
    depth = np.zeros(len(L))
    depth[L.LEFT_SHOULDER], depth[L.RIGHT_SHOULDER] = (-300.0, 0.0) if mirror else (300.0, 0.0)
    return dataclasses.replace(lm, depth_px=depth)


def test_side_view_torso_from_the_arm_and_boxes_on_the_front_of_the_body():
    from breathcam.capture.pose import person_outline

    lm = side_landmarks()
    upper_arm = float(np.linalg.norm(np.array([310.0, 290.0]) - np.array([300.0, 100.0])))
    r, notes = regions_from_landmarks(lm, t_s=0.0)
    assert r.view == "side"
    # the torso length comes from the hanging upper arm, not from the (half-hidden) head's drop
    assert r.torso_px == pytest.approx(CFG.torso_per_upper_arm * upper_arm, rel=0.01)
    L, sx = r.torso_px, 303.0
    for box in (r.chest, r.belly):
        # ahead of the shoulders and of the hanging arm (elbow at x=310), toward the face
        assert box.x0 > 310 and box.x1 == pytest.approx(sx + CFG.side_box_front * L, abs=2)
    # with the outline: the front edge follows the body's front contour (a belly 0.55 L ahead)
    o = person_outline(side_outline(640, 427, shoulder_x=sx, L=L, front=0.55), width=640, height=427)
    r2, notes2 = regions_from_landmarks(lm, t_s=0.0, outline=o)
    assert any("front contour" in n for n in notes2)
    contour = sx + 0.55 * L
    assert r2.belly.x1 == pytest.approx(contour + CFG.side_contour_margin * L, abs=4)
    assert r2.belly.width == pytest.approx(CFG.side_box_depth * L, abs=2)
    assert o.coverage(r2.belly) > 0.8 and r2.belly.x0 > 310
    # an outline that lost the shirt (its front edge barely ahead of the shoulders) is ignored
    lost = person_outline(side_outline(640, 427, shoulder_x=sx, L=L, front=0.1), width=640, height=427)
    r3, notes3 = regions_from_landmarks(lm, t_s=0.0, outline=lost)
    assert r3.chest == r.chest and r3.belly == r.belly and not any("front contour" in n for n in notes3)


def test_side_view_facing_from_shoulder_depths_when_the_nose_is_out_of_frame():
    for mirror in (False, True):
        r, _ = regions_from_landmarks(side_landmarks(mirror=mirror, nose=False), t_s=0.0)
        assert r.view == "side"
        shoulder_x = (639 - 303.0) if mirror else 303.0
        # the boxes lie on the side the person faces, left when mirrored
        if mirror:
            assert r.chest.x1 < shoulder_x and r.belly.x1 < shoulder_x
        else:
            assert r.chest.x0 > shoulder_x and r.belly.x0 > shoulder_x
        # ... and the regions carry that facing to the tracker, whatever a head box would suggest
        from breathcam.capture.tracker import _facing

        assert r.facing == (-1.0 if mirror else 1.0)
        behind = Box(r.chest.x0 - 200, 0, r.chest.x0 - 150, 50) if not mirror else Box(r.chest.x1 + 150, 0, r.chest.x1 + 200, 50)
        assert _facing(dataclasses.replace(r, reference=behind), DEFAULT.motion) == r.facing


def test_view_from_the_shoulder_lines_turn():
    kw = dict(width=W, config=CFG)
    # a three-quarter ratio, but pose's depths say the shoulder line is turned 70 deg: side
    assert classify_view(sep_px=90, both_shoulders=True, length_px=250, **kw) == "unknown"
    assert classify_view(sep_px=90, both_shoulders=True, length_px=250, rotation_deg=70.0, **kw) == "side"
    assert classify_view(sep_px=150, both_shoulders=True, length_px=200, rotation_deg=10.0, **kw) == "front"
    # a webcam framing cutting one shoulder at the frame's edge, facing the camera: still front
    L = Landmark
    lm = synthetic_landmarks({L.LEFT_SHOULDER: (660.0, 400.0), L.RIGHT_SHOULDER: (330.0, 405.0),
                              L.NOSE: (495.0, 200.0), L.LEFT_EAR: (560.0, 190.0), L.RIGHT_EAR: (430.0, 190.0)})
    lm = dataclasses.replace(lm, depth_px=np.zeros(len(L)))
    r, _ = regions_from_landmarks(lm, t_s=0.0)
    assert r.view == "front" and abs(r.chest.center[0] - 495.0) < 20


# ------------------------------------------------------------------------------------------------
# the view and the facing from the outline alone (pose found nobody)
# ------------------------------------------------------------------------------------------------


def test_outline_tells_a_front_view_from_a_side_view():
    from breathcam.capture.pose import outline_shape, person_outline

    def shape(polys, circles=(), w=W, h=H):
        return outline_shape(person_outline(silhouette(w, h, polys, circles=circles), width=w, height=h))

    # a torso facing the camera, head cut by the frame: as wide as the picture is tall
    front = shape([FRONT_TORSO], w=FRONT_W, h=FRONT_H)
    assert front.view == "front" and front.cut and front.aspect > CFG.outline_front_min_aspect
    # seated at a webcam, head in view: a head a third of the shoulders' width, a wide outline
    seated = [(300, 150), (340, 150), (345, 185), (570, 215), (600, 480), (40, 480), (70, 215), (295, 185)]
    s = shape([seated], circles=[(320, 95, 60)])
    assert s.view == "front" and s.head_ratio < CFG.outline_head_front_max
    # standing side-on, head cut: a body 130 px deep over 480 px of picture
    side = shape([[(250, 0), (380, 0), (385, 240), (375, 480), (255, 480), (245, 240)]])
    assert side.view == "side" and side.aspect < CFG.outline_side_max_aspect
    # ... its torso length from the body's depth, not from the frame (the frame shows 480 px)
    assert side.length_px == pytest.approx(130 / CFG.outline_side_depth_per_torso, rel=0.1)
    # side-on with a head in profile: the head nearly as deep as the chest, a neck between
    profile = [(272, 150), (330, 150), (380, 200), (385, 480), (245, 480), (250, 200)]
    p = shape([profile], circles=[(300, 100, 52)])
    assert p.view == "side" and p.head_ratio > CFG.outline_head_side_min and not p.cut
    assert 150 <= p.shoulder_y <= 210  # below the neck, where the outline widens to the chest
    # a whole body facing the camera: narrow over its height (legs) but a small head: unclear
    body = [(300, 90), (340, 90), (345, 110), (420, 125), (425, 240), (395, 260), (390, 480), (250, 480),
            (245, 260), (215, 240), (220, 125), (295, 110)]
    whole = shape([body], circles=[(320, 55, 38)])
    assert whole.aspect < CFG.outline_side_max_aspect and whole.head_ratio < CFG.outline_head_front_max
    assert whole.view == "unknown"


def test_walls_that_breathe_tell_the_facing():
    from breathcam.capture.pose import facing_from_walls, person_outline, wall_motion

    # a body 130 px deep (x 250-380 of 640), dark on a light wall; motion map at 160 px wide
    o = person_outline(silhouette(W, H, [[(250, 0), (380, 0), (380, 480), (250, 480)]]), width=W, height=H)
    still = np.full((120, 160), 200.0)
    still[:, 63:95] = 40.0  # columns 250/4 .. 380/4
    def spread(left: float, right: float) -> np.ndarray:
        s = np.full((120, 160), 0.2)
        s[:, 61:65] = left
        s[:, 93:97] = right
        return s

    kw = dict(y0=100.0, y1=400.0, config=CFG)
    front_right = wall_motion(o, spread(2.0, 8.0), still, **kw)
    assert facing_from_walls(front_right, config=CFG) == 1.0
    assert facing_from_walls(wall_motion(o, spread(8.0, 2.0), still, **kw), config=CFG) == -1.0
    # both walls move alike (the whole body sways): no facing; nothing moves: none either
    assert facing_from_walls(wall_motion(o, spread(6.0, 6.5), still, **kw), config=CFG) == 0.0
    assert facing_from_walls(np.zeros(4), config=CFG) == 0.0
    # the locator computes the motion map only around the two edges (a tenth of its cost)
    from breathcam.capture.pose import wall_columns

    (a, b), (c, d) = wall_columns(o, map_width=160, **kw)
    assert a <= 61 and 65 <= b <= 70 and 90 <= c <= 93 and d >= 97
    # the evidence adds up over time: a weak lead on many outlines decides, a tie does not
    weak = sum(wall_motion(o, spread(4.0, 5.5), still, **kw) for _ in range(5))
    assert facing_from_walls(weak + wall_motion(o, spread(4.0, 4.0), still, **kw), config=CFG) == 1.0


@pytest.fixture(scope="module")
def side_scene():
    from breathcam.simulate.side import build_side_scene

    return build_side_scene(W, H, clothing="original", seed=5, reach_px=12.0)


def side_clip(scene, *, seconds: float, fps: float, breath_px: float, sway_px: float = 0.0, mirror: bool = False):
    """Frames of the drawn side view (facing +x, or -x mirrored) breathing at 15/min, the belly
    forward by ``breath_px`` and the chest up by as much, optionally swaying sideways at 11/min."""
    from breathcam.simulate.side import side_frame

    rng = np.random.default_rng(1)
    noise = [rng.normal(0, 1.5, (H, W, 3)).round().astype(np.int16) for _ in range(4)]  # sensor noise
    out = []
    for i in range(int(seconds * fps)):
        t = i / fps
        b = breath_px * 0.5 * (1 - math.cos(2 * math.pi * 0.25 * t))
        sway = np.float32([[1, 0, sway_px * math.sin(2 * math.pi * 0.18 * t)], [0, 1, 0]]) if sway_px else None
        img = np.clip(side_frame(scene, b, b, sway=sway) + noise[i % 4], 0, 255).astype(np.uint8)
        out.append(img[:, ::-1].copy() if mirror else img)
    return out


@pytest.mark.parametrize("mirror", [False, True])
def test_outline_of_a_drawn_side_view_places_the_boxes_on_the_front(side_scene, mirror):
    """The drawn side view (pose never finds it): the outline shows a side view, the torso length
    comes from the body's depth, and with the facing known the chest and belly boxes cover the
    front contour, ahead of the body's middle; without it they span the body's depth."""
    from breathcam.capture.pose import _open_outline, _StderrFilter, outline_shape, person_outline, regions_from_outline

    img = side_clip(side_scene, seconds=0.1, fps=10, breath_px=0.0, mirror=mirror)[0]
    seg = _open_outline(CFG, _StderrFilter())
    try:
        o = person_outline(seg.process(img), width=W, height=H)
    finally:
        seg.close()
    g = side_scene.geometry
    flip = (lambda x: W - x) if mirror else (lambda x: x)
    s = outline_shape(o)
    assert s.view == "side" and not s.cut
    assert 0.35 * H < s.length_px < 0.6 * H  # the drawn torso: shoulder (0.17 H) to hips (0.7 H)
    facing = -1.0 if mirror else 1.0
    r, notes = regions_from_outline(o, t_s=0.0, facing=facing)
    assert r.view == "side" and r.facing == facing and r.method == "motion"
    assert any(f"facing the {'left' if mirror else 'right'} of the picture" in n for n in notes)
    for box, front_x, (row0, row1) in ((r.chest, g["chest_front_x"], g["chest_rows_y"]), (r.belly, g["belly_front_x"], g["belly_rows_y"])):
        fx = flip(front_x)
        assert box.x0 < fx < box.x1  # the front wall, which moves forward on inhale
        assert (box.center[0] - s.centre_x) * facing > 0.1 * s.length_px  # ahead of the body's middle
        assert abs(box.x1 - fx if not mirror else box.x0 - fx) < 0.12 * s.length_px  # little of the wall ahead
        assert box.y0 < row1 and box.y1 > row0  # over the rows where that wall moves
    assert r.chest.y1 <= r.belly.y0
    # facing unknown: the boxes span the body's depth, both walls inside
    r0, notes0 = regions_from_outline(o, t_s=0.0)
    assert r0.view == "side" and r0.facing == 0.0 and any("not yet which way" in n for n in notes0)
    assert r0.belly.x0 < flip(side_scene.pivot[0]) < r0.belly.x1 and r0.belly.x0 < flip(g["belly_front_x"]) < r0.belly.x1


@pytest.mark.parametrize("mirror", [False, True])
def test_locator_finds_which_way_a_side_view_faces_from_its_breathing(side_scene, mirror):
    """Pose finds nobody: after a few breaths' outlines the locator knows the side the person
    faces from which edge breathes, and puts the boxes there; a body that only sways sideways
    (both edges move alike) leaves the facing unknown."""
    fps = 10.0

    def run(images):
        with TorsoLocator() as loc:
            loc._pose.process = lambda image, crop=None: None  # pose never finds the drawing
            regions = [loc.locate(f) for f in frames_of(images, fps=fps)]
        return regions, loc.notes

    regions, notes = run(side_clip(side_scene, seconds=8.0, fps=fps, breath_px=4.0, mirror=mirror))
    r = regions[-1]
    front_x = W - side_scene.geometry["belly_front_x"] if mirror else side_scene.geometry["belly_front_x"]
    assert r.method == "motion" and r.view == "side" and r.facing == (-1.0 if mirror else 1.0)
    assert r.belly.x0 < front_x < r.belly.x1
    assert any("side-on, facing the" in n for n in notes)
    assert all(x.facing == 0.0 for x in regions[: int(1.5 * fps)])  # not decided on the first second
    if not mirror:
        swaying, _ = run(side_clip(side_scene, seconds=8.0, fps=fps, breath_px=0.0, sway_px=4.0))
        assert swaying[-1].view == "side" and swaying[-1].facing == 0.0


# ------------------------------------------------------------------------------------------------
# the locator with the outline, and the motion fallback's map
# ------------------------------------------------------------------------------------------------


def test_fallback_map_ignores_a_hand_passing_at_the_start():
    """A breathing textured patch (lower left) and, in the first 0.8 s, a bright hand-sized blob
    sweeping across the upper right (a clap, a hand): 6 s later the fallback is on the patch."""
    rng = np.random.default_rng(7)
    texture = cv2.GaussianBlur(rng.integers(0, 256, (140, 120, 3), dtype=np.uint8), (5, 5), 1.5)
    fps, images = 15.0, []
    for i in range(int(6.5 * fps)):
        t = i / fps
        img = np.full((H, W, 3), 90, np.uint8)
        dy = int(round(4 * math.sin(2 * math.pi * 0.3 * t)))
        img[300 + dy : 440 + dy, 60:180] = texture
        if t < 0.8:  # the hand: 110 px, crossing 330 px of the upper right in 0.8 s
            x = int(380 + 330 * t / 0.8)
            cv2.circle(img, (x, 120), 55, (235, 225, 215), -1)
        images.append(np.clip(img + rng.normal(0, 1.0, img.shape), 0, 255).astype(np.uint8))
    config = dataclasses.replace(CFG, outline_interval_s=0.0)  # the motion fallback alone
    with TorsoLocator(config=config) as loc:
        regions = [loc.locate(f) for f in frames_of(images, fps=fps)]
    r = regions[-1]
    assert r.method == "motion"
    union = Box(min(r.chest.x0, r.belly.x0), r.chest.y0, max(r.chest.x1, r.belly.x1), r.belly.y1)
    assert union.x0 <= 120 <= union.x1 and union.y0 <= 370 <= union.y1  # the patch
    assert union.x1 < 380 and union.y0 > 120  # not the hand's path


def test_regions_stay_while_pose_misses_a_person_whose_outline_is_still_there(stills):
    """Pose finds the person, then misses them for 4 s while they stay (a hand, blur, a head
    turned away): the outline still covers pose's boxes, so they stay; once the person leaves,
    the fallback takes over."""
    person = fit_640x480(stills["grace_hopper"])
    fps = 15.0
    rng = np.random.default_rng(2)
    empty = [np.clip(np.full((H, W, 3), 60) + rng.normal(0, 2, (H, W, 3)), 0, 255).astype(np.uint8) for _ in range(3)]
    images = jittered(person, int(7 * fps), amp_px=1.0) + [empty[i % 3] for i in range(int(5 * fps))]
    frames = frames_of(images, fps=fps)
    with TorsoLocator() as loc:
        real = loc._pose.process
        loc._pose.process = lambda image, **kw: real(image, **kw) if image is not None and frames_t[0] < 3.0 else None
        frames_t = [0.0]
        regions = []
        for f in frames:
            frames_t[0] = f.t_s
            regions.append(loc.locate(f))
        notes = loc.notes
    t = np.array([f.t_s for f in frames])
    assert all(r.method == "pose" for r, ti in zip(regions, t) if 1.0 <= ti < 7.0)
    assert any("regions kept where the person's outline still is" in n for n in notes)
    held = [r.chest for r, ti in zip(regions, t) if 3.0 <= ti < 7.0]
    assert max(abs(b.center[0] - held[0].center[0]) + abs(b.center[1] - held[0].center[1]) for b in held) < 1.0
    # gone: within a few seconds the pose regions are dropped for the fallback
    assert all(r.method == "motion" for r, ti in zip(regions, t) if ti >= 10.0)


def test_locator_rejects_a_neckline_torso_and_uses_the_outline():
    """Head out of frame, plain top: pose "finds" a torso in the neckline every time it runs (faked
    here), the segmentation shows the whole torso (faked).  The locator rejects pose's torso,
    resets pose's tracking, keeps retrying pose every interval_s (a person is in view) and measures
    on the outline's chest and belly."""
    L = Landmark
    neckline = synthetic_landmarks(
        {L.LEFT_SHOULDER: (300, 40), L.RIGHT_SHOULDER: (260, 42), L.LEFT_HIP: (296, 130), L.RIGHT_HIP: (266, 128),
         L.NOSE: (280, 10)},
        w=FRONT_W, h=FRONT_H,
    )
    prob = silhouette(FRONT_W, FRONT_H, [FRONT_TORSO])
    img = np.full((FRONT_H, FRONT_W, 3), 128, np.uint8)
    fps = 10.0
    with TorsoLocator() as loc:
        crops, resets = [], []
        loc._pose.process = lambda image, crop=None: crops.append(crop) or neckline
        loc._pose.reset = lambda: resets.append(1)
        loc._segmenter.process = lambda image: prob
        regions = [loc.locate(Frame(i, i / fps, img)) for i in range(int(6 * fps))]
        notes = loc.notes
        assert loc.pose_found == 0.0 and loc.person_seen
        # retried every interval_s, not retry_interval_s: the outline shows someone is there
        assert loc.pose_runs == pytest.approx(6.0 / CFG.interval_s, abs=1)
        assert len(resets) == math.ceil(6.0 / CFG.pose_reset_interval_s)  # reset now and then, not every run
    # pose saw a crop around the person, square in this landscape frame
    assert crops[-1] is not None and crops[-1][2] - crops[-1][0] >= FRONT_H
    assert any("far smaller than the person in view" in n for n in notes)
    assert any("torso located from the person's outline" in n for n in notes)
    o = loc.outline
    for r in regions[1:]:
        assert r.method == "motion" and r.torso_px > 0.6 * FRONT_H
        assert o.coverage(r.chest) > 0.95 and r.chest.width > 100


def test_an_outline_that_places_nothing_leaves_the_motion_fallback_at_its_pace():
    """Pose finds nobody and the outline is a floating patch (a dark suit filling the frame, only
    the shirt recognised): the motion fallback places the regions, updated every
    fallback_update_s, not on every frame (its map costs ~10 ms)."""
    prob = silhouette(W, H, [], circles=[(320, 200, 90)])
    img = np.full((H, W, 3), 100, np.uint8)
    fps, seconds = 15.0, 8.0
    with TorsoLocator() as loc:
        loc._pose.process = lambda image, crop=None: None
        loc._segmenter.process = lambda image: prob
        calls = []
        real_std = loc._motion.std
        loc._motion.std = lambda: calls.append(1) or real_std()
        regions = [loc.locate(Frame(i, i / fps, img)) for i in range(int(seconds * fps))]
    assert all(r.method == "motion" for r in regions)
    assert len(calls) <= seconds / CFG.fallback_update_s + 1


def test_regions_steady_tells_pose_confirming_from_pose_moving():
    from dataclasses import replace

    from breathcam.capture.pose import regions_steady
    from breathcam.types import TorsoRegions

    held = TorsoRegions(
        t_s=0.0, chest=Box(100, 100, 250, 200), belly=Box(100, 200, 250, 300), shoulders=None, reference=None,
        view="front", method="pose", confidence=0.9,
    )
    jitter = replace(held, chest=Box(108, 95, 255, 205))  # 5-8 px: mediapipe's own jitter
    assert regions_steady(held, jitter)
    moved = replace(held, chest=Box(130, 100, 280, 200))  # 30 px on a 150 px chest
    assert not regions_steady(held, moved)
    assert not regions_steady(held, replace(held, view="side"))
    assert not regions_steady(None, held)
    assert not regions_steady(held, replace(jitter, method="motion"))


def test_mediapipe_loads_without_pyplot_and_pyplot_still_works():
    code = (
        "import sys\n"
        "from breathcam.capture.pose import mediapipe_api\n"
        "mediapipe_api()\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "import matplotlib\nmatplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "import mediapipe.python.solutions.drawing_utils as du\n"
        "assert du.plt.figure is plt.figure and type(plt).__name__ == 'module'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
