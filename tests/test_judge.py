"""The judge of a pool's and cluster's settings, on its own (rules/judge.py)."""

from __future__ import annotations

import pytest

from podsandbox.rules import judge


def test_a_valid_pool_has_no_finding_and_canonical_values():
    verdict = judge.judge_pool(judge.PoolSettings("kata8", os_sku="azurelinux"))
    assert verdict.findings == [] and verdict.warnings == []
    assert (verdict.vm_size, verdict.os_sku) == ("Standard_D4s_v3", "AzureLinux")


@pytest.mark.parametrize("count", ["two", 2.5, True, None])
def test_a_count_that_is_not_a_whole_number(count):
    assert judge.node_count_findings(count) == [
        judge.Finding("nodeCount", count, "is not a whole number", "an integer", "1")
    ]


@pytest.mark.parametrize(("count", "found"), [(0, 1), (-1, 1), (1, 0), (1000, 0)])
def test_a_pool_needs_at_least_one_node(count, found):
    findings = judge.node_count_findings(count)
    assert len(findings) == found
    if found:
        assert findings == [
            judge.Finding(
                "nodeCount", count, "a node pool needs at least one node",
                "an integer of 1 or more", "1",
            )
        ]  # fmt: skip


def test_a_list_of_problems_says_how_many_in_the_right_number():
    assert judge.problem_list("inputs", ["a"]) == "invalid inputs (1 problem):\n  - a"
    assert judge.problem_list("inputs", ["a", "b"]) == "invalid inputs (2 problems):\n  - a\n  - b"


def test_the_size_is_kept_as_parsed_without_surrounding_space():
    verdict = judge.judge_pool(judge.PoolSettings("kata8", vm_size=" Standard_D8s_v5 "))
    assert verdict.vm_size == "Standard_D8s_v5"
    unparsable = judge.judge_pool(judge.PoolSettings("kata8", vm_size=" D8s "))
    assert unparsable.vm_size == " D8s "


def test_a_repeated_pool_name_names_the_later_pool():
    assert judge.duplicate_pool_names(["a", "b", "a", "a"]) == [
        (index, judge.Finding("nodePoolName", "a", "repeats the pool name a",
                              "a name no other pool of the cluster uses", "kata8"))
        for index in (2, 3)
    ]  # fmt: skip
    assert judge.duplicate_pool_names(["a", "b"]) == []


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("x" * 40, "x" * 40),
        ("x" * 41, "x" * 37 + "..."),
        ("y" * 38 + "zzz", "y" * 37 + "..."),
    ],
)
def test_a_bad_ssh_key_is_shown_cut_to_40_characters(key, shown):
    finding = judge.ssh_public_key_finding(key)
    assert finding is not None and finding.value == shown


@pytest.mark.parametrize(
    ("cluster", "prefix"),
    [("Xcluster", "Xcluster"), ("X-cluster-X", "X-cluster-X"), ("---", "aks"), ("__", "aks")],
)
def test_the_dns_prefix_keeps_letters_and_falls_back_to_aks(cluster, prefix):
    assert judge.dns_prefix(cluster) == prefix


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("vmSize", "vm_size"),  # camelCase from Python: the snake_case name
        ("VM_SIZE", "vm_size"),
        ("nodeVMSize", "nodeVmSize"),  # another case
        ("node_cont", "node_count"),  # a typo, near enough
        ("nodeCnt", "node_count"),
        ("colour", None),  # near nothing: no guess
        ("node", None),
    ],
)
def test_the_key_a_user_most_likely_meant(name, meant):
    allowed = ["vm_size", "node_count", "nodeVmSize", "max_pods"]
    assert judge.closest(name, allowed) == meant


def test_the_same_letters_win_over_a_near_name():
    # Both are near "maxpod"; the one with the same letters is the one meant.
    assert judge.closest("max_pod_s", ["max_pod", "maxpods"]) == "maxpods"
    assert judge.closest("maxpod", ["maxpods", "max_pod"]) == "max_pod"


def test_a_value_shown_by_a_description():
    assert repr(judge.SECRET) == "[secret]"
    assert (
        str(judge.Problem("k", judge.SECRET, "r", "a", "e"))
        == "k = [secret]: r. Allowed: a. Example: e"
    )


def test_a_problem_shows_values_as_yaml_writes_them():
    # "karpenter = True" read as Python; the stack file and the CLI say true.
    assert str(judge.Problem("k", True, "r", "a", "e")).startswith("k = true: r.")
    assert str(judge.Problem("k", False, "r", "a", "e")).startswith("k = false: r.")
    assert str(judge.Problem("k", None, "r", "a", "e")).startswith("k (not set): r.")
    assert str(judge.Problem("k", 1, "r", "a", "e")).startswith("k = 1: r.")
    assert str(judge.Problem("k", "x", "r", "a", "e")).startswith("k = 'x': r.")


def test_a_shown_value_is_its_description():
    assert repr(judge.Shown("<an output>")) == "<an output>"
