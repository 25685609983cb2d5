"""A sandboxing node pool added to an existing AKS cluster (the how-to's `az aks nodepool add`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
from pulumi_azure_native import containerservice

from components.agent_pool import sandboxing_agent_pool
from components.kubeconfig import kubernetes_provider, user_kubeconfig
from podsandbox.rules.aks import RuntimeGeneration, existing_cluster_version_problem
from podsandbox.rules.stack_settings import PoolSpec

TYPE_TOKEN = "podsandbox:index:SandboxedNodePool"


@dataclass(frozen=True)
class SandboxedNodePoolArgs:
    resource_group_name: str
    cluster_name: str
    """The existing cluster; it is read, never created, changed or deleted."""
    runtime: RuntimeGeneration
    node_pool_name: str
    node_vm_size: str
    node_count: int
    os_sku: str
    kubernetes_version: Optional[str] = None
    """None for the cluster's own version."""
    protect: bool = False
    extra_pools: Sequence[PoolSpec] = field(default=())
    """More sandboxing pools on the same cluster."""
    wait_for: Sequence[pulumi.Resource] = field(default=())
    """Resources the pools must wait for, e.g. the preview feature registration."""


class SandboxedNodePool(pulumi.ComponentResource):
    """User-mode `AgentPool`s with the workload runtime on a cluster this stack does not own.

    The existing cluster is read (invoke) to check that its Kubernetes version meets the runtime's
    minimum; the pool is registered only after that check passed, because its orchestrator
    version is derived from it. `pulumi destroy` removes the pool only.
    """

    resource_group_name: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    node_pool_name: pulumi.Output[str]
    cluster_kubernetes_version: pulumi.Output[Optional[str]]
    """The existing cluster's current Kubernetes version (unknown in an offline preview)."""
    kubeconfig: pulumi.Output[str]
    """Cluster-user kubeconfig of the existing cluster, a secret."""
    provider: pulumi.ProviderResource
    """Kubernetes provider for the existing cluster, for later components."""

    def __init__(
        self,
        name: str,
        args: SandboxedNodePoolArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)

        existing = containerservice.get_managed_cluster_output(
            resource_group_name=args.resource_group_name,
            resource_name=args.cluster_name,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )

        def checked_version(cluster: containerservice.GetManagedClusterResult) -> Optional[str]:
            version = cluster.current_kubernetes_version or cluster.kubernetes_version
            problem = existing_cluster_version_problem(args.cluster_name, version, args.runtime)
            if problem is not None:
                raise pulumi.RunError(problem)
            return version

        self.cluster_kubernetes_version = existing.apply(checked_version)
        # The pool's version waits for the check, so a failed check registers no pool.
        orchestrator_version = self.cluster_kubernetes_version.apply(
            lambda _: args.kubernetes_version
        )

        main_pool = PoolSpec(args.node_pool_name, args.node_vm_size, args.node_count)
        pools: list[containerservice.AgentPool] = []
        for spec in (main_pool, *args.extra_pools):
            # One pool after the other: AKS may refuse concurrent operations on one cluster's pools.
            pools.append(
                sandboxing_agent_pool(
                    f"{name}-pool" if spec is main_pool else f"{name}-pool-{spec.name}",
                    resource_group_name=args.resource_group_name,
                    cluster_name=args.cluster_name,
                    pool=spec,
                    runtime=args.runtime,
                    os_sku=args.os_sku,
                    orchestrator_version=orchestrator_version,
                    opts=pulumi.ResourceOptions(
                        parent=self,
                        protect=args.protect,
                        depends_on=[*args.wait_for, *pools[-1:]],
                    ),
                )
            )
        pool = pools[0]

        self.resource_group_name = pulumi.Output.from_input(args.resource_group_name)
        self.cluster_name = pulumi.Output.from_input(args.cluster_name)
        self.node_pool_name = pool.id.apply(lambda _: args.node_pool_name)
        self.kubeconfig = user_kubeconfig(args.resource_group_name, args.cluster_name, parent=self)
        self.provider = kubernetes_provider(f"{name}-k8s", self.kubeconfig, parent=self)
        self.register_outputs(
            {
                "resourceGroupName": self.resource_group_name,
                "clusterName": self.cluster_name,
                "nodePoolName": self.node_pool_name,
                "clusterKubernetesVersion": self.cluster_kubernetes_version,
                "kubeconfig": self.kubeconfig,
            }
        )
