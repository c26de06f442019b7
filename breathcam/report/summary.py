"""The terminal summary of an analysis in Dutch (``breathcam analyze|live|exercise --lang nl``).

The English summary is ``breathcam.cli.summary_lines``; this gives the same lines in Dutch, with
decimal commas, the analysis notes translated (breathcam.report.notes; a note without a known
translation is counted, not shown in English), and the timing on the breaths without holds.
"""

from __future__ import annotations

import statistics

from breathcam.report.notes import translate_note
from breathcam.report.stats import free_breaths

__all__ = ["summary_lines_nl", "output_lines_nl"]

_AFTER = {"inhale": "inademing", "exhale": "uitademing"}
_LABEL = {"chest": "borst", "belly": "buik", "mixed": "gemengd", "unknown": "onbekend"}


def _n(x: float, nd: int = 1) -> str:
    return f"{x:.{nd}f}".replace(".", ",")


def summary_lines_nl(analysis) -> list[str]:
    a = analysis
    lines = [f"{a.source}: {_n(a.duration_s)} s"]
    lines.append("ademfrequentie: geen betrouwbare meting" if a.rate_bpm is None
                 else f"ademfrequentie: {_n(a.rate_bpm)} ademhalingen/min")
    lines.append(f"ademhalingen: {len(a.breaths)}")
    free = free_breaths(a.breaths, a.holds)
    if free:
        lines.append("mediane inademing / uitademing / pauze: "
                     f"{_n(statistics.median(b.inhale_s for b in free))} / "
                     f"{_n(statistics.median(b.exhale_s for b in free))} / "
                     f"{_n(statistics.median(b.pause_s for b in free))} s")
    for h in a.holds:
        length = (f"minstens {_n(h.duration_s)} s: nog vastgehouden toen de meting stopte" if h.open
                  else f"{_n(h.duration_s)} s")
        lines.append(f"adem vastgehouden na {_AFTER.get(h.after, h.after)}: {_n(h.start)}-{_n(h.end)} s ({length})")
    sighs = sum(1 for b in a.breaths if b.is_sigh)
    if sighs:
        lines.append(f"zuchten: {sighs}")
    p = a.pattern
    if p.label == "unknown":
        lines.append("borst/buik: geen betrouwbare meting")
    else:
        share = "" if p.belly_share is None else f", aandeel buik {_n(p.belly_share, 2)}"
        phase = "" if p.phase_deg is None else f", fase {p.phase_deg:+.0f} graden"
        lines.append(f"borst/buik: {_LABEL.get(p.label, p.label)}{share}{phase}, betrouwbaarheid {_n(p.confidence, 2)}")
        extra = []
        if p.paradoxical:
            extra.append("paradoxaal (de buik gaat in terwijl de borst stijgt)")
        if p.switch_t is not None:
            extra.append(f"{_LABEL.get(p.label_before, p.label_before)} -> {_LABEL.get(p.label_after, p.label_after)} "
                         f"op {p.switch_t:.0f} s")
        if p.shoulder_lift is not None:
            extra.append(f"schouders omhoog {_n(p.shoulder_lift, 2)}")
        if extra:
            lines.append("  " + "; ".join(extra))
    m = a.movement
    if m is not None and m.reps:
        if not m.separable:
            lines.append(f"bewegen: {len(m.reps)} herhalingen; de adem loopt gelijk op met de beweging (niet te scheiden)")
        else:
            lines.append(f"bewegen: {len(m.reps)} herhalingen; adem vastgehouden bij {sum(1 for r in m.reps if r.held)}, "
                         f"uitgeademd bij inspanning in {sum(1 for r in m.reps if r.exhale_on_effort)}")
    lines.append(f"kwaliteit: betrouwbaarheid {_n(a.quality.confidence, 2)}, persoon gevonden in "
                 f"{100 * a.quality.pose_found:.0f}% van de controles")
    said = [translate_note(n, "nl") for n in a.quality.notes]
    lines.extend(f"opmerking: {n}" for n in said if n)
    unknown = sum(1 for n in said if n is None)
    if unknown:
        lines.append(f"opmerking: nog {unknown} technische opmerking(en) in de JSON-uitvoer (in het Engels)")
    return lines


def output_lines_nl(outs: dict, *, show_json: bool = True) -> list[str]:
    """Where ``analyze`` wrote what (report.batch.save_outputs' dict), in Dutch."""
    lines = []
    if show_json and outs.get("json"):
        lines.append(f"analyse geschreven naar {outs['json']}")
    if outs.get("session_id") is not None:
        sid = outs["session_id"]
        lines.append(f"opgeslagen als sessie {sid} (breathcam sessions show {sid} --lang nl)")
    if outs.get("report"):
        lines.append(f"rapport geschreven naar {outs['report']}")
    if outs.get("csv"):
        lines.append(f"CSV-bestanden geschreven naar {outs['csv'][0]} en {outs['csv'][1].name}")
    return lines
