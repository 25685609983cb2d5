"""The runtime generations as data, and the one rules module everything shares."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from podsandbox.rules import aks
from tests.conftest import REPO


def test_the_two_generations_match_the_spec_table():
    ga, legacy = aks.GA_RUNTIME, aks.LEGACY_RUNTIME
    assert (ga.workload_runtime, ga.runtime_class_name, ga.node_label) == (
        "KataVmIsolation",
        "kata-vm-isolation",
        "kubernetes.azure.com/kata-vm-isolation",
    )
    assert (legacy.workload_runtime, legacy.runtime_class_name, legacy.node_label) == (
        "KataMshvVmIsolation",
        "kata-mshv-vm-isolation",
        "kubernetes.azure.com/kata-mshv-vm-isolation",
    )
    assert ga.feature_flag is None
    assert legacy.feature_flag == "Microsoft.ContainerService/KataVMIsolationPreview"
    assert (ga.min_kubernetes_version, legacy.min_kubernetes_version) == ((1, 27, 0), (1, 24, 0))
    assert aks.DEFAULT_RUNTIME is ga and not ga.legacy and legacy.legacy


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("1.27", (1, 27, 0)), ("1.27.3", (1, 27, 3)), (" v1.30.1 ", (1, 30, 1)), ("1", None)],
)
def test_parse_kubernetes_version(text, parsed):
    assert aks.parse_kubernetes_version(text) == parsed


def test_os_sku_rules():
    assert aks.os_sku_problem("AzureLinux") is None
    assert aks.os_sku_problem("Ubuntu2204") is not None
    assert aks.os_sku_problem("AzureLinux3") is None
    assert aks.os_sku_warning("AzureLinux3") is not None


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


RULE_MODULES = sorted((REPO / "podsandbox" / "rules").glob("*.py"))
PURE_MODULES = {
    "podsandbox.guardrail.plan": REPO / "podsandbox" / "guardrail" / "plan.py",
    "podsandbox.karpenter": REPO / "podsandbox" / "karpenter" / "__init__.py",
    "podsandbox.karpenter.node_pool": REPO / "podsandbox" / "karpenter" / "node_pool.py",
    "podsandbox.karpenter.settings": REPO / "podsandbox" / "karpenter" / "settings.py",
}
"""Modules outside `rules/` that the rules (and the pack) import: held to the same standard."""


@pytest.mark.reads_source
@pytest.mark.parametrize(
    "path", RULE_MODULES + list(PURE_MODULES.values()), ids=lambda path: path.name
)
def test_rule_modules_import_only_the_standard_library_and_each_other(path):
    # The policy pack installs `podsandbox` without extras: the rules must need nothing else.
    for name in imports_of(path):
        top = name.split(".")[0]
        allowed = name.startswith("podsandbox.rules") or name in PURE_MODULES
        assert top in sys.stdlib_module_names or allowed, name


def test_the_rules_package_has_the_modules_the_others_rely_on():
    assert {path.stem for path in RULE_MODULES} >= {
        "aks", "vmsizes", "sizing", "pools", "workloads", "policy_checks", "judge"
    }  # fmt: skip


def test_the_program_takes_runtime_values_from_the_rules_module():
    # No component spells a runtime value, RuntimeClass or OS type itself.
    for path in (REPO / "podsandbox" / "components").glob("*.py"):
        text = path.read_text()
        for value in ("KataVmIsolation", "KataMshvVmIsolation", "kata-vm-isolation", "Linux"):
            assert f'"{value}"' not in text, (path.name, value)


def test_the_feature_flag_splits_at_its_first_slash():
    assert aks.split_feature_flag("Microsoft.ContainerService/KataVMIsolationPreview") == (
        "Microsoft.ContainerService",
        "KataVMIsolationPreview",
    )
    assert aks.split_feature_flag("a/b/c") == ("a", "b/c")


@pytest.mark.parametrize(
    ("version", "runtime", "problem"),
    [
        (None, aks.GA_RUNTIME, None),
        ("1.33.2", aks.GA_RUNTIME, None),
        ("1.27.0", aks.GA_RUNTIME, None),
        ("1.26.3", aks.LEGACY_RUNTIME, None),
        (
            "1.26.3",
            aks.GA_RUNTIME,
            "existing cluster aks1 runs Kubernetes 1.26.3, below the minimum 1.27.0 for "
            "KataVmIsolation; upgrade it first (az aks upgrade --kubernetes-version ...) or use "
            "mode new-cluster",
        ),
        (
            "unreadable",
            aks.GA_RUNTIME,
            "existing cluster aks1 runs Kubernetes unreadable, below the minimum 1.27.0 for "
            "KataVmIsolation; upgrade it first (az aks upgrade --kubernetes-version ...) or use "
            "mode new-cluster",
        ),
    ],
)
def test_an_existing_clusters_version_against_the_runtimes_minimum(version, runtime, problem):
    assert aks.existing_cluster_version_problem("aks1", version, runtime) == problem


@pytest.mark.parametrize(
    ("runtime", "state", "problem"),
    [
        (aks.GA_RUNTIME, None, None),
        (aks.GA_RUNTIME, "NotRegistered", None),
        (aks.LEGACY_RUNTIME, "Registered", None),
        (aks.LEGACY_RUNTIME, None, "which is not registered. "),
        (aks.LEGACY_RUNTIME, "Registering", "which is Registering. "),
    ],
)
def test_only_the_legacy_runtime_needs_its_feature_registered(runtime, state, problem):
    found = aks.feature_registration_problem(runtime, state)
    if problem is None:
        assert found is None
        return
    assert found == (
        "KataMshvVmIsolation needs the subscription feature "
        f"Microsoft.ContainerService/KataVMIsolationPreview, {problem}Register it and wait until "
        "it shows Registered: az feature register --namespace Microsoft.ContainerService --name "
        "KataVMIsolationPreview; az feature show --namespace Microsoft.ContainerService --name "
        "KataVMIsolationPreview; then az provider register --namespace "
        "Microsoft.ContainerService. Or use KataVmIsolation, which needs no feature"
    )


@pytest.mark.parametrize(
    ("text", "below"),
    [("1.29.9", True), ("v1.29", True), (" 1.29.4 ", True), ("1.30", False), ("1.30.0", False),
     ("1.33.2", False), (None, False), ("", False), ("latest", False)],
)  # fmt: skip
def test_a_clusters_version_is_below_a_minimum_only_when_it_is_known(text, below):
    assert aks.known_version_below(text, (1, 30, 0)) is below


@pytest.mark.parametrize(
    ("value", "skips"),
    [("1", True), ("true", True), ("TRUE", True), ("yes", False), ("0", False), ("", False)],
)
def test_the_skip_validation_variable(value, skips):
    from podsandbox.rules.judge import SKIP_VALIDATION_ENV, skips_validation

    assert skips_validation({SKIP_VALIDATION_ENV: value}) is skips
    assert skips_validation({}) is False
