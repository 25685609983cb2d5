"""What the stack puts in the cluster's way, as the reports state it: the in-cluster guardrail's
mode (deny, warn+audit, or off and why) and Karpenter's NodePool limits, read from what the
program registered (ValidatingAdmissionPolicyBindings, karpenter.sh NodePools), never assumed.

A reader of the text or Markdown report learns whether the namespaces are guarded or only
audited, without opening the JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from podsandbox.guardrail import plan

if TYPE_CHECKING:
    from podsandbox.preview.records import RegisteredResource

BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"
NODE_POOL = ("karpenter.sh/v1", "NodePool")
MODES = {tuple(sorted(a)): "+".join(a).lower() for a in plan.ACTIONS.values()}
"""A binding's validationActions (sorted) as the reports name them, from the guardrail's own
(deny, warn+audit); any other is shown as is."""


def guardrail_summary(
    resources: Sequence[RegisteredResource], warnings: Sequence[str]
) -> dict[str, Any]:
    """The mode of every admission binding the stack declares, by policy; off, with the reason
    the settings gave, when it declares none."""
    modes: dict[str, set[str]] = {}
    for resource in resources:
        if resource.type != BINDING:
            continue
        spec = _mapping(resource.inputs.get("spec"))
        actions = spec.get("validationActions")
        names = tuple(sorted(str(a) for a in actions)) if isinstance(actions, list) else ()
        mode = MODES.get(names, "+".join(names).lower() or "unknown")
        modes.setdefault(str(spec.get("policyName", "unknown")), set()).add(mode)
    if modes:
        return {
            "mode": " and ".join(sorted({m for found in modes.values() for m in found})),
            "policies": {name: sorted(found) for name, found in sorted(modes.items())},
        }
    why = next((w for w in warnings if w.startswith(plan.GUARDRAIL_OFF)), None)
    return {"mode": "off", "why": why or "the stack declares no admission binding"}


def karpenter_summary(resources: Sequence[RegisteredResource]) -> list[dict[str, Any]]:
    """Each Karpenter NodePool the stack declares: its limits ("none" for an unlimited one) and
    when it consolidates."""
    found = []
    for resource in resources:
        inputs = resource.inputs
        if (inputs.get("apiVersion"), inputs.get("kind")) != NODE_POOL:
            continue
        spec = _mapping(inputs.get("spec"))
        limits, disruption = _mapping(spec.get("limits")), _mapping(spec.get("disruption"))
        found.append({
            "nodePool": str(_mapping(inputs.get("metadata")).get("name", resource.name)),
            "cpuLimit": str(limits.get("cpu", "none")),
            "memoryLimit": str(limits.get("memory", "none")),
            "consolidationPolicy": str(disruption.get("consolidationPolicy", "unset")),
            "consolidateAfter": str(disruption.get("consolidateAfter", "unset")),
        })  # fmt: skip
    return found


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def admission_lines(summary: dict[str, Any]) -> list[str]:
    """The guardrail's and Karpenter's lines of the text and Markdown reports (unescaped: each
    report escapes them its own way)."""
    guardrail = summary["guardrail"]
    if guardrail["mode"] == "off":
        lines = [f"Guardrail: off ({guardrail['why']})"]
    else:
        named = guardrail["policies"].items()
        policies = ", ".join(
            name if len(named) == 1 else f"{name}: {' and '.join(modes)}" for name, modes in named
        )
        lines = [f"Guardrail: {guardrail['mode']} (policy {policies})"]
    for pool in summary["karpenter"]:
        lines.append(
            f"Karpenter NodePool {pool['nodePool']}: limits cpu {pool['cpuLimit']}, memory "
            f"{pool['memoryLimit']}; consolidation {pool['consolidationPolicy']} after "
            f"{pool['consolidateAfter']}"
        )
    return lines
