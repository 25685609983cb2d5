"""Run a Pulumi Python program in-process under the SDK's mock runtime, and record what it does.

This is the engine of the offline preview and of the whole-program tests: no Pulumi CLI, no
provider plugin, no Azure. The program's `__main__.py` runs as the CLI would run it (its directory
on `sys.path` and as working directory, the stack's config set); a recording monitor
(`mock_engine`) keeps every resource registration (type, name, parent, engine inputs), and the
stack outputs are read back with their secret and known flags, all in a `records.ProgramRun`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import gc
import logging
import os
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import pulumi
from pulumi.runtime import rpc

from podsandbox.preview.engine_values import live_secret_texts, redact, secret_texts, wire
from podsandbox.preview.mock_engine import OfflineMocks, RecordingMonitor
from podsandbox.preview.records import ProgramRun, StackOutput


class _MessageCollector(logging.Handler):
    """The program's `pulumi.log` errors, warnings and informational notes, apart."""

    def __init__(self, run: ProgramRun) -> None:
        super().__init__(level=logging.INFO)
        self.run = run

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            kind = "error"
        elif record.levelno >= logging.WARNING:
            kind = "warning"
        else:
            kind = "info"
        self.run.secret_values |= live_secret_texts()  # the message may quote one of them
        self.run.record(kind, record.getMessage())


def _shadowed_modules(program_dir: Path) -> dict[str, Any]:
    """Already-imported modules that a module of the program's own directory would shadow."""
    local = {path.stem for path in program_dir.glob("*.py")} | {
        path.parent.name for path in program_dir.glob("*/__init__.py")
    }
    return {
        name: module
        for name, module in sys.modules.items()
        if name.partition(".")[0] in local
        and not Path(getattr(module, "__file__", None) or "/").resolve().is_relative_to(program_dir)
    }


@contextmanager
def _program_environment(program_dir: Path) -> Iterator[None]:
    """The program's directory as cwd and first on sys.path, its own modules first in line;
    afterwards its modules are forgotten and the ones it shadowed are back."""
    shadowed = _shadowed_modules(program_dir)
    for name in shadowed:
        del sys.modules[name]
    before = set(sys.modules)
    old_cwd = os.getcwd()
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path.remove(str(program_dir))
        environment = Path(sys.prefix).resolve()  # a virtualenv may live inside the program
        for name in set(sys.modules) - before:
            module_file = Path(getattr(sys.modules[name], "__file__", None) or "/").resolve()
            if module_file.is_relative_to(program_dir) and not module_file.is_relative_to(
                environment
            ):
                del sys.modules[name]
        sys.modules.update(shadowed)


class ProgramStoppedError(pulumi.RunError):
    """The program stopped itself with a `pulumi.RunError` (a user-facing error); `run` is what
    it did until then, e.g. to scrub the run's secrets from the message."""

    def __init__(self, run: ProgramRun, error: pulumi.RunError) -> None:
        super().__init__(str(error))
        self.run = run


class ProgramFailedError(Exception):
    """The program raised something other than a `pulumi.RunError`; `run` is what it did."""

    def __init__(self, run: ProgramRun, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.run = run
        self.error = error


def run_program(
    program_dir: Path,
    project: str,
    stack: str,
    config: Mapping[str, str],
    mocks: Optional[OfflineMocks] = None,
    main: str = "__main__.py",
    secret_keys: Sequence[str] = (),
    listener: Optional[Callable[[ProgramRun, str, Any], None]] = None,
) -> ProgramRun:
    """Run the program's entry point for `stack` with qualified `config` keys; record the run.

    `main` is the entry file (Pulumi.yaml's `main`), relative to `program_dir`; `secret_keys` the
    config keys that are secret (the program reads them as secrets, reports never show them);
    `listener` is told of each record as it is made (see `ProgramRun.listener`).
    A `pulumi.RunError` from the program becomes a `ProgramStoppedError` (still a RunError, with
    the same message); any other exception a `ProgramFailedError`; both carry what the program
    did before it stopped.
    Each run gets fresh Pulumi runtime state, so runs can follow each other in one process.
    """
    program_dir = program_dir.resolve()
    entry = program_dir / main
    mocks = mocks if mocks is not None else OfflineMocks()
    run = ProgramRun(
        project=project, stack=stack, preview=mocks.preview, config=dict(config), listener=listener
    )
    run.secret_values.update(config[key] for key in secret_keys if key in config)

    def program() -> None:
        runpy.run_path(str(entry), run_name="__main__")

    # The environment lasts until every registration has resolved: the SDK reads the program's
    # modules (type hints of its components) while it finishes them.
    with _program_environment(entry.parent):
        try:
            _run_recorded(program, run, config, mocks, secret_keys)
        except pulumi.RunError as error:
            raise ProgramStoppedError(run, error) from None
        except Exception as error:
            raise ProgramFailedError(run, error) from error
    return run


def run_function(
    program: Callable[[], None],
    project: str,
    stack: str,
    config: Mapping[str, str],
    mocks: Optional[OfflineMocks] = None,
) -> ProgramRun:
    """Run `program` (code that registers resources) as a Pulumi program; record the run."""
    mocks = mocks if mocks is not None else OfflineMocks()
    run = ProgramRun(project=project, stack=stack, preview=mocks.preview, config=dict(config))
    _run_recorded(program, run, config, mocks)
    return run


def _run_recorded(
    program: Callable[[], None],
    run: ProgramRun,
    config: Mapping[str, str],
    mocks: OfflineMocks,
    secret_keys: Sequence[str] = (),
) -> None:
    contextvars.Context().run(_run_in_context, program, run, dict(config), mocks, list(secret_keys))


@atexit.register
def _close_event_loops() -> None:
    """At exit, close the event loops the SDK left open: the main thread's, and one in each
    worker thread whose mocked registrations created one (`mocks.py`, `_ensure_event_loop`).

    Left open, a loop is closed by the garbage collector during interpreter shutdown, when its
    self-pipe may already be gone: a traceback ("Invalid file descriptor: -1") on stderr.
    """
    # Instances of the loop class refer to it: found without holding every object (see
    # `engine_values.live_secret_texts`).
    for loop in gc.get_referrers(asyncio.SelectorEventLoop):
        if isinstance(loop, asyncio.AbstractEventLoop) and not loop.is_running():
            if not loop.is_closed():
                loop.close()


def _program_event_loop() -> asyncio.AbstractEventLoop:
    """The loop the SDK will run the program on: this thread's, made if there is none yet."""
    try:
        return asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop


def _quiet_abandoned_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The SDK's event loop's exception handler: a failed program's error, left in futures
    nobody awaits, is not logged again when they are collected.

    The SDK's outputs that depended on the failing one are never awaited, and its global state
    keeps them alive; when they are finally collected, each would log "Future exception was never
    retrieved" with a traceback, at a random moment: a bare traceback on the user's stderr and,
    since formatting it parses source with `ast`, a broken `ast.parse` in whatever the collection
    interrupted (CPython 3.11: "AST constructor recursion depth mismatch"). The error itself
    reaches the caller as raised. Anything else goes to the default handler.
    """
    if context.get("message") == "Future exception was never retrieved":
        return
    loop.default_exception_handler(context)


def _run_in_context(
    program: Callable[[], None],
    run: ProgramRun,
    config: dict[str, str],
    mocks: OfflineMocks,
    secret_keys: list[str],
) -> None:
    logger = logging.getLogger(f"podsandbox.preview.recorder.{id(run)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(_MessageCollector(run))
    pulumi.runtime.set_all_config(config, secret_keys)
    _program_event_loop().set_exception_handler(_quiet_abandoned_errors)
    pulumi.runtime.set_mocks(
        mocks,
        project=run.project,
        stack=run.stack,
        preview=mocks.preview,
        logger=logger,
        monitor=RecordingMonitor(mocks, run),
    )

    async def collect_outputs() -> None:
        root = pulumi.runtime.get_root_resource()
        exported: dict[str, Any] = getattr(root, "outputs", {})
        for name, value in exported.items():
            output = pulumi.Output.from_input(value)
            known = await output.is_known()
            secret = await output.is_secret()
            value = wire(await output.future()) if known else rpc.UNKNOWN
            value = rpc.wrap_rpc_secret(value) if secret else value
            run.secret_values.update(secret_texts(value))
            run.record("output", (name, StackOutput(redact(value), secret, known, value)))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run_and_collect() -> Any:
        program()
        return collect_outputs()

    try:
        run_and_collect()
    finally:
        logging.Logger.manager.loggerDict.pop(logger.name, None)
