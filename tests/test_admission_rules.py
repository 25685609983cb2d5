"""One set of rules: the admission policy's CEL, evaluated offline with cel-python, flags exactly
what the pack's checks of the same rule flag, on a table of pod specs and workload templates."""

from __future__ import annotations

import copy
from typing import Any, Optional

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from podsandbox.guardrail import admission_policy as admission
from podsandbox.guardrail import audit_rules
from podsandbox.guardrail import plan as guardrail
from podsandbox.rules import aks
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
    "a good ReplicationController": templated("v1", "ReplicationController", spec()),
    "a ReplicationController with runc": templated("v1", "ReplicationController",
                                                   spec(runtimeClassName="runc")),
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
    "a good StatefulSet": templated("apps/v1", "StatefulSet", spec()),
    "a good DaemonSet": templated("apps/v1", "DaemonSet", spec()),
    "a good ReplicaSet": templated("apps/v1", "ReplicaSet", spec()),
    "a good Job": templated("batch/v1", "Job", spec()),
    "a good SandboxTemplate": obj("extensions.agents.x-k8s.io/v1alpha1", "SandboxTemplate",
                                  {"spec": {"podTemplate": {"spec": spec()}}}),
    "a Deployment whose template has no spec": obj("apps/v1", "Deployment",
                                                   {"spec": {"template": {}}}),
}  # fmt: skip


def test_every_kind_the_policy_matches_has_a_case_refused_and_a_case_admitted():
    """Each workload kind of the policy (`admission.workload_kinds`) has cases the pack refuses
    and cases it admits, which the CEL must judge the same, so a kind added to the policy is
    held to the pack both ways."""
    judged: dict[tuple[str, str], set[bool]] = {}
    for case in CASES.values():
        kind = (case["apiVersion"].rpartition("/")[0], case["kind"])
        judged.setdefault(kind, set()).add(bool(pack_flags(case, aks.GA_RUNTIME, {})))
    matched = {(kind.group, kind.kind) for kind in admission.workload_kinds()}
    assert {kind: judged.get(kind, set()) for kind in matched} == {
        kind: {True, False} for kind in matched
    }


def pack_flags(
    manifest: dict[str, Any], runtime: aks.RuntimeGeneration, extra: dict[str, Any]
) -> set[str]:
    """The rules the pack's checks (`policy_checks`, over `workloads`) find broken, as `podsandbox
    audit` judges them (`audit_rules`: any sandboxing class passes, another generation's is
    runtime-class-matches-pool-generation's finding, advisory: stacks of both generations may
    share a cluster). `runtime` is the policy's: the pack's rules do not depend on it."""
    return set(audit_rules.refusals(manifest, extra))


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


AUDIT_CASES: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = [
    ("a good pod", pod(spec()), {}),
    ("no pod template", obj("apps/v1", "Deployment", {"spec": {"template": {}}}), {}),
    ("no kind", {"apiVersion": "v1", "spec": spec(runtimeClassName=None)}, {}),
    ("no apiVersion", {"kind": "Pod", "spec": spec(runtimeClassName=None)}, {}),
    ("runc", pod(spec(runtimeClassName="runc")), {"runtime-class": [
        "Pod untrusted/w runs in the untrusted namespace untrusted with runtimeClassName 'runc'; "
        "it must use a sandboxing RuntimeClass (kata-vm-isolation or kata-mshv-vm-isolation or "
        "kata-dedicated), e.g. runtimeClassName: kata-vm-isolation"]}),
    ("no namespace", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "w"},
                      "spec": spec(runtimeClassName=None)}, {"runtime-class": [
        "Pod (guarded namespace)/w runs in the untrusted namespace (guarded namespace) with "
        "runtimeClassName unset; it must use a sandboxing RuntimeClass (kata-vm-isolation or "
        "kata-mshv-vm-isolation or kata-dedicated), e.g. runtimeClassName: kata-vm-isolation"]}),
    ("every host feature", templated("apps/v1", "DaemonSet", spec(
        hostNetwork=True, hostPID=True, hostIPC=True,
        containers=[container(securityContext={"privileged": True},
                              volumeMounts=[{"name": "h", "mountPath": "/h", "subPath": "x"}])],
        volumes=[{"name": "h", "hostPath": {"path": "/"}}])), {
        "host-namespaces": [
            "DaemonSet untrusted/w sets spec.template.spec.hostNetwork: true with RuntimeClass "
            "kata-vm-isolation; Kata sandboxes cannot use host networking (sandbox creation "
            "fails). Remove hostNetwork or run it without sandboxing",
            "DaemonSet untrusted/w uses hostPID: hostPID is mapped to the sandbox VM's PID "
            "namespace, not the host's",
            "DaemonSet untrusted/w uses hostIPC: hostIPC is mapped to the pod's namespaces inside "
            "the VM, not the host's"],
        "privileged": ["DaemonSet untrusted/w uses privileged: privileged applies inside the "
                       "guest VM only; host devices are not passed in"],
        "host-path": ["DaemonSet untrusted/w uses hostPath: hostPath volumes are shared into the "
                      "VM (discouraged); /dev paths are the guest's"]}),
    ("a subPath alone", pod(spec(containers=[container(
        volumeMounts=[{"name": "e", "mountPath": "/e", "subPath": "x"}])],
        volumes=[{"name": "e", "emptyDir": {}}])), {}),
    ("memory", cronjob(limited("64Mi", None)), {"memory-limit": [
        "CronJob untrusted/w: container c1 sets no memory limit; a sandboxed pod's memory limit "
        "sizes its VM. Set resources.limits.memory (at least 128Mi)"]}),
    ("an extra class", pod(spec(runtimeClassName="kata-dedicated")), {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "manifest", "expected"), AUDIT_CASES, ids=[c[0] for c in AUDIT_CASES]
)
def test_the_audit_names_each_broken_rule_with_the_packs_messages(case, manifest, expected):
    extra = {"kata-dedicated": aks.GA_RUNTIME}
    assert audit_rules.refusals(manifest, extra) == expected
    assert list(audit_rules.refusals(manifest, extra)) == [
        name for name in rule_names() if name in expected
    ]


def test_the_audit_judges_by_the_admission_rules_names():
    assert set(audit_rules.HOST_FEATURE_RULES.values()) < set(rule_names())
    assert audit_rules.type_token("v1", "Pod") == "kubernetes:core/v1:Pod"
    assert audit_rules.type_token("apps/v1", "Deployment") == "kubernetes:apps/v1:Deployment"


def test_the_audit_reads_only_objects_with_a_version_and_a_kind():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "u"},
           "spec": {"containers": [{"name": "c", "image": "i"}]}}  # fmt: skip
    assert set(audit_rules.refusals(pod)) == {"runtime-class", "memory-limit"}  # a core Pod
    assert audit_rules.refusals({**pod, "kind": 3}) == {}
    assert audit_rules.refusals({**pod, "apiVersion": None}) == {}
    assert audit_rules.type_token("v1", "Pod") == "kubernetes:core/v1:Pod"
    assert audit_rules.type_token("apps/v1", "Deployment") == "kubernetes:apps/v1:Deployment"
