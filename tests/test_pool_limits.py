"""What AKS accepts for a pool's scale, placement, taints and disks (`rules/pool_limits.py`), and
how the judge words it."""

from __future__ import annotations

from typing import Any

import pytest

from podsandbox.rules import judge
from podsandbox.rules import pool_limits as limits
from podsandbox.rules.pool_limits import SYSTEM, USER, LimitProblem, PoolOptions


def fields(problems: list[LimitProblem]) -> list[str]:
    return [problem.field for problem in problems]


# --- scale ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "count", "autoscaling", "low", "high", "expected"),
    [
        (USER, 1, False, None, None, []),
        (USER, 1000, False, None, None, []),
        (USER, 1001, False, None, None, ["nodeCount"]),
        (USER, 1, False, 1, None, ["minCount"]),
        (USER, 1, False, None, 3, ["maxCount"]),
        (USER, 0, True, 0, 10, []),
        (USER, 2, True, 1, 5, []),
        (USER, 5, True, 1, 5, []),
        (USER, 1, True, 1, 1, []),
        (USER, 1000, True, 1, 1000, []),
        (USER, 1, True, None, 5, ["minCount"]),
        (USER, 1, True, 1, None, ["maxCount"]),
        (USER, 1, True, None, None, ["minCount", "maxCount"]),
        (USER, 1, True, -1, 5, ["minCount"]),
        (USER, 1, True, 1, 1001, ["maxCount"]),
        (USER, 3, True, 4, 2, ["maxCount"]),  # max below min: count not judged against them
        (USER, 6, True, 1, 5, ["nodeCount"]),
        (USER, 0, True, 1, 5, ["nodeCount"]),
        (SYSTEM, 1, True, 0, 5, ["minCount"]),  # a System pool keeps a node
        (SYSTEM, 1, True, 1, 5, []),
        (SYSTEM, 0, True, 1, 0, ["maxCount", "maxCount"]),
    ],
)  # fmt: skip
def test_scaling(mode, count, autoscaling, low, high, expected):
    assert fields(limits.scaling_problems(mode, count, autoscaling, low, high)) == expected


def test_scaling_messages_say_the_range_for_the_pools_mode():
    [low] = limits.scaling_problems(SYSTEM, 1, True, 0, 3)
    assert low == LimitProblem("minCount", 0, "is outside what a System pool takes", "1 to 1000")
    [high] = limits.scaling_problems(USER, 2, True, 1, 2000)
    assert high == LimitProblem("maxCount", 2000, "is outside what a User pool takes", "0 to 1000")
    [count] = limits.scaling_problems(USER, 9, True, 2, 5)
    assert count == LimitProblem(
        "nodeCount", 9,
        "is the initial size, so it must lie between the minimum count 2 and the maximum 5",
        "2 to 5", "2",
    )  # fmt: skip
    [order] = limits.scaling_problems(USER, 3, True, 4, 2)
    assert order == LimitProblem("maxCount", 2, "is below the minimum count 4", "4 to 1000", "4")
    [missing] = limits.scaling_problems(USER, 1, True, 1, None)
    assert missing == LimitProblem("maxCount", None, "is required with autoscaling", "0 to 1000")
    [alone] = limits.scaling_problems(USER, 1, False, None, 4)
    assert alone == LimitProblem(
        "maxCount", 4, "applies only when the pool autoscales", "autoscaling on, or leave it out",
        limits.LEAVE_IT_OUT,
    )  # fmt: skip
    [big] = limits.scaling_problems(SYSTEM, 1001, False, None, None)
    assert big == LimitProblem(
        "nodeCount", 1001, "is above AKS's limit of 1000 nodes per pool", "1 to 1000"
    )


# --- max pods, OS disk, zones -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_pods", "nodes", "expected"),
    [(None, 1, []), (10, 3, []), (250, 1, []), (30, 1, []), (9, 5, ["maxPods"]),
     (251, 1, ["maxPods"]), (10, 2, ["maxPods"]), (29, 1, ["maxPods"]), (15, 2, []),
     (10, 0, ["maxPods"])],
)  # fmt: skip
def test_max_pods(max_pods, nodes, expected):
    assert fields(limits.max_pods_problems(max_pods, nodes)) == expected


def test_max_pods_messages():
    assert limits.max_pods_problems(251, 1) == [
        LimitProblem("maxPods", 251, "is outside what AKS takes", "10 to 250")
    ]
    assert limits.max_pods_problems(10, 2) == [
        LimitProblem("maxPods", 10, "leaves the pool room for 20 pods; AKS requires 30",
                     "at least 15 per node, or 3 nodes")
    ]  # fmt: skip
    assert limits.max_pods_problems(12, 0)[0].reason.startswith("leaves the pool room for 12 ")


@pytest.mark.parametrize(
    ("disk_type", "size", "expected"),
    [(None, None, []), ("Managed", 30, []), ("Ephemeral", 2048, []), ("managed", None,
     ["osDiskType"]), ("Premium", None, ["osDiskType"]), (None, 29, ["osDiskSizeGb"]),
     (None, 2049, ["osDiskSizeGb"]), ("Ultra", 0, ["osDiskType", "osDiskSizeGb"])],
)  # fmt: skip
def test_os_disk(disk_type, size, expected):
    assert fields(limits.os_disk_problems(disk_type, size)) == expected


def test_os_disk_messages():
    assert limits.os_disk_problems("Premium", 10) == [
        LimitProblem("osDiskType", "Premium", "is not an OS disk type", "Managed or Ephemeral"),
        LimitProblem("osDiskSizeGb", 10, "is outside what AKS takes (30 GB is the smallest AKS "
                     "node image)", "30 to 2048"),
    ]  # fmt: skip


def test_zones_are_passed_on_and_only_numbers_non_names_or_repeats_refused():
    assert limits.zone_problems(["1", "2", "3"]) == []
    assert limits.zone_problems(["westeurope-4"]) == []  # the region's to judge
    # One problem per kind for the whole list, each with the list that works: the user's own
    # zones as strings, each once (the per-item example set a repeated zone to itself again).
    zones = ["1", "", 2, "1", " ", None, True]
    fixed = '["1", "2"]'
    assert limits.zone_problems(zones) == [
        LimitProblem("availabilityZones", zones, "has numbers, not zone names (YAML reads an "
                     "unquoted 1 as a number: quote each zone) at [2]",
                     'zone names as strings, e.g. ["1", "2", "3"]', fixed),
        LimitProblem("availabilityZones", zones, "has an item that is not a zone name at [1], "
                     "[4], [5], [6]", 'a zone of the region, e.g. "1"', fixed),
        LimitProblem("availabilityZones", zones, "repeats a zone at [3]", "each zone once",
                     fixed),
    ]  # fmt: skip
    [numbers] = limits.zone_problems([1, 2])
    assert numbers.reason.endswith(" at [0], [1]") and numbers.example == '["1", "2"]'
    [nothing] = limits.zone_problems([""])
    assert nothing.example == limits.LEAVE_IT_OUT  # no zone left: leave the setting out
    assert limits.zone_problems(["2", "1", "2"])[0].example == '["2", "1"]'  # the user's order


# --- taints and labels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "taint"),
    [
        ("sandbox=true:NoSchedule", limits.Taint("sandbox", "true", "NoSchedule")),
        ("example.com/kata=:NoExecute", limits.Taint("example.com/kata", "", "NoExecute")),
        ("a=b:PreferNoSchedule", limits.Taint("a", "b", "PreferNoSchedule")),
        ("sandbox:NoSchedule", None),  # AKS takes key=value:Effect
        ("sandbox=true:NoScheduled", None),
        ("sandbox=true", None),
        ("-bad=true:NoSchedule", None),
        ("good=-bad:NoSchedule", None),
        ("a=b=c:NoSchedule", None),
        ("a=b:NoSchedule:NoSchedule", None),
        ("Example.com/kata=x:NoSchedule", None),  # a prefix is a lower-case DNS subdomain
        ("k" * 63 + "=v:NoSchedule", limits.Taint("k" * 63, "v", "NoSchedule")),
        ("k" * 64 + "=v:NoSchedule", None),
        ("k=" + "v" * 64 + ":NoSchedule", None),
        ("", None),
    ],
)
def test_parse_taint(text, taint):
    assert limits.parse_taint(text) == taint


def test_a_taints_toleration_and_whether_it_repels():
    taint = limits.Taint("sandbox", "true", "NoSchedule")
    assert taint.repels and limits.Taint("a", "b", "NoExecute").repels
    assert not limits.Taint("a", "b", "PreferNoSchedule").repels
    assert taint.toleration() == {
        "key": "sandbox", "operator": "Equal", "value": "true", "effect": "NoSchedule",
    }  # fmt: skip


def test_taint_problems_and_the_one_taint_of_a_system_pool():
    assert limits.taint_problems(USER, ["sandbox=true:NoSchedule", "a=b:NoExecute"]) == []
    assert limits.taint_problems(SYSTEM, [limits.SYSTEM_POOL_TAINT]) == []
    assert limits.taint_problems(SYSTEM, ["sandbox=true:NoSchedule", 7, "x"]) == [
        LimitProblem("nodeTaints[0]", "sandbox=true:NoSchedule",
                     "is not the one taint a System pool takes", limits.SYSTEM_POOL_TAINT),
        LimitProblem("nodeTaints[1]", 7, "is not a node taint", limits.TAINT_ALLOWED),
        LimitProblem("nodeTaints[2]", "x", "is not a node taint", limits.TAINT_ALLOWED),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("key", "ok"),
    [("workload", True), ("example.com/workload", True), ("a.b-c_d", True),
     ("a" * 63, True), ("a" * 64, False), ("x" * 254 + "/a", False), ("/a", False),
     ("a/", False), ("_a", False), ("a/b/c", False), ("Example.com/a", False), ("", False),
     ("example.com/" + "a" * 63, True), ("example.com/" + "a" * 64, False)],
)  # fmt: skip
def test_label_keys(key, ok):
    assert limits.is_label_key(key) is ok


def test_a_long_prefix_within_253_is_a_key():
    prefix = ".".join(["a" * 63] * 3) + "." + "b" * 61  # 253 characters
    assert len(prefix) == 253 and limits.is_label_key(prefix + "/name")
    assert not limits.is_label_key(prefix + "b/name")


def test_label_problems():
    assert limits.label_problems({"workload": "sandboxed", "tier": ""}) == []
    assert limits.label_problems({"bad key": "x", "ok": "bad value", "n": 3, 4: "x"}) == [
        LimitProblem("nodeLabels", {"bad key": "x"}, "'bad key' is not a label key",
                     limits.LABEL_ALLOWED),
        LimitProblem("nodeLabels", {"ok": "bad value"}, "the value of ok is not a label value",
                     limits.LABEL_ALLOWED),
        LimitProblem("nodeLabels", {"n": 3}, "the value of n is not a label value",
                     limits.LABEL_ALLOWED),
        LimitProblem("nodeLabels", {4: "x"}, "4 is not a label key", limits.LABEL_ALLOWED),
    ]  # fmt: skip
    assert limits.is_label_value("v" * 63) and not limits.is_label_value("v" * 64)


# --- the options together -----------------------------------------------------------------------

PRODUCTION = PoolOptions(
    enable_auto_scaling=True, min_count=1, max_count=5, max_pods=110, os_disk_type="Managed",
    os_disk_size_gb=128, availability_zones=("1", "2"), node_taints=("a=b:NoSchedule",
    "c=d:PreferNoSchedule"), node_labels=(("workload", "sandboxed"),),
)  # fmt: skip


def test_engine_inputs_name_what_is_set_as_the_aks_api_does():
    assert PRODUCTION.engine_inputs() == {
        "enableAutoScaling": True, "minCount": 1, "maxCount": 5, "maxPods": 110,
        "osDiskType": "Managed", "osDiskSizeGB": 128, "availabilityZones": ["1", "2"],
        "nodeTaints": ["a=b:NoSchedule", "c=d:PreferNoSchedule"],
        "nodeLabels": {"workload": "sandboxed"},
    }  # fmt: skip
    assert PoolOptions().engine_inputs() == {}
    assert PoolOptions(min_count=1, max_count=2).engine_inputs() == {}  # bounds need autoscaling


def test_the_nodes_a_pool_has_and_what_its_pods_must_tolerate():
    assert PRODUCTION.nodes(3) == (1, 5)
    assert PoolOptions().nodes(3) == (3, 3)
    assert PoolOptions(enable_auto_scaling=True, min_count=2).nodes(3) == (3, 3)
    assert PRODUCTION.tolerations() == [
        {"key": "a", "operator": "Equal", "value": "b", "effect": "NoSchedule"}
    ]


def test_options_problems_judge_the_max_pods_at_the_fewest_nodes():
    ok = PoolOptions(enable_auto_scaling=True, min_count=3, max_count=5, max_pods=10)
    assert limits.options_problems(USER, 3, ok) == []
    low = PoolOptions(enable_auto_scaling=True, min_count=1, max_count=5, max_pods=10)
    assert fields(limits.options_problems(USER, 3, low)) == ["maxPods"]
    every: Any = PoolOptions(
        enable_auto_scaling=True, min_count=3, max_count=1, max_pods=5, os_disk_type="x",
        os_disk_size_gb=1, availability_zones=("",), node_taints=("x",), node_labels=(("-", "v"),),
    )  # fmt: skip
    assert fields(limits.options_problems(SYSTEM, 1, every)) == [
        "maxCount", "maxPods", "osDiskType", "osDiskSizeGb", "availabilityZones",
        "nodeTaints[0]", "nodeLabels",
    ]  # fmt: skip


def test_a_system_pool_tainted_for_critical_addons_needs_another_pool():
    tainted = PoolOptions(node_taints=(limits.SYSTEM_POOL_TAINT,))
    assert limits.dedicated_system_pool_problem(tainted, 1) is None
    assert limits.dedicated_system_pool_problem(PoolOptions(), 0) is None
    assert limits.dedicated_system_pool_problem(tainted, 0) == LimitProblem(
        "nodeTaints", [limits.SYSTEM_POOL_TAINT],
        "keeps every pod but the system's off the cluster's only pool",
        "CriticalAddonsOnly=true:NoSchedule with at least one more (User) pool, or no taint",
    )  # fmt: skip


# --- the judge's words ----------------------------------------------------------------------------


def test_the_judge_adds_an_example_per_option():
    bad = PoolOptions(enable_auto_scaling=True, min_count=1, max_count=5, max_pods=300,
                      node_taints=("x",), node_labels=(("-", "v"),))  # fmt: skip
    findings = judge.option_findings(USER, 2, bad)
    assert [(f.field, f.example, f.sandboxing_rule) for f in findings] == [
        ("maxPods", "110", False),
        ("nodeTaints[0]", "sandbox=true:NoSchedule", False),
        ("nodeLabels", '{"workload": "sandboxed"}', False),
    ]
    [system] = judge.option_findings(SYSTEM, 1, PoolOptions(node_taints=("x",)))
    assert system.example == limits.SYSTEM_POOL_TAINT
    every = {problem.field.split("[")[0].split(".")[0] for problem in [
        *limits.scaling_problems(USER, 1001, True, None, None),
        *limits.os_disk_problems("x", 1), *limits.zone_problems([""]),
    ]}  # fmt: skip
    assert every <= set(judge.OPTION_EXAMPLES)


def test_a_pool_is_judged_with_its_options_and_its_count_may_be_zero_when_autoscaled():
    zero = judge.PoolSettings("kata8", node_count=0, options=PoolOptions(
        enable_auto_scaling=True, min_count=0, max_count=3))  # fmt: skip
    assert judge.judge_pool(zero).findings == []
    fixed_zero = judge.PoolSettings("kata8", node_count=0)
    assert [f.field for f in judge.judge_pool(fixed_zero).findings] == ["nodeCount"]
    system = judge.PoolSettings("nodepool1", mode=SYSTEM, node_count=1, options=PoolOptions(
        enable_auto_scaling=True, min_count=0, max_count=3))  # fmt: skip
    [finding] = judge.judge_pool(system).findings
    assert (finding.field, finding.allowed) == ("minCount", "1 to 1000")
    text = judge.PoolSettings("kata8", node_count="2", options=PoolOptions(max_pods=5))
    assert [f.field for f in judge.judge_pool(text).findings] == ["nodeCount"]  # not judged on


def test_the_dedicated_system_pool_finding():
    tainted = PoolOptions(node_taints=(limits.SYSTEM_POOL_TAINT,))
    assert judge.dedicated_system_pool_finding(tainted, 2) is None
    problem = limits.dedicated_system_pool_problem(tainted, 0)
    assert problem is not None
    assert judge.dedicated_system_pool_finding(tainted, 0) == judge.Finding(
        "nodeTaints", problem.value, problem.reason, problem.allowed, "[]"
    )


def test_options_from_values_named_as_the_components_name_them():
    assert limits.options_of({}) == PoolOptions()
    assert limits.options_of({
        "name": "kata8", "vmSize": "Standard_D8s_v5", "enableAutoScaling": True, "minCount": 0,
        "maxCount": 3, "maxPods": 30, "osDiskType": "Managed", "osDiskSizeGb": 64,
        "availabilityZones": ["1"], "nodeTaints": ["a=b:NoSchedule"], "nodeLabels": {"k": "v"},
    }) == PoolOptions(
        enable_auto_scaling=True, min_count=0, max_count=3, max_pods=30, os_disk_type="Managed",
        os_disk_size_gb=64, availability_zones=("1",), node_taints=("a=b:NoSchedule",),
        node_labels=(("k", "v"),),
    )  # fmt: skip
    assert set(limits.OPTION_FIELDS.values()) == {
        field for field in PoolOptions.__dataclass_fields__
    }


def test_the_scale_down_mode():
    # The AKS API's ScaleDownMode; Deallocate keeps stopped nodes, which ephemeral OS disks do
    # not allow (AKS, scale-down-mode.md).
    assert limits.scale_down_problems(None, "Ephemeral") == []
    assert limits.scale_down_problems("Deallocate", "Managed") == []
    assert limits.scale_down_problems("Delete", "Ephemeral") == []
    [bad] = limits.scale_down_problems("Stop", None)
    assert (bad.field, bad.value, bad.reason, bad.allowed) == (
        "scaleDownMode", "Stop", "is not a scale-down mode", "Delete or Deallocate",
    )  # fmt: skip
    [ephemeral] = limits.scale_down_problems("Deallocate", "Ephemeral")
    assert (ephemeral.reason, ephemeral.example) == (
        "keeps stopped nodes, which Ephemeral OS disks do not allow", "Delete",
    )  # fmt: skip
    assert ephemeral.allowed == "Delete with Ephemeral OS disks (or Managed disks with Deallocate)"


@pytest.mark.parametrize("surge", ["1", "5", "1000", "1%", "33%", "100%"])
def test_a_surge_of_nodes_or_a_percentage_is_taken(surge):
    assert limits.max_surge_problems(surge) == []


@pytest.mark.parametrize(
    "surge", ["0", "0%", "1001", "101%", "05", "5 nodes", "33 %", "%", "", "1.5", "-1", "10000"]
)
def test_a_surge_aks_refuses_is_a_problem(surge):
    # AKS API 2025-09-01 AgentPoolUpgradeSettings.maxSurge: an integer or a percentage; with no
    # maxUnavailable it must be above 0; a pool has at most 1000 nodes.
    [bad] = limits.max_surge_problems(surge)
    assert (bad.field, bad.value, bad.reason, bad.allowed) == (
        "maxSurge", surge, "is not a surge AKS takes",
        "a number of nodes from 1 to 1000 (a pool's most), or a percentage from 1% to 100%",
    )  # fmt: skip


def test_no_surge_is_no_problem():
    assert limits.max_surge_problems(None) == []


def test_a_pools_capacity_is_at_its_fewest_and_most_nodes_capped_per_node():
    from podsandbox.rules import aks, sizing

    sandbox = sizing.sandbox_size(sizing.uniform_pod("1", "1Gi"), aks.GA_RUNTIME)
    options = PoolOptions(enable_auto_scaling=True, min_count=1, max_count=3, max_pods=10)
    assert options.capacity("Standard_D8s_v5", 2, sandbox) == sizing.pool_capacity(
        "Standard_D8s_v5", (1, 3), sandbox, 10
    )
    fixed = PoolOptions().capacity("Standard_D8s_v5", 2, sandbox)
    assert (fixed.min_nodes, fixed.max_nodes, fixed.pod_cap) == (2, 2, None)
