"""The cluster-user kubeconfig of an AKS cluster, a Kubernetes provider that uses it, and the
caller's ordering for the reads a component makes. Shared by the components; not a component."""

import base64
from collections.abc import Callable, Sequence
from typing import Any, Optional, cast

import pulumi
from pulumi_azure_native import containerservice
from pulumi_kubernetes.provider import Provider

from podsandbox.components.kubelogin import KubeconfigError, non_interactive


def waits_for_version(
    opts: Optional[pulumi.ResourceOptions],
    version: Optional[pulumi.Input[str]],
    problem_of: Callable[[Optional[str]], Optional[str]],
) -> list[pulumi.Input[pulumi.Resource]]:
    """What a component's children wait for: the caller's `depends_on` and, when the cluster's
    version is given (read at deploy time), a gate that stops the deployment with `problem_of`'s
    message (a RunError: no traceback) before any child is created."""
    waits_for = depends_on_of(opts)
    if version is not None:

        def fits(text: Optional[str]) -> None:
            problem = problem_of(text)
            if problem is not None:
                raise pulumi.RunError(problem)

        gate = pulumi.Output.from_input(version).apply(fits)
        waits_for.append(cast(pulumi.Output[pulumi.Resource], gate))
    return waits_for


def depends_on_of(opts: Optional[pulumi.ResourceOptions]) -> list[pulumi.Input[pulumi.Resource]]:
    """The caller's `depends_on`, as a list.

    Pulumi does not pass a component's `depends_on` on to its children or to its invokes
    (pulumi/pulumi #24436 for invokes), so a component hands it to each child and read itself.
    """
    given = opts.depends_on if opts is not None else None
    if given is None:
        return []
    if isinstance(given, pulumi.Resource):
        return [given]
    if isinstance(given, Sequence):
        return list(given)
    raise TypeError(
        "depends_on of a sandboxing component must be a resource or a list of resources, "
        f"not {type(given).__name__}"
    )


def _first_kubeconfig(
    credentials: containerservice.ListManagedClusterUserCredentialsResult,
) -> str:
    configs = credentials.kubeconfigs or []
    if not configs or not configs[0].value:
        raise pulumi.RunError("AKS returned no user kubeconfig for the cluster")
    return base64.b64decode(configs[0].value).decode("utf-8")


def user_kubeconfig(
    resource_group_name: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Input[pulumi.Resource]] = (),
    entra_login: Optional[pulumi.Output[Optional[str]]] = None,
) -> pulumi.Output[str]:
    """The cluster-user kubeconfig (like `az aks get-credentials`), always a secret.

    `entra_login` is the kubelogin login mode for a cluster with Microsoft Entra ID (None for
    one with local accounts): its kubeconfig is asked for in the `exec` format and made
    non-interactive, so that the Kubernetes provider can use it in a workflow.
    """
    login = entra_login if entra_login is not None else pulumi.Output.from_input(None)
    credentials = containerservice.list_managed_cluster_user_credentials_output(
        resource_group_name=resource_group_name,
        resource_name=cluster_name,
        format=login.apply(lambda mode: "exec" if mode else None),
        opts=pulumi.InvokeOutputOptions(parent=parent, depends_on=list(depends_on)),
    )

    def usable(values: list[Any]) -> str:
        kubeconfig, mode = _first_kubeconfig(values[0]), values[1]
        if not mode:
            return kubeconfig
        try:
            return non_interactive(kubeconfig, mode)
        except KubeconfigError as error:
            raise pulumi.RunError(
                f"the kubeconfig AKS returned for the cluster cannot be used without a person: "
                f"{error}"
            ) from None

    return pulumi.Output.secret(pulumi.Output.all(credentials, login).apply(usable))


def kubernetes_provider(
    name: str,
    kubeconfig: pulumi.Input[str],
    parent: pulumi.Resource,
    deleted_with: Optional[pulumi.Resource] = None,
) -> Provider:
    """A `pulumi_kubernetes` provider for the cluster, for the workloads a program puts on it.

    When `kubeconfig` is an output of a cluster this stack creates (`SandboxedCluster`), the
    provider is replaced with the cluster, and so is every object it manages: the engine marks
    the kubeconfig unknown, pulumi-kubernetes' `DiffConfig` replaces a provider whose kubeconfig
    is unknown (`provider/pkg/provider/provider.go`), and a resource whose provider is replaced is
    replaced (pulumi/pulumi `calculateDependentReplacements`). `deleted_with` names that cluster.
    """
    return Provider(
        name,
        kubeconfig=kubeconfig,
        opts=pulumi.ResourceOptions(parent=parent, deleted_with=deleted_with),
    )
