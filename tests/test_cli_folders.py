"""Command line of the research options: what needs a folder, what needs an extra, and the simulator's
line in --help when its stills are not installed."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_folder_options_on_one_file_are_refused(tmp_path, run_cli):
    clip = tmp_path / "one.mp4"
    clip.write_bytes(b"\0" * 1000)
    for args in (["--jobs", "2"], ["--force"], ["--results", str(tmp_path)]):
        proc = run_cli("analyze", str(clip), *args, "--no-save")
        assert proc.returncode == 2 and "is for a folder of clips" in proc.stderr, proc.stderr
    proc = run_cli("analyze", str(tmp_path), "--jobs", "0")
    assert proc.returncode == 2 and "must be 1 or more" in proc.stderr


def test_jobs_and_scheduler_exclude_each_other(tmp_path, run_cli):
    (tmp_path / "a.mp4").write_bytes(b"\0" * 1000)
    proc = run_cli("analyze", str(tmp_path), "--jobs", "2", "--scheduler", "tcp://127.0.0.1:1", "--no-save")
    assert proc.returncode == 2 and "exclude each other" in proc.stderr and "Traceback" not in proc.stderr


def test_unreachable_scheduler_is_one_line(tmp_path, run_cli):
    (tmp_path / "a.mp4").write_bytes(b"\0" * 1000)
    proc = run_cli("analyze", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9", "--no-save")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr, proc.stderr


def test_help_says_how_to_get_the_simulator(tmp_path):
    code = ("import sys; sys.modules['skimage'] = None\n"
            "from breathcam.cli import main\n"
            "main(['--help'])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    text = " ".join(proc.stdout.split())
    assert 'simulate render a simulated clip' in text and 'pip install "breathcam[sim]"' in text
