"""Karpenter with Pod Sandboxing: this project's AKSNodeClass and NodePool against the reference
CRDs (schema and CEL rules), and the pack's policies on any program's node classes and pools."""

from __future__ import annotations

from typing import Any

import pytest

from podsandbox.karpenter import node_pool as deployed
from podsandbox.karpenter.settings import setting_findings
from podsandbox.rules import karpenter, vmsizes
from podsandbox.rules.judge import Finding
from podsandbox.rules.pool_limits import Taint
from tests.crd_schema import NODE_CLASS_CRD, NODE_POOL_CRD, refusals
from tests.test_policies import stack_violations, violations


def node_class(name: str = "kata", **spec: Any) -> dict[str, Any]:
    manifest = deployed.node_class_manifest(name)
    manifest["spec"].update(spec)
    manifest["spec"] = {key: value for key, value in manifest["spec"].items() if value is not None}
    return manifest


def node_pool(node_class_name: str = "kata", requirements: Any = None) -> dict[str, Any]:
    manifest = deployed.node_pool_manifest(
        "kata",
        node_class_name,
        {"cpuLimit": "64", "memoryLimit": "256Gi", "consolidateAfter": "1m"},
    )
    if requirements is not None:
        manifest["spec"]["template"]["spec"]["requirements"] = requirements
    return manifest


# --- this project's objects, as the API server would judge them ----------------------------------


def test_the_node_class_is_what_the_crd_takes():
    assert node_class() == {
        "apiVersion": "karpenter.azure.com/v1beta1",
        "kind": "AKSNodeClass",
        "metadata": {"name": "kata"},
        "spec": {"imageFamily": "AzureLinux", "workloadRuntime": "KataVmIsolation"},
    }
    assert refusals(NODE_CLASS_CRD, node_class()) == []


@pytest.mark.parametrize(
    ("spec", "refused"),
    [
        ({"imageFamily": "Ubuntu2204"}, "workloadRuntime KataVmIsolation requires imageFamily "
         "AzureLinux"),
        ({"imageFamily": None}, "workloadRuntime KataVmIsolation requires imageFamily AzureLinux"),
        ({"fipsMode": "FIPS"}, "workloadRuntime KataVmIsolation is not supported with fipsMode "
         "FIPS"),
        ({"workloadRuntime": "KataMshvVmIsolation"}, "is not one of"),
    ],
)  # fmt: skip
def test_the_crd_refuses_what_the_pack_refuses(spec, refused):
    """The reference CRD's own rules, evaluated: the pack holds the same line (and refuses FIPS
    itself, since a Karpenter without the final rule admits it)."""
    found = refusals(NODE_CLASS_CRD, node_class(**spec))
    assert any(refused in problem for problem in found), found


def test_the_node_pool_is_what_the_crd_takes():
    pool = node_pool()
    assert refusals(NODE_POOL_CRD, pool) == []
    spec = pool["spec"]
    assert spec["template"]["spec"]["nodeClassRef"] == {
        "group": "karpenter.azure.com", "kind": "AKSNodeClass", "name": "kata",
    }  # fmt: skip
    assert spec["limits"] == {"cpu": "64", "memory": "256Gi"}
    assert spec["disruption"] == {
        "consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m",
    }  # fmt: skip
    [series] = [r for r in spec["template"]["spec"]["requirements"]
                if r["key"] == karpenter.SERIES_LABEL]  # fmt: skip
    assert series["operator"] == "In" and series["values"] == karpenter.eligible_series()


def test_the_node_pool_taints_its_nodes_for_kata_pods_only():
    """Karpenter uses a NodePool only for pods that tolerate its taints (karpenter.sh docs,
    NodePools): ordinary pending pods neither land on nor start a Kata node. The CRD takes the
    taint, and its schema is what holds it (an effect it does not know is refused)."""
    pool = node_pool()
    assert pool["spec"]["template"]["spec"]["taints"] == [
        {"key": "podsandbox.io/kata", "value": "true", "effect": "NoSchedule"}
    ]
    assert karpenter.KATA_TAINT.toleration() == {
        "key": "podsandbox.io/kata", "operator": "Equal", "value": "true", "effect": "NoSchedule",
    }  # fmt: skip
    assert karpenter.KATA_TAINT.repels
    assert refusals(NODE_POOL_CRD, pool) == []
    for field, value in (("effect", "Sometimes"), ("key", "-bad key")):
        bad = node_pool()
        bad["spec"]["template"]["spec"]["taints"][0][field] = value
        [problem] = refusals(NODE_POOL_CRD, bad)
        assert problem.startswith("spec.template.spec.taints.0." + field), problem


def test_the_crd_refuses_a_restricted_label_and_a_bad_policy():
    restricted = node_pool(requirements=[
        {"key": "karpenter.azure.com/sku-hyperv-generation", "operator": "In", "values": ["V2"]}
    ])  # fmt: skip
    assert any("restricted" in problem for problem in refusals(NODE_POOL_CRD, restricted))
    bad = node_pool()
    bad["spec"]["disruption"]["consolidationPolicy"] = "Sometimes"
    assert refusals(NODE_POOL_CRD, bad) != []


def test_the_eligible_series_are_named_as_karpenter_names_them():
    series = karpenter.eligible_series()
    # karpenter-provider-azure's scheduling test: Standard_D2s_v3 is series "Ds_v3".
    assert "Ds_v3" in series and "Das_v5" in series and "D_v5" in series
    # Eligible in the catalog, but Karpenter offers Kata no series of version 1 or 2 (a name
    # without a version counts as 1): karpenter-provider-azure's supportsNestedVirtualization.
    assert not {"Fs_v2", "FXmds", "Ms", "Mms"} & set(series)
    assert vmsizes.check_size("Standard_F8s_v2").eligible
    # Not eligible in the catalog: Generation 1 only, no nested virtualization, Arm.
    assert not {"D_v3", "Das_v4", "Dps_v5", "Bs"} & set(series)
    for name in ("Standard_D4s_v3", "Standard_D8as_v5", "Standard_E4s_v5", "Standard_D4_v5"):
        size = vmsizes.parse_size(name)
        assert f"{size.family}{size.features}_v{size.version}" in series, name


# --- the rules and the policies, on any program's objects ----------------------------------------


def test_a_kata_node_class_must_be_azure_linux_without_fips():
    assert karpenter.node_class_problems(node_class()["spec"]) == []
    assert karpenter.node_class_problems({"imageFamily": "Ubuntu"}) == []  # not Kata
    assert karpenter.node_class_problems({"workloadRuntime": "KataVmIsolation",
                                          "imageFamily": "Ubuntu", "fipsMode": "FIPS"}) == [
        "AKSNodeClass with workloadRuntime KataVmIsolation has imageFamily 'Ubuntu'; Kata nodes "
        "need imageFamily AzureLinux (AKS publishes its Kata image for Azure Linux 3 only)",
        "AKSNodeClass with workloadRuntime KataVmIsolation sets fipsMode FIPS: there is no FIPS "
        "Kata image (AKS refuses FIPS on a sandboxing pool); set fipsMode Disabled or leave it "
        "out",
    ]  # fmt: skip
    assert karpenter.node_class_problems(node_class(fipsMode="Disabled")["spec"]) == []


@pytest.mark.parametrize(
    ("trusted_launch", "refused"),
    [({"vtpm": True}, True), ({"secureBoot": True}, True), ({"vtpm": False}, False), (None, False)],
)
def test_a_kata_node_class_cannot_have_trusted_launch(trusted_launch, refused):
    security = None if trusted_launch is None else {"trustedLaunch": trusted_launch}
    problems = karpenter.node_class_problems(node_class(security=security)["spec"])
    assert problems == (
        ["AKSNodeClass with workloadRuntime KataVmIsolation turns on Trusted Launch "
         "(security.trustedLaunch): there is no Trusted Launch Kata image, so Karpenter finds no "
         "image for its nodes; leave vtpm and secureBoot off"]
        if refused else []
    )  # fmt: skip
    assert refusals(NODE_CLASS_CRD, node_class(security=security)) == []  # the CRD admits it


def test_the_node_class_policy():
    assert violations("karpenter-node-class-kata", karpenter.NODE_CLASS_TYPE, node_class()) == []
    [message] = violations("karpenter-node-class-kata", karpenter.NODE_CLASS_TYPE,
                           node_class(fipsMode="FIPS"))  # fmt: skip
    assert "fipsMode FIPS" in message
    other = node_class(imageFamily="Ubuntu")
    assert violations("karpenter-node-class-kata", "kubernetes:core/v1:ConfigMap", other) == []
    older = "kubernetes:karpenter.azure.com/v1alpha2:AKSNodeClass"  # served, with the field too
    [message] = violations("karpenter-node-class-kata", older, other)
    assert "imageFamily 'Ubuntu'" in message


STACK_CLASS = (karpenter.NODE_CLASS_TYPE, node_class())
PLAIN_CLASS = (karpenter.NODE_CLASS_TYPE, node_class("plain", workloadRuntime=None))


@pytest.mark.parametrize(
    ("requirements", "flagged"),
    [
        (None, []),  # this project's: the eligible series
        ([{"key": "node.kubernetes.io/instance-type", "operator": "In",
           "values": ["Standard_D4s_v5", "Standard_D4_v3", "Standard_D4ps_v5"]}],
         ["Standard_D4_v3", "Standard_D4ps_v5"]),
        ([{"key": "karpenter.azure.com/sku-name", "operator": "In", "values": ["Standard_Q4_v9"]}],
         ["Standard_Q4_v9"]),
        ([{"key": "karpenter.azure.com/sku-name", "operator": "In", "values": ["not-a-size"]}],
         ["not-a-size"]),
        ([{"key": karpenter.SERIES_LABEL, "operator": "In", "values": ["Ds_v5", "Das_v4"]}],
         ["series Das_v4"]),
        ([{"key": karpenter.SERIES_LABEL, "operator": "NotIn", "values": ["Das_v4"]}], []),
        ([{"key": "node.kubernetes.io/instance-type", "operator": "Exists"}], []),
    ],
)  # fmt: skip
def test_a_node_pool_of_a_kata_class_may_allow_only_eligible_sizes(requirements, flagged):
    pool = (karpenter.NODE_POOL_TYPE, node_pool(requirements=requirements))
    found = stack_violations("karpenter-node-pool-kata-sizes", [STACK_CLASS, pool])
    if not flagged:
        assert found == []
        return
    [message] = found
    assert message.startswith(
        "NodePool of a Kata AKSNodeClass allows VM sizes that cannot run Kata:"
    )
    for value in flagged:
        assert value in message
    assert "Standard_D4s_v5" not in message


def test_each_ineligible_size_and_series_is_named_with_its_reason():
    with pytest.raises(vmsizes.SizeNameError) as not_a_name:
        vmsizes.check_size("not-a-size")
    spec = {"template": {"spec": {"requirements": [
        {"key": karpenter.SERIES_LABEL, "operator": "NotIn", "values": ["Das_v4"]},
        {"key": "karpenter.azure.com/sku-name", "operator": "In",
         "values": ["not-a-size", "Standard_D4s_v3", "Standard_F8s_v2"]},
        {"key": karpenter.SERIES_LABEL, "operator": "In", "values": ["Ds_v5", "Das_v4", "Fs_v2"]},
    ]}}}  # fmt: skip
    assert karpenter.ineligible_sizes(spec) == [
        f"not-a-size ({not_a_name.value})",
        "Standard_F8s_v2 (Karpenter's Azure provider offers no size of series version 1 or 2 to a "
        "Kata node class)",
        "series Das_v4 (not a series both the catalog and Karpenter take for Kata)",
        "series Fs_v2 (not a series both the catalog and Karpenter take for Kata)",
    ]


def test_only_node_pools_of_the_stacks_kata_classes_are_judged():
    bad = [{"key": "karpenter.azure.com/sku-name", "operator": "In", "values": ["Standard_D4_v3"]}]
    plain_pool = (karpenter.NODE_POOL_TYPE, node_pool("plain", bad))
    assert stack_violations("karpenter-node-pool-kata-sizes", [PLAIN_CLASS, plain_pool]) == []
    unknown = (karpenter.NODE_POOL_TYPE, node_pool("elsewhere", bad))
    assert stack_violations("karpenter-node-pool-kata-sizes", [STACK_CLASS, unknown]) == []


def test_an_unconstrained_node_pool_of_a_kata_class_is_advised():
    open_pool = node_pool(requirements=[{"key": "kubernetes.io/arch", "operator": "In",
                                         "values": ["amd64"]}])  # fmt: skip
    [message] = stack_violations("karpenter-node-pool-unconstrained",
                                 [STACK_CLASS, (karpenter.NODE_POOL_TYPE, open_pool)])  # fmt: skip
    assert "does not say which VM sizes it may use" in message
    ours = (karpenter.NODE_POOL_TYPE, node_pool())
    assert stack_violations("karpenter-node-pool-unconstrained", [STACK_CLASS, ours]) == []
    family = node_pool(requirements=[{"key": "karpenter.azure.com/sku-family", "operator": "In",
                                      "values": ["D"]}])  # fmt: skip
    assert stack_violations("karpenter-node-pool-unconstrained",
                            [STACK_CLASS, (karpenter.NODE_POOL_TYPE, family)]) == []  # fmt: skip


def tainted(*taints: Any) -> tuple[str, dict[str, Any]]:
    pool = node_pool()
    pool["spec"]["template"]["spec"]["taints"] = list(taints)
    return karpenter.NODE_POOL_TYPE, pool


@pytest.mark.parametrize(
    ("taints", "advised"),
    [
        ([{"key": "podsandbox.io/kata", "value": "true", "effect": "NoSchedule"}], False),
        ([{"key": "sandbox", "effect": "NoExecute"}], False),  # any repelling taint, no value
        ([{"key": "a", "effect": "PreferNoSchedule"}, {"key": "b", "effect": "NoSchedule"}], False),
        ([], True),
        ([{"key": "a", "value": "b", "effect": "PreferNoSchedule"}], True),  # may be ignored
        ([{"value": "x", "effect": "NoSchedule"}, "junk"], True),  # no key: no taint
    ],
)  # fmt: skip
def test_a_node_pool_of_a_kata_class_is_advised_to_taint_its_nodes(taints, advised):
    found = stack_violations("karpenter-node-pool-kata-taint", [STACK_CLASS, tainted(*taints)])
    if not advised:
        assert found == []
        return
    taint = karpenter.KATA_TAINT
    assert found == [
        "NodePool of a Kata AKSNodeClass has no NoSchedule or NoExecute taint: any pending pod "
        "that fits it, sandboxed or not, makes Karpenter start a Kata node and may land on one; "
        f'add spec.template.spec.taints: [{{key: {taint.key}, value: "{taint.value}", effect: '
        f"{taint.effect}}}] and tolerate it in the sandboxed workloads"
    ]


def test_the_taint_advice_judges_only_node_pools_of_kata_classes_and_the_startup_taints_miss():
    untainted = tainted()
    pool = untainted[1]
    pool["spec"]["template"]["spec"]["startupTaints"] = [{"key": "a", "effect": "NoSchedule"}]
    assert len(stack_violations("karpenter-node-pool-kata-taint", [STACK_CLASS, untainted])) == 1
    pool["spec"]["template"]["spec"]["nodeClassRef"]["name"] = "plain"
    assert stack_violations("karpenter-node-pool-kata-taint", [PLAIN_CLASS, untainted]) == []
    # The example the advice gives is this project's own taint, which the CRD takes.
    assert refusals(NODE_POOL_CRD, node_pool()) == []
    assert karpenter.repelling_taints(node_pool()["spec"]) == [karpenter.KATA_TAINT]
    assert karpenter.repelling_taints({"template": {"spec": {"taints": "x"}}}) == []
    no_value = {"template": {"spec": {"taints": [{"key": "sandbox", "effect": "NoExecute"}]}}}
    assert karpenter.repelling_taints(no_value) == [Taint("sandbox", "", "NoExecute")]


def test_reading_a_node_pool_that_is_not_shaped_as_one():
    assert karpenter.node_class_name({}) is None
    assert karpenter.node_class_name({"template": {"spec": {"nodeClassRef": {
        "kind": "EC2NodeClass", "name": "x"}}}}) is None  # fmt: skip
    assert karpenter.node_class_name({"template": {"spec": {"nodeClassRef": {
        "kind": "AKSNodeClass", "name": 3}}}}) is None  # fmt: skip
    assert karpenter.requirements(
        {"template": {"spec": {"requirements": ["x", {"key": "a"}]}}}
    ) == [{"key": "a"}]
    assert karpenter.requirements({"template": "x"}) == []


def findings_of(cpu: str, memory: str, policy: str, after: str) -> list[Finding]:
    return setting_findings({"cpuLimit": cpu, "memoryLimit": memory, "consolidationPolicy": policy,
                             "consolidateAfter": after})  # fmt: skip


def test_the_node_pool_settings_are_judged():
    assert findings_of("64", "256Gi", "Balanced", "1h30m") == []
    assert findings_of("", "", "WhenEmpty", "Never") == []
    assert setting_findings({}) == []  # every default is valid
    findings = findings_of("-1", "x", "Always", "5 min")
    assert [(f.field, f.example) for f in findings] == [
        ("cpuLimit", "64"), ("memoryLimit", "256Gi"), ("consolidationPolicy", "WhenEmpty"),
        ("consolidateAfter", "5m"),
    ]  # fmt: skip
    assert [f.value for f in findings] == ["-1", "x", "Always", "5 min"]
    assert [f.reason for f in findings] == [
        "is not a positive quantity", "is not a positive quantity",
        "is not a Karpenter consolidation policy", "is not a Karpenter duration",
    ]  # fmt: skip
    assert findings[0].allowed == "a cpu quantity, or empty for no limit"
    assert findings[1].allowed == "a memory quantity, or empty for no limit"
    assert findings[2].allowed == "WhenEmpty, WhenEmptyOrUnderutilized or Balanced"
    assert findings[3].allowed == "seconds, minutes or hours such as 30s, 5m or 1h30m, or Never"


def test_each_setting_lands_at_its_path_and_an_empty_limit_is_left_out():
    spec = deployed.node_pool_manifest("p", "c", {"cpuLimit": "64", "memoryLimit": ""})["spec"]
    assert spec["limits"] == {"cpu": "64"}
    assert spec["disruption"] == {"consolidationPolicy": "WhenEmptyOrUnderutilized",
                                  "consolidateAfter": "0s"}  # fmt: skip
    assert "limits" not in deployed.node_pool_manifest("p", "c", {})["spec"]


def test_karpenter_needs_kubernetes_132_for_a_kata_image():
    problem = deployed.cluster_version_problem("1.31.9")
    assert problem == (
        "the cluster runs Kubernetes 1.31.9, below 1.32, where Karpenter's AzureLinux image "
        "family is Azure Linux 2, which has no Kata image: no Kata node would ever come. "
        "Upgrade the cluster, or turn Karpenter off: pulumi config set karpenter false"
    )
    assert deployed.cluster_version_problem("1.32.0") is None
    assert deployed.cluster_version_problem(None) is None  # not read: the deployment goes on


def test_a_limit_of_one_is_positive():
    assert findings_of("1", "1", "Balanced", "0s") == []
    assert [f.field for f in findings_of("0", "0", "Balanced", "0s")] == [
        "cpuLimit", "memoryLimit",
    ]  # fmt: skip
