"""Pulumi component resources for AKS Pod Sandboxing, one per module.

`SandboxedCluster`, `SandboxedNodePool`, `SandboxGuardrail` and `SandboxNodeProvisioning`
(Karpenter's Kata nodes) are the reusable ones: they check their own inputs and are also served to
every Pulumi language by the plugin in the repository's `components/` folder (`provider.py`
here). `DemoWorkloads` (`podsandbox.components.demo_workloads`)
belongs to this project's program.
"""

from podsandbox.components.agent_pool import SandboxPoolArgs
from podsandbox.components.kubeconfig import kubernetes_provider
from podsandbox.components.node_provisioning import (
    SandboxNodeProvisioning,
    SandboxNodeProvisioningArgs,
)
from podsandbox.components.sandbox_guardrail import SandboxGuardrail, SandboxGuardrailArgs
from podsandbox.components.sandboxed_cluster import SandboxedCluster, SandboxedClusterArgs
from podsandbox.components.sandboxed_node_pool import SandboxedNodePool, SandboxedNodePoolArgs
from podsandbox.components.validation import ComponentInputError

__all__ = [
    "ComponentInputError",
    "SandboxGuardrail",
    "SandboxGuardrailArgs",
    "SandboxNodeProvisioning",
    "SandboxNodeProvisioningArgs",
    "SandboxPoolArgs",
    "SandboxedCluster",
    "SandboxedClusterArgs",
    "SandboxedNodePool",
    "SandboxedNodePoolArgs",
    "kubernetes_provider",
]
