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


def creation_order(resources: list[RegisteredResource]) -> list[RegisteredResource]:
    """The resources as a tree in the order the engine can create them: parents before their
    children, and among siblings, a subtree before the subtrees that depend on it; ties by type
    and name (registrations arrive concurrently, so their arrival order varies between runs).

    Every resource is kept: one whose parent was never registered counts as a root, and a cycle
    (only a forged registration can make one) is broken by the tie order.
    """
    urns = {resource.urn for resource in resources}
    children: dict[Optional[str], list[RegisteredResource]] = {}
    for resource in resources:
        parent = resource.parent if resource.parent in urns else None
        children.setdefault(parent, []).append(resource)
    needs = {resource.urn: resource.dependencies for resource in resources}
    ordered: list[RegisteredResource] = []
    seen: set[str] = set()
    pending: list[RegisteredResource] = list(
        reversed(_siblings_in_order(children.get(None, []), children, needs))
    )
    while pending:  # depth first, without recursion (a program may nest deeply)
        resource = pending.pop()
        if resource.urn in seen:
            continue
        seen.add(resource.urn)
        ordered.append(resource)
        pending += reversed(_siblings_in_order(children.get(resource.urn, []), children, needs))
    return ordered + [resource for resource in resources if resource.urn not in seen]


def _subtree(urn: str, children: dict[Optional[str], list[RegisteredResource]]) -> set[str]:
    """The URNs of a resource and everything under it."""
    found, pending = {urn}, [urn]
    while pending:
        for child in children.get(pending.pop(), []):
            if child.urn not in found:
                found.add(child.urn)
                pending.append(child.urn)
    return found


def _siblings_in_order(
    siblings: list[RegisteredResource],
    children: dict[Optional[str], list[RegisteredResource]],
    needs: dict[str, tuple[str, ...]],
) -> list[RegisteredResource]:
    """Siblings with each one's subtree before the subtrees that depend on it (Kahn's sort, ties
    by type and name). Subtrees are walked only where there is an order to find: a single child
    (a chain of nesting) costs nothing."""
    ranked = sorted(siblings, key=lambda r: (r.type, r.name, r.urn))
    if len(ranked) < 2:
        return ranked
    depends: dict[str, set[str]] = {}
    members = {r.urn: _subtree(r.urn, children) for r in ranked}
    for resource in ranked:
        needed = {dep for urn in members[resource.urn] for dep in needs.get(urn, ())}
        depends[resource.urn] = {
            other.urn
            for other in ranked
            if other.urn != resource.urn and needed & members[other.urn]
        }
    ordered: list[RegisteredResource] = []
    placed: set[str] = set()
    while len(ordered) < len(ranked):
        ready = [r for r in ranked if r.urn not in placed and depends[r.urn] <= placed]
        # A cycle: the first left in tie order goes next.
        chosen = ready[0] if ready else next(r for r in ranked if r.urn not in placed)
        ordered.append(chosen)
        placed.add(chosen.urn)
    return ordered


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

    run.resources = creation_order(run.resources)
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
    warnings = list(dict.fromkeys(warnings))  # each once, however often it was logged
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
