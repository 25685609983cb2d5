"""What one run of a program did, as the preview records it: each resource registration, each
invoke, each stack output, the messages it logged, and the clear text of its secrets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

from pulumi.runtime import rpc

from podsandbox.preview.engine_values import MIN_SCRUBBED_LENGTH, UNKNOWN, Marker, replace_secrets


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
    confinement: Optional[list[str]] = None
    """The operating system's confinement its process ran under (`confinement.py`'s layers);
    None when it ran in the checker's own process (the tests' in-process runs)."""
    listener: Optional[Callable[[ProgramRun, str, Any], None]] = field(
        default=None, repr=False, compare=False
    )
    """Told of each record as it is made (`"resource"`, `"invoke"`, `"error"` / `"warning"` /
    `"info"`, `"output"`): the judged program's process streams them to the checker, so that what
    was registered is known even when the program never finishes."""
    _searched: tuple[int, list[str]] = field(default=(-1, []), repr=False, compare=False)
    """The searched secrets and the size of `secret_values` they were sorted for."""

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
                return replace_secrets(item, searched)
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
        return replace_secrets(text, self._searched_secrets())

    def _searched_secrets(self) -> list[str]:
        """The secret values free text is searched for, longest first: sorted once for each size
        of `secret_values` (which only grows), not once per scrubbed text."""
        if self._searched[0] != len(self.secret_values):
            searched = sorted(
                (value for value in self.secret_values if len(value) >= MIN_SCRUBBED_LENGTH),
                key=len,
                reverse=True,
            )
            self._searched = (len(self.secret_values), searched)
        return self._searched[1]

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


def _shown_reference(reference: Optional[str]) -> Optional[str]:
    """A provider reference (`URN::id`) with a provider not yet created shown as `::[unknown]`."""
    if reference is None:
        return None
    urn, _, provider_id = reference.rpartition("::")
    return f"{urn}::{UNKNOWN}" if provider_id == rpc.UNKNOWN else reference
