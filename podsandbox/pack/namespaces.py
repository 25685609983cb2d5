"""Untrusted namespaces: where a workload really lands, and the policies that require workloads
there to be sandboxed.

A workload that sets no namespace lands in its provider's (or its kubeconfig's), which only the
engine's view of the provider tells; several families (runtime classes, the guardrail advice)
need that answer and the stack's untrusted namespaces, so both are worked out once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyProviderResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from podsandbox.guardrail import plan
from podsandbox.pack.metadata import RUNTIME_CLASS_DOC, WORKLOAD_TAGS
from podsandbox.pack.policy_config import (
    UNTRUSTED_WORKLOAD_CONFIG,
    configured_classes,
    configured_untrusted,
)
from podsandbox.pack.unchecked import NotCheckedError
from podsandbox.rules import aks, patches, policy_checks, workloads

NAMESPACE = "kubernetes:core/v1:Namespace"
ADMISSION_GROUP = "kubernetes:admissionregistration.k8s.io/"


class NamespaceNotKnownError(NotCheckedError):
    """Where a workload lands cannot be known: the policy is reported as not run for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ("metadata", "namespace"))


def _kubeconfig_document(kubeconfig: Any) -> Optional[dict[str, Any]]:
    """The kubeconfig a provider was given, when the pack can read it: pulumi-kubernetes takes
    `kubeconfig` as a path or as contents (YAML or JSON text, or an object:
    provider/pkg/provider/util.go, `parseKubeconfigPropertyValue`, `pathOrContents`). A path the
    pack cannot read (the policy runs apart from the program's files), so it is None, as is
    anything that is not a kubeconfig mapping."""
    document = kubeconfig
    if isinstance(kubeconfig, str):
        try:
            document = yaml.safe_load(kubeconfig)
        except yaml.YAMLError:
            return None
    return dict(document) if isinstance(document, dict) else None


def kubeconfig_namespace(kubeconfig: Any, context: Any) -> tuple[bool, Optional[str]]:
    """(whether the active context can be read, its namespace): the provider's `context`
    argument, else the kubeconfig's `current-context` (util.go, `getActiveClusterFromConfig`;
    the `cluster` argument picks a cluster, not a namespace). A context the kubeconfig does not
    hold cannot be read."""
    document = _kubeconfig_document(kubeconfig)
    if document is None:
        return False, None
    active = context if isinstance(context, str) and context else document.get("current-context")
    for entry in document.get("contexts") or []:
        if isinstance(entry, dict) and entry.get("name") == active:
            body = entry.get("context") or {}
            namespace = body.get("namespace") if isinstance(body, dict) else None
            return True, namespace if isinstance(namespace, str) and namespace else None
    return False, None


def provider_landing_namespace(provider: Optional[PolicyProviderResource]) -> Optional[str]:
    """Where the provider puts an object that sets no namespace (its `namespace` argument, else
    its kubeconfig's active context's, else "default" for a kubeconfig read in full); None when
    that cannot be known (no provider view, an ambient or unreadable kubeconfig)."""
    if provider is None:
        return None
    kubeconfig = provider.props.get("kubeconfig")
    readable, namespace = (
        kubeconfig_namespace(kubeconfig, provider.props.get("context"))
        if kubeconfig
        else (False, None)
    )
    found = workloads.provider_namespace(
        provider.props.get("namespace"), namespace, has_kubeconfig=readable
    )
    return found if isinstance(found, str) else None


def landing_workload(
    resource_type: str,
    props: Any,
    name: str,
    provider: Optional[PolicyProviderResource],
    classes: dict[str, aks.RuntimeGeneration],
) -> Optional[workloads.Workload]:
    """The workload, with the namespace it really lands in (its provider's when it sets none).

    Raises the policy SDK's `UnknownValueError` when that namespace cannot be known (an ambient
    or unreadable kubeconfig, or a provider input unknown during preview): the engine then
    reports the policy as not run, and the offline preview lists it as not checked, never
    assumed "default".
    """
    workload = workloads.workload_of(resource_type, props, None, classes)
    if workload is None or workload.declared_namespace is not None:
        return workload
    namespace = provider_landing_namespace(provider)
    if namespace is None:
        raise NamespaceNotKnownError(
            f"{workload.kind} {name} sets no metadata.namespace and the namespace its "
            "provider puts it in cannot be known here (the provider reads an ambient "
            "kubeconfig, a kubeconfig path or context the pack cannot read, or its inputs are "
            "not known yet); set metadata.namespace, or the provider's namespace"
        )
    return workloads.workload_of(resource_type, props, namespace, classes)


def declared_namespaces(args: StackValidationArgs) -> dict[str, tuple[dict[str, str], str]]:
    """The Namespaces the stack declares by name: their labels and URN."""
    declared = {}
    for resource in args.resources:
        metadata = resource.props.get("metadata") or {}
        if resource.resource_type == NAMESPACE and isinstance(metadata.get("name"), str):
            labels = {k: str(v) for k, v in (metadata.get("labels") or {}).items()}
            declared[metadata["name"]] = (labels, resource.urn)
    return declared


def _namespace_patches(args: StackValidationArgs) -> list[tuple[Any, str, Any]]:
    """The stack's Namespace patches with a name: each with its name and the labels it sets."""
    found = []
    for resource in args.resources:
        props = resource.props
        if workloads.is_patch(resource.resource_type, props) and workloads.object_kind(
            resource.resource_type, props
        ) == ("core", "Namespace"):
            metadata = props.get("metadata")
            name = metadata.get("name") if isinstance(metadata, Mapping) else None
            if isinstance(name, str) and name:
                found.append((resource, name, patches.namespace_labels(props)))
    return found


def program_untrusted(
    args: StackValidationArgs, declared: dict[str, tuple[dict[str, str], str]]
) -> set[str]:
    """What the program itself declares untrusted, like the config's: its Namespaces with the
    untrusted label, those a Namespace patch of the stack labels so, and every namespace an
    admission binding of the program (a SandboxGuardrail's included) selects by name, so that
    the pack never judges fewer namespaces than the guardrail the program deploys."""
    found = {name for name, (labels, _) in declared.items() if plan.is_labelled_untrusted(labels)}
    for _, name, labels in _namespace_patches(args):
        if plan.is_labelled_untrusted(labels):
            found.add(name)
    for resource in args.resources:
        kind = resource.resource_type
        if kind.startswith(ADMISSION_GROUP) and kind.endswith(":" + plan.BINDING_KIND):
            found |= plan.named_namespaces(resource.props)
    return found


def untrusted_in_stack(
    args: StackValidationArgs, declared: dict[str, tuple[dict[str, str], str]]
) -> list[str]:
    """The config's untrusted namespaces and those the program declares untrusted (its
    Namespaces and Namespace patches with the label, the names its admission bindings select)."""
    return sorted({*configured_untrusted(args.get_config()), *program_untrusted(args, declared)})


def _validate_untrusted_namespace(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    config = args.get_config()
    namespaces = configured_untrusted(config)
    workload = landing_workload(
        args.resource_type, args.props, args.name, args.provider, configured_classes(config)
    )
    if workload is None or workload.other_runtime_class is not None:
        return  # another class: custom-runtime-class-sandboxed judges it with the stack's view
    for message in policy_checks.workload_in_untrusted_namespace(workload, namespaces):
        report_violation(message, None)


UNTRUSTED_NAMESPACE_SANDBOXED = ResourceValidationPolicy(
    name="untrusted-namespace-sandboxed",
    description="Workloads in namespaces configured as untrusted must use a sandboxing "
    "RuntimeClass.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Set spec.runtimeClassName: kata-vm-isolation on workloads in untrusted namespaces "
        "(or move trusted workloads out of them); without it the pod shares the node's "
        "kernel."
    ),
    url=RUNTIME_CLASS_DOC,
    validate=_validate_untrusted_namespace,
    config_schema=UNTRUSTED_WORKLOAD_CONFIG,
)


def _validate_labelled_namespace(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    config = args.get_config()
    labelled = program_untrusted(args, declared_namespaces(args)) - set(
        configured_untrusted(config)
    )
    # (the configured ones are the resource policy's)
    if not labelled:
        return
    classes = configured_classes(config)
    for resource in args.resources:
        try:
            workload = landing_workload(
                resource.resource_type, resource.props, resource.name, resource.provider, classes
            )
        except NamespaceNotKnownError:
            continue  # untrusted-namespace-sandboxed reports it as not checked
        if workload is None or workload.other_runtime_class is not None:
            continue  # another class: custom-runtime-class-sandboxed judges it
        for message in policy_checks.workload_in_untrusted_namespace(workload, labelled):
            report_violation(message, resource.urn)


LABELLED_NAMESPACE_SANDBOXED = StackValidationPolicy(
    name="labelled-namespace-sandboxed",
    description="Workloads in namespaces the stack labels podsandbox.io/untrusted=true, or that "
    "an admission binding of the stack selects by name, must use a sandboxing RuntimeClass, as "
    "in the configured untrusted namespaces.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Set spec.runtimeClassName: kata-vm-isolation on workloads in namespaces labelled "
        "podsandbox.io/untrusted=true (the in-cluster guardrail guards them too), or remove "
        "the label from a namespace that is not untrusted."
    ),
    url=RUNTIME_CLASS_DOC,
    validate=_validate_labelled_namespace,
    config_schema=UNTRUSTED_WORKLOAD_CONFIG,
)


def _validate_namespace_patches(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    untrusted = set(untrusted_in_stack(args, declared_namespaces(args)))
    for resource, name, labels in _namespace_patches(args):
        for message in patches.namespace_label_problems(name, labels, name in untrusted):
            report_violation(message, resource.urn)


UNTRUSTED_NAMESPACE_PATCH = StackValidationPolicy(
    name="untrusted-namespace-patch",
    description="A Namespace patch of a namespace the pack treats as untrusted (configured, "
    'or labelled podsandbox.io/untrusted=true by the stack) keeps that label "true" when it '
    "sets it, and sets no Pod Security label to privileged.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    tags=WORKLOAD_TAGS,
    remediation_steps=(
        "Do not patch an untrusted namespace's podsandbox.io/untrusted label to anything but "
        '"true", nor its pod-security.kubernetes.io/enforce, audit or warn label to privileged: '
        "either takes the namespace out of the guardrail or lets host access in."
    ),
    url=RUNTIME_CLASS_DOC,
    validate=_validate_namespace_patches,
    config_schema=UNTRUSTED_WORKLOAD_CONFIG,
)
