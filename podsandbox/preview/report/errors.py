"""The report of a preview that an error stopped (exit 2), in each format, so that a pull
request's comment or code-scanning upload says why instead of leaving the stack out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from podsandbox.preview.inert import text_line
from podsandbox.preview.report.markdown import code, md
from podsandbox.preview.report.mermaid import error_diagram
from podsandbox.preview.report.sarif import (
    SARIF_DRIVER,
    SETTING_RULE,
    sarif_document,
    setting_results,
)
from podsandbox.preview.report.settings_errors import error_lines, setting_problems
from podsandbox.preview.report.values import strict_json

if TYPE_CHECKING:
    from podsandbox.preview.records import ProgramRun


def render_error(
    message: str,
    output_format: str,
    subject: str,
    run: Optional[ProgramRun] = None,
    stack_file: Optional[Path] = None,
    stack_lines: Sequence[str] = (),
) -> str:
    """A report whose content is the error that stopped the preview (exit 2), so that a pull
    request's comment or code-scanning upload says why instead of leaving the stack out. When
    the judged program had started, it also lists what the program registered until then; a
    settings error's SARIF has a result per problem at its line of `stack_file`."""
    registered = [
        {"urn": r.urn, "type": r.type, "name": r.name} for r in (run.resources if run else [])
    ]
    if output_format == "json":
        document: dict[str, Any] = {"subject": subject, "error": message, "exitCode": 2}
        if run is not None:
            document["registered"] = registered
        if run is not None and run.confinement is not None:
            document["confinement"] = ", ".join(run.confinement) or "none"
        return strict_json(document)
    if output_format == "markdown":
        quoted = "\n".join(f"> {md(line)}" for line in message.splitlines())
        text = (
            "**Verdict: error (exit 2): the preview did not judge this stack.**\n\n"
            f"### Offline preview of {code(subject)}\n\n{quoted}\n"
        )
        if registered:
            text += f"\n<details><summary>Registered until then ({len(registered)})</summary>\n\n"
            text += "".join(f"- {code(r['type'])} {code(r['name'])}\n" for r in registered)
            text += "\n</details>\n"
        return text
    if output_format == "mermaid":
        return error_diagram(subject)
    if output_format == "sarif":
        failed = {
            "executionSuccessful": False,
            "exitCode": 2,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
        }
        problems = setting_problems(message, list(stack_lines)) if stack_file else []
        results = setting_results(problems, stack_file) if stack_file else []
        driver = {**SARIF_DRIVER, "rules": [SETTING_RULE]} if results else SARIF_DRIVER
        return strict_json(
            sarif_document(
                {
                    "tool": {"driver": driver},
                    "automationDetails": {"id": f"podsandbox/error/{subject}/"},
                    "invocations": [failed],
                    "results": results,
                }
            )
        )
    first, *rest = error_lines(message, list(stack_lines))
    lines = [f"error: {first}", *rest]
    if registered:
        lines.append(f"Registered until then ({len(registered)}):")
        lines += [f"  {r['type']} {r['name']}" for r in registered]
    return "\n".join(text_line(line) for line in lines)
