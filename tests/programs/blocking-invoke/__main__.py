"""A program that needs an invoke's result at once (a plain invoke), which offline cannot give."""

from pulumi_azure_native import containerservice

cluster = containerservice.get_managed_cluster(resource_group_name="rg", resource_name="aks")
print(cluster.kubernetes_version)
