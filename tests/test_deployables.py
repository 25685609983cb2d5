"""What the guardrail and Karpenter deploy, object by object: the admission policy and its
bindings, the Karpenter node class and node pool, as reviewed copies in `tests/snapshots/
deployables/`. A change to any of them is a decision: write them anew with
`.venv/bin/python -m tests.test_deployables` and say in the commit why they changed.

What the objects mean is tested elsewhere (the CEL differential in test_admission_rules.py, the
CRD schemas in test_karpenter.py); this pins every name, field and message they carry.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest

from podsandbox.guardrail import admission_policy, plan
from podsandbox.karpenter import node_pool
from podsandbox.rules import aks
from tests.conftest import REPO

GOLDEN = REPO / "tests" / "snapshots" / "deployables"
LIMITED = {"cpuLimit": "64", "memoryLimit": "256Gi", "consolidationPolicy": "Balanced",
           "consolidateAfter": "5m"}  # fmt: skip
OBJECTS: dict[str, Callable[[], Any]] = {
    "policy-ga": lambda: admission_policy.policy_object("podsandbox-dev", aks.GA_RUNTIME),
    "policy-legacy": lambda: admission_policy.policy_object("p", aks.LEGACY_RUNTIME),
    "policy-extra-class": lambda: admission_policy.policy_object(
        "p", aks.GA_RUNTIME, ["kata-dedicated"]
    ),
    "bindings-deny": lambda: admission_policy.binding_objects(
        "b", "podsandbox-dev", ["untrusted", "agents"], plan.ACTIONS[plan.DENY]
    ),
    "bindings-audit": lambda: admission_policy.binding_objects(
        "b", "p", ["untrusted"], plan.ACTIONS[plan.AUDIT]
    ),
    "node-class": lambda: node_pool.node_class_manifest("podsandbox-dev"),
    "node-pool-limited": lambda: node_pool.node_pool_manifest(
        "podsandbox-dev", "podsandbox-dev", LIMITED
    ),
    "node-pool-unlimited": lambda: node_pool.node_pool_manifest(
        "p", "c", {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "Never"}
    ),
}


def rendered(name: str) -> str:
    return json.dumps(OBJECTS[name](), indent=2, sort_keys=True) + "\n"


def test_every_reviewed_copy_has_its_object():
    assert {path.stem for path in GOLDEN.glob("*.json")} == set(OBJECTS)


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_the_object_is_the_reviewed_one(name):
    assert rendered(name) == (GOLDEN / f"{name}.json").read_text(encoding="utf-8")


if __name__ == "__main__":  # write them anew
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for each in OBJECTS:
        (GOLDEN / f"{each}.json").write_text(rendered(each), encoding="utf-8")
    sys.exit(0)
