"""What a sandboxed pod may do: the pack's policies on pods of AKS's sandboxing RuntimeClasses.

Each resource policy judges one workload whose RuntimeClass is a sandboxing one (AKS's, or one
the policy's config names) with one check of `podsandbox.rules.policy_checks`. Pods of classes
the stack declares itself are judged with the stack's view, in `runtime_classes`.
"""

from __future__ import annotations

from collections.abc import Callable

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from podsandbox.pack.metadata import AKS_DOC, KATA_LIMITATIONS, WORKLOAD_TAGS
from podsandbox.pack.policy_config import WORKLOAD_CONFIG, configured_classes
from podsandbox.rules import policy_checks, workloads

WorkloadCheck = Callable[[workloads.Workload], list[str]]


def _sandboxed_workload_validation(
    check: WorkloadCheck,
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """Runs `check` on workloads whose RuntimeClass is a sandboxing one: AKS's, or one the
    policy's config names. (Classes the program declares: `custom-runtime-class-*`, which see
    the whole stack.)"""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        classes = configured_classes(args.get_config())
        workload = workloads.workload_of(args.resource_type, args.props, None, classes)
        if workload is not None and workload.sandboxing_runtime is not None:
            for message in check(workload):
                report_violation(message, None)

    return validate


SANDBOXED_POD_NO_HOST_NETWORK = ResourceValidationPolicy(
    name="sandboxed-pod-no-host-network",
    description="A pod with a sandboxing RuntimeClass cannot use host networking.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Remove hostNetwork from the pod spec, or run the workload without a sandboxing "
        "RuntimeClass if it really needs the host's network."
    ),
    url=AKS_DOC,
    validate=_sandboxed_workload_validation(policy_checks.workload_host_network),
    config_schema=WORKLOAD_CONFIG,
)

SANDBOXED_POD_MEMORY_LIMIT = ResourceValidationPolicy(
    name="sandboxed-pod-memory-limit",
    description="A pod with a sandboxing RuntimeClass must set memory limits of at least "
    "128Mi in total: the limit sizes its VM.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Set resources.limits.memory on every container, at least 128Mi for the pod in "
        "total; the memory limit sizes the sandbox VM."
    ),
    url=AKS_DOC,
    validate=_sandboxed_workload_validation(policy_checks.workload_memory_limit),
    config_schema=WORKLOAD_CONFIG,
)

SANDBOXED_POD_CPU_LIMIT = ResourceValidationPolicy(
    name="sandboxed-pod-cpu-limit",
    description="A pod with a sandboxing RuntimeClass should set CPU limits, with requests "
    "equal to limits.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Set resources.limits.cpu on every container and make requests equal to limits; the "
        "CPU limit sizes the sandbox VM's vCPUs."
    ),
    url=AKS_DOC,
    validate=_sandboxed_workload_validation(policy_checks.workload_cpu_limit),
    config_schema=WORKLOAD_CONFIG,
)

SANDBOXED_POD_HOST_FEATURES = ResourceValidationPolicy(
    name="sandboxed-pod-host-features",
    description="hostPID, hostIPC, privileged, hostPath and subPath behave differently (or "
    "not at all) inside a Kata sandbox.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Drop hostPID, hostIPC, privileged, hostPath volumes and volumeMounts[].subPath from "
        "sandboxed pods, or check that their behaviour inside the Kata VM is what the "
        "workload needs."
    ),
    url=KATA_LIMITATIONS,
    validate=_sandboxed_workload_validation(policy_checks.workload_host_features),
    config_schema=WORKLOAD_CONFIG,
)
