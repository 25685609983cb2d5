"""What every diagram of the reports is made of, line by line (issue 29, item 7): the code's own
statements only, program text only inside a label's double quotes and escaped, so that no
directive (`%%`), `click`, `style`, `classDef`, line break or quote can come from it. And the
node test (`tests/mermaid/parse.test.mjs`): mermaid 12 itself parses each diagram under jsdom."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from podsandbox.preview.report.mermaid import CLASSES, MAX_EDGES, MAX_TEXT_SIZE, Diagram
from tests.conftest import REPO

LABEL = r'"(?:[^"%`<>\n]|<br>)*"'
"""A label as written: no quote, `%`, backtick, angle bracket or line break inside, but our own
`<br>` (checked apart)."""
CLASS_NAMES = "violation|untrusted|guardrail|summary|stopped"
STATEMENTS = re.compile(
    "|".join(
        [
            r"flowchart LR",
            rf"  n\d+\[{LABEL}\]",
            rf"  class n\d+ (?:{CLASS_NAMES})",
            r'  n\d+ (?:-->|-\.->)(?:\|"(?:runs on|guards)"\|)? n\d+',
            *(re.escape(f"  {line}") for line in CLASSES),
        ]
    )
)
"""Every statement the builder writes, and nothing else."""
ENTITY_OR_PLAIN = re.compile(r"(?:#\d+;|[A-Za-z0-9 ._/,()+=@!?*'$^~|\[\]{}-])*")
"""A label's text once our `<br>` is taken out: entities and safe characters only."""

NODE_MODULES = REPO / "node_modules"
NODE_TEST = REPO / "tests" / "mermaid" / "parse.test.mjs"


def assert_diagram_shape(text: str) -> None:
    """The diagram's lines are the builder's statements, its labels escaped, within mermaid's
    default `maxTextSize` and `maxEdges`."""
    assert len(text) <= MAX_TEXT_SIZE, len(text)
    lines = text.split("\n")
    assert lines[0] == "flowchart LR"
    for line in lines:
        assert STATEMENTS.fullmatch(line), line
        if line.endswith('"]'):
            label = line[line.index('["') + 2 : -2]
            assert ENTITY_OR_PLAIN.fullmatch(label.replace("<br>", "")), label
    assert "%%" not in text
    edges = sum(1 for line in lines if "->" in line)
    assert edges <= MAX_EDGES, edges


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
