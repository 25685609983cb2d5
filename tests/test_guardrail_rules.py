"""The in-cluster guardrail's rules: when the stack deploys it, and how it enforces (what it
registers: `test_guardrail.py`; its settings: `test_settings.py`, where the mutation check sees
them)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from podsandbox.guardrail import plan as guardrail
from podsandbox.rules.workloads import is_object_name, unique_object_name

# --- when, and how it enforces (the rules) ------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "enforcement", "new_cluster", "version", "expected"),
    [
        (True, None, True, None, (True, "deny")),
        (True, None, False, None, (True, "audit")),
        (True, "audit", True, None, (True, "audit")),
        (True, "deny", False, None, (True, "deny")),
        (True, None, True, "1.30", (True, "deny")),
        (True, None, True, "v1.30.2", (True, "deny")),
        (True, None, True, "1.29.9", (False, "deny")),
        (False, None, True, None, (False, "deny")),
        (False, None, True, "1.29", (False, "deny")),
    ],
)
def test_the_plan_follows_the_mode_and_the_version(wanted, enforcement, new_cluster, version,
                                                   expected):  # fmt: skip
    plan = guardrail.plan_guardrail(wanted, enforcement, new_cluster, version)
    assert (plan.enabled, plan.enforcement) == expected
    assert plan.actions == {"deny": ("Deny",), "audit": ("Warn", "Audit")}[plan.enforcement]
    # Only a guardrail that was wanted and had to be turned off is warned about.
    assert bool(plan.warnings) is (wanted and not plan.enabled)


def test_a_version_below_130_turns_it_off_with_a_warning_that_says_how_to_silence_it():
    [warning] = guardrail.plan_guardrail(True, None, True, "1.29").warnings
    assert warning == (
        "the in-cluster guardrail is off: kubernetesVersion 1.29 is below 1.30, which "
        "ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) needs; workloads applied "
        "outside Pulumi are not checked. Use 1.30 or later, or set guardrail false to silence this"
    )


def test_an_empty_version_counts_as_supported_since_every_aks_version_is_newer():
    assert guardrail.AKS_OLDEST_SUPPORTED >= guardrail.MIN_KUBERNETES_VERSION
    assert guardrail.plan_guardrail(True, None, True, None).enabled


@pytest.mark.parametrize(
    ("version", "stopped"),
    [("1.29.7", True), ("v1.29", True), ("1.30.0", False), ("1.33.2", False), (None, False),
     ("", False), ("not a version", False)],
)  # fmt: skip
def test_an_existing_cluster_below_130_is_stopped_with_the_way_out(version, stopped):
    problem = guardrail.cluster_version_problem(version)
    assert (problem is not None) is stopped
    if problem is not None:
        assert problem == (
            f"the cluster runs Kubernetes {version}, below 1.30, so it cannot serve the in-cluster "
            "guardrail (ValidatingAdmissionPolicy, admissionregistration.k8s.io/v1). Upgrade the "
            "cluster, or turn the guardrail off: pulumi config set guardrail false"
        )


@pytest.mark.parametrize(
    ("project", "stack", "name"),
    [("podsandbox", "dev", "podsandbox-dev"), ("Team_App", "Prod EU", "team-app-prod-eu"),
     ("p", "-x-", "p--x"), ("", "", "podsandbox"), ("a", "b" * 300, "a-" + "b" * 198)],
)  # fmt: skip
def test_the_policy_name_is_unique_per_stack_and_a_dns_name(project, stack, name):
    assert guardrail.policy_name(project, stack) == name


@pytest.mark.parametrize(
    ("parts", "length", "name"),
    [
        (("podsandbox", "dev", "guardrail"), 244, "podsandbox-dev-guardrail"),
        (("Team_App", "Prod EU", "My Guard"), 244, "team-app-prod-eu-my-guard"),
        (("", "", ""), 244, "podsandbox"),
        (("p", "s", "c" * 300), 244, None),
        (("p", "s", "karpenter"), 63, "p-s-karpenter"),
        (("p", "s", "k" * 59), 63, "p-s-" + "k" * 59),
        (("p", "s", "k" * 60), 63, None),
    ],
)  # fmt: skip
def test_a_default_name_is_unique_per_project_stack_and_component_and_fits(parts, length, name):
    found = unique_object_name(parts, length)
    assert len(found) <= length and is_object_name(found, length)
    if name is not None:
        assert found == name
        return
    # Cut to fit, ending with a hash of the whole: names cut alike still differ.
    digest = hashlib.sha256("-".join(parts).encode()).hexdigest()[:8]
    assert found == f"{found[: length - 9]}-{digest}" and len(found) == length
    longer = unique_object_name((*parts[:2], parts[2] + "x"), length)
    assert longer != found and longer[: length - 9] == found[: length - 9]


def test_a_cut_name_never_ends_its_kept_part_with_a_dash():
    found = unique_object_name(("p", "s", "a" * 49 + "-" + "b" * 20), 63)
    digest = hashlib.sha256(("p-s-" + "a" * 49 + "-" + "b" * 20).encode()).hexdigest()[:8]
    assert found == "p-s-" + "a" * 49 + "-" + digest
    assert guardrail.default_policy_name("P", "S", "C") == "p-s-c"


# --- which namespaces a binding guards (the pack's view of the guardrail) ----------------------


def binding(selector: Any) -> dict[str, Any]:
    return {"spec": {"policyName": "p", "matchResources": {"namespaceSelector": selector}}}


NAMED = {"matchExpressions": [
    {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["untrusted"]},
    {"key": "podsandbox.io/untrusted", "operator": "NotIn", "values": ["true"]},
]}  # fmt: skip
LABELLED = {"matchLabels": {"podsandbox.io/untrusted": "true"}}


@pytest.mark.parametrize(
    ("selector", "namespace", "labels", "guarded"),
    [
        (NAMED, "untrusted", {}, True),
        (NAMED, "tenants", {}, False),
        (NAMED, "untrusted", {"podsandbox.io/untrusted": "true"}, False),  # the other binding's
        (LABELLED, "ci", {"podsandbox.io/untrusted": "true"}, True),
        (LABELLED, "ci", {"podsandbox.io/untrusted": "false"}, False),
        (LABELLED, "ci", {}, False),
        ({"matchExpressions": [{"key": "team", "operator": "Exists"}]}, "a", {"team": "x"}, True),
        ({"matchExpressions": [{"key": "team", "operator": "Exists"}]}, "a", {}, False),
        ({"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]}, "a", {}, True),
        ({"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]}, "a", {"team": "x"},
         False),
        ({"matchExpressions": [{"key": "team", "operator": "Gt", "values": ["1"]}]}, "a", {},
         False),  # an operator namespaces do not support selects nothing
        ({"matchExpressions": ["not an expression"]}, "a", {}, False),
        ({"matchLabels": "not labels"}, "a", {}, False),
        ({}, "anything", {}, True),  # an empty selector selects every namespace
        (None, "anything", {}, True),  # so does no selector
    ],
)  # fmt: skip
def test_a_binding_guards_the_namespaces_its_selector_selects(selector, namespace, labels,
                                                              guarded):  # fmt: skip
    assert guardrail.binding_guards(binding(selector), namespace, labels) is guarded


def test_a_binding_without_match_resources_guards_every_namespace():
    assert guardrail.binding_guards({"spec": {"policyName": "p"}}, "x", {})
    assert guardrail.binding_guards({}, "x", {})


@pytest.mark.parametrize(
    ("selector", "named"),
    [
        ({"matchLabels": {guardrail.NAME_LABEL: "a"}}, {"a"}),
        ({"matchLabels": {guardrail.NAME_LABEL: 3}}, set()),
        ({"matchExpressions": [{"key": guardrail.NAME_LABEL, "operator": "In",
                                "values": ["a", "b", 1]}]}, {"a", "b"}),
        ({"matchExpressions": ["x", {"key": guardrail.NAME_LABEL, "operator": "In",
                                     "values": ["c"]}]}, {"c"}),
        ({"matchExpressions": [{"key": guardrail.NAME_LABEL, "operator": "In"}]}, set()),
        ({"matchExpressions": [{"key": guardrail.NAME_LABEL, "operator": "Exists"}]}, set()),
        ({"matchLabels": "x"}, set()),
        ("not a selector", set()),
        ({"matchExpressions": [{"key": "team", "operator": "In", "values": ["z"]}]}, set()),
        ({"matchLabels": {guardrail.NAME_LABEL: "a"},
          "matchExpressions": [{"key": guardrail.NAME_LABEL, "operator": "In",
                                "values": ["b"]}]}, {"a", "b"}),  # both ways at once
    ],
)  # fmt: skip
def test_what_a_binding_names(selector, named):  # (what the pack counts as untrusted)
    binding = {"spec": {"matchResources": {"namespaceSelector": selector}}}
    assert guardrail.named_namespaces(binding) == named
    assert (
        guardrail.named_namespaces({})
        == set()
        == guardrail.named_namespaces({"spec": {"matchResources": 1}})
    )
