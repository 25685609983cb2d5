"""Run the judged program in a process of its own, within bounds, and read back what it did.

The checker judges other teams' programs, pull requests from forks included. Run in the checker's
own process, a program could end it with `sys.exit(0)` half-way (exit 0: a pass), replace the
policy modules, print into the report or leave threads that never end. So the program runs in a
child process (`program_child`) whose only way to the checker is a pipe of its own, one JSON event
per line (a registration, an invoke, a message, an output, the end). The checker keeps the pack,
the verdict and the report to itself.

The child is as untrusted as the program: every event is checked for shape before it is used, and
the child is bounded in time, memory, registrations, the size of each value and of what it
prints. Each exceeded bound, early exit or crash is a `ProgramError` (exit 2) that says what
happened and carries what was registered until then. The child gets only a few plain variables of
the checker's environment (`PASSED_ENVIRONMENT`): no tokens or cloud credentials.

The child confines itself with what the operating system offers before the program runs
(`confinement`: namespaces, Landlock, seccomp, no new privileges) and says which layers took in
its first event; the checker gives it a private scratch folder and ends every process of the run
(`process_tree`). The program starts only when the checker sends its request (`release`), once
everything the verdict needs is loaded: nothing the program does can change it afterwards.

The events, and the checks of their shape, are `program_events`'s. This module (and those) import
only the standard library at load time, so that the checker can start the child before it
imports the Pulumi and policy SDKs itself (both then import at once).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from podsandbox.preview.confinement import Plan, decode_confined, readable_paths
from podsandbox.preview.process_tree import ProcessTree, scratch_folder, set_subreaper
from podsandbox.preview.program_events import (
    MIB,
    MalformedEventError,
    StreamChecks,
    apply_event,
)

if TYPE_CHECKING:
    from podsandbox.preview.records import ProgramRun


@dataclass(frozen=True)
class Limits:
    """Bounds on the judged program's process; each has a command-line flag (`FLAGS`)."""

    timeout_seconds: float = 300.0
    memory_mib: int = 2048
    """Its data memory (RLIMIT_DATA); also the most the checker reads from it in all."""
    max_resources: int = 10_000
    max_value_bytes: int = 4 * MIB
    """The largest single event: one registration's inputs, an output, an invoke, a message."""
    max_output_bytes: int = 1 * MIB
    """What it may print, stdout and stderr together."""


FLAGS = {
    "timeout_seconds": "--timeout",
    "memory_mib": "--max-memory",
    "max_resources": "--max-resources",
    "max_value_bytes": "--max-value-bytes",
    "max_output_bytes": "--max-output-bytes",
}
"""The command-line flag of each bound, named in the error when the bound is exceeded."""

PASSED_ENVIRONMENT = (
    "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SYSTEMROOT", "PYTHONDONTWRITEBYTECODE",
)  # fmt: skip
"""The variables of the checker's environment the program sees (and every `LC_*`). Everything
else (CI tokens, cloud credentials) stays out of its reach, so it cannot leak into a report.
`HOME` and `TMPDIR` are the run's scratch folder, the only place it can write."""

MEMORY_POLL_SECONDS = 0.5
"""How often the checker sums the memory of the run's processes (`--max-memory` bounds the whole
tree: shared memory and forked children included)."""

EXIT_GRACE_SECONDS = 1.0
"""How long after the child's exit its pipes may stay open (held by a process it started)."""

SUMMARY_LIMIT = 10
"""Registrations named in the one-line error; the error report lists all of them."""


@dataclass(frozen=True)
class ProgramRequest:
    """What the child needs to run the program; sent to it as JSON on its stdin."""

    program_dir: Path
    project: str
    stack: str
    config: Mapping[str, str]
    main: str = "__main__.py"
    secret_keys: Sequence[str] = ()
    skip_validation: bool = False
    memory_mib: int = Limits.memory_mib

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "programDir": str(self.program_dir),
                "project": self.project,
                "stack": self.stack,
                "config": dict(self.config),
                "main": self.main,
                "secretKeys": list(self.secret_keys),
                "skipValidation": self.skip_validation,
                "memoryMib": self.memory_mib,
            }
        ).encode()


class ProgramError(Exception):
    """The judged program did not run to its end as a program should (exit 2); `run` is what it
    did until then, so that the error can show it."""

    def __init__(self, message: str, run: ProgramRun) -> None:
        super().__init__(message)
        self.run = run
        self.stack_file: Optional[tuple[Path, str]] = None
        """The stack file and its text as read, once known: a settings error's problems are
        located in it."""


class ProcessStartError(OSError):
    """The judged program's process could not be started (exit 2)."""


class _BoundExceededError(Exception):
    """A bound was exceeded (`bound` names the `Limits` field)."""

    def __init__(self, bound: str, what: str) -> None:
        super().__init__(what)
        self.bound = bound


def child_environment(scratch: Optional[Path] = None) -> dict[str, str]:
    """The judged program's environment: a few plain variables of ours, what it needs to find
    the checker's modules (`program_child`) and print UTF-8 at once, and the scratch folder as
    its home and temporary folder (no bytecode written: it could not be)."""
    passed = {
        name: value
        for name, value in os.environ.items()
        if name in PASSED_ENVIRONMENT or name.startswith("LC_")
    }
    package_root = str(Path(__file__).resolve().parents[2])
    ours = {"PYTHONPATH": package_root, "PYTHONUNBUFFERED": "1", "PYTHONUTF8": "1"}
    if scratch is not None:
        ours |= {"HOME": str(scratch), "TMPDIR": str(scratch), "PYTHONDONTWRITEBYTECODE": "1"}
    return passed | ours


@dataclass
class RunningProgram:
    """The judged program's process, started and waiting for `release`; `finish` waits for it
    and returns its run."""

    request: ProgramRequest
    limits: Limits
    process: subprocess.Popen[bytes]
    events_fd: int
    started: float
    environment: Mapping[str, str]
    tree: ProcessTree
    scratch: ExitStack
    was_subreaper: bool
    confinement: Optional[list[str]] = None
    """The layers the child reported in its first event, before the program ran."""
    _pending: bytearray = field(default_factory=bytearray)
    _received: int = 0
    _output: bytearray = field(default_factory=bytearray)
    _ended: Optional[dict[str, Any]] = None
    _checks: Optional[StreamChecks] = None

    @classmethod
    def start(
        cls,
        request: ProgramRequest,
        limits: Limits,
        environment: Optional[Mapping[str, str]] = None,
    ) -> RunningProgram:
        """Start the child: `python -P -m podsandbox.preview.program_child FD PLAN` in the
        program's directory, in a session of its own, the checker a subreaper meanwhile (so that
        whatever it starts can be ended with it). It confines itself, then waits for `release`."""
        scratch = ExitStack()
        folder = scratch.enter_context(scratch_folder())
        environment = dict(environment if environment is not None else child_environment(folder))
        if request.skip_validation:
            from podsandbox.rules.judge import SKIP_VALIDATION_ENV

            environment[SKIP_VALIDATION_ENV] = "true"
        package_dir = Path(__file__).resolve().parents[1]
        plan = Plan(
            str(folder), readable_paths(request.program_dir, package_dir), limits.memory_mib
        )
        read_fd, write_fd = os.pipe()
        command = [sys.executable, "-P", "-m", "podsandbox.preview.program_child", str(write_fd)]
        was_subreaper = set_subreaper(True)
        try:
            process = subprocess.Popen(
                [*command, plan.to_json()],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(write_fd,),
                cwd=request.program_dir,
                env=environment,
                start_new_session=True,
            )
        except OSError as error:
            os.close(read_fd)
            set_subreaper(was_subreaper)
            scratch.close()
            raise ProcessStartError(
                f"cannot start the judged program's process ({command[0]}): "
                f"{error.strerror or error}"
            ) from None
        finally:
            os.close(write_fd)
        tree = ProcessTree(process.pid)
        started = time.monotonic()
        return cls(request, limits, process, read_fd, started, environment, tree, scratch,
                   was_subreaper)  # fmt: skip

    def release(self) -> None:
        """Let the program run: send the child its request (it waits for it, confined)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(self.request.to_json())
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # it ended at once: `finish` says how

    def finish(self) -> ProgramRun:
        """Wait for the program, within the limits; its run, or a `ProgramError`."""
        from podsandbox.preview.records import ProgramRun

        run = ProgramRun(
            project=self.request.project,
            stack=self.request.stack,
            preview=True,
            config=dict(self.request.config),
        )
        secret_keys = self.request.secret_keys
        run.secret_values.update(self.request.config[k] for k in secret_keys if k in run.config)
        self._checks = StreamChecks(self.limits.memory_mib)
        try:
            self._collect(run)
            if self._ended is not None:
                self._checks.end(bytes(self._pending))
        except _BoundExceededError as exceeded:
            self.stop()
            raise ProgramError(self._exceeded_message(exceeded, run), run) from None
        except MalformedEventError as malformed:
            self.stop()
            raise ProgramError(malformed.explained() + " " + registered_summary(run), run) from None
        finally:
            self.stop()
            run.output = self._output.decode("utf-8", errors="replace")
            run.confinement = list(self.confinement or [])
        status = self.process.returncode
        if self._ended is None:
            raise ProgramError(self._early_end_message(status, run), run)
        if self._ended["kind"] == "failed":
            raise ProgramError(
                describe_failure(self._ended, self.request.program_dir, run, self.limits), run
            )
        if status != 0:
            raise ProgramError(
                f"the judged program's process reported its end but then exited with status "
                f"{status}. " + registered_summary(run),
                run,
            )
        return run

    def _collect(self, run: ProgramRun) -> None:
        """Read its events and output until it has ended (or a bound is exceeded)."""
        stdout, stderr = self.process.stdout, self.process.stderr
        assert stdout is not None and stderr is not None
        selector = selectors.DefaultSelector()
        for fd in (self.events_fd, stdout.fileno(), stderr.fileno()):
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        deadline = self.started + self.limits.timeout_seconds
        exited_at: Optional[float] = None
        measured = 0.0
        try:
            while selector.get_map():
                now = time.monotonic()
                if now >= deadline:
                    raise _BoundExceededError(
                        "timeout_seconds",
                        f"did not finish within {self.limits.timeout_seconds:g} s",
                    )
                if now - measured >= MEMORY_POLL_SECONDS:
                    measured = now
                    self._check_memory()
                if exited_at is None and self.process.poll() is not None:
                    exited_at = now
                if exited_at is not None and now - exited_at > EXIT_GRACE_SECONDS:
                    break  # something it started holds a pipe open: `_stop` ends it
                for key, _ in selector.select(timeout=min(0.25, deadline - now)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fd)
                    elif key.fd == self.events_fd:
                        self._on_events(chunk, run)
                    else:
                        self._on_output(chunk)
        finally:
            selector.close()
            os.close(self.events_fd)

    def _check_memory(self) -> None:
        """The whole tree's memory against `--max-memory` (each process is bounded on its own
        too, by RLIMIT_DATA, which forked children and shared memory would escape)."""
        if self.tree.private_memory() > self.limits.memory_mib * MIB:
            raise _BoundExceededError(
                "memory_mib",
                f"used more than {self.limits.memory_mib:g} MiB of memory in all its processes",
            )

    def _on_output(self, chunk: bytes) -> None:
        self._output += chunk
        if len(self._output) > self.limits.max_output_bytes:
            del self._output[self.limits.max_output_bytes :]
            raise _BoundExceededError(
                "max_output_bytes",
                f"printed more than {self.limits.max_output_bytes} bytes",
            )

    def _on_events(self, chunk: bytes, run: ProgramRun) -> None:
        self._received += len(chunk)
        if self._received > self.limits.memory_mib * MIB:
            raise _BoundExceededError(
                "memory_mib",
                f"reported more than {self.limits.memory_mib} MiB of registrations in all",
            )
        self._pending += chunk
        while True:
            end = self._pending.find(b"\n")
            line_length = len(self._pending) if end < 0 else end
            if line_length > self.limits.max_value_bytes:
                raise _BoundExceededError(
                    "max_value_bytes",
                    f"sent a value (a resource's inputs, an output, an invoke or a message) of "
                    f"more than {self.limits.max_value_bytes} bytes",
                )
            if end < 0:
                return
            line = bytes(self._pending[:end])
            del self._pending[: end + 1]
            assert self._checks is not None
            self._apply(self._checks.decode(line), run)

    def _apply(self, event: dict[str, Any], run: ProgramRun) -> None:
        if self.confinement is None:  # the first event, sent before the program ran
            self.confinement = decode_confined(event)
            return
        if self._ended is not None:
            raise MalformedEventError("an event after the end of the run")
        if event.get("kind") == "resource" and len(run.resources) >= self.limits.max_resources:
            raise _BoundExceededError(
                "max_resources", f"registered more than {self.limits.max_resources} resources"
            )
        if apply_event(event, run):
            self._ended = event

    def stop(self) -> None:
        """End the child and everything it started (found as its descendants, or as orphans
        the checker gained as a subreaper), reap it and remove the scratch folder."""
        if self.process.returncode is None:  # not reaped: its group cannot be another's yet
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.tree.end()
        self.process.wait()
        self.tree.reap()
        set_subreaper(self.was_subreaper)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        self.scratch.close()

    def _exceeded_message(self, exceeded: _BoundExceededError, run: ProgramRun) -> str:
        limit = getattr(self.limits, exceeded.bound)
        return (
            f"the judged program {exceeded} ({FLAGS[exceeded.bound]} {limit:g}), so the check "
            "was stopped. Raise the bound with that flag if the program really needs more. "
            + registered_summary(run)
        )

    def _early_end_message(self, status: Optional[int], run: ProgramRun) -> str:
        if status is not None and status < 0:
            try:
                how = f"was killed by signal {signal.Signals(-status).name}"
            except ValueError:
                how = f"was killed by signal {-status}"
            if self._memory_error_in_output():
                how += f" after running out of memory (--max-memory {self.limits.memory_mib:g})"
        else:
            how = f"exited with status {status} (os._exit, or a crash of the interpreter)"
        return (
            f"the judged program's process {how} before the program finished, so nothing after "
            "that point was checked. " + registered_summary(run)
        )

    def _memory_error_in_output(self) -> bool:
        return b"MemoryError" in self._output or b"bad_alloc" in self._output


def registered_summary(run: ProgramRun) -> str:
    """One sentence naming what the program had registered (the first `SUMMARY_LIMIT`)."""
    if not run.resources:
        return "It had registered no resources."
    named = [f"{r.type} {r.name}" for r in run.resources[:SUMMARY_LIMIT]]
    more = len(run.resources) - len(named)
    tail = f" and {more} more (a --format json report lists every one)" if more else ""
    return f"It had registered {len(run.resources)} resource(s): {', '.join(named)}{tail}."


PROGRAM_MISTAKES = frozenset({
    "NameError", "UnboundLocalError", "SyntaxError", "IndentationError", "TabError",
    "ImportError", "ModuleNotFoundError",
})  # fmt: skip
"""Errors no unanswered invoke can cause (a name, the code's syntax, an import): the program's own
mistake, said as such even when it had asked for something offline cannot answer."""


def describe_failure(
    ended: Mapping[str, Any], program_dir: Path, run: ProgramRun, limits: Limits
) -> str:
    """What went wrong, from the child's "failed" event, with the run's secrets scrubbed."""
    failure = ended["failure"]
    message = run.scrub(ended["message"])
    if failure == "stopped":  # the program's own error (a pulumi.RunError): its message is enough
        return message
    where = f" (at {ended['where']})" if ended.get("where") else ""
    failed = f"the program in {program_dir} "
    if failure == "exited":
        return (
            f"{failed}called sys.exit({message}){where} before it finished, so nothing after "
            "that point was checked. " + registered_summary(run)
        )
    if failure == "memory":
        return (
            f"{failed}ran out of the memory the checker allows{where} "
            f"(--max-memory {limits.memory_mib}). " + registered_summary(run)
        )
    module = ended.get("module") or ""
    if ended.get("error") == "ModuleNotFoundError" and module.startswith("pulumi_"):
        return (
            f"{failed}failed{where}: it needs the Python package {module}, which this checker's "
            "environment does not have, so it could not be run and nothing in it was checked. "
            f"Install {module.replace('_', '-')} beside the checker to check such programs "
            "(the policies know the classic provider's AKS resources, but this checker is only "
            "tested with the packages of its own `program` extra)"
        )
    problem = f"{ended.get('error')}: {message}"
    unanswered = sorted({invoke.token for invoke in run.unanswered_invokes})
    if not unanswered or ended.get("error") in PROGRAM_MISTAKES:
        return f"{failed}failed{where}: {problem}. " + registered_summary(run)
    return (
        f"{failed}failed{where} after asking for {', '.join(unanswered)}, which the offline "
        "preview cannot answer: a program that needs such a result at once (a plain, blocking "
        "invoke) can only be previewed by `pulumi preview` with cloud credentials. The error "
        f"was: {problem}. " + registered_summary(run)
    )
