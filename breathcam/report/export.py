"""The JSON analysis contract (v1, docs/contract.md): Analysis -> dict -> file.

Keys of the contract keep their meaning across versions; extra keys may be added.  Times are
seconds from the start of the clip, rounded to milliseconds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from breathcam.types import Analysis, Breath, Movement, Repetition

CONTRACT_VERSION = 1


def _r(x: float | None, nd: int = 3) -> float | None:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return round(float(x), nd)


def _breath(b: Breath) -> dict:
    return {
        "inhale_start": _r(b.inhale_start),
        "exhale_start": _r(b.exhale_start),
        "end": _r(b.end),
        "pause_start": _r(b.pause_start),
        "inhale_s": _r(b.inhale_s),
        "exhale_s": _r(b.exhale_s),
        "pause_s": _r(b.pause_s),
        "rate_bpm": _r(60.0 / b.duration_s, 2) if b.duration_s > 0 else None,
        "depth": _r(b.depth, 4),
        "confidence": _r(b.confidence),
        "sigh": bool(b.is_sigh),
        "belly_share": _r(b.belly_share),
        "phase_deg": _r(b.phase_deg, 1),
    }


def config_digest(config) -> str:
    """SHA-256 (hex) of the effective configuration: every section and key, sorted, as JSON.

    Two analyses with the same digest and the same program version ran with the same thresholds."""
    import dataclasses
    import hashlib

    text = json.dumps(dataclasses.asdict(config), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_overrides(config) -> dict:
    """The keys of ``config`` that differ from the defaults, by section (what ``--config`` changed)."""
    import dataclasses

    from breathcam.config import DEFAULT

    out: dict = {}
    for f in dataclasses.fields(config):
        ours, default = dataclasses.asdict(getattr(config, f.name)), dataclasses.asdict(getattr(DEFAULT, f.name))
        changed = {k: v for k, v in ours.items() if v != default.get(k)}
        if changed:
            out[f.name] = changed
    return out


def provenance(config=None) -> dict:
    """``program`` (name and version) and, when the configuration is known, ``config``: its
    SHA-256 and the keys that differ from the defaults, so a result can be reproduced."""
    from breathcam import __version__

    out: dict = {"program": {"name": "breathcam", "version": __version__}}
    if config is not None:
        out["config"] = {"sha256": config_digest(config), "overrides": config_overrides(config)}
    return out


def analysis_to_dict(analysis: Analysis, *, config=None) -> dict:
    """The contract as plain JSON-ready data; ``config`` (the effective configuration) adds its
    digest and overrides (:func:`provenance`)."""
    minutes = analysis.duration_s / 60.0
    n_sighs = sum(1 for b in analysis.breaths if b.is_sigh)
    return {
        "version": CONTRACT_VERSION,
        **provenance(config),
        "source": analysis.source,
        "duration_s": _r(analysis.duration_s),
        "rate_bpm": _r(analysis.rate_bpm, 2),
        "rate_series": [
            {"t": _r(p.t, 2), "bpm": _r(p.bpm, 2), "confidence": _r(p.confidence)} for p in analysis.rate_series
        ],
        "breaths": [_breath(b) for b in analysis.breaths],
        "holds": [
            {
                "start": _r(h.start),
                "end": _r(h.end),
                "after": h.after,
                "duration_s": _r(h.duration_s),
                "confidence": _r(h.confidence),
                "open": h.open,
            }
            for h in analysis.holds
        ],
        "sighs_per_min": _r(n_sighs / minutes, 2) if minutes > 0 else None,
        "pattern": {
            "label": analysis.pattern.label,
            "belly_share": _r(analysis.pattern.belly_share),
            "phase_deg": _r(analysis.pattern.phase_deg, 1),
            "paradoxical": analysis.pattern.paradoxical,
            "shoulder_lift": _r(analysis.pattern.shoulder_lift),
            "confidence": _r(analysis.pattern.confidence),
            "view": analysis.pattern.view,
            "switch_t": _r(analysis.pattern.switch_t, 2),
            "label_before": analysis.pattern.label_before,
            "label_after": analysis.pattern.label_after,
            "notes": list(analysis.pattern.notes),
        },
        "quality": {
            "confidence": _r(analysis.quality.confidence),
            "pose_found": _r(analysis.quality.pose_found),
            "notes": list(analysis.quality.notes),
        },
        "feedback": [{"t": _r(f.t, 2), "code": f.code, "message": f.message} for f in analysis.feedback],
        **_compliance(analysis),
        **_sound(analysis),
        **_movement(analysis),
    }


def _movement(analysis: Analysis) -> dict:
    """``{"movement": {...}}`` when the body moved (squats, bends, lifting), nothing otherwise:
    each repetition's way down (start..turn) and effort (turn..end), and how the breath went."""
    m = analysis.movement
    if m is None:
        return {}
    return {
        "movement": {
            "reps": [
                {
                    "start": _r(r.start),
                    "turn": _r(r.turn),
                    "end": _r(r.end),
                    "depth_px": _r(r.depth_px, 1),
                    "breathing": None if r.held is None else ("held" if r.held else "continued"),
                    "held": r.held,
                    "exhale_on_effort": r.exhale_on_effort,
                    "braced": r.braced,
                }
                for r in m.reps
            ],
            "n_reps": len(m.reps),
            "held_reps": sum(1 for r in m.reps if r.held),
            "moving_fraction": _r(m.moving_fraction),
            "reference": m.reference,
            "separable": m.separable,
            "motion_series": [{"t": _r(t, 2), "speed_px_s": _r(v, 2)} for t, v in m.motion_series],
            "notes": list(m.notes),
        }
    }


def _sound(analysis: Analysis) -> dict:
    """``sources`` (which measurements contributed) and, when sound was analysed, ``sound``:
    its own rate, confidence, audible inhale/exhale events and silences (a silence is a hold or
    quiet breathing: sound cannot tell which)."""
    out: dict = {"sources": list(analysis.sources)}
    s = analysis.sound
    if s is None:
        return out
    out["sound"] = {
        "rate_bpm": _r(s.rate_bpm, 2),
        "confidence": _r(s.confidence),
        "prominence_db": _r(s.prominence_db, 1),
        "inhale_and_exhale_heard": bool(s.halved),
        "audible_fraction": _r(s.audible_fraction),
        "bands_hz": [[_r(lo, 0), _r(hi, 0)] for lo, hi in s.bands],
        "n_breaths": len(s.breaths),
        "events": [{"start": _r(e.start), "end": _r(e.end), "kind": e.kind, "level_db": _r(e.level_db, 1)} for e in s.events],
        "silences": [{"start": _r(x.start), "end": _r(x.end), "duration_s": _r(x.duration_s)} for x in s.silences],
        "notes": list(s.notes),
        # sound could not tell the rate from twice the rate: both (rate_bpm is then null)
        "rate_candidates": [_r(c, 2) for c in s.rate_candidates],
        "heart_bpm": _r(s.heart_bpm, 1),  # the heart's rate when its sounds were heard, else null
    }
    if len(s.trace) and len(s.t_s):  # the breath trace sound gave (what its breaths were found on)
        out["sound"]["trace"] = {"t0": _r(float(s.t_s[0]), 3), "fs_hz": _r(s.fs_hz, 3),
                                 "values": [_r(float(v), 4) for v in s.trace]}
    return out


def _compliance(analysis: Analysis) -> dict:
    """``{"compliance": {...}}`` for paced exercises (breathcam exercise), nothing otherwise."""
    c = analysis.compliance
    if c is None:
        return {}
    return {
        "compliance": {
            "score": _r(c.score),
            "per_phase": {k: _r(v) for k, v in c.per_phase.items()},
            "cycles_followed": int(c.cycles_followed),
            "cycles_total": int(c.cycles_total),
            "notes": list(c.notes),
        }
    }


def _pattern_from_dict(p: dict):
    """The pattern block, each value checked against its field's type (text, true/false, a number)."""
    import dataclasses

    from breathcam.types import InputError, Pattern

    if not isinstance(p, dict):
        raise InputError("analysis file is damaged: 'pattern' is not an object")
    out = {}
    for f in dataclasses.fields(Pattern):
        if f.name not in p:
            continue
        v, kind = p[f.name], str(f.type)
        if f.name == "notes":
            ok = isinstance(v, list) and all(isinstance(n, str) for n in v)
            v = tuple(v) if ok else v
        elif v is None:
            ok = "None" in kind
        elif kind.startswith("str"):
            ok = isinstance(v, str)
        elif kind.startswith("bool"):
            ok = isinstance(v, bool)
        else:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
            v = float(v) if ok else v
        if not ok:
            raise InputError(f"analysis file is damaged: pattern.{f.name} is {v!r}")
        out[f.name] = v
    return Pattern(**out)


def _movement_from_dict(m: dict | None) -> Movement | None:
    if not m:
        return None
    reps = tuple(
        Repetition(
            start=float(r["start"]), turn=float(r["turn"]), end=float(r["end"]), depth_px=float(r.get("depth_px") or 0.0),
            held=r.get("held"), exhale_on_effort=r.get("exhale_on_effort"), braced=r.get("braced"),
        )
        for r in m.get("reps", [])
    )
    return Movement(
        reps=reps,
        moving_fraction=float(m.get("moving_fraction") or 0.0),
        motion_series=tuple((float(x["t"]), float(x["speed_px_s"])) for x in m.get("motion_series", [])),
        reference=m.get("reference"),
        separable=bool(m.get("separable", True)),
        notes=tuple(m.get("notes", [])),
    )


def write_json(analysis: Analysis, path: str | Path, *, config=None) -> Path:
    """Write the contract to ``path`` (breathcam.fileio.write_output: atomic for a regular file,
    in place for ``-``, a device or a FIFO, private when created); ``config``: see analysis_to_dict."""
    from breathcam.fileio import write_output

    return write_output(path, json.dumps(analysis_to_dict(analysis, config=config), indent=1) + "\n")


# ---------------------------------------------------------------------------------------------
# reading a saved analysis back, and the key numbers of a session (report, history, batch)
# ---------------------------------------------------------------------------------------------


def analysis_from_dict(data: dict) -> Analysis:
    """The inverse of :func:`analysis_to_dict` (without the traces, which the JSON does not hold).

    Keys added by later versions are ignored; a file without the contract's keys raises InputError.
    """
    from breathcam.types import FeedbackEvent, Hold, InputError, Quality, RatePoint

    if not isinstance(data, dict) or "breaths" not in data or "quality" not in data:
        raise InputError("not a breathcam analysis (no 'breaths' and 'quality' keys)")
    _check_contract(data)
    version = data.get("version", CONTRACT_VERSION)
    if not isinstance(version, int) or version > CONTRACT_VERSION:
        raise InputError(f"analysis contract version {version} is newer than this breathcam reads "
                         f"({CONTRACT_VERSION}); update breathcam")
    try:
        breaths = tuple(
            Breath(
                inhale_start=float(b["inhale_start"]),
                exhale_start=float(b["exhale_start"]),
                pause_start=float(b["end"] if b.get("pause_start") is None else b["pause_start"]),
                end=float(b["end"]),
                depth=float(b.get("depth") or 0.0),
                confidence=float(b.get("confidence") if b.get("confidence") is not None else 1.0),
                is_sigh=bool(b.get("sigh", False)),
            )
            for b in data["breaths"]
        )
        holds = tuple(
            Hold(float(h["start"]), float(h["end"]), str(h["after"]), float(h.get("confidence") or 1.0),
                 open=bool(h.get("open", False)))
            for h in data.get("holds", [])
        )
        series = tuple(
            RatePoint(float(p["t"]), None if p.get("bpm") is None else float(p["bpm"]), float(p.get("confidence") or 0.0))
            for p in data.get("rate_series", [])
        )
        pattern = _pattern_from_dict(data.get("pattern") or {})
        q = data["quality"]
        quality = Quality(float(q.get("confidence") or 0.0), float(q.get("pose_found") or 0.0), tuple(q.get("notes", ())))
        feedback = tuple(FeedbackEvent(float(f["t"]), str(f["code"]), str(f["message"])) for f in data.get("feedback", []))
        return Analysis(
            source=str(data.get("source", "")),
            duration_s=float(data.get("duration_s") or 0.0),
            rate_bpm=None if data.get("rate_bpm") is None else float(data["rate_bpm"]),
            rate_series=series,
            breaths=breaths,
            holds=holds,
            pattern=pattern,
            quality=quality,
            feedback=feedback,
            movement=_movement_from_dict(data.get("movement")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"analysis file is damaged or incomplete ({type(exc).__name__}: {exc})") from None


_TIME_KEYS = frozenset({"t", "start", "end", "turn", "inhale_start", "exhale_start", "pause_start", "switch_t",
                        "duration_s", "inhale_s", "exhale_s", "pause_s"})
_LIST_KEYS = ("breaths", "holds", "rate_series", "feedback")


def _check_contract(data: dict, *, max_s: float | None = None) -> None:
    """Refuse a saved analysis that no breathcam wrote: numbers that are not finite, times and
    durations outside 0 .. ``[report] max_analysis_s`` (a week), the contract's lists that are not
    lists of objects, a breath whose phases are out of order.  Raises InputError saying which."""
    from breathcam.config import DEFAULT
    from breathcam.types import InputError

    limit = DEFAULT.report.max_analysis_s if max_s is None else max_s

    def walk(x, where: str) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                key = str(k)
                if key in _TIME_KEYS and v is not None:
                    if isinstance(v, bool) or not isinstance(v, (int, float)):
                        raise InputError(f"analysis file is damaged: {where}{key} is {v!r}, not a number of seconds")
                    lo = 0.0 if key.endswith("_s") else -limit  # durations are never negative
                    if not math.isfinite(v) or not (lo <= v <= limit):
                        raise InputError(f"analysis file is damaged: {where}{key} = {v!r} s is outside "
                                         f"{lo:g} to {limit:g} s")
                walk(v, f"{where}{key}.")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{where[:-1]}[{i}].")
        elif isinstance(x, float) and not math.isfinite(x):
            raise InputError(f"analysis file is damaged: {where[:-1]} is {x!r}, not a finite number")

    walk(data, "")
    for key in _LIST_KEYS:
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            raise InputError(f"analysis file is damaged: '{key}' is not a list of objects")
    for i, b in enumerate(data["breaths"]):
        times = [b.get(k) for k in ("inhale_start", "exhale_start", "pause_start", "end")]
        times = [t for t in times if t is not None]
        if any(b > a + 1e-6 for a, b in zip(times[1:], times)):
            raise InputError(f"analysis file is damaged: breaths[{i}] has its phases out of order")
    if not isinstance(data["quality"], dict):
        raise InputError("analysis file is damaged: 'quality' is not an object")


def _reject_constant(name: str):
    from breathcam.types import InputError

    raise InputError(f"analysis file is damaged: it holds {name}, which JSON does not allow")


def read_json(path: str | Path) -> tuple[Analysis, dict]:
    """A saved analysis (``analyze --json``) -> (Analysis, the raw dict with any extra keys)."""
    from breathcam.types import InputError

    from breathcam.fileio import check_input

    path = Path(path)
    check_input(path, what="analysis file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
    except FileNotFoundError:
        raise InputError(f"{path} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path} is not a readable JSON analysis ({type(exc).__name__}: {str(exc)[:120]})") from None
    return analysis_from_dict(data), data


def summary_numbers(analysis: Analysis, *, min_breaths: int = 5) -> dict:
    """The key numbers of a session, as stored in the history and shown on the report's first lines.

    Variability (coefficient of variation of breath duration, RMSSD of successive breath
    durations) needs at least ``min_breaths`` breaths ([report] min_breaths_variability); with
    fewer it is None.  Every value is None where it cannot be measured.
    """
    import statistics

    from breathcam.report.stats import variability

    breaths = analysis.breaths
    durations = [b.duration_s for b in breaths]
    minutes = analysis.duration_s / 60.0
    ie = [b.inhale_s / b.exhale_s for b in breaths if b.exhale_s > 0]
    cv, rmssd = variability(durations, min_breaths=min_breaths)
    pattern = analysis.pattern
    score = analysis.compliance.score if analysis.compliance is not None else None
    return {
        "duration_s": _r(analysis.duration_s, 1),
        "rate_bpm": _r(analysis.rate_bpm, 2),
        "n_breaths": len(breaths),
        "median_inhale_s": _r(statistics.median(b.inhale_s for b in breaths), 2) if breaths else None,
        "median_exhale_s": _r(statistics.median(b.exhale_s for b in breaths), 2) if breaths else None,
        "median_pause_s": _r(statistics.median(b.pause_s for b in breaths), 2) if breaths else None,
        "median_ie_ratio": _r(statistics.median(ie), 2) if ie else None,
        "cv_duration": _r(cv, 3),
        "rmssd_s": _r(rmssd, 2),
        "n_sighs": sum(1 for b in breaths if b.is_sigh),
        "sighs_per_min": _r(sum(1 for b in breaths if b.is_sigh) / minutes, 2) if minutes > 0 else None,
        "n_holds": len(analysis.holds),
        "longest_hold_s": _r(max((h.duration_s for h in analysis.holds), default=None), 1),
        "total_hold_s": _r(sum(h.duration_s for h in analysis.holds), 1),
        "pattern_label": pattern.label,
        "belly_share": _r(pattern.belly_share),
        "phase_deg": _r(pattern.phase_deg, 1),
        "compliance": _r(score if isinstance(score, (int, float)) else None),
        "confidence": _r(analysis.quality.confidence),
    }
