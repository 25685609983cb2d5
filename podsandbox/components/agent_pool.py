"""One sandboxing `AgentPool`, as both components add them, and the inputs of such a pool.

Not a component itself: `SandboxedCluster` adds its extra pools with it and `SandboxedNodePool`
all of its pools, so a pool's fields are written once. (No `from __future__ import annotations`
here: Pulumi's schema inference reads these annotations at run time.)
"""

from typing import Any, NotRequired, Optional, TypedDict, cast

import pulumi
from pulumi_azure_native import containerservice, resources

from podsandbox.rules.aks import (
    AGENT_POOL_FORCE_NEW,
    LEGACY_ARM_API_VERSION,
    REQUIRED_OS_TYPE,
    RuntimeGeneration,
)
from podsandbox.rules.pool_limits import FIXED_AT_CREATION, PoolOptions
from podsandbox.rules.pool_settings import nest

CONTAINER_SERVICE = "Microsoft.ContainerService"
LEGACY_POOL_PARENT = "parentResourcePath"
"""The legacy pool's input that names its cluster (`managedClusters/NAME`)."""


class PoolOptionsArgs(TypedDict):
    """A sandboxing pool's scale, placement, taints and disk; each one left out takes AKS's
    default. What AKS cannot change once a pool exists (zones, max pods, OS disk) replaces the
    pool when changed, which `protect` blocks."""

    enable_auto_scaling: NotRequired[bool]
    """Let the cluster autoscaler size the pool between minCount and maxCount. nodeCount is then
    the initial size, and later changes of it are ignored (the autoscaler owns the count).
    Default: false."""
    min_count: NotRequired[int]
    """Fewest nodes with autoscaling: 0 or more for a User pool, 1 or more for a System pool."""
    max_count: NotRequired[int]
    """Most nodes with autoscaling, at most 1000 (AKS's limit per pool)."""
    max_pods: NotRequired[int]
    """Most pods per node, 10 to 250, with room for 30 pods in the pool. Default: the network
    plugin's (250 with Azure CNI overlay, 110 with kubenet)."""
    os_disk_type: NotRequired[str]
    """Managed or Ephemeral (an ephemeral disk must fit the VM's cache or temporary disk, which
    Azure checks). Default: Ephemeral where the VM size allows it, else Managed."""
    os_disk_size_gb: NotRequired[int]
    """OS disk size in GB, 30 to 2048. Default: AKS's for the VM size."""
    availability_zones: NotRequired[list[str]]
    """Availability zones of the region for the nodes, e.g. ["1", "2", "3"]. Default: none."""
    node_taints: NotRequired[list[str]]
    """Taints key=value:Effect on the nodes, e.g. sandbox=true:NoSchedule, which pods must
    tolerate; a System pool takes only CriticalAddonsOnly=true:NoSchedule. Default: none."""
    scale_down_mode: NotRequired[str]
    """What the autoscaler does with a node it scales down: Delete, or Deallocate (the node is
    stopped and kept, so that scaling up again is faster; not with Ephemeral OS disks).
    Default: Delete."""
    max_surge: NotRequired[str]
    """How many extra nodes an upgrade adds at a time: a number of nodes such as 5, or a
    percentage of the pool such as 33%. Changeable on a deployed pool. Default: AKS's (10% in the
    API reference, 1 node in the rolling-upgrade guide)."""
    node_labels: NotRequired[dict[str, str]]
    """Labels on the nodes, e.g. {"workload": "sandboxed"}. Default: none."""


class SandboxPoolArgs(PoolOptionsArgs):
    """One more sandboxing node pool (User mode) on the same cluster, with the component's
    workload runtime, OS SKU and Kubernetes version."""

    name: str
    """Pool name: 1-12 lower-case letters and digits, starting with a letter, e.g. kata8; unique
    in the cluster."""
    vm_size: NotRequired[str]
    """VM size: Generation 2 with nested virtualization. Default: Standard_D4s_v3."""
    node_count: NotRequired[int]
    """Number of nodes, at least 1; with autoscaling, the initial size. Default: 1."""


def option_inputs(options: PoolOptions) -> dict[str, Any]:
    """The options that are set, by the SDK's Python input names (the same in
    `ManagedClusterAgentPoolProfileArgs` and `AgentPool`), nested where the API nests them (the
    SDK names a nested map's keys in Python too); the bounds only with autoscaling."""
    return nest((s.sdk_path, value) for s, value in options.set_values() if value is not None)


def set_pool_options(args: PoolOptionsArgs, options: PoolOptions) -> None:
    """Put validated options into a component's inputs (a pool's, or its first pool's): flat,
    by `PoolOptionsArgs`' names."""
    inputs = {s.field: value for s, value in options.set_values() if value is not None}
    cast(dict[str, Any], args).update(inputs)


def pool_options(
    options: PoolOptions, legacy: bool, inline_index: Optional[int] = None
) -> pulumi.ResourceOptions:
    """What the engine must do with a pool's options: ignore the count once the autoscaler owns it
    (or every `up` would reset it), and replace the pool when a field AKS cannot change changes.
    `inline_index`: the pool's place in a cluster's agentPoolProfiles, None for an AgentPool."""
    body = "properties." if legacy else ""
    where = f"{body}agentPoolProfiles[{inline_index}]." if inline_index is not None else body
    return pulumi.ResourceOptions(
        ignore_changes=[f"{where}count"] if options.enable_auto_scaling else None,
        replace_on_changes=[f"{where}{field}" for field in FIXED_AT_CREATION],
    )


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
    options: PoolOptions,
    opts: pulumi.ResourceOptions,
) -> pulumi.CustomResource:
    """A User-mode pool like `az aks nodepool add --os-sku ... --workload-runtime ...`.

    A legacy pool is sent with a preview ARM API version through the generic resource (see
    `LEGACY_ARM_API_VERSION`); a GA pool is an azure-native AgentPool. A pool's name is fixed in
    its cluster, so a replacement deletes the old pool before it creates the new one.
    """
    opts = pulumi.ResourceOptions.merge(
        opts,
        pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(delete_before_replace=True),
            pool_options(options, runtime.legacy),
        ),
    )
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
        properties.update(options.engine_inputs())
        # The generic resource carries no force-new metadata of its own: moving the pool to
        # another (or a replaced) cluster must replace it, as an AgentPool's resourceName does.
        opts = pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                replace_on_changes=[
                    LEGACY_POOL_PARENT,
                    *(f"properties.{key}" for key in AGENT_POOL_FORCE_NEW),
                ]
            ),
        )
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
        **option_inputs(options),
        opts=opts,
    )
