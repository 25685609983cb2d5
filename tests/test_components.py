"""Each component under the SDK's mocks: its children, their engine inputs, secrets, outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import (
    PreviewFeatureRegistration,
    PreviewFeatureRegistrationArgs,
    SandboxedCluster,
    SandboxedClusterArgs,
    SandboxedNodePool,
    SandboxedNodePoolArgs,
)
from podsandbox.preview.recorder import SECRET, ProgramRun, run_function
from podsandbox.rules import aks
from podsandbox.rules.stack_settings import PoolSpec
from tests.conftest import KUBECONFIG, PRIVATE_KEY, PUBLIC_KEY, AzureMocks

CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
FEATURE = "azure-native:features:SubscriptionFeatureRegistration"


def cluster_args(**changes: Any) -> SandboxedClusterArgs:
    values: dict[str, Any] = dict(
        resource_group_name="myResourceGroup",
        create_resource_group=True,
        location="eastus",
        cluster_name="myAKSCluster",
        dns_prefix="myAKSCluster",
        runtime=aks.GA_RUNTIME,
        node_pool_name="nodepool1",
        node_vm_size="Standard_D4s_v3",
        node_count=1,
        os_sku="AzureLinux",
    )
    values.update(changes)
    return SandboxedClusterArgs(**values)


def pool_args(**changes: Any) -> SandboxedNodePoolArgs:
    values: dict[str, Any] = dict(
        resource_group_name="myResourceGroup",
        cluster_name="myAKSCluster",
        runtime=aks.GA_RUNTIME,
        node_pool_name="nodepool2",
        node_vm_size="Standard_D4s_v3",
        node_count=1,
        os_sku="AzureLinux",
    )
    values.update(changes)
    return SandboxedNodePoolArgs(**values)


def deploy(build: Any, mocks: AzureMocks | None = None) -> ProgramRun:
    """Run `build()` as a program and export what it returns, like `pulumi up` would."""

    def program() -> None:
        for name, value in build().items():
            pulumi.export(name, value)

    return run_function(program, "podsandbox", "test", {}, mocks or AzureMocks())


def only(run: ProgramRun, type_token: str):
    [resource] = run.of_type(type_token)
    return resource


def test_cluster_is_the_how_to_az_aks_create():
    run = deploy(lambda: {"kubeconfig": SandboxedCluster("sandbox", cluster_args()).kubeconfig})
    cluster = only(run, CLUSTER)
    assert cluster.inputs["resourceName"] == "myAKSCluster"
    assert cluster.inputs["resourceGroupName"] == "myResourceGroup"
    assert cluster.inputs["location"] == "eastus"
    assert cluster.inputs["identity"] == {"type": "SystemAssigned"}
    assert "kubernetesVersion" not in cluster.inputs
    assert cluster.inputs["agentPoolProfiles"] == [
        {
            "name": "nodepool1",
            "mode": "System",
            "type": "VirtualMachineScaleSets",
            "count": 1,
            "vmSize": "Standard_D4s_v3",
            "osType": "Linux",
            "osSKU": "AzureLinux",
            "workloadRuntime": "KataVmIsolation",
        }
    ]
    assert cluster.raw_inputs["linuxProfile"] == {
        "adminUsername": "azureuser",
        "ssh": {"publicKeys": [{"keyData": PUBLIC_KEY}]},
    }


def test_cluster_children_are_parented_to_the_component():
    run = deploy(lambda: {"kubeconfig": SandboxedCluster("sandbox", cluster_args()).kubeconfig})
    [component] = run.of_type("podsandbox:index:SandboxedCluster")
    children = [resource for resource in run.resources if resource.parent == component.urn]
    assert sorted(child.type for child in children) == [
        CLUSTER,
        "azure-native:resources:ResourceGroup",
        "pulumi:providers:kubernetes",
        "tls:index/privateKey:PrivateKey",
    ]
    assert only(run, "azure-native:resources:ResourceGroup").inputs == {
        "resourceGroupName": "myResourceGroup",
        "location": "eastus",
    }


def test_kubeconfig_and_generated_private_key_are_secrets():
    def build() -> dict[str, Any]:
        cluster = SandboxedCluster("sandbox", cluster_args())
        assert cluster.ssh_private_key is not None
        return {"kubeconfig": cluster.kubeconfig, "key": cluster.ssh_private_key}

    run = deploy(build)
    for name, clear in (("kubeconfig", KUBECONFIG), ("key", PRIVATE_KEY)):
        output = run.outputs[name]
        assert (output.secret, output.known, output.value) == (True, True, SECRET)
        assert output.raw == clear
    assert only(run, "pulumi:providers:kubernetes").inputs == {"kubeconfig": SECRET}


def test_given_public_key_means_no_generated_key_and_an_existing_group():
    key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQD mine"

    def build() -> dict[str, Any]:
        cluster = SandboxedCluster(
            "sandbox", cluster_args(ssh_public_key=key, create_resource_group=False)
        )
        assert cluster.ssh_private_key is None
        return {"group": cluster.resource_group_name}

    run = deploy(build)
    assert run.of_type("tls:index/privateKey:PrivateKey") == []
    assert run.of_type("azure-native:resources:ResourceGroup") == []
    assert only(run, CLUSTER).raw_inputs["linuxProfile"]["ssh"]["publicKeys"] == [{"keyData": key}]
    assert run.outputs["group"].raw == "myResourceGroup"


def test_cluster_version_and_protection():
    run = deploy(
        lambda: {
            "c": SandboxedCluster(
                "sandbox", cluster_args(kubernetes_version="1.33", protect=True)
            ).cluster_name
        }
    )
    cluster = only(run, CLUSTER)
    assert cluster.inputs["kubernetesVersion"] == "1.33"
    assert cluster.protect is True
    assert only(run, "azure-native:resources:ResourceGroup").protect is False


def test_legacy_runtime_registers_the_feature_and_the_cluster_waits_for_it():
    def build() -> dict[str, Any]:
        feature = PreviewFeatureRegistration(
            "kata-preview", PreviewFeatureRegistrationArgs(runtime=aks.LEGACY_RUNTIME)
        )
        cluster = SandboxedCluster(
            "sandbox", cluster_args(runtime=aks.LEGACY_RUNTIME, wait_for=[feature])
        )
        return {"c": cluster.cluster_name}

    run = deploy(build)
    feature = only(run, FEATURE)
    assert feature.inputs == {
        "providerNamespace": "Microsoft.ContainerService",
        "featureName": "KataVMIsolationPreview",
    }
    assert feature.parent and feature.parent.endswith("PreviewFeatureRegistration::kata-preview")
    profile = only(run, CLUSTER).inputs["agentPoolProfiles"][0]
    assert profile["workloadRuntime"] == "KataMshvVmIsolation"


def test_ga_runtime_cannot_register_a_feature():
    with pytest.raises(ValueError, match="needs no feature registration"):
        deploy(
            lambda: {
                "f": PreviewFeatureRegistration(
                    "x", PreviewFeatureRegistrationArgs(runtime=aks.GA_RUNTIME)
                ).state
            }
        )


def test_node_pool_is_the_how_to_az_aks_nodepool_add():
    def build() -> dict[str, Any]:
        pool = SandboxedNodePool("sandbox", pool_args())
        return {"kubeconfig": pool.kubeconfig, "version": pool.cluster_kubernetes_version}

    run = deploy(build)
    assert run.of_type(CLUSTER) == []
    pool = only(run, AGENT_POOL)
    assert pool.inputs == {
        "resourceGroupName": "myResourceGroup",
        "resourceName": "myAKSCluster",
        "agentPoolName": "nodepool2",
        "mode": "User",
        "type": "VirtualMachineScaleSets",
        "count": 1,
        "vmSize": "Standard_D4s_v3",
        "osType": "Linux",
        "osSKU": "AzureLinux",
        "workloadRuntime": "KataVmIsolation",
    }
    assert run.outputs["kubeconfig"].secret and run.outputs["kubeconfig"].raw == KUBECONFIG
    assert run.outputs["version"].raw == "1.33.2"
    assert [invoke.token for invoke in run.invokes] == [
        "azure-native:containerservice:getManagedCluster",
        "azure-native:containerservice:listManagedClusterUserCredentials",
    ]


def test_node_pool_version_is_passed_when_set():
    run = deploy(
        lambda: {"v": SandboxedNodePool("sandbox", pool_args(kubernetes_version="1.33")).kubeconfig}
    )
    assert only(run, AGENT_POOL).inputs["orchestratorVersion"] == "1.33"


def test_too_old_existing_cluster_stops_before_the_pool_is_registered():
    with pytest.raises(pulumi.RunError) as raised:
        deploy(
            lambda: {"k": SandboxedNodePool("sandbox", pool_args()).kubeconfig},
            AzureMocks(existing_version="1.26.3"),
        )
    assert str(raised.value) == (
        "existing cluster myAKSCluster runs Kubernetes 1.26.3, below the minimum 1.27.0 for "
        "KataVmIsolation; upgrade it first (az aks upgrade --kubernetes-version ...) or use "
        "mode new-cluster"
    )


def test_the_legacy_runtime_accepts_an_older_existing_cluster():
    run = deploy(
        lambda: {
            "k": SandboxedNodePool("sandbox", pool_args(runtime=aks.LEGACY_RUNTIME)).kubeconfig
        },
        AzureMocks(existing_version="1.26.3"),
    )
    assert only(run, AGENT_POOL).inputs["workloadRuntime"] == "KataMshvVmIsolation"


def test_extra_pools_on_a_new_cluster_wait_for_it():
    extra = (PoolSpec("kata8", "Standard_D8s_v5", 2), PoolSpec("katamem", "Standard_E4s_v5", 1))
    run = deploy(
        lambda: {
            "c": SandboxedCluster(
                "sandbox", cluster_args(extra_pools=extra, kubernetes_version="1.33")
            ).cluster_name
        }
    )
    pools = {pool.inputs["agentPoolName"]: pool for pool in run.of_type(AGENT_POOL)}
    assert sorted(pools) == ["kata8", "katamem"]
    assert pools["kata8"].inputs == {
        "resourceGroupName": "myResourceGroup",
        "resourceName": "myAKSCluster",
        "agentPoolName": "kata8",
        "mode": "User",
        "type": "VirtualMachineScaleSets",
        "count": 2,
        "vmSize": "Standard_D8s_v5",
        "osType": "Linux",
        "osSKU": "AzureLinux",
        "workloadRuntime": "KataVmIsolation",
        "orchestratorVersion": "1.33",
    }
    for pool in pools.values():
        assert pool.parent and pool.parent.endswith("SandboxedCluster::sandbox")
    # One after the other, after the cluster.
    [cluster] = run.of_type(CLUSTER)
    assert cluster.urn in pools["kata8"].dependencies
    assert pools["kata8"].urn in pools["katamem"].dependencies


def test_extra_pools_on_an_existing_cluster():
    extra = (PoolSpec("kata8", "Standard_D8s_v5", 2),)
    run = deploy(
        lambda: {"k": SandboxedNodePool("sandbox", pool_args(extra_pools=extra)).kubeconfig}
    )
    pools = {pool.inputs["agentPoolName"]: pool for pool in run.of_type(AGENT_POOL)}
    assert sorted(pools) == ["kata8", "nodepool2"]
    assert pools["nodepool2"].urn in pools["kata8"].dependencies
    assert run.of_type(CLUSTER) == []
