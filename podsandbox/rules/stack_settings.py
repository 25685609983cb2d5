"""The stack's settings: declared once, read from config values, validated all at once.

`SETTINGS` declares every key (type, default, description); `Pulumi.yaml` declares the same keys
for the Pulumi CLI and a test keeps the two identical. `load_settings` turns raw config values
(strings, as Pulumi hands them to a program) into a typed `StackSettings`, or raises one
`SettingsError` that lists every problem: the key, the value, what is allowed, and an example.
Nothing here imports Pulumi, so the program, the command line and the tests share it as is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Union

from podsandbox.rules import aks, sizing, vmsizes
from podsandbox.rules.workloads import DEFAULT_UNTRUSTED_NAMESPACE

PROJECT = "podsandbox"
"""The Pulumi project name: the namespace of every key below in a stack file."""

NEW_CLUSTER = "new-cluster"
EXISTING_CLUSTER = "existing-cluster"
MODES = (NEW_CLUSTER, EXISTING_CLUSTER)

DEFAULT_NEW_CLUSTER_POOL = "nodepool1"
"""`az aks create` names the first pool nodepool1."""
DEFAULT_EXISTING_CLUSTER_POOL = "nodepool2"
"""The how-to adds nodepool2 to an existing cluster."""

LOCATION_KEY = "azure-native:location"

SKIP_VALIDATION_ENV = "PODSANDBOX_SKIP_VALIDATION"
"""Set to "true" to let the sandboxing rules step aside in the program (types and names are still
checked), so that a policy pack can be seen judging a bad stack."""

ConfigValue = Union[str, int, bool, list[str]]


@dataclass(frozen=True)
class Setting:
    """One stack setting as declared in `Pulumi.yaml`."""

    key: str
    type: str
    """"string", "integer", "boolean" or "array" of strings (types Pulumi.yaml can declare)."""
    default: ConfigValue
    description: str

    def declaration(self) -> dict[str, object]:
        """This setting as Pulumi.yaml declares it."""
        declared: dict[str, object] = {"type": self.type}
        if self.type == "array":
            declared["items"] = {"type": "string"}
        declared.update(description=self.description, default=self.default)
        return declared


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "mode",
        "string",
        NEW_CLUSTER,
        "new-cluster creates a resource group and an AKS cluster whose system pool is "
        "sandboxing-enabled; existing-cluster adds a sandboxing node pool to an existing cluster.",
    ),
    Setting(
        "runtime",
        "string",
        aks.DEFAULT_RUNTIME.workload_runtime,
        "Workload runtime of the sandboxing pool: KataVmIsolation (GA) or the legacy preview "
        "KataMshvVmIsolation (registers the KataVMIsolationPreview feature).",
    ),
    Setting(
        "resourceGroupName",
        "string",
        "myResourceGroup",
        "Resource group of the cluster (created in new-cluster mode unless "
        "createResourceGroup is false).",
    ),
    Setting(
        "createResourceGroup",
        "boolean",
        True,
        "new-cluster mode only: create the resource group (true) or use an existing one (false).",
    ),
    Setting(
        "clusterName",
        "string",
        "myAKSCluster",
        "Name of the AKS cluster to create (new-cluster) or to add the pool to (existing-cluster).",
    ),
    Setting(
        "kubernetesVersion",
        "string",
        "",
        "Kubernetes version of the cluster or pool, e.g. 1.33; empty for the AKS default. "
        "At least 1.27.0 for KataVmIsolation, 1.24.0 for KataMshvVmIsolation.",
    ),
    Setting(
        "nodeVmSize",
        "string",
        aks.DEFAULT_VM_SIZE,
        "VM size of the sandboxing pool: Generation 2 with nested virtualization, e.g. "
        "Standard_D4s_v3 (check one with `python -m podsandbox vm-size NAME`).",
    ),
    Setting("nodeCount", "integer", 1, "Number of nodes in the sandboxing pool (at least 1)."),
    Setting(
        "nodePoolName",
        "string",
        "",
        "Name of the sandboxing pool; empty for nodepool1 (new-cluster) or nodepool2 "
        "(existing-cluster).",
    ),
    Setting(
        "osSku",
        "string",
        aks.REQUIRED_OS_SKU,
        "OS SKU of the sandboxing pool; Pod Sandboxing requires AzureLinux.",
    ),
    Setting(
        "sshPublicKey",
        "string",
        "",
        "new-cluster mode: OpenSSH public key for the nodes; empty to generate a key pair "
        "(the private key becomes a secret stack output).",
    ),
    Setting(
        "extraPools",
        "array",
        [],
        "More sandboxing node pools on the same cluster, each NAME:VM_SIZE[:COUNT] (count 1 "
        "when left out), e.g. kata8:Standard_D8s_v5:2; same runtime, OS SKU and version.",
    ),
    Setting(
        "demo",
        "boolean",
        True,
        "Deploy the how-to's trusted and untrusted demo pods (the untrusted one sandboxed).",
    ),
    Setting(
        "demoCpuLimit",
        "string",
        "500m",
        "CPU limit (and request) of each demo pod, a Kubernetes quantity such as 500m or 1.",
    ),
    Setting(
        "demoMemoryLimit",
        "string",
        "256Mi",
        "Memory limit (and request) of each demo pod, at least 128Mi (the GA sandbox minimum).",
    ),
    Setting(
        "demoPool",
        "string",
        "",
        "Sandboxing pool the untrusted demo pod runs on (a nodeSelector on the pool name); "
        "empty for any node of the RuntimeClass.",
    ),
    Setting(
        "untrustedNamespace",
        "string",
        DEFAULT_UNTRUSTED_NAMESPACE,
        "Namespace of the untrusted demo pod: Pod Security baseline enforced, default-deny "
        "network policy.",
    ),
    Setting(
        "protect",
        "boolean",
        False,
        "Protect the cluster (new-cluster) or the node pool (existing-cluster) from deletion "
        "by `pulumi destroy`.",
    ),
)
"""Every stack setting, in the order of `Pulumi.yaml`."""

SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Problem:
    """One invalid setting: enough to fix it without reading the code."""

    key: str
    value: object
    reason: str
    allowed: str
    example: str

    def __str__(self) -> str:
        return (
            f"{self.key} = {self.value!r}: {self.reason}. Allowed: {self.allowed}. "
            f"Example: {self.example}"
        )


class SettingsError(ValueError):
    """Raised with every problem of a stack's settings at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        lines = [f"invalid stack settings ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  - {problem}" for problem in problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class PoolSpec:
    """One sandboxing node pool: its name, VM size and node count."""

    name: str
    vm_size: str
    count: int


@dataclass(frozen=True)
class StackSettings:
    """Validated, typed settings. Optional strings are None when left empty."""

    mode: str
    runtime: aks.RuntimeGeneration
    resource_group_name: str
    create_resource_group: bool
    cluster_name: str
    kubernetes_version: Optional[str]
    node_vm_size: str
    node_count: int
    node_pool_name: str
    os_sku: str
    ssh_public_key: Optional[str]
    protect: bool
    location: Optional[str]
    demo: bool = True
    demo_cpu_limit: str = "500m"
    demo_memory_limit: str = "256Mi"
    untrusted_namespace: str = DEFAULT_UNTRUSTED_NAMESPACE
    extra_pools: tuple[PoolSpec, ...] = ()
    demo_pool: Optional[str] = None
    """Name of the pool the untrusted demo pod is pinned to, or None for any sandboxing node."""
    warnings: tuple[str, ...] = field(default=())
    """Accepted but questionable choices (legacy runtime, unverified OS SKU)."""

    @property
    def is_new_cluster(self) -> bool:
        return self.mode == NEW_CLUSTER

    @property
    def pools(self) -> tuple[PoolSpec, ...]:
        """Every sandboxing pool: the main one (nodePoolName) first, then extraPools."""
        main = PoolSpec(self.node_pool_name, self.node_vm_size, self.node_count)
        return (main, *self.extra_pools)

    @property
    def demo_vm_size(self) -> str:
        """VM size of the nodes the untrusted demo pod runs on."""
        return next(
            (pool.vm_size for pool in self.pools if pool.name == self.demo_pool),
            self.node_vm_size,
        )


def _set_example(key: str, value: str) -> str:
    return f"pulumi config set {key} {value}"


# Azure naming rules (ARM API patterns for resource groups, managed clusters and agent pools).
_RESOURCE_GROUP = re.compile(r"^[-\w.()]{1,90}$")
_CLUSTER = re.compile(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$")
_POOL = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_SSH_KEY = re.compile(
    r"^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( .*)?$"
)
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class _Reader:
    """Reads raw values one key at a time, collecting problems instead of stopping."""

    def __init__(self, values: Mapping[str, object]) -> None:
        unknown = set(values) - set(SETTINGS_BY_KEY)
        self.problems: list[Problem] = [
            Problem(
                key,
                values[key],
                "is not a setting of this project",
                "one of " + ", ".join(SETTINGS_BY_KEY),
                _set_example("nodeCount", "1"),
            )
            for key in sorted(unknown)
        ]
        self.values = values

    def raw(self, key: str) -> object:
        value = self.values.get(key)
        return SETTINGS_BY_KEY[key].default if value is None else value

    def text(self, key: str) -> str:
        return str(self.raw(key)).strip()

    def integer(self, key: str) -> Optional[int]:
        value = self.raw(key)
        if isinstance(value, bool):
            value = str(value)
        try:
            return int(str(value).strip())
        except ValueError:
            self.problem(key, value, "is not a whole number", "an integer", _set_example(key, "1"))
            return None

    def boolean(self, key: str) -> Optional[bool]:
        value = self.raw(key)
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        self.problem(key, value, "is not a boolean", "true or false", _set_example(key, "true"))
        return None

    def problem(self, key: str, value: object, reason: str, allowed: str, example: str) -> None:
        self.problems.append(Problem(key, value, reason, allowed, example))


def load_settings(
    values: Mapping[str, object],
    location: Optional[str] = None,
    *,
    enforce_sandboxing_rules: bool = True,
) -> StackSettings:
    """Validate raw config values (unqualified keys) and return typed settings.

    Missing keys take their declared default, as the Pulumi CLI does. Raises `SettingsError` with
    every problem. With `enforce_sandboxing_rules=False` only values that cannot be used at all
    (wrong types, unknown names) are errors, so that a policy pack can judge the rest.
    """
    read = _Reader(values)
    runtime, mode = _read_runtime_and_mode(read)
    warnings: list[str] = []
    if runtime is not None and (notice := aks.legacy_runtime_warning(runtime)):
        warnings.append(notice)

    resource_group = read.text("resourceGroupName")
    if not _RESOURCE_GROUP.match(resource_group) or resource_group.endswith("."):
        read.problem(
            "resourceGroupName",
            resource_group,
            "is not a valid resource group name",
            "1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
            _set_example("resourceGroupName", "myResourceGroup"),
        )
    cluster = read.text("clusterName")
    if not _CLUSTER.match(cluster):
        read.problem(
            "clusterName",
            cluster,
            "is not a valid AKS cluster name",
            "1-63 letters, digits, '-' or '_', starting and ending with a letter or digit",
            _set_example("clusterName", "myAKSCluster"),
        )
    pool = read.text("nodePoolName") or (
        DEFAULT_EXISTING_CLUSTER_POOL if mode == EXISTING_CLUSTER else DEFAULT_NEW_CLUSTER_POOL
    )
    if not _POOL.match(pool):
        read.problem(
            "nodePoolName",
            pool,
            "is not a valid Linux node pool name",
            "1-12 lower-case letters and digits, starting with a letter",
            _set_example("nodePoolName", "nodepool2"),
        )

    count = read.integer("nodeCount")
    if count is not None and count < 1:
        read.problem(
            "nodeCount",
            count,
            "a node pool needs at least one node",
            "an integer of 1 or more",
            _set_example("nodeCount", "1"),
        )

    demo = read.boolean("demo")
    demo_cpu, demo_memory, namespace = _read_demo(read)

    create_group = read.boolean("createResourceGroup")
    protect = read.boolean("protect")

    ssh_key = read.text("sshPublicKey") or None
    if ssh_key is not None and not _SSH_KEY.match(ssh_key):
        shown = ssh_key if len(ssh_key) <= 40 else ssh_key[:37] + "..."
        read.problem(
            "sshPublicKey",
            shown,
            "is not an OpenSSH public key",
            "a single line 'ssh-rsa AAAA...' or 'ssh-ed25519 AAAA...', or empty to generate one",
            'pulumi config set sshPublicKey "$(cat ~/.ssh/id_rsa.pub)"',
        )

    version_text = read.text("kubernetesVersion") or None
    version = None
    if version_text is not None:
        version = aks.parse_kubernetes_version(version_text)
        if version is None:
            read.problem(
                "kubernetesVersion",
                version_text,
                "is not a Kubernetes version",
                "MAJOR.MINOR or MAJOR.MINOR.PATCH, or empty for the AKS default",
                _set_example("kubernetesVersion", "1.33"),
            )

    vm_size = read.text("nodeVmSize")
    size_verdict = _read_vm_size(
        read, "nodeVmSize", vm_size, _set_example("nodeVmSize", aks.DEFAULT_VM_SIZE)
    )
    extra_pools = _read_extra_pools(read, pool)
    demo_pool = read.text("demoPool") or None
    pool_names = [pool, *(spec.name for _, spec, _ in extra_pools)]
    if demo_pool is not None and demo_pool not in pool_names:
        read.problem(
            "demoPool",
            demo_pool,
            "is not one of this stack's sandboxing pools",
            "one of " + ", ".join(pool_names) + ", or empty",
            _set_example("demoPool", pool_names[-1]),
        )

    os_sku = read.text("osSku")
    location = (location or "").strip() or None
    if mode == NEW_CLUSTER and location is None:
        read.problem(
            LOCATION_KEY,
            None,
            "new-cluster mode needs an Azure region for the cluster",
            "an Azure region name",
            _set_example(LOCATION_KEY, "eastus"),
        )

    if enforce_sandboxing_rules and runtime is not None:
        _check_sandboxing_rules(read, runtime, version_text, version, size_verdict, os_sku)
        for key, _, verdict in extra_pools:
            _check_vm_size(read, key, verdict)
    if os_sku_notice := aks.os_sku_warning(os_sku):
        warnings.append(os_sku_notice)

    if read.problems:
        raise SettingsError(read.problems)
    assert runtime is not None and mode is not None and count is not None
    assert create_group is not None and protect is not None and demo is not None
    return StackSettings(
        mode=mode,
        runtime=runtime,
        resource_group_name=resource_group,
        create_resource_group=create_group,
        cluster_name=cluster,
        kubernetes_version=version_text,
        node_vm_size=size_verdict.size.name if size_verdict else vm_size,
        node_count=count,
        node_pool_name=pool,
        os_sku=_canonical_os_sku(os_sku),
        ssh_public_key=ssh_key,
        protect=protect,
        location=location,
        demo=demo,
        demo_cpu_limit=demo_cpu,
        demo_memory_limit=demo_memory,
        untrusted_namespace=namespace,
        extra_pools=tuple(
            PoolSpec(spec.name, verdict.size.name if verdict else spec.vm_size, spec.count)
            for _, spec, verdict in extra_pools
        ),
        demo_pool=demo_pool,
        warnings=tuple(warnings),
    )


def _read_quantity(
    read: _Reader, key: str, kind: str, minimum: Decimal, too_low: str, allowed: str, example: str
) -> str:
    """A Kubernetes quantity setting of at least `minimum` (problems recorded, text returned)."""
    text = read.text(key)
    try:
        if sizing.parse_quantity(text) < minimum:
            read.problem(key, text, too_low, allowed, _set_example(key, example))
    except sizing.QuantityError:
        read.problem(key, text, f"is not a Kubernetes {kind} quantity", allowed,
                     _set_example(key, example))  # fmt: skip
    return text


def _read_demo(read: _Reader) -> tuple[str, str, str]:
    """The demo pods' limits (valid under both sizing models) and the untrusted namespace."""
    cpu = _read_quantity(read, "demoCpuLimit", "CPU", Decimal("1e-9"),  # 1n, the smallest unit
                         "a CPU limit must be above zero",
                         "a positive CPU quantity such as 500m or 1", "500m")  # fmt: skip
    memory = _read_quantity(read, "demoMemoryLimit", "memory", Decimal(sizing.GA_MIN_MEMORY),
                            "is under the 128Mi minimum of a KataVmIsolation sandbox",
                            "a memory quantity of at least 128Mi, such as 256Mi or 1Gi",
                            "256Mi")  # fmt: skip
    namespace = read.text("untrustedNamespace")
    if not _NAMESPACE.match(namespace):
        read.problem("untrustedNamespace", namespace, "is not a valid Kubernetes namespace name",
                     "1-63 lower-case letters, digits and '-', starting and ending with a "
                     "letter or digit",
                     _set_example("untrustedNamespace", DEFAULT_UNTRUSTED_NAMESPACE))  # fmt: skip
    return cpu, memory, namespace


def _read_runtime_and_mode(
    read: _Reader,
) -> tuple[Optional[aks.RuntimeGeneration], Optional[str]]:
    runtime_text = read.text("runtime")
    runtime = aks.find_runtime(runtime_text)
    if runtime is None:
        read.problem(
            "runtime",
            runtime_text,
            "is not a Pod Sandboxing workload runtime",
            " or ".join(
                f"{r.workload_runtime}{' (legacy preview)' if r.legacy else ' (GA)'}"
                for r in aks.RUNTIMES.values()
            ),
            _set_example("runtime", aks.DEFAULT_RUNTIME.workload_runtime),
        )
    mode: Optional[str] = read.text("mode").lower()
    if mode not in MODES:
        read.problem(
            "mode",
            read.text("mode"),
            "is not a deployment mode",
            " or ".join(MODES),
            _set_example("mode", NEW_CLUSTER),
        )
        mode = None
    return runtime, mode


def _check_sandboxing_rules(
    read: _Reader,
    runtime: aks.RuntimeGeneration,
    version_text: Optional[str],
    version: Optional[aks.KubernetesVersion],
    size_verdict: Optional[vmsizes.SizeVerdict],
    os_sku: str,
) -> None:
    """What Azure requires of a sandboxing pool (the same rules the policy pack enforces)."""
    if version is not None and not aks.meets_minimum_version(version, runtime):
        read.problem(
            "kubernetesVersion",
            version_text,
            f"is below the minimum {runtime.min_kubernetes_version_text} for "
            f"{runtime.workload_runtime}",
            f"{runtime.min_kubernetes_version_text} or later, or empty for the AKS default",
            _set_example("kubernetesVersion", "1.33"),
        )
    _check_vm_size(read, "nodeVmSize", size_verdict)
    if (reason := aks.os_sku_problem(os_sku)) is not None:
        read.problem(
            "osSku",
            os_sku,
            reason,
            aks.REQUIRED_OS_SKU,
            _set_example("osSku", aks.REQUIRED_OS_SKU),
        )


def _read_vm_size(
    read: _Reader, key: str, vm_size: str, example: str
) -> Optional[vmsizes.SizeVerdict]:
    """The size's verdict, or None (with a problem) when it is not a size name at all."""
    try:
        return vmsizes.check_size(vm_size)
    except vmsizes.SizeNameError:
        read.problem(
            key,
            vm_size,
            "is not an Azure VM size name",
            "a size name such as Standard_D4s_v3 (tier_FamilyVCPUsFeatures_version)",
            example,
        )
        return None


def _check_vm_size(read: _Reader, key: str, verdict: Optional[vmsizes.SizeVerdict]) -> None:
    if verdict is not None and not verdict.eligible:
        read.problem(
            key,
            verdict.size.name,
            f"cannot host a sandboxing pool: {verdict.reason}",
            "a Generation 2 x64 size with nested virtualization, e.g. "
            + ", ".join(vmsizes.eligible_examples())
            + " (check one with `python -m podsandbox vm-size NAME`)",
            _set_example("nodeVmSize", aks.DEFAULT_VM_SIZE)
            if key == "nodeVmSize"
            else f"pulumi config set --path '{key}' kata8:{aks.DEFAULT_VM_SIZE}:2",
        )


_EXTRA_POOL_EXAMPLE = "pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:2"


def _read_extra_pools(
    read: _Reader, main_pool: str
) -> list[tuple[str, PoolSpec, Optional[vmsizes.SizeVerdict]]]:
    """Each well-formed `extraPools` item as (its key, the pool, its size verdict)."""
    given = raw = read.raw("extraPools")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError:
            raw = None
    if not isinstance(raw, list):
        read.problem("extraPools", given, "is not a list", "a list of NAME:VM_SIZE[:COUNT]",
                     _EXTRA_POOL_EXAMPLE)  # fmt: skip
        return []
    found: list[tuple[str, PoolSpec, Optional[vmsizes.SizeVerdict]]] = []
    seen = {main_pool}
    for index, item in enumerate(raw):
        key = f"extraPools[{index}]"
        parts = item.split(":") if isinstance(item, str) else []
        example = _EXTRA_POOL_EXAMPLE.replace("[0]", f"[{index}]")
        if len(parts) not in (2, 3):
            read.problem(key, item, "is not NAME:VM_SIZE[:COUNT]",
                         "a pool name, a VM size and an optional node count, joined by ':'",
                         example)  # fmt: skip
            continue
        name, vm_size, count_text = parts[0].strip(), parts[1].strip(), (parts[2:] or ["1"])[0]
        usable = True
        if not _POOL.match(name):
            read.problem(key, item, f"pool name {name!r} is not a valid Linux node pool name",
                         "1-12 lower-case letters and digits, starting with a letter",
                         example)  # fmt: skip
            usable = False
        elif name in seen:
            read.problem(key, item, f"repeats the pool name {name}",
                         "a name no other pool of the stack uses", example)  # fmt: skip
            usable = False
        seen.add(name)
        count = int(count_text) if count_text.strip().isdigit() else 0
        if count < 1:
            read.problem(key, item, f"node count {count_text!r} is not a whole number of 1 or more",
                         "NAME:VM_SIZE:COUNT with COUNT of 1 or more", example)  # fmt: skip
            usable = False
        verdict = _read_vm_size(read, key, vm_size, example)
        if usable and verdict is not None:
            found.append((key, PoolSpec(name, vm_size, count), verdict))
    return found


def _canonical_os_sku(os_sku: str) -> str:
    for known in (aks.REQUIRED_OS_SKU, *aks.UNVERIFIED_OS_SKUS):
        if known.lower() == os_sku.lower():
            return known
    return os_sku


def unqualified(config: Mapping[str, object], project: str = PROJECT) -> dict[str, object]:
    """`{"podsandbox:nodeCount": "2", "azure-native:location": ...}` -> `{"nodeCount": "2"}`."""
    prefix = f"{project}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def dns_prefix(cluster_name: str) -> str:
    """A DNS prefix derived from the cluster name (letters, digits and '-', at most 54 long)."""
    return re.sub(r"[^a-zA-Z0-9-]", "-", cluster_name)[:54].strip("-") or "aks"
