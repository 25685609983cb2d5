"""Another team's program: a sandboxing pool with a size that cannot nest VMs, and workloads."""

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice

import config

existing = containerservice.get_managed_cluster_output(
    resource_group_name="team-rg", resource_name="team-aks"
)

pool = containerservice.AgentPool(
    "kata",
    resource_group_name="team-rg",
    resource_name_="team-aks",
    agent_pool_name="kata",
    mode="User",
    count=2,
    vm_size=config.POOL_VM_SIZE,
    os_type="Linux",
    os_sku="AzureLinux",
    workload_runtime="KataVmIsolation",
)

k8s.apps.v1.Deployment(
    "sandboxed-app",
    metadata={"name": "sandboxed-app", "namespace": "tenants"},
    spec={
        "selector": {"matchLabels": {"app": "sandboxed"}},
        "template": {
            "metadata": {"labels": {"app": "sandboxed"}},
            "spec": {
                "runtimeClassName": "kata-vm-isolation",
                "hostNetwork": True,
                "containers": [{"name": "app", "image": "nginx"}],
            },
        },
    },
)

pulumi.export("clusterVersion", existing.current_kubernetes_version)
