"""Each reusable component under the SDK's mocks: its children, their engine inputs, options,
secrets and outputs, used as another team would use it (plain Python, no stack settings)."""

from __future__ import annotations

import re
import threading
import time
from typing import Any, Optional, cast

import pulumi
import pytest
from pulumi.runtime.mocks import MockResourceArgs
from pulumi_azure_native import resources

from podsandbox.components import (
    SandboxedCluster,
    SandboxedClusterArgs,
    SandboxedNodePool,
    SandboxedNodePoolArgs,
)
from podsandbox.preview.engine_values import SECRET
from podsandbox.preview.recorder import run_function
from podsandbox.preview.records import ProgramRun
from podsandbox.rules import aks
from tests.conftest import KUBECONFIG, PRIVATE_KEY, PUBLIC_KEY, AzureMocks
from tests.docs import docs_text

CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
GROUP = "azure-native:resources:ResourceGroup"
GENERIC = "azure-native:resources:Resource"
FEATURE_READ = "azure-native:features:getSubscriptionFeatureRegistration"
GET_CLUSTER = "azure-native:containerservice:getManagedCluster"
CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials"


def cluster_args(**changes: Any) -> SandboxedClusterArgs:
    """The fewest inputs a new cluster takes: everything else has a default."""
    values: dict[str, Any] = {
        "resource_group_name": "myResourceGroup",
        "location": "eastus",
        "cluster_name": "myAKSCluster",
    }
    values.update(changes)
    return cast(SandboxedClusterArgs, values)


def pool_args(**changes: Any) -> SandboxedNodePoolArgs:
    values: dict[str, Any] = {
        "resource_group_name": "myResourceGroup",
        "cluster_name": "myAKSCluster",
    }
    values.update(changes)
    return cast(SandboxedNodePoolArgs, values)


def deploy(build: Any, mocks: Optional[AzureMocks] = None) -> ProgramRun:
    """Run `build()` as a program and export what it returns, like `pulumi up` would."""

    def program() -> None:
        for name, value in build().items():
            pulumi.export(name, value)

    return run_function(program, "podsandbox", "test", {}, mocks or AzureMocks())


def only(run: ProgramRun, type_token: str):
    [resource] = run.of_type(type_token)
    return resource


def test_cluster_defaults_are_the_how_to_az_aks_create():
    run = deploy(lambda: {"kubeconfig": SandboxedCluster("sandbox", cluster_args()).kubeconfig})
    cluster = only(run, CLUSTER)
    assert cluster.inputs["resourceName"] == "myAKSCluster"
    assert cluster.inputs["dnsPrefix"] == "myAKSCluster"
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
    assert cluster.engine_inputs["linuxProfile"]["adminUsername"] == "azureuser"
    assert only(run, GROUP).inputs == {"resourceGroupName": "myResourceGroup", "location": "eastus"}


def test_cluster_children_are_parented_to_the_component_and_it_exports_no_provider():
    run = deploy(lambda: {"kubeconfig": SandboxedCluster("sandbox", cluster_args()).kubeconfig})
    [component] = run.of_type("podsandbox:index:SandboxedCluster")
    children = [resource for resource in run.resources if resource.parent == component.urn]
    assert sorted(child.type for child in children) == [
        CLUSTER,
        GROUP,
        "tls:index/privateKey:PrivateKey",
    ]


def test_kubeconfig_and_generated_private_key_are_secrets(clear_outputs):
    def build() -> dict[str, Any]:
        cluster = SandboxedCluster("sandbox", cluster_args())
        return {"kubeconfig": cluster.kubeconfig, "key": cluster.ssh_private_key}

    run = deploy(build)
    for name, clear in (("kubeconfig", KUBECONFIG), ("key", PRIVATE_KEY)):
        output = run.outputs[name]
        assert (output.secret, output.known, output.value) == (True, True, SECRET)
        assert clear_outputs(run)[name] == clear


def test_a_given_public_key_means_no_generated_key_and_a_null_private_key(clear_outputs):
    key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQD mine"

    def build() -> dict[str, Any]:
        cluster = SandboxedCluster(
            "sandbox", cluster_args(ssh_public_key=key, create_resource_group=False)
        )
        return {"group": cluster.resource_group_name, "key": cluster.ssh_private_key}

    run = deploy(build)
    assert run.of_type("tls:index/privateKey:PrivateKey") == []
    assert run.of_type(GROUP) == []
    public_keys = only(run, CLUSTER).engine_inputs["linuxProfile"]["ssh"]["publicKeys"]
    assert public_keys == [{"keyData": key}]
    assert clear_outputs(run) == {"group": "myResourceGroup", "key": None}


def test_generated_public_key_reaches_the_cluster():
    run = deploy(lambda: {"c": SandboxedCluster("sandbox", cluster_args()).cluster_name})
    public_keys = only(run, CLUSTER).engine_inputs["linuxProfile"]["ssh"]["publicKeys"]
    assert public_keys == [{"keyData": PUBLIC_KEY}]


def test_protect_comes_from_the_options_and_reaches_every_child():
    run = deploy(
        lambda: {
            "c": SandboxedCluster(
                "sandbox",
                cluster_args(kubernetes_version="1.33"),
                pulumi.ResourceOptions(protect=True),
            ).cluster_name
        }
    )
    assert only(run, CLUSTER).inputs["kubernetesVersion"] == "1.33"
    assert [r.protect for r in run.resources if r.type in (CLUSTER, GROUP)] == [True, True]
    unprotected = deploy(lambda: {"c": SandboxedCluster("sandbox", cluster_args()).cluster_name})
    assert only(unprotected, CLUSTER).protect is False


def test_the_callers_depends_on_orders_the_cluster():
    def build() -> dict[str, Any]:
        first = resources.ResourceGroup("first", location="eastus")
        cluster = SandboxedCluster(
            "sandbox", cluster_args(), pulumi.ResourceOptions(depends_on=[first])
        )
        return {"c": cluster.cluster_name}

    run = deploy(build)
    first = next(r for r in run.of_type(GROUP) if r.name == "first")
    assert first.urn in only(run, CLUSTER).dependencies
    # A GA cluster needs no subscription feature, so none is read.
    assert FEATURE_READ not in [invoke.token for invoke in run.invokes]


def test_a_legacy_cluster_and_pool_go_through_a_preview_api_version():
    def build() -> dict[str, Any]:
        cluster = SandboxedCluster(
            "sandbox",
            cluster_args(workload_runtime="KataMshvVmIsolation", extra_pools=[{"name": "kata8"}]),
        )
        return {"k": cluster.kubeconfig}

    run = deploy(build)
    assert run.of_type(CLUSTER) == [] and run.of_type(AGENT_POOL) == []
    assert run.of_type("azure-native:features:SubscriptionFeatureRegistration") == []
    cluster, pool = sorted(run.of_type(GENERIC), key=lambda r: r.name)
    identity = ("apiVersion", "resourceProviderNamespace", "parentResourcePath", "resourceType",
                "resourceName")  # fmt: skip
    assert {key: cluster.inputs[key] for key in identity} == {
        "apiVersion": aks.LEGACY_ARM_API_VERSION,
        "resourceProviderNamespace": "Microsoft.ContainerService",
        "parentResourcePath": "",
        "resourceType": "managedClusters",
        "resourceName": "myAKSCluster",
    }
    assert cluster.inputs["identity"] == {"type": "SystemAssigned"}
    assert cluster.inputs["properties"]["agentPoolProfiles"] == [
        {"name": "nodepool1", "mode": "System", "type": "VirtualMachineScaleSets", "count": 1,
         "vmSize": "Standard_D4s_v3", "osType": "Linux", "osSKU": "AzureLinux",
         "workloadRuntime": "KataMshvVmIsolation"}
    ]  # fmt: skip
    assert cluster.inputs["properties"]["dnsPrefix"] == "myAKSCluster"
    assert (pool.inputs["apiVersion"], pool.inputs["resourceType"]) == (
        aks.LEGACY_ARM_API_VERSION, "agentPools",
    )  # fmt: skip
    assert pool.inputs["parentResourcePath"] == "managedClusters/myAKSCluster"
    assert pool.inputs["properties"]["workloadRuntime"] == "KataMshvVmIsolation"
    assert cluster.urn in pool.dependencies
    [read] = [invoke for invoke in run.invokes if invoke.token == FEATURE_READ]
    assert read.args == {"providerNamespace": "Microsoft.ContainerService",
                         "featureName": "KataVMIsolationPreview"}  # fmt: skip


@pytest.mark.parametrize("state", ["NotRegistered", "Registering", "Unregistered"])
def test_a_legacy_stack_stops_before_anything_exists_unless_the_feature_is_registered(state):
    created: list[str] = []

    class Azure(AzureMocks):
        def new_resource(self, args: Any) -> Any:
            if args.custom:  # the component itself creates nothing
                created.append(args.typ)
            return super().new_resource(args)

    def build() -> dict[str, Any]:
        legacy = cluster_args(workload_runtime="KataMshvVmIsolation")
        return {"c": SandboxedCluster("sandbox", legacy).kubeconfig}

    with pytest.raises(pulumi.RunError) as raised:
        deploy(build, Azure(feature_state=state))
    assert str(raised.value) == (
        f"KataMshvVmIsolation needs the subscription feature "
        f"Microsoft.ContainerService/KataVMIsolationPreview, which is {state}. Register it and "
        "wait until it shows Registered: az feature register --namespace "
        "Microsoft.ContainerService --name KataVMIsolationPreview; az feature show --namespace "
        "Microsoft.ContainerService --name KataVMIsolationPreview; then az provider register "
        "--namespace Microsoft.ContainerService. Or use KataVmIsolation, which needs no feature"
    )
    assert created == []


def test_node_pool_defaults_are_the_how_to_az_aks_nodepool_add(clear_outputs):
    def build() -> dict[str, Any]:
        pool = SandboxedNodePool("sandbox", pool_args())
        return {
            "kubeconfig": pool.kubeconfig,
            "version": pool.cluster_kubernetes_version,
            "names": pool.node_pool_names,
            "runtimeClass": pool.runtime_class_name,
            "first": pool.node_pool_name,
        }

    run = deploy(build)
    assert run.of_type(CLUSTER) == []
    assert only(run, AGENT_POOL).inputs == {
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
    assert run.outputs["kubeconfig"].secret
    assert clear_outputs(run) == {
        "kubeconfig": KUBECONFIG,
        "version": "1.33.2",
        "names": ["nodepool2"],
        "runtimeClass": "kata-vm-isolation",
        "first": "nodepool2",
    }
    assert sorted(invoke.token for invoke in run.invokes) == [GET_CLUSTER, CREDENTIALS]


def test_node_pool_takes_its_cluster_from_another_resources_outputs():
    def build() -> dict[str, Any]:
        group = resources.ResourceGroup("team", resource_group_name="team-rg", location="eastus")
        pool = SandboxedNodePool(
            "sandbox", pool_args(resource_group_name=group.name, vm_size="Standard_D8s_v5")
        )
        return {"k": pool.kubeconfig}

    run = deploy(build)
    pool = only(run, AGENT_POOL)
    assert pool.inputs["resourceGroupName"] == "team-rg"
    assert pool.inputs["vmSize"] == "Standard_D8s_v5"
    assert only(run, GROUP).urn in pool.dependencies


def test_node_pool_version_is_passed_when_set():
    run = deploy(
        lambda: {"v": SandboxedNodePool("sandbox", pool_args(kubernetes_version="1.33")).kubeconfig}
    )
    assert only(run, AGENT_POOL).inputs["orchestratorVersion"] == "1.33"


class SlowDependency(AzureMocks):
    """Registers a resource group slowly and notes, for each invoke, whether it was done."""

    def __init__(self) -> None:
        super().__init__()
        self.group_done = threading.Event()
        self.invoked_after_group: list[tuple[str, bool]] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        if args.typ == GROUP:
            time.sleep(0.3)
            self.group_done.set()
        return super().new_resource(args)

    def answer(self, token: str, args: dict[str, Any]) -> Optional[dict[str, Any]]:
        self.invoked_after_group.append((token, self.group_done.is_set()))
        return super().answer(token, args)


def test_the_callers_depends_on_reaches_the_components_invokes():
    # Invokes do not inherit depends_on (pulumi/pulumi #24436): the component passes it on.
    mocks = SlowDependency()

    def build() -> dict[str, Any]:
        group = resources.ResourceGroup("first", location="eastus")
        pool = SandboxedNodePool("sandbox", pool_args(), pulumi.ResourceOptions(depends_on=[group]))
        return {"k": pool.kubeconfig}

    run = deploy(build, mocks)
    assert set(mocks.invoked_after_group) == {(CREDENTIALS, True), (GET_CLUSTER, True)}
    [group] = run.of_type(GROUP)
    assert group.urn in only(run, AGENT_POOL).dependencies


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
            "k": SandboxedNodePool(
                "sandbox", pool_args(workload_runtime="KataMshvVmIsolation")
            ).kubeconfig
        },
        AzureMocks(existing_version="1.26.3"),
    )
    [pool] = run.of_type(GENERIC)
    assert (pool.inputs["apiVersion"], pool.inputs["resourceName"]) == (
        aks.LEGACY_ARM_API_VERSION, "nodepool2",
    )  # fmt: skip
    assert pool.inputs["properties"]["workloadRuntime"] == "KataMshvVmIsolation"
    assert FEATURE_READ in [invoke.token for invoke in run.invokes]
    assert any("preview-era (legacy)" in warning for warning in run.warnings)


def test_extra_pools_on_a_new_cluster_wait_for_it_one_after_the_other():
    extra = [
        {"name": "kata8", "vm_size": "Standard_D8s_v5", "node_count": 2},
        {"name": "katamem", "vm_size": "Standard_E4s_v5"},
    ]
    run = deploy(
        lambda: {
            "c": SandboxedCluster(
                "sandbox", cluster_args(extra_pools=extra, kubernetes_version="1.33")
            ).node_pool_names
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
    assert pools["katamem"].inputs["count"] == 1
    for pool in pools.values():
        assert pool.parent and pool.parent.endswith("SandboxedCluster::sandbox")
    assert only(run, CLUSTER).urn in pools["kata8"].dependencies
    assert pools["kata8"].urn in pools["katamem"].dependencies
    assert run.outputs["c"].value == ["nodepool1", "kata8", "katamem"]
    # A new cluster's pools are not read from Azure: it does not exist yet at preview.
    assert GET_CLUSTER not in [invoke.token for invoke in run.invokes]


def test_extra_pools_on_an_existing_cluster():
    extra = [{"name": "kata8", "vm_size": "Standard_D8s_v5", "node_count": 2}]
    run = deploy(
        lambda: {"k": SandboxedNodePool("sandbox", pool_args(extra_pools=extra)).kubeconfig}
    )
    pools = {pool.inputs["agentPoolName"]: pool for pool in run.of_type(AGENT_POOL)}
    assert sorted(pools) == ["kata8", "nodepool2"]
    assert pools["nodepool2"].urn in pools["kata8"].dependencies
    assert pools["kata8"].urn.endswith(
        "SandboxedNodePool$azure-native:containerservice:AgentPool::sandbox-pool-kata8"
    )


def test_the_readmes_python_example_runs_as_written(clear_outputs):
    readme = docs_text()
    [example] = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.S)
        if "SandboxedNodePool(" in block
    ]
    run = run_function(lambda: exec(example, {}), "team", "dev", {}, AzureMocks())
    [pool] = run.of_type(AGENT_POOL)
    assert (pool.inputs["vmSize"], pool.protect) == ("Standard_D8s_v5", True)
    assert clear_outputs(run) == {"runtimeClassName": "kata-vm-isolation"}
    assert len(run.of_type("pulumi:providers:kubernetes")) == 1


def test_the_cluster_name_may_be_another_resources_output():
    def build() -> dict[str, Any]:
        group = resources.ResourceGroup("team", resource_group_name="team_aks", location="eastus")
        cluster = SandboxedCluster("sandbox", cluster_args(cluster_name=group.name))
        return {"c": cluster.cluster_name}

    run = deploy(build)
    cluster = only(run, CLUSTER)
    assert (cluster.inputs["resourceName"], cluster.inputs["dnsPrefix"]) == ("team_aks", "team-aks")


def test_an_explicit_azure_provider_reaches_every_resource_and_read():
    from pulumi_azure_native import Provider

    def build() -> dict[str, Any]:
        azure = Provider("team-subscription", location="westeurope")
        cluster = SandboxedCluster(
            "sandbox",
            cluster_args(extra_pools=[{"name": "kata8"}]),
            pulumi.ResourceOptions(providers=[azure]),
        )
        pool = SandboxedNodePool("pool", pool_args(), pulumi.ResourceOptions(providers=[azure]))
        return {"c": cluster.kubeconfig, "p": pool.kubeconfig}

    run = deploy(build)
    [azure] = run.of_type("pulumi:providers:azure-native")
    reference = f"{azure.urn}::team-subscription-id"
    azure_resources = [r for r in run.resources if r.type.startswith("azure-native:") and r.custom]
    assert sorted(r.type for r in azure_resources) == [
        AGENT_POOL, AGENT_POOL, CLUSTER, GROUP,
    ]  # fmt: skip
    assert {r.provider for r in azure_resources} == {reference}
    assert sorted(i.token for i in run.invokes) == sorted([CREDENTIALS, CREDENTIALS, GET_CLUSTER])
    assert {invoke.provider for invoke in run.invokes} == {reference}
