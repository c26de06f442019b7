import pytest

from breathcam.config import DEFAULT, load_config
from breathcam.types import InputError


def test_defaults_without_file():
    assert load_config(None) is DEFAULT
    assert DEFAULT.filters.low_hz <= 0.05  # 4-7-8 breathing is 3.2/min = 0.053 Hz


def test_toml_overrides_one_field(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[holds]\nmin_hold_s = 4.5\n")
    cfg = load_config(p)
    assert cfg.holds.min_hold_s == 4.5
    assert cfg.filters == DEFAULT.filters


@pytest.mark.parametrize(
    "text, fragment",
    [("[holds]\nbogus = 1\n", "unknown keys"), ("[nosuch]\nx = 1\n", "unknown sections"), ("[holds\n", "TOML")],
)
def test_bad_config_is_an_input_error(tmp_path, text, fragment):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(InputError, match=fragment):
        load_config(p)


def test_missing_config_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_config(tmp_path / "none.toml")


def test_every_field_is_documented_and_docs_are_current():
    from pathlib import Path

    from breathcam.config_doc import render

    text = render()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) > 50
    for line in rows:
        why = line.rstrip().rstrip("|").rsplit("| ", 1)[-1].strip()
        assert len(why) > 10, f"field without its reason: {line}"
    doc = Path(__file__).resolve().parents[1] / "docs" / "config.md"
    assert doc.read_text() == text, "docs/config.md is stale: python -m breathcam.config_doc > docs/config.md"
