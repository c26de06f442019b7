"""Where a finished assessment goes: the history (a session of kind "assessment"), JSON, CSV, HTML, PDF.

Nothing is overwritten silently: file names made here carry the session id (or the client and the
time), and an existing file gets a numbered name beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

from breathcam.config import DEFAULT, Config
from breathcam.types import BreathcamError

__all__ = ["save_outputs", "assessment_csv", "free_name"]


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem.suffix``, or ``stem-2.suffix``, ``-3``... when taken: never an overwrite."""
    p = folder / f"{stem}{suffix}"
    k = 2
    while p.exists():
        p = folder / f"{stem}-{k}{suffix}"
        k += 1
    return p


def assessment_csv(a) -> str:
    """One row per measurement: step, quantity, value, unit (the clinic's spreadsheet)."""
    import csv
    import io

    from breathcam.text import csv_cell

    rows = [("assessment", "client", a.client or "", ""), ("assessment", "started_at", a.started_at, ""),
            ("assessment", "recorded_at", a.recorded_at or "", "")]
    for s in a.steps:
        rows.append((s.kind, "status", s.status, ""))
    for name, o in (("rest", a.rest), ("standing", a.standing), ("moving", a.moving)):
        if o is None:
            continue
        for q, unit in (("rate_bpm", "/min"), ("cv_duration", ""), ("rmssd_s", "s"), ("inhale_s", "s"),
                        ("exhale_s", "s"), ("pause_s", "s"), ("ie_ratio", "1:x"), ("belly_share", "0-1"),
                        ("phase_deg", "deg"), ("sighs_per_min", "/min"), ("n_breaths", ""), ("longest_hold_s", "s")):
            rows.append((name, q, getattr(o, q), unit))
        if o.reps:
            rows.append((name, "repetitions", len(o.reps), ""))
            rows.append((name, "repetitions_held", sum(1 for r in o.reps if r.held), ""))
            rows.append((name, "repetitions_exhale_on_effort", sum(1 for r in o.reps if r.exhale_on_effort), ""))
    cp = a.control_pause
    if cp is not None:
        rows += [("control_pause", "camera_s", cp.camera_s, "s"), ("control_pause", "key_s", cp.key_s, "s"),
                 ("control_pause", "band", cp.band or "", "s"), ("control_pause", "at_least", cp.open, "")]
    for p in a.patterns:
        rows.append(("pattern", p.name, "cannot tell" if p.flagged is None else p.flagged, p.unit))
        rows.append(("pattern", p.name + "_value", p.value, p.unit))
        rows.append(("pattern", p.name + "_threshold", p.threshold, p.unit))
    if a.nijmegen is not None:
        for k, v in enumerate(a.nijmegen.answers, start=1):
            rows.append(("nijmegen", f"item_{k}", v, "0-4"))
        rows.append(("nijmegen", "total", a.nijmegen.total, "0-64"))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(("step", "quantity", "value", "unit"))
    for r in rows:
        w.writerow([csv_cell("" if v is None else v) for v in r])
    return buf.getvalue()


def save_outputs(a, *, json_path=None, csv_path=None, report_dir=None, pdf: bool = False, save: bool = True,
                 db=None, config: Config = DEFAULT) -> list[str]:
    """Write what was asked; returns the lines saying where.  The history is written first, so that
    the report can name the session and show the change since the client's previous assessment."""
    from breathcam.assess.result import assessment_to_dict
    from breathcam.fileio import make_folder, write_output

    from breathcam.assess.texts import t

    lang = a.lang
    lines: list[str] = []
    sid = None
    if save:
        from breathcam.assess.history import save_assessment

        try:
            sid = save_assessment(a, db=db, config=config)
            lines.append(t("saved", lang, id=sid))
        except BreathcamError as exc:  # the files below are still written
            lines.append(t("not_saved", lang, why=exc))
    data = assessment_to_dict(a)
    if sid is not None:
        data["session_id"] = sid
    if json_path:
        lines.append(t("written_json", lang, p=write_output(json_path, json.dumps(data, indent=1))))
    if csv_path:
        lines.append(t("written_csv", lang, p=write_output(csv_path, assessment_csv(a))))
    if report_dir:
        from breathcam.assess.report import write_report

        folder = make_folder(report_dir)
        stem = f"assessment-{sid}" if sid is not None else \
            f"assessment-{a.client or 'client'}-{a.started_at.replace(':', '').replace('T', '-')}"
        path = free_name(folder, stem, ".html")
        history = None
        if sid is not None:
            from breathcam.assess.history import previous_assessments

            history = previous_assessments(a.client, until_id=sid, db=db, config=config)
        write_report(a, path, history=history, session_id=sid)
        lines.append(t("written_report", lang, p=path))
        if pdf:
            from breathcam.assess.report import print_pdf

            lines.append(t("written_pdf", lang, p=print_pdf(path, path.with_suffix(".pdf"))))
    return lines
