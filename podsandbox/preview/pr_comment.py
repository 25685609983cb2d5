"""The pull-request comment of the offline-preview gate, written by its trusted reporter job.

The reporter runs the base branch's code and reads the JSON reports the gate's preview job left
as an artifact. That job ran the pull request's program, so every report file is hostile data:
it is read with a size bound, each field is checked for its type, and all of its text reaches the
comment only through `code_span` (names) or `plain_text` (messages), which can open no block
(heading, quote, HTML, comment, `<details>`), no link, and no mention of a user or team. The
comment's first line is the reporter's own verdict, taken from the preview job's result (which
the program cannot set); the whole comment stays under GitHub's limit for a comment's body.
Standard library only (and `inert` and `mermaid_grammar`, which are too): the reporter needs
nothing else. The report's picture is shown only when every line of it is one of the diagram
builder's statements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podsandbox.preview import mermaid_grammar
from podsandbox.preview.inert import markdown_code, markdown_text

MARKER = "<!-- podsandbox-offline-preview -->"
"""The comment's last line: how the reporter finds its own comment again (never another bot's)."""
COMMENT_LIMIT = 65_536
"""GitHub refuses a comment body longer than this many characters."""
MAX_REPORT_BYTES = 4 * 1024 * 1024
"""A report file larger than this is not read (the preview's own reports are far smaller)."""
MAX_ITEMS = 50
"""Items listed per stack and list; the rest are counted."""
MAX_TEXT = 600
"""Characters shown of one message or name; the rest is cut with an ellipsis."""

RESULTS = {
    "success": "passed",
    "failure": "failed",
    "cancelled": "did not finish (cancelled)",
    "skipped": "did not run",
}
"""The preview job's result (`needs.<job>.result`) -> the verdict the comment opens with."""

LEVELS = ("mandatory", "advisory", "remediate")
"""A violation's enforcement levels, in the order the comment lists them."""


def plain_text(text: str) -> str:
    """Inert Markdown for a message (`inert.markdown_text`), at most `MAX_TEXT` characters."""
    return markdown_text(text, MAX_TEXT)


def code_span(text: str) -> str:
    """A name as an inline code span (`inert.markdown_code`), at most `MAX_TEXT` characters."""
    return markdown_code(text, MAX_TEXT)


@dataclass(frozen=True)
class StackReport:
    """What the comment says of one stack, read from one report file."""

    name: str
    lines: list[str]


class _UnreadableError(Exception):
    """The report file is not a report this reporter can read."""


def _text(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str):
        raise _UnreadableError(f"{key!r} is not text")
    return value


def _objects(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _UnreadableError(f"{key!r} is not a list of objects")
    return value


def _listed(items: Sequence[str]) -> list[str]:
    shown = [f"- {item}" for item in items[:MAX_ITEMS]]
    if len(items) > MAX_ITEMS:
        shown.append(f"- and {len(items) - MAX_ITEMS} more (see the report in the artifacts)")
    return shown


def _names(document: dict[str, Any]) -> dict[str, str]:
    """Each resource's name by URN, to say where a violation is."""
    return {
        resource["urn"]: resource["name"]
        for resource in _objects(document, "resources")
        if isinstance(resource.get("urn"), str) and isinstance(resource.get("name"), str)
    }


def _violation(item: dict[str, Any], names: dict[str, str]) -> str:
    where = names.get(_text(item, "urn"), "the stack") if item.get("urn") else "the stack"
    message = plain_text(_text(item, "message"))
    return f"{code_span(_text(item, 'policy'))} on {code_span(where)}: {message}"


def _stack_lines(document: dict[str, Any]) -> list[str]:
    """The lines of one readable report (a preview's, or an error's)."""
    if "error" in document:
        lines = [f"- Error (exit 2): {plain_text(_text(document, 'error'))}"]
        registered = _objects(document, "registered")
        if registered:
            lines.append(f"- Registered before it stopped: {len(registered)} resources")
        return lines
    names = _names(document)
    lines = [f"- Report's verdict: {plain_text(_text(document, 'verdict'))}", *_picture(document)]
    by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
    for item in _objects(document, "violations"):
        level = _text(item, "enforcement")
        if level not in by_level:
            raise _UnreadableError(f"a violation's enforcement is not one of {', '.join(LEVELS)}")
        by_level[level].append(_violation(item, names))
    for level, found in by_level.items():
        if found:
            lines += ["", f"{level.capitalize()} violations ({len(found)}):", ""]
            lines += _listed(found)
    unjudged = _objects(document, "checkedOnlyByRealPreview")
    if unjudged:
        lines += ["", f"Checked only by a real preview ({len(unjudged)}):", ""]
        lines += _listed([_violation(item, names) for item in unjudged])
    summary = document.get("summary", {})
    not_seen = _objects(summary, "notSeen") if isinstance(summary, dict) else []
    if not_seen:
        lines += ["", f"Not checked ({len(not_seen)}):", ""]
        lines += _listed(
            [
                f"{code_span(_text(item, 'type'))} {code_span(_text(item, 'name'))}: "
                f"{plain_text(_text(item, 'reason'))}"
                for item in not_seen
            ]
        )
    return lines


def _picture(document: dict[str, Any]) -> list[str]:
    """The report's picture of what the stack creates, as one item (a cut keeps or drops the
    whole fence), when it is made of the diagram builder's statements only; else why not."""
    picture = document.get("picture")
    if picture is None:
        return []
    why = "not text" if not isinstance(picture, str) else mermaid_grammar.problem(picture)
    if why is not None:
        return [f"- The picture was left out: {plain_text(why)}"]
    return ["", f"```mermaid\n{picture}\n```", ""]


def read_report(path: Path) -> StackReport:
    """One report file, as the comment shows it; a file that cannot be read says why."""
    name = path.name.removeprefix("preview-").removesuffix(".json")
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_REPORT_BYTES + 1)
        if len(raw) > MAX_REPORT_BYTES:
            raise _UnreadableError(f"larger than {MAX_REPORT_BYTES} bytes")
        document = json.loads(raw.decode("utf-8"))
        if not isinstance(document, dict):
            raise _UnreadableError("not a JSON object")
        name = _text(document, "stack" if "stack" in document else "subject")
        return StackReport(name, _stack_lines(document))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, _UnreadableError) as error:
        reason = error if isinstance(error, _UnreadableError) else type(error).__name__
        return StackReport(name, [f"- This report could not be read: {plain_text(str(reason))}"])


def verdict_line(result: str) -> str:
    """The comment's first line: the gate's verdict from the preview job's result."""
    said = RESULTS.get(result, f"unknown ({plain_text(result)})")
    return f"**Offline preview gate: {said}.**"


def render_comment(reports: Sequence[StackReport], result: str, artifacts_url: str) -> str:
    """The whole comment: the verdict, a line on where it comes from, each stack, the marker;
    cut at a line (with a link to the artifacts) to stay under `COMMENT_LIMIT`."""
    head = [
        verdict_line(result),
        "",
        "The verdict above is the gate's: the preview job's exit status, with the checker, its "
        "flags and this workflow taken from the base branch. What follows is read from that "
        "job's reports, which ran beside the pull request's program, and is shown as text.",
    ]
    body: list[str] = []
    for report in reports:
        body += ["", f"#### Stack {code_span(report.name)}", "", *report.lines]
    cut = (
        f"\n\n(Cut to fit a comment: the whole reports are in the run's artifacts: {artifacts_url})"
    )
    tail = f"\n\n{MARKER}"
    text = "\n".join(head + body)
    if len(text) + len(tail) <= COMMENT_LIMIT:
        return text + tail
    room = COMMENT_LIMIT - len(cut) - len(tail)
    kept = "\n".join(head)
    for line in body:
        if len(kept) + 1 + len(line) > room:
            break
        kept += "\n" + line
    return kept + cut + tail
