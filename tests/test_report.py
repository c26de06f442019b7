"""The report, the CSVs and reading a saved analysis back, on a simulated session with exact truth.

The Analysis comes from the real signal core (signals.core.analyse) on a seeded
5-minute simulated trace, so the numbers in the report are measured, not copied from the truth.
"""

import csv
import re
import statistics
from dataclasses import replace

import numpy as np
import pytest

from breathcam.signals.core import analyse
from breathcam.report.csv import BREATH_COLUMNS, write_csvs
from breathcam.report.export import analysis_from_dict, analysis_to_dict, summary_numbers
from breathcam.report.html import COLORS, render_report
from breathcam.simulate.waveform import simulate_breathing
from breathcam.report.stats import breath_numbers
from breathcam.types import InputError, MotionTraces

FS = 10.0


@pytest.fixture(scope="module")
def session():
    b = simulate_breathing(duration_s=300, fs_hz=FS, rate_bpm=15, irregularity=0.12, sigh_every_s=60,
                           holds=[(100, 8, "inhale"), (200, 12, "exhale")], belly_share=0.3, seed=7)
    rng = np.random.default_rng(7)
    x = 3.0 * b.volume
    x = x + 0.05 * np.std(x) * rng.standard_normal(x.size)
    tr = MotionTraces(FS, b.t_s, x, 3.0 * b.chest, 3.0 * b.belly, np.ones(x.size, bool), 1.0, "pose", "front")
    return analyse(tr, source="sim/session.mp4"), b.truth


def _text(html_doc: str) -> str:
    return re.sub(r"<[^>]+>", " ", html_doc)


def test_key_numbers_match_the_truth(session):
    a, truth = session
    nums = summary_numbers(a)
    assert nums["rate_bpm"] == pytest.approx(truth.rate_bpm, abs=0.5)
    assert abs(nums["n_breaths"] - len(truth.breaths)) <= 1
    true_d = [br.end - br.inhale_start for br in truth.breaths]
    true_cv = statistics.stdev(true_d) / statistics.fmean(true_d)
    assert nums["cv_duration"] == pytest.approx(true_cv, rel=0.2)
    true_sighs = sum(br.is_sigh for br in truth.breaths)
    assert abs(nums["n_sighs"] - true_sighs) <= 1 and true_sighs >= 3
    assert nums["n_holds"] == 2
    assert nums["longest_hold_s"] == pytest.approx(12.0, abs=1.5)


def test_report_shows_the_numbers(session):
    a, truth = session
    doc = render_report(a, lang="en", client="C-7")
    text = _text(doc)
    nums = summary_numbers(a)
    assert f"{a.rate_bpm:.1f}" in text and "/min" in text
    # variability on the breaths without holds: the two holds do not make it the loudest number
    free = breath_numbers(a.breaths, a.holds)
    assert free["cv_duration"] < nums["cv_duration"]
    true_d = [br.end - br.inhale_start for br in truth.breaths
              if not any(min(br.end, h.end) - max(br.inhale_start, h.start) > 0 for h in truth.holds)]
    assert free["cv_duration"] == pytest.approx(statistics.stdev(true_d) / statistics.fmean(true_d), rel=0.25)
    assert f"{100 * free['cv_duration']:.0f}%" in text  # variability card
    assert f"RMSSD {free['rmssd_s']:.1f} s" in text
    longest = max(h.duration_s for h in a.holds)
    assert f"longest {longest:.1f} s" in text  # the card as the holds table: one decimal
    # per-breath table: one row per breath, holds named in the remarks
    table = doc.split('<section class="breaths">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") - 1 == len(a.breaths)
    assert "hold 8.0 s after inhale" in text or "hold 7.9 s after inhale" in text or "hold 8.1 s after inhale" in text
    assert re.search(r"hold 1[12]\.\d s after exhale", text)
    assert text.count("sigh") >= nums["n_sighs"]
    for section in ("Breathing waveform", "Breathing rate over time", "Breath-to-breath duration", "Every breath",
                    "Quality and confidence", "How each number was measured", "Chest and belly"):
        assert section in text
    # plots are inline SVG in the breathing colour, with the holds as bands
    assert doc.count("<svg") >= 5
    assert f'stroke="{COLORS["breathing"]}"' in doc and f'fill="{COLORS["hold"]}"' in doc
    # self-contained: nothing loaded from outside
    assert "<script" not in doc and "<link" not in doc and "src=" not in doc and "@import" not in doc
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", doc)


def test_report_in_dutch(session):
    a, _ = session
    text = _text(render_report(a, lang="nl"))
    assert "Ademhalingsrapport" in text and "Hoe elk getal is gemeten" in text
    assert f"{a.rate_bpm:.1f}".replace(".", ",") in text
    with pytest.raises(Exception, match="language"):
        render_report(a, lang="de")


def test_observations_and_compliance_where_present(session):
    from dataclasses import replace

    a, _ = session
    fast = replace(a, rate_bpm=26.0)
    assert "above 20/min" in _text(render_report(fast))
    doc = render_report(a, extras={"compliance": {"score": 0.82, "cycles_followed": 9}})
    assert "Exercise compliance" in doc and "cycles followed" in doc


def test_json_round_trip_and_schematic_report(session, tmp_path):
    a, _ = session
    back = analysis_from_dict(analysis_to_dict(a))
    assert len(back.breaths) == len(a.breaths) and len(back.holds) == len(a.holds)
    assert back.breaths[5].exhale_start == pytest.approx(a.breaths[5].exhale_start, abs=1e-3)
    assert back.rate_bpm == pytest.approx(a.rate_bpm, abs=0.01)
    assert summary_numbers(back)["cv_duration"] == pytest.approx(summary_numbers(a)["cv_duration"], abs=0.002)
    doc = render_report(back)
    assert "Schematic rebuilt from the saved breath timings" in doc
    with pytest.raises(InputError):
        analysis_from_dict({"rate_bpm": 3})
    with pytest.raises(InputError, match="newer"):
        analysis_from_dict({**analysis_to_dict(a), "version": 99})


def test_csv_per_breath_and_per_second(session, tmp_path):
    a, truth = session
    per_breath, per_second = write_csvs(a, tmp_path, stem="s")
    rows = list(csv.DictReader(per_breath.open()))
    assert len(rows) == len(a.breaths) and tuple(rows[0]) == BREATH_COLUMNS
    assert float(rows[3]["duration_s"]) == pytest.approx(a.breaths[3].duration_s, abs=1e-3)
    assert sum(r["hold_after"] == "exhale" for r in rows) == 1
    secs = list(csv.DictReader(per_second.open()))
    assert len(secs) == int(a.duration_s) + 1
    phases = [r["phase"] for r in secs]
    assert phases.count("hold") == pytest.approx(8 + 12, abs=3)
    assert {"inhale", "exhale"} <= set(phases)
    rates = [float(r["rate_bpm"]) for r in secs if r["rate_bpm"]]
    assert statistics.median(rates) == pytest.approx(truth.rate_bpm, abs=1.5)


def test_movement_section_lists_the_repetitions_and_survives_the_json(session):
    from dataclasses import replace

    from breathcam.types import Movement, Repetition

    a, _ = session
    reps = (
        Repetition(10.0, 11.2, 12.4, 30.0, held=True, exhale_on_effort=False, braced=False),
        Repetition(13.0, 14.2, 15.4, 31.0, held=False, exhale_on_effort=True, braced=True),
        Repetition(16.0, 17.2, 18.4, 29.0, held=False, exhale_on_effort=False, braced=False),
    )
    moved = replace(a, movement=Movement(reps, 0.2, ((0.5, 1.0),), "head", True))
    text = _text(render_report(moved))
    assert "Breathing while moving" in text
    assert "3 repetitions; the breath was held through 1, an exhale fell on the effort in 1, the belly was braced in 1" in text
    back = analysis_from_dict(analysis_to_dict(moved))
    assert back.movement.reps == reps and back.movement.reference == "head"
    locked = replace(moved, movement=replace(moved.movement, separable=False))
    assert "cannot separate them" in _text(render_report(locked))
    assert "Breathing while moving" not in _text(render_report(a))


def test_a_hold_running_into_the_end_reads_at_least(session):
    a, _ = session
    last = a.holds[-1]
    cut = replace(a, holds=a.holds[:-1] + (replace(last, open=True),))
    en, nl = _text(render_report(cut, lang="en")), _text(render_report(cut, lang="nl"))
    d = f"{last.duration_s:.1f}"
    assert f"at least {d} s" in en and f"minstens {d.replace('.', ',')} s" in nl
    assert f"at least {a.holds[0].duration_s:.1f} s" not in en  # a closed hold keeps its plain length


def test_one_hold_does_not_pull_the_rate_curve_or_the_cards():
    """One deliberate 8 s hold among breaths at 12.5/min: the report's rate curve stays at the
    breaths' rate (a gap, not a dip to 8-9/min), the variability is that of the breaths, and the
    held breath's I:E is not shown as a number (the hold is no inhale)."""
    from breathcam.report.stats import rate_curve
    from breathcam.types import Breath, Hold

    bs = [Breath(4.8 * k, 4.8 * k + 1.9, 4.8 * k + 4.3, 4.8 * (k + 1), 5.0, 0.9) for k in range(10)]
    t = 48.0
    held = Breath(t, t + 10.0, t + 12.4, t + 12.9, 5.0, 0.9)  # inhale 1.9 s + an 8 s hold after it
    bs += [held] + [Breath(t + 12.9 + 4.8 * k, t + 12.9 + 4.8 * k + 1.9, t + 12.9 + 4.8 * k + 4.3,
                           t + 12.9 + 4.8 * (k + 1), 5.0, 0.9) for k in range(10)]
    hold = Hold(t + 1.9, t + 9.9, "inhale", 0.9)
    rates = [r for _, r, _ in rate_curve(bs, [hold], window_s=40.0) if r is not None]
    assert min(rates) == pytest.approx(12.5, abs=0.1) and max(rates) == pytest.approx(12.5, abs=0.1)
    from breathcam.types import Analysis, Pattern, Quality

    a = Analysis("hold.mp4", bs[-1].end, 12.5, (), tuple(bs), (hold,), Pattern(), Quality(0.9, 1.0))
    doc = render_report(a, lang="en")
    text = _text(doc)
    assert "Variability" in text and "0%" in text and "RMSSD 0.0 s" in text
    table = doc.split('<section class="breaths">', 1)[1]
    assert "<td>hold</td>" in table and "5.26" not in table  # 10.0 / 1.9: the hold counted as inhale
