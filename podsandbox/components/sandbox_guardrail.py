"""`SandboxGuardrail`: the sandboxing workload rules, enforced by the cluster's API server.

A ValidatingAdmissionPolicy and its two bindings (`podsandbox.guardrail.admission_policy`), deployed
through the cluster's Kubernetes provider (given in the resource options, like any child of a
component). Every workload created or updated in an untrusted namespace, by Pulumi or not, must
use a sandboxing RuntimeClass and keep to what a sandbox may do.
"""

from __future__ import annotations

from typing import NotRequired, Optional, TypedDict, cast

import pulumi
from pulumi_kubernetes.admissionregistration.v1 import (
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
)

from podsandbox.components.kubeconfig import depends_on_of
from podsandbox.components.validation import ComponentInputError, PropertyProblem
from podsandbox.guardrail import admission_policy
from podsandbox.guardrail import plan as guardrail
from podsandbox.rules import aks, judge
from podsandbox.rules.workloads import DEFAULT_UNTRUSTED_NAMESPACE, reserved_namespace

TYPE_TOKEN = "podsandbox:index:SandboxGuardrail"


class SandboxGuardrailArgs(TypedDict):
    """The guardrail's inputs; each has a default."""

    policy_name: NotRequired[str]
    """Name of the ValidatingAdmissionPolicy (its bindings add -named and -labelled); unique per
    stack, since two stacks may share a cluster. Default: the component's name."""
    workload_runtime: NotRequired[str]
    """The cluster's sandboxing generation, whose RuntimeClass pods must use: KataVmIsolation
    (default) or KataMshvVmIsolation."""
    untrusted_namespaces: NotRequired[list[str]]
    """Namespaces whose workloads must be sandboxed (besides those labelled
    podsandbox.io/untrusted=true). Default: ["untrusted"]."""
    enforcement: NotRequired[str]
    """deny (default: refuse what breaks a rule) or audit (admit, with a warning and an audit
    annotation)."""
    extra_runtime_classes: NotRequired[list[str]]
    """Further RuntimeClasses that sandbox (a Kata handler on sandboxing nodes). Default: none."""
    cluster_kubernetes_version: NotRequired[pulumi.Input[str]]
    """The cluster's Kubernetes version, when it is only known at deploy time (an existing
    cluster): below 1.30 the deployment stops before the policy is created, saying how to turn
    the guardrail off."""


def _checked(
    args: SandboxGuardrailArgs,
) -> tuple[Optional[aks.RuntimeGeneration], str, list[PropertyProblem]]:
    """The runtime and enforcement, and every problem of the inputs (reported together)."""
    problems = []
    text = args.get("workload_runtime") or aks.DEFAULT_RUNTIME.workload_runtime
    runtime = aks.find_runtime(text)
    if runtime is None:
        problems.append(PropertyProblem.of(judge.runtime_finding(text)))
    enforcement = (args.get("enforcement") or guardrail.DENY).lower()
    if enforcement not in guardrail.ENFORCEMENTS:
        problems.append(
            PropertyProblem(
                "enforcement", args.get("enforcement"), "is not a guardrail enforcement",
                " or ".join(guardrail.ENFORCEMENTS), guardrail.AUDIT,
            )
        )  # fmt: skip
    for index, namespace in enumerate(args.get("untrusted_namespaces") or []):
        owner = reserved_namespace(namespace) if isinstance(namespace, str) else None
        if owner is not None:
            problems.append(
                PropertyProblem(
                    f"untrustedNamespaces[{index}]", namespace,
                    f"is {owner}; the guardrail would hold its workloads to the sandboxing rules",
                    "a namespace of your own, not default, kube-* or one AKS and its add-ons own",
                    DEFAULT_UNTRUSTED_NAMESPACE,
                )
            )  # fmt: skip
    return runtime, enforcement, problems


def _fits(version: Optional[str]) -> None:
    """Stop when the cluster's version cannot serve the policy (a RunError: no traceback)."""
    problem = guardrail.cluster_version_problem(version)
    if problem is not None:
        raise pulumi.RunError(problem)


class SandboxGuardrail(pulumi.ComponentResource):
    """A ValidatingAdmissionPolicy that holds untrusted namespaces to the sandboxing rules."""

    policy_name: pulumi.Output[str]
    """The ValidatingAdmissionPolicy's name."""

    def __init__(
        self,
        name: str,
        args: SandboxGuardrailArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        runtime, enforcement, problems = _checked(args)
        if problems:
            raise ComponentInputError("SandboxGuardrail", problems)
        assert runtime is not None
        super().__init__(TYPE_TOKEN, name, None, opts)
        policy_name = args.get("policy_name") or name
        namespaces = args.get("untrusted_namespaces") or [DEFAULT_UNTRUSTED_NAMESPACE]
        # The objects have fixed names: a replacement must delete the old one first. The
        # provider comes with the parent; the order must be handed on (it is not inherited).
        waits_for: list[pulumi.Input[pulumi.Resource]] = list(depends_on_of(opts))
        if "cluster_kubernetes_version" in args:
            fits = pulumi.Output.from_input(args["cluster_kubernetes_version"]).apply(_fits)
            waits_for.append(cast(pulumi.Output[pulumi.Resource], fits))
        on_cluster = pulumi.ResourceOptions(
            parent=self, depends_on=waits_for, delete_before_replace=True
        )
        manifest = admission_policy.policy_object(
            policy_name, runtime, args.get("extra_runtime_classes") or []
        )
        policy = ValidatingAdmissionPolicy(
            f"{name}-policy",
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=on_cluster,
        )
        bindings = [
            ValidatingAdmissionPolicyBinding(
                f"{name}-{binding['metadata']['name'].rsplit('-', 1)[1]}",
                metadata=binding["metadata"],
                spec=binding["spec"],
                opts=pulumi.ResourceOptions.merge(
                    on_cluster, pulumi.ResourceOptions(depends_on=[policy])
                ),
            )
            for binding in admission_policy.binding_objects(
                policy_name, policy_name, namespaces, guardrail.ACTIONS[enforcement]
            )
        ]
        self.policy_name = pulumi.Output.from_input(policy_name)
        self.register_outputs(
            {"policyName": self.policy_name, "bindings": [b.id for b in bindings]}
        )
