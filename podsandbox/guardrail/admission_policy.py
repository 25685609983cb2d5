"""The sandboxing workload rules as a Kubernetes ValidatingAdmissionPolicy, for what no Pulumi
program declares.

The policy pack judges what a program declares, at preview. Anything applied later (kubectl, Helm,
a GitOps controller, an agent's tooling) meets only the API server, so the same rules are written
here in CEL for a `ValidatingAdmissionPolicy` (admissionregistration.k8s.io/v1, GA in Kubernetes
1.30, no controller to run). The CEL is generated from the same rule data the pack uses (the
workload kinds and where each keeps its pod spec, the RuntimeClasses, the 128Mi minimum), and a
differential test holds each rule to the pack's check of the same rule (`policy_checks`), case by
case, evaluated offline with cel-python.

The expressions use only what both the API server and cel-python evaluate: standard CEL macros
(`has`, `all`, `exists`, `in`, `size`, `?:`) and Kubernetes' `quantity()` library
(`add`, `isLessThan`), which the test registers from the official `kubernetes` client's quantity
parser. The API server's type checking and CEL cost limits are not checked offline.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from podsandbox.guardrail.plan import (
    BINDING_KIND,
    NAME_LABEL,
    UNTRUSTED_LABEL,
    UNTRUSTED_LABEL_VALUE,
)
from podsandbox.rules import sizing, workloads
from podsandbox.rules.aks import RUNTIMES_BY_CLASS, RuntimeGeneration

API_VERSION = "admissionregistration.k8s.io/v1"
MAX_SUMMED_CONTAINERS = 16
"""CEL has no sum of a list that cel-python evaluates too: a pod's memory limits are added one by
one, for up to this many containers. A pod passes when one container alone, or the first this
many together, reach the minimum; only a pod of more containers than this, each under the minimum,
is judged on the first ones alone (the pack adds them all)."""

RESOURCE_PLURALS: dict[str, str] = {
    "Pod": "pods",
    "ReplicationController": "replicationcontrollers",
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "ReplicaSet": "replicasets",
    "Job": "jobs",
    "CronJob": "cronjobs",
    "Sandbox": "sandboxes",
    "SandboxTemplate": "sandboxtemplates",
}
"""The API resource (plural) of each workload kind."""


@dataclass(frozen=True)
class WorkloadKind:
    """A kind of object that runs pods: its API group, versions, resource and pod spec path."""

    group: str
    versions: tuple[str, ...]
    kind: str
    pod_spec: tuple[str, ...]

    @property
    def resource(self) -> str:
        return RESOURCE_PLURALS[self.kind]


def workload_kinds() -> list[WorkloadKind]:
    """Every workload kind the pack judges (`workloads.POD_SPEC_PATHS`, agent sandboxes)."""
    found = []
    for type_token, path in workloads.POD_SPEC_PATHS.items():
        group_version, kind = type_token.split(":")[1:]
        group, _, version = group_version.rpartition("/")
        found.append(WorkloadKind("" if group == "core" else group, (version,), kind, path))
    for group, kind in sorted(workloads.AGENT_SANDBOX_KINDS):
        found.append(WorkloadKind(group, ("*",), kind, workloads.AGENT_SANDBOX_POD_SPEC))
    return found


def _select(path: Sequence[str], root: str) -> str:
    return ".".join((root, *path))


def _present(path: Sequence[str], root: str = "object") -> str:
    """CEL that is true when every field along `path` is set."""
    return " && ".join(f"has({_select(path[: end + 1], root)})" for end in range(len(path)))


def pod_spec_variable(root: str = "object") -> str:
    """CEL for the pod spec of `root` (the object, or `oldObject` on an UPDATE; `{}` when it has
    none): each kind's own path."""
    expression = "{}"
    for kind in reversed(workload_kinds()):
        expression = (
            f"{root}.kind == '{kind.kind}' ? ({_present(kind.pod_spec, root)} ? "
            f"{_select(kind.pod_spec, root)} : {{}}) : {expression}"
        )
    return expression


def old_pod_spec_variable() -> str:
    """CEL for the pod spec before an UPDATE (`{}` on a CREATE, whose `oldObject` is null)."""
    return f"oldObject == null ? {{}} : ({pod_spec_variable('oldObject')})"


JUDGED_FIELDS = (
    "runtimeClassName",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "containers",
    "initContainers",
    "ephemeralContainers",
    "volumes",
)
"""The pod spec fields the rules read: an UPDATE that changes none of them is not judged."""


def judged_change_condition() -> str:
    """CEL for the policy's match condition: a CREATE, or an UPDATE that changes a judged field.

    A pod created before its namespace was labelled (or before the policy existed) must stay
    updatable by its controllers (a finalizer removed, a label added); a change to what the rules
    judge (a RuntimeClass, a container, an ephemeral container added by `kubectl debug`, a
    resize) is judged on the whole pod spec, as a CREATE is."""
    new, old = "variables.podSpec", "variables.oldPodSpec"
    changed = " || ".join(
        f"has({new}.{name}) != has({old}.{name}) || (has({new}.{name}) && {new}.{name} != "
        f"{old}.{name})"
        for name in JUDGED_FIELDS
    )
    return f"request.operation != 'UPDATE' || oldObject == null || {changed}"


POD_SUBRESOURCES = ("pods/ephemeralcontainers", "pods/resize")
"""Pod subresources whose UPDATE changes a judged field; their admission object is the whole Pod.
A `pods` rule matches neither (kubernetes `admission/plugin/policy/matching`, `rules.go`: a
subresource is matched only by its own name). `kubectl debug` adds ephemeral containers through
the first; the second (Kubernetes 1.33+, in-place pod resize, KEP-1287) changes containers'
resources, so the memory rule holds over a pod's life, not only at its creation (the memory
limit sizes the sandbox VM, and a resize under the minimum is refused as a create would be)."""


def has_pod_spec_variable() -> str:
    """CEL that is true when the object has a pod spec (an agent sandbox may have none yet: it
    runs no pod, and the pack does not judge it either)."""
    expression = "false"
    for kind in reversed(workload_kinds()):
        expression = f"object.kind == '{kind.kind}' ? ({_present(kind.pod_spec)}) : {expression}"
    return expression


@dataclass(frozen=True)
class AdmissionRule:
    """One rule: CEL that is true when the pod spec (`variables.podSpec`) is allowed."""

    name: str
    expression: str
    message: str
    """What a refused `kubectl apply` prints (after the policy and binding names)."""


def _containers(field_name: str) -> str:
    spec = "variables.podSpec"
    return f"(has({spec}.{field_name}) ? {spec}.{field_name} : [])"


def _flag_unset(owner: str, field_name: str) -> str:
    return f"!(has({owner}.{field_name}) && {owner}.{field_name} == true)"


def _memory_total() -> str:
    """CEL for the sum of the containers' memory limits (the first `MAX_SUMMED_CONTAINERS`)."""
    containers = "variables.podSpec.containers"
    terms = [
        f"(size({containers}) > {index} ? quantity({containers}[{index}].resources.limits.memory)"
        f" : quantity('0'))"
        for index in range(MAX_SUMMED_CONTAINERS)
    ]
    total = terms[0]
    for term in terms[1:]:
        total = f"{total}.add({term})"
    return total


def rules(runtime: RuntimeGeneration, extra_classes: Sequence[str] = ()) -> list[AdmissionRule]:
    """The workload rules for an untrusted namespace of a cluster of `runtime`'s generation.

    The runtime-class rule accepts every AKS sandboxing class, not only `runtime`'s: stacks of
    both generations may share a cluster, and each labelled binding judges every labelled
    namespace, so one stack's policy must not refuse the other's sandboxed pods (a class of the
    other generation is the pack's finding, `runtime-class-matches-pool-generation`)."""
    classes = [
        *RUNTIMES_BY_CLASS,
        *(name for name in extra_classes if name not in RUNTIMES_BY_CLASS),
    ]
    listed = ", ".join(f"'{name}'" for name in classes)
    spec = "variables.podSpec"
    memory_limit_set = (
        "c, has(c.resources) && has(c.resources.limits) && 'memory' in c.resources.limits"
    )
    minimum = sizing.format_memory(sizing.GA_MIN_MEMORY)
    return [
        AdmissionRule(
            "runtime-class",
            f"has({spec}.runtimeClassName) && {spec}.runtimeClassName in [{listed}]",
            f"pods in this namespace must run sandboxed: set spec.runtimeClassName: "
            f"{runtime.runtime_class_name} (AKS Pod Sandboxing); without it the pod shares the "
            "node's kernel",
        ),
        AdmissionRule(
            "host-namespaces",
            " && ".join(_flag_unset(spec, flag) for flag in ("hostNetwork", "hostPID", "hostIPC")),
            "sandboxed pods cannot use hostNetwork, hostPID or hostIPC: remove them",
        ),
        AdmissionRule(
            "privileged",
            " && ".join(
                f"{_containers(field)}.all(c, !has(c.securityContext) || "
                f"{_flag_unset('c.securityContext', 'privileged')})"
                for field in workloads.PRIVILEGED_CONTAINER_FIELDS
            ),
            "sandboxed pods cannot run privileged containers (init and ephemeral containers "
            "included): remove securityContext.privileged",
        ),
        AdmissionRule(
            # An ephemeral container cannot add a volume, only mount the pod's (EphemeralContainer
            # has no volumes field): a hostPath it could mount is a pod volume, refused here.
            "host-path",
            f"{_containers('volumes')}.all(v, !has(v.hostPath))",
            "sandboxed pods cannot mount hostPath volumes (ephemeral containers included): use "
            "another volume type",
        ),
        AdmissionRule(
            "memory-limit",
            f"has({spec}.containers) && {spec}.containers.all({memory_limit_set}) && "
            f"({spec}.containers.exists(c, !quantity(c.resources.limits.memory)"
            f".isLessThan(quantity('{minimum}'))) || "
            f"!{_memory_total()}.isLessThan(quantity('{minimum}')))",
            f"every container of a sandboxed pod needs resources.limits.memory, at least "
            f"{minimum} in total: the limit sizes the pod's VM",
        ),
    ]


def policy_object(
    name: str, runtime: RuntimeGeneration, extra_classes: Sequence[str] = ()
) -> dict[str, Any]:
    """The ValidatingAdmissionPolicy (its manifest)."""
    return {
        "apiVersion": API_VERSION,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": [
                    *(
                        {
                            "apiGroups": [kind.group],
                            "apiVersions": list(kind.versions),
                            "operations": ["CREATE", "UPDATE"],
                            "resources": [kind.resource],
                        }
                        for kind in workload_kinds()
                    ),
                    {
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "operations": ["UPDATE"],
                        "resources": list(POD_SUBRESOURCES),
                    },
                ]
            },
            "matchConditions": [
                {"name": "create-or-judged-change", "expression": judged_change_condition()}
            ],
            "variables": [
                {"name": "hasPodSpec", "expression": has_pod_spec_variable()},
                {"name": "podSpec", "expression": pod_spec_variable()},
                {"name": "oldPodSpec", "expression": old_pod_spec_variable()},
            ],
            "validations": [
                {
                    "expression": f"!variables.hasPodSpec || ({rule.expression})",
                    "message": rule.message,
                    "reason": "Forbidden",
                }
                for rule in rules(runtime, extra_classes)
            ],
        },
    }


def binding_objects(
    name: str, policy: str, namespaces: Sequence[str], actions: Sequence[str]
) -> list[dict[str, Any]]:
    """Two bindings, so that a namespace is untrusted when it is named or labelled: one for the
    named namespaces (unless labelled, so none is judged twice), one for the labelled ones."""
    named = {
        "matchExpressions": [
            {"key": NAME_LABEL, "operator": "In", "values": sorted(namespaces)},
            {"key": UNTRUSTED_LABEL, "operator": "NotIn", "values": [UNTRUSTED_LABEL_VALUE]},
        ]
    }
    labelled = {"matchLabels": {UNTRUSTED_LABEL: UNTRUSTED_LABEL_VALUE}}
    return [
        {
            "apiVersion": API_VERSION,
            "kind": BINDING_KIND,
            "metadata": {"name": f"{name}-{suffix}"},
            "spec": {
                "policyName": policy,
                "validationActions": list(actions),
                "matchResources": {"namespaceSelector": selector},
            },
        }
        for suffix, selector in (("named", named), ("labelled", labelled))
    ]
