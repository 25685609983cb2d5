"""A stack-settings error read back from its message: each problem with the stack file line of
its key, so that stderr lists them in the file's order and SARIF annotates each at its line.

The program raises the error (`SettingsError.listing`: "3 problems in Pulumi.dev.yaml:" and a
line "  - KEY = VALUE: ..." each); the checker sees only its text. A judged program can forge
such text: the most it gains is annotations on a run that fails anyway (exit 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_HEADER = re.compile(r"^\d+ problems? in \S+:$")
_PROBLEM = re.compile(r"^  - (?P<where>[^\s=(]+)(?: = | \(not set\))")


@dataclass(frozen=True)
class SettingProblem:
    """One problem line of a settings error, and where its key is set."""

    where: str
    """The key as the problem names it: `nodeCount`, `pools[0].vmSize`, `azure-native:location`."""
    text: str
    """The problem, as printed (without the list's "  - ")."""
    line: Optional[int]
    """The stack file line that sets its key, None when the file does not set it."""


def setting_problems(message: str, stack_lines: list[str]) -> list[SettingProblem]:
    """The problems of a settings error in the stack file's order (the keys it does not set
    last, as listed); none when `message` is not a settings error."""
    lines = message.splitlines()
    if not lines or _HEADER.match(lines[0]) is None:
        return []
    keys = _key_lines(stack_lines)
    found = []
    for line in lines[1:]:
        match = _PROBLEM.match(line)
        if match is not None:
            where = match["where"]
            found.append(SettingProblem(where, line[4:], keys.get(_setting_key(where))))
    return sorted(found, key=lambda p: p.line if p.line is not None else len(stack_lines) + 1)


def in_file_order(message: str, stack_lines: list[str]) -> str:
    """The error with its problem lines in the stack file's order (unchanged when it is no
    settings error)."""
    problems = setting_problems(message, stack_lines)
    if not problems:
        return message
    return "\n".join([message.splitlines()[0], *(f"  - {p.text}" for p in problems)])


def _setting_key(where: str) -> str:
    """`pools[0].vmSize` is set by `pools`; a qualified key (`azure-native:location`) is whole."""
    return where if ":" in where else where.split("[", 1)[0].split(".", 1)[0]


_KEY = re.compile(r"^\s+(?P<key>[\w.-]+(?::[\w.-]+)?):")


def _key_lines(stack_lines: list[str]) -> dict[str, int]:
    """The line of each top-level config key (`podsandbox:nodeCount` as nodeCount and as itself)."""
    found: dict[str, int] = {}
    for number, line in enumerate(stack_lines, start=1):
        match = _KEY.match(line)
        if match is not None:
            key = match["key"]
            found.setdefault(key, number)
            found.setdefault(key.split(":", 1)[-1], number)
    return found


def error_lines(message: str, stack_lines: list[str]) -> list[str]:
    """The error as stderr and the text report show it: a settings error's header, then each
    problem on its own indented line in the stack file's order; any other error (program text
    included) one line, so that it cannot lay out lines of its own."""
    problems = setting_problems(message, stack_lines)
    if not problems:
        return [" ".join(message.split())]
    return [message.splitlines()[0], *(f"  - {' '.join(p.text.split())}" for p in problems)]
