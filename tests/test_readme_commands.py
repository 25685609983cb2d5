"""Every command the README and the docs/ pages (and the pull-request workflow) print runs as
printed from a fresh clone after the two set-up commands: each `podsandbox`, `benchmarks` and
`tests.mutation` command parses with its own parser, flags included; each `pip install -r` names
a file that exists, and `npm ci` the lock file it installs from; no bare `python` needs an
activated environment. Commands of other tools are listed as not checked.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from benchmarks.run import build_parser as benchmarks_parser
from podsandbox.cli import build_parser, report_targets
from tests.conftest import REPO
from tests.docs import docs_text
from tests.mutation.__main__ import build_parser as mutation_parser

README = (REPO / "README.md").read_text()
DOCS = docs_text()
"""Every page: the commands of docs/ are checked like the README's."""
ENVIRONMENTS = ("venv", ".venv")
"""The two environments the set-up commands create."""
OTHER_TOOLS = frozenset({"pulumi", "az", "kubectl", "cd", "export"})
"""Commands of other tools: they need those tools (and an account); not checked here."""


def fenced_blocks(text: str) -> Iterator[tuple[str, str]]:
    """(language, body) of each fenced block."""
    for match in re.finditer(r"^ *```(\w*)\n(.*?)^ *```", text, re.S | re.M):
        yield match.group(1), match.group(2)


def shell_commands(text: str) -> list[str]:
    """Each command of the `sh` and `console` blocks: continuation lines joined, `&&` split."""
    found = []
    for language, body in fenced_blocks(text):
        if language not in ("sh", "console"):
            continue
        lines = body.replace("\\\n", " ").splitlines()
        if language == "console":
            lines = [line[2:] for line in lines if line.startswith("$ ")]
        for line in lines:
            words = shlex.split(line, comments=True)
            command: list[str] = []
            for word in [*words, "&&"]:
                if word == "&&":
                    if command:
                        found.append(shlex.join(command))
                    command = []
                else:
                    command.append(word)
    return found


def parses(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """`argv` parses (argparse exits with 2 on a bad flag)."""
    try:
        parser.parse_args(argv)
    except SystemExit as stopped:
        pytest.fail(f"{parser.prog} {shlex.join(argv)}: exit {stopped.code}")


def check(command: str) -> str:
    """Check one command; returns how ("parsed", "file", "not checked here")."""
    argv = shlex.split(command)
    exe, args = argv[0], argv[1:]
    folder, _, program = exe.rpartition("/bin/")
    if exe in OTHER_TOOLS:
        return "not checked here"
    if exe == "npm":  # the diagram test's pinned mermaid and jsdom (issue 29, item 7)
        assert args == ["ci", "--no-audit", "--no-fund"], command
        assert (REPO / "package-lock.json").is_file(), f"{command}: no package-lock.json"
        return "file"
    assert folder in ENVIRONMENTS or exe == "python3", (
        f"{command!r}: run it with an environment's own path (venv/bin/... or .venv/bin/...), "
        "not a bare interpreter that needs an activated environment"
    )
    if exe == "python3":
        assert args[:2] == ["-m", "venv"] and args[2] in ENVIRONMENTS, command
        return "parsed"
    if program == "podsandbox":
        parses(build_parser(), args)
        return "parsed"
    if program == "pip":
        return _pip(command, args)
    assert program == "python" and args[0] == "-m", command
    module, rest = args[1], args[2:]
    if module == "podsandbox":
        parses(build_parser(), rest)
    elif module == "benchmarks":
        parses(benchmarks_parser(), rest)
    elif module == "tests.mutation":
        parses(mutation_parser(), rest)
    elif module == "pytest":
        assert rest == [], command
    else:
        assert importlib.util.find_spec(module) is not None, f"{command}: no module {module}"
    return "parsed"


def _pip(command: str, args: list[str]) -> str:
    """`pip install -r FILE` (the file exists), `pip wheel --no-deps -w DIR SOURCE`, or `pip
    install` of this package with the `program` extra, from a clone, a wheel this version builds
    or git pinned to a commit (a requirement pip parses)."""
    if args[:2] == ["install", "-r"]:
        assert (REPO / args[2]).is_file(), f"{command}: {args[2]} does not exist"
        return "file"
    if args[0] == "wheel":
        assert args[1:4] == ["--no-deps", "-w", "dist"] and len(args) == 5, command
        return "parsed"
    assert args[0] == "install" and len(args) == 2, command
    target = args[1]
    if " @ " in target:
        requirement = Requirement(target)
        assert (requirement.name, requirement.extras) == ("podsandbox", {"program"}), command
        assert requirement.url and requirement.url.startswith("git+https://"), command
        return "parsed"
    assert target.endswith("[program]"), command
    if target.startswith("dist/"):
        assert target == f"dist/podsandbox-{VERSION}-py3-none-any.whl[program]", command
    return "parsed"


VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
COMMANDS = shell_commands(DOCS)


def test_the_readme_has_the_commands_a_newcomer_runs():
    assert any(c.startswith("venv/bin/pip install -r requirements.txt") for c in COMMANDS)
    assert any(c.startswith("venv/bin/podsandbox preview --stack dev") for c in COMMANDS)
    assert any(c.startswith(".venv/bin/python -m pytest") for c in COMMANDS)
    assert any(c.startswith(".venv/bin/python -m benchmarks") for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_readme_command_runs_as_printed(command):
    check(command)


def test_other_tools_commands_are_the_only_ones_not_checked():
    unchecked = {shlex.split(c)[0] for c in COMMANDS if check(c) == "not checked here"}
    assert unchecked <= OTHER_TOOLS and {"pulumi", "az", "kubectl"} <= unchecked


def test_a_bare_python_command_is_refused():
    with pytest.raises(AssertionError, match="environment's own path"):
        check("python -m podsandbox preview --stack dev")
    with pytest.raises(pytest.fail.Exception):
        check("venv/bin/podsandbox preview --no-such-flag")


def usage_lines() -> dict[str, str]:
    """The usage block: each `venv/bin/podsandbox COMMAND ...` with its continuation lines."""
    [body] = [
        b for lang, b in fenced_blocks(README) if lang == "text" and b.startswith("venv/bin/")
    ]
    usages: dict[str, str] = {}
    command = ""
    for line in body.splitlines():
        if line.startswith("venv/bin/podsandbox "):
            command = line.split()[1]
            usages[command] = line
        else:
            usages[command] += " " + line.strip()
    return usages


def parser_flags(command: str) -> set[str]:
    subcommands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    parser = subcommands.choices[command]
    return {
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


@pytest.mark.parametrize("command", ["preview", "vm-size", "policy", "comment", "verify", "audit"])
def test_each_usage_line_lists_exactly_its_commands_flags(command):
    usage = usage_lines()[command]
    assert set(re.findall(r"--[a-z-]+", usage)) == parser_flags(command), usage


def workflow_commands() -> list[str]:
    """The `podsandbox` commands the workflows run."""
    found = []
    for path in (REPO / ".github" / "workflows").glob("*.yml"):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job.get("steps", []):
                script = step.get("run", "").replace("\\\n", " ")
                found += [
                    line for line in script.splitlines() if re.search(r'bin/podsandbox"? ', line)
                ]
    return found


def test_the_workflows_podsandbox_commands_parse():
    commands = {}
    for line in workflow_commands():
        argv = shlex.split(line.replace('"$STACK"', "dev").split("||")[0])
        assert argv[0].endswith("-venv/bin/podsandbox"), line  # the checker's own environment
        args = build_parser().parse_args(argv[1:])
        commands[args.command] = args
    assert sorted(commands) == ["comment", "preview"]
    preview = commands["preview"]
    assert preview.program == Path("program") and preview.strict
    targets = report_targets(preview.reports)
    assert [fmt for fmt, _ in targets] == ["json", "sarif"]
    assert all(isinstance(file, Path) for _, file in targets)
