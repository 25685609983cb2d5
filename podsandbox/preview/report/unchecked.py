"""What the offline run could not check, as every report words it: the policies that could not
run (a value known only after deployment), the components whose resources it cannot see, and the
reads it cannot answer."""

from __future__ import annotations

NOT_SEEN_HEADING = "Not checked: resources the offline run cannot see"
UNJUDGED_HEADING = (
    "Checked only by a real preview (the policy needs a value known after deployment)"
)
CANNOT_RUN = "can't run policy"
"""How the engine (and the policy SDK) starts the message of a policy that could not run."""
NOT_SEEN_PREFIX = "not seen offline:"

UNANSWERED_CHECKS = {
    "azure-native:containerservice:getManagedCluster": "the existing cluster's Kubernetes "
    "version, Entra ID settings and network policy engine, then read its kubeconfig (which "
    "waits for them) and whether the sandboxing RuntimeClass exists",
    "azure-native:containerservice:listManagedClusterUserCredentials": "the cluster's "
    "kubeconfig, and with it whether the sandboxing RuntimeClass exists",
    "azure-native:features:getSubscriptionFeatureRegistration": "the legacy runtime's "
    "subscription feature state",
}
"""What each read the offline preview cannot answer would have checked (a real preview does)."""


def unanswered_check(token: str) -> str:
    checked = UNANSWERED_CHECKS.get(token)
    return f"a real preview reads it to check {checked}" if checked else "not checked offline"
