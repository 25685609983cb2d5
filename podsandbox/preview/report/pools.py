"""The sandboxing pools a stack declares, summarised for every report: VM size verdict, count
and autoscaling, zones and taints, runtime, Kubernetes version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podsandbox.preview.engine_values import SECRET
from podsandbox.preview.records import RegisteredResource
from podsandbox.preview.report.values import show
from podsandbox.rules import vmsizes
from podsandbox.rules.pool_settings import AUTOSCALING, HIGHEST, LOWEST, POOL_SETTINGS
from podsandbox.rules.pools import CLASSIC, SandboxingPool

SHOWN_BESIDE_THE_COUNT = [setting for setting in POOL_SETTINGS if setting.report_label]
"""The pool options the pool list shows beside the count (zones, taints)."""


def pool_summary(
    resource: RegisteredResource, pool: SandboxingPool, declared_clusters: set[str]
) -> dict[str, Any]:
    verdict, reason = "unknown", "the VM size is not known offline"
    vm_size = pool.value("vm_size")
    if vm_size is SECRET:  # the scrubbed stand-in, not a value: the policies judged the real one
        verdict, reason = "secret", "the VM size is a secret, not shown; the policies judged it"
    elif isinstance(vm_size, str):
        try:
            size = vmsizes.check_size(vm_size)
            verdict, reason = size.status.value, size.reason
        except vmsizes.SizeNameError as error:
            verdict, reason = "invalid", str(error)
    versions = pool.kubernetes_versions()
    version = show(versions[-1][1]) if versions else "AKS default"
    cluster = resource.inputs.get("resourceName")
    if pool.cluster_version is None and cluster is not None and cluster not in declared_clusters:
        # A pool added to a cluster that exists: its version is the cluster's unless set.
        version = (
            f"{version} (set; the cluster's own version is read at deploy time)"
            if versions
            else "the cluster's version (read at deploy time)"
        )
    return {
        "urn": resource.urn,
        "on": resource.name,
        "pool": pool.value("name"),
        "mode": pool.value("mode"),
        "vmSize": vm_size,
        "vmSizeVerdict": verdict,
        "vmSizeReason": reason,
        "osSKU": pool.value("os_sku"),
        "count": pool.value("count"),
        "workloadRuntime": pool.runtime.workload_runtime,
        "runtimeClassName": pool.runtime.runtime_class_name,
        "nodeLabel": pool.runtime.node_label,
        "legacy": pool.runtime.legacy,
        "kubernetesVersion": version,
        **_scaling_and_placement(pool),
    }


def _scaling_and_placement(pool: SandboxingPool) -> dict[str, Any]:
    """Autoscaling bounds, zones and taints as azure-native names them (the classic provider's
    names differ, and neither this project nor the pack declares them there: shown as none)."""
    props = pool.props if pool.fields is not CLASSIC else {}
    bounds = {bound.name: props.get(bound.engine_name) for bound in (LOWEST, HIGHEST)}
    return {
        "autoscaling": bounds if props.get(AUTOSCALING.engine_name) is True else None,
        **{shown.name: props.get(shown.engine_name) for shown in SHOWN_BESIDE_THE_COUNT},
    }


def count_text(info: Mapping[str, Any]) -> str:
    """ "1", or "1 (autoscaled 1 to 5)": the initial count and the autoscaler's bounds."""
    scaling = info["autoscaling"]
    count = show(info["count"])
    if scaling is None:
        return count
    return f"{count} (autoscaled {show(scaling['minCount'])} to {show(scaling['maxCount'])})"


def placement_text(info: Mapping[str, Any]) -> str:
    """ "zones 1, 2, 3; taints sandbox=true:NoSchedule", or "" when neither is set."""
    parts = []
    for setting in SHOWN_BESIDE_THE_COUNT:
        value = info[setting.name]
        if value:
            shown = ", ".join(map(show, value)) if isinstance(value, list) else show(value)
            parts.append(f"{setting.report_label} {shown}")
    return "; ".join(parts)
