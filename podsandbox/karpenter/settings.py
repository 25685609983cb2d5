"""Karpenter's NodePool settings, each described once: one row per setting.

A row gives what every other place derives from it or is checked against it by a test: the
component's property name (`cpuLimit`; its Python input `cpu_limit` and the stack key
`karpenterCpuLimit` derive from it), where it lands in the NodePool (a nested path such as
`spec.disruption.consolidateAfter`), Karpenter's default, a value that works, the component
input's docstring and the stack setting's description, and the judge with its bounds.

Sources: the karpenter.sh/v1 NodePool CRD (`reference/karpenter/`): `spec.limits` is a map of
resource quantities, `spec.disruption.consolidationPolicy` an enum and `consolidateAfter` a
duration pattern, each with the default below. Nothing here imports Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Optional

from podsandbox.rules import judge, sizing

CONSOLIDATION_POLICIES = ("WhenEmpty", "WhenEmptyOrUnderutilized", "Balanced")
"""`spec.disruption.consolidationPolicy` (karpenter.sh/v1 NodePool CRD)."""
DURATION = re.compile(r"(([0-9]+(s|m|h))+|Never)")
"""`consolidateAfter` and `expireAfter` (the CRD's pattern)."""

Verdict = Optional[tuple[str, str]]
"""Why a value is refused and what is allowed, or None when it is fine."""


@dataclass(frozen=True)
class KarpenterSetting:
    """One NodePool setting."""

    name: str
    """Property name, as the component names it (camelCase)."""
    path: str
    """Where the value lands in the NodePool object, e.g. spec.limits.cpu."""
    default: str
    """Karpenter's default (the CRD's), or empty: left out of the object."""
    example: str
    """A value that works, e.g. "64"."""
    description: str
    """The component input's docstring (`SandboxNodeProvisioningArgs`); a test holds them equal."""
    config_description: str
    """The stack setting's description (`Pulumi.yaml`)."""
    check: Callable[[str], Verdict]
    """The judge and its bounds: why a value is refused, with what is allowed; None when it is
    fine."""

    @property
    def field(self) -> str:
        """The Python name (`SandboxNodeProvisioningArgs`): snake_case of `name`."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower()

    @property
    def config_key(self) -> str:
        """The stack key: `karpenter` and the name (`karpenterCpuLimit`)."""
        return "karpenter" + self.name[0].upper() + self.name[1:]

    def finding(self, value: str) -> Optional[judge.Finding]:
        """The problem of `value`, named as the component's property, or None."""
        verdict = self.check(value)
        if verdict is None:
            return None
        return judge.Finding(self.name, value, verdict[0], verdict[1], self.example)


def _limit(resource: str, text: str) -> Verdict:
    """A limit is left out (empty) or a quantity above zero. (A plain function the rows bind with
    `partial`: a closure made at import would be out of the mutation check's reach.)"""
    if not text:
        return None
    try:
        if sizing.parse_quantity(text) > 0:
            return None
    except sizing.QuantityError:
        pass
    return "is not a positive quantity", f"a {resource} quantity, or empty for no limit"


def _consolidation_policy(text: str) -> Verdict:
    if text in CONSOLIDATION_POLICIES:
        return None
    allowed = ", ".join(CONSOLIDATION_POLICIES[:-1]) + f" or {CONSOLIDATION_POLICIES[-1]}"
    return "is not a Karpenter consolidation policy", allowed


def _duration(text: str) -> Verdict:
    if DURATION.fullmatch(text) is not None:
        return None
    return (
        "is not a Karpenter duration",
        "seconds, minutes or hours such as 30s, 5m or 1h30m, or Never",
    )


KARPENTER_SETTINGS: tuple[KarpenterSetting, ...] = (
    KarpenterSetting(
        "cpuLimit", "spec.limits.cpu", "", "64",
        "Most CPU the NodePool may provision in all, a Kubernetes quantity, e.g. 64. Default: no "
        "limit.",
        "Most CPU Karpenter's NodePool may provision in all, e.g. 64; empty for no limit.",
        partial(_limit, "cpu"),
    ),
    KarpenterSetting(
        "memoryLimit", "spec.limits.memory", "", "256Gi",
        "Most memory the NodePool may provision in all, e.g. 256Gi. Default: no limit.",
        "Most memory Karpenter's NodePool may provision in all, e.g. 256Gi; empty for no limit.",
        partial(_limit, "memory"),
    ),
    KarpenterSetting(
        "consolidationPolicy", "spec.disruption.consolidationPolicy",
        "WhenEmptyOrUnderutilized", "WhenEmpty",
        "WhenEmpty, WhenEmptyOrUnderutilized or Balanced. Default: WhenEmptyOrUnderutilized "
        "(Karpenter's).",
        "When Karpenter removes or replaces nodes: WhenEmpty, WhenEmptyOrUnderutilized or "
        "Balanced.",
        _consolidation_policy,
    ),
    KarpenterSetting(
        "consolidateAfter", "spec.disruption.consolidateAfter", "0s", "5m",
        "How long a node may sit empty or underused before Karpenter removes it, e.g. 30s, 5m or "
        "Never. Default: 0s (Karpenter's).",
        "How long a node may sit empty or underused first, e.g. 30s, 5m or Never.",
        _duration,
    ),
)  # fmt: skip
"""Every NodePool setting, in the order the component's schema and `Pulumi.yaml` list them."""

DEFAULTS: dict[str, str] = {setting.name: setting.default for setting in KARPENTER_SETTINGS}
"""Each setting's default, by property name."""


def setting_findings(values: Mapping[str, str]) -> list[judge.Finding]:
    """Every problem of the NodePool's settings (by property name; a missing one takes its
    default), named as the component's properties, in the table's order."""
    findings = []
    for setting in KARPENTER_SETTINGS:
        finding = setting.finding(values.get(setting.name, setting.default))
        if finding is not None:
            findings.append(finding)
    return findings


def place(spec_values: Mapping[str, str], target: dict[str, Any]) -> dict[str, Any]:
    """Put each set value (by property name; empty ones are left out) at its path in `target`,
    a NodePool object, creating the maps on the way; returns `target`."""
    for setting in KARPENTER_SETTINGS:
        value = spec_values.get(setting.name, setting.default)
        if not value:
            continue
        *parents, leaf = setting.path.split(".")
        here = target
        for key in parents:
            here = here.setdefault(key, {})
        here[leaf] = value
    return target
