"""`SandboxNodeProvisioning`: Karpenter provisions Kata nodes on demand, instead of a fixed pool.

A Karpenter `AKSNodeClass` (workloadRuntime KataVmIsolation, imageFamily AzureLinux) and a
`NodePool` of it kept to the VM sizes the catalog knows as eligible (`podsandbox.karpenter`),
created through the cluster's Kubernetes provider (given in the resource options). The cluster
must already run Karpenter's Azure provider in a mode that provisions Kata nodes (`aksmachineapi`
or `bootstrappingclient`): AKS's own node auto-provisioning does not support Pod Sandboxing yet.

No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
"""

from collections.abc import Mapping
from typing import NotRequired, Optional, TypedDict, cast

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

from podsandbox.components.input_keys import python_unknown_keys
from podsandbox.components.kubeconfig import waits_for_version
from podsandbox.components.lifecycle import on_cluster
from podsandbox.components.validation import (
    NODE_POOL_NAME_LENGTH,
    checked,
    node_provisioning_inputs,
)
from podsandbox.karpenter import node_pool as karpenter
from podsandbox.karpenter.settings import KARPENTER_SETTINGS
from podsandbox.rules.workloads import unique_object_name

TYPE_TOKEN = "podsandbox:index:SandboxNodeProvisioning"


class SandboxNodeProvisioningArgs(TypedDict):
    """Karpenter's Kata node class and node pool; each input has a default. The NodePool's
    settings are the rows of `podsandbox.karpenter.settings` (a test holds them equal)."""

    name: NotRequired[str]
    """Name of the AKSNodeClass and the NodePool (cluster-wide objects: unique per stack).
    Default: <project>-<stack>-<component name>, cut to 63 characters with a hash."""
    cpu_limit: NotRequired[str]
    """Most CPU the NodePool may provision in all, a Kubernetes quantity, e.g. 64. Default: no
    limit."""
    memory_limit: NotRequired[str]
    """Most memory the NodePool may provision in all, e.g. 256Gi. Default: no limit."""
    consolidation_policy: NotRequired[str]
    """WhenEmpty, WhenEmptyOrUnderutilized or Balanced. Default: WhenEmptyOrUnderutilized
    (Karpenter's)."""
    consolidate_after: NotRequired[str]
    """How long a node may sit empty or underused before Karpenter removes it, e.g. 30s, 5m or
    Never. Default: 0s (Karpenter's)."""
    cluster_kubernetes_version: NotRequired[pulumi.Input[str]]
    """The cluster's Kubernetes version, when it is only known at deploy time: below 1.32 the
    deployment stops before the node class is created (Karpenter has no Kata image there)."""


class SandboxNodeProvisioning(pulumi.ComponentResource):
    """A Karpenter AKSNodeClass for Kata nodes and a NodePool of it."""

    node_class_name: pulumi.Output[str]
    """The AKSNodeClass's name."""
    node_pool_name: pulumi.Output[str]
    """The NodePool's name."""

    def __init__(
        self,
        name: str,
        args: SandboxNodeProvisioningArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        default_name = unique_object_name(
            (pulumi.get_project(), pulumi.get_stack(), name), NODE_POOL_NAME_LENGTH
        )
        values, warnings = checked(
            "SandboxNodeProvisioning",
            node_provisioning_inputs(args, default_name),
            python_unknown_keys(args, SandboxNodeProvisioningArgs),
            name,
        )
        super().__init__(TYPE_TOKEN, name, None, opts)
        for warning in warnings:
            pulumi.log.warn(warning, resource=self)
        # The provider comes with the parent; the order, fixed names and what the objects die
        # with are handed on (see `on_cluster`).
        version = args.get("cluster_kubernetes_version")
        waits_for = waits_for_version(opts, version, karpenter.cluster_version_problem)
        objects = on_cluster(self, opts, waits_for)
        node_class = karpenter.node_class_manifest(values.name)
        nodes = CustomResource(
            f"{name}-node-class",
            api_version=node_class["apiVersion"],
            kind=node_class["kind"],
            metadata=node_class["metadata"],
            spec=node_class["spec"],
            opts=objects,
        )
        manifest = karpenter.node_pool_manifest(values.name, values.name, values.settings)
        CustomResource(
            f"{name}-node-pool",
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions.merge(objects, pulumi.ResourceOptions(depends_on=[nodes])),
        )
        self.node_class_name = pulumi.Output.from_input(values.name)
        self.node_pool_name = pulumi.Output.from_input(values.name)
        self.register_outputs(
            {"nodeClassName": self.node_class_name, "nodePoolName": self.node_pool_name}
        )


def node_provisioning_args(name: str, settings: Mapping[str, str]) -> SandboxNodeProvisioningArgs:
    """The component's inputs for the NodePool `settings` (by property name, as the stack reads
    them), under `name`."""
    inputs = {row.field: settings[row.name] for row in KARPENTER_SETTINGS if row.name in settings}
    return cast(SandboxNodeProvisioningArgs, {"name": name, **inputs})
