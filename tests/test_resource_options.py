"""The resource options the engine is told: what a real `pulumi up` does on replacement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from podsandbox.preview.recorder import run_program
from podsandbox.preview.records import ProgramRun
from podsandbox.rules.aks import MANAGED_CLUSTER_FORCE_NEW
from podsandbox.rules.pool_limits import FIXED_AT_CREATION
from podsandbox.stack.files import load_stack_config
from tests.conftest import REPO

STACK_FILES = [
    REPO / "Pulumi.dev.yaml",
    REPO / "Pulumi.existing.yaml",
    REPO / "Pulumi.multipool.yaml",
    REPO / "tests" / "stacks" / "Pulumi.legacy.yaml",
    REPO / "tests" / "stacks" / "Pulumi.existing-multipool.yaml",
]


def preview(stack_file: Path) -> ProgramRun:
    config = load_stack_config(REPO, config_file=stack_file)
    return run_program(REPO, config.project, config.stack, config.config)


def fixed_name(inputs: dict[str, Any]) -> object:
    """The Azure or Kubernetes name a resource is created with, if the program fixes one."""
    metadata = inputs.get("metadata") or {}
    for key in ("agentPoolName", "resourceName", "resourceGroupName"):
        if key in inputs:
            return inputs[key]
    return metadata.get("name")


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda path: path.name)
def test_every_resource_with_a_fixed_name_deletes_before_it_replaces(stack_file: Path):
    run = preview(stack_file)
    cloud = [
        resource
        for resource in run.resources
        if resource.type.split(":")[0] in ("azure-native", "kubernetes")
        and not resource.type.startswith("pulumi:providers:")
    ]
    assert cloud, "the stack declares Azure or Kubernetes resources"
    for resource in cloud:
        assert fixed_name(resource.inputs) is not None, resource.name
        # Except the guardrail's policy and bindings (issue 28): renamed, the new one is created
        # first, so the namespaces are never left unguarded in between. Replaced under the same
        # name, pulumi-kubernetes deletes first by itself: its Diff answers DeleteBeforeReplace
        # when the object is named, not autonamed, and keeps its name and namespace
        # (pulumi-kubernetes provider/pkg/provider/provider.go, `deleteBeforeReplace :=`).
        guardrail = "podsandbox:index:SandboxGuardrail$" in resource.urn
        assert run.options(resource)["deleteBeforeReplace"] is not guardrail, resource.name


def with_settings(stack_file: Path, **settings: str) -> ProgramRun:
    config = load_stack_config(REPO, config_file=stack_file)
    config.config.update({f"podsandbox:{key}": value for key, value in settings.items()})
    return run_program(REPO, config.project, config.stack, config.config)


def the_cluster(run: ProgramRun):
    [cluster] = [r for r in run.resources if r.name == "sandbox-cluster"]
    return cluster


def dig(inputs: dict[str, Any], path: str) -> object:
    """The input at an engine property path such as `agentPoolProfiles[0].vmSize`."""
    node: object = inputs
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            node = node[int(part[1:-1])]  # type: ignore[index]
        else:
            node = node[part]  # type: ignore[index]
    return node


INLINE_POOL = ["agentPoolProfiles[0].vmSize", "agentPoolProfiles[0].workloadRuntime",
               "agentPoolProfiles[0].osSKU"]  # fmt: skip
NETWORK = ["networkProfile.networkPlugin", "networkProfile.networkPluginMode",
           "networkProfile.networkDataplane", "networkProfile.networkPolicy",
           "networkProfile.podCidr"]  # fmt: skip


@pytest.mark.parametrize(
    ("stack_file", "body"),
    [(REPO / "Pulumi.dev.yaml", ""), (STACK_FILES[3], "properties.")],
    ids=["GA", "legacy"],
)
def test_what_aks_cannot_change_in_place_replaces_the_cluster(stack_file: Path, body: str):
    run = with_settings(stack_file, networkPolicy="cilium")
    cluster = the_cluster(run)
    options = run.options(cluster)
    fixed = [f"agentPoolProfiles[0].{field}" for field in FIXED_AT_CREATION]
    # A legacy cluster, a generic resource, also carries what a typed cluster replaces itself on
    # (tests/test_cluster_replacement.py compares the two).
    typed_twin = [
        "location",
        *(body + key for key in MANAGED_CLUSTER_FORCE_NEW if key.removeprefix("networkProfile.")
          not in [path.removeprefix("networkProfile.") for path in NETWORK]),
    ] if body else []  # fmt: skip
    assert options["replaceOnChanges"] == [
        body + path for path in INLINE_POOL + NETWORK
    ] + typed_twin + [body + path for path in fixed]
    assert options["deleteBeforeReplace"] is True
    # Each path names an input the cluster really sends (azure-native's detailed diff reports a
    # change under exactly this path, which is what the engine matches replaceOnChanges against).
    inputs = cluster.inputs
    assert [dig(inputs, body + path) for path in INLINE_POOL] == [
        "Standard_D4s_v3",
        "KataMshvVmIsolation" if body else "KataVmIsolation",
        "AzureLinux",
    ]
    assert [dig(inputs, body + path) for path in NETWORK[:4]] == [
        "azure", "overlay", "cilium", "cilium",
    ]  # fmt: skip


def test_protect_still_guards_a_cluster_that_would_be_replaced():
    run = with_settings(REPO / "Pulumi.dev.yaml", protect="true")
    options = run.options(the_cluster(run))
    assert options["protect"] is True and options["replaceOnChanges"]


@pytest.mark.parametrize(
    ("engine", "profile"),
    [
        ("cilium", {"networkPlugin": "azure", "networkPluginMode": "overlay",
                    "networkDataplane": "cilium", "networkPolicy": "cilium"}),
        ("azure", {"networkPlugin": "azure", "networkPluginMode": "overlay",
                   "networkPolicy": "azure"}),
        ("none", None),
    ],
)  # fmt: skip
def test_a_chosen_engine_is_sent_as_is_and_its_change_replaces(engine: str, profile):
    run = with_settings(REPO / "Pulumi.dev.yaml", networkPolicy=engine)
    cluster = the_cluster(run)
    sent = cluster.inputs.get("networkProfile")
    if profile is None:
        assert sent is None  # AKS's defaults, as before this setting existed
    else:  # the SDK adds its own defaults (service CIDR, DNS IP...) to the engine's fields
        assert {key: sent[key] for key in profile} == profile
    assert run.options(cluster)["ignoreChanges"] == []
    warned = [w for w in run.warnings if "enforces no NetworkPolicy" in w]
    assert len(warned) == (1 if engine == "none" else 0)


def test_the_default_engine_is_for_clusters_created_now_and_deployed_ones_keep_theirs():
    run = preview(REPO / "Pulumi.dev.yaml")
    cluster = the_cluster(run)
    assert cluster.inputs["networkProfile"]["networkPolicy"] == "cilium"  # sent on create
    assert run.options(cluster)["ignoreChanges"] == ["networkProfile"]  # never sent by an update
    # ...nor by a replacement's create (the engine applies ignoreChanges to both): a note says so.
    assert [note for note in run.infos if note.startswith("networkPolicy is not chosen")]
    chosen = with_settings(REPO / "Pulumi.dev.yaml", networkPolicy="cilium")
    assert not [note for note in chosen.infos if note.startswith("networkPolicy is not chosen")]


def test_an_engine_cannot_be_chosen_for_an_existing_cluster():
    from podsandbox.stack import SettingsError, load_settings

    with pytest.raises(SettingsError) as caught:
        load_settings({"mode": "existing-cluster", "networkPolicy": "cilium"})
    [problem] = caught.value.problems
    assert problem.where == "networkPolicy" and "applies to new clusters only" in problem.reason


def test_the_cluster_sends_only_its_own_pool_and_ignores_no_pool_changes():
    # After `pulumi refresh` the cluster's inputs list every pool of the cluster (azure-native's
    # Read rebuilds inputs from AKS's answer), so the next `up` shows agentPoolProfiles shrinking
    # back to one. That diff is left visible on purpose: ignoring agentPoolProfiles[1..] would copy
    # the refreshed pools' old values into the next cluster update (README, "pulumi refresh").
    run = preview(REPO / "Pulumi.multipool.yaml")
    cluster = the_cluster(run)
    assert [pool["name"] for pool in cluster.inputs["agentPoolProfiles"]] == ["nodepool1"]
    assert not [p for p in run.options(cluster)["ignoreChanges"] if "agentPoolProfiles" in p]
    assert len(run.of_type("azure-native:containerservice:AgentPool")) >= 1
