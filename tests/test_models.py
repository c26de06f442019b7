"""The shipped models: checked by sha256 before loading, loaded by the Tasks API, and the sample
analysis runs with no network at all."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from breathcam.models import ALL, MODELS_DIR, POSE_LANDMARKER, model_path
from breathcam.simulate.waveform import Truth
from breathcam.types import BreathcamError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sample.mp4"


def test_checksums_in_code_match_sha256sums_file():
    listed = dict(reversed(line.split()) for line in (MODELS_DIR / "SHA256SUMS").read_text().splitlines() if line.strip())
    assert listed == {m.name: m.sha256 for m in ALL}
    for m in ALL:
        assert model_path(m) == MODELS_DIR / m.name  # the committed files pass their check


@pytest.mark.parametrize("damage", ["missing", "truncated", "lfs-pointer"])
def test_a_damaged_model_stops_with_a_clear_message(tmp_path, damage):
    if damage == "truncated":
        (tmp_path / POSE_LANDMARKER.name).write_bytes((MODELS_DIR / POSE_LANDMARKER.name).read_bytes()[:1000])
    elif damage == "lfs-pointer":
        (tmp_path / POSE_LANDMARKER.name).write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 9397958\n")
    with pytest.raises(BreathcamError) as err:
        model_path(POSE_LANDMARKER, folder=tmp_path)
    text = str(err.value)
    assert POSE_LANDMARKER.name in text and "pose" in text
    if damage == "missing":
        assert "does not exist" in text and "pip install -e ." in text
    else:
        assert POSE_LANDMARKER.sha256 in text and "git checkout -- models/" in text


def test_tasks_api_loads_the_shipped_models():
    """Both models through the Tasks API on a blank image (what the locator's start-up does)."""
    pytest.importorskip("mediapipe.tasks.python.vision")
    import dataclasses

    import numpy as np

    from breathcam.capture.pose import _StderrFilter, _TasksOutline, _TasksPose
    from breathcam.config import DEFAULT

    cfg = dataclasses.replace(DEFAULT.pose, mediapipe_api="tasks")
    pose = _TasksPose(cfg)
    try:
        assert pose.process(np.zeros((48, 64, 3), np.uint8)) is None  # nobody in a black frame
        pose.reset()
        assert pose.process(np.zeros((48, 64, 3), np.uint8)) is None
    finally:
        pose.close()
    seg = _TasksOutline(cfg, _StderrFilter())
    try:
        mask = seg.process(np.zeros((48, 64, 3), np.uint8))
        assert mask.shape == (48, 64) and float(mask.max()) < 0.5
    finally:
        seg.close()


def _no_network() -> list[str] | None:
    """A command prefix that runs a process without any network interface but loopback."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True)
    return [unshare, "-n"] if probe.returncode == 0 else None


def test_sample_analysis_runs_without_network(tmp_path):
    """The README's main command with networking disabled (a new network namespace: no route
    anywhere): mediapipe loads the shipped models and nothing is fetched."""
    prefix = _no_network()
    if prefix is None:
        pytest.skip("unshare -n is not permitted here (needs root or user namespaces)")
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import socket; s = socket.socket(); s.settimeout(2); print(s.connect_ex(('1.1.1.1', 443)))"],
        capture_output=True, text=True,
    )
    assert probe.stdout.strip() not in ("", "0")  # really offline
    out = tmp_path / "sample.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "breathcam", "analyze", str(SAMPLE), "--json", str(out)],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    truth = Truth.read(SAMPLE.with_suffix(".truth.json"))
    assert data["rate_bpm"] == pytest.approx(truth.rate_bpm, abs=0.3)
    assert len(data["breaths"]) == len(truth.breaths)
    assert data["quality"]["pose_found"] == 1.0


def test_a_regular_install_carries_the_models(tmp_path):
    """A wheel (pip install ., or from an index) puts the models under the environment's
    share/breathcam/models, and breathcam finds and checks them there: no checkout needed."""
    import site
    import zipfile

    root = MODELS_DIR.parent
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(wheels), str(root)], capture_output=True, text=True, timeout=300,
                           cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-2000:]
    (whl,) = wheels.glob("breathcam-*.whl")
    inside = {n.split("/models/")[-1] for n in zipfile.ZipFile(whl).namelist() if "/share/breathcam/models/" in n}
    assert {m.name for m in ALL} | {"SHA256SUMS", "LICENSE"} <= inside
    # a fresh environment that sees this one's packages (numpy, mediapipe: not the checkout)
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    (purelib,) = env_dir.glob("lib/python*/site-packages")
    (purelib / "outer.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    py = env_dir / "bin" / "python"
    inst = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(whl)],
                          capture_output=True, text=True, timeout=300)
    if "no such option: --python" in inst.stderr:
        pytest.skip("this pip cannot install into another environment (pip >= 22.3 can)")
    assert inst.returncode == 0, inst.stderr[-2000:]
    code = ("import breathcam, breathcam.models as m\n"
            "print(breathcam.__file__)\n"
            "print(m.model_path(m.POSE_LANDMARKER))\n")
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert out.returncode == 0, out.stderr[-2000:]
    pkg, model = out.stdout.split()
    assert pkg.startswith(str(env_dir)) and model == str(env_dir / "share" / "breathcam" / "models" / POSE_LANDMARKER.name)
