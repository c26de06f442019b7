"""Command line: ``breathcam analyze CLIP --json out.json`` and ``breathcam simulate``.

Errors the user can act on print one line (``breathcam: error: ...``) and exit with status 2;
they never show a traceback.
"""

from __future__ import annotations

import argparse
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
        help="analyse a recorded clip: every breath, the rate and breath holds",
        description="Analyse a recorded video clip and print a summary; --json writes the analysis contract.",
    )
    analyze.add_argument("input", help="video file (mp4, avi, mov, mkv, ...)")
    analyze.add_argument("--json", dest="json_path", metavar="OUT.json", help="write the analysis as JSON")
    analyze.add_argument("--config", metavar="FILE.toml", help="override thresholds (see docs/config.md)")
    analyze.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    sub.add_parser(
        "simulate",
        help="render a simulated clip with exact truth (python -m breathcam.simulate --help)",
        add_help=False,
    )
    return parser


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
        lines.append(f"hold after {h.after}: {h.start:.1f}-{h.end:.1f} s ({h.duration_s:.1f} s)")
    sighs = sum(1 for b in analysis.breaths if b.is_sigh)
    if sighs:
        lines.append(f"sighs: {sighs}")
    lines.append(
        f"quality: confidence {analysis.quality.confidence:.2f}, person found by pose in "
        f"{100 * analysis.quality.pose_found:.0f}% of checks"
    )
    lines.extend(f"note: {n}" for n in analysis.quality.notes)
    return lines


def _cmd_analyze(args: argparse.Namespace) -> int:
    from breathcam.config import load_config
    from breathcam.pipeline import analyze_clip
    from breathcam.report.export import write_json

    config = load_config(args.config)
    path = Path(args.input)
    if path.is_dir():
        raise BreathcamError(f"{path} is a folder; give one video file")
    if args.json_path:
        out = Path(args.json_path)
        if out.parent and not out.parent.exists():
            raise BreathcamError(f"cannot write {out}: folder {out.parent} does not exist")
    progress = None if args.quiet else _progress_printer()
    analysis = analyze_clip(path, config=config, progress=progress)
    if progress is not None:
        print(file=sys.stderr)
    if args.json_path:
        write_json(analysis, args.json_path)
    if not args.quiet:
        print("\n".join(summary_lines(analysis)))
        if args.json_path:
            print(f"analysis written to {args.json_path}")
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
    parser.print_help()
    return EXIT_INPUT


def _run(fn) -> int:
    try:
        return int(fn() or 0)
    except BreathcamError as exc:
        print(f"breathcam: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("breathcam: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
