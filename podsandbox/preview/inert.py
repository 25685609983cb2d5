"""Program text made inert, one function per report format.

The judged program (a fork's pull request included) chooses much of what the reports show: its
project, stack-file keys, resource names and types, values, the warnings it logs, the messages
policies quote, what it prints. None of it may change what a reader sees around it:

- Markdown (`markdown_text`, `markdown_code`): GitHub renders the comment as GFM and then finds
  mentions and references in the rendered text. Program text can open no block (heading, quote,
  list, table row, fence, HTML, comment, `<details>`), no link or image, and mention no one.
- Text (`text_value`, `text_line`): the text report and stderr reach a terminal and the Actions
  job log, where control characters (ESC sequences, CR, BEL, bidirectional controls) change what
  is shown, and where the runner acts on workflow commands: a line whose text after leading
  whitespace starts with `::` (actions/runner `src/Runner.Common/ActionCommand.cs`,
  `TryParseV2`: `message.TrimStart()` then `StartsWith("::")`) or that holds `##[` anywhere
  (`TryParse`: `message.IndexOf("##[")`, which the log viewer also honours).
- JSON and SARIF (`json_value`): valid for any text: a lone surrogate (which no UTF-8 encoder
  writes) becomes U+FFFD, and a non-finite number its name.
- Mermaid (`mermaid_label`): a label's text inside the double quotes of `id["..."]`, in a
  ```mermaid block of the comment. Mermaid's preprocessor finds directives (`%%{...}%%`)
  anywhere in the text and its lexer ends a string at `"`; a line break would end the block's
  line. Program text can end no string, open no directive or comment, start no statement
  (`click`, `style`, `classDef`) and close no fence.

Standard library only: the pull-request comment's reporter (`pr_comment`) uses it too.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Optional

CONTROLS = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ufeff\ud800-\udfff]"
)
"""Control characters (C0, DEL, C1), line and paragraph separators, the bidirectional marks and
controls (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069), the byte order mark, and lone
surrogates: none may reach a report as itself."""

WORKFLOW_COMMAND_V1 = "##["
"""The runner's old command prefix, acted on anywhere in a line (`ActionCommand.TryParse`)."""
WORKFLOW_COMMAND_V2 = "::"
"""The runner's command prefix at the start of a line, after whitespace (`TryParseV2`)."""

_ZERO_WIDTH_SPACE = "\u200b"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
"""ASCII punctuation, which CommonMark lets a backslash make literal."""


def _escaped_control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text_value(text: str) -> str:
    """Program text for the text report and the log: each control character written as a visible
    escape (`\\x1b`, `\\u202e`: nothing moves the cursor, rings, reorders or ends a line), and
    `##[` broken as `#\\#[` so that it is no workflow command."""
    shown = CONTROLS.sub(_escaped_control, text)
    return shown.replace(WORKFLOW_COMMAND_V1, "#\\#[")


def text_line(line: str) -> str:
    """A whole line of the text report or of stderr, made safe for the job log: `text_value`,
    and a line whose text after leading whitespace starts with `::` gets a backslash before it
    (the runner trims .NET whitespace; Python's `str.lstrip` trims at least as much)."""
    line = text_value(line)
    rest = line.lstrip()
    if rest.startswith(WORKFLOW_COMMAND_V2):
        start = len(line) - len(rest)
        line = line[:start] + "\\" + rest
    return line


def text_lines(text: str) -> str:
    """`text_line` on each line of `text` (our own line breaks kept)."""
    return "\n".join(text_line(line) for line in text.split("\n"))


def _visible(text: str, limit: Optional[int]) -> str:
    """`text` on one line: controls shown as U+FFFD, NFC, at most `limit` characters."""
    text = unicodedata.normalize("NFC", CONTROLS.sub("\ufffd", text))
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "\u2026"
    return text


def markdown_text(text: str, limit: Optional[int] = None) -> str:
    """Inert Markdown for `text`, on one line: every ASCII punctuation character escaped (no
    emphasis, link, HTML, entity, table cell or block marker), and `@` and `#` followed by a
    zero-width space (GitHub finds mentions and issue references in rendered text, after escapes
    are gone). Controls show as U+FFFD; `limit` cuts it with an ellipsis."""
    escaped = _PUNCTUATION.sub(r"\\\1", _visible(text, limit))
    return escaped.replace("@", "@" + _ZERO_WIDTH_SPACE).replace("#", "#" + _ZERO_WIDTH_SPACE)


def markdown_code(text: str, limit: Optional[int] = None) -> str:
    """`text` as an inline code span, which GitHub renders literally (no mention, reference or
    link inside code). The fence is one backtick longer than any run of backticks in it. Not for
    table cells: a `|` inside code still splits a GFM table row (use `markdown_text`)."""
    text = _visible(text, limit)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") or not text else text
    return f"{fence}{padded}{fence}"


def markdown_cell_code(text: str, limit: Optional[int] = None) -> str:
    """`markdown_code` for a GFM table cell: each `|` escaped, which the table takes as a pipe
    inside the cell, code spans included (GFM spec, "Tables (extension)")."""
    return markdown_code(text, limit).replace("|", "\\|")


def one_line(text: str, limit: Optional[int] = None) -> str:
    """`text` as the Markdown and Mermaid reports show it: on one line, controls as U+FFFD, NFC,
    at most `limit` characters (what a diagram's label reads once its escapes are decoded)."""
    return _visible(text, limit)


_MERMAID_PLAIN = re.compile(r"[A-Za-z0-9 ._/,()+=@!?*'$^~|\[\]{}-]")
"""Characters a Mermaid label holds as themselves: none ends a string, starts a directive,
comment, entity or markdown string, or is HTML; every other one is written as an entity. Not
`:` either: Mermaid's `encodeEntities` drops the last `;` of any line where `style` or
`classDef` is followed by `:`, non-space text and `#` (mermaid 12.3.0, `utils`), which would
turn a label's entity into plain text."""


def mermaid_label(text: str, limit: Optional[int] = None) -> str:
    """Program text for a Mermaid label, to be put between double quotes (`n1["..."]`): on one
    line (`one_line`), and every character but letters, digits, space and safe punctuation
    written as Mermaid's entity `#<decimal>;` (its docs, "Entity codes to escape characters"):
    quotes, `#`, `%`, `&`, `:`, `;`, `<`, `>`, backticks and all non-ASCII text among them (Mermaid
    turns its own markers for `&`, `&#` and `;` back into them, so those characters would
    otherwise write entities of their own)."""
    shown = one_line(text, limit)
    return "".join(char if _MERMAID_PLAIN.fullmatch(char) else f"#{ord(char)};" for char in shown)


_SURROGATES = re.compile("[\ud800-\udfff]")


def json_value(document: Any) -> Any:
    """`document` as strict JSON can hold it: a non-finite number a program put in a value (NaN,
    infinity) becomes its name as a string, and a lone surrogate in any text or key U+FFFD (JSON
    text is UTF-8, RFC 8259 section 8.1, which has no surrogates). No recursion: values nest up
    to the event stream's bound."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(document, root, 0)]
    while stack:
        value, container, key = stack.pop()
        if isinstance(value, str):
            value = _SURROGATES.sub("\ufffd", value) if not value.isascii() else value
        elif isinstance(value, float) and not math.isfinite(value):
            value = str(value).replace("inf", "Infinity").replace("nan", "NaN")
        elif isinstance(value, dict):
            copy: dict[str, Any] = {}
            for inner_key, inner in value.items():
                shown = json_value(inner_key) if isinstance(inner_key, str) else inner_key
                copy[shown] = None
                stack.append((inner, copy, shown))
            value = copy
        elif isinstance(value, (list, tuple)):
            items: list[Any] = [None] * len(value)
            stack.extend((inner, items, index) for index, inner in enumerate(value))
            value = items
        container[key] = value
    return root[0]
