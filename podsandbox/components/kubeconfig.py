"""The cluster-user kubeconfig of an AKS cluster, a Kubernetes provider that uses it, and the
caller's ordering for the reads a component makes. Shared by the components; not a component."""

import base64
from collections.abc import Sequence
from typing import Optional

import pulumi
from pulumi_azure_native import containerservice
from pulumi_kubernetes.provider import Provider


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
) -> pulumi.Output[str]:
    """The cluster-user kubeconfig (like `az aks get-credentials`), always a secret."""
    credentials = containerservice.list_managed_cluster_user_credentials_output(
        resource_group_name=resource_group_name,
        resource_name=cluster_name,
        opts=pulumi.InvokeOutputOptions(parent=parent, depends_on=list(depends_on)),
    )
    return pulumi.Output.secret(credentials.apply(_first_kubeconfig))


def kubernetes_provider(
    name: str, kubeconfig: pulumi.Input[str], parent: pulumi.Resource
) -> Provider:
    """A `pulumi_kubernetes` provider for the cluster, for the workloads a program puts on it."""
    return Provider(name, kubeconfig=kubeconfig, opts=pulumi.ResourceOptions(parent=parent))
