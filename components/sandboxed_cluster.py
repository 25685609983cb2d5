"""A new AKS cluster whose system pool runs pods in Kata VMs (the how-to's `az aks create`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_tls as tls
from pulumi_azure_native import containerservice, resources

from components.agent_pool import sandboxing_agent_pool
from components.kubeconfig import kubernetes_provider, user_kubeconfig
from podsandbox.rules.aks import REQUIRED_OS_TYPE, RuntimeGeneration
from podsandbox.rules.stack_settings import PoolSpec

TYPE_TOKEN = "podsandbox:index:SandboxedCluster"
ADMIN_USERNAME = "azureuser"
"""The Linux admin user `az aks create` sets up for the SSH key."""


@dataclass(frozen=True)
class SandboxedClusterArgs:
    resource_group_name: str
    create_resource_group: bool
    """Create the resource group, or use an existing one with this name."""
    location: str
    cluster_name: str
    dns_prefix: str
    runtime: RuntimeGeneration
    node_pool_name: str
    node_vm_size: str
    node_count: int
    os_sku: str
    kubernetes_version: Optional[str] = None
    """None for the AKS default version."""
    ssh_public_key: Optional[str] = None
    """None to generate an RSA key pair (like `--generate-ssh-keys`)."""
    protect: bool = False
    extra_pools: Sequence[PoolSpec] = field(default=())
    """More sandboxing pools (User mode) on the new cluster."""
    wait_for: Sequence[pulumi.Resource] = field(default=())
    """Resources the cluster must wait for, e.g. the preview feature registration."""


class SandboxedCluster(pulumi.ComponentResource):
    """Resource group + `ManagedCluster` whose system pool is sandboxing-enabled (+ extra pools).

    Mirrors `az aks create --os-sku AzureLinux --workload-runtime <runtime> --node-vm-size <size>
    --node-count <n> --generate-ssh-keys`: a SystemAssigned identity, a Linux profile with the SSH
    key, and one System pool carrying the workload runtime.
    """

    resource_group_name: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    """Cluster-user kubeconfig, a secret."""
    ssh_private_key: Optional[pulumi.Output[str]]
    """OpenSSH private key when one was generated, a secret; None when a public key was given."""
    provider: pulumi.ProviderResource
    """Kubernetes provider for this cluster, for later components."""

    def __init__(
        self,
        name: str,
        args: SandboxedClusterArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # The configured name goes into the cluster as is (so previews and policies see it);
        # depends_on keeps the order when this stack creates the group.
        cluster_waits_for = list(args.wait_for)
        if args.create_resource_group:
            cluster_waits_for.append(
                resources.ResourceGroup(
                    f"{name}-resource-group",
                    resource_group_name=args.resource_group_name,
                    location=args.location,
                    opts=child,
                )
            )

        self.ssh_private_key = None
        public_key: pulumi.Input[str]
        if args.ssh_public_key is not None:
            public_key = args.ssh_public_key
        else:
            key = tls.PrivateKey(f"{name}-ssh-key", algorithm="RSA", rsa_bits=4096, opts=child)
            public_key = key.public_key_openssh
            self.ssh_private_key = pulumi.Output.secret(key.private_key_openssh)

        cluster = containerservice.ManagedCluster(
            f"{name}-cluster",
            resource_group_name=args.resource_group_name,
            resource_name_=args.cluster_name,
            location=args.location,
            dns_prefix=args.dns_prefix,
            kubernetes_version=args.kubernetes_version,
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED,
            ),
            linux_profile=containerservice.ContainerServiceLinuxProfileArgs(
                admin_username=ADMIN_USERNAME,
                ssh=containerservice.ContainerServiceSshConfigurationArgs(
                    public_keys=[
                        containerservice.ContainerServiceSshPublicKeyArgs(key_data=public_key)
                    ],
                ),
            ),
            agent_pool_profiles=[
                containerservice.ManagedClusterAgentPoolProfileArgs(
                    name=args.node_pool_name,
                    mode=containerservice.AgentPoolMode.SYSTEM,
                    type=containerservice.AgentPoolType.VIRTUAL_MACHINE_SCALE_SETS,
                    count=args.node_count,
                    vm_size=args.node_vm_size,
                    os_type=REQUIRED_OS_TYPE,
                    os_sku=args.os_sku,
                    workload_runtime=args.runtime.workload_runtime,
                )
            ],
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.protect, depends_on=cluster_waits_for
            ),
        )

        previous: pulumi.Resource = cluster
        for spec in args.extra_pools:
            # One pool after the other: AKS may refuse concurrent operations on one cluster's pools.
            previous = sandboxing_agent_pool(
                f"{name}-pool-{spec.name}",
                resource_group_name=args.resource_group_name,
                cluster_name=args.cluster_name,
                pool=spec,
                runtime=args.runtime,
                os_sku=args.os_sku,
                orchestrator_version=args.kubernetes_version,
                opts=pulumi.ResourceOptions(
                    parent=self, protect=args.protect, depends_on=[previous]
                ),
            )

        self.resource_group_name = pulumi.Output.from_input(args.resource_group_name)
        self.cluster_name = pulumi.Output.from_input(args.cluster_name)
        # Credentials exist only once the cluster does: ask with the cluster's own output name.
        self.kubeconfig = user_kubeconfig(self.resource_group_name, cluster.name, parent=self)
        self.provider = kubernetes_provider(f"{name}-k8s", self.kubeconfig, parent=self)

        outputs: dict[str, pulumi.Input[str]] = {
            "resourceGroupName": self.resource_group_name,
            "clusterName": self.cluster_name,
            "kubeconfig": self.kubeconfig,
        }
        if self.ssh_private_key is not None:
            outputs["sshPrivateKey"] = self.ssh_private_key
        self.register_outputs(outputs)
