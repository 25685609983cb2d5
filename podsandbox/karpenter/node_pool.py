"""Karpenter's Kata node class and node pool as this project deploys them: their manifests, and
the node pool's settings (limits and disruption), judged.

Deployment choices, not sandboxing rules: what any program's node class and pool must be is
`podsandbox.rules.karpenter`, which the policy pack uses; this module builds on it (so the mutation
check's budget stays with the rules). The reference CRDs the tests hold these objects to are in
`reference/karpenter/`. This module imports nothing from Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from podsandbox.rules import judge, sizing
from podsandbox.rules.aks import known_version_below
from podsandbox.rules.karpenter import (
    IMAGE_FAMILY,
    KATA,
    NODE_CLASS_API,
    NODE_CLASS_KIND,
    NODE_POOL_API,
    NODE_POOL_KIND,
    SERIES_LABEL,
    eligible_series,
)

CONSOLIDATION_POLICIES = ("WhenEmpty", "WhenEmptyOrUnderutilized", "Balanced")
"""`spec.disruption.consolidationPolicy` (karpenter.sh/v1 NodePool CRD)."""
DURATION = re.compile(r"(([0-9]+(s|m|h))+|Never)")
"""`consolidateAfter` and `expireAfter` (the CRD's pattern)."""


def node_class_manifest(name: str) -> dict[str, Any]:
    """A Kata node class: Azure Linux (the only image family with a Kata image), no FIPS."""
    return {
        "apiVersion": NODE_CLASS_API,
        "kind": NODE_CLASS_KIND,
        "metadata": {"name": name},
        "spec": {"imageFamily": IMAGE_FAMILY, "workloadRuntime": KATA},
    }


def node_pool_manifest(
    name: str,
    node_class: str,
    limits: Mapping[str, str],
    consolidation_policy: str,
    consolidate_after: str,
) -> dict[str, Any]:
    """A NodePool of the Kata node class, kept to eligible series on x64, on-demand."""
    return {
        "apiVersion": NODE_POOL_API,
        "kind": NODE_POOL_KIND,
        "metadata": {"name": name},
        "spec": {
            "template": {
                "spec": {
                    "nodeClassRef": {
                        "group": NODE_CLASS_API.split("/")[0],
                        "kind": NODE_CLASS_KIND,
                        "name": node_class,
                    },
                    "requirements": [
                        {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                        {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                        {
                            "key": "karpenter.sh/capacity-type",
                            "operator": "In",
                            "values": ["on-demand"],
                        },
                        {"key": SERIES_LABEL, "operator": "In", "values": eligible_series()},
                    ],
                }
            },
            **({"limits": dict(limits)} if limits else {}),
            "disruption": {
                "consolidationPolicy": consolidation_policy,
                "consolidateAfter": consolidate_after,
            },
        },
    }


DEFAULT_CONSOLIDATION_POLICY = "WhenEmptyOrUnderutilized"
DEFAULT_CONSOLIDATE_AFTER = "0s"
"""Karpenter's own defaults (the NodePool CRD's)."""


def setting_findings(
    cpu_limit: str, memory_limit: str, consolidation_policy: str, consolidate_after: str
) -> list[judge.Finding]:
    """Every problem of the NodePool's settings, named as the component's properties."""
    findings = []
    for field_name, text, resource, example in (
        ("cpuLimit", cpu_limit, "cpu", "64"),
        ("memoryLimit", memory_limit, "memory", "256Gi"),
    ):
        if not _empty_or_positive(text):
            findings.append(judge.Finding(field_name, text, "is not a positive quantity",
                                          f"a {resource} quantity, or empty for no limit",
                                          example))  # fmt: skip
    if consolidation_policy not in CONSOLIDATION_POLICIES:
        allowed = ", ".join(CONSOLIDATION_POLICIES[:-1]) + f" or {CONSOLIDATION_POLICIES[-1]}"
        findings.append(judge.Finding("consolidationPolicy", consolidation_policy,
                                      "is not a Karpenter consolidation policy", allowed,
                                      "WhenEmpty"))  # fmt: skip
    if DURATION.fullmatch(consolidate_after) is None:
        findings.append(judge.Finding("consolidateAfter", consolidate_after,
                                      "is not a Karpenter duration", "seconds, minutes or hours "
                                      "such as 30s, 5m or 1h30m, or Never", "5m"))  # fmt: skip
    return findings


def _empty_or_positive(text: str) -> bool:
    """Whether a limit is left out (empty) or a quantity above zero."""
    if not text:
        return True
    try:
        return sizing.parse_quantity(text) > 0
    except sizing.QuantityError:
        return False


def limits(cpu_limit: str, memory_limit: str) -> dict[str, str]:
    """The NodePool's limits: the ones that are set."""
    return {key: text for key, text in (("cpu", cpu_limit), ("memory", memory_limit)) if text}


MIN_KUBERNETES_VERSION = (1, 32, 0)
"""Below 1.32 Karpenter's `AzureLinux` image family is Azure Linux 2, which has no Kata image
(PR #1721 head d2aa69f: `UseAzureLinux3` in `pkg/providers/imagefamily/utils.go`, and
`azlinux.go`'s Kata case)."""


def cluster_version_problem(version_text: Optional[str]) -> Optional[str]:
    """Why an existing cluster's Karpenter cannot make Kata nodes, or None when it can (or the
    version is unknown)."""
    if not known_version_below(version_text, MIN_KUBERNETES_VERSION):
        return None
    return (
        f"the cluster runs Kubernetes {version_text}, below 1.32, where Karpenter's AzureLinux "
        "image family is Azure Linux 2, which has no Kata image: no Kata node would ever come. "
        "Upgrade the cluster, or turn Karpenter off: pulumi config set karpenter false"
    )
