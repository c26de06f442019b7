"""Command line: ``breathcam analyze | live | exercise | assess | report | sessions | devices | simulate``.

Each command parses its options and hands on to the module that does the work (pipeline, live,
report.*); nothing is computed here but the printed summary.

Errors the user can act on print one line (``breathcam: error: ...``) and exit with status 2;
they never show a traceback.  An output that cannot be written does not stop the others (each
failure is one such line at the end, status 2).  SIGTERM and SIGHUP stop a command as Ctrl-C does
(breathcam.stopsignals); the status is then 128 + the signal's number.  What is printed from
outside (client ids, notes, file names) has its control characters escaped (breathcam.text).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from breathcam import __version__
from breathcam.types import BreathcamError

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="breathcam",
        description="Watch a person breathe through a camera and tell them how they breathe.",
    )
    parser.add_argument("--version", action="version", version=f"breathcam {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    analyze = sub.add_parser(
        "analyze",
        help="analyse a recorded clip, a sound file or a folder: every breath, rate, holds, chest vs belly",
        description="Analyse a recorded video clip or sound file (or every one in a folder) and print a summary; "
        "--json writes the analysis contract.",
    )
    analyze.add_argument("input", help="video (mp4, avi, mov, mkv, ...) or sound file (wav, flac, ogg, mp3, ...), "
                         "or a folder: every clip and sound file in it")
    analyze.add_argument("--json", dest="json_path", metavar="OUT.json", help="write the analysis as JSON")
    analyze.add_argument("--config", metavar="FILE.toml", help="override thresholds (see docs/config.md)")
    analyze.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    analyze.add_argument("--video", dest="video_path", metavar="OUT.mp4", help="write the clip with the live overlay drawn on it")
    analyze.add_argument("--lang", choices=("en", "nl"), default="en", help="language of the overlay (--video)")
    analyze.add_argument("--report", dest="report_dir", metavar="DIR", help="write an HTML report (--lang en|nl) into DIR")
    analyze.add_argument("--csv", dest="csv_dir", metavar="DIR", help="write CSVs per breath and per second into DIR")
    analyze.add_argument("--waveform", dest="waveform_dir", metavar="DIR",
                         help="write the 10 Hz traces (CSV, BIDS physio .tsv.gz + .json, EDF+) and a per-breath "
                         "table in NeuroKit2's conventions into DIR (docs/formats.md)")
    folder = analyze.add_argument_group("folders")
    folder.add_argument("--jobs", type=_positive_int, metavar="N",
                        help="clips analysed at once, each in its own process (default: the number of cores)")
    folder.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run the clips on a Dask distributed cluster instead (pip install \"breathcam[dask]\")")
    folder.add_argument("--results", dest="results_dir", metavar="DIR",
                        help="where each clip's result file goes (default: FOLDER/breathcam-results); "
                        "clips with a result newer than the clip are skipped")
    folder.add_argument("--force", action="store_true", help="analyse every clip again, even those already done")
    analyze.add_argument("--client", metavar="ID", help="client id stored with the session in the history")
    analyze.add_argument("--note", default="", metavar="TEXT", help="a note stored with the session")
    analyze.add_argument("--no-save", action="store_true", help="do not add the session to the history")
    analyze.add_argument("--db", metavar="PATH", help="session history database (default: see docs/usage.md)")

    report = sub.add_parser(
        "report",
        help="HTML report of a saved analysis (.json) or of a session id from the history",
        description="Write the physiotherapist's HTML report of SESSION: a saved JSON analysis or a session id.",
    )
    report.add_argument("session", metavar="SESSION", help="OUT.json from analyze --json, or a session id")
    report.add_argument("-o", "--out", metavar="DIR|FILE.html", help="where to write (default: beside the JSON, "
                        "or the current folder)")
    report.add_argument("--lang", choices=("en", "nl"), default="en", help="report language")
    report.add_argument("--db", metavar="PATH", help="session history database")
    report.add_argument("--config", metavar="FILE.toml", help="override thresholds (see docs/config.md)")
    report.add_argument("--pdf", action="store_true", help="also print the report to PDF (headless Chromium, A4)")

    sessions = sub.add_parser("sessions", help="the session history: list, show, compare, note",
                              description="The session history (SQLite): list, show, compare sessions, add notes.")
    sessions.add_argument("--db", metavar="PATH", help="session history database")
    ssub = sessions.add_subparsers(dest="action", metavar="ACTION", required=True)
    s_list = ssub.add_parser("list", help="list sessions, oldest first")
    s_list.add_argument("--client", metavar="ID", help="only this client's sessions")
    s_list.add_argument("--last", type=_positive_int, metavar="N", help="only the last N (1 or more)")
    s_show = ssub.add_parser("show", help="key numbers and notes of one session")
    s_show.add_argument("id", metavar="ID")
    for p in (s_list, s_show):
        p.add_argument("--lang", choices=("en", "nl"), default="en", help="language of the table")
    s_cmp = ssub.add_parser("compare", help="key numbers of sessions side by side; --html draws the trend")
    s_cmp.add_argument("ids", nargs="*", metavar="ID", help="session ids (default: all of --client)")
    s_cmp.add_argument("--client", metavar="ID", help="compare all sessions of this client")
    s_cmp.add_argument("--html", metavar="OUT.html", help="write a trend plot across the sessions")
    s_cmp.add_argument("--lang", choices=("en", "nl"), default="en", help="language of the --html page")
    s_note = ssub.add_parser("note", help="add a note to a session")
    s_note.add_argument("id", metavar="ID")
    s_note.add_argument("text", metavar="TEXT")
    for p in (s_list, s_show, s_cmp, s_note):  # --db before or after the action
        p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="session history database")

    live = sub.add_parser(
        "live",
        help="watch breathing live in a window (camera, or --source CLIP replayed in real time)",
        description="Live breathing overlay. Keys: q/Esc quit, p/space pause, r recalibrate (re-find the torso).",
    )
    _add_live_arguments(live)
    exercise = sub.add_parser(
        "exercise",
        help="a paced breathing exercise with feedback: box, 478, 46, coherent, coherent6, belly, or in-hold-out-hold",
        description="A paced breathing exercise with a pacer, feedback and a compliance score. "
        "NAME is box, 478, 46, coherent, coherent6, belly, connected, holdrounds, or a pattern in-hold-out-hold "
        "in seconds such as 4-2-6-0. Intense exercises show a safety screen that must be confirmed.",
    )
    exercise.add_argument("name", metavar="NAME", help="exercise name or in-hold-out-hold pattern (e.g. 4-2-6-0)")
    _add_live_arguments(exercise)
    exercise.add_argument("--cycles", type=int, help="number of breathing cycles (default: the exercise's own)")

    from breathcam.assess.command import add_parser as add_assess

    add_assess(sub)
    sub.add_parser(
        "devices",
        help="list cameras and microphones",
        description="List the cameras (indices 0-9 that open) and the microphones (input devices) breathcam can use.",
    )

    sub.add_parser("simulate", help=_simulate_help(), add_help=False)
    return parser


def _simulate_help() -> str:
    """The simulator's line in ``breathcam --help``: what it needs, when that is not installed
    (its stills come with scikit-image and matplotlib: the ``sim`` extra)."""
    import importlib.util

    text = "render a simulated clip with exact truth (breathcam simulate --help)"

    def absent(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is None
        except (ImportError, ValueError):
            return True

    missing = [m for m in ("skimage", "matplotlib") if absent(m)]
    if missing:
        text += '; not installed yet: pip install "breathcam[sim]" (in a checkout: pip install -e ".[sim]")'
    return text


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {n}")
    return n


def _add_live_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, metavar="N", help="camera index (default 0)")
    src.add_argument("--source", metavar="CLIP", help="replay a video file at its own pace instead of a camera")
    p.add_argument("--no-window", action="store_true", help="headless: no window (for scripts and tests)")
    mic = p.add_mutually_exclusive_group()
    mic.add_argument("--mic", metavar="DEVICE", help="microphone: index or (part of) a name from `breathcam devices` "
                     "(default: the system's default input)")
    mic.add_argument("--no-mic", action="store_true", help="do not listen: video alone")
    p.add_argument("--json", dest="json_path", metavar="OUT.json", help="write the session's analysis as JSON")
    p.add_argument("--video", dest="video_path", metavar="OUT.mp4", help="write the overlaid frames as a video")
    p.add_argument("--lang", choices=("en", "nl"), default="en", help="language of the overlay and feedback")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="end the session after this many seconds")
    p.add_argument("--config", metavar="FILE.toml", help="override thresholds (see docs/config.md)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--client", metavar="ID", help="client id stored with the session in the history")
    p.add_argument("--note", default="", metavar="TEXT", help="a note stored with the session")
    p.add_argument("--no-save", action="store_true", help="do not write the session to the history")
    p.add_argument("--db", metavar="PATH", help="session history database (default: see docs/usage.md)")
    p.add_argument("--lsl", action="store_true", help="stream the breathing trace and breath events to Lab "
                   "Streaming Layer (streams 'breathcam' and 'breathcam-events'; pip install \"breathcam[lsl]\")")
    # Tests only: replay a clip faster than real time (the live loop is otherwise unchanged).
    p.add_argument("--replay-speed", type=float, default=1.0, help=argparse.SUPPRESS)


def _check_out(path: str | None) -> None:
    if path:
        out = Path(path)
        if out.parent and not out.parent.exists():
            raise BreathcamError(f"cannot write {out}: folder {out.parent} does not exist")


def _cmd_live(args: argparse.Namespace, *, exercise: str | None = None) -> int:
    from breathcam.config import load_config
    from breathcam.live import run_live
    from breathcam.report.export import write_json

    config = load_config(args.config)
    _check_out(args.json_path)
    _check_out(args.video_path)
    source = args.source if args.source is not None else args.camera
    writer = None if args.no_save else _live_writer(args, config, source=source, exercise=exercise)
    outlet = None
    if args.lsl:
        from breathcam.lsl import LslOutlet

        outlet = LslOutlet()
    updates = [u for u in (writer, outlet) if u is not None]
    try:
        result = run_live(
            source,
            config=config,
            lang=args.lang,
            window=not args.no_window,
            video_path=args.video_path,
            exercise=exercise,
            cycles=getattr(args, "cycles", None),
            duration_s=args.duration,
            replay_speed=args.replay_speed,
            on_update=(lambda state, analysis=None: [u(state, analysis) for u in updates]) if updates else None,
            mic=False if args.no_mic else (args.mic if args.mic is not None else True),
        )
    finally:
        if outlet is not None:
            outlet.close()
        if writer is not None:
            writer.close()  # a no-op after the final analysis; keeps what was written if the loop failed
            if writer.error is not None:
                _error(f"session not saved: {writer.error}", warning=True)
    from breathcam.stopsignals import shielded

    errors = []
    if args.json_path:
        with shielded():
            try:
                write_json(result.analysis, args.json_path, config=config)
            except BreathcamError as exc:
                errors.append(str(exc))
    if not args.quiet:
        _out(*_summary(result.analysis, args.lang))
        comp = result.analysis.compliance
        if comp is not None:
            phases = ", ".join(f"{k} {100 * v:.0f}%" for k, v in comp.per_phase.items())
            _out(f"compliance: {100 * comp.score:.0f}% ({phases}); cycles followed {comp.cycles_followed}/{comp.cycles_total}")
        for ev in result.analysis.feedback:
            _out(f"feedback at {ev.t:.0f} s: {ev.message}")
        if args.json_path and not errors and not _is_stream(args.json_path):
            _out(f"analysis written to {args.json_path}")
        if args.video_path:
            _out(_video_line(args.video_path))
        if writer is not None and writer.session_id is not None:
            _out(f"opgeslagen als sessie {writer.session_id} (breathcam sessions show {writer.session_id} --lang nl)"
                 if args.lang == "nl" else
                 f"saved as session {writer.session_id} (breathcam sessions show {writer.session_id})")
    return _report_errors(errors)


def _report_errors(errors: list[str]) -> int:
    """Each output that failed, one line; exit 2 when any did (what was computed is kept)."""
    for e in errors:
        _error(e)
    return EXIT_INPUT if errors else 0


def _live_writer(args: argparse.Namespace, config, *, source, exercise: str | None):
    """The session history's writer for a live session (written as it goes, opened at the first update)."""
    from breathcam.report.store import LiveSessionWriter

    name = f"camera {source}" if isinstance(source, int) else str(source)
    return LiveSessionWriter(args.db, client=args.client, source=name, exercise=exercise, notes=args.note, config=config)


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def progress(t_s: float, duration_s: float | None) -> None:
        total = f" / {duration_s:.0f} s" if duration_s else " s"
        print(f"\ranalysing: {t_s:.0f}{total}", end="", file=sys.stderr, flush=True)

    return progress


def summary_lines(analysis) -> list[str]:
    """A short human-readable summary of an Analysis."""
    lines = [f"{analysis.source}: {analysis.duration_s:.1f} s"]
    if analysis.rate_bpm is None:
        lines.append("rate: no reliable reading")
    else:
        lines.append(f"rate: {analysis.rate_bpm:.1f} breaths/min")
    lines.append(f"breaths: {len(analysis.breaths)}")
    if analysis.breaths:
        import statistics

        lines.append(
            "median inhale / exhale / pause: "
            f"{statistics.median(b.inhale_s for b in analysis.breaths):.1f} / "
            f"{statistics.median(b.exhale_s for b in analysis.breaths):.1f} / "
            f"{statistics.median(b.pause_s for b in analysis.breaths):.1f} s"
        )
    for h in analysis.holds:
        length = f"at least {h.duration_s:.1f} s: still held when the measurement ends" if h.open else f"{h.duration_s:.1f} s"
        lines.append(f"hold after {h.after}: {h.start:.1f}-{h.end:.1f} s ({length})")
    sighs = sum(1 for b in analysis.breaths if b.is_sigh)
    if sighs:
        lines.append(f"sighs: {sighs}")
    lines.extend(_pattern_lines(analysis.pattern))
    lines.extend(_movement_lines(analysis.movement))
    lines.append(
        f"quality: confidence {analysis.quality.confidence:.2f}, person found by pose in "
        f"{100 * analysis.quality.pose_found:.0f}% of checks"
    )
    lines.extend(f"note: {n}" for n in analysis.quality.notes)
    return lines


def _summary(analysis, lang: str) -> list[str]:
    """The summary in the language asked for (--lang)."""
    if lang == "nl":
        from breathcam.report.summary import summary_lines_nl

        return summary_lines_nl(analysis)
    return summary_lines(analysis)


def _movement_lines(m) -> list[str]:
    """One line on breathing while moving (signals.movement), none when the body did not move."""
    if m is None or not m.reps:
        return []
    if not m.separable:
        return [f"movement: {len(m.reps)} repetitions; the breath keeps step with them (cannot be separated)"]
    held = sum(1 for r in m.reps if r.held)
    exhale = sum(1 for r in m.reps if r.exhale_on_effort)
    return [f"movement: {len(m.reps)} repetitions; breath held through {held}, exhale on the effort in {exhale}"]


def _pattern_lines(p) -> list[str]:
    """One or two lines on chest vs belly breathing (signals.pattern)."""
    if p.label == "unknown":
        why = next((n.split(": ", 1)[-1] for n in p.notes), "no reading")
        return [f"chest/belly: no reliable reading ({why})"]
    share = "" if p.belly_share is None else f", belly share {p.belly_share:.2f}"
    phase = "" if p.phase_deg is None else f", phase {p.phase_deg:+.0f} deg"
    lines = [f"chest/belly: {p.label}{share}{phase}, confidence {p.confidence:.2f}"]
    extra = []
    if p.paradoxical:
        extra.append("paradoxical (belly moves in while the chest rises)")
    if p.switch_t is not None:
        extra.append(f"{p.label_before} -> {p.label_after} at {p.switch_t:.0f} s")
    if p.shoulder_lift is not None:
        extra.append(f"shoulder lift {p.shoulder_lift:.2f}")
    if extra:
        lines.append("  " + "; ".join(extra))
    return lines


def _cmd_analyze(args: argparse.Namespace) -> int:
    from breathcam.config import load_config
    from breathcam.pipeline import analyze_file

    config = load_config(args.config)
    path = Path(args.input)
    if path.is_dir():
        return _cmd_analyze_folder(args, config)
    for flag, value in (("--jobs", args.jobs), ("--scheduler", args.scheduler), ("--results", args.results_dir),
                        ("--force", args.force)):
        if value:
            raise BreathcamError(f"{flag} is for a folder of clips; {path} is one file")
    if args.json_path:
        out = Path(args.json_path)
        if out.parent and not out.parent.exists():
            raise BreathcamError(f"cannot write {out}: folder {out.parent} does not exist")
    progress = None if args.quiet else _progress_printer()
    if getattr(args, "video_path", None):
        from breathcam.live import render_overlay_video

        _check_out(args.video_path)
        analysis = render_overlay_video(path, args.video_path, config=config, lang=args.lang).analysis
    else:
        analysis = analyze_file(path, config=config, progress=progress)
    if progress is not None:
        print(file=sys.stderr)
    # Every output is attempted, the session saved, the summary printed, even when one output
    # fails (a full disk, a read-only folder); the failures are listed last and the exit is 2.
    from breathcam.stopsignals import shielded

    with shielded():
        from breathcam.report.html import output_stem

        outs = _save_outputs(analysis, args, config, stem=output_stem(path.stem, client=args.client))
    if not args.quiet:
        _out(*_summary(analysis, args.lang))
        _print_outputs(outs, args.lang)
        if getattr(args, "video_path", None):
            _out(_video_line(args.video_path))
    return _report_errors(outs["errors"])


def _video_line(path) -> str:
    """Where the overlay video went and what it holds (H.264 plays in browsers; MPEG-4 Part 2 does not)."""
    import os

    try:
        import av

        with av.open(str(path)) as c:
            name = c.streams.video[0].codec_context.name
    except Exception:
        name = ""
    what = {"h264": "H.264", "mpeg4": "MPEG-4 Part 2: browsers do not play it, VLC and ffplay do",
            "mjpeg": "Motion JPEG"}.get(name, name)
    return f"video written to {os.path.abspath(path)}" + (f" ({what})" if what else "")


def _save_outputs(analysis, args, config, *, stem: str) -> dict:
    from breathcam.report.batch import save_outputs

    outs = save_outputs(analysis, stem=stem, json_path=args.json_path, report_dir=args.report_dir,
                        csv_dir=args.csv_dir, waveform_dir=args.waveform_dir, lang=args.lang, client=args.client,
                        db_path=args.db,
                        save=not args.no_save, notes=args.note, config=config)
    if outs["save_error"]:
        _error(f"session not saved: {outs['save_error']}", warning=True)
    return outs


def _print_outputs(outs: dict, lang: str = "en") -> None:
    if lang == "nl":
        from breathcam.report.summary import output_lines_nl

        _out(*output_lines_nl(outs, show_json=bool(outs["json"]) and not _is_stream(outs["json"])))
        return
    if outs["json"] and not _is_stream(outs["json"]):
        _out(f"analysis written to {outs['json']}")
    if outs["session_id"] is not None:
        _out(f"saved as session {outs['session_id']} (breathcam sessions show {outs['session_id']})")
    if outs["report"]:
        _out(f"report written to {outs['report']}")
    if outs["csv"]:
        _out(f"CSVs written to {outs['csv'][0]} and {outs['csv'][1].name}")
    if outs.get("waveform"):
        _out(f"waveforms written to {outs['waveform'][0].parent}: " + ", ".join(p.name for p in outs["waveform"]))


def _cmd_analyze_folder(args: argparse.Namespace, config) -> int:
    from breathcam.report.batch import SUMMARY_NAME, analyze_folder, summary_lines as batch_lines, write_summary_csv

    if getattr(args, "video_path", None):
        raise BreathcamError("--video takes one clip, not a folder")
    if args.jobs is not None and args.scheduler:
        raise BreathcamError("--jobs and --scheduler exclude each other: the cluster's workers set how many run at once")
    items = analyze_folder(args.input, config=config, report_dir=args.report_dir, csv_dir=args.csv_dir,
                           json_dir=args.json_path, waveform_dir=args.waveform_dir, results_dir=args.results_dir,
                           lang=args.lang, client=args.client, db_path=args.db, save=not args.no_save,
                           jobs=args.jobs, scheduler=args.scheduler, force=args.force)
    summary_dir = Path(args.csv_dir or args.report_dir or args.input)
    from breathcam.stopsignals import shielded

    errors = [e for it in items for e in it.output_errors]
    try:
        with shielded():
            written = write_summary_csv(items, summary_dir / SUMMARY_NAME)
    except BreathcamError as exc:
        written = None
        errors.append(f"summary CSV not written: {exc}")
    if not args.quiet:
        _out(*batch_lines(items))
        if written:
            _out(f"summary written to {written}")
    if not any(it.status == "ok" for it in items):
        from breathcam.stopsignals import stop_requested

        if stop_requested():  # stopped before a file was done: nothing failed
            return EXIT_INTERRUPTED
        raise BreathcamError(f"no file in {args.input} could be analysed (reasons in the summary above)")
    return _report_errors(errors)


def _cmd_report(args: argparse.Namespace) -> int:
    from breathcam.config import load_config
    from breathcam.report.html import report_for_session

    path = report_for_session(args.session, out=args.out, lang=args.lang, db_path=args.db,
                              config=load_config(args.config))
    if not _is_stream(path):
        _out(f"report written to {path}")
        if args.pdf:
            from breathcam.assess.report import print_pdf

            _out(f"PDF written to {print_pdf(path, path.with_suffix('.pdf'))}")
    return 0


def _is_stream(path) -> bool:
    """Standard output, a device or a FIFO: no "written to" line (it would mix with the output)."""
    from breathcam.fileio import is_stream_or_device

    return is_stream_or_device(path)


def _cmd_sessions(args: argparse.Namespace) -> int:
    from breathcam.report import store as st

    with st.SessionStore(args.db, create=False) as db:
        if args.action == "list":
            rows = db.list(client=args.client, limit=args.last)
            lines = st.list_lines([db.get_numbers(r["id"]) if r["status"] == "live" else r for r in rows], lang=args.lang)
        elif args.action == "show":
            lines = st.show_lines(db.get_numbers(args.id), lang=args.lang)
        elif args.action == "note":
            db.add_note(int(db.get(args.id)["id"]), args.text)
            lines = [f"note added to session {args.id}"]
        else:
            rows = [db.get(i) for i in args.ids] if args.ids else db.list(client=args.client) if args.client else []
            lines = st.compare_lines(rows, lang=args.lang)
            if args.html:
                from breathcam.report.html import write_trend_page

                client = args.client or rows[-1]["client"] or "-"
                page = write_trend_page(rows, args.html, client=client, lang=args.lang)
                lines.append(f"trend written to {page}")
    _out(*lines)
    return 0


def _list_cameras(max_index: int = 9) -> list[dict]:
    """Camera indices 0..max_index that open and deliver a frame, probed with OpenCV's logs off."""
    from breathcam._deps import cv2
    from breathcam.capture.video import _quiet_opencv, _set_cv_log_level

    cv = cv2()
    _quiet_opencv()
    old = _set_cv_log_level(0)
    found = []
    try:
        for i in range(max_index + 1):
            cap = cv.VideoCapture(i)
            try:
                if cap.isOpened():
                    ok, frame = cap.read()
                    if ok and frame is not None:
                        found.append({"index": i, "width": int(frame.shape[1]), "height": int(frame.shape[0])})
            finally:
                cap.release()
    finally:
        _set_cv_log_level(old)
    return found


def _cmd_devices(args: argparse.Namespace) -> int:
    """Cameras by probing indices 0-9 quietly; microphones through PortAudio (a missing library is
    reported, the camera list still printed)."""
    from breathcam.capture.audio import list_input_devices

    cams = _list_cameras()
    print("cameras:" if cams else "cameras: none found (indices 0-9 probed)")
    for c in cams:
        print(f"  {c['index']}: {c['width']}x{c['height']}  (breathcam live --camera {c['index']})")
    try:
        mics = list_input_devices()
    except BreathcamError as exc:
        print(f"microphones: unavailable: {exc}")
        return 0
    print("microphones:" if mics else "microphones: none found")
    for m in mics:
        star = " (default)" if m["default"] else ""
        _out(f"  {m['index']}: {m['name']}, {m['channels']} ch, {m['default_rate_hz']:.0f} Hz{star}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["simulate"]:
        from breathcam.simulate.__main__ import main as simulate_main

        return _run(lambda: simulate_main(argv[1:]))
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "analyze":
        return _run(lambda: _cmd_analyze(args))
    if args.command == "devices":
        return _run(lambda: _cmd_devices(args))
    if args.command == "report":
        return _run(lambda: _cmd_report(args))
    if args.command == "sessions":
        return _run(lambda: _cmd_sessions(args))
    if args.command == "live":
        return _run(lambda: _cmd_live(args))
    if args.command == "exercise":
        return _run(lambda: _cmd_live(args, exercise=args.name))
    if args.command == "assess":
        from breathcam.assess.command import run_command

        return _run(lambda: run_command(args, out=_out))
    parser.print_help()
    return EXIT_INPUT


def _run(fn) -> int:
    """Run a command: BreathcamError -> one line, exit 2; Ctrl-C, SIGTERM and SIGHUP stop the work
    the same way (breathcam.stopsignals); after a signal the exit status is 128 + its number once
    what was computed has been written."""
    from breathcam.stopsignals import stop_signals_as_interrupt

    with stop_signals_as_interrupt() as received:
        try:
            code = int(fn() or 0)
        except BreathcamError as exc:
            _error(str(exc))
            code = EXIT_INPUT
        except KeyboardInterrupt:
            _say("breathcam: interrupted", err=True)
            code = EXIT_INTERRUPTED
        # Ctrl-C keeps its documented status (0 when what was read was analysed and written);
        # SIGTERM and SIGHUP end with 128 + their number, as the shell reports them.
        signum = next((s for s in received if s != signal.SIGINT), None)
    return 128 + signum if signum is not None else code


def _out(*lines: str) -> None:
    """Print each line with control characters escaped (breathcam.text.terminal_safe): a client id,
    note or file name can neither drive the terminal nor break the output's lines."""
    from breathcam.text import terminal_safe

    try:
        print("\n".join(terminal_safe(line) for line in lines), flush=True)
    except (OSError, ValueError):  # the terminal went away (SIGHUP) or the pipe was closed
        pass


def _say(text: str, *, err: bool = False) -> None:
    """Print, ignoring a terminal that went away (after SIGHUP) or a closed pipe."""
    try:
        print(text, file=sys.stderr if err else sys.stdout, flush=True)
    except (OSError, ValueError):
        pass


def _error(text: str, *, warning: bool = False) -> None:
    from breathcam.text import terminal_safe

    _say(f"breathcam: {'warning' if warning else 'error'}: {terminal_safe(text)}", err=True)


if __name__ == "__main__":
    sys.exit(main())
