"""AKS Pod Sandboxing: a sandboxing-enabled AKS cluster, or a sandboxing pool on an existing one."""

from typing import Union

import pulumi

from components import (
    DemoWorkloads,
    DemoWorkloadsArgs,
    PreviewFeatureRegistration,
    PreviewFeatureRegistrationArgs,
    SandboxedCluster,
    SandboxedClusterArgs,
    SandboxedNodePool,
    SandboxedNodePoolArgs,
)
from config import read_stack_settings
from podsandbox.rules.sizing import node_capacity, sandbox_size, uniform_pod
from podsandbox.rules.stack_settings import dns_prefix

settings = read_stack_settings()
runtime = settings.runtime

wait_for: list[pulumi.Resource] = []
if runtime.feature_flag is not None:
    wait_for.append(
        PreviewFeatureRegistration("kata-preview", PreviewFeatureRegistrationArgs(runtime=runtime))
    )

target: Union[SandboxedCluster, SandboxedNodePool]
if settings.is_new_cluster:
    assert settings.location is not None  # load_settings requires it in new-cluster mode
    target = SandboxedCluster(
        "sandbox",
        SandboxedClusterArgs(
            resource_group_name=settings.resource_group_name,
            create_resource_group=settings.create_resource_group,
            location=settings.location,
            cluster_name=settings.cluster_name,
            dns_prefix=dns_prefix(settings.cluster_name),
            runtime=runtime,
            node_pool_name=settings.node_pool_name,
            node_vm_size=settings.node_vm_size,
            node_count=settings.node_count,
            os_sku=settings.os_sku,
            kubernetes_version=settings.kubernetes_version,
            ssh_public_key=settings.ssh_public_key,
            protect=settings.protect,
            extra_pools=settings.extra_pools,
            wait_for=wait_for,
        ),
    )
    if target.ssh_private_key is not None:
        pulumi.export("sshPrivateKey", target.ssh_private_key)
else:
    target = SandboxedNodePool(
        "sandbox",
        SandboxedNodePoolArgs(
            resource_group_name=settings.resource_group_name,
            cluster_name=settings.cluster_name,
            runtime=runtime,
            node_pool_name=settings.node_pool_name,
            node_vm_size=settings.node_vm_size,
            node_count=settings.node_count,
            os_sku=settings.os_sku,
            kubernetes_version=settings.kubernetes_version,
            protect=settings.protect,
            extra_pools=settings.extra_pools,
            wait_for=wait_for,
        ),
    )

pulumi.export("resourceGroupName", target.resource_group_name)
pulumi.export("clusterName", target.cluster_name)
pulumi.export("nodePoolName", settings.node_pool_name)
pulumi.export("sandboxPools", [pool.name for pool in settings.pools])
pulumi.export("workloadRuntime", runtime.workload_runtime)
pulumi.export("runtimeClassName", runtime.runtime_class_name)
pulumi.export("kubeconfig", target.kubeconfig)

if settings.demo:
    demo = DemoWorkloads(
        "demo",
        DemoWorkloadsArgs(
            provider=target.provider,
            runtime=runtime,
            cpu_limit=settings.demo_cpu_limit,
            memory_limit=settings.demo_memory_limit,
            untrusted_namespace=settings.untrusted_namespace,
            pool_name=settings.demo_pool,
            wait_for=[target],
        ),
    )
    sandbox = sandbox_size(
        uniform_pod(settings.demo_cpu_limit, settings.demo_memory_limit), runtime
    )
    pulumi.export("untrustedPod", demo.untrusted_pod)
    pulumi.export("untrustedSandbox", sandbox.to_dict())
    pulumi.export("sandboxCapacityPerNode", node_capacity(settings.demo_vm_size, sandbox).to_dict())
