"""The program's dependency floors exclude the releases that lack a fix the program relies on.

Each row names the first release with the fix and the source that says so; the test fails if the
floor in pyproject.toml would still admit the release before it."""

from __future__ import annotations

import tomllib

import pytest
from packaging.requirements import Requirement

from tests.conftest import REPO

pytestmark = pytest.mark.reads_source

FLOORS = {
    "pulumi-azure-native": (
        "3.17.0",
        "3.18.0",
        "the generic resource (legacy clusters and pools) reads itself back after Create with the "
        "API version it was created with: pulumi-azure-native PR #4692 (fixes #4337), merged "
        "2026-05-03; PyPI's master builds after it are 3.18.0aN, and 3.18.0 (2026-05-09) is the "
        "first release after 3.17.0 (2026-04-22)",
    ),
}
"""Package: (the last release without the fix, the first with it, why)."""


def program_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    parsed = [Requirement(text) for text in project["optional-dependencies"]["program"]]
    return {requirement.name: requirement for requirement in parsed}


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_the_floor_admits_the_fix_and_not_the_release_before_it(package: str):
    without, first_with, why = FLOORS[package]
    specifier = program_requirements()[package].specifier
    assert first_with in specifier, why
    assert without not in specifier, why
