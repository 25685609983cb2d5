"""The how-to's trusted and untrusted pods, which prove the isolation once deployed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi_kubernetes.core.v1 import (
    CapabilitiesArgs,
    ContainerArgs,
    Namespace,
    Pod,
    PodSecurityContextArgs,
    PodSpecArgs,
    ResourceRequirementsArgs,
    SeccompProfileArgs,
    SecurityContextArgs,
    TolerationArgs,
)
from pulumi_kubernetes.meta.v1 import LabelSelectorArgs, ObjectMetaArgs
from pulumi_kubernetes.networking.v1 import NetworkPolicy, NetworkPolicySpecArgs

from podsandbox.components.kubeconfig import depends_on_of
from podsandbox.components.lifecycle import on_cluster
from podsandbox.guardrail.plan import UNTRUSTED_LABEL, UNTRUSTED_LABEL_VALUE
from podsandbox.rules.aks import AGENT_POOL_LABEL, RuntimeGeneration
from podsandbox.rules.workloads import DEFAULT_UNTRUSTED_NAMESPACE

TYPE_TOKEN = "podsandbox:index:DemoWorkloads"
IMAGE = "mcr.microsoft.com/aks/fundamental/base-ubuntu:v0.0.11"
COMMAND = ["/bin/sh", "-ec", "while :; do echo '.'; sleep 5 ; done"]
TRUSTED_NAMESPACE = "default"
NOBODY = 65534
"""The untrusted pod runs as `nobody`, so that it also meets the `restricted` Pod Security level."""
RUNTIME_DEFAULT_SECCOMP = SeccompProfileArgs(type="RuntimeDefault")
"""Enforced by runc on the trusted pod. Inside an AKS Kata guest seccomp is not applied
(`disable_guest_seccomp = true`): on the untrusted pod the field only satisfies admission."""


@dataclass(frozen=True)
class DemoWorkloadsArgs:
    """What the demo pods run with; the cluster's Kubernetes provider (`providers`) and the
    sandboxing cluster or pool to wait for (`depends_on`) come from the resource options."""

    runtime: RuntimeGeneration
    cpu_limit: str
    memory_limit: str
    untrusted_namespace: str = DEFAULT_UNTRUSTED_NAMESPACE
    pool_name: Optional[str] = None
    """Pin the untrusted pod to this sandboxing pool; None for any node of its RuntimeClass."""
    tolerations: tuple[dict[str, str], ...] = ()
    """What the untrusted pod tolerates: the taints of the sandboxing pools it may land on (AKS's
    RuntimeClass adds a node selector, no tolerations)."""


class DemoWorkloads(pulumi.ComponentResource):
    """`trusted` (the node's kernel) and `untrusted` (its own Kata VM kernel) pods.

    The untrusted pod gets the runtime's RuntimeClass and lives in its own hardened namespace: Pod
    Security `baseline` enforced and `restricted` warned and audited, no service account token, and
    a default-deny NetworkPolicy. Both pods set requests equal to limits, as the docs advise.
    """

    trusted_pod: pulumi.Output[str]
    """`namespace/name` of the trusted pod."""
    untrusted_pod: pulumi.Output[str]
    """`namespace/name` of the untrusted pod."""

    def __init__(
        self,
        name: str,
        args: DemoWorkloadsArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        # The provider comes with the parent; the order, fixed names and what the objects die
        # with are handed on (see `on_cluster`).
        objects = on_cluster(self, opts, depends_on_of(opts))
        resources = ResourceRequirementsArgs(
            limits={"cpu": args.cpu_limit, "memory": args.memory_limit},
            requests={"cpu": args.cpu_limit, "memory": args.memory_limit},
        )
        namespace, deny_all = _untrusted_namespace(name, args, objects)
        trusted = _trusted_pod(name, resources, objects)
        untrusted = _untrusted_pod(
            name,
            args,
            namespace,
            resources,
            pulumi.ResourceOptions.merge(objects, pulumi.ResourceOptions(depends_on=[deny_all])),
        )

        self.trusted_pod = pulumi.Output.concat(TRUSTED_NAMESPACE, "/", "trusted")
        self.untrusted_pod = pulumi.Output.concat(args.untrusted_namespace, "/", "untrusted")
        self.register_outputs(
            {
                "trustedPod": self.trusted_pod,
                "untrustedPod": self.untrusted_pod,
                "trusted": trusted.id,
                "untrusted": untrusted.id,
            }
        )


def _untrusted_namespace(
    name: str, args: DemoWorkloadsArgs, objects: pulumi.ResourceOptions
) -> tuple[Namespace, NetworkPolicy]:
    """The untrusted pod's hardened namespace (Pod Security `baseline` enforced, `restricted`
    warned and audited) and its default-deny NetworkPolicy."""
    namespace = Namespace(
        f"{name}-untrusted-namespace",
        metadata=ObjectMetaArgs(
            name=args.untrusted_namespace,
            labels={
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
                # Untrusted for the policy pack and the guardrail's labelled binding, whatever
                # the namespace is called (untrustedNamespace: tenants).
                UNTRUSTED_LABEL: UNTRUSTED_LABEL_VALUE,
            },
        ),
        opts=objects,
    )
    deny_all = NetworkPolicy(
        f"{name}-default-deny",
        metadata=ObjectMetaArgs(name="default-deny", namespace=namespace.metadata.name),
        spec=NetworkPolicySpecArgs(
            pod_selector=LabelSelectorArgs(),
            policy_types=["Ingress", "Egress"],
        ),
        opts=objects,
    )
    return namespace, deny_all


def _trusted_pod(
    name: str, resources: ResourceRequirementsArgs, objects: pulumi.ResourceOptions
) -> Pod:
    """The pod on the node's own kernel (runc), in the trusted namespace."""
    return Pod(
        f"{name}-trusted",
        metadata=ObjectMetaArgs(name="trusted", namespace=TRUSTED_NAMESPACE),
        spec=PodSpecArgs(
            # runc applies the container runtime's default seccomp filter to this pod.
            security_context=PodSecurityContextArgs(seccomp_profile=RUNTIME_DEFAULT_SECCOMP),
            containers=[
                ContainerArgs(name="trusted", image=IMAGE, command=COMMAND, resources=resources)
            ],
        ),
        opts=objects,
    )


def _untrusted_pod(
    name: str,
    args: DemoWorkloadsArgs,
    namespace: Namespace,
    resources: ResourceRequirementsArgs,
    opts: pulumi.ResourceOptions,
) -> Pod:
    """The pod in its own Kata VM: the runtime's RuntimeClass, on the sandboxing pool when one is
    named, as nobody, without a service account token or privileges."""
    return Pod(
        f"{name}-untrusted",
        metadata=ObjectMetaArgs(name="untrusted", namespace=namespace.metadata.name),
        spec=PodSpecArgs(
            runtime_class_name=args.runtime.runtime_class_name,
            node_selector={AGENT_POOL_LABEL: args.pool_name} if args.pool_name else None,
            tolerations=[
                TolerationArgs(
                    key=t["key"], operator=t["operator"], value=t["value"], effect=t["effect"]
                )
                for t in args.tolerations
            ]
            or None,
            automount_service_account_token=False,
            security_context=PodSecurityContextArgs(
                run_as_non_root=True,
                run_as_user=NOBODY,
                run_as_group=NOBODY,
                # Admission compliance, not protection: Pod Security `restricted` (warned and
                # audited here) requires it, but AKS runs the Kata guest without seccomp.
                seccomp_profile=RUNTIME_DEFAULT_SECCOMP,
            ),
            containers=[
                ContainerArgs(
                    name="untrusted",
                    image=IMAGE,
                    command=COMMAND,
                    resources=resources,
                    security_context=SecurityContextArgs(
                        allow_privilege_escalation=False,
                        capabilities=CapabilitiesArgs(drop=["ALL"]),
                    ),
                )
            ],
        ),
        opts=opts,
    )
