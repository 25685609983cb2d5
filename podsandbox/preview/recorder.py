"""Run a Pulumi Python program in-process under the SDK's mock runtime, and record what it does.

This is the engine of the offline preview and of the whole-program tests: no Pulumi CLI, no
provider plugin, no Azure. The program's `__main__.py` runs as the CLI would run it (its directory
on `sys.path` and as working directory, the stack's config set); a recording monitor keeps every
resource registration (type, name, parent, engine inputs), and the stack outputs are read back
with their secret and known flags.

Like a real preview, resources being created get no id and their computed outputs stay unknown.
Invokes that no mock answers are not faked: the monitor answers "unknown", as an engine does for
an invoke it cannot serve yet, and the run lists them so the report can say what went unchecked.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import gc
import json
import logging
import os
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.output import _OutputData
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from podsandbox.preview import manifests


class Marker(str):
    """A placeholder for a value the preview must not or cannot show; text in every report."""

    def __repr__(self) -> str:
        return str(self)


SECRET = Marker("[secret]")
"""Stands for a secret value in recorded inputs and outputs."""
UNKNOWN = Marker("[unknown]")
"""Stands for a value that is only known after deployment."""

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class RegisteredResource:
    """One resource registration, as the engine would receive it."""

    urn: str
    type: str
    name: str
    parent: Optional[str]
    """Parent URN; None only for the stack itself."""
    custom: bool
    protect: bool
    inputs: dict[str, Any]
    """Engine (camelCase) input names; secrets and unknowns replaced by `SECRET` / `UNKNOWN`."""
    engine_inputs: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)
    """The inputs as the engine passes them to a policy pack: secrets in their wire wrapper,
    unknowns as the engine's unknown sentinel."""
    dependencies: tuple[str, ...] = field(default=(), compare=False)
    """URNs this resource was registered to depend on (depends_on and its inputs' resources)."""
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    """For each input, the URNs its value came from (the request's `propertyDependencies`). The
    engine replaces this resource along with a replaced one only through these (or
    `deletedWith`), never through `dependsOn` alone (pulumi/pulumi
    `pkg/resource/deploy/step_generator.go`, `calculateDependentReplacements`)."""
    deleted_with: Optional[str] = field(default=None, compare=False)
    """The URN whose deletion takes this resource with it (its `deletedWith` option)."""
    provider: Optional[str] = field(default=None, compare=False)
    """The provider reference (`URN::id`) the resource is registered with, if one is named."""
    delete_before_replace: bool = field(default=False, compare=False)
    replace_on_changes: tuple[str, ...] = field(default=(), compare=False)
    """Input paths whose change replaces the resource rather than updating it."""
    retain_on_delete: bool = field(default=False, compare=False)
    ignore_changes: tuple[str, ...] = field(default=(), compare=False)
    aliases: tuple[str, ...] = field(default=(), compare=False)
    """URNs this resource was known by before (its `aliases` option, as the engine reads it)."""
    not_checked: Optional[str] = field(default=None, compare=False)
    """Why the resources this component declares cannot be seen offline (a Helm chart, a
    multi-language component...), so that reports list it as not checked; None otherwise."""


@dataclass(frozen=True)
class Invoke:
    """An invoke (provider function call) the program made."""

    token: str
    args: dict[str, Any]
    answered: bool
    provider: Optional[str] = None
    """The provider reference the invoke names, if any."""


@dataclass(frozen=True)
class StackOutput:
    value: Any
    """The value; `SECRET` when secret, `UNKNOWN` when not known until deployment."""
    secret: bool
    known: bool
    wire: Any = field(repr=False, compare=False)
    """The value as the engine holds it: a secret in its wire wrapper, unknown as its sentinel."""


@dataclass
class ProgramRun:
    """Everything one run of a program did."""

    project: str
    stack: str
    preview: bool
    resources: list[RegisteredResource] = field(default_factory=list)
    config: dict[str, str] = field(default_factory=dict)
    """The stack's config, by qualified key: also the inputs of the default providers."""
    invokes: list[Invoke] = field(default_factory=list)
    outputs: dict[str, StackOutput] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    """`pulumi.log.info` notes (the CLI shows them as diagnostics, not as warnings)."""
    errors: list[str] = field(default_factory=list)
    """`pulumi.log.error` messages: the checker fails on them (the CLI would not, #5085)."""
    secret_values: set[str] = field(default_factory=set)
    """The clear text of every value that was secret somewhere in the run (a secret config key,
    a secret input, output or invoke argument), so that free text can be searched for it."""
    output: str = ""
    """What the program printed (stdout and stderr), when it ran in a process of its own."""
    listener: Optional[Callable[[ProgramRun, str, Any], None]] = field(
        default=None, repr=False, compare=False
    )
    """Told of each record as it is made (`"resource"`, `"invoke"`, `"error"` / `"warning"` /
    `"info"`, `"output"`): the judged program's process streams them to the checker, so that what
    was registered is known even when the program never finishes."""

    def record(self, kind: str, item: Any) -> None:
        """Keep `item` (a `RegisteredResource`, an `Invoke`, a message, or a (name, `StackOutput`)
        pair) in its list and tell the listener."""
        if kind == "resource":
            self.resources.append(item)
        elif kind == "invoke":
            self.invokes.append(item)
        elif kind == "output":
            name, output = item
            self.outputs[name] = output
        else:
            {"error": self.errors, "warning": self.warnings, "info": self.infos}[kind].append(item)
        if self.listener is not None:
            self.listener(self, kind, item)

    def scrub_value(self, value: Any) -> Any:
        """`value` with `scrub` applied to every string in it (markers kept as they are)."""
        searched = self._searched_secrets()

        def walk(item: Any) -> Any:
            if isinstance(item, Marker):
                return item
            if isinstance(item, str):
                return _replaced(item, searched)
            if isinstance(item, dict):
                return {key: walk(inner) for key, inner in item.items()}
            if isinstance(item, list):
                return [walk(inner) for inner in item]
            return item

        return walk(value)

    def scrub(self, text: str) -> str:
        """`text` with every secret value of the run replaced by `[secret]`.

        Values shorter than `MIN_SCRUBBED_LENGTH` are not searched for: they would match
        everywhere. Structured places (inputs, outputs, invoke arguments) redact every secret.
        """
        return _replaced(text, self._searched_secrets())

    def _searched_secrets(self) -> list[str]:
        """The secret values free text is searched for, longest first (once per scrub)."""
        return sorted(
            (value for value in self.secret_values if len(value) >= MIN_SCRUBBED_LENGTH),
            key=len,
            reverse=True,
        )

    @property
    def unanswered_invokes(self) -> list[Invoke]:
        return [invoke for invoke in self.invokes if not invoke.answered]

    def options(self, resource: RegisteredResource) -> dict[str, Any]:
        """The resource options the engine is told, by their engine names."""
        return {
            "protect": resource.protect,
            "deleteBeforeReplace": resource.delete_before_replace,
            "replaceOnChanges": list(resource.replace_on_changes),
            "retainOnDelete": resource.retain_on_delete,
            "ignoreChanges": list(resource.ignore_changes),
            "dependsOn": sorted(resource.dependencies),
            "deletedWith": resource.deleted_with,
            "provider": _shown_reference(resource.provider),
            "aliases": list(resource.aliases),
        }

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.type == type_token]


def _replaced(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, SECRET)
    return text


MIN_SCRUBBED_LENGTH = 4
"""Secret values at least this long are searched for in free text (warnings, messages)."""


def _clear_texts(clear: Any) -> set[str]:
    """Each string or number in a clear value, and each structure as the JSON a message quotes."""
    found: set[str] = set()
    stack = [clear]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            found.add(json.dumps(item, default=str))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
            found.add(json.dumps(item, default=str))
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            found.add(str(item))
    return found


def secret_texts(value: Any) -> set[str]:
    """The clear text of every secret inside an engine value."""
    found: set[str] = set()

    def keep(clear: Any) -> Any:
        found.update(_clear_texts(clear))
        return clear

    convert(value, keep, UNKNOWN)
    return found


def live_secret_texts() -> set[str]:
    """The clear text of every secret Output alive now.

    A program can log a secret it never registers (`Output.secret(x).apply(log.warn)`), and the
    SDK sends invoke arguments without their secret marks: when it logs or invokes, the secret
    Output is still alive, so its resolved state (`pulumi.output._OutputData`, the SDK's own
    record of value, known and secret) is found here. A test feeds such secrets through.
    """
    found: set[str] = set()
    # The objects that refer to the class: its instances (a heap type's instances refer to it).
    # Not gc.get_objects(): holding every object would also hold tuples another thread is still
    # building, which CPython then fails to resize ("bad argument to internal function").
    # One another thread is still constructing may lack its attributes yet: it is no secret yet.
    for candidate in gc.get_referrers(_OutputData):
        if not isinstance(candidate, _OutputData):
            continue
        state = vars(candidate)
        if state.get("is_secret") and state.get("is_known") and "value" in state:
            found.update(_clear_texts(state["value"]))
    return found


class OfflineMocks(Mocks):
    """Mocks that behave like an engine preview that knows nothing about the cloud.

    `new_resource` returns the inputs as the state (computed outputs stay unknown in a preview)
    and no id while previewing. `answer` returns None for every invoke: subclasses (tests) answer
    the invokes they know; None means "cannot answer offline".
    """

    def __init__(self, preview: bool = True) -> None:
        self.preview = preview

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        resource_id = "" if self.preview else f"{args.name}-id"
        return resource_id, dict(args.inputs)

    def answer(self, token: str, args: dict[str, Any]) -> Optional[dict[str, Any]]:
        """The result of an invoke, or None when it cannot be answered offline."""
        return None

    def respond(self, token: str, args: dict[str, Any]) -> Optional[dict[str, Any]]:
        """What the offline run answers: the invokes any run can answer (`OFFLINE_INVOKES`),
        then `answer`."""
        if token in OFFLINE_INVOKES:
            return OFFLINE_INVOKES[token](args)
        return self.answer(token, args)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], Optional[list[tuple[str, str]]]]:
        return self.respond(args.token, args.args) or {}, []


def _decode_yaml(args: dict[str, Any]) -> dict[str, Any]:
    """pulumi-kubernetes' `kubernetes:yaml:decode`: YAML text to its (non-empty) documents. The
    SDK's own (v1) ConfigFile and ConfigGroup call it and register the objects themselves."""
    import yaml

    text = args.get("text")
    if not isinstance(text, str):
        raise ValueError("kubernetes:yaml:decode needs `text`, a string of YAML")
    return {"result": [doc for doc in yaml.safe_load_all(text) if doc is not None]}


OFFLINE_INVOKES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "kubernetes:yaml:decode": _decode_yaml,
}
"""Invokes that need no cloud to answer: a plain transformation of their arguments."""


def _shown_reference(reference: Optional[str]) -> Optional[str]:
    """A provider reference (`URN::id`) with a provider not yet created shown as `::[unknown]`."""
    if reference is None:
        return None
    urn, _, provider_id = reference.rpartition("::")
    return f"{urn}::{UNKNOWN}" if provider_id == rpc.UNKNOWN else reference


def engine_urn(stack: str, project: str, parent: Optional[str], type_: str, name: str) -> str:
    """The URN the engine gives a resource: its parent's whole qualified type, then its own.

    As pulumi/pulumi `Deployment.generateURN`: the root stack's type is left out. (The SDK's mock
    monitor keeps only the parent's last type and keeps the stack's, so its URNs differ from the
    engine's for top-level and deeply nested resources.)
    """
    qualified = type_
    if parent:
        parent_type = parent.split("::")[2]
        if parent_type != STACK_TYPE:
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


class _RecordingMonitor(MockMonitor):
    """The SDK's mock monitor with the engine's URNs, plus a record of registrations and invokes."""

    def __init__(self, mocks: OfflineMocks, run: ProgramRun) -> None:
        super().__init__(mocks)
        self.offline_mocks = mocks
        self.run = run

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return engine_urn(self.run.stack, self.run.project, parent or None, type_, name)

    def _alias_urns(self, request: Any) -> tuple[str, ...]:
        """Each alias as a URN: a spec's missing parts are the resource's own, as in the engine."""
        urns = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = None if spec.noParent else (spec.parentUrn or request.parent or None)
            urns.append(
                engine_urn(
                    spec.stack or self.run.stack,
                    spec.project or self.run.project,
                    parent,
                    spec.type or request.type,
                    spec.name or request.name,
                )
            )
        return tuple(urns)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        # The engine returns these outputs as secrets; the SDK's mock monitor does not.
        fields = response.object.fields
        for key in request.additionalSecretOutputs:
            if key not in fields or fields[key].string_value == rpc.UNKNOWN:
                continue  # absent, or unknown (which stays unknown)
            self.run.secret_values |= _clear_texts(json_format.MessageToDict(fields[key]))
            wrapper = struct_pb2.Value()
            wrapper.struct_value.update(rpc.wrap_rpc_secret(None))
            wrapper.struct_value.fields["value"].CopyFrom(fields[key])
            fields[key].CopyFrom(wrapper)
        raw = rpc.deserialize_properties(request.object) if request.type != STACK_TYPE else {}
        self.run.secret_values |= secret_texts(raw)
        children: list[RegisteredResource] = []
        not_checked = manifests.not_seen_reason(request.type, bool(request.remote))
        if request.type in manifests.EXPANDED:
            children, not_checked = self._manifest_children(request, response.urn, raw)
        self.run.record(
            "resource",
            RegisteredResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                protect=bool(request.protect),
                inputs=redact(raw),
                engine_inputs=wire(raw),
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                deleted_with=request.deletedWith or None,
                aliases=self._alias_urns(request),
                provider=request.provider or None,
                delete_before_replace=bool(request.deleteBeforeReplace),
                replace_on_changes=tuple(request.replaceOnChanges),
                retain_on_delete=bool(request.retainOnDelete),
                ignore_changes=tuple(request.ignoreChanges),
                not_checked=not_checked,
            ),
        )
        for child in children:
            self.run.record("resource", child)
        return response

    def _manifest_children(
        self, request: Any, urn: str, raw: dict[str, Any]
    ) -> tuple[list[RegisteredResource], Optional[str]]:
        """The objects a yaml/v2 ConfigFile or ConfigGroup registers under the real engine (see
        `manifests`), or why they cannot be known offline."""
        shown = redact(raw)
        if _holds(shown, UNKNOWN):
            return [], "its manifests are only known after deployment"
        try:
            found = manifests.component_manifests(
                request.type,
                request.name,
                convert(raw, lambda clear: clear, UNKNOWN),
                lambda path: Path(path).read_text(encoding="utf-8"),
            )
        except manifests.ManifestError as error:
            return [], f"its manifests cannot be read offline: {error}"
        # A secret among its inputs (a secret YAML text, a secret in `objs`): all but each
        # object's identity stays secret, since which part came from the secret is not known.
        secret_source = _holds(shown, SECRET)
        provider = request.providers.get("kubernetes") or request.provider or None
        children = []
        for manifest in found:
            secret_keys = manifest.secret_keys | (
                manifests.secret_source_keys(manifest.object) if secret_source else frozenset()
            )
            value = {
                key: rpc.wrap_rpc_secret(item) if key in secret_keys else item
                for key, item in manifest.object.items()
            }
            self.run.secret_values |= secret_texts(value)
            children.append(
                RegisteredResource(
                    urn=engine_urn(
                        self.run.stack, self.run.project, urn, manifest.type, manifest.name
                    ),
                    type=manifest.type,
                    name=manifest.name,
                    parent=urn,
                    custom=True,
                    protect=bool(request.protect),
                    inputs=redact(value),
                    engine_inputs=wire(value),
                    provider=provider,
                )
            )
        return children, None

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)  # type: ignore[no-untyped-call]
        args = rpc.deserialize_properties(request.args)
        self.run.secret_values |= secret_texts(args) | live_secret_texts()
        # The mocks answer with the arguments in clear; the record keeps them redacted.
        answer = self.offline_mocks.respond(request.tok, convert(args, lambda v: v, UNKNOWN))
        self.run.record(
            "invoke",
            Invoke(request.tok, redact(args), answer is not None, request.provider or None),
        )
        if answer is None:
            # What an engine returns for an invoke it cannot serve: the result is unknown.
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        return super().Invoke(request)  # type: ignore[no-untyped-call]


def _holds(value: Any, marker: Marker) -> bool:
    """Whether a redacted value holds `marker` anywhere."""
    if value is marker:
        return True
    if isinstance(value, dict):
        return any(_holds(item, marker) for item in value.values())
    if isinstance(value, list):
        return any(_holds(item, marker) for item in value)
    return False


def _plain_number(value: Any) -> Any:
    """Engine numbers travel as floats; show whole ones as integers (count: 1, not 1.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def convert(value: Any, secret: Callable[[Any], Any], unknown: Any) -> Any:
    """The one walk over engine values: each secret becomes `secret(its converted value)`, each
    unknown becomes `unknown`, whole-number floats (as numbers travel) become ints."""
    if rpc.is_rpc_secret(value):
        return secret(convert(rpc.unwrap_rpc_secret(value), secret, unknown))
    if isinstance(value, pulumi.output.Unknown) or value == rpc.UNKNOWN:
        return unknown
    if isinstance(value, dict):
        return {key: convert(item, secret, unknown) for key, item in value.items()}
    if isinstance(value, list):
        return [convert(item, secret, unknown) for item in value]
    return _plain_number(value)


def redact(value: Any) -> Any:
    """For reports: secrets and unknowns replaced by `SECRET` and `UNKNOWN`."""
    return convert(value, lambda _: SECRET, UNKNOWN)


def revive_markers(value: Any) -> Any:
    """`value` as read back from JSON, with the text of `SECRET` and `UNKNOWN` markers again."""
    if isinstance(value, dict):
        return {key: revive_markers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revive_markers(item) for item in value]
    if value == SECRET:
        return SECRET
    if value == UNKNOWN:
        return UNKNOWN
    return value


def wire(value: Any) -> Any:
    """As the engine passes values to a policy pack: secrets in their wire wrapper, unknowns as
    the engine's unknown sentinel."""
    return convert(value, rpc.wrap_rpc_secret, rpc.UNKNOWN)


class _MessageCollector(logging.Handler):
    """The program's `pulumi.log` errors, warnings and informational notes, apart."""

    def __init__(self, run: ProgramRun) -> None:
        super().__init__(level=logging.INFO)
        self.run = run

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            kind = "error"
        elif record.levelno >= logging.WARNING:
            kind = "warning"
        else:
            kind = "info"
        self.run.secret_values |= live_secret_texts()  # the message may quote one of them
        self.run.record(kind, record.getMessage())


def _shadowed_modules(program_dir: Path) -> dict[str, Any]:
    """Already-imported modules that a module of the program's own directory would shadow."""
    local = {path.stem for path in program_dir.glob("*.py")} | {
        path.parent.name for path in program_dir.glob("*/__init__.py")
    }
    return {
        name: module
        for name, module in sys.modules.items()
        if name.partition(".")[0] in local
        and not Path(getattr(module, "__file__", None) or "/").resolve().is_relative_to(program_dir)
    }


@contextmanager
def _program_environment(program_dir: Path) -> Iterator[None]:
    """The program's directory as cwd and first on sys.path, its own modules first in line;
    afterwards its modules are forgotten and the ones it shadowed are back."""
    shadowed = _shadowed_modules(program_dir)
    for name in shadowed:
        del sys.modules[name]
    before = set(sys.modules)
    old_cwd = os.getcwd()
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path.remove(str(program_dir))
        environment = Path(sys.prefix).resolve()  # a virtualenv may live inside the program
        for name in set(sys.modules) - before:
            module_file = Path(getattr(sys.modules[name], "__file__", None) or "/").resolve()
            if module_file.is_relative_to(program_dir) and not module_file.is_relative_to(
                environment
            ):
                del sys.modules[name]
        sys.modules.update(shadowed)


class ProgramStoppedError(pulumi.RunError):
    """The program stopped itself with a `pulumi.RunError` (a user-facing error); `run` is what
    it did until then, e.g. to scrub the run's secrets from the message."""

    def __init__(self, run: ProgramRun, error: pulumi.RunError) -> None:
        super().__init__(str(error))
        self.run = run


class ProgramFailedError(Exception):
    """The program raised something other than a `pulumi.RunError`; `run` is what it did."""

    def __init__(self, run: ProgramRun, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.run = run
        self.error = error


def run_program(
    program_dir: Path,
    project: str,
    stack: str,
    config: Mapping[str, str],
    mocks: Optional[OfflineMocks] = None,
    main: str = "__main__.py",
    secret_keys: Sequence[str] = (),
    listener: Optional[Callable[[ProgramRun, str, Any], None]] = None,
) -> ProgramRun:
    """Run the program's entry point for `stack` with qualified `config` keys; record the run.

    `main` is the entry file (Pulumi.yaml's `main`), relative to `program_dir`; `secret_keys` the
    config keys that are secret (the program reads them as secrets, reports never show them);
    `listener` is told of each record as it is made (see `ProgramRun.listener`).
    A `pulumi.RunError` from the program becomes a `ProgramStoppedError` (still a RunError, with
    the same message); any other exception a `ProgramFailedError`; both carry what the program
    did before it stopped.
    Each run gets fresh Pulumi runtime state, so runs can follow each other in one process.
    """
    program_dir = program_dir.resolve()
    entry = program_dir / main
    mocks = mocks if mocks is not None else OfflineMocks()
    run = ProgramRun(
        project=project, stack=stack, preview=mocks.preview, config=dict(config), listener=listener
    )
    run.secret_values.update(config[key] for key in secret_keys if key in config)

    def program() -> None:
        runpy.run_path(str(entry), run_name="__main__")

    # The environment lasts until every registration has resolved: the SDK reads the program's
    # modules (type hints of its components) while it finishes them.
    with _program_environment(entry.parent):
        try:
            _run_recorded(program, run, config, mocks, secret_keys)
        except pulumi.RunError as error:
            raise ProgramStoppedError(run, error) from None
        except Exception as error:
            raise ProgramFailedError(run, error) from error
    return run


def run_function(
    program: Callable[[], None],
    project: str,
    stack: str,
    config: Mapping[str, str],
    mocks: Optional[OfflineMocks] = None,
) -> ProgramRun:
    """Run `program` (code that registers resources) as a Pulumi program; record the run."""
    mocks = mocks if mocks is not None else OfflineMocks()
    run = ProgramRun(project=project, stack=stack, preview=mocks.preview, config=dict(config))
    _run_recorded(program, run, config, mocks)
    return run


def _run_recorded(
    program: Callable[[], None],
    run: ProgramRun,
    config: Mapping[str, str],
    mocks: OfflineMocks,
    secret_keys: Sequence[str] = (),
) -> None:
    contextvars.Context().run(_run_in_context, program, run, dict(config), mocks, list(secret_keys))


@atexit.register
def _close_event_loops() -> None:
    """At exit, close the event loops the SDK left open: the main thread's, and one in each
    worker thread whose mocked registrations created one (`mocks.py`, `_ensure_event_loop`).

    Left open, a loop is closed by the garbage collector during interpreter shutdown, when its
    self-pipe may already be gone: a traceback ("Invalid file descriptor: -1") on stderr.
    """
    # Instances of the loop class refer to it: found without holding every object (see
    # `live_secret_texts`).
    for loop in gc.get_referrers(asyncio.SelectorEventLoop):
        if isinstance(loop, asyncio.AbstractEventLoop) and not loop.is_running():
            if not loop.is_closed():
                loop.close()


def _program_event_loop() -> asyncio.AbstractEventLoop:
    """The loop the SDK will run the program on: this thread's, made if there is none yet."""
    try:
        return asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop


def _quiet_abandoned_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The SDK's event loop's exception handler: a failed program's error, left in futures
    nobody awaits, is not logged again when they are collected.

    The SDK's outputs that depended on the failing one are never awaited, and its global state
    keeps them alive; when they are finally collected, each would log "Future exception was never
    retrieved" with a traceback, at a random moment: a bare traceback on the user's stderr and,
    since formatting it parses source with `ast`, a broken `ast.parse` in whatever the collection
    interrupted (CPython 3.11: "AST constructor recursion depth mismatch"). The error itself
    reaches the caller as raised. Anything else goes to the default handler.
    """
    if context.get("message") == "Future exception was never retrieved":
        return
    loop.default_exception_handler(context)


def _run_in_context(
    program: Callable[[], None],
    run: ProgramRun,
    config: dict[str, str],
    mocks: OfflineMocks,
    secret_keys: list[str],
) -> None:
    logger = logging.getLogger(f"podsandbox.preview.recorder.{id(run)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(_MessageCollector(run))
    pulumi.runtime.set_all_config(config, secret_keys)
    _program_event_loop().set_exception_handler(_quiet_abandoned_errors)
    pulumi.runtime.set_mocks(
        mocks,
        project=run.project,
        stack=run.stack,
        preview=mocks.preview,
        logger=logger,
        monitor=_RecordingMonitor(mocks, run),
    )

    async def collect_outputs() -> None:
        root = pulumi.runtime.get_root_resource()
        exported: dict[str, Any] = getattr(root, "outputs", {})
        for name, value in exported.items():
            output = pulumi.Output.from_input(value)
            known = await output.is_known()
            secret = await output.is_secret()
            value = wire(await output.future()) if known else rpc.UNKNOWN
            value = rpc.wrap_rpc_secret(value) if secret else value
            run.secret_values.update(secret_texts(value))
            run.record("output", (name, StackOutput(redact(value), secret, known, value)))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run_and_collect() -> Any:
        program()
        return collect_outputs()

    try:
        run_and_collect()
    finally:
        logging.Logger.manager.loggerDict.pop(logger.name, None)
