"""The assessment's words in English and Dutch: step titles and instructions, pattern names, the
reasons a pattern cannot be told, control-pause notes, and the report's own labels.

:func:`t` looks a key up (``t("rest_title", "nl")``) and fills ``{fields}``; a test checks that
every key has both languages with the same fields.
"""

from __future__ import annotations

from breathcam.lang import check_lang

__all__ = ["TEXTS", "t"]

TEXTS: dict[str, dict[str, str]] = {
    # --- steps (window banner and terminal) -------------------------------------------------------
    "rest_title": {"en": "Rest observation", "nl": "Observatie in rust"},
    "rest_do": {"en": "Sit comfortably and breathe as you normally do",
                "nl": "Ga rustig zitten en adem zoals u gewoonlijk doet"},
    "hold_title": {"en": "Breath-hold test (control pause)", "nl": "Ademstoptest (controlepauze)"},
    "hold_do": {"en": "Breathe normally. After a normal breath out, hold until the first urge to breathe",
                "nl": "Adem normaal. Houd na een gewone uitademing de adem vast tot de eerste prikkel om te ademen"},
    "standing_title": {"en": "Standing observation", "nl": "Observatie staand"},
    "standing_do": {"en": "Stand up and breathe as you normally do", "nl": "Ga staan en adem zoals u gewoonlijk doet"},
    "moving_title": {"en": "Moving: squats or lifts", "nl": "Bewegen: squats of tillen"},
    "moving_do": {"en": "Do the squats or lifts at your own pace", "nl": "Doe de squats of tilbewegingen in uw eigen tempo"},
    "nijmegen_title": {"en": "Nijmegen questionnaire", "nl": "Nijmeegse vragenlijst"},
    "rest_short": {"en": "Rest", "nl": "Rust"},
    "hold_short": {"en": "Control pause", "nl": "Controlepauze"},
    "standing_short": {"en": "Standing", "nl": "Staand"},
    "moving_short": {"en": "Moving", "nl": "Bewegen"},
    "nijmegen_short": {"en": "Nijmegen", "nl": "Nijmegen"},
    "starts_in": {"en": "starts in {s} s", "nl": "begint over {s} s"},
    "left": {"en": "{s} s left", "nl": "nog {s} s"},
    "keys": {"en": "n: next step   m: mark hold start / first breath   q: stop",
             "nl": "n: volgende stap   m: markeer begin adempauze / eerste ademteug   q: stoppen"},
    "step_start": {"en": "step {k}/{n}: {title}: {do}", "nl": "stap {k}/{n}: {title}: {do}"},
    "step_skipped": {"en": "{title}: skipped", "nl": "{title}: overgeslagen"},
    "not_done": {"en": "not done", "nl": "niet gedaan"},
    "skipped": {"en": "skipped", "nl": "overgeslagen"},
    "cut_short": {"en": "cut short: the camera stopped at {t} s", "nl": "ingekort: de camera stopte op {t} s"},
    "no_camera_steps": {"en": "camera steps not done: {reason}", "nl": "camerastappen niet gedaan: {reason}"},
    # --- patterns (Boulding et al. 2016) ----------------------------------------------------------
    "hyperventilation": {"en": "Hyperventilation (breathing fast)", "nl": "Hyperventilatie (snel ademen)"},
    "periodic_deep_sighing": {"en": "Periodic deep sighing", "nl": "Periodiek diep zuchten"},
    "thoracic_dominant": {"en": "Thoracic dominant breathing", "nl": "Thoracaal dominante ademhaling"},
    "forced_abdominal_expiration": {"en": "Forced abdominal expiration", "nl": "Geforceerde abdominale uitademing"},
    "thoraco_abdominal_asynchrony": {"en": "Thoraco-abdominal asynchrony", "nl": "Thoraco-abdominale asynchronie"},
    "flagged": {"en": "flagged", "nl": "gesignaleerd"},
    "not_flagged": {"en": "not seen", "nl": "niet gezien"},
    "cannot_tell": {"en": "cannot tell", "nl": "niet te beoordelen"},
    "why_no_rest": {"en": "the rest observation was not done", "nl": "de observatie in rust is niet gedaan"},
    "why_few_breaths": {"en": "too few breaths measured", "nl": "te weinig ademteugen gemeten"},
    "why_no_chest_belly": {"en": "chest and belly could not be told apart reliably",
                           "nl": "borst en buik waren niet betrouwbaar te onderscheiden"},
    "why_no_phase": {"en": "no chest-belly phase could be measured", "nl": "geen fase tussen borst en buik meetbaar"},
    "why_not_visible": {"en": "an active, forced exhale is not visible to the camera",
                        "nl": "een actieve, geforceerde uitademing is voor de camera niet zichtbaar"},
    # --- control pause ----------------------------------------------------------------------------
    "cp_camera": {"en": "camera", "nl": "camera"},
    "cp_key": {"en": "key presses", "nl": "toetsaanslagen"},
    "cp_none": {"en": "no hold seen", "nl": "geen adempauze gezien"},
    "cp_open": {"en": "at least {s}: the hold ran into the end of the measurement (the person left the view, "
                      "or the camera stopped)",
                "nl": "minstens {s}: de adempauze liep door tot het einde van de meting (de persoon verliet het beeld, "
                      "of de camera stopte)"},
    "cp_guidance": {"en": "bands <10, 10-20, 20-40, >40 s: usual guidance, not a validated test",
                    "nl": "klassen <10, 10-20, 20-40, >40 s: gangbare richtlijn, geen gevalideerde test"},
    "cp_agree": {"en": "camera and key presses agree", "nl": "camera en toetsaanslagen komen overeen"},
    "cp_disagree": {"en": "camera and key presses differ", "nl": "camera en toetsaanslagen verschillen"},
    # --- terminal summary -------------------------------------------------------------------------
    "sum_title": {"en": "assessment{client}: {date}", "nl": "beoordeling{client}: {date}"},
    "sum_rest": {"en": "rest: rate {rate}/min, CV {cv}, I:E 1:{ie}, belly share {belly}, sighs {sighs}/min",
                 "nl": "rust: frequentie {rate}/min, CV {cv}, I:E 1:{ie}, buikaandeel {belly}, zuchten {sighs}/min"},
    "sum_cp": {"en": "control pause: {cp} ({band} s)", "nl": "controlepauze: {cp} ({band} s)"},
    "sum_nijmegen": {"en": "Nijmegen: {total}/64{flag}", "nl": "Nijmegen: {total}/64{flag}"},
    "sum_hvs": {"en": " (>= {cut}: suggests hyperventilation syndrome)",
                "nl": " (>= {cut}: wijst op hyperventilatiesyndroom)"},
    "sum_no_nijmegen": {"en": "Nijmegen: not answered", "nl": "Nijmegen: niet ingevuld"},
    "sum_pattern": {"en": "{name}: {state}{detail}", "nl": "{name}: {state}{detail}"},
    "unit_share": {"en": "share", "nl": "aandeel"},
    "unit_deg": {"en": "deg", "nl": "graden"},
    "unit_/min": {"en": "/min", "nl": "/min"},
    "saved": {"en": "saved as session {id} (breathcam sessions show {id})",
              "nl": "opgeslagen als sessie {id} (breathcam sessions show {id} --lang nl)"},
    "not_saved": {"en": "not saved in the history: {why}", "nl": "niet opgeslagen in de geschiedenis: {why}"},
    "written_json": {"en": "assessment written to {p}", "nl": "beoordeling geschreven naar {p}"},
    "written_csv": {"en": "numbers written to {p}", "nl": "getallen geschreven naar {p}"},
    "written_report": {"en": "report written to {p}", "nl": "rapport geschreven naar {p}"},
    "written_pdf": {"en": "PDF written to {p}", "nl": "pdf geschreven naar {p}"},
    "camera_failed": {"en": "the camera steps could not run: {why}", "nl": "de camerastappen konden niet lopen: {why}"},
    "sum_reps": {"en": "moving: {n} repetitions, held {held}, exhale on effort {eoe}",
                 "nl": "bewegen: {n} herhalingen, adem vastgehouden {held}, uitademen bij inspanning {eoe}"},
}


def t(key: str, lang: str = "en", **values) -> str:
    lang = check_lang(lang)
    return TEXTS[key][lang].format(**values)
