"""Sizes a reader can hold: no production module over `MAX_MODULE_LINES`, no function over
`MAX_FUNCTION_LINES`, except the listed ones, each with its reason (and the list stays true)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
PRODUCTION = sorted(
    [*(REPO / "podsandbox").rglob("*.py"), REPO / "__main__.py", REPO / "config.py"]
)
"""Every production module: the package, the program's entry point and its settings reader."""

LONG_FUNCTIONS: dict[str, str] = {}
"""`path::function` -> why it may be longer (argparse tables and resource literals only)."""


def functions(path: Path) -> dict[str, int]:
    """Each function (methods as `Class.method`, nested ones by their outer path) and its lines."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    found[name] = (child.end_lineno or child.lineno) - child.lineno + 1
                visit(child, name + ".")

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def label(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


@pytest.mark.reads_source
@pytest.mark.parametrize("path", PRODUCTION, ids=label)
def test_no_module_is_longer_than_a_reader_can_hold(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{label(path)} has {lines} lines: split it by meaning"


@pytest.mark.reads_source
def test_no_function_is_longer_than_a_screen_unless_listed():
    long = {
        f"{label(path)}::{name}": size
        for path in PRODUCTION
        for name, size in functions(path).items()
        if size > MAX_FUNCTION_LINES
    }
    assert set(long) == set(LONG_FUNCTIONS), long


def test_the_scan_sees_methods_and_nested_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("class A:\n    def b(self):\n        def c():\n            pass\n")
    assert functions(module) == {"A.b": 3, "A.b.c": 2}
