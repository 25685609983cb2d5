"""`SandboxGuardrail`: the sandboxing workload rules, enforced by the cluster's API server.

A ValidatingAdmissionPolicy and its two bindings (`podsandbox.guardrail.admission_policy`), deployed
through the cluster's Kubernetes provider (given in the resource options, like any child of a
component). Every workload created or updated in an untrusted namespace, by Pulumi or not, must
use a sandboxing RuntimeClass and keep to what a sandbox may do.

No `from __future__ import annotations`: Pulumi's schema inference reads these annotations.
"""

from typing import NotRequired, Optional, TypedDict

import pulumi
from pulumi_kubernetes.admissionregistration.v1 import (
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
)

from podsandbox.components.input_keys import python_unknown_keys
from podsandbox.components.kubeconfig import waits_for_version
from podsandbox.components.lifecycle import on_cluster
from podsandbox.components.validation import checked, guardrail_inputs
from podsandbox.guardrail import admission_policy
from podsandbox.guardrail import plan as guardrail

TYPE_TOKEN = "podsandbox:index:SandboxGuardrail"


class SandboxGuardrailArgs(TypedDict):
    """The guardrail's inputs; each has a default."""

    policy_name: NotRequired[str]
    """Name of the ValidatingAdmissionPolicy (its bindings add -named and -labelled); unique per
    stack, since two stacks may share a cluster. Default: <project>-<stack>-<component name>,
    cut to fit with a hash."""
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
        default_name = guardrail.default_policy_name(pulumi.get_project(), pulumi.get_stack(), name)
        values, warnings = checked(
            "SandboxGuardrail",
            guardrail_inputs(args, default_name),
            python_unknown_keys(args, SandboxGuardrailArgs),
            name,
        )
        super().__init__(TYPE_TOKEN, name, None, opts)
        for warning in warnings:
            pulumi.log.warn(warning, resource=self)
        # The provider comes with the parent; the order, fixed names and what the objects die
        # with are handed on (see `on_cluster`).
        version = args.get("cluster_kubernetes_version")
        waits_for = waits_for_version(opts, version, guardrail.cluster_version_problem)
        # Not deleted before replaced, unlike other objects with fixed names: a policy is replaced
        # only when renamed (its spec and its bindings' are updated in place), so the new one can
        # be created first and the namespaces are never left unguarded in between.
        objects = pulumi.ResourceOptions.merge(
            on_cluster(self, opts, waits_for), pulumi.ResourceOptions(delete_before_replace=False)
        )
        manifest = admission_policy.policy_object(
            values.policy_name, values.runtime, values.extra_runtime_classes
        )
        policy = ValidatingAdmissionPolicy(
            f"{name}-policy",
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=objects,
        )
        actions = guardrail.ACTIONS[values.enforcement]
        bindings = [
            ValidatingAdmissionPolicyBinding(
                f"{name}-{binding['metadata']['name'].rsplit('-', 1)[1]}",
                metadata=binding["metadata"],
                spec=binding["spec"],
                opts=pulumi.ResourceOptions.merge(
                    objects, pulumi.ResourceOptions(depends_on=[policy])
                ),
            )
            for binding in admission_policy.binding_objects(
                values.policy_name, values.policy_name, values.namespaces, actions
            )
        ]
        self.policy_name = pulumi.Output.from_input(values.policy_name)
        self.register_outputs(
            {"policyName": self.policy_name, "bindings": [b.id for b in bindings]}
        )
