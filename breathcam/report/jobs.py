"""One clip of a folder as a job that runs anywhere: in a local process pool or on a Dask cluster.

:func:`run_clip` is the whole per-clip work done away from the parent process: analyse the file,
write the per-clip outputs that need no history (``--json DIR``, ``--csv DIR``, ``--waveform DIR``)
and, last, its **result file** ``<results>/<stem>.result.json`` (written atomically: it exists
only when the clip is finished).  The result file is the analysis contract (docs/contract.md) with
two more blocks: ``run`` (the input's size and time, the processing time, a unique ``result_id``)
and ``trace`` (the 10 Hz traces, so the history and the report keep the waveform).

The parent alone reads result files back (:func:`read_result`) and merges them into the SQLite
history; the ``result_id`` stored with the session makes the merge happen once, however often the
folder is run again (:func:`merged_session`).

A clip is *done* (:func:`is_done`) when its result file is newer than the clip and was written by
the same configuration; ``--force`` redoes it anyway.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, BreathcamError

__all__ = ["ClipJob", "ClipResult", "run_clip", "result_path", "is_done", "read_result", "merged_session",
           "RESULT_SUFFIX"]

RESULT_SUFFIX = ".result.json"


@dataclass(frozen=True)
class ClipJob:
    """What a worker needs to analyse one clip (plain, picklable values only)."""

    path: str
    stem: str
    results_dir: str
    config: Config = DEFAULT
    json_dir: str | None = None
    csv_dir: str | None = None
    waveform_dir: str | None = None
    report_dir: str | None = None  # only to keep the output names free; the report is the parent's


@dataclass(frozen=True)
class ClipResult:
    """What comes back from a worker: where the result file is, or why there is none."""

    path: str
    status: str  # "ok" | "error"
    reason: str = ""
    result_file: str | None = None
    seconds: float = 0.0  # processing time of the clip in the worker (analysis and outputs)
    output_errors: tuple[str, ...] = ()


def result_path(results_dir: str | Path, stem: str) -> Path:
    return Path(results_dir) / f"{stem}{RESULT_SUFFIX}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def run_clip(job: ClipJob) -> ClipResult:
    """Analyse one clip and write its outputs and result file; never raises for a bad clip."""
    t0 = time.perf_counter()
    try:
        from breathcam.pipeline import analyze_file

        analysis = analyze_file(job.path, config=job.config)
    except BreathcamError as exc:
        return ClipResult(job.path, "error", _one_line(str(exc)), seconds=time.perf_counter() - t0)
    except Exception as exc:  # a bug or a decoder failure on one clip must not lose the batch
        return ClipResult(job.path, "error", _one_line(f"unexpected {type(exc).__name__}: {exc}"),
                          seconds=time.perf_counter() - t0)
    try:
        errors, stem = _write_outputs(analysis, job)
        seconds = time.perf_counter() - t0
        out = _write_result(analysis, job, stem=stem, seconds=seconds, errors=errors)
    except BreathcamError as exc:
        return ClipResult(job.path, "error", _one_line(f"result not written: {exc}"), seconds=time.perf_counter() - t0)
    except Exception as exc:
        return ClipResult(job.path, "error", _one_line(f"unexpected {type(exc).__name__}: {exc}"),
                          seconds=time.perf_counter() - t0)
    return ClipResult(job.path, "ok", "", str(out), seconds, tuple(errors))


def _write_outputs(analysis: Analysis, job: ClipJob) -> tuple[list[str], str]:
    """The per-clip files that need no history; each failure is one line and the others go on."""
    from breathcam.report.batch import free_stem
    from breathcam.report.export import write_json
    from breathcam.fileio import make_folder

    errors: list[str] = []
    folders: dict[str, Path] = {}
    for key, folder in (("json", job.json_dir), ("csv", job.csv_dir), ("waveform", job.waveform_dir),
                        ("report", job.report_dir)):
        if folder:
            try:
                folders[key] = make_folder(folder)
            except BreathcamError as exc:
                errors.append(str(exc))
    stem = free_stem(job.stem, folders)

    def attempt(fn) -> None:
        try:
            fn()
        except BreathcamError as exc:
            errors.append(str(exc))

    if "json" in folders:
        attempt(lambda: write_json(analysis, folders["json"] / f"{stem}.json", config=job.config))
    if "csv" in folders:
        from breathcam.report.csv import write_csvs

        attempt(lambda: write_csvs(analysis, folders["csv"], stem=stem))
    if "waveform" in folders:
        from breathcam.report.waveform import write_waveforms

        attempt(lambda: write_waveforms(analysis, folders["waveform"], stem=stem, config=job.config))
    return errors, stem


def _trace_block(analysis: Analysis) -> dict | None:
    tr = analysis.traces
    if tr is None or len(tr.t_s) < 2:
        return None
    import numpy as np

    def values(a, nd=6):
        return [round(float(v), nd) for v in np.asarray(a, float)]

    return {"fs_hz": float(tr.fs_hz), "t0": round(float(tr.t_s[0]), 6), "n": int(len(tr.t_s)),
            "pose_found": float(tr.pose_found), "method": tr.method, "view": tr.view,
            "breathing": values(tr.breathing), "chest": values(tr.chest), "belly": values(tr.belly),
            "valid": [bool(v) for v in np.asarray(tr.valid, bool)]}


def _traces_from_block(block: dict | None):
    if not block:
        return None
    import numpy as np

    from breathcam.types import MotionTraces

    n = int(block["n"])
    t = float(block["t0"]) + np.arange(n) / float(block["fs_hz"])
    return MotionTraces(float(block["fs_hz"]), t, np.asarray(block["breathing"], float),
                        np.asarray(block["chest"], float), np.asarray(block["belly"], float),
                        np.asarray(block["valid"], bool), float(block["pose_found"]), str(block["method"]),
                        str(block["view"]))


def _write_result(analysis: Analysis, job: ClipJob, *, stem: str, seconds: float, errors: list[str]) -> Path:
    from breathcam.fileio import make_folder, write_output
    from breathcam.report.export import analysis_to_dict

    st = os.stat(job.path)
    data = analysis_to_dict(analysis, config=job.config)
    data["run"] = {"result_id": uuid.uuid4().hex, "input": os.path.abspath(job.path), "input_size": st.st_size,
                   "input_mtime": st.st_mtime, "stem": stem, "processing_s": round(seconds, 3),
                   "output_errors": list(errors), "host": os.uname().nodename, "pid": os.getpid()}
    data["trace"] = _trace_block(analysis)
    out = result_path(make_folder(job.results_dir), job.stem)
    return write_output(out, json.dumps(data, separators=(",", ":")) + "\n")


def is_done(path: str | Path, results_dir: str | Path, stem: str, config: Config) -> bool:
    """True when the clip's result file is newer than the clip and was written by this configuration."""
    import re

    out = result_path(results_dir, stem)
    try:
        if out.stat().st_mtime < Path(path).stat().st_mtime:
            return False
        with open(out, "rb") as fh:  # the digest is near the top: no need to read the traces
            head = fh.read(_HEAD_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    from breathcam.report.export import config_digest

    m = re.search(r'"config":\{"sha256":"([0-9a-f]{64})"', head)
    return m is not None and m.group(1) == config_digest(config)


_HEAD_BYTES = 65536  # the contract's first keys (version, program, config) fit well inside this


def read_result(result_file: str | Path) -> tuple[Analysis, dict]:
    """A result file -> (Analysis with its traces, the raw dict)."""
    from dataclasses import replace

    from breathcam.report.export import read_json

    analysis, data = read_json(result_file)
    return replace(analysis, traces=_traces_from_block(data.get("trace"))), data


def merged_session(store, result_id: str) -> int | None:
    """The id of the session a result file was merged into, or None when it was not (yet)."""
    import sqlite3

    needle = f'%"result_id": "{result_id}"%'
    try:
        row = store.conn.execute("SELECT id FROM sessions WHERE analysis_json LIKE ? ORDER BY id LIMIT 1",
                                 (needle,)).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else int(row[0])
