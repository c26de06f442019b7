"""Render breathcam/config.py as Markdown: every field, its default and the comment above it.

    python -m breathcam.config_doc > docs/config.md

tests/test_config.py checks that docs/config.md is up to date.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect

from breathcam import config as config_module

def _field_comments(cls) -> dict[str, str]:
    """The comment lines directly above each field of a dataclass, joined."""
    lines = inspect.getsource(cls).splitlines()
    tree = ast.parse(inspect.getsource(cls))
    out: dict[str, str] = {}
    previous = ""
    for node in tree.body[0].body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            i = node.lineno - 2
            comment: list[str] = []
            while i >= 0 and lines[i].strip().startswith("#"):
                comment.insert(0, lines[i].strip().lstrip("#").strip())
                i -= 1
            # A field right below another one, with no comment of its own, shares the group's comment.
            if not comment and i >= 0 and lines[i].strip():
                out[node.target.id] = previous
            else:
                out[node.target.id] = previous = " ".join(comment)
    return out


def render() -> str:
    parts = [
        "# Configuration: every threshold and why it has its value",
        "",
        "Generated from `breathcam/config.py` by `python -m breathcam.config_doc > docs/config.md`.",
        "Override any field with a TOML file: `breathcam analyze CLIP --config my.toml`, where the file",
        "holds sections and keys as below (for example `[holds]` then `min_hold_s = 4.0`). Unknown",
        "sections or keys are refused with a message naming them; so is a value of the wrong type, NaN or",
        "infinity, one outside its allowed range (the column below; `min_X` must not exceed `max_X`, nor",
        "`X_low` exceed `X_high`), each with the key, the value and the range.",
        "",
    ]
    for section in dataclasses.fields(config_module.Config):
        default = getattr(config_module.DEFAULT, section.name)
        cls = type(default)
        comments = _field_comments(cls)
        parts += [f"## [{section.name}]", "", "| key | default | allowed | why |", "|---|---|---|---|"]
        for f in dataclasses.fields(cls):
            value = getattr(default, f.name)
            why = comments.get(f.name, "").replace("|", "\\|")
            allowed = config_module.describe_range(section.name, f.name) if not isinstance(value, (str, bool)) else ""
            parts.append(f"| `{f.name}` | `{value!r}` | {allowed} | {why} |")
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
