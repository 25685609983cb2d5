"""Production pool options (autoscaling, taints, labels, zones, max pods, OS disk): what the engine
is told (inputs and resource options), for a new cluster's inline pool, extra pools and pools on an
existing cluster, in both runtime generations."""

from __future__ import annotations

from typing import Any

import pytest

from podsandbox.components import SandboxedCluster, SandboxedNodePool
from podsandbox.rules import pool_limits
from tests.test_components import cluster_args, deploy, pool_args

AGENT_POOL = "azure-native:containerservice:AgentPool"
CLUSTER = "azure-native:containerservice:ManagedCluster"
GENERIC = "azure-native:resources:Resource"
PRODUCTION = {
    "enable_auto_scaling": True,
    "min_count": 1,
    "max_count": 5,
    "node_count": 2,
    "max_pods": 110,
    "os_disk_type": "Managed",
    "os_disk_size_gb": 128,
    "availability_zones": ["1", "2", "3"],
    "node_taints": ["sandbox=true:NoSchedule"],
    "scale_down_mode": "Deallocate",
    "max_surge": "33%",
    "node_labels": {"workload": "sandboxed"},
}
"""An autoscaled, tainted, zonal pool, as a component's inputs."""
ENGINE = {
    "enableAutoScaling": True,
    "minCount": 1,
    "maxCount": 5,
    "count": 2,
    "maxPods": 110,
    "osDiskType": "Managed",
    "osDiskSizeGB": 128,
    "availabilityZones": ["1", "2", "3"],
    "nodeTaints": ["sandbox=true:NoSchedule"],
    "scaleDownMode": "Deallocate",
    "upgradeSettings": {"maxSurge": "33%"},
    "nodeLabels": {"workload": "sandboxed"},
}
"""The same pool as the AKS API (the engine) names it."""


def subset(inputs: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: inputs.get(key) for key in expected}


def test_a_pool_carries_every_option_and_leaves_the_count_to_the_autoscaler():
    run = deploy(lambda: {"c": SandboxedNodePool("x", pool_args(**PRODUCTION)).cluster_name})
    [pool] = run.of_type(AGENT_POOL)
    assert subset(pool.inputs, ENGINE) == ENGINE
    options = run.options(pool)
    # Every `up` would otherwise set the count back to the initial size the autoscaler moved from.
    assert options["ignoreChanges"] == ["count"]
    assert sorted(options["replaceOnChanges"]) == sorted(pool_limits.FIXED_AT_CREATION)
    assert options["deleteBeforeReplace"] is True


def test_a_pool_without_autoscaling_keeps_its_count_and_sends_no_bounds():
    run = deploy(lambda: {"c": SandboxedNodePool("x", pool_args(node_count=3)).cluster_name})
    [pool] = run.of_type(AGENT_POOL)
    assert pool.inputs["count"] == 3
    assert not {"enableAutoScaling", "minCount", "maxCount", "nodeTaints"} & set(pool.inputs)
    assert run.options(pool)["ignoreChanges"] == []


def test_a_new_clusters_system_pool_takes_the_options_inline():
    system = {**PRODUCTION, "node_taints": [pool_limits.SYSTEM_POOL_TAINT]}
    extra = [{"name": "kata8", "enable_auto_scaling": True, "min_count": 0, "max_count": 10,
              "node_count": 0, "node_taints": ["sandbox=true:NoSchedule"]}]  # fmt: skip
    run = deploy(
        lambda: {"c": SandboxedCluster("x", cluster_args(**system, extra_pools=extra)).cluster_name}
    )
    cluster = run.of_type(CLUSTER)[0]
    [profile] = cluster.inputs["agentPoolProfiles"]
    assert subset(profile, ENGINE) == {**ENGINE, "nodeTaints": [pool_limits.SYSTEM_POOL_TAINT]}
    options = run.options(cluster)
    assert "agentPoolProfiles[0].count" in options["ignoreChanges"]
    for field in pool_limits.FIXED_AT_CREATION:
        assert f"agentPoolProfiles[0].{field}" in options["replaceOnChanges"]
    [pool] = run.of_type(AGENT_POOL)
    assert (pool.inputs["minCount"], pool.inputs["count"], pool.inputs["maxCount"]) == (0, 0, 10)
    assert run.options(pool)["ignoreChanges"] == ["count"]


def test_the_legacy_generation_sends_the_options_in_the_arm_body():
    args = pool_args(**PRODUCTION, workload_runtime="KataMshvVmIsolation")
    run = deploy(lambda: {"c": SandboxedNodePool("x", args).cluster_name})
    [pool] = [r for r in run.of_type(GENERIC) if r.inputs.get("resourceType") == "agentPools"]
    assert subset(pool.inputs["properties"], ENGINE) == ENGINE
    options = run.options(pool)
    assert options["ignoreChanges"] == ["properties.count"]
    assert "properties.maxPods" in options["replaceOnChanges"]


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        ({"enable_auto_scaling": True},
         ["minCount (not set): is required with autoscaling. Allowed: 0 to 1000. Example: "
          "minCount: 1",
          "maxCount (not set): is required with autoscaling. Allowed: 0 to 1000. Example: "
          "maxCount: 3"]),
        ({"min_count": 1},
         ["minCount = 1: applies only when the pool autoscales. Allowed: autoscaling on, or "
          "leave it out. Example: minCount: (leave it out)"]),
    ],
)  # fmt: skip
def test_autoscaling_bounds_go_together(changes, messages):
    from tests.test_component_validation import judged

    error, registered = judged("pool", changes)
    assert [str(problem) for problem in error.problems] == messages
    assert registered == ["pulumi:pulumi:Stack"]


def test_a_tainted_system_pool_needs_another_pool_for_everything_else():
    from tests.test_component_validation import judged

    error, _ = judged("cluster", {"node_taints": [pool_limits.SYSTEM_POOL_TAINT]})
    assert [str(problem) for problem in error.problems] == [
        "nodeTaints = ['CriticalAddonsOnly=true:NoSchedule']: keeps every pod but the system's off "
        "the cluster's only pool. Allowed: CriticalAddonsOnly=true:NoSchedule with at least one "
        "more (User) pool, or no taint. Example: nodeTaints: []"
    ]
