"""The breathing waveform in the formats researchers load (``analyze --waveform DIR``; docs/formats.md).

For one analysis, into DIR:

- ``<stem>.waveform.csv``: the breathing, chest and belly traces at 10 Hz with a header:
  ``time_s, breathing, chest, belly, valid``, and NeuroKit2's marker columns ``RSP_Peaks``
  (1 at each exhale onset), ``RSP_Troughs`` (1 at each inhale onset) and ``RSP_Phase``
  (1 inspiration, 0 expiration, empty outside breaths);
- ``<stem>_physio.tsv.gz`` and ``<stem>_physio.json``: the same traces as BIDS physiological
  recording (no header, ``n/a`` where a value is missing; the sidecar gives SamplingFrequency,
  StartTime, Columns and each column's Units and Description);
- ``<stem>.breath-table.csv``: one row per breath, NeuroKit2's conventions where they apply
  (inhale onset = trough, exhale onset = peak; sample indices at 10 Hz and times);
- ``<stem>.edf``: EDF+ (through edfio): the traces as signals, every inhale, exhale and hold as an
  annotation (edfio is in the ``formats`` extra; without it the EDF is skipped with a message).

Times are seconds from the start of the clip.  The traces are displacements in pixels of the
frame the analysis worked on (breathing: inhaling makes it rise); ``valid`` is 0 where nothing was
measured (no frame, tracking lost), and the traces hold no number there (NaN / n/a / 0 in EDF).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from pathlib import Path

import numpy as np

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, BreathcamError

__all__ = ["WAVEFORM_HZ", "waveform_table", "breath_table", "write_waveforms", "BREATH_COLUMNS"]

# The export rate: the traces' own rate in the analysis ([motion] fs_hz, 10 Hz by default); other
# rates are interpolated onto this grid so every file has the one documented rate.
WAVEFORM_HZ = 10.0
TRACE_UNITS = "px"  # displacement in pixels of the analysed frame

BREATH_COLUMNS = (
    "breath", "RSP_Troughs", "RSP_Peaks", "RSP_Troughs_Time", "RSP_Peaks_Time", "RSP_Next_Troughs_Time",
    "RSP_Phase_Duration_Inspiration", "RSP_Phase_Duration_Expiration", "RSP_Pause_Duration", "RSP_Cycle_Duration",
    "RSP_Rate", "RSP_Amplitude", "RSP_IE_Ratio", "belly_share", "phase_deg", "sigh", "confidence",
)


def _grid(analysis: Analysis) -> dict[str, np.ndarray] | None:
    """The traces on the export grid (10 Hz from the first sample); None when there are none."""
    tr = analysis.traces
    if tr is None or len(tr.t_s) < 2:
        return None
    t_in = np.asarray(tr.t_s, float)
    valid_in = np.asarray(tr.valid, bool)
    n = int(math.floor((t_in[-1] - t_in[0]) * WAVEFORM_HZ + 1e-9)) + 1
    t = t_in[0] + np.arange(n) / WAVEFORM_HZ
    out = {"time_s": t}
    same = abs(tr.fs_hz - WAVEFORM_HZ) < 1e-9 and len(t_in) == n
    for name in ("breathing", "chest", "belly"):
        v = np.asarray(getattr(tr, name), float)
        v = np.where(valid_in, v, np.nan)
        out[name] = v.copy() if same else np.interp(t, t_in, v)
    valid = valid_in if same else np.interp(t, t_in, valid_in.astype(float)) > 0.999
    for name in ("breathing", "chest", "belly"):
        out[name] = np.where(valid & np.isfinite(out[name]), out[name], np.nan)
    out["valid"] = valid & np.isfinite(out["breathing"])
    return out


def _index(t0: float, t: float) -> int:
    return int(round((t - t0) * WAVEFORM_HZ))


def waveform_table(analysis: Analysis) -> dict[str, np.ndarray] | None:
    """The waveform CSV's columns: the traces, valid, and NeuroKit2's RSP_Peaks / RSP_Troughs /
    RSP_Phase markers at the breaths' onsets."""
    g = _grid(analysis)
    if g is None:
        return None
    t = g["time_s"]
    n = len(t)
    peaks, troughs = np.zeros(n, int), np.zeros(n, int)
    phase = np.full(n, np.nan)
    for b in analysis.breaths:
        i, e, end = _index(t[0], b.inhale_start), _index(t[0], b.exhale_start), _index(t[0], b.end)
        if 0 <= i < n:
            troughs[i] = 1
        if 0 <= e < n:
            peaks[e] = 1
        phase[max(i, 0):min(e, n)] = 1.0
        phase[max(e, 0):min(end, n)] = 0.0
    g.update(RSP_Peaks=peaks, RSP_Troughs=troughs, RSP_Phase=phase)
    return g


def _r(x, nd: int = 4):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    return round(float(x), nd)


def breath_table(analysis: Analysis) -> list[dict]:
    """One row per breath (columns :data:`BREATH_COLUMNS`, mapping in docs/formats.md)."""
    t0 = float(analysis.traces.t_s[0]) if analysis.traces is not None and len(analysis.traces.t_s) else 0.0
    rows = []
    for k, b in enumerate(analysis.breaths, 1):
        rows.append({
            "breath": k,
            "RSP_Troughs": _index(t0, b.inhale_start),
            "RSP_Peaks": _index(t0, b.exhale_start),
            "RSP_Troughs_Time": _r(b.inhale_start, 3),
            "RSP_Peaks_Time": _r(b.exhale_start, 3),
            "RSP_Next_Troughs_Time": _r(b.end, 3),
            "RSP_Phase_Duration_Inspiration": _r(b.inhale_s, 3),
            "RSP_Phase_Duration_Expiration": _r(b.exhale_s, 3),
            "RSP_Pause_Duration": _r(b.pause_s, 3),
            "RSP_Cycle_Duration": _r(b.duration_s, 3),
            "RSP_Rate": _r(60.0 / b.duration_s, 3) if b.duration_s > 0 else "",
            "RSP_Amplitude": _r(b.depth, 4),
            "RSP_IE_Ratio": _r(b.inhale_s / b.exhale_s, 3) if b.exhale_s > 0 else "",
            "belly_share": _r(b.belly_share, 3),
            "phase_deg": _r(b.phase_deg, 1),
            "sigh": int(bool(b.is_sigh)),
            "confidence": _r(b.confidence, 3),
        })
    return rows


def _csv_text(columns, rows) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _cell(v, nd: int = 4, missing: str = "") -> str:
    v = float(v)
    return missing if not math.isfinite(v) else repr(round(v, nd) + 0.0)  # no "-0.0"


def _waveform_csv(g: dict) -> str:
    cols = ("time_s", "breathing", "chest", "belly", "valid", "RSP_Peaks", "RSP_Troughs", "RSP_Phase")
    lines = [",".join(cols)]
    for k in range(len(g["time_s"])):
        lines.append(",".join((
            _cell(g["time_s"][k], 3), _cell(g["breathing"][k]), _cell(g["chest"][k]), _cell(g["belly"][k]),
            str(int(g["valid"][k])), str(int(g["RSP_Peaks"][k])), str(int(g["RSP_Troughs"][k])),
            _cell(g["RSP_Phase"][k], 0).replace(".0", ""))))
    return "\n".join(lines) + "\n"


PHYSIO_COLUMNS = ("respiratory", "chest", "belly", "valid")


def _physio_tsv(g: dict) -> bytes:
    lines = ["\t".join((_cell(g["breathing"][k], missing="n/a"), _cell(g["chest"][k], missing="n/a"),
                        _cell(g["belly"][k], missing="n/a"), str(int(g["valid"][k]))))
             for k in range(len(g["time_s"]))]
    # mtime=0: the same traces give the same bytes
    return gzip.compress(("\n".join(lines) + "\n").encode("ascii"), mtime=0)


def _physio_json(g: dict, analysis: Analysis, config: Config) -> str:
    from breathcam.report.export import provenance

    sidecar = {
        "SamplingFrequency": WAVEFORM_HZ,
        "StartTime": round(float(g["time_s"][0]), 6),
        "Columns": list(PHYSIO_COLUMNS),
        "respiratory": {"Description": "breathing trace from the camera: torso displacement, inhaling rises",
                        "Units": TRACE_UNITS},
        "chest": {"Description": "upper chest displacement (rises on inhaling)", "Units": TRACE_UNITS},
        "belly": {"Description": "abdominal wall displacement (moves out on inhaling)", "Units": TRACE_UNITS},
        "valid": {"Description": "1 where the torso was measured, 0 where not (the traces are n/a there)",
                  "Units": "n/a", "Levels": {"0": "not measured", "1": "measured"}},
        "Manufacturer": "breathcam (camera-based breathing measurement)",
        "SoftwareVersions": provenance(config)["program"]["version"],
        "Source": analysis.source,
    }
    return json.dumps(sidecar, indent=1) + "\n"


def _edf_bytes(g: dict, analysis: Analysis) -> bytes:
    """EDF+ through edfio: the traces as signals (invalid samples 0 and flagged in 'valid'),
    every inhale, exhale and hold as an annotation."""
    try:
        from edfio import Edf, EdfAnnotation, EdfSignal
    except ImportError:
        raise BreathcamError("EDF not written: it needs edfio (pip install \"breathcam[formats]\")") from None
    n = len(g["time_s"])
    per_record = int(WAVEFORM_HZ)  # 1 s data records; the last one is padded with its last value
    padded = -(-n // per_record) * per_record

    def signal(values, label, dim):
        v = np.nan_to_num(np.asarray(values, float), nan=0.0)
        v = np.concatenate([v, np.full(padded - n, v[-1] if n else 0.0)])
        lo, hi = float(v.min()), float(v.max())
        if hi - lo < 1e-6:
            lo, hi = lo - 1.0, hi + 1.0
        return EdfSignal(v, WAVEFORM_HZ, label=label, physical_dimension=dim, physical_range=(lo, hi))

    t0 = float(g["time_s"][0])
    notes = []
    for k, b in enumerate(analysis.breaths, 1):
        notes.append(EdfAnnotation(round(b.inhale_start - t0, 3), round(b.inhale_s, 3), f"inhale {k}"))
        notes.append(EdfAnnotation(round(b.exhale_start - t0, 3), round(b.exhale_s, 3), f"exhale {k}"))
    for h in analysis.holds:
        notes.append(EdfAnnotation(round(h.start - t0, 3), round(h.duration_s, 3),
                                   f"hold after {h.after}" + (" (open)" if h.open else "")))
    edf = Edf([signal(g["breathing"], "breathing", TRACE_UNITS), signal(g["chest"], "chest", TRACE_UNITS),
               signal(g["belly"], "belly", TRACE_UNITS), signal(g["valid"].astype(float), "valid", "")],
              data_record_duration=1.0, annotations=sorted(notes))
    buf = io.BytesIO()
    edf.write(buf)
    return buf.getvalue()


def write_waveforms(analysis: Analysis, folder: str | Path, *, stem: str, config: Config = DEFAULT) -> tuple[Path, ...]:
    """Write the waveform files of one analysis into ``folder``; returns the paths written.

    An analysis without traces (a sound file alone) gives the breath table only.  The EDF is
    attempted last: without edfio the others are written and a BreathcamError says why not."""
    from breathcam.fileio import write_output

    folder = Path(folder)
    written = [write_output(folder / f"{stem}.breath-table.csv", _csv_text(BREATH_COLUMNS, breath_table(analysis)))]
    g = waveform_table(analysis)
    if g is None or len(g["time_s"]) == 0:
        return tuple(written)
    written.append(write_output(folder / f"{stem}.waveform.csv", _waveform_csv(g)))
    written.append(write_output(folder / f"{stem}_physio.tsv.gz", _physio_tsv(g)))
    written.append(write_output(folder / f"{stem}_physio.json", _physio_json(g, analysis, config)))
    written.append(write_output(folder / f"{stem}.edf", _edf_bytes(g, analysis)))
    return tuple(written)
