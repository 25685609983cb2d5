"""Reads the stack's settings from Pulumi config and stops the program cleanly on bad input."""

from __future__ import annotations

import os

import pulumi

from podsandbox.rules.judge import SKIP_VALIDATION_ENV, skips_validation
from podsandbox.stack import SETTINGS, SettingsError, StackSettings, load_settings


def read_stack_settings() -> StackSettings:
    """Every declared setting, validated at once before any resource is registered.

    A `pulumi.RunError` makes the CLI print the message alone, without a traceback.
    """
    config = pulumi.Config()
    values = {setting.key: _value(config, setting.key, setting.type) for setting in SETTINGS}
    location = pulumi.Config("azure-native").get("location")
    enforce = not skips_validation(os.environ)
    try:
        settings = load_settings(
            {key: value for key, value in values.items() if value is not None},
            location,
            enforce_sandboxing_rules=enforce,
        )
    except SettingsError as error:
        raise pulumi.RunError(str(error)) from None
    if not enforce:
        pulumi.log.warn(f"{SKIP_VALIDATION_ENV} is set: the sandboxing rules are not checked")
    # settings.warnings are the components' own (same judge): they log them, once.
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
