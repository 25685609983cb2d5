"""The report of a preview that an error stopped (exit 2), in each format, so that a pull
request's comment or code-scanning upload says why instead of leaving the stack out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from podsandbox.preview.report.markdown import cell
from podsandbox.preview.report.sarif import SARIF_DRIVER, sarif_document
from podsandbox.preview.report.values import strict_json

if TYPE_CHECKING:
    from podsandbox.preview.records import ProgramRun


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
        if run is not None and run.confinement is not None:
            document["confinement"] = ", ".join(run.confinement) or "none"
        return strict_json(document)
    if output_format == "markdown":
        quoted = "\n".join(f"> {line}" for line in message.splitlines())
        text = f"### Offline preview of `{subject}`: error (exit 2)\n\n{quoted}\n"
        if registered:
            text += f"\n<details><summary>Registered until then ({len(registered)})</summary>\n\n"
            text += "".join(f"- `{r['type']}` {cell(r['name'])}\n" for r in registered)
            text += "\n</details>\n"
        return text
    if output_format == "sarif":
        failed = {
            "executionSuccessful": False,
            "exitCode": 2,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
        }
        return strict_json(
            sarif_document(
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
