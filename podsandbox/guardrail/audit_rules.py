"""The in-cluster guardrail's rules judged in Python with the policy pack's own checks, for
objects that already exist: what `podsandbox audit` applies, so that no CEL engine ships.

Each admission rule (`admission_policy.rules`, by name) is the pack's check of the same rule
(`policy_checks`), and `tests/test_admission_rules.py` holds the two to the same answer on every
case of its table (the CEL evaluated offline with cel-python). An object is judged as the API
server would judge its CREATE in a guarded namespace: the namespace was selected already.

This module imports nothing from Pulumi or the Kubernetes client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from podsandbox.rules import policy_checks, workloads
from podsandbox.rules.aks import RuntimeGeneration

GUARDED = "(guarded namespace)"
"""The namespace of an object that names none: it is judged as in a guarded one all the same
(the audit reads objects from guarded namespaces only, and the API server sets the field)."""

HOST_FEATURE_RULES = {
    "hostPID": "host-namespaces",
    "hostIPC": "host-namespaces",
    "privileged": "privileged",
    "hostPath": "host-path",
}
"""The admission rule of each host feature the pack finds (`policy_checks.HOST_FEATURES`;
`subPath` is advice only: the admission policy admits it)."""


def type_token(api_version: str, kind: str) -> str:
    """The Pulumi type token of a Kubernetes object (`v1` is the core group)."""
    return f"kubernetes:{'core/v1' if api_version == 'v1' else api_version}:{kind}"


def refusals(
    manifest: Mapping[str, Any],
    sandboxing_classes: Optional[Mapping[str, RuntimeGeneration]] = None,
) -> dict[str, list[str]]:
    """The admission rules the object breaks, by name, each with the pack's messages (in the
    policy's order of rules). None for an object with no pod spec: the policy admits it too
    (`hasPodSpec`). `sandboxing_classes`: the policy's extra RuntimeClasses."""
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return {}
    workload = workloads.workload_of(
        type_token(api_version, kind), manifest, GUARDED, sandboxing_classes
    )
    if workload is None:
        return {}
    found: dict[str, list[str]] = {
        "runtime-class": policy_checks.workload_in_untrusted_namespace(
            workload, [workload.namespace or GUARDED]
        ),
        "host-namespaces": policy_checks.workload_host_network(workload),
        "privileged": [],
        "host-path": [],
        "memory-limit": policy_checks.workload_memory_limit(workload),
    }
    used = policy_checks.host_features_used(workload)
    for feature, message in zip(used, policy_checks.workload_host_features(workload), strict=True):
        if feature in HOST_FEATURE_RULES:
            found[HOST_FEATURE_RULES[feature]].append(message)
    return {name: messages for name, messages in found.items() if messages}
