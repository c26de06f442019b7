"""The assessment report: one printable A4 page per assessment, in English or Dutch.

The Nijmegen score, the control pause (camera and key presses side by side, with the guidance
bands), the rest / standing / moving observations beside their reference ranges, the five pattern
flags with the value and threshold (or why they cannot be told), the change since the client's
previous assessment and the trend over all of them (inline SVG).  Every word comes from
assess.texts / the tables below in the report's language, numbers carry the language's decimal
sign.  :func:`print_pdf` prints it with headless Chromium (no network).
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

from breathcam.assess.texts import t
from breathcam.report.notes import translate_note
from breathcam.config import DEFAULT, Config

__all__ = ["render_report", "write_report", "print_pdf", "WORDS"]

WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "Breathing assessment", "nl": "Ademhalingsbeoordeling"},
    "client": {"en": "Client", "nl": "Cliënt"},
    "assessed": {"en": "Assessed", "nl": "Beoordeeld"},
    "recorded": {"en": "Recorded", "nl": "Opgenomen"},
    "session": {"en": "Session", "nl": "Sessie"},
    "source": {"en": "Source", "nl": "Bron"},
    "summary": {"en": "Summary", "nl": "Samenvatting"},
    "steps": {"en": "Steps", "nl": "Stappen"},
    "step": {"en": "Step", "nl": "Stap"},
    "status": {"en": "Status", "nl": "Status"},
    "measure": {"en": "Measure", "nl": "Meting"},
    "observations": {"en": "Observations", "nl": "Observaties"},
    "value": {"en": "Value", "nl": "Waarde"},
    "reference": {"en": "Reference", "nl": "Referentie"},
    "rate": {"en": "Breathing rate", "nl": "Ademfrequentie"},
    "cv": {"en": "Variability (CV of breath duration)", "nl": "Variabiliteit (CV van de ademduur)"},
    "rmssd": {"en": "Breath-to-breath variation (RMSSD)", "nl": "Variatie van teug tot teug (RMSSD)"},
    "inhale": {"en": "Inhale (median)", "nl": "Inademing (mediaan)"},
    "exhale": {"en": "Exhale (median)", "nl": "Uitademing (mediaan)"},
    "pause": {"en": "Pause after exhale (median)", "nl": "Pauze na uitademing (mediaan)"},
    "ie": {"en": "I:E", "nl": "I:E"},
    "belly": {"en": "Belly share of the motion", "nl": "Aandeel buik in de beweging"},
    "phase": {"en": "Chest-belly phase", "nl": "Fase borst-buik"},
    "sighs": {"en": "Sighs", "nl": "Zuchten"},
    "holds": {"en": "Breath holds (longest)", "nl": "Adempauzes (langste)"},
    "breaths": {"en": "Breaths measured", "nl": "Gemeten ademteugen"},
    "reps": {"en": "Repetitions: breath held / exhale on effort", "nl": "Herhalingen: adem vastgehouden / uitademen bij inspanning"},
    "patterns": {"en": "Dysfunctional breathing patterns (Boulding et al. 2016)",
                 "nl": "Disfunctionele ademhalingspatronen (Boulding e.a. 2016)"},
    "pattern": {"en": "Pattern", "nl": "Patroon"},
    "finding": {"en": "Finding", "nl": "Bevinding"},
    "basis": {"en": "Measured / threshold", "nl": "Gemeten / drempel"},
    "cp": {"en": "Control pause", "nl": "Controlepauze"},
    "nijmegen": {"en": "Nijmegen questionnaire", "nl": "Nijmeegse vragenlijst"},
    "total": {"en": "Total", "nl": "Totaal"},
    "item": {"en": "Symptom", "nl": "Klacht"},
    "score": {"en": "Score", "nl": "Score"},
    "hvs": {"en": "23 or more suggests hyperventilation syndrome", "nl": "23 of meer wijst op hyperventilatiesyndroom"},
    "change": {"en": "Change since the previous assessment", "nl": "Verandering sinds de vorige beoordeling"},
    "first": {"en": "This is the client's first assessment.", "nl": "Dit is de eerste beoordeling van deze cliënt."},
    "trend": {"en": "Trend over all assessments", "nl": "Verloop over alle beoordelingen"},
    "previous": {"en": "Previous", "nl": "Vorige"},
    "now": {"en": "Now", "nl": "Nu"},
    "date": {"en": "Date", "nl": "Datum"},
    "per_min": {"en": "/min", "nl": "/min"},
    "deg": {"en": "deg", "nl": "graden"},
    "disclaimer": {"en": "Observations from video for the physiotherapist's judgement; not a diagnosis.",
                   "nl": "Waarnemingen uit video ter beoordeling door de fysiotherapeut; geen diagnose."},
    "notes": {"en": "Notes", "nl": "Opmerkingen"},
    "status_done": {"en": "done", "nl": "gedaan"},
    "status_skipped": {"en": "skipped", "nl": "overgeslagen"},
    "status_cut short": {"en": "cut short", "nl": "ingekort"},
    "status_not done": {"en": "not done", "nl": "niet gedaan"},
    "no": {"en": "no", "nl": "nee"},
    "yes": {"en": "yes", "nl": "ja"},
    "none": {"en": "none", "nl": "geen"},
}

CSS = """
@page { size: A4; margin: 12mm 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #222; max-width: 190mm; margin: 0 auto; }
h1 { font-size: 17pt; margin: 0 0 4pt 0; } h2 { font-size: 12pt; margin: 12pt 0 4pt 0; border-bottom: 1px solid #bbb; }
table { border-collapse: collapse; width: 100%; margin: 2pt 0; } td, th { padding: 2pt 5pt; border-bottom: 1px solid #e3e3e3;
 text-align: left; vertical-align: top; } th { background: #f2f2f2; }
.meta td { border: none; padding: 1pt 8pt 1pt 0; } .flag { color: #a40000; font-weight: bold; } .ok { color: #2a6b2a; }
.unk { color: #777; } .small { font-size: 8.5pt; color: #555; } .cards { display: flex; gap: 8pt; }
.card { flex: 1; border: 1px solid #ccc; border-radius: 4pt; padding: 5pt 8pt; } .big { font-size: 18pt; font-weight: bold; }
svg { max-width: 100%; }
@media print { body { max-width: none; font-size: 9pt; } td, th { padding: 1pt 4pt; } h2 { margin: 7pt 0 3pt 0; } h2 { break-after: avoid; } table, .cards, svg { break-inside: avoid; } }
"""


def _w(key: str, lang: str) -> str:
    return WORDS[key]["nl" if lang == "nl" else "en"]


def num(v, nd: int = 1, lang: str = "en") -> str:
    """A number in the language's format (decimal comma in Dutch); "-" for none."""
    if v is None:
        return "-"
    s = f"{float(v):.{nd}f}"
    return s.replace(".", ",") if lang == "nl" else s


def _e(s) -> str:
    return html.escape(str(s))


def _obs_rows(o, lang: str, cfg: Config) -> list[tuple[str, str, str]]:
    c = cfg.assess
    pm = _w("per_min", lang)
    deg = _w("deg", lang)

    def u(v, nd: int, unit: str) -> str:
        return "-" if v is None else f"{num(v, nd, lang)} {unit}"

    rows = [
        (_w("breaths", lang), f"{o.n_breaths}", ""),
        (_w("rate", lang), u(o.rate_bpm, 1, pm), f"{num(c.normal_rate_low_bpm, 0, lang)}-{num(c.normal_rate_high_bpm, 0, lang)} {pm}"),
        (_w("cv", lang), num(o.cv_duration, 2, lang), ""),
        (_w("rmssd", lang), u(o.rmssd_s, 2, "s"), ""),
        (_w("inhale", lang), u(o.inhale_s, 1, "s"), ""),
        (_w("exhale", lang), u(o.exhale_s, 1, "s"), ""),
        (_w("pause", lang), u(o.pause_s, 1, "s"), ""),
        (_w("ie", lang), "-" if o.ie_ratio is None else f"1:{num(o.ie_ratio, 1, lang)}",
         f"1:{num(c.normal_ie_low, 1, lang)} - 1:{num(c.normal_ie_high, 1, lang)}"),
        (_w("belly", lang), num(o.belly_share, 2, lang), f"< {num(c.thoracic_max_belly_share, 2, lang)}: "
         + t("thoracic_dominant", lang).lower()),
        (_w("phase", lang), u(o.phase_deg, 0, deg), f"<= {num(c.asynchrony_phase_deg, 0, lang)} {deg}"),
        (_w("sighs", lang), "-" if o.sighs_per_min is None else f"{num(o.sighs_per_min, 1, lang)} {pm} ({o.n_sighs})",
         f"< {num(c.sighs_per_min, 1, lang)} {pm}"),
        (_w("holds", lang), f"{len(o.holds)} ({num(o.longest_hold_s, 1, lang)} s)" if o.holds else _w("none", lang), ""),
    ]
    if o.reps:
        rows.append((_w("reps", lang), f"{len(o.reps)}: {sum(1 for r in o.reps if r.held)} / "
                     f"{sum(1 for r in o.reps if r.exhale_on_effort)}", ""))
    return rows


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], *, raw: bool = False) -> str:
    h = "".join(f"<th>{_e(x)}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{x if raw else _e(x)}</td>" for x in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _trend_svg(history: Sequence[dict], lang: str) -> str:
    """Control pause (s) and Nijmegen total over the assessments: two small line plots."""
    parts = []
    for key, label, top in (("control_pause_s", _w("cp", lang) + " (s)", 60.0), ("nijmegen_total", "Nijmegen (0-64)", 64.0)):
        pts = [(k, r.get(key)) for k, r in enumerate(history) if r.get(key) is not None]
        w, h, pad = 330, 120, 28
        n = max(1, len(history) - 1)
        top = max([top] + [float(v) for _, v in pts])
        xy = [(pad + (w - 2 * pad) * k / n, h - pad - (h - 2 * pad) * float(v) / top) for k, v in pts]
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"/><text x="{x:.1f}" y="{y - 6:.1f}" font-size="9" '
                       f'text-anchor="middle">{_e(num(v, 0 if key == "nijmegen_total" else 1, lang))}</text>'
                       for (x, y), (_, v) in zip(xy, pts))
        labels = "".join(f'<text x="{pad + (w - 2 * pad) * k / n:.1f}" y="{h - 8}" font-size="8" text-anchor="middle">'
                         f'{_e((r.get("started_at") or "")[:10])}</text>' for k, r in enumerate(history))
        parts.append(f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}"><text x="4" y="12" font-size="10">{_e(label)}</text>'
                     f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>'
                     f'<polyline points="{line}" fill="none" stroke="#1f5fa8" stroke-width="1.5"/>'
                     f'<g fill="#1f5fa8">{dots}</g>{labels}</svg>')
    return '<div class="cards">' + "".join(parts) + "</div>"


def _plot_css(css: str) -> str:
    """The breathing report's rules for its plots only (the page keeps its own layout)."""
    import re

    keep = [r for r in re.findall(r"[^{}]+\{[^{}]*\}", css) if any(k in r for k in (".plot", ".tick", ".caption", ".key", "svg"))]
    return "".join(keep)


def render_report(a, *, history: Sequence[dict] | None = None, session_id: int | None = None,
                  config: Config = DEFAULT) -> str:
    """The report's HTML.  ``history``: the client's assessment rows up to this one (oldest first)."""
    lang = "nl" if a.lang == "nl" else "en"
    w = lambda k: _w(k, lang)
    out = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{_e(w("title"))}</title>'
           f"<style>{CSS}</style></head><body>"]
    out.append(f"<h1>{_e(w('title'))}</h1>")
    meta = [(w("client"), a.client or "-"), (w("assessed"), a.started_at.replace("T", " ")[:16])]
    if a.recorded_at:
        meta.append((w("recorded"), a.recorded_at.replace("T", " ")[:16]))
    if session_id is not None:
        meta.append((w("session"), str(session_id)))
    meta.append((w("source"), Path(a.source).name if a.source else "-"))
    out.append('<table class="meta">' + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in meta) + "</table>")
    # cards: Nijmegen, control pause
    cp = a.control_pause
    cards = []
    if a.nijmegen is not None:
        n = a.nijmegen
        cls = "flag" if n.suggests_hvs else "ok"
        cards.append(f'<div class="card">{_e(w("nijmegen"))}<div class="big {cls}">{n.total}/64</div>'
                     f'<div class="small">{_e(w("hvs"))}</div></div>')
    if cp is not None:
        if cp.seconds is None:
            val = t("cp_none", lang)
        else:
            val = f"{num(cp.seconds, 1, lang)} s"
        side = []
        if cp.camera_s is not None:
            side.append(f"{t('cp_camera', lang)}: {num(cp.camera_s, 1, lang)} s")
        if cp.key_s is not None:
            side.append(f"{t('cp_key', lang)}: {num(cp.key_s, 1, lang)} s")
        if cp.agree is not None:
            side.append(t("cp_agree" if cp.agree else "cp_disagree", lang))
        extra = t("cp_open", lang, s=val) if cp.open else ""
        cards.append(f'<div class="card">{_e(w("cp"))}<div class="big">{_e(val)}</div>'
                     f'<div class="small">{_e(" | ".join(side))}</div><div class="small">{_e(extra)}</div>'
                     f'<div class="small">{_e(t("cp_guidance", lang))}</div></div>')
    if cards:
        out.append('<div class="cards">' + "".join(cards) + "</div>")
    if a.patterns:
        out.append(f"<h2>{_e(w('patterns'))}</h2>")
        rows = []
        for p in a.patterns:
            if p.flagged is None:
                finding = f'<span class="unk">{_e(t("cannot_tell", lang))}</span>'
                basis = _e(t("why_" + p.reason, lang)) if p.reason else ""
            else:
                finding = (f'<span class="flag">{_e(t("flagged", lang))}</span>' if p.flagged
                           else f'<span class="ok">{_e(t("not_flagged", lang))}</span>')
                unit = {"/min": w("per_min"), "deg": w("deg"), "share": ""}.get(p.unit, p.unit)
                nd = 2 if p.unit == "share" else 1
                basis = _e(f"{num(p.value, nd, lang)} / {num(p.threshold, nd, lang)} {unit}".strip())
            rows.append((_e(t(p.name, lang)), finding, basis))
        out.append(_table([w("pattern"), w("finding"), w("basis")], rows, raw=True))
        out.append(f'<p class="small">{_e(w("disclaimer"))}</p>')
    # steps
    out.append(f"<p class=\"small\"><b>{_e(w('steps'))}:</b> "
               + " &middot; ".join(f"{_e(t(s.kind + '_short', lang))} {_e(w('status_' + s.status))}" for s in a.steps)
               + "</p>")
    obs = [o for o in (a.rest, a.standing, a.moving) if o is not None]
    if obs:
        # one table, a column per observed step: the page stays one A4 sheet
        merged: dict[str, list] = {}
        for k, o in enumerate(obs):
            for label, value, ref in _obs_rows(o, lang, config):
                row = merged.setdefault(label, [[""] * len(obs), ref])
                row[0][k] = value
                row[1] = row[1] or ref
        out.append(f"<h2>{_e(w('observations'))}</h2>")
        out.append(_table([w("measure"), *[t(o.kind + "_short", lang) for o in obs], w("reference")],
                          [(label, *vals, ref) for label, (vals, ref) in merged.items()]))
    if a.nijmegen is not None:
        from breathcam.assess.nijmegen import ITEMS, SCALE

        out.append(f"<h2>{_e(w('nijmegen'))}</h2>")
        items = ITEMS[lang]
        half = (len(items) + 1) // 2
        rows = []
        for k in range(half):
            r = [items[k], f"{a.nijmegen.answers[k]} ({SCALE[lang][a.nijmegen.answers[k]]})"]
            if k + half < len(items):
                r += [items[k + half], f"{a.nijmegen.answers[k + half]} ({SCALE[lang][a.nijmegen.answers[k + half]]})"]
            else:
                r += ["", ""]
            rows.append(r)
        out.append(_table([w("item"), w("score"), w("item"), w("score")], rows))
    # change and trend
    out.append(f"<h2>{_e(w('change'))}</h2>")
    hist = list(history or [])
    if len(hist) < 2:
        out.append(f"<p>{_e(w('first'))}</p>")
    else:
        prev, cur = hist[-2], hist[-1]
        rows = []
        for key, label, nd in (("control_pause_s", w("cp") + " (s)", 1), ("nijmegen_total", "Nijmegen (0-64)", 0),
                               ("rate_bpm", w("rate") + " (/min)", 1), ("belly_share", w("belly"), 2),
                               ("sighs_per_min", w("sighs") + " (/min)", 1)):
            a0, b0 = prev.get(key), cur.get(key)
            d = "" if a0 is None or b0 is None else (("+" if b0 - a0 >= 0 else "") + num(b0 - a0, nd, lang))
            rows.append((label, num(a0, nd, lang), num(b0, nd, lang), d))
        head = [w("measure"), f"{w('previous')} ({(prev.get('started_at') or '').replace('T', ' ')[:16]})",
                f"{w('now')} ({(cur.get('started_at') or '').replace('T', ' ')[:16]})", w("change").split(" ")[0]]
        out.append(_table(head, rows))
        out.append(f"<h2>{_e(w('trend'))}</h2>")
        out.append(_trend_svg(hist, lang))
    if a.analysis is not None and (a.analysis.traces is not None or a.analysis.breaths):
        # the breathing waveform of the whole session (holds, sighs marked), as the breathing report draws it
        from breathcam.report.html import _CSS as PLOT_CSS, _waveform_section

        wave = _waveform_section(a.analysis, lang=lang, cfg=config.report)
        if wave:
            out.append(f"<style>{_plot_css(PLOT_CSS)}</style>{wave}")
    notes = [x for x in (translate_note(n, lang) for n in a.notes) if x]
    if notes:
        out.append(f"<h2>{_e(w('notes'))}</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    out.append("</body></html>")
    return "".join(out)


def write_report(a, path, *, history=None, session_id=None, config: Config = DEFAULT) -> Path:
    from breathcam.fileio import write_output

    return write_output(path, render_report(a, history=history, session_id=session_id, config=config))


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


def print_pdf(html_path, pdf_path, *, timeout_s: float = 60.0) -> Path:
    """Print the report to PDF with headless Chromium (A4 from the print stylesheet); no network."""
    from breathcam.types import BreathcamError

    exe = chromium()
    if exe is None:
        raise BreathcamError("--pdf needs Chromium (or Chrome) installed; the HTML report was written")
    pdf_path = Path(pdf_path)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--disable-extensions",
           "--no-first-run", f"--print-to-pdf={pdf_path}", Path(html_path).resolve().as_uri()]
    try:
        subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BreathcamError(f"printing the report to PDF failed: {exc}") from None
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise BreathcamError("printing the report to PDF failed (Chromium wrote nothing); the HTML report was written")
    try:
        pdf_path.chmod(0o600)  # a client's health data: private, as every breathcam output (fileio)
    except OSError:
        pass
    return pdf_path
