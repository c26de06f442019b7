"""SIGTERM and SIGHUP handled like Ctrl-C.

A logout (SIGHUP), ``timeout``, ``kill`` and service managers (SIGTERM) ask a program to stop;
by default Python dies at once and an analysis or a live session loses everything.
:func:`stop_signals_as_interrupt` turns the first such signal into a KeyboardInterrupt in the
main thread, so every place that already handles Ctrl-C (a clip's analysis keeps the part read, a
folder keeps the files done, a live session writes its JSON and history) handles them too.  Later
signals of the same kind are recorded and ignored while the program finishes writing (a service
manager that will not wait sends SIGKILL).  The caller exits with ``128 + signal number``
(143 for SIGTERM, 129 for SIGHUP), as the shell reports a program the signal ended.

Inside :func:`shielded` (writing the outputs of an analysis that is done) a signal is recorded but
interrupts nothing: what was computed is written whole, then the program exits.  Ctrl-C is watched
too, with its own rules (see :func:`stop_signals_as_interrupt`).
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator

__all__ = ["stop_signals_as_interrupt", "shielded", "stop_requested", "STOP_SIGNALS"]

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

_shield_depth = 0
_received: list[int] = []  # stop signals received inside stop_signals_as_interrupt


def stop_requested() -> bool:
    """True once a stop signal came, whether it interrupted something or was held off by
    :func:`shielded` (or swallowed by a stage that keeps the part read): a loop over a folder of
    clips checks it after each file and stops there."""
    return bool(_received)


@contextmanager
def shielded() -> Iterator[None]:
    """Within the block, a stop signal is only recorded (see the module docstring)."""
    global _shield_depth
    _shield_depth += 1
    try:
        yield
    finally:
        _shield_depth -= 1


@contextmanager
def stop_signals_as_interrupt(signals=STOP_SIGNALS, *, ctrl_c: bool = True) -> Iterator[list[int]]:
    """Within the block, the first of ``signals`` raises KeyboardInterrupt (unless shielded); yields
    the list of signal numbers received (empty when none came).  The previous handlers are
    restored after.  Outside the main thread (where Python cannot install handlers) it changes
    nothing.

    With ``ctrl_c`` SIGINT is watched too, keeping its own rules: every Ctrl-C raises
    KeyboardInterrupt (a second one stops at once), except a first one inside :func:`shielded`,
    which waits; and it counts for :func:`stop_requested`, so a folder stops after the file in hand
    even when that file's analysis kept the part read."""
    def handler(signum, frame):
        first = not _received
        _received.append(signum)
        if signum == signal.SIGINT:
            if _shield_depth > 0 and _received.count(signal.SIGINT) == 1:
                return
            raise KeyboardInterrupt
        if first and _shield_depth == 0:
            raise KeyboardInterrupt

    watched = tuple(signals) + ((signal.SIGINT,) if ctrl_c else ())
    previous = {}
    for sig in watched:
        try:
            previous[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread, or not supported here
            pass
    _received.clear()
    try:
        yield _received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
