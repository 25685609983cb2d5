"""Reading raw config values one key at a time, collecting every problem instead of stopping:
what the settings loader and the pools reader share."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Collection, Mapping
from typing import Optional

from podsandbox.rules import judge
from podsandbox.rules.judge import Problem
from podsandbox.rules.pool_limits import LEAVE_IT_OUT
from podsandbox.rules.pool_settings import POOL_SETTINGS
from podsandbox.stack.declarations import PROJECT, SETTINGS_BY_KEY
from podsandbox.stack.secret_text import (
    HIDDEN,
    alone_pattern,
    parts,
    runs,
    scrub,
    secret_texts,
    written_forms,
)
from podsandbox.stack.settings import setting_of


def set_example(key: str, value: str) -> str:
    """The command that sets `key` to `value`, quoted for a shell where it must be (a value
    given quoted already, such as `"1.30"` to keep YAML from reading a number, stays as it is);
    a list item's key needs `--path`."""
    shown = value if value.startswith('"') else shlex.quote(value)
    if "[" in key:
        return f"pulumi config set --path '{key}' {shown}"
    return f"pulumi config set {key} {shown}"


def rm_example(key: str, path: Optional[bool] = None) -> str:
    """The command that removes `key`; a list item's key needs `--path` (`path`: whether `key`
    is one; by default, when it holds `[`), and a key named with `[` is quoted without it."""
    if "[" in key if path is None else path:
        return f"pulumi config rm --path '{key}'"
    return f"pulumi config rm {shlex.quote(key)}"


TRUE_WORDS = {"true", "1", "yes"}

FALSE_WORDS = {"false", "0", "no"}


class Reader:
    """Reads raw values one key at a time, collecting problems instead of stopping."""

    def __init__(
        self,
        values: Mapping[str, object],
        secret_keys: Collection[str] = (),
        public_keys: Collection[str] = (),
    ) -> None:
        """`public_keys`: names of the settings inside a structured value (a `pools` item's),
        which are its shape, not a secret."""
        self.values = values
        self.secret_keys = frozenset(secret_keys)
        """Keys whose values are secret: a problem shows `[secret]`, never the value."""
        self.public = frozenset({*SETTINGS_BY_KEY, *public_keys})
        texts = {
            key: secret_texts(values[key], self.public) for key in self.secret_keys if key in values
        }
        self.alone = alone_pattern(
            form for found in texts.values() for piece in parts(found)
            for form in written_forms(piece)
        )  # fmt: skip
        """Every secret value and piece, in every written form: hidden in every problem."""
        self.runs = {key: runs(found) for key, found in texts.items()}
        """Each secret setting's runs: a word sharing one is hidden in its own problems."""
        self.problems: list[Problem] = []
        for key in sorted(set(values) - set(SETTINGS_BY_KEY)):
            self.unknown_key("", key, values[key], SETTINGS_BY_KEY, "a setting of this project")

    def unknown_key(
        self, where: str, key: str, value: object, known: Collection[str], what: str
    ) -> None:
        """A key nobody declared (`where` is its parent: `pools[0].`): refused, since it would be
        ignored in silence, with the key it most likely meant; the example moves the value there
        (as JSON when it is not text), unless the value is secret."""
        meant = judge.closest(key, list(known))
        hint = f" (did you mean {meant}?)" if meant is not None else ""
        example = rm_example(where + key, path=bool(where))
        if meant is not None and not self.is_secret(where + key):
            shown = value if isinstance(value, str) else json.dumps(value)
            example += " && " + set_example(where + meant, shown)
        self.problem(where + key, value, f"is not {what}{hint}", "one of " + ", ".join(known),
                     example)  # fmt: skip

    def raw(self, key: str) -> object:
        value = self.values.get(key)
        return SETTINGS_BY_KEY[key].default if value is None else value

    def text(self, key: str) -> str:
        return str(self.raw(key)).strip()

    def integer(self, key: str) -> Optional[int]:
        value = self.raw(key)
        if isinstance(value, bool):
            value = str(value)
        try:
            return int(str(value).strip())
        except ValueError:
            self.problem(key, value, "is not a whole number", "an integer", set_example(key, "1"))
            return None

    def boolean(self, key: str) -> Optional[bool]:
        value = self.raw(key)
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in TRUE_WORDS | FALSE_WORDS:
            return lowered in TRUE_WORDS
        self.problem(key, value, "is not a boolean", "true or false", set_example(key, "true"))
        return None

    def optional_integer(self, key: str) -> Optional[int]:
        """An integer setting without a default: None when not set."""
        value = self.values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return self.integer(key)

    def structured(self, key: str, kind: type) -> object:
        """An array or object setting: as the CLI's get_object gives it, or its JSON text; the
        default when empty. Anything else is returned as given, for the caller to report."""
        raw = self.raw(key)
        if isinstance(raw, str) and not raw.strip():
            return SETTINGS_BY_KEY[key].default
        if isinstance(raw, str):
            try:
                parsed = json.loads(raw)
            except json.JSONDecodeError:
                return raw
            return parsed if isinstance(parsed, kind) else raw
        return raw

    def is_secret(self, key: str) -> bool:
        """Whether `key`'s value is secret: a list item's (`pools[0].vmSize`) is its setting's,
        and a key whose own name holds `[` (set without `--path`) is its own."""
        return key in self.secret_keys or setting_of(key) in self.secret_keys

    def problem(self, key: str, value: object, reason: str, allowed: str, example: str) -> None:
        """A problem of `key` (a list item's too: `pools[0].vmSize`), with every secret hidden
        (`secret_text`): its value when the setting is secret or the value holds a secret, the
        secrets in its words, and a key of a secret value that is no setting name."""
        shown_key = self._shown_key(key)
        shared = self.runs.get(setting_of(key), frozenset())

        def clean(text: str) -> str:
            return shown_key.join(scrub(piece, self.alone, shared) for piece in text.split(key))

        hidden = self.is_secret(key) or scrub(repr(value), self.alone, frozenset()) != repr(value)
        shown = judge.SECRET if hidden and value is not None else value
        self.problems.append(Problem(shown_key, shown, clean(reason), clean(allowed),
                                     clean(example)))  # fmt: skip

    def _shown_key(self, key: str) -> str:
        """`key`, or for a secret setting's item the key with each part after the setting's name
        that is no setting name or index hidden (an unknown key inside the secret value)."""
        if not self.is_secret(key):
            return key
        setting = setting_of(key)
        rest = key[len(setting) :]
        return setting + re.sub(
            r"[^.\[\]]+",
            lambda part: part.group(0) if part.group(0) in self.public or part.group(0).isdigit()
            else HIDDEN, rest,
        )  # fmt: skip

    def finding(self, finding: judge.Finding, key: Optional[str] = None) -> None:
        """A judge's finding, named by its config key (`key` when the setting is a list item)."""
        key = key or config_key(finding.field)
        example = (
            rm_example(key)
            if finding.example == LEAVE_IT_OUT
            else set_example(key, finding.example)
        )
        self.problem(key, finding.value, finding.reason, finding.allowed, example)


CONFIG_KEYS = {
    "workloadRuntime": "runtime",
    "vmSize": "nodeVmSize",
    **{
        option.name: option.config_key
        for option in POOL_SETTINGS
        if option.config_key != option.name
    },
}
"""The stack settings whose key differs from the property name the judge uses."""


def config_key(field_name: str) -> str:
    """The config key of a judged field, list items included (`availabilityZones[1]` is
    `nodeAvailabilityZones[1]`)."""
    base, bracket, index = field_name.partition("[")
    return CONFIG_KEYS.get(base, base) + bracket + index


def unqualified(config: Mapping[str, object], project: str = PROJECT) -> dict[str, object]:
    """`{"podsandbox:nodeCount": "2", "azure-native:location": ...}` -> `{"nodeCount": "2"}`."""
    prefix = f"{project}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}
