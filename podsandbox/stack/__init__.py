"""The stack: its settings (declared once in `declarations`, read and validated by `load`) and
its project and stack files (`files`). Pure: no Pulumi. Used by the program (`config.py`), the
offline preview, `verify` and the benchmarks; never by the components or the policy pack, which
take their inputs from their callers.

The names below are the settings' public surface; the modules are internal.
"""

from podsandbox.rules.judge import Problem
from podsandbox.stack.declarations import (
    DEFAULT_EXISTING_CLUSTER_POOL,
    DEFAULT_NEW_CLUSTER_POOL,
    EXISTING_CLUSTER,
    LOCATION_KEY,
    MODES,
    NEW_CLUSTER,
    PROJECT,
    SETTINGS,
    SETTINGS_BY_KEY,
    Setting,
)
from podsandbox.stack.load import load_settings
from podsandbox.stack.reader import config_key, unqualified
from podsandbox.stack.settings import KarpenterSettings, PoolSpec, SettingsError, StackSettings

__all__ = [
    "DEFAULT_EXISTING_CLUSTER_POOL",
    "DEFAULT_NEW_CLUSTER_POOL",
    "EXISTING_CLUSTER",
    "LOCATION_KEY",
    "MODES",
    "NEW_CLUSTER",
    "PROJECT",
    "SETTINGS",
    "SETTINGS_BY_KEY",
    "KarpenterSettings",
    "PoolSpec",
    "Problem",
    "Setting",
    "SettingsError",
    "StackSettings",
    "config_key",
    "load_settings",
    "unqualified",
]
