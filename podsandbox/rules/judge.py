"""The one judge of a sandboxing cluster's and node pool's settings.

Every caller asks this module: the stack-settings reader (which names the config key), the
components and their multi-language provider (which name the component's property), and through the
same rule functions the policy pack. Each problem is a `Finding` that names its field as the
components' schema does (camelCase), the value, why it is wrong, what is allowed and a value that
works; callers only decide how to name the field and how to write the example.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

from podsandbox.rules import aks, network, pool_limits, pool_settings, vmsizes

SKIP_VALIDATION_ENV = "PODSANDBOX_SKIP_VALIDATION"
"""Set to "true" to let the sandboxing rules step aside in the program (types and names are still
checked), so that a policy pack can be seen judging a bad stack."""


def skips_validation(environment: Mapping[str, str]) -> bool:
    """Whether `environment` (the process's) asks the sandboxing rules to step aside."""
    return environment.get(SKIP_VALIDATION_ENV, "").lower() in ("1", "true")


DEFAULT_NEW_CLUSTER_POOL = "nodepool1"
"""`az aks create` names the first pool nodepool1."""
DEFAULT_EXISTING_CLUSTER_POOL = "nodepool2"
"""The how-to adds nodepool2 to an existing cluster."""
DEFAULT_NODE_COUNT = 1
"""The how-to's one node."""

# Azure naming rules (the ARM API patterns for resource groups, managed clusters and agent pools).
_RESOURCE_GROUP = re.compile(r"^[-\w.()]{1,90}$")
_CLUSTER = re.compile(r"^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$")
_POOL = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_SSH_KEY = re.compile(
    r"^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( .*)?$"
)

POOL_NAME_ALLOWED = "1-12 lower-case letters and digits, starting with a letter"
VM_SIZES_THAT_NEST = "a Generation 2 x64 size with nested virtualization, e.g. " + ", ".join(
    vmsizes.ELIGIBLE_EXAMPLES
)
"""What a sandboxing pool's VM size must be, with examples."""
VM_SIZE_ALLOWED = VM_SIZES_THAT_NEST + " (check one with `podsandbox vm-size NAME`)"


class Shown:
    """A value a problem shows by a description instead of its repr: an output of another
    resource (not known yet), or a secret (never echoed)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


SECRET = Shown("[secret]")


def closest(name: str, allowed: Sequence[str]) -> Optional[str]:
    """The allowed name `name` most likely meant: the same letters in another case or with
    underscores (vmSize, vm_size and VMSize are one), else the nearest by `difflib` (a typo such
    as nodeCont), or None when none is near."""

    def letters(text: str) -> str:
        return text.replace("_", "").lower()

    for candidate in allowed:
        if letters(candidate) == letters(name):
            return candidate
    by_letters = {letters(candidate): candidate for candidate in allowed}
    near = difflib.get_close_matches(letters(name), list(by_letters), n=1, cutoff=0.8)
    return by_letters[near[0]] if near else None


@dataclass(frozen=True)
class Finding:
    """One problem with one setting: enough to fix it without reading the code."""

    field: str
    """The setting, named as the components' schema names it: "vmSize", "nodeCount", ..."""
    value: object
    reason: str
    allowed: str
    example: str
    """A value that works, e.g. "Standard_D4s_v3"."""
    sandboxing_rule: bool = False
    """True for what Azure requires of sandboxing (VM size, OS SKU, minimum version), which
    `--skip-validation` lets the policy pack judge instead; False for values that cannot be used
    at all (wrong names, counts, unknown runtimes)."""


@dataclass(frozen=True)
class Problem:
    """One invalid stack setting or component input: enough to fix it without reading the code.

    The stack's settings and the components (from Python and over the plugin) report with it."""

    where: str
    """The stack key (`nodeCount`, `pools[0].vmSize`) or the component's property path
    (`extraPools[1].vmSize`)."""
    value: object
    reason: str
    allowed: str
    example: str
    """What works instead, as its user writes it: a `pulumi config set` command for a stack key,
    `path: value` for a component property."""
    sandboxing_rule: bool = False
    """See `Finding.sandboxing_rule`."""

    def __str__(self) -> str:
        # As the user wrote it in YAML or a program: true, not Python's True.
        if self.value is None:
            shown = "(not set)"
        elif isinstance(self.value, bool):
            shown = f"= {str(self.value).lower()}"
        else:
            shown = f"= {self.value!r}"
        return (
            f"{self.where} {shown}: {self.reason}. Allowed: {self.allowed}. Example: {self.example}"
        )


@dataclass(frozen=True)
class PoolSettings:
    """A sandboxing node pool as plain values, before defaults are known to be valid."""

    name: str
    vm_size: str = aks.DEFAULT_VM_SIZE
    node_count: object = DEFAULT_NODE_COUNT
    """An int when valid; anything else is reported."""
    os_sku: str = aks.REQUIRED_OS_SKU
    workload_runtime: str = aks.DEFAULT_RUNTIME.workload_runtime
    kubernetes_version: Optional[str] = None
    """None for the AKS default (or, on an existing cluster, the cluster's version)."""
    mode: str = pool_limits.USER
    """System (a new cluster's first pool) or User."""
    options: pool_limits.PoolOptions = field(default_factory=pool_limits.PoolOptions)
    """Autoscaling, max pods, OS disk, zones, taints and labels, typed (their readers check
    types) but not yet judged."""


OPTION_EXAMPLES = {
    "nodeCount": "1",
    **{setting.name: setting.example for setting in pool_settings.POOL_SETTINGS},
}
"""A value that works, for each pool option (by property name, list items included)."""


def finding_of(problem: pool_limits.LimitProblem, mode: str = pool_limits.USER) -> Finding:
    """A pool option's problem as a finding, with an example."""
    base = problem.field.split("[")[0]  # a list item's problem takes the list's example
    example = problem.example or OPTION_EXAMPLES[base]
    if base == pool_settings.TAINTS.name and mode == pool_limits.SYSTEM:
        example = pool_limits.SYSTEM_POOL_TAINT
    return Finding(problem.field, problem.value, problem.reason, problem.allowed, example)


def dedicated_system_pool_finding(
    options: pool_limits.PoolOptions, other_pools: int
) -> Optional[Finding]:
    """The System pool's CriticalAddonsOnly taint with no other pool to run everything else."""
    problem = pool_limits.dedicated_system_pool_problem(options, other_pools)
    if problem is None:
        return None
    return Finding(problem.field, problem.value, problem.reason, problem.allowed, "[]")


def pool_count_finding(pools: int) -> Optional[Finding]:
    """More pools than a cluster takes (the first pool included)."""
    if pools <= pool_limits.MAX_POOLS_PER_CLUSTER:
        return None
    return Finding(
        "extraPools",
        pools - 1,
        f"make {pools} pools with the first one, more than the {pool_limits.MAX_POOLS_PER_CLUSTER} "
        "node pools an AKS cluster takes (AKS quota)",
        f"at most {pool_limits.MAX_POOLS_PER_CLUSTER - 1} more pools",
        "[]",
    )


def option_findings(mode: str, count: int, options: pool_limits.PoolOptions) -> list[Finding]:
    """The pool options' problems as findings, each with an example."""
    return [finding_of(p, mode) for p in pool_limits.options_problems(mode, count, options)]


@dataclass(frozen=True)
class PoolVerdict:
    """What the judge says of one pool: problems, warnings, and its values made canonical."""

    findings: list[Finding]
    warnings: list[str]
    runtime: aks.RuntimeGeneration
    """The pool's runtime; the GA one when the value is not a runtime (a finding says so)."""
    vm_size: str
    """The size as Azure names it (case fixed) when it parses, else as given."""
    os_sku: str
    """AzureLinux / AzureLinux3 with their case fixed, else as given."""
    kubernetes_version: Optional[str] = None
    """The version as AKS takes it (`v1.30` is `1.30`); None for the AKS default."""

    def enforced(self, enforce_sandboxing_rules: bool) -> list[Finding]:
        """The findings that stop a deployment (all, or only unusable values)."""
        return [f for f in self.findings if enforce_sandboxing_rules or not f.sandboxing_rule]


def problem_list(subject: str, problems: Sequence[object]) -> str:
    """One message for every problem: "invalid <subject> (2 problems):" and a line each."""
    count = len(problems)
    lines = [f"invalid {subject} ({count} problem{'s' if count != 1 else ''}):"]
    return "\n".join(lines + [f"  - {problem}" for problem in problems])


def judge_pool(pool: PoolSettings) -> PoolVerdict:
    """Every problem of one sandboxing pool's settings, and the warnings it deserves."""
    findings: list[Finding] = []
    warnings: list[str] = []
    runtime = aks.find_runtime(pool.workload_runtime)
    if runtime is None:
        findings.append(runtime_finding(pool.workload_runtime))
    elif notice := aks.legacy_runtime_warning(runtime):
        warnings.append(notice)
    effective = runtime or aks.DEFAULT_RUNTIME

    if (name := pool_name_finding(pool.name)) is not None:
        findings.append(name)
    findings += node_count_findings(pool.node_count, pool.options.enable_auto_scaling)
    if isinstance(pool.node_count, int) and not isinstance(pool.node_count, bool):
        findings += option_findings(pool.mode, pool.node_count, pool.options)
    verdict, size_finding = vm_size_verdict(pool.vm_size)
    if size_finding is not None:
        findings.append(size_finding)
    findings += kubernetes_version_findings(pool.kubernetes_version, effective)
    if (reason := aks.os_sku_problem(pool.os_sku)) is not None:
        findings.append(
            Finding("osSku", pool.os_sku, reason, aks.REQUIRED_OS_SKU, aks.REQUIRED_OS_SKU, True)
        )
    elif notice := aks.os_sku_warning(pool.os_sku):
        warnings.append(notice)
    return PoolVerdict(
        findings,
        warnings,
        effective,
        verdict.size.name if verdict else pool.vm_size,
        aks.canonical_os_sku(pool.os_sku),
        _normalized_version(pool.kubernetes_version),
    )


def _normalized_version(text: Optional[str]) -> Optional[str]:
    """`kubernetesVersion` as AKS takes it; None (the AKS default) when not set or blank."""
    return aks.normalize_kubernetes_version(text) or None if text is not None else None


def runtime_finding(value: str, others_checked: bool = True) -> Finding:
    """`others_checked`: whether the other inputs were judged against the default instead."""
    default = aks.DEFAULT_RUNTIME.workload_runtime
    checked = f" (the other settings were checked against {default}, the default)"
    return Finding(
        "workloadRuntime",
        value,
        "is not a Pod Sandboxing workload runtime" + (checked if others_checked else ""),
        " or ".join(
            f"{r.workload_runtime}{' (legacy preview)' if r.legacy else ' (GA)'}"
            for r in aks.RUNTIMES.values()
        ),
        default,
    )


def pool_name_finding(name: str) -> Optional[Finding]:
    if _POOL.match(name):
        return None
    return Finding(
        "nodePoolName",
        name,
        "is not a valid Linux node pool name",
        POOL_NAME_ALLOWED,
        DEFAULT_EXISTING_CLUSTER_POOL,
    )


def node_count_findings(count: object, autoscaling: bool = False) -> list[Finding]:
    """A whole number; at least one, unless the autoscaler sizes the pool (then its bounds are
    judged with it, `pool_limits.scaling_problems`)."""
    if isinstance(count, bool) or not isinstance(count, int):
        return [Finding("nodeCount", count, "is not a whole number", "an integer", "1")]
    if count < 1 and not autoscaling:
        return [
            Finding(
                "nodeCount",
                count,
                "a node pool needs at least one node",
                "an integer of 1 or more",
                "1",
            )
        ]
    return []


def vm_size_verdict(vm_size: str) -> tuple[Optional[vmsizes.SizeVerdict], Optional[Finding]]:
    """The size's verdict (None when it is not a size name), and the finding against it, if any."""
    try:
        verdict = vmsizes.check_size(vm_size)
    except vmsizes.SizeNameError:
        # A name without its tier (D4s_v3, as lists shorten it) is the Standard one.
        meant = f"Standard_{vm_size.strip()}"
        named = vmsizes.is_catalog_size(meant)
        return None, Finding(
            "vmSize",
            vm_size,
            "is not an Azure VM size name" + (f" (did you mean {meant}?)" if named else ""),
            "a size name such as Standard_D4s_v3 (tier_FamilyVCPUsFeatures_version)",
            meant if named else aks.DEFAULT_VM_SIZE,
        )
    if verdict.eligible:
        return verdict, None
    return verdict, Finding(
        "vmSize",
        verdict.size.name,
        f"cannot host a sandboxing pool: {verdict.reason}",
        VM_SIZE_ALLOWED,
        aks.DEFAULT_VM_SIZE,
        sandboxing_rule=True,
    )


def kubernetes_version_findings(
    text: Optional[str], runtime: aks.RuntimeGeneration
) -> list[Finding]:
    if text is None:
        return []
    version = aks.parse_kubernetes_version(aks.normalize_kubernetes_version(text))
    if version is None:
        return [
            Finding(
                "kubernetesVersion",
                text,
                "is not a Kubernetes version",
                "MAJOR.MINOR or MAJOR.MINOR.PATCH, or empty for the AKS default",
                "1.33",
            )
        ]
    if aks.meets_minimum_version(version, runtime):
        return []
    minimum = runtime.min_kubernetes_version_text
    reason = f"is below the minimum {minimum} for {runtime.workload_runtime}"
    example = "1.33"
    if (meant := aks.yaml_number_reading(text, runtime)) is not None:
        reason += (
            f"; if you wrote {meant}, YAML read it as the number {text.strip()}: quote it in the "
            f'stack file (kubernetesVersion: "{meant}")'
        )
        example = f'"{meant}"'
    return [
        Finding(
            "kubernetesVersion",
            text,
            reason,
            f"{minimum} or later, or empty for the AKS default",
            example,
            sandboxing_rule=True,
        )
    ]


def duplicate_pool_names(names: Sequence[str]) -> list[tuple[int, Finding]]:
    """(index, finding) for every pool whose name an earlier pool already uses."""
    seen: set[str] = set()
    found = []
    for index, name in enumerate(names):
        if name in seen:
            found.append(
                (
                    index,
                    Finding(
                        "nodePoolName",
                        name,
                        f"repeats the pool name {name}",
                        "a name no other pool of the cluster uses",
                        "kata8",
                    ),
                )
            )
        seen.add(name)
    return found


def resource_group_name_finding(name: str) -> Optional[Finding]:
    if _RESOURCE_GROUP.match(name) and not name.endswith("."):
        return None
    return Finding(
        "resourceGroupName",
        name,
        "is not a valid resource group name",
        "1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
        "myResourceGroup",
    )


def cluster_name_finding(name: str) -> Optional[Finding]:
    if _CLUSTER.match(name):
        return None
    return Finding(
        "clusterName",
        name,
        "is not a valid AKS cluster name",
        "1-63 letters, digits, '-' or '_', starting and ending with a letter or digit",
        "myAKSCluster",
    )


def ssh_public_key_finding(key: str) -> Optional[Finding]:
    if _SSH_KEY.match(key):
        return None
    return Finding(
        "sshPublicKey",
        key if len(key) <= 40 else key[:37] + "...",
        "is not an OpenSSH public key",
        "a single line 'ssh-rsa AAAA...' or 'ssh-ed25519 AAAA...', or empty to generate one",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... me@host",
    )


def network_policy_finding(value: str) -> Optional[Finding]:
    if network.find_engine(value) is not None:
        return None
    return Finding(
        "networkPolicy",
        value,
        "is not a network policy engine of this project",
        "; ".join(f"{engine.name} ({engine.description})" for engine in network.ENGINES.values()),
        network.DEFAULT_ENGINE.name,
    )


def kubelogin_mode_finding(value: str) -> Optional[Finding]:
    if value in aks.KUBELOGIN_MODES:
        return None
    return Finding(
        "kubeloginMode",
        value,
        "is not a non-interactive kubelogin login mode",
        "; ".join(f"{mode} ({reads})" for mode, reads in aks.KUBELOGIN_MODES.items()),
        aks.DEFAULT_KUBELOGIN_MODE,
    )


def dns_prefix(cluster_name: str) -> str:
    """A DNS prefix derived from the cluster name (letters, digits and '-', at most 54 long)."""
    return re.sub(r"[^a-zA-Z0-9-]", "-", cluster_name)[:54].strip("-") or "aks"
