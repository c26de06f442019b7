"""Every sentence the coach shows, in English and Dutch (the table lives in :mod:`breathcam.lang`).

:func:`message` looks a code up and fills in its values (``message("hold_timer", "nl", s=5)``).
Feedback cues are short, kind and say what to do ("Make the exhale longer"), not what is wrong.
Where it fails: an unknown code or language raises :class:`~breathcam.types.ParameterError`
(a programming error, never the user's), and a missing value raises ``KeyError``.
"""

from __future__ import annotations

from breathcam.lang import LANGUAGES, MESSAGES, check_lang, text

__all__ = ["LANGS", "MESSAGES", "message", "check_lang"]

LANGS = LANGUAGES


def message(code: str, lang: str = "en", **values) -> str:
    """The text of ``code`` in ``lang`` ("en" | "nl"), with ``values`` filled in."""
    return text(MESSAGES, code, lang, **values)
