"""The stack's settings as declared: every key once, with its type, default and description.

`SETTINGS` is the table; `Pulumi.yaml` declares the same keys for the Pulumi CLI and a test keeps
the two identical. Nothing here imports Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from podsandbox.karpenter.settings import KARPENTER_SETTINGS
from podsandbox.rules import aks, judge
from podsandbox.rules.pool_settings import POOL_SETTINGS
from podsandbox.rules.workloads import DEFAULT_UNTRUSTED_NAMESPACE

PROJECT = "podsandbox"
"""The Pulumi project name: the namespace of every key below in a stack file."""

NEW_CLUSTER = "new-cluster"

EXISTING_CLUSTER = "existing-cluster"

MODES = (NEW_CLUSTER, EXISTING_CLUSTER)

DEFAULT_NEW_CLUSTER_POOL = judge.DEFAULT_NEW_CLUSTER_POOL

DEFAULT_EXISTING_CLUSTER_POOL = judge.DEFAULT_EXISTING_CLUSTER_POOL

LOCATION_KEY = "azure-native:location"

ConfigValue = Union[str, int, bool, list[str], dict[str, str], None]


@dataclass(frozen=True)
class Setting:
    """One stack setting as declared in `Pulumi.yaml`."""

    key: str
    type: str
    """"string", "integer", "boolean", "array" or "object" (the types Pulumi.yaml can declare;
    object since CLI v3.186.0)."""
    default: ConfigValue
    """None: no default (left unset, AKS's default applies)."""
    description: str
    items: str = "string"
    """The type of an array's items."""

    def declaration(self) -> dict[str, object]:
        """This setting as Pulumi.yaml declares it."""
        declared: dict[str, object] = {"type": self.type}
        if self.type == "array":
            declared["items"] = {"type": self.items}
        declared["description"] = self.description
        if self.default is not None:
            declared["default"] = self.default
        return declared


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "mode",
        "string",
        NEW_CLUSTER,
        "new-cluster creates a resource group and an AKS cluster whose system pool is "
        "sandboxing-enabled; existing-cluster adds a sandboxing node pool to an existing cluster.",
    ),
    Setting(
        "runtime",
        "string",
        aks.DEFAULT_RUNTIME.workload_runtime,
        "Workload runtime of the sandboxing pool: KataVmIsolation (GA) or the legacy preview "
        "KataMshvVmIsolation (needs the KataVMIsolationPreview subscription feature registered).",
    ),
    Setting(
        "resourceGroupName",
        "string",
        "myResourceGroup",
        "Resource group of the cluster (created in new-cluster mode unless "
        "createResourceGroup is false).",
    ),
    Setting(
        "createResourceGroup",
        "boolean",
        True,
        "new-cluster mode only: create the resource group (true) or use an existing one (false).",
    ),
    Setting(
        "clusterName",
        "string",
        "myAKSCluster",
        "Name of the AKS cluster to create (new-cluster) or to add the pool to (existing-cluster).",
    ),
    Setting(
        "kubernetesVersion",
        "string",
        "",
        "Kubernetes version of the cluster or pool, e.g. 1.33; empty for the AKS default. "
        "At least 1.27.0 for KataVmIsolation, 1.24.0 for KataMshvVmIsolation.",
    ),
    Setting(
        "nodeVmSize",
        "string",
        aks.DEFAULT_VM_SIZE,
        "VM size of the sandboxing pool: Generation 2 with nested virtualization, e.g. "
        "Standard_D4s_v3 (check one with `podsandbox vm-size NAME`).",
    ),
    Setting("nodeCount", "integer", 1, "Number of nodes in the sandboxing pool (at least 1)."),
    Setting(
        "nodePoolName",
        "string",
        "",
        "Name of the sandboxing pool; empty for nodepool1 (new-cluster) or nodepool2 "
        "(existing-cluster).",
    ),
    Setting(
        "osSku",
        "string",
        aks.REQUIRED_OS_SKU,
        "OS SKU of the sandboxing pool; Pod Sandboxing requires AzureLinux.",
    ),
    Setting(
        "sshPublicKey",
        "string",
        "",
        "new-cluster mode: OpenSSH public key for the nodes; empty to generate a key pair "
        "(the private key becomes a secret stack output).",
    ),
    Setting(
        "networkPolicy",
        "string",
        "",
        "new-cluster mode only: the engine that enforces NetworkPolicy, cilium (Azure CNI overlay "
        "powered by Cilium), azure (Azure Network Policy Manager) or none (not enforced); empty "
        "for cilium on a cluster this stack creates while a cluster it deployed before keeps its "
        "network profile. Choosing cilium or azure for a deployed cluster with another profile "
        "replaces the cluster; protect blocks that.",
    ),
    Setting(
        "kubeloginMode",
        "string",
        aks.DEFAULT_KUBELOGIN_MODE,
        "existing-cluster mode only: how the kubeconfig signs in when the cluster uses Microsoft "
        "Entra ID, azurecli (az login), workloadidentity or spn (service principal); kubelogin "
        "must then be installed where pulumi runs.",
    ),
    # The first pool's options, from the pool settings' table.
    *(
        Setting(
            option.config_key,
            option.config_type,
            option.config_default,  # type: ignore[arg-type]
            option.config_description,
        )
        for option in POOL_SETTINGS
    ),
    Setting(
        "extraPools",
        "array",
        [],
        "More sandboxing node pools on the same cluster, each NAME:VM_SIZE[:COUNT] (count 1 "
        "when left out), e.g. kata8:Standard_D8s_v5:2; same runtime, OS SKU and version. The "
        "short form of pools: a stack uses one or the other.",
    ),
    Setting(
        "pools",
        "array",
        [],
        "More sandboxing node pools, each an object with every pool setting: name, vmSize, "
        + ", ".join(["nodeCount", *(option.name for option in POOL_SETTINGS)])
        + " (the components' property names).",
        items="object",
    ),
    Setting(
        "demo",
        "boolean",
        True,
        "Deploy the how-to's trusted and untrusted demo pods (the untrusted one sandboxed).",
    ),
    Setting(
        "demoCpuLimit",
        "string",
        "500m",
        "CPU limit (and request) of each demo pod, a Kubernetes quantity such as 500m or 1.",
    ),
    Setting(
        "demoMemoryLimit",
        "string",
        "256Mi",
        "Memory limit (and request) of each demo pod, at least 128Mi (the GA sandbox minimum).",
    ),
    Setting(
        "demoPool",
        "string",
        "",
        "Sandboxing pool the untrusted demo pod runs on (a nodeSelector on the pool name); "
        "empty for any node of the RuntimeClass.",
    ),
    Setting(
        "untrustedNamespace",
        "string",
        DEFAULT_UNTRUSTED_NAMESPACE,
        "Namespace of the untrusted demo pod: Pod Security baseline enforced, default-deny "
        "network policy.",
    ),
    Setting(
        "guardrail",
        "boolean",
        True,
        "Deploy the in-cluster guardrail: a ValidatingAdmissionPolicy that holds every workload "
        "in the untrusted namespaces (and those labelled podsandbox.io/untrusted=true) to the "
        "sandboxing rules, however it is applied; needs Kubernetes 1.30.",
    ),
    Setting(
        "guardrailEnforcement",
        "string",
        "",
        "deny (refuse what breaks a rule) or audit (warn and audit only); empty for deny on a "
        "new cluster and audit on an existing, possibly shared, one.",
    ),
    Setting(
        "karpenter",
        "boolean",
        False,
        "existing-cluster mode only: deploy a Karpenter AKSNodeClass (KataVmIsolation, "
        "AzureLinux) and a NodePool of it kept to eligible VM sizes; the cluster must run "
        "Karpenter's Azure provider in its aksmachineapi or bootstrappingclient mode.",
    ),
    # Karpenter's NodePool settings, from its table.
    *(
        Setting(row.config_key, "string", row.default, row.config_description)
        for row in KARPENTER_SETTINGS
    ),
    Setting(
        "protect",
        "boolean",
        False,
        "Protect the cluster (new-cluster) or the node pool (existing-cluster) from deletion "
        "by `pulumi destroy`.",
    ),
)
"""Every stack setting, in the order of `Pulumi.yaml`."""

SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
