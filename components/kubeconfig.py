"""The cluster-user kubeconfig of an AKS cluster, and a Kubernetes provider that uses it.

Shared by `SandboxedCluster` and `SandboxedNodePool`; not a component itself.
"""

from __future__ import annotations

import base64

import pulumi
from pulumi_azure_native import containerservice
from pulumi_kubernetes.provider import Provider


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
) -> pulumi.Output[str]:
    """The cluster-user kubeconfig (like `az aks get-credentials`), always a secret."""
    credentials = containerservice.list_managed_cluster_user_credentials_output(
        resource_group_name=resource_group_name,
        resource_name=cluster_name,
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    return pulumi.Output.secret(credentials.apply(_first_kubeconfig))


def kubernetes_provider(
    name: str, kubeconfig: pulumi.Input[str], parent: pulumi.Resource
) -> Provider:
    """A `pulumi_kubernetes` provider for later components (e.g. the demo pods)."""
    return Provider(name, kubeconfig=kubeconfig, opts=pulumi.ResourceOptions(parent=parent))
