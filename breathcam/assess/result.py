"""One assessment's results, and its dictionary form (the JSON export and the history's copy).

:class:`Assessment` holds each step's status and window, the observations (rest, standing,
moving), the control pause, the five pattern flags, the Nijmegen answers, and the session's
:class:`~breathcam.types.Analysis` (the one analysis core's, over every frame).
:func:`assessment_to_dict` / :func:`assessment_from_dict` convert it (``"kind": "assessment"``,
``"version": 1``); the analysis rides along in the contract's own form (report.export).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from breathcam.assess.control_pause import ControlPause
from breathcam.assess.nijmegen import Nijmegen
from breathcam.assess.observe import Observation
from breathcam.assess.patterns import PatternFlag
from breathcam.types import Analysis, Hold, Repetition

__all__ = ["StepResult", "Assessment", "assessment_to_dict", "assessment_from_dict", "key_numbers"]

VERSION = 1


@dataclass(frozen=True)
class StepResult:
    kind: str
    status: str  # "done" | "skipped" | "cut short" | "not done"
    start_s: float | None = None  # the measured window
    end_s: float | None = None


@dataclass(frozen=True)
class Assessment:
    client: str | None
    lang: str
    started_at: str  # when the assessment ran (ISO date and time)
    source: str
    recorded_at: str | None  # the recording's own date (clip metadata, else file time); None on a camera
    steps: tuple[StepResult, ...]
    rest: Observation | None = None
    standing: Observation | None = None
    moving: Observation | None = None
    control_pause: ControlPause | None = None
    patterns: tuple[PatternFlag, ...] = ()
    nijmegen: Nijmegen | None = None
    notes: tuple[str, ...] = ()
    analysis: Analysis | None = field(default=None, compare=False, repr=False)
    camera_error: str | None = None  # why the camera steps could not run (no camera, unreadable clip)


def key_numbers(a: Assessment) -> dict:
    """The numbers the history keeps per assessment (for compare and the trend)."""
    r = a.rest
    cp = a.control_pause
    return {
        "control_pause_s": None if cp is None else cp.seconds,
        "control_pause_open": None if cp is None else cp.open,
        "nijmegen_total": None if a.nijmegen is None else a.nijmegen.total,
        "rest_rate_bpm": None if r is None else r.rate_bpm,
        "rest_cv": None if r is None else r.cv_duration,
        "rest_ie": None if r is None else r.ie_ratio,
        "rest_belly_share": None if r is None else r.belly_share,
        "rest_sighs_per_min": None if r is None else r.sighs_per_min,
        "patterns_flagged": ",".join(p.name for p in a.patterns if p.flagged) or None,
    }


def _obs_dict(o: Observation | None):
    if o is None:
        return None
    d = asdict(o)
    d["holds"] = [dict(start=h.start, end=h.end, after=h.after, confidence=h.confidence, open=h.open) for h in o.holds]
    d["reps"] = [asdict(r) for r in o.reps]
    return d


def _obs(d) -> Observation | None:
    if d is None:
        return None
    d = dict(d)
    d["holds"] = tuple(Hold(**h) for h in d.get("holds", ()))
    d["reps"] = tuple(Repetition(**r) for r in d.get("reps", ()))
    return Observation(**d)


def assessment_to_dict(a: Assessment) -> dict:
    from breathcam.report.export import analysis_to_dict

    return {
        "kind": "assessment",
        "version": VERSION,
        "client": a.client,
        "lang": a.lang,
        "started_at": a.started_at,
        "recorded_at": a.recorded_at,
        "source": a.source,
        "steps": [asdict(s) for s in a.steps],
        "rest": _obs_dict(a.rest),
        "standing": _obs_dict(a.standing),
        "moving": _obs_dict(a.moving),
        "control_pause": None if a.control_pause is None else asdict(a.control_pause),
        "patterns": [asdict(p) for p in a.patterns],
        "nijmegen": None if a.nijmegen is None else {"answers": list(a.nijmegen.answers), "total": a.nijmegen.total,
                                                     "cutoff": a.nijmegen.cutoff,
                                                     "suggests_hvs": a.nijmegen.suggests_hvs},
        "numbers": key_numbers(a),
        "notes": list(a.notes),
        "camera_error": a.camera_error,
        "analysis": None if a.analysis is None else analysis_to_dict(a.analysis),
    }


def assessment_from_dict(d: dict) -> Assessment:
    from breathcam.report.export import analysis_from_dict

    nij = d.get("nijmegen")
    return Assessment(
        client=d.get("client"), lang=d.get("lang", "en"), started_at=d.get("started_at", ""), source=d.get("source", ""),
        recorded_at=d.get("recorded_at"), steps=tuple(StepResult(**s) for s in d.get("steps", ())),
        rest=_obs(d.get("rest")), standing=_obs(d.get("standing")), moving=_obs(d.get("moving")),
        control_pause=None if d.get("control_pause") is None else ControlPause(**d["control_pause"]),
        patterns=tuple(PatternFlag(**p) for p in d.get("patterns", ())),
        nijmegen=None if nij is None else Nijmegen(tuple(nij["answers"]), nij.get("cutoff", 23)),
        notes=tuple(d.get("notes", ())), camera_error=d.get("camera_error"),
        analysis=None if d.get("analysis") is None else analysis_from_dict(d["analysis"]),
    )
