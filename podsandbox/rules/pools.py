"""Find sandboxing node pools in engine-shaped resource inputs (camelCase, as policies see them).

Shared by the offline preview's summary and the policy pack, so both read a pool the same way:
azure-native `ManagedCluster.agentPoolProfiles[]` and `AgentPool`, and the classic provider's
`KubernetesCluster.defaultNodePool` and `KubernetesClusterNodePool`.

Fields are read only when asked for: during a real preview the policy SDK raises on an unknown
value, and a policy should stop only on the values it needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Optional

from podsandbox.rules.aks import RuntimeGeneration, find_runtime

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
CLASSIC_CLUSTER = "azure:containerservice/kubernetesCluster:KubernetesCluster"
CLASSIC_POOL = "azure:containerservice/kubernetesClusterNodePool:KubernetesClusterNodePool"
CLUSTER_AND_POOL_TYPES = (MANAGED_CLUSTER, AGENT_POOL, CLASSIC_CLUSTER, CLASSIC_POOL)


@dataclass(frozen=True)
class PoolFields:
    """The property names one provider uses for a node pool's settings."""

    name: str
    vm_size: str
    os_type: str
    os_sku: str
    count: str
    version: str
    fips: str
    mode: str


NATIVE_PROFILE = PoolFields(
    "name", "vmSize", "osType", "osSKU", "count", "orchestratorVersion", "enableFIPS", "mode"
)
NATIVE_AGENT_POOL = replace(NATIVE_PROFILE, name="agentPoolName")
CLASSIC = PoolFields(
    "name", "vmSize", "osType", "osSku", "nodeCount", "orchestratorVersion", "fipsEnabled", "mode"
)


@dataclass(frozen=True)
class SandboxingPool:
    """A node pool whose `workloadRuntime` is a sandboxing runtime, inside one resource."""

    resource_type: str
    path: str
    """Where the pool sits in the resource's inputs: "agentPoolProfiles[0]", "" for a pool."""
    props: Mapping[str, Any]
    fields: PoolFields
    runtime: RuntimeGeneration
    cluster_version: Optional[tuple[str, Mapping[str, Any]]] = None
    """(key, cluster inputs) of the cluster-wide Kubernetes version, for pools inside a cluster."""

    def value(self, field: str) -> Any:
        """The pool's value for a `PoolFields` field, e.g. `pool.value("os_sku")`."""
        return self.props.get(getattr(self.fields, field))

    def where(self, field: str) -> str:
        """The property path of a field, for messages: "agentPoolProfiles[0].osSKU"."""
        key = getattr(self.fields, field)
        return f"{self.path}.{key}" if self.path else key

    def kubernetes_versions(self) -> list[tuple[str, Any]]:
        """(property path, value) of every version that applies to this pool and is set."""
        found = []
        if self.cluster_version is not None:
            key, cluster = self.cluster_version
            if cluster.get(key) is not None:
                found.append((key, cluster.get(key)))
        if self.value("version") is not None:
            found.append((self.where("version"), self.value("version")))
        return found

    @property
    def label(self) -> str:
        """A human name for messages: "node pool nodepool1"."""
        name = self.value("name")
        return f"node pool {name}" if isinstance(name, str) else "node pool"


def _sandboxing(
    resource_type: str,
    path: str,
    props: Any,
    fields: PoolFields,
    cluster_version: Optional[tuple[str, Mapping[str, Any]]] = None,
) -> Optional[SandboxingPool]:
    if not isinstance(props, Mapping):
        return None
    value = props.get("workloadRuntime")
    runtime = find_runtime(value) if isinstance(value, str) else None
    if runtime is None:
        return None
    return SandboxingPool(resource_type, path, props, fields, runtime, cluster_version)


def sandboxing_pools(resource_type: str, props: Mapping[str, Any]) -> list[SandboxingPool]:
    """Every pool of this resource whose `workloadRuntime` is a sandboxing runtime."""
    candidates: list[Optional[SandboxingPool]] = []
    if resource_type == AGENT_POOL:
        candidates = [_sandboxing(resource_type, "", props, NATIVE_AGENT_POOL)]
    elif resource_type == CLASSIC_POOL:
        candidates = [_sandboxing(resource_type, "", props, CLASSIC)]
    elif resource_type == CLASSIC_CLUSTER:
        version = ("kubernetesVersion", props)
        pool = props.get("defaultNodePool")
        candidates = [_sandboxing(resource_type, "defaultNodePool", pool, CLASSIC, version)]
    elif resource_type == MANAGED_CLUSTER:
        version = ("kubernetesVersion", props)
        profiles = props.get("agentPoolProfiles")
        if isinstance(profiles, Sequence) and not isinstance(profiles, str):
            candidates = [
                _sandboxing(
                    resource_type, f"agentPoolProfiles[{index}]", profile, NATIVE_PROFILE, version
                )
                for index, profile in enumerate(profiles)
            ]
    return [pool for pool in candidates if pool is not None]
