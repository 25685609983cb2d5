"""RuntimeClasses other than AKS's: the stack policies that decide whether such a class sandboxes
its pods, and hold those pods to the sandboxed-pod rules.

A resource policy sees one resource, not the RuntimeClass its pod names; these are stack
policies because whether a class is a sandboxing one depends on what the stack declares (a Kata
handler and a sandboxing node label) or on the policy's config.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from podsandbox.pack.metadata import KATA_LIMITATIONS, RUNTIME_CLASS_DOC, WORKLOAD_TAGS
from podsandbox.pack.namespaces import (
    NamespaceNotKnownError,
    declared_namespaces,
    landing_workload,
    untrusted_in_stack,
)
from podsandbox.pack.policy_config import (
    SANDBOXING_RUNTIME_CLASSES,
    UNTRUSTED_WORKLOAD_CONFIG,
    WORKLOAD_CONFIG,
    configured_classes,
)
from podsandbox.rules import aks, policy_checks, workloads


def _declared_classes(args: StackValidationArgs) -> dict[str, workloads.DeclaredRuntimeClass]:
    """The RuntimeClasses the stack declares, by name."""
    found = {}
    for resource in args.resources:
        declared = workloads.declared_runtime_class(resource.resource_type, resource.props)
        if declared is not None:
            found[declared.name] = declared
    return found


def sandboxing_classes(args: StackValidationArgs) -> dict[str, aks.RuntimeGeneration]:
    """The sandboxing classes besides AKS's: the config's, and the stack's own Kata classes."""
    classes = configured_classes(args.get_config())
    for name, declared in _declared_classes(args).items():
        if declared.sandboxing is not None:
            classes.setdefault(name, declared.sandboxing)
    return classes


def _custom_class_workloads(
    args: StackValidationArgs,
) -> list[tuple[Any, workloads.Workload]]:
    """The stack's workloads whose RuntimeClass is neither AKS's nor the config's, with the
    stack's own sandboxing classes known: each with its resource."""
    configured = configured_classes(args.get_config())
    classes = sandboxing_classes(args)
    found = []
    for resource in args.resources:
        plain = workloads.workload_of(resource.resource_type, resource.props, None, configured)
        if plain is not None and plain.other_runtime_class is not None:
            workload = workloads.workload_of(resource.resource_type, resource.props, None, classes)
            assert workload is not None
            found.append((resource, workload))
    return found


def _validate_custom_class_sandboxed(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    namespaces = untrusted_in_stack(args, declared_namespaces(args))
    declared = _declared_classes(args)
    classes = sandboxing_classes(args)
    for resource, workload in _custom_class_workloads(args):
        if workload.sandboxing_runtime is not None:
            for check in (policy_checks.workload_host_network, policy_checks.workload_memory_limit):
                for message in check(workload):
                    report_violation(message, resource.urn)
            continue
        try:
            landed = landing_workload(
                resource.resource_type, resource.props, resource.name, resource.provider, classes
            )
        except NamespaceNotKnownError:
            continue  # untrusted-namespace-sandboxed reports it as not checked
        assert landed is not None
        name = str(workload.runtime_class_name)
        reason = (
            declared[name].why_not_sandboxing()
            if name in declared
            else f"this stack declares no RuntimeClass {name}, and the policy's "
            f"{SANDBOXING_RUNTIME_CLASSES} config does not name it"
        )
        for message in policy_checks.workload_in_untrusted_namespace(landed, namespaces, reason):
            report_violation(message, resource.urn)


CUSTOM_RUNTIME_CLASS_SANDBOXED = StackValidationPolicy(
    name="custom-runtime-class-sandboxed",
    description="A workload whose RuntimeClass is not AKS's is sandboxed only when the "
    "stack declares that class with a Kata handler and a sandboxing node label (or the "
    "config names it); then it must meet the sandboxed-pod rules.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Declare the RuntimeClass in the stack with handler kata (or kata-*) and "
        'scheduling.nodeSelector kubernetes.azure.com/kata-vm-isolation: "true", or name '
        "it in sandboxingRuntimeClasses; its pods need memory limits (at least 128Mi) and "
        "no hostNetwork, as with kata-vm-isolation."
    ),
    url=RUNTIME_CLASS_DOC,
    validate=_validate_custom_class_sandboxed,
    config_schema=UNTRUSTED_WORKLOAD_CONFIG,
)


def _validate_custom_class_advice(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    for resource, workload in _custom_class_workloads(args):
        if workload.sandboxing_runtime is not None:
            for check in (policy_checks.workload_cpu_limit, policy_checks.workload_host_features):
                for message in check(workload):
                    report_violation(message, resource.urn)


CUSTOM_RUNTIME_CLASS_ADVICE = StackValidationPolicy(
    name="custom-runtime-class-advice",
    description="A pod with a sandboxing RuntimeClass the stack declares should set CPU "
    "limits equal to requests and avoid host features, as with kata-vm-isolation.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Set resources.limits.cpu equal to requests, and drop hostPID, hostIPC, privileged, "
        "hostPath and subPath, on pods of the stack's own sandboxing RuntimeClasses."
    ),
    url=KATA_LIMITATIONS,
    validate=_validate_custom_class_advice,
    config_schema=WORKLOAD_CONFIG,
)


def _validate_reserved_names(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    declared = workloads.declared_runtime_class(args.resource_type, args.props)
    problem = workloads.reserved_class_problem(declared) if declared is not None else None
    if problem is not None:
        report_violation(problem, None)


AKS_RUNTIME_CLASS_RESERVED = ResourceValidationPolicy(
    name="aks-runtime-class-reserved",
    description="A RuntimeClass the stack declares under AKS's sandboxing class names "
    "(kata-vm-isolation, kata-mshv-vm-isolation) must keep AKS's handler, kata.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Do not declare kata-vm-isolation or kata-mshv-vm-isolation yourself: AKS creates them "
        "on clusters with a sandboxing pool. Declare your own class under another name."
    ),
    url=RUNTIME_CLASS_DOC,
    validate=_validate_reserved_names,
)
