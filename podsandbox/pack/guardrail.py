"""The in-cluster guardrail advice: an untrusted namespace should have an admission policy bound.

The pack judges only what Pulumi declares; a workload applied with kubectl, Helm or a GitOps
controller never reaches it. This stack policy asks for the ValidatingAdmissionPolicy that
checks those too, and reads its bindings with the guardrail's own plan
(`podsandbox.guardrail.plan`), so that the advice and the deployed guardrail agree on which
namespaces a binding selects.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from podsandbox.guardrail import plan
from podsandbox.pack.metadata import ADMISSION_POLICY_DOC, WORKLOAD_TAGS
from podsandbox.pack.namespaces import (
    ADMISSION_GROUP,
    NAMESPACE,
    declared_namespaces,
    untrusted_in_stack,
)
from podsandbox.pack.policy_config import UNTRUSTED_NAMESPACES, untrusted_namespaces
from podsandbox.rules import workloads


def _validate_guardrail(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Each untrusted namespace the stack declares, or puts workloads in, needs an admission
    policy bound to it: the pack sees only what Pulumi declares."""
    declared = declared_namespaces(args)
    namespaces = untrusted_in_stack(args, declared)
    policies: set[Any] = set()
    bindings: list[Any] = []
    touched: dict[str, str] = {}  # untrusted namespace: the urn to report on
    for resource in args.resources:
        kind = resource.resource_type
        metadata = resource.props.get("metadata") or {}
        if kind.startswith(ADMISSION_GROUP) and kind.endswith(":ValidatingAdmissionPolicy"):
            policies.add(metadata.get("name"))
        elif kind.startswith(ADMISSION_GROUP) and kind.endswith(":" + plan.BINDING_KIND):
            bindings.append(resource.props)
        elif kind != NAMESPACE:
            workload = workloads.workload_of(kind, resource.props)
            landing = workload.declared_namespace if workload is not None else None
            if landing is not None and landing in namespaces:
                touched.setdefault(landing, resource.urn)
    for name, (_, urn) in declared.items():
        if name in namespaces:
            touched[name] = urn
    for name, urn in touched.items():
        labels = declared.get(name, ({}, ""))[0]
        if not any(
            (binding.get("spec") or {}).get("policyName") in policies
            and plan.binding_guards(binding, name, labels)
            for binding in bindings
        ):
            report_violation(
                f"namespace {name} is untrusted, but no ValidatingAdmissionPolicy of this stack is "
                "bound to it: workloads applied outside Pulumi (kubectl, Helm, a GitOps "
                "controller, an agent's tooling) are not checked there",
                urn,
            )


UNTRUSTED_NAMESPACE_GUARDRAIL = StackValidationPolicy(
    name="untrusted-namespace-guardrail",
    description="An untrusted namespace should have an admission policy bound to it, so that "
    "workloads applied outside Pulumi are checked too.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Deploy the SandboxGuardrail component (a ValidatingAdmissionPolicy and its bindings) "
        "for the untrusted namespaces; this project does so unless guardrail is false."
    ),
    url=ADMISSION_POLICY_DOC,
    validate=_validate_guardrail,
    config_schema=PolicyConfigSchema(properties={UNTRUSTED_NAMESPACES: untrusted_namespaces()}),
)
