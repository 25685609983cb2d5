"""The stack's pools beyond the first one's name, size and count: the first pool's options
(`node*` keys), the structured `pools` items and the short `extraPools` form, each judged by the
same judge as a component's pool."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any, Optional

from podsandbox.rules import aks, judge
from podsandbox.rules.pool_limits import MAX_NODES_PER_POOL, SYSTEM, USER, PoolOptions, options_of
from podsandbox.rules.pool_settings import POOL_SETTINGS, PoolSetting
from podsandbox.stack.reader import FALSE_WORDS, TRUE_WORDS, Reader, set_example
from podsandbox.stack.settings import PoolSpec


@dataclass(frozen=True)
class FirstPool:
    """The first pool (the new cluster's System pool, or the pool added to an existing cluster),
    as read and judged; what every pool shares (runtime, OS SKU, version) is judged on it."""

    name: str
    count: Optional[int]
    """None when `nodeCount` is not a whole number (a problem says so)."""
    options: PoolOptions
    verdict: judge.PoolVerdict


def read_first_pool(
    read: Reader, default_name: str, system: bool, enforce_sandboxing_rules: bool
) -> FirstPool:
    """The first pool from its `node*` keys, judged as a System pool on a new cluster."""
    name = read.text("nodePoolName") or default_name
    count = read.integer("nodeCount")
    options = read_first_pool_options(read)
    verdict = judge.judge_pool(
        judge.PoolSettings(
            name=name,
            vm_size=read.text("nodeVmSize"),
            node_count=count if count is not None else judge.DEFAULT_NODE_COUNT,
            os_sku=read.text("osSku"),
            workload_runtime=read.text("runtime"),
            kubernetes_version=read.text("kubernetesVersion") or None,
            mode=SYSTEM if system else USER,
            options=options,
        )
    )
    for finding in verdict.enforced(enforce_sandboxing_rules):
        read.finding(finding)
    return FirstPool(name, count, options, verdict)


def read_more_pools(
    read: Reader, first: FirstPool, system_first: bool, enforce_sandboxing_rules: bool
) -> list[PoolSpec]:
    """The pools after the first, from `extraPools` or `pools` (one or the other); a new
    cluster's System pool kept to system pods needs one of them."""
    extra_pools = read_extra_pools(read, first.name, enforce_sandboxing_rules)
    structured = read_pools(read, first.name, first.verdict, enforce_sandboxing_rules)
    if extra_pools and structured:
        read.problem("pools", read.raw("pools"), "and extraPools both declare pools",
                     "pools (every pool setting) or extraPools (NAME:VM_SIZE[:COUNT]), not both",
                     "pulumi config rm extraPools")  # fmt: skip
    key = "pools" if structured else "extraPools"
    extra_pools = extra_pools or structured
    if (finding := judge.pool_count_finding(1 + len(extra_pools))) is not None:
        read.problem(key, finding.value, finding.reason, finding.allowed, f"pulumi config rm {key}")
    if system_first:
        finding = judge.dedicated_system_pool_finding(first.options, len(extra_pools))
        if finding is not None:
            read.finding(finding)
    return extra_pools


def read_first_pool_options(read: Reader) -> PoolOptions:
    """The first pool's options from their `node*` keys (types here, values by the judge)."""
    return options_of({option.name: _first_pool_value(read, option) for option in POOL_SETTINGS})


def _first_pool_value(read: Reader, option: PoolSetting) -> object:
    """One option of the first pool from its `node*` key, by its kind."""
    key = option.config_key
    if option.kind is bool:
        return read.boolean(key) is True
    if option.kind is int:
        return read.optional_integer(key)
    if option.kind is str:
        return read.text(key) or None
    if option.kind is list:
        return _string_list(read, key, option.value_example)
    value = read.structured(key, dict)
    if not isinstance(value, dict):
        read.problem(key, value, "is not a map of labels", "an object of strings",
                     f"pulumi config set {key} '{option.value_example}'")  # fmt: skip
        return {}
    return value


def _string_list(read: Reader, key: str, example: str) -> list[str]:
    """An array setting of strings; a problem (and an empty list) when it is not one."""
    value = read.structured(key, list)
    if not isinstance(value, list):
        read.problem(key, value, "is not a list", "a list of strings",
                     f"pulumi config set {key} '{example}'")  # fmt: skip
        return []
    return value


POOL_KEYS = {
    "name": str, "vmSize": str, "nodeCount": int,
    **{option.name: option.kind for option in POOL_SETTINGS},
}  # fmt: skip
"""What a `pools` item may set, with its type: the components' property names."""

_POOL_JSON = '{"name": "kata8", "vmSize": "Standard_D8s_v5"}'
_POOLS_EXAMPLE = f"pulumi config set --path 'pools[0]' '{_POOL_JSON}'"
"""The CLI stores the item as text: the reader takes an item's JSON text as the object."""


def _item_value(value: object, kind: type) -> tuple[object, bool]:
    """A `pools` item's value as `kind` (the CLI's `--path` stores numbers, booleans and the
    JSON of a list or map as text); and whether it is one."""
    if kind is int and isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value), True
    if (
        kind is bool
        and isinstance(value, str)
        and value.strip().lower() in TRUE_WORDS | FALSE_WORDS
    ):
        return value.strip().lower() in TRUE_WORDS, True
    if kind in (list, dict) and isinstance(value, str):  # JSON text, as the examples print it
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value, False
        return parsed, isinstance(parsed, kind)
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    return value, ok


def read_pools(
    read: Reader, main_pool: str, main: judge.PoolVerdict, enforce_sandboxing_rules: bool
) -> list[PoolSpec]:
    """Each `pools` item, judged as a User pool with the first pool's runtime, OS SKU and
    version (what all pools share is judged once, on the first pool's keys)."""
    raw = read.structured("pools", list)
    if not isinstance(raw, list):
        read.problem("pools", raw, "is not a list", "a list of pool objects",
                     f"pulumi config set pools '[{_POOL_JSON}]'")  # fmt: skip
        return []
    found: list[PoolSpec] = []
    seen = {main_pool}
    for index, item in enumerate(raw):
        where = f"pools[{index}]"
        item, _ = _item_value(item, dict)  # an item set with --path is JSON text
        if not isinstance(item, dict):
            read.problem(where, item, "is not a pool object", "an object with a name and any "
                         "pool setting", _POOLS_EXAMPLE.replace("[0]", f"[{index}]"))  # fmt: skip
            continue
        values: dict[str, Any] = {}
        for key, value in item.items():
            kind = POOL_KEYS.get(key)
            if kind is None:
                read.unknown_key(f"{where}.", key, value, POOL_KEYS, "a pool setting")
                continue
            converted, ok = _item_value(value, kind)
            if not ok:
                read.problem(f"{where}.{key}", value, f"is not {_KIND_NAMES[kind]}",
                             _KIND_NAMES[kind], set_example(f"{where}.{key}",
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
                  **{option.name: option.value_example for option in POOL_SETTINGS}}  # fmt: skip


def _judged_item(
    read: Reader,
    where: str,
    values: dict[str, Any],
    main: judge.PoolVerdict,
    seen: set[str],
    enforce_sandboxing_rules: bool,
) -> Optional[PoolSpec]:
    name = values.get("name")  # a string when set: the types were judged when read
    if not name:
        read.problem(f"{where}.name", values.get("name"), "is required", judge.POOL_NAME_ALLOWED,
                     set_example(f"{where}.name", _unused_pool_name(seen)))  # fmt: skip
        return None
    if name in seen:
        read.problem(f"{where}.name", name, f"repeats the pool name {name}",
                     "a name no other pool of the stack uses",
                     set_example(f"{where}.name", _unused_pool_name(seen)))  # fmt: skip
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


def _judge_count(read: Reader, key: str, name: str, vm_size: str, count: int) -> None:
    """An `extraPools` item's node count, judged by the pools' one judge (as a `pools` item's)."""
    for finding in judge.option_findings(USER, count, PoolOptions()):
        fixed = f"{name}:{vm_size}:{finding.example}"
        read.problem(key, f"{name}:{vm_size}:{count}", f"node count {count} {finding.reason}",
                     f"NAME:VM_SIZE:COUNT with COUNT of 1 to {MAX_NODES_PER_POOL}",
                     f"pulumi config set --path '{key}' {fixed}")  # fmt: skip


def read_extra_pools(
    read: Reader, main_pool: str, enforce_sandboxing_rules: bool
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
                     "pulumi config set extraPools '[\"kata8:Standard_D8s_v5:2\"]'")  # fmt: skip
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
        # ASCII digits only: str.isdigit() takes "²", which int() refuses.
        count = int(count_text) if re.fullmatch(r"[0-9]+", count_text.strip()) else 0
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
        _judge_count(read, key, name, vm_size, count)  # the upper bound, as for any pool
        # Any pool with a problem stops the stack (SettingsError); the others are kept as given.
        found.append(PoolSpec(name, vm_size, count))
    return found
