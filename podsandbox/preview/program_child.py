"""The judged program's process: run the program under the mocks and report what it does.

Started by `program_process.RunningProgram.start` as `python -P -m podsandbox.preview.program_child
FD PLAN`. It first confines itself as PLAN says (`confinement`: namespaces, bounds, Landlock,
seccomp) and tells the checker which layers took, then waits for its request (JSON, on stdin),
which the checker sends once it has loaded everything the verdict needs. Then it runs the program
with `recorder.run_program` and writes one JSON event per line to the pipe FD as each registration,
invoke, message and output is made, then how the run ended. It exits with `os._exit` at once, so
that threads the program left running cannot keep it alive.

Nothing here is trusted by the checker: the program runs in this process and could write to the
pipe itself. The checker checks every event's shape and bounds, and judges only what arrives.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn, Optional

from podsandbox.preview.confinement import Plan, confine, confined_event, enter_namespaces
from podsandbox.preview.program_events import DONE, MIB, encode_failure, encode_record

RESERVE_BYTES = 4 * MIB
"""Memory held while the program runs and freed when it runs out, so that the report of it can
still be written."""


class Channel:
    """The pipe to the checker: whole lines, from whichever thread records."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = threading.Lock()
        self.sent_secrets: set[str] = set()
        self.run: Any = None

    def send(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, default=str).encode() + b"\n"
        with self.lock:
            view = memoryview(line)
            while view:
                view = view[os.write(self.fd, view) :]

    def record(self, run: Any, kind: str, item: Any) -> None:
        """`ProgramRun.listener`: the run's new secret values first, then the record."""
        self.run = run
        self.send_secrets()
        self.send(encode_record(kind, item))

    def send_secrets(self) -> None:
        if self.run is None:
            return
        new = set(self.run.secret_values) - self.sent_secrets
        if new:
            self.sent_secrets |= new
            self.send({"kind": "secrets", "values": sorted(new)})


def _where(tb: Optional[TracebackType], program_dir: Path) -> Optional[str]:
    """The last line of the program's own files in a traceback (`file:line`)."""
    where = None
    for frame, line in traceback.walk_tb(tb):
        path = Path(frame.f_code.co_filename)
        if path.is_absolute() and path.resolve().is_relative_to(program_dir):
            where = f"{path.resolve().relative_to(program_dir)}:{line}"
    return where


def _failure(error: BaseException, program_dir: Path) -> dict[str, Any]:
    where = _where(error.__traceback__, program_dir)
    if isinstance(error, SystemExit):
        return encode_failure("exited", "SystemExit", repr(error.code), where)
    if isinstance(error, MemoryError):
        return encode_failure("memory", "MemoryError", "", where)
    module = error.name if isinstance(error, ModuleNotFoundError) else None
    return encode_failure("failed", type(error).__name__, str(error), where, module)


def _confine(channel: Channel) -> None:
    """Confine this process before anything of the program's runs; a confinement that fails
    half-way stops the run (the program does not run less confined than said)."""
    plan = Plan.from_json(sys.argv[2])
    try:
        layers = confine(plan, enter_namespaces(plan.max_processes))
    except OSError as error:
        channel.send(confined_event([]))
        channel.send(encode_failure("confinement", "OSError", str(error)))
        os._exit(0)
    channel.send(confined_event(layers))


def _load_sdk() -> Optional[BaseException]:
    """Import the SDK (trusted, confined already) while the checker loads the pack, before the
    program may start; what stopped it, if anything, is the run's failure."""
    try:
        import podsandbox.preview.recorder  # noqa: F401
    except BaseException as error:  # noqa: BLE001 (reported as the run's failure)
        return error
    return None


def main() -> NoReturn:
    channel = Channel(int(sys.argv[1]))
    _confine(channel)
    unloaded = _load_sdk()
    request = json.loads(sys.stdin.buffer.read())  # the checker's go
    reserve: Optional[bytearray] = bytearray(RESERVE_BYTES)
    program_dir = Path(request["programDir"]).resolve()
    ended: dict[str, Any] = DONE
    try:
        if unloaded is not None:
            raise unloaded
        from podsandbox.preview.recorder import ProgramFailedError, ProgramStoppedError, run_program

        try:
            run_program(
                program_dir,
                request["project"],
                request["stack"],
                request["config"],
                main=request["main"],
                secret_keys=request["secretKeys"],
                listener=channel.record,
            )
        except ProgramStoppedError as stopped:
            channel.run = stopped.run
            ended = encode_failure("stopped", "RunError", str(stopped))
        except ProgramFailedError as failed:
            channel.run = failed.run
            ended = _failure(failed.error, program_dir)
    except BaseException as error:  # noqa: BLE001 (sys.exit, KeyboardInterrupt, MemoryError...)
        reserve = None
        ended = _failure(error, program_dir)
    del reserve
    channel.send_secrets()
    channel.send(ended)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 (the program may have replaced or closed them)
            pass
    os._exit(0)


if __name__ == "__main__":
    main()
