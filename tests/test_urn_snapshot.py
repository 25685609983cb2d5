"""No deployed resource changes: every URN recorded before a refactoring is registered again.

`tests/snapshots/urns.json` was recorded from the offline preview of the example stacks before the
components became reusable (issue "Reusable components"). A resource recorded there must be
registered again under the same URN with the same type and engine inputs, or be the alias of the
resource that now stands for it (then the engine moves its state instead of replacing it).
Resources that are new must be listed in `NEW_RESOURCES`, so that a new resource is a decision.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podsandbox.preview.recorder import run_program
from podsandbox.preview.stack_files import load_stack_config
from tests.conftest import REPO

SNAPSHOT = REPO / "tests" / "snapshots" / "urns.json"
STACKS: dict[str, dict[str, Any]] = {
    "dev": {"stack": "dev"},
    "existing": {"stack": "existing"},
    "multipool": {"stack": "multipool"},
    "legacy": {"config_file": REPO / "tests" / "stacks" / "Pulumi.legacy.yaml"},
    "existing-multipool": {
        "config_file": REPO / "tests" / "stacks" / "Pulumi.existing-multipool.yaml"
    },
}
NEW_RESOURCES: dict[str, set[str]] = {stack: set() for stack in STACKS}
"""URNs registered now that the snapshot does not have (new component resources), by stack."""


def recorded() -> dict[str, list[dict[str, Any]]]:
    snapshot: dict[str, list[dict[str, Any]]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return snapshot


def preview(stack: str) -> list[Any]:
    config = load_stack_config(REPO, **STACKS[stack])
    return run_program(Path(REPO), config.project, config.stack, config.config).resources


def test_the_snapshot_covers_every_stack_it_is_about():
    assert sorted(recorded()) == sorted(STACKS)


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_every_recorded_resource_is_registered_again_unchanged(stack):
    now = {resource.urn: resource for resource in preview(stack)}
    aliased = {alias: resource for resource in now.values() for alias in resource.aliases}
    for before in recorded()[stack]:
        resource = now.get(before["urn"]) or aliased.get(before["urn"])
        assert resource is not None, f"{before['urn']} is gone and no resource aliases it"
        assert resource.type == before["type"]
        assert resource.inputs == before["inputs"], before["urn"]


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_new_resources_are_the_listed_ones(stack):
    before = {resource["urn"] for resource in recorded()[stack]}
    now = preview(stack)
    stand_ins = {resource.urn for resource in now if before & set(resource.aliases)}
    assert {r.urn for r in now} - before - stand_ins == NEW_RESOURCES[stack]
