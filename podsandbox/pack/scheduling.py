"""Whether the stack's sandboxed pods have a sandboxing pool to schedule onto: stack policies.

A pod of a sandboxing RuntimeClass schedules only onto nodes of the matching runtime; a stack
that creates the cluster or its pools can say whether it provides them. Both policies are
advisory, because another stack may provide the pool.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from podsandbox.pack.metadata import AKS_DOC, STACK_TAGS
from podsandbox.pack.policy_config import WORKLOAD_CONFIG
from podsandbox.pack.runtime_classes import sandboxing_classes
from podsandbox.rules import pools, workloads


def _stack_view(
    args: StackValidationArgs,
) -> tuple[bool, list[pools.SandboxingPool], list[tuple[str, workloads.Workload]]]:
    """Whether the stack creates clusters or pools; its sandboxing pools; its sandboxed pods."""
    creates_pools = False
    found_pools: list[pools.SandboxingPool] = []
    sandboxed: list[tuple[str, workloads.Workload]] = []
    classes = sandboxing_classes(args)
    for resource in args.resources:
        if pools.declares_cluster_or_pool(resource.resource_type, resource.props):
            creates_pools = True
            found_pools += pools.sandboxing_pools(resource.resource_type, resource.props)
        workload = workloads.workload_of(resource.resource_type, resource.props, None, classes)
        if workload is not None and workload.sandboxing_runtime is not None:
            sandboxed.append((resource.urn, workload))
    return creates_pools, found_pools, sandboxed


def _validate_pool_exists(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    creates_pools, found_pools, sandboxed = _stack_view(args)
    if not creates_pools or found_pools:
        return
    for urn, workload in sandboxed:
        report_violation(
            f"{workload.kind} uses RuntimeClass {workload.runtime_class_name}, but this stack "
            "creates clusters or node pools and none of them is a sandboxing pool "
            "(workloadRuntime KataVmIsolation); the pod will not schedule unless another "
            "stack provides one",
            urn,
        )


SANDBOXED_WORKLOAD_NEEDS_SANDBOXING_POOL = StackValidationPolicy(
    name="sandboxed-workload-needs-sandboxing-pool",
    description="A stack that creates clusters or node pools and sandboxed workloads should "
    "create a sandboxing pool for them.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=STACK_TAGS,
    remediation_steps=(
        "Add a node pool with workloadRuntime KataVmIsolation to the stack, or make sure "
        "another stack provides one for these workloads."
    ),
    url=AKS_DOC,
    validate=_validate_pool_exists,
    config_schema=WORKLOAD_CONFIG,
)


def _validate_generation(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    _, found_pools, sandboxed = _stack_view(args)
    runtimes = {pool.runtime for pool in found_pools}
    if not runtimes:
        return
    expected = " or ".join(sorted(runtime.runtime_class_name for runtime in runtimes))
    for urn, workload in sandboxed:
        if workload.sandboxing_runtime not in runtimes:
            report_violation(
                f"{workload.kind} uses RuntimeClass {workload.runtime_class_name}, but this "
                f"stack's sandboxing pools run "
                f"{', '.join(sorted(r.workload_runtime for r in runtimes))}; use {expected}",
                urn,
            )


RUNTIME_CLASS_MATCHES_POOL_GENERATION = StackValidationPolicy(
    name="runtime-class-matches-pool-generation",
    description="A sandboxed workload's RuntimeClass should match the generation of the "
    "stack's sandboxing pools.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=STACK_TAGS,
    remediation_steps=(
        "Use the RuntimeClass of the stack's pools: kata-vm-isolation for KataVmIsolation, "
        "kata-mshv-vm-isolation for KataMshvVmIsolation."
    ),
    url=AKS_DOC,
    validate=_validate_generation,
    config_schema=WORKLOAD_CONFIG,
)
