"""A sandboxing pool whose VM size is another resource's output: unknown to any preview."""

from pulumi_azure_native import containerservice, resources

group = resources.ResourceGroup("rg")
containerservice.AgentPool(
    "kata",
    resource_group_name="rg",
    resource_name_="aks",
    agent_pool_name="kata",
    os_sku="AzureLinux",
    workload_runtime="KataVmIsolation",
    vm_size=group.name.apply(lambda _: "Standard_D4s_v3"),  # known only after deployment
)
