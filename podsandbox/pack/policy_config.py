"""The config the pack's policies take: its keys, their schemas, and how a policy reads them.

Several families read the same keys (the untrusted namespaces, the extra sandboxing
RuntimeClasses), so their schemas and defaults live once, here. A policy sees only its own config
(the CLI's `all` key sets enforcement levels only), so each policy that needs a key declares it.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyConfigSchema

from podsandbox.rules import aks, workloads

ALLOWED_VM_SIZES = "allowedVmSizes"
UNTRUSTED_NAMESPACES = "untrustedNamespaces"
DEFAULT_UNTRUSTED_NAMESPACES = [workloads.DEFAULT_UNTRUSTED_NAMESPACE]
SANDBOXING_RUNTIME_CLASSES = "sandboxingRuntimeClasses"
"""Config of every workload policy: sandboxing RuntimeClasses besides AKS's, by name, with the
workloadRuntime of the nodes they schedule onto. A policy sees only its own config (the CLI's
`all` key sets enforcement levels only), so a team sets it on each workload policy."""


def configured_classes(config: Any) -> dict[str, aks.RuntimeGeneration]:
    """The sandboxing RuntimeClasses a policy's config names, besides AKS's."""
    return workloads.configured_classes(config.get(SANDBOXING_RUNTIME_CLASSES))


def configured_untrusted(config: Any) -> list[str]:
    """The namespaces a policy's config calls untrusted (the default's when it names none)."""
    return list(config.get(UNTRUSTED_NAMESPACES, DEFAULT_UNTRUSTED_NAMESPACES))


def _runtime_classes() -> dict[str, Any]:
    """The schema of `sandboxingRuntimeClasses`."""
    return {
        "type": "object",
        "additionalProperties": {
            "type": "string",
            "enum": [runtime.workload_runtime for runtime in aks.RUNTIMES.values()],
        },
        "default": {},
        "description": "Sandboxing RuntimeClasses besides AKS's own, by name, with the "
        'workloadRuntime of the nodes they schedule onto, e.g. {"kata-dedicated": '
        '"KataVmIsolation"}. A class the stack itself declares with a Kata handler and a '
        "sandboxing node label needs no entry.",
    }


def array_of_strings(default: list[str], description: str) -> dict[str, Any]:
    """The schema of a config key that takes a list of names."""
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": default,
        "description": description,
    }


def untrusted_namespaces() -> dict[str, Any]:
    """The schema of `untrustedNamespaces`."""
    return array_of_strings(
        DEFAULT_UNTRUSTED_NAMESPACES, "Namespaces whose workloads must be sandboxed."
    )


WORKLOAD_CONFIG = PolicyConfigSchema(properties={SANDBOXING_RUNTIME_CLASSES: _runtime_classes()})
"""The config every workload policy takes."""

UNTRUSTED_WORKLOAD_CONFIG = PolicyConfigSchema(
    properties={
        UNTRUSTED_NAMESPACES: untrusted_namespaces(),
        SANDBOXING_RUNTIME_CLASSES: _runtime_classes(),
    }
)
"""The config of the policies that judge untrusted namespaces' workloads."""
