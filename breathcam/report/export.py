"""The JSON analysis contract (v1, docs/contract.md): Analysis -> dict -> file.

Keys of the contract keep their meaning across versions; extra keys may be added.  Times are
seconds from the start of the clip, rounded to milliseconds.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from breathcam.types import Analysis, Breath, BreathcamError

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
    }


def analysis_to_dict(analysis: Analysis) -> dict:
    """The contract as plain JSON-ready data."""
    minutes = analysis.duration_s / 60.0
    n_sighs = sum(1 for b in analysis.breaths if b.is_sigh)
    return {
        "version": CONTRACT_VERSION,
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
            }
            for h in analysis.holds
        ],
        "sighs_per_min": _r(n_sighs / minutes, 2) if minutes > 0 else None,
        "pattern": {
            "label": analysis.pattern.label,
            "belly_share": _r(analysis.pattern.belly_share),
            "phase_deg": _r(analysis.pattern.phase_deg, 1),
        },
        "quality": {
            "confidence": _r(analysis.quality.confidence),
            "pose_found": _r(analysis.quality.pose_found),
            "notes": list(analysis.quality.notes),
        },
        "feedback": [{"t": _r(f.t, 2), "code": f.code, "message": f.message} for f in analysis.feedback],
    }


def write_json(analysis: Analysis, path: str | Path) -> Path:
    """Write the contract to ``path`` atomically (a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(analysis_to_dict(analysis), indent=1) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise BreathcamError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
