"""The policies of the AKS Pod Sandboxing pack, importable without starting the pack's server.

`policy/__main__.py` builds the pack from them; the offline preview evaluates them; the bundle
(`podsandbox policy bundle`) ships them with the rules.

Every check comes from the rules package (`podsandbox.rules.policy_checks`, over
`podsandbox.rules.aks`, `podsandbox.rules.vmsizes`, ...), the same one the Pulumi program and its
components validate with: no table is copied here. The pack's environment installs that package
(see requirements.txt); `python -m podsandbox policy bundle DIR` copies it in for publishing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Optional

import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyProviderResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from podsandbox.guardrail import plan as guardrail
from podsandbox.rules import aks, karpenter, policy_checks, pools, workloads

PACK_NAME = "aks-pod-sandboxing"
PACK_VERSION = "0.2.0"
"""The pack's version (policy/PulumiPolicy.yaml): Pulumi Cloud refuses to publish one twice."""
PACK_DESCRIPTION = (
    "What Azure requires of an AKS Pod Sandboxing node pool and what a sandboxed pod may do."
)
AKS_DOC = "https://learn.microsoft.com/azure/aks/use-pod-sandboxing"
"""Pod Sandboxing with AKS: requirements (OS SKU, VM sizes, versions) and limitations."""
KATA_LIMITATIONS = (
    "https://github.com/kata-containers/kata-containers/blob/main/docs/Limitations.md"
)
"""How Kata Containers treats host namespaces, privileged containers, hostPath and subPath."""
RUNTIME_CLASS_DOC = "https://kubernetes.io/docs/concepts/containers/runtime-class/"
"""Kubernetes RuntimeClass: how a pod opts into a sandboxing runtime."""
ADMISSION_POLICY_DOC = (
    "https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/"
)
"""Kubernetes ValidatingAdmissionPolicy: rules the API server enforces on every request."""
POOL_TAGS = ["aks", "pod-sandboxing", "node-pool"]
WORKLOAD_TAGS = ["aks", "pod-sandboxing", "kata", "workload"]
STACK_TAGS = ["aks", "pod-sandboxing", "stack"]

ALLOWED_VM_SIZES = "allowedVmSizes"
UNTRUSTED_NAMESPACES = "untrustedNamespaces"
DEFAULT_UNTRUSTED_NAMESPACES = [workloads.DEFAULT_UNTRUSTED_NAMESPACE]
SANDBOXING_RUNTIME_CLASSES = "sandboxingRuntimeClasses"
"""Config of every workload policy: sandboxing RuntimeClasses besides AKS's, by name, with the
workloadRuntime of the nodes they schedule onto. A policy sees only its own config (the CLI's
`all` key sets enforcement levels only), so a team sets it on each workload policy."""

PoolCheck = Callable[[pools.SandboxingPool], list[str]]
WorkloadCheck = Callable[[workloads.Workload], list[str]]


def _pool_validation(check: PoolCheck) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for pool in pools.sandboxing_pools(args.resource_type, args.props):
            for message in check(pool):
                report_violation(message, None)

    return validate


def _configured_classes(config: Any) -> dict[str, aks.RuntimeGeneration]:
    return workloads.configured_classes(config.get(SANDBOXING_RUNTIME_CLASSES))


def _sandboxed_workload_validation(
    check: WorkloadCheck,
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """Runs `check` on workloads whose RuntimeClass is a sandboxing one: AKS's, or one the
    policy's config names. (Classes the program declares: `custom-runtime-class-*`, which see
    the whole stack.)"""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        classes = _configured_classes(args.get_config())
        workload = workloads.workload_of(args.resource_type, args.props, None, classes)
        if workload is not None and workload.sandboxing_runtime is not None:
            for message in check(workload):
                report_violation(message, None)

    return validate


def _validate_vm_size(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    allowed = args.get_config().get(ALLOWED_VM_SIZES) or []
    for pool in pools.sandboxing_pools(args.resource_type, args.props):
        for message in policy_checks.pool_vm_size(pool, allowed):
            report_violation(message, None)


def _validate_readable(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for reason in pools.unreadable_pools(args.resource_type, args.props):
        report_violation(f"{args.resource_type} {args.name}: {reason}", None)


class NamespaceNotKnownError(UnknownValueError):
    """The policy SDK's "value not known" error, with our message: the engine (and the offline
    preview) then report the policy as not run for this resource, with that message."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.unknown_type_sentinel = ""
        self.props = ["metadata", "namespace"]
        self.message = message


def _kubeconfig_namespace(kubeconfig: str) -> Optional[str]:
    """The namespace of a kubeconfig's current context, if it names one."""
    try:
        document = yaml.safe_load(kubeconfig)
    except yaml.YAMLError:
        return None
    if not isinstance(document, dict):
        return None
    for context in document.get("contexts") or []:
        if isinstance(context, dict) and context.get("name") == document.get("current-context"):
            namespace = (context.get("context") or {}).get("namespace")
            return namespace if isinstance(namespace, str) else None
    return None


def _landing_workload(
    resource_type: str,
    props: Any,
    name: str,
    provider: Optional[PolicyProviderResource],
    classes: dict[str, aks.RuntimeGeneration],
) -> Optional[workloads.Workload]:
    """The workload, with the namespace it really lands in (its provider's when it sets none).

    Raises the policy SDK's `UnknownValueError` when that namespace cannot be known (an ambient
    kubeconfig, or a provider input unknown during preview): the engine then reports the policy
    as not run, and the offline preview lists it as not checked, never assumed "default".
    """
    workload = workloads.workload_of(resource_type, props, None, classes)
    if workload is None or workload.declared_namespace is not None:
        return workload
    namespace: Optional[str] = None
    if provider is not None:
        kubeconfig = provider.props.get("kubeconfig")
        namespace = workloads.provider_namespace(
            provider.props.get("namespace"),
            _kubeconfig_namespace(kubeconfig) if isinstance(kubeconfig, str) else None,
            has_kubeconfig=bool(kubeconfig),
        )
    if namespace is None:
        raise NamespaceNotKnownError(
            f"{workload.kind} {name} sets no metadata.namespace and the namespace its "
            "provider puts it in cannot be known here (the provider reads an ambient "
            "kubeconfig, or its inputs are not known yet); set metadata.namespace, or the "
            "provider's namespace"
        )
    return workloads.workload_of(resource_type, props, namespace, classes)


def _validate_untrusted_namespace(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    config = args.get_config()
    namespaces = _configured_untrusted(config)
    workload = _landing_workload(
        args.resource_type, args.props, args.name, args.provider, _configured_classes(config)
    )
    if workload is None or workload.other_runtime_class is not None:
        return  # another class: custom-runtime-class-sandboxed judges it with the stack's view
    for message in policy_checks.workload_in_untrusted_namespace(workload, namespaces):
        report_violation(message, None)


def _declared_classes(args: StackValidationArgs) -> dict[str, workloads.DeclaredRuntimeClass]:
    """The RuntimeClasses the stack declares, by name."""
    found = {}
    for resource in args.resources:
        declared = workloads.declared_runtime_class(resource.resource_type, resource.props)
        if declared is not None:
            found[declared.name] = declared
    return found


def _sandboxing_classes(args: StackValidationArgs) -> dict[str, aks.RuntimeGeneration]:
    """The sandboxing classes besides AKS's: the config's, and the stack's own Kata classes."""
    classes = _configured_classes(args.get_config())
    for name, declared in _declared_classes(args).items():
        if declared.sandboxing is not None:
            classes.setdefault(name, declared.sandboxing)
    return classes


def _custom_class_workloads(
    args: StackValidationArgs,
) -> list[tuple[Any, workloads.Workload]]:
    """The stack's workloads whose RuntimeClass is neither AKS's nor the config's, with the
    stack's own sandboxing classes known: each with its resource."""
    configured = _configured_classes(args.get_config())
    classes = _sandboxing_classes(args)
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
    namespaces = _untrusted_in_stack(args, _declared_namespaces(args))
    declared = _declared_classes(args)
    classes = _sandboxing_classes(args)
    for resource, workload in _custom_class_workloads(args):
        if workload.sandboxing_runtime is not None:
            for check in (policy_checks.workload_host_network, policy_checks.workload_memory_limit):
                for message in check(workload):
                    report_violation(message, resource.urn)
            continue
        try:
            landed = _landing_workload(
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


def _validate_custom_class_advice(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    for resource, workload in _custom_class_workloads(args):
        if workload.sandboxing_runtime is not None:
            for check in (policy_checks.workload_cpu_limit, policy_checks.workload_host_features):
                for message in check(workload):
                    report_violation(message, resource.urn)


def _stack_view(
    args: StackValidationArgs,
) -> tuple[bool, list[pools.SandboxingPool], list[tuple[str, workloads.Workload]]]:
    """Whether the stack creates clusters or pools; its sandboxing pools; its sandboxed pods."""
    creates_pools = False
    found_pools: list[pools.SandboxingPool] = []
    sandboxed: list[tuple[str, workloads.Workload]] = []
    classes = _sandboxing_classes(args)
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


def _runtime_classes() -> dict[str, Any]:
    """The schema of `sandboxingRuntimeClasses`."""
    return {
        "type": "object",
        "additionalProperties": {
            "type": "string",
            "enum": [runtime.workload_runtime for runtime in aks.RUNTIMES.values()],
        },
        "default": {},
        "description": "Sandboxing RuntimeClasses besides AKS's own, by name, with the "
        'workloadRuntime of the nodes they schedule onto, e.g. {"kata-dedicated": '
        '"KataVmIsolation"}. A class the stack itself declares with a Kata handler and a '
        "sandboxing node label needs no entry.",
    }


WORKLOAD_CONFIG = PolicyConfigSchema(properties={SANDBOXING_RUNTIME_CLASSES: _runtime_classes()})
"""The config every workload policy takes."""


NAMESPACE = "kubernetes:core/v1:Namespace"
ADMISSION_GROUP = "kubernetes:admissionregistration.k8s.io/"


def _declared_namespaces(args: StackValidationArgs) -> dict[str, tuple[dict[str, str], str]]:
    """The Namespaces the stack declares by name: their labels and URN."""
    declared = {}
    for resource in args.resources:
        metadata = resource.props.get("metadata") or {}
        if resource.resource_type == NAMESPACE and isinstance(metadata.get("name"), str):
            labels = {k: str(v) for k, v in (metadata.get("labels") or {}).items()}
            declared[metadata["name"]] = (labels, resource.urn)
    return declared


def _configured_untrusted(config: Any) -> list[str]:
    return list(config.get(UNTRUSTED_NAMESPACES, DEFAULT_UNTRUSTED_NAMESPACES))


def _labelled_untrusted(declared: dict[str, tuple[dict[str, str], str]]) -> set[str]:
    """Of the stack's Namespaces, those with the untrusted label: untrusted like the config's."""
    return {
        name for name, (labels, _) in declared.items() if guardrail.is_labelled_untrusted(labels)
    }


def _untrusted_in_stack(
    args: StackValidationArgs, declared: dict[str, tuple[dict[str, str], str]]
) -> list[str]:
    """The config's untrusted namespaces and those the stack labels untrusted."""
    return sorted({*_configured_untrusted(args.get_config()), *_labelled_untrusted(declared)})


def _validate_labelled_namespace(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    config = args.get_config()
    labelled = _labelled_untrusted(_declared_namespaces(args)) - set(_configured_untrusted(config))
    # (the configured ones are the resource policy's)
    if not labelled:
        return
    classes = _configured_classes(config)
    for resource in args.resources:
        try:
            workload = _landing_workload(
                resource.resource_type, resource.props, resource.name, resource.provider, classes
            )
        except NamespaceNotKnownError:
            continue  # untrusted-namespace-sandboxed reports it as not checked
        if workload is None or workload.other_runtime_class is not None:
            continue  # another class: custom-runtime-class-sandboxed judges it
        for message in policy_checks.workload_in_untrusted_namespace(workload, labelled):
            report_violation(message, resource.urn)


def _validate_guardrail(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Each untrusted namespace the stack declares, or puts workloads in, needs an admission
    policy bound to it: the pack sees only what Pulumi declares."""
    declared = _declared_namespaces(args)
    namespaces = _untrusted_in_stack(args, declared)
    policies: set[Any] = set()
    bindings: list[Any] = []
    touched: dict[str, str] = {}  # untrusted namespace: the urn to report on
    for resource in args.resources:
        kind = resource.resource_type
        metadata = resource.props.get("metadata") or {}
        if kind.startswith(ADMISSION_GROUP) and kind.endswith(":ValidatingAdmissionPolicy"):
            policies.add(metadata.get("name"))
        elif kind.startswith(ADMISSION_GROUP) and kind.endswith(":" + guardrail.BINDING_KIND):
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
            and guardrail.binding_guards(binding, name, labels)
            for binding in bindings
        ):
            report_violation(
                f"namespace {name} is untrusted, but no ValidatingAdmissionPolicy of this stack is "
                "bound to it: workloads applied outside Pulumi (kubectl, Helm, a GitOps "
                "controller, an agent's tooling) are not checked there",
                urn,
            )


KARPENTER_DOC = "https://github.com/Azure/karpenter-provider-azure/pull/1721"
KARPENTER_TAGS = ["aks", "pod-sandboxing", "karpenter"]


def _spec(props: Any) -> Mapping[str, Any]:
    spec = props.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _validate_node_class(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type in karpenter.NODE_CLASS_TYPES:
        for message in karpenter.node_class_problems(_spec(args.props)):
            report_violation(message, None)


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


def _array_of_strings(default: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": default,
        "description": description,
    }


def _untrusted_namespaces() -> dict[str, Any]:
    return _array_of_strings(
        DEFAULT_UNTRUSTED_NAMESPACES, "Namespaces whose workloads must be sandboxed."
    )


UNTRUSTED_WORKLOAD_CONFIG = PolicyConfigSchema(
    properties={
        UNTRUSTED_NAMESPACES: _untrusted_namespaces(),
        SANDBOXING_RUNTIME_CLASSES: _runtime_classes(),
    }
)
"""The config of the policies that judge untrusted namespaces' workloads."""


POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    ResourceValidationPolicy(
        name="sandbox-pool-os",
        description="A Pod Sandboxing node pool must have osType Linux and osSKU AzureLinux.",
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        tags=POOL_TAGS,
        remediation_steps=(
            "Set the pool's osType to Linux and osSku to AzureLinux, the only OS SKU that runs "
            "Kata VMs."
        ),
        url=AKS_DOC,
        validate=_pool_validation(policy_checks.pool_os),
    ),
    ResourceValidationPolicy(
        name="sandbox-pool-vm-size",
        description="A Pod Sandboxing node pool needs a Generation 2 VM size with nested "
        "virtualization; unknown or unverified sizes fail unless allowed in the config.",
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        tags=POOL_TAGS,
        remediation_steps=(
            "Use a Generation 2 x64 VM size whose series supports nested virtualization, such as "
            "Standard_D4s_v3 or Standard_D4s_v5 (`podsandbox vm-size NAME` checks one); a size "
            "the catalog cannot confirm may be allowed in allowedVmSizes once verified."
        ),
        url=AKS_DOC,
        validate=_validate_vm_size,
        config_schema=PolicyConfigSchema(
            properties={
                ALLOWED_VM_SIZES: _array_of_strings(
                    [], "Extra VM sizes to accept (e.g. a series the catalog cannot confirm)."
                )
            }
        ),
    ),
    ResourceValidationPolicy(
        name="sandbox-pool-kubernetes-version",
        description="A Pod Sandboxing cluster or pool version, when set, must meet the runtime's "
        "minimum (1.27.0 for KataVmIsolation, 1.24.0 for KataMshvVmIsolation).",
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        tags=POOL_TAGS,
        remediation_steps=(
            "Set the cluster and pool Kubernetes version to at least 1.27.0 for KataVmIsolation "
            "(1.24.0 for the legacy KataMshvVmIsolation), or leave it empty for the AKS default."
        ),
        url=AKS_DOC,
        validate=_pool_validation(policy_checks.pool_kubernetes_version),
    ),
    ResourceValidationPolicy(
        name="sandbox-pool-legacy-runtime",
        description="KataMshvVmIsolation is the deprecated preview runtime; use KataVmIsolation.",
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
        tags=POOL_TAGS,
        remediation_steps=(
            "Use workloadRuntime KataVmIsolation and RuntimeClass kata-vm-isolation, generally "
            "available since 2025-11-18; the preview runtime needs a subscription feature flag "
            "and preview API versions."
        ),
        url=AKS_DOC,
        validate=_pool_validation(policy_checks.pool_legacy_runtime),
    ),
    ResourceValidationPolicy(
        name="sandbox-pool-os-sku-unverified",
        description="AzureLinux3 is not documented for Pod Sandboxing; AzureLinux is.",
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
        tags=POOL_TAGS,
        remediation_steps=(
            "Use osSku AzureLinux, the SKU the Pod Sandboxing docs name; AzureLinux3 is not "
            "documented for it."
        ),
        url=AKS_DOC,
        validate=_pool_validation(policy_checks.pool_os_sku_unverified),
    ),
    ResourceValidationPolicy(
        name="sandbox-pool-no-fips",
        description="FIPS-enabled node pools cannot run Pod Sandboxing.",
        enforcement_level=EnforcementLevel.MANDATORY,
        severity=Severity.HIGH,
        tags=POOL_TAGS,
        remediation_steps=(
            "Turn FIPS off on the sandboxing pool and run FIPS workloads on a separate, "
            "non-sandboxing pool."
        ),
        url=AKS_DOC,
        validate=_pool_validation(policy_checks.pool_fips),
    ),
    ResourceValidationPolicy(
        name="sandbox-pool-readable",
        description="An AKS cluster or node pool whose settings the pack cannot read is not "
        "checked: it says so rather than passing in silence.",
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
        tags=POOL_TAGS,
        remediation_steps=(
            "Give the pool's settings as an object in the resource's properties, or declare it "
            "with the azure-native ManagedCluster or AgentPool types, so the pack can check it."
        ),
        url=AKS_DOC,
        validate=_validate_readable,
    ),
    ResourceValidationPolicy(
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
    ),
    ResourceValidationPolicy(
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
    ),
    ResourceValidationPolicy(
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
    ),
    ResourceValidationPolicy(
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
    ),
    ResourceValidationPolicy(
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
    ),
    StackValidationPolicy(
        name="labelled-namespace-sandboxed",
        description="Workloads in namespaces the stack labels podsandbox.io/untrusted=true must "
        "use a sandboxing RuntimeClass, as in the configured untrusted namespaces.",
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
    ),
    StackValidationPolicy(
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
    ),
    StackValidationPolicy(
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
        config_schema=PolicyConfigSchema(
            properties={UNTRUSTED_NAMESPACES: _untrusted_namespaces()}
        ),
    ),
    ResourceValidationPolicy(
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
    ),
    StackValidationPolicy(
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
    ),
    StackValidationPolicy(
        name="karpenter-node-pool-unconstrained",
        description="A Karpenter NodePool of a Kata AKSNodeClass should say which VM sizes it may "
        "use.",
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
        tags=KARPENTER_TAGS,
        remediation_steps=(
            "Add a requirement on karpenter.azure.com/sku-series (or sku-name) with the eligible "
            "series; this project's NodePool lists them from its VM catalog."
        ),
        url=KARPENTER_DOC,
        validate=_validate_node_pool_constrained,
    ),
    StackValidationPolicy(
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
    ),
    StackValidationPolicy(
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
    ),
    StackValidationPolicy(
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
    ),
]
"""Every policy of the pack, in the order they are reported."""
