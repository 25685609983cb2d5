"""What a cluster replacement does to everything else the stack deploys, on the engine's inputs.

The stack replaces its cluster on purpose (an inline-pool or network field AKS cannot change).
Azure then deletes the old cluster's pools and everything inside it. The engine replaces a
dependent only through a property dependency or `deletedWith`, never through `dependsOn` alone
(pulumi/pulumi `pkg/resource/deploy/step_generator.go`, `calculateDependentReplacements`), and
`deletedWith` counts there only from CLI v3.260.0 (pulumi/pulumi#23818). `dependents_replaced`
below is that function over the recorded registrations, with each provider's verdict on an input
that became unknown taken from its source:
- azure-native: every path parameter replaces (`provider/pkg/provider/diff.go`,
  `calculateDetailedDiff`): an AgentPool's `resourceName`; the generic resource is held to its
  `replaceOnChanges`, which the engine applies there too (`applyReplaceOnChanges`);
- pulumi-kubernetes: a provider whose `kubeconfig` is unknown is replaced (`DiffConfig`,
  `provider/pkg/provider/provider.go`), and so is every resource of a replaced provider.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from podsandbox.preview.recorder import run_program
from podsandbox.preview.records import ProgramRun, RegisteredResource
from podsandbox.stack.files import load_stack_config
from tests.conftest import REPO

NEW_CLUSTER_STACKS = [
    REPO / "Pulumi.dev.yaml",
    REPO / "Pulumi.multipool.yaml",
    REPO / "Pulumi.production.yaml",
    REPO / "tests" / "stacks" / "Pulumi.legacy.yaml",
]
EXISTING_CLUSTER_STACKS = [
    REPO / "Pulumi.existing.yaml",
    REPO / "tests" / "stacks" / "Pulumi.existing-multipool.yaml",
]
AGENT_POOL = "azure-native:containerservice:AgentPool"
GENERIC = "azure-native:resources:Resource"
KUBERNETES_PROVIDER = "pulumi:providers:kubernetes"

PATH_PARAMETERS = {AGENT_POOL: {"resourceGroupName", "resourceName", "agentPoolName"}}
"""Inputs whose change replaces a typed azure-native resource (its path parameters)."""
KUBERNETES_PROVIDER_REPLACING = {"kubeconfig", "context", "cluster"}
"""Provider inputs that replace the provider when unknown (pulumi-kubernetes `DiffConfig`)."""


def preview(stack_file: Path) -> ProgramRun:
    config = load_stack_config(REPO, config_file=stack_file)
    return run_program(REPO, config.project, config.stack, config.config)


def the_cluster(run: ProgramRun) -> RegisteredResource:
    [cluster] = [r for r in run.resources if r.name == "sandbox-cluster"]
    return cluster


def replaced_by_unknown(resource: RegisteredResource, unknown: set[str]) -> bool:
    """The provider's Diff, for inputs that became unknown: does it replace the resource?"""
    if resource.type == KUBERNETES_PROVIDER:
        return bool(unknown & KUBERNETES_PROVIDER_REPLACING)
    replacing = PATH_PARAMETERS.get(resource.type, set()) | set(resource.replace_on_changes)
    return bool(unknown & replacing)


def dependents_replaced(run: ProgramRun, root: str, honour_deleted_with: bool) -> set[str]:
    """`calculateDependentReplacements` over the recorded registrations: the URNs the engine
    replaces along with `root` (registrations arrive in an order where dependents come later)."""
    replacing = {root}
    for resource in run.resources:
        if not resource.custom:
            continue  # components are never replaced
        provider_urn = (resource.provider or "").rpartition("::")[0]
        unknown = {
            key for key, urns in resource.property_dependencies.items() if replacing & set(urns)
        }
        if (
            provider_urn in replacing
            or (honour_deleted_with and resource.deleted_with in replacing)
            or replaced_by_unknown(resource, unknown)
        ):
            replacing.add(resource.urn)
    return replacing - {root}


def dies_with_cluster(resource: RegisteredResource) -> bool:
    """What Azure deletes with the cluster: its pools, and every object inside it."""
    is_pool = resource.type == AGENT_POOL or (
        resource.type == GENERIC and resource.inputs.get("resourceType") == "agentPools"
    )
    return is_pool or resource.type.startswith(("kubernetes:", KUBERNETES_PROVIDER))


@pytest.mark.parametrize("stack_file", NEW_CLUSTER_STACKS, ids=lambda path: path.name)
@pytest.mark.parametrize(
    "honour_deleted_with", [False, True], ids=["cli-before-3.260", "cli-3.260"]
)
def test_a_replaced_cluster_replaces_everything_that_dies_with_it(stack_file, honour_deleted_with):
    run = preview(stack_file)
    cluster = the_cluster(run)
    dying = {resource.urn for resource in run.resources if dies_with_cluster(resource)}
    assert len(dying) >= 6  # the provider and the objects, and any extra pools
    assert dependents_replaced(run, cluster.urn, honour_deleted_with) == dying


@pytest.mark.parametrize("stack_file", NEW_CLUSTER_STACKS, ids=lambda path: path.name)
def test_each_pool_takes_its_cluster_name_from_the_cluster_and_dies_with_it(stack_file):
    run = preview(stack_file)
    cluster = the_cluster(run)
    pools = [r for r in run.resources if dies_with_cluster(r) and r.type in (AGENT_POOL, GENERIC)]
    assert pools or stack_file.name == "Pulumi.dev.yaml"
    for pool in pools:
        name_input = "resourceName" if pool.type == AGENT_POOL else "parentResourcePath"
        assert cluster.urn in pool.property_dependencies[name_input], pool.name
        assert pool.deleted_with == cluster.urn, pool.name
        # The value is still the configured name: previews and the pack see the pool's cluster.
        configured = cluster.inputs["resourceName"]
        assert pool.inputs[name_input] in (configured, f"managedClusters/{configured}")
        if pool.type == GENERIC:  # no force-new metadata of its own
            assert "parentResourcePath" in pool.replace_on_changes


@pytest.mark.parametrize("stack_file", NEW_CLUSTER_STACKS, ids=lambda path: path.name)
def test_what_runs_in_the_cluster_names_it_in_deleted_with(stack_file):
    run = preview(stack_file)
    cluster = the_cluster(run)
    [provider] = run.of_type(KUBERNETES_PROVIDER)
    assert cluster.urn in provider.property_dependencies["kubeconfig"]
    on_cluster = [r for r in run.resources if r.type.startswith(("kubernetes:", "pulumi:prov"))]
    assert len(on_cluster) >= 6
    for resource in on_cluster:
        assert resource.deleted_with == cluster.urn, resource.name
        assert run.options(resource)["deletedWith"] == cluster.urn


@pytest.mark.parametrize("stack_file", EXISTING_CLUSTER_STACKS, ids=lambda path: path.name)
def test_nothing_on_an_existing_cluster_is_deleted_with_anything(stack_file):
    run = preview(stack_file)
    assert run.of_type(KUBERNETES_PROVIDER)
    assert [r.name for r in run.resources if r.deleted_with is not None] == []


def test_without_the_cluster_as_a_source_an_old_cli_would_keep_the_pools():
    # The model itself: the registrations as they were before the fix (the cluster's name as a
    # plain string, the kubeconfig's dependency lost with an unknown invoke) keep everything.
    run = preview(REPO / "Pulumi.multipool.yaml")
    cluster = the_cluster(run)
    before = ProgramRun(run.project, run.stack, run.preview)
    for resource in run.resources:
        deps = {k: v for k, v in resource.property_dependencies.items() if cluster.urn not in v}
        before.resources.append(
            RegisteredResource(
                **{
                    **{f: getattr(resource, f) for f in resource.__dataclass_fields__},
                    "property_dependencies": deps,
                }
            )
        )
    assert dependents_replaced(before, cluster.urn, honour_deleted_with=False) == set()
    assert dependents_replaced(before, cluster.urn, honour_deleted_with=True)


def test_the_json_report_gives_deleted_with_and_property_dependencies(tmp_path):
    from podsandbox.cli import main

    out = tmp_path / "report.json"
    assert main(["preview", "--stack", "multipool", "--format", "json", "--output", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    by_name = {resource["name"]: resource for resource in document["resources"]}
    cluster = by_name["sandbox-cluster"]["urn"]
    pool = by_name["sandbox-pool-kata8"]
    assert pool["options"]["deletedWith"] == cluster
    assert pool["propertyDependencies"]["resourceName"] == [cluster]
    assert by_name["sandbox-cluster"]["options"]["deletedWith"] is None
    for resource in document["resources"]:
        assert all(urns == sorted(urns) for urns in resource["propertyDependencies"].values())


def test_a_legacy_resource_replaces_on_what_its_typed_twin_replaces_on():
    # The typed resources replace on their provider's force-new fields and path parameters by
    # themselves; the generic resource the legacy runtime is sent through has no such metadata,
    # so its replaceOnChanges carries them, under `properties.` (pulumi-azure-native
    # `provider/pkg/gen/replacement.go`; `location` is create-only in the ARM spec).
    from podsandbox.rules.aks import AGENT_POOL_FORCE_NEW, MANAGED_CLUSTER_FORCE_NEW

    ga = preview(REPO / "Pulumi.multipool.yaml")
    legacy = preview(REPO / "tests" / "stacks" / "Pulumi.legacy.yaml")

    def under_properties(paths: Sequence[str]) -> set[str]:
        return {f"properties.{path}" for path in paths}

    assert set(the_cluster(legacy).replace_on_changes) == (
        under_properties(the_cluster(ga).replace_on_changes)
        | under_properties(MANAGED_CLUSTER_FORCE_NEW)
        | {"location"}
    )
    [typed_pool, *_] = ga.of_type(AGENT_POOL)
    legacy_pools = [r for r in legacy.of_type(GENERIC) if r.name != "sandbox-cluster"]
    assert legacy_pools
    for pool in legacy_pools:
        assert set(pool.replace_on_changes) == (
            under_properties(typed_pool.replace_on_changes)
            | under_properties(AGENT_POOL_FORCE_NEW)
            | {"parentResourcePath"}
        )
