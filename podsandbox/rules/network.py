"""Which network policy engine enforces the untrusted namespace's NetworkPolicy, as data.

AKS stores NetworkPolicy objects whatever its network profile, but enforces them only with a policy
engine (`networkProfile.networkPolicy`, default none): without one the demo's default-deny policy is
decoration. Facts: the product spec (real-engine.md, "Kubernetes side"), the AKS docs
`use-network-policies.md` (Azure NPM needs Azure CNI; NPM for Linux retires 2028-09-30),
`concepts-network-azure-cni-overlay.md` (overlay supports Cilium and NPM) and
`azure-cni-powered-by-cilium.md` (`--network-plugin azure --network-plugin-mode overlay
--network-dataplane cilium`; networkPolicy cilium requires networkDataplane cilium).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class NetworkPolicyEngine:
    """One `networkPolicy` choice for a new cluster and the network profile AKS needs for it."""

    name: str
    network_profile: Mapping[str, str]
    """The ARM `networkProfile` fields it sets; empty for none (AKS's defaults, nothing sent)."""
    description: str
    enforces: bool


CILIUM = NetworkPolicyEngine(
    "cilium",
    {
        "networkPlugin": "azure",
        "networkPluginMode": "overlay",
        "networkDataplane": "cilium",
        "networkPolicy": "cilium",
    },
    "Azure CNI overlay powered by Cilium, which enforces NetworkPolicy itself",
    enforces=True,
)
AZURE = NetworkPolicyEngine(
    "azure",
    {"networkPlugin": "azure", "networkPluginMode": "overlay", "networkPolicy": "azure"},
    "Azure CNI overlay with Azure Network Policy Manager (retires for Linux on 2028-09-30)",
    enforces=True,
)
NONE = NetworkPolicyEngine(
    "none",
    {},
    "AKS's default network profile: NetworkPolicy objects are stored but not enforced",
    enforces=False,
)

ENGINES: dict[str, NetworkPolicyEngine] = {engine.name: engine for engine in (CILIUM, AZURE, NONE)}
"""Every `networkPolicy` choice, by name."""
DEFAULT_ENGINE = CILIUM
"""An enforcing engine, so that the untrusted namespace's default-deny means something."""
DEFAULT_ENGINE_NOTE = (
    "networkPolicy is not chosen: a cluster created now gets cilium, but a cluster this stack "
    "deployed before keeps its network profile, even when it is replaced (AKS's default enforces "
    "no NetworkPolicy); choose networkPolicy to decide, and run `podsandbox verify` to see"
)
"""What leaving the engine to the default means, said once per run (an info note, not a warning:
it is the normal case for a new stack)."""

REPLACING_FIELDS = (
    "networkPlugin",
    "networkPluginMode",
    "networkDataplane",
    "networkPolicy",
    "podCidr",
)
"""`networkProfile` fields whose change replaces the whole cluster: pulumi-azure-native marks them
force-new (PR #4771, `provider/pkg/gen/replacement.go`), since AKS migrates them one way only."""


def find_engine(value: str) -> Optional[NetworkPolicyEngine]:
    """The engine named `value` (ARM enums ignore case)."""
    return ENGINES.get(value.strip().lower())


def unenforced_warning(subject: str) -> str:
    """What a cluster without a policy engine means for the untrusted namespace."""
    return (
        f"{subject} enforces no NetworkPolicy (networkProfile.networkPolicy is none): the "
        "untrusted namespace's default-deny policy is stored but not enforced, so the sandboxed "
        "pod can reach every pod and service of the cluster"
    )


def engine_warning(engine: NetworkPolicyEngine) -> Optional[str]:
    """A warning for a new cluster's choice, or None for an enforcing, supported engine."""
    if not engine.enforces:
        return unenforced_warning("networkPolicy none")
    if engine is AZURE:
        return (
            "networkPolicy azure uses Azure Network Policy Manager, which AKS retires for Linux "
            "on 2028-09-30; cilium is the engine AKS recommends"
        )
    return None


def existing_cluster_warning(cluster_name: str, network_policy: Optional[str]) -> Optional[str]:
    """A warning when an existing cluster's network profile enforces no NetworkPolicy."""
    if network_policy and network_policy.strip().lower() != NONE.name:
        return None
    return unenforced_warning(f"existing cluster {cluster_name}") + (
        "; enable a network policy engine on the cluster (AKS docs: use-network-policies)"
    )
