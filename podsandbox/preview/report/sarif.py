"""The SARIF 2.1.0 report, for code scanning: one result per violation, located in the stack
file, and one rule per policy from the policy's own metadata."""

from __future__ import annotations

import bisect
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
    from podsandbox.preview.report.settings_errors import SettingProblem

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


_SETTING = re.compile(r"^\s*(?:- )?[\w.:/-]+:\s+(.+)$")
MAX_LOCATED_VALUE = 256
"""Stack file values longer than this (keys, certificates) are not looked for in messages."""
MAX_SEARCHED_MESSAGE = 8192
"""Characters of a violation's message searched for a stack file value."""
LOCATE_BUDGET = 100_000
"""Candidate values looked up per violation at most: locating stays linear in the violations,
whatever a program puts in a message (past it, the violation points at what was found, or 1)."""


def _stack_values(stack_lines: list[str]) -> dict[str, int]:
    """Each value the stack file sets (3 to `MAX_LOCATED_VALUE` characters, not a boolean) and
    the first line that sets it: read once per report, not once per violation."""
    found: dict[str, int] = {}
    for number, line in enumerate(stack_lines, start=1):
        match = _SETTING.match(line.partition(" #")[0])
        value = match.group(1).strip().strip("'\"") if match else ""
        if value not in ("true", "false") and 2 < len(value) <= MAX_LOCATED_VALUE:
            found.setdefault(value, number)
    return found


def _line_of(violation: Violation, stack_lines: list[str], values: dict[str, int]) -> int:
    """The first stack file line whose value the violation's message names as a whole word
    (`values`, from `_stack_values`), else 1. A policy that could not run points at the setting
    that made its value unknown (`UNKNOWN_MAKERS`) when the file sets one.

    A value is named when it stands in the message between characters that cannot continue a
    name (not a word character, `.` or `-`): each such stretch is looked up, not each value
    searched for in each message."""
    if violation.message.startswith(CANNOT_RUN):
        found = _line_of_setting(UNKNOWN_MAKERS, stack_lines)
        if found is not None:
            return found
    text = violation.message[:MAX_SEARCHED_MESSAGE]
    breaks = [match.start() for match in re.finditer(r"[^\w.-]", text)]
    starts, ends = [0] + [at + 1 for at in breaks], [*breaks, len(text)]
    best, budget = None, LOCATE_BUDGET
    for start in starts:
        for end in ends[bisect.bisect_left(ends, start + 3) :]:
            if end - start > MAX_LOCATED_VALUE or budget <= 0:
                break
            budget -= 1
            line = values.get(text[start:end])
            if line is not None and (best is None or line < best):
                best = line
    return best or 1


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
    stack_lines = report.stack_text.splitlines()  # as read once, not read again
    values = _stack_values(stack_lines)
    rules = [_sarif_rule(policy) for policy in policy_list]
    results = [
        _violation_result(violation, rule_ids, uri, stack_lines, values)
        for violation in report.violations
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
    violation: Violation,
    rule_ids: list[str],
    uri: str,
    stack_lines: list[str],
    values: dict[str, int],
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
                    "region": {"startLine": _line_of(violation, stack_lines, values)},
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


SETTING_RULE = {
    "id": "stack-setting",
    "name": "StackSetting",
    "shortDescription": {"text": "A stack setting the program refuses"},
    "fullDescription": {
        "text": "The program's settings reader refused this value before anything was "
        "registered; the preview did not judge the stack (exit 2)."
    },
}
"""The rule of a settings error's results: one per problem, at the line of its key."""


def setting_results(problems: Sequence[SettingProblem], stack_file: Path) -> list[dict[str, Any]]:
    """A settings error's results, each at the stack file line that sets its key (1 when the
    file leaves it to its default)."""
    uri = _artifact_uri(stack_file)
    return [
        {
            "ruleId": SETTING_RULE["id"],
            "ruleIndex": 0,
            "level": "error",
            "message": {"text": problem.text},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": problem.line or 1},
                    },
                    "logicalLocations": [{"fullyQualifiedName": problem.where}],
                }
            ],
            "partialFingerprints": {"podsandboxSetting/v1": problem.where},
        }
        for problem in problems
    ]
