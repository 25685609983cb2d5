"""A new AKS cluster whose system pool runs pods in Kata VMs (the how-to's `az aks create`).

No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
"""

from dataclasses import dataclass
from typing import NotRequired, Optional

import pulumi
import pulumi_tls as tls
from pulumi_azure_native import containerservice, resources

from podsandbox.components.agent_pool import (
    CONTAINER_SERVICE,
    PoolOptionsArgs,
    SandboxPoolArgs,
    option_inputs,
    pool_options,
    sandboxing_agent_pool,
)
from podsandbox.components.feature_check import after, feature_gate
from podsandbox.components.input_keys import python_unknown_keys
from podsandbox.components.kubeconfig import depends_on_of, user_kubeconfig
from podsandbox.components.lifecycle import output_of
from podsandbox.components.validation import ClusterValues, PoolPlan, checked, cluster_inputs
from podsandbox.rules import network
from podsandbox.rules.aks import (
    INLINE_POOL_IMMUTABLE_FIELDS,
    LEGACY_ARM_API_VERSION,
    MANAGED_CLUSTER_FORCE_NEW,
    REQUIRED_OS_TYPE,
)
from podsandbox.rules.judge import dns_prefix

TYPE_TOKEN = "podsandbox:index:SandboxedCluster"
ADMIN_USERNAME = "azureuser"
"""The Linux admin user `az aks create` sets up for the SSH key."""


Cluster = resources.Resource | containerservice.ManagedCluster
"""The cluster resource: the generic resource for the legacy runtime, else a `ManagedCluster`."""


class SandboxedClusterArgs(PoolOptionsArgs):
    """The cluster, its sandboxing system pool (whose options are the pool options here), and
    any more sandboxing pools."""

    resource_group_name: pulumi.Input[str]
    """Resource group of the cluster: created here unless createResourceGroup is false."""
    location: pulumi.Input[str]
    """Azure region of the cluster (and of the resource group it creates), e.g. eastus."""
    cluster_name: pulumi.Input[str]
    """Name of the AKS cluster: 1-63 letters, digits, '-' or '_', starting and ending with a
    letter or digit."""
    create_resource_group: NotRequired[bool]
    """Create the resource group (true) or use an existing one (false). Default: true."""
    dns_prefix: NotRequired[str]
    """DNS prefix of the API server. Default: derived from clusterName."""
    node_pool_name: NotRequired[str]
    """Name of the sandboxing system pool: 1-12 lower-case letters and digits, starting with a
    letter. Default: nodepool1 (as `az aks create`)."""
    vm_size: NotRequired[str]
    """VM size of the system pool: Generation 2 with nested virtualization (Azure exposes no API
    for it: the catalog says). Default: Standard_D4s_v3."""
    node_count: NotRequired[int]
    """Number of nodes in the system pool, at least 1; with autoscaling, the initial size.
    Default: 1."""
    os_sku: NotRequired[str]
    """OS SKU of every pool; Pod Sandboxing requires AzureLinux. Default: AzureLinux."""
    workload_runtime: NotRequired[str]
    """KataVmIsolation (GA) or the legacy preview KataMshvVmIsolation. Default:
    KataVmIsolation."""
    kubernetes_version: NotRequired[str]
    """Kubernetes version of the cluster, at least 1.27.0 for KataVmIsolation. Default: the AKS
    default."""
    ssh_public_key: NotRequired[str]
    """OpenSSH public key for the nodes. Default: a generated RSA key pair, whose private key is
    the secret output sshPrivateKey (as `--generate-ssh-keys`)."""
    extra_pools: NotRequired[list[SandboxPoolArgs]]
    """More sandboxing pools (User mode), created one after the other once the cluster exists.
    Default: none."""
    network_policy: NotRequired[str]
    """Engine that enforces NetworkPolicy: cilium (Azure CNI overlay powered by Cilium), azure
    (Azure Network Policy Manager on Azure CNI overlay) or none (AKS's default network profile,
    NetworkPolicy not enforced; no network profile is sent). Choosing cilium or azure for a
    deployed cluster with another profile replaces the cluster, which `protect` blocks. Default:
    cilium for a cluster created now, while a cluster deployed before keeps its network profile
    (its changes are ignored)."""


class SandboxedCluster(pulumi.ComponentResource):
    """A resource group and a `ManagedCluster` whose system pool is sandboxing-enabled.

    Mirrors `az aks create --os-sku AzureLinux --workload-runtime <runtime> --node-vm-size <size>
    --node-count <n> --generate-ssh-keys`: a SystemAssigned identity, a Linux profile with the SSH
    key, one System pool carrying the workload runtime, and any extra sandboxing pools. Its
    inputs are checked before anything is registered, with every problem in one error. Ordering
    (`depends_on`), protection (`protect`) and the Azure provider (`providers`) come from the
    resource options.
    """

    resource_group_name: pulumi.Output[str]
    """Resource group of the cluster."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    node_pool_names: pulumi.Output[list[str]]
    """Names of every sandboxing pool, the system pool first."""
    workload_runtime: pulumi.Output[str]
    """The pools' workload runtime, e.g. KataVmIsolation."""
    runtime_class_name: pulumi.Output[str]
    """The RuntimeClass a pod names to run sandboxed, e.g. kata-vm-isolation."""
    kubeconfig: pulumi.Output[str]
    """Cluster-user kubeconfig (like `az aks get-credentials`), a secret."""
    ssh_private_key: pulumi.Output[Optional[str]]
    """OpenSSH private key of the generated key pair, a secret; null when sshPublicKey was
    given."""

    def __init__(
        self,
        name: str,
        args: SandboxedClusterArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        values, warnings = checked(
            "SandboxedCluster",
            cluster_inputs(args, name),
            python_unknown_keys(args, SandboxedClusterArgs),
            name,
        )
        super().__init__(TYPE_TOKEN, name, None, opts)
        for warning in warnings:
            pulumi.log.warn(warning, resource=self)
        if not values.engine_chosen:
            pulumi.log.info(network.DEFAULT_ENGINE_NOTE, resource=self)
        depends_on = depends_on_of(opts)
        # Every child waits for what the caller's depends_on names (it is not inherited).
        child = pulumi.ResourceOptions(parent=self, depends_on=depends_on)

        # The legacy runtime's subscription feature is read first; everything waits for it.
        gate = feature_gate(values.plan.runtime, self, depends_on)
        resource_group_name = after(gate, args["resource_group_name"])
        cluster_waits_for = _resource_group(name, args, resource_group_name, child, depends_on)
        public_key, self.ssh_private_key = _ssh_key(name, args, gate, child)
        cluster_name = args["cluster_name"]
        dns = args.get("dns_prefix") or pulumi.Output.from_input(cluster_name).apply(dns_prefix)
        spec = _ClusterSpec(
            f"{name}-cluster",
            resource_group_name,
            cluster_name,
            args["location"],
            dns,
            public_key,
            values,
            _cluster_options(self, values, cluster_waits_for),
        )
        cluster = _legacy_cluster(spec) if values.plan.runtime.legacy else _managed_cluster(spec)
        _extra_pools(self, name, spec, cluster, depends_on)
        self._publish(args, values.plan, cluster, depends_on)

    def _publish(
        self,
        args: SandboxedClusterArgs,
        plan: PoolPlan,
        cluster: Cluster,
        depends_on: list[pulumi.Input[pulumi.Resource]],
    ) -> None:
        """The component's outputs (the SSH private key is set with the key)."""
        self.resource_group_name = pulumi.Output.from_input(args["resource_group_name"])
        self.cluster_name = pulumi.Output.from_input(args["cluster_name"])
        self.node_pool_names = pulumi.Output.from_input([pool.name for pool in plan.pools])
        self.workload_runtime = pulumi.Output.from_input(plan.runtime.workload_runtime)
        self.runtime_class_name = pulumi.Output.from_input(plan.runtime.runtime_class_name)
        self.cluster = cluster
        """The cluster resource itself (Python only, not an output): what runs in the cluster
        names it in `deleted_with`."""
        # Credentials exist only once the cluster does: ask with the cluster's own output name.
        # The kubeconfig is an output of the cluster even while unknown, so the Kubernetes
        # provider it configures is replaced with the cluster (see `kubernetes_provider`).
        self.kubeconfig = output_of(
            cluster,
            user_kubeconfig(
                self.resource_group_name, cluster.name, parent=self, depends_on=depends_on
            ),
        )
        self.register_outputs(
            {
                "resourceGroupName": self.resource_group_name,
                "clusterName": self.cluster_name,
                "nodePoolNames": self.node_pool_names,
                "workloadRuntime": self.workload_runtime,
                "runtimeClassName": self.runtime_class_name,
                "kubeconfig": self.kubeconfig,
                "sshPrivateKey": self.ssh_private_key,
            }
        )


def _resource_group(
    name: str,
    args: SandboxedClusterArgs,
    resource_group_name: pulumi.Input[str],
    child: pulumi.ResourceOptions,
    depends_on: list[pulumi.Input[pulumi.Resource]],
) -> list[pulumi.Input[pulumi.Resource]]:
    """The resource group, unless createResourceGroup is false; returns what the cluster waits
    for. The configured name goes into the cluster as is (so previews and policies see it);
    depends_on keeps the order when this component creates the group."""
    cluster_waits_for = list(depends_on)
    if args.get("create_resource_group", True):
        # Azure names are fixed: a replacement must delete the old resource before it creates.
        fixed_name = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(delete_before_replace=True)
        )
        cluster_waits_for.append(
            resources.ResourceGroup(
                f"{name}-resource-group",
                resource_group_name=resource_group_name,
                location=args["location"],
                opts=fixed_name,
            )
        )
    return cluster_waits_for


def _ssh_key(
    name: str,
    args: SandboxedClusterArgs,
    gate: Optional[pulumi.Output[str]],
    child: pulumi.ResourceOptions,
) -> tuple[pulumi.Input[str], pulumi.Output[Optional[str]]]:
    """The nodes' public key and the private key output: the given key (no private key), or a
    generated RSA key pair (as `--generate-ssh-keys`)."""
    given_key = args.get("ssh_public_key")
    if given_key is not None:
        return given_key, pulumi.Output.from_input(None)
    key = tls.PrivateKey(f"{name}-ssh-key", algorithm="RSA", rsa_bits=after(gate, 4096), opts=child)
    return key.public_key_openssh, pulumi.Output.secret(key.private_key_openssh)


@dataclass(frozen=True)
class _ClusterSpec:
    """What the cluster is built from, in either branch (GA or legacy)."""

    resource_name: str
    resource_group_name: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    location: pulumi.Input[str]
    dns_prefix: pulumi.Input[str]
    public_key: pulumi.Input[str]
    values: ClusterValues
    opts: pulumi.ResourceOptions


LEGACY_LOCATION = "location"
"""The generic resource's region: a top-level input, create-only in ARM."""
_LEGACY_ONLY = [
    key for key in MANAGED_CLUSTER_FORCE_NEW
    if key not in {f"networkProfile.{field}" for field in network.REPLACING_FIELDS}
]  # fmt: skip
"""The typed cluster's force-new properties that the replacement list does not have yet."""


def _cluster_options(
    parent: pulumi.Resource,
    values: ClusterValues,
    cluster_waits_for: list[pulumi.Input[pulumi.Resource]],
) -> pulumi.ResourceOptions:
    """The cluster's resource options. What AKS cannot change in place replaces the cluster on
    purpose (`protect` still blocks it): the inline pool's immutable fields and the network
    profile's one-way fields."""
    plan = values.plan
    body = "properties." if plan.runtime.legacy else ""
    cluster_options = pulumi.ResourceOptions(
        parent=parent,
        depends_on=cluster_waits_for,
        delete_before_replace=True,
        replace_on_changes=[
            *(f"{body}agentPoolProfiles[0].{key}" for key in INLINE_POOL_IMMUTABLE_FIELDS),
            *(f"{body}networkProfile.{key}" for key in network.REPLACING_FIELDS),
            # What a typed cluster replaces itself on, which the generic resource does not.
            *((LEGACY_LOCATION, *(f"{body}{key}" for key in _LEGACY_ONLY)) if body else ()),
        ],
        # The default engine is for clusters created now: one deployed before with AKS's
        # default profile keeps it. The engine applies ignoreChanges whenever the state has
        # the cluster, to an update and to a replacement's create alike.
        ignore_changes=None if values.engine_chosen else [f"{body}networkProfile"],
    )
    # The inline pool's options: its count once the autoscaler owns it, and its fields fixed
    # at creation (which replace the cluster, as the ones above).
    return pulumi.ResourceOptions.merge(
        cluster_options, pool_options(plan.pools[0].options, plan.runtime.legacy, inline_index=0)
    )


def _legacy_cluster(spec: _ClusterSpec) -> resources.Resource:
    """The cluster for the legacy runtime: a preview API version lists it (see
    LEGACY_ARM_API_VERSION), so the generic resource takes the ARM body itself (the same fields
    as `_managed_cluster`)."""
    plan, engine = spec.values.plan, spec.values.engine
    system = plan.pools[0]
    system_pool = {
        "name": system.name,
        "mode": "System",
        "type": "VirtualMachineScaleSets",
        "count": system.node_count,
        "vmSize": system.vm_size,
        "osType": REQUIRED_OS_TYPE,
        "osSKU": plan.os_sku,
        "workloadRuntime": plan.runtime.workload_runtime,
        **system.options.engine_inputs(),
    }
    properties: dict[str, object] = {
        "dnsPrefix": spec.dns_prefix,
        "agentPoolProfiles": [system_pool],
        "linuxProfile": {
            "adminUsername": ADMIN_USERNAME,
            "ssh": {"publicKeys": [{"keyData": spec.public_key}]},
        },
    }
    if plan.kubernetes_version is not None:
        properties["kubernetesVersion"] = plan.kubernetes_version
    if engine.network_profile:
        properties["networkProfile"] = dict(engine.network_profile)
    return resources.Resource(
        spec.resource_name,
        resource_group_name=spec.resource_group_name,
        resource_provider_namespace=CONTAINER_SERVICE,
        parent_resource_path="",
        resource_type="managedClusters",
        resource_name_=spec.cluster_name,
        api_version=LEGACY_ARM_API_VERSION,
        location=spec.location,
        identity=resources.IdentityArgs(type=resources.ResourceIdentityType.SYSTEM_ASSIGNED),
        properties=properties,
        opts=spec.opts,
    )


def _managed_cluster(spec: _ClusterSpec) -> containerservice.ManagedCluster:
    """The cluster for the GA runtime: a `ManagedCluster` with its system pool inline."""
    plan = spec.values.plan
    system = plan.pools[0]
    return containerservice.ManagedCluster(
        spec.resource_name,
        resource_group_name=spec.resource_group_name,
        resource_name_=spec.cluster_name,
        location=spec.location,
        dns_prefix=spec.dns_prefix,
        kubernetes_version=plan.kubernetes_version,
        network_profile=_network_profile(spec.values.engine),
        identity=containerservice.ManagedClusterIdentityArgs(
            type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED,
        ),
        linux_profile=containerservice.ContainerServiceLinuxProfileArgs(
            admin_username=ADMIN_USERNAME,
            ssh=containerservice.ContainerServiceSshConfigurationArgs(
                public_keys=[
                    containerservice.ContainerServiceSshPublicKeyArgs(key_data=spec.public_key)
                ],
            ),
        ),
        agent_pool_profiles=[
            containerservice.ManagedClusterAgentPoolProfileArgs(
                name=system.name,
                mode=containerservice.AgentPoolMode.SYSTEM,
                type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
                count=system.node_count,
                vm_size=system.vm_size,
                os_type=REQUIRED_OS_TYPE,
                os_sku=plan.os_sku,
                workload_runtime=plan.runtime.workload_runtime,
                **option_inputs(system.options),
            )
        ],
        opts=spec.opts,
    )


def _extra_pools(
    parent: pulumi.Resource,
    name: str,
    spec: _ClusterSpec,
    cluster: pulumi.CustomResource,
    depends_on: list[pulumi.Input[pulumi.Resource]],
) -> None:
    """The extra pools, one after the other (AKS may refuse concurrent operations on one
    cluster's pools). They die with the cluster: their cluster name comes from it and they name
    it in deleted_with, so a replaced cluster replaces them too (see `lifecycle`)."""
    plan = spec.values.plan
    pools_cluster_name = output_of(cluster, spec.cluster_name)
    previous: pulumi.Resource = cluster
    for pool in plan.pools[1:]:
        previous = sandboxing_agent_pool(
            f"{name}-pool-{pool.name}",
            resource_group_name=spec.resource_group_name,
            cluster_name=pools_cluster_name,
            pool_name=pool.name,
            vm_size=pool.vm_size,
            node_count=pool.node_count,
            runtime=plan.runtime,
            os_sku=plan.os_sku,
            orchestrator_version=plan.kubernetes_version,
            options=pool.options,
            opts=pulumi.ResourceOptions(
                parent=parent, depends_on=[*depends_on, previous], deleted_with=cluster
            ),
        )


def _network_profile(
    engine: network.NetworkPolicyEngine,
) -> Optional[containerservice.ContainerServiceNetworkProfileArgs]:
    """The engine's network profile; none sends nothing, so AKS's defaults apply (as before)."""
    if not engine.network_profile:
        return None
    fields = engine.network_profile
    return containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin=fields.get("networkPlugin"),
        network_plugin_mode=fields.get("networkPluginMode"),
        network_dataplane=fields.get("networkDataplane"),
        network_policy=fields.get("networkPolicy"),
    )
