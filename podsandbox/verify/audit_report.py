"""`podsandbox audit`'s report: what it read, what would be refused and why, what it could not
judge; as text and as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

SWITCH = "pulumi config set guardrailEnforcement deny && pulumi up"


@dataclass
class PolicyCheck:
    """Whether the deployed ValidatingAdmissionPolicy is the one this version generates."""

    name: str
    deployed: bool
    matches: bool
    differences: list[str]
    runtime_class: str
    """The RuntimeClass of the generation the audit judges with (its refusal message names it)."""

    def to_text(self) -> list[str]:
        if not self.name:
            return []
        if not self.deployed:
            return [
                f"policy {self.name}: not deployed; judged with the one this version would "
                f"deploy ({self.runtime_class})"
            ]
        if self.matches:
            return [f"policy {self.name}: deployed, the one this version generates "
                    f"({self.runtime_class})"]  # fmt: skip
        return [
            f"policy {self.name}: deployed, but not the one this version generates; judged with "
            f"this version's ({self.runtime_class}), which `pulumi up` deploys. What differs:",
            *(f"  - {line}" for line in self.differences),
        ]


@dataclass(frozen=True)
class NotJudged:
    """Something the audit could not read or judge: it is not clean, only unknown."""

    what: str
    reason: str


@dataclass(frozen=True)
class Finding:
    """An object the policy would refuse: each rule it breaks, the policy's message (what the
    API server would answer) and the pack's details."""

    kind: str
    namespace: str
    name: str
    controlled_by: Optional[str]
    rules: tuple[tuple[str, str, tuple[str, ...]], ...]

    @classmethod
    def of(
        cls, obj: Mapping[str, Any], found: Mapping[str, list[str]], messages: Mapping[str, str]
    ) -> Finding:
        metadata = obj.get("metadata") or {}
        owners = metadata.get("ownerReferences") or []
        owner = next((o for o in owners if isinstance(o, Mapping) and o.get("controller")), None)
        return cls(
            str(obj.get("kind")),
            str(metadata.get("namespace")),
            str(metadata.get("name")),
            f"{owner.get('kind')} {owner.get('name')}" if owner else None,
            tuple((rule, messages[rule], tuple(details)) for rule, details in found.items()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "controlledBy": self.controlled_by,
            "rules": [
                {"rule": rule, "message": message, "details": list(details)}
                for rule, message, details in self.rules
            ],
        }


def _printable(text: str) -> str:
    """Text from the cluster, one line, without control characters."""
    return "".join(c if c.isprintable() else "?" for c in text)


@dataclass
class AuditReport:
    policy: PolicyCheck = field(default_factory=lambda: PolicyCheck("", False, False, [], ""))
    bindings: list[dict[str, Any]] = field(default_factory=list)
    binding_differences: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    kinds: list[dict[str, Any]] = field(default_factory=list)
    objects: int = 0
    refused: list[Finding] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing would be refused, and everything was judged (fail closed)."""
        return not self.refused and not self.not_judged

    @property
    def verdict(self) -> str:
        if self.ok:
            return (
                f"PASS: nothing in the {len(self.namespaces)} guarded namespaces would be "
                f"refused ({self.objects} objects judged); to enforce: {SWITCH}"
            )
        parts = []
        if self.refused:
            parts.append(f"{len(self.refused)} objects would be refused under Deny")
        if self.not_judged:
            parts.append(f"{len(self.not_judged)} reads could not be judged")
        return (
            f"FAIL: {' and '.join(parts)}; fix them (sandbox them, or move them out of the "
            "guarded namespaces) before switching to deny"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "policy": {
                "name": self.policy.name,
                "deployed": self.policy.deployed,
                "matches": self.policy.matches,
                "differences": self.policy.differences,
                "runtimeClass": self.policy.runtime_class,
            },
            "bindings": self.bindings,
            "bindingDifferences": self.binding_differences,
            "namespaces": self.namespaces,
            "kinds": self.kinds,
            "objects": self.objects,
            "refused": [finding.to_json() for finding in self.refused],
            "notJudged": [{"what": n.what, "reason": n.reason} for n in self.not_judged],
            "notes": self.notes,
        }

    def to_text(self) -> str:
        lines = [self.verdict, *self.policy.to_text()]
        if self.bindings:
            shown = ", ".join(
                f"{b['name']} ({', '.join(b['actions'])}"
                f"{'' if b['deployed'] else ', not deployed'})"
                for b in self.bindings
            )
            lines.append(f"bindings: {shown}")
        lines += [f"  - binding {line}" for line in self.binding_differences]
        lines.append(f"guarded namespaces: {', '.join(self.namespaces) or 'none'}")
        read = ", ".join(f"{k['objects']} {k['resource']}" for k in self.kinds if k["served"])
        lines.append(f"read {self.objects} objects: {read or 'none'}")
        unserved = [k["resource"] for k in self.kinds if not k["served"]]
        if unserved:
            lines.append(f"not served by this cluster (no such objects): {', '.join(unserved)}")
        lines += [f"note: {note}" for note in self.notes]
        if self.refused:
            lines += ["", f"would be refused ({len(self.refused)}):"]
            for finding in self.refused:
                owner = f" (controlled by {finding.controlled_by})" if finding.controlled_by else ""
                lines.append(f"  {finding.kind} {finding.namespace}/{finding.name}{owner}")
                for rule, message, details in finding.rules:
                    lines.append(f"    {rule}: {message}")
                    lines += [f"      - {detail}" for detail in details]
        if self.not_judged:
            lines += ["", f"not judged ({len(self.not_judged)}):"]
            lines += [f"  {n.what}: {n.reason}" for n in self.not_judged]
        return "\n".join(_printable(line) for line in lines)
