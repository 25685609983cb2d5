"""Issue 25, item 4: every input of `preview` is hostile-safe, as stack files already were. Each
case is a hostile file, folder or command line, run as the pull-request gate runs the checker:
exit 2 with one line that names the input and says why, every report that can be written written
and parsing, no traceback, no hang (a FIFO with no writer or reader waits for ever otherwise)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, python_project
from tests.gate import assert_gate, gate_run, strict_json

PROGRAM = "import pulumi\npulumi.CustomResource('azure-native:storage:StorageAccount', 't', {})\n"


def program(tmp_path: Path) -> Path:
    return python_project(tmp_path / "program", PROGRAM)


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def symlink_loop(path: Path) -> Path:
    (path.parent / "other").symlink_to(path)
    path.symlink_to(path.parent / "other")
    return path


def directory(path: Path) -> Path:
    path.mkdir()
    return path


def written(content: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(content)
        return path

    return make


POLICY_CONFIGS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "not UTF-8": (written(b'{"all": "\xff"}'), "not UTF-8 text (byte 9"),
    "a directory": (directory, "is a directory"),
    "a FIFO": (fifo, "is not a regular file"),
    "a symlink loop": (symlink_loop, "loop of symbolic links"),
    "missing": (lambda path: path, "does not exist"),
    "deep nesting": (written(b'{"all": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"), "nests"),
    "nesting past 64": (written(b'{"a": ' + b"[" * 70 + b"]" * 70 + b"}"), "more than 64 levels"),
    "huge": (written(b'{"all": "' + b"x" * 1_100_000 + b'"}'), "larger than 1000000 bytes"),
    "duplicate keys": (written(b'{"all": "advisory", "all": "disabled"}'), "appears twice"),
    "not an object": (written(b'["all"]'), "expected a JSON object of policy names, not a list"),
    "NaN": (written(b'{"all": NaN}'), "NaN is not a JSON number"),
    "not JSON": (written(b"all: mandatory"), "is not JSON"),
}


@pytest.mark.parametrize(("make", "said"), POLICY_CONFIGS.values(), ids=POLICY_CONFIGS.keys())
def test_a_hostile_policy_config_is_exit_2(capsys, tmp_path, make, said):
    config = make(tmp_path / "policy.json")
    run = gate_run(capsys, program(tmp_path), tmp_path / "reports", "--policy-config", str(config))
    assert_gate(run, 2, said)
    line = run.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: --policy-config {config}: ")
    assert 'e.g. {"all": "mandatory"' in line  # what is allowed, with an example


PROGRAMS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "a symlink loop": (symlink_loop, "a loop of symbolic links?"),
    "a file": (written(PROGRAM.encode()), "is not a directory"),
    "a FIFO": (fifo, "is not a directory"),
    "missing": (lambda path: path, "is not a directory"),
}


@pytest.mark.parametrize(("make", "said"), PROGRAMS.values(), ids=PROGRAMS.keys())
def test_a_hostile_program_path_is_exit_2(capsys, tmp_path, make, said):
    run = gate_run(capsys, make(tmp_path / "program"), tmp_path / "reports")
    assert_gate(run, 2, said)
    assert "--program ./infra" in run.stderr  # an example that works


def test_a_stack_file_that_is_a_fifo_is_refused_not_waited_on(capsys, tmp_path):
    folder = program(tmp_path)
    (folder / "Pulumi.dev.yaml").unlink()
    fifo(folder / "Pulumi.dev.yaml")
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, 2, "is not a regular file")


OUTPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "a directory": (directory, "it is a directory"),
    "a FIFO with no reader": (fifo, "it is a FIFO that no process reads"),
    "a symlink loop": (symlink_loop, "it is a loop of symbolic links"),
    "in a missing folder": (lambda path: path.parent / "missing" / path.name, "its folder"),
}


@pytest.mark.parametrize("output_format", ["json", "markdown"])
@pytest.mark.parametrize(("make", "said"), OUTPUTS.values(), ids=OUTPUTS.keys())
def test_an_output_that_cannot_take_a_report_is_exit_2_and_the_others_are_written(
    capsys, tmp_path, make, said, output_format
):
    target = make(tmp_path / "target")
    run = gate_run(capsys, program(tmp_path), tmp_path / "reports", outputs={output_format: target})
    assert run.exit_code == 2
    assert f"error: cannot write {target}: {said}" in run.stderr
    assert_gate(run, 2, said, missing=[output_format], judged=True)
    assert not target.is_file()


def test_a_regular_output_is_replaced_whole_through_a_temporary_file(capsys, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "preview.json").write_text("x" * 1_000_000)  # an older, longer file
    run = gate_run(capsys, program(tmp_path), reports)
    assert_gate(run, 0)
    assert strict_json(run.report("json"))["stack"] == "dev"
    assert sorted(path.name for path in reports.iterdir()) == sorted(
        ["preview.json", "preview.sarif", "preview.md"]
    )  # no temporary file left


@pytest.mark.subprocess
def test_dev_stdout_still_takes_a_report(tmp_path):
    folder = program(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "podsandbox", "preview", "--program", str(folder),
         "--format", "json", "--output", "/dev/stdout"],
        capture_output=True, timeout=120, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stack"] == "dev"


USAGE = {
    "a bound that is not a number": (["--timeout", "0"], "must be a finite number above 0"),
    "a stack and a stack file": (["--config-file", "x.yaml"], "not allowed with argument"),
    "two reports to stdout": (["--format", "json"], "only one report can go to stdout"),
    "an unknown flag": (["--max-everything", "1"], "unrecognized arguments"),
    "a format that does not exist": (["--format", "html"], "invalid choice"),
}


@pytest.mark.parametrize(("extra", "said"), USAGE.values(), ids=USAGE.keys())
def test_a_usage_error_writes_the_reports_it_can(capsys, tmp_path, extra, said):
    run = gate_run(capsys, program(tmp_path), tmp_path / "reports", *extra)
    assert_gate(run, 2, said)
    assert "bad usage: " in strict_json(run.report("json"))["error"]
