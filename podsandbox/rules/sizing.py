"""How big each sandbox VM is, and how many sandboxed pods fit on a node.

Two sizing models, from the AKS Pod Sandboxing docs (https://learn.microsoft.com/azure/aks/
use-pod-sandboxing: the original preview how-to, and the current GA page):

- legacy (preview, KataMshvVmIsolation): the VM has 2 GB and 1 vCPU when no limits are set; with
  limits it gets `1 + limits.cpu` vCPUs and `2 GB + limits.memory`. Requests are ignored.
- GA (KataVmIsolation): VM memory = the pod memory limit (512Mi without one; under 128Mi is
  rejected); vCPUs = the CPU limit rounded up (1 without one). The RuntimeClass adds a fixed 600Mi
  overhead that the scheduler counts for every such pod on the node.

Choices this module makes where the spec is silent, each stated once here:
- a pod's limit is the sum of its containers' limits (Kata sizes one VM per pod); containers
  without a limit add nothing, and a pod with no limit at all takes the model's default;
- "2 GB" is taken as 2Gi (Kata's default VM memory, 2048 MiB), and a fractional CPU limit is
  rounded up to whole vCPUs in the legacy model too (a VM has whole vCPUs);
- capacity per node: the node's vCPUs and memory, divided by what each pod takes from the node
  (memory: the GA scheduler's limit + overhead with requests == limits, or the legacy VM's memory;
  CPU: the pod's CPU request, taken equal to its limit). AKS reserves part of every node for the
  system, so the real count is lower: the estimate is an upper bound, and says so.

Kubernetes quantities are parsed here (no Pulumi, no Kubernetes client import, so the program
stays quick to start); a test checks the parser against the official client's `parse_quantity`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from podsandbox.rules import vmsizes
from podsandbox.rules.aks import RuntimeGeneration
from podsandbox.rules.pool_settings import PODS_PER_NODE

MI = 1024**2
GI = 1024**3

LEGACY_BASE_MEMORY = 2 * GI
LEGACY_BASE_VCPUS = 1
GA_DEFAULT_MEMORY = 512 * MI
GA_MIN_MEMORY = 128 * MI
GA_DEFAULT_VCPUS = 1
GA_POD_OVERHEAD = 600 * MI
"""`overhead.podFixed.memory` of the `kata-vm-isolation` RuntimeClass."""

_SUFFIXES = {
    "Ki": Decimal(1024),
    "Mi": Decimal(1024**2),
    "Gi": Decimal(1024**3),
    "Ti": Decimal(1024**4),
    "Pi": Decimal(1024**5),
    "Ei": Decimal(1024**6),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
}
_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+))((?:[eE][+-]?\d+)|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$"
)


class QuantityError(ValueError):
    """Not a Kubernetes resource quantity."""


def parse_quantity(text: str) -> Decimal:
    """`"500m"` -> 0.5, `"256Mi"` -> 268435456, `"1e3"` -> 1000 (Kubernetes quantity grammar)."""
    match = _QUANTITY.match(str(text).strip())
    if match is None:
        raise QuantityError(f"{text!r} is not a Kubernetes quantity (e.g. 500m, 1, 256Mi, 1Gi)")
    number, suffix = match.group(1), match.group(2) or ""
    value = Decimal(number)  # the pattern admits only what Decimal reads
    if suffix in _SUFFIXES:
        return value * _SUFFIXES[suffix]
    return value * Decimal(10) ** int(suffix[1:])  # a decimal exponent: 1e3, 2E-3


def format_memory(size: int) -> str:
    """Bytes as Mi or Gi, the way Kubernetes users write them: 2684354560 -> "2.5Gi"."""
    if size >= GI:
        gibibytes = (Decimal(size) / GI).quantize(Decimal("0.01")).normalize()
        return f"{gibibytes:f}Gi"
    return f"{math.ceil(size / MI)}Mi"


@dataclass(frozen=True)
class PodShape:
    """A pod's total CPU and memory limits and requests (None when no container sets them)."""

    cpu_limit: Optional[Decimal] = None
    memory_limit: Optional[int] = None
    cpu_request: Optional[Decimal] = None
    memory_request: Optional[int] = None

    @classmethod
    def from_containers(cls, resources: Sequence[Mapping[str, Mapping[str, Any]]]) -> PodShape:
        """Sum the `resources` blocks (`{"limits": {...}, "requests": {...}}`) of all containers."""

        def total(section: str, key: str) -> Optional[Decimal]:
            values = [
                parse_quantity(str(block[section][key]))
                for block in resources
                if key in (block.get(section) or {})
            ]
            return sum(values[1:], values[0]) if values else None

        memory_limit, memory_request = total("limits", "memory"), total("requests", "memory")
        return cls(
            cpu_limit=total("limits", "cpu"),
            memory_limit=None if memory_limit is None else int(memory_limit),
            cpu_request=total("requests", "cpu"),
            memory_request=None if memory_request is None else int(memory_request),
        )


@dataclass(frozen=True)
class SandboxSize:
    """The sandbox VM of one pod, and what that pod takes from its node."""

    model: str
    """"legacy" or "ga"."""
    vcpus: int
    memory: int
    """VM memory in bytes."""
    node_memory: int
    """Memory the pod takes from the node (GA: scheduler's limit + overhead; legacy: the VM)."""
    node_cpu: Decimal
    """CPU the pod takes from the node: its request (or limit when no request), else 0."""
    problem: Optional[str] = None
    """Why the pod would be rejected (GA: memory limit under 128Mi), if it would."""

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "vcpus": self.vcpus,
            "memory": format_memory(self.memory),
            "nodeMemory": format_memory(self.node_memory),
            "nodeCpu": str(self.node_cpu.normalize()),
            "problem": self.problem,
        }


def sandbox_size(shape: PodShape, runtime: RuntimeGeneration) -> SandboxSize:
    """The VM a pod of this shape gets under the runtime's sizing model."""
    node_cpu = shape.cpu_request if shape.cpu_request is not None else shape.cpu_limit
    node_cpu = node_cpu if node_cpu is not None else Decimal(0)
    if runtime.legacy:
        extra_vcpus = math.ceil(shape.cpu_limit) if shape.cpu_limit else 0
        memory = LEGACY_BASE_MEMORY + (shape.memory_limit or 0)
        return SandboxSize("legacy", LEGACY_BASE_VCPUS + extra_vcpus, memory, memory, node_cpu)
    vcpus = math.ceil(shape.cpu_limit) if shape.cpu_limit else GA_DEFAULT_VCPUS
    memory = shape.memory_limit if shape.memory_limit is not None else GA_DEFAULT_MEMORY
    problem = None
    if memory < GA_MIN_MEMORY:
        problem = "pod memory limit too low: minimum 128MiB"
    request = shape.memory_request if shape.memory_request is not None else memory
    return SandboxSize("ga", max(vcpus, 1), memory, request + GA_POD_OVERHEAD, node_cpu, problem)


# GiB of memory per vCPU by catalog series, from the Azure size tables, for sizes of up to
# `MEMORY_RATIO_MAX_VCPUS` vCPUs: larger sizes break the ratio (Standard_E64s_v3 has 432 GiB, not
# 512). Series absent here, and larger sizes, have no known memory: capacity is "unknown".
MEMORY_RATIO_MAX_VCPUS = 32
MEMORY_GIB_PER_VCPU: dict[str, int] = {
    "Dsv3": 4,
    "Dv4 / Dsv4": 4,
    "Ddv4 / Ddsv4": 4,
    "Dv5 / Dsv5": 4,
    "Ddsv5": 4,
    "Dasv5 / Dadsv5": 4,
    "Dlsv5": 2,
    "Esv3": 8,
    "Ev4 / Esv4": 8,
    "Ev5 / Esv5": 8,
    "Easv5": 8,
    "Fsv2": 2,
}


@dataclass(frozen=True)
class NodeCapacity:
    """How many pods of one sandbox size fit on one node of a VM size (an upper bound)."""

    vm_size: str
    node_vcpus: Optional[int]
    node_memory: Optional[int]
    pods: Optional[int]
    """None when the VM size's memory is not known."""
    reason: str
    bound: Optional[str] = None
    """What runs out first on the node, "CPU" or "memory"; None when not known."""

    def to_dict(self) -> dict[str, object]:
        return {
            "vmSize": self.vm_size,
            "nodeVcpus": self.node_vcpus,
            "nodeMemory": None if self.node_memory is None else format_memory(self.node_memory),
            "pods": self.pods,
            "bound": self.bound,
            "reason": self.reason,
        }


def node_capacity(vm_size: str, sandbox: SandboxSize) -> NodeCapacity:
    """Sandboxed pods of this size per node of `vm_size`, or "unknown" when memory is unknown."""
    try:
        verdict = vmsizes.check_size(vm_size)
    except vmsizes.SizeNameError as error:
        return NodeCapacity(vm_size, None, None, None, f"unknown: {error}")
    ratio = None if verdict.series is None else MEMORY_GIB_PER_VCPU.get(verdict.series)
    if ratio is None or verdict.size.parent_vcpus > MEMORY_RATIO_MAX_VCPUS:
        return NodeCapacity(
            vm_size, verdict.vcpus, None, None,
            f"unknown: the memory of {verdict.series or verdict.size.series_key} sizes is not "
            "in the catalog",
        )  # fmt: skip
    # A constrained size keeps its parent's memory.
    memory = verdict.size.parent_vcpus * ratio * GI
    by_memory = memory // sandbox.node_memory
    by_cpu = math.floor(verdict.vcpus / sandbox.node_cpu) if sandbox.node_cpu > 0 else by_memory
    pods = int(min(by_memory, by_cpu))
    limit = "memory" if by_memory <= by_cpu else "CPU"
    return NodeCapacity(
        vm_size, verdict.vcpus, memory, pods,
        f"at most {pods} per node ({limit} bound: {verdict.vcpus} vCPUs, "
        f"{format_memory(memory)}; each pod takes {sandbox.node_cpu.normalize()} CPU and "
        f"{format_memory(sandbox.node_memory)}); AKS system reservations lower it",
        limit,
    )  # fmt: skip


@dataclass(frozen=True)
class PoolCapacity:
    """How many sandboxed pods of one size a pool holds at its fewest and most nodes."""

    node: NodeCapacity
    min_nodes: int
    max_nodes: int
    pod_cap: Optional[int] = None
    """The pool's pods-per-node setting, which also caps a node (its DaemonSet pods count too)."""

    @property
    def per_node(self) -> Optional[int]:
        if self.node.pods is None or self.pod_cap is None:
            return self.node.pods
        return min(self.node.pods, self.pod_cap)

    @property
    def bound(self) -> Optional[str]:
        """What limits a node: the sandbox's size (the node's bound) or the setting's name."""
        capped = self.pod_cap is not None and self.per_node == self.pod_cap
        return PODS_PER_NODE.name if capped and self.node.pods != self.pod_cap else self.node.bound

    def to_dict(self) -> dict[str, object]:
        per_node = self.per_node
        return {
            "vmSize": self.node.vm_size,
            "podsPerNode": per_node,
            "minNodes": self.min_nodes,
            "maxNodes": self.max_nodes,
            "atMinimum": None if per_node is None else per_node * self.min_nodes,
            "atMaximum": None if per_node is None else per_node * self.max_nodes,
            "bound": self.bound,
        }


def pool_capacity(
    vm_size: str, nodes: tuple[int, int], sandbox: SandboxSize, pod_cap: Optional[int] = None
) -> PoolCapacity:
    """A pool's capacity for sandboxes of `sandbox`'s size, at `nodes` (fewest, most)."""
    return PoolCapacity(node_capacity(vm_size, sandbox), nodes[0], nodes[1], pod_cap)


def unfit_warning(sandbox: SandboxSize, pools: Sequence[tuple[str, str]]) -> Optional[str]:
    """A warning when a pod of this sandbox size fits no node of any of `pools` (name, VM size)
    that can be judged; None when one fits or none can be judged."""
    known = [(name, node_capacity(vm_size, sandbox)) for name, vm_size in pools]
    known = [(name, capacity) for name, capacity in known if capacity.pods is not None]
    if not known or any(capacity.pods for _, capacity in known):
        return None
    where = ", ".join(f"{name} ({capacity.vm_size})" for name, capacity in known)
    return (
        f"the untrusted demo pod takes {sandbox.node_cpu.normalize()} CPU and "
        f"{format_memory(sandbox.node_memory)} of a node, more than one node of its pool holds: "
        f"{where}; it would stay Pending. Lower demoCpuLimit or demoMemoryLimit, or use a larger "
        "VM size"
    )


SANDBOX_KEYS = frozenset({"model", "vcpus", "memory", "nodeMemory", "nodeCpu", "problem"})
CAPACITY_KEYS = frozenset({"vmSize", "nodeVcpus", "nodeMemory", "pods", "bound", "reason"})
POOL_CAPACITY_KEYS = frozenset(
    {"vmSize", "podsPerNode", "minNodes", "maxNodes", "atMinimum", "atMaximum", "bound"}
)


def describe(value: object) -> Optional[str]:
    """A `SandboxSize` or `NodeCapacity` (as `to_dict` gives it, e.g. a stack output) as one
    short line for a reader; None for any other value."""
    if not isinstance(value, Mapping):
        return None
    if set(value) == SANDBOX_KEYS:
        vcpus = value["vcpus"]
        line = (
            f"{vcpus} vCPU{'s' if vcpus != 1 else ''}, {value['memory']} VM, "
            f"{value['nodeMemory']} on the node"
        )
        return f"{line}; rejected: {value['problem']}" if value["problem"] else line
    if set(value) == CAPACITY_KEYS:
        if value["pods"] is None:
            reason = str(value["reason"]).removeprefix("unknown: ")
            return f"unknown per {value['vmSize']} node: {reason}"
        return f"up to {value['pods']} per {value['vmSize']} node, {value['bound']} bound"
    if value and all(
        isinstance(v, Mapping) and set(v) == POOL_CAPACITY_KEYS for v in value.values()
    ):
        return "; ".join(f"{pool}: {_pool_line(v)}" for pool, v in value.items())
    return None


def _pool_line(value: Mapping[str, object]) -> str:
    """One pool's capacity (`PoolCapacity.to_dict`) in a few words."""
    low, high = value["minNodes"], value["maxNodes"]
    nodes = f"{low} node{'s' if low != 1 else ''}" if low == high else f"{low} to {high} nodes"
    if value["podsPerNode"] is None:
        return f"unknown per {value['vmSize']} node x {nodes}"
    total = (
        f"{value['atMinimum']}" if low == high else f"{value['atMinimum']} to {value['atMaximum']}"
    )
    per_node = f"{value['podsPerNode']} per {value['vmSize']} node"
    return f"{total} ({per_node} x {nodes}, {value['bound']} bound)"


def uniform_pod(cpu: str, memory: str) -> PodShape:
    """A one-container pod whose requests equal its limits (what the docs advise)."""
    cpu_value, memory_value = parse_quantity(cpu), int(parse_quantity(memory))
    return PodShape(cpu_value, memory_value, cpu_value, memory_value)
