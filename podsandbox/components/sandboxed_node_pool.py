"""Sandboxing node pools added to an existing AKS cluster (the how-to's `az aks nodepool add`).

No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
"""

import asyncio
from functools import partial
from typing import Any, NotRequired, Optional, cast

import pulumi
from pulumi_azure_native import containerservice

from podsandbox.components.agent_pool import (
    PoolOptionsArgs,
    SandboxPoolArgs,
    sandboxing_agent_pool,
)
from podsandbox.components.feature_check import after, feature_gate
from podsandbox.components.input_keys import python_unknown_keys
from podsandbox.components.kubeconfig import depends_on_of, user_kubeconfig
from podsandbox.components.runtime_class import RuntimeClassMissingError, check_runtime_class
from podsandbox.components.validation import PoolPlan, checked, node_pool_inputs
from podsandbox.rules import network
from podsandbox.rules.aks import (
    DEFAULT_KUBELOGIN_MODE,
    RuntimeGeneration,
    existing_cluster_version_problem,
)

TYPE_TOKEN = "podsandbox:index:SandboxedNodePool"


class SandboxedNodePoolArgs(PoolOptionsArgs):
    """The existing cluster, and the sandboxing pools to add to it (the pool options here are
    the first pool's)."""

    resource_group_name: pulumi.Input[str]
    """Resource group of the existing cluster."""
    cluster_name: pulumi.Input[str]
    """The existing AKS cluster. It is read (its version, its credentials), never created,
    changed or deleted."""
    node_pool_name: NotRequired[str]
    """Name of the sandboxing pool: 1-12 lower-case letters and digits, starting with a letter.
    Default: nodepool2 (the how-to's)."""
    vm_size: NotRequired[str]
    """VM size: Generation 2 with nested virtualization (Azure exposes no API for it: the
    catalog says). Default: Standard_D4s_v3."""
    node_count: NotRequired[int]
    """Number of nodes, at least 1; with autoscaling, the initial size. Default: 1."""
    os_sku: NotRequired[str]
    """OS SKU; Pod Sandboxing requires AzureLinux. Default: AzureLinux."""
    workload_runtime: NotRequired[str]
    """KataVmIsolation (GA) or the legacy preview KataMshvVmIsolation. Default:
    KataVmIsolation."""
    kubernetes_version: NotRequired[str]
    """Kubernetes version of the pools (orchestratorVersion), at least 1.27.0 for KataVmIsolation.
    Default: the cluster's own version."""
    extra_pools: NotRequired[list[SandboxPoolArgs]]
    """More sandboxing pools on the same cluster, created one after the other. Default: none."""
    kubelogin_mode: NotRequired[str]
    """How the kubeconfig signs in when the cluster uses Microsoft Entra ID: azurecli (the Azure
    CLI's account), workloadidentity or spn (a service principal from the environment). kubelogin
    must then be installed wherever `pulumi preview` or `up` runs. Ignored for a cluster with local
    accounts. Default: azurecli."""


class SandboxedNodePool(pulumi.ComponentResource):
    """User-mode sandboxing `AgentPool`s on an AKS cluster that this program does not own.

    Its inputs are checked before anything is registered, with every problem in one error. The
    cluster is read to check that its Kubernetes version meets the runtime's minimum; the pools
    are registered only once that check passed (they wait for it). `pulumi destroy`
    removes the pools only. Ordering (`depends_on`, also passed to the cluster reads) and the
    Azure provider (`providers`) come from the resource options.
    """

    resource_group_name: pulumi.Output[str]
    """Resource group of the cluster."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    node_pool_name: pulumi.Output[str]
    """Name of the first sandboxing pool, known once it exists."""
    node_pool_names: pulumi.Output[list[str]]
    """Names of every sandboxing pool this component adds, the first one first."""
    workload_runtime: pulumi.Output[str]
    """The pools' workload runtime, e.g. KataVmIsolation."""
    runtime_class_name: pulumi.Output[str]
    """The RuntimeClass a pod names to run sandboxed on these pools, e.g. kata-vm-isolation;
    known once the pools exist and the cluster has the class, so a pod that uses it waits."""
    cluster_kubernetes_version: pulumi.Output[Optional[str]]
    """The existing cluster's current Kubernetes version."""
    kubeconfig: pulumi.Output[str]
    """Cluster-user kubeconfig of the cluster (like `az aks get-credentials`), a secret; with
    Microsoft Entra ID it runs kubelogin with kubeloginMode."""

    def __init__(
        self,
        name: str,
        args: SandboxedNodePoolArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        plan, warnings = checked(
            "SandboxedNodePool",
            node_pool_inputs(args, name),
            python_unknown_keys(args, SandboxedNodePoolArgs),
            name,
        )
        super().__init__(TYPE_TOKEN, name, None, opts)
        for warning in warnings:
            pulumi.log.warn(warning, resource=self)
        depends_on = depends_on_of(opts)
        # The legacy runtime's subscription feature is read first; the pools wait for it.
        gate = feature_gate(plan.runtime, self, depends_on)
        resource_group_name = after(gate, args["resource_group_name"])

        existing = containerservice.get_managed_cluster_output(
            resource_group_name=args["resource_group_name"],
            resource_name=args["cluster_name"],
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=depends_on),
        )
        self.cluster_kubernetes_version = existing.apply(
            partial(_checked_version, self, plan.runtime)
        )
        # The pools wait for the check through depends_on, so a failed check registers no pool,
        # while their own inputs stay what the stack says (known to an offline preview, which
        # cannot read the cluster: there the check's value is unknown and nothing waits on it).
        version_checked = cast(
            pulumi.Output[pulumi.Resource], self.cluster_kubernetes_version.apply(lambda _: None)
        )
        pools = _pools(self, name, args, plan, resource_group_name, depends_on, version_checked)
        self._publish(args, plan, existing, pools, depends_on)

    def _publish(
        self,
        args: SandboxedNodePoolArgs,
        plan: PoolPlan,
        existing: pulumi.Output[containerservice.GetManagedClusterResult],
        pools: list[pulumi.CustomResource],
        depends_on: list[pulumi.Input[pulumi.Resource]],
    ) -> None:
        """The component's outputs (the cluster's version is set with its check)."""
        runtime = plan.runtime
        self.resource_group_name = pulumi.Output.from_input(args["resource_group_name"])
        self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
        first = plan.pools[0].name
        self.node_pool_name = pools[0].id.apply(lambda _: first)
        self.node_pool_names = pulumi.Output.from_input([pool.name for pool in plan.pools])
        self.workload_runtime = pulumi.Output.from_input(runtime.workload_runtime)
        login_mode = args.get("kubelogin_mode") or DEFAULT_KUBELOGIN_MODE
        self.kubeconfig = user_kubeconfig(
            args["resource_group_name"],
            args["cluster_name"],
            parent=self,
            depends_on=depends_on,
            entra_login=existing.apply(partial(_entra_login, self, login_mode)),
        )
        # Read once the pools exist (the class may come with them): a pod that waits for this
        # (`runtime_class_ready` in depends_on, or the runtimeClassName output) is never refused.
        self.runtime_class_ready: pulumi.Output[pulumi.CustomResource] = pulumi.Output.all(
            self.kubeconfig,
            args["resource_group_name"],
            args["cluster_name"],
            *(pool.id for pool in pools),
        ).apply(partial(_has_runtime_class, self, runtime, pools[-1]))
        # Not a secret, though it waits for one (the kubeconfig).
        self.runtime_class_name = pulumi.Output.unsecret(
            self.runtime_class_ready.apply(lambda _: runtime.runtime_class_name)
        )
        self.register_outputs(
            {
                "resourceGroupName": self.resource_group_name,
                "clusterName": self.cluster_name,
                "nodePoolName": self.node_pool_name,
                "nodePoolNames": self.node_pool_names,
                "workloadRuntime": self.workload_runtime,
                "runtimeClassName": self.runtime_class_name,
                "clusterKubernetesVersion": self.cluster_kubernetes_version,
                "kubeconfig": self.kubeconfig,
            }
        )


def _checked_version(
    component: pulumi.Resource,
    runtime: RuntimeGeneration,
    cluster: containerservice.GetManagedClusterResult,
) -> Optional[str]:
    """The existing cluster's version, once it meets the runtime's minimum (else the deployment
    stops); warns when the cluster enforces no NetworkPolicy."""
    version = cluster.current_kubernetes_version or cluster.kubernetes_version
    problem = existing_cluster_version_problem(cluster.name, version, runtime)
    if problem is not None:
        raise pulumi.RunError(problem)
    profile = cluster.network_profile
    warning = network.existing_cluster_warning(
        cluster.name, profile.network_policy if profile is not None else None
    )
    if warning is not None:
        pulumi.log.warn(warning, resource=component)
    return version


def _pools(
    parent: pulumi.Resource,
    name: str,
    args: SandboxedNodePoolArgs,
    plan: PoolPlan,
    resource_group_name: pulumi.Input[str],
    depends_on: list[pulumi.Input[pulumi.Resource]],
    version_checked: pulumi.Output[pulumi.Resource],
) -> list[pulumi.CustomResource]:
    """The pools, one after the other (AKS may refuse concurrent operations on one cluster's
    pools), each once the cluster's version passed its check."""
    pools: list[pulumi.CustomResource] = []
    for index, pool in enumerate(plan.pools):
        pools.append(
            sandboxing_agent_pool(
                f"{name}-pool" if index == 0 else f"{name}-pool-{pool.name}",
                resource_group_name=resource_group_name,
                cluster_name=args["cluster_name"],
                pool_name=pool.name,
                vm_size=pool.vm_size,
                node_count=pool.node_count,
                runtime=plan.runtime,
                os_sku=plan.os_sku,
                orchestrator_version=plan.kubernetes_version,
                options=pool.options,
                opts=pulumi.ResourceOptions(
                    parent=parent, depends_on=[*depends_on, *pools[-1:], version_checked]
                ),
            )
        )
    return pools


def _entra_login(
    component: pulumi.Resource,
    login_mode: str,
    cluster: containerservice.GetManagedClusterResult,
) -> Optional[str]:
    """How the kubeconfig signs in: `login_mode` for an Entra ID cluster, None for local
    accounts."""
    if cluster.aad_profile is None:
        return None
    pulumi.log.info(
        f"cluster {cluster.name} signs users in with Microsoft Entra ID: its kubeconfig "
        f"runs `kubelogin get-token --login {login_mode}`, so kubelogin must be installed "
        "wherever `pulumi preview` or `pulumi up` runs",
        resource=component,
    )
    return login_mode


async def _has_runtime_class(
    component: pulumi.Resource,
    runtime: RuntimeGeneration,
    last_pool: pulumi.CustomResource,
    values: list[Any],
) -> pulumi.CustomResource:
    """The last pool, once the cluster has the runtime's RuntimeClass (else the deployment
    stops)."""
    kubeconfig, group, cluster = values[0], values[1], values[2]
    try:
        # In a thread: kubelogin and the API server may take seconds, and the SDK's event
        # loop carries every other registration meanwhile.
        warning = await asyncio.to_thread(check_runtime_class, kubeconfig, runtime, group, cluster)
    except RuntimeClassMissingError as error:
        raise pulumi.RunError(str(error)) from None
    if warning is not None:
        pulumi.log.warn(warning, resource=component)
    return last_pool
