"""The analysis notes (written in English by the stages that find them) in the report's language.

:func:`translate_note` gives a note in Dutch when it knows its wording (fixed sentences and
sentences with numbers, matched by pattern; numbers keep their value with a decimal comma), and
None when it does not: a Dutch report then counts such notes instead of showing English (they are
in the JSON export as written).  English notes are returned as they are.
"""

from __future__ import annotations

import re

__all__ = ["translate_note", "NOTES_NL"]

_N = r"(?P<n>[0-9]+(?:\.[0-9]+)?)"
_M = r"(?P<m>[0-9]+(?:\.[0-9]+)?)"

# (pattern of the English note, Dutch text with {n}/{m}/{ref} from the pattern's groups)
NOTES_NL: tuple[tuple[str, str], ...] = (
    (r"analysis interrupted: results cover only the first " + _N + " s",
     "analyse onderbroken: de resultaten gaan alleen over de eerste {n} s"),
    (r"arms across the torso: chest and belly motion is partly the arms'",
     "armen over de romp: de beweging van borst en buik is deels die van de armen"),
    (r"belly moves against the chest \(paradoxical breathing or a misplaced belly region\)",
     "de buik beweegt tegen de borst in (paradoxaal ademen of een verkeerd geplaatst buikgebied)"),
    (r"belly region mostly outside the frame; breathing measured on the chest only",
     "buikgebied grotendeels buiten beeld; ademhaling alleen aan de borst gemeten"),
    (r"(?P<which>belly|chest) sway removed with the (?P<ref>\w+) as reference",
     "zwaaien van de {which} verwijderd met {ref} als referentie"),
    (r"breathing too weak or irregular for a reliable rate",
     "ademhaling te zwak of te onregelmatig voor een betrouwbare frequentie"),
    (r"chest/belly: chest and belly do not move in step; one of them may be hidden \(loose clothing\)",
     "borst/buik: borst en buik bewegen niet gelijk op; een van beide is misschien verborgen (losse kleding)"),
    (r"chest/belly: reading too uncertain for a label \(would be (?P<label>\w+), confidence " + _N + r"\)",
     "borst/buik: meting te onzeker voor een label (zou {label} zijn, betrouwbaarheid {n})"),
    (r"chest/belly: side view without a facing direction, paradoxical breathing cannot be told",
     "borst/buik: zijaanzicht zonder kijkrichting, paradoxaal ademen is niet vast te stellen"),
    (r"chest/belly: the shoulders lift with the breath", "borst/buik: de schouders gaan omhoog met de ademhaling"),
    (r"chest/belly: the split varies too much from breath to breath",
     "borst/buik: de verdeling wisselt te veel van ademhaling tot ademhaling"),
    (r"exercise stopped: breathing looked distressed", "oefening gestopt: de ademhaling zag er benauwd uit"),
    (r"head and shoulders above the frame: the shoulder line is taken at the frame's top edge",
     "hoofd en schouders boven het beeld: de schouderlijn is op de bovenrand van het beeld gelegd"),
    (r"hips out of frame or hidden; torso length estimated from body proportions",
     "heupen buiten beeld of verborgen; romplengte geschat uit de lichaamsverhoudingen"),
    (r"microphone: no sound arrived; video alone", "microfoon: geen geluid ontvangen; alleen video"),
    (r"no breaths found outside the breath holds", "geen ademhalingen gevonden buiten het vasthouden van de adem"),
    (r"no breaths found", "geen ademhalingen gevonden"),
    (r"no torso motion could be measured", "er kon geen beweging van de romp worden gemeten"),
    (r"rate from the breath sounds \(the video gave no reliable reading\)",
     "frequentie uit de ademgeluiden (de video gaf geen betrouwbare meting)"),
    (r"side view: belly orientation from the facing direction \(uncertain\)",
     "zijaanzicht: richting van de buik uit de kijkrichting (onzeker)"),
    (r"side view: belly orientation taken from its correlation with the chest",
     "zijaanzicht: richting van de buik uit de samenhang met de borst"),
    (r"side view: chest and belly regions placed on the front contour of the body's outline",
     "zijaanzicht: borst- en buikgebied op de voorkant van de lichaamsomtrek geplaatst"),
    (r"the person's outline shows them from the front: chest and belly placed by body proportions",
     "de omtrek toont de persoon van voren: borst en buik geplaatst volgens de lichaamsverhoudingen"),
    (r"torso motion not measured for " + _N + "% of the clip", "rompbeweging niet gemeten gedurende {n}% van de opname"),
    (_N + r" s without a usable measurement", "{n} s zonder bruikbare meting"),
    (_N + r" s of sudden motion \(a clap, a hand, a bumped camera\) left out",
     "{n} s plotselinge beweging (klap, hand, gestoten camera) weggelaten"),
    (_N + r" sound channels mixed to one", "{n} geluidskanalen samengevoegd tot één"),
    (r"sound track: no breathing rhythm heard; video alone", "geluidsspoor: geen ademritme gehoord; alleen video"),
    (r"sound: breathing rhythm too weak for a reliable rate", "geluid: ademritme te zwak voor een betrouwbare frequentie"),
    (r"sound: no clear breathing rhythm \(heard breathing is irregular, quiet, or masked by noise\)",
     "geluid: geen duidelijk ademritme (gehoorde ademhaling is onregelmatig, zacht of overstemd door ruis)"),
    (r"video and sound agree on the rate \(" + _N + " and " + _M + r"/min\)",
     "video en geluid geven dezelfde frequentie ({n} en {m}/min)"),
    (r"sound is clipped in " + _N + "% of samples: recording level too high",
     "geluid afgekapt in {n}% van de samples: opnameniveau te hoog"),
    (r"assessment stopped by the user", "beoordeling gestopt door de gebruiker"),
    (r"assessment interrupted", "beoordeling onderbroken"),
    (r"Nijmegen questionnaire not asked: no terminal \(give --nijmegen\)",
     "Nijmeegse vragenlijst niet gevraagd: geen terminal (gebruik --nijmegen)"),
)
_WORDS_NL = {"belly": "buik", "chest": "borst", "head": "het hoofd", "mixed": "gemengd", "unknown": "onbekend"}
_COMPILED = [(re.compile(p + r"$"), nl) for p, nl in NOTES_NL]


def translate_note(note: str, lang: str) -> str | None:
    """``note`` in ``lang`` ("en": as it is), or None when its Dutch is not known."""
    if lang != "nl":
        return note
    for rx, nl in _COMPILED:
        m = rx.match(note.strip())
        if m:
            vals = {k: (v.replace(".", ",") if re.fullmatch(r"[0-9.]+", v or "") else _WORDS_NL.get(v, v))
                    for k, v in m.groupdict().items()}
            return nl.format(**vals)
    return None
