"""CSV exports of an analysis: one row per breath, and one row per second.

Per breath: the phases, I:E, rate, depth, confidence, sigh and any hold inside the breath.
Per second: the rate series, the phase the person was in (inhale, exhale, pause, hold) and, when
the analysis carries its traces, the breathing, chest and belly motion at that second.
Decimal points and comma separators (spreadsheets in any locale import them with the CSV wizard).
Where it fails: an analysis read back from JSON has no traces, so those columns are empty.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from breathcam.types import Analysis

__all__ = ["breath_rows", "second_rows", "write_breaths_csv", "write_seconds_csv", "write_csvs"]

BREATH_COLUMNS = ("breath", "inhale_start", "exhale_start", "pause_start", "end", "inhale_s", "exhale_s", "pause_s",
                  "duration_s", "ie_ratio", "rate_bpm", "depth", "belly_share", "confidence", "sigh", "hold_s",
                  "hold_after")
SECOND_COLUMNS = ("t", "rate_bpm", "rate_confidence", "phase", "breath", "breathing", "chest", "belly")


def _r(x, nd: int = 3):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    return round(float(x), nd)


def breath_rows(analysis: Analysis) -> list[dict]:
    rows = []
    for i, b in enumerate(analysis.breaths, 1):
        hold = next((h for h in analysis.holds if b.inhale_start - 0.5 <= h.start < b.end), None)
        rows.append({
            "breath": i,
            "inhale_start": _r(b.inhale_start), "exhale_start": _r(b.exhale_start),
            "pause_start": _r(b.pause_start), "end": _r(b.end),
            "inhale_s": _r(b.inhale_s), "exhale_s": _r(b.exhale_s), "pause_s": _r(b.pause_s),
            "duration_s": _r(b.duration_s),
            "ie_ratio": _r(b.inhale_s / b.exhale_s if b.exhale_s > 0 else None),
            "rate_bpm": _r(60.0 / b.duration_s if b.duration_s > 0 else None, 2),
            "depth": _r(b.depth, 4),
            "belly_share": _r(getattr(b, "belly_share", None)),
            "confidence": _r(b.confidence),
            "sigh": int(bool(b.is_sigh)),
            "hold_s": _r(hold.duration_s if hold else None, 2),
            "hold_after": hold.after if hold else "",
        })
    return rows


def _phase_at(analysis: Analysis, t: float) -> tuple[str, int | str]:
    for h in analysis.holds:
        if h.start <= t < h.end:
            idx = next((i for i, b in enumerate(analysis.breaths, 1) if b.inhale_start <= t < b.end), "")
            return "hold", idx
    for i, b in enumerate(analysis.breaths, 1):
        if b.inhale_start <= t < b.end:
            if t < b.exhale_start:
                return "inhale", i
            if t < b.pause_start:
                return "exhale", i
            return "pause", i
    return "", ""


def second_rows(analysis: Analysis) -> list[dict]:
    """One row per whole second from 0 to the end of the analysis."""
    n = int(math.floor(analysis.duration_s + 1e-9)) + 1
    ts = np.arange(n, dtype=float)
    if analysis.traces is not None and len(analysis.traces.t_s) >= 2:
        ts = ts + float(analysis.traces.t_s[0])
    rate_t = np.array([p.t for p in analysis.rate_series], float)
    traces = analysis.traces
    sampled = {}
    if traces is not None and len(traces.t_s) >= 2:
        tt = np.asarray(traces.t_s, float)
        valid = np.asarray(traces.valid, bool)
        for name in ("breathing", "chest", "belly"):
            arr = np.asarray(getattr(traces, name), float)
            if arr.shape == tt.shape:
                v = np.interp(ts, tt, arr)
                near = np.clip(np.searchsorted(tt, ts), 0, tt.size - 1)
                v[~valid[near]] = np.nan
                sampled[name] = v
    rows = []
    for k, t in enumerate(ts):
        rp = None
        if rate_t.size:
            j = int(np.argmin(np.abs(rate_t - t)))
            if abs(rate_t[j] - t) <= 0.5 + 1e-9:
                rp = analysis.rate_series[j]
        phase, idx = _phase_at(analysis, t)
        rows.append({
            "t": _r(t, 2),
            "rate_bpm": _r(rp.bpm if rp else None, 2),
            "rate_confidence": _r(rp.confidence if rp else None),
            "phase": phase, "breath": idx,
            **{name: _r(sampled[name][k] if name in sampled else None, 4) for name in ("breathing", "chest", "belly")},
        })
    return rows


def csv_text(columns, rows) -> str:
    """``rows`` (dicts) as CSV text; a text cell that a spreadsheet would run as a formula (it
    starts with = + - @, a tab or a carriage return) is prefixed with ``'`` (breathcam.text)."""
    import io

    from breathcam.text import csv_cell

    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(columns))
    w.writeheader()
    w.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def _write(path: Path, columns, rows) -> Path:
    from breathcam.fileio import write_output

    return write_output(path, csv_text(columns, rows))


def write_breaths_csv(analysis: Analysis, path: str | Path) -> Path:
    return _write(Path(path), BREATH_COLUMNS, breath_rows(analysis))


def write_seconds_csv(analysis: Analysis, path: str | Path) -> Path:
    return _write(Path(path), SECOND_COLUMNS, second_rows(analysis))


def write_csvs(analysis: Analysis, folder: str | Path, *, stem: str) -> tuple[Path, Path]:
    """``<stem>.breaths.csv`` and ``<stem>.seconds.csv`` in ``folder``."""
    folder = Path(folder)
    return (write_breaths_csv(analysis, folder / f"{stem}.breaths.csv"),
            write_seconds_csv(analysis, folder / f"{stem}.seconds.csv"))
