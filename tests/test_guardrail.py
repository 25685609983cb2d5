"""The in-cluster guardrail: what the stack registers, and the component's own checks (when it is
deployed and how it enforces: `test_guardrail_rules.py`)."""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest

from podsandbox.components.sandbox_guardrail import SandboxGuardrail
from podsandbox.components.validation import ComponentInputError
from podsandbox.preview.recorder import run_function, run_program
from podsandbox.preview.records import ProgramRun
from podsandbox.stack.files import load_stack_config
from tests.conftest import REPO, AzureMocks
from tests.docs import docs_text

POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"


# --- what the stack registers ----------------------------------------------------------------


def preview(stack: str = "dev", **settings: Any) -> ProgramRun:
    config = load_stack_config(REPO, stack)
    config.config.update({f"podsandbox:{key}": str(value) for key, value in settings.items()})
    return run_program(REPO, config.project, config.stack, config.config)


def test_the_dev_stack_deploys_the_policy_and_its_bindings_through_the_clusters_provider():
    run = preview()
    [policy] = run.of_type(POLICY)
    named, labelled = sorted(run.of_type(BINDING), key=lambda r: r.name, reverse=True)
    assert policy.inputs["metadata"] == {"name": "podsandbox-dev"}
    assert policy.inputs["spec"]["failurePolicy"] == "Fail"
    assert "'kata-vm-isolation'" in policy.inputs["spec"]["validations"][0]["expression"]
    assert named.inputs["metadata"] == {"name": "podsandbox-dev-named"}
    assert named.inputs["spec"]["validationActions"] == ["Deny"]
    assert named.inputs["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0][
        "values"
    ] == ["untrusted"]
    assert labelled.inputs["spec"]["matchResources"]["namespaceSelector"] == {
        "matchLabels": {"podsandbox.io/untrusted": "true"}
    }
    for resource in (policy, named, labelled):
        # issue 28: replaced only when renamed, so created before the old one is deleted: the
        # namespaces are never left unguarded.
        assert not resource.delete_before_replace
        assert resource.provider is not None and "sandbox-k8s" in resource.provider
    assert policy.urn in named.dependencies
    assert run.outputs["guardrailPolicy"].value == "podsandbox-dev"


def test_an_existing_cluster_gets_warn_and_audit_and_the_legacy_generation_its_class():
    run = preview("existing")
    assert {tuple(b.inputs["spec"]["validationActions"]) for b in run.of_type(BINDING)} == {
        ("Warn", "Audit")
    }
    legacy = load_stack_config(REPO, config_file=REPO / "tests" / "stacks" / "Pulumi.legacy.yaml")
    run = run_program(REPO, legacy.project, legacy.stack, legacy.config)
    [policy] = run.of_type(POLICY)
    assert "'kata-mshv-vm-isolation'" in policy.inputs["spec"]["validations"][0]["expression"]


@pytest.mark.parametrize("settings", [{"guardrail": "false"}, {"kubernetesVersion": "1.29"}])
def test_off_or_too_old_registers_nothing(settings):
    run = preview(**settings)
    assert run.of_type(POLICY) == [] and run.of_type(BINDING) == []
    assert "guardrailPolicy" not in run.outputs


def test_an_existing_cluster_below_130_stops_the_deployment():
    config = load_stack_config(REPO, "existing")
    with pytest.raises(pulumi.RunError, match="turn the guardrail off: pulumi config set"):
        run_program(REPO, config.project, config.stack, config.config,
                    AzureMocks(existing_version="1.29.4"))  # fmt: skip
    run = run_program(REPO, config.project, config.stack, config.config,
                      AzureMocks(existing_version="1.30.1"))  # fmt: skip
    assert len(run.of_type(POLICY)) == 1


def test_the_component_checks_its_own_inputs_all_at_once():
    def program() -> None:
        SandboxGuardrail(
            "g",
            {"workload_runtime": "KataCc", "enforcement": "block",
             "untrusted_namespaces": ["kube-system", "tenants", "default"]},
        )  # fmt: skip

    with pytest.raises(ComponentInputError) as raised:
        run_function(program, "team", "dev", {})
    assert [problem.where for problem in raised.value.problems] == [
        "workloadRuntime", "enforcement", "untrustedNamespaces[0]", "untrustedNamespaces[2]",
    ]  # fmt: skip


def test_by_default_the_policy_is_named_per_project_stack_and_component():
    def program() -> None:
        SandboxGuardrail("guard", {})
        SandboxGuardrail("Other Guard", {})
        SandboxGuardrail("long", {"policy_name": "x" * 244})

    run = run_function(program, "Team_App", "prod", {}, AzureMocks())
    names = sorted(policy.inputs["metadata"]["name"] for policy in run.of_type(POLICY))
    assert names == ["team-app-prod-guard", "team-app-prod-other-guard", "x" * 244]

    # Two stacks of one project on one cluster: never the same policy.
    def one() -> None:
        SandboxGuardrail("guard", {})

    other = run_function(one, "Team_App", "dev", {}, AzureMocks())
    [policy] = other.of_type(POLICY)
    assert policy.inputs["metadata"]["name"] == "team-app-dev-guard"


def test_the_policy_is_named_after_the_component_unless_named_and_the_name_is_checked():
    def program() -> None:
        wrong: Any = pulumi.Output.from_input(["x"])  # a plain list is required
        SandboxGuardrail("g", {"policy_name": "My Guard", "untrusted_namespaces": wrong})

    with pytest.raises(ComponentInputError) as raised:
        run_function(program, "team", "dev", {})
    assert [str(problem) for problem in raised.value.problems] == [
        "policyName = 'My Guard': is not a Kubernetes object name. Allowed: at most 244 lower-case "
        "letters, digits, '-' and '.', starting and ending with a letter or digit (its bindings "
        "add -named and -labelled). Example: policyName: podsandbox-dev",
        "untrustedNamespaces = <an output of another resource>: must be a list of names known "
        "when the program runs. Allowed: a list of strings. Example: untrustedNamespaces: "
        "['untrusted']",
    ]


def test_the_readmes_python_example_runs_and_deploys_the_guardrail_with_the_pools_provider():
    readme = docs_text()
    [example] = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
        if "SandboxGuardrail(" in block
    ]
    run = run_function(lambda: exec(example, {}), "team", "dev", {}, AzureMocks())
    [policy] = run.of_type(POLICY)
    [named] = [b for b in run.of_type(BINDING) if b.name.endswith("-named")]
    # issue 28: named per project, stack and component by default (it was the component's name)
    assert policy.inputs["metadata"]["name"] == "team-dev-team-guardrail"
    assert named.inputs["spec"]["validationActions"] == ["Warn", "Audit"]
    assert policy.provider is not None and "team-k8s" in policy.provider
    assert "runtimeClassName" in run.outputs
