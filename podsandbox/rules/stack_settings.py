"""The stack's settings: declared once, read from config values, validated all at once.

`SETTINGS` declares every key (type, default, description); `Pulumi.yaml` declares the same keys
for the Pulumi CLI and a test keeps the two identical. `load_settings` turns raw config values
(strings, as Pulumi hands them to a program) into a typed `StackSettings`, or raises one
`SettingsError` that lists every problem: the key, the value, what is allowed, and an example.
Nothing here imports Pulumi, so the program, the command line and the tests share it as is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Union

from podsandbox.guardrail.plan import AUDIT, DENY, ENFORCEMENTS, GuardrailPlan, plan_guardrail
from podsandbox.rules import aks, judge, network, sizing
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
    kubelogin_mode: str = aks.DEFAULT_KUBELOGIN_MODE
    """How an existing cluster's Entra ID kubeconfig signs in (kubelogin `--login`)."""
    network_policy: Optional[network.NetworkPolicyEngine] = None
    """The new cluster's chosen network policy engine; None for the default (see the setting)."""
    guardrail: GuardrailPlan = field(default=GuardrailPlan(True, DENY))
    """Whether the in-cluster guardrail is deployed, and how it enforces."""
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

    def finding(self, finding: judge.Finding, key: Optional[str] = None) -> None:
        """A judge's finding, named by its config key (`key` when the setting is a list item)."""
        key = key or CONFIG_KEYS.get(finding.field, finding.field)
        example = _set_example(key, finding.example)
        self.problem(key, finding.value, finding.reason, finding.allowed, example)


CONFIG_KEYS = {"workloadRuntime": "runtime", "vmSize": "nodeVmSize"}
"""The stack settings whose key differs from the property name the judge uses."""


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
    verdict = judge.judge_pool(
        judge.PoolSettings(
            name=pool,
            vm_size=read.text("nodeVmSize"),
            node_count=count if count is not None else judge.DEFAULT_NODE_COUNT,
            os_sku=read.text("osSku"),
            workload_runtime=read.text("runtime"),
            kubernetes_version=read.text("kubernetesVersion") or None,
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
        extra_pools=tuple(extra_pools),
        demo_pool=demo_pool,
        network_policy=engine,
        kubelogin_mode=kubelogin_mode,
        guardrail=guardrail,
        warnings=tuple(verdict.warnings) + _engine_warnings(engine) + guardrail.warnings,
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
