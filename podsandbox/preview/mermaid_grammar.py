"""The statements a diagram of the reports is made of, and nothing else (issue 29, item 7): what
the diagram builder writes (`report/mermaid.py`) and what the pull-request comment accepts from a
report file, which is hostile data (`pr_comment.py`). Program text only inside a label's double
quotes, escaped by `inert.mermaid_label`, so that no directive (`%%`), `click`, `style`,
`classDef`, line break or quote can come from it. Standard library only: the comment's reporter
imports it."""

from __future__ import annotations

import re

MAX_TEXT_SIZE = 50_000
"""Mermaid's default `maxTextSize`: a longer diagram is not drawn."""
MAX_EDGES = 500
"""Mermaid's default `maxEdges`: a diagram with more is not drawn."""
CLASSES = (
    "classDef untrusted fill:#fff4d6,stroke:#8a6d00",
    "classDef guardrail fill:#e6f0ff,stroke:#1f4e9c",
    "classDef summary stroke-dasharray:4 3",
    "classDef stopped fill:#fde2e2,stroke:#b00020,stroke-width:3px",
    "classDef violation fill:#fde2e2,stroke:#b00020,stroke-width:3px,color:#5c0011",
)
"""The diagram's only classes, written by the code and never from program text; `violation`
last, so that it wins over `untrusted` on a namespace that is both."""
CLASS_NAMES = "violation|untrusted|guardrail|summary|stopped"
LABEL = r'"(?:[^"%`<>\n]|<br>)*"'
"""A label as written: no quote, `%`, backtick, angle bracket or line break inside, but the
builder's own `<br>` (its text is checked apart)."""
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
"""Every statement the builder writes."""
ENTITY_OR_PLAIN = re.compile(r"(?:#\d+;|[A-Za-z0-9 ._/,()+=@!?*'$^~|\[\]{}-])*")
"""A label's text once the builder's `<br>` is taken out: entities and safe characters only."""


def problem(text: str) -> str | None:
    """Why `text` is not a diagram the builder could have written, or None when it is one."""
    if len(text) > MAX_TEXT_SIZE:
        return f"longer than mermaid's {MAX_TEXT_SIZE} characters"
    lines = text.split("\n")
    if lines[0] != "flowchart LR":
        return "not a flowchart"
    for number, line in enumerate(lines, start=1):
        if STATEMENTS.fullmatch(line) is None:
            return f"line {number} is not one of the builder's statements"
        if line.endswith('"]'):
            label = line[line.index('["') + 2 : -2]
            if ENTITY_OR_PLAIN.fullmatch(label.replace("<br>", "")) is None:
                return f"line {number} has a label that is not escaped"
    if "%%" in text:
        return "it has a directive"
    if sum(1 for line in lines if "->" in line) > MAX_EDGES:
        return f"more than mermaid's {MAX_EDGES} edges"
    return None
