"""`verify` proves the in-cluster guardrail: a dry-run create of the untrusted pod without its
RuntimeClass is refused by the deployed ValidatingAdmissionPolicy, the same pod with it admitted.

The fake API server evaluates the policy the stack deploys (`admission_policy.py`) with cel-python
and answers as the API server does (see `fake_apiserver.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kubernetes import config as kubeconfig_loader

from podsandbox.cli import main
from podsandbox.guardrail import admission_policy
from podsandbox.guardrail.plan import ACTIONS, AUDIT, DENY, plan_guardrail, policy_name
from podsandbox.rules.aks import GA_RUNTIME
from podsandbox.verify import command
from podsandbox.verify.guardrail import PROBE_NAME_PREFIX, GuardrailExpectation
from podsandbox.verify.isolation import Target, verify
from tests.fake_apiserver import FakeCluster

POLICY = "podsandbox-dev"
RUNTIME_MESSAGE = admission_policy.rules(GA_RUNTIME)[0].message


def deploy_guardrail(cluster: FakeCluster, enforcement: str = DENY, name: str = POLICY) -> None:
    """What `SandboxGuardrail` applies: the policy and its two bindings."""
    cluster.policies.append(admission_policy.policy_object(name, GA_RUNTIME))
    cluster.bindings += admission_policy.binding_objects(
        name, name, ["untrusted"], ACTIONS[enforcement]
    )


def run(kubeconfig: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    code = main(["verify", "--kubeconfig", str(kubeconfig), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def verify_with(kubeconfig: Path, plan_enforcement: str | None, enabled: bool = True) -> Any:
    """`verify` with the expectation a stack gives (`--stack` needs the Pulumi CLI)."""
    plan = plan_guardrail(enabled, plan_enforcement, True, None)
    target = Target(runtime=GA_RUNTIME, guardrail=GuardrailExpectation(plan, POLICY))
    clients = [kubeconfig_loader.new_client_from_config(str(kubeconfig)) for _ in range(2)]
    return verify(clients[0], clients[1], target, timeout=5, poll_interval=0.05)


def test_the_guardrail_refuses_the_unsandboxed_pod_and_admits_the_sandboxed_one(
    kubeconfig, capsys, cluster
):
    deploy_guardrail(cluster)
    code, report = run(kubeconfig, capsys)
    assert code == 0, report["problems"]
    assert report["guardrail"] == {
        "checked": True,
        "refused_by": POLICY,
        "detail": "an unsandboxed pod (dry run) in untrusted was refused by "
        f"ValidatingAdmissionPolicy '{POLICY}' (binding '{POLICY}-named'): {RUNTIME_MESSAGE}; the "
        "same pod with RuntimeClass kata-vm-isolation was admitted",
    }
    (first_query, unsandboxed), (second_query, sandboxed) = cluster.creates
    # Nothing is stored: both creates are dry runs.
    assert first_query["dryRun"] == second_query["dryRun"] == ["All"]
    # The probes differ in the RuntimeClass only, so the refusal is the runtime-class rule's.
    assert "runtimeClassName" not in unsandboxed["spec"]
    assert sandboxed["spec"].pop("runtimeClassName") == "kata-vm-isolation"
    assert sandboxed["spec"] == unsandboxed["spec"]
    assert unsandboxed["metadata"]["generateName"] == PROBE_NAME_PREFIX
    # What the running pod got from other admission plugins or the scheduler is not copied.
    spec = unsandboxed["spec"]
    assert not {"nodeName", "overhead", "priority"} & set(spec)
    assert spec["containers"][0]["resources"]["limits"]["memory"] == "256Mi"
    assert spec["automountServiceAccountToken"] is False


def test_the_text_report_says_what_refused_it(kubeconfig, capsys, cluster):
    deploy_guardrail(cluster)
    assert main(["verify", "--kubeconfig", str(kubeconfig)]) == 0
    out = capsys.readouterr().out
    assert "Guardrail: an unsandboxed pod (dry run) in untrusted was refused by " in out


def test_a_namespace_labelled_untrusted_is_guarded_by_the_labelled_binding(
    kubeconfig, capsys, cluster
):
    deploy_guardrail(cluster)
    pod = cluster.pod("untrusted", "untrusted")
    assert pod is not None
    pod.namespace = "tenants"
    cluster.namespace_labels["tenants"] = {"podsandbox.io/untrusted": "true"}
    code, report = run(kubeconfig, capsys, "--namespace", "tenants")
    assert code == 0, report["problems"]
    assert f"(binding '{POLICY}-labelled')" in report["guardrail"]["detail"]


def test_without_a_stack_an_audit_mode_guardrail_is_reported_and_skipped(
    kubeconfig, capsys, cluster
):
    deploy_guardrail(cluster, AUDIT)
    code, report = run(kubeconfig, capsys)
    assert code == 0, report["problems"]
    assert report["guardrail"] == {
        "checked": True,
        "refused_by": None,
        "detail": f"ValidatingAdmissionPolicy '{POLICY}' only warned about an unsandboxed pod "
        "(dry run) in untrusted (audit mode): it refuses nothing, so the admission check is "
        "skipped",
    }
    assert len(cluster.creates) == 1


def test_without_a_stack_a_cluster_without_a_guardrail_is_reported_and_skipped(kubeconfig, capsys):
    code, report = run(kubeconfig, capsys)
    assert code == 0, report["problems"]
    assert report["guardrail"]["refused_by"] is None
    assert report["guardrail"]["detail"] == (
        "an unsandboxed pod (dry run) in untrusted was admitted without a warning: no guardrail "
        "guards the namespace (deploy it: pulumi config set guardrail true), so the admission "
        "check is skipped"
    )


def test_a_policy_that_refuses_compliant_pods_proves_nothing(kubeconfig, capsys, cluster):
    deploy_guardrail(cluster)
    # An expression the API server cannot evaluate: under failurePolicy Fail, every pod is refused.
    memory = cluster.policies[0]["spec"]["validations"][-1]
    memory["expression"] = "variables.podSpec.noSuchField == 1"
    code, report = run(kubeconfig, capsys)
    assert code == 1
    [problem] = report["problems"]
    assert problem.startswith(
        "the same pod with RuntimeClass kata-vm-isolation was refused too (dry run, 403 Forbidden: "
        f'pods "{PROBE_NAME_PREFIX}'
    )
    assert problem.endswith(f"{memory['message']}): the guardrail refuses compliant pods")


def test_a_refusal_that_names_no_policy_proves_nothing(kubeconfig, capsys, cluster):
    deploy_guardrail(cluster)
    cluster.create_forbidden = True  # RBAC: this user cannot create pods, dry run or not
    code, report = run(kubeconfig, capsys)
    assert code == 1
    assert report["problems"] == [
        "an unsandboxed pod (dry run) in untrusted was refused, but by no "
        'ValidatingAdmissionPolicy (403 Forbidden: pods is forbidden: User "dev" cannot create '
        'resource "pods" in API group "" in the namespace "untrusted"): the guardrail is not '
        "proven"
    ]


# --- what the stack says it deployed ------------------------------------------------------------


@pytest.mark.parametrize(
    ("enforcement", "enabled", "detail"),
    [
        (AUDIT, True, f"the stack's guardrail ({POLICY}) is in audit mode (Warn and Audit): it "
         "refuses nothing, so the admission check is skipped; `pulumi config set "
         "guardrailEnforcement deny` makes it refuse"),
        (DENY, False, "the stack deploys no guardrail (guardrail false, or Kubernetes below 1.30): "
         "the admission check is skipped"),
    ],
)  # fmt: skip
def test_a_stack_without_a_refusing_guardrail_skips_the_check_without_asking(
    kubeconfig, cluster, enforcement, enabled, detail
):
    deploy_guardrail(cluster)
    report = verify_with(kubeconfig, enforcement, enabled)
    assert report.ok, report.problems
    assert (report.guardrail.checked, report.guardrail.detail) == (False, detail)
    assert cluster.creates == []


def test_a_stack_whose_guardrail_is_missing_fails(kubeconfig, cluster):
    report = verify_with(kubeconfig, DENY)
    assert report.problems == [
        "an unsandboxed pod (dry run) in untrusted was admitted, but the stack's guardrail "
        f"(ValidatingAdmissionPolicy '{POLICY}', deny) should refuse it. Run `pulumi up`, and "
        "check the bindings: kubectl get validatingadmissionpolicybindings"
    ]


def test_a_stack_whose_guardrail_only_warns_fails_and_quotes_the_warning(kubeconfig, cluster):
    deploy_guardrail(cluster, AUDIT)
    [problem] = verify_with(kubeconfig, DENY).problems
    assert (
        "should refuse it; it was only warned about: Validation failed for "
        f"ValidatingAdmissionPolicy '{POLICY}' with binding '{POLICY}-named': {RUNTIME_MESSAGE}. "
        "Run `pulumi up`"
    ) in problem


def test_a_refusal_by_another_policy_does_not_prove_the_stacks(kubeconfig, cluster):
    deploy_guardrail(cluster, name="team-policy")
    assert verify_with(kubeconfig, DENY).problems == [
        "an unsandboxed pod (dry run) in untrusted was refused by ValidatingAdmissionPolicy "
        f"'team-policy', not by the stack's '{POLICY}': its guardrail is not proven"
    ]


def test_the_stack_names_its_policy_and_enforcement(monkeypatch, kubeconfig, capsys, cluster):
    """`--stack dev`: the policy is `<project>-<stack>` and a new cluster's guardrail denies."""
    deploy_guardrail(cluster, name=policy_name("podsandbox", "dev"))
    monkeypatch.setattr(command, "_stack_kubeconfig", lambda stack: kubeconfig.read_text())
    code = main(["verify", "--stack", "dev", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["problems"]
    assert report["guardrail"]["refused_by"] == "podsandbox-dev"
    cluster.policies[0]["metadata"]["name"] = "podsandbox-prod"
    cluster.bindings = [
        {**binding, "spec": {**binding["spec"], "policyName": "podsandbox-prod"}}
        for binding in cluster.bindings
    ]
    assert main(["verify", "--stack", "dev", "--format", "json"]) == 1
    [problem] = json.loads(capsys.readouterr().out)["problems"]
    assert "not by the stack's 'podsandbox-dev'" in problem
