"""The SARIF 2.1.0 report, for code scanning: one result per violation, located in the stack
file, and one rule per policy from the policy's own metadata."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from pulumi_policy import Policy, Severity

from podsandbox.preview.policy_evaluator import Violation
from podsandbox.preview.report.unchecked import CANNOT_RUN

if TYPE_CHECKING:
    from podsandbox.preview.records import RegisteredResource
    from podsandbox.preview.report import PreviewReport

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_SARIF_LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning"}

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


SARIF_DRIVER = {
    "name": "podsandbox preview",
    "informationUri": "https://www.pulumi.com/docs/iac/crossguard/",
}
"""The tool every SARIF run names."""


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
    rule_ids = list({policy.name: policy for policy in policy_list})
    uri = _artifact_uri(report.stack_file)
    try:
        stack_lines = report.stack_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        stack_lines = []
    rules = [_sarif_rule(policy) for policy in policy_list]
    results = [
        _violation_result(violation, rule_ids, uri, stack_lines) for violation in report.violations
    ]
    results += [_not_seen_result(resource, len(rules), uri) for resource in report.not_seen]
    if report.not_seen:
        rules.append(NOT_SEEN_RULE)
    for result in results:
        if result["ruleIndex"] == -1:
            del result["ruleIndex"]
    return sarif_document(
        {
            "tool": {"driver": {**SARIF_DRIVER, "rules": rules}},
            "automationDetails": {"id": f"podsandbox/{report.run.project}/{report.run.stack}/"},
            "results": results,
            **({"properties": {"confinement": report.confinement}} if report.confinement else {}),
        }
    )


def _violation_result(
    violation: Violation, rule_ids: list[str], uri: str, stack_lines: list[str]
) -> dict[str, Any]:
    """A violation's result (`ruleIndex` -1 when no rule names its policy)."""
    return {
        "ruleId": violation.policy,
        "ruleIndex": rule_ids.index(violation.policy) if violation.policy in rule_ids else -1,
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
        "partialFingerprints": {"podsandboxViolation/v1": f"{violation.policy}:{violation.urn}"},
    }


def _not_seen_result(resource: RegisteredResource, rule_index: int, uri: str) -> dict[str, Any]:
    """The result that names a component whose resources the offline run cannot see."""
    return {
        "ruleId": NOT_SEEN_RULE["id"],
        "ruleIndex": rule_index,
        "level": "warning",
        "message": {
            "text": f"{resource.type} {resource.name} was not checked: {resource.not_checked}"
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


def sarif_document(run: dict[str, Any]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run."""
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
