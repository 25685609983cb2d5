"""`resource-type-judged`: every resource the pack does not judge is reported as not checked.

The other policies judge the forms they know; this one makes the rest visible. Each resource of
a package the table classifies (`resource_types`) is looked up: a type the pack does not judge,
or does not know, is reported as not run for that resource with the reason ("can't run policy
... during preview"), which the offline preview lists under "Not checked" (`--strict` fails).
Kubernetes objects are looked up by the kind they really are (`apiVersion`/`kind`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from podsandbox.pack import resource_types
from podsandbox.pack.metadata import AKS_DOC, STACK_TAGS
from podsandbox.pack.namespaces import provider_landing_namespace
from podsandbox.pack.policy_config import UNTRUSTED_WORKLOAD_CONFIG, configured_untrusted
from podsandbox.pack.unchecked import NotCheckedError
from podsandbox.rules import patches, pools, workloads


def _object_token(resource_type: str, props: Mapping[str, Any]) -> str:
    """The token of the kind an object really is: from its `apiVersion` and `kind` (the core
    group's `v1` as `core/v1`), and "Patch" after it for a patch (`workloads.is_patch`, as the
    provider tells one), else its own; a list's own token (its `kind` input is the list's)."""
    kind = resource_type.rsplit(":", 1)[-1]
    api_version, input_kind = props.get("apiVersion"), props.get("kind")
    patch = workloads.is_patch(resource_type, props)
    if not patch and kind.endswith("List") and resource_type in resource_types.table():
        return resource_type
    if not (isinstance(api_version, str) and isinstance(input_kind, str)):
        return resource_type
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{input_kind}{'Patch' if patch else ''}"


def _patch_not_judged(args: ResourceValidationArgs) -> Optional[str]:
    """What of a workload or Namespace patch is not judged offline: the fields it leaves unset,
    which belong to the live object; None for a patch of another kind (judged as its kind)."""
    path = workloads.pod_spec_path(args.resource_type, args.props)
    if path is not None:
        workload = workloads.workload_of(args.resource_type, args.props)
        if workload is None:
            return (
                f"a patch in which the pack reads no pod template ({'.'.join(path)}): the live "
                "object's pods are not judged offline"
            )
        unset = ", ".join(patches.unset_pod_fields(workload))
        return (
            f"a patch: what it leaves unset belongs to the live object, not judged offline: {unset}"
        )
    if workloads.object_kind(args.resource_type, args.props) != ("core", "Namespace"):
        return None
    labels = patches.unset_namespace_labels(patches.namespace_labels(args.props))
    if not labels:
        return None
    return (
        "a Namespace patch: the labels it leaves unset belong to the live namespace, not judged "
        f"offline: {', '.join(labels)}"
    )


def _workload_not_judged(token: str, props: Mapping[str, Any]) -> Optional[str]:
    """Why a workload kind's pods cannot be judged from its inputs, or None when they can."""
    if workloads.workload_of(token, props) is None:
        return "a workload kind whose pod template the pack cannot read here"
    group_kind = workloads.object_kind(token, props)
    spec = props.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    if group_kind is not None and group_kind[0] == "argoproj.io":
        body = spec.get("workflowSpec", spec) if group_kind[1] == "CronWorkflow" else spec
        body = body if isinstance(body, Mapping) else {}
        templates = body.get("templates") or []
        patched = "podSpecPatch" in body or any(
            isinstance(t, Mapping) and "podSpecPatch" in t for t in templates
        )
        if patched:
            return "sets podSpecPatch, a patch of its pods the pack does not read"
    if group_kind == ("tekton.dev", "PipelineRun") and spec.get("taskRunSpecs"):
        return "sets taskRunSpecs, per-task pod templates the pack does not read"
    return None


def _kubernetes(args: ResourceValidationArgs) -> Optional[str]:
    """Why a Kubernetes object is not checked, or None when it is judged or irrelevant."""
    token = _object_token(args.resource_type, args.props)
    row = resource_types.table().get(token)
    if row is not None and row.cls == resource_types.NOT_JUDGED:
        return row.reason
    if row is not None and row.cls == resource_types.IRRELEVANT:
        return None
    patch = workloads.is_patch(args.resource_type, args.props)
    if patch and (row is not None or workloads.pod_spec_path(token, args.props) is not None):
        return _patch_not_judged(args)
    if workloads.pod_spec_path(token, args.props) is not None:
        return _workload_not_judged(token, args.props)
    if row is not None:
        return None  # judged, and no workload: a RuntimeClass, Namespace, admission object
    group_kind = workloads.object_kind(token, args.props)
    if group_kind in workloads.DEPLOYS_ELSEWHERE:
        return workloads.DEPLOYS_ELSEWHERE[group_kind] + ", which the pack does not see"
    metadata = args.props.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    if not isinstance(namespace, str) or not namespace:
        namespace = provider_landing_namespace(args.provider)
    untrusted = configured_untrusted(args.get_config())
    if namespace is None or namespace in untrusted:
        where = f"namespace {namespace}" if namespace else "a namespace that cannot be known here"
        return (
            f"a kind the pack does not know, in {where}: whether it runs pods (and how) is not "
            "known"
        )
    return None


def _generic(args: ResourceValidationArgs) -> Optional[str]:
    """Why a generic ARM resource is not checked: judged when it is an AKS cluster or pool,
    irrelevant when its ARM namespace is a module the table classifies as a whole."""
    if pools.kind_of(args.resource_type, args.props) is not None:
        return None  # sandbox-pool-readable reports what cannot be read
    namespace = args.props.get("resourceProviderNamespace")
    row = resource_types.module_of_arm_namespace(namespace) if isinstance(namespace, str) else None
    if row is not None and row.cls == resource_types.IRRELEVANT:
        return None
    return (
        f"a generic ARM resource of {namespace}/{args.props.get('resourceType')}, which the "
        "pack does not read"
    )


def why_not_checked(args: ResourceValidationArgs) -> Optional[str]:
    """Why the pack does not check this resource, or None when it does or need not."""
    if not resource_types.classified_package(args.resource_type):
        return None
    if args.resource_type.startswith("kubernetes:"):
        return _kubernetes(args)
    if resource_types.canonical_token(args.resource_type) == pools.GENERIC_RESOURCE:
        return _generic(args)
    row = resource_types.classify(args.resource_type)
    if row is None:
        return "a type this version of the pack does not know"
    return row.reason if row.cls == resource_types.NOT_JUDGED else None


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    reason = why_not_checked(args)
    if reason is not None:
        raise NotCheckedError(f"{args.resource_type} {args.name}: {reason}")


RESOURCE_TYPE_JUDGED = ResourceValidationPolicy(
    name="resource-type-judged",
    description="A resource that can carry or change a node pool, a pod template, a "
    "RuntimeClass, a namespace or an admission object is judged, or reported as not checked.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=STACK_TAGS,
    remediation_steps=(
        "Declare node pools and workloads with the types the pack judges (azure-native "
        "ManagedCluster/AgentPool, Kubernetes workloads), or have what this resource deploys "
        "reviewed another way: the offline preview cannot judge it."
    ),
    url=AKS_DOC,
    validate=_validate,
    config_schema=UNTRUSTED_WORKLOAD_CONFIG,
)
