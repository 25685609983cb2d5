"""Karpenter's Kata node class and node pool as this project deploys them: their manifests (the
node pool's settings, limits and disruption, are described and judged in `settings`).

Deployment choices, not sandboxing rules: what any program's node class and pool must be is
`podsandbox.rules.karpenter`, which the policy pack uses; this module builds on it (so the mutation
check's budget stays with the rules). The reference CRDs the tests hold these objects to are in
`reference/karpenter/`. This module imports nothing from Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from podsandbox.karpenter.settings import place
from podsandbox.rules.aks import known_version_below
from podsandbox.rules.karpenter import (
    IMAGE_FAMILY,
    KATA,
    KATA_TAINT,
    NODE_CLASS_API,
    NODE_CLASS_KIND,
    NODE_POOL_API,
    NODE_POOL_KIND,
    SERIES_LABEL,
    eligible_series,
)


def node_class_manifest(name: str) -> dict[str, Any]:
    """A Kata node class: Azure Linux (the only image family with a Kata image), no FIPS."""
    return {
        "apiVersion": NODE_CLASS_API,
        "kind": NODE_CLASS_KIND,
        "metadata": {"name": name},
        "spec": {"imageFamily": IMAGE_FAMILY, "workloadRuntime": KATA},
    }


def node_pool_manifest(name: str, node_class: str, values: Mapping[str, str]) -> dict[str, Any]:
    """A NodePool of the Kata node class, kept to eligible series on x64, on-demand, its nodes
    tainted for Kata pods only (`KATA_TAINT`); `values`
    (by property name, see `settings`) land at their paths, a missing one at its default."""
    manifest: dict[str, Any] = {
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
                    "taints": [
                        {
                            "key": KATA_TAINT.key,
                            "value": KATA_TAINT.value,
                            "effect": KATA_TAINT.effect,
                        }
                    ],
                }
            },
        },
    }
    return place(values, manifest)


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
