"""No deployed resource changes: every URN recorded before a refactoring is registered again.

`tests/snapshots/urns.json` was recorded from the offline preview of the example stacks before the
components became reusable (issue "Reusable components"). A resource recorded there must be
registered again under the same URN with the same type and engine inputs, or be the alias of the
resource that now stands for it (then the engine moves its state instead of replacing it).
Resources that are new must be listed in `NEW_RESOURCES`, so that a new resource is a decision.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podsandbox.preview.recorder import run_program
from podsandbox.stack.files import load_stack_config
from tests.conftest import REPO

SNAPSHOT = REPO / "tests" / "snapshots" / "urns.json"
STACKS: dict[str, dict[str, Any]] = {
    "dev": {"stack": "dev"},
    "existing": {"stack": "existing"},
    "multipool": {"stack": "multipool"},
    "legacy": {"config_file": REPO / "tests" / "stacks" / "Pulumi.legacy.yaml"},
    "existing-multipool": {
        "config_file": REPO / "tests" / "stacks" / "Pulumi.existing-multipool.yaml"
    },
}
GUARDRAIL = (
    "podsandbox:index:SandboxGuardrail::guardrail",
    "podsandbox:index:SandboxGuardrail$kubernetes:admissionregistration.k8s.io/v1:"
    "ValidatingAdmissionPolicy::guardrail-policy",
    "podsandbox:index:SandboxGuardrail$kubernetes:admissionregistration.k8s.io/v1:"
    "ValidatingAdmissionPolicyBinding::guardrail-named",
    "podsandbox:index:SandboxGuardrail$kubernetes:admissionregistration.k8s.io/v1:"
    "ValidatingAdmissionPolicyBinding::guardrail-labelled",
)
"""Issue 14: the in-cluster guardrail, new in every stack."""
NEW_RESOURCES: dict[str, set[str]] = {
    stack: {f"urn:pulumi:{stack}::podsandbox::{tail}" for tail in GUARDRAIL} for stack in STACKS
}
"""URNs registered now that the snapshot does not have (new component resources), by stack."""
_PREVIEW_ONLY_UNKNOWN = (
    "issue 12: an existing cluster's pools wait for its version check through depends_on, so "
    "offline their version is the configured one instead of unknown (a real run sent that same "
    "value before: nothing deployed changes)"
)
DELIBERATE_CHANGES: dict[str, dict[str, str]] = {
    "existing/sandbox-pool": {"orchestratorVersion": _PREVIEW_ONLY_UNKNOWN},
    "existing-multipool/sandbox-pool": {"orchestratorVersion": _PREVIEW_ONLY_UNKNOWN},
    "existing-multipool/sandbox-pool-kata8": {"orchestratorVersion": _PREVIEW_ONLY_UNKNOWN},
    "demo-untrusted-namespace": {
        "metadata.labels": "issue 28: the demo's namespace carries "
        "podsandbox.io/untrusted=true, so the policy pack and the guardrail's labelled binding "
        "judge it whatever it is called (an update of the Namespace's labels, in place)",
    },
    "demo-trusted": {
        "spec.securityContext": "issue 11: the RuntimeDefault seccomp profile, which runc enforces "
        "(the demo pod is replaced, deleted first)",
    },
}
"""Inputs that change on purpose, by resource name (or `stack/name`): path -> why. Paths a
resource's `ignoreChanges` names are not compared either: the engine keeps their deployed value."""
DIES_WITH_THE_CLUSTER = (
    "issue 22: on a cluster the stack creates, it dies with the cluster, so a replaced cluster "
    "replaces it: it names the cluster in deletedWith, and its cluster-facing input (a pool's "
    "cluster name, the Kubernetes provider's kubeconfig) carries the cluster as a property "
    "dependency. The inputs' values do not change."
)
REGISTRATION_CHANGES: dict[str, dict[str, str]] = {
    "dev": {"deletedWith": DIES_WITH_THE_CLUSTER},
    "multipool": {"deletedWith": DIES_WITH_THE_CLUSTER},
    "legacy": {"deletedWith": DIES_WITH_THE_CLUSTER},
}
"""Registration options (not inputs) that changed on purpose, by stack: the snapshot recorded
none; each resource that now has the option is one the reason covers."""


def without(inputs: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A copy of `inputs` without the dotted `paths` (the engine's `ignoreChanges` syntax)."""
    copy: dict[str, Any] = json.loads(json.dumps(inputs))
    for path in paths:
        *parents, last = path.split(".")
        node = copy
        for key in parents:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(last, None)
    return copy


def dig(inputs: dict[str, Any], path: str) -> Any:
    node: Any = inputs
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def recorded() -> dict[str, list[dict[str, Any]]]:
    snapshot: dict[str, list[dict[str, Any]]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return snapshot


def preview(stack: str) -> list[Any]:
    config = load_stack_config(REPO, **STACKS[stack])
    return run_program(Path(REPO), config.project, config.stack, config.config).resources


def test_the_snapshot_covers_every_stack_it_is_about():
    assert sorted(recorded()) == sorted(STACKS)


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_every_recorded_resource_is_registered_again_unchanged(stack):
    now = {resource.urn: resource for resource in preview(stack)}
    aliased = {alias: resource for resource in now.values() for alias in resource.aliases}
    for before in recorded()[stack]:
        resource = now.get(before["urn"]) or aliased.get(before["urn"])
        assert resource is not None, f"{before['urn']} is gone and no resource aliases it"
        assert resource.type == before["type"]
        deliberate = DELIBERATE_CHANGES.get(
            f"{stack}/{resource.name}", DELIBERATE_CHANGES.get(resource.name, {})
        )
        for path in deliberate:
            assert dig(resource.inputs, path) != dig(before["inputs"], path), (resource.name, path)
        skipped = [*deliberate, *resource.ignore_changes]
        now_compared, before_compared = (
            without(resource.inputs, skipped),
            without(before["inputs"], skipped),
        )
        assert now_compared == before_compared, before["urn"]


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_new_resources_are_the_listed_ones(stack):
    before = {resource["urn"] for resource in recorded()[stack]}
    now = preview(stack)
    stand_ins = {resource.urn for resource in now if before & set(resource.aliases)}
    assert {r.urn for r in now} - before - stand_ins == NEW_RESOURCES[stack]


def dies_with_the_cluster(resource: Any) -> bool:
    """What the reason of `REGISTRATION_CHANGES` covers: the pools, the objects in the cluster,
    their provider, and the components that hold the objects."""
    return (
        resource.type == "azure-native:containerservice:AgentPool"
        or (
            resource.type == "azure-native:resources:Resource"
            and resource.name != "sandbox-cluster"
        )
        or resource.type.startswith(("kubernetes:", "pulumi:providers:kubernetes"))
        or resource.type in ("podsandbox:index:DemoWorkloads", "podsandbox:index:SandboxGuardrail")
    )


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_registration_changes_are_the_listed_ones(stack):
    now = preview(stack)
    changed = {resource.urn for resource in now if resource.deleted_with is not None}
    listed = REGISTRATION_CHANGES.get(stack, {})
    if "deletedWith" not in listed:
        assert changed == set()
        return
    [cluster] = [resource.urn for resource in now if resource.name == "sandbox-cluster"]
    assert changed == {resource.urn for resource in now if dies_with_the_cluster(resource)}
    assert {resource.deleted_with for resource in now if resource.urn in changed} == {cluster}
