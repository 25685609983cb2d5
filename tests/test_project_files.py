"""Pulumi.yaml and the stack files match the CLI's schema and the program's declarations."""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from podsandbox.stack import PROJECT, SETTINGS, load_settings, unqualified
from podsandbox.stack.files import config_string
from tests.conftest import REPO, shared_file
from tests.docs import docs_text

STACK_FILES = sorted(REPO.glob("Pulumi.*.yaml"))


@functools.cache
def _parsed(path: Path) -> Any:
    """A YAML file, parsed once per process and with PyYAML's C loader where it has one: the
    pure-Python loader takes 80 ms for Pulumi.yaml, and the mutation check runs these tests for
    hundreds of mutants."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def project_document() -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(_parsed(REPO / "Pulumi.yaml"))
    return document


def test_project_file_validates_against_the_cli_schema():
    schema = json.loads(shared_file("reference", "pulumi-project.schema.json").read_text())
    jsonschema.validate(project_document(), schema)


def test_schema_check_catches_a_misspelt_declaration_field():
    schema = json.loads(shared_file("reference", "pulumi-project.schema.json").read_text())
    document = project_document()
    document["config"]["mode"]["descripton"] = document["config"]["mode"].pop("description")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_config_types_are_ones_the_cli_supports_and_the_readme_says_since_when():
    # `object` (also as an array's items) since CLI v3.186.0 (pulumi/pulumi PR #20129).
    declared = project_document()["config"].values()
    types = {declaration["type"] for declaration in declared}
    items = {declaration["items"]["type"] for declaration in declared if "items" in declaration}
    assert types <= {"string", "integer", "boolean", "array", "object"}
    assert items <= {"string", "object"}
    if "object" in types | items:
        assert "Pulumi CLI v3.186.0 or later" in docs_text()


def test_project_declares_exactly_the_program_settings():
    document = project_document()
    assert document["name"] == PROJECT
    declared = document["config"]
    assert list(declared) == [setting.key for setting in SETTINGS]
    for setting in SETTINGS:
        assert declared[setting.key] == setting.declaration()
    assert declared["extraPools"]["items"] == {"type": "string"}


def test_python_runtime_options():
    assert project_document()["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": "venv"},
    }


def test_there_are_a_new_and_an_existing_cluster_example():
    modes = {_parsed(path)["config"][f"{PROJECT}:mode"] for path in STACK_FILES}
    assert modes == {"new-cluster", "existing-cluster"}


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda path: path.name)
def test_stack_files_use_declared_qualified_keys_and_valid_values(path):
    config = copy.deepcopy(_parsed(path)["config"])
    declared = {f"{PROJECT}:{setting.key}" for setting in SETTINGS} | {"azure-native:location"}
    assert set(config) <= declared
    settings = load_settings(
        {key: config_string(value) for key, value in unqualified(config).items()},
        config.get("azure-native:location"),
    )
    assert settings.runtime.workload_runtime == "KataVmIsolation"
    assert settings.node_vm_size == "Standard_D4s_v3"
    assert settings.cluster_name == "myAKSCluster"
    assert settings.resource_group_name == "myResourceGroup"


def test_the_config_block_is_what_the_documented_command_writes():
    # .venv/bin/python -m podsandbox.stack.project_file rewrites it from the declarations.
    from podsandbox.stack.project_file import render

    text = (REPO / "Pulumi.yaml").read_text(encoding="utf-8")
    assert render(text) == text
    assert "project_file" in docs_text()


def test_the_readmes_settings_table_has_a_row_for_every_setting():
    # The docs' table is written by hand: it is held to the declarations (a key per row, in the
    # first column; a row may name two keys, e.g. `nodeMinCount`, `nodeMaxCount`).
    readme = docs_text()
    table = readme[readme.index("## Settings") :].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = {key for cell in first_cells for key in re.findall(r"`([A-Za-z]+)`", cell)}
    assert documented == {setting.key for setting in SETTINGS}
