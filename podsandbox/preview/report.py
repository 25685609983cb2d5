"""The offline preview's report, in four formats: text, JSON, Markdown (a PR comment), SARIF.

The JSON document is the stable, machine-readable one; Markdown is for a pull-request comment and
SARIF 2.1.0 for code scanning (one result per violation, pointing at the stack file). Secrets are
never shown: every secret value is "[secret]", every value known only after deployment "[unknown]".
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pulumi_policy import Policy, Severity

from podsandbox.preview.policy_evaluator import Violation, load_pack
from podsandbox.preview.recorder import ProgramRun, RegisteredResource
from podsandbox.rules import sizing, vmsizes
from podsandbox.rules.judge import DEFAULT_EXISTING_CLUSTER_POOL, DEFAULT_NEW_CLUSTER_POOL
from podsandbox.rules.pools import CLASSIC, SandboxingPool, sandboxing_pools
from podsandbox.stack import SETTINGS_BY_KEY

KEY_INPUTS = (
    "apiVersion",
    "resourceType",
    "resourceGroupName",
    "resourceName",
    "agentPoolName",
    "location",
    "kubernetesVersion",
    "orchestratorVersion",
    "vmSize",
    "osType",
    "osSKU",
    "workloadRuntime",
    "count",
    "mode",
    "runtimeClassName",
    "providerNamespace",
    "featureName",
)
"""Inputs the text report shows (the JSON report has them all)."""


@dataclass
class PreviewReport:
    """What `podsandbox preview` prints, in either format."""

    run: ProgramRun
    stack_file: Path
    warnings: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def pools(self) -> list[tuple[RegisteredResource, SandboxingPool]]:
        return [
            (resource, pool)
            for resource in self.run.resources
            for pool in sandboxing_pools(resource.type, resource.inputs)
        ]

    def summary(self) -> dict[str, Any]:
        by_type: dict[str, int] = {}
        for resource in self.run.resources:
            by_type[resource.type] = by_type.get(resource.type, 0) + 1
        return {
            "create": len(self.run.resources),
            "byType": by_type,
            "sandboxingPools": [
                _pool_summary(resource, pool, self._declared_clusters())
                for resource, pool in self.pools
            ],
            "warnings": self.warnings,
            "unansweredInvokes": [
                {"token": invoke.token, "args": invoke.args}
                for invoke in self.run.unanswered_invokes
            ],
            "mandatoryViolations": self.mandatory_violations,
            "fixedNames": [name.to_dict() for name in self.fixed_names],
            "notChecked": self.not_checked,
            "notSeen": [
                {"urn": r.urn, "type": r.type, "name": r.name, "reason": r.not_checked}
                for r in self.not_seen
            ],
        }

    def _declared_clusters(self) -> set[str]:
        """The clusters this stack creates (by name): any other a pool names exists already."""
        return {
            str(resource.inputs.get("resourceName"))
            for resource in self.run.resources
            if resource.type.endswith(":ManagedCluster")
            or resource.inputs.get("resourceType") == "managedClusters"
        }

    @property
    def fixed_names(self) -> list[FixedName]:
        return [name for resource in self.run.resources if (name := _fixed_name(resource))]

    @property
    def not_checked(self) -> list[str]:
        """What the policy pack could not judge offline (a policy that needed a value known only
        after deployment); with `--strict` any of it fails the preview (exit 1).

        Reads the offline run cannot answer are listed apart (`unansweredInvokes`): they feed the
        program's own checks of a cluster that exists, which a real preview makes.
        """
        unjudged = [violation.message.splitlines()[0] for violation in self.unjudged]
        return unjudged + [
            f"{NOT_SEEN_PREFIX} {r.type} {r.name}: {r.not_checked}" for r in self.not_seen
        ]

    @property
    def not_seen(self) -> list[RegisteredResource]:
        """Components whose resources the offline run cannot see (a Helm chart, a kustomize
        directory, a multi-language component): nothing they declare was judged."""
        return [resource for resource in self.run.resources if resource.not_checked]

    @property
    def judged(self) -> list[Violation]:
        """The violations: what a policy found wrong."""
        return [v for v in self.violations if not v.message.startswith(CANNOT_RUN)]

    @property
    def unjudged(self) -> list[Violation]:
        """The policies that could not run on a resource offline (a value only known after
        deployment): no violation, checked only by a real preview."""
        return [v for v in self.violations if v.message.startswith(CANNOT_RUN)]

    @property
    def mandatory_violations(self) -> int:
        return sum(1 for violation in self.judged if violation.enforcement == "mandatory")

    def verdict(self) -> str:
        """The one-line verdict that opens the text and Markdown reports."""
        levels: dict[str, int] = {}
        for violation in self.judged:
            levels[violation.enforcement] = levels.get(violation.enforcement, 0) + 1
        counts = ", ".join(f"{count} {level}" for level, count in sorted(levels.items()))
        parts = [counts or "no policy violations"]
        if self.unjudged:
            parts.append(f"{len(self.unjudged)} checked only by a real preview")
        if self.not_seen:
            parts.append(f"{len(self.not_seen)} not checked")
        outcome = "FAIL" if self.mandatory_violations else "PASS"
        return f"{outcome}: " + "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.run.stack,
            "resources": [
                {
                    "urn": resource.urn,
                    "type": resource.type,
                    "name": resource.name,
                    "parent": resource.parent,
                    "inputs": resource.inputs,
                    "propertyDependencies": {
                        key: sorted(urns) for key, urns in resource.property_dependencies.items()
                    },
                    "options": self.run.options(resource),
                }
                for resource in self.run.resources
            ],
            "outputs": {name: output.value for name, output in self.run.outputs.items()},
            "invokes": [
                {"token": invoke.token, "answered": invoke.answered} for invoke in self.run.invokes
            ],
            "verdict": self.verdict(),
            "violations": [violation.to_dict() for violation in self.judged],
            "checkedOnlyByRealPreview": [violation.to_dict() for violation in self.unjudged],
            "summary": self.summary(),
        }

    def to_text(self) -> str:
        """The verdict, the sandboxing pools, violations and what was not checked, then the
        resources as a tree in creation order; no line wider than `TEXT_WIDTH`."""
        run = self.run
        lines = [
            f"Offline preview of stack {run.stack} (project {run.project}, "
            f"{self.stack_file.name}); no Pulumi CLI, no Azure.",
            "",
            f"Verdict: {self.verdict()}",
            "",
            "Sandboxing pools:",
        ]
        if not self.pools:
            lines.append("  (none)")
        for info in self.summary()["sandboxingPools"]:
            lines.append(
                f"  {info['pool']} on {info['on']}: {info['vmSize']} x{_count_text(info)}, "
                f"{info['osSKU']}, {info['workloadRuntime']} (RuntimeClass "
                f"{info['runtimeClassName']}), Kubernetes: {info['kubernetesVersion']}"
            )
            if placement := _placement_text(info):
                lines.append(f"    {placement}")
            lines.append(f"    VM size: {info['vmSizeVerdict']} - {info['vmSizeReason']}")
        names = {resource.urn: resource.name for resource in run.resources}
        judged = self.judged
        lines += [
            "",
            f"Policy violations: {len(judged)} ({self.mandatory_violations} mandatory)"
            if judged
            else "Policy violations: none",
        ]
        for violation in sorted(judged, key=lambda v: v.enforcement != "mandatory"):
            where = names.get(violation.urn, "stack")
            detail = violation.message.replace("\n", "\n      ")
            lines.append(f"  [{violation.enforcement}] {violation.policy} ({where})")
            lines.append(f"      {detail}")
        if self.unjudged:
            lines += ["", UNJUDGED_HEADING + ":"]
            for violation in self.unjudged:
                where = names.get(violation.urn, "stack")
                reason = violation.message.partition(" during preview: ")[2] or violation.message
                lines.append(f"  ? {violation.policy} ({where}): {reason}")
        if self.not_seen:
            lines += ["", NOT_SEEN_HEADING + ":"]
            lines += [f"  ? {r.type}  {r.name}: {r.not_checked}" for r in self.not_seen]
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  ! {warning}" for warning in self.warnings]
        if run.unanswered_invokes:
            lines += ["", "Not answered offline (checked only by a real `pulumi preview`):"]
            for invoke in run.unanswered_invokes:
                lines.append(
                    f"  ? {invoke.token} {json.dumps(invoke.args, sort_keys=True, default=str)}"
                )
                lines.append(f"      {_unanswered_check(invoke.token)}")
        lines += ["", f"Resources: {len(run.resources)} to create, in creation order"]
        depth = _depths(run.resources)
        for resource in run.resources:
            indent = "  " * depth[resource.urn]
            flags = "".join(f" [{flag}]" for flag in _option_flags(resource))
            lines.append(f"  + {indent}{resource.type}  {resource.name}{flags}")
            for key, value in _key_inputs(resource):
                lines.append(f"      {indent}{key}: {_show(value)}")
            if (note := _replacement_note(resource)) is not None:
                lines.append(f"      {indent}note: {note}")
        lines += ["", "Outputs:"]
        lines += [f"  {name}: {_output_line(output.value)}" for name, output in run.outputs.items()]
        if self.fixed_names:
            lines += ["", FIXED_NAMES_NOTE]
            for fixed in self.fixed_names:
                how_to = " (the az how-to's name)" if fixed.how_to_name else ""
                lines.append(f"  {fixed.kind} {fixed.name}{how_to}: {fixed.azure_id}")
        return "\n".join(_fitted(lines))


NOT_SEEN_HEADING = "Not checked: resources the offline run cannot see"
UNJUDGED_HEADING = (
    "Checked only by a real preview (the policy needs a value known after deployment)"
)
CANNOT_RUN = "can't run policy"
"""How the engine (and the policy SDK) starts the message of a policy that could not run."""
NOT_SEEN_PREFIX = "not seen offline:"
NOT_SEEN_RULE = {
    "id": "not-checked",
    "shortDescription": {
        "text": "A component declares resources the offline run cannot see; nothing in it was "
        "judged (a real `pulumi preview` with the pack judges them)."
    },
    "defaultConfiguration": {"level": "warning"},
    "properties": {"tags": ["aks", "pod-sandboxing", "not-checked"]},
}
"""The SARIF rule of the results that name what could not be checked."""

SUBSCRIPTION = "<subscription-id>"
HOW_TO_NAMES = frozenset(
    {
        str(SETTINGS_BY_KEY["resourceGroupName"].default),
        str(SETTINGS_BY_KEY["clusterName"].default),
        DEFAULT_NEW_CLUSTER_POOL,
        DEFAULT_EXISTING_CLUSTER_POOL,
    }
)
"""The names the az how-to creates (`myResourceGroup`, `myAKSCluster`, `nodepool1`, `nodepool2`),
which are also this project's defaults: a user who followed the how-to first already has them."""
FIXED_NAMES_NOTE = (
    "Azure resources created with fixed names: if one already exists, `pulumi up` stops with "
    '"cannot create already existing resource" (azure-native never adopts one). Import it '
    '(`pulumi import`, see the README\'s "Resources that already exist") or choose other names.'
)


@dataclass(frozen=True)
class FixedName:
    """An Azure resource the program creates under a name it fixes, and how to import it."""

    resource: RegisteredResource
    kind: str
    """"resource group", "AKS cluster" or "node pool"."""
    name: str
    azure_id: str
    """Its ARM id, with the subscription left as a placeholder."""

    @property
    def how_to_name(self) -> bool:
        return self.name in HOW_TO_NAMES

    @property
    def import_command(self) -> str:
        parent = f" --parent parent={self.resource.parent}" if self.resource.parent else ""
        return (
            f"pulumi import {self.resource.type} {self.resource.name} '{self.azure_id}'"
            f"{parent} --generate-code=false"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.resource.urn,
            "kind": self.kind,
            "name": self.name,
            "azureId": self.azure_id,
            "howToName": self.how_to_name,
            "importCommand": self.import_command,
        }


def _fixed_name(resource: RegisteredResource) -> Optional[FixedName]:
    """The resource's fixed Azure name and id, for the resource kinds the program creates; None
    for any other resource, and for one left to auto-naming (no name input: Pulumi adds a
    random suffix, so it cannot collide)."""
    inputs = {key: _show(value) for key, value in resource.inputs.items()}
    name_input = {
        "azure-native:resources:ResourceGroup": "resourceGroupName",
        "azure-native:containerservice:ManagedCluster": "resourceName",
        "azure-native:containerservice:AgentPool": "agentPoolName",
        "azure-native:resources:Resource": "resourceName",
    }.get(resource.type)
    if name_input is None or name_input not in inputs:
        return None
    group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{inputs.get('resourceGroupName')}"
    clusters = f"{group}/providers/Microsoft.ContainerService/managedClusters"
    if resource.type == "azure-native:resources:ResourceGroup":
        return FixedName(resource, "resource group", inputs["resourceGroupName"], group)
    if resource.type == "azure-native:containerservice:ManagedCluster":
        name = inputs["resourceName"]
        return FixedName(resource, "AKS cluster", name, f"{clusters}/{name}")
    if resource.type == "azure-native:containerservice:AgentPool":
        pool, cluster = inputs["agentPoolName"], inputs["resourceName"]
        return FixedName(resource, "node pool", pool, f"{clusters}/{cluster}/agentPools/{pool}")
    if resource.type == "azure-native:resources:Resource" and inputs.get("resourceType") in (
        "managedClusters",
        "agentPools",
    ):
        parent_path = inputs.get("parentResourcePath") or ""
        kind = "AKS cluster" if inputs["resourceType"] == "managedClusters" else "node pool"
        name = inputs["resourceName"]
        path = "/".join(part for part in (parent_path, inputs["resourceType"], name) if part)
        provider = f"{group}/providers/{inputs.get('resourceProviderNamespace')}"
        return FixedName(resource, kind, name, f"{provider}/{path}")
    return None


def _option_flags(resource: RegisteredResource) -> list[str]:
    """What a reviewer needs to know of a resource's options: protection, how it is replaced."""
    flags = []
    if resource.protect:
        flags.append("protected")
    if resource.retain_on_delete:
        flags.append("retained on delete")
    if resource.delete_before_replace:
        flags.append("deleted before replaced")
    if resource.replace_on_changes:
        flags.append("replaced on change of " + _grouped(resource.replace_on_changes))
    if resource.ignore_changes:
        flags.append("ignores changes to " + _grouped(resource.ignore_changes))
    if resource.not_checked:
        flags.append("not checked")
    return flags


def _grouped(paths: Sequence[str]) -> str:
    """`a.b, a.c, d` -> `a.{b, c}, d`: property paths, shortened for a reader."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        parent, dot, leaf = path.rpartition(".")
        groups.setdefault(parent + dot, []).append(leaf)
    return ", ".join(
        prefix + (leaves[0] if len(leaves) == 1 else "{" + ", ".join(leaves) + "}")
        for prefix, leaves in groups.items()
    )


def _replacement_note(resource: RegisteredResource) -> Optional[str]:
    """What a reviewer must know of a resource that a change replaces on purpose."""
    if not resource.replace_on_changes:
        return None
    if resource.protect:
        return "such a change is refused while it is protected (protect: true)"
    return "such a change deletes and re-creates it; set protect: true to refuse it instead"


UNANSWERED_CHECKS = {
    "azure-native:containerservice:getManagedCluster": "the existing cluster's Kubernetes "
    "version, Entra ID settings and network policy engine, then read its kubeconfig (which "
    "waits for them) and whether the sandboxing RuntimeClass exists",
    "azure-native:containerservice:listManagedClusterUserCredentials": "the cluster's "
    "kubeconfig, and with it whether the sandboxing RuntimeClass exists",
    "azure-native:features:getSubscriptionFeatureRegistration": "the legacy runtime's "
    "subscription feature state",
}
"""What each read the offline preview cannot answer would have checked (a real preview does)."""


def _unanswered_check(token: str) -> str:
    checked = UNANSWERED_CHECKS.get(token)
    return f"a real preview reads it to check {checked}" if checked else "not checked offline"


def _key_inputs(resource: RegisteredResource) -> list[tuple[str, Any]]:
    """The inputs the text report shows: top-level ones (a Kubernetes object's apiVersion is its
    type's, not news), and a Kubernetes object's spec ones."""
    inputs = resource.inputs
    kubernetes = resource.type.startswith("kubernetes:")
    keys = [key for key in KEY_INPUTS if not (kubernetes and key == "apiVersion")]
    found = [(key, inputs[key]) for key in keys if key in inputs]
    metadata, spec = inputs.get("metadata"), inputs.get("spec")
    if isinstance(metadata, dict) and "namespace" in metadata:
        found.append(("namespace", metadata["namespace"]))
    if isinstance(spec, dict):
        found += [(key, spec[key]) for key in KEY_INPUTS if key in spec]
    return found


def _pool_summary(
    resource: RegisteredResource, pool: SandboxingPool, declared_clusters: set[str]
) -> dict[str, Any]:
    verdict, reason = "unknown", "the VM size is not known offline"
    vm_size = pool.value("vm_size")
    if isinstance(vm_size, str):
        try:
            size = vmsizes.check_size(vm_size)
            verdict, reason = size.status.value, size.reason
        except vmsizes.SizeNameError as error:
            verdict, reason = "invalid", str(error)
    versions = pool.kubernetes_versions()
    version = _show(versions[-1][1]) if versions else "AKS default"
    cluster = resource.inputs.get("resourceName")
    if pool.cluster_version is None and cluster is not None and cluster not in declared_clusters:
        # A pool added to a cluster that exists: its version is the cluster's unless set.
        version = (
            f"{version} (set; the cluster's own version is read at deploy time)"
            if versions
            else "the cluster's version (read at deploy time)"
        )
    return {
        "urn": resource.urn,
        "on": resource.name,
        "pool": pool.value("name"),
        "mode": pool.value("mode"),
        "vmSize": vm_size,
        "vmSizeVerdict": verdict,
        "vmSizeReason": reason,
        "osSKU": pool.value("os_sku"),
        "count": pool.value("count"),
        "workloadRuntime": pool.runtime.workload_runtime,
        "runtimeClassName": pool.runtime.runtime_class_name,
        "nodeLabel": pool.runtime.node_label,
        "legacy": pool.runtime.legacy,
        "kubernetesVersion": version,
        **_scaling_and_placement(pool),
    }


def _scaling_and_placement(pool: SandboxingPool) -> dict[str, Any]:
    """Autoscaling bounds, zones and taints as azure-native names them (the classic provider's
    names differ, and neither this project nor the pack declares them there: shown as none)."""
    props = pool.props if pool.fields is not CLASSIC else {}
    bounds = {"minCount": props.get("minCount"), "maxCount": props.get("maxCount")}
    return {
        "autoscaling": bounds if props.get("enableAutoScaling") is True else None,
        "availabilityZones": props.get("availabilityZones"),
        "nodeTaints": props.get("nodeTaints"),
    }


def _count_text(info: Mapping[str, Any]) -> str:
    """ "1", or "1 (autoscaled 1 to 5)": the initial count and the autoscaler's bounds."""
    scaling = info["autoscaling"]
    count = _show(info["count"])
    if scaling is None:
        return count
    return f"{count} (autoscaled {_show(scaling['minCount'])} to {_show(scaling['maxCount'])})"


def _placement_text(info: Mapping[str, Any]) -> str:
    """ "zones 1, 2, 3; taints sandbox=true:NoSchedule", or "" when neither is set."""
    parts = []
    for key, label in (("availabilityZones", "zones"), ("nodeTaints", "taints")):
        value = info[key]
        if value:
            shown = ", ".join(map(_show, value)) if isinstance(value, list) else _show(value)
            parts.append(f"{label} {shown}")
    return "; ".join(parts)


def _depths(resources: list[RegisteredResource]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for resource in resources:  # tree order: parents come before their children
        depth[resource.urn] = depth.get(resource.parent or "", -1) + 1
    return depth


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _output_line(value: Any) -> str:
    """A stack output for a reader: sizing and capacity as a short line, else the value."""
    return sizing.describe(value) or _show(value)


TEXT_WIDTH = 120
"""No line of the text report is wider (the JSON report has every value in full)."""
LONG_VALUE = 90
"""A value longer than this with no space in it (a key, a certificate, an ARM id) is shortened;
type tokens (`kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding`) fit."""


def _fitted(lines: list[str]) -> list[str]:
    """Each line within `TEXT_WIDTH`: long unbroken values shortened with an ellipsis, long
    text wrapped under its own indentation."""
    fitted = []
    for line in lines:
        if len(line) <= TEXT_WIDTH:
            fitted.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        words = [
            word if len(word) <= LONG_VALUE else word[: LONG_VALUE - 1] + "\u2026"
            for word in line.split(" ")
        ]
        fitted += textwrap.wrap(
            " ".join(words).strip(),
            width=TEXT_WIDTH,
            initial_indent=indent,
            subsequent_indent=indent + "    ",
            break_long_words=True,
            break_on_hyphens=False,
        )
    return fitted


def _cell(value: Any) -> str:
    """A Markdown table cell: no pipes or newlines."""
    return _show(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: PreviewReport, policies: Sequence[Policy] = ()) -> str:
    """A pull-request comment: the verdict, the sandboxing pools, violations (each with its
    policy's severity, remediation steps and doc link), what was not checked, notes, then the
    resources in creation order (collapsed)."""
    run = report.run
    by_name = {policy.name: policy for policy in policies}
    consequence = (
        "This change would be blocked" if report.mandatory_violations else "Nothing blocks it"
    )
    lines = [
        f"### Offline preview of `{run.stack}` (project `{run.project}`)",
        "",
        f"**Verdict: {report.verdict()}.** {consequence}. {len(run.resources)} resources to "
        "create; no Azure account was used.",
        "",
    ]
    pools = report.summary()["sandboxingPools"]
    lines += ["#### Sandboxing pools", ""]
    if pools:
        lines += [
            "| pool | VM size | verdict | count | zones, taints | OS SKU | runtime | RuntimeClass "
            "| Kubernetes |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(p['pool'])} | {_cell(p['vmSize'])} | {p['vmSizeVerdict']} | "
            f"{_cell(_count_text(p))} | {_cell(_placement_text(p) or '-')} | "
            f"{_cell(p['osSKU'])} | {p['workloadRuntime']} | `{p['runtimeClassName']}` | "
            f"{_cell(p['kubernetesVersion'])} |"
            for p in pools
        ]
    else:
        lines.append("None in this stack.")
    names = {resource.urn: resource.name for resource in run.resources}
    lines += ["", "#### Policy violations", ""]
    if not report.judged:
        lines.append("None.")
    for level in ("mandatory", "advisory", "remediate"):
        chosen = [v for v in report.judged if v.enforcement == level]
        if not chosen:
            continue
        lines += [f"**{level.capitalize()}** ({len(chosen)})", ""]
        for violation in chosen:
            title, _, detail = violation.message.partition("\n")
            where = names.get(violation.urn, "stack")
            policy = by_name.get(violation.policy)
            severity = f" ({policy.severity.value})" if policy and policy.severity else ""
            line = f"- `{violation.policy}`{severity} on `{where}`: {detail or title}"
            if policy and policy.remediation_steps:
                line += f"<br>Fix: {policy.remediation_steps}"
            if policy and policy.url:
                line += f" ([docs]({policy.url}))"
            lines.append(line)
        lines.append("")
    if report.unjudged:
        lines += ["", f"#### {UNJUDGED_HEADING}", ""]
        for violation in report.unjudged:
            reason = violation.message.partition(" during preview: ")[2] or violation.message
            where = names.get(violation.urn, "stack")
            lines.append(f"- `{violation.policy}` on `{where}`: {reason}")
        lines.append("")
    if report.not_seen:
        lines += [f"#### {NOT_SEEN_HEADING}", ""]
        lines += [f"- `{r.type}` {_cell(r.name)}: {r.not_checked}" for r in report.not_seen]
        lines.append("")
    if report.warnings or run.unanswered_invokes:
        lines += ["#### Notes", ""]
        lines += [f"- {warning}" for warning in report.warnings]
        lines += [
            f"- `{invoke.token}` could not be answered offline: {_unanswered_check(invoke.token)}"
            for invoke in run.unanswered_invokes
        ]
    sized = [(name, sizing.describe(output.value)) for name, output in run.outputs.items()]
    if any(described for _, described in sized):
        lines += ["", "#### Sizing", ""]
        lines += [f"- `{name}`: {described}" for name, described in sized if described]
    if report.fixed_names:
        lines += ["", "#### Names that must be free", "", FIXED_NAMES_NOTE, ""]
        lines += ["| kind | name | Azure id |", "|---|---|---|"]
        lines += [
            f"| {fixed.kind} | {_cell(fixed.name)}"
            + (" (the az how-to's name)" if fixed.how_to_name else "")
            + f" | `{fixed.azure_id}` |"
            for fixed in report.fixed_names
        ]
    depth = _depths(run.resources)
    lines += [
        "",
        "<details><summary>Resources to create, in creation order</summary>",
        "",
        "| type | name | options | key inputs |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {'&nbsp;&nbsp;' * depth[resource.urn]}`{resource.type}` | {resource.name} | "
        + _cell(", ".join(_option_flags(resource)))
        + " | "
        + ", ".join(f"{key}: {_cell(value)}" for key, value in _key_inputs(resource))
        + " |"
        for resource in run.resources
    ]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_SARIF_LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning"}


def _artifact_uri(path: Path) -> str:
    """The stack file relative to the working directory (the repository root in CI)."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_uri()


UNKNOWN_MAKERS = ("mode", "clusterName")
"""Settings that make values unknown offline (an existing cluster is read at deploy time): a
policy that could not run points at the first of them the stack file sets."""


def _line_of_setting(keys: Sequence[str], stack_lines: list[str]) -> Optional[int]:
    """The stack file line that sets the first of `keys` (under any namespace), if any."""
    for key in keys:
        pattern = re.compile(rf"^\s*(?:[\w.-]+:)?{re.escape(key)}:(?:\s|$)")
        for number, line in enumerate(stack_lines, start=1):
            if pattern.match(line):
                return number
    return None


def _line_of(violation: Violation, stack_lines: list[str]) -> int:
    """The stack file line whose value the violation names, else 1. A policy that could not run
    points at the setting that made its value unknown (`UNKNOWN_MAKERS`) when the file sets
    one."""
    if violation.message.startswith(CANNOT_RUN):
        found = _line_of_setting(UNKNOWN_MAKERS, stack_lines)
        if found is not None:
            return found
    for number, line in enumerate(stack_lines, start=1):
        match = re.match(r"^\s*(?:- )?[\w.:/-]+:\s+(.+)$", line.partition(" #")[0])
        value = match.group(1).strip().strip("'\"") if match else ""
        if value and value not in ("true", "false") and len(value) > 2:
            if re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w.-])", violation.message):
                return number
    return 1


SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.0",
    Severity.HIGH: "7.5",
    Severity.MEDIUM: "5.0",
    Severity.LOW: "2.5",
}
"""A policy's severity as the score GitHub code scanning ranks by (`security-severity`)."""


def _sarif_rule(policy: Policy) -> dict[str, Any]:
    """A SARIF rule from the policy's own metadata: description, level, help, link, tags."""
    level = policy.enforcement_level.value if policy.enforcement_level else "advisory"
    rule: dict[str, Any] = {
        "id": policy.name,
        "shortDescription": {"text": policy.description},
        "defaultConfiguration": {"level": _SARIF_LEVELS.get(level, "note")},
    }
    if policy.remediation_steps:
        help_text = policy.remediation_steps + (f" See {policy.url}" if policy.url else "")
        rule["help"] = {"text": help_text}
    if policy.url:
        rule["helpUri"] = policy.url
    properties: dict[str, Any] = {"tags": list(policy.tags or [])}
    if policy.severity is not None:
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity]
    rule["properties"] = properties
    return rule


def to_sarif(report: PreviewReport, policy_list: Sequence[Policy]) -> dict[str, Any]:
    """SARIF 2.1.0: one result per violation, located in the stack file; one rule per policy."""
    policies = {policy.name: policy for policy in policy_list}
    uri = _artifact_uri(report.stack_file)
    try:
        stack_lines = report.stack_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        stack_lines = []
    rules = [_sarif_rule(policy) for policy in policy_list]
    results = []
    for violation in report.violations:
        results.append(
            {
                "ruleId": violation.policy,
                "ruleIndex": list(policies).index(violation.policy)
                if violation.policy in policies
                else -1,
                "level": _SARIF_LEVELS.get(violation.enforcement, "note"),
                "message": {"text": violation.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {"startLine": _line_of(violation, stack_lines)},
                        },
                        "logicalLocations": [{"fullyQualifiedName": violation.urn or "stack"}],
                    }
                ],
                "partialFingerprints": {
                    "podsandboxViolation/v1": f"{violation.policy}:{violation.urn}"
                },
            }
        )
    for resource in report.not_seen:
        results.append(
            {
                "ruleId": NOT_SEEN_RULE["id"],
                "ruleIndex": len(rules),
                "level": "warning",
                "message": {
                    "text": f"{resource.type} {resource.name} was not checked: "
                    f"{resource.not_checked}"
                },
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {"startLine": 1},
                        },
                        "logicalLocations": [{"fullyQualifiedName": resource.urn}],
                    }
                ],
                "partialFingerprints": {"podsandboxViolation/v1": f"not-checked:{resource.urn}"},
            }
        )
    if report.not_seen:
        rules.append(NOT_SEEN_RULE)
    for result in results:
        if result["ruleIndex"] == -1:
            del result["ruleIndex"]
    return _sarif_document(
        {
            "tool": {"driver": {**SARIF_DRIVER, "rules": rules}},
            "automationDetails": {"id": f"podsandbox/{report.run.project}/{report.run.stack}/"},
            "results": results,
        }
    )


SARIF_DRIVER = {
    "name": "podsandbox preview",
    "informationUri": "https://www.pulumi.com/docs/iac/crossguard/",
}
"""The tool every SARIF run names."""


def _sarif_document(run: dict[str, Any]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run."""
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _json(document: Any) -> str:
    """Strict JSON: a non-finite number a program put in a value (NaN, infinity) becomes its
    name as a string, since JSON has no such numbers and `json.dumps` would write invalid JSON."""

    def finite(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return str(value).replace("inf", "Infinity").replace("nan", "NaN")
        if isinstance(value, dict):
            return {key: finite(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [finite(item) for item in value]
        return value

    return json.dumps(finite(document), indent=2, allow_nan=False)


def render_error(
    message: str, output_format: str, subject: str, run: Optional[ProgramRun] = None
) -> str:
    """A report whose content is the error that stopped the preview (exit 2), so that a pull
    request's comment or code-scanning upload says why instead of leaving the stack out. When
    the judged program had started, it also lists what the program registered until then."""
    registered = [
        {"urn": r.urn, "type": r.type, "name": r.name} for r in (run.resources if run else [])
    ]
    if output_format == "json":
        document: dict[str, Any] = {"subject": subject, "error": message, "exitCode": 2}
        if run is not None:
            document["registered"] = registered
        return _json(document)
    if output_format == "markdown":
        quoted = "\n".join(f"> {line}" for line in message.splitlines())
        text = f"### Offline preview of `{subject}`: error (exit 2)\n\n{quoted}\n"
        if registered:
            text += f"\n<details><summary>Registered until then ({len(registered)})</summary>\n\n"
            text += "".join(f"- `{r['type']}` {_cell(r['name'])}\n" for r in registered)
            text += "\n</details>\n"
        return text
    if output_format == "sarif":
        failed = {
            "executionSuccessful": False,
            "exitCode": 2,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
        }
        return _json(
            _sarif_document(
                {
                    "tool": {"driver": SARIF_DRIVER},
                    "automationDetails": {"id": f"podsandbox/error/{subject}/"},
                    "invocations": [failed],
                    "results": [],
                }
            )
        )
    lines = [f"error: {message}"]
    if registered:
        lines.append(f"Registered until then ({len(registered)}):")
        lines += [f"  {r['type']} {r['name']}" for r in registered]
    return "\n".join(lines)


def render(report: PreviewReport, output_format: str) -> str:
    """The report as text, json, markdown or sarif."""
    if output_format == "json":
        return _json(report.to_json())
    if output_format == "markdown":
        return to_markdown(report, load_pack().policies)
    if output_format == "sarif":
        return _json(to_sarif(report, load_pack().policies))
    return report.to_text()


FORMATS = ("text", "json", "markdown", "sarif")
