"""The physiotherapist's report: one self-contained HTML file with its plots drawn as inline SVG.

:func:`render_report` turns an Analysis into HTML (English or Dutch): key numbers, observations,
the breathing waveform in 2-minute strips with breaths, holds and sighs marked, chest against belly,
rate over time, breath-to-breath durations, holds, chest/belly summary, exercise compliance,
a trend across the client's sessions, the per-breath table, quality notes, sources and a methods
paragraph.  The file loads nothing from outside (no scripts, no fonts, no CDN) and prints on A4.
:func:`render_trend_page` draws a client's sessions over time on a page of its own.

Where it fails: an Analysis read back from JSON carries no trace, so the waveform is a schematic
rebuilt from the breath timings (and says so); the chest/belly section shows what the pattern
stage measured and nothing when it measured nothing.  Quality notes from the analysis are English.
"""

from __future__ import annotations

import dataclasses
import html
import math
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from breathcam import __version__
from breathcam.config import DEFAULT, Config
from breathcam.report.export import summary_numbers
from breathcam.report.notes import translate_note
from breathcam.report.stats import breath_numbers, holds_in, rate_curve
from breathcam.types import Analysis, BreathcamError

__all__ = ["render_report", "write_report", "render_trend_page", "write_trend_page", "report_for_session", "LANGS", "COLORS"]

LANGS = ("en", "nl")

# Plot colours; tests/test_report_browser.py looks for them in a screenshot.
COLORS = {
    "breathing": "#1f4e79",
    "chest": "#8e44ad",
    "belly": "#138d75",
    "hold": "#f5b041",
    "sigh": "#c0392b",
    "rate": "#1e8449",
    "grid": "#e3e7ec",
    "axis": "#5d6d7e",
    "inhale": "#d6eaf8",
}

_T = {
    "en": {
        "title": "Breathing report",
        "client": "Client", "date": "Date", "source": "Source", "duration": "Duration", "exercise": "Exercise",
        "session": "Session", "notes_user": "Notes",
        "key": "Key numbers", "rate": "Breathing rate", "per_min": "/min", "breaths": "Breaths",
        "inhale": "Inhale", "exhale": "Exhale", "pause": "Pause", "ie": "I:E", "median": "median",
        "cv": "Variability (CV of breath duration)", "rmssd": "RMSSD of breath durations",
        "sighs": "Sighs", "holds": "Breath holds", "longest": "longest", "pattern": "Chest / belly",
        "confidence": "Confidence", "no_reading": "no reliable reading", "na": "–",
        "observations": "Observations",
        "obs_none": "Nothing stands out in this recording.",
        "obs_lowconf": "The reading is not confident enough for observations (confidence {c}).",
        "obs_fast": "Breathing rate {r}/min is above {t}/min (faster than typical adult resting breathing).",
        "obs_slow": "Breathing rate {r}/min is below {t}/min (slow breathing, as in paced exercises).",
        "obs_sighs": "{s} sighs per minute (healthy adults sigh about 0.2 per minute).",
        "obs_chest": "Mostly chest breathing: belly share {b}.",
        "obs_async": "Chest and belly move out of step: phase {p} deg.",
        "obs_holds": "{n} breath hold(s), longest {l} s.",
        "obs_note": "Observations describe the recording; they are not a diagnosis.",
        "waveform": "Breathing waveform",
        "wave_caption": "Rising line = inhale. Blue shading: inhale; orange bands: breath holds; red triangles: sighs; grey ticks: start of each breath. Each strip spans {s} s.",
        "wave_schematic": "Schematic rebuilt from the saved breath timings (the saved file holds no camera trace): depth and shape are drawn, not measured.",
        "chest_belly_plot": "Chest and belly motion ({a}-{b})",
        "chest_belly_caption": "Each region scaled to its own range; lines that rise together mean chest and belly move in step.",
        "rate_plot": "Breathing rate over time", "rate_caption": "Sliding window of {w} s; grey points have low confidence; gaps: no reliable reading.",
        "dur_plot": "Breath-to-breath duration", "dur_caption": "Each point is one breath; a steady line is regular breathing, scatter is variability.",
        "time_s": "time (s)", "bpm": "breaths/min", "seconds": "s",
        "holds_t": "Breath holds", "start": "start", "end": "end", "length": "length", "after": "after",
        "after_inhale": "inhale (full lungs)", "after_exhale": "exhale (empty lungs)", "no_holds": "No breath holds of {m} s or longer.",
        "open_hold": "at least {d} s (still held when the recording ends)",
        "pattern_t": "Chest and belly", "label": "pattern", "belly_share": "belly share", "phase": "chest-belly phase",
        "chest": "chest", "belly": "belly", "mixed": "mixed", "unknown": "not measured",
        "pattern_none": "Chest and belly were not measured separately in this recording.",
        "compliance_t": "Exercise compliance", "trend_t": "Change over sessions",
        "movement_t": "Breathing while moving",
        "movement_sum": "{n} repetitions; the breath was held through {h}, an exhale fell on the effort in {e}, the belly was braced in {b}.",
        "movement_locked": "The breath kept step with the movement (one breath per repetition): a camera cannot separate them, so the repetitions are not labelled.",
        "rep_down": "down", "rep_up": "up (effort)", "rep_breath": "breath", "rep_exhale": "exhale on effort",
        "rep_braced": "belly braced", "held": "held", "continued": "continued", "yes": "yes", "no": "no",
        "trend_caption": "This client's sessions in date order; this session is the last point.",
        "table_t": "Every breath", "n": "#", "rate_col": "rate", "depth": "depth", "conf": "conf.", "remark": "remark",
        "sigh": "sigh", "hold_after": "hold {d} s after {a}", "low_conf": "low confidence",
        "quality_t": "Quality and confidence",
        "q_conf": "Overall confidence {c} (0-1). The person was found by pose in {p}% of checks.",
        "q_lowbreaths": "{n} of {m} breaths have low confidence (below {t}); they are greyed in the table.",
        "q_norate": "No breathing rate is given: the breathing was too weak, irregular or short to measure reliably. A wrong number is worse than none.",
        "q_depth": "Depth is the chest/belly motion in image pixels: compare breaths within this recording, not across cameras or sessions.",
        "sources_t": "Sources",
        "methods_t": "How each number was measured",
        "footer": "Made by breathcam {v} on {d}. Everything was computed on this computer; nothing was uploaded.",
        "inhale_w": "inhale", "exhale_w": "exhale",
        "trend_rate": "rate (/min)", "trend_cv": "CV of breath duration", "trend_sighs": "sighs/min", "trend_belly": "belly share",
        "trend_title": "Breathing over sessions", "sessions": "sessions",
        "paradoxical": "paradoxical (belly in as the chest rises)", "shoulder_lift": "shoulder rise / chest rise",
        "view": "camera view", "view_front": "front", "view_side": "side", "view_unknown": "unknown",
        "switch_t": "pattern changed at", "label_before": "before", "label_after": "after",
        "pattern_conf": "confidence of the reading", "pattern_notes": "remarks",
        "comp_score": "score", "comp_phase": "per phase", "comp_cycles": "cycles followed",
        "comp_cycles_v": "{a} of {b}", "phase_inhale": "inhale", "phase_hold_in": "hold after inhale",
        "phase_exhale": "exhale", "phase_hold_out": "hold after exhale",
        "exercise_t": "Exercise", "cues_t": "Cues given during the exercise", "no_cues": "No cues were needed.",
        "recorded": "Recorded", "analysed": "Analysed", "depth_unit": "depth (px)",
        "q_untranslated": "{n} technical remark(s) in the JSON export.",
        "ie_held": "hold",
    },
    "nl": {
        "title": "Ademhalingsrapport",
        "client": "Cliënt", "date": "Datum", "source": "Bron", "duration": "Duur", "exercise": "Oefening",
        "session": "Sessie", "notes_user": "Notities",
        "key": "Kerngetallen", "rate": "Ademfrequentie", "per_min": "/min", "breaths": "Ademhalingen",
        "inhale": "Inademing", "exhale": "Uitademing", "pause": "Pauze", "ie": "I:E", "median": "mediaan",
        "cv": "Variabiliteit (CV van de ademduur)", "rmssd": "RMSSD van de ademduur",
        "sighs": "Zuchten", "holds": "Adempauzes (vasthouden)", "longest": "langste", "pattern": "Borst / buik",
        "confidence": "Betrouwbaarheid", "no_reading": "geen betrouwbare meting", "na": "–",
        "observations": "Bevindingen",
        "obs_none": "In deze opname valt niets op.",
        "obs_lowconf": "De meting is niet betrouwbaar genoeg voor bevindingen (betrouwbaarheid {c}).",
        "obs_fast": "Ademfrequentie {r}/min ligt boven {t}/min (sneller dan gebruikelijk in rust bij volwassenen).",
        "obs_slow": "Ademfrequentie {r}/min ligt onder {t}/min (langzaam ademen, zoals bij ademoefeningen).",
        "obs_sighs": "{s} zuchten per minuut (gezonde volwassenen zuchten ongeveer 0,2 keer per minuut).",
        "obs_chest": "Overwegend borstademhaling: aandeel buik {b}.",
        "obs_async": "Borst en buik bewegen niet gelijk op: fase {p} graden.",
        "obs_holds": "{n} keer de adem vastgehouden, langste {l} s.",
        "obs_note": "Bevindingen beschrijven de opname; ze zijn geen diagnose.",
        "waveform": "Ademcurve",
        "wave_caption": "Stijgende lijn = inademing. Blauw: inademing; oranje banden: adem vastgehouden; rode driehoekjes: zuchten; grijze streepjes: begin van elke ademhaling. Elke strook beslaat {s} s.",
        "wave_schematic": "Schematisch, opgebouwd uit de opgeslagen ademtijden (het opgeslagen bestand bevat geen camerasignaal): diepte en vorm zijn getekend, niet gemeten.",
        "chest_belly_plot": "Beweging van borst en buik ({a}-{b})",
        "chest_belly_caption": "Elk gebied geschaald op zijn eigen bereik; lijnen die samen stijgen betekenen dat borst en buik gelijk op bewegen.",
        "rate_plot": "Ademfrequentie in de tijd", "rate_caption": "Schuivend venster van {w} s; grijze punten zijn onzeker; onderbrekingen: geen betrouwbare meting.",
        "dur_plot": "Duur per ademhaling", "dur_caption": "Elk punt is één ademhaling; een vlakke lijn is regelmatig ademen, spreiding is variabiliteit.",
        "time_s": "tijd (s)", "bpm": "ademhalingen/min", "seconds": "s",
        "holds_t": "Adem vastgehouden", "start": "begin", "end": "einde", "length": "duur", "after": "na",
        "after_inhale": "inademing (longen vol)", "after_exhale": "uitademing (longen leeg)", "no_holds": "De adem werd niet {m} s of langer vastgehouden.",
        "open_hold": "minstens {d} s (nog vastgehouden toen de opname stopte)",
        "pattern_t": "Borst en buik", "label": "patroon", "belly_share": "aandeel buik", "phase": "fase borst-buik",
        "chest": "borst", "belly": "buik", "mixed": "gemengd", "unknown": "niet gemeten",
        "pattern_none": "Borst en buik zijn in deze opname niet apart gemeten.",
        "compliance_t": "Uitvoering van de oefening", "trend_t": "Verloop over sessies",
        "movement_t": "Ademen tijdens bewegen",
        "movement_sum": "{n} herhalingen; de adem werd vastgehouden bij {h}, uitgeademd tijdens de inspanning bij {e}, de buik aangespannen bij {b}.",
        "movement_locked": "De adem liep gelijk op met de beweging (één ademhaling per herhaling): een camera kan ze dan niet scheiden, dus de herhalingen zijn niet beoordeeld.",
        "rep_down": "omlaag", "rep_up": "omhoog (inspanning)", "rep_breath": "adem", "rep_exhale": "uitademen bij inspanning",
        "rep_braced": "buik aangespannen", "held": "vastgehouden", "continued": "doorgeademd", "yes": "ja", "no": "nee",
        "trend_caption": "De sessies van deze cliënt op datum; deze sessie is het laatste punt.",
        "table_t": "Alle ademhalingen", "n": "#", "rate_col": "freq.", "depth": "diepte", "conf": "betr.", "remark": "opmerking",
        "sigh": "zucht", "hold_after": "{d} s vastgehouden na {a}", "low_conf": "onzeker",
        "quality_t": "Kwaliteit en betrouwbaarheid",
        "q_conf": "Totale betrouwbaarheid {c} (0-1). De persoon werd in {p}% van de controles gevonden.",
        "q_lowbreaths": "{n} van de {m} ademhalingen zijn onzeker (onder {t}); ze staan grijs in de tabel.",
        "q_norate": "Er is geen ademfrequentie gegeven: de ademhaling was te zwak, te onregelmatig of te kort om betrouwbaar te meten. Een fout getal is erger dan geen getal.",
        "q_depth": "Diepte is de beweging van borst/buik in beeldpunten: vergelijk ademhalingen binnen deze opname, niet tussen camera's of sessies.",
        "sources_t": "Bronnen",
        "methods_t": "Hoe elk getal is gemeten",
        "footer": "Gemaakt door breathcam {v} op {d}. Alles is op deze computer berekend; er is niets verstuurd.",
        "inhale_w": "inademing", "exhale_w": "uitademing",
        "trend_rate": "frequentie (/min)", "trend_cv": "CV van de ademduur", "trend_sighs": "zuchten/min", "trend_belly": "aandeel buik",
        "trend_title": "Ademhaling over sessies", "sessions": "sessies",
        "paradoxical": "paradoxaal (buik in terwijl de borst stijgt)", "shoulder_lift": "stijging schouders / stijging borst",
        "view": "camerastandpunt", "view_front": "vooraanzicht", "view_side": "zijaanzicht", "view_unknown": "onbekend",
        "switch_t": "patroon veranderde op", "label_before": "ervoor", "label_after": "erna",
        "pattern_conf": "betrouwbaarheid van de meting", "pattern_notes": "opmerkingen",
        "comp_score": "score", "comp_phase": "per fase", "comp_cycles": "cycli gevolgd",
        "comp_cycles_v": "{a} van {b}", "phase_inhale": "inademing", "phase_hold_in": "vasthouden na inademing",
        "phase_exhale": "uitademing", "phase_hold_out": "vasthouden na uitademing",
        "exercise_t": "Oefening", "cues_t": "Aanwijzingen tijdens de oefening", "no_cues": "Er waren geen aanwijzingen nodig.",
        "recorded": "Opgenomen", "analysed": "Geanalyseerd", "depth_unit": "diepte (px)",
        "q_untranslated": "{n} technische opmerking(en) in de JSON-export (in het Engels).",
        "ie_held": "pauze",
    },
}

_METHODS = {
    "en": [
        ("Breaths", "The camera image is followed with optical flow in a chest and a belly region found by pose "
         "detection (or, without a visible person, by where the image moves). Their motion forms one breathing "
         "trace, band-passed {lo}-{hi} Hz ({lo_bpm:.0f}-{hi_bpm:.0f} breaths/min). A breath runs from one inhale "
         "start to the next; the inhale, exhale and pause start where the trace starts to rise, to fall, and "
         "where the exhale flattens to within {pause:.0%} of the breath's depth."),
        ("Rate", "The session rate is 60 x the number of complete breaths / the time they span; the rate over time "
         "uses a sliding window of {win:.0f} s. No rate is given when the breathing is not periodic enough "
         "(confidence below {minconf})."),
        ("I:E", "Inhale time divided by exhale time of each breath; the inhale includes a hold after the inhale, "
         "the pause includes a hold after the exhale."),
        ("Variability", "Coefficient of variation (standard deviation / mean) of breath durations, and RMSSD: the "
         "root mean square of differences between successive breath durations (like heart-rate variability), "
         "over at least {minvar} breaths."),
        ("Sighs", "A breath at least {sigh} x as deep as the median of its {nb} neighbours on each side."),
        ("Holds", "The unfiltered (low-passed only) trace stays flat for at least {hold:.0f} s; it is 'after inhale' "
         "when the trace rises into it, 'after exhale' when it falls into it."),
        ("Chest / belly", "Belly share is the belly region's part of the combined chest + belly motion; phase is how "
         "far the belly lags the chest in degrees of a breath (0 together, 180 opposite). Both come from the "
         "pattern stage when it ran."),
        ("Confidence", "Each breath is scored 0-1 from its depth over the noise and its regularity; the session "
         "confidence from the periodicity of the trace and the share of time with a usable measurement."),
    ],
    "nl": [
        ("Ademhalingen", "Het camerabeeld wordt met optical flow gevolgd in een borst- en een buikgebied die met "
         "lichaamsherkenning zijn gevonden (of, zonder zichtbare persoon, waar het beeld beweegt). Hun beweging "
         "vormt één ademsignaal, bandgefilterd {lo}-{hi} Hz ({lo_bpm:.0f}-{hi_bpm:.0f} ademhalingen/min). Een "
         "ademhaling loopt van het begin van een inademing tot het begin van de volgende; inademing, uitademing en "
         "pauze beginnen waar het signaal gaat stijgen, gaat dalen, en waar de uitademing vlak wordt (binnen "
         "{pause:.0%} van de diepte)."),
        ("Frequentie", "De frequentie van de sessie is 60 x het aantal volledige ademhalingen / de tijd die ze "
         "beslaan; de frequentie in de tijd gebruikt een schuivend venster van {win:.0f} s. Er wordt geen "
         "frequentie gegeven als de ademhaling niet regelmatig genoeg is (betrouwbaarheid onder {minconf})."),
        ("I:E", "Inademtijd gedeeld door uitademtijd per ademhaling; de inademing omvat vasthouden na de "
         "inademing, de pauze omvat vasthouden na de uitademing."),
        ("Variabiliteit", "Variatiecoëfficiënt (standaardafwijking / gemiddelde) van de ademduur, en RMSSD: de "
         "wortel van het gemiddelde kwadraat van de verschillen tussen opeenvolgende ademduren (zoals bij "
         "hartritmevariabiliteit), over minstens {minvar} ademhalingen."),
        ("Zuchten", "Een ademhaling die minstens {sigh} x zo diep is als de mediaan van haar {nb} buren aan "
         "elke kant."),
        ("Vasthouden", "Het ongefilterde (alleen laagdoorlaat) signaal blijft minstens {hold:.0f} s vlak; 'na "
         "inademing' als het signaal ernaartoe stijgt, 'na uitademing' als het ernaartoe daalt."),
        ("Borst / buik", "Aandeel buik is het deel van de buik in de gezamenlijke beweging van borst en buik; de "
         "fase is hoeveel de buik achterloopt op de borst in graden van een ademhaling (0 samen, 180 "
         "tegengesteld). Beide komen uit de patroonmeting als die is uitgevoerd."),
        ("Betrouwbaarheid", "Elke ademhaling krijgt 0-1 op grond van haar diepte boven de ruis en haar "
         "regelmaat; de sessie op grond van de periodiciteit van het signaal en het deel van de tijd met een "
         "bruikbare meting."),
    ],
}


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _num(x, nd: int, lang: str, na: str = "–") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return na
    s = f"{x:.{nd}f}"
    return s.replace(".", ",") if lang == "nl" else s


def _g(x: float, lang: str) -> str:
    """A tick value, shortest form, with the language's decimal sign."""
    s = f"{x:g}"
    return s.replace(".", ",") if lang == "nl" else s


def _clock(t_s: float) -> str:
    t = max(0, int(round(t_s)))
    return f"{t // 60}:{t % 60:02d}"


def _pct(x, lang: str) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


# ---------------------------------------------------------------------------------------------
# a small SVG plotter
# ---------------------------------------------------------------------------------------------


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + 1e-9 * step:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _time_ticks(lo: float, hi: float, n: int = 10) -> list[tuple[float, str]]:
    """Ticks at round clock times (5 s ... 10 min apart), labelled m:ss."""
    span = max(hi - lo, 1e-6)
    step = next((s for s in (5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600) if span / s <= n), 7200)
    first = math.ceil(lo / step) * step
    return [(float(v), _clock(v)) for v in np.arange(first, hi + 1e-9, step)]


def _decimate(t: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each bucket, in time order: peaks survive, the file stays small."""
    n = t.size
    if n <= max_points:
        return t, y
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    out_t, out_y = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        seg = y[a:b]
        if not np.isfinite(seg).any():
            out_t.append(t[a])
            out_y.append(np.nan)
            continue
        i, j = int(np.nanargmin(seg)), int(np.nanargmax(seg))
        for k in sorted((i, j)):
            out_t.append(t[a + k])
            out_y.append(seg[k])
    return np.asarray(out_t), np.asarray(out_y)


@dataclasses.dataclass(frozen=True)
class _Axes:
    x0: float
    x1: float
    y0: float
    y1: float
    left: float
    top: float
    width: float
    height: float

    def x(self, v: float) -> float:
        return self.left + (v - self.x0) / (self.x1 - self.x0 or 1.0) * self.width

    def y(self, v: float) -> float:
        return self.top + (1.0 - (v - self.y0) / (self.y1 - self.y0 or 1.0)) * self.height


def _path(ax: _Axes, t: Sequence[float], y: Sequence[float], color: str, width: float = 1.4, dash: str = "") -> str:
    """One polyline; non-finite values break it into pieces."""
    parts, pen_down = [], False
    for a, b in zip(t, y):
        if b is None or not math.isfinite(b):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{ax.x(a):.1f},{ax.y(b):.1f}")
        pen_down = True
    if not parts:
        return ""
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<path d="{"".join(parts)}" fill="none" stroke="{color}" stroke-width="{width}" '
            f'stroke-linejoin="round"{d}/>')


def _plot(
    *,
    width: int,
    height: int,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    draw: Callable[[_Axes], list[str]],
    xlabel: str = "",
    ylabel: str = "",
    xticks: Sequence[tuple[float, str]] | None = None,
    show_yticks: bool = True,
    label: str = "",
    lang: str = "en",
) -> str:
    left = 58 if show_yticks else 14
    bottom = 30 if xlabel else 20
    ax = _Axes(xlim[0], xlim[1], ylim[0], ylim[1], left, 8, width - left - 12, height - 8 - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{_e(label)}" class="plot">']
    out.append(f'<rect x="{ax.left}" y="{ax.top}" width="{ax.width}" height="{ax.height}" fill="#ffffff" '
               f'stroke="{COLORS["grid"]}"/>')
    if xticks is None:
        xticks = [(v, _g(v, lang)) for v in _nice_ticks(*xlim, n=10)]
    for v, text in xticks:
        if xlim[0] <= v <= xlim[1]:
            px = ax.x(v)
            out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{ax.top}" y2="{ax.top + ax.height}" '
                       f'stroke="{COLORS["grid"]}"/>')
            out.append(f'<text x="{px:.1f}" y="{ax.top + ax.height + 13}" class="tick" text-anchor="middle">'
                       f'{_e(text)}</text>')
    if show_yticks:
        for v in _nice_ticks(*ylim, n=4):
            py = ax.y(v)
            out.append(f'<line x1="{ax.left}" x2="{ax.left + ax.width}" y1="{py:.1f}" y2="{py:.1f}" '
                       f'stroke="{COLORS["grid"]}"/>')
            out.append(f'<text x="{ax.left - 6}" y="{py + 4:.1f}" class="tick" text-anchor="end">{_g(v, lang)}</text>')
    out.append('<g clip-path="none">')
    out.extend(s for s in draw(ax) if s)
    out.append("</g>")
    if xlabel:
        out.append(f'<text x="{ax.left + ax.width / 2:.0f}" y="{height - 3}" class="axis" text-anchor="middle">'
                   f'{_e(xlabel)}</text>')
    if ylabel and show_yticks:
        cy = ax.top + ax.height / 2
        out.append(f'<text x="12" y="{cy:.0f}" class="axis" text-anchor="middle" '
                   f'transform="rotate(-90 12 {cy:.0f})">{_e(ylabel)}</text>')
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# the waveform
# ---------------------------------------------------------------------------------------------


def _schematic(analysis: Analysis, fs_hz: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """A breathing curve drawn from the breath timings alone (raised-cosine inhale and exhale)."""
    n = int(analysis.duration_s * fs_hz) + 1
    t = np.arange(n) / fs_hz
    y = np.full(n, np.nan)
    depths = [b.depth for b in analysis.breaths if b.depth > 0]
    typical = float(np.median(depths)) if depths else 1.0
    for b in analysis.breaths:
        depth = b.depth if b.depth > 0 else typical
        rise_end = b.exhale_start
        for h in analysis.holds:
            if h.after == "inhale" and b.inhale_start < h.start < b.exhale_start:
                rise_end = h.start
        m = (t >= b.inhale_start) & (t <= b.end)
        tt = t[m]
        v = np.zeros(tt.size)
        up = tt < rise_end
        v[up] = depth * 0.5 * (1 - np.cos(np.pi * (tt[up] - b.inhale_start) / max(rise_end - b.inhale_start, 1e-6)))
        v[(tt >= rise_end) & (tt < b.exhale_start)] = depth
        down = (tt >= b.exhale_start) & (tt < b.pause_start)
        v[down] = depth * 0.5 * (1 + np.cos(np.pi * (tt[down] - b.exhale_start) / max(b.pause_start - b.exhale_start, 1e-6)))
        y[m] = v
    return t, y


def _trace_arrays(analysis: Analysis):
    tr = analysis.traces
    if tr is None or len(tr.t_s) < 2:
        return None
    t = np.asarray(tr.t_s, float)
    valid = np.asarray(tr.valid, bool) if len(tr.valid) == len(t) else np.ones(t.size, bool)

    def masked(a):
        a = np.asarray(a, float)
        if a.shape != t.shape:
            return None
        a = a.copy()
        a[~valid] = np.nan
        return a

    return t, masked(tr.breathing), masked(tr.chest), masked(tr.belly)


def _waveform_section(analysis: Analysis, *, lang: str, cfg) -> str:
    T = _T[lang]
    arrays = _trace_arrays(analysis)
    schematic = arrays is None or arrays[1] is None or not np.isfinite(arrays[1]).any()
    if schematic:
        if not analysis.breaths:
            return ""
        t, y = _schematic(analysis)
    else:
        t, y = arrays[0], arrays[1]
    finite = y[np.isfinite(y)]
    # The 0.1-99.9 percentile range keeps sighs on the page and ignores a lone tracker spike.
    lo, hi = np.percentile(finite, [0.1, 99.9]) if finite.size else (0.0, 1.0)
    pad = 0.15 * (hi - lo or 1.0)
    ylim = (float(lo - pad), float(hi + pad))
    t_start = float(t[0]) if t.size else 0.0
    t_end = max(float(t[-1]) if t.size else 0.0, analysis.duration_s)
    # A recording shorter than one strip fills the strip.
    row_s = min(cfg.waveform_row_s, max(t_end - t_start, 1.0))
    n_rows = max(1, int(math.ceil((t_end - t_start) / row_s - 1e-9)))
    per_row_points = max(200, cfg.max_plot_points // 2)
    strips = []
    for k in range(n_rows):
        a, b = t_start + k * row_s, t_start + (k + 1) * row_s
        m = (t >= a) & (t <= b)
        tt, yy = _decimate(t[m], y[m], per_row_points)

        def draw(ax, a=a, b=b, tt=tt, yy=yy):
            out = []
            for br in analysis.breaths:
                if br.end >= a and br.inhale_start <= b:
                    x0, x1 = ax.x(max(br.inhale_start, a)), ax.x(min(br.exhale_start, b))
                    if x1 > x0:
                        out.append(f'<rect x="{x0:.1f}" y="{ax.top}" width="{x1 - x0:.1f}" height="{ax.height}" '
                                   f'fill="{COLORS["inhale"]}" opacity="0.55"/>')
            for h in analysis.holds:
                if h.end >= a and h.start <= b:
                    x0, x1 = ax.x(max(h.start, a)), ax.x(min(h.end, b))
                    out.append(f'<rect x="{x0:.1f}" y="{ax.top}" width="{x1 - x0:.1f}" height="{ax.height}" '
                               f'fill="{COLORS["hold"]}" opacity="0.6"/>')
                    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{ax.top + 12}" class="mark" text-anchor="middle">'
                               f'{_num(h.duration_s, 0, lang)} s</text>')
            for br in analysis.breaths:
                if a <= br.inhale_start <= b:
                    px = ax.x(br.inhale_start)
                    out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{ax.top + ax.height - 7}" '
                               f'y2="{ax.top + ax.height}" stroke="{COLORS["axis"]}" stroke-width="1"/>')
            out.append(_path(ax, tt, yy, COLORS["breathing"], 1.6, "5 3" if schematic else ""))
            for br in analysis.breaths:
                if br.is_sigh and a <= br.exhale_start <= b:
                    px, py = ax.x(br.exhale_start), ax.top + 4
                    out.append(f'<path d="M{px - 6:.1f},{py + 10:.1f}L{px + 6:.1f},{py + 10:.1f}L{px:.1f},{py:.1f}Z" '
                               f'fill="{COLORS["sigh"]}"/>')
            return out

        ticks = _time_ticks(a, b, n=12)
        strips.append(_plot(width=1000, height=118, xlim=(a, b), ylim=ylim, draw=draw, xticks=ticks, lang=lang,
                            show_yticks=False, label=f"{T['waveform']} {_clock(a)}-{_clock(b)}"))
    caption = T["wave_caption"].format(s=_num(row_s, 0, lang))
    if schematic:
        caption += " " + T["wave_schematic"]
    body = "".join(f'<div class="strip">{s}</div>' for s in strips)
    return f'<section class="wave"><h2>{T["waveform"]}</h2>{body}<p class="caption">{_e(caption)}</p></section>'


def _chest_belly_section(analysis: Analysis, *, lang: str) -> str:
    arrays = _trace_arrays(analysis)
    if arrays is None or arrays[2] is None or arrays[3] is None:
        return ""
    t, _, chest, belly = arrays
    spans = []
    for a in (chest, belly):
        f = a[np.isfinite(a)]
        spans.append(float(np.percentile(f, 99) - np.percentile(f, 1)) if f.size > 10 else 0.0)
    if min(spans) <= 1e-6:
        return ""
    T = _T[lang]
    window = min(60.0, float(t[-1] - t[0]))
    mid = 0.5 * (float(t[0]) + float(t[-1]))
    a, b = mid - window / 2, mid + window / 2
    m = (t >= a) & (t <= b)
    lines = []
    for arr, span in ((chest, spans[0]), (belly, spans[1])):
        seg = arr[m]
        med = np.nanmedian(seg) if np.isfinite(seg).any() else 0.0
        lines.append((seg - med) / span)

    def draw(ax):
        return [_path(ax, t[m], lines[0], COLORS["chest"], 1.5), _path(ax, t[m], lines[1], COLORS["belly"], 1.5)]

    ticks = _time_ticks(a, b, n=8)
    both = np.concatenate([v[np.isfinite(v)] for v in lines])
    ylim = (float(both.min()) - 0.1, float(both.max()) + 0.1) if both.size else (-1.0, 1.0)
    svg = _plot(width=1000, height=150, xlim=(a, b), ylim=ylim, draw=draw, xticks=ticks, lang=lang,
                show_yticks=False, label=T["chest_belly_plot"].format(a=_clock(a), b=_clock(b)))
    legend = (f'<span class="key" style="background:{COLORS["chest"]}"></span>{T["chest"]} '
              f'<span class="key" style="background:{COLORS["belly"]}"></span>{T["belly"]}')
    return (f'<section><h3>{_e(T["chest_belly_plot"].format(a=_clock(a), b=_clock(b)))}</h3>{svg}'
            f'<p class="caption">{legend} — {_e(T["chest_belly_caption"])}</p></section>')


def _rate_section(analysis: Analysis, *, lang: str, config: Config) -> str:
    T = _T[lang]
    pts = [p for p in analysis.rate_series]
    if analysis.holds and analysis.breaths:
        # a hold is no slow breathing: the curve is drawn from the breaths without holds (a gap at a hold)
        from breathcam.types import RatePoint

        pts = [RatePoint(t, r, c) for t, r, c in rate_curve(analysis.breaths, analysis.holds,
                                                            window_s=config.rate.window_s)]
    if not pts or all(p.bpm is None for p in pts):
        return ""
    bpms = [p.bpm for p in pts if p.bpm is not None]
    ylim = (0.0, max(25.0, 1.15 * max(bpms)))
    t0, t1 = pts[0].t, max(pts[-1].t, pts[0].t + 1)
    minconf = config.rate.min_confidence

    def draw(ax):
        out = [_path(ax, [p.t for p in pts], [p.bpm if p.bpm is not None else float("nan") for p in pts],
                     COLORS["rate"], 2.0)]
        for p in pts:
            if p.bpm is not None and p.confidence < minconf:
                out.append(f'<circle cx="{ax.x(p.t):.1f}" cy="{ax.y(p.bpm):.1f}" r="2.2" fill="#aab7b8"/>')
        return out

    ticks = _time_ticks(t0, t1, n=10)
    svg = _plot(width=1000, height=190, xlim=(t0, t1), ylim=ylim, draw=draw, xticks=ticks, lang=lang,
                xlabel=T["time_s"].replace("(s)", "(min:s)"), ylabel=T["bpm"], label=T["rate_plot"])
    cap = T["rate_caption"].format(w=_num(config.rate.window_s, 0, lang))
    return f'<section><h2>{T["rate_plot"]}</h2>{svg}<p class="caption">{_e(cap)}</p></section>'


def _duration_section(analysis: Analysis, *, lang: str) -> str:
    T = _T[lang]
    br = analysis.breaths
    if len(br) < 3:
        return ""
    ts = [b.inhale_start for b in br]
    ds = [b.duration_s for b in br]
    ylim = (0.0, max(ds) * 1.15)

    def draw(ax):
        out = [_path(ax, ts, ds, COLORS["breathing"], 1.0)]
        for b in br:
            color = COLORS["sigh"] if b.is_sigh else COLORS["breathing"]
            out.append(f'<circle cx="{ax.x(b.inhale_start):.1f}" cy="{ax.y(b.duration_s):.1f}" r="2.6" fill="{color}"/>')
        return out

    t1 = max(ts[-1], ts[0] + 1)
    ticks = _time_ticks(ts[0], t1, n=10)
    svg = _plot(width=1000, height=160, xlim=(ts[0], t1), ylim=ylim, draw=draw, xticks=ticks, lang=lang,
                xlabel=T["time_s"].replace("(s)", "(min:s)"), ylabel=T["seconds"], label=T["dur_plot"])
    return f'<section><h2>{T["dur_plot"]}</h2>{svg}<p class="caption">{_e(T["dur_caption"])}</p></section>'


# ---------------------------------------------------------------------------------------------
# tables and text
# ---------------------------------------------------------------------------------------------


def _generic_table(obj, lang: str) -> str:
    """Key/value table of a dataclass or dict whose fields are not known in advance."""
    if obj is None:
        return ""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    elif isinstance(obj, dict):
        items = list(obj.items())
    elif isinstance(obj, (list, tuple)):
        items = [(str(i + 1), v) for i, v in enumerate(obj)]
    else:
        return f"<p>{_e(obj)}</p>"
    rows = []
    for k, v in items:
        if isinstance(v, np.ndarray):
            continue
        if isinstance(v, float):
            text = _e(_num(v, 2, lang))
        elif dataclasses.is_dataclass(v) or isinstance(v, dict):
            text = _generic_table(v, lang)
        elif isinstance(v, (list, tuple)):
            if not v:
                continue
            if all(dataclasses.is_dataclass(x) or isinstance(x, dict) for x in v):
                text = "".join(_generic_table(x, lang) for x in v[:50])
            else:
                text = _e(", ".join(_num(x, 2, lang) if isinstance(x, float) else str(x) for x in v))
        elif v is None:
            text = "–"
        else:
            text = _e(v)
        rows.append(f"<tr><th>{_e(str(k).replace('_', ' '))}</th><td>{text}</td></tr>")
    return f'<table class="kv">{"".join(rows)}</table>' if rows else ""


def _observations(analysis: Analysis, nums: dict, *, lang: str, cfg) -> list[str]:
    T = _T[lang]
    if analysis.quality.confidence < cfg.min_observation_confidence:
        return [T["obs_lowconf"].format(c=_num(analysis.quality.confidence, 2, lang))]
    out = []
    r = analysis.rate_bpm
    if r is not None and r > cfg.fast_rate_bpm:
        out.append(T["obs_fast"].format(r=_num(r, 1, lang), t=_num(cfg.fast_rate_bpm, 0, lang)))
    if r is not None and r < cfg.slow_rate_bpm:
        out.append(T["obs_slow"].format(r=_num(r, 1, lang), t=_num(cfg.slow_rate_bpm, 0, lang)))
    spm = nums.get("sighs_per_min")
    if spm is not None and spm > cfg.frequent_sighs_per_min:
        out.append(T["obs_sighs"].format(s=_num(spm, 1, lang)))
    bs = nums.get("belly_share")
    if nums.get("pattern_label") == "chest" and bs is not None:
        out.append(T["obs_chest"].format(b=_pct(bs, lang)))
    ph = nums.get("phase_deg")
    if ph is not None and abs(ph) > cfg.asynchrony_phase_deg:
        out.append(T["obs_async"].format(p=_num(abs(ph), 0, lang)))
    if analysis.holds:
        out.append(T["obs_holds"].format(n=len(analysis.holds), l=_num(nums["longest_hold_s"], 0, lang)))
    return out or [T["obs_none"]]


def _cards(analysis: Analysis, nums: dict, *, lang: str) -> str:
    T = _T[lang]
    na = T["na"]

    def card(label, value, sub=""):
        return (f'<div class="card"><div class="lbl">{_e(label)}</div><div class="val">{value}</div>'
                f'<div class="sub">{_e(sub)}</div></div>')

    rate = (f'{_num(analysis.rate_bpm, 1, lang)}<small>{T["per_min"]}</small>' if analysis.rate_bpm is not None
            else f'<span class="none">{_e(T["no_reading"])}</span>')
    phases = " / ".join(_num(nums[k], 1, lang) for k in ("median_inhale_s", "median_exhale_s", "median_pause_s"))
    label = nums.get("pattern_label") or "unknown"
    pattern_val = _e(T.get(label, label))
    if nums.get("belly_share") is not None:
        pattern_val += f' <small>{T["belly"]} {_pct(nums["belly_share"], lang)}</small>'
    cards = [
        card(T["rate"], rate, T["median"] if False else ""),
        card(T["breaths"], str(nums["n_breaths"]), f'{_num(analysis.duration_s / 60, 1, lang)} min'),
        card(f'{T["inhale"]} / {T["exhale"]} / {T["pause"]}', f"{phases}<small> s</small>", T["median"]),
        card(T["ie"], f'1 : {_num(1 / nums["median_ie_ratio"], 1, lang)}' if nums["median_ie_ratio"] else na, T["median"]),
        card(T["cv"], _pct(nums["cv_duration"], lang) if nums["cv_duration"] is not None else na,
             f'RMSSD {_num(nums["rmssd_s"], 1, lang)} s' if nums["rmssd_s"] is not None else ""),
        card(T["sighs"], f'{_num(nums["sighs_per_min"], 1, lang)}<small>{T["per_min"]}</small>',
             f'{nums["n_sighs"]}'),
        card(T["holds"], str(nums["n_holds"]),
             f'{T["longest"]} {_num(nums["longest_hold_s"], 1, lang)} s' if nums["n_holds"] else ""),
        card(T["pattern"], pattern_val,
             f'{T["phase"]} {_num(nums["phase_deg"], 0, lang)}°' if nums.get("phase_deg") is not None else ""),
        card(T["confidence"], _num(analysis.quality.confidence, 2, lang), ""),
    ]
    if nums.get("compliance") is not None:
        cards.append(card(T["compliance_t"], _pct(nums["compliance"], lang)))
    return f'<div class="cards">{"".join(cards)}</div>'


def _hold_length(h, T: dict, lang: str) -> str:
    """A hold's length; one that runs into the recording's end lasted at least that long."""
    d = _num(h.duration_s, 1, lang)
    return T["open_hold"].format(d=d) if h.open else f"{d} s"


def _holds_section(analysis: Analysis, *, lang: str, config: Config) -> str:
    T = _T[lang]
    if not analysis.holds:
        return (f'<section><h2>{T["holds_t"]}</h2><p>'
                f'{_e(T["no_holds"].format(m=_num(config.holds.min_hold_s, 0, lang)))}</p></section>')
    rows = "".join(
        f"<tr><td>{_clock(h.start)}</td><td>{_clock(h.end)}</td><td>{_e(_hold_length(h, T, lang))}</td>"
        f"<td>{_e(T['after_' + h.after] if ('after_' + h.after) in T else h.after)}</td>"
        f"<td>{_num(h.confidence, 2, lang)}</td></tr>"
        for h in analysis.holds
    )
    head = f'<tr><th>{T["start"]}</th><th>{T["end"]}</th><th>{T["length"]}</th><th>{T["after"]}</th><th>{T["conf"]}</th></tr>'
    return f'<section><h2>{T["holds_t"]}</h2><table class="grid narrow">{head}{rows}</table></section>'


def _pattern_section(analysis: Analysis, *, lang: str) -> str:
    T = _T[lang]
    p = analysis.pattern
    label = p.label
    if label == "unknown" and p.belly_share is None:
        body = f'<p>{_e(T["pattern_none"])}</p>'
    else:
        def lab(x):
            return T.get(x, x) if x else "–"

        rows = [(T["label"], _e(lab(label))),
                (T["belly_share"], _pct(p.belly_share, lang)),
                (T["phase"], f'{_num(p.phase_deg, 0, lang)}°'),
                (T["paradoxical"], _e("–" if p.paradoxical is None else T["yes"] if p.paradoxical else T["no"])),
                (T["shoulder_lift"], _e(_num(p.shoulder_lift, 2, lang))),
                (T["view"], _e(T.get("view_" + p.view, p.view))),
                (T["pattern_conf"], _e(_num(p.confidence, 2, lang)))]
        if p.switch_t is not None:
            rows.append((T["switch_t"], _e(f'{_clock(p.switch_t)} ({T["label_before"]}: {lab(p.label_before)}, '
                                          f'{T["label_after"]}: {lab(p.label_after)})')))
        notes = [n for n in (translate_note(x, lang) for x in p.notes) if n]
        if notes:
            rows.append((T["pattern_notes"], _e("; ".join(notes))))
        body = '<table class="kv">' + "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"
    return f'<section><h2>{T["pattern_t"]}</h2>{body}</section>'


def _exercise_section(analysis: Analysis, compliance, *, lang: str, exercise: str | None) -> str:
    """The exercise: its name, how closely it was followed, and the cues given during it."""
    T = _T[lang]
    if compliance is None and not exercise:
        return ""
    rows = []
    if exercise:
        rows.append((T["exercise"], _e(exercise)))
    get = (lambda k, d=None: compliance.get(k, d)) if isinstance(compliance, dict) else \
        (lambda k, d=None: getattr(compliance, k, d))
    if compliance is not None:
        rows.append((T["comp_score"], _pct(get("score"), lang)))
        per = get("per_phase") or {}
        if per:
            rows.append((T["comp_phase"], _e(", ".join(f'{T.get("phase_" + k, k)} {_pct(v, lang)}' for k, v in per.items()))))
        if get("cycles_followed") is not None:
            total = get("cycles_total")
            rows.append((T["comp_cycles"], _e(T["comp_cycles_v"].format(a=get("cycles_followed"), b=total)
                                             if total else str(get("cycles_followed")))))
    table = '<table class="kv">' + "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"
    cues = []
    for ev in analysis.feedback:
        msg = _cue_text(ev, lang)
        if msg:
            cues.append(f"<li>{_clock(ev.t)} {_e(msg)}</li>")
    cue_html = f'<h3>{_e(T["cues_t"])}</h3>' + (f'<ul>{"".join(cues)}</ul>' if cues else f'<p>{_e(T["no_cues"])}</p>')
    return f'<section><h2>{T["compliance_t"]}</h2>{table}{cue_html}</section>'


def _cue_text(ev, lang: str) -> str | None:
    """A coach cue in the report's language: from its code when the cue takes no values; else as it
    was said, when it was said in this language (its text starts as the language's template does)."""
    from breathcam.lang import MESSAGES

    msgs = MESSAGES.get(ev.code, {})
    template = msgs.get(lang)
    if template is not None and "{" not in template:
        return template
    if template is not None and ev.message.startswith(template.split("{")[0]):
        return ev.message
    return ev.message if lang == "en" else None


def _movement_section(analysis: Analysis, *, lang: str) -> str:
    """Repetitions (squats, lifting) and how the breath went with each; empty without movement."""
    m = analysis.movement
    if m is None or not m.reps:
        return ""
    T = _T[lang]

    def yn(v):
        return "–" if v is None else T["yes"] if v else T["no"]

    def count(key):
        return sum(1 for r in m.reps if getattr(r, key))

    head = (f'<p>{_e(T["movement_sum"].format(n=len(m.reps), h=count("held"), e=count("exhale_on_effort"), b=count("braced")))}</p>'
            if m.separable else f'<p>{_e(T["movement_locked"])}</p>')
    rows = "".join(
        f"<tr><td>{i}</td><td>{_clock(r.start)}–{_clock(r.turn)}</td><td>{_clock(r.turn)}–{_clock(r.end)}</td>"
        f"<td>{_e('–' if r.held is None else T['held'] if r.held else T['continued'])}</td>"
        f"<td>{_e(yn(r.exhale_on_effort))}</td><td>{_e(yn(r.braced))}</td></tr>"
        for i, r in enumerate(m.reps, 1)
    )
    table = (f'<table class="grid narrow"><tr><th>{T["n"]}</th><th>{T["rep_down"]}</th><th>{T["rep_up"]}</th>'
             f'<th>{T["rep_breath"]}</th><th>{T["rep_exhale"]}</th><th>{T["rep_braced"]}</th></tr>{rows}</table>')
    return f'<section><h2>{T["movement_t"]}</h2>{head}{table}</section>'


def _breath_table(analysis: Analysis, *, lang: str, cfg) -> str:
    T = _T[lang]
    br = analysis.breaths
    if not br:
        return ""
    shares = [b.belly_share for b in br]
    has_share = any(s is not None for s in shares)
    head = [T["n"], T["start"], T["inhale_w"] + " s", T["exhale_w"] + " s", T["pause"].lower() + " s", "I:E",
            T["rate_col"] + " /min", T["depth_unit"]] + ([T["belly_share"]] if has_share else []) + [T["conf"], T["remark"]]
    rows = []
    for i, (b, share) in enumerate(zip(br, shares), 1):
        remarks = []
        if b.is_sigh:
            remarks.append(T["sigh"])
        for h in analysis.holds:
            if b.inhale_start - 0.5 <= h.start < b.end:
                remarks.append(T["hold_after"].format(d=_num(h.duration_s, 1, lang),
                                                       a=T["inhale_w" if h.after == "inhale" else "exhale_w"]))
        low = b.confidence < cfg.low_confidence
        if low:
            remarks.append(T["low_conf"])
        ie = T["ie_held"] if holds_in(b, analysis.holds) else _num(b.inhale_s / b.exhale_s, 2, lang) if b.exhale_s > 0 else "–"
        cells = [str(i), _clock(b.inhale_start), _num(b.inhale_s, 1, lang), _num(b.exhale_s, 1, lang),
                 _num(b.pause_s, 1, lang), ie, _num(60 / b.duration_s if b.duration_s > 0 else None, 1, lang),
                 _num(b.depth, 2, lang)] + ([_pct(share, lang)] if has_share else []) + [
                 _num(b.confidence, 2, lang), _e(", ".join(remarks))]
        cls = ' class="low"' if low else (' class="sigh"' if b.is_sigh else "")
        rows.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    thead = "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead>"
    return (f'<section class="breaths"><h2>{T["table_t"]}</h2><table class="grid">{thead}<tbody>{"".join(rows)}'
            f"</tbody></table></section>")


def _quality_section(analysis: Analysis, *, lang: str, cfg) -> str:
    T = _T[lang]
    q = analysis.quality
    items = [T["q_conf"].format(c=_num(q.confidence, 2, lang), p=f"{100 * q.pose_found:.0f}")]
    low = sum(1 for b in analysis.breaths if b.confidence < cfg.low_confidence)
    if low:
        items.append(T["q_lowbreaths"].format(n=low, m=len(analysis.breaths), t=_num(cfg.low_confidence, 1, lang)))
    if analysis.rate_bpm is None:
        items.append(T["q_norate"])
    items.append(T["q_depth"])
    said = [translate_note(n, lang) for n in q.notes]
    items.extend(n for n in said if n)
    if any(n is None for n in said):
        items.append(T["q_untranslated"].format(n=sum(1 for n in said if n is None)))
    lis = "".join(f"<li>{_e(x)}</li>" for x in items)
    return f'<section><h2>{T["quality_t"]}</h2><ul>{lis}</ul></section>'


def _methods_section(*, lang: str, config: Config) -> str:
    T = _T[lang]
    values = dict(
        lo=_num(config.filters.low_hz, 2, lang), hi=_num(config.filters.high_hz, 1, lang),
        lo_bpm=60 * config.filters.low_hz, hi_bpm=60 * config.filters.high_hz,
        pause=config.breaths.pause_level_fraction, win=config.rate.window_s,
        minconf=_num(config.rate.min_confidence, 2, lang), minvar=config.report.min_breaths_variability,
        sigh=_num(config.breaths.sigh_depth_ratio, 1, lang), nb=config.breaths.sigh_neighbours, hold=config.holds.min_hold_s,
    )
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v.format(**values))}</dd>" for k, v in _METHODS[lang])
    return f'<section class="methods"><h2>{T["methods_t"]}</h2><dl>{dl}</dl></section>'


def _trend_plots(points: Sequence[dict], *, lang: str, highlight_last: bool = True) -> str:
    """Small multiples of key numbers over a client's sessions (dicts from report.store)."""
    T = _T[lang]
    if len(points) < 2:
        return ""
    metrics = [("rate_bpm", T["trend_rate"], 1.0), ("cv_duration", T["trend_cv"], 1.0),
               ("sighs_per_min", T["trend_sighs"], 1.0), ("belly_share", T["trend_belly"], 1.0)]
    xs = list(range(len(points)))
    labels = []
    for p in points:
        d = str(p.get("started_at") or "")
        labels.append(f"{d[8:10]}-{d[5:7]} {d[11:16]}".strip() if len(d) >= 10 else str(p.get("id", "")))
    step = max(1, len(xs) // 8)
    ticks = [(x, labels[x]) for x in xs[::step]]
    out = []
    for key, title, _ in metrics:
        ys = [p.get(key) for p in points]
        vals = [v for v in ys if v is not None]
        if not vals:
            continue
        hi = max(vals) * 1.2 or 1.0

        def draw(ax, ys=ys):
            res = [_path(ax, xs, [float("nan") if v is None else v for v in ys], COLORS["breathing"], 1.6)]
            for x, v in zip(xs, ys):
                if v is not None:
                    last = highlight_last and x == xs[-1]
                    res.append(f'<circle cx="{ax.x(x):.1f}" cy="{ax.y(v):.1f}" r="{4 if last else 3}" '
                               f'fill="{COLORS["sigh"] if last else COLORS["breathing"]}"/>')
            return res

        svg = _plot(width=480, height=170, xlim=(-0.5, len(xs) - 0.5), ylim=(0.0, hi), draw=draw, xticks=ticks, lang=lang,
                    label=title)
        out.append(f'<figure><figcaption>{_e(title)}</figcaption>{svg}</figure>')
    return f'<div class="trend">{"".join(out)}</div>'


_CSS = """
:root{--ink:#1c2833;--muted:#5d6d7e;--line:#d5dbe1;--accent:#1f4e79}
*{box-sizing:border-box}
body{margin:0;background:#f4f6f8;color:var(--ink);font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;background:#fff;padding:28px 36px 36px}
header{border-bottom:3px solid var(--accent);padding-bottom:10px;margin-bottom:18px}
h1{margin:0 0 6px;font-size:26px;color:var(--accent);letter-spacing:.2px}
h2{font-size:17px;margin:26px 0 8px;color:var(--accent);border-bottom:1px solid var(--line);padding-bottom:3px}
h3{font-size:14px;margin:16px 0 6px;color:var(--ink)}
.meta{display:flex;flex-wrap:wrap;gap:4px 22px;color:var(--muted)}
.meta b{color:var(--ink);font-weight:600}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fbfcfd}
.card .lbl{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.3px}
.card .val{font-size:22px;font-weight:600;color:var(--ink);margin-top:2px}
.card .val small{font-size:12px;font-weight:400;color:var(--muted);margin-left:2px}
.card .val .none{font-size:14px;font-weight:400;color:#a04000}
.card .sub{font-size:12px;color:var(--muted);min-height:1em}
ul.obs{margin:6px 0;padding-left:20px}
.note{color:var(--muted);font-size:12px}
svg.plot{width:100%;height:auto;display:block}
svg .tick{font-size:10px;fill:#5d6d7e}
svg .axis{font-size:11px;fill:#34495e}
svg .mark{font-size:10px;fill:#7e5109;font-weight:600}
.strip{margin-bottom:2px}
.caption{color:var(--muted);font-size:12px;margin:4px 0 0}
.key{display:inline-block;width:18px;height:4px;vertical-align:middle;margin:0 4px 0 8px}
table{border-collapse:collapse}
table.grid{width:100%;font-size:12px}
table.grid.narrow{width:auto;min-width:50%}
table.grid th,table.grid td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:right}
table.grid th{background:#eef2f6;color:var(--ink);font-weight:600;position:sticky;top:0}
table.grid td:last-child,table.grid th:last-child{text-align:left}
table.grid tr.low td{color:#aab7b8}
table.grid tr.sigh td{background:#fdedec}
table.kv th{text-align:left;font-weight:600;padding:2px 14px 2px 0;color:var(--muted);vertical-align:top}
table.kv td{padding:2px 0}
.trend{display:grid;grid-template-columns:1fr 1fr;gap:8px 24px}
.trend figure{margin:0}.trend figcaption{font-size:12px;color:var(--muted)}
dl{margin:0}dt{font-weight:600;margin-top:6px}dd{margin:0 0 0 0;color:#34495e}
footer{margin-top:26px;color:var(--muted);font-size:11px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{background:#fff;font-size:11px}main{max-width:none;padding:0}
 .cards{grid-template-columns:repeat(5,1fr)}section,.strip,figure{break-inside:avoid}
 h2{break-after:avoid}table.grid th{position:static}}
@page{size:A4;margin:14mm}
"""


def render_report(
    analysis: Analysis,
    *,
    lang: str = "en",
    client: str | None = None,
    session: dict | None = None,
    trend: Sequence[dict] = (),
    extras: dict | None = None,
    config: Config = DEFAULT,
    now: datetime | None = None,
) -> str:
    """The report as one HTML string.

    session: what the history knows (``id``, ``started_at``, ``exercise``, ``notes``); trend: the
    client's sessions (dicts of key numbers, date order, this one last) for the change-over-sessions
    plots; extras: the raw JSON of a saved analysis, for keys the Analysis does not carry
    (``compliance``, ``sources``).
    """
    if lang not in LANGS:
        raise BreathcamError(f"report language must be one of {', '.join(LANGS)}, not {lang!r}")
    T = _T[lang]
    cfg = config.report
    session = session or {}
    extras = extras or {}
    nums = summary_numbers(analysis, min_breaths=cfg.min_breaths_variability)
    nums.update({k: v for k, v in breath_numbers(analysis.breaths, analysis.holds,
                                                 min_breaths=cfg.min_breaths_variability).items() if k != "n_free"})
    now = now or datetime.now()
    started = session.get("started_at") or now.isoformat(timespec="minutes")
    recorded = session.get("recorded_at") or _recorded_at(analysis.source)
    meta = [(T["client"], client or session.get("client")), (T["analysed"], str(started).replace("T", " ")[:16]),
            (T["recorded"], str(recorded).replace("T", " ")[:16] if recorded else None),
            (T["source"], Path(analysis.source).name if analysis.source else None),
            (T["duration"], f"{_clock(analysis.duration_s)} min"), (T["exercise"], session.get("exercise")),
            (T["session"], session.get("id"))]
    meta_html = "".join(f"<span>{_e(k)}: <b>{_e(v)}</b></span>" for k, v in meta if v not in (None, ""))
    obs = _observations(analysis, nums, lang=lang, cfg=cfg)
    parts = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(T["title"])} – {_e(client or Path(analysis.source).name)}</title><style>{_CSS}</style></head>'
        f'<body><main><header><h1>{_e(T["title"])}</h1><div class="meta">{meta_html}</div></header>',
        f'<section><h2>{T["key"]}</h2>{_cards(analysis, nums, lang=lang)}</section>',
        f'<section><h2>{T["observations"]}</h2><ul class="obs">{"".join(f"<li>{_e(o)}</li>" for o in obs)}</ul>'
        f'<p class="note">{_e(T["obs_note"])}</p></section>',
    ]
    if session.get("notes"):
        parts.append(f'<section><h2>{T["notes_user"]}</h2><p>{_e(session["notes"])}</p></section>')
    parts += [
        _waveform_section(analysis, lang=lang, cfg=cfg),
        _chest_belly_section(analysis, lang=lang),
        _rate_section(analysis, lang=lang, config=config),
        _duration_section(analysis, lang=lang),
        _holds_section(analysis, lang=lang, config=config),
        _pattern_section(analysis, lang=lang),
    ]
    movement = _movement_section(analysis, lang=lang)
    if movement:
        parts.append(movement)
    compliance = analysis.compliance or extras.get("compliance")
    parts.append(_exercise_section(analysis, compliance, lang=lang, exercise=session.get("exercise")))
    if len(trend) >= 2:
        parts.append(f'<section><h2>{T["trend_t"]}</h2>{_trend_plots(trend, lang=lang)}'
                     f'<p class="caption">{_e(T["trend_caption"])}</p></section>')
    parts.append(_breath_table(analysis, lang=lang, cfg=cfg))
    parts.append(_quality_section(analysis, lang=lang, cfg=cfg))
    sources = analysis.sources or extras.get("sources")
    if sources:
        parts.append(f'<section><h2>{T["sources_t"]}</h2>{_generic_table(sources, lang)}</section>')
    parts.append(_methods_section(lang=lang, config=config))
    parts.append(f'<footer>{_e(T["footer"].format(v=__version__, d=now.strftime("%Y-%m-%d %H:%M")))}</footer>'
                 "</main></body></html>\n")
    return "".join(p for p in parts if p)


def output_stem(stem: str, *, client: str | None = None) -> str:
    """The name a clip's outputs are made from: the client's id first when given (two clients'
    clips of the same name stay apart), reduced to letters, digits, ``-`` and ``_``.

    >>> output_stem("session", client="C1/ward 3")
    'C1-ward-3-session'
    """
    import re

    if not client:
        return stem
    safe = re.sub(r"[^0-9A-Za-z_-]+", "-", client).strip("-")
    return f"{safe}-{stem}" if safe else stem


def _recorded_at(source: str | None) -> str | None:
    """A clip's recording date: its file time (local, to the minute); None for a camera or a missing file."""
    if not source:
        return None
    p = Path(source)
    try:
        if p.is_file():
            return datetime.fromtimestamp(p.stat().st_mtime).isoformat(timespec="minutes")
    except OSError:
        pass
    return None


def _assessment_report(row: dict, analysis: Analysis, trend: list[dict], *, out, lang: str, config: Config) -> Path:
    """``breathcam report ID`` of an assessment: the assessment's own page (breathcam.assess.report)."""
    import json

    from breathcam.assess.report import write_report as write_assessment
    from breathcam.assess.result import assessment_from_dict
    from breathcam.fileio import is_stream_or_device, make_folder

    a = dataclasses.replace(assessment_from_dict(json.loads(row["assessment_json"])), analysis=analysis, lang=lang)
    history = [r for r in trend if r.get("kind") == "assessment"]
    target = Path(out) if out else Path.cwd()
    if target.suffix.lower() not in (".html", ".htm") and not is_stream_or_device(target):
        target = make_folder(target) / f"assessment-{row['id']}.html"
    elif not is_stream_or_device(target) and not target.parent.is_dir():
        raise BreathcamError(f"cannot write {target}: folder {target.parent} does not exist")
    return write_assessment(a, target, history=history, session_id=row["id"], config=config)


def render_trend_page(points: Sequence[dict], *, client: str, lang: str = "en", now: datetime | None = None) -> str:
    """A page of its own with a client's sessions over time and a table of their key numbers."""
    if lang not in LANGS:
        raise BreathcamError(f"report language must be one of {', '.join(LANGS)}, not {lang!r}")
    T = _T[lang]
    now = now or datetime.now()
    cols = [("id", "#"), ("started_at", T["date"]), ("exercise", T["exercise"]), ("rate_bpm", T["trend_rate"]),
            ("cv_duration", T["trend_cv"]), ("sighs_per_min", T["trend_sighs"]), ("belly_share", T["trend_belly"]),
            ("n_holds", T["holds"]), ("confidence", T["confidence"])]

    def cell(k, v):
        if v is None:
            return "–"
        if k == "started_at":
            return _e(str(v).replace("T", " ")[:16])
        if isinstance(v, float):
            return _num(v, 2, lang)
        return _e(v)

    head = "".join(f"<th>{_e(c)}</th>" for _, c in cols)
    rows = "".join("<tr>" + "".join(f"<td>{cell(k, p.get(k))}</td>" for k, _ in cols) + "</tr>" for p in points)
    plots = _trend_plots(points, lang=lang, highlight_last=False) or ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{_e(T["trend_title"])} – '
            f'{_e(client)}</title><style>{_CSS}</style></head><body><main><header><h1>{_e(T["trend_title"])}</h1>'
            f'<div class="meta"><span>{T["client"]}: <b>{_e(client)}</b></span><span>{len(points)} {T["sessions"]}'
            f'</span></div></header>{plots}<h2>{T["key"]}</h2><table class="grid"><thead><tr>{head}</tr></thead>'
            f'<tbody>{rows}</tbody></table><footer>{_e(T["footer"].format(v=__version__, d=now.strftime("%Y-%m-%d %H:%M")))}'
            f"</footer></main></body></html>\n")


def write_trend_page(points: Sequence[dict], path: str | Path, *, client: str, lang: str = "en") -> Path:
    """Write :func:`render_trend_page` to ``path`` (``breathcam sessions compare --html``)."""
    return _write_text(Path(path), render_trend_page(points, client=client, lang=lang))


def write_report(analysis: Analysis, path: str | Path, **kwargs) -> Path:
    """Render and write the report atomically; ``kwargs`` go to :func:`render_report`."""
    return _write_text(Path(path), render_report(analysis, **kwargs))


def _write_text(path: Path, text: str) -> Path:
    from breathcam.fileio import write_output

    return write_output(path, text)


def report_for_session(
    session: str,
    *,
    out: str | Path | None = None,
    lang: str = "en",
    db_path: str | Path | None = None,
    config: Config = DEFAULT,
) -> Path:
    """``breathcam report SESSION``: SESSION is a saved JSON analysis or a session id from the history.

    ``out`` is a file (``.html``) or a folder; default: beside the JSON, or the current folder.
    """
    from breathcam.report.export import read_json

    path = Path(session)
    trend: list[dict] = []
    if path.suffix.lower() == ".json" or path.exists():
        if path.is_dir():
            raise BreathcamError(f"{path} is a folder; give a saved analysis (.json) or a session id")
        analysis, extras = read_json(path)
        meta: dict = {}
        stem, default_dir = path.stem, path.parent
    elif session.strip().isdigit():
        from breathcam.report.store import SessionStore

        with SessionStore(db_path, config=config, create=False) as store:
            analysis, row = store.load_analysis(session)
            if row["client"]:
                trend = store.trend(row["client"], until_id=row["id"])
        if row.get("kind") == "assessment" and row.get("assessment_json"):
            return _assessment_report(row, analysis, trend, out=out, lang=lang, config=config)
        meta = {k: row[k] for k in ("id", "started_at", "exercise", "notes", "client")}
        extras = {}
        stem, default_dir = f"session-{row['id']}", Path.cwd()
    else:
        raise BreathcamError(f"{session} is neither a saved analysis (.json) nor a session id "
                             f"(see: breathcam sessions list)")
    target = Path(out) if out else default_dir
    from breathcam.fileio import is_stream_or_device, make_folder

    if target.suffix.lower() not in (".html", ".htm") and not is_stream_or_device(target):
        target = make_folder(target) / f"{stem}.report.html"
    elif not is_stream_or_device(target) and not target.parent.is_dir():
        raise BreathcamError(f"cannot write {target}: folder {target.parent} does not exist")
    return write_report(analysis, target, lang=lang, client=meta.get("client"), session=meta, trend=trend,
                        extras=extras, config=config)
