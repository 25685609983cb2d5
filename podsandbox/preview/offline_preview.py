"""The offline preview: run the program for a stack under mocks and report what it would create."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from podsandbox import default_project_dir
from podsandbox.preview.program_process import (
    Limits,
    ProgramError,
    ProgramRequest,
    RunningProgram,
)
from podsandbox.preview.stack_files import StackConfig, load_stack_config

if TYPE_CHECKING:  # imported at run time only once the program's process has started
    from podsandbox.preview.policy_evaluator import Analyzer
    from podsandbox.preview.recorder import ProgramRun, RegisteredResource
    from podsandbox.preview.report import PreviewReport


def tree_order(resources: list[RegisteredResource]) -> list[RegisteredResource]:
    """Parents before children, siblings by type and name: a stable order for reports.

    Registrations reach the engine concurrently, so their arrival order varies between runs.
    Every resource is kept: one whose parent was never registered counts as a root.
    """
    urns = {resource.urn for resource in resources}
    children: dict[Optional[str], list[RegisteredResource]] = {}
    for resource in resources:
        parent = resource.parent if resource.parent in urns else None
        children.setdefault(parent, []).append(resource)
    ordered: list[RegisteredResource] = []
    seen: set[int] = set()
    pending = sorted(children.get(None, []), key=_sibling_order, reverse=True)
    while pending:  # depth first, without recursion (a program may nest deeply)
        resource = pending.pop()
        if id(resource) in seen:
            continue
        seen.add(id(resource))
        ordered.append(resource)
        pending += sorted(children.get(resource.urn, []), key=_sibling_order, reverse=True)
    # What is left sits in a cycle of parents (only a forged registration can): kept, at the end.
    return ordered + [resource for resource in resources if id(resource) not in seen]


def _sibling_order(resource: RegisteredResource) -> tuple[str, str]:
    return (resource.type, resource.name)


def offline_preview(
    stack: Optional[str] = None,
    config_file: Optional[Path] = None,
    program_dir: Optional[Path] = None,
    policy_config: Optional[Path] = None,
    skip_validation: bool = False,
    limits: Optional[Limits] = None,
) -> PreviewReport:
    """Run the program for a stack with no CLI and no Azure, in a process of its own within
    `limits` (default `Limits()`), then the policy pack over what it registered.

    Raises on invalid input: `ProjectError`, `PolicyConfigError`, or `ProgramError` (the program
    failed, stopped early, exceeded a bound or logged an error).
    """
    limits = limits or Limits()
    program_dir = (program_dir or default_project_dir()).resolve()
    stack_config = load_stack_config(program_dir, stack, config_file)
    running = RunningProgram.start(
        ProgramRequest(
            program_dir=program_dir,
            project=stack_config.project,
            stack=stack_config.stack,
            config=stack_config.config,
            main=stack_config.main,
            secret_keys=stack_config.secret_keys,
            skip_validation=skip_validation,
            memory_mib=limits.memory_mib,
        ),
        limits,
    )
    try:
        # While the program runs: the pack and its config, read and checked (the SDKs import).
        from podsandbox.preview.policy_evaluator import prepared_analyzer

        analyzer = prepared_analyzer(policy_config)
    except BaseException:
        running.stop()
        raise
    run = running.finish()
    if run.errors:
        raise ProgramError(
            f"the program logged {len(run.errors)} error(s) with pulumi.log.error, which fails "
            "this check (the Pulumi CLI prints them and still succeeds, pulumi/pulumi#5085): "
            + "; ".join(run.scrub(error) for error in run.errors),
            run,
        )
    return judge(run, stack_config, analyzer)


def judge(run: ProgramRun, stack_config: StackConfig, analyzer: Analyzer) -> PreviewReport:
    """The report on a finished run: the policies' violations, and everything shown scrubbed."""
    from podsandbox.preview.report import PreviewReport

    run.resources = tree_order(run.resources)
    # Free text can quote a value that is secret elsewhere (a warning the program logs, a
    # violation that names a value): each is scrubbed of the run's secret values.
    violations = [
        replace(violation, message=run.scrub(violation.message))
        for violation in analyzer.analyze(run)
    ]
    warnings = [
        f"{stack_config.source.name} sets {key}, which Pulumi.yaml does not declare "
        "(the program ignores it)"
        for key in stack_config.undeclared
    ] + [run.scrub(warning) for warning in run.warnings]
    run.infos = [run.scrub(info) for info in run.infos]
    run.output = run.scrub(run.output)
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
