"""What every diagram of the reports is made of, line by line (issue 29, item 7): the code's own
statements only, program text only inside a label's double quotes and escaped, so that no
directive (`%%`), `click`, `style`, `classDef`, line break or quote can come from it. And the
node test (`tests/mermaid/parse.test.mjs`): mermaid 12 itself parses each diagram under jsdom."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from podsandbox.preview.mermaid_grammar import problem
from podsandbox.preview.report.mermaid import Diagram
from tests.conftest import REPO

NODE_MODULES = REPO / "node_modules"
NODE_TEST = REPO / "tests" / "mermaid" / "parse.test.mjs"


def assert_diagram_shape(text: str) -> None:
    """The diagram's lines are the builder's statements, its labels escaped, within mermaid's
    default `maxTextSize` and `maxEdges` (the grammar the comment's reporter holds reports to)."""
    assert problem(text) is None, problem(text)


def write_diagram(
    folder: Path, name: str, text: str, labels: Mapping[str, str], edges: int
) -> None:
    """A diagram and what it is meant to hold, for the node test."""
    (folder / f"{name}.mmd").write_text(text, encoding="utf-8")
    meant = {"labels": dict(labels), "edges": edges}
    (folder / f"{name}.json").write_text(json.dumps(meant), encoding="utf-8")


def write_built(folder: Path, name: str, diagram: Diagram) -> None:
    write_diagram(folder, name, diagram.text(), diagram.labels, diagram.edges)


def node_test(folder: Path) -> subprocess.CompletedProcess[str]:
    """`node --test` on the diagrams in `folder`. Never skipped: without node or the pinned
    packages (`npm ci`, which `.ci/run` runs first) it fails and says what to run."""
    node = shutil.which("node")
    assert node, "node is not installed: the diagrams are checked with mermaid under node 20"
    assert (NODE_MODULES / "mermaid" / "package.json").is_file(), (
        "node_modules/ has no mermaid: run `npm ci --no-audit --no-fund` in the clone's root "
        "(package-lock.json pins mermaid 12.3.0 and jsdom 26.1.0)"
    )
    return subprocess.run(
        [node, "--test", "--test-reporter=tap", str(NODE_TEST)],
        cwd=REPO,
        env={**os.environ, "MERMAID_DIAGRAMS": str(folder)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
