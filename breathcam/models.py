"""The neural-network model files breathcam ships in ``models/``, checked before mediapipe loads them.

Pose and the person's outline run on mediapipe's Tasks API, which loads its models from files:
``models/pose_landmarker_full.task`` (BlazePose detector + "full" landmarks) and
``models/selfie_segmentation.tflite`` (the tests also use
``models/selfie_segmentation_landscape.tflite``).  They come with the repository (how they were made:
``models/README.md``) and with every install of it (a wheel carries them to
``<prefix>/share/breathcam/models``); nothing is downloaded.  :func:`model_path` finds a file and checks its
sha256 against the one recorded here, so a truncated, replaced or Git-LFS-pointer file stops with
a clear message instead of an obscure mediapipe error or different figures.

>>> model_path(POSE_LANDMARKER).name
'pose_landmarker_full.task'
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from breathcam.types import BreathcamError

# Where the models are: the repository's models/ folder (an editable install from a checkout,
# pip install -e .), else the copy a regular install puts under the environment's prefix
# (pyproject's data-files: <prefix>/share/breathcam/models).
CHECKOUT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def models_dir() -> Path:
    """The folder the models are read from: the checkout's ``models/`` when there is one, else the
    installed copy (a wheel or ``pip install .``: the environment's data folder, or the user's
    with ``pip install --user``)."""
    import site
    import sysconfig

    places = [CHECKOUT_MODELS_DIR, Path(sysconfig.get_path("data")) / "share" / "breathcam" / "models",
              Path(site.getuserbase()) / "share" / "breathcam" / "models"]
    return next((p for p in places if (p / "SHA256SUMS").is_file()), places[1])


MODELS_DIR = models_dir()


@dataclass(frozen=True)
class ModelFile:
    """One shipped model: its file name in ``models/``, its sha256 and what it is for."""

    name: str
    sha256: str
    what: str


POSE_LANDMARKER = ModelFile(
    "pose_landmarker_full.task",
    "e67a857c0ee09be84ccc471e5da43cc2e87de5dd1e08a87d5cf627e029b6119e",
    "pose (BlazePose detector and full landmark model)",
)
SELFIE_SEGMENTER = ModelFile(
    "selfie_segmentation.tflite",
    "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
    "the person's outline (selfie segmentation, general model)",
)
# Used only by the tests, as a judge of where the person is independent of the locator's model.
SELFIE_SEGMENTER_LANDSCAPE = ModelFile(
    "selfie_segmentation_landscape.tflite",
    "a77d03f4659b9f6b6c1f5106947bf40e99d7655094b6527f214ea7d451106edd",
    "the tests' judge of the person (selfie segmentation, landscape model)",
)
ALL = (POSE_LANDMARKER, SELFIE_SEGMENTER, SELFIE_SEGMENTER_LANDSCAPE)

# (path, size, mtime_ns) of files already checked in this process: hashing 9 MB takes ~20 ms,
# and every TorsoLocator opens the pose model.
_checked: set[tuple[str, int, int]] = set()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_path(model: ModelFile, *, folder: Path | None = None) -> Path:
    """The model's file in ``folder`` (default ``models/``), after checking its sha256.

    Raises :class:`BreathcamError` saying what is wrong and how to get the right file."""
    path = (folder or MODELS_DIR) / model.name
    try:
        st = path.stat()
    except OSError:
        raise BreathcamError(
            f"the model for {model.what} is missing: {path} does not exist; it comes with breathcam "
            "(reinstall it: pip install --force-reinstall breathcam, or from a checkout: pip install -e .)"
        ) from None
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key in _checked:
        return path
    found = file_sha256(path)
    if found != model.sha256:
        raise BreathcamError(
            f"the model file {path} ({model.what}) is not the one breathcam was tested with: its sha256 is "
            f"{found}, expected {model.sha256} ({st.st_size} bytes; a Git LFS pointer or an interrupted "
            "checkout gives this). Restore it with: git checkout -- models/, or rebuild it as models/README.md says"
        )
    _checked.add(key)
    return path
