"""``breathcam assess``: its arguments and what it does (cli.py only registers it).

    breathcam assess --client C1 --lang nl                    # camera 0, window, questionnaire asked
    breathcam assess --source clip.mp4 --no-window --nijmegen 0,1,2,... --json a.json --report out/
"""

from __future__ import annotations

import argparse

from breathcam.types import BreathcamError

__all__ = ["add_parser", "run_command", "summary_lines"]


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "assess",
        help="the physiotherapist's assessment: rest observation, control pause, moving, Nijmegen questionnaire",
        description="A guided assessment: rest observation, breath-hold test (control pause), optional standing "
        "and moving, and the Nijmegen questionnaire; each step is announced with a countdown and can be skipped "
        "(key n). Keys: n next step, m mark hold start / first breath, q stop.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, metavar="N", help="camera index (default 0)")
    src.add_argument("--source", metavar="CLIP", help="a recorded clip instead of a camera")
    p.add_argument("--client", metavar="ID", help="client id (the assessment is kept in the client's history)")
    p.add_argument("--lang", choices=("en", "nl"), default="en", help="language of the steps and the report")
    p.add_argument("--no-window", action="store_true", help="headless: no window (for scripts and tests)")
    p.add_argument("--steps", metavar="LIST", help="steps to run, of rest,hold,standing,moving,nijmegen "
                   "(default rest,hold,nijmegen)")
    p.add_argument("--moving", action="store_true", help="add the standing observation and the moving step")
    p.add_argument("--nijmegen", metavar="ANSWERS|FILE", help="the 16 answers 0-4 (e.g. 0,1,2,...) or a file "
                   "holding them, instead of asking")
    p.add_argument("--json", dest="json_path", metavar="OUT.json", help="write the assessment as JSON")
    p.add_argument("--csv", dest="csv_path", metavar="OUT.csv", help="write the assessment's numbers as CSV")
    p.add_argument("--report", dest="report_dir", metavar="DIR", help="write the HTML assessment report into DIR")
    p.add_argument("--pdf", action="store_true", help="also print the report to PDF (headless Chromium)")
    p.add_argument("--config", metavar="FILE.toml", help="override thresholds and step lengths (see docs/config.md)")
    p.add_argument("--realtime", action="store_true", help="replay --source at its own pace (as a camera)")
    p.add_argument("--no-save", action="store_true", help="do not add the assessment to the history")
    p.add_argument("--db", metavar="PATH", help="session history database (default: see docs/usage.md)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return p


def _f(v, nd: int, lang: str) -> str:
    if v is None:
        return "-"
    s = f"{v:.{nd}f}"
    return s.replace(".", ",") if lang == "nl" else s


def summary_lines(a) -> list[str]:
    """The terminal summary in the assessment's language."""
    from breathcam.assess.texts import t

    lang = a.lang
    lines = [t("sum_title", lang, client=f" {a.client}" if a.client else "", date=a.started_at.replace("T", " "))]
    for s in a.steps:
        if s.status != "done":
            lines.append(f"  {t(s.kind + '_title', lang)}: {t(s.status.replace(' ', '_'), lang) if s.status != 'cut short' else t('cut_short', lang, t=_f(s.end_s, 1, lang))}")
    r = a.rest
    if r is not None:
        lines.append(t("sum_rest", lang, rate=_f(r.rate_bpm, 1, lang), cv=_f(r.cv_duration, 2, lang),
                       ie=_f(r.ie_ratio, 1, lang), belly=_f(r.belly_share, 2, lang), sighs=_f(r.sighs_per_min, 1, lang)))
    cp = a.control_pause
    if cp is not None:
        if cp.seconds is None:
            lines.append(t("sum_cp", lang, cp=t("cp_none", lang), band="-"))
        else:
            val = f"{_f(cp.camera_s, 1, lang)} s ({t('cp_camera', lang)})" if cp.camera_s is not None else ""
            if cp.key_s is not None:
                val += ("; " if val else "") + f"{_f(cp.key_s, 1, lang)} s ({t('cp_key', lang)})"
            if cp.open:
                val = t("cp_open", lang, s=val)
            lines.append(t("sum_cp", lang, cp=val, band=cp.band or "-"))
    for p in a.patterns:
        state = t("cannot_tell" if p.flagged is None else "flagged" if p.flagged else "not_flagged", lang)
        if p.flagged is None:
            detail = f" ({t('why_' + p.reason, lang)})" if p.reason else ""
        elif p.value is not None:
            cmp = ">" if p.flagged else "<="
            if p.name == "thoracic_dominant":
                cmp = "<" if p.flagged else ">="
            unit = t("unit_" + p.unit, lang) if p.unit else ""
            detail = f" ({_f(p.value, 2, lang)} {cmp} {_f(p.threshold, 2, lang)} {unit})".replace(" )", ")")
        else:
            detail = ""
        lines.append("  " + t("sum_pattern", lang, name=t(p.name, lang), state=state, detail=detail))
    m = a.moving
    if m is not None and m.reps:
        yes = lambda v: sum(1 for r in m.reps if v(r))
        lines.append(t("sum_reps", lang, n=len(m.reps), held=yes(lambda r: r.held), eoe=yes(lambda r: r.exhale_on_effort)))
    if a.nijmegen is not None:
        n = a.nijmegen
        lines.append(t("sum_nijmegen", lang, total=n.total, flag=t("sum_hvs", lang, cut=n.cutoff) if n.suggests_hvs else ""))
    elif any(s.kind == "nijmegen" for s in a.steps):
        lines.append(t("sum_no_nijmegen", lang))
    return lines


def run_command(args: argparse.Namespace, *, out=print) -> int:
    from breathcam.assess import nijmegen as nj
    from breathcam.assess.texts import t
    from breathcam.assess.protocol import parse_steps
    from breathcam.assess.run import run_assessment
    from breathcam.config import load_config
    from breathcam.types import ParameterError

    config = load_config(args.config)
    try:
        steps = parse_steps(args.steps, moving=args.moving)
    except ParameterError as exc:
        raise BreathcamError(str(exc)) from None
    answers = nj.load(args.nijmegen, lang=args.lang, config=config.assess) if args.nijmegen else "ask"
    _check_outputs(args)
    source = args.source if args.source is not None else args.camera
    announce = None if args.quiet else (lambda line: out(line))
    a = run_assessment(source, steps=steps, config=config, lang=args.lang, client=args.client,
                       window=not args.no_window, realtime=args.realtime or args.source is None,
                       nijmegen=answers, announce=announce)
    from breathcam.assess.save import save_outputs

    written = save_outputs(a, json_path=args.json_path, csv_path=args.csv_path, report_dir=args.report_dir,
                           pdf=args.pdf, save=not args.no_save, db=args.db, config=config)
    if not args.quiet:
        out(*summary_lines(a))
        for line in written:
            out(line)
    if a.camera_error:
        # everything asked for was written; the camera's failure is the one error line
        raise BreathcamError(t("camera_failed", args.lang, why=a.camera_error))
    return 0


def _check_outputs(args) -> None:
    from pathlib import Path

    for p in (args.json_path, args.csv_path):
        if p and not Path(p).resolve().parent.exists():
            raise BreathcamError(f"cannot write {p}: folder {Path(p).parent} does not exist")
