"""The Nijmegen questionnaire: 16 symptoms scored 0-4, total 0-64; 23 or more suggests
hyperventilation syndrome (van Dixhoorn J, Duivenvoorden HJ. Efficacy of Nijmegen Questionnaire in
recognition of the hyperventilation syndrome. J Psychosom Res 1985;29:199-206).

Answers come from the terminal (:func:`ask`: a bad answer gets a clear message and the item is
asked again), or as text (:func:`parse`: ``--nijmegen 0,1,2,...`` or a file; a bad list is refused
with a message naming the problem).  English and Dutch.

    >>> n = parse("0,1,2,3,4,0,1,2,3,4,0,1,2,3,4,4")
    >>> n.total, n.suggests_hvs
    (34, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence, TextIO

from breathcam.config import DEFAULT, AssessConfig
from breathcam.types import InputError

__all__ = ["ITEMS", "SCALE", "Nijmegen", "parse", "parse_answer", "load", "ask"]

ITEMS: dict[str, tuple[str, ...]] = {
    "en": (
        "Chest pain", "Feeling tense", "Blurred vision", "Dizzy spells", "Feeling confused",
        "Faster or deeper breathing", "Short of breath", "Tight feelings in chest", "Bloated feeling in stomach",
        "Tingling fingers", "Unable to breathe deeply", "Stiff fingers or arms", "Tight feelings round mouth",
        "Cold hands or feet", "Heart racing (palpitations)", "Feelings of anxiety",
    ),
    "nl": (
        "Pijn op de borst", "Gespannen gevoel", "Wazig zien", "Duizeligheid",
        "Verward gevoel of verlies van contact met de omgeving", "Snellere of diepere ademhaling", "Kortademigheid",
        "Beklemd gevoel op de borst", "Opgeblazen gevoel in de buik", "Tintelingen in de vingers",
        "Niet diep kunnen doorademen", "Stijfheid in vingers of armen", "Stijf gevoel rond de mond",
        "Koude handen of voeten", "Hartkloppingen", "Angstig gevoel",
    ),
}
SCALE: dict[str, tuple[str, ...]] = {
    "en": ("never", "rarely", "sometimes", "often", "very often"),
    "nl": ("nooit", "zelden", "soms", "vaak", "zeer vaak"),
}
N_ITEMS = 16
MAX_SCORE = 4

_MSG = {
    "range": {"en": "answer {k} is {v}: each answer is a whole number from 0 to 4",
              "nl": "antwoord {k} is {v}: elk antwoord is een heel getal van 0 tot en met 4"},
    "count": {"en": "the Nijmegen questionnaire has 16 answers, not {n} (give 16 numbers 0-4, separated by commas)",
              "nl": "de Nijmeegse vragenlijst heeft 16 antwoorden, niet {n} (geef 16 getallen 0-4, gescheiden door komma's)"},
    "again": {"en": "please type a number from 0 to 4 ({scale})", "nl": "typ een getal van 0 tot en met 4 ({scale})"},
    "title": {"en": "Nijmegen questionnaire: how often do you have these complaints? 0-4 ({scale})",
              "nl": "Nijmeegse vragenlijst: hoe vaak heeft u deze klachten? 0-4 ({scale})"},
    "stopped": {"en": "questionnaire stopped: {n} of 16 answered, not scored",
                "nl": "vragenlijst gestopt: {n} van de 16 beantwoord, niet gescoord"},
}


def _m(key: str, lang: str, **kw) -> str:
    return _MSG[key]["nl" if lang == "nl" else "en"].format(**kw)


@dataclass(frozen=True)
class Nijmegen:
    answers: tuple[int, ...]  # 16 scores 0-4, in item order
    cutoff: int = DEFAULT.assess.nijmegen_cutoff

    @property
    def total(self) -> int:
        return int(sum(self.answers))

    @property
    def suggests_hvs(self) -> bool:
        return self.total >= self.cutoff


def parse_answer(text: str, *, k: int = 1, lang: str = "en") -> int:
    """One answer 0-4, or InputError saying what is wrong."""
    t = str(text).strip()
    if not re.fullmatch(r"[0-9]+", t):
        raise InputError(_m("range", lang, k=k, v=repr(t)))
    v = int(t)
    if v > MAX_SCORE:
        raise InputError(_m("range", lang, k=k, v=v))
    return v


def parse(text: str, *, lang: str = "en", config: AssessConfig = DEFAULT.assess) -> Nijmegen:
    """16 answers separated by commas, semicolons or white space (``--nijmegen 0,1,2,...``)."""
    parts = [p for p in re.split(r"[,;\s]+", str(text).strip()) if p]
    if len(parts) != N_ITEMS:
        raise InputError(_m("count", lang, n=len(parts)))
    return Nijmegen(tuple(parse_answer(p, k=k + 1, lang=lang) for k, p in enumerate(parts)), config.nijmegen_cutoff)


def load(spec: str, *, lang: str = "en", config: AssessConfig = DEFAULT.assess) -> Nijmegen:
    """``--nijmegen``: the answers themselves, or a text file holding them."""
    p = Path(spec)
    looks_like_answers = bool(re.fullmatch(r"[0-9,;\s]+", spec)) or bool(
        re.fullmatch(r"[0-9a-zA-Z,;\s]*", spec) and re.search(r"[,;\s]", spec.strip()))
    if not looks_like_answers and not p.is_file():
        raise InputError(f"--nijmegen {spec!r} is neither 16 answers 0-4 (0,1,2,...) nor a file that exists")
    if not looks_like_answers:
        from breathcam.fileio import check_input

        check_input(p, what="Nijmegen answers file")
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {p}: {exc}") from None
        return parse(text, lang=lang, config=config)
    return parse(spec, lang=lang, config=config)


def ask(*, lang: str = "en", input_fn: Callable[[str], str] = input, output: TextIO | None = None,
        config: AssessConfig = DEFAULT.assess) -> Nijmegen | None:
    """Ask the 16 items on the terminal; a bad answer is explained and asked again.  End of input
    (Ctrl-D) or Ctrl-C stops the questionnaire: None, and a line saying so."""
    import sys

    out = output or sys.stdout
    lang = "nl" if lang == "nl" else "en"
    scale = ", ".join(f"{k} {w}" for k, w in enumerate(SCALE[lang]))
    print(_m("title", lang, scale=scale), file=out, flush=True)
    answers: list[int] = []
    for k, item in enumerate(ITEMS[lang], start=1):
        while True:
            try:
                raw = input_fn(f"{k:2d}/16 {item}: ")
            except (EOFError, KeyboardInterrupt):
                print("", file=out)
                print(_m("stopped", lang, n=len(answers)), file=out, flush=True)
                return None
            try:
                answers.append(parse_answer(raw, k=k, lang=lang))
                break
            except InputError as exc:
                print(f"  {exc}; {_m('again', lang, scale=scale)}", file=out, flush=True)
    return Nijmegen(tuple(answers), config.nijmegen_cutoff)


def items(lang: str = "en") -> Sequence[str]:
    return ITEMS["nl" if lang == "nl" else "en"]
