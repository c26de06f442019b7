"""Files at the program's edge: every output is written by :func:`write_output`, every input file
is checked by :func:`check_input` before it is opened.

Writing (JSON, CSV, HTML reports, the folder summary, the trend page):

- a regular file, or a path where nothing exists yet, is written atomically: a private temporary
  file beside it, then a rename over it (a reader never sees half a file; a failure leaves the old
  file as it was and no temporary file behind);
- a symbolic link is followed: its target is written (as above), the link stays a link;
- anything else (``-``, ``/dev/stdout``, a device such as ``/dev/null`` or ``/dev/full``, a FIFO)
  is written in place, never replaced;
- files breathcam creates are private (``0600``, folders ``0700``, made stricter still by the
  user's umask): they hold health data.  An existing file keeps its permissions.

Every failure raises BreathcamError naming the file and the reason in one line.

Reading: :func:`check_input` refuses, with a line saying which, a path that does not exist, a
folder, a symbolic-link loop, a FIFO or socket, a device (``/dev/zero`` never ends), an empty or
unreadable file, without ever blocking on it.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

from breathcam.types import BreathcamError, InputError

__all__ = ["write_output", "is_stream_or_device", "make_folder", "check_input", "PRIVATE_FILE_MODE", "PRIVATE_DIR_MODE"]

# Health data: only the user reads what breathcam writes (a stricter umask still applies).
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700

_STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
_STDERR_NAMES = ("/dev/stderr", "/dev/fd/2", "/proc/self/fd/2")


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if exc.errno == errno.ENXIO:
        return "a pipe (FIFO) that nothing reads from"
    return exc.strerror or str(exc)


def _umask() -> int:
    """The process's umask, read without changing it (Linux: /proc); elsewhere set and restored
    (a moment in which another thread could create a file unmasked)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def write_output(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` as described in the module docstring; returns the path."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    name = str(path)
    if name in _STDOUT_NAMES or name in _STDERR_NAMES:
        stream = sys.stdout if name in _STDOUT_NAMES else sys.stderr
        try:
            stream.flush()
            stream.buffer.write(raw) if hasattr(stream, "buffer") else stream.write(raw.decode("utf-8"))
            stream.flush()
        except (OSError, ValueError) as exc:
            raise BreathcamError(f"cannot write {name}: {getattr(exc, 'strerror', None) or exc}") from None
        return Path(name)
    path = Path(path)
    try:
        try:
            st = os.stat(path)  # follows symbolic links
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise BreathcamError(f"cannot write {path}: it is a folder")
        if st is not None and not stat.S_ISREG(st.st_mode):
            _write_in_place(path, raw)  # the kernel follows the links (also /proc/self/fd/N)
        else:
            # a link to a regular file (or to nothing yet): its target is replaced, the link stays
            target = Path(os.path.realpath(path)) if path.is_symlink() else path
            _write_atomic(target, raw, mode=None if st is None else stat.S_IMODE(st.st_mode))
    except OSError as exc:
        raise BreathcamError(f"cannot write {path}: {_reason(exc)}") from None
    return path


def _write_in_place(target: Path, raw: bytes) -> None:
    """A device, FIFO or socket: opened for writing (never created, truncated or replaced)."""
    fifo = stat.S_ISFIFO(os.stat(target).st_mode)
    # A FIFO is opened without waiting: with no reader this fails at once (ENXIO) instead of hanging.
    fd = os.open(target, os.O_WRONLY | (os.O_NONBLOCK if fifo else 0))
    try:
        if fifo:  # a reader is there: write as usual
            os.set_blocking(fd, True)
        view = memoryview(raw)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)


def _write_atomic(target: Path, raw: bytes, *, mode: int | None) -> None:
    """Temporary file beside ``target`` (private from the start), fsync, rename over it."""
    import tempfile

    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        try:
            view = memoryview(raw)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
            os.fchmod(fd, mode if mode is not None else PRIVATE_FILE_MODE & ~_umask())
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def is_stream_or_device(path: str | Path) -> bool:
    """True for ``-``, standard output or error, and an existing device, FIFO or socket (written in place)."""
    if str(path) in _STDOUT_NAMES or str(path) in _STDERR_NAMES:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def make_folder(path: str | Path) -> Path:
    """``path`` as a folder, created private (0700 and parents as needed) when it does not exist."""
    path = Path(path)
    try:
        if not path.is_dir():
            path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise BreathcamError(f"cannot create folder {path}: {_reason(exc)}") from None
    if not path.is_dir():
        raise BreathcamError(f"cannot write into {path}: not a folder")
    return path


def check_input(path: str | Path, *, what: str = "file") -> os.stat_result:
    """Refuse, with one clear line, an input that cannot be read as a file; returns its stat.

    Checked without opening anything that could block: existence, symbolic-link loops, folders,
    FIFOs, sockets, devices, size 0, and read permission."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(f"{path} is a symbolic link to something that does not exist") from None
        raise InputError(f"{what} not found: {path}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{path} is a loop of symbolic links (it points back to itself)") from None
        raise InputError(f"cannot read {path}: {_reason(exc)}") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{path} is a folder, not a {what}")
    if stat.S_ISFIFO(mode):
        raise InputError(f"{path} is a pipe (FIFO), not a regular file; save the stream to a file first")
    if stat.S_ISSOCK(mode):
        raise InputError(f"{path} is a socket, not a regular file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        hint = " (a camera is opened by its index: --camera N)" if what == "video file" else ""
        raise InputError(f"{path} is a device, not a regular file{hint}")
    if not stat.S_ISREG(mode):
        raise InputError(f"{path} is not a regular file")
    if st.st_size == 0:
        raise InputError(f"{path} is empty (0 bytes)")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise InputError(f"cannot read {path}: permission denied (check the file's permissions)") from None
        raise InputError(f"cannot read {path}: {_reason(exc)}") from None
    return st
