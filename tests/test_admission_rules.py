"""One set of rules: the admission policy's CEL, evaluated offline with cel-python, flags exactly
what the pack's checks of the same rule flag, on a table of pod specs and workload templates."""

from __future__ import annotations

import copy
from typing import Any, Optional

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from podsandbox.guardrail import admission_policy as admission
from podsandbox.guardrail import plan as guardrail
from podsandbox.preview.manifests import type_token
from podsandbox.rules import aks, policy_checks, workloads
from tests.cel_admission import AdmissionPolicy

NAMESPACE = "untrusted"


def rule_names() -> list[str]:
    """The rules' names, asked at test time (a name computed while collecting would not see a
    change to the rules made after, as mutation testing makes them)."""
    return [rule.name for rule in admission.rules(aks.GA_RUNTIME)]


MEMORY = {"limits": {"memory": "256Mi", "cpu": "1"}, "requests": {"memory": "256Mi", "cpu": "1"}}


def container(name: str = "app", **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx", "resources": copy.deepcopy(MEMORY), **fields}


def spec(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"runtimeClassName": "kata-vm-isolation", "containers": [container()]}
    values.update(fields)
    return {key: value for key, value in values.items() if value is not None}


def limited(*memory: Optional[str]) -> dict[str, Any]:
    """A pod spec whose containers have these memory limits (None: no memory limit)."""
    containers = []
    for index, value in enumerate(memory):
        limits = {"cpu": "1"} if value is None else {"memory": value}
        containers.append({"name": f"c{index}", "image": "x", "resources": {"limits": limits}})
    return spec(containers=containers)


def obj(api_version: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind,
            "metadata": {"name": "w", "namespace": NAMESPACE}, **body}  # fmt: skip


def pod(pod_spec: dict[str, Any]) -> dict[str, Any]:
    return obj("v1", "Pod", {"spec": pod_spec})


def templated(api_version: str, kind: str, pod_spec: dict[str, Any]) -> dict[str, Any]:
    return obj(api_version, kind, {"spec": {"template": {"spec": pod_spec}}})


def cronjob(pod_spec: dict[str, Any]) -> dict[str, Any]:
    job = {"jobTemplate": {"spec": {"template": {"spec": pod_spec}}}, "schedule": "* * * * *"}
    return obj("batch/v1", "CronJob", {"spec": job})


def sandbox(pod_spec: Optional[dict[str, Any]], version: str = "v1alpha1") -> dict[str, Any]:
    body = {"podTemplate": {"spec": pod_spec}} if pod_spec is not None else {}
    return obj(f"agents.x-k8s.io/{version}", "Sandbox", {"spec": body})


CASES: dict[str, dict[str, Any]] = {
    "a good pod": pod(spec()),
    "no RuntimeClass": pod(spec(runtimeClassName=None)),
    "runc": pod(spec(runtimeClassName="runc")),
    "the legacy generation on a GA cluster": pod(spec(runtimeClassName="kata-mshv-vm-isolation")),
    "an empty RuntimeClass": pod(spec(runtimeClassName="")),
    "hostNetwork": pod(spec(hostNetwork=True)),
    "hostNetwork false": pod(spec(hostNetwork=False)),
    "hostPID": pod(spec(hostPID=True)),
    "hostIPC": pod(spec(hostIPC=True)),
    "hostPID false": pod(spec(hostPID=False)),
    "a privileged container": pod(spec(containers=[container(securityContext={
        "privileged": True})])),
    "privileged false": pod(spec(containers=[container(securityContext={"privileged": False})])),
    "a privileged init container": pod(spec(initContainers=[container("init", securityContext={
        "privileged": True})])),
    "a plain init container": pod(spec(initContainers=[container("init")])),
    "a securityContext without privileged": pod(spec(containers=[container(securityContext={
        "runAsNonRoot": True})])),
    "a hostPath volume": pod(spec(volumes=[{"name": "h", "hostPath": {"path": "/var"}}])),
    "an emptyDir volume": pod(spec(volumes=[{"name": "e", "emptyDir": {}}])),
    "no volumes": pod(spec(volumes=[])),
    "a hostPath among other volumes": pod(spec(volumes=[
        {"name": "e", "emptyDir": {}}, {"name": "h", "hostPath": {"path": "/dev"}}])),
    "no memory limit": pod(limited(None)),
    "128Mi exactly": pod(limited("128Mi")),
    "127Mi": pod(limited("127Mi")),
    "one byte under 128Mi": pod(limited("134217727")),
    "128Mi in bytes": pod(limited("134217728")),
    "two containers adding up to 128Mi": pod(limited("64Mi", "64Mi")),
    "two containers adding up to less": pod(limited("64Mi", "63Mi")),
    "two containers, one without a limit": pod(limited("1Gi", None)),
    "1Gi": pod(limited("1Gi")),
    "0.5Gi": pod(limited("0.5Gi")),
    "100M (decimal, under 128Mi)": pod(limited("100M")),
    "200M": pod(limited("200M")),
    "a memory limit that is not a quantity": pod(limited("lots")),
    "no containers": pod(spec(containers=None)),
    "an empty container list": pod(spec(containers=[])),
    "an unknown field": pod(spec(futureField={"x": 1})),
    "a good Deployment": templated("apps/v1", "Deployment", spec()),
    "a Deployment without a RuntimeClass": templated("apps/v1", "Deployment",
                                                     spec(runtimeClassName=None)),
    "a StatefulSet with hostNetwork": templated("apps/v1", "StatefulSet", spec(hostNetwork=True)),
    "a DaemonSet with a privileged container": templated("apps/v1", "DaemonSet", spec(
        containers=[container(securityContext={"privileged": True})])),
    "a ReplicaSet with hostPath": templated("apps/v1", "ReplicaSet", spec(
        volumes=[{"name": "h", "hostPath": {"path": "/"}}])),
    "a Job without a memory limit": templated("batch/v1", "Job", limited(None)),
    "a good CronJob": cronjob(spec()),
    "a CronJob without a RuntimeClass": cronjob(spec(runtimeClassName=None)),
    "a good agent Sandbox": sandbox(spec()),
    "an agent Sandbox without a RuntimeClass": sandbox(spec(runtimeClassName=None)),
    "an agent Sandbox (v1beta1) with hostPID": sandbox(spec(hostPID=True), "v1beta1"),
    "an agent Sandbox with no pod template yet": sandbox(None),
    "a SandboxTemplate with runc": obj("extensions.agents.x-k8s.io/v1alpha1", "SandboxTemplate",
                                       {"spec": {"podTemplate": {"spec": spec(
                                           runtimeClassName="runc")}}}),
    "a Deployment whose template has no spec": obj("apps/v1", "Deployment",
                                                   {"spec": {"template": {}}}),
}  # fmt: skip


def pack_flags(
    manifest: dict[str, Any], runtime: aks.RuntimeGeneration, extra: dict[str, Any]
) -> set[str]:
    """The rules the pack's checks (`policy_checks`, over `workloads`) find broken."""
    workload = workloads.workload_of(
        type_token(manifest["apiVersion"], manifest["kind"]), manifest, None, extra
    )
    if workload is None:
        return set()
    flagged = set()
    # Any sandboxing class passes (another generation's is runtime-class-matches-pool-generation's
    # finding, advisory): stacks of both generations may share a cluster.
    if policy_checks.workload_in_untrusted_namespace(workload, [NAMESPACE]):
        flagged.add("runtime-class")
    used = set(policy_checks.host_features_used(workload))
    if policy_checks.workload_host_network(workload) or used & {"hostPID", "hostIPC"}:
        flagged.add("host-namespaces")
    if "privileged" in used:
        flagged.add("privileged")
    if "hostPath" in used:
        flagged.add("host-path")
    if policy_checks.workload_memory_limit(workload):
        flagged.add("memory-limit")
    return flagged


def cel_flags(policy: AdmissionPolicy, manifest: dict[str, Any], rule_names: list[str]) -> set[str]:
    messages = {
        v["message"]: name
        for v, name in zip(policy.validations_by_order(), rule_names, strict=True)
    }
    return {messages[validation["message"]] for validation in policy.refusals(manifest)}


@pytest.fixture(scope="module")
def ga_policy() -> AdmissionPolicy:
    return AdmissionPolicy(admission.policy_object("podsandbox-dev", aks.GA_RUNTIME))


def test_the_table_covers_each_rule_both_ways(ga_policy):
    assert len(CASES) >= 40
    for rule in rule_names():
        flagged = [
            name for name, case in CASES.items() if rule in pack_flags(case, aks.GA_RUNTIME, {})
        ]
        assert len(flagged) >= 3, rule
        assert len(CASES) - len(flagged) >= 3, rule


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_admission_policy_and_the_pack_flag_the_same_rules(ga_policy, case):
    manifest = CASES[case]
    assert cel_flags(ga_policy, manifest, rule_names()) == pack_flags(manifest, aks.GA_RUNTIME, {})


@pytest.mark.parametrize(
    "case",
    [
        "a good pod",
        "the legacy generation on a GA cluster",
        "runc",
        "hostNetwork",
        "no memory limit",
    ],
)
def test_the_legacy_generations_policy_judges_the_same(case):
    policy = AdmissionPolicy(admission.policy_object("p", aks.LEGACY_RUNTIME))
    manifest = CASES[case]
    assert cel_flags(policy, manifest, rule_names()) == pack_flags(manifest, aks.LEGACY_RUNTIME, {})


@pytest.mark.parametrize("runtime", [aks.GA_RUNTIME, aks.LEGACY_RUNTIME])
@pytest.mark.parametrize("class_name", ["kata-vm-isolation", "kata-mshv-vm-isolation"])
def test_each_generations_policy_admits_every_aks_sandboxing_class(runtime, class_name):
    """Two stacks of different generations on one cluster: each labelled binding judges every
    labelled namespace, so neither policy may refuse the other's sandboxed pods."""
    policy = AdmissionPolicy(admission.policy_object("p", runtime))
    assert policy.refusals(pod(spec(runtimeClassName=class_name))) == []
    [message] = [v["message"] for v in policy.refusals(pod(spec(runtimeClassName="runc")))]
    assert f"set spec.runtimeClassName: {runtime.runtime_class_name} " in message


@pytest.mark.parametrize("class_name", ["kata-dedicated", "kata-vm-isolation", "runc"])
def test_an_extra_sandboxing_class_is_accepted_by_both(class_name):
    policy = AdmissionPolicy(admission.policy_object("p", aks.GA_RUNTIME, ["kata-dedicated"]))
    manifest = pod(spec(runtimeClassName=class_name))
    extra = {"kata-dedicated": aks.GA_RUNTIME}
    assert cel_flags(policy, manifest, rule_names()) == pack_flags(manifest, aks.GA_RUNTIME, extra)
    assert ("runtime-class" in cel_flags(policy, manifest, rule_names())) is (class_name == "runc")


@pytest.mark.parametrize("version", ["1.30", kubernetes_validate.latest_version()])
def test_the_policy_and_bindings_are_valid_kubernetes_objects(version):
    policy = admission.policy_object("podsandbox-dev", aks.GA_RUNTIME, ["kata-dedicated"])
    bindings = admission.binding_objects(
        "podsandbox-dev",
        "podsandbox-dev",
        ["untrusted", "tenants"],
        guardrail.ACTIONS[guardrail.DENY],
    )
    for manifest in [policy, *bindings]:
        kubernetes_validate.validate(manifest, version, strict=True)
    broken = copy.deepcopy(policy)
    broken["spec"]["validation"] = broken["spec"].pop("validations")  # a misspelt field
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, version, strict=True)


def test_a_namespace_is_untrusted_when_named_or_labelled():
    by_name, by_label = admission.binding_objects(
        "p", "p", ["untrusted"], guardrail.ACTIONS[guardrail.AUDIT]
    )

    def guarded_by(name: str, labels: dict[str, str]) -> list[bool]:
        return [guardrail.binding_guards(b, name, labels) for b in (by_name, by_label)]

    assert guarded_by("untrusted", {}) == [True, False]
    assert guarded_by("ci", {guardrail.UNTRUSTED_LABEL: "true"}) == [False, True]
    # Named and labelled: one binding only, so that no namespace is judged twice.
    assert guarded_by("untrusted", {guardrail.UNTRUSTED_LABEL: "true"}) == [False, True]
    assert guarded_by("ci", {guardrail.UNTRUSTED_LABEL: "false"}) == [False, False]
    assert guarded_by("ci", {}) == [False, False]
    assert all(guardrail.is_labelled_untrusted(labels) is expected for labels, expected in [
        ({guardrail.UNTRUSTED_LABEL: "true"}, True), ({guardrail.UNTRUSTED_LABEL: "false"}, False),
        ({}, False),
    ])  # fmt: skip
    assert by_name["spec"]["validationActions"] == ["Warn", "Audit"]
    assert by_name["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][1] == {
        "key": guardrail.UNTRUSTED_LABEL, "operator": "NotIn", "values": ["true"],
    }  # fmt: skip
    assert by_label["spec"]["matchResources"]["namespaceSelector"] == {
        "matchLabels": {guardrail.UNTRUSTED_LABEL: "true"}
    }
