"""The offline preview: run the program for a stack under mocks and report what it would create."""

from __future__ import annotations

import heapq
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
from podsandbox.stack.files import ProjectError, StackConfig, load_stack_config

if TYPE_CHECKING:  # imported at run time only once the program's process has started
    from podsandbox.preview.policy_evaluator import Analyzer
    from podsandbox.preview.records import ProgramRun, RegisteredResource
    from podsandbox.preview.report import PreviewReport


def creation_order(resources: list[RegisteredResource]) -> list[RegisteredResource]:
    """The resources as a tree in the order the engine can create them: parents before their
    children, and among siblings, a subtree before the subtrees that depend on it (its resources'
    dependencies and providers); ties by type
    and name (registrations arrive concurrently, so their arrival order varies between runs).

    Every resource is kept: one whose parent was never registered counts as a root, and a cycle
    (only a forged registration can make one) is broken by the tie order. A dependency orders the
    two siblings whose subtrees hold its ends (the children of the ends' lowest common ancestor,
    found by binary lifting): O((resources + dependencies) log resources), whatever the tree's
    shape.
    """
    tree = _Tree(resources)
    before: dict[str, set[str]] = {}  # sibling: the siblings whose subtrees it needs first
    for resource in resources:
        # The provider is a dependency too: the engine creates it before what it manages (a
        # reference is the provider's URN, "::" and its id).
        provider = [resource.provider.rsplit("::", 1)[0]] if resource.provider else []
        for needed in [*resource.dependencies, *provider]:
            pair = tree.sibling_subtrees(resource.urn, needed)
            if pair is not None:
                before.setdefault(pair[0], set()).add(pair[1])
    ordered: list[RegisteredResource] = []
    seen: set[str] = set()
    pending = list(reversed(_siblings_in_order(tree.children.get(None, []), before)))
    while pending:  # depth first, without recursion (a program may nest deeply)
        resource = pending.pop()
        if resource.urn in seen:
            continue
        seen.add(resource.urn)
        ordered.append(resource)
        pending += reversed(_siblings_in_order(tree.children.get(resource.urn, []), before))
    return ordered + [resource for resource in resources if resource.urn not in seen]


class _Tree:
    """The resources' parent tree (a resource whose parent was never registered is a root),
    with what finds, for two resources, the siblings whose subtrees hold them."""

    def __init__(self, resources: list[RegisteredResource]) -> None:
        urns = {resource.urn for resource in resources}
        self.parent: dict[str, Optional[str]] = {}
        self.children: dict[Optional[str], list[RegisteredResource]] = {}
        for resource in resources:
            parent = resource.parent if resource.parent in urns else None
            self.parent.setdefault(resource.urn, parent)
            self.children.setdefault(parent, []).append(resource)
        # Pre-order intervals: `a` holds `b` when b's entry lies within a's. A resource in a
        # parent cycle is reached from no root and gets none: it orders nothing.
        self.entry: dict[str, int] = {}
        self.exit: dict[str, int] = {}
        stack: list[tuple[str, bool]] = [(r.urn, False) for r in self.children.get(None, [])]
        while stack:
            urn, done = stack.pop()
            if done:
                self.exit[urn] = len(self.entry)
            elif urn not in self.entry:
                self.entry[urn] = len(self.entry)
                stack.append((urn, True))
                stack += [(child.urn, False) for child in self.children.get(urn, [])]
        # up[k][urn]: the 2**k-th ancestor (None above a root).
        self.up: list[dict[str, Optional[str]]] = [{urn: self.parent[urn] for urn in self.entry}]
        while any(value is not None for value in self.up[-1].values()):
            last = self.up[-1]
            self.up.append({u: (last[a] if a is not None else None) for u, a in last.items()})

    def _holds(self, ancestor: str, urn: str) -> bool:
        return self.entry[ancestor] <= self.entry[urn] < self.exit[ancestor]

    def _top_without(self, urn: str, other: str) -> str:
        """The highest ancestor of `urn` (itself included) that does not hold `other`."""
        for level in reversed(self.up):
            ancestor = level[urn]
            if ancestor is not None and not self._holds(ancestor, other):
                urn = ancestor
        return urn

    def sibling_subtrees(self, urn: str, needed: str) -> Optional[tuple[str, str]]:
        """The siblings whose subtrees hold `urn` and `needed`; None when one holds the other (the
        tree orders them already), or either is unknown."""
        if urn not in self.entry or needed not in self.entry:
            return None
        if self._holds(urn, needed) or self._holds(needed, urn):
            return None
        return self._top_without(urn, needed), self._top_without(needed, urn)


def _siblings_in_order(
    siblings: list[RegisteredResource], before: dict[str, set[str]]
) -> list[RegisteredResource]:
    """Siblings with each one's subtree before the subtrees that depend on it (Kahn's sort, ties
    by type and name)."""
    ranked = sorted(siblings, key=lambda r: (r.type, r.name, r.urn))
    if len(ranked) < 2:
        return ranked
    rank = {resource.urn: index for index, resource in enumerate(ranked)}
    waiting = {r.urn: len(before.get(r.urn, set()) & rank.keys()) for r in ranked}
    unblocks: dict[str, list[str]] = {}
    for resource in ranked:
        for needed in before.get(resource.urn, set()) & rank.keys():
            unblocks.setdefault(needed, []).append(resource.urn)
    ready = [rank[urn] for urn, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[RegisteredResource] = []
    placed: set[str] = set()
    next_unplaced = 0
    while len(placed) < len(rank):  # a URN registered twice is placed once
        if ready:
            chosen = ranked[heapq.heappop(ready)]
        else:  # a cycle: the first left in tie order goes next
            while ranked[next_unplaced].urn in placed:
                next_unplaced += 1
            chosen = ranked[next_unplaced]
        if chosen.urn in placed:
            continue
        ordered.append(chosen)
        placed.add(chosen.urn)
        for dependent in unblocks.get(chosen.urn, []):
            waiting[dependent] -= 1
            if waiting[dependent] == 0 and dependent not in placed:
                heapq.heappush(ready, rank[dependent])
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
    program_dir = _program_directory(program_dir or default_project_dir())
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
        # While the child starts and confines itself: the pack and its config, read and checked,
        # and every module of the verdict and the reports, loaded before the program runs.
        from podsandbox.preview.policy_evaluator import prepared_analyzer

        analyzer = prepared_analyzer(policy_config)
        load_verdict_modules()
    except BaseException:
        running.stop()
        raise
    running.release()
    try:
        run = running.finish()
    except ProgramError as error:
        error.stack_file = (stack_config.source, stack_config.text)
        raise
    if run.errors:
        raise ProgramError(
            f"the program logged {len(run.errors)} error(s) with pulumi.log.error, which fails "
            "this check (the Pulumi CLI prints them and still succeeds, pulumi/pulumi#5085): "
            + "; ".join(run.scrub(error) for error in run.errors),
            run,
        )
    return judge(run, stack_config, analyzer, running.started + limits.timeout_seconds)


def _program_directory(given: Path) -> Path:
    """`--program`, resolved; a loop of symbolic links is a `ProjectError`, not a traceback (a
    file or FIFO is refused by `read_project`: not a directory)."""
    try:
        return given.resolve()
    except (OSError, RuntimeError) as error:  # RuntimeError: Python 3.11's "Symlink loop"
        raise ProjectError(
            f"--program {given} cannot be resolved ({error}): a loop of symbolic links? Give the "
            "folder of a Pulumi project (its Pulumi.yaml), e.g. --program ./infra"
        ) from None


def load_verdict_modules() -> None:
    """Import what judges and reports a run, so that it is in memory before the program starts:
    even where the program could change the checker's files, nothing loaded after it ran decides
    the verdict."""
    import podsandbox.preview.output_files
    import podsandbox.preview.records
    import podsandbox.preview.report
    import podsandbox.preview.report.errors  # noqa: F401


def judge(
    run: ProgramRun,
    stack_config: StackConfig,
    analyzer: Analyzer,
    deadline: Optional[float] = None,
) -> PreviewReport:
    """The report on a finished run: the policies' violations, and everything shown scrubbed.
    Past `deadline` (the program's start plus `--timeout`), a `ProgramError`: the whole check,
    the checker's own judging included, ends within `--timeout`."""
    from podsandbox.preview.policy_evaluator import OutOfTimeError
    from podsandbox.preview.report import PreviewReport

    run.resources = creation_order(run.resources)
    try:
        judged = analyzer.analyze(run, deadline)
    except OutOfTimeError as late:
        raise ProgramError(
            f"the check did not finish within --timeout ({late}): the judged program registered "
            "more than the policies could judge in that time. Raise --timeout if the program "
            "really registers that much.",
            run,
        ) from None
    # Free text can quote a value that is secret elsewhere (a warning the program logs, a
    # violation that names a value): each is scrubbed of the run's secret values.
    violations = [replace(violation, message=run.scrub(violation.message)) for violation in judged]
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
        run=run,
        stack_file=stack_config.source,
        warnings=warnings,
        violations=violations,
        stack_text=stack_config.text,
    )
