"""A Dutch report holds no English: the page as headless Chromium renders it (its DOM text), for a
breathing report with holds, sighs, a chest/belly switch, movement, an exercise with cues and
quality notes, and for an assessment report.  English words are those of the English tables that
the Dutch tables do not use."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from breathcam.report import html as H
from breathcam.report.notes import NOTES_NL
from breathcam.signals.core import analyse
from breathcam.simulate.waveform import simulate_breathing
from breathcam.types import FeedbackEvent, Movement, MotionTraces, Repetition

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "",
                             shutil.which("google-chrome") or "") if p and Path(p).exists()), None)
# words both languages write (names, units, abbreviations)
NEUTRAL = {"rmssd", "cv", "json", "breathcam", "pose", "optical", "flow", "min", "px", "score", "export", "deg"}
RAW_KEYS = {"paradoxical", "shoulder", "lift", "view", "switch", "label", "before", "after", "per", "phase", "hold",
            "cycles", "followed", "true", "false", "none"}


def _words(texts) -> set[str]:
    out = set()
    for t in texts:
        out |= {w.lower() for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", " ", t))}
    return out


def _english_only() -> set[str]:
    from breathcam.assess.report import WORDS
    from breathcam.assess.texts import TEXTS
    from breathcam.lang import MESSAGES

    en = list(H._T["en"].values()) + [v for _, v in H._METHODS["en"]] + [k for k, _ in H._METHODS["en"]]
    en += [p for p, _ in NOTES_NL] + [v["en"] for v in WORDS.values()] + [v["en"] for v in TEXTS.values()]
    nl = list(H._T["nl"].values()) + [v for _, v in H._METHODS["nl"]] + [k for k, _ in H._METHODS["nl"]]
    nl += [v for _, v in NOTES_NL] + [v["nl"] for v in WORDS.values()] + [v["nl"] for v in TEXTS.values()]
    nl += [v["nl"] for v in MESSAGES.values()]
    return (_words(en) | RAW_KEYS) - _words(nl) - NEUTRAL


def _rendered_text(html_path: Path, profile: Path) -> str:
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--dump-dom",
         html_path.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    dom = proc.stdout
    assert "<body" in dom, proc.stderr[-500:]
    dom = re.sub(r"<style.*?</style>", " ", dom, flags=re.S)
    dom = re.sub(r"<title.*?</title>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", H.html.unescape(re.sub(r"<[^>]+>", " ", dom)))


def _english_in(text: str, english: set[str]) -> list[str]:
    return sorted({w for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() in english})


@pytest.fixture(scope="module")
def analysis():
    b = simulate_breathing(duration_s=240, fs_hz=10.0, rate_bpm=12, irregularity=0.1, sigh_every_s=40,
                           holds=[(60, 8, "inhale"), (150, 10, "exhale")], belly_share=0.15, switch_at_s=120,
                           belly_share_after=0.85, seed=5)
    x = 3.0 * b.volume
    tr = MotionTraces(10.0, b.t_s, x, 3.0 * b.chest, 3.0 * b.belly, np.ones(x.size, bool), 1.0, "pose", "front")
    a = analyse(tr, source="kliënt.mp4")
    from breathcam.coach.compliance import Compliance

    reps = (Repetition(200.0, 201.2, 202.4, 30.0, held=True, exhale_on_effort=False, braced=False),
            Repetition(203.0, 204.2, 205.4, 30.0, held=False, exhale_on_effort=True, braced=None))
    notes = ("chest sway removed with the head as reference", "12 s without a usable measurement",
             "hips out of frame or hidden; torso length estimated from body proportions",
             "some note no table knows yet")
    return replace(
        a, quality=replace(a.quality, notes=notes),
        pattern=replace(a.pattern, notes=("chest/belly: the shoulders lift with the breath",), shoulder_lift=0.6),
        movement=Movement(reps, 0.1, (), "head", True),
        compliance=Compliance(0.82, {"inhale": 0.9, "hold_in": 0.7, "exhale": 0.8}, 9, 10),
        feedback=(FeedbackEvent(30.0, "chest_breathing", "Adem in je buik"),
                  FeedbackEvent(90.0, "holding", "Je houdt je adem in. Laat hem stromen")),
    )


def test_english_word_list_is_meaningful():
    eng = _english_only()
    assert {"breathing", "inhale", "paradoxical", "cycles", "followed", "hold"} <= eng
    assert not ({"ademfrequentie", "buik", "borst"} & eng)


def test_dutch_report_source_has_no_english(analysis, tmp_path):
    doc = H.render_report(analysis, lang="nl", client="C1", session={"exercise": "box", "id": 4})
    text = re.sub(r"\s+", " ", H.html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", doc, flags=re.S))))
    assert _english_in(text, _english_only()) == []
    # decimal commas, the depth unit, the exercise and its cues, the untranslated note counted
    assert re.search(r"\d,\d", text) and "diepte (px)" in text and "Adem in je buik" in text
    assert "box" in text and "cycli gevolgd" in text and "9 van 10" in text
    assert "1 technische opmerking(en)" in text and "some note" not in text
    assert "Opgenomen" not in text or "Geanalyseerd" in text


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: apt-get install chromium)")
def test_dutch_report_in_chromium_has_no_english(analysis, tmp_path):
    html_path = H.write_report(analysis, tmp_path / "r.html", lang="nl", client="C1", session={"exercise": "box"})
    text = _rendered_text(html_path, tmp_path / "profile")
    assert "Ademhalingsrapport" in text and len(text) > 2000
    assert _english_in(text, _english_only()) == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: apt-get install chromium)")
def test_dutch_assessment_report_in_chromium_has_no_english_and_prints_to_a4(tmp_path):
    from breathcam.assess.control_pause import ControlPause
    from breathcam.assess.nijmegen import Nijmegen
    from breathcam.assess.observe import observe
    from breathcam.assess.patterns import flag_patterns
    from breathcam.assess.report import print_pdf, write_report
    from breathcam.assess.result import Assessment, StepResult
    from breathcam.types import Breath

    bs = [Breath(4.0 * k, 4.0 * k + 1.5, 4.0 * k + 3.5, 4.0 * k + 4.0, 1.0, 1.0, is_sigh=k % 8 == 0,
                 belly_share=0.2, phase_deg=10.0) for k in range(30)]
    rest = observe(bs, (), window=(0.0, 120.0), pattern_confidence=0.9)
    a = Assessment(client="C1", lang="nl", started_at="2026-03-02T10:15:00", source="camera 0", recorded_at=None,
                   steps=(StepResult("rest", "done", 0.0, 120.0), StepResult("hold", "cut short", 125.0, 150.0),
                          StepResult("moving", "skipped"), StepResult("nijmegen", "done")),
                   rest=rest, control_pause=ControlPause(21.5, 130.0, 151.5, "exhale", key_s=20.9, band="20-40",
                                                         agree=True),
                   patterns=flag_patterns(rest), nijmegen=Nijmegen((2,) * 16),
                   notes=("assessment stopped by the user",))
    history = [{"started_at": "2026-01-10T09:00:00", "control_pause_s": 14.0, "nijmegen_total": 35, "rate_bpm": 18.0},
               {"started_at": "2026-03-02T10:15:00", "control_pause_s": 21.5, "nijmegen_total": 32, "rate_bpm": 15.0}]
    path = write_report(a, tmp_path / "assessment.html", history=history, session_id=7)
    text = _rendered_text(path, tmp_path / "profile")
    assert "Ademhalingsbeoordeling" in text and "21,5 s" in text and "32/64" in text and "+7,5" in text
    assert _english_in(text, _english_only()) == []
    pdf = print_pdf(path, tmp_path / "assessment.pdf")
    head = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", head)
    assert head.startswith(b"%PDF") and boxes  # A4: 595 x 842 pt
    assert all(abs(float(w) - 595) < 1 and abs(float(h) - 842) < 1 for w, h in boxes)
    assert len(boxes) <= 2  # one page, at most two, a physiotherapist files
