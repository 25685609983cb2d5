"""Updates against the fake API server, through the official `kubernetes` client: a pod created
before its namespace was guarded can still be updated where the rules do not look (a finalizer
removed), is refused when an update changes what they judge or adds a privileged ephemeral
container (`kubectl debug`'s `pods/ephemeralcontainers`), and a create of the same pod stays
refused. Under Warn and Audit nothing is refused, even a pod whose CEL cannot be evaluated."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import config as kubeconfig_loader
from kubernetes.client.exceptions import ApiException

from podsandbox.guardrail import admission_policy
from podsandbox.guardrail.plan import ACTIONS, AUDIT, DENY
from podsandbox.rules.aks import GA_RUNTIME
from tests.fake_apiserver import FakeCluster

POLICY = "podsandbox-dev"
RULES = {rule.name: rule.message for rule in admission_policy.rules(GA_RUNTIME)}


def old_pod(**spec: Any) -> dict[str, Any]:
    """A pod created before the binding: no RuntimeClass, a finalizer."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "legacy", "namespace": "untrusted", "finalizers": ["example.com/f"]},
        "spec": {"containers": [{"name": "app", "image": "nginx", "resources": {
            "limits": {"memory": "256Mi"}}}], **spec},
    }  # fmt: skip


def api(cluster: FakeCluster, kubeconfig: Path, enforcement: str = DENY, **spec: Any) -> Any:
    cluster.policies.append(admission_policy.policy_object(POLICY, GA_RUNTIME))
    cluster.bindings += admission_policy.binding_objects(
        POLICY, POLICY, ["untrusted"], ACTIONS[enforcement]
    )
    cluster.stored_pods[("untrusted", "legacy")] = old_pod(**spec)
    return k8s.CoreV1Api(kubeconfig_loader.new_client_from_config(str(kubeconfig)))


def refusal(call: Any) -> str:
    with pytest.raises(ApiException) as raised:
        call()
    assert raised.value.status == 403
    return str(raised.value.body)


def test_an_update_that_changes_no_judged_field_is_admitted(cluster, kubeconfig):
    core = api(cluster, kubeconfig)
    body = copy.deepcopy(old_pod())
    body["metadata"]["finalizers"] = []
    updated = core.replace_namespaced_pod("legacy", "untrusted", body)
    assert updated.metadata.finalizers is None or updated.metadata.finalizers == []
    assert cluster.stored_pods[("untrusted", "legacy")]["metadata"]["finalizers"] == []


def test_an_update_that_changes_a_judged_field_and_a_create_are_refused(cluster, kubeconfig):
    core = api(cluster, kubeconfig)
    body = old_pod()
    body["spec"]["containers"][0]["image"] = "nginx:2"
    message = refusal(lambda: core.replace_namespaced_pod("legacy", "untrusted", body))
    assert f"binding '{POLICY}-named' denied request: {RULES['runtime-class']}" in message
    fresh = old_pod()
    fresh["metadata"] = {"name": "fresh"}
    message = refusal(lambda: core.create_namespaced_pod("untrusted", fresh))
    assert RULES["runtime-class"] in message


def test_kubectl_debug_cannot_add_a_privileged_ephemeral_container(cluster, kubeconfig):
    core = api(cluster, kubeconfig, runtimeClassName="kata-vm-isolation")
    debug = {"name": "debugger", "image": "busybox", "targetContainerName": "app"}
    body = old_pod(runtimeClassName="kata-vm-isolation")
    body["spec"]["ephemeralContainers"] = [{**debug, "securityContext": {"privileged": True}}]
    message = refusal(
        lambda: core.replace_namespaced_pod_ephemeralcontainers("legacy", "untrusted", body)
    )
    assert RULES["privileged"] in message
    assert (
        cluster.requests[-1] == "PUT /api/v1/namespaces/untrusted/pods/legacy/ephemeralcontainers"
    )
    body["spec"]["ephemeralContainers"] = [debug]
    core.replace_namespaced_pod_ephemeralcontainers("legacy", "untrusted", body)
    stored = cluster.stored_pods[("untrusted", "legacy")]
    assert stored["spec"]["ephemeralContainers"][0]["name"] == "debugger"


def test_under_warn_and_audit_even_an_expression_that_cannot_be_evaluated_only_warns(
    cluster, kubeconfig
):
    """The validating dispatcher: an evaluation error under failurePolicy Fail takes the
    binding's actions, so Warn and Audit warn (shared/spec/real-engine.md, third review)."""
    core = api(cluster, kubeconfig, AUDIT)
    body = old_pod(runtimeClassName="kata-vm-isolation")
    body["metadata"] = {"name": "odd"}
    body["spec"]["containers"][0]["resources"]["limits"]["memory"] = "lots"
    _, status, headers = core.create_namespaced_pod_with_http_info("untrusted", body, dry_run="All")
    assert status == 201
    assert RULES["memory-limit"] in headers["Warning"]
