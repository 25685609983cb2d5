"""The offline preview's report, in five formats: text, JSON, Markdown (a PR comment), SARIF,
and Mermaid (the picture the Markdown report shows after its verdict).

The JSON document is the stable, machine-readable one; Markdown is for a pull-request comment and
SARIF 2.1.0 for code scanning (one result per violation, pointing at the stack file). Secrets are
never shown: every secret value is "[secret]", every value known only after deployment "[unknown]".

`PreviewReport` holds what the preview found, its JSON document and the verdict; each other format
has its module (`text`, `markdown`, `sarif`, `mermaid`), and `errors` writes the report of a
preview that an error stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from podsandbox.preview.confinement import describe, not_checked_note
from podsandbox.preview.policy_evaluator import Violation, load_pack
from podsandbox.preview.records import ProgramRun, RegisteredResource
from podsandbox.preview.report.admission import guardrail_summary, karpenter_summary
from podsandbox.preview.report.fixed_names import FixedName, fixed_name
from podsandbox.preview.report.markdown import to_markdown
from podsandbox.preview.report.mermaid import to_mermaid
from podsandbox.preview.report.pools import pool_summary
from podsandbox.preview.report.sarif import to_sarif
from podsandbox.preview.report.text import to_text
from podsandbox.preview.report.unchecked import CANNOT_RUN, NOT_SEEN_PREFIX
from podsandbox.preview.report.values import strict_json
from podsandbox.rules.pools import SandboxingPool, sandboxing_pools


@dataclass
class PreviewReport:
    """What `podsandbox preview` prints, in either format."""

    run: ProgramRun
    stack_file: Path
    warnings: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    stack_text: str = ""
    """The stack file's text as the preview read it (once): SARIF locates settings in it."""

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
        declared = self._declared_clusters()  # once: linear in the resources, whatever the pools
        return {
            "create": len(self.run.resources),
            "byType": by_type,
            "sandboxingPools": [
                pool_summary(resource, pool, declared) for resource, pool in self.pools
            ],
            "warnings": self.warnings,
            "guardrail": guardrail_summary(self.run.resources, self.warnings),
            "karpenter": karpenter_summary(self.run.resources),
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
        return [name for resource in self.run.resources if (name := fixed_name(resource))]

    @property
    def not_checked(self) -> list[str]:
        """What the policy pack could not judge offline (a policy that needed a value known only
        after deployment); with `--strict` any of it fails the preview (exit 1).

        Reads the offline run cannot answer are listed apart (`unansweredInvokes`): they feed the
        program's own checks of a cluster that exists, which a real preview makes.
        """
        unjudged = [violation.message.splitlines()[0] for violation in self.unjudged]
        confinement = (
            [] if self.run.confinement is None else [not_checked_note(self.run.confinement)]
        )
        return (
            unjudged
            + [f"{NOT_SEEN_PREFIX} {r.type} {r.name}: {r.not_checked}" for r in self.not_seen]
            + [note for note in confinement if note]
        )

    @property
    def confinement(self) -> Optional[str]:
        """The confinement the judged program ran under (`landlock-abi7, no-new-privs, ...`),
        which every report names; None for a run in the checker's own process (tests)."""
        return None if self.run.confinement is None else describe(self.run.confinement)

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
            **({"confinement": self.confinement} if self.confinement is not None else {}),
            "violations": [violation.to_dict() for violation in self.judged],
            "checkedOnlyByRealPreview": [violation.to_dict() for violation in self.unjudged],
            "summary": self.summary(),
            # What the stack creates, as the Markdown report draws it: the comment's reporter
            # shows it only if it is made of the builder's statements (mermaid_grammar).
            "picture": to_mermaid(self),
        }


def render(report: PreviewReport, output_format: str) -> str:
    """The report as text, json, markdown, sarif or mermaid."""
    if output_format == "json":
        return strict_json(report.to_json())
    if output_format == "markdown":
        return to_markdown(report, load_pack().policies)
    if output_format == "sarif":
        return strict_json(to_sarif(report, load_pack().policies))
    if output_format == "mermaid":
        return to_mermaid(report)
    return to_text(report)
