"""Karpenter's settings table (karpenter/settings.py) is the one place a NodePool setting is
described: the component's inputs, the stack's settings and the NodePool CRD's paths and defaults
are held to it, and each setting's name is spelled in at most three production files."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from podsandbox.components.node_provisioning import (
    SandboxNodeProvisioningArgs,
    node_provisioning_args,
)
from podsandbox.karpenter import node_pool
from podsandbox.karpenter.settings import KARPENTER_SETTINGS, setting_findings
from podsandbox.stack import SETTINGS_BY_KEY, load_settings
from tests.conftest import REPO
from tests.crd_schema import NODE_POOL_CRD, refusals, schema_of
from tests.test_pool_settings_table import PRODUCTION, code_without_comments_and_docstrings, spelled
from tests.test_pool_settings_table import docstrings as field_docstrings

NOT_SETTINGS = ("name", "cluster_kubernetes_version")
"""The component's inputs that are not NodePool settings: the objects' name, and the version."""


def test_the_components_inputs_are_the_tables_rows():
    declared = [k for k in SandboxNodeProvisioningArgs.__annotations__ if k not in NOT_SETTINGS]
    assert declared == [setting.field for setting in KARPENTER_SETTINGS]
    documented = field_docstrings(SandboxNodeProvisioningArgs)
    assert {s.field: documented[s.field] for s in KARPENTER_SETTINGS} == {
        s.field: s.description for s in KARPENTER_SETTINGS
    }


def test_the_stack_settings_come_from_the_table():
    for setting in KARPENTER_SETTINGS:
        declared = SETTINGS_BY_KEY[setting.config_key]
        assert (declared.type, declared.default, declared.description) == (
            "string", setting.default, setting.config_description,
        )  # fmt: skip


def crd_default(path: str) -> Any:
    """The NodePool CRD's default of the property at `path` (spec.limits.cpu: the map's values):
    its own, or the one its parent's default object gives it; "" when none."""
    schema, inherited = schema_of(NODE_POOL_CRD), None
    for key in path.split("."):
        properties = schema.get("properties", {})
        parent_default = schema.get("default")
        schema = properties[key] if key in properties else schema["additionalProperties"]
        inherited = parent_default.get(key) if isinstance(parent_default, dict) else None
    return schema.get("default", inherited if inherited is not None else "")


@pytest.mark.parametrize("setting", KARPENTER_SETTINGS, ids=lambda s: s.name)
def test_each_path_and_default_is_the_crds(setting):
    assert crd_default(setting.path) == setting.default
    manifest = node_pool.node_pool_manifest("p", "c", {setting.name: setting.example})
    here: Any = manifest
    for key in setting.path.split("."):
        here = here[key]
    assert here == setting.example
    assert refusals(NODE_POOL_CRD, manifest) == []


@pytest.mark.parametrize("setting", KARPENTER_SETTINGS, ids=lambda s: s.name)
def test_each_example_is_valid_and_the_stack_hands_it_to_the_component(setting):
    assert setting_findings({setting.name: setting.example}) == []
    existing = {"mode": "existing-cluster", "karpenter": "true"}
    read = load_settings({**existing, setting.config_key: setting.example})
    assert read.karpenter is not None
    args = node_provisioning_args("kata", read.karpenter.values)
    assert typing.cast(dict[str, Any], args)[setting.field] == setting.example


@pytest.mark.reads_source
@pytest.mark.parametrize("setting", KARPENTER_SETTINGS, ids=lambda s: s.name)
def test_a_setting_is_spelled_in_at_most_three_production_files(setting):
    # cpuLimit and memoryLimit are also the demo pods' (demoCpuLimit): counted by their stack key.
    shared = setting.name in ("cpuLimit", "memoryLimit")
    names = (setting.config_key,) if shared else (setting.config_key, setting.name)
    found = [
        path.relative_to(REPO).as_posix()
        for path in PRODUCTION
        if any(spelled(name).search(code_without_comments_and_docstrings(path)) for name in names)
    ]
    assert len(found) <= 3, found
