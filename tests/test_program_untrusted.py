"""What the program declares untrusted is untrusted for the pack: a namespace an admission
binding of the program (a SandboxGuardrail's included) selects by name, or a Namespace it labels
podsandbox.io/untrusted=true (the demo's, whatever it is called), is judged like a configured
one; messages show an unset RuntimeClass as unset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podsandbox.cli import main
from podsandbox.guardrail import admission_policy
from podsandbox.guardrail.plan import ACTIONS, DENY
from tests.conftest import python_project
from tests.test_policies import container, pod, stack_violations

POD = "kubernetes:core/v1:Pod"
BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"


def bindings(*namespaces: str) -> list[tuple[str, dict[str, Any]]]:
    made = admission_policy.binding_objects("p", "p", list(namespaces), ACTIONS[DENY])
    return [(BINDING, binding) for binding in made]


def by_name(selector: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return (BINDING, {"spec": {"policyName": "p",
                               "matchResources": {"namespaceSelector": selector}}})  # fmt: skip


NAME = "kubernetes.io/metadata.name"


@pytest.mark.parametrize(
    ("resources", "flagged"),
    [
        (bindings("tenants"), True),
        (bindings("tenants", "ci"), True),
        (bindings("other"), False),
        ([by_name({"matchLabels": {NAME: "tenants"}})], True),
        ([by_name({"matchExpressions": [{"key": NAME, "operator": "NotIn",
                                         "values": ["tenants"]}]})], False),
        ([by_name({"matchExpressions": [{"key": "team", "operator": "In",
                                         "values": ["tenants"]}]})], False),
        ([], False),
    ],
)  # fmt: skip
def test_a_namespace_a_binding_of_the_program_names_is_untrusted(resources, flagged):
    unsandboxed = (POD, pod({"containers": [container()]}, "tenants"))
    found = stack_violations("labelled-namespace-sandboxed", [*resources, unsandboxed])
    assert bool(found) is flagged
    for message in found:
        assert "runs in the untrusted namespace tenants with runtimeClassName unset;" in message


PROGRAM = """\
import pulumi
from pulumi_kubernetes.core.v1 import Pod
from podsandbox.components.sandbox_guardrail import SandboxGuardrail

SandboxGuardrail("guard", {"untrusted_namespaces": ["tenants"]})
Pod("app", metadata={"name": "app", "namespace": "tenants"},
    spec={"containers": [{"name": "app", "image": "nginx",
                          "resources": {"limits": {"memory": "256Mi"}}}]})
"""


def test_a_sandbox_guardrails_namespace_is_judged_by_the_pack(capsys, tmp_path: Path):
    folder = python_project(tmp_path / "team", PROGRAM)
    code = main(["preview", "--program", str(folder), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    found = [v for v in document["violations"] if v["policy"] == "labelled-namespace-sandboxed"]
    assert code == 1 and len(found) == 1, document["violations"]
    assert (
        "Pod tenants/app runs in the untrusted namespace tenants with runtimeClassName unset"
        in (found[0]["message"])
    )
