"""The JSON previews of the example stacks and the legacy stack, as a user gets them: a change to
any of them is a decision (a re-cut of the code changes none).

`tests/snapshots/previews/` keeps them; after a deliberate change, write them anew with
`.venv/bin/python -m tests.test_golden_previews` and say in the commit why they changed.
"""

from __future__ import annotations

import re
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


CONFINEMENT = re.compile(r'^  "confinement": "[^"]*",$', re.MULTILINE)
MACHINE_CONFINEMENT = '  "confinement": "<this machine\'s>",'
"""The confinement line names what this machine's kernel and user allow (e.g. the Landlock ABI),
so the goldens hold a placeholder for it; `tests/test_confinement.py` checks the line itself."""


def json_preview(stack: str, folder: Path) -> str:
    out = folder / f"{stack}.json"
    main(["preview", *STACKS[stack], "--format", "json", "--output", str(out)])
    text = out.read_text(encoding="utf-8")
    assert len(CONFINEMENT.findall(text)) == 1, "the report names its confinement once"
    return CONFINEMENT.sub(MACHINE_CONFINEMENT, text)


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
        (GOLDEN / f"{name}.json").write_text(json_preview(name, GOLDEN), encoding="utf-8")
    sys.exit(0)
