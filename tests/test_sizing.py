"""Sandbox sizing under both models, capacity per node, and the quantity parser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from kubernetes.utils import parse_quantity as official_parse_quantity

from podsandbox.rules import aks, sizing, vmsizes
from podsandbox.rules.sizing import (
    GI,
    MI,
    PodShape,
    QuantityError,
    node_capacity,
    parse_quantity,
    sandbox_size,
    uniform_pod,
)

GA, LEGACY = aks.GA_RUNTIME, aks.LEGACY_RUNTIME


@pytest.mark.parametrize(
    "text",
    ["500m", "1", "2.5", "0.1", "100n", "250u", "1k", "128Mi", "1Gi", "1.5Gi", "512M", "1e3",
     "2E6", "1Ki", "3Ti", "1Pi", "1Ei", "1T", "1P", "1E", ".5", "+1"],
)  # fmt: skip
def test_quantities_parse_like_the_official_client(text):
    assert parse_quantity(text) == official_parse_quantity(text)


@pytest.mark.parametrize("text", ["", "lots", "1 Gi", "Mi", "1GB", "1.2.3", "--1"])
def test_not_quantities(text):
    with pytest.raises(QuantityError, match="is not a Kubernetes quantity"):
        parse_quantity(text)


def test_legacy_model_adds_limits_to_2gb_and_one_vcpu():
    size = sandbox_size(uniform_pod("500m", "256Mi"), LEGACY)
    assert (size.model, size.vcpus, size.memory) == ("legacy", 2, 2 * GI + 256 * MI)
    assert size.to_dict()["memory"] == "2.25Gi"


def test_legacy_model_without_limits_and_ignoring_requests():
    shape = PodShape(cpu_request=Decimal(3), memory_request=8 * GI)
    size = sandbox_size(shape, LEGACY)
    assert (size.vcpus, size.memory) == (1, 2 * GI)


def test_ga_model_memory_is_the_limit_and_vcpus_round_up():
    size = sandbox_size(uniform_pod("1500m", "1Gi"), GA)
    assert (size.model, size.vcpus, size.memory) == ("ga", 2, GI)
    assert size.node_memory == GI + 600 * MI
    assert size.problem is None


def test_ga_model_defaults_without_limits():
    size = sandbox_size(PodShape(), GA)
    assert (size.vcpus, size.memory, size.node_memory) == (1, 512 * MI, 1112 * MI)


def test_ga_model_rejects_under_128mi():
    assert sandbox_size(uniform_pod("1", "64Mi"), GA).problem == (
        "pod memory limit too low: minimum 128MiB"
    )
    assert sandbox_size(uniform_pod("1", "128Mi"), GA).problem is None


def test_the_demo_pod_under_both_models():
    demo = uniform_pod("500m", "256Mi")
    assert sandbox_size(demo, GA).to_dict() == {
        "model": "ga",
        "vcpus": 1,
        "memory": "256Mi",
        "nodeMemory": "856Mi",
        "nodeCpu": "0.5",
        "problem": None,
    }
    assert sandbox_size(demo, LEGACY).to_dict() == {
        "model": "legacy",
        "vcpus": 2,
        "memory": "2.25Gi",
        "nodeMemory": "2.25Gi",
        "nodeCpu": "0.5",
        "problem": None,
    }


def test_pod_limits_are_summed_over_containers():
    shape = PodShape.from_containers(
        [
            {"limits": {"cpu": "500m", "memory": "256Mi"}},
            {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m"}},
            {},
        ]
    )
    assert (shape.cpu_limit, shape.memory_limit) == (Decimal("1.5"), 1280 * MI)
    assert (shape.cpu_request, shape.memory_request) == (Decimal("0.25"), None)


def test_capacity_on_the_how_to_size():
    ga = node_capacity("Standard_D4s_v3", sandbox_size(uniform_pod("500m", "256Mi"), GA))
    assert (ga.node_vcpus, ga.node_memory, ga.pods) == (4, 16 * GI, 8)
    assert "CPU bound" in ga.reason and "AKS system reservations" in ga.reason
    legacy = node_capacity("Standard_D4s_v3", sandbox_size(uniform_pod("500m", "256Mi"), LEGACY))
    assert legacy.pods == 7  # 16Gi / 2.25Gi
    assert "memory bound" in legacy.reason


def test_constrained_size_keeps_its_parents_memory():
    capacity = node_capacity("Standard_E16-4s_v5", sandbox_size(uniform_pod("250m", "1Gi"), GA))
    assert (capacity.node_vcpus, capacity.node_memory) == (4, 128 * GI)
    assert capacity.pods == 16  # CPU bound: 4 / 0.25


@pytest.mark.parametrize(
    "size", ["Standard_D4as_v6", "Standard_E64s_v3", "Standard_Q4_v9", "Standard_M64s", "bad"]
)
def test_capacity_is_unknown_rather_than_guessed(size):
    capacity = node_capacity(size, sandbox_size(uniform_pod("1", "1Gi"), GA))
    assert capacity.pods is None and capacity.node_memory is None
    assert capacity.reason.startswith("unknown")


def test_memory_ratios_name_catalog_series_that_can_host_sandboxing():
    rows = {row.name: row for row in vmsizes.CATALOG}
    for series in sizing.MEMORY_GIB_PER_VCPU:
        assert rows[series].generation2 and rows[series].nested_virtualization


def test_a_quantity_error_shows_the_text_and_examples():
    with pytest.raises(sizing.QuantityError) as raised:
        sizing.parse_quantity("lots")
    assert str(raised.value) == "'lots' is not a Kubernetes quantity (e.g. 500m, 1, 256Mi, 1Gi)"


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (2 * sizing.GI, "2Gi"),
        (sizing.GI, "1Gi"),
        (sizing.GI + sizing.MI, "1Gi"),
        (3 * sizing.GI // 2, "1.5Gi"),
        (2 * sizing.GI + sizing.GI // 4, "2.25Gi"),
        (512 * sizing.MI, "512Mi"),
        (sizing.MI + 1, "2Mi"),
    ],
)
def test_memory_is_written_in_mi_or_gi(size, text):
    assert sizing.format_memory(size) == text


def test_requests_are_summed_like_limits_and_memory_is_whole_bytes():
    shape = PodShape.from_containers(
        [
            {
                "limits": {"memory": "1Gi", "cpu": "1"},
                "requests": {"memory": "512Mi", "cpu": "250m"},
            },
            {"limits": {"memory": "1Gi"}, "requests": {"memory": "256Mi"}},
        ]
    )
    assert shape == PodShape(Decimal(1), 2 * sizing.GI, Decimal("0.25"), 768 * sizing.MI)
    assert isinstance(shape.memory_limit, int) and isinstance(shape.memory_request, int)


def test_a_pod_without_any_limit_or_request_has_none():
    assert PodShape.from_containers([{}, {"limits": {}}]) == PodShape(None, None, None, None)


@pytest.mark.parametrize(
    ("shape", "node_cpu", "node_memory"),
    [
        # requests below limits: the node reserves the requests (plus the RuntimeClass overhead)
        (PodShape(Decimal(2), 1 * sizing.GI, Decimal("0.5"), 256 * sizing.MI),
         Decimal("0.5"), 856 * sizing.MI),
        # no request: the limit
        (PodShape(Decimal(2), 1 * sizing.GI, None, None), Decimal(2), sizing.GI + 600 * sizing.MI),
        # nothing at all: no CPU reserved, the default memory and the overhead
        (PodShape(), Decimal(0), 512 * sizing.MI + 600 * sizing.MI),
    ],
)  # fmt: skip
def test_what_a_ga_pod_takes_from_its_node(shape, node_cpu, node_memory):
    size = sizing.sandbox_size(shape, aks.GA_RUNTIME)
    assert (size.node_cpu, size.node_memory) == (node_cpu, node_memory)


def test_the_demo_pod_shape_has_requests_equal_to_limits():
    assert uniform_pod("500m", "256Mi") == PodShape(
        Decimal("0.5"), 256 * sizing.MI, Decimal("0.5"), 256 * sizing.MI
    )


def test_capacity_as_the_stack_output_shows_it():
    capacity = node_capacity("Standard_D4s_v3", sizing.sandbox_size(uniform_pod("500m", "256Mi"),
                                                                    aks.GA_RUNTIME))  # fmt: skip
    assert capacity.to_dict() == {
        "vmSize": "Standard_D4s_v3",
        "nodeVcpus": 4,
        "nodeMemory": "16Gi",
        "pods": 8,
        "bound": "CPU",
        "reason": "at most 8 per node (CPU bound: 4 vCPUs, 16Gi; each pod takes 0.5 CPU and "
        "856Mi); AKS system reservations lower it",
    }
    unknown = node_capacity("Standard_D64s_v5", sizing.sandbox_size(PodShape(), aks.GA_RUNTIME))
    assert unknown.to_dict() == {
        "vmSize": "Standard_D64s_v5",
        "nodeVcpus": 64,
        "nodeMemory": None,
        "pods": None,
        "bound": None,
        "reason": "unknown: the memory of Dv5 / Dsv5 sizes is not in the catalog",
    }


def test_capacity_of_a_name_that_is_not_a_size():
    capacity = node_capacity("D4s", sizing.sandbox_size(PodShape(), aks.GA_RUNTIME))
    assert (capacity.vm_size, capacity.node_vcpus, capacity.node_memory, capacity.pods) == (
        "D4s", None, None, None,
    )  # fmt: skip
    assert capacity.reason.startswith("unknown: 'D4s' is not an Azure VM size name")


@pytest.mark.parametrize(
    ("size", "known"), [("Standard_D32s_v5", True), ("Standard_D48s_v5", False)]
)
def test_memory_is_known_up_to_32_vcpus(size, known):
    capacity = node_capacity(size, sizing.sandbox_size(PodShape(), aks.GA_RUNTIME))
    assert (capacity.node_memory is not None) is known
    assert (capacity.pods is not None) is known


def test_a_tie_between_memory_and_cpu_is_called_memory_bound():
    # 16Gi / (1400Mi + 600Mi) = 8.19 pods by memory, 4 / 0.5 = 8 by CPU: 8 either way.
    capacity = node_capacity("Standard_D4s_v3", sizing.sandbox_size(uniform_pod("500m", "1400Mi"),
                                                                    aks.GA_RUNTIME))  # fmt: skip
    assert capacity.pods == 8
    assert capacity.reason.startswith("at most 8 per node (memory bound")


def test_a_pod_without_cpu_is_bound_by_memory_alone():
    capacity = node_capacity("Standard_D4s_v3", sizing.sandbox_size(PodShape(), aks.GA_RUNTIME))
    assert capacity.pods == 16 * 1024 // 1112
    assert "memory bound" in capacity.reason


def test_sizing_and_capacity_read_as_one_short_line():
    sandbox = sizing.sandbox_size(uniform_pod("500m", "256Mi"), aks.GA_RUNTIME)
    assert sizing.describe(sandbox.to_dict()) == "1 vCPU, 256Mi VM, 856Mi on the node"
    legacy = sizing.sandbox_size(uniform_pod("500m", "256Mi"), aks.LEGACY_RUNTIME)
    assert sizing.describe(legacy.to_dict()) == "2 vCPUs, 2.25Gi VM, 2.25Gi on the node"
    small = sizing.sandbox_size(uniform_pod("500m", "64Mi"), aks.GA_RUNTIME)
    assert sizing.describe(small.to_dict()) == (
        f"1 vCPU, 64Mi VM, 664Mi on the node; rejected: {small.problem}"
    )
    assert sizing.describe(node_capacity("Standard_D4s_v3", sandbox).to_dict()) == (
        "up to 8 per Standard_D4s_v3 node, CPU bound"
    )
    assert sizing.describe(node_capacity("Standard_D2s_v3", legacy).to_dict()) == (
        "up to 3 per Standard_D2s_v3 node, memory bound"
    )
    assert sizing.describe(node_capacity("Standard_D64s_v5", sandbox).to_dict()) == (
        "unknown per Standard_D64s_v5 node: the memory of Dv5 / Dsv5 sizes is not in the catalog"
    )
    # Anything else is not sizing.
    for other in ({"vmSize": "x"}, ["vcpus"], "1 vCPU", None, {**sandbox.to_dict(), "extra": 1}):
        assert sizing.describe(other) is None


# --- a pool's capacity at its fewest and most nodes ---------------------------------------------


def test_a_pools_capacity_at_its_bounds():
    sandbox = sandbox_size(uniform_pod("500m", "256Mi"), GA)
    capacity = sizing.pool_capacity("Standard_D8s_v5", (0, 10), sandbox)
    assert capacity.to_dict() == {
        "vmSize": "Standard_D8s_v5", "podsPerNode": 16, "minNodes": 0, "maxNodes": 10,
        "atMinimum": 0, "atMaximum": 160, "bound": "CPU",
    }  # fmt: skip
    assert sizing.describe({"kata": capacity.to_dict()}) == (
        "kata: 0 to 160 (16 per Standard_D8s_v5 node x 0 to 10 nodes, CPU bound)"
    )


def test_max_pods_caps_a_node_and_says_so():
    sandbox = sandbox_size(uniform_pod("500m", "256Mi"), GA)
    capped = sizing.pool_capacity("Standard_D8s_v5", (2, 2), sandbox, pod_cap=10)
    assert (capped.per_node, capped.bound) == (10, "maxPods")
    assert capped.to_dict()["atMaximum"] == 20
    roomy = sizing.pool_capacity("Standard_D8s_v5", (1, 3), sandbox, pod_cap=110)
    assert (roomy.per_node, roomy.bound) == (16, "CPU")
    exact = sizing.pool_capacity("Standard_D8s_v5", (1, 1), sandbox, pod_cap=16)
    assert (exact.per_node, exact.bound) == (16, "CPU")  # both: the resources say it first
    assert sizing.describe({"a": exact.to_dict(), "b": roomy.to_dict(), "c": capped.to_dict()}) == (
        "a: 16 (16 per Standard_D8s_v5 node x 1 node, CPU bound); "
        "b: 16 to 48 (16 per Standard_D8s_v5 node x 1 to 3 nodes, CPU bound); "
        "c: 20 (10 per Standard_D8s_v5 node x 2 nodes, maxPods bound)"
    )


def test_an_unknown_node_leaves_the_pool_unknown():
    sandbox = sandbox_size(uniform_pod("500m", "256Mi"), GA)
    unknown = sizing.pool_capacity("Standard_D64s_v5", (1, 2), sandbox, pod_cap=30)
    assert unknown.per_node is None
    assert unknown.to_dict()["atMinimum"] is None and unknown.to_dict()["atMaximum"] is None
    assert sizing.describe({"big": unknown.to_dict()}) == (
        "big: unknown per Standard_D64s_v5 node x 1 to 2 nodes"
    )
    assert sizing.describe({}) is None
    assert sizing.describe({"a": {"vmSize": "x"}}) is None


def test_a_pod_that_fits_no_node_of_its_pools_is_named_with_them():
    big = sandbox_size(uniform_pod("8", "1Gi"), GA)
    assert sizing.unfit_warning(big, [("nodepool1", "Standard_D4s_v3"), ("kata16",
                                "Standard_D16s_v5")]) is None  # fmt: skip
    warning = sizing.unfit_warning(big, [("a", "Standard_D4s_v3"), ("b", "Standard_D2s_v3")])
    assert warning is not None and warning.startswith(
        "the untrusted demo pod takes 8 CPU and 1.59Gi of a node, more than one node of its pool "
        "holds: a (Standard_D4s_v3), b (Standard_D2s_v3); it would stay Pending"
    )
    # Unknown sizes are not judged: no warning on what cannot be known.
    assert sizing.unfit_warning(big, [("a", "Standard_D64s_v5")]) is None
    assert sizing.unfit_warning(big, []) is None
