"""Find sandboxing node pools in engine-shaped resource inputs (camelCase, as policies see them).

Shared by the offline preview's summary and the policy pack, so both read a ManagedCluster's
`agentPoolProfiles[]` and an `AgentPool` the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from podsandbox.rules import RuntimeGeneration, find_runtime

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"


@dataclass(frozen=True)
class SandboxingPool:
    """The sandboxing-relevant settings of one node pool. Values are as given (may be None)."""

    resource_type: str
    pool_name: Any
    runtime: RuntimeGeneration
    vm_size: Any
    os_type: Any
    os_sku: Any
    count: Any
    mode: Any
    kubernetes_version: Any
    """The pool's orchestratorVersion, else the cluster's kubernetesVersion (ManagedCluster)."""
    enable_fips: Any


def _pool(
    resource_type: str, props: Mapping[str, Any], name_key: str, cluster_version: Any
) -> Optional[SandboxingPool]:
    runtime_value = props.get("workloadRuntime")
    runtime = find_runtime(runtime_value) if isinstance(runtime_value, str) else None
    if runtime is None:
        return None
    return SandboxingPool(
        resource_type=resource_type,
        pool_name=props.get(name_key),
        runtime=runtime,
        vm_size=props.get("vmSize"),
        os_type=props.get("osType"),
        os_sku=props.get("osSKU"),
        count=props.get("count"),
        mode=props.get("mode"),
        kubernetes_version=props.get("orchestratorVersion") or cluster_version,
        enable_fips=props.get("enableFIPS"),
    )


def sandboxing_pools(resource_type: str, props: Mapping[str, Any]) -> list[SandboxingPool]:
    """Every pool of this resource whose `workloadRuntime` is a sandboxing runtime."""
    if resource_type == AGENT_POOL:
        pool = _pool(resource_type, props, "agentPoolName", None)
        return [pool] if pool else []
    if resource_type == MANAGED_CLUSTER:
        profiles = props.get("agentPoolProfiles")
        if not isinstance(profiles, list):
            return []
        found = (
            _pool(resource_type, profile, "name", props.get("kubernetesVersion"))
            for profile in profiles
            if isinstance(profile, Mapping)
        )
        return [pool for pool in found if pool is not None]
    return []
