"""`breathcam analyze FOLDER --jobs N`: clips in parallel processes give the results one process
gives; a run killed half way goes on where it stopped, without analysing a clip twice and without
a second session for it in the history."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("skimage")

ROOT = Path(__file__).resolve().parents[1]
FPS = 15.0
N_CLIPS = 3


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Three short rendered clips (seeded) and a file that is no clip."""
    from breathcam.simulate.render import render_clip
    from breathcam.simulate.waveform import simulate_breathing

    d = tmp_path_factory.mktemp("clips")
    for i in range(N_CLIPS):
        b = simulate_breathing(duration_s=18, fs_hz=FPS, rate_bpm=12 + 3 * i, irregularity=0.05, seed=40 + i)
        render_clip(b, d / f"c{i}.mp4", width=320, height=240, fps=FPS, amplitude_px=3.0, seed=40 + i)
        (d / f"c{i}.truth.json").unlink()
    (d / "x_broken.mp4").write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    return d


def _analysis(result_file: Path) -> dict:
    """A result file without what differs from run to run by nature (its id, times, host)."""
    data = json.loads(result_file.read_text())
    data.pop("run")
    return data


def _sessions(db: Path) -> list[str]:
    with sqlite3.connect(db) as c:
        return sorted(Path(r[0]).name for r in c.execute("SELECT source FROM sessions"))


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m breathcam ARGS`` as a user runs it (tests/conftest.py's run_cli, for module fixtures)."""
    return subprocess.run([sys.executable, "-m", "breathcam", *args], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def _run_folder(folder, tmp_path, name, *args):
    res, db = tmp_path / f"res-{name}", tmp_path / f"h-{name}.sqlite"
    proc = _run_cli("analyze", str(folder), "--results", str(res), "--db", str(db), *args)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    # the broken file is one error line; the others are analysed, each into the history once
    assert f"{N_CLIPS} of {N_CLIPS + 1} files analysed" in proc.stdout
    assert "clips/hour" in proc.stderr
    assert _sessions(db) == [f"c{i}.mp4" for i in range(N_CLIPS)]
    return {p.name: _analysis(p) for p in sorted(res.glob("*.result.json"))}


@pytest.fixture(scope="module")
def one_process(folder, tmp_path_factory):
    """The folder analysed by ``--jobs 1``: the reference the other ways must give."""
    out = _run_folder(folder, tmp_path_factory.mktemp("jobs1"), "j1", "--jobs", "1")
    assert sorted(out) == [f"c{i}.result.json" for i in range(N_CLIPS)]
    return out


def test_jobs_2_gives_what_jobs_1_gives(folder, one_process, tmp_path):
    two = _run_folder(folder, tmp_path, "j2", "--jobs", "2")
    assert sorted(two) == sorted(one_process)
    for name in one_process:
        assert two[name] == one_process[name], name  # clip for clip, every number
    rates = [one_process[f"c{i}.result.json"]["rate_bpm"] for i in range(N_CLIPS)]
    assert rates == pytest.approx([12, 15, 18], abs=1.5)
    # the program and the configuration that made them
    first = one_process["c0.result.json"]
    assert first["program"]["name"] == "breathcam" and first["program"]["version"]
    assert len(first["config"]["sha256"]) == 64 and first["config"]["overrides"] == {}


def test_dask_local_cluster_gives_what_jobs_1_gives(folder, one_process, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        on_cluster = _run_folder(folder, tmp_path, "dask", "--scheduler", cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    assert sorted(on_cluster) == sorted(one_process)
    for name in one_process:
        assert on_cluster[name] == one_process[name], name


def test_killed_half_way_goes_on_without_redoing(folder, tmp_path, run_cli):
    res, db = tmp_path / "res", tmp_path / "h.sqlite"
    args = [sys.executable, "-m", "breathcam", "analyze", str(folder), "--jobs", "1", "--results", str(res),
            "--db", str(db)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    # SIGTERM once the first clip is merged (its line is printed) and before the last one is
    lines = []
    while True:
        line = proc.stderr.readline()
        assert line, "the run ended before the first clip was done: " + "".join(lines)
        lines.append(line)
        if line.startswith("[1/"):
            break
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    done = {p.name: p.stat().st_mtime_ns for p in res.glob("*.result.json")}
    assert 1 <= len(done) < N_CLIPS, (done, stderr)
    # every merged session has its result file; a result written just before the signal may not be
    # merged yet (the next run merges it, once)
    merged = _sessions(db)
    assert 1 <= len(merged) and {f"{n.split('.')[0]}.mp4" for n in done} >= set(merged), (merged, done)
    time.sleep(0.05)
    proc = run_cli("analyze", str(folder), "--jobs", "1", "--results", str(res), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert f"{len(done)} of {N_CLIPS + 1} files already analysed" in proc.stderr
    for name, mtime in done.items():  # not analysed again
        assert (res / name).stat().st_mtime_ns == mtime, name
    assert len(list(res.glob("*.result.json"))) == N_CLIPS
    assert _sessions(db) == [f"c{i}.mp4" for i in range(N_CLIPS)]  # one session per clip
    # a third run adds nothing; --force analyses again (a new session each)
    proc = run_cli("analyze", str(folder), "--jobs", "1", "--results", str(res), "--db", str(db))
    assert proc.returncode == 0 and _sessions(db) == [f"c{i}.mp4" for i in range(N_CLIPS)]
    assert f"{N_CLIPS} of {N_CLIPS + 1} files already analysed" in proc.stderr
