"""Text from outside (client ids, notes, file names, a JSON's source) made safe where it is shown.

- :func:`terminal_safe`: control characters (escape sequences, carriage returns, newlines, DEL,
  C1 controls) shown as visible escapes (``\\x1b``, ``\\n``), so a name can neither drive the
  terminal nor break a table's rows.
- :func:`csv_cell`: a text cell a spreadsheet would run as a formula (it starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'`` (the OWASP advice for CSV
  injection); numbers are left alone.
"""

from __future__ import annotations

import re

__all__ = ["terminal_safe", "csv_cell"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(m: re.Match) -> str:
    c = m.group(0)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c, f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def terminal_safe(text) -> str:
    """``text`` with every control character written as a visible escape."""
    return _CONTROL.sub(_escape, str(text))


def csv_cell(value):
    """``value`` unchanged unless it is text a spreadsheet would evaluate; then ``'`` + text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
