"""Reads the stack's settings from Pulumi config and stops the program cleanly on bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi
import yaml
from pulumi.runtime import config as runtime_config
from pulumi.runtime.config import is_config_secret

from podsandbox.rules.judge import SKIP_VALIDATION_ENV, skips_validation
from podsandbox.stack import SETTINGS, SettingsError, StackSettings, load_settings


def read_stack_settings() -> StackSettings:
    """Every declared setting, validated at once before any resource is registered.

    A `pulumi.RunError` makes the CLI print the message alone, without a traceback.
    """
    config = pulumi.Config()
    values = {setting.key: _value(config, setting.key, setting.type) for setting in SETTINGS}
    # Keys of this project that Pulumi.yaml does not declare are refused (the CLI hands them to
    # the program all the same, and a typo would otherwise be ignored in silence).
    values.update({key: value for key, value in _project_values().items() if key not in values})
    location = pulumi.Config("azure-native").get("location")
    enforce = not skips_validation(os.environ)
    secret = [key for key in values if is_config_secret(f"{pulumi.get_project()}:{key}")]
    try:
        settings = load_settings(
            {key: value for key, value in values.items() if value is not None},
            location,
            enforce_sandboxing_rules=enforce,
            secret_keys=secret,
        )
    except SettingsError as error:
        stack_file = f"Pulumi.{pulumi.get_stack()}.yaml"
        raise pulumi.RunError(error.listing(stack_file, _keys_in(Path(stack_file)))) from None
    if not enforce:
        pulumi.log.warn(f"{SKIP_VALIDATION_ENV} is set: the sandboxing rules are not checked")
    # The pools' and the engine's warnings are the components' own (same judge): they log them,
    # once. The rest no component says (the guardrail turned off below 1.30): logged here.
    for warning in settings.program_warnings:
        pulumi.log.warn(warning)
    return settings


def _value(config: pulumi.Config, key: str, kind: str) -> object:
    """A setting's raw value: arrays and objects as `get_object` parses them (the CLI hands
    structured values over as JSON); text that is not JSON as it is, for the reader to report."""
    if kind not in ("array", "object"):
        return config.get(key)
    try:
        return config.get_object(key)
    except pulumi.ConfigTypeError:
        return config.get(key)


def _project_values() -> dict[str, object]:
    """Every config value of this project the program was given, by unqualified key: the config
    map the SDK reads (the stack's config, which the Python language host passes as
    `PULUMI_CONFIG` and pulumi-language-python-exec loads with `set_all_config`, as the
    Automation API and the mocks do)."""
    given = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{pulumi.get_project()}:"
    return {key[len(prefix) :]: value for key, value in given.items() if key.startswith(prefix)}


def _keys_in(stack_file: Path) -> list[str]:
    """The setting keys in the order the stack file sets them (the Pulumi CLI runs the program in
    the project's folder, beside it), unqualified for this project; none when it cannot be read
    (another stackConfigDir): the problems then keep the order they were read in."""
    try:
        document = yaml.safe_load(stack_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    config = document.get("config") if isinstance(document, dict) else None
    prefix = f"{pulumi.get_project()}:"
    return [
        key[len(prefix) :] if key.startswith(prefix) else key
        for key in (config if isinstance(config, dict) else {})
        if isinstance(key, str)
    ]
