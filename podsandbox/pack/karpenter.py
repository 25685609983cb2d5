"""What the pack requires of any Karpenter node class and node pool that makes Kata nodes.

Karpenter's AKSNodeClass and NodePool are Kubernetes objects, not AKS agent pools, so the pool
policies never see them; these apply `podsandbox.rules.karpenter` to them, whichever program
declares them. The NodePool policies are stack policies: whether a NodePool makes Kata nodes
depends on the node class it names.
"""

from __future__ import annotations

from collections.abc import Mapping
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

from podsandbox.pack.metadata import KARPENTER_DOC, KARPENTER_TAGS
from podsandbox.rules import karpenter


def _spec(props: Any) -> Mapping[str, Any]:
    spec = props.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _validate_node_class(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type in karpenter.NODE_CLASS_TYPES:
        for message in karpenter.node_class_problems(_spec(args.props)):
            report_violation(message, None)


KARPENTER_NODE_CLASS_KATA = ResourceValidationPolicy(
    name="karpenter-node-class-kata",
    description="A Karpenter AKSNodeClass with workloadRuntime KataVmIsolation must use "
    "imageFamily AzureLinux, without FIPS or Trusted Launch.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=KARPENTER_TAGS,
    remediation_steps=(
        "Set imageFamily: AzureLinux on the AKSNodeClass and leave fipsMode out (or set it to "
        "Disabled): AKS publishes its Kata image for Azure Linux 3 only, and none with FIPS."
    ),
    url=KARPENTER_DOC,
    validate=_validate_node_class,
)


def _kata_node_pools(args: StackValidationArgs) -> list[tuple[Any, Mapping[str, Any]]]:
    """The stack's NodePools whose nodes are made of one of its Kata AKSNodeClasses."""
    kata_classes = set()
    for resource in args.resources:
        if resource.resource_type in karpenter.NODE_CLASS_TYPES:
            metadata = resource.props.get("metadata") or {}
            if karpenter.is_kata_node_class(_spec(resource.props)):
                kata_classes.add(metadata.get("name"))
    return [
        (resource, _spec(resource.props))
        for resource in args.resources
        if resource.resource_type == karpenter.NODE_POOL_TYPE
        and karpenter.node_class_name(_spec(resource.props)) in kata_classes
    ]


def _validate_node_pool_sizes(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for resource, spec in _kata_node_pools(args):
        wrong = karpenter.ineligible_sizes(spec)
        if wrong:
            report_violation(
                "NodePool of a Kata AKSNodeClass allows VM sizes that cannot run Kata: "
                + "; ".join(wrong),
                resource.urn,
            )


KARPENTER_NODE_POOL_KATA_SIZES = StackValidationPolicy(
    name="karpenter-node-pool-kata-sizes",
    description="A Karpenter NodePool of a Kata AKSNodeClass may allow only VM sizes the "
    "catalog knows as Generation 2 with nested virtualization, of series version 3 or later "
    "(the only ones Karpenter offers Kata).",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=KARPENTER_TAGS,
    remediation_steps=(
        "Keep the NodePool's instance-type, sku-name and sku-series requirements to eligible "
        "sizes (`podsandbox vm-size NAME` checks one), e.g. karpenter.azure.com/sku-series In "
        "[Ds_v5, Das_v5]."
    ),
    url=KARPENTER_DOC,
    validate=_validate_node_pool_sizes,
)


def _validate_node_pool_constrained(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    for resource, spec in _kata_node_pools(args):
        if not karpenter.constrains_instances(spec):
            report_violation(
                "NodePool of a Kata AKSNodeClass does not say which VM sizes it may use: Karpenter "
                "filters them to Generation 2 sizes with nested virtualization itself, but the "
                f"plan should say so, e.g. {karpenter.SERIES_LABEL} In the eligible series",
                resource.urn,
            )


KARPENTER_NODE_POOL_UNCONSTRAINED = StackValidationPolicy(
    name="karpenter-node-pool-unconstrained",
    description="A Karpenter NodePool of a Kata AKSNodeClass should say which VM sizes it may use.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    tags=KARPENTER_TAGS,
    remediation_steps=(
        "Add a requirement on karpenter.azure.com/sku-series (or sku-name) with the eligible "
        "series; this project's NodePool lists them from its VM catalog."
    ),
    url=KARPENTER_DOC,
    validate=_validate_node_pool_constrained,
)


def _validate_node_pool_tainted(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    taint = karpenter.KATA_TAINT
    for resource, spec in _kata_node_pools(args):
        if not karpenter.repelling_taints(spec):
            report_violation(
                "NodePool of a Kata AKSNodeClass has no NoSchedule or NoExecute taint: any pending "
                "pod that fits it, sandboxed or not, makes Karpenter start a Kata node and may "
                "land on one; add spec.template.spec.taints: [{key: "
                f'{taint.key}, value: "{taint.value}", effect: {taint.effect}}}] and tolerate '
                "it in the sandboxed workloads",
                resource.urn,
            )


KARPENTER_NODE_POOL_KATA_TAINT = StackValidationPolicy(
    name="karpenter-node-pool-kata-taint",
    description="A Karpenter NodePool of a Kata AKSNodeClass should taint its nodes (NoSchedule "
    "or NoExecute), so that only the pods that tolerate it start and use Kata nodes.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=KARPENTER_TAGS,
    remediation_steps=(
        "Add a taint to the NodePool's spec.template.spec.taints, e.g. podsandbox.io/kata=true "
        "with effect NoSchedule (this project's NodePool carries it), and the matching "
        "toleration to the sandboxed workloads: Karpenter uses a NodePool only for pods that "
        "tolerate its taints."
    ),
    url=KARPENTER_DOC,
    validate=_validate_node_pool_tainted,
)
