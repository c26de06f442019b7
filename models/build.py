"""Rebuild the model files in this folder from the Apache-2.0 models inside mediapipe 0.10.21.

Run with a Python that has ``mediapipe==0.10.21`` installed (its wheels cover CPython 3.9-3.12;
it brings both the source models and the metadata writers used here)::

    python3.12 -m venv /tmp/mp-build && /tmp/mp-build/bin/pip install mediapipe==0.10.21
    /tmp/mp-build/bin/python models/build.py      # rewrites the model files in models/
    cd models && sha256sum -c SHA256SUMS           # the same bytes as committed

It checks the sha256 of every input and prints those of the outputs (written deterministically:
fixed zip dates, stored uncompressed, so a rebuild gives the same bytes).

What it does (see README.md beside this file):

* ``pose_landmarker_full.task``, the bundle ``PoseLandmarker`` loads: a zip (stored, 4-byte
  aligned) of ``pose_detector.tflite`` = the wheel's BlazePose detector ``pose_detection.tflite``
  unchanged (it carries TFLite metadata already: RGB input scaled to [-1, 1]) and
  ``pose_landmarks_detector.tflite`` = the wheel's BlazePose GHUM "full" landmark model
  ``pose_landmark_full.tflite``, which has no metadata, given the metadata the Tasks API reads
  (an RGB image input with NormalizationOptions mean 0, std 255, i.e. scaled to [0, 1] as
  mediapipe's own pose graph feeds it; one plain feature output per output tensor) by mediapipe's
  metadata writer.
* ``selfie_segmentation.tflite`` and ``selfie_segmentation_landscape.tflite``: copied unchanged
  (they carry image-segmenter metadata already, input scaled to [0, 1]).
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (file inside the mediapipe 0.10.21 wheel, sha256 it must have)
SOURCES = {
    "detector": ("modules/pose_detection/pose_detection.tflite",
                 "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"),
    "landmarks": ("modules/pose_landmark/pose_landmark_full.tflite",
                  "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"),
    "selfie": ("modules/selfie_segmentation/selfie_segmentation.tflite",
               "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"),
    "selfie_landscape": ("modules/selfie_segmentation/selfie_segmentation_landscape.tflite",
                         "a77d03f4659b9f6b6c1f5106947bf40e99d7655094b6527f214ea7d451106edd"),
}

# Input scaling of each model, as mediapipe's legacy graphs feed it (ImageToTensorCalculator's
# output_tensor_float_range): value = (pixel - mean) / std.
LANDMARKS_NORM = (0.0, 255.0)  # [0, 1]

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ALIGN = 4  # the Tasks API reads the bundled models in place: 4-byte aligned, stored


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source(key: str) -> bytes:
    import mediapipe

    if not mediapipe.__version__.startswith("0.10.21"):
        sys.exit(f"needs mediapipe 0.10.21 (its wheel holds the source models), found {mediapipe.__version__}")
    rel, want = SOURCES[key]
    data = (Path(mediapipe.__file__).parent / rel).read_bytes()
    print(f"input  {rel}: {sha256(data)}")
    if sha256(data) != want:
        sys.exit(f"{rel} is not the file this recipe was written for (sha256 {want})")
    return data


def with_image_metadata(model: bytes, name: str, description: str, norm: tuple[float, float]) -> bytes:
    """The model with metadata: an RGB image input normalised by ``norm``, plain feature outputs."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, description)
    writer.add_image_input(norm_mean=[norm[0]], norm_std=[norm[1]])
    for tensor in writer_utils.get_output_tensor_names(bytearray(model)):
        writer.add_feature_output(name=tensor)
    out, _ = writer.populate()
    return bytes(out)


def bundle(files: dict[str, bytes]) -> bytes:
    """A model asset bundle as mediapipe's ``model_asset_bundle_utils`` writes it (a zip of the
    files stored uncompressed, each 4-byte aligned), with fixed dates so the bytes repeat."""
    from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import AlignZipFile

    buf = io.BytesIO()
    with AlignZipFile(buf, mode="w", alignment=_ALIGN) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), data)
    return buf.getvalue()


def main() -> None:
    det = source("detector")  # carries its metadata already (NormalizationOptions to [-1, 1])
    lmk = with_image_metadata(
        source("landmarks"), "pose_landmarks_detector", "BlazePose GHUM 3D landmarks, full (mediapipe 0.10.21)", LANDMARKS_NORM
    )
    task = bundle({"pose_detector.tflite": det, "pose_landmarks_detector.tflite": lmk})
    # carries image-segmenter metadata already (input to [0, 1], one label "selfie"): copied as is
    seg = source("selfie")
    outputs = {
        "pose_landmarker_full.task": task,
        "selfie_segmentation.tflite": seg,
        "selfie_segmentation_landscape.tflite": source("selfie_landscape"),  # the tests' judge, as is
    }
    for name, data in outputs.items():
        (HERE / name).write_bytes(data)
        print(f"output {name}: {sha256(data)}")


if __name__ == "__main__":
    main()
