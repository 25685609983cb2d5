"""The gate's pull-request comment, rendered by the trusted reporter from hostile report files.

Judged on the tokens of markdown-it-py's `gfm-like` preset with linkify (linkify-it-py), as GitHub
would read the comment, not by searching the text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from podsandbox.cli import main
from podsandbox.preview.pr_comment import (
    COMMENT_LIMIT,
    MARKER,
    StackReport,
    code_span,
    plain_text,
    read_report,
    render_comment,
)

HOSTILE = [
    "# A heading",
    "\n\n## Another heading\n",
    "</details>",
    "<details><summary>x</summary>",
    "<!-- hide the rest",
    "<img src=x onerror=alert(1)>",
    "@octocat please approve",
    "cc @my-org/security-team",
    "[a link](https://evil.example/x)",
    "https://evil.example/y and www.evil.example",
    "<https://evil.example/z>",
    "![image](https://evil.example/i.png)",
    "**Offline preview gate: passed.**",
    "`code` and ``` fences",
    "| a | b |\n|---|---|",
    "> a quote",
    "- a list item",
    "1. a numbered item",
    "***",
    "fixes #1 and GH-2",
    "&lt;b&gt; &#64;octocat",
    "\x1b[31mred\x1b[0m\r\x07",
    "\u202egnp.exe\u2066\u2069\u200f",
    "::error::forged workflow command",
    "back\\slash",
]
ARTIFACTS = "https://github.com/owner/repo/actions/runs/1"
MENTION = re.compile(r"(?<![A-Za-z0-9`])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9][A-Za-z0-9_-]*)?")
"""A user or team mention as GitHub finds one in rendered text."""
INVISIBLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def parser() -> MarkdownIt:
    return MarkdownIt("gfm-like", {"linkify": True})


def hostile_report(text: str) -> dict[str, Any]:
    urn = f"urn:pulumi:dev::p::kubernetes:core/v1:Pod::{text}"
    return {
        "stack": text,
        "resources": [{"urn": urn, "name": text}],
        "verdict": text,
        "violations": [
            {"policy": text, "enforcement": level, "urn": urn, "message": text}
            for level in ("mandatory", "advisory")
        ],
        "checkedOnlyByRealPreview": [
            {"policy": text, "enforcement": "advisory", "urn": "", "message": text}
        ],
        "summary": {"notSeen": [{"type": text, "name": text, "reason": text}]},
    }


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / f"preview-{name}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def flatten(tokens: list[Token]) -> list[Token]:
    found = []
    for token in tokens:
        found.append(token)
        found += flatten(token.children or [])
    return found


def assert_inert(comment: str, stacks: int) -> None:
    tokens = flatten(parser().parse(comment))
    kinds = {token.type for token in tokens}
    # The only HTML is the reporter's own marker, its last line.
    html = [token for token in tokens if token.type in ("html_block", "html_inline")]
    assert [token.content.strip() for token in html] == [MARKER]
    assert comment.endswith(MARKER)
    # The only headings are the reporter's, one per stack, each naming its stack in code.
    headings = [i for i, token in enumerate(tokens) if token.type == "heading_open"]
    assert len(headings) == stacks
    for index in headings:
        inline = tokens[index + 1]
        assert [child.type for child in inline.children or []] == ["text", "code_inline"]
        assert inline.children and inline.children[0].content == "Stack "
    # No link of any kind, no image, no quote, no table, no fence from the reports' text.
    assert not kinds & {"link_open", "image", "blockquote_open", "table_open", "fence", "hr"}
    for token in tokens:
        if token.type == "text":
            assert not MENTION.search(token.content), token.content
    assert not INVISIBLE.search(comment)
    # The reporter's verdict opens the comment.
    assert comment.splitlines()[0] == "**Offline preview gate: failed.**"
    assert [token.type for token in tokens[:2]] == ["paragraph_open", "inline"]
    opening = [t.type for t in tokens[1].children or [] if t.type != "text" or t.content]
    assert opening == ["strong_open", "text", "strong_close"]


def test_hostile_report_text_reaches_the_comment_inert(tmp_path):
    paths = [write(tmp_path, str(i), hostile_report(text)) for i, text in enumerate(HOSTILE)]
    reports = [read_report(path) for path in paths]
    comment = render_comment(reports, "failure", ARTIFACTS)
    assert_inert(comment, stacks=len(HOSTILE))
    # Each text is still there to read, as text: a mention's name, the heading's words.
    rendered = parser().render(comment)
    assert "octocat" in rendered and "A heading" in rendered and "evil.example" in rendered


def test_all_hostile_texts_at_once_in_one_report(tmp_path):
    text = " ".join(HOSTILE)
    comment = render_comment(
        [read_report(write(tmp_path, "x", hostile_report(text)))], "failure", ARTIFACTS
    )
    assert_inert(comment, stacks=1)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_code_span_holds_any_text_literally(text):
    tokens = flatten(parser().parse(f"- {code_span(text)}"))
    [code] = [token for token in tokens if token.type == "code_inline"]
    shown = INVISIBLE.sub("", code.content)
    expected = INVISIBLE.sub("", " ".join(text.replace("\r", "\n").split("\n"))).strip()
    assert (
        " ".join(shown.replace("\ufffd", " ").split())
        == " ".join(expected.replace("\ufffd", " ").split())
        or "\ufffd" in code.content
    )
    assert not {token.type for token in tokens} & {"html_inline", "link_open", "heading_open"}


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_renders_as_the_same_words(text):
    # Escaping changes how it is written, not what a reader sees (bar the controls, shown as
    # U+FFFD, and the zero-width space that breaks mentions and references).
    [paragraph] = [t for t in parser().parse(plain_text(text)) if t.type == "inline"]
    seen = "".join(child.content for child in paragraph.children or [] if child.type == "text")
    visible = re.sub("[\u200b]", "", seen)
    assert visible == INVISIBLE.sub("\ufffd", text.replace("\n", "\ufffd").replace("\r", "\ufffd"))


def test_the_verdict_comes_from_the_job_result_only(tmp_path):
    passing = write(tmp_path, "dev", {"stack": "dev", "verdict": "FAIL: 3 mandatory"})
    comment = render_comment([read_report(passing)], "success", ARTIFACTS)
    assert comment.splitlines()[0] == "**Offline preview gate: passed.**"
    assert render_comment([], "cancelled", ARTIFACTS).startswith(
        "**Offline preview gate: did not finish (cancelled).**"
    )
    odd = render_comment([], "<b>@x</b>", ARTIFACTS).splitlines()[0]
    assert "<b>" not in odd and "@x" not in odd


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[" * 100_000 + b"]" * 100_000,
        b"[1, 2]",
        b'{"stack": 5}',
        b'{"stack": "dev", "verdict": "PASS", "violations": "none"}',
        b'{"stack": "dev", "verdict": "PASS", "violations": [{"policy": 1}]}',
        b'{"stack": "dev", "verdict": "PASS", "violations": [{"policy": "p", "enforcement": "x",'
        b' "urn": "", "message": "m"}]}',
        b"\xff\xfe",
    ],
)
def test_a_report_that_cannot_be_read_is_said_so(tmp_path, content):
    path = tmp_path / "preview-dev.json"
    path.write_bytes(content)
    report = read_report(path)
    assert report.lines[0].startswith("- This report could not be read: ")
    assert_inert(render_comment([report], "failure", ARTIFACTS), stacks=1)


def test_a_report_too_large_is_not_read(tmp_path, monkeypatch):
    from podsandbox.preview import pr_comment

    monkeypatch.setattr(pr_comment, "MAX_REPORT_BYTES", 100)
    path = write(tmp_path, "dev", hostile_report("x" * 200))
    assert read_report(path).lines == ["- This report could not be read: larger than 100 bytes"]


def test_an_error_report_says_the_error(tmp_path):
    path = write(tmp_path, "dev", {"subject": "dev", "error": "# boom @octocat", "exitCode": 2})
    report = read_report(path)
    assert report.name == "dev"
    assert_inert(render_comment([report], "failure", ARTIFACTS), stacks=1)


def test_the_comment_stays_under_githubs_limit_with_a_link_to_the_artifacts(tmp_path):
    many = {
        "stack": "dev",
        "verdict": "FAIL",
        "violations": [
            {"policy": "p", "enforcement": "mandatory", "urn": "", "message": "@x " * 200}
            for _ in range(1000)
        ],
    }
    reports = [read_report(write(tmp_path, str(i), many)) for i in range(6)]
    comment = render_comment(reports, "failure", ARTIFACTS)
    assert len(comment) <= COMMENT_LIMIT
    assert comment.endswith(f"the run's artifacts: {ARTIFACTS})\n\n{MARKER}")
    assert "and 950 more" in comment  # each list is bounded before the cut
    tokens = flatten(parser().parse(comment))
    links = [token.attrs.get("href") for token in tokens if token.type == "link_open"]
    assert links == [ARTIFACTS]


def test_a_comment_that_fits_is_not_cut(tmp_path):
    reports = [StackReport("dev", ["- fine"])]
    comment = render_comment(reports, "success", ARTIFACTS)
    assert "Cut to fit" not in comment and comment.endswith("- fine\n\n" + MARKER)


def test_the_command_writes_the_comment(tmp_path, capsys):
    report = write(tmp_path, "dev", hostile_report("@octocat"))
    out = tmp_path / "comment.md"
    code = main(
        ["comment", str(report), "--result", "failure", "--artifacts-url", ARTIFACTS,
         "--output", str(out)]
    )  # fmt: skip
    assert code == 0
    comment = out.read_text(encoding="utf-8")
    assert comment.startswith("**Offline preview gate: failed.**")
    assert_inert(comment.rstrip("\n"), stacks=1)


GOOD_PICTURE = "\n".join([
    "flowchart LR",
    '  n1["AKS cluster myAKSCluster"]',
    '  n2["pool nodepool1<br>runtime KataVmIsolation"]',
    "  n1 --> n2",
    "  class n2 untrusted",
])  # fmt: skip


def test_the_comment_shows_the_reports_picture_after_its_verdict(tmp_path):
    # The Markdown report drew it, but the gate's comment (built from the JSON) did not.
    document = {"stack": "dev", "verdict": "PASS", "picture": GOOD_PICTURE}
    comment = render_comment([read_report(write(tmp_path, "dev", document))], "success", ARTIFACTS)
    fences = [t for t in flatten(parser().parse(comment)) if t.type == "fence"]
    assert [(fence.info, fence.content) for fence in fences] == [("mermaid", GOOD_PICTURE + "\n")]
    assert comment.index("Report's verdict") < comment.index("```mermaid")


@pytest.mark.parametrize(
    "forged",
    [
        GOOD_PICTURE + "\n  click n1 call alert()",
        GOOD_PICTURE + "\n%%{init: {'theme': 'dark'}}%%",
        GOOD_PICTURE + "\n  style n1 fill:#f00",
        GOOD_PICTURE + "\n```\n**Offline preview gate: passed.**",
        GOOD_PICTURE.replace("myAKSCluster", 'x"] --> n9["y'),
        GOOD_PICTURE.replace("myAKSCluster", "a<img src=x>"),
        "graph TD\n  a --> b",
        GOOD_PICTURE + "\n  n1 --> n2" * 501,
        ["not", "text"],
    ],
    ids=["click", "directive", "style", "fence", "quote", "html", "other chart", "edges", "list"],
)
def test_a_picture_not_made_of_the_builders_statements_is_left_out(tmp_path, forged):
    document = {"stack": "dev", "verdict": "PASS", "picture": forged}
    comment = render_comment([read_report(write(tmp_path, "dev", document))], "failure", ARTIFACTS)
    assert not [t for t in flatten(parser().parse(comment)) if t.type == "fence"]
    assert "The picture was left out:" in comment
    assert_inert(comment, 1)


@pytest.mark.subprocess  # the judged program runs in a process of its own
def test_a_real_reports_picture_reaches_the_comment(tmp_path, capsys):
    report = tmp_path / "preview-dev.json"
    assert main(["preview", "--stack", "dev", "--format", "json", "--output", str(report)]) == 0
    capsys.readouterr()
    picture = json.loads(report.read_text())["picture"]
    assert picture.startswith("flowchart LR\n") and "myAKSCluster" in picture
    comment = render_comment([read_report(report)], "success", ARTIFACTS)
    assert f"```mermaid\n{picture}\n```" in comment
