"""One place for the languages: every key of every table in every language, with the same fields,
and the old entry points reading from it."""

import re

import pytest

from breathcam.lang import LABELS, LANGUAGES, MESSAGES, check_lang, text
from breathcam.types import ParameterError


@pytest.mark.parametrize("table", [MESSAGES, LABELS], ids=["messages", "labels"])
def test_every_key_in_every_language_with_the_same_fields(table):
    assert LANGUAGES == ("en", "nl")
    for key, texts in table.items():
        assert set(texts) == set(LANGUAGES), key
        fields = [set(re.findall(r"\{(\w+)", texts[lang])) for lang in LANGUAGES]
        assert all(f == fields[0] for f in fields), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key


def test_tables_do_not_repeat_each_other():
    assert not set(MESSAGES) & set(LABELS)


def test_old_entry_points_read_the_one_table():
    from breathcam.coach.messages import LANGS, message
    from breathcam.coach.pacer import phase_name
    from breathcam.overlay.draw import label

    assert LANGS == LANGUAGES
    assert message("too_fast", "nl") == MESSAGES["too_fast"]["nl"]
    assert message("hold_timer", "en", s=5) == "Holding 5 s"
    assert phase_name("exhale", "nl") == "Adem uit" == label("exhale", "nl")
    assert label("belly", "nl") == LABELS["belly"]["nl"] and label("unknown_key", "en") == "unknown_key"
    assert text(LABELS, "per_min", "nl") == "ademh./min"


def test_unknown_language_or_key_is_a_clear_error():
    with pytest.raises(ParameterError, match="choose from en, nl"):
        check_lang("de")
    with pytest.raises(ParameterError, match="no text"):
        text(MESSAGES, "nope", "en")
