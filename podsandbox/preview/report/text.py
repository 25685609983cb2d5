"""The text report, for a terminal and the job log: the verdict, the sandboxing pools, violations
and what was not checked, then the resources as a tree in creation order; no line wider than
`TEXT_WIDTH`. The verdict is the first line; every line, with whatever program text it holds, goes
through `inert.text_line` (no control character, no workflow command), and program text cannot
start a line of its own: a line break in it is shown as an escape."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

from podsandbox.preview.inert import text_line
from podsandbox.preview.report.admission import admission_lines
from podsandbox.preview.report.fixed_names import FIXED_NAMES_NOTE
from podsandbox.preview.report.pools import count_text, placement_text
from podsandbox.preview.report.resources import depths, key_inputs, option_flags, replacement_note
from podsandbox.preview.report.unchecked import NOT_SEEN_HEADING, UNJUDGED_HEADING, unanswered_check
from podsandbox.preview.report.values import show
from podsandbox.rules import sizing

if TYPE_CHECKING:
    from podsandbox.preview.records import ProgramRun
    from podsandbox.preview.report import PreviewReport

TEXT_WIDTH = 120
"""No line of the text report is wider (the JSON report has every value in full)."""
LONG_VALUE = 90
"""A value longer than this with no space in it (a key, a certificate, an ARM id) is shortened;
type tokens (`kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding`) fit."""


def to_text(report: PreviewReport) -> str:
    """The verdict, the sandboxing pools, violations and what was not checked, then the
    resources as a tree in creation order; no line wider than `TEXT_WIDTH`."""
    run = report.run
    lines = [
        f"Verdict: {report.verdict()}",
        *([f"Confined by: {report.confinement}"] if report.confinement else []),
        "",
        f"Offline preview of stack {run.stack} (project {run.project}, "
        f"{report.stack_file.name}); no Pulumi CLI, no Azure.",
        "",
        "Sandboxing pools:",
    ]
    if not report.pools:
        lines.append("  (none)")
    summary = report.summary()  # once: it reads every resource
    for info in summary["sandboxingPools"]:
        lines.append(
            f"  {info['pool']} on {info['on']}: {info['vmSize']} x{count_text(info)}, "
            f"{info['osSKU']}, {info['workloadRuntime']} (RuntimeClass "
            f"{info['runtimeClassName']}), Kubernetes: {info['kubernetesVersion']}"
        )
        if placement := placement_text(info):
            lines.append(f"    {placement}")
        lines.append(f"    VM size: {info['vmSizeVerdict']} - {info['vmSizeReason']}")
    lines += ["", *admission_lines(summary)]
    lines += _finding_lines(report)
    lines += _resource_lines(run)
    lines += ["", "Outputs:"]
    lines += [f"  {name}: {_output_line(output.value)}" for name, output in run.outputs.items()]
    if report.fixed_names:
        lines += ["", FIXED_NAMES_NOTE]
        for fixed in report.fixed_names:
            how_to = " (the az how-to's name)" if fixed.how_to_name else ""
            lines.append(f"  {fixed.kind} {fixed.name}{how_to}: {fixed.azure_id}")
    return "\n".join(_fitted(lines))


def _finding_lines(report: PreviewReport) -> list[str]:
    """The violations, what was not checked, the warnings and the reads not answered."""
    run = report.run
    names = {resource.urn: resource.name for resource in run.resources}
    judged = report.judged
    lines = [
        "",
        f"Policy violations: {len(judged)} ({report.mandatory_violations} mandatory)"
        if judged
        else "Policy violations: none",
    ]
    for violation in sorted(judged, key=lambda v: v.enforcement != "mandatory"):
        where = names.get(violation.urn, "stack")
        lines.append(f"  [{violation.enforcement}] {violation.policy} ({where})")
        lines += [f"      {detail}" for detail in violation.message.split("\n")]
    if report.unjudged:
        lines += ["", UNJUDGED_HEADING + ":"]
        for violation in report.unjudged:
            where = names.get(violation.urn, "stack")
            reason = violation.message.partition(" during preview: ")[2] or violation.message
            lines.append(f"  ? {violation.policy} ({where}): {reason}")
    if report.not_seen:
        lines += ["", NOT_SEEN_HEADING + ":"]
        lines += [f"  ? {r.type}  {r.name}: {r.not_checked}" for r in report.not_seen]
    if report.warnings:
        lines += ["", "Warnings:"] + [f"  ! {warning}" for warning in report.warnings]
    if run.unanswered_invokes:
        lines += ["", "Not answered offline (checked only by a real `pulumi preview`):"]
        for invoke in run.unanswered_invokes:
            lines.append(
                f"  ? {invoke.token} {json.dumps(invoke.args, sort_keys=True, default=str)}"
            )
            lines.append(f"      {unanswered_check(invoke.token)}")
    return lines


def _resource_lines(run: ProgramRun) -> list[str]:
    """The resources as a tree in creation order, each with its options and key inputs."""
    lines = ["", f"Resources: {len(run.resources)} to create, in creation order"]
    depth = depths(run.resources)
    for resource in run.resources:
        indent = "  " * depth[resource.urn]
        flags = "".join(f" [{flag}]" for flag in option_flags(resource))
        lines.append(f"  + {indent}{resource.type}  {resource.name}{flags}")
        for key, value in key_inputs(resource):
            lines.append(f"      {indent}{key}: {show(value)}")
        if (note := replacement_note(resource)) is not None:
            lines.append(f"      {indent}note: {note}")
    return lines


def _output_line(value: Any) -> str:
    """A stack output for a reader: sizing and capacity as a short line, else the value."""
    return sizing.describe(value) or show(value)


def _fitted(lines: list[str]) -> list[str]:
    """Each line inert (`text_line`: a line break inside one is an escape) and within
    `TEXT_WIDTH`: long unbroken values shortened with an ellipsis, long text wrapped under its
    own indentation (and each wrapped line inert again: it may start with program text)."""
    fitted = []
    for line in map(text_line, lines):
        if len(line) <= TEXT_WIDTH:
            fitted.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        words = [
            word if len(word) <= LONG_VALUE else word[: LONG_VALUE - 1] + "\u2026"
            for word in line.split(" ")
        ]
        fitted += map(
            text_line,
            textwrap.wrap(
                " ".join(words).strip(),
                width=TEXT_WIDTH,
                initial_indent=indent,
                subsequent_indent=indent + "    ",
                break_long_words=True,
                break_on_hyphens=False,
            ),
        )
    return fitted
