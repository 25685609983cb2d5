"""The checker's side of the judged program's confinement: its private scratch folder, and every
process it starts found, bounded and ended with the run.

The judged program's process confines itself (`confinement`); what only the checker can do is
here. While a run lasts the checker is a child subreaper (PR_SET_CHILD_SUBREAPER, prctl(2)): a
process of the run whose parent ends (a double fork, a `setsid()` daemon) becomes the checker's
child instead of init's, so that it can still be found and ended, even where no PID namespace
could be made. `ProcessTree` finds the run's processes by their parents in `/proc`, sums their
memory (the bound covers the whole tree, not each process) and ends them all.

Standard library only (see `program_process`).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37

END_SECONDS = 10.0
"""How long ending the run's processes may take before the checker gives up waiting."""


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """The run's private folder (mode 700): the only place the program may change files; its
    $HOME and $TMPDIR. Removed afterwards without following the links the program left in it."""
    folder = Path(tempfile.mkdtemp(prefix="podsandbox-run-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _prctl(option: int, argument: object = 0) -> Optional[int]:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    result = int(libc.prctl(option, argument, 0, 0, 0))
    return None if result < 0 else result


def set_subreaper(on: bool) -> bool:
    """Make this process a child subreaper (or not); its former setting, False where none."""
    value = ctypes.c_int(0)
    was = _prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(value)) is not None and bool(value.value)
    _prctl(PR_SET_CHILD_SUBREAPER, int(on))
    return was


def _parents() -> dict[int, tuple[int, bool]]:
    """Every visible process's parent, and whether it has ended (a zombie not yet reaped), from
    `/proc/PID/stat` (proc(5)); empty where there is no `/proc`."""
    parents: dict[int, tuple[int, bool]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return parents
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue
        if len(fields) > 1:
            parents[int(entry)] = (int(fields[1]), fields[0] in (b"Z", b"X"))
    return parents


class ProcessTree:
    """The processes of one run: the child the checker started, what descends from it, and any
    other child the checker gains while it is a subreaper (a process of the run orphaned)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.me = os.getpid()
        self.before = {pid for pid, (parent, _) in _parents().items() if parent == self.me}
        self.before.discard(root)
        """The checker's children from before the run (not the run's)."""

    def members(self, ended: bool = False) -> set[int]:
        """The run's processes: the live ones, or (`ended`) those ended and not yet reaped."""
        parents = _parents()
        found = {self.root} if self.root in parents else set()
        found |= {p for p, (parent, _) in parents.items() if parent == self.me} - self.before
        children: dict[int, list[int]] = {}
        for pid, (parent, _) in parents.items():
            children.setdefault(parent, []).append(pid)
        pending = list(found)
        while pending:
            for child in children.get(pending.pop(), []):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return {pid for pid in found - {self.me} if parents[pid][1] == ended}

    def private_memory(self) -> int:
        """The run's memory in bytes: the sum of each process's proportional share of the
        anonymous and shared-memory pages it maps (`Pss_Anon` + `Pss_Shmem` of
        `/proc/PID/smaps_rollup`, proc(5)), so that pages forked children share are counted
        once, and files mapped (the interpreter, its libraries) not at all."""
        total = 0
        for pid in self.members():
            try:
                with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
                    lines = rollup.read().splitlines()
            except OSError:
                continue
            for line in lines:
                if line.startswith((b"Pss_Anon:", b"Pss_Shmem:")):
                    total += int(line.split()[1]) * 1024
        return total

    def end(self) -> None:
        """Kill every process of the run and reap the checker's own children among them, until
        none is left (each killed parent's orphans become the checker's children in turn)."""
        deadline = time.monotonic() + END_SECONDS
        while time.monotonic() < deadline:
            members = self.members()
            if not members:
                return
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self.reap()
            time.sleep(0.005)
        self.reap()

    def reap(self) -> None:
        """Reap the run's ended processes that are the checker's children (orphans it gained as
        a subreaper), except the one it started, which `subprocess` reaps."""
        for pid in self.members(ended=True) - {self.root}:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
