"""How the reports show each resource: its key inputs, the options a reviewer must know (how it
is protected and replaced), and its depth in the tree of resources."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from podsandbox.preview.records import RegisteredResource

KEY_INPUTS = (
    "apiVersion",
    "resourceType",
    "resourceGroupName",
    "resourceName",
    "agentPoolName",
    "location",
    "kubernetesVersion",
    "orchestratorVersion",
    "vmSize",
    "osType",
    "osSKU",
    "workloadRuntime",
    "count",
    "mode",
    "runtimeClassName",
    "providerNamespace",
    "featureName",
)
"""Inputs the text report shows (the JSON report has them all)."""


def option_flags(resource: RegisteredResource) -> list[str]:
    """What a reviewer needs to know of a resource's options: protection, how it is replaced."""
    flags = []
    if resource.protect:
        flags.append("protected")
    if resource.retain_on_delete:
        flags.append("retained on delete")
    if resource.delete_before_replace:
        flags.append("deleted before replaced")
    if resource.replace_on_changes:
        flags.append("replaced on change of " + _grouped(resource.replace_on_changes))
    if resource.ignore_changes:
        flags.append("ignores changes to " + _grouped(resource.ignore_changes))
    if resource.not_checked:
        flags.append("not checked")
    return flags


def _grouped(paths: Sequence[str]) -> str:
    """`a.b, a.c, d` -> `a.{b, c}, d`: property paths, shortened for a reader."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        parent, dot, leaf = path.rpartition(".")
        groups.setdefault(parent + dot, []).append(leaf)
    return ", ".join(
        prefix + (leaves[0] if len(leaves) == 1 else "{" + ", ".join(leaves) + "}")
        for prefix, leaves in groups.items()
    )


def replacement_note(resource: RegisteredResource) -> Optional[str]:
    """What a reviewer must know of a resource that a change replaces on purpose."""
    if not resource.replace_on_changes:
        return None
    if resource.protect:
        return "such a change is refused while it is protected (protect: true)"
    return "such a change deletes and re-creates it; set protect: true to refuse it instead"


def key_inputs(resource: RegisteredResource) -> list[tuple[str, Any]]:
    """The inputs the text report shows: top-level ones (a Kubernetes object's apiVersion is its
    type's, not news), and a Kubernetes object's spec ones."""
    inputs = resource.inputs
    kubernetes = resource.type.startswith("kubernetes:")
    keys = [key for key in KEY_INPUTS if not (kubernetes and key == "apiVersion")]
    found = [(key, inputs[key]) for key in keys if key in inputs]
    metadata, spec = inputs.get("metadata"), inputs.get("spec")
    if isinstance(metadata, dict) and "namespace" in metadata:
        found.append(("namespace", metadata["namespace"]))
    if isinstance(spec, dict):
        found += [(key, spec[key]) for key in KEY_INPUTS if key in spec]
    return found


def depths(resources: list[RegisteredResource]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for resource in resources:  # tree order: parents come before their children
        depth[resource.urn] = depth.get(resource.parent or "", -1) + 1
    return depth
