"""Patches (pulumi-kubernetes `*Patch` resources), judged on what they set.

pulumi-kubernetes applies a patch with Server-Side Apply under a field manager of its own: "The
name of the resource must be specified, but all other properties are optional ... a random
FieldManager name will be used for each Patch resource" (provider/pkg/gen/schema.go, the Patch
resources' description), and "Patch resources do not need to worry about other fields not
directly defined within the Patch resource" (provider/pkg/await/await.go, `fixCSAFieldManagers`).
So the fields a patch sets are changed and the rest stay as the live object has them: a patch is
judged by the same checks as a whole object, on the fields it sets (`policy_checks` on a
`Workload` whose `patch` is set), and what the checks read that it leaves unset is the live
object's, which no offline check sees: these functions name it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podsandbox.rules.workloads import Workload

POD_FIELDS = ("runtimeClassName", "hostNetwork", "hostPID", "hostIPC")
"""The pod spec's single fields the pack's checks read."""
POD_LISTS = ("containers", "initContainers", "volumes")
"""The pod spec's lists the checks read. Server-Side Apply merges them item by item, by name
(Kubernetes PodSpec: `+listType=map`, `+listMapKey=name`), so a patch never holds them whole."""


def unset_pod_fields(workload: Workload) -> list[str]:
    """What the checks read of a patched pod spec that the patch leaves to the live object: its
    unset fields, and the items of each list it does not name (always some may exist)."""
    unset = [workload.where(key) for key in POD_FIELDS if key not in workload.pod_spec]
    return [*unset, *(f"{workload.where(key)}[] it does not name" for key in POD_LISTS)]


UNTRUSTED_LABEL = "podsandbox.io/untrusted"
"""A namespace labelled with this (value "true") is untrusted, besides the named ones; the
in-cluster guardrail's labelled binding selects it (`podsandbox.guardrail.plan`)."""
UNTRUSTED_LABEL_VALUE = "true"

POD_SECURITY_LABELS = tuple(
    f"pod-security.kubernetes.io/{mode}" for mode in ("enforce", "audit", "warn")
)
"""Pod Security admission's level labels (kubernetes.io/docs/concepts/security/
pod-security-admission: `pod-security.kubernetes.io/<MODE>: <LEVEL>`)."""
PRIVILEGED_LEVEL = "privileged"
"""The level that admits anything, host namespaces and privileged containers included."""

NAMESPACE_LABELS = (UNTRUSTED_LABEL, *POD_SECURITY_LABELS)
"""The namespace labels the pack judges."""


def namespace_labels(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """The labels a Namespace (or its patch) sets; {} when it sets none it can be read for."""
    metadata = props.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def unset_namespace_labels(labels: Mapping[str, Any]) -> list[str]:
    """The judged labels a Namespace patch leaves to the live namespace."""
    return [label for label in NAMESPACE_LABELS if label not in labels]


def namespace_label_problems(name: str, labels: Mapping[str, Any], untrusted: bool) -> list[str]:
    """What a Namespace patch sets that unguards a namespace the pack treats as untrusted
    (`untrusted`, or the patch labels it so): the untrusted label set to anything but "true"
    (the guardrail's labelled binding then no longer selects it), a Pod Security level label set
    to privileged (it would admit host namespaces and privileged containers)."""
    if not untrusted and labels.get(UNTRUSTED_LABEL) != UNTRUSTED_LABEL_VALUE:
        return []
    problems = []
    if UNTRUSTED_LABEL in labels and labels[UNTRUSTED_LABEL] != UNTRUSTED_LABEL_VALUE:
        problems.append(
            f"namespace {name} is untrusted, but this patch sets its label {UNTRUSTED_LABEL} to "
            f"{labels[UNTRUSTED_LABEL]!r}: only {UNTRUSTED_LABEL_VALUE!r} keeps it selected by "
            "the in-cluster guardrail. Remove the label from the patch"
        )
    for label in POD_SECURITY_LABELS:
        if labels.get(label) == PRIVILEGED_LEVEL:
            problems.append(
                f"namespace {name} is untrusted, but this patch sets {label}: "
                f"{PRIVILEGED_LEVEL}, which admits host namespaces, hostPath and privileged "
                "containers. Use baseline or restricted"
            )
    return problems
