"""The offline preview: run the program for a stack under mocks and report what it would create."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from podsandbox import vmsizes
from podsandbox.offline import SECRET, UNKNOWN, ProgramRun, RegisteredResource, run_program
from podsandbox.policies import Violation, evaluate
from podsandbox.pools import SandboxingPool, sandboxing_pools
from podsandbox.project import load_stack_config
from podsandbox.settings import SKIP_VALIDATION_ENV

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""This repository: the program the preview runs by default."""

KEY_INPUTS = (
    "resourceGroupName",
    "resourceName",
    "agentPoolName",
    "location",
    "kubernetesVersion",
    "orchestratorVersion",
    "vmSize",
    "osType",
    "osSKU",
    "workloadRuntime",
    "count",
    "mode",
    "runtimeClassName",
    "providerNamespace",
    "featureName",
)
"""Inputs the text report shows (the JSON report has them all)."""


@dataclass
class PreviewReport:
    """What `podsandbox preview` prints, in either format."""

    run: ProgramRun
    stack_file: Path
    warnings: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def pools(self) -> list[tuple[RegisteredResource, SandboxingPool]]:
        return [
            (resource, pool)
            for resource in self.run.resources
            for pool in sandboxing_pools(resource.type, resource.inputs)
        ]

    def summary(self) -> dict[str, Any]:
        by_type: dict[str, int] = {}
        for resource in self.run.resources:
            by_type[resource.type] = by_type.get(resource.type, 0) + 1
        return {
            "create": len(self.run.resources),
            "byType": by_type,
            "sandboxingPools": [_pool_summary(resource, pool) for resource, pool in self.pools],
            "warnings": self.warnings,
            "unansweredInvokes": [
                {"token": invoke.token, "args": invoke.args}
                for invoke in self.run.unanswered_invokes
            ],
            "mandatoryViolations": self.mandatory_violations,
        }

    @property
    def mandatory_violations(self) -> int:
        return sum(1 for violation in self.violations if violation.enforcement == "mandatory")

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.run.stack,
            "resources": [
                {
                    "urn": resource.urn,
                    "type": resource.type,
                    "name": resource.name,
                    "parent": resource.parent,
                    "inputs": _jsonable(resource.inputs),
                }
                for resource in self.run.resources
            ],
            "outputs": {name: _jsonable(output.value) for name, output in self.run.outputs.items()},
            "violations": [violation.to_dict() for violation in self.violations],
            "summary": self.summary(),
        }

    def to_text(self) -> str:
        lines = [
            f"Offline preview of stack {self.run.stack} (project {self.run.project}, "
            f"{self.stack_file.name}); no Pulumi CLI, no Azure.",
            "",
            f"Resources: {len(self.run.resources)} to create",
        ]
        depth = _depths(self.run.resources)
        for resource in self.run.resources:
            indent = "  " * depth[resource.urn]
            flag = " [protected]" if resource.protect else ""
            lines.append(f"  + {indent}{resource.type}  {resource.name}{flag}")
            for key, value in _key_inputs(resource.inputs):
                lines.append(f"      {indent}{key}: {_show(value)}")
        lines += ["", "Sandboxing pools:"]
        if not self.pools:
            lines.append("  (none)")
        for resource, pool in self.pools:
            info = _pool_summary(resource, pool)
            lines.append(
                f"  {info['pool']} on {resource.name}: {info['vmSize']} x{_show(info['count'])}, "
                f"{info['osSKU']}, {info['workloadRuntime']} (RuntimeClass "
                f"{info['runtimeClassName']}), Kubernetes {info['kubernetesVersion']}"
            )
            lines.append(f"    VM size: {info['vmSizeVerdict']} - {info['vmSizeReason']}")
        lines += ["", "Outputs:"]
        lines += [f"  {name}: {_show(output.value)}" for name, output in self.run.outputs.items()]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  ! {warning}" for warning in self.warnings]
        if self.run.unanswered_invokes:
            lines += ["", "Not answered offline (checked only by a real `pulumi preview`):"]
            lines += [
                f"  ? {invoke.token} {json.dumps(invoke.args, sort_keys=True, default=str)}"
                for invoke in self.run.unanswered_invokes
            ]
        mandatory = self.mandatory_violations
        lines += [
            "",
            f"Policy violations: {len(self.violations)} ({mandatory} mandatory)"
            if self.violations
            else "Policy violations: none",
        ]
        names = {resource.urn: resource.name for resource in self.run.resources}
        for violation in sorted(self.violations, key=lambda v: v.enforcement != "mandatory"):
            where = names.get(violation.urn, "stack")
            detail = violation.message.replace("\n", "\n      ")
            lines.append(f"  [{violation.enforcement}] {violation.policy} ({where})")
            lines.append(f"      {detail}")
        return "\n".join(lines)


def _key_inputs(inputs: dict[str, Any]) -> list[tuple[str, Any]]:
    """The inputs the text report shows: top-level ones, and a Kubernetes object's spec ones."""
    found = [(key, inputs[key]) for key in KEY_INPUTS if key in inputs]
    metadata, spec = inputs.get("metadata"), inputs.get("spec")
    if isinstance(metadata, dict) and "namespace" in metadata:
        found.append(("namespace", metadata["namespace"]))
    if isinstance(spec, dict):
        found += [(key, spec[key]) for key in KEY_INPUTS if key in spec]
    return found


def _pool_summary(resource: RegisteredResource, pool: SandboxingPool) -> dict[str, Any]:
    verdict, reason = "unknown", "the VM size is not known offline"
    vm_size = pool.value("vm_size")
    if isinstance(vm_size, str):
        try:
            size = vmsizes.check_size(vm_size)
            verdict, reason = size.status.value, size.reason
        except vmsizes.SizeNameError as error:
            verdict, reason = "invalid", str(error)
    versions = pool.kubernetes_versions()
    return {
        "urn": resource.urn,
        "pool": _jsonable(pool.value("name")),
        "mode": _jsonable(pool.value("mode")),
        "vmSize": _jsonable(vm_size),
        "vmSizeVerdict": verdict,
        "vmSizeReason": reason,
        "osSKU": _jsonable(pool.value("os_sku")),
        "count": _jsonable(pool.value("count")),
        "workloadRuntime": pool.runtime.workload_runtime,
        "runtimeClassName": pool.runtime.runtime_class_name,
        "nodeLabel": pool.runtime.node_label,
        "legacy": pool.runtime.legacy,
        "kubernetesVersion": _jsonable(versions[-1][1]) if versions else "AKS default",
    }


def _depths(resources: list[RegisteredResource]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for resource in resources:  # tree order: parents come before their children
        depth[resource.urn] = depth.get(resource.parent or "", -1) + 1
    return depth


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


def _jsonable(value: Any) -> Any:
    if value is SECRET or value is UNKNOWN:
        return repr(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def _show(value: Any) -> str:
    shown = _jsonable(value)
    return shown if isinstance(shown, str) else json.dumps(shown)


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
    program_dir: Path = PROJECT_DIR,
    policy_config: Optional[Path] = None,
    skip_validation: bool = False,
) -> PreviewReport:
    """Run the program for a stack with no CLI and no Azure, then the policy pack over it.

    Raises on invalid input: `ProjectError`, `PolicyConfigError`, or the program's own errors.
    """
    stack_config = load_stack_config(program_dir, stack, config_file)
    with _environment(SKIP_VALIDATION_ENV, "true" if skip_validation else None):
        run = run_program(
            program_dir, stack_config.project, stack_config.stack, stack_config.config
        )
    run.resources = tree_order(run.resources)
    violations = evaluate(run, policy_config)
    warnings = [
        f"{stack_config.source.name} sets {key}, which Pulumi.yaml does not declare "
        "(the program ignores it)"
        for key in stack_config.undeclared
    ] + run.warnings
    return PreviewReport(
        run=run, stack_file=stack_config.source, warnings=warnings, violations=violations
    )
