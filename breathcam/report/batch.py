"""The outputs of an analysis (report, CSVs, JSON, history) and ``breathcam analyze FOLDER``.

:func:`save_outputs` writes whatever was asked for one analysis; :func:`analyze_folder` runs every
clip of a folder (and every audio file, when the sound analysis is installed: pipeline.analyze_audio)
in parallel processes (or on a Dask cluster: report.runners), each clip a job (report.jobs) that
leaves a result file; this process merges the results into the history, prints the progress
(clips done, clips per hour, time left), keeps going past a file that fails, and returns one
:class:`BatchItem` per file; :func:`summary_lines` and :func:`write_summary_csv` make the summary.

Exit status of the command (docs/usage.md): 0 when at least one file was analysed, 2 when none
could be (each failure is in the summary with a one-line reason).  Ctrl-C ends the workers and
still prints and writes the summary of the files done; running the command again goes on where
it stopped.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, BreathcamError, InputError

__all__ = ["VIDEO_EXTENSIONS", "AUDIO_EXTENSIONS", "BatchItem", "find_inputs", "save_outputs", "analyze_folder",
           "summary_lines", "write_summary_csv", "SUMMARY_NAME"]

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".3gp"})
AUDIO_EXTENSIONS = frozenset({".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus"})
SUMMARY_NAME = "breathcam-summary.csv"

# Numbers from export.summary_numbers; processing_s is the time the file took to analyse (in its
# worker: decoding, analysis and its own outputs), not the length of the recording (duration_s).
NUMBER_COLUMNS = ("duration_s", "rate_bpm", "n_breaths", "median_inhale_s", "median_exhale_s", "median_pause_s",
                  "median_ie_ratio", "cv_duration", "rmssd_s", "sighs_per_min", "n_holds", "longest_hold_s",
                  "pattern_label", "belly_share", "phase_deg", "confidence")
SUMMARY_COLUMNS = ("file", "status", "reason", *NUMBER_COLUMNS, "session_id", "report", "processing_s")


@dataclass(frozen=True)
class BatchItem:
    path: Path
    status: str  # "ok" | "error"
    reason: str = ""
    numbers: dict = field(default_factory=dict)
    session_id: int | None = None
    report: Path | None = None
    seconds: float = 0.0  # processing time of the file (analysis and its outputs, in its worker)
    output_errors: tuple[str, ...] = ()  # outputs that could not be written (the analysis itself is kept)
    skipped: bool = False  # analysed by an earlier run (its result file was newer than the file)


def find_inputs(folder: str | Path) -> list[Path]:
    """Clips and audio files directly inside ``folder``, sorted by name."""
    folder = Path(folder)
    exts = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in exts
                      and not p.name.startswith("."))
    except OSError as exc:
        raise InputError(f"cannot read folder {folder}: {exc.strerror or exc}") from None


def save_outputs(
    analysis: Analysis,
    *,
    stem: str,
    report_dir: str | Path | None = None,
    csv_dir: str | Path | None = None,
    json_path: str | Path | None = None,
    json_dir: str | Path | None = None,
    waveform_dir: str | Path | None = None,
    lang: str = "en",
    client: str | None = None,
    db_path: str | Path | None = None,
    save: bool = True,
    exercise: str | None = None,
    notes: str = "",
    kind: str = "clip",
    config: Config = DEFAULT,
) -> dict:
    """Write what was asked for one analysis; returns {"session_id", "report", "csv", "json",
    "save_error", "errors"}.

    Every output is attempted: one that fails (a full disk, a read-only folder) is listed in
    ``errors`` (one line each, naming the file) and does not stop the others; a history that
    cannot be written is ``save_error``.  The session is saved first, so the report can carry the
    client's trend up to this session.

    Names breathcam makes up (``<stem>.report.html`` in ``report_dir``, ``<stem>.breaths.csv`` and
    ``<stem>.seconds.csv`` in ``csv_dir``, ``<stem>.json`` in ``json_dir``) never replace an
    existing file: when one exists, all take the first free ``<stem>-2``, ``<stem>-3``, ...
    ``json_path`` is the user's own name and is written as given.
    """
    from breathcam.report.export import write_json

    out: dict = {"session_id": None, "report": None, "csv": None, "json": None, "waveform": None, "save_error": None,
                 "errors": []}
    trend: list[dict] = []
    session: dict = {"exercise": exercise, "notes": notes, "client": client}
    if save:
        from breathcam.report.store import SessionStore

        # A history that cannot be written (locked, read-only) must not cost the analysis: the
        # other outputs are still written and the caller reports save_error.
        try:
            with SessionStore(db_path, config=config) as store:
                sid = store.save_analysis(analysis, client=client, kind=kind, exercise=exercise, notes=notes)
                out["session_id"] = sid
                row = store.get(sid)
                session.update(id=sid, started_at=row["started_at"])
                if client:
                    trend = store.trend(client, until_id=sid)
        except BreathcamError as exc:
            out["save_error"] = str(exc)

    def attempt(key, fn):
        try:
            out[key] = fn()
        except BreathcamError as exc:
            out["errors"].append(str(exc))

    if json_path:
        attempt("json", lambda: write_json(analysis, json_path, config=config))
    folders: dict[str, Path] = {}
    for key, folder in (("json", json_dir), ("csv", csv_dir), ("report", report_dir), ("waveform", waveform_dir)):
        if folder:
            try:
                folders[key] = _folder(folder)
            except BreathcamError as exc:
                out["errors"].append(str(exc))
    stem = free_stem(stem, folders)
    if "json" in folders:
        attempt("json", lambda: write_json(analysis, folders["json"] / f"{stem}.json", config=config))
    if "csv" in folders:
        from breathcam.report.csv import write_csvs

        attempt("csv", lambda: write_csvs(analysis, folders["csv"], stem=stem))
    if "waveform" in folders:
        from breathcam.report.waveform import write_waveforms

        attempt("waveform", lambda: write_waveforms(analysis, folders["waveform"], stem=stem, config=config))
    if "report" in folders:
        from breathcam.report.html import write_report

        attempt("report", lambda: write_report(analysis, folders["report"] / f"{stem}.report.html", lang=lang,
                                               client=client, session=session, trend=trend, config=config))
    return out


_OUTPUT_SUFFIXES = {"json": (".json",), "csv": (".breaths.csv", ".seconds.csv"), "report": (".report.html",),
                    "waveform": (".waveform.csv", "_physio.tsv.gz", "_physio.json", ".breath-table.csv", ".edf")}


def free_stem(stem: str, folders: dict[str, Path]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``, ... : the first for which no output file exists yet."""
    def taken(s: str) -> bool:
        return any((folders[k] / f"{s}{suf}").exists() or (folders[k] / f"{s}{suf}").is_symlink()
                   for k in folders for suf in _OUTPUT_SUFFIXES[k])

    k, candidate = 1, stem
    while taken(candidate):
        k += 1
        candidate = f"{stem}-{k}"
    return candidate


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """The name each input's outputs are made from: its stem, or its whole name when two inputs
    share a stem (``a.avi`` and ``a.mp4`` give ``a.avi.json`` and ``a.mp4.json``, not one ``a.json``)."""
    from collections import Counter

    count = Counter(p.stem.lower() for p in paths)
    return {p: (p.name if count[p.stem.lower()] > 1 else p.stem) for p in paths}


def _folder(path: str | Path) -> Path:
    from breathcam.fileio import make_folder

    return make_folder(path)


class _Progress:
    """Progress of a folder: clips done, clips per hour, time left.  One line that updates on a
    terminal; one line per finished clip otherwise (logs, CI)."""

    def __init__(self, total: int, stream: TextIO, *, already: int = 0, width: int = 24):
        self.total, self.stream, self.width = total, stream, width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.done = already  # clips finished, those done before included
        self.analysed = 0  # clips analysed in this run
        self.t0 = time.monotonic()

    def speed(self) -> str:
        """``"12.3 clips/hour, about 4 min left"`` once a clip was analysed in this run."""
        elapsed = time.monotonic() - self.t0
        if self.analysed == 0 or elapsed <= 0:
            return ""
        per_hour = 3600.0 * self.analysed / elapsed
        left_s = (self.total - self.done) * elapsed / self.analysed
        left = f"{left_s / 60:.0f} min" if left_s >= 90 else f"{left_s:.0f} s"
        return f"{per_hour:.0f} clips/hour, about {left} left" if self.done < self.total else f"{per_hour:.0f} clips/hour"

    def start(self) -> None:
        if self.tty:
            self._line("")

    def _line(self, name: str) -> None:
        from breathcam.text import terminal_safe

        frac = min(1.0, self.done / max(self.total, 1))
        bar = "#" * int(round(frac * self.width))
        text = terminal_safe(f"[{bar:<{self.width}}] {self.done}/{self.total} {self.speed()}  {name[:30]}")
        print(f"\r{text:<100}", end="", file=self.stream, flush=True)

    def finished(self, item: "BatchItem", *, analysed: bool = True) -> None:
        self.done += 1
        self.analysed += int(analysed)
        if self.tty:
            self._line(item.path.name)
            if self.done == self.total:
                print(file=self.stream)
            return
        from breathcam.text import terminal_safe

        what = "ok" if item.status == "ok" else f"{item.status}: {item.reason}"
        speed = self.speed()
        print(terminal_safe(f"[{self.done}/{self.total}] {item.path.name}: {what}" + (f" ({speed})" if speed else "")),
              file=self.stream, flush=True)


RESULTS_NAME = "breathcam-results"


def analyze_folder(
    folder: str | Path,
    *,
    config: Config = DEFAULT,
    report_dir: str | Path | None = None,
    csv_dir: str | Path | None = None,
    json_dir: str | Path | None = None,
    waveform_dir: str | Path | None = None,
    results_dir: str | Path | None = None,
    lang: str = "en",
    client: str | None = None,
    db_path: str | Path | None = None,
    save: bool = True,
    stream: TextIO | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
) -> list[BatchItem]:
    """Analyse every clip in ``folder``, ``jobs`` at a time (default: the number of cores), each in
    a process of its own, or on the Dask cluster at ``scheduler``; a file that fails becomes an
    "error" item and the batch goes on.

    Each clip leaves a result file in ``results_dir`` (default ``FOLDER/breathcam-results``:
    breathcam.report.jobs); a clip whose result file is newer than the clip and was made with the
    same configuration is not analysed again (``force`` redoes it).  This process alone merges
    the results into the session history, each once.  Ctrl-C, SIGTERM and SIGHUP end the workers;
    every clip finished by then is kept (result file, outputs, history) and is skipped next time.
    """
    from breathcam.fileio import make_folder
    from breathcam.report.jobs import ClipJob, is_done, result_path
    from breathcam.report.runners import DaskRunner, LocalRunner, default_workers
    from breathcam.stopsignals import shielded, stop_requested

    stream = stream if stream is not None else sys.stderr
    inputs = find_inputs(folder)
    if not inputs:
        raise InputError(
            f"no video clips or audio files in folder {folder} "
            f"(looked for {', '.join(sorted(VIDEO_EXTENSIONS | AUDIO_EXTENSIONS))})"
        )
    stems = output_stems(inputs)
    results = Path(results_dir) if results_dir else Path(folder) / RESULTS_NAME
    try:
        results = make_folder(results)
    except BreathcamError as exc:
        raise BreathcamError(f"{exc} (the per-clip results go there; choose another folder with --results DIR)") from None
    merge = dict(report_dir=report_dir, lang=lang, client=client, db_path=db_path, save=save, config=config)
    items: dict[Path, BatchItem] = {}
    todo: list = []
    done_before = [p for p in inputs if not force and is_done(p, results, stems[p], config)]
    bar = _Progress(len(inputs), stream, already=0)
    if done_before:
        print(f"{len(done_before)} of {len(inputs)} files already analysed (result files in {_safe(str(results))}); "
              f"skipped (--force redoes them)", file=stream, flush=True)
    for p in inputs:
        if p in done_before:
            with shielded():
                items[p] = _merged_item(p, result_path(results, stems[p]), skipped=True, **merge)
                bar.finished(items[p], analysed=False)
        else:
            todo.append(ClipJob(str(p), stems[p], str(results), config,
                                json_dir=None if json_dir is None else str(json_dir),
                                csv_dir=None if csv_dir is None else str(csv_dir),
                                waveform_dir=None if waveform_dir is None else str(waveform_dir),
                                report_dir=None if report_dir is None else str(report_dir)))
    by_path = {j.path: Path(j.path) for j in todo}
    runner = None
    try:
        if todo:
            runner = DaskRunner(scheduler) if scheduler else LocalRunner(jobs or default_workers())
            bar.start()
            for job, res in runner.run(todo):
                with shielded():
                    path = by_path[job.path]
                    if res.status == "ok":
                        items[path] = _merged_item(path, Path(res.result_file), skipped=False, **merge)
                    else:
                        items[path] = BatchItem(path, "error", res.reason, seconds=res.seconds)
                    bar.finished(items[path])
                    if stop_requested():
                        break
    except KeyboardInterrupt:
        pass
    finally:
        if runner is not None:
            runner.close()
    if len(items) < len(inputs):
        first = next(p for p in inputs if p not in items)
        print(file=stream)
        print(f"breathcam: interrupted at {_safe(first.name)}; the summary covers the {len(items)} files done "
              f"(run the same command again to go on: finished files are not analysed again)", file=stream)
    return [items[p] for p in inputs if p in items]


def _merged_item(path: Path, result_file: Path, *, skipped: bool, report_dir, lang, client, db_path, save,
                 config: Config) -> BatchItem:
    """Merge one clip's result file into the history (once: its result_id is kept with the session),
    write its report, and make its summary row."""
    from breathcam.report.export import summary_numbers
    from breathcam.report.jobs import merged_session, read_result

    try:
        analysis, data = read_result(result_file)
    except BreathcamError as exc:
        return BatchItem(path, "error", _one_line(f"result file {result_file}: {exc}"))
    run = data.get("run") or {}
    seconds = float(run.get("processing_s") or 0.0)
    stem = str(run.get("stem") or path.stem)
    kind = "audio" if path.suffix.lower() in AUDIO_EXTENSIONS else "clip"
    errors = [str(e) for e in run.get("output_errors", [])] if not skipped else []
    sid, save_error, trend, session, new = None, None, [], {"client": client, "notes": "", "exercise": None}, False
    if save:
        from breathcam.report.store import SessionStore

        try:
            with SessionStore(db_path, config=config) as store:
                sid = merged_session(store, str(run.get("result_id", "")))
                if sid is None:
                    stored = {k: v for k, v in data.items() if k != "trace"}
                    sid = store.save_analysis(analysis, client=client, kind=kind, analysis_json=stored)
                    new = True
                row = store.get(sid)
                session.update(id=sid, started_at=row["started_at"])
                if client:
                    trend = store.trend(client, until_id=sid)
        except BreathcamError as exc:
            save_error = str(exc)
    report = None
    if report_dir:
        try:
            from breathcam.report.html import write_report

            target = _folder(report_dir) / f"{stem}.report.html"
            if new or not save or not target.exists():
                report = write_report(analysis, target, lang=lang, client=client, session=session, trend=trend,
                                      extras=data, config=config)
            else:
                report = target
        except BreathcamError as exc:
            errors.append(str(exc))
        except Exception as exc:  # a bug in the report must not lose the batch
            errors.append(f"report of {path.name}: unexpected {type(exc).__name__}: {exc}")
    numbers = summary_numbers(analysis, min_breaths=config.report.min_breaths_variability)
    reason = "; ".join(
        (["already analysed"] if skipped else [])
        + [f"not written: {e}" for e in errors]
        + ([f"session not saved: {save_error}"] if save_error else [])
        + ([analysis.quality.notes[-1]] if analysis.rate_bpm is None and analysis.quality.notes else []))
    return BatchItem(path, "ok", _one_line(reason), numbers, sid, report, seconds, output_errors=tuple(errors),
                     skipped=skipped)


def _safe(text: str) -> str:
    from breathcam.text import terminal_safe

    return terminal_safe(text)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _fmt(v, nd=1) -> str:
    if v is None or v == "":
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def summary_lines(items: list[BatchItem]) -> list[str]:
    """The summary table printed at the end of a batch."""
    head = ("file", "status", "rate/min", "breaths", "CV", "sighs/min", "holds", "conf", "note")
    rows = []
    for it in items:
        n = it.numbers
        rows.append((it.path.name, it.status, _fmt(n.get("rate_bpm")), _fmt(n.get("n_breaths")),
                     _fmt(n.get("cv_duration"), 2), _fmt(n.get("sighs_per_min"), 2), _fmt(n.get("n_holds")),
                     _fmt(n.get("confidence"), 2), it.reason))
    from breathcam.text import terminal_safe

    rows = [tuple(terminal_safe(c) for c in r) for r in rows]
    widths = [max(len(str(r[k])) for r in [head, *rows]) for k in range(len(head) - 1)]
    fmt = lambda r: "  ".join(f"{str(c):<{w}}" if k < 2 else f"{str(c):>{w}}" for k, (c, w) in enumerate(zip(r, widths))) \
        + ("  " + r[-1] if r[-1] else "")
    ok = sum(1 for it in items if it.status == "ok")
    return [fmt(head), *[fmt(r) for r in rows], f"{ok} of {len(items)} files analysed"]


def write_summary_csv(items: list[BatchItem], path: str | Path) -> Path:
    from breathcam.fileio import write_output
    from breathcam.report.csv import csv_text

    rows = []
    for it in items:
        n = it.numbers
        rows.append({"file": it.path.name, "status": it.status, "reason": it.reason,
                     **{k: ("" if n.get(k) is None else n.get(k)) for k in NUMBER_COLUMNS},
                     "session_id": it.session_id or "", "report": str(it.report or ""),
                     "processing_s": round(it.seconds, 2)})
    return write_output(path, csv_text(SUMMARY_COLUMNS, rows))
