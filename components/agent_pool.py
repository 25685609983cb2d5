"""One sandboxing `AgentPool`, as both components add them (not a component itself)."""

from __future__ import annotations

from typing import Optional

import pulumi
from pulumi_azure_native import containerservice

from podsandbox.rules.aks import REQUIRED_OS_TYPE, RuntimeGeneration
from podsandbox.rules.stack_settings import PoolSpec


def sandboxing_agent_pool(
    name: str,
    *,
    resource_group_name: str,
    cluster_name: str,
    pool: PoolSpec,
    runtime: RuntimeGeneration,
    os_sku: str,
    orchestrator_version: pulumi.Input[Optional[str]],
    opts: pulumi.ResourceOptions,
) -> containerservice.AgentPool:
    """A User-mode pool like `az aks nodepool add --os-sku ... --workload-runtime ...`."""
    return containerservice.AgentPool(
        name,
        resource_group_name=resource_group_name,
        resource_name_=cluster_name,
        agent_pool_name=pool.name,
        mode=containerservice.AgentPoolMode.USER,
        type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
        count=pool.count,
        vm_size=pool.vm_size,
        os_type=REQUIRED_OS_TYPE,
        os_sku=os_sku,
        workload_runtime=runtime.workload_runtime,
        orchestrator_version=orchestrator_version,
        opts=opts,
    )
