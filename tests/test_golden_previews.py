"""The JSON previews of the example stacks and the legacy stack, as a user gets them: a change to
any of them is a decision (a re-cut of the code changes none).

`tests/snapshots/previews/` keeps them; after a deliberate change, write them anew with
`.venv/bin/python -m tests.test_golden_previews` and say in the commit why they changed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

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


BECAME_UNKNOWN: dict[str, list[str]] = {stack: [] for stack in STACKS}
"""Issue 27, item 7: the values of each golden preview that became unknown when azure-native
resources' preview outputs began to follow its preview rule (`podsandbox.preview.
provider_outputs`). None did: the SDK already takes an output the engine does not return as
unknown in a preview (pulumi `rpc.resolve_outputs`), and the program reads no output whose
input came back in another shape. A later change that makes values unknown lists them here."""

UNKNOWN = "[unknown]"


def value_changes(old: Any, new: Any, path: str = "") -> list[str]:
    """Where `new` differs from `old`: a value that became unknown as its path, any other change
    as "changed: <path>" (a value, a key added or lost, a list's length)."""
    if old == new:
        return []
    if new == UNKNOWN and not isinstance(old, dict | list):
        return [path]
    if isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys():
        return [c for key in old for c in value_changes(old[key], new[key], f"{path}/{key}")]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            c
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for c in value_changes(a, b, f"{path}/{i}")
        ]
    return [f"changed: {path}"]


@pytest.mark.parametrize(
    ("old", "new", "changes"),
    [
        ({"a": 1}, {"a": 1}, []),
        ({"a": 1}, {"a": UNKNOWN}, ["/a"]),
        ({"a": [1, "x"]}, {"a": [1, UNKNOWN]}, ["/a/1"]),
        ({"a": 1}, {"a": 2}, ["changed: /a"]),
        ({"a": 1}, {"a": 1, "b": 2}, ["changed: "]),
        ({"a": [1]}, {"a": [1, 2]}, ["changed: /a"]),
        ({"a": {"b": 1}}, {"a": UNKNOWN}, ["changed: /a"]),
        ({"a": UNKNOWN}, {"a": 1}, ["changed: /a"]),
        ([{"x": "y"}, 2], [{"x": UNKNOWN}, UNKNOWN], ["/0/x", "/1"]),
    ],
)
def test_value_changes_names_each_change(old, new, changes):
    assert value_changes(old, new) == changes


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_the_json_preview_is_the_golden_one(stack, tmp_path):
    golden = (GOLDEN / f"{stack}.json").read_text(encoding="utf-8")
    preview = json_preview(stack, tmp_path)
    assert value_changes(json.loads(golden), json.loads(preview)) == BECAME_UNKNOWN[stack]
    assert preview == golden


if __name__ == "__main__":  # write them anew
    for name in STACKS:
        (GOLDEN / f"{name}.json").write_text(json_preview(name, GOLDEN), encoding="utf-8")
    sys.exit(0)
