"""Find the pod spec of a Kubernetes workload in engine-shaped inputs (as policies see them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from podsandbox.rules.aks import RUNTIMES_BY_CLASS, RuntimeGeneration

POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
"""Where each workload type keeps the spec of the pods it runs."""

AGENT_SANDBOX_KINDS: frozenset[tuple[str, str]] = frozenset(
    {("agents.x-k8s.io", "Sandbox"), ("extensions.agents.x-k8s.io", "SandboxTemplate")}
)
"""kubernetes-sigs/agent-sandbox resources (AKS's Agent Sandbox extension runs AI agents' code
on Pod Sandboxing with them): (API group, kind), served as v1alpha1 and v1beta1, so any version
counts. Their pods' template is at `spec.podTemplate` (product spec, real-engine.md)."""
AGENT_SANDBOX_POD_SPEC = ("spec", "podTemplate", "spec")


def pod_spec_path(resource_type: str) -> Optional[tuple[str, ...]]:
    """Where a resource type keeps its pods' spec; None for a type that runs no pods.

    A custom resource's type token is `kubernetes:<group>/<version>:<Kind>`.
    """
    if resource_type in POD_SPEC_PATHS:
        return POD_SPEC_PATHS[resource_type]
    parts = resource_type.split(":")
    if len(parts) != 3:
        return None
    provider, group_version, kind = parts
    group = group_version.rpartition("/")[0]
    if provider == "kubernetes" and (group, kind) in AGENT_SANDBOX_KINDS:
        return AGENT_SANDBOX_POD_SPEC
    return None


DEFAULT_NAMESPACE = "default"

DEFAULT_UNTRUSTED_NAMESPACE = "untrusted"
"""The namespace the demo's untrusted pod runs in, and that the pack treats as untrusted, unless
configured otherwise."""


@dataclass(frozen=True)
class Workload:
    """The pod spec a workload runs, with where it sits for messages."""

    resource_type: str
    props: Mapping[str, Any]
    path: str
    """e.g. "spec.template.spec"."""
    pod_spec: Mapping[str, Any]
    provider_namespace: Optional[str]
    """Where its provider puts an object without `metadata.namespace`; None when that cannot be
    known (see `namespace`)."""

    @property
    def kind(self) -> str:
        return self.resource_type.rsplit(":", 1)[-1]

    @property
    def runtime_class_name(self) -> Any:
        return self.pod_spec.get("runtimeClassName")

    @property
    def sandboxing_runtime(self) -> Optional[RuntimeGeneration]:
        """The sandboxing generation of its RuntimeClass, or None when it is not sandboxed."""
        name = self.runtime_class_name
        return RUNTIMES_BY_CLASS.get(name) if isinstance(name, str) else None

    @property
    def declared_namespace(self) -> Optional[str]:
        """`metadata.namespace`, when the object sets one."""
        metadata = self.props.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
        return namespace if isinstance(namespace, str) and namespace else None

    @property
    def namespace(self) -> Optional[str]:
        """The namespace it really lands in: `metadata.namespace`, else its provider's; None
        when neither can be known (then it must be reported as not checked, never assumed to be
        in "default": pulumi-kubernetes puts it in the provider's namespace, which may be any)."""
        return self.declared_namespace or self.provider_namespace

    def containers(self) -> list[Mapping[str, Any]]:
        containers = self.pod_spec.get("containers") or []
        return [container for container in containers if isinstance(container, Mapping)]

    def where(self, key: str) -> str:
        return f"{self.path}.{key}"


def provider_namespace(namespace: Any, kubeconfig_namespace: Any, has_kubeconfig: bool) -> Any:
    """Where a pulumi-kubernetes provider puts an object without `metadata.namespace` (its
    docstring): its `namespace` argument, else its kubeconfig's current context's namespace,
    else "default" (for a kubeconfig it was given); None when the provider reads an ambient
    kubeconfig, unknown offline."""
    for found in (namespace, kubeconfig_namespace):
        if isinstance(found, str) and found:
            return found
    return DEFAULT_NAMESPACE if has_kubeconfig else None


def workload_of(
    resource_type: str, props: Mapping[str, Any], provider_namespace: Optional[str] = None
) -> Optional[Workload]:
    """The workload view of a resource, or None when it is not a pod-running workload.

    `provider_namespace` is where its provider puts it when it sets no namespace (None: not
    known)."""
    path = pod_spec_path(resource_type)
    if path is None:
        return None
    spec: Any = props
    for key in path:
        spec = spec.get(key) if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping):
        return None
    return Workload(resource_type, props, ".".join(path), spec, provider_namespace)
