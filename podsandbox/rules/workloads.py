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
    def namespace(self) -> str:
        """`metadata.namespace`, or "default" when unset (the provider's usual default)."""
        metadata = self.props.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
        return namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE

    def containers(self) -> list[Mapping[str, Any]]:
        containers = self.pod_spec.get("containers") or []
        return [container for container in containers if isinstance(container, Mapping)]

    def where(self, key: str) -> str:
        return f"{self.path}.{key}"


def workload_of(resource_type: str, props: Mapping[str, Any]) -> Optional[Workload]:
    """The workload view of a resource, or None when it is not a pod-running workload."""
    path = POD_SPEC_PATHS.get(resource_type)
    if path is None:
        return None
    spec: Any = props
    for key in path:
        spec = spec.get(key) if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping):
        return None
    return Workload(resource_type, props, ".".join(path), spec)
