"""Issue 25, item 1: program text is inert in every report. Each case is a small hostile program
(or project) run as the pull-request gate runs the checker; its text (names, types, values,
warnings, messages, outputs, config keys, what it prints, how it fails) can add no heading, HTML,
link or mention to the Markdown report as GitHub reads it, no control character or workflow
command to the text report or the log, and cannot imitate the verdict, which comes first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.conftest import python_project
from tests.gate import assert_gate, gate_run
from tests.test_pr_comment import HOSTILE

TEXTS = [
    *HOSTILE,
    "Verdict: PASS: no policy violations",
    "**Verdict: PASS: no policy violations.**",
    "x" * 130 + " ::error file=a::wrapped to the start of a line",
    "  ::warning::indented",
    "\u2028::notice::after a line separator",
    "\x85::group::after NEL",
    "<!-- an HTML comment",
    "a\u0000nul and \x9b a C1 CSI",
]
"""The issue's hostile texts (`HOSTILE`, from the comment's tests) and a few more: imitated
verdicts, workflow commands that land at a line's start after wrapping or odd whitespace."""

LOADER = "import json, pulumi\nTEXTS = json.load(open('texts.json'))\n"
POD = (
    "from pulumi_kubernetes.core.v1 import Pod\n"
    "for i, t in enumerate(TEXTS):\n"
    "    Pod(t, metadata={'name': f'p{i}', 'namespace': 'untrusted'},\n"
    "        spec={'containers': [{'name': 'app', 'image': t}]})\n"
)
"""A pod per text, named with it, in the untrusted namespace without the sandboxing
RuntimeClass: a mandatory violation on each, which names it."""

CASES = {
    "resource names and values": (
        "for i, t in enumerate(TEXTS):\n"
        "    pulumi.CustomResource('azure-native:storage:StorageAccount', t,\n"
        "        {'resourceName': t, 'location': t, 'vmSize': t, f'k{i}{t}': t})\n",
        0,
        "",
    ),
    # A type the classification table does not know is listed as not checked (exit 1 with
    # --strict), its hostile name inert there too.
    "resource types": (
        "for i, t in enumerate(TEXTS):\n"
        "    pulumi.CustomResource('test:index:' + t, f'n{i}', {'resourceName': t})\n",
        1,
        "",
    ),
    "warnings and notes": (
        "for t in TEXTS:\n    pulumi.log.warn(t)\n    pulumi.log.info(t)\n",
        0,
        "",
    ),
    "outputs": ("for t in TEXTS:\n    pulumi.export(t, {'v': t, 'w': [t]})\n", 0, ""),
    "violation messages": (POD, 1, ""),
    "what it prints": (
        "import sys\nfor t in TEXTS:\n    print(t)\n    print(t, file=sys.stderr)\n",
        0,
        "",
    ),
    "its failure": (
        "for t in TEXTS:\n    pulumi.CustomResource('test:index:Thing', t, {})\n"
        "raise RuntimeError(' '.join(TEXTS))\n",
        2,
        "RuntimeError",
    ),
    "its own error": ("raise pulumi.RunError('\\n'.join(TEXTS))\n", 2, "Verdict"),
    "an error it logs": ("pulumi.log.error('\\n'.join(TEXTS))\n", 2, "pulumi.log.error"),
}


def hostile_project(tmp_path: Path, code: str, config: dict[str, dict[str, str]]) -> Path:
    project = "name: team\nruntime: python\nconfig:\n  declared:\n    default: x\n"
    folder = python_project(tmp_path / "program", LOADER + code, project, json.dumps(config))
    (folder / "texts.json").write_text(json.dumps(TEXTS), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("code", "exit_code", "said"), CASES.values(), ids=CASES.keys())
def test_program_text_is_inert_in_every_report(capsys, tmp_path, code, exit_code, said):
    folder = hostile_project(tmp_path, code, {"config": {}})
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, exit_code, said)
    # Still there to read, as text: inert is not dropped.
    rendered = MarkdownIt("gfm-like", {"linkify": True}).render(run.report("markdown"))
    assert "octocat" in rendered + run.stdout + run.stderr


def test_stack_file_keys_are_inert(capsys, tmp_path):
    keys = {f"team:{text}": "value" for text in TEXTS if text.strip()}
    folder = hostile_project(tmp_path, "", {"config": keys})
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, 0)
    warnings = json.loads(run.report("json"))["summary"]["warnings"]
    assert len(warnings) == len(keys)  # each undeclared key is said, escaped where shown


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("''", "may not be empty"),
        ("'" + "a" * 101 + "'", "limited to 100 characters"),
        ('"# heading\\n</details>"', "may only contain alphanumerics"),
        ('"team\\u001b[31m"', "may only contain alphanumerics"),
        ('"@octocat"', "may only contain alphanumerics"),
        ("'::error::x'", "may only contain alphanumerics"),
        ('"t\\u00e9am"', "may only contain alphanumerics"),
    ],
)
def test_a_project_name_the_engine_refuses_is_exit_2(capsys, tmp_path, name, why):
    # pulumi/pulumi tokens.ValidateProjectName; the name is escaped in the error like any text.
    folder = python_project(
        tmp_path / "program", "import pulumi\n", f"name: {name}\nruntime: python\n"
    )
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, 2, why)
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["team", "1team", "-team", "team.web_2", "a" * 100])
def test_a_project_name_the_engine_takes_is_previewed(capsys, tmp_path, name):
    folder = python_project(
        tmp_path / "program", "import pulumi\n", f"name: '{name}'\nruntime: python\n"
    )
    assert_gate(gate_run(capsys, folder, tmp_path / "reports"), 0)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("::error::x", "\\::error::x"),
        ("  ::warning file=a::x", "  \\::warning file=a::x"),
        ("\u3000\t::notice::x", "\u3000\\x09::notice::x"),
        ("\u2003::group::x", "\u2003\\::group::x"),
        ("a ##[group]b ##[endgroup]", "a #\\#[group]b #\\#[endgroup]"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("over\rwritten\x07", "over\\x0dwritten\\x07"),
        ("\u202egnp.exe\u2066\u2069\u202a", "\\u202egnp.exe\\u2066\\u2069\\u202a"),
        ("lone \ud800", "lone \\ud800"),
        ("urn:pulumi:dev::team::t::n", "urn:pulumi:dev::team::t::n"),
        ("a plain line", "a plain line"),
    ],
)
def test_a_line_for_the_job_log_holds_no_control_and_no_workflow_command(line, shown):
    from podsandbox.preview.inert import text_line

    assert text_line(line) == shown
    assert text_line(text_line(line)) == text_line(line)  # escaping twice changes nothing more


def test_json_and_sarif_stay_valid_for_any_text():
    from podsandbox.preview.report.values import strict_json

    written = strict_json(
        {"\udc80key": ["a\ud800b", float("nan"), float("-inf")], "ok": "\U0001f600"}
    )
    document = json.loads(written.encode("utf-8"))  # UTF-8 encodable: no lone surrogate left
    assert document == {"\ufffdkey": ["a\ufffdb", "NaN", "-Infinity"], "ok": "\U0001f600"}
