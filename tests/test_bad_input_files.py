"""Project and stack files from a pull request: every malformed or hostile one is an exit-2
error with one clear line on stderr, never a traceback, a hang or a silently different config."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from podsandbox.cli import main
from tests.conftest import python_project

PROJECT = "name: team\nruntime: python\nconfig:\n  size: {type: string, default: small}\n"
PROGRAM = "import pulumi\npulumi.export('size', pulumi.Config().get('size'))\n"
STACK = "config:\n  team:size: large\n"


def project(tmp_path: Path) -> Path:
    return python_project(tmp_path / "team", PROGRAM, PROJECT, STACK)


def preview(capsys: pytest.CaptureFixture[str], folder: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["preview", "--program", str(folder), "--format", "json", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def alias_bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ", ".join(f"*{previous}" for _ in range(10)) + "]")
    return "config:\n  team:size:\n" + "".join(f"    {line}\n" for line in lines)


def write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)

    return change


def make_directory(name: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()

    return change


BAD_FILES = [
    pytest.param(write("Pulumi.yaml", b"name: t\xe9am\nruntime: python\n"),
                 "Pulumi.yaml is not UTF-8 text (byte 7", id="project not UTF-8"),
    pytest.param(write("Pulumi.dev.yaml", b"config:\n  team:size: \xff\xfe\n"),
                 "Pulumi.dev.yaml is not UTF-8 text", id="stack not UTF-8"),
    pytest.param(make_directory("Pulumi.yaml"), "Pulumi.yaml is a directory, not a file",
                 id="project is a directory"),
    pytest.param(make_directory("Pulumi.dev.yaml"), "Pulumi.dev.yaml is a directory, not a file",
                 id="stack is a directory"),
    pytest.param(write("Pulumi.dev.yaml", "config:\n  team:size: " + nested(100) + "\n"),
                 "nests collections more than 64 levels deep", id="nested 100 deep"),
    pytest.param(write("Pulumi.dev.yaml", "config:\n  team:size: " + nested(20000) + "\n"),
                 "nests collections too deeply to read", id="nested 20000 deep"),
    pytest.param(write("Pulumi.yaml", PROJECT + "main: /etc/passwd\n"),
                 "main '/etc/passwd' is an absolute path", id="absolute main"),
    pytest.param(write("Pulumi.yaml", PROJECT + "main: ../elsewhere.py\n"),
                 "main '../elsewhere.py' leads outside the project's directory",
                 id="escaping main"),
    pytest.param(write("Pulumi.dev.yaml", alias_bomb()),
                 "expands to more than 100000 values (aliases)", id="alias bomb"),
    pytest.param(write("Pulumi.dev.yaml", STACK + "  team:size: small\n"),
                 "duplicate key 'team:size' (line 3, column 3)", id="duplicate stack key"),
    pytest.param(write("Pulumi.yaml", PROJECT + "name: other\n"),
                 "duplicate key 'name'", id="duplicate project key"),
    pytest.param(write("Pulumi.dev.yaml", "config:\n  team:size:\n    tiers:\n"
                                          "      - {secure: AAABAQ==}\n"),
                 "team:size.tiers[0] is an encrypted secret", id="nested secure value"),
    pytest.param(write("Pulumi.dev.yaml", "environment:\n  - team/aks\n" + STACK),
                 "imports Pulumi ESC environments", id="ESC environment"),
    pytest.param(write("Pulumi.yaml", PROJECT + "stackConfigDir: ../../stacks\n"),
                 "stackConfigDir '../../stacks' leads outside the project's directory",
                 id="escaping stackConfigDir"),
    pytest.param(write("Pulumi.yaml", "name: team\nruntime: python\nconfig: [size]\n"),
                 "`config:` must be a mapping", id="project config a list"),
    pytest.param(write("Pulumi.dev.yaml", "config:\n  7: large\n"),
                 "config key 7 is not a name", id="config key a number"),
    pytest.param(write("Pulumi.dev.yaml", "config:\n\tteam:size: large\n"),
                 "is not valid YAML: found character '\\t' that cannot start any token (line 2",
                 id="tab in YAML"),
    pytest.param(write("Pulumi.dev.yaml", "- config\n"), "is not a stack file",
                 id="stack a list"),
    pytest.param(write("Pulumi.dev.yaml", "config:\n  team:size: '" + "x" * 1_000_001 + "'\n"),
                 "is larger than 1000000 bytes", id="oversized stack file"),
    pytest.param(write("Pulumi.yaml", PROJECT + "main: 42\n"), "`main:` must be a path",
                 id="main a number"),
]  # fmt: skip


def test_there_are_at_least_15_bad_files():
    assert len(BAD_FILES) >= 15


@pytest.mark.parametrize(("change", "message"), BAD_FILES)
def test_each_bad_file_is_one_clear_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change, message: str
):
    folder = project(tmp_path)
    change(folder)
    code, out, err = preview(capsys, folder)
    assert code == 2
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line.startswith("error: ") and message in line, line
    # A JSON report was asked for: it is written, with the error as its content.
    assert message in json.loads(out)["error"]


def test_the_valid_project_the_table_starts_from_previews(capsys, tmp_path):
    code, out, _ = preview(capsys, project(tmp_path))
    assert code == 0 and json.loads(out)["outputs"] == {"size": "large"}


def test_stack_files_are_read_from_stack_config_dir(capsys, tmp_path):
    folder = project(tmp_path)
    (folder / "stacks").mkdir()
    os.replace(folder / "Pulumi.dev.yaml", folder / "stacks" / "Pulumi.dev.yaml")
    (folder / "Pulumi.yaml").write_text(PROJECT + "stackConfigDir: stacks\n")
    code, out, _ = preview(capsys, folder)
    assert code == 0 and json.loads(out)["outputs"] == {"size": "large"}


def test_non_finite_numbers_keep_the_json_report_valid(capsys, tmp_path):
    folder = project(tmp_path)
    (folder / "__main__.py").write_text(
        "import pulumi\npulumi.export('ratio', float('nan'))\n"
        "pulumi.export('limits', [float('inf'), -float('inf'), 0.5])\n"
    )
    code, out, _ = preview(capsys, folder)
    assert code == 0
    document = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert document["outputs"] == {"ratio": "NaN", "limits": ["Infinity", "-Infinity", 0.5]}
