"""The outputs of an analysis (report, CSVs, JSON, history) and ``breathcam analyze FOLDER``.

:func:`save_outputs` writes whatever was asked for one analysis; :func:`analyze_folder` runs every
clip of a folder (and every audio file, when the sound analysis is installed: pipeline.analyze_audio)
with a progress bar on stderr, keeps going past a file that fails, and returns one
:class:`BatchItem` per file; :func:`summary_lines` and :func:`write_summary_csv` make the summary.

Exit status of the command (docs/usage.md): 0 when at least one file was analysed, 2 when none
could be (each failure is in the summary with a one-line reason).  Ctrl-C stops after the current
file and still prints and writes the summary of the files done.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, BreathcamError, InputError

__all__ = ["VIDEO_EXTENSIONS", "AUDIO_EXTENSIONS", "BatchItem", "find_inputs", "save_outputs", "analyze_folder",
           "summary_lines", "write_summary_csv", "SUMMARY_NAME"]

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".3gp"})
AUDIO_EXTENSIONS = frozenset({".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus"})
SUMMARY_NAME = "breathcam-summary.csv"

SUMMARY_COLUMNS = ("file", "status", "reason", "duration_s", "rate_bpm", "n_breaths", "cv_duration", "sighs_per_min",
                   "n_holds", "longest_hold_s", "pattern_label", "confidence", "session_id", "report", "seconds")


@dataclass(frozen=True)
class BatchItem:
    path: Path
    status: str  # "ok" | "error"
    reason: str = ""
    numbers: dict = field(default_factory=dict)
    session_id: int | None = None
    report: Path | None = None
    seconds: float = 0.0  # time the analysis took
    output_errors: tuple[str, ...] = ()  # outputs that could not be written (the analysis itself is kept)


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

    out: dict = {"session_id": None, "report": None, "csv": None, "json": None, "save_error": None, "errors": []}
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
        attempt("json", lambda: write_json(analysis, json_path))
    folders: dict[str, Path] = {}
    for key, folder in (("json", json_dir), ("csv", csv_dir), ("report", report_dir)):
        if folder:
            try:
                folders[key] = _folder(folder)
            except BreathcamError as exc:
                out["errors"].append(str(exc))
    stem = free_stem(stem, folders)
    if "json" in folders:
        attempt("json", lambda: write_json(analysis, folders["json"] / f"{stem}.json"))
    if "csv" in folders:
        from breathcam.report.csv import write_csvs

        attempt("csv", lambda: write_csvs(analysis, folders["csv"], stem=stem))
    if "report" in folders:
        from breathcam.report.html import write_report

        attempt("report", lambda: write_report(analysis, folders["report"] / f"{stem}.report.html", lang=lang,
                                               client=client, session=session, trend=trend, config=config))
    return out


_OUTPUT_SUFFIXES = {"json": (".json",), "csv": (".breaths.csv", ".seconds.csv"), "report": (".report.html",)}


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
    """A one-line progress bar on a terminal; one line per finished file otherwise (logs, CI)."""

    def __init__(self, total: int, stream: TextIO, width: int = 28):
        self.total, self.stream, self.width = total, stream, width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def update(self, done_files: float, name: str) -> None:
        if not self.tty:
            return
        frac = min(1.0, done_files / max(self.total, 1))
        bar = "#" * int(round(frac * self.width))
        from breathcam.text import terminal_safe

        name = terminal_safe(name)
        print(f"\r[{bar:<{self.width}}] {int(done_files)}/{self.total} {name[:40]:<40}", end="", file=self.stream,
              flush=True)

    def finished(self, index: int, item: BatchItem) -> None:
        if self.tty:
            self.update(index, item.path.name)
            if index == self.total:
                print(file=self.stream)
            return
        from breathcam.text import terminal_safe

        what = "ok" if item.status == "ok" else f"{item.status}: {item.reason}"
        print(terminal_safe(f"[{index}/{self.total}] {item.path.name}: {what}"), file=self.stream, flush=True)


def analyze_folder(
    folder: str | Path,
    *,
    config: Config = DEFAULT,
    report_dir: str | Path | None = None,
    csv_dir: str | Path | None = None,
    json_dir: str | Path | None = None,
    lang: str = "en",
    client: str | None = None,
    db_path: str | Path | None = None,
    save: bool = True,
    stream: TextIO | None = None,
    analyze: Callable[..., Analysis] | None = None,
) -> list[BatchItem]:
    """Analyse every clip in ``folder``; a file that fails becomes an "error" item and the batch goes on.

    ``analyze`` replaces the per-file analysis (default: pipeline.analyze_file, which sends sound
    files to the sound analysis and clips to the video one).
    """
    from breathcam.pipeline import analyze_file
    from breathcam.stopsignals import shielded, stop_requested

    stream = stream if stream is not None else sys.stderr
    inputs = find_inputs(folder)
    if not inputs:
        raise InputError(
            f"no video clips or audio files in folder {folder} "
            f"(looked for {', '.join(sorted(VIDEO_EXTENSIONS | AUDIO_EXTENSIONS))})"
        )
    stems = output_stems(inputs)
    bar = _Progress(len(inputs), stream)
    items: list[BatchItem] = []
    fn = analyze or analyze_file
    current = inputs[0]
    # A stop (Ctrl-C, SIGTERM, SIGHUP: breathcam.stopsignals) interrupts only a file's analysis;
    # the bookkeeping and the outputs of a file that is done are shielded, so what the summary
    # lists was written whole.
    try:
        for i, path in enumerate(inputs, 1):
            with shielded():
                current = path
                if stop_requested():
                    break
                t0 = time.perf_counter()
                bar.update(i - 1, path.name)

            def progress(t_s, duration_s, i=i, name=path.name):
                bar.update(i - 1 + (min(t_s / duration_s, 1.0) if duration_s else 0.0), name)

            item = analysis = None
            try:
                kwargs = {"progress": progress} if _takes_progress(fn) else {}
                analysis = fn(path, config=config, **kwargs)
            except BreathcamError as exc:
                item = BatchItem(path, "error", _one_line(str(exc)), seconds=time.perf_counter() - t0)
            except Exception as exc:  # a bug or a decoder crash on one file must not lose the batch
                item = BatchItem(path, "error", _one_line(f"unexpected {type(exc).__name__}: {exc}"),
                                 seconds=time.perf_counter() - t0)
            with shielded():
                if item is None:
                    item = _done_item(path, analysis, t0=t0, stem=stems[path], report_dir=report_dir, csv_dir=csv_dir,
                                      json_dir=json_dir, lang=lang, client=client, db_path=db_path, save=save,
                                      config=config)
                items.append(item)
                bar.finished(i, item)
                if stop_requested() and i < len(inputs):  # a stop signal came while this file was done
                    current = inputs[i]
                    break
    except KeyboardInterrupt:
        pass
    if len(items) < len(inputs):
        print(file=stream)
        print(f"breathcam: interrupted at {_safe(current.name)}; the summary covers the {len(items)} files done",
              file=stream)
    return items


def _done_item(path: Path, analysis: Analysis, *, t0: float, stem: str, config: Config, **outputs) -> BatchItem:
    """Save the outputs of one analysed file and make its summary row."""
    from breathcam.report.export import summary_numbers

    try:
        outs = save_outputs(analysis, stem=stem, kind="audio" if path.suffix.lower() in AUDIO_EXTENSIONS else "clip",
                            config=config, **outputs)
    except Exception as exc:  # a bug in an output must not lose the batch
        return BatchItem(path, "error", _one_line(f"unexpected {type(exc).__name__}: {exc}"),
                         seconds=time.perf_counter() - t0)
    numbers = summary_numbers(analysis, min_breaths=config.report.min_breaths_variability)
    reason = "; ".join(
        [f"not written: {e}" for e in outs["errors"]]
        + ([f"session not saved: {outs['save_error']}"] if outs["save_error"] else [])
        + ([analysis.quality.notes[-1]] if analysis.rate_bpm is None and analysis.quality.notes else []))
    return BatchItem(path, "ok", _one_line(reason), numbers, outs["session_id"], outs["report"],
                     time.perf_counter() - t0, output_errors=tuple(outs["errors"]))


def _safe(text: str) -> str:
    from breathcam.text import terminal_safe

    return terminal_safe(text)


def _takes_progress(fn) -> bool:
    import inspect

    try:
        return "progress" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


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
                     **{k: ("" if n.get(k) is None else n.get(k)) for k in SUMMARY_COLUMNS[3:12]},
                     "session_id": it.session_id or "", "report": str(it.report or ""),
                     "seconds": round(it.seconds, 2)})
    return write_output(path, csv_text(SUMMARY_COLUMNS, rows))
