"""The protocol between the judged program's process (`program_child`) and the checker
(`program_process`): one JSON event per line, on a pipe of the child's own.

Each event is a JSON object with a "kind": "resource", "invoke", "error" / "warning" / "info",
"output" and "secrets" as the run goes, then "failed" or "done" at its end. The child encodes
with `encode_record`, `encode_failure` and `DONE`; the checker reads each line with `decode_line`
and keeps each event in the run with `apply_event`. The child is as untrusted as the program: every
field is checked for shape before it is used, and anything else is a `MalformedEventError`.

This module imports only the standard library at load time (see `program_process`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from podsandbox.preview.records import Invoke, ProgramRun, RegisteredResource

MIB = 1024 * 1024
"""A mebibyte: the unit of the memory bound, which the request names in MiB (`memoryMib`)."""

MAX_DEPTH = 100
"""The deepest nesting of a value the checker takes (Kubernetes objects nest a few dozen levels at
most); deeper values would exhaust the recursion of the walks over them."""


MAX_EVENT_VALUES = 250_000
"""The most JSON values (objects, lists, strings, numbers...) one event may hold: a resource's
inputs hold a few hundred; the event's bytes are bounded too (`--max-value-bytes`)."""
VALUES_PER_MIB = 1024
"""The most JSON values a run may send per MiB of `--max-memory`: the checker keeps a few copies
of each (inputs as shown, as the engine sends them, scrubbed), so this keeps it within the bound."""
MAX_SECRET_VALUES = 2000
"""The most secret values a run may report (a stack of this project has one or two): free text is
searched for each of them, so their number bounds the checker's work per character shown."""
MAX_NUMBER_DIGITS = 309
"""The most digits of a number the engine's protobuf `Value` (a double, at most about 1.8e308)
can hold; longer literals are refused before Python converts them (it refuses integer strings of
more than 4,300 digits with a `ValueError` of its own)."""


class MalformedEventError(Exception):
    """The child sent something that is not an event of the protocol."""

    def explained(self) -> str:
        """The sentence the error report gives."""
        return (
            "the judged program's process sent the checker something that is not a report "
            f"of what it did ({self}); it must have written to the checker's channel."
        )


class RefusedEventError(MalformedEventError):
    """An event the engine would refuse, or one past the checker's own bounds; its text is the
    whole explanation."""

    def explained(self) -> str:
        return str(self)


class UnfitValueError(MalformedEventError):
    """A value the engine cannot take (a number a double cannot hold, a lone surrogate): through
    the SDK as well as forged, so the error does not say the channel was written to."""

    def explained(self) -> str:
        return (
            f"the judged program sent a value the engine cannot take ({self}): a real "
            "`pulumi preview` fails on it, so the check does too."
        )


DONE = {"kind": "done"}


def encode_record(kind: str, item: Any) -> dict[str, Any]:
    """The event for one `ProgramRun.record` call."""
    if kind == "resource":
        resource: RegisteredResource = item
        return {
            "kind": kind,
            "urn": resource.urn,
            "type": resource.type,
            "name": resource.name,
            "parent": resource.parent,
            "custom": resource.custom,
            "protect": resource.protect,
            "engineInputs": resource.engine_inputs,
            "dependencies": list(resource.dependencies),
            "propertyDependencies": {
                key: list(urns) for key, urns in resource.property_dependencies.items()
            },
            "deletedWith": resource.deleted_with,
            "provider": resource.provider,
            "deleteBeforeReplace": resource.delete_before_replace,
            "replaceOnChanges": list(resource.replace_on_changes),
            "retainOnDelete": resource.retain_on_delete,
            "ignoreChanges": list(resource.ignore_changes),
            "aliases": list(resource.aliases),
            "notChecked": resource.not_checked,
        }
    if kind == "invoke":
        invoke: Invoke = item
        return {
            "kind": kind,
            "token": invoke.token,
            "args": invoke.args,
            "answered": invoke.answered,
            "provider": invoke.provider,
        }
    if kind == "output":
        name, output = item
        return {
            "kind": kind,
            "name": name,
            "wire": output.wire,
            "secret": output.secret,
            "known": output.known,
        }
    return {"kind": kind, "message": item}


def encode_failure(
    failure: str,
    error: Optional[str] = None,
    message: str = "",
    where: Optional[str] = None,
    module: Optional[str] = None,
) -> dict[str, Any]:
    """The event that ends a run that did not finish: `failure` is "stopped" (a `pulumi.RunError`,
    the program's own error message), "failed" (another exception), "exited" (`sys.exit`) or
    "memory" (out of the memory allowed)."""
    return {
        "kind": "failed",
        "failure": failure,
        "error": error,
        "message": message,
        "where": where,
        "module": module,
    }


def _integer(literal: str) -> int:
    """A JSON integer the engine's protobuf `Value` (a double) can hold, else refused."""
    if len(literal.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise UnfitValueError(
            f"a number of {len(literal.lstrip('-'))} digits, which the engine's protobuf Value "
            "(a double) cannot hold"
        )
    value = int(literal)
    try:
        float(value)
    except OverflowError:
        raise UnfitValueError(
            "a number larger than the engine's protobuf Value (a double) can hold"
        ) from None
    return value


def _real(literal: str) -> float:
    """A JSON number with a fraction or exponent, refused when a double overflows on it (1e400):
    the child writes a program's own infinity as `Infinity`, never as a literal."""
    if len(literal) > MAX_NUMBER_DIGITS + 30:
        raise UnfitValueError("a number literal too long for a double")
    value = float(literal)
    if not math.isfinite(value):
        raise UnfitValueError(
            f"a number ({literal[:20]}) that the engine's protobuf Value (a double) cannot hold"
        )
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_line(line: bytes) -> dict[str, Any]:
    """One line from the child as an event: UTF-8 text of a JSON object whose numbers a double
    holds, nested at most `MAX_DEPTH` deep, with no lone surrogate in any text (which the
    engine's protobuf strings, UTF-8, cannot carry) and at most `MAX_EVENT_VALUES` values."""
    return _decode(line)[0]


def _decode(line: bytes) -> tuple[dict[str, Any], int]:
    """`decode_line`, and the number of values the event holds."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedEventError(
            f"text that is not UTF-8 (byte {error.start} of an event cannot be decoded)"
        ) from None
    try:
        event = json.loads(text, parse_int=_integer, parse_float=_real)
    except (json.JSONDecodeError, RecursionError):
        raise MalformedEventError("a line that is not JSON") from None
    if not isinstance(event, dict):
        raise MalformedEventError("an event that is not an object")
    return event, _checked_values(event)


def _checked_values(event: dict[str, Any]) -> int:
    """How many values `event` holds, each checked: nesting, count, lone surrogates (no
    recursion: a forged value may nest as deep as its bytes allow)."""
    count = 0
    stack: list[tuple[Any, int]] = [(event, 0)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise MalformedEventError(f"a value nested more than {MAX_DEPTH} levels deep")
        if count > MAX_EVENT_VALUES:
            raise RefusedEventError(
                f"the judged program sent an event of more than {MAX_EVENT_VALUES} values (the "
                "checker's bound on one registration, output, invoke or message), so the check "
                "was stopped."
            )
        if isinstance(item, str):
            _no_surrogate(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _no_surrogate(key)
                stack.append((inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
    return count


def _no_surrogate(text: str) -> None:
    if not text.isascii() and _SURROGATE.search(text):
        raise UnfitValueError(
            "text with a lone surrogate (\\ud800-\\udfff), which UTF-8 and the engine's "
            "protobuf strings cannot carry"
        )


class StreamChecks:
    """What the checker checks across the events of one run, as the engine would: no URN
    registered twice, no more values in all than `--max-memory` allows, no frame cut short."""

    def __init__(self, memory_mib: int) -> None:
        self.max_values = memory_mib * VALUES_PER_MIB
        self.memory_mib = memory_mib
        self.values = 0
        self.secrets = 0
        self.urns: set[str] = set()

    def decode(self, line: bytes) -> dict[str, Any]:
        """`decode_line`, counted against the run's values, its URN checked."""
        event, values = _decode(line)
        self.values += values
        if self.values > self.max_values:
            raise RefusedEventError(
                f"the judged program sent more than {self.max_values} JSON values in all "
                f"({VALUES_PER_MIB} per MiB of --max-memory {self.memory_mib}), so the check was "
                "stopped before they were converted. Raise --max-memory if the program really "
                "registers that much."
            )
        secrets = event.get("values")
        if event.get("kind") == "secrets" and isinstance(secrets, list):
            self.secrets += len(secrets)
            if self.secrets > MAX_SECRET_VALUES:
                raise RefusedEventError(
                    f"the judged program reported more than {MAX_SECRET_VALUES} secret values "
                    "(the checker's bound: every text a report shows is searched for each one), "
                    "so the check was stopped."
                )
        urn = event.get("urn")
        if event.get("kind") == "resource" and isinstance(urn, str):
            if urn in self.urns:
                raise RefusedEventError(
                    f"the judged program registered the URN {urn} twice, which the engine "
                    f"refuses (\"Duplicate resource URN '{urn}'; try giving it a unique name\", "
                    "diagnostic 2001, pulumi/pulumi pkg/resource/deploy/step_generator.go "
                    "generateURN): `pulumi preview` would fail, so the check does too."
                )
            self.urns.add(urn)
        return event

    @staticmethod
    def end(pending: bytes) -> None:
        """At the end of the stream: nothing may be left of a frame cut short."""
        if pending:
            raise MalformedEventError(
                f"a report cut short at the end of the stream ({len(pending)} bytes with no end "
                "of line after the run's end), which the checker cannot judge"
            )


def apply_event(event: dict[str, Any], run: ProgramRun) -> bool:
    """Keep `event` in `run`, each field checked for shape; True for an event that ends the run
    ("failed" or "done")."""
    from podsandbox.preview.engine_values import redact, revive_markers
    from podsandbox.preview.records import Invoke, StackOutput

    kind = event.get("kind")
    if kind == "resource":
        run.resources.append(_registered_resource(event))
    elif kind == "invoke":
        run.invokes.append(
            Invoke(
                token=_text(event, "token"),
                args=revive_markers(_mapping(event, "args")),
                answered=_flag(event, "answered"),
                provider=_optional_text(event, "provider"),
            )
        )
    elif kind in ("error", "warning", "info"):
        {"error": run.errors, "warning": run.warnings, "info": run.infos}[kind].append(
            _text(event, "message")
        )
    elif kind == "output":
        wire = event.get("wire")
        run.outputs[_text(event, "name")] = StackOutput(
            redact(wire), _flag(event, "secret"), _flag(event, "known"), wire
        )
    elif kind == "secrets":
        run.secret_values.update(_texts(event, "values"))
    elif kind == "failed":
        _text(event, "failure"), _text(event, "message")
        for key in ("error", "where", "module"):
            _optional_text(event, key)
        return True
    elif kind == "done":
        return True
    else:
        raise MalformedEventError(f"an event of unknown kind {kind!r}")
    return False


def _registered_resource(event: dict[str, Any]) -> RegisteredResource:
    from podsandbox.preview.engine_values import redact
    from podsandbox.preview.records import RegisteredResource

    engine_inputs = _mapping(event, "engineInputs")
    return RegisteredResource(
        urn=_text(event, "urn"),
        type=_text(event, "type"),
        name=_text(event, "name"),
        parent=_optional_text(event, "parent"),
        custom=_flag(event, "custom"),
        protect=_flag(event, "protect"),
        inputs=redact(engine_inputs),
        engine_inputs=engine_inputs,
        dependencies=_texts(event, "dependencies"),
        property_dependencies=_texts_by_key(event, "propertyDependencies"),
        deleted_with=_optional_text(event, "deletedWith"),
        provider=_optional_text(event, "provider"),
        delete_before_replace=_flag(event, "deleteBeforeReplace"),
        replace_on_changes=_texts(event, "replaceOnChanges"),
        retain_on_delete=_flag(event, "retainOnDelete"),
        ignore_changes=_texts(event, "ignoreChanges"),
        aliases=_texts(event, "aliases"),
        not_checked=_optional_text(event, "notChecked"),
    )


def _text(event: Mapping[str, Any], key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str):
        raise MalformedEventError(f"{key!r} is not a string")
    return value


def _optional_text(event: Mapping[str, Any], key: str) -> Optional[str]:
    value = event.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedEventError(f"{key!r} is not a string")
    return value


def _flag(event: Mapping[str, Any], key: str) -> bool:
    value = event.get(key)
    if not isinstance(value, bool):
        raise MalformedEventError(f"{key!r} is not a boolean")
    return value


def _texts(event: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = event.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MalformedEventError(f"{key!r} is not a list of strings")
    return tuple(value)


def _texts_by_key(event: Mapping[str, Any], key: str) -> dict[str, tuple[str, ...]]:
    return {name: _texts(_mapping(event, key), name) for name in _mapping(event, key)}


def _mapping(event: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = event.get(key)
    if not isinstance(value, dict):
        raise MalformedEventError(f"{key!r} is not an object")
    return value
