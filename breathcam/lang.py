"""Every language breathcam speaks, and the words of the live session in each of them.

One place for the language list (:data:`LANGUAGES`) and the string tables of the coach
(:data:`MESSAGES`: cues, pacer phases, exercise titles, safety screen) and of the overlay
(:data:`LABELS`: its own short words).  :func:`text` looks a key up in one table and fills in its
values; ``breathcam.coach.messages.message``, ``breathcam.overlay.draw.label`` and
``breathcam.coach.pacer.phase_name`` read from here.  A test checks that every key exists in every
language with the same ``{fields}``.

Not here yet: the HTML report's own table (``breathcam.report.html``, about 150 keys), which keeps
its strings beside the page they build but takes its language list from :data:`LANGUAGES`; and the
safety screen's long text (``breathcam.coach.safety``).

Where it fails: an unknown key or language raises :class:`~breathcam.types.ParameterError` (a
programming error, never the user's), and a missing value raises ``KeyError``.
"""

from __future__ import annotations

from breathcam.types import ParameterError

__all__ = ["LANGUAGES", "MESSAGES", "LABELS", "check_lang", "text"]

# The languages of every table; the first is the fallback.
LANGUAGES: tuple[str, ...] = ("en", "nl")

# The coach's sentences: code -> {lang: text}; ``{name}`` fields are filled by message(..., name=value).
MESSAGES: dict[str, dict[str, str]] = {
    # --- feedback cues (codes of FeedbackEvent) --------------------------------------------------
    "chest_breathing": {
        "en": "Breathe into your belly",
        "nl": "Adem in je buik",
    },
    "holding": {
        "en": "You are holding your breath. Let it flow",
        "nl": "Je houdt je adem in. Laat hem stromen",
    },
    "keep_breathing": {
        "en": "Keep breathing as you move",
        "nl": "Blijf doorademen tijdens het bewegen",
    },
    "exhale_on_effort": {
        "en": "Breathe out as you come up",
        "nl": "Adem uit terwijl je omhoog komt",
    },
    "too_fast": {
        "en": "Slow down: breathe more calmly",
        "nl": "Rustiger ademen",
    },
    "exhale_short": {
        "en": "Make the exhale longer",
        "nl": "Maak de uitademing langer",
    },
    "out_of_step": {
        "en": "Follow the pacer: breathe in as it grows, out as it shrinks",
        "nl": "Adem mee met de gids: in als hij groeit, uit als hij krimpt",
    },
    "no_person": {
        "en": "I can't see you. Sit in front of the camera",
        "nl": "Ik zie je niet. Ga voor de camera zitten",
    },
    "too_dark": {
        "en": "It is too dark. Turn on a light",
        "nl": "Het is te donker. Doe een lamp aan",
    },
    "too_much_motion": {
        "en": "Sit still so I can follow your breathing",
        "nl": "Zit stil, dan kan ik je ademhaling volgen",
    },
    "belly_out_of_frame": {
        "en": "Move back a little so your belly is in view",
        "nl": "Ga iets verder weg zitten, zodat je buik in beeld is",
    },
    "hyperventilation": {
        "en": "You have been breathing fast or deep for a while. Breathe slower and softer, through your nose",
        "nl": "Je ademt al een tijdje snel of diep. Adem rustiger en zachter, door je neus",
    },
    "distress_stop": {
        "en": "Stop the exercise. Breathe calmly and stay seated",
        "nl": "Stop de oefening. Adem rustig en blijf zitten",
    },
    "stop_asked": {
        "en": "Stopped. Breathe normally and take your time",
        "nl": "Gestopt. Adem gewoon door en neem de tijd",
    },
    # --- pacer phases ------------------------------------------------------------------------------
    "phase_inhale": {"en": "Breathe in", "nl": "Adem in"},
    "phase_hold_in": {"en": "Hold", "nl": "Vasthouden"},
    "phase_exhale": {"en": "Breathe out", "nl": "Adem uit"},
    "phase_hold_out": {"en": "Hold", "nl": "Vasthouden"},
    "phase_done": {"en": "Done", "nl": "Klaar"},
    "seconds_left": {"en": "{s:.0f} s", "nl": "{s:.0f} s"},
    # --- exercise titles ---------------------------------------------------------------------------
    "title_box": {"en": "Box breathing 4-4-4-4", "nl": "Boxademhaling 4-4-4-4"},
    "title_478": {"en": "4-7-8 breathing", "nl": "4-7-8-ademhaling"},
    "title_46": {"en": "Breathing 4-6", "nl": "Ademhaling 4-6"},
    "title_coherent": {"en": "Coherent breathing 5.5/min", "nl": "Coherente ademhaling 5,5/min"},
    "title_coherent6": {"en": "Coherent breathing 6/min", "nl": "Coherente ademhaling 6/min"},
    "title_belly": {"en": "Belly breathing", "nl": "Buikademhaling"},
    "title_connected": {"en": "Connected breathing (intense)", "nl": "Verbonden ademhaling (intensief)"},
    "title_holdrounds": {"en": "Breath-hold rounds (intense)", "nl": "Adem-inhoudrondes (intensief)"},
    "title_custom": {"en": "Your pattern {pattern}", "nl": "Eigen patroon {pattern}"},
    # --- compliance and session --------------------------------------------------------------------
    "compliance": {"en": "Followed: {pct:.0f}%", "nl": "Gevolgd: {pct:.0f}%"},
    "compliance_end": {
        "en": "You followed the pacer {pct:.0f}% ({followed} of {total} cycles)",
        "nl": "Je volgde de gids voor {pct:.0f}% ({followed} van {total} cycli)",
    },
    "session_done": {"en": "Well done. The exercise is over", "nl": "Goed gedaan. De oefening is klaar"},
    "hold_timer": {"en": "Holding {s:.0f} s", "nl": "Adem vast {s:.0f} s"},
    # --- safety screen -----------------------------------------------------------------------------
    "safety_title": {
        "en": "{title}: read this first",
        "nl": "{title}: lees dit eerst",
    },
    "safety_prompt": {
        "en": "Type yes if none of this applies to you and you are sitting or lying somewhere safe: ",
        "nl": "Typ ja als niets hiervan voor jou geldt en je veilig zit of ligt: ",
    },
    "safety_key_prompt": {
        "en": "Press Y if none of this applies to you and you are somewhere safe; any other key stops",
        "nl": "Druk op J als niets hiervan voor jou geldt en je veilig zit of ligt; een andere toets stopt",
    },
    "safety_refused": {
        "en": "Not confirmed: the exercise does not start",
        "nl": "Niet bevestigd: de oefening begint niet",
    },
    "safety_non_interactive": {
        "en": "{name} is an intense exercise: it starts only after its safety screen is confirmed, so run it in a terminal or window",
        "nl": "{name} is een intensieve oefening: die begint pas na bevestiging van de veiligheidsvragen, start hem in een terminal of venster",
    },
}


# The overlay's own words: key -> {lang: text} (the pacer's phase names are MESSAGES' phase_*).
LABELS: dict[str, dict[str, str]] = {
    "per_min": {"en": "breaths/min", "nl": "ademh./min"},
    "no_reading": {"en": "no reading yet", "nl": "nog geen meting"},
    "confidence": {"en": "confidence", "nl": "betrouwbaarheid"},
    "chest": {"en": "Chest", "nl": "Borst"},
    "belly": {"en": "Belly", "nl": "Buik"},
    "hold": {"en": "Hold", "nl": "Adem vast"},
    "paused": {"en": "PAUSED", "nl": "GEPAUZEERD"},
    "in_step": {"en": "in step", "nl": "in de maat"},
    "keys": {"en": "q quit  p pause  r recalibrate", "nl": "q stop  p pauze  r opnieuw zoeken"},
    "camera_lost": {"en": "Camera lost: the session ends and what was measured is kept", "nl": "Camera weg: de sessie stopt en wat gemeten is blijft bewaard"},
    "safety_keys": {"en": "Press y to confirm you read this and none applies; q to cancel.", "nl": "Druk op j als je dit gelezen hebt en niets ervan op jou van toepassing is; q om te stoppen."},
    # the sound meter's word for the microphone's status (overlay.sound_meter)
    "mic_ok": {"en": "sound", "nl": "geluid"},
    "mic_unavailable": {"en": "no mic", "nl": "geen mic"},
    "mic_lost": {"en": "mic lost", "nl": "mic weg"},
    "mic_muted": {"en": "mic muted", "nl": "mic stil"},
    # a microphone fault, said once on screen (live.session)
    "mic_notice_unavailable": {"en": "No microphone: going on with video alone", "nl": "Geen microfoon: verder met alleen video"},
    "mic_notice_lost": {"en": "Microphone lost: going on with video alone", "nl": "Microfoon weg: verder met alleen video"},
    "mic_notice_muted": {"en": "Microphone silent (muted?): video alone until sound returns", "nl": "Microfoon stil (gedempt?): alleen video tot er weer geluid is"},
}


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is supported, else raise ParameterError naming the choices."""
    if lang not in LANGUAGES:
        raise ParameterError(f"language {lang!r} is not supported; choose from {', '.join(LANGUAGES)}")
    return lang


def text(table: dict[str, dict[str, str]], key: str, lang: str = "en", **values) -> str:
    """The text of ``key`` in ``table`` (:data:`MESSAGES` or :data:`LABELS`) in ``lang``, with
    ``values`` filled in."""
    check_lang(lang)
    try:
        s = table[key][lang]
    except KeyError:
        raise ParameterError(f"no text {key!r}") from None
    return s.format(**values) if values or "{" in s else s
