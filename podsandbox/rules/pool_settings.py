"""The pool options, each described once: one row per setting.

A row gives what every other place derives from it or is checked against it by a test: the
property name (the components' input and a `pools` item's key), the first pool's stack key
(`node*`), the AKS API name (the engine's, for the GA `AgentPool`, the cluster's inline profile
and the legacy ARM body), the value's kind, a value that works for examples, whether AKS fixes it
when the pool is created (so a change replaces the pool), the stack setting's description and the
component input's docstring, and how the preview's pool list labels it.

Sources: the AKS API 2025-09-01 `ManagedClusterAgentPoolProfileProperties` and the AKS docs
cited in `pool_limits` (which holds each option's bounds).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

CONFIG_TYPES = {bool: "boolean", int: "integer", str: "string", list: "array", dict: "object"}
"""How `Pulumi.yaml` declares a value of each kind."""
CONFIG_DEFAULTS: dict[type, object] = {bool: False, int: None, str: "", list: [], dict: {}}
"""The stack setting's default for each kind: unset (AKS's default applies)."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def nest(values: Iterable[tuple[Sequence[str], object]]) -> dict[str, object]:
    """A body with each value at its path (maps made on the way), e.g. (("upgradeSettings",
    "maxSurge"), "33%") -> {"upgradeSettings": {"maxSurge": "33%"}}."""
    body: dict[str, Any] = {}
    for path, value in values:
        here = body
        for key in path[:-1]:
            here = here.setdefault(key, {})
        here[path[-1]] = value
    return body


@dataclass(frozen=True)
class PoolSetting:
    """One pool option."""

    name: str
    """Property name, as the components and `pools` items name it (camelCase)."""
    kind: type
    """bool, int, str, list (of strings) or dict (of strings)."""
    example: str
    """A value that works (an item's, for a list), e.g. "110"."""
    description: str
    """The component input's docstring (`PoolOptionsArgs`); a test holds them equal."""
    config_description: str
    """The first pool's stack setting's description (`Pulumi.yaml`)."""
    engine: Optional[str] = None
    """The AKS API name when it differs from `name`, e.g. osDiskSizeGB, or its path in the pool
    when it is nested, e.g. upgradeSettings.maxSurge."""
    fixed_at_creation: str = ""
    """Why AKS cannot change it once the pool exists (the source's words), or empty when it can:
    a change of a fixed option replaces the pool."""
    report_label: Optional[str] = None
    """How the preview's pool list names it, when it shows it beside the count."""
    list_example: Optional[str] = None
    """For a list, a whole value that works (JSON), e.g. '["1", "2", "3"]'."""

    @property
    def value_example(self) -> str:
        """A whole value that works: the list's, or `example`."""
        return self.list_example or self.example

    @property
    def field(self) -> str:
        """The Python name (`PoolOptions`, `PoolOptionsArgs`): snake_case of `name`."""
        return _snake(self.name)

    @property
    def engine_name(self) -> str:
        """The AKS API name, dotted when nested (as `replaceOnChanges` paths take it)."""
        return self.engine or self.name

    @property
    def engine_path(self) -> tuple[str, ...]:
        """The AKS API names from the pool's body down to the value."""
        return tuple(self.engine_name.split("."))

    @property
    def sdk_path(self) -> tuple[str, ...]:
        """The SDK's Python input names down to the value: snake_case of each enclosing name, and
        `field` last (the SDK spells osDiskSizeGB as os_disk_size_gb)."""
        return (*(_snake(part) for part in self.engine_path[:-1]), self.field)

    @property
    def config_key(self) -> str:
        """The first pool's stack key: `node` and the name (`nodeMaxPods`), or the name itself
        when it starts with node (`nodeTaints`)."""
        if self.name.startswith("node"):
            return self.name
        return "node" + self.name[0].upper() + self.name[1:]

    @property
    def config_type(self) -> str:
        return CONFIG_TYPES[self.kind]

    @property
    def config_default(self) -> object:
        """A fresh default each time (a list or map is never shared)."""
        return copy.copy(CONFIG_DEFAULTS[self.kind])


POOL_SETTINGS: tuple[PoolSetting, ...] = (
    PoolSetting(
        "enableAutoScaling", bool, "true",
        "Let the cluster autoscaler size the pool between minCount and maxCount. nodeCount is "
        "then the initial size, and later changes of it are ignored (the autoscaler owns the "
        "count). Default: false.",
        "Let the cluster autoscaler size the first pool between nodeMinCount and nodeMaxCount; "
        "nodeCount is then its initial size, and later changes of it are ignored.",
    ),
    PoolSetting(
        "minCount", int, "1",
        "Fewest nodes with autoscaling: 0 or more for a User pool, 1 or more for a System pool.",
        "Fewest nodes of the first pool with autoscaling (1 or more for a new cluster's System "
        "pool, 0 or more on an existing cluster).",
    ),
    PoolSetting(
        "maxCount", int, "3",
        "Most nodes with autoscaling, at most 1000 (AKS's limit per pool).",
        "Most nodes of the first pool with autoscaling, at most 1000.",
    ),
    PoolSetting(
        "maxPods", int, "110",
        "Most pods per node, 10 to 250, with room for 30 pods in the pool. Default: the network "
        "plugin's (250 with Azure CNI overlay, 110 with kubenet).",
        "Most pods per node of the first pool, 10 to 250 (room for 30 in the pool); fixed once "
        "the pool exists. Unset: the network plugin's default.",
        fixed_at_creation="azure-aks-docs create-node-pools.md: \"You can't change the max pods "
        "setting of a node pool after you create it\"",
    ),
    PoolSetting(
        "osDiskType", str, "Managed",
        "Managed or Ephemeral (an ephemeral disk must fit the VM's cache or temporary disk, "
        "which Azure checks). Default: Ephemeral where the VM size allows it, else Managed.",
        "Managed or Ephemeral OS disks for the first pool; fixed once the pool exists. Empty: "
        "Ephemeral where the VM size allows it, else Managed.",
        fixed_at_creation="AKS API 2025-09-01, OSDiskType: \"May not be changed after creation\"",
    ),
    PoolSetting(
        "osDiskSizeGb", int, "128",
        "OS disk size in GB, 30 to 2048. Default: AKS's for the VM size.",
        "OS disk size of the first pool in GB, 30 to 2048; fixed once the pool exists. Unset: "
        "AKS's for the VM size.",
        engine="osDiskSizeGB",
        fixed_at_creation="azure-aks-docs concepts-storage.md: \"You can't change the OS disk "
        "size after cluster or node pool creation\"",
    ),
    PoolSetting(
        "availabilityZones", list, "1",
        'Availability zones of the region for the nodes, e.g. ["1", "2", "3"]. Default: none.',
        'Availability zones of the region for the first pool, e.g. ["1", "2", "3"]; fixed once '
        "the pool exists.",
        fixed_at_creation="azure-aks-docs reliability-availability-zones-configure.md: \"You "
        "can't change the number of availability zones after you create a node pool\"",
        report_label="zones",
        list_example='["1", "2", "3"]',
    ),
    PoolSetting(
        "nodeTaints", list, "sandbox=true:NoSchedule",
        "Taints key=value:Effect on the nodes, e.g. sandbox=true:NoSchedule, which pods must "
        "tolerate; a System pool takes only CriticalAddonsOnly=true:NoSchedule. Default: none.",
        "Taints key=value:Effect on the first pool's nodes; a new cluster's System pool takes "
        "only CriticalAddonsOnly=true:NoSchedule, and then needs another pool.",
        report_label="taints",
        list_example='["sandbox=true:NoSchedule"]',
    ),
    PoolSetting(
        "scaleDownMode", str, "Delete",
        "What the autoscaler does with a node it scales down: Delete, or Deallocate (the node is "
        "stopped and kept, so that scaling up again is faster; not with Ephemeral OS disks). "
        "Default: Delete.",
        "What the autoscaler does with the first pool's nodes it scales down: Delete, or "
        "Deallocate (stopped and kept; not with Ephemeral OS disks). Empty: Delete.",
    ),
    PoolSetting(
        "maxSurge", str, "33%",
        "How many extra nodes an upgrade adds at a time: a number of nodes such as 5, or a "
        "percentage of the pool such as 33%. Changeable on a deployed pool. Default: AKS's (10% "
        "in the API reference, 1 node in the rolling-upgrade guide).",
        "How many extra nodes an upgrade of the first pool adds at a time: a number such as 5 or "
        "a percentage such as 33%. Empty: AKS's default.",
        engine="upgradeSettings.maxSurge",
    ),
    PoolSetting(
        "nodeLabels", dict, '{"workload": "sandboxed"}',
        'Labels on the nodes, e.g. {"workload": "sandboxed"}. Default: none.',
        'Labels on the first pool\'s nodes, e.g. {"workload": "sandboxed"}.',
    ),
)  # fmt: skip
"""Every pool option, in the order the components' schema and `Pulumi.yaml` list them."""

BY_NAME: dict[str, PoolSetting] = {setting.name: setting for setting in POOL_SETTINGS}
AUTOSCALING = BY_NAME["enableAutoScaling"]
LOWEST = BY_NAME["minCount"]
HIGHEST = BY_NAME["maxCount"]
PODS_PER_NODE = BY_NAME["maxPods"]
TAINTS = BY_NAME["nodeTaints"]
"""The rows other code names (the autoscaler switch and its bounds, the pods-per-node limit,
the taints), found by name: a row added anywhere in the table leaves them as they are."""
FIXED_AT_CREATION = tuple(s.engine_name for s in POOL_SETTINGS if s.fixed_at_creation)
"""AKS API names of what AKS cannot change once a pool exists: a change replaces the pool (each
row's `fixed_at_creation` cites its source)."""
