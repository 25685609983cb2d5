"""The checks behind the policy pack, as plain functions returning violation messages.

Each takes a pool or workload view (see `pools`, `workloads`) and returns one message per problem,
naming the offending value and what is allowed instead. The policy pack wraps them into Pulumi
policies; keeping them here keeps them free of the policy SDK and next to the rules they apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from podsandbox.rules import aks, judge, sizing, vmsizes
from podsandbox.rules.pools import SandboxingPool
from podsandbox.rules.workloads import PRIVILEGED_CONTAINER_FIELDS, Workload, shown

# --- node pools ------------------------------------------------------------------------------


def pool_os(pool: SandboxingPool) -> list[str]:
    """osType Linux (or unset, which means Linux) and osSKU AzureLinux."""
    problems = []
    os_type = pool.value("os_type")
    if os_type is not None and str(os_type).lower() != aks.REQUIRED_OS_TYPE.lower():
        problems.append(
            f"{pool.label} ({pool.where('os_type')}) has osType {os_type}; "
            f"{pool.runtime.workload_runtime} needs {aks.REQUIRED_OS_TYPE}"
        )
    os_sku = pool.value("os_sku")
    if os_sku is None:
        problems.append(
            f"{pool.label} ({pool.where('os_sku')}) sets no OS SKU; "
            f"{pool.runtime.workload_runtime} needs {aks.REQUIRED_OS_SKU} set explicitly"
        )
    elif (reason := aks.os_sku_problem(str(os_sku))) is not None:
        problems.append(
            f"{pool.label} ({pool.where('os_sku')}): {reason}; use {aks.REQUIRED_OS_SKU}"
        )
    return problems


def pool_os_sku_unverified(pool: SandboxingPool) -> list[str]:
    os_sku = pool.value("os_sku")
    if not isinstance(os_sku, str):
        return []  # no OS SKU: sandbox-pool-os says so
    warning = aks.os_sku_warning(os_sku)
    return [f"{pool.label} ({pool.where('os_sku')}): {warning}"] if warning else []


def pool_vm_size(pool: SandboxingPool, allowed: Iterable[str] = ()) -> list[str]:
    """Generation 2 with nested virtualization; unknown sizes only when explicitly allowed."""
    vm_size = pool.value("vm_size")
    where = pool.where("vm_size")
    if vm_size is None:
        return [
            f"{pool.label} ({where}) sets no VM size; AKS would pick its default, which is not "
            f"checked for nested virtualization. Set one such as {aks.DEFAULT_VM_SIZE}"
        ]
    if str(vm_size).lower() in {size.lower() for size in allowed}:
        return []
    verdict, finding = judge.vm_size_verdict(str(vm_size))
    if finding is None:
        return []
    if verdict is None:  # not a size name at all
        return [f"{pool.label} ({where}) {vm_size!r} {finding.reason}; use {finding.allowed}"]
    extra = ""
    if verdict.status in (vmsizes.Status.UNKNOWN, vmsizes.Status.UNVERIFIED):
        extra = " (or add it to this policy's allowedVmSizes once you have confirmed it)"
    return [
        f"{pool.label} ({where}) uses {vm_size}: {verdict.reason}. A sandboxing pool needs "
        f"{judge.VM_SIZES_THAT_NEST}{extra}"
    ]


def pool_kubernetes_version(pool: SandboxingPool) -> list[str]:
    """Every version that applies to the pool, when set, meets the runtime's minimum."""
    problems = []
    for where, value in pool.kubernetes_versions():
        for finding in judge.kubernetes_version_findings(str(value), pool.runtime):
            minimum = pool.runtime.min_kubernetes_version_text
            advice = f"; use {minimum} or later" if finding.sandboxing_rule else ""
            problems.append(f"{pool.label}: {where} {value} {finding.reason}{advice}")
    return problems


def pool_legacy_runtime(pool: SandboxingPool) -> list[str]:
    notice = aks.legacy_runtime_warning(pool.runtime)
    return [f"{pool.label}: {notice}"] if notice else []


def pool_fips(pool: SandboxingPool) -> list[str]:
    if pool.value("fips") is True:
        return [
            f"{pool.label} ({pool.where('fips')}) enables FIPS, which Pod Sandboxing does not "
            "support; use a separate non-sandboxing pool for FIPS workloads"
        ]
    return []


# --- workloads -------------------------------------------------------------------------------


def _who(workload: Workload) -> str:
    metadata = workload.props.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    namespace = workload.namespace or "(namespace not known)"
    return f"{workload.kind} {namespace}/{name}" if name else workload.kind


def workload_host_network(workload: Workload) -> list[str]:
    if workload.pod_spec.get("hostNetwork") is True:
        return [
            f"{_who(workload)} sets {workload.where('hostNetwork')}: true with RuntimeClass "
            f"{workload.runtime_class_name}; Kata sandboxes cannot use host networking (sandbox "
            "creation fails). Remove hostNetwork or run it without sandboxing"
        ]
    return []


def _limits(container: Mapping[str, Any], section: str) -> Mapping[str, Any]:
    resources = container.get("resources")
    block = resources.get(section) if isinstance(resources, Mapping) else None
    return block if isinstance(block, Mapping) else {}


def workload_memory_limit(workload: Workload) -> list[str]:
    """Every container sets a memory limit, and the pod's total is at least 128Mi."""
    problems = []
    for container in workload.containers():
        limit = _limits(container, "limits").get("memory")
        name = container.get("name")
        if limit is None:
            if workload.patch:
                continue  # the live container's limit, which a patch leaves as it is
            problems.append(
                f"{_who(workload)}: container {name} sets no memory limit; a sandboxed pod's "
                f"memory limit sizes its VM. Set resources.limits.memory (at least 128Mi)"
            )
            continue
        try:
            sizing.parse_quantity(str(limit))
        except sizing.QuantityError as error:
            problems.append(f"{_who(workload)}: container {name}: {error}")
    if problems or workload.patch:
        return problems  # a patch: the pod's total counts containers it does not name
    blocks = [{"limits": _limits(container, "limits")} for container in workload.containers()]
    total = sizing.PodShape.from_containers(blocks).memory_limit or 0
    if total < sizing.GA_MIN_MEMORY:
        problems.append(
            f"{_who(workload)}: memory limit {sizing.format_memory(total)} is under the "
            "128Mi minimum of a sandbox (AKS rejects it: pod memory limit too low)"
        )
    return problems


def workload_cpu_limit(workload: Workload) -> list[str]:
    """Every container sets a CPU limit, and requests equal limits (what the docs advise)."""
    problems = []
    for container in workload.containers():
        name = container.get("name")
        limits, requests = _limits(container, "limits"), _limits(container, "requests")
        if limits.get("cpu") is None and not workload.patch:
            problems.append(
                f"{_who(workload)}: container {name} sets no CPU limit; the sandbox VM then "
                "gets the default vCPUs. Set resources.limits.cpu"
            )
        for resource in ("cpu", "memory"):
            limit, request = limits.get(resource), requests.get(resource)
            if limit is not None and request is not None and _differ(limit, request):
                problems.append(
                    f"{_who(workload)}: container {name} requests {resource} {request} but is "
                    f"limited to {limit}; set requests equal to limits for sandboxed pods"
                )
    return problems


def _differ(first: Any, second: Any) -> bool:
    try:
        return sizing.parse_quantity(str(first)) != sizing.parse_quantity(str(second))
    except sizing.QuantityError:
        return str(first) != str(second)


def _listed(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list field (a sequence, as the policy SDK proxies it; none when it is
    not one)."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, Mapping)]


HOST_FEATURES = {
    "hostPID": "hostPID is mapped to the sandbox VM's PID namespace, not the host's",
    "hostIPC": "hostIPC is mapped to the pod's namespaces inside the VM, not the host's",
    "privileged": "privileged applies inside the guest VM only; host devices are not passed in",
    "hostPath": "hostPath volumes are shared into the VM (discouraged); /dev paths are the guest's",
    "subPath": "volumeMounts[].subPath is not supported by Kata",
}
"""How Kata treats each host-facing pod feature (the spec's Kubernetes-side table)."""


def host_features_used(workload: Workload) -> list[str]:
    """The `HOST_FEATURES` a workload's pods use (privileged: any container, init and ephemeral
    ones too; `workloads.PRIVILEGED_CONTAINER_FIELDS`)."""
    spec = workload.pod_spec
    used = [feature for feature in ("hostPID", "hostIPC") if spec.get(feature) is True]
    containers = workload.containers()
    every = [
        container
        for field_name in PRIVILEGED_CONTAINER_FIELDS
        for container in _listed(spec.get(field_name))
    ]
    for container in every:
        context = container.get("securityContext")
        if isinstance(context, Mapping) and context.get("privileged") is True:
            used.append("privileged")
            break
    volumes = spec.get("volumes") or []
    if any(isinstance(volume, Mapping) and volume.get("hostPath") for volume in volumes):
        used.append("hostPath")
    if any(
        isinstance(mount, Mapping) and mount.get("subPath")
        for container in containers
        for mount in container.get("volumeMounts") or []
    ):
        used.append("subPath")
    return used


def workload_host_features(workload: Workload) -> list[str]:
    return [
        f"{_who(workload)} uses {feature}: {HOST_FEATURES[feature]}"
        for feature in host_features_used(workload)
    ]


def workload_in_untrusted_namespace(
    workload: Workload, namespaces: Iterable[str], reason: str = ""
) -> list[str]:
    """Callers make sure the namespace is known (a workload whose namespace cannot be known is
    reported as not checked, never judged as if it were in "default"). `reason` says why its
    RuntimeClass does not count as a sandboxing one, when that is more than its name."""
    if workload.namespace not in set(namespaces) or workload.sandboxing_runtime is not None:
        return []
    if workload.patch and "runtimeClassName" not in workload.pod_spec:
        return _patch_host_access(workload)
    classes = " or ".join([*aks.RUNTIMES_BY_CLASS, *workload.sandboxing_classes])
    because = f" ({reason})" if reason else ""
    return [
        f"{_who(workload)} runs in the untrusted namespace {workload.namespace} with "
        f"runtimeClassName {shown(workload.runtime_class_name)}{because}; it must use a sandboxing "
        f"RuntimeClass ({classes}), e.g. runtimeClassName: {aks.GA_RUNTIME.runtime_class_name}"
    ]


def host_access(workload: Workload) -> list[str]:
    """What of the node a pod spec reaches for: hostNetwork and the `HOST_FEATURES` but subPath
    (harmless on runc; Kata's limitation only)."""
    used = ["hostNetwork"] if workload.pod_spec.get("hostNetwork") is True else []
    return used + [feature for feature in host_features_used(workload) if feature != "subPath"]


def _patch_host_access(workload: Workload) -> list[str]:
    """A patch in an untrusted namespace that leaves runtimeClassName to the live object (not
    known offline) may not reach for the host: on a pod that is not sandboxed, host namespaces,
    privileged and hostPath are the node's."""
    used = host_access(workload)
    if not used:
        return []
    return [
        f"{_who(workload)} sets {', '.join(used)} in the untrusted namespace "
        f"{workload.namespace} but leaves {workload.where('runtimeClassName')} to the live "
        "object, which is not known offline: without a sandbox these reach the node. Set "
        f"runtimeClassName: {aks.GA_RUNTIME.runtime_class_name} in the patch, or drop them"
    ]
