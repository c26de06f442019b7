"""Torso regions on real footage (../shared/data/real-video), checked at run time; skipped when the
folder is absent.  Nothing from those clips is stored: every figure is computed here.

The judge of "on the person" is mediapipe's *landscape* selfie-segmentation model, a different
model from the one the locator uses for the person's outline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")
mp = pytest.importorskip("mediapipe")

from breathcam.capture.pose import Landmark, TorsoLocator, mediapipe_api  # noqa: E402
from breathcam.capture.video import open_source  # noqa: E402
from breathcam.models import SELFIE_SEGMENTER_LANDSCAPE, model_path  # noqa: E402
from breathcam.types import Frame  # noqa: E402

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real-video"
SECONDS = 7.0  # of each clip: the judge looks from 2.5 s (after the start's clap) every second
JUDGE_TIMES = (2.5, 3.5, 4.5, 5.5, 6.5)


def _clips() -> list[Path]:
    if not REAL.is_dir():
        return []
    return sorted((REAL / "prescan-dev").glob("*.mp4")) + sorted(REAL.glob("vitallens/*.mp4")) + sorted(REAL.glob("webcam/*.mp4"))


CLIPS = _clips()


def _run(path: Path, *, mirror: bool = False):
    """Locator over the first SECONDS of a clip; at the judge's times: (frame, regions, landmarks)."""
    out = []
    with open_source(str(path)) as src, TorsoLocator() as loc:
        times = list(JUDGE_TIMES)
        for f in src:
            if f.t_s > SECONDS:
                break
            img = np.ascontiguousarray(f.image[:, ::-1]) if mirror else f.image
            r = loc.locate(Frame(f.index, f.t_s, img))
            if times and f.t_s >= times[0]:
                times.pop(0)
                out.append((img, r, loc.last_landmarks if r.method == "pose" else None))
        return out, loc.pose_found, loc.notes


@pytest.fixture(scope="module")
def judge():
    """The person, by the landscape selfie model (not the general one the locator uses)."""
    if mediapipe_api() == "solutions":
        with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=1) as seg:
            yield lambda img: seg.process(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).segmentation_mask >= 0.5
        return
    from mediapipe.tasks.python import BaseOptions, vision

    path = str(model_path(SELFIE_SEGMENTER_LANDSCAPE))
    options = vision.ImageSegmenterOptions(base_options=BaseOptions(model_asset_path=path), output_confidence_masks=True)
    with vision.ImageSegmenter.create_from_options(options) as seg:

        def person(img):
            rgb = np.ascontiguousarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            mask = seg.segment(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)).confidence_masks[0].numpy_view()
            return mask.reshape(img.shape[:2]) >= 0.5

        yield person


def _on(mask: np.ndarray, box) -> float:
    x0, y0, x1, y1 = box.as_int()
    return float(mask[y0 : y1 + 1, x0 : x1 + 1].mean())


@pytest.mark.skipif(not CLIPS, reason="../shared/data/real-video is absent on this machine")
@pytest.mark.parametrize("path", CLIPS, ids=[p.stem for p in CLIPS])
def test_real_clip_regions_lie_on_the_torso(path, judge):
    samples, pose_found, notes = _run(path)
    torso_only = path.parent.name == "prescan-dev"  # torso-only front views, side views cut at the shoulders
    side = "_side" in path.stem
    assert len(samples) == len(JUDGE_TIMES)
    for img, r, lm in samples:
        h, w = img.shape[:2]
        # torso-sized boxes: never a speck, never most of the frame (the old fallback's failure)
        for box in (r.chest, r.belly) if r.belly_in_view else (r.chest,):
            assert 0.01 <= box.width * box.height / (w * h) <= 0.25, (r.t_s, box)
        if r.belly_in_view:
            assert r.chest.center[1] < r.belly.center[1]
        assert r.torso_px and r.torso_px > 0
        if torso_only:  # the torso spans most of such a frame's height
            assert r.torso_px >= 0.5 * h, (r.t_s, r.torso_px)
        person = judge(img)
        if person.mean() >= 0.1:  # the judge sees the person: the boxes lie on them
            assert _on(person, r.chest) >= 0.6, (r.t_s, _on(person, r.chest))
            if r.belly_in_view:
                assert _on(person, r.belly) >= 0.5, (r.t_s, _on(person, r.belly))
        if side and lm is not None and lm.visibility[Landmark.NOSE] >= 0.5:
            # in profile the boxes lie ahead of the shoulders and of the hanging arm, toward the face
            shoulders = 0.5 * (lm.xy_px[Landmark.LEFT_SHOULDER] + lm.xy_px[Landmark.RIGHT_SHOULDER])
            ahead = np.sign(lm.xy_px[Landmark.NOSE][0] - shoulders[0])
            for box in (r.chest, r.belly):
                assert (box.center[0] - shoulders[0]) * ahead > 0.1 * r.torso_px, (r.t_s, box)
    if side:
        assert pose_found >= 0.8, pose_found  # pose keeps a profile whose head is mostly cut off
    assert notes == tuple(dict.fromkeys(notes)) and all(isinstance(n, str) and n for n in notes)


@pytest.mark.skipif(not CLIPS, reason="../shared/data/real-video is absent on this machine")
@pytest.mark.parametrize("path", [p for p in CLIPS if "_side" in p.stem][:2], ids=lambda p: p.stem)
def test_real_side_view_mirrored_puts_the_boxes_on_the_other_side(path):
    """The same profile, mirrored, faces the other way: the boxes follow to the new front."""
    plain, _, _ = _run(path)
    mirrored, pose_found, _ = _run(path, mirror=True)
    assert pose_found >= 0.8
    for (img, a, _), (_, b, _) in zip(plain, mirrored):
        w = img.shape[1]
        assert abs((w - 1 - b.chest.center[0]) - a.chest.center[0]) < 0.1 * a.torso_px
        assert abs(b.torso_px - a.torso_px) < 0.15 * a.torso_px

