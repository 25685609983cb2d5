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
from podsandbox.stack.secret_text import Scrubber, parts, secret_texts


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
        public = {*SETTINGS_BY_KEY, *public_keys}
        self.secret_texts = {
            key: secret_texts(values[key], public) for key in self.secret_keys if key in values
        }
        """Each secret setting's values as text, hidden in the words of every problem."""
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
        return key in self.secret_keys or key.split("[")[0] in self.secret_keys

    def problem(self, key: str, value: object, reason: str, allowed: str, example: str) -> None:
        """A problem of `key` (a list item's too: `pools[0].vmSize`), its value hidden when the
        setting is secret or the value holds another's secret, and every secret hidden in its
        words: each where it stands alone; for `key`'s own setting, also each piece of its values
        and the words that share a run with them. The parts of `key` itself stay (the problem
        names it anyway)."""
        named = set(re.findall(r"[^.\[\]]+", key))
        every = {text for texts in self.secret_texts.values() for text in texts} - named
        settings = {key, key.split("[")[0]}
        own = {text for name in settings for text in self.secret_texts.get(name, ())} - named
        hidden = self.is_secret(key) or bool(secret_texts(value) & every)
        shown = judge.SECRET if hidden and value is not None else value
        scrub = Scrubber(every | (parts(own) - named), own)
        self.problems.append(Problem(key, shown, scrub(reason), scrub(allowed), scrub(example)))

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
