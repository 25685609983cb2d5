"""The whole program with production pools (`Pulumi.production.yaml`): what the engine is told,
what the demo tolerates, the capacity outputs, and a pool keeping its URN across the two forms."""

from __future__ import annotations

import json
from typing import Any

import pytest

from podsandbox.preview.recorder import run_program
from podsandbox.preview.records import ProgramRun
from podsandbox.rules.pool_limits import FIXED_AT_CREATION
from podsandbox.stack.files import load_stack_config
from tests.conftest import REPO
from tests.test_cli import cli

AGENT_POOL = "azure-native:containerservice:AgentPool"
CLUSTER = "azure-native:containerservice:ManagedCluster"


def production(**changes: Any) -> ProgramRun:
    config = load_stack_config(REPO, "production")
    config.config.update({f"podsandbox:{key}": value for key, value in changes.items()})
    return run_program(REPO, config.project, config.stack, config.config)


def test_the_production_stack_declares_autoscaled_zonal_tainted_pools():
    run = production()
    [cluster] = run.of_type(CLUSTER)
    [system] = cluster.inputs["agentPoolProfiles"]
    assert {key: system.get(key) for key in ("mode", "count", "enableAutoScaling", "minCount",
            "maxCount", "availabilityZones", "nodeTaints")} == {
        "mode": "System", "count": 2, "enableAutoScaling": True, "minCount": 2, "maxCount": 3,
        "availabilityZones": ["1", "2", "3"], "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"],
    }  # fmt: skip
    assert "agentPoolProfiles[0].count" in run.options(cluster)["ignoreChanges"]
    pools = {pool.inputs["agentPoolName"]: pool for pool in run.of_type(AGENT_POOL)}
    assert sorted(pools) == ["apps", "kata"]
    kata = pools["kata"].inputs
    assert {key: kata.get(key) for key in ("mode", "count", "minCount", "maxCount", "maxPods",
            "osDiskType", "osDiskSizeGB", "nodeTaints", "nodeLabels", "workloadRuntime")} == {
        "mode": "User", "count": 1, "minCount": 0, "maxCount": 10, "maxPods": 110,
        "osDiskType": "Managed", "osDiskSizeGB": 128, "nodeTaints": ["sandbox=true:NoSchedule"],
        "nodeLabels": {"workload": "sandboxed"}, "workloadRuntime": "KataVmIsolation",
    }  # fmt: skip
    for pool in pools.values():
        options = run.options(pool)
        assert options["ignoreChanges"] == ["count"]
        assert sorted(options["replaceOnChanges"]) == sorted(FIXED_AT_CREATION)


def test_the_untrusted_demo_pod_tolerates_its_pools_taint_and_is_pinned_to_it():
    run = production()
    pods = {pod.name: pod for pod in run.of_type("kubernetes:core/v1:Pod")}
    untrusted = pods["demo-untrusted"].inputs["spec"]
    assert untrusted["tolerations"] == [
        {"key": "sandbox", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
    ]
    assert untrusted["nodeSelector"] == {"kubernetes.azure.com/agentpool": "kata"}
    assert "tolerations" not in pods["demo-trusted"].inputs["spec"]


def test_the_capacity_of_each_pool_at_its_fewest_and_most_nodes():
    capacity = production().outputs["sandboxCapacity"].value
    # The System pool runs system pods only: no sandboxes to count there.
    assert sorted(capacity) == ["apps", "kata"]
    assert capacity["kata"] == {
        "vmSize": "Standard_D8s_v5", "podsPerNode": 16, "minNodes": 0, "maxNodes": 10,
        "atMinimum": 0, "atMaximum": 160, "bound": "CPU",
    }  # fmt: skip
    assert (capacity["apps"]["atMinimum"], capacity["apps"]["atMaximum"]) == (8, 40)


def test_a_pool_keeps_its_urn_when_it_moves_between_extra_pools_and_pools():
    short = production(pools=[], demoPool="", extraPools=["kata:Standard_D8s_v5:1"],
                       nodeTaints=[])  # fmt: skip
    long = production(pools=[{"name": "kata", "vmSize": "Standard_D8s_v5"}], demoPool="",
                      nodeTaints=[])  # fmt: skip
    [short_pool], [long_pool] = short.of_type(AGENT_POOL), long.of_type(AGENT_POOL)
    assert short_pool.urn == long_pool.urn
    assert short_pool.urn.endswith("azure-native:containerservice:AgentPool::sandbox-pool-kata")


PLAIN_POOL_PROGRAM = """
import pulumi
from pulumi_azure_native import containerservice

from podsandbox.components import SandboxedNodePool

pool = SandboxedNodePool(
    "kata", {"resource_group_name": "team-rg", "cluster_name": "team-aks",
             "vm_size": "Standard_D8s_v5"},
)
containerservice.AgentPool(
    "general",
    resource_group_name="team-rg",
    resource_name_="team-aks",
    agent_pool_name="general",
    mode="User",
    vm_size="Standard_D4s_v5",
    count=2,
    os_type="Linux",
    opts=pulumi.ResourceOptions(depends_on=[pool]),
)
"""


@pytest.mark.subprocess  # the judged program runs in a process of its own
def test_a_plain_pool_beside_the_sandboxing_ones_passes_the_pack(tmp_path):
    # docs/production-pools.md, "A plain (non-sandboxing) pool": the pack judges only pools that
    # sandbox.
    (tmp_path / "Pulumi.yaml").write_text("name: team-plain\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(PLAIN_POOL_PROGRAM)
    result = cli("preview", "--program", str(tmp_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    pools = [
        r for r in report["resources"] if r["type"] == "azure-native:containerservice:AgentPool"
    ]
    runtimes = sorted(str(pool["inputs"].get("workloadRuntime")) for pool in pools)
    assert runtimes == ["KataVmIsolation", "None"]
    assert report["violations"] == []
