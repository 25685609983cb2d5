"""Secret config values kept out of the text of a problem (its reason, allowed values, example).

A problem hides its own value when its setting is secret, but the checks write values into their
words too: a repeated pool name, a VM size and the series read from it, a label key, an
`extraPools` item's name in another setting's allowed values. So every problem is scrubbed of
every secret value and each piece of one (`NAME:SIZE:COUNT`), in the forms a message writes them
(stripped, shell-quoted, escaped as Python or JSON text, a number as `int()` reads it), where
they stand alone (as GitHub masks a secret in a log). A problem of a secret setting also hides
any word that shares `SHARED` characters in a row with one of that setting's values, since a check
may quote a part it derived (the series of a VM size).

What text matching cannot hide, and the docs say: a figure a check computed from a secret (a pool's
room for pods from a secret node count), a derived text shorter than `SHARED` (a series such as
`Edsv7`), and what the place of a hidden word tells (`Allowed: [secret] or false`).

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Collection, Iterable, Mapping

HIDDEN = "[secret]"
SHARED = 8
"""A word of a secret setting's problem that shares this many characters in a row with one of
its values is hidden."""
_WORD = re.compile(r"[^\s'\"`,;()\[\]{}<>=]+")
"""A word of a message: what a value or a part of it can be written as."""
_SEPARATORS = re.compile(r"[:=,/\s]+")


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
    check may quote one by one."""
    return {piece for text in texts for piece in (text, *_SEPARATORS.split(text)) if piece.strip()}


def written_forms(text: str) -> set[str]:
    """The ways a message may write `text`: as it is, stripped, inside shell quotes, escaped as
    Python or JSON text, and as the number `int()` reads from it; none for blank text."""
    if not text.strip():
        return set()
    forms = {text, text.strip(), shlex.quote(text), text.replace("'", "'\"'\"'")}
    forms |= {repr(text)[1:-1], json.dumps(text)[1:-1]}
    try:
        forms.add(str(int(text)))
    except ValueError:
        pass
    return forms


def alone_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for every secret where it is not part of a longer word or number; None for
    no secret. In reverse order, a secret comes before any prefix of it, so that the longer one
    is hidden whole."""
    ordered = sorted(set(secrets), reverse=True)
    if not ordered:
        return None
    either = "|".join(re.escape(secret) for secret in ordered)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{either})(?![A-Za-z0-9])")


def runs(secrets: Iterable[str]) -> frozenset[str]:
    """Every run of `SHARED` characters of the secrets, case-folded."""
    return frozenset(run for secret in secrets for run in _runs_of(secret))


def _runs_of(text: str) -> set[str]:
    folded = text.casefold()
    return {folded[start : start + SHARED] for start in range(len(folded) - SHARED + 1)}


def scrub(text: str, alone: re.Pattern[str] | None, shared: frozenset[str]) -> str:
    """`text` with each secret of `alone` hidden, and each word sharing one of `shared`."""
    if alone is not None:
        text = alone.sub(HIDDEN, text)
    return _WORD.sub(lambda match: _hide_word(match.group(0), shared), text)


def _hide_word(word: str, shared: frozenset[str]) -> str:
    return word if shared.isdisjoint(_runs_of(word)) else HIDDEN
