"""The benchmark runs, reports every ratio against its floor, and times the right floor."""

from __future__ import annotations

import ast

from benchmarks import run as bench
from tests.conftest import REPO


def test_the_floor_imports_every_sdk_module_the_program_needs():
    imported: set[str] = set()
    for path in [
        REPO / "__main__.py",
        REPO / "config.py",
        *(REPO / "podsandbox" / "components").glob("*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            imported |= {name for name in names if name.startswith("pulumi")}
    # An imported name is covered when it is a floor module or lives inside one.
    uncovered = {
        name
        for name in imported
        if not any(name == module or name.startswith(module + ".") for module in bench.SDK_MODULES)
        and name not in {"pulumi_azure_native", "pulumi_kubernetes"}
    }
    assert uncovered == set()


def test_quick_benchmark_reports_all_ratios():
    result = bench.measure(quick=True)
    assert set(result["ratios"]) == set(bench.TARGETS) == set(result["met"])
    assert result["preview"]["floorSeconds"] > 0 and result["preview"]["ratio"] > 1
    assert [row["pools"] for row in result["pools"]["rows"]] == [2, 8]
    assert result["policies"]["resources"] == 79  # the 64-pool dev stack
    text = bench.report(result)
    for number in ("1. offline preview", "2. marginal cost", "3. policy evaluation"):
        assert number in text
    # A smoke test does not call noise a miss.
    assert "MISSED" not in text and text.count("not judged (--quick is a smoke test)") == 4


def test_a_full_run_judges_each_target():
    result = {
        "quick": False,
        "preview": {"ratio": 2.5, "previewSeconds": 2.5, "floorSeconds": 1.0},
        "pools": {"rows": [], "worstRatio": 1.0, "ratioGrowth": 1.0, "bareGrowth": 1.0,
                  "growthSpan": "64 vs 8"},
        "policies": {"msPerResource": 0.1, "resources": 75, "totalMs": 7.5},
        "met": {"previewVsFloor": False, "poolVsBareAgentPool": True,
                "poolRatioGrowth64vs8": True, "policyMsPerResource": True},
    }  # fmt: skip
    text = bench.report(result)
    assert text.count("MISSED") == 1 and text.count(": ok") == 3
