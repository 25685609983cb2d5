"""The JSON previews of the example stacks and the legacy stack, as a user gets them: a change to
any of them is a decision (a re-cut of the code changes none).

`tests/snapshots/previews/` keeps them; after a deliberate change, write them anew with
`.venv/bin/python -m tests.test_golden_previews` and say in the commit why they changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from podsandbox.cli import main
from tests.conftest import REPO

GOLDEN = REPO / "tests" / "snapshots" / "previews"
STACKS = {
    "dev": ["--stack", "dev"],
    "existing": ["--stack", "existing"],
    "multipool": ["--stack", "multipool"],
    "production": ["--stack", "production"],
    "legacy": ["--config-file", str(REPO / "tests" / "stacks" / "Pulumi.legacy.yaml")],
}


def json_preview(stack: str, folder: Path) -> str:
    out = folder / f"{stack}.json"
    main(["preview", *STACKS[stack], "--format", "json", "--output", str(out)])
    return out.read_text(encoding="utf-8")


def test_every_example_stack_has_a_golden_preview():
    stack_files = {path.stem.split(".", 1)[1] for path in REPO.glob("Pulumi.*.yaml")}
    assert stack_files | {"legacy"} == set(STACKS)
    assert {path.stem for path in GOLDEN.glob("*.json")} == set(STACKS)


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_the_json_preview_is_the_golden_one(stack, tmp_path):
    golden = (GOLDEN / f"{stack}.json").read_text(encoding="utf-8")
    assert json_preview(stack, tmp_path) == golden


if __name__ == "__main__":  # write them anew
    for name in STACKS:
        json_preview(name, GOLDEN)
    sys.exit(0)
