"""The Markdown report, for a pull-request comment: the verdict, a picture of what the stack
creates (a Mermaid diagram, `mermaid`), the sandboxing pools, violations
(each with its policy's severity, remediation steps and doc link), what was not checked, notes,
then the resources in creation order (collapsed).

The verdict is the first line and only the checker's own words. Every text the program chose
(names, types, values, messages, warnings, config keys) reaches the comment through `md` (prose
and table cells) or `code` / `cell_code` (names, in a code span), which `inert` makes unable to
open a block, a link or HTML, or to mention anyone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pulumi_policy import Policy

from podsandbox.preview.inert import markdown_cell_code, markdown_code, markdown_text
from podsandbox.preview.report.admission import admission_lines
from podsandbox.preview.report.fixed_names import FIXED_NAMES_NOTE
from podsandbox.preview.report.mermaid import to_mermaid
from podsandbox.preview.report.pools import count_text, placement_text
from podsandbox.preview.report.resources import depths, key_inputs, option_flags
from podsandbox.preview.report.unchecked import NOT_SEEN_HEADING, UNJUDGED_HEADING, unanswered_check
from podsandbox.preview.report.values import show
from podsandbox.rules import sizing

if TYPE_CHECKING:
    from podsandbox.preview.records import ProgramRun
    from podsandbox.preview.report import PreviewReport


def md(value: Any) -> str:
    """Program text (or a value, shown) as inert Markdown prose; also a table cell."""
    return markdown_text(show(value))


def code(value: Any) -> str:
    """Program text (or a value, shown) as an inline code span, outside tables."""
    return markdown_code(show(value))


def cell_code(value: Any) -> str:
    """Program text (or a value, shown) as an inline code span in a table cell."""
    return markdown_cell_code(show(value))


def to_markdown(report: PreviewReport, policies: Sequence[Policy] = ()) -> str:
    """A pull-request comment: the verdict, the stack's picture, the sandboxing pools,
    violations (each with its policy's severity, remediation steps and doc link), what was not
    checked, notes, then the resources in creation order (collapsed)."""
    names = {resource.urn: resource.name for resource in report.run.resources}
    lines = _verdict_lines(report)
    lines += ["```mermaid", to_mermaid(report), "```", ""]
    summary = report.summary()  # once: it reads every resource
    lines += _pool_lines(summary["sandboxingPools"])
    lines += ["", *(f"- {md(line)}" for line in admission_lines(summary))]
    lines += _violation_lines(report, policies, names)
    lines += _unchecked_lines(report, names)
    lines += _note_lines(report)
    lines += _fixed_name_lines(report)
    lines += _resource_lines(report.run)
    return "\n".join(lines)


def _verdict_lines(report: PreviewReport) -> list[str]:
    run = report.run
    consequence = (
        "This change would be blocked" if report.mandatory_violations else "Nothing blocks it"
    )
    return [
        f"**Verdict: {report.verdict()}.** {consequence}. {len(run.resources)} resources to "
        "create; no Azure account was used.",
        "",
        *(
            [f"The judged program was confined by: `{report.confinement}`.", ""]
            if report.confinement
            else []
        ),
        f"### Offline preview of {code(run.stack)} (project {code(run.project)})",
        "",
    ]


def _pool_lines(pools: list[dict[str, Any]]) -> list[str]:
    lines = ["#### Sandboxing pools", ""]
    if not pools:
        lines.append("None in this stack.")
        return lines
    lines += [
        "| pool | VM size | verdict | count | zones, taints | OS SKU | runtime | RuntimeClass "
        "| Kubernetes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {md(p['pool'])} | {md(p['vmSize'])} | {md(p['vmSizeVerdict'])} | "
        f"{md(count_text(p))} | {md(placement_text(p) or '-')} | "
        f"{md(p['osSKU'])} | {md(p['workloadRuntime'])} | {cell_code(p['runtimeClassName'])} | "
        f"{md(p['kubernetesVersion'])} |"
        for p in pools
    ]
    return lines


def _violation_lines(
    report: PreviewReport, policies: Sequence[Policy], names: dict[str, str]
) -> list[str]:
    """The violations by enforcement level, each with its policy's severity, fix and docs."""
    by_name = {policy.name: policy for policy in policies}
    lines = ["", "#### Policy violations", ""]
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
            shown = " ".join((detail or title).splitlines())
            line = f"- {code(violation.policy)}{severity} on {code(where)}: {md(shown)}"
            if policy and policy.remediation_steps:
                line += f"<br>Fix: {policy.remediation_steps}"
            if policy and policy.url:
                line += f" ([docs]({policy.url}))"
            lines.append(line)
        lines.append("")
    return lines


def _unchecked_lines(report: PreviewReport, names: dict[str, str]) -> list[str]:
    """The policies only a real preview can run, and the resources the offline run cannot see."""
    lines: list[str] = []
    if report.unjudged:
        lines += ["", f"#### {UNJUDGED_HEADING}", ""]
        for violation in report.unjudged:
            reason = violation.message.partition(" during preview: ")[2] or violation.message
            where = names.get(violation.urn, "stack")
            lines.append(f"- {code(violation.policy)} on {code(where)}: {md(reason)}")
        lines.append("")
    if report.not_seen:
        lines += [f"#### {NOT_SEEN_HEADING}", ""]
        lines += [f"- {code(r.type)} {code(r.name)}: {md(r.not_checked)}" for r in report.not_seen]
        lines.append("")
    return lines


def _note_lines(report: PreviewReport) -> list[str]:
    """The warnings and unanswered reads, then the sizing outputs as short lines."""
    run = report.run
    lines: list[str] = []
    if report.warnings or run.unanswered_invokes:
        lines += ["#### Notes", ""]
        lines += [f"- {md(warning)}" for warning in report.warnings]
        lines += [
            f"- {code(invoke.token)} could not be answered offline: "
            + md(unanswered_check(invoke.token))
            for invoke in run.unanswered_invokes
        ]
    sized = [(name, sizing.describe(output.value)) for name, output in run.outputs.items()]
    if any(described for _, described in sized):
        lines += ["", "#### Sizing", ""]
        lines += [f"- {code(name)}: {md(described)}" for name, described in sized if described]
    return lines


def _fixed_name_lines(report: PreviewReport) -> list[str]:
    if not report.fixed_names:
        return []
    lines = ["", "#### Names that must be free", "", FIXED_NAMES_NOTE, ""]
    lines += ["| kind | name | Azure id |", "|---|---|---|"]
    lines += [
        f"| {fixed.kind} | {md(fixed.name)}"
        + (" (the az how-to's name)" if fixed.how_to_name else "")
        + f" | {cell_code(fixed.azure_id)} |"
        for fixed in report.fixed_names
    ]
    return lines


def _resource_lines(run: ProgramRun) -> list[str]:
    """The resources to create, in creation order, as a collapsed table."""
    depth = depths(run.resources)
    lines = [
        "",
        "<details><summary>Resources to create, in creation order</summary>",
        "",
        "| type | name | options | key inputs |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {'&nbsp;&nbsp;' * depth[resource.urn]}{cell_code(resource.type)} | "
        f"{md(resource.name)} | "
        + md(", ".join(option_flags(resource)))
        + " | "
        + ", ".join(f"{md(key)}: {md(value)}" for key, value in key_inputs(resource))
        + " |"
        for resource in run.resources
    ]
    lines += ["", "</details>", ""]
    return lines
