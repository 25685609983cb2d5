"""The offline preview: run the program for a stack under mocks and report what it would create."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Optional

from podsandbox import default_project_dir
from podsandbox.preview.policy_evaluator import evaluate
from podsandbox.preview.recorder import (
    ProgramFailedError,
    ProgramRun,
    RegisteredResource,
    run_program,
)
from podsandbox.preview.report import PreviewReport
from podsandbox.preview.stack_files import load_stack_config
from podsandbox.rules.stack_settings import SKIP_VALIDATION_ENV


def tree_order(resources: list[RegisteredResource]) -> list[RegisteredResource]:
    """Parents before children, siblings by type and name: a stable order for reports.

    Registrations reach the engine concurrently, so their arrival order varies between runs.
    """
    children: dict[Optional[str], list[RegisteredResource]] = {}
    for resource in resources:
        children.setdefault(resource.parent, []).append(resource)
    ordered: list[RegisteredResource] = []

    def visit(parent: Optional[str]) -> None:
        for child in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            ordered.append(child)
            visit(child.urn)

    visit(None)
    return ordered


@contextmanager
def _environment(name: str, value: Optional[str]) -> Iterator[None]:
    """`name=value` in the environment for the duration (nothing when `value` is None)."""
    previous = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def offline_preview(
    stack: Optional[str] = None,
    config_file: Optional[Path] = None,
    program_dir: Optional[Path] = None,
    policy_config: Optional[Path] = None,
    skip_validation: bool = False,
) -> PreviewReport:
    """Run the program for a stack with no CLI and no Azure, then the policy pack over it.

    Raises on invalid input: `ProjectError`, `PolicyConfigError`, or the program's own errors.
    """
    program_dir = program_dir or default_project_dir()
    stack_config = load_stack_config(program_dir, stack, config_file)
    with _environment(SKIP_VALIDATION_ENV, "true" if skip_validation else None):
        run = run_program(
            program_dir,
            stack_config.project,
            stack_config.stack,
            stack_config.config,
            main=stack_config.main,
            secret_keys=stack_config.secret_keys,
        )
    if run.errors:
        raise ProgramLoggedError(run)
    run.resources = tree_order(run.resources)
    # Free text can quote a value that is secret elsewhere (a warning the program logs, a
    # violation that names a value): each is scrubbed of the run's secret values.
    violations = [
        replace(violation, message=run.scrub(violation.message))
        for violation in evaluate(run, policy_config)
    ]
    warnings = [
        f"{stack_config.source.name} sets {key}, which Pulumi.yaml does not declare "
        "(the program ignores it)"
        for key in stack_config.undeclared
    ] + [run.scrub(warning) for warning in run.warnings]
    run.infos = [run.scrub(info) for info in run.infos]
    # A value secret in one place can be plain in another (a resource's input that is another's
    # secret output): the values reports show are scrubbed too. Policies saw them as they were.
    run.resources = [replace(r, inputs=run.scrub_value(r.inputs)) for r in run.resources]
    run.invokes = [replace(i, args=run.scrub_value(i.args)) for i in run.invokes]
    run.outputs = {
        name: replace(output, value=run.scrub_value(output.value))
        for name, output in run.outputs.items()
    }
    return PreviewReport(
        run=run, stack_file=stack_config.source, warnings=warnings, violations=violations
    )


class ProgramLoggedError(Exception):
    """The program logged an error (`pulumi.log.error`) and finished: the check fails (exit 2),
    though the Pulumi CLI itself would still succeed (pulumi/pulumi #5085)."""

    def __init__(self, run: ProgramRun) -> None:
        super().__init__(
            f"the program logged {len(run.errors)} error(s) with pulumi.log.error, which fails "
            "this check (the Pulumi CLI prints them and still succeeds, pulumi/pulumi#5085): "
            + "; ".join(run.scrub(error) for error in run.errors)
        )
        self.run = run


def describe_failure(failure: ProgramFailedError, program_dir: Path) -> str:
    """A one-paragraph account of a failed program: what, where, and what was not answerable."""
    error = failure.error
    where = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).resolve().is_relative_to(program_dir.resolve()):
            where = f" (at {Path(frame.filename).name}:{frame.lineno})"
    failed = f"the program in {program_dir} failed{where}"
    module = error.name or "" if isinstance(error, ModuleNotFoundError) else ""
    if module.startswith("pulumi_"):
        return (
            f"{failed}: it needs the Python package {module}, which this checker's "
            "environment does not have, so it could not be run and nothing in it was checked. "
            f"Install {module.replace('_', '-')} beside the checker to check such programs "
            "(the policies know the classic provider's AKS resources, but this checker is only "
            "tested with the packages of its own `program` extra)"
        )
    problem = failure.run.scrub(f"{type(error).__name__}: {error}")
    unanswered = sorted({invoke.token for invoke in failure.run.unanswered_invokes})
    if not unanswered:
        return f"{failed}: {problem}"
    return (
        f"{failed} after asking for {', '.join(unanswered)}, which the offline preview cannot "
        "answer: a program that needs such a result at once (a plain, blocking invoke) can "
        f"only be previewed by `pulumi preview` with cloud credentials. The error was: {problem}"
    )
