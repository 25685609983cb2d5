"""The Azure resources a program creates under names it fixes: `pulumi up` stops on one that
exists already, so every report names them with their ARM ids and how to import them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from podsandbox.preview.records import RegisteredResource
from podsandbox.preview.report.values import show
from podsandbox.rules.judge import DEFAULT_EXISTING_CLUSTER_POOL, DEFAULT_NEW_CLUSTER_POOL
from podsandbox.stack import SETTINGS_BY_KEY

SUBSCRIPTION = "<subscription-id>"
HOW_TO_NAMES = frozenset(
    {
        str(SETTINGS_BY_KEY["resourceGroupName"].default),
        str(SETTINGS_BY_KEY["clusterName"].default),
        DEFAULT_NEW_CLUSTER_POOL,
        DEFAULT_EXISTING_CLUSTER_POOL,
    }
)
"""The names the az how-to creates (`myResourceGroup`, `myAKSCluster`, `nodepool1`, `nodepool2`),
which are also this project's defaults: a user who followed the how-to first already has them."""
FIXED_NAMES_NOTE = (
    "Azure resources created with fixed names: if one already exists, `pulumi up` stops with "
    '"cannot create already existing resource" (azure-native never adopts one). Import it '
    '(`pulumi import`, see docs/deploy.md, "Resources that already exist") or choose other names.'
)


@dataclass(frozen=True)
class FixedName:
    """An Azure resource the program creates under a name it fixes, and how to import it."""

    resource: RegisteredResource
    kind: str
    """"resource group", "AKS cluster" or "node pool"."""
    name: str
    azure_id: str
    """Its ARM id, with the subscription left as a placeholder."""

    @property
    def how_to_name(self) -> bool:
        return self.name in HOW_TO_NAMES

    @property
    def import_command(self) -> str:
        parent = f" --parent parent={self.resource.parent}" if self.resource.parent else ""
        return (
            f"pulumi import {self.resource.type} {self.resource.name} '{self.azure_id}'"
            f"{parent} --generate-code=false"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.resource.urn,
            "kind": self.kind,
            "name": self.name,
            "azureId": self.azure_id,
            "howToName": self.how_to_name,
            "importCommand": self.import_command,
        }


def fixed_name(resource: RegisteredResource) -> Optional[FixedName]:
    """The resource's fixed Azure name and id, for the resource kinds the program creates; None
    for any other resource, and for one left to auto-naming (no name input: Pulumi adds a
    random suffix, so it cannot collide)."""
    inputs = {key: show(value) for key, value in resource.inputs.items()}
    name_input = {
        "azure-native:resources:ResourceGroup": "resourceGroupName",
        "azure-native:containerservice:ManagedCluster": "resourceName",
        "azure-native:containerservice:AgentPool": "agentPoolName",
        "azure-native:resources:Resource": "resourceName",
    }.get(resource.type)
    if name_input is None or name_input not in inputs:
        return None
    group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{inputs.get('resourceGroupName')}"
    clusters = f"{group}/providers/Microsoft.ContainerService/managedClusters"
    if resource.type == "azure-native:resources:ResourceGroup":
        return FixedName(resource, "resource group", inputs["resourceGroupName"], group)
    if resource.type == "azure-native:containerservice:ManagedCluster":
        name = inputs["resourceName"]
        return FixedName(resource, "AKS cluster", name, f"{clusters}/{name}")
    if resource.type == "azure-native:containerservice:AgentPool":
        pool, cluster = inputs["agentPoolName"], inputs["resourceName"]
        return FixedName(resource, "node pool", pool, f"{clusters}/{cluster}/agentPools/{pool}")
    if resource.type == "azure-native:resources:Resource" and inputs.get("resourceType") in (
        "managedClusters",
        "agentPools",
    ):
        parent_path = inputs.get("parentResourcePath") or ""
        kind = "AKS cluster" if inputs["resourceType"] == "managedClusters" else "node pool"
        name = inputs["resourceName"]
        path = "/".join(part for part in (parent_path, inputs["resourceType"], name) if part)
        provider = f"{group}/providers/{inputs.get('resourceProviderNamespace')}"
        return FixedName(resource, kind, name, f"{provider}/{path}")
    return None
