"""Updates and ephemeral containers: the admission policy judges an UPDATE only when it changes a
field the rules read (CREATE stays strict), and it matches `pods/ephemeralcontainers` (what
`kubectl debug` uses) and `pods/resize`, whose admission object is the whole Pod. Each case is
held to the pack's checks of the new object, evaluated offline with cel-python like
`test_admission_rules.py` (the fake API server's own cases: `test_admission_updates_live.py`)."""

from __future__ import annotations

import copy
from typing import Any, Optional

import pytest

from podsandbox.guardrail import admission_policy as admission
from podsandbox.rules import aks
from tests.cel_admission import AdmissionPolicy
from tests.test_admission_rules import (
    cel_flags,
    container,
    limited,
    pack_flags,
    pod,
    rule_names,
    spec,
    templated,
)


def debug(name: str = "debugger", **fields: Any) -> dict[str, Any]:
    """An ephemeral container as `kubectl debug` adds it: no resources (the API forbids them)."""
    return {"name": name, "image": "busybox", "targetContainerName": "app", **fields}


def with_spec(manifest: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """`manifest` with its pod spec's fields set (None removes one)."""
    changed = copy.deepcopy(manifest)
    pod_spec = changed["spec"]
    if changed["kind"] != "Pod":
        pod_spec = pod_spec["template"]["spec"]
    for key, value in fields.items():
        if value is None:
            pod_spec.pop(key, None)
        else:
            pod_spec[key] = value
    return changed


def with_metadata(manifest: dict[str, Any], **fields: Any) -> dict[str, Any]:
    changed = copy.deepcopy(manifest)
    changed["metadata"].update(fields)
    return changed


OLD_UNSANDBOXED = pod(spec(runtimeClassName=None))
"""A pod created before its namespace was labelled: it breaks the runtime-class rule."""
GOOD = pod(spec())
HOST_PATH = pod(spec(volumes=[{"name": "h", "hostPath": {"path": "/var"}}]))
OLD_DEPLOYMENT = templated("apps/v1", "Deployment", spec(runtimeClassName=None))

UPDATES: dict[str, tuple[dict[str, Any], dict[str, Any], str, set[str]]] = {
    # name: (old, new, subresource, what the policy refuses)
    "a finalizer removed from an old pod": (
        with_metadata(OLD_UNSANDBOXED, finalizers=["example.com/x"]), OLD_UNSANDBOXED, "", set()),
    "a label added to an old pod": (
        OLD_UNSANDBOXED, with_metadata(OLD_UNSANDBOXED, labels={"a": "b"}), "", set()),
    "an old pod's tolerations changed (not judged)": (
        OLD_UNSANDBOXED, with_spec(OLD_UNSANDBOXED, tolerations=[{"operator": "Exists"}]), "",
        set()),
    "an old pod's container image changed": (
        OLD_UNSANDBOXED, with_spec(OLD_UNSANDBOXED, containers=[container(image="nginx:2")]), "",
        {"runtime-class"}),
    "an old pod given a RuntimeClass": (OLD_UNSANDBOXED, GOOD, "", set()),
    "a good pod given hostNetwork": (GOOD, with_spec(GOOD, hostNetwork=True), "",
                                     {"host-namespaces"}),
    "a good pod's RuntimeClass removed": (GOOD, with_spec(GOOD, runtimeClassName=None), "",
                                          {"runtime-class"}),
    "a privileged ephemeral container added": (
        GOOD, with_spec(GOOD, ephemeralContainers=[debug(securityContext={"privileged": True})]),
        "ephemeralcontainers", {"privileged"}),
    "a plain ephemeral container added": (
        GOOD, with_spec(GOOD, ephemeralContainers=[debug()]), "ephemeralcontainers", set()),
    "an ephemeral container added to an old unsandboxed pod": (
        OLD_UNSANDBOXED, with_spec(OLD_UNSANDBOXED, ephemeralContainers=[debug()]),
        "ephemeralcontainers", {"runtime-class"}),
    "an ephemeral container mounting an old pod's hostPath volume": (
        HOST_PATH, with_spec(HOST_PATH, ephemeralContainers=[debug(volumeMounts=[
            {"name": "h", "mountPath": "/host"}])]), "ephemeralcontainers", {"host-path"}),
    "a resize under the memory minimum": (
        pod(limited("256Mi")), pod(limited("64Mi")), "resize", {"memory-limit"}),
    "a resize that keeps the minimum": (pod(limited("256Mi")), pod(limited("1Gi")), "resize",
                                        set()),
    "an old Deployment scaled": (
        OLD_DEPLOYMENT, {**copy.deepcopy(OLD_DEPLOYMENT),
                         "spec": {**OLD_DEPLOYMENT["spec"], "replicas": 3}}, "", set()),
    "an old Deployment's template given hostPID": (
        OLD_DEPLOYMENT, with_spec(OLD_DEPLOYMENT, hostPID=True), "",
        {"runtime-class", "host-namespaces"}),
    "an old Deployment's template given hostIPC": (
        OLD_DEPLOYMENT, with_spec(OLD_DEPLOYMENT, hostIPC=True), "",
        {"runtime-class", "host-namespaces"}),
    "an old Deployment's template given a hostPath volume": (
        OLD_DEPLOYMENT, with_spec(OLD_DEPLOYMENT, volumes=[{"name": "h", "hostPath": {
            "path": "/"}}]), "", {"runtime-class", "host-path"}),
    "an old Deployment's template given a privileged init container": (
        OLD_DEPLOYMENT, with_spec(OLD_DEPLOYMENT, initContainers=[container(
            "init", securityContext={"privileged": True})]), "", {"runtime-class", "privileged"}),
    "a bad Deployment's template fixed": (
        OLD_DEPLOYMENT, with_spec(OLD_DEPLOYMENT, runtimeClassName="kata-vm-isolation"), "",
        set()),
}  # fmt: skip


def judged_change(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """The match condition, said in Python: does any judged field of the pod spec differ?"""

    def pod_spec(manifest: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = manifest["spec"]
        return found if manifest["kind"] == "Pod" else dict(found["template"]["spec"])

    before, after = pod_spec(old), pod_spec(new)
    return any(before.get(name) != after.get(name) for name in admission.JUDGED_FIELDS)


@pytest.fixture(scope="module")
def policy() -> AdmissionPolicy:
    return AdmissionPolicy(admission.policy_object("p", aks.GA_RUNTIME))


def refused(policy: AdmissionPolicy, new: dict[str, Any], old: Optional[dict[str, Any]],
            sub_resource: str = "") -> set[str]:  # fmt: skip
    messages = {
        v["message"]: name
        for v, name in zip(policy.validations_by_order(), rule_names(), strict=True)
    }
    return {messages[v["message"]] for v in policy.refusals(new, old, sub_resource)}


@pytest.mark.parametrize("case", UPDATES, ids=list(UPDATES))
def test_an_update_is_judged_only_when_it_changes_a_judged_field(policy, case):
    old, new, sub_resource, expected = UPDATES[case]
    assert refused(policy, new, old, sub_resource) == expected
    pack = pack_flags(new, aks.GA_RUNTIME, {})
    assert expected == (pack if judged_change(old, new) else set())


@pytest.mark.parametrize("case", UPDATES, ids=list(UPDATES))
def test_a_create_stays_strict(policy, case):
    _, new, _, _ = UPDATES[case]
    assert refused(policy, new, None) == cel_flags(policy, new, rule_names())
    assert refused(policy, new, None) == pack_flags(new, aks.GA_RUNTIME, {})


EPHEMERAL: dict[str, dict[str, Any]] = {
    "a privileged ephemeral container": pod(spec(ephemeralContainers=[
        debug(securityContext={"privileged": True})])),
    "an ephemeral container, privileged false": pod(spec(ephemeralContainers=[
        debug(securityContext={"privileged": False})])),
    "an ephemeral container without a memory limit": pod(spec(ephemeralContainers=[debug()])),
    "an ephemeral container beside a pod under the minimum": pod({
        **limited("64Mi"), "ephemeralContainers": [debug()]}),
    "an ephemeral container list that is empty": pod(spec(ephemeralContainers=[])),
}  # fmt: skip
"""Pod specs with ephemeral containers: the pack checks them defensively (the API server refuses
them on create), and its verdict equals the CEL's on the same object."""


@pytest.mark.parametrize("case", EPHEMERAL, ids=list(EPHEMERAL))
def test_the_pack_and_the_policy_judge_ephemeral_containers_alike(policy, case):
    manifest = EPHEMERAL[case]
    assert cel_flags(policy, manifest, rule_names()) == pack_flags(manifest, aks.GA_RUNTIME, {})


def test_ephemeral_containers_count_for_privileged_only_and_never_for_memory(policy):
    flags = {name: pack_flags(manifest, aks.GA_RUNTIME, {}) for name, manifest in
             EPHEMERAL.items()}  # fmt: skip
    assert flags == {
        "a privileged ephemeral container": {"privileged"},
        "an ephemeral container, privileged false": set(),
        "an ephemeral container without a memory limit": set(),
        "an ephemeral container beside a pod under the minimum": {"memory-limit"},
        "an ephemeral container list that is empty": set(),
    }


def test_the_policy_matches_the_pod_subresources_on_update_only():
    rules = admission.policy_object("p", aks.GA_RUNTIME)["spec"]["matchConstraints"][
        "resourceRules"
    ]
    [subresources] = [r for r in rules if any("/" in name for name in r["resources"])]
    assert subresources == {
        "apiGroups": [""], "apiVersions": ["v1"], "operations": ["UPDATE"],
        "resources": ["pods/ephemeralcontainers", "pods/resize"],
    }  # fmt: skip
    [pods] = [r for r in rules if r["resources"] == ["pods"]]
    assert pods["operations"] == ["CREATE", "UPDATE"]
