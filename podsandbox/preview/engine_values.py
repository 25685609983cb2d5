"""Engine values as the preview handles them: the markers that stand for a secret or unknown value
in every report, the one walk over engine values (`convert`) and its uses (`redact` for reports,
`wire` for a policy pack), and the search for secrets' clear text, so that free text (warnings,
messages) can be scrubbed of them."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.output import _OutputData
from pulumi.runtime import rpc


class Marker(str):
    """A placeholder for a value the preview must not or cannot show; text in every report."""

    def __repr__(self) -> str:
        return str(self)


SECRET = Marker("[secret]")
"""Stands for a secret value in recorded inputs and outputs."""
UNKNOWN = Marker("[unknown]")
"""Stands for a value that is only known after deployment."""


def holds(value: Any, marker: Marker) -> bool:
    """Whether a redacted value holds `marker` anywhere."""
    if value is marker:
        return True
    if isinstance(value, dict):
        return any(holds(item, marker) for item in value.values())
    if isinstance(value, list):
        return any(holds(item, marker) for item in value)
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


def replace_secrets(text: str, secrets: list[str]) -> str:
    """`text` with each of `secrets` (the longest first) replaced by `SECRET`."""
    for value in secrets:
        text = text.replace(value, SECRET)
    return text


MIN_SCRUBBED_LENGTH = 4
"""Secret values at least this long are searched for in free text (warnings, messages)."""


def clear_texts(clear: Any) -> set[str]:
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
        found.update(clear_texts(clear))
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
            found.update(clear_texts(state["value"]))
    return found
