"""The stack's settings: declared once, read from config values, validated all at once.

`SETTINGS` declares every key (type, default, description); `Pulumi.yaml` declares the same keys
for the Pulumi CLI and a test keeps the two identical. `load_settings` turns raw config values
(strings, as Pulumi hands them to a program) into a typed `StackSettings`, or raises one
`SettingsError` that lists every problem: the key, the value, what is allowed, and an example.
Nothing here imports Pulumi, so the program, the command line and the tests share it as is.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional, Union

from podsandbox.guardrail.plan import AUDIT, DENY, ENFORCEMENTS, GuardrailPlan, plan_guardrail
from podsandbox.karpenter import node_pool as karpenter
from podsandbox.rules import aks, judge, network, sizing
from podsandbox.rules.pool_limits import (
    SYSTEM,
    SYSTEM_POOL_TAINT,
    USER,
    PoolOptions,
    options_of,
    repelling_taints,
)
from podsandbox.rules.workloads import (
    DEFAULT_UNTRUSTED_NAMESPACE,
    NAMESPACE_NAME_RULE,
    is_namespace_name,
    reserved_namespace,
)

PROJECT = "podsandbox"
"""The Pulumi project name: the namespace of every key below in a stack file."""

NEW_CLUSTER = "new-cluster"
EXISTING_CLUSTER = "existing-cluster"
MODES = (NEW_CLUSTER, EXISTING_CLUSTER)

DEFAULT_NEW_CLUSTER_POOL = judge.DEFAULT_NEW_CLUSTER_POOL
DEFAULT_EXISTING_CLUSTER_POOL = judge.DEFAULT_EXISTING_CLUSTER_POOL

LOCATION_KEY = "azure-native:location"

ConfigValue = Union[str, int, bool, list[str], dict[str, str], None]


@dataclass(frozen=True)
class Setting:
    """One stack setting as declared in `Pulumi.yaml`."""

    key: str
    type: str
    """"string", "integer", "boolean", "array" or "object" (the types Pulumi.yaml can declare;
    object since CLI v3.186.0)."""
    default: ConfigValue
    """None: no default (left unset, AKS's default applies)."""
    description: str
    items: str = "string"
    """The type of an array's items."""

    def declaration(self) -> dict[str, object]:
        """This setting as Pulumi.yaml declares it."""
        declared: dict[str, object] = {"type": self.type}
        if self.type == "array":
            declared["items"] = {"type": self.items}
        declared["description"] = self.description
        if self.default is not None:
            declared["default"] = self.default
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
        "KataMshvVmIsolation (needs the KataVMIsolationPreview subscription feature registered).",
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
        "Standard_D4s_v3 (check one with `podsandbox vm-size NAME`).",
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
        "networkPolicy",
        "string",
        "",
        "new-cluster mode only: the engine that enforces NetworkPolicy, cilium (Azure CNI overlay "
        "powered by Cilium), azure (Azure Network Policy Manager) or none (not enforced); empty "
        "for cilium on a cluster this stack creates while a cluster it deployed before keeps its "
        "network profile. Choosing cilium or azure for a deployed cluster with another profile "
        "replaces the cluster; protect blocks that.",
    ),
    Setting(
        "kubeloginMode",
        "string",
        aks.DEFAULT_KUBELOGIN_MODE,
        "existing-cluster mode only: how the kubeconfig signs in when the cluster uses Microsoft "
        "Entra ID, azurecli (az login), workloadidentity or spn (service principal); kubelogin "
        "must then be installed where pulumi runs.",
    ),
    Setting(
        "nodeEnableAutoScaling",
        "boolean",
        False,
        "Let the cluster autoscaler size the first pool between nodeMinCount and nodeMaxCount; "
        "nodeCount is then its initial size, and later changes of it are ignored.",
    ),
    Setting(
        "nodeMinCount",
        "integer",
        None,
        "Fewest nodes of the first pool with autoscaling (1 or more for a new cluster's System "
        "pool, 0 or more on an existing cluster).",
    ),
    Setting(
        "nodeMaxCount",
        "integer",
        None,
        "Most nodes of the first pool with autoscaling, at most 1000.",
    ),
    Setting(
        "nodeMaxPods",
        "integer",
        None,
        "Most pods per node of the first pool, 10 to 250 (room for 30 in the pool); fixed once "
        "the pool exists. Unset: the network plugin's default.",
    ),
    Setting(
        "nodeOsDiskType",
        "string",
        "",
        "Managed or Ephemeral OS disks for the first pool; fixed once the pool exists. Empty: "
        "Ephemeral where the VM size allows it, else Managed.",
    ),
    Setting(
        "nodeOsDiskSizeGb",
        "integer",
        None,
        "OS disk size of the first pool in GB, 30 to 2048; fixed once the pool exists. Unset: "
        "AKS's for the VM size.",
    ),
    Setting(
        "nodeAvailabilityZones",
        "array",
        [],
        'Availability zones of the region for the first pool, e.g. ["1", "2", "3"]; '
        "fixed once the pool exists.",
    ),
    Setting(
        "nodeTaints",
        "array",
        [],
        "Taints key=value:Effect on the first pool's nodes; a new cluster's System pool takes "
        "only CriticalAddonsOnly=true:NoSchedule, and then needs another pool.",
    ),
    Setting(
        "nodeLabels",
        "object",
        {},
        'Labels on the first pool\'s nodes, e.g. {"workload": "sandboxed"}.',
    ),
    Setting(
        "extraPools",
        "array",
        [],
        "More sandboxing node pools on the same cluster, each NAME:VM_SIZE[:COUNT] (count 1 "
        "when left out), e.g. kata8:Standard_D8s_v5:2; same runtime, OS SKU and version. The "
        "short form of pools: a stack uses one or the other.",
    ),
    Setting(
        "pools",
        "array",
        [],
        "More sandboxing node pools, each an object with every pool setting: name, vmSize, "
        "nodeCount, enableAutoScaling, minCount, maxCount, maxPods, osDiskType, osDiskSizeGb, "
        "availabilityZones, nodeTaints, nodeLabels (the components' property names).",
        items="object",
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
        "guardrail",
        "boolean",
        True,
        "Deploy the in-cluster guardrail: a ValidatingAdmissionPolicy that holds every workload "
        "in the untrusted namespaces (and those labelled podsandbox.io/untrusted=true) to the "
        "sandboxing rules, however it is applied; needs Kubernetes 1.30.",
    ),
    Setting(
        "guardrailEnforcement",
        "string",
        "",
        "deny (refuse what breaks a rule) or audit (warn and audit only); empty for deny on a "
        "new cluster and audit on an existing, possibly shared, one.",
    ),
    Setting(
        "karpenter",
        "boolean",
        False,
        "existing-cluster mode only: deploy a Karpenter AKSNodeClass (KataVmIsolation, "
        "AzureLinux) and a NodePool of it kept to eligible VM sizes; the cluster must run "
        "Karpenter's Azure provider in its aksmachineapi or bootstrappingclient mode.",
    ),
    Setting(
        "karpenterCpuLimit",
        "string",
        "",
        "Most CPU Karpenter's NodePool may provision in all, e.g. 64; empty for no limit.",
    ),
    Setting(
        "karpenterMemoryLimit",
        "string",
        "",
        "Most memory Karpenter's NodePool may provision in all, e.g. 256Gi; empty for no limit.",
    ),
    Setting(
        "karpenterConsolidationPolicy",
        "string",
        "WhenEmptyOrUnderutilized",
        "When Karpenter removes or replaces nodes: WhenEmpty, WhenEmptyOrUnderutilized or "
        "Balanced.",
    ),
    Setting(
        "karpenterConsolidateAfter",
        "string",
        "0s",
        "How long a node may sit empty or underused first, e.g. 30s, 5m or Never.",
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
        shown = "(not set)" if self.value is None else f"= {self.value!r}"
        return (
            f"{self.key} {shown}: {self.reason}. Allowed: {self.allowed}. Example: {self.example}"
        )


class SettingsError(ValueError):
    """Raised with every problem of a stack's settings at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(judge.problem_list("stack settings", problems))


@dataclass(frozen=True)
class PoolSpec:
    """One sandboxing node pool: its name, VM size, node count and options."""

    name: str
    vm_size: str
    count: int
    options: PoolOptions = field(default_factory=PoolOptions)


@dataclass(frozen=True)
class KarpenterSettings:
    """Karpenter's NodePool settings, validated."""

    limits: dict[str, str]
    consolidation_policy: str
    consolidate_after: str


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
    node_options: PoolOptions = field(default_factory=PoolOptions)
    """The first pool's autoscaling, max pods, OS disk, zones, taints and labels."""
    extra_pools: tuple[PoolSpec, ...] = ()
    demo_pool: Optional[str] = None
    """Name of the pool the untrusted demo pod is pinned to, or None for any sandboxing node."""
    kubelogin_mode: str = aks.DEFAULT_KUBELOGIN_MODE
    """How an existing cluster's Entra ID kubeconfig signs in (kubelogin `--login`)."""
    network_policy: Optional[network.NetworkPolicyEngine] = None
    """The new cluster's chosen network policy engine; None for the default (see the setting)."""
    guardrail: GuardrailPlan = field(default=GuardrailPlan(True, DENY))
    """Whether the in-cluster guardrail is deployed, and how it enforces."""
    karpenter: Optional[KarpenterSettings] = None
    """Karpenter's Kata node class and pool, when deployed (existing clusters only)."""
    warnings: tuple[str, ...] = field(default=())
    """Accepted but questionable choices (legacy runtime, unverified OS SKU)."""

    @property
    def is_new_cluster(self) -> bool:
        return self.mode == NEW_CLUSTER

    @property
    def pools(self) -> tuple[PoolSpec, ...]:
        """Every sandboxing pool: the main one (nodePoolName) first, then extraPools."""
        main = PoolSpec(self.node_pool_name, self.node_vm_size, self.node_count, self.node_options)
        return (main, *self.extra_pools)

    @property
    def demo_tolerations(self) -> list[dict[str, str]]:
        """What the untrusted demo pod tolerates: the taints of its pool (demoPool), or of every
        sandboxing pool when it is not pinned; never the System pool's CriticalAddonsOnly, which
        is for system pods."""
        pools = (
            [p for p in self.pools if p.name == self.demo_pool] if self.demo_pool else self.pools
        )
        found: list[dict[str, str]] = []
        for pool in pools:
            for toleration in pool.options.tolerations():
                if toleration["key"] != CRITICAL_ADDONS_KEY and toleration not in found:
                    found.append(toleration)
        return found

    @property
    def demo_vm_size(self) -> str:
        """VM size of the nodes the untrusted demo pod runs on."""
        return next(
            (pool.vm_size for pool in self.pools if pool.name == self.demo_pool),
            self.node_vm_size,
        )


def _set_example(key: str, value: str) -> str:
    """The command that sets `key` to `value`, quoted for a shell where it must be (a value
    given quoted already, such as `"1.30"` to keep YAML from reading a number, stays as it is);
    a list item's key needs `--path`."""
    shown = value if value.startswith('"') else shlex.quote(value)
    if "[" in key:
        return f"pulumi config set --path '{key}' {shown}"
    return f"pulumi config set {key} {shown}"


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

    def optional_integer(self, key: str) -> Optional[int]:
        """An integer setting without a default: None when not set."""
        value = self.values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.integer(key)

    def structured(self, key: str, kind: type) -> object:
        """An array or object setting: as the CLI's get_object gives it, or its JSON text; the
        default when empty. Anything else is returned as given, for the caller to report."""
        raw = self.raw(key)
        if isinstance(raw, str) and not raw.strip():
            return SETTINGS_BY_KEY[key].default
        if isinstance(raw, str):
            try:
                parsed = json.loads(raw)
            except json.JSONDecodeError:
                return raw
            return parsed if isinstance(parsed, kind) else raw
        return raw

    def problem(self, key: str, value: object, reason: str, allowed: str, example: str) -> None:
        self.problems.append(Problem(key, value, reason, allowed, example))

    def finding(self, finding: judge.Finding, key: Optional[str] = None) -> None:
        """A judge's finding, named by its config key (`key` when the setting is a list item)."""
        key = key or config_key(finding.field)
        example = _set_example(key, finding.example)
        self.problem(key, finding.value, finding.reason, finding.allowed, example)


CONFIG_KEYS = {
    "workloadRuntime": "runtime",
    "vmSize": "nodeVmSize",
    "enableAutoScaling": "nodeEnableAutoScaling",
    "minCount": "nodeMinCount",
    "maxCount": "nodeMaxCount",
    "maxPods": "nodeMaxPods",
    "osDiskType": "nodeOsDiskType",
    "osDiskSizeGb": "nodeOsDiskSizeGb",
    "availabilityZones": "nodeAvailabilityZones",
}
"""The stack settings whose key differs from the property name the judge uses."""


def config_key(field_name: str) -> str:
    """The config key of a judged field, list items included (`availabilityZones[1]` is
    `nodeAvailabilityZones[1]`)."""
    base, bracket, index = field_name.partition("[")
    return CONFIG_KEYS.get(base, base) + bracket + index


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
    mode = _read_mode(read)
    for finding in (
        judge.resource_group_name_finding(resource_group := read.text("resourceGroupName")),
        judge.cluster_name_finding(cluster := read.text("clusterName")),
    ):
        if finding is not None:
            read.finding(finding)
    pool = read.text("nodePoolName") or (
        DEFAULT_EXISTING_CLUSTER_POOL if mode == EXISTING_CLUSTER else DEFAULT_NEW_CLUSTER_POOL
    )
    count = read.integer("nodeCount")
    node_options = _read_first_pool_options(read)
    verdict = judge.judge_pool(
        judge.PoolSettings(
            name=pool,
            vm_size=read.text("nodeVmSize"),
            node_count=count if count is not None else judge.DEFAULT_NODE_COUNT,
            os_sku=read.text("osSku"),
            workload_runtime=read.text("runtime"),
            kubernetes_version=read.text("kubernetesVersion") or None,
            mode=SYSTEM if mode == NEW_CLUSTER else USER,
            options=node_options,
        )
    )
    for finding in verdict.enforced(enforce_sandboxing_rules):
        read.finding(finding)
    runtime = verdict.runtime  # the GA one when `runtime` is not a runtime (then a problem says so)

    demo = read.boolean("demo")
    demo_cpu, demo_memory, namespace = _read_demo(read)
    create_group = read.boolean("createResourceGroup")
    protect = read.boolean("protect")
    ssh_key = read.text("sshPublicKey") or None
    if ssh_key is not None and (finding := judge.ssh_public_key_finding(ssh_key)) is not None:
        read.problem(finding.field, finding.value, finding.reason, finding.allowed,
                     'pulumi config set sshPublicKey "$(cat ~/.ssh/id_rsa.pub)"')  # fmt: skip

    extra_pools = _read_extra_pools(read, pool, enforce_sandboxing_rules)
    structured = _read_pools(read, pool, verdict, enforce_sandboxing_rules)
    if extra_pools and structured:
        read.problem("pools", read.raw("pools"), "and extraPools both declare pools",
                     "pools (every pool setting) or extraPools (NAME:VM_SIZE[:COUNT]), not both",
                     "pulumi config rm extraPools")  # fmt: skip
    extra_pools = extra_pools or structured
    if mode == NEW_CLUSTER:
        finding = judge.dedicated_system_pool_finding(node_options, len(extra_pools))
        if finding is not None:
            read.finding(finding)
    demo_pool = read.text("demoPool") or None
    pool_names = [pool, *(spec.name for spec in extra_pools)]
    if demo_pool is not None and demo_pool not in pool_names:
        read.problem(
            "demoPool",
            demo_pool,
            "is not one of this stack's sandboxing pools",
            "one of " + ", ".join(pool_names) + ", or empty",
            _set_example("demoPool", pool_names[-1]),
        )

    if demo and mode == NEW_CLUSTER:
        placed = [(pool, node_options), *((spec.name, spec.options) for spec in extra_pools)]
        _check_demo_placement(read, placed, demo_pool)
    karpenter_settings = _read_karpenter(read, mode)
    engine = _read_network_policy(read, mode)
    kubelogin_mode = _read_kubelogin_mode(read, mode)
    guardrail = _read_guardrail(read, mode, verdict.kubernetes_version)
    location = (location or "").strip() or None
    if mode == NEW_CLUSTER and location is None:
        read.problem(
            LOCATION_KEY,
            None,
            "new-cluster mode needs an Azure region for the cluster",
            "an Azure region name",
            _set_example(LOCATION_KEY, "eastus"),
        )

    every_pool = [(pool, verdict.vm_size), *((spec.name, spec.vm_size) for spec in extra_pools)]
    pools_of_demo = [(n, size) for n, size in every_pool if demo_pool in (None, n)]
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
        kubernetes_version=verdict.kubernetes_version,
        node_vm_size=verdict.vm_size,
        node_count=count,
        node_pool_name=pool,
        os_sku=verdict.os_sku,
        ssh_public_key=ssh_key,
        protect=protect,
        location=location,
        demo=demo,
        demo_cpu_limit=demo_cpu,
        demo_memory_limit=demo_memory,
        untrusted_namespace=namespace,
        node_options=node_options,
        extra_pools=tuple(extra_pools),
        demo_pool=demo_pool,
        network_policy=engine,
        kubelogin_mode=kubelogin_mode,
        guardrail=guardrail,
        karpenter=karpenter_settings,
        warnings=tuple(verdict.warnings)
        + _engine_warnings(engine)
        + guardrail.warnings
        + _demo_fit_warnings(demo, demo_cpu, demo_memory, runtime, pools_of_demo),
    )


def _demo_fit_warnings(
    demo: Optional[bool],
    cpu: str,
    memory: str,
    runtime: aks.RuntimeGeneration,
    pools: list[tuple[str, str]],
) -> tuple[str, ...]:
    """A warning when the untrusted demo pod fits no node of the pools it may land on."""
    if not demo:
        return ()
    warning = sizing.unfit_warning(sizing.sandbox_size(sizing.uniform_pod(cpu, memory), runtime),
                                   pools)  # fmt: skip
    return (warning,) if warning is not None else ()


KARPENTER_KEYS = {
    "cpuLimit": "karpenterCpuLimit",
    "memoryLimit": "karpenterMemoryLimit",
    "consolidationPolicy": "karpenterConsolidationPolicy",
    "consolidateAfter": "karpenterConsolidateAfter",
}


def _read_karpenter(read: _Reader, mode: Optional[str]) -> Optional[KarpenterSettings]:
    """Karpenter's node class and pool: existing clusters only (a cluster this stack creates has
    no Karpenter, and AKS's node auto-provisioning does not support Pod Sandboxing yet)."""
    wanted = read.boolean("karpenter")
    values = {key: read.text(key) for key in KARPENTER_KEYS.values()}
    findings = karpenter.setting_findings(*values.values())
    for finding in findings:
        read.finding(finding, KARPENTER_KEYS[finding.field])
    if not wanted:
        return None
    if mode == NEW_CLUSTER:
        read.problem("karpenter", True, "applies to existing clusters that run Karpenter's Azure "
                     "provider: a cluster this stack creates has none, and AKS's node "
                     "auto-provisioning does not support Pod Sandboxing yet (Azure/AKS #5843)",
                     "false in new-cluster mode", "pulumi config set karpenter false")  # fmt: skip
        return None
    return KarpenterSettings(
        karpenter.limits(values["karpenterCpuLimit"], values["karpenterMemoryLimit"]),
        values["karpenterConsolidationPolicy"],
        values["karpenterConsolidateAfter"],
    )


def _read_network_policy(
    read: _Reader, mode: Optional[str]
) -> Optional[network.NetworkPolicyEngine]:
    """The new cluster's chosen engine, None when left empty; an existing cluster keeps its own,
    so choosing one there is a mistake."""
    text = read.text("networkPolicy")
    if not text:
        return None
    if mode == EXISTING_CLUSTER:
        read.problem("networkPolicy", text,
                     "applies to new clusters only: an existing cluster keeps its network profile "
                     "(the program reads it and warns when NetworkPolicy is not enforced)",
                     "no networkPolicy in existing-cluster mode",
                     "pulumi config rm networkPolicy")  # fmt: skip
    if (finding := judge.network_policy_finding(text)) is not None:
        read.finding(finding)
    return network.find_engine(text)


def _read_guardrail(
    read: _Reader, mode: Optional[str], kubernetes_version: Optional[str]
) -> GuardrailPlan:
    wanted = read.boolean("guardrail")
    enforcement = read.text("guardrailEnforcement").strip().lower() or None
    if enforcement is not None and enforcement not in ENFORCEMENTS:
        read.problem("guardrailEnforcement", read.text("guardrailEnforcement"),
                     "is not a guardrail enforcement", " or ".join(ENFORCEMENTS) +
                     ", or empty for the mode's default",
                     _set_example("guardrailEnforcement", AUDIT))  # fmt: skip
        enforcement = None
    return plan_guardrail(
        wanted is not False, enforcement, mode != EXISTING_CLUSTER, kubernetes_version
    )


def _read_kubelogin_mode(read: _Reader, mode: Optional[str]) -> str:
    """How an existing cluster's Entra ID kubeconfig signs in; a cluster this stack creates has
    no Entra ID, so another value than the default there is a mistake."""
    text = read.text("kubeloginMode")
    # The CLI hands the program Pulumi.yaml's default as a value: only another value is a choice.
    if mode == NEW_CLUSTER and text != aks.DEFAULT_KUBELOGIN_MODE:
        read.problem("kubeloginMode", text,
                     "applies to existing clusters only: a cluster this stack creates has local "
                     "accounts, not Microsoft Entra ID",
                     f"{aks.DEFAULT_KUBELOGIN_MODE} (the default) in new-cluster mode",
                     "pulumi config rm kubeloginMode")  # fmt: skip
    elif (finding := judge.kubelogin_mode_finding(text)) is not None:
        read.finding(finding)
    return text


def _engine_warnings(engine: Optional[network.NetworkPolicyEngine]) -> tuple[str, ...]:
    """A new cluster's engine warning (an existing cluster's engine is read, not chosen)."""
    warning = network.engine_warning(engine or network.DEFAULT_ENGINE)
    return (warning,) if warning else ()


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
    example = _set_example("untrustedNamespace", DEFAULT_UNTRUSTED_NAMESPACE)
    if not is_namespace_name(namespace):
        read.problem("untrustedNamespace", namespace, "is not a valid Kubernetes namespace name",
                     NAMESPACE_NAME_RULE, example)  # fmt: skip
    elif (owner := reserved_namespace(namespace)) is not None:
        read.problem("untrustedNamespace", namespace,
                     f"is {owner}; the program would take it over (Pod Security labels, a "
                     "default-deny NetworkPolicy)",
                     "a namespace of your own, not default, kube-* or one AKS and its add-ons "
                     "own", example)  # fmt: skip
    return cpu, memory, namespace


def _read_mode(read: _Reader) -> Optional[str]:
    mode = read.text("mode").lower()
    if mode in MODES:
        return mode
    read.problem("mode", read.text("mode"), "is not a deployment mode", " or ".join(MODES),
                 _set_example("mode", NEW_CLUSTER))  # fmt: skip
    return None


CRITICAL_ADDONS_KEY = SYSTEM_POOL_TAINT.split("=")[0]


def _check_demo_placement(
    read: _Reader, pools: list[tuple[str, PoolOptions]], demo_pool: Optional[str]
) -> None:
    """On a cluster this stack creates, every pool (name, options; the System pool first) is
    known: the demo's pods must fit one. The trusted pod tolerates nothing; the untrusted one is
    not a system pod."""
    if all(repelling_taints(options.node_taints) for _, options in pools):
        read.problem("demo", True, "the trusted demo pod tolerates no taint, and every pool of "
                     "the cluster has a NoSchedule or NoExecute taint",
                     "a pool without such taints, or no demo",
                     "pulumi config set demo false")  # fmt: skip
    system, system_options = pools[0]
    if demo_pool == system and SYSTEM_POOL_TAINT in system_options.node_taints:
        read.problem("demoPool", demo_pool, f"is the System pool, whose {SYSTEM_POOL_TAINT} "
                     "taint keeps application pods off it",
                     "one of the other pools: " + ", ".join(name for name, _ in pools[1:]),
                     _set_example("demoPool", pools[-1][0]))  # fmt: skip


def _read_first_pool_options(read: _Reader) -> PoolOptions:
    """The first pool's options from their `node*` keys (types here, values by the judge)."""
    labels = read.structured("nodeLabels", dict)
    if not isinstance(labels, dict):
        read.problem("nodeLabels", labels, "is not a map of labels", "an object of strings",
                     """pulumi config set --path 'nodeLabels.workload' sandboxed""")  # fmt: skip
        labels = {}
    return options_of({
        "enableAutoScaling": read.boolean("nodeEnableAutoScaling") is True,
        "minCount": read.optional_integer("nodeMinCount"),
        "maxCount": read.optional_integer("nodeMaxCount"),
        "maxPods": read.optional_integer("nodeMaxPods"),
        "osDiskType": read.text("nodeOsDiskType") or None,
        "osDiskSizeGb": read.optional_integer("nodeOsDiskSizeGb"),
        "availabilityZones": _string_list(read, "nodeAvailabilityZones", '["1", "2", "3"]'),
        "nodeTaints": _string_list(read, "nodeTaints", '["sandbox=true:NoSchedule"]'),
        "nodeLabels": labels,
    })  # fmt: skip


def _string_list(read: _Reader, key: str, example: str) -> list[str]:
    """An array setting of strings; a problem (and an empty list) when it is not one."""
    value = read.structured(key, list)
    if not isinstance(value, list):
        read.problem(key, value, "is not a list", "a list of strings",
                     f"pulumi config set {key} '{example}'")  # fmt: skip
        return []
    return value


POOL_KEYS = {
    "name": str, "vmSize": str, "nodeCount": int, "enableAutoScaling": bool, "minCount": int,
    "maxCount": int, "maxPods": int, "osDiskType": str, "osDiskSizeGb": int,
    "availabilityZones": list, "nodeTaints": list, "nodeLabels": dict,
}  # fmt: skip
"""What a `pools` item may set, with its type: the components' property names."""
_POOLS_EXAMPLE = (
    """pulumi config set --path 'pools[0]' '{"name": "kata8", "vmSize": "Standard_D8s_v5"}'"""
)


def _item_value(value: object, kind: type) -> tuple[object, bool]:
    """A `pools` item's value as `kind` (the CLI's `--path` stores numbers and booleans as
    text); and whether it is one."""
    if kind is int and isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value), True
    if kind is bool and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE, True
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    return value, ok


def _read_pools(
    read: _Reader, main_pool: str, main: judge.PoolVerdict, enforce_sandboxing_rules: bool
) -> list[PoolSpec]:
    """Each `pools` item, judged as a User pool with the first pool's runtime, OS SKU and
    version (what all pools share is judged once, on the first pool's keys)."""
    raw = read.structured("pools", list)
    if not isinstance(raw, list):
        read.problem("pools", raw, "is not a list", "a list of pool objects", _POOLS_EXAMPLE)
        return []
    found: list[PoolSpec] = []
    seen = {main_pool}
    for index, item in enumerate(raw):
        where = f"pools[{index}]"
        if not isinstance(item, dict):
            read.problem(where, item, "is not a pool object", "an object with a name and any "
                         "pool setting", _POOLS_EXAMPLE.replace("[0]", f"[{index}]"))  # fmt: skip
            continue
        values: dict[str, Any] = {}
        for key, value in item.items():
            kind = POOL_KEYS.get(key)
            if kind is None:
                read.problem(f"{where}.{key}", value, "is not a pool setting",
                             ", ".join(POOL_KEYS), _set_example(f"{where}.vmSize",
                             aks.DEFAULT_VM_SIZE))  # fmt: skip
                continue
            converted, ok = _item_value(value, kind)
            if not ok:
                read.problem(f"{where}.{key}", value, f"is not {_KIND_NAMES[kind]}",
                             _KIND_NAMES[kind], _set_example(f"{where}.{key}",
                             _POOL_EXAMPLES[key]))  # fmt: skip
                continue
            values[key] = converted
        spec = _judged_item(read, where, values, main, seen, enforce_sandboxing_rules)
        if spec is not None:
            found.append(spec)
    return found


_KIND_NAMES = {str: "a string", int: "a whole number", bool: "true or false", list: "a list",
               dict: "an object"}  # fmt: skip
_POOL_EXAMPLES = {"name": "kata8", "vmSize": aks.DEFAULT_VM_SIZE, "nodeCount": "1",
                  **judge.OPTION_EXAMPLES, "enableAutoScaling": "true",
                  "availabilityZones": '["1", "2", "3"]',
                  "nodeTaints": '["sandbox=true:NoSchedule"]'}  # fmt: skip


def _judged_item(
    read: _Reader,
    where: str,
    values: dict[str, Any],
    main: judge.PoolVerdict,
    seen: set[str],
    enforce_sandboxing_rules: bool,
) -> Optional[PoolSpec]:
    name = values.get("name")  # a string when set: the types were judged when read
    if not name:
        read.problem(f"{where}.name", values.get("name"), "is required", judge.POOL_NAME_ALLOWED,
                     _set_example(f"{where}.name", _unused_pool_name(seen)))  # fmt: skip
        return None
    if name in seen:
        read.problem(f"{where}.name", name, f"repeats the pool name {name}",
                     "a name no other pool of the stack uses",
                     _set_example(f"{where}.name", _unused_pool_name(seen)))  # fmt: skip
    seen.add(name)
    options = options_of(values)
    vm_size: str = values.get("vmSize", aks.DEFAULT_VM_SIZE)
    count: int = values.get("nodeCount", judge.DEFAULT_NODE_COUNT)
    shared = (main.os_sku, main.runtime.workload_runtime, None, USER, options)
    verdict = judge.judge_pool(judge.PoolSettings(name, vm_size, count, *shared))
    for finding in verdict.enforced(enforce_sandboxing_rules):
        field_name = "name" if finding.field == "nodePoolName" else finding.field
        if field_name != "osSku":  # the first pool's, reported on its key
            read.finding(finding, f"{where}.{field_name}")
    return PoolSpec(name, verdict.vm_size, count, options)


def _unused_pool_name(seen: set[str]) -> str:
    """A name for an example that no pool of the stack has yet: kata8, kata9, ..."""
    return next(name for number in itertools.count(8) if (name := f"kata{number}") not in seen)


_EXTRA_POOL_EXAMPLE = "pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:2"


def _read_extra_pools(
    read: _Reader, main_pool: str, enforce_sandboxing_rules: bool
) -> list[PoolSpec]:
    """Each `extraPools` item: its name, count and VM size judged like the main pool's (what all
    pools share, runtime, OS SKU and version, is judged once, on the main pool's keys)."""
    given = raw = read.raw("extraPools")
    if isinstance(raw, str) and not raw.strip():
        raw = []
    elif isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            pass  # still text: not a list, reported below
    if not isinstance(raw, list):
        read.problem("extraPools", given, "is not a list", "a list of NAME:VM_SIZE[:COUNT]",
                     _EXTRA_POOL_EXAMPLE)  # fmt: skip
        return []
    found: list[PoolSpec] = []
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
        count = int(count_text) if count_text.strip().isdigit() else 0
        if (finding := judge.pool_name_finding(name)) is not None:
            read.problem(key, item, f"pool name {name!r} {finding.reason}", finding.allowed,
                         example)  # fmt: skip
        elif name in seen:
            read.problem(key, item, f"repeats the pool name {name}",
                         "a name no other pool of the stack uses", example)  # fmt: skip
        seen.add(name)
        if count < 1:
            read.problem(key, item, f"node count {count_text!r} is not a whole number of 1 or more",
                         "NAME:VM_SIZE:COUNT with COUNT of 1 or more", example)  # fmt: skip
        _, finding = judge.vm_size_verdict(vm_size)
        if finding is not None and (enforce_sandboxing_rules or not finding.sandboxing_rule):
            fixed = f"{name}:{finding.example}:{max(count, 1)}"
            read.problem(key, finding.value, finding.reason, finding.allowed,
                         f"pulumi config set --path '{key}' {fixed}")  # fmt: skip
        # Any pool with a problem stops the stack (SettingsError); the others are kept as given.
        found.append(PoolSpec(name, vm_size, count))
    return found


def unqualified(config: Mapping[str, object], project: str = PROJECT) -> dict[str, object]:
    """`{"podsandbox:nodeCount": "2", "azure-native:location": ...}` -> `{"nodeCount": "2"}`."""
    prefix = f"{project}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


dns_prefix = judge.dns_prefix
