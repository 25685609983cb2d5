"""The fake API server's discovery and list endpoints, for `podsandbox audit`.

As the API server answers (kubernetes API concepts, "Retrieving large results sets in chunks"):
a list is sorted by namespace and name, honours `limit` and hands an opaque `continue` token
while more remain; an expired token is a 410 `Expired` Status; the items of a list carry no
`apiVersion` or `kind`. Admission objects are served with the API server's defaults filled in
(kubernetes `pkg/apis/admissionregistration/v1beta1/defaults.go`, as v1) and server metadata.
RBAC's refusal is a 403 whose message names the verb, resource and namespace.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from tests.fake_apiserver import FakeCluster

ADMISSION = "admissionregistration.k8s.io"
POLICIES, BINDINGS = "validatingadmissionpolicies", "validatingadmissionpolicybindings"

SERVED: dict[str, dict[str, list[tuple[str, str, bool]]]] = {
    "": {"v1": [("pods", "Pod", True), ("namespaces", "Namespace", False),
                ("nodes", "Node", False), ("replicationcontrollers", "ReplicationController",
                                           True)]},
    "apps": {"v1": [("deployments", "Deployment", True), ("replicasets", "ReplicaSet", True),
                    ("statefulsets", "StatefulSet", True), ("daemonsets", "DaemonSet", True)]},
    "batch": {"v1": [("jobs", "Job", True), ("cronjobs", "CronJob", True)]},
    ADMISSION: {"v1": [(POLICIES, "ValidatingAdmissionPolicy", False),
                       (BINDINGS, "ValidatingAdmissionPolicyBinding", False)]},
    "node.k8s.io": {"v1": [("runtimeclasses", "RuntimeClass", False)]},
}  # fmt: skip
"""What every fake cluster serves: (resource, kind, namespaced) by group and version."""
AGENT_SANDBOXES: dict[str, dict[str, list[tuple[str, str, bool]]]] = {
    "agents.x-k8s.io": {
        "v1alpha1": [("sandboxes", "Sandbox", True)],
        "v1beta1": [("sandboxes", "Sandbox", True)],
    },
    "extensions.agents.x-k8s.io": {
        "v1alpha1": [("sandboxtemplates", "SandboxTemplate", True)],
        "v1beta1": [("sandboxtemplates", "SandboxTemplate", True)],
    },
}
"""Served when the cluster has the agent-sandbox CRDs (`FakeCluster.agent_sandboxes`)."""
EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter."
)


def served(cluster: FakeCluster) -> dict[str, dict[str, list[tuple[str, str, bool]]]]:
    return {**SERVED, **(AGENT_SANDBOXES if cluster.agent_sandboxes else {})}


def _status(code: int, reason: str, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}  # fmt: skip


def _with_defaults(obj: dict[str, Any], index: int) -> dict[str, Any]:
    """An admission object as the API server stores it: its defaults and server metadata."""
    stored = copy.deepcopy(obj)
    stored["metadata"].update(
        uid=f"00000000-0000-0000-0000-{index:012d}", resourceVersion=str(1000 + index),
        generation=1, creationTimestamp="2026-11-29T00:00:00Z",
        managedFields=[{"manager": "pulumi-kubernetes", "operation": "Apply"}],
    )  # fmt: skip
    spec = stored["spec"]
    match = spec.get("matchConstraints") or spec.get("matchResources")
    if match is not None:
        match.setdefault("matchPolicy", "Equivalent")
        match.setdefault("namespaceSelector", {})
        match.setdefault("objectSelector", {})
        for rule in match.get("resourceRules") or []:
            rule.setdefault("scope", "*")
    if stored["kind"] == "ValidatingAdmissionPolicy":
        spec.setdefault("failurePolicy", "Fail")
        stored["status"] = {"observedGeneration": 1, "typeChecking": {}}
    return stored


def _page(
    cluster: FakeCluster, items: list[dict[str, Any]], query: dict[str, list[str]], kind: str
) -> tuple[int, dict[str, Any]]:
    cluster.list_queries.append(query)
    token = query.get("continue", [""])[0]
    if token and cluster.expired_continue:
        return _status(410, "Expired", EXPIRED)
    start = json.loads(base64.b64decode(token))["start"] if token else 0
    ordered = sorted(
        items, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])
    )
    limit = int(query["limit"][0]) if "limit" in query else len(ordered)
    chunk = ordered[start : start + limit]
    metadata: dict[str, Any] = {"resourceVersion": "4242"}
    if start + limit < len(ordered):
        metadata["continue"] = base64.b64encode(json.dumps({"start": start + limit}).encode())
        metadata["continue"] = metadata["continue"].decode()
        metadata["remainingItemCount"] = len(ordered) - start - limit
    stripped = [{k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in chunk]
    return 200, {"kind": kind, "apiVersion": "v1", "metadata": metadata, "items": stripped}


def _discovery(cluster: FakeCluster, parts: list[str]) -> Optional[tuple[int, dict[str, Any]]]:
    groups = served(cluster)
    if parts == ["apis"]:
        listed = [
            {"name": group, "versions": [{"groupVersion": f"{group}/{v}", "version": v}
                                         for v in versions],
             "preferredVersion": {"groupVersion": f"{group}/{list(versions)[-1]}",
                                  "version": list(versions)[-1]}}
            for group, versions in groups.items() if group
        ]  # fmt: skip
        return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": listed}
    if parts == ["api", "v1"] or (len(parts) == 3 and parts[0] == "apis"):
        group, version = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
        resources = groups.get(group, {}).get(version)
        if resources is None:
            return _status(404, "NotFound", "the server could not find the requested resource")
        return 200, {
            "kind": "APIResourceList", "groupVersion": f"{group}/{version}".lstrip("/"),
            "resources": [{"name": name, "kind": kind, "namespaced": namespaced,
                           "verbs": ["get", "list"]} for name, kind, namespaced in resources],
        }  # fmt: skip
    return None


def answer(
    cluster: FakeCluster, parts: list[str], query: dict[str, list[str]]
) -> Optional[tuple[int, dict[str, Any]]]:
    """The answer to a discovery, list or admission-object GET; None for other paths."""
    found = _discovery(cluster, parts)
    if found is not None:
        return found
    if parts == ["api", "v1", "namespaces"]:
        names = {*cluster.namespace_labels, *(p.namespace for p in cluster.pods), "default"}
        namespaces = [{"metadata": {"name": name, "labels": {
            **cluster.namespace_labels.get(name, {}), "kubernetes.io/metadata.name": name}}}
            for name in names]  # fmt: skip
        return _page(cluster, namespaces, query, "NamespaceList")
    if parts[:2] == ["apis", ADMISSION] and len(parts) in (4, 5) and parts[3] in (
        POLICIES, BINDINGS,
    ):  # fmt: skip
        objects = cluster.policies if parts[3] == POLICIES else cluster.bindings
        stored = [_with_defaults(obj, index) for index, obj in enumerate(objects)]
        if len(parts) == 4:
            return _page(cluster, stored, query, "List")
        named = [obj for obj in stored if obj["metadata"]["name"] == parts[4]]
        if not named:
            return _status(404, "NotFound", f'{parts[3]}.{ADMISSION} "{parts[4]}" not found')
        return 200, named[0]
    core = parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 5
    named_group = parts[:1] == ["apis"] and len(parts) == 6 and parts[3] == "namespaces"
    if not (core or named_group):
        return None
    group, namespace, resource = ("", parts[3], parts[4]) if core else (parts[1], *parts[4:])
    if group and group not in served(cluster):
        return _status(404, "NotFound", "the server could not find the requested resource")
    if (resource, namespace) in cluster.refused_lists:
        return _status(403, "Forbidden", f'{resource} is forbidden: User "auditor" cannot list '
                       f'resource "{resource}" in API group "{group}" in the namespace '
                       f'"{namespace}"')  # fmt: skip
    if core and resource == "pods":
        items = [p.manifest() for p in cluster.pods if p.namespace == namespace]
    else:
        items = []
    items += [
        obj for obj in cluster.objects.get((group, resource), [])
        if obj["metadata"].get("namespace") == namespace
    ]  # fmt: skip
    return _page(cluster, items, query, "List")
