"""Read a file a pull request may have chosen: once, through one descriptor, within a bound.

A path check followed by a read (`stat`, then `read_bytes`) reads whatever is there by then: a
file grown past the bound in between, or a FIFO, on which a plain open waits for a writer for
ever. Here the file is opened without blocking (`O_NONBLOCK`: a FIFO opens at once), checked on
that descriptor (`fstat`: a regular file, within the bound) and read from it, at most one byte past
the bound; every refusal is a `FileReadError` with one line that says why.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class FileReadError(ValueError):
    """The file cannot be read as a bounded regular file; the message names it and says why."""


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path` (symbolic links followed), at most `limit`."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileReadError(f"{path} does not exist") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise FileReadError(f"{path} is a loop of symbolic links") from None
        raise FileReadError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileReadError(f"{path} is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileReadError(
                f"{path} is not a regular file (a FIFO, a device or a socket), which could be "
                "read for ever"
            )
        if info.st_size > limit:
            raise FileReadError(f"{path} is larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew after the check
            raise FileReadError(f"{path} is larger than {limit} bytes")
        return b"".join(chunks)
    except OSError as error:
        raise FileReadError(f"cannot read {path}: {error.strerror or error}") from None
    finally:
        os.close(fd)
