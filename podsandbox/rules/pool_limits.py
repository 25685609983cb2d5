"""What AKS accepts for a node pool's scale, placement, taints and disks, each with its source.

A figure is kept only where a source states it; a value that no source bounds is passed to Azure as
given and not judged here: which availability zones a region has, and whether an ephemeral OS disk
fits a VM size's cache (the VM catalog does not record cache sizes). Azure judges those at deploy.

Sources (stored snapshots, 2026-08):
- AKS limits table, MicrosoftDocs/azure-docs `includes/container-service-limits.md`
  ("Maximum nodes per node pool (Virtual Machine Scale Sets node pools) | 1000").
- The AKS API, Azure/azure-rest-api-specs `.../aks/stable/2025-09-01/managedClusters.json`:
  `count` "in the range of 0 to 1000 (inclusive) for user pools and in the range of 1 to 1000
  (inclusive) for system pools"; `ContainerServiceOSDisk` maximum 2048; `OSDiskType` Managed /
  Ephemeral, "May not be changed after creation"; `nodeTaints` "For example, key=value:NoSchedule".
- MicrosoftDocs/azure-aks-docs: `concepts-network-ip-address-planning.md` ("The maximum number of
  pods per node in an AKS cluster is 250"; "The minimum value that can be set for maximum pods per
  node is 10 if and only if the configuration of each node pool has space for a minimum of 30
  pods"); `create-node-pools.md` ("the minimum size for AKS images is 30 GB"; "You can't change the
  max pods setting of a node pool after you create it"); `concepts-storage.md` ("You can't change
  the OS disk size after cluster or node pool creation"); `reliability-availability-zones-configure
  .md` ("You can't change the number of availability zones after you create a node pool");
  `scale-cluster.md` ("User node pools allow you to scale to 0"); `use-system-pools.md` ("Use the
  `CriticalAddonsOnly=true:NoSchedule` taint to prevent application pods from being scheduled on
  system node pools"); `use-node-taints.md` ("There are three values for the effect field when
  using node taints: `NoExecute`, `NoSchedule`, and `PreferNoSchedule`").
- Azure/AKS issue #2578: a System pool refuses any other NoSchedule or NoExecute taint
  (`SystemPoolHasRestrictedTaint`).
- Kubernetes label syntax: kubernetes.io "Labels and Selectors" (a name of at most 63 characters,
  alphanumeric at both ends, with '-', '_' and '.' between; an optional DNS subdomain prefix of at
  most 253 characters and '/'; a value like a name, or empty).

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional

from podsandbox.rules import pool_settings
from podsandbox.rules.pool_settings import HIGHEST, LOWEST, POOL_SETTINGS
from podsandbox.rules.sizing import PoolCapacity, SandboxSize, pool_capacity

SYSTEM = "System"
USER = "User"
MAX_NODES_PER_POOL = 1000
LEAVE_IT_OUT = "(leave it out)"
"""The example of a setting that must go: the stack prints `pulumi config rm KEY`, a component
`property: (leave it out)`."""
MAX_POOLS_PER_CLUSTER = 100
"""AKS's quota: at most 100 node pools per cluster (MicrosoftDocs/azure-docs
`includes/container-service-limits.md`, "Maximum node pools per cluster: 100")."""
MIN_NODES = {USER: 0, SYSTEM: 1}
"""A User pool may scale to zero; a System pool keeps at least one node."""
MIN_MAX_PODS = 10
MAX_MAX_PODS = 250
MIN_PODS_PER_POOL = 30
"""A pool's nodes together must have room for this many pods (10 per node needs 3 nodes)."""
MIN_OS_DISK_GB = 30
MAX_OS_DISK_GB = 2048
OS_DISK_TYPES = ("Managed", "Ephemeral")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
REPELLING_EFFECTS = ("NoSchedule", "NoExecute")
"""The effects that keep a pod without the matching toleration off a node."""
SYSTEM_POOL_TAINT = "CriticalAddonsOnly=true:NoSchedule"
FIXED_AT_CREATION = pool_settings.FIXED_AT_CREATION
"""Pool properties (AKS API names) AKS cannot change once the pool exists: a change replaces the
pool (the table's fixed-at-creation column)."""

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_PREFIX = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_KEY = re.compile(rf"((?=[^/]{{1,253}}/)({_PREFIX})/)?{_NAME}")
"""A label key: an optional DNS-subdomain prefix (at most 253 characters) and a name."""
_VALUE = re.compile(rf"({_NAME})?")
_TAINT = re.compile(r"(?P<key>[^=:]+)=(?P<value>[^=:]*):(?P<effect>[^=:]+)")
TAINT_ALLOWED = (
    "key=value:Effect, the key and value as Kubernetes labels, the effect NoSchedule, "
    "PreferNoSchedule or NoExecute"
)
LABEL_ALLOWED = (
    "a Kubernetes label: a key of at most 63 letters, digits, '-', '_' and '.' (alphanumeric at "
    "both ends), with an optional DNS prefix and '/', and a value like it or empty"
)


@dataclass(frozen=True)
class PoolOptions:
    """A pool's scale, placement, taints and disk settings, typed (None or empty: AKS's default).

    The node count is the pool's own setting; with autoscaling it is the initial size."""

    enable_auto_scaling: bool = False
    min_count: Optional[int] = None
    max_count: Optional[int] = None
    max_pods: Optional[int] = None
    os_disk_type: Optional[str] = None
    os_disk_size_gb: Optional[int] = None
    availability_zones: tuple[str, ...] = ()
    node_taints: tuple[str, ...] = ()
    scale_down_mode: Optional[str] = None
    max_surge: Optional[str] = None
    node_labels: tuple[tuple[str, str], ...] = ()

    def set_values(self) -> list[tuple[pool_settings.PoolSetting, object]]:
        """Each setting that is set, with its value as the engine takes it (lists and maps as
        such); the autoscaler's bounds with autoscaling only, and then always."""
        found: list[tuple[pool_settings.PoolSetting, object]] = []
        for setting in POOL_SETTINGS:
            value = getattr(self, setting.field)
            if setting in (LOWEST, HIGHEST):
                if self.enable_auto_scaling:
                    found.append((setting, value))
                continue
            if value is None or value is False or value == ():  # 0 is a value: not `not value`
                continue
            shown = dict(value) if setting.kind is dict else value
            found.append((setting, list(shown) if isinstance(shown, tuple) else shown))
        return found

    def engine_inputs(self) -> dict[str, object]:
        """The settings that are set, by their AKS API (engine) names, nested where the API
        nests them (upgradeSettings.maxSurge)."""
        return pool_settings.nest(
            (setting.engine_path, value) for setting, value in self.set_values()
        )

    @property
    def system_pods_only(self) -> bool:
        """Whether the pool keeps to system pods (the System pool's CriticalAddonsOnly taint)."""
        return SYSTEM_POOL_TAINT in self.node_taints

    def capacity(self, vm_size: str, count: int, sandbox: SandboxSize) -> PoolCapacity:
        """The pool's capacity for sandboxes of `sandbox`'s size at its fewest and most nodes,
        capped by its pods-per-node setting."""
        return pool_capacity(vm_size, self.nodes(count), sandbox, self.max_pods)

    def nodes(self, count: int) -> tuple[int, int]:
        """The fewest and the most nodes the pool has: its bounds, or its fixed count."""
        if self.enable_auto_scaling and self.min_count is not None and self.max_count is not None:
            return self.min_count, self.max_count
        return count, count

    def tolerations(self) -> list[dict[str, str]]:
        """What a pod needs to tolerate to land on the pool's nodes."""
        return [taint.toleration() for taint in repelling_taints(self.node_taints)]


OPTION_FIELDS = {setting.name: setting.field for setting in POOL_SETTINGS}
"""Each option's property name (as the components and `pools` items name it) and field."""


def options_of(values: Mapping[str, object]) -> PoolOptions:
    """The options among `values` (by property name, types already checked): lists and maps
    become the tuples a frozen PoolOptions holds; other keys are left to the caller."""
    fields: dict[str, object] = {}
    for key, value in values.items():
        if key in OPTION_FIELDS:
            fields[OPTION_FIELDS[key]] = (
                tuple(value.items()) if isinstance(value, Mapping)
                else tuple(value) if isinstance(value, list) else value
            )  # fmt: skip
    return PoolOptions(**fields)  # type: ignore[arg-type]


def options_problems(mode: str, count: int, options: PoolOptions) -> list[LimitProblem]:
    """Every problem of a pool's options (`count`: its node count, a whole number)."""
    lowest_nodes = options.nodes(count)[0]
    return [
        *scaling_problems(
            mode, count, options.enable_auto_scaling, options.min_count, options.max_count
        ),
        *max_pods_problems(options.max_pods, lowest_nodes),
        *os_disk_problems(options.os_disk_type, options.os_disk_size_gb),
        *zone_problems(options.availability_zones),
        *taint_problems(mode, options.node_taints),
        *scale_down_problems(options.scale_down_mode, options.os_disk_type),
        *max_surge_problems(options.max_surge),
        *label_problems(dict(options.node_labels)),
    ]


@dataclass(frozen=True)
class Taint:
    """A node taint, `key=value:Effect`."""

    key: str
    value: str
    effect: str

    @property
    def repels(self) -> bool:
        """Whether it keeps pods that do not tolerate it off the node."""
        return self.effect in REPELLING_EFFECTS

    def toleration(self) -> dict[str, str]:
        """The toleration (Kubernetes manifest) that lets a pod onto a node with this taint."""
        return {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}


@dataclass(frozen=True)
class LimitProblem:
    """One value AKS would refuse: which property, why, and what is allowed (the caller names
    the property as its reader does and adds an example)."""

    field: str
    value: object
    reason: str
    allowed: str
    example: Optional[str] = None
    """A value that works here, when it depends on the other values; else the caller's."""


def is_label_key(text: str) -> bool:
    """Whether `text` can be a Kubernetes label (or taint) key."""
    return _KEY.fullmatch(text) is not None


def is_label_value(text: str) -> bool:
    return _VALUE.fullmatch(text) is not None


def parse_taint(text: str) -> Optional[Taint]:
    """`key=value:Effect` as a taint; None when it is not one AKS takes."""
    match = _TAINT.fullmatch(text)
    if match is None:
        return None
    taint = Taint(match["key"], match["value"], match["effect"])
    valid = is_label_key(taint.key) and is_label_value(taint.value)
    return taint if valid and taint.effect in TAINT_EFFECTS else None


def scaling_problems(
    mode: str,
    count: int,
    autoscaling: bool,
    min_count: Optional[int],
    max_count: Optional[int],
) -> list[LimitProblem]:
    """The node count (at least one without autoscaling: the caller judges that), and with
    autoscaling its bounds, between which the count is the initial size."""
    lowest = MIN_NODES[mode]
    problems = []
    if count > MAX_NODES_PER_POOL:
        problems.append(
            LimitProblem(
                "nodeCount",
                count,
                f"is above AKS's limit of {MAX_NODES_PER_POOL} nodes per pool",
                f"{lowest} to {MAX_NODES_PER_POOL}",
            )
        )
    if not autoscaling:
        for field, value in (("minCount", min_count), ("maxCount", max_count)):
            if value is not None:
                problems.append(
                    LimitProblem(
                        field,
                        value,
                        "applies only when the pool autoscales",
                        "autoscaling on, or leave it out",
                        LEAVE_IT_OUT,
                    )
                )
        return problems
    for field, value in (("minCount", min_count), ("maxCount", max_count)):
        if value is None:
            problems.append(
                LimitProblem(
                    field, None, "is required with autoscaling", f"{lowest} to {MAX_NODES_PER_POOL}"
                )
            )
        elif not lowest <= value <= MAX_NODES_PER_POOL:
            problems.append(
                LimitProblem(
                    field,
                    value,
                    f"is outside what a {mode} pool takes",
                    f"{lowest} to {MAX_NODES_PER_POOL}",
                )
            )
    if min_count is not None and max_count is not None and min_count > max_count:
        problems.append(
            LimitProblem(
                "maxCount",
                max_count,
                f"is below the minimum count {min_count}",
                f"{min_count} to {MAX_NODES_PER_POOL}",
                str(min(min_count, MAX_NODES_PER_POOL)),  # from the user's own minimum
            )
        )
    elif min_count is not None and max_count is not None and not min_count <= count <= max_count:
        problems.append(
            LimitProblem(
                "nodeCount",
                count,
                "is the initial size, so it must lie "
                f"between the minimum count {min_count} and the maximum {max_count}",
                f"{min_count} to {max_count}",
                str(min_count),
            )
        )
    return problems


def max_pods_problems(max_pods: Optional[int], nodes: int) -> list[LimitProblem]:
    """maxPods within AKS's range, with room for 30 pods in the pool (`nodes`: its node count,
    the minimum when it autoscales)."""
    if max_pods is None:
        return []
    if not MIN_MAX_PODS <= max_pods <= MAX_MAX_PODS:
        return [
            LimitProblem(
                "maxPods",
                max_pods,
                "is outside what AKS takes",
                f"{MIN_MAX_PODS} to {MAX_MAX_PODS}",
            )
        ]
    if max_pods * max(nodes, 1) < MIN_PODS_PER_POOL:
        needed = -(-MIN_PODS_PER_POOL // max_pods)
        return [
            LimitProblem(
                "maxPods",
                max_pods,
                f"leaves the pool room for "
                f"{max_pods * max(nodes, 1)} pods; AKS requires {MIN_PODS_PER_POOL}",
                f"at least {-(-MIN_PODS_PER_POOL // max(nodes, 1))} per node, or {needed} nodes",
            )
        ]
    return []


def os_disk_problems(disk_type: Optional[str], size_gb: Optional[int]) -> list[LimitProblem]:
    problems = []
    if disk_type is not None and disk_type not in OS_DISK_TYPES:
        problems.append(
            LimitProblem(
                "osDiskType", disk_type, "is not an OS disk type", " or ".join(OS_DISK_TYPES)
            )
        )
    if size_gb is not None and not MIN_OS_DISK_GB <= size_gb <= MAX_OS_DISK_GB:
        problems.append(
            LimitProblem(
                "osDiskSizeGb",
                size_gb,
                "is outside what AKS takes (30 GB is the smallest AKS node image)",
                f"{MIN_OS_DISK_GB} to {MAX_OS_DISK_GB}",
            )
        )
    return problems


_SURGE = re.compile(r"(?P<number>[1-9][0-9]{0,3})(?P<percent>%?)")
SURGE_ALLOWED = "a number of nodes from 1 to 1000 (a pool's most), or a percentage from 1% to 100%"


def max_surge_problems(surge: Optional[str]) -> list[LimitProblem]:
    """The AKS API's `AgentPoolUpgradeSettings.maxSurge` (2025-09-01): "an integer (e.g. '5') or a
    percentage (e.g. '50%')", a percentage "of the total agent pool size"; at least one node or 1%,
    since the pool sets no maxUnavailable ("One of MaxSurge and MaxUnavailable must be greater
    than 0"); at most a pool's size: 1000 nodes, or 100%."""
    if surge is None:
        return []
    found = _SURGE.fullmatch(surge)
    limit = 100 if found is not None and found["percent"] else MAX_NODES_PER_POOL
    if found is None or int(found["number"]) > limit:
        return [LimitProblem("maxSurge", surge, "is not a surge AKS takes", SURGE_ALLOWED)]
    return []


SCALE_DOWN_MODES = ("Delete", "Deallocate")
"""The AKS API's `ScaleDownMode` (2025-09-01); AKS's `scale-down-mode.md`: Deallocate keeps the
nodes stopped, and "Ephemeral OS disks aren't supported" with it."""


def scale_down_problems(scale_down: Optional[str], disk_type: Optional[str]) -> list[LimitProblem]:
    if scale_down is None:
        return []
    if scale_down not in SCALE_DOWN_MODES:
        allowed = " or ".join(SCALE_DOWN_MODES)
        return [LimitProblem("scaleDownMode", scale_down, "is not a scale-down mode", allowed)]
    if scale_down == "Deallocate" and disk_type == "Ephemeral":
        return [
            LimitProblem(
                "scaleDownMode",
                scale_down,
                "keeps stopped nodes, which Ephemeral OS disks do not allow",
                "Delete with Ephemeral OS disks (or Managed disks with Deallocate)",
                "Delete",
            )
        ]
    return []


def zone_problems(zones: Sequence[object]) -> list[LimitProblem]:
    """Zone names are the region's (not judged here): numbers (YAML reads an unquoted 1 as one),
    items that are not names, and repeats are refused, each with the list that works: the user's
    own, as strings, each zone once."""
    fixed: list[str] = []
    numbers, not_names, repeats = [], [], []
    for index, zone in enumerate(zones):
        if isinstance(zone, int) and not isinstance(zone, bool):
            numbers.append(index)
            zone = str(zone)
        if not isinstance(zone, str) or not zone.strip():
            not_names.append(index)
        elif zone in fixed:
            repeats.append(index)
        else:
            fixed.append(zone)
    example = json.dumps(fixed) if fixed else LEAVE_IT_OUT
    found = []
    for indexes, reason, allowed in (
        (numbers, "has numbers, not zone names (YAML reads an unquoted 1 as a number: quote each "
                  "zone)", 'zone names as strings, e.g. ["1", "2", "3"]'),
        (not_names, "has an item that is not a zone name", 'a zone of the region, e.g. "1"'),
        (repeats, "repeats a zone", "each zone once"),
    ):  # fmt: skip
        if indexes:
            at = ", ".join(f"[{index}]" for index in indexes)
            found.append(LimitProblem("availabilityZones", list(zones), f"{reason} at {at}",
                                      allowed, example))  # fmt: skip
    return found


def taint_problems(mode: str, taints: Sequence[object]) -> list[LimitProblem]:
    problems = []
    for index, text in enumerate(taints):
        field = f"nodeTaints[{index}]"
        taint = parse_taint(text) if isinstance(text, str) else None
        if taint is None:
            problems.append(LimitProblem(field, text, "is not a node taint", TAINT_ALLOWED))
        elif mode == SYSTEM and text != SYSTEM_POOL_TAINT:
            problems.append(
                LimitProblem(
                    field, text, "is not the one taint a System pool takes", SYSTEM_POOL_TAINT
                )
            )
    return problems


def label_problems(labels: Mapping[object, object]) -> list[LimitProblem]:
    problems = []
    for key, value in labels.items():
        if not isinstance(key, str) or not is_label_key(key):
            problems.append(LimitProblem("nodeLabels", {key: value},
                                         f"{key!r} is not a label key", LABEL_ALLOWED))  # fmt: skip
        elif not isinstance(value, str) or not is_label_value(value):
            problems.append(LimitProblem("nodeLabels", {key: value},
                                         f"the value of {key} is not a label value",
                                         LABEL_ALLOWED))  # fmt: skip
    return problems


def repelling_taints(taints: Sequence[str]) -> list[Taint]:
    """The taints (of valid ones) that keep pods without tolerations off a pool's nodes."""
    parsed = (parse_taint(text) for text in taints)
    return [taint for taint in parsed if taint is not None and taint.repels]


def dedicated_system_pool_problem(options: PoolOptions, other_pools: int) -> Optional[LimitProblem]:
    """A System pool tainted CriticalAddonsOnly runs system pods only: the cluster then needs
    another pool for everything else (the sandboxed pods included)."""
    if SYSTEM_POOL_TAINT not in options.node_taints or other_pools > 0:
        return None
    return LimitProblem(
        "nodeTaints",
        list(options.node_taints),
        "keeps every pod but the system's off the cluster's only pool",
        f"{SYSTEM_POOL_TAINT} with at least one more (User) pool, or no taint",
    )
