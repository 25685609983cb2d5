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
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from podsandbox.preview.records import Invoke, ProgramRun, RegisteredResource

MIB = 1024 * 1024
"""A mebibyte: the unit of the memory bound, which the request names in MiB (`memoryMib`)."""

MAX_DEPTH = 100
"""The deepest nesting of a value the checker takes (Kubernetes objects nest a few dozen levels at
most); deeper values would exhaust the recursion of the walks over them."""


class MalformedEventError(Exception):
    """The child sent something that is not an event of the protocol."""


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


def decode_line(line: bytes) -> dict[str, Any]:
    """One line from the child as an event: a JSON object, nested at most `MAX_DEPTH` deep."""
    try:
        event = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise MalformedEventError("a line that is not JSON") from None
    if not isinstance(event, dict):
        raise MalformedEventError("an event that is not an object")
    if _nested_deeper_than(event, MAX_DEPTH):
        raise MalformedEventError(f"a value nested more than {MAX_DEPTH} levels deep")
    return event


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


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests lists and objects more than `limit` levels deep (no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((inner, depth + 1) for inner in item.values())
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
    return False
