"""Another team's program: SandboxedNodePool alone, with the installed podsandbox package."""

import pulumi

from podsandbox.components import SandboxedNodePool

config = pulumi.Config()
pool = SandboxedNodePool(
    "kata",
    {
        "resource_group_name": "team-rg",
        "cluster_name": "team-aks",
        "vm_size": config.get("poolVmSize") or "Standard_D8s_v5",
        "os_sku": config.get("poolOsSku") or "AzureLinux",
    },
)
pulumi.export("runtimeClassName", pool.runtime_class_name)
