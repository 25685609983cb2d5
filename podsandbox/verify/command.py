"""`python -m podsandbox verify`: find the cluster and the expectations, run the proof, report."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import yaml
from kubernetes import config as kubeconfig
from kubernetes.client import ApiClient
from kubernetes.config.config_exception import ConfigException

from podsandbox import default_project_dir
from podsandbox.exit_codes import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION
from podsandbox.guardrail.plan import policy_name
from podsandbox.rules.workloads import DEFAULT_UNTRUSTED_NAMESPACE
from podsandbox.stack import (
    SettingsError,
    StackSettings,
    load_settings,
    unqualified,
)
from podsandbox.stack.files import ProjectError, load_stack_config
from podsandbox.verify.api_errors import ClusterUnreachableError
from podsandbox.verify.guardrail import GuardrailExpectation
from podsandbox.verify.isolation import Target, report_json, verify


class UsageError(Exception):
    """Something to fix before verifying: exit 2 with the message."""


def run_verify(args: argparse.Namespace) -> int:
    try:
        clients, target = _connect(args)
        poll_interval = min(2.0, max(args.timeout / 20, 0.05))
        report = verify(clients[0], clients[1], target, args.timeout, poll_interval)
    except (UsageError, ClusterUnreachableError) as error:
        print(f"error: {error}", file=sys.stderr)
        if args.format == "json":  # a script reading stdout gets JSON whatever happened
            print(json.dumps({"isolated": None, "error": str(error)}, indent=2))
        return EXIT_USAGE
    print(report_json(report) if args.format == "json" else report.to_text())
    return EXIT_OK if report.ok else EXIT_VIOLATION


def _connect(args: argparse.Namespace) -> tuple[tuple[ApiClient, ApiClient], Target]:
    """Two API clients (one only for exec) and what to expect, from the stack or a kubeconfig."""
    namespace: Optional[str] = args.namespace
    runtime = None
    guardrail = None
    if args.stack:
        project, settings = stack_settings(args.stack)
        runtime = settings.runtime
        namespace = namespace or settings.untrusted_namespace
        guardrail = GuardrailExpectation(settings.guardrail, policy_name(project, args.stack))
        document = yaml.safe_load(_stack_kubeconfig(args.stack))
        clients = (_client_from_dict(document), _client_from_dict(document))
    else:
        path = args.kubeconfig
        clients = (client_from_file(path), client_from_file(path))
    target = Target(
        untrusted_namespace=namespace or DEFAULT_UNTRUSTED_NAMESPACE,
        trusted_namespace=args.trusted_namespace,
        runtime=runtime,
        guardrail=guardrail,
    )
    return clients, target


def stack_settings(stack: str) -> tuple[str, StackSettings]:
    """The stack's project name (which names its guardrail policy) and settings."""
    try:
        stack_config = load_stack_config(default_project_dir(), stack)
        values = unqualified(stack_config.config, stack_config.project)
        location = stack_config.config.get("azure-native:location")
        return stack_config.project, load_settings(values, location)
    except (ProjectError, SettingsError) as error:
        raise UsageError(str(error)) from None


def stack_client(stack: str) -> ApiClient:
    """An API client from the stack's `kubeconfig` output (read with the Pulumi CLI)."""
    return _client_from_dict(yaml.safe_load(_stack_kubeconfig(stack)))


def _stack_kubeconfig(stack: str) -> str:
    command = ["pulumi", "stack", "output", "kubeconfig", "--show-secrets", "--stack", stack]
    try:
        result = subprocess.run(
            command,
            cwd=default_project_dir(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except FileNotFoundError:
        raise UsageError(
            "reading the stack's kubeconfig needs the Pulumi CLI (`pulumi stack output "
            "kubeconfig`); without it, pass --kubeconfig PATH"
        ) from None
    if result.returncode != 0:
        raise UsageError(
            f"`{' '.join(command)}` failed: {result.stderr.strip() or result.stdout.strip()}"
        )
    return result.stdout


def client_from_file(path: Optional[Path]) -> ApiClient:
    missing = _missing_kubeconfig(path)
    if missing is not None:
        raise UsageError(missing)
    try:
        return kubeconfig.new_client_from_config(config_file=str(path) if path else None)
    except (ConfigException, OSError, yaml.YAMLError) as error:
        where = path or "the default kubeconfig ($KUBECONFIG or ~/.kube/config)"
        raise UsageError(f"cannot load {where}: {error}") from None


def _client_from_dict(document: Any) -> ApiClient:
    try:
        return kubeconfig.new_client_from_config_dict(document)
    except (ConfigException, TypeError, AttributeError) as error:
        raise UsageError(f"the stack's kubeconfig output is not a kubeconfig: {error}") from None


def _missing_kubeconfig(path: Optional[Path]) -> Optional[str]:
    """Why there is no kubeconfig to read, or None when there is a file to try."""
    fix = "pass --kubeconfig PATH, or get one with `az aks get-credentials`"
    if path is not None:
        return None if path.is_file() else f"no kubeconfig at {path} (no such file): {fix}"
    variable = os.environ.get("KUBECONFIG")
    if variable:  # the client reads every file of the list that exists
        paths = [Path(part).expanduser() for part in variable.split(os.pathsep) if part]
        if any(candidate.is_file() for candidate in paths):
            return None
        return f"no kubeconfig: none of $KUBECONFIG ({variable}) exists: {fix}"
    default = Path("~/.kube/config").expanduser()
    if default.is_file():
        return None
    return f"no kubeconfig: $KUBECONFIG is not set and {default} does not exist: {fix}"
