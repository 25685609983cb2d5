"""What Azure requires of a Pod Sandboxing node pool, as data.

This module is the single source of truth for the runtime generations, the OS SKU and the minimum
Kubernetes versions: the Pulumi program, the policy pack and the command line all read it. It
imports nothing from Pulumi so that each of them (and the tests) can use it as plain Python.
Facts come from the AKS Pod Sandboxing docs, preview and GA
(https://learn.microsoft.com/azure/aks/use-pod-sandboxing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

KubernetesVersion = tuple[int, int, int]


@dataclass(frozen=True)
class RuntimeGeneration:
    """One generation of the feature: the values a pool, a pod and a subscription must carry."""

    workload_runtime: str
    """Node pool `workloadRuntime` value."""
    runtime_class_name: str
    """Pod `spec.runtimeClassName` that schedules onto the pool's Kata handler."""
    node_label: str
    """Label AKS puts on every node of the pool (its value is "true")."""
    feature_flag: Optional[str]
    """Subscription feature (`<namespace>/<name>`) that must be registered first, if any."""
    min_kubernetes_version: KubernetesVersion
    legacy: bool
    """True for the 2023 preview generation, which is supported but never the default."""

    @property
    def min_kubernetes_version_text(self) -> str:
        return ".".join(str(part) for part in self.min_kubernetes_version)


GA_RUNTIME = RuntimeGeneration(
    workload_runtime="KataVmIsolation",
    runtime_class_name="kata-vm-isolation",
    node_label="kubernetes.azure.com/kata-vm-isolation",
    feature_flag=None,
    min_kubernetes_version=(1, 27, 0),
    legacy=False,
)

LEGACY_RUNTIME = RuntimeGeneration(
    workload_runtime="KataMshvVmIsolation",
    runtime_class_name="kata-mshv-vm-isolation",
    node_label="kubernetes.azure.com/kata-mshv-vm-isolation",
    feature_flag="Microsoft.ContainerService/KataVMIsolationPreview",
    min_kubernetes_version=(1, 24, 0),
    legacy=True,
)

LEGACY_ARM_API_VERSION = "2026-05-02-preview"
"""The ARM API version legacy (KataMshvVmIsolation) clusters and pools are sent with.

pulumi-azure-native 3.13+ calls the stable 2025-09-01 for ManagedCluster and AgentPool, whose
WorkloadRuntime enum has no KataMshvVmIsolation; only preview versions list it. This one does, in
azure-rest-api-specs specification/containerservice/resource-manager/Microsoft.ContainerService/
aks/preview/2026-05-02-preview/managedClusters.json (definition WorkloadRuntime: OCIContainer,
WasmWasi, KataMshvVmIsolation, KataVmIsolation), the newest of the preview range the product spec
names. Legacy resources therefore go through the generic azure-native:resources:Resource."""

REGISTERED = "Registered"
"""The subscription feature state the legacy runtime needs."""

RUNTIMES: dict[str, RuntimeGeneration] = {
    runtime.workload_runtime: runtime for runtime in (GA_RUNTIME, LEGACY_RUNTIME)
}
"""Every sandboxing runtime generation, by its node pool `workloadRuntime` value."""

DEFAULT_RUNTIME = GA_RUNTIME

RUNTIMES_BY_CLASS: dict[str, RuntimeGeneration] = {
    runtime.runtime_class_name: runtime for runtime in RUNTIMES.values()
}
"""Every sandboxing runtime generation, by its pod RuntimeClass name."""

REQUIRED_OS_TYPE = "Linux"
REQUIRED_OS_SKU = "AzureLinux"
UNVERIFIED_OS_SKUS = frozenset({"AzureLinux3"})
"""OS SKUs that may work (Kata node images are Azure Linux 3 based) but are not documented."""

DEFAULT_VM_SIZE = "Standard_D4s_v3"
"""The how-to's VM size: Dsv3 is Generation 2 with nested virtualization."""

INLINE_POOL_IMMUTABLE_FIELDS = ("vmSize", "workloadRuntime", "osSKU")
"""Fields of a cluster's inline (`agentPoolProfiles`) pool that AKS cannot change in place. A change
previews as an update and fails at `up` (pulumi-azure-native issues #1504 and #959; PR #2774 took
them off the provider's replace list and points to `replaceOnChanges`)."""

AGENT_POOL_FORCE_NEW = ("vmSize", "gpuInstanceProfile", "networkProfile.nodePublicIPTags")
"""What a typed `AgentPool` replaces itself on, by the provider's own metadata
(pulumi-azure-native `provider/pkg/gen/replacement.go`, `forceNewMap`, after PR #4771); the
generic `resources:Resource` a legacy pool is sent through has none of it."""
MANAGED_CLUSTER_FORCE_NEW = (
    "dnsPrefix", "fqdnSubdomain", "diskEncryptionSetID", "linuxProfile", "windowsProfile",
    "nodeResourceGroup", "networkProfile.serviceCidr", "networkProfile.serviceCidrs",
    "networkProfile.podCidrs", "networkProfile.dnsServiceIP", "networkProfile.networkMode",
    "networkProfile.networkPlugin", "networkProfile.networkPluginMode", "networkProfile.podCidr",
    "networkProfile.networkDataplane", "networkProfile.networkPolicy",
    "networkProfile.outboundType", "networkProfile.ipFamilies",
)  # fmt: skip
"""The same for a typed `ManagedCluster`'s properties (its `location` too: the ARM spec marks it
create-only, `x-ms-mutability`); a legacy cluster, a generic resource, needs them in
`replaceOnChanges`."""


def find_runtime(value: str) -> Optional[RuntimeGeneration]:
    """The runtime generation whose `workloadRuntime` is `value` (ARM enums ignore case)."""
    for runtime in RUNTIMES.values():
        if runtime.workload_runtime.lower() == value.lower():
            return runtime
    return None


def split_feature_flag(flag: str) -> tuple[str, str]:
    """`"Microsoft.ContainerService/KataVMIsolationPreview"` -> (namespace, feature name)."""
    namespace, _, name = flag.partition("/")
    return namespace, name


_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")


def feature_registration_problem(runtime: RuntimeGeneration, state: Optional[str]) -> Optional[str]:
    """Why the runtime cannot be used on this subscription yet, or None when it can.

    Only the legacy runtime needs a subscription feature. Registering it is asynchronous and
    azure-native cannot create it as a resource (pulumi-azure-native #1722), so it is read, and
    anything short of Registered stops the deployment with the commands that register it.
    """
    if runtime.feature_flag is None or state == REGISTERED:
        return None
    namespace, feature = split_feature_flag(runtime.feature_flag)
    return (
        f"{runtime.workload_runtime} needs the subscription feature {runtime.feature_flag}, "
        f"which is {state or 'not registered'}. Register it and wait until it shows "
        f"{REGISTERED}: az feature register --namespace {namespace} --name {feature}; "
        f"az feature show --namespace {namespace} --name {feature}; then "
        f"az provider register --namespace {namespace}. Or use {GA_RUNTIME.workload_runtime}, "
        "which needs no feature"
    )


def known_version_below(text: Optional[str], minimum: KubernetesVersion) -> bool:
    """Whether a cluster's version, as read from it, is known and below `minimum` (an empty or
    unreadable one is not known: it stops nothing)."""
    version = parse_kubernetes_version(normalize_kubernetes_version(text)) if text else None
    return version is not None and version < minimum


def normalize_kubernetes_version(text: str) -> str:
    """A version as AKS takes it: `v1.30` (how `kubectl version` prints it) is `1.30`."""
    text = text.strip()
    return text[1:] if text[:1] in ("v", "V") else text


def yaml_number_reading(text: str, runtime: RuntimeGeneration) -> Optional[str]:
    """The version a user probably wrote when YAML read it as a number: `1.30`, unquoted, reaches
    the program as `1.3` (the CLI passes the float). Only offered when that reading is a version
    the runtime accepts, e.g. "1.30" for "1.3"; None otherwise."""
    match = re.fullmatch(r"(\d+)\.(\d)", text.strip())
    if match is None:
        return None
    candidate = f"{match.group(1)}.{match.group(2)}0"
    version = parse_kubernetes_version(candidate)
    return candidate if version is not None and meets_minimum_version(version, runtime) else None


def parse_kubernetes_version(text: str) -> Optional[KubernetesVersion]:
    """`"1.29"` -> (1, 29, 0), `"1.29.4"` -> (1, 29, 4); None for anything else.

    AKS accepts a bare minor (`1.29`, meaning its latest patch); a bare minor meets a minimum
    whenever its minor does, since every patch of that minor is at least `x.y.0`.
    """
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def meets_minimum_version(version: KubernetesVersion, runtime: RuntimeGeneration) -> bool:
    return version >= runtime.min_kubernetes_version


def os_sku_problem(os_sku: str) -> Optional[str]:
    """Why `os_sku` cannot host a sandboxing pool, or None when it can (or is merely unverified)."""
    if os_sku.lower() == REQUIRED_OS_SKU.lower():
        return None
    if os_sku.lower() in {sku.lower() for sku in UNVERIFIED_OS_SKUS}:
        return None
    return f"Pod Sandboxing needs OS SKU {REQUIRED_OS_SKU}; {os_sku} cannot run Kata VMs"


def canonical_os_sku(os_sku: str) -> str:
    """`azurelinux` -> `AzureLinux` (ARM enums ignore case); other values as given."""
    for known in (REQUIRED_OS_SKU, *sorted(UNVERIFIED_OS_SKUS)):
        if known.lower() == os_sku.lower():
            return known
    return os_sku


def os_sku_warning(os_sku: str) -> Optional[str]:
    """A warning for an OS SKU that is not documented for sandboxing but may work."""
    if os_sku.lower() in {sku.lower() for sku in UNVERIFIED_OS_SKUS}:
        return (
            f"OS SKU {os_sku} is not documented for Pod Sandboxing (only {REQUIRED_OS_SKU} is); "
            "AKS may reject it"
        )
    return None


def legacy_runtime_warning(runtime: RuntimeGeneration) -> Optional[str]:
    """The deprecation notice for the preview-era runtime, or None for the GA one."""
    if not runtime.legacy:
        return None
    return (
        f"workload runtime {runtime.workload_runtime} is the preview-era (legacy) generation; "
        f"use {GA_RUNTIME.workload_runtime} (RuntimeClass {GA_RUNTIME.runtime_class_name}), "
        "generally available since 2025-11-18"
    )


def existing_cluster_version_problem(
    cluster_name: str, version_text: Optional[str], runtime: RuntimeGeneration
) -> Optional[str]:
    """Why an existing cluster's Kubernetes version cannot take a sandboxing pool, if it cannot.

    A version that cannot be read (None) is not a problem here: the caller reports it as unchecked.
    """
    if version_text is None:
        return None
    version = parse_kubernetes_version(version_text)
    if version is not None and meets_minimum_version(version, runtime):
        return None
    return (
        f"existing cluster {cluster_name} runs Kubernetes {version_text}, below the minimum "
        f"{runtime.min_kubernetes_version_text} for {runtime.workload_runtime}; upgrade it first "
        f"(az aks upgrade --kubernetes-version ...) or use mode new-cluster"
    )


KUBELOGIN_MODES: dict[str, str] = {
    "azurecli": "the Azure CLI's signed-in account (az login; azure/login in a workflow)",
    "workloadidentity": "a federated workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID and "
    "AZURE_FEDERATED_TOKEN_FILE, or a GitHub Actions OIDC token)",
    "spn": "a service principal (AAD_SERVICE_PRINCIPAL_CLIENT_ID and "
    "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET, or AZURE_CLIENT_ID and AZURE_CLIENT_SECRET)",
}
"""How kubelogin signs in to a cluster with Microsoft Entra ID, non-interactively, and what each
mode reads (Azure/kubelogin `pkg/internal/token/options.go`). AKS hands out a kubeconfig whose
kubelogin runs `--login devicecode`, which waits for a person (pulumi-kubernetes #2399, #2579)."""
DEFAULT_KUBELOGIN_MODE = "azurecli"


AGENT_POOL_LABEL = "kubernetes.azure.com/agentpool"
"""Label AKS puts on every node with the name of its node pool (to pin a pod to one pool)."""
