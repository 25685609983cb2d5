"""`podsandbox audit` through the official kubernetes client against the fake API server: a
cluster of a few hundred objects read in pages, what the guardrail would refuse (held to the
policy's CEL, evaluated by the fake with cel-python), the policy check, exit codes, and what
cannot be read reported as not judged."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Optional

import pytest

from podsandbox.cli import main
from podsandbox.guardrail import admission_policy
from podsandbox.guardrail.plan import ACTIONS, AUDIT, UNTRUSTED_LABEL, binding_guards
from podsandbox.rules.aks import GA_RUNTIME, LEGACY_RUNTIME
from tests.cel_admission import AdmissionPolicy
from tests.fake_apiserver import FakeApiServer, FakeCluster

POLICY = "podsandbox-dev"
MESSAGES = {rule.name: rule.message for rule in admission_policy.rules(GA_RUNTIME)}
MEMORY = {"limits": {"memory": "256Mi", "cpu": "500m"}}
WORKLOADS = {  # (group, resource): (apiVersion, kind, where the pod spec goes)
    ("", "pods"): ("v1", "Pod", ()),
    ("", "replicationcontrollers"): ("v1", "ReplicationController", ("template",)),
    ("apps", "deployments"): ("apps/v1", "Deployment", ("template",)),
    ("apps", "replicasets"): ("apps/v1", "ReplicaSet", ("template",)),
    ("apps", "statefulsets"): ("apps/v1", "StatefulSet", ("template",)),
    ("apps", "daemonsets"): ("apps/v1", "DaemonSet", ("template",)),
    ("batch", "jobs"): ("batch/v1", "Job", ("template",)),
    ("batch", "cronjobs"): ("batch/v1", "CronJob", ("jobTemplate", "spec", "template")),
    ("agents.x-k8s.io", "sandboxes"): ("agents.x-k8s.io/v1beta1", "Sandbox", ("podTemplate",)),
}


def pod_spec(**fields: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "runtimeClassName": "kata-vm-isolation",
        "containers": [{"name": "app", "image": "nginx", "resources": copy.deepcopy(MEMORY)}],
    }
    spec.update(fields)
    return {key: value for key, value in spec.items() if value is not None}


def workload(
    resource: tuple[str, str], namespace: str, name: str, spec: dict[str, Any],
    owner: Optional[tuple[str, str]] = None,
) -> dict[str, Any]:  # fmt: skip
    api_version, kind, path = WORKLOADS[resource]
    body: dict[str, Any] = {"spec": spec}
    for key in reversed(path):
        body = {key: body}
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind,
                           "spec": body["spec"] if not path else body,
                           "metadata": {"name": name, "namespace": namespace}}  # fmt: skip
    if owner:
        obj["metadata"]["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": "u",
             "controller": True}
        ]  # fmt: skip
    return obj


def add(cluster: FakeCluster, obj: dict[str, Any], resource: tuple[str, str]) -> None:
    cluster.objects.setdefault(resource, []).append(obj)


def deploy_guardrail(cluster: FakeCluster, namespaces: tuple[str, ...] = ("untrusted",)) -> None:
    """What `SandboxGuardrail` applies in audit mode: the policy and its two bindings."""
    cluster.policies.append(admission_policy.policy_object(POLICY, GA_RUNTIME))
    cluster.bindings += admission_policy.binding_objects(POLICY, POLICY, namespaces, ACTIONS[AUDIT])


BAD = {
    "runc": pod_spec(runtimeClassName="runc"),
    "unsandboxed": pod_spec(runtimeClassName=None),
    "hostnet": pod_spec(hostNetwork=True),
    "privileged": pod_spec(initContainers=[{"name": "i", "image": "x",
                                            "securityContext": {"privileged": True}}]),
    "hostpath": pod_spec(volumes=[{"name": "h", "hostPath": {"path": "/var"}}]),
    "small": pod_spec(containers=[{"name": "app", "image": "x",
                                   "resources": {"limits": {"memory": "64Mi"}}}]),
}  # fmt: skip


def crowd(cluster: FakeCluster) -> list[tuple[str, str, str]]:
    """A few hundred objects: good ones of every kind in the guarded namespaces (`untrusted` by
    name, `ci` by label), bad ones among them, bad ones in unguarded namespaces (never listed).
    Returns the bad guarded ones: (kind, namespace/name, rule)."""
    deploy_guardrail(cluster)
    cluster.namespace_labels.update(
        {"untrusted": {}, "ci": {UNTRUSTED_LABEL: "true"}, "tenants": {UNTRUSTED_LABEL: "false"}}
    )
    for index, resource in enumerate(WORKLOADS):
        if resource[0] == "agents.x-k8s.io":
            continue
        for number in range(30 if resource[1] != "pods" else 150):
            namespace = ("untrusted", "ci")[number % 2]
            add(cluster, workload(resource, namespace, f"ok-{index}-{number:03d}", pod_spec()),
                resource)  # fmt: skip
        for namespace in ("default", "tenants"):
            add(cluster, workload(resource, namespace, f"bad-{index}", BAD["runc"]), resource)
    bad = []
    rules = {"runc": "runtime-class", "unsandboxed": "runtime-class",
             "hostnet": "host-namespaces", "privileged": "privileged", "hostpath": "host-path",
             "small": "memory-limit"}  # fmt: skip
    for number, (name, spec) in enumerate(BAD.items()):
        resource = list(WORKLOADS)[number % 8]  # bad-unsandboxed is a ReplicationController
        namespace = ("untrusted", "ci")[number % 2]
        add(cluster, workload(resource, namespace, f"bad-{name}", spec), resource)
        bad.append((WORKLOADS[resource][1], f"{namespace}/bad-{name}", rules[name]))
    owned = workload(("", "pods"), "ci", "web-7d9-x", BAD["runc"], ("ReplicaSet", "web-7d9"))
    add(cluster, owned, ("", "pods"))
    bad.append(("Pod", "ci/web-7d9-x", "runtime-class"))
    return bad


def run(kubeconfig: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any, str]:
    code = main(["audit", "--kubeconfig", str(kubeconfig), "--format", "json", *extra])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def refused(report: Any) -> set[tuple[str, str, str]]:
    return {
        (item["kind"], f"{item['namespace']}/{item['name']}", rule["rule"])
        for item in report["refused"]
        for rule in item["rules"]
    }


def test_every_object_the_policy_would_refuse_is_listed_read_in_pages(kubeconfig, capsys, cluster):
    bad = crowd(cluster)
    code, report, stderr = run(kubeconfig, capsys, "--policy", POLICY, "--page-size", "10")
    assert code == 1
    assert refused(report) == set(bad)
    assert report["namespaces"] == ["ci", "untrusted"]
    assert report["policy"] == {"name": POLICY, "deployed": True, "matches": True,
                                "differences": [], "runtimeClass": "kata-vm-isolation"}  # fmt: skip
    # The crowd, the demo's untrusted pod, the bad ones and the owned pod: a few hundred.
    assert report["objects"] == 150 + 7 * 30 + 1 + len(BAD) + 1 == 368
    assert report["notJudged"] == [] and report["ok"] is False
    # Every page was asked for with the limit, and the lists went on with `continue`.
    assert all(query.get("limit") == ["10"] for query in cluster.list_queries)
    # pods: 8 pages a namespace; each other kind: 2 pages a namespace (15 or 16 objects)
    assert sum("continue" in query for query in cluster.list_queries) >= 2 * 7 + 7 * 2
    assert "audit: read" in stderr and " pages (" in stderr
    owned = next(item for item in report["refused"] if item["name"] == "web-7d9-x")
    assert owned["controlledBy"] == "ReplicaSet web-7d9"
    assert owned["rules"] == [{
        "rule": "runtime-class", "message": MESSAGES["runtime-class"],
        "details": ["Pod ci/web-7d9-x runs in the untrusted namespace ci with runtimeClassName "
                    "'runc'; it must use a sandboxing RuntimeClass (kata-vm-isolation or "
                    "kata-mshv-vm-isolation), e.g. runtimeClassName: kata-vm-isolation"],
    }]  # fmt: skip
    kinds = {kind["resource"]: kind for kind in report["kinds"]}
    assert kinds["deployments.apps"]["objects"] == 30 + 1  # bad-hostnet is a Deployment
    assert kinds["replicationcontrollers"]["objects"] == 30 + 1
    assert kinds["sandboxes.agents.x-k8s.io"] == {
        "resource": "sandboxes.agents.x-k8s.io",
        "served": False,
        "objects": 0,
    }


def test_the_audit_agrees_with_the_policys_cel_on_every_object(kubeconfig, capsys, cluster):
    """The fake evaluates the deployed policy's CEL (cel-python) on each guarded object: the
    audit, which judges with the pack's checks, refuses exactly what the CEL refuses."""
    crowd(cluster)
    cluster.agent_sandboxes = True
    sandbox = ("agents.x-k8s.io", "sandboxes")
    add(cluster, workload(sandbox, "ci", "agent", pod_spec(hostPID=True)), sandbox)
    _, report, _ = run(kubeconfig, capsys, "--policy", POLICY)
    policy = AdmissionPolicy(cluster.policies[0])
    names = [rule.name for rule in admission_policy.rules(GA_RUNTIME)]
    by_message = dict(zip(MESSAGES.values(), names, strict=True))
    expected = set()
    every = [p.manifest() for p in cluster.pods]
    every += [obj for objects in cluster.objects.values() for obj in objects]
    for obj in every:
        namespace = obj["metadata"]["namespace"]
        labels = cluster.namespace_labels.get(namespace, {})
        if not any(binding_guards(b, namespace, labels) for b in cluster.bindings):
            continue
        for validation in policy.refusals(obj):
            expected.add((obj["kind"], f"{namespace}/{obj['metadata']['name']}",
                          by_message[validation["message"]]))  # fmt: skip
    assert refused(report) == expected
    assert ("Sandbox", "ci/agent", "host-namespaces") in expected


def test_a_clean_cluster_passes(kubeconfig, capsys, cluster):
    deploy_guardrail(cluster)
    code, report, _ = run(kubeconfig, capsys, "--policy", POLICY)
    assert (code, report["ok"], report["refused"]) == (0, True, [])
    assert report["verdict"].startswith("PASS: nothing in the 1 guarded namespaces")
    assert report["bindings"] == [  # as the API server lists them: by name
        {"name": f"{POLICY}-labelled", "actions": ["Warn", "Audit"], "deployed": True},
        {"name": f"{POLICY}-named", "actions": ["Warn", "Audit"], "deployed": True},
    ]


def test_the_text_report(kubeconfig, capsys, cluster):
    crowd(cluster)
    assert main(["audit", "--kubeconfig", str(kubeconfig), "--policy", POLICY]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "FAIL: 7 objects would be refused under Deny; fix them (sandbox them, or move them out "
        "of the guarded namespaces) before switching to deny"
    )
    assert lines[1] == f"policy {POLICY}: deployed, the one this version generates " \
        "(kata-vm-isolation)"  # fmt: skip
    assert lines[2] == f"bindings: {POLICY}-labelled (Warn, Audit), {POLICY}-named (Warn, Audit)"
    assert lines[3] == "guarded namespaces: ci, untrusted"
    assert "not served by this cluster (no such objects): sandboxes.agents.x-k8s.io, " \
        "sandboxtemplates.extensions.agents.x-k8s.io" in lines  # fmt: skip
    at = lines.index("  Pod ci/web-7d9-x (controlled by ReplicaSet web-7d9)")
    assert lines[at + 1] == f"    runtime-class: {MESSAGES['runtime-class']}"
    assert lines[at + 2].startswith("      - Pod ci/web-7d9-x runs in the untrusted namespace ci")
    assert f"    memory-limit: {MESSAGES['memory-limit']}" in lines


def test_a_policy_that_differs_is_named_with_what_differs(kubeconfig, capsys, cluster):
    deploy_guardrail(cluster)
    deployed = cluster.policies[0]["spec"]
    deployed["validations"].pop()  # an older version, without the memory rule
    deployed["failurePolicy"] = "Ignore"
    code, report, _ = run(kubeconfig, capsys, "--policy", POLICY)
    assert code == 0  # judged with this version's rules: nothing to refuse
    assert report["policy"]["matches"] is False and report["policy"]["deployed"] is True
    assert report["policy"]["differences"] == [
        'spec.failurePolicy: "Ignore" on the cluster, "Fail" here',
        "spec.validations: 4 items on the cluster, 5 here",
    ]
    assert main(["audit", "--kubeconfig", str(kubeconfig), "--policy", POLICY]) == 0
    text = capsys.readouterr().out
    assert f"policy {POLICY}: deployed, but not the one this version generates; judged" in text
    assert '  - spec.failurePolicy: "Ignore" on the cluster, "Fail" here' in text


def test_the_legacy_generations_policy_is_recognised_without_a_stack(kubeconfig, capsys, cluster):
    cluster.policies.append(admission_policy.policy_object(POLICY, LEGACY_RUNTIME))
    code, report, _ = run(kubeconfig, capsys, "--policy", POLICY)
    assert report["policy"]["matches"] is True
    assert report["policy"]["runtimeClass"] == "kata-mshv-vm-isolation"
    assert any("no binding of podsandbox-dev is deployed" in note for note in report["notes"])
    assert report["namespaces"] == ["untrusted"] and code == 0


def test_a_policy_not_deployed_is_judged_as_this_version_would_deploy_it(
    kubeconfig, capsys, cluster
):
    code, report, _ = run(kubeconfig, capsys, "--policy", "other")
    assert report["policy"]["deployed"] is False
    assert [b["deployed"] for b in report["bindings"]] == [False, False]
    assert report["namespaces"] == ["untrusted"]
    assert code == 0  # the demo's untrusted pod is sandboxed


def test_a_list_the_cluster_refuses_is_not_judged(kubeconfig, capsys, cluster):
    crowd(cluster)
    cluster.refused_lists.add(("deployments", "ci"))
    code, report, _ = run(kubeconfig, capsys, "--policy", POLICY)
    assert code == 1
    [item] = report["notJudged"]
    assert item["what"] == "deployments.apps in ci"
    assert item["reason"].startswith(
        'cannot list deployments.apps in ci: 403 deployments is forbidden: User "auditor" cannot '
        'list resource "deployments" in API group "apps" in the namespace "ci" (the audit needs'
    )


def test_an_expired_continue_token_is_not_judged(kubeconfig, capsys, cluster):
    crowd(cluster)
    cluster.expired_continue = True
    code, report, _ = run(kubeconfig, capsys, "--policy", POLICY, "--page-size", "500")
    # Every list fits a page of 500; the pods of `untrusted` (77) do not fit 40.
    assert code == 1 and report["notJudged"] == []
    code, report, _ = run(kubeconfig, capsys, "--policy", POLICY, "--page-size", "40")
    assert code == 1
    assert "pods in untrusted" in [item["what"] for item in report["notJudged"]]
    assert "410" in report["notJudged"][0]["reason"] and "--page-size" in report["notJudged"][0][
        "reason"]  # fmt: skip


def test_no_policy_named_is_a_usage_error(kubeconfig, capsys):
    assert main(["audit", "--kubeconfig", str(kubeconfig)]) == 2
    assert "audit needs the policy it audits: --stack NAME" in capsys.readouterr().err


def test_an_unreachable_cluster_is_exit_2_with_json(tmp_path, capsys):
    server = FakeApiServer(FakeCluster(pods=[], node_labels={}))
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    server.close()
    code, report, stderr = run(kubeconfig, capsys, "--policy", POLICY)
    assert code == 2
    assert report["ok"] is None and report["error"].startswith("cannot reach the Kubernetes API")
    assert stderr.startswith("error: cannot reach the Kubernetes API server")


def test_the_stacks_settings_name_the_policy_and_namespace(kubeconfig, capsys, cluster):
    """`--stack dev` with `--kubeconfig`: the policy is the stack's (<project>-dev), compared
    for its runtime only; the bindings are compared but for their actions."""
    deploy_guardrail(cluster)
    cluster.bindings[0]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0][
        "values"] = ["untrusted", "extra"]  # fmt: skip
    code, report, _ = run(kubeconfig, capsys, "--stack", "dev")
    assert report["policy"]["name"] == POLICY and report["policy"]["matches"] is True
    assert report["bindingDifferences"] == [
        f"{POLICY}-named: spec.matchResources.namespaceSelector.matchExpressions[0].values: 2 "
        "items on the cluster, 1 here"
    ]
    assert code == 0


def test_every_core_resource_the_policy_matches_has_a_list_in_the_official_client():
    from kubernetes.client import CoreV1Api

    from podsandbox.verify.cluster_reads import CORE_LISTS

    rules = admission_policy.policy_object(POLICY, GA_RUNTIME)["spec"]["matchConstraints"]
    core = {resource for rule in rules["resourceRules"] if "" in rule["apiGroups"]
            for resource in rule["resources"] if "/" not in resource}  # fmt: skip
    assert core == set(CORE_LISTS) == {"pods", "replicationcontrollers"}
    assert all(callable(getattr(CoreV1Api, method, None)) for method in CORE_LISTS.values())
