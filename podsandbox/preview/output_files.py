"""Write a report where `--output` says, whatever is there: a regular file is replaced whole, a
FIFO with no reader or a directory is refused, `/dev/stdout` keeps working.

A plain `open(path, "w")` on a FIFO that no process reads waits for a reader for ever, and one on
a directory fails with a traceback-shaped error; a report half-written when the checker is stopped
would read as a report. So a regular file (or a new one) is written to a temporary file beside it
and renamed over it (readers see the old report or the new one, never part of one), and anything
else is opened without blocking (`O_NONBLOCK`: on a FIFO with no reader, `open` fails at once with
`ENXIO`, POSIX `open`) and written in place: a FIFO with a reader, a terminal, `/dev/stdout`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Optional


def write_report(file: Path, text: str) -> Optional[str]:
    """Write `text` (and a final newline) to `file`; None when written, else why not (one line)."""
    data = (text + "\n").encode("utf-8")
    try:
        found = os.lstat(file)
    except FileNotFoundError:
        found = None
    except OSError as error:
        return error.strerror or str(error)
    if found is None or stat.S_ISREG(found.st_mode):
        return _replace(file, data, stat.S_IMODE(found.st_mode) if found else None)
    return _write_in_place(file, data)


def _replace(file: Path, data: bytes, mode: Optional[int]) -> Optional[str]:
    """Write to a temporary file in `file`'s folder, then rename it to `file`."""
    try:
        fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    except FileNotFoundError:
        return f"its folder {file.parent} does not exist"
    except OSError as error:
        return error.strerror or str(error)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, file)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return error.strerror or str(error)
    return None


def _write_in_place(file: Path, data: bytes) -> Optional[str]:
    """Write through a symbolic link, into a FIFO with a reader, a terminal or a device."""
    try:
        target = os.stat(file)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "it is a loop of symbolic links; give a file path, e.g. --output preview.json"
        return error.strerror or str(error)
    if stat.S_ISDIR(target.st_mode):
        return "it is a directory; give a file path, e.g. --output preview.json"
    truncate = os.O_TRUNC if stat.S_ISREG(target.st_mode) else 0
    flags = os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | truncate
    try:
        fd = os.open(file, flags)
    except OSError as error:
        if error.errno == errno.ENXIO:
            return (
                "it is a FIFO that no process reads, so the report could never be taken; start "
                "its reader first, or give a file path, e.g. --output preview.json"
            )
        return error.strerror or str(error)
    try:
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as error:
        return error.strerror or str(error)
    finally:
        os.close(fd)
    return None
