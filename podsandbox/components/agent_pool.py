"""One sandboxing `AgentPool`, as both components add them, and the inputs of such a pool.

Not a component itself: `SandboxedCluster` adds its extra pools with it and `SandboxedNodePool`
all of its pools, so a pool's fields are written once. (No `from __future__ import annotations`
here: Pulumi's schema inference reads these annotations at run time.)
"""

from typing import NotRequired, Optional, TypedDict

import pulumi
from pulumi_azure_native import containerservice, resources

from podsandbox.rules.aks import LEGACY_ARM_API_VERSION, REQUIRED_OS_TYPE, RuntimeGeneration

CONTAINER_SERVICE = "Microsoft.ContainerService"


class SandboxPoolArgs(TypedDict):
    """One more sandboxing node pool (User mode) on the same cluster, with the component's
    workload runtime, OS SKU and Kubernetes version."""

    name: str
    """Pool name: 1-12 lower-case letters and digits, starting with a letter, e.g. kata8; unique
    in the cluster."""
    vm_size: NotRequired[str]
    """VM size: Generation 2 with nested virtualization. Default: Standard_D4s_v3."""
    node_count: NotRequired[int]
    """Number of nodes, at least 1. Default: 1."""


def sandboxing_agent_pool(
    name: str,
    *,
    resource_group_name: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    pool_name: str,
    vm_size: str,
    node_count: int,
    runtime: RuntimeGeneration,
    os_sku: str,
    orchestrator_version: pulumi.Input[Optional[str]],
    opts: pulumi.ResourceOptions,
) -> pulumi.CustomResource:
    """A User-mode pool like `az aks nodepool add --os-sku ... --workload-runtime ...`.

    A legacy pool is sent with a preview ARM API version through the generic resource (see
    `LEGACY_ARM_API_VERSION`); a GA pool is an azure-native AgentPool. A pool's name is fixed in
    its cluster, so a replacement deletes the old pool before it creates the new one.
    """
    opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True))
    if runtime.legacy:
        properties: dict[str, pulumi.Input[object]] = {
            "mode": "User",
            "type": "VirtualMachineScaleSets",
            "count": node_count,
            "vmSize": vm_size,
            "osType": REQUIRED_OS_TYPE,
            "osSKU": os_sku,
            "workloadRuntime": runtime.workload_runtime,
        }
        if orchestrator_version is not None:
            properties["orchestratorVersion"] = orchestrator_version
        return resources.Resource(
            name,
            resource_group_name=resource_group_name,
            resource_provider_namespace=CONTAINER_SERVICE,
            parent_resource_path=pulumi.Output.concat("managedClusters/", cluster_name),
            resource_type="agentPools",
            resource_name_=pool_name,
            api_version=LEGACY_ARM_API_VERSION,
            properties=properties,
            opts=opts,
        )
    return containerservice.AgentPool(
        name,
        resource_group_name=resource_group_name,
        resource_name_=cluster_name,
        agent_pool_name=pool_name,
        mode=containerservice.AgentPoolMode.USER,
        type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
        count=node_count,
        vm_size=vm_size,
        os_type=REQUIRED_OS_TYPE,
        os_sku=os_sku,
        workload_runtime=runtime.workload_runtime,
        orchestrator_version=orchestrator_version,
        opts=opts,
    )
