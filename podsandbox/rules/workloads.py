"""Find the pod spec of a Kubernetes workload in engine-shaped inputs (as policies see them)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from podsandbox.rules.aks import RUNTIMES, RUNTIMES_BY_CLASS, RuntimeGeneration, find_runtime

POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:core/v1:ReplicationController": ("spec", "template", "spec"),
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
counts. Their pods' template is at `spec.podTemplate` (https://github.com/kubernetes-sigs/
agent-sandbox, the Sandbox API)."""
AGENT_SANDBOX_POD_SPEC = ("spec", "podTemplate", "spec")


OTHER_WORKLOAD_KINDS: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("core", "PodTemplate"): (("template", "spec"), "Kubernetes API, core/v1 PodTemplate.template"),
    ("apps", "Deployment"): (
        ("spec", "template", "spec"),
        "Kubernetes API, apps/v1beta1 and v1beta2 (as apps/v1)",
    ),
    ("apps", "StatefulSet"): (
        ("spec", "template", "spec"),
        "Kubernetes API, apps/v1beta1 and v1beta2",
    ),
    ("apps", "DaemonSet"): (("spec", "template", "spec"), "Kubernetes API, apps/v1beta2"),
    ("apps", "ReplicaSet"): (("spec", "template", "spec"), "Kubernetes API, apps/v1beta2"),
    ("extensions", "Deployment"): (
        ("spec", "template", "spec"),
        "Kubernetes API, extensions/v1beta1",
    ),
    ("extensions", "DaemonSet"): (
        ("spec", "template", "spec"),
        "Kubernetes API, extensions/v1beta1",
    ),
    ("extensions", "ReplicaSet"): (
        ("spec", "template", "spec"),
        "Kubernetes API, extensions/v1beta1",
    ),
    ("batch", "CronJob"): (
        ("spec", "jobTemplate", "spec", "template", "spec"),
        "Kubernetes API, batch/v1beta1 and v2alpha1",
    ),
    ("serving.knative.dev", "Service"): (
        ("spec", "template", "spec"),
        "Knative Serving API, ServiceSpec.template (a RevisionTemplateSpec)",
    ),
    ("serving.knative.dev", "Configuration"): (
        ("spec", "template", "spec"),
        "Knative Serving API, ConfigurationSpec.template",
    ),
    ("serving.knative.dev", "Revision"): (
        ("spec",),
        "Knative Serving API, RevisionSpec embeds a PodSpec",
    ),
    ("jobset.x-k8s.io", "JobSet"): (
        ("spec", "replicatedJobs", "[0]", "template", "spec", "template", "spec"),
        "kubernetes-sigs/jobset api/jobset/v1alpha2/jobset_types.go: ReplicatedJob.template",
    ),
    ("kubevirt.io", "VirtualMachine"): (
        ("spec", "template", "spec"),
        "KubeVirt API, VirtualMachineSpec.template (its virt-launcher pod)",
    ),
    ("kubevirt.io", "VirtualMachineInstance"): (
        ("spec",),
        "KubeVirt API, VirtualMachineInstanceSpec (its virt-launcher pod)",
    ),
    ("tekton.dev", "TaskRun"): (
        ("spec", "podTemplate"),
        "tekton.dev/docs/pipelines/podtemplates: a TaskRun's Pod template",
    ),
    ("tekton.dev", "PipelineRun"): (
        ("spec", "taskRunTemplate", "podTemplate"),
        "tekton.dev/docs/pipelines/podtemplates: a v1 PipelineRun's Pod template",
    ),
    ("argoproj.io", "Workflow"): (
        ("spec",),
        "Argo Workflows WorkflowSpec: hostNetwork, securityContext, podSpecPatch for every pod",
    ),
    ("argoproj.io", "WorkflowTemplate"): (
        ("spec",),
        "Argo Workflows WorkflowTemplate.spec, a WorkflowSpec",
    ),
    ("argoproj.io", "CronWorkflow"): (
        ("spec", "workflowSpec"),
        "Argo Workflows CronWorkflowSpec.workflowSpec",
    ),
}
"""Workload kinds the pack judges besides `POD_SPEC_PATHS` and the agent sandboxes (which the
in-cluster guardrail matches too, see `podsandbox.guardrail.admission_policy`): (API group, kind)
in any served version, where their pods' spec sits, and the source of that path. A PodTemplate
runs no pod itself (a controller copies it), so only the pack judges it, defensively. `[0]` is a
list's only item: a list of several is not judged (each item is a pod template of its own)."""

DEPLOYS_ELSEWHERE: dict[tuple[str, str], str] = {
    ("argoproj.io", "Application"): "an Argo CD Application deploys manifests from a repository",
    ("argoproj.io", "ApplicationSet"): "an Argo CD ApplicationSet generates Applications",
    ("kustomize.toolkit.fluxcd.io", "Kustomization"): "a Flux Kustomization applies manifests "
    "from a source",
    ("helm.toolkit.fluxcd.io", "HelmRelease"): "a Flux HelmRelease installs a Helm chart",
}
"""Kinds whose objects make a controller deploy other objects, anywhere: what those are the pack
cannot see, wherever the object itself lands."""


def is_patch(resource_type: str, props: Mapping[str, Any]) -> bool:
    """Whether pulumi-kubernetes applies this resource as a patch of a live object: its type's
    name is its `kind` input and "Patch" (provider/pkg/kinds/util.go, `IsPatchResource`, which
    also keeps a custom kind whose own name ends in Patch a whole object)."""
    kind = props.get("kind")
    return (
        resource_type.startswith("kubernetes:")
        and isinstance(kind, str)
        and bool(kind)
        and resource_type.endswith(f":{kind}Patch")
    )


def object_kind(resource_type: str, props: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    """(API group, kind) of a Kubernetes object: its `apiVersion` and `kind` inputs, which are
    what the provider sends to the API server (pulumi-kubernetes' CustomResource takes its type
    token from them, so `v1`/`Pod` is a Pod), else its type token; the core group is "core".
    None for a resource that is not a Kubernetes object."""
    api_version, kind = props.get("apiVersion"), props.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str) and api_version and kind:
        group = api_version.rpartition("/")[0] if "/" in api_version else "core"
        return group, kind
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes" or "/" not in parts[1]:
        return None
    return parts[1].rpartition("/")[0], parts[2]


def pod_spec_path(
    resource_type: str, props: Optional[Mapping[str, Any]] = None
) -> Optional[tuple[str, ...]]:
    """Where a resource keeps its pods' spec; None for one that runs no pods.

    A custom resource's type token is `kubernetes:<group>/<version>:<Kind>`; the kind is read
    from the object's `apiVersion` and `kind` when it sets them (`object_kind`).
    """
    found = object_kind(resource_type, props or {})
    if found is None:
        return None
    group, kind = found
    api_version = (props or {}).get("apiVersion")
    if isinstance(api_version, str) and "/" not in api_version:
        api_version = f"core/{api_version}"
    token = f"kubernetes:{api_version}:{kind}" if isinstance(api_version, str) else resource_type
    if token in POD_SPEC_PATHS:
        return POD_SPEC_PATHS[token]
    if (group, kind) in AGENT_SANDBOX_KINDS:
        return AGENT_SANDBOX_POD_SPEC
    entry = OTHER_WORKLOAD_KINDS.get((group, kind))
    return entry[0] if entry is not None else None


PRIVILEGED_CONTAINER_FIELDS = ("containers", "initContainers", "ephemeralContainers")
"""The pod spec's container lists whose `securityContext.privileged` the rules refuse. The API
server refuses ephemeral containers in a create (`ValidatePodCreate`: "cannot be set on create");
`kubectl debug` adds them later through `pods/ephemeralcontainers`, so the admission policy judges
them there, and the pack checks them in a declared pod spec all the same (defensively)."""

DEFAULT_NAMESPACE = "default"

AKS_OWNED_NAMESPACES: dict[str, str] = {
    # The namespaces AKS protects on AKS Automatic (its `aks-managed-protect-system-namespaces`
    # ValidatingAdmissionPolicy); the AKS resource provider's ProtectedNamespaces list, as
    # Azure/eviction-autoscaler internal/namespacefilter/nsfilter.go copies it (2026-07-20):
    "aks-command": "`az aks command invoke`",
    "calico-system": "AKS-managed Calico network policy",
    "tigera-system": "AKS-managed Calico (Tigera)",
    "gatekeeper-system": "the Azure Policy add-on (MicrosoftDocs azure-aks-docs "
    "list-pods-aks-cluster.md, managed-namespaces.md)",
    "azappconfig-system": "the Azure App Configuration extension "
    "(azure-app-configuration-settings.md)",
    "azureml": "the Azure Machine Learning extension",
    "dapr-system": "the Dapr extension (dapr-settings.md)",
    "dataprotection-microsoft": "the AKS Backup extension",
    "flux-system": "the GitOps (Flux) extension (Azure/AKS #5645)",
    "acstor": "Azure Container Storage",
    "sc-system": "the Service Connector extension",
    "azure-extensions-usage-system": "cluster extensions' usage reporting",
    "app-routing-system": "the application routing add-on (app-routing.md)",
    "aks-periscope": "AKS Periscope diagnostics (deploy-periscope-aks.md)",
    "aks-istio-system": "the Istio add-on (istio-uninstall-addon.md)",
    "aks-istio-ingress": "the Istio add-on's ingress gateways (istio-uninstall-addon.md)",
    "aks-istio-egress": "the Istio add-on's egress gateway (istio-deploy-egress.md)",
    "aks-static-egress-gateway": "the static egress gateway",
    "azuresecuritylinuxagent": "the Microsoft Defender security agent",
    "fleet-system": "Azure Kubernetes Fleet Manager (kubernetes-fleet/"
    'concepts-member-cluster-types.md: "shouldn\'t be directly modified")',
    # Named by the AKS docs, not in that list:
    "istio-system": "a system namespace AKS refuses to manage (managed-namespaces.md)",
    "gadget": "the Inspektor Gadget extension (inspektor-gadget-overview.md)",
    "azure-arc": "the Azure Arc agents (Azure Policy excludes it as a system namespace)",
}
"""Namespaces AKS or its add-ons and extensions own, with who owns each and the source. The
program must not take one over as its untrusted namespace (it would relabel it for Pod Security
and deny its traffic). AKS publishes no complete list; these are the defaults (some add-ons let
their namespace be moved)."""


_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
NAMESPACE_NAME_RULE = (
    "1-63 lower-case letters, digits and '-', starting and ending with a letter or digit"
)
OBJECT_NAME_RULE = (
    "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
)


def is_namespace_name(text: str) -> bool:
    """Whether `text` can name a namespace (an RFC 1123 label, as the API server requires)."""
    return _DNS_LABEL.fullmatch(text) is not None


def is_object_name(text: str, max_length: int = 253) -> bool:
    """Whether `text` can name a RuntimeClass or an admission policy (an RFC 1123 subdomain)."""
    return len(text) <= max_length and _DNS_SUBDOMAIN.fullmatch(text) is not None


HASH_LENGTH = 8


def unique_object_name(parts: tuple[str, ...], max_length: int) -> str:
    """`parts` joined with "-" as an RFC 1123 subdomain of at most `max_length` characters: a
    cluster-wide object's default name, unique per project, stack and component. One too long is
    cut and ends with a hash of the whole, so that names cut alike still differ."""
    whole = "-".join(parts)
    name = re.sub(r"[^a-z0-9.-]+", "-", whole.lower()).strip("-.") or "podsandbox"
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(whole.encode()).hexdigest()[:HASH_LENGTH]
    return f"{name[: max_length - HASH_LENGTH - 1].rstrip('-.')}-{digest}"


def reserved_namespace(namespace: str) -> Optional[str]:
    """Who owns `namespace` when a program must not take it over; None when it may."""
    if namespace == DEFAULT_NAMESPACE:
        return "Kubernetes' default namespace, where workloads land that name no other"
    if namespace.startswith("kube-"):
        return "a namespace Kubernetes reserves (kube-*) for the system"
    owner = AKS_OWNED_NAMESPACES.get(namespace)
    return f"owned by {owner}" if owner is not None else None


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
    sandboxing_classes: Mapping[str, RuntimeGeneration] = field(default_factory=dict)
    """Sandboxing RuntimeClasses besides AKS's own (named in the pack's config, or declared by
    the program), by name."""
    patch: bool = False
    """A patch of a live object (`is_patch`): its pod spec holds only the fields it sets; the
    checks judge those and leave the rest to the live object."""

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
        if not isinstance(name, str):
            return None
        return RUNTIMES_BY_CLASS.get(name) or self.sandboxing_classes.get(name)

    @property
    def other_runtime_class(self) -> Optional[str]:
        """Its RuntimeClass when that is neither AKS's nor one of `sandboxing_classes`: whether
        it sandboxes depends on how the class is declared, which only a view of the whole stack
        can tell (see `declared_runtime_class`)."""
        name = self.runtime_class_name
        if not isinstance(name, str) or not name or self.sandboxing_runtime is not None:
            return None
        return name

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
    resource_type: str,
    props: Mapping[str, Any],
    provider_namespace: Optional[str] = None,
    sandboxing_classes: Optional[Mapping[str, RuntimeGeneration]] = None,
) -> Optional[Workload]:
    """The workload view of a resource, or None when it is not a pod-running workload.

    `provider_namespace` is where its provider puts it when it sets no namespace (None: not
    known); `sandboxing_classes` the sandboxing RuntimeClasses besides AKS's."""
    path = pod_spec_path(resource_type, props)
    if path is None:
        return None
    spec: Any = props
    for key in path:
        if key == "[0]":
            only = isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == 1
            spec = spec[0] if only else None
        else:
            spec = spec.get(key) if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping):
        return None
    where = ".".join(path).replace(".[0]", "[0]")
    return Workload(
        resource_type,
        props,
        where,
        spec,
        provider_namespace,
        sandboxing_classes or {},
        is_patch(resource_type, props),
    )


def shown(value: Any) -> str:
    """A field's value for a message: quoted, or "unset" (never Python's None)."""
    return "unset" if value is None else repr(value)


KATA_HANDLER = "kata"
"""A RuntimeClass whose handler is this, or starts with it and "-", runs pods in Kata VMs."""


def is_kata_handler(handler: Any) -> bool:
    return isinstance(handler, str) and (
        handler == KATA_HANDLER or handler.startswith(KATA_HANDLER + "-")
    )


@dataclass(frozen=True)
class DeclaredRuntimeClass:
    """A RuntimeClass a program declares (`node.k8s.io`, any version)."""

    name: str
    handler: Any
    generation: Optional[RuntimeGeneration]
    """The sandboxing generation its `scheduling.nodeSelector` label schedules onto (the label
    AKS puts on that generation's nodes, value "true"); None when it names none."""

    @property
    def sandboxing(self) -> Optional[RuntimeGeneration]:
        """Its generation when it sandboxes: a Kata handler, scheduled onto sandboxing nodes."""
        return self.generation if is_kata_handler(self.handler) else None

    def why_not_sandboxing(self) -> str:
        if not is_kata_handler(self.handler):
            return (
                f"this stack declares RuntimeClass {self.name} with handler {shown(self.handler)}, "
                f"which is not {KATA_HANDLER!r} or {KATA_HANDLER}-*"
            )
        labels = " or ".join(f'{runtime.node_label}: "true"' for runtime in RUNTIMES.values())
        return (
            f"this stack declares RuntimeClass {self.name} with handler {shown(self.handler)} "
            f"but its scheduling.nodeSelector names no sandboxing node label ({labels}), so its "
            "pods can land on nodes without the Kata handler"
        )


def declared_runtime_class(
    resource_type: str, props: Mapping[str, Any]
) -> Optional[DeclaredRuntimeClass]:
    """The RuntimeClass a resource declares, or None when it is not one (or has no known name)."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes" or parts[2] != "RuntimeClass":
        return None
    if not parts[1].startswith("node.k8s.io/"):
        return None
    metadata = props.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name:
        return None
    scheduling = props.get("scheduling")
    selector = scheduling.get("nodeSelector") if isinstance(scheduling, Mapping) else None
    generation = None
    if isinstance(selector, Mapping):
        generation = next(
            (r for r in RUNTIMES.values() if selector.get(r.node_label) == "true"), None
        )
    return DeclaredRuntimeClass(name, props.get("handler"), generation)


def configured_classes(config: Any) -> dict[str, RuntimeGeneration]:
    """The pack config's `sandboxingRuntimeClasses` (class name: workloadRuntime), as
    generations; the config's schema has already refused other values."""
    if not isinstance(config, Mapping):
        return {}
    found = {}
    for name, workload_runtime in config.items():
        runtime = find_runtime(workload_runtime) if isinstance(workload_runtime, str) else None
        if runtime is not None:
            found[name] = runtime
    return found


def reserved_class_problem(declared: DeclaredRuntimeClass) -> Optional[str]:
    """Why a RuntimeClass the stack declares under one of AKS's class names is wrong, or None.

    AKS creates `kata-vm-isolation` (and the legacy `kata-mshv-vm-isolation`) with handler
    `kata` (a capture of `kubectl get runtimeclass`, ../shared/spec/pod-sandboxing.md); a class
    of that name with another handler would run every pod that names it with that handler
    instead, runc included, while the pack takes the name for a sandbox."""
    if declared.name not in RUNTIMES_BY_CLASS or declared.handler == KATA_HANDLER:
        return None
    return (
        f"RuntimeClass {declared.name} is AKS's sandboxing class, but this stack declares it "
        f"with handler {declared.handler!r}, not {KATA_HANDLER!r}: pods that name it would run "
        "without the Kata sandbox"
    )
