"""Assessments in the session history: a session of kind "assessment" (report.store, schema 3).

The session row keeps the analysis of the camera steps as any session does (its key numbers, the
trace), plus the control pause, the Nijmegen total and the whole assessment as JSON; so ``breathcam
sessions list/show/compare`` show assessments beside other sessions, and ``compare --client C1``
shows the control pause and the Nijmegen total over time.
"""

from __future__ import annotations

import json

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, Pattern, Quality

__all__ = ["save_assessment", "previous_assessments", "load_assessment"]


def save_assessment(a, *, db=None, config: Config = DEFAULT) -> int:
    """Store ``a`` as a new session of kind "assessment"; returns its id."""
    from breathcam.assess.result import assessment_to_dict
    from breathcam.report.store import SessionStore

    analysis = a.analysis or Analysis(source=a.source, duration_s=0.0, rate_bpm=None, rate_series=(), breaths=(),
                                      holds=(), pattern=Pattern(), quality=Quality(0.0, 0.0, ()))
    cp = a.control_pause
    data = assessment_to_dict(a)
    data.pop("analysis", None)  # kept once, in analysis_json
    with SessionStore(db, config=config) as store:
        sid = store.save_analysis(analysis, client=a.client, kind="assessment", notes="\n".join(a.notes),
                                  started_at=a.started_at)
        with store._tx() as c:
            c.execute("UPDATE sessions SET control_pause_s = ?, nijmegen_total = ?, assessment_json = ? WHERE id = ?",
                      (None if cp is None else cp.seconds, None if a.nijmegen is None else a.nijmegen.total,
                       json.dumps(data), sid))
    return sid


def previous_assessments(client: str | None, *, until_id: int, db=None, config: Config = DEFAULT) -> list[dict]:
    """The client's assessments (rows with their numbers) up to and including ``until_id``, oldest first."""
    from breathcam.report.store import SessionStore

    if not client:
        return []
    with SessionStore(db, config=config) as store:
        return [r for r in store.trend(client, until_id=until_id) if r["kind"] == "assessment"]


def load_assessment(session_id, *, db=None, config: Config = DEFAULT):
    """The stored assessment of a session (with its analysis), or None when it is not an assessment."""
    from dataclasses import replace

    from breathcam.assess.result import assessment_from_dict
    from breathcam.report.store import SessionStore

    with SessionStore(db, config=config, create=False) as store:
        row = store.get(session_id)
        if row.get("kind") != "assessment" or not row.get("assessment_json"):
            return None
        analysis, _ = store.load_analysis(row["id"])
    return replace(assessment_from_dict(json.loads(row["assessment_json"])), analysis=analysis)
