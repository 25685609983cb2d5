"""Secret config values kept out of the text of a problem (its reason, allowed values, example).

A problem hides its own value when its setting is secret, but the judges write values into their
words too: a repeated pool name, a VM size and the series read from it, a label key. So every
problem is scrubbed of every secret value where it stands alone (as GitHub masks a secret in a
log), and a problem of a secret setting also of any word that shares `SHARED` characters in a row
with one of that setting's values, since a judge may quote a part it derived (the series of a VM
size). That may hide more than the secret in a secret setting's own message (a VM size of the
same family in the example): less help, never the secret.

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping

HIDDEN = "[secret]"
SHARED = 8
"""A word of a secret setting's problem that shares this many characters in a row with one of
its values is hidden."""
_WORD = re.compile(r"[^\s'\"`,;()\[\]{}<>=]+")
"""A word of a message: what a value or a part of it can be written as."""


def secret_texts(value: object, public: Collection[str] = ()) -> set[str]:
    """Every scalar of a secret value as text: a string (and, when it is the JSON text of a list
    or object, its parts), a number, and the values and keys of a list or object, except keys in
    `public` (setting names: the value's shape, which the stack file shows in clear). Not
    booleans or null."""
    found: set[str] = set()
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, Mapping):
            pending += [key for key in current if key not in public]
            pending += list(current.values())
        elif isinstance(current, (list, tuple)):
            pending += list(current)
        elif isinstance(current, str):
            if current.strip():
                found.add(current)
            pending += _json_collection(current)
        elif isinstance(current, (int, float)) and not isinstance(current, bool):
            found.add(str(current))
    return found


def _json_collection(text: str) -> list[object]:
    """The list or object `text` is the JSON of, as a one-item list; else nothing."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return []
    return [parsed] if isinstance(parsed, (list, dict)) else []


def parts(texts: Iterable[str]) -> set[str]:
    """Each text and the pieces it is made of (`NAME:SIZE:COUNT`, `key=value:Effect`), which a
    judge may quote one by one."""
    return {piece for text in texts for piece in (text, *_SEPARATORS.split(text)) if piece.strip()}


_SEPARATORS = re.compile(r"[:=,/\s]+")


class Scrubber:
    """Hides secret texts in a message: each where it stands alone, and any word that shares
    `SHARED` characters in a row with one of `derived`."""

    def __init__(self, secrets: Iterable[str], derived: Iterable[str] = ()) -> None:
        self.alone = [
            re.compile(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])")
            for secret in sorted(set(secrets), key=len, reverse=True)
        ]
        """Each secret where it is not part of a longer word or number, longest first."""
        self.runs = {
            secret.lower()[start : start + SHARED]
            for secret in derived
            for start in range(len(secret) - SHARED + 1)
        }
        """Every run of `SHARED` characters of every derived-from secret, lower case."""

    def __call__(self, text: str) -> str:
        for pattern in self.alone:
            text = pattern.sub(HIDDEN, text)
        return _WORD.sub(self._word, text)

    def _word(self, match: re.Match[str]) -> str:
        word = match.group(0).lower()
        return HIDDEN if any(run in word for run in self.runs) else match.group(0)
