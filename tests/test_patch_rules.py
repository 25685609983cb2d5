"""Issue 27, item 3: the pure rules of patches, one table per concept. A patch is told as the
provider tells it (`kinds.IsPatchResource`), judged by the workload checks on what it sets, and
what it leaves unset is named."""

from __future__ import annotations

from typing import Any

import pytest

from podsandbox.guardrail import plan
from podsandbox.rules import patches, policy_checks, workloads

DEPLOYMENT_PATCH = "kubernetes:apps/v1:DeploymentPatch"
APPS = {"apiVersion": "apps/v1", "kind": "Deployment"}


@pytest.mark.parametrize(
    ("token", "props", "patch"),
    [
        (DEPLOYMENT_PATCH, APPS, True),
        ("kubernetes:argoproj.io/v1alpha1:WorkflowPatch", {"kind": "Workflow"}, True),
        ("kubernetes:example.com/v1:FooPatch", {"kind": "FooPatch"}, False),  # a kind named so
        (DEPLOYMENT_PATCH, {"kind": "Pod"}, False),  # the provider creates a Pod
        (DEPLOYMENT_PATCH, {}, False),
        (DEPLOYMENT_PATCH, {"kind": ""}, False),
        (DEPLOYMENT_PATCH, {"kind": 1}, False),
        ("kubernetes:apps/v1:Deployment", APPS, False),
        ("example:apps/v1:DeploymentPatch", APPS, False),
        ("DeploymentPatch", APPS, False),
    ],
)
def test_a_patch_is_what_the_provider_applies_as_one(token, props, patch):
    assert workloads.is_patch(token, props) is patch


def patch_of(pod: dict[str, Any], namespace: str = "untrusted") -> workloads.Workload:
    props = {**APPS, "metadata": {"name": "d", "namespace": namespace}}
    props["spec"] = {"template": {"spec": pod}}
    workload = workloads.workload_of(DEPLOYMENT_PATCH, props)
    assert workload is not None and workload.patch
    return workload


def whole(pod: dict[str, Any], namespace: str = "untrusted") -> workloads.Workload:
    props = {"metadata": {"name": "d", "namespace": namespace}, "spec": {"template": {"spec": pod}}}
    workload = workloads.workload_of("kubernetes:apps/v1:Deployment", props)
    assert workload is not None and not workload.patch
    return workload


SPEC = "spec.template.spec."
LISTS = [f"{SPEC}{key}[] it does not name" for key in ("containers", "initContainers", "volumes")]


@pytest.mark.parametrize(
    ("pod", "unset"),
    [
        ({}, [SPEC + key for key in ("runtimeClassName", "hostNetwork", "hostPID", "hostIPC")]),
        ({"runtimeClassName": "kata-vm-isolation", "hostPID": False}, [SPEC + "hostNetwork", SPEC + "hostIPC"]),  # noqa: E501
        ({"runtimeClassName": None, "hostNetwork": True, "hostPID": True, "hostIPC": True}, []),
        ({"containers": [], "volumes": [], "initContainers": []}, [SPEC + key for key in ("runtimeClassName", "hostNetwork", "hostPID", "hostIPC")]),  # noqa: E501
    ],
)  # fmt: skip
def test_what_a_pod_patch_leaves_to_the_live_object_is_named(pod, unset):
    assert patches.unset_pod_fields(patch_of(pod)) == [*unset, *LISTS]


CONTAINER = {"name": "x", "image": "y"}
PRIVILEGED = {"name": "x", "securityContext": {"privileged": True}}
HOST_PATH = {"name": "h", "hostPath": {"path": "/"}}


@pytest.mark.parametrize(
    ("pod", "namespace", "found"),
    [
        ({"runtimeClassName": "runc"}, "untrusted", "runtimeClassName 'runc'"),
        ({"runtimeClassName": None}, "untrusted", "runtimeClassName unset"),
        ({"runtimeClassName": ""}, "untrusted", "runtimeClassName ''"),
        ({"runtimeClassName": "kata-vm-isolation", "hostNetwork": True}, "untrusted", None),
        ({"runtimeClassName": "runc"}, "tenants", None),
        ({"hostNetwork": True}, "tenants", None),
        ({}, "untrusted", None),
        ({"containers": [CONTAINER], "hostNetwork": False, "hostPID": False}, "untrusted", None),
        ({"hostNetwork": True}, "untrusted", "sets hostNetwork in"),
        ({"hostPID": True}, "untrusted", "sets hostPID in"),
        ({"hostIPC": True}, "untrusted", "sets hostIPC in"),
        ({"containers": [PRIVILEGED]}, "untrusted", "sets privileged in"),
        ({"initContainers": [PRIVILEGED]}, "untrusted", "sets privileged in"),
        ({"volumes": [HOST_PATH]}, "untrusted", "sets hostPath in"),
        ({"hostNetwork": True, "hostIPC": True, "volumes": [HOST_PATH]}, "untrusted", "sets hostNetwork, hostIPC, hostPath in"),  # noqa: E501
        ({"containers": [{"name": "x", "volumeMounts": [{"name": "v", "subPath": "a"}]}]}, "untrusted", None),  # noqa: E501
    ],
)  # fmt: skip
def test_a_patch_in_an_untrusted_namespace_is_judged_on_what_it_sets(pod, namespace, found):
    workload = patch_of(pod, namespace)
    messages = policy_checks.workload_in_untrusted_namespace(workload, ["untrusted"])
    if found is None:
        assert messages == []
    else:
        [message] = messages
        assert found in message and "DeploymentPatch untrusted/d" in message
        if found.startswith("sets"):
            assert "leaves spec.template.spec.runtimeClassName to the live object" in message
            assert "runtimeClassName: kata-vm-isolation" in message


def test_a_whole_workload_without_a_class_is_still_a_violation():
    [message] = policy_checks.workload_in_untrusted_namespace(whole({}), ["untrusted"])
    assert "runtimeClassName unset" in message  # issue 28: unset, not Python's None


KATA = {"runtimeClassName": "kata-vm-isolation"}


@pytest.mark.parametrize(
    ("containers", "patch_problems", "whole_problems"),
    [
        ([CONTAINER], 0, 1),  # no memory limit: the live container's, for a patch
        ([{**CONTAINER, "resources": {"limits": {"memory": "64Mi"}}}], 0, 1),  # the total is not
        ([{**CONTAINER, "resources": {"limits": {"memory": "lots"}}}], 1, 1),
        ([{**CONTAINER, "resources": {"limits": {"memory": "256Mi"}}}], 0, 0),
        # A container left to its live limit does not stop the next one being judged.
        ([CONTAINER, {"name": "b", "resources": {"limits": {"memory": "lots"}}}], 1, 2),
    ],
)
def test_a_patch_memory_limit_is_judged_on_what_it_sets(containers, patch_problems, whole_problems):
    pod = {**KATA, "containers": containers}
    assert len(policy_checks.workload_memory_limit(patch_of(pod))) == patch_problems
    assert len(policy_checks.workload_memory_limit(whole(pod))) == whole_problems


@pytest.mark.parametrize(
    ("resources", "patch_problems", "whole_problems"),
    [
        ({}, 0, 1),
        ({"limits": {"cpu": "1"}, "requests": {"cpu": "500m"}}, 1, 1),
        ({"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}, 0, 0),
        ({"requests": {"cpu": "1"}}, 0, 1),
    ],
)
def test_a_patch_cpu_limit_is_judged_on_what_it_sets(resources, patch_problems, whole_problems):
    pod = {**KATA, "containers": [{**CONTAINER, "resources": resources}]}
    assert len(policy_checks.workload_cpu_limit(patch_of(pod))) == patch_problems
    assert len(policy_checks.workload_cpu_limit(whole(pod))) == whole_problems


@pytest.mark.parametrize(
    ("pod", "used"),
    [
        ({}, []),
        ({"hostNetwork": True}, ["hostNetwork"]),
        ({"hostNetwork": "true"}, []),
        ({"hostPID": True, "hostNetwork": True}, ["hostNetwork", "hostPID"]),
        ({"containers": [{"name": "x", "volumeMounts": [{"subPath": "a"}]}]}, []),
        ({"volumes": [HOST_PATH], "containers": [PRIVILEGED]}, ["privileged", "hostPath"]),
    ],
)
def test_host_access_is_what_reaches_the_node(pod, used):
    assert policy_checks.host_access(patch_of(pod)) == used


U, E, A, W = (
    patches.UNTRUSTED_LABEL,
    *(f"pod-security.kubernetes.io/{mode}" for mode in ("enforce", "audit", "warn")),
)


@pytest.mark.parametrize(
    ("labels", "untrusted", "found"),
    [
        ({U: "false"}, True, [f"{U} to 'false'"]),
        ({U: None}, True, [f"{U} to None"]),
        ({U: ""}, True, [f"{U} to ''"]),
        ({U: "True"}, True, [f"{U} to 'True'"]),
        ({U: "true"}, True, []),
        ({U: "false"}, False, []),
        ({E: "privileged"}, True, [f"{E}: privileged"]),
        ({A: "privileged"}, True, [f"{A}: privileged"]),
        ({W: "privileged"}, True, [f"{W}: privileged"]),
        ({E: "privileged"}, False, []),
        ({U: "true", W: "privileged"}, False, [f"{W}: privileged"]),
        ({E: "baseline", A: "restricted", W: "Privileged"}, True, []),
        ({U: "no", E: "privileged", A: "privileged"}, True, [f"{U} to 'no'", f"{E}: privileged", f"{A}: privileged"]),  # noqa: E501
        ({}, True, []),
    ],
)  # fmt: skip
def test_a_namespace_patch_may_not_unguard_an_untrusted_namespace(labels, untrusted, found):
    messages = patches.namespace_label_problems("ns", labels, untrusted)
    assert len(messages) == len(found)
    for message, text in zip(messages, found, strict=True):
        assert text in message and message.startswith("namespace ns is untrusted")


@pytest.mark.parametrize(
    ("props", "labels", "unset"),
    [
        ({}, {}, [U, E, A, W]),
        ({"metadata": "x"}, {}, [U, E, A, W]),
        ({"metadata": {"labels": ["a"]}}, {}, [U, E, A, W]),
        ({"metadata": {"labels": {U: "true", A: "x"}}}, {U: "true", A: "x"}, [E, W]),
        ({"metadata": {"labels": {U: "true", E: "a", A: "b", W: "c"}}}, {U: "true", E: "a", A: "b", W: "c"}, []),  # noqa: E501
    ],
)  # fmt: skip
def test_the_namespace_labels_a_patch_leaves_live_are_named(props, labels, unset):
    assert patches.namespace_labels(props) == labels
    assert patches.unset_namespace_labels(patches.namespace_labels(props)) == unset


def test_the_guardrail_selects_the_label_the_patch_rules_read():
    assert (plan.UNTRUSTED_LABEL, plan.UNTRUSTED_LABEL_VALUE) == ("podsandbox.io/untrusted", "true")
    assert plan.is_labelled_untrusted({patches.UNTRUSTED_LABEL: patches.UNTRUSTED_LABEL_VALUE})


def test_a_namespace_patchs_problems_say_what_to_do():
    [label, level] = patches.namespace_label_problems(
        "tenants",
        {patches.UNTRUSTED_LABEL: "false", "pod-security.kubernetes.io/enforce": "privileged"},
        True,
    )
    assert label == (
        f"namespace tenants is untrusted, but this patch sets its label {patches.UNTRUSTED_LABEL}"
        " to 'false': only 'true' keeps it selected by the in-cluster guardrail. Remove the "
        "label from the patch"
    )
    assert level == (
        "namespace tenants is untrusted, but this patch sets pod-security.kubernetes.io/enforce: "
        "privileged, which admits host namespaces, hostPath and privileged containers. Use "
        "baseline or restricted"
    )


def test_a_patchs_host_access_message_says_what_to_set():
    [message] = policy_checks.workload_in_untrusted_namespace(
        patch_of({"hostNetwork": True}), ["untrusted"]
    )
    assert message.endswith(
        "object, which is not known offline: without a sandbox these reach the node. Set "
        "runtimeClassName: kata-vm-isolation in the patch, or drop them"
    ), message
