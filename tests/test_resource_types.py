"""The classification table is complete: every type the pinned SDKs register has exactly one class.

The SDKs are read as they are installed (constraints.txt pins them, .ci/run installs with it):
each one's `_utilities.register(resource_modules=...)` JSON table in its `__init__.py` lists every
resource class it can register, by type token. A deliberate SDK upgrade that adds a type fails
here until the type has a row.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from podsandbox.pack import resource_types

PER_TYPE_MODULES = {
    "containerservice",
    "resources",
    "kubernetesconfiguration",
    "kubernetes",
    "kubernetesruntime",
    "hybridcontainerservice",
    "networkcloud",
    "extendedlocation",
    "iotoperations",
    "iotoperationsorchestrator",
    "iotoperationsdataprocessor",
    "iotoperationsmq",
    "azurearcdata",
    "devhub",
    "chaos",
    "dataprotection",
    "containerstorage",
    "secretsynccontroller",
    "servicelinker",
    "authorization",
    "blueprint",
    "customproviders",
    "policyinsights",
    "solutions",
    "hybridnetwork",
    "compute",
    "guestconfiguration",
    "redhatopenshift",
    "machinelearningservices",
    "automation",
    "app",
    "web",
    "monitor",
    "security",
}
"""azure-native modules where some type can touch a node pool or a Kubernetes object: each of
their types has its own row (never a module row). The issue names the first three."""

NEVER_IRRELEVANT = re.compile(
    r"^azure-native:(resources:(Deployment|TemplateSpec|AzureCliScript|AzurePowerShellScript)"
    r"|kubernetesconfiguration:(Extension|FluxConfiguration|SourceControlConfiguration)"
    r"|containerservice:(ManagedNamespace|Namespace|FleetManagedNamespace))"
)
"""ARM templates and deployment stacks, template specs, deployment scripts, GitOps and
cluster-extension resources, AKS managed namespaces (issue 27)."""

PYTHON_COMPONENTS = {
    "kubernetes:helm.sh/v3:Chart": "pulumi_kubernetes.helm.v3",
    "kubernetes:yaml:ConfigFile": "pulumi_kubernetes.yaml",
    "kubernetes:yaml:ConfigGroup": "pulumi_kubernetes.yaml",
    "kubernetes:kustomize:Directory": "pulumi_kubernetes.kustomize",
}
"""The Kubernetes SDK's Python-side components (not in its registry: listed by hand, and each
proven to exist below), with the module that registers them."""

CLASSIC = [
    "azure:containerservice/kubernetesCluster:KubernetesCluster",
    "azure:containerservice/kubernetesClusterNodePool:KubernetesClusterNodePool",
]
"""The classic provider's tokens the pack reads."""


def registered(package: str) -> list[str]:
    """Every resource token the installed SDK registers (its `resource_modules` table)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None, f"{package} is not installed"
    source = Path(spec.origin).read_text(encoding="utf-8")
    match = re.search(r'_utilities\.register\(\s*resource_modules="""(.*?)"""', source, re.S)
    assert match is not None, f"{package}: no resource_modules table"
    return [token for module in json.loads(match.group(1)) for token in module["classes"]]


AZURE = registered("pulumi_azure_native")
KUBERNETES = registered("pulumi_kubernetes")


def unclassified(tokens: list[str]) -> list[str]:
    return [token for token in tokens if resource_types.classify(token) is None]


def test_the_registries_are_read_in_full():
    # About 2,300 and 550 tokens (azure-native 3.29, pulumi-kubernetes 4.34): a parse that finds
    # only part of a table would make the next test pass on nothing.
    assert len(AZURE) > 2000 and len(KUBERNETES) > 500
    assert "azure-native:containerservice:AgentPool" in AZURE
    assert "kubernetes:apps/v1:DeploymentPatch" in KUBERNETES


def test_every_registered_type_has_a_class():
    assert unclassified(AZURE + KUBERNETES + CLASSIC + list(PYTHON_COMPONENTS)) == []


def test_an_unclassified_token_fails_the_enumeration():
    # What a newer SDK would add: a module, a type of a per-type module, a Kubernetes kind.
    new = [
        "azure-native:brandnewservice:Thing",
        "azure-native:containerservice:NewPoolKind",
        "kubernetes:apps/v2:Deployment",
    ]
    assert unclassified(new) == new


def test_every_row_is_of_a_registered_type_or_listed_by_hand():
    known = set(AZURE) | set(KUBERNETES) | set(CLASSIC) | set(PYTHON_COMPONENTS)
    modules = {f"azure-native:{token.split(':')[1]}" for token in AZURE}
    extra = {"pulumi:providers:kubernetes", "pulumi:providers:azure-native", "pulumi:pulumi:Stack"}
    packages = {"tls"}
    stale = set(resource_types.table()) - known - modules - extra - packages
    assert stale == set()


def test_modules_that_touch_pools_or_kubernetes_have_a_row_per_type():
    rows = resource_types.table()
    for module in PER_TYPE_MODULES:
        assert f"azure-native:{module}" not in rows, module
    for token in AZURE:
        if token.split(":")[1] in PER_TYPE_MODULES:
            assert token in rows, token
    for token in KUBERNETES:
        assert token in rows, token


def test_module_rows_are_irrelevant_only():
    rows = resource_types.table()
    module_rows = [row for key, row in rows.items() if key.count(":") == 1]
    assert module_rows and all(row.cls == resource_types.IRRELEVANT for row in module_rows)


def test_what_deploys_or_creates_namespaces_is_never_irrelevant():
    found = [token for token in AZURE if NEVER_IRRELEVANT.match(token)]
    assert len(found) >= 15
    for token in found:
        row = resource_types.classify(token)
        assert row is not None and row.cls != resource_types.IRRELEVANT, token


@pytest.mark.parametrize("token", sorted(PYTHON_COMPONENTS))
def test_each_python_side_component_exists(token):
    module = importlib.import_module(PYTHON_COMPONENTS[token])
    source = Path(module.__file__ or "").parent
    assert any(f'"{token}"' in path.read_text(encoding="utf-8") for path in source.glob("*.py"))


def test_every_kubernetes_list_and_patch_has_its_own_row():
    rows = resource_types.table()
    for token in KUBERNETES:
        kind = token.rsplit(":", 1)[1]
        if kind.endswith("List") and kind != "List":
            assert rows[token].cls == resource_types.NOT_JUDGED, token


NATIVE = "azure-native:containerservice"
PARAMETERIZED = "azure-native_containerservice_v20250901:containerservice/v20250901"


@pytest.mark.parametrize(
    ("token", "canonical"),
    [
        (f"{NATIVE}/v20250202preview:AgentPool", f"{NATIVE}:AgentPool"),
        (f"{PARAMETERIZED}:ManagedCluster", f"{NATIVE}:ManagedCluster"),
        (
            "azure-native_network_v1:containerservice:X",
            "azure-native_network_v1:containerservice:X",
        ),
        ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:Deployment"),
    ],
)
def test_explicit_version_tokens_are_classified_as_the_default_module(token, canonical):
    assert resource_types.canonical_token(token) == canonical


def test_the_table_refuses_malformed_rows(tmp_path, monkeypatch):
    bad = tmp_path / "t.tsv"
    for text in (
        "x\tjudgedish\t@r\n",
        "@r\tok\nx\tjudged\t@missing\n",
        "x\tjudged\tr\nx\tjudged\tr\n",
    ):
        bad.write_text(text, encoding="utf-8")
        monkeypatch.setattr(resource_types, "TABLE", bad)
        resource_types.table.cache_clear()
        with pytest.raises(ValueError):
            resource_types.table()
    resource_types.table.cache_clear()
