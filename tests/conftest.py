import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT / ".." / "shared" / "data"


def _run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m breathcam ARGS`` as a user would, capturing its output."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "breathcam", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(autouse=True)
def private_history(tmp_path_factory, monkeypatch):
    """Every test (and every breathcam it starts) keeps its session history in a temp folder,
    never in the real ~/.local/share/breathcam."""
    monkeypatch.setenv("BREATHCAM_HOME", str(tmp_path_factory.mktemp("breathcam-home")))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent on this machine")
    return SHARED_DATA


@pytest.fixture
def run_cli():
    """``run_cli("analyze", path, ...)`` runs breathcam as a user would and returns the finished process."""
    return _run_cli
