"""The judge of a pool's and cluster's settings, on its own (rules/judge.py)."""

from __future__ import annotations

from podsandbox.rules import judge


def test_a_valid_pool_has_no_finding_and_canonical_values():
    verdict = judge.judge_pool(judge.PoolSettings("kata8", os_sku="azurelinux"))
    assert verdict.findings == [] and verdict.warnings == []
    assert (verdict.vm_size, verdict.os_sku) == ("Standard_D4s_v3", "AzureLinux")
