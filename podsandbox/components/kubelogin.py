"""A cluster-user kubeconfig of an AKS cluster with Microsoft Entra ID, made non-interactive.

AKS hands out (with `format=exec`) a kubeconfig whose user runs `kubelogin get-token --login
devicecode ...`: a person must type a code, which `pulumi preview` in a workflow cannot do. This
rewrites the user's arguments as `kubelogin convert-kubeconfig -l <mode>` does (Azure/kubelogin
`pkg/internal/converter/convert.go`): every mode keeps `--server-id` (the AKS AAD server
application), `spn` also keeps `--client-id`, `--tenant-id` and `--environment`; the credentials
come from the environment at run time. Pure: no Pulumi, so it is tested as plain Python.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import yaml

from podsandbox.rules import aks

KUBELOGIN = "kubelogin"
_KEPT_BY_SPN = ("--client-id", "--tenant-id", "--environment")


class KubeconfigError(ValueError):
    """The kubeconfig AKS returned cannot be made non-interactive."""


def _flags(arguments: list[str]) -> dict[str, str]:
    """`--name value` pairs of a kubelogin command line."""
    return {
        flag: value
        for flag, value in pairwise(arguments)
        if flag.startswith("--") and not value.startswith("--")
    }


def _converted(arguments: list[str], mode: str) -> list[str]:
    flags = _flags(arguments)
    server_id = flags.get("--server-id")
    if not server_id:
        raise KubeconfigError("its kubelogin user has no --server-id, which every login mode needs")
    converted = ["get-token", "--login", mode, "--server-id", server_id]
    if mode == "spn":
        for flag in _KEPT_BY_SPN:
            if flag in flags:
                converted += [flag, flags[flag]]
    return converted


def non_interactive(kubeconfig: str, mode: str) -> str:
    """The kubeconfig with every kubelogin user signing in with `mode` instead of a device code.

    Raises `KubeconfigError` when it has no kubelogin user (so it would not sign in with Entra
    ID at all) or when `mode` is not one of `aks.KUBELOGIN_MODES`.
    """
    if mode not in aks.KUBELOGIN_MODES:
        raise KubeconfigError(
            f"{mode!r} is not a login mode: use one of {', '.join(aks.KUBELOGIN_MODES)}"
        )
    document: Any = yaml.safe_load(kubeconfig)
    users = document.get("users") if isinstance(document, dict) else None
    converted = 0
    for user in users or []:
        exec_config = (user.get("user") or {}).get("exec") if isinstance(user, dict) else None
        if not isinstance(exec_config, dict):
            continue
        command = str(exec_config.get("command") or "")
        arguments = [str(argument) for argument in exec_config.get("args") or []]
        if command.rsplit("/", 1)[-1] != KUBELOGIN or arguments[:1] != ["get-token"]:
            continue
        exec_config["args"] = _converted(arguments, mode)
        converted += 1
    if not converted:
        raise KubeconfigError("it has no kubelogin user, so it cannot sign in with Entra ID")
    return yaml.safe_dump(document, sort_keys=False)
