"""The stack's settings once read and validated (`StackSettings`), and the error that lists every
problem of a stack's settings at once (`SettingsError`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from podsandbox.guardrail.plan import DENY, GuardrailPlan
from podsandbox.rules import aks, judge, network
from podsandbox.rules.judge import Problem
from podsandbox.rules.karpenter import KATA_TAINT
from podsandbox.rules.pool_limits import SYSTEM_POOL_TAINT, PoolOptions
from podsandbox.rules.workloads import DEFAULT_UNTRUSTED_NAMESPACE
from podsandbox.stack.declarations import NEW_CLUSTER


class SettingsError(ValueError):
    """Raised with every problem of a stack's settings at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(judge.problem_list("stack settings", problems))

    def listing(self, source: str, key_order: Sequence[str] = ()) -> str:
        """Every problem as its reader fixes them: "N problems in SOURCE:" (the stack file), then
        one per line in the order the file sets the keys (`key_order`; the rest after, in the
        order they were read)."""
        rank = {key: index for index, key in enumerate(key_order)}
        ordered = sorted(self.problems, key=lambda p: rank.get(setting_of(p.where), len(rank)))
        count = len(ordered)
        head = f"{count} problem{'s' if count != 1 else ''} in {source}:"
        return "\n".join([head, *(f"  - {problem}" for problem in ordered)])


def setting_of(where: str) -> str:
    """The stack key a problem is about: `pools[0].vmSize` is about `pools` (a qualified key,
    `azure-native:location`, holds neither a bracket nor a dot)."""
    return where.partition("[")[0].partition(".")[0]


@dataclass(frozen=True)
class PoolSpec:
    """One sandboxing node pool: its name, VM size, node count and options."""

    name: str
    vm_size: str
    count: int
    options: PoolOptions = field(default_factory=PoolOptions)


@dataclass(frozen=True)
class KarpenterSettings:
    """Karpenter's NodePool settings, validated: each by its property name (the rows of
    `podsandbox.karpenter.settings`), e.g. {"cpuLimit": "64", "consolidateAfter": "0s"}."""

    values: dict[str, str]


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
    """Accepted but questionable choices (legacy runtime, unverified OS SKU, ...)."""
    program_warnings: tuple[str, ...] = field(default=())
    """The warnings among them that no component logs (the guardrail turned off, a demo pod that
    fits no node): the program logs these itself, or no report would show them."""

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
        sandboxing pool when it is not pinned (Karpenter's Kata NodePool included, when on);
        never the System pool's CriticalAddonsOnly, which is for system pods."""
        pools = (
            [p for p in self.pools if p.name == self.demo_pool] if self.demo_pool else self.pools
        )
        found: list[dict[str, str]] = []
        for pool in pools:
            for toleration in pool.options.tolerations():
                if toleration["key"] != CRITICAL_ADDONS_KEY and toleration not in found:
                    found.append(toleration)
        if self.karpenter is not None and not self.demo_pool:
            found.append(KATA_TAINT.toleration())
        return found

    @property
    def demo_vm_size(self) -> str:
        """VM size of the nodes the untrusted demo pod runs on."""
        return next(
            (pool.vm_size for pool in self.pools if pool.name == self.demo_pool),
            self.node_vm_size,
        )


CRITICAL_ADDONS_KEY = SYSTEM_POOL_TAINT.split("=")[0]
