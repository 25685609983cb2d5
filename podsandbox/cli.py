"""`python -m podsandbox`: what users run around `pulumi up`.

Exit codes: 0 success; 1 a verdict against the input (a mandatory policy violation, a VM size that
cannot host sandboxing); 2 invalid settings, files or usage, reported without a traceback.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional

from podsandbox.exit_codes import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION
from podsandbox.preview.program_process import FLAGS, Limits
from podsandbox.rules import vmsizes

if TYPE_CHECKING:
    from podsandbox.preview.records import ProgramRun


class UsageError(SystemExit):
    """Bad usage (exit 2), after the usage and the error are printed; `main` writes the reports
    the command line asked for, with the error as their content, where it can."""

    def __init__(self, message: str) -> None:
        super().__init__(EXIT_USAGE)
        self.message = message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise UsageError(message)


REPORT_FORMATS = ("text", "json", "markdown", "sarif", "mermaid")

BOUNDS: tuple[tuple[str, type[float] | type[int], str, str], ...] = (
    ("timeout_seconds", float, "SECONDS", "seconds the program may run"),
    ("memory_mib", int, "MIB", "its data memory in MiB"),
    ("max_resources", int, "N", "resources it may register"),
    ("max_value_bytes", int, "BYTES", "size of one registration's inputs, an output or a message"),
    ("max_output_bytes", int, "BYTES", "what it may print"),
)
"""Each bound on the judged program: its `Limits` field (flag in `FLAGS`), type, metavar, help."""


class _ReportAction(argparse.Action):
    """`--format` and `--output`, kept in the order given: they pair up (see `report_targets`)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: Optional[str] = None,
    ) -> None:
        given = list(getattr(namespace, "reports", None) or [])
        given.append((self.dest, values))
        namespace.reports = given


class ReportTargetError(ValueError):
    """--format and --output do not pair up."""


def report_targets(given: Sequence[tuple[str, object]]) -> list[tuple[str, Optional[Path]]]:
    """(format, file) for each report to write; file None is stdout.

    Each --output takes the --format given before it (text when none); a --format that no
    --output follows goes to stdout (one at most). One --format and one --output pair up in
    either order.
    """
    targets = _paired(given)
    if sum(1 for _, file in targets if file is None) > 1:
        raise ReportTargetError(
            "only one report can go to stdout: give each --format its --output, e.g. "
            "--format markdown --output preview.md --format sarif --output preview.sarif"
        )
    return targets


def _paired(given: Sequence[tuple[str, object]]) -> list[tuple[str, Optional[Path]]]:
    """`report_targets`' pairs, before the check that one at most goes to stdout."""
    formats = [str(value) for kind, value in given if kind == "format"]
    outputs = [value for kind, value in given if kind == "output" and isinstance(value, Path)]
    if len(formats) <= 1 and len(outputs) <= 1:
        return [(formats[0] if formats else "text", outputs[0] if outputs else None)]
    targets: list[tuple[str, Optional[Path]]] = []
    pending: Optional[str] = None
    for kind, value in given:
        if kind == "format":
            if pending is not None:
                targets.append((pending, None))
            pending = str(value)
        else:
            assert isinstance(value, Path)
            targets.append((pending or "text", value))
            pending = None
    if pending is not None:
        targets.append((pending, None))
    return targets


AUDIT_PAGE_SIZE = 250
"""Objects per list request of `audit` (each a `limit`; the API server pages with `continue`)."""


def _positive(kind: type[float] | type[int]) -> Callable[[str], float]:
    """An argparse type: a number of `kind` greater than zero."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} must be a finite number above 0")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="podsandbox",
        description="AKS Pod Sandboxing: offline preview and VM size checks around `pulumi up`.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_preview, _add_policy, _add_comment, _add_vm_size, _add_verify, _add_audit):
        add(commands)
    return parser


Commands = argparse._SubParsersAction  # what `add_subparsers` returns


def _add_preview(commands: Commands[_Parser]) -> None:
    preview = commands.add_parser(
        "preview",
        help="run the program for a stack without the Pulumi CLI or Azure, and report",
        description="Run this project's Pulumi program for a stack under the SDK's mock "
        "runtime (no Pulumi CLI, no Azure account) and print what it would create.",
    )
    preview.add_argument(
        "--program",
        type=Path,
        help="another Pulumi Python program directory to preview with this policy pack "
        "(default: this project)",
    )
    source = preview.add_mutually_exclusive_group()
    source.add_argument("--stack", help="stack name: reads Pulumi.NAME.yaml (default: dev)")
    source.add_argument("--config-file", type=Path, help="a stack file to read instead")
    preview.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        action=_ReportAction,
        help="text (default), json, markdown (a PR comment), sarif (code scanning) or mermaid "
        "(a diagram of what the stack creates); repeat "
        "it, each with its --output, to write several reports from one run",
    )
    preview.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        action=_ReportAction,
        help="write the report in the --format before it to FILE instead of stdout",
    )
    preview.add_argument(
        "--policy-config",
        type=Path,
        help="policy pack config (JSON, the format of `pulumi preview --policy-pack-config`)",
    )
    preview.add_argument(
        "--strict",
        action="store_true",
        help="exit 1, not 0, when the report lists anything as not checked: a policy that could "
        "not judge a value known only at deploy time, a resource or kind the pack does not "
        "judge, or a confinement below the level promised for Linux (a mandatory violation is "
        "exit 1 with or without it; reads the offline run cannot answer are listed apart and do "
        "not count); the pull-request gate passes it",
    )
    bounds = preview.add_argument_group(
        "bounds on the judged program",
        "The program runs in a process of its own; exceeding a bound stops the check (exit 2).",
    )
    for field, kind, metavar, what in BOUNDS:
        default = getattr(Limits, field)
        shown = f"{default:g}" if kind is float else str(default)
        bounds.add_argument(
            FLAGS[field], dest=field, type=_positive(kind), default=default, metavar=metavar,
            help=f"{what} (default {shown})",
        )  # fmt: skip
    preview.add_argument(
        "--skip-validation",
        action="store_true",
        help="let the program's own sandboxing checks step aside, so the policies judge the stack",
    )


def _add_policy(commands: Commands[_Parser]) -> None:
    policy = commands.add_parser(
        "policy",
        help="the policy pack: bundle it for `pulumi policy publish`",
        description="Work with the policy pack in policy/.",
    )
    policy_commands = policy.add_subparsers(dest="policy_command", required=True,
                                            parser_class=_Parser)  # fmt: skip
    bundle = policy_commands.add_parser(
        "bundle",
        help="write a self-contained copy of the pack; publish it with `cd DIR && pulumi install "
        "&& pulumi policy publish [ORG]`",
        description="Copy the pack and the rules it imports to DIR, with a requirements.txt that "
        "names only published packages. DIR must be new or empty.",
    )
    bundle.add_argument("dir", type=Path, help="where to write the pack, e.g. dist/policy-pack")


def _add_comment(commands: Commands[_Parser]) -> None:
    comment = commands.add_parser(
        "comment",
        help="the offline-preview gate's pull-request comment, from its JSON reports",
        description="Write the gate's comment from the preview job's JSON reports, read as "
        "hostile data: it opens with the verdict given by --result (the preview job's result), "
        "and every text from the reports is escaped.",
    )
    comment.add_argument(
        "reports", type=Path, nargs="*", metavar="REPORT",
        help="JSON reports of `podsandbox preview`, one per stack",
    )  # fmt: skip
    comment.add_argument(
        "--result", required=True,
        help="the preview job's result: success, failure, cancelled or skipped",
    )  # fmt: skip
    comment.add_argument(
        "--artifacts-url", required=True,
        help="where the whole reports are (the workflow run's page)",
    )  # fmt: skip
    comment.add_argument("--output", type=Path, required=True, metavar="FILE")


def _add_vm_size(commands: Commands[_Parser]) -> None:
    size = commands.add_parser(
        "vm-size",
        help="can this Azure VM size host a Pod Sandboxing node pool?",
        description="Exit 0 when the size is eligible, 1 when it is not (or is unverified), "
        "2 when NAME is not a VM size name.",
    )
    size.add_argument("name", help="a VM size, e.g. Standard_D4s_v3")
    size.add_argument("--json", action="store_true", help="print the verdict as JSON")


def _add_verify(commands: Commands[_Parser]) -> None:
    check = commands.add_parser(
        "verify",
        help="after `pulumi up`: prove the untrusted pod runs on its own kernel",
        description="Wait for the demo pods, check the untrusted pod's RuntimeClass and node, "
        "run `uname -r` in both pods and compare with their nodes' kernels. Exit 0 when the "
        "untrusted pod's kernel differs from its node's and the trusted pod's does not, 1 "
        "otherwise, 2 for usage errors or an unreachable cluster.",
    )
    cluster = check.add_mutually_exclusive_group()
    cluster.add_argument(
        "--stack",
        help="read the kubeconfig with `pulumi stack output` and the runtime and namespace "
        "from Pulumi.NAME.yaml",
    )
    cluster.add_argument(
        "--kubeconfig", type=Path, help="a kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"
    )
    check.add_argument("--namespace", help="namespace of the untrusted pod (default: untrusted)")
    check.add_argument(
        "--trusted-namespace", default="default", help="namespace of the trusted pod"
    )
    check.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for the pods (default 120)"
    )
    check.add_argument("--format", choices=("text", "json"), default="text")


def _add_audit(commands: Commands[_Parser]) -> None:
    audit = commands.add_parser(
        "audit",
        help="before switching the guardrail to deny: list what it would refuse",
        description="Read the cluster (get and list only) and list every object in the guarded "
        "namespaces that the guardrail's policy would refuse if it were created now or its pod "
        "template changed, with the rule and message; first say whether the deployed policy is "
        "the one this version generates. Exit 0 when nothing would be refused, 1 when something "
        "would or could not be judged, 2 for usage errors or an unreachable cluster.",
    )
    audit.add_argument(
        "--stack",
        help="the stack whose guardrail to audit: its policy (<project>-NAME), runtime and "
        "untrusted namespace from Pulumi.NAME.yaml, its kubeconfig from `pulumi stack output` "
        "unless --kubeconfig is given",
    )
    audit.add_argument(
        "--kubeconfig", type=Path, help="a kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"
    )
    audit.add_argument(
        "--policy", help="the ValidatingAdmissionPolicy's name (default: the stack's)"
    )
    audit.add_argument(
        "--page-size", type=_positive(int), default=AUDIT_PAGE_SIZE, metavar="N",
        help=f"objects per list request (default {AUDIT_PAGE_SIZE})",
    )  # fmt: skip
    audit.add_argument("--format", choices=("text", "json"), default="text")


def main(argv: Optional[Sequence[str]] = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(given)
    except UsageError as error:
        _usage_reports(given, error.message)
        raise
    if args.command == "vm-size":
        return _vm_size(args.name, args.json)
    if args.command == "policy":
        return _policy_bundle(args.dir)
    if args.command == "comment":
        return _comment(args.reports, args.result, args.artifacts_url, args.output)
    if args.command == "verify":
        from podsandbox.verify.command import run_verify

        return run_verify(args)
    if args.command == "audit":
        from podsandbox.verify.audit import run_audit

        return run_audit(args)
    return _preview(args)


def _usage_reports(argv: Sequence[str], message: str) -> None:
    """After a usage error of `preview`: each report its --format/--output pairs ask for, with
    the error as its content (what can be found of them: the command line did not parse)."""
    if next((token for token in argv if not token.startswith("-")), None) != "preview":
        return
    given: list[tuple[str, object]] = []
    subject = "dev"
    for index, token in enumerate(argv):
        flag, equals, value = token.partition("=")
        if not equals:
            value = argv[index + 1] if index + 1 < len(argv) else ""
        if flag == "--format" and value in REPORT_FORMATS:
            given.append(("format", value))
        elif flag == "--output" and value and not value.startswith("-"):
            given.append(("output", Path(value)))
        elif flag in ("--stack", "--config-file") and value and not value.startswith("-"):
            subject = Path(value).name if flag == "--config-file" else value
    if not given:
        return
    try:
        targets = report_targets(given)
    except ReportTargetError:  # more than one to stdout: the files only
        targets = [(fmt, file) for fmt, file in _paired(given) if file is not None]
    _error_reports(targets, f"bad usage: {message}", subject)


def _error_reports(
    targets: Sequence[tuple[str, Optional[Path]]],
    message: str,
    subject: str,
    run: Optional[ProgramRun] = None,
    stack_file: Optional[tuple[Path, str]] = None,
) -> None:
    """Each report asked for, with the error (exit 2) as its content; text to stdout is left out
    (the error is already on stderr). `stack_file` (its path and text as read) locates a settings
    error's problems."""
    from podsandbox.preview.report.errors import render_error

    path, lines = (stack_file[0], stack_file[1].splitlines()) if stack_file else (None, [])
    for output_format, file in targets:
        if file is not None or output_format != "text":
            _write(file, render_error(message, output_format, subject, run, path, lines))


def _policy_bundle(destination: Path) -> int:
    from podsandbox.pack.bundle import BundleError, bundle

    try:
        written = bundle(destination)
    except (BundleError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Wrote the policy pack ({len(written)} files) to {destination}.")
    # `pulumi policy publish [org-name]` takes only an organization and publishes the current
    # folder, starting the pack first (pulumi/pulumi `policy_publish.go`, `policypack.go`): its
    # environment must exist, which `pulumi install` creates from the bundle's files.
    folder = shlex.quote(str(destination))
    print(f"Publish it with: cd {folder} && pulumi install && pulumi policy publish [ORG]")
    return EXIT_OK


def _comment(reports: Sequence[Path], result: str, artifacts_url: str, output: Path) -> int:
    from podsandbox.preview.pr_comment import read_report, render_comment

    read = [read_report(path) for path in sorted(reports)]
    return EXIT_OK if _write(output, render_comment(read, result, artifacts_url)) else EXIT_USAGE


def _vm_size(name: str, as_json: bool) -> int:
    try:
        verdict = vmsizes.check_size(name)
    except vmsizes.SizeNameError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    facts = {
        "name": verdict.size.name,
        "series": verdict.series,
        "generation2": verdict.generation2,
        "nestedVirtualization": verdict.nested_virtualization,
        "architecture": verdict.architecture,
        "vcpus": verdict.vcpus,
        "eligible": verdict.eligible,
        "status": verdict.status.value,
        "reason": verdict.reason,
    }
    if as_json:
        print(json.dumps(facts, indent=2))
    else:

        def yes_no(value: Optional[bool]) -> str:
            return "unknown" if value is None else ("yes" if value else "no")

        print(f"{verdict.size.name}: {verdict.status.value}")
        print(f"  series:                {verdict.series or 'not in the catalog'}")
        print(f"  generation 2:          {yes_no(verdict.generation2)}")
        print(f"  nested virtualization: {yes_no(verdict.nested_virtualization)}")
        print(f"  architecture:          {verdict.architecture}")
        print(f"  vCPUs:                 {verdict.vcpus}")
        print(f"  {verdict.reason}")
    return EXIT_OK if verdict.eligible else EXIT_VIOLATION


def _preview(args: argparse.Namespace) -> int:
    from podsandbox import default_project_dir
    from podsandbox.preview.offline_preview import offline_preview
    from podsandbox.preview.program_process import Limits, ProcessStartError, ProgramError
    from podsandbox.stack.files import ProjectError

    program = args.program or default_project_dir()
    subject = args.stack or (args.config_file.name if args.config_file else "dev")

    given = getattr(args, "reports", None) or []
    try:
        targets = report_targets(given)
    except ReportTargetError as error:
        print(f"error: {error}", file=sys.stderr)
        files = [(fmt, file) for fmt, file in _paired(given) if file is not None]
        _error_reports(files, f"bad usage: {error}", subject)
        return EXIT_USAGE

    def fail(
        message: str,
        run: Optional[ProgramRun] = None,
        stack_file: Optional[tuple[Path, str]] = None,
    ) -> int:
        """Exit 2: the error on stderr (a settings error as `error: 3 problems in
        Pulumi.dev.yaml:` and a problem per indented line in the stack file's order, any other on
        one line), and each report asked for, with the error as its content."""
        from podsandbox.preview.inert import text_line
        from podsandbox.preview.report.settings_errors import error_lines, in_file_order

        _print_program_output(run)
        lines = stack_file[1].splitlines() if stack_file else []
        message = in_file_order(message, lines)
        first, *rest = error_lines(message, lines)
        print(text_line("error: " + first), file=sys.stderr)
        for line in rest:
            print(text_line(line), file=sys.stderr)
        _error_reports(targets, message, subject, run, stack_file)
        return EXIT_USAGE

    limits = Limits(**{field: getattr(args, field) for field, *_ in BOUNDS})
    try:
        report = offline_preview(
            stack=args.stack,
            config_file=args.config_file,
            program_dir=program,
            policy_config=args.policy_config,
            skip_validation=args.skip_validation,
            limits=limits,
        )
    except ProgramError as error:
        return fail(str(error), error.run, error.stack_file)
    except ProcessStartError as error:
        return fail(str(error))
    except ProjectError as error:
        return fail(str(error))
    except ValueError as error:
        # Imported only now: the policy SDK loads while the program runs, not before it starts.
        from podsandbox.preview.policy_evaluator import PolicyConfigError

        if not isinstance(error, PolicyConfigError):
            raise
        return fail(str(error))
    from podsandbox.preview.report import render

    _print_program_output(report.run)
    written = [_write(file, render(report, output_format)) for output_format, file in targets]
    if not all(written):
        return EXIT_USAGE
    if report.mandatory_violations or (args.strict and report.not_checked):
        return EXIT_VIOLATION
    return EXIT_OK


def _print_program_output(run: Optional[ProgramRun]) -> None:
    """What the judged program printed, scrubbed of its secrets, on stderr (never in a report),
    each line inert for the job log (`inert.text_line`)."""
    from podsandbox.preview.inert import text_line

    if run is None or not run.output.strip():
        return
    print("the program printed:", file=sys.stderr)
    for line in run.scrub(run.output).rstrip("\n").split("\n"):
        print(text_line(f"  | {line}"), file=sys.stderr)


def _write(file: Optional[Path], text: str) -> bool:
    """A report to `file` or stdout; False (with the reason on stderr) when it cannot be."""
    from podsandbox.preview.output_files import write_report

    if file is None:
        print(text)
        return True
    problem = write_report(file, text)
    if problem is not None:
        print(f"error: cannot write {file}: {problem}", file=sys.stderr)
        return False
    return True
