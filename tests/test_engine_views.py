"""Pools and workloads found in engine-shaped inputs (rules/pools.py, rules/workloads.py)."""

from __future__ import annotations

from typing import Any

import pytest

from podsandbox.rules import pools, workloads

KATA = {"workloadRuntime": "KataVmIsolation", "vmSize": "Standard_D4s_v3", "name": "kata"}


def test_an_azure_native_agent_pool_is_its_own_pool():
    [pool] = pools.sandboxing_pools(pools.AGENT_POOL, {**KATA, "agentPoolName": "kata"})
    assert (pool.resource_type, pool.path, pool.cluster_version) == (pools.AGENT_POOL, "", None)
    assert (pool.where("vm_size"), pool.where("name"), pool.label) == (
        "vmSize", "agentPoolName", "node pool kata",
    )  # fmt: skip


def test_a_classic_node_pool_is_its_own_pool():
    props = {"workloadRuntime": "KataVmIsolation", "name": "kata", "nodeCount": 2}
    [pool] = pools.sandboxing_pools(pools.CLASSIC_POOL, props)
    assert (pool.resource_type, pool.path) == (pools.CLASSIC_POOL, "")
    assert (pool.where("count"), pool.value("count")) == ("nodeCount", 2)


def test_a_classic_clusters_default_pool_reads_the_clusters_version():
    props = {
        "kubernetesVersion": "1.30",
        "defaultNodePool": {**KATA, "orchestratorVersion": "1.29"},
    }
    [pool] = pools.sandboxing_pools(pools.CLASSIC_CLUSTER, props)
    assert (pool.resource_type, pool.path) == (pools.CLASSIC_CLUSTER, "defaultNodePool")
    assert pool.kubernetes_versions() == [
        ("kubernetesVersion", "1.30"),
        ("defaultNodePool.orchestratorVersion", "1.29"),
    ]


def test_a_managed_clusters_profiles_each_become_a_pool_with_the_clusters_version():
    props = {
        "kubernetesVersion": "1.31",
        "agentPoolProfiles": [{"name": "system", "vmSize": "Standard_D4s_v3"}, KATA],
    }
    [pool] = pools.sandboxing_pools(pools.MANAGED_CLUSTER, props)
    assert (pool.resource_type, pool.path) == (pools.MANAGED_CLUSTER, "agentPoolProfiles[1]")
    assert pool.where("vm_size") == "agentPoolProfiles[1].vmSize"
    assert pool.kubernetes_versions() == [("kubernetesVersion", "1.31")]


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (pools.MANAGED_CLUSTER, {}),
        (pools.MANAGED_CLUSTER, {"agentPoolProfiles": None}),
        (pools.MANAGED_CLUSTER, {"agentPoolProfiles": "KataVmIsolation"}),
        (pools.CLASSIC_CLUSTER, {"defaultNodePool": "KataVmIsolation"}),
        (pools.AGENT_POOL, {"workloadRuntime": "OCIContainer"}),
        (pools.AGENT_POOL, {"workloadRuntime": None}),
        ("azure-native:resources:ResourceGroup", KATA),
    ],
)
def test_no_pool_where_there_is_no_sandboxing_runtime(resource_type: str, props: dict[str, Any]):
    assert pools.sandboxing_pools(resource_type, props) == []


@pytest.mark.parametrize(
    "props",
    [{}, {"spec": "x"}, {"spec": {"template": "x"}}, {"spec": {"template": {"spec": None}}}],
)
def test_no_workload_where_there_is_no_pod_spec(props: dict[str, Any]):
    assert workloads.workload_of("kubernetes:apps/v1:Deployment", props) is None
