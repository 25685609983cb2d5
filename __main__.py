"""AKS Pod Sandboxing: a sandboxing-enabled AKS cluster, or a sandboxing pool on an existing one."""

from typing import Union, cast

import pulumi

from config import read_stack_settings
from podsandbox.components import (
    SandboxedCluster,
    SandboxedClusterArgs,
    SandboxedNodePool,
    SandboxedNodePoolArgs,
    SandboxPoolArgs,
    kubernetes_provider,
)
from podsandbox.components.agent_pool import set_pool_options
from podsandbox.components.demo_workloads import DemoWorkloads, DemoWorkloadsArgs
from podsandbox.components.node_provisioning import (
    SandboxNodeProvisioning,
    node_provisioning_args,
)
from podsandbox.components.sandbox_guardrail import SandboxGuardrail, SandboxGuardrailArgs
from podsandbox.guardrail import plan as guardrail
from podsandbox.rules.sizing import node_capacity, sandbox_size, uniform_pod

settings = read_stack_settings()
runtime = settings.runtime

# The legacy runtime's subscription feature is read (never created) by the components themselves.
options = pulumi.ResourceOptions(protect=settings.protect)
extra_pools = [
    SandboxPoolArgs(name=pool.name, vm_size=pool.vm_size, node_count=pool.count)
    for pool in settings.extra_pools
]
for pool_inputs, pool in zip(extra_pools, settings.extra_pools, strict=True):
    set_pool_options(pool_inputs, pool.options)

target: Union[SandboxedCluster, SandboxedNodePool]
if settings.is_new_cluster:
    assert settings.location is not None  # the settings reader requires it in new-cluster mode
    cluster_args = SandboxedClusterArgs(
        resource_group_name=settings.resource_group_name,
        create_resource_group=settings.create_resource_group,
        location=settings.location,
        cluster_name=settings.cluster_name,
        node_pool_name=settings.node_pool_name,
        vm_size=settings.node_vm_size,
        node_count=settings.node_count,
        os_sku=settings.os_sku,
        workload_runtime=runtime.workload_runtime,
        extra_pools=extra_pools,
    )
    set_pool_options(cluster_args, settings.node_options)
    if settings.network_policy is not None:
        cluster_args["network_policy"] = settings.network_policy.name
    if settings.kubernetes_version is not None:
        cluster_args["kubernetes_version"] = settings.kubernetes_version
    if settings.ssh_public_key is not None:
        cluster_args["ssh_public_key"] = settings.ssh_public_key
    target = SandboxedCluster("sandbox", cluster_args, options)
    if settings.ssh_public_key is None:
        pulumi.export("sshPrivateKey", target.ssh_private_key)
else:
    pool_args = SandboxedNodePoolArgs(
        resource_group_name=settings.resource_group_name,
        cluster_name=settings.cluster_name,
        node_pool_name=settings.node_pool_name,
        vm_size=settings.node_vm_size,
        node_count=settings.node_count,
        os_sku=settings.os_sku,
        workload_runtime=runtime.workload_runtime,
        extra_pools=extra_pools,
        kubelogin_mode=settings.kubelogin_mode,
    )
    set_pool_options(pool_args, settings.node_options)
    if settings.kubernetes_version is not None:
        pool_args["kubernetes_version"] = settings.kubernetes_version
    target = SandboxedNodePool("sandbox", pool_args, options)
# What the stack puts into a cluster it creates dies with that cluster (deleted_with), and the
# cluster's Kubernetes provider (a child of the cluster or pool component) is replaced with it.
dies_with = target.cluster if isinstance(target, SandboxedCluster) else None
provider = kubernetes_provider("sandbox-k8s", target.kubeconfig, target, dies_with)

pulumi.export("resourceGroupName", target.resource_group_name)
pulumi.export("clusterName", target.cluster_name)
pulumi.export("nodePoolName", settings.node_pool_name)
pulumi.export("sandboxPools", [pool.name for pool in settings.pools])
pulumi.export("workloadRuntime", runtime.workload_runtime)
pulumi.export("runtimeClassName", runtime.runtime_class_name)
pulumi.export("kubeconfig", target.kubeconfig)

if settings.guardrail.enabled:
    guardrail_args = SandboxGuardrailArgs(
        policy_name=guardrail.policy_name(pulumi.get_project(), pulumi.get_stack()),
        workload_runtime=runtime.workload_runtime,
        untrusted_namespaces=[settings.untrusted_namespace],
        enforcement=settings.guardrail.enforcement,
    )
    if isinstance(target, SandboxedNodePool):  # an existing cluster: its version is read
        version = cast(pulumi.Output[str], target.cluster_kubernetes_version)  # None: not read
        guardrail_args["cluster_kubernetes_version"] = version
    on_the_cluster = pulumi.ResourceOptions(
        providers=[provider], depends_on=[target], deleted_with=dies_with
    )
    policy = SandboxGuardrail("guardrail", guardrail_args, on_the_cluster)
    pulumi.export("guardrailPolicy", policy.policy_name)

if settings.karpenter is not None:
    # Karpenter (already running on the cluster) provisions Kata nodes as pods need them.
    karpenter_args = node_provisioning_args(
        guardrail.policy_name(pulumi.get_project(), pulumi.get_stack()), settings.karpenter.values
    )
    if isinstance(target, SandboxedNodePool):  # an existing cluster (always): its version is read
        version = cast(pulumi.Output[str], target.cluster_kubernetes_version)  # None: not read
        karpenter_args["cluster_kubernetes_version"] = version
    node_provisioning = SandboxNodeProvisioning(
        "karpenter",
        karpenter_args,
        pulumi.ResourceOptions(providers=[provider], depends_on=[target], deleted_with=dies_with),
    )
    pulumi.export("karpenterNodePool", node_provisioning.node_pool_name)

if settings.demo:
    # On an existing cluster the pods also wait until its sandboxing RuntimeClass is known to exist.
    waits_for: list[pulumi.Input[pulumi.Resource]] = [target]
    if isinstance(target, SandboxedNodePool):
        waits_for.append(target.runtime_class_ready)
    demo = DemoWorkloads(
        "demo",
        DemoWorkloadsArgs(
            runtime=runtime,
            cpu_limit=settings.demo_cpu_limit,
            memory_limit=settings.demo_memory_limit,
            untrusted_namespace=settings.untrusted_namespace,
            pool_name=settings.demo_pool,
            tolerations=tuple(settings.demo_tolerations),
        ),
        pulumi.ResourceOptions(providers=[provider], depends_on=waits_for, deleted_with=dies_with),
    )
    sandbox = sandbox_size(
        uniform_pod(settings.demo_cpu_limit, settings.demo_memory_limit), runtime
    )
    pulumi.export("untrustedPod", demo.untrusted_pod)
    pulumi.export("untrustedSandbox", sandbox.to_dict())
    pulumi.export("sandboxCapacityPerNode", node_capacity(settings.demo_vm_size, sandbox).to_dict())
    # Each pool's capacity for the demo pod's sandbox, at its fewest and most nodes (a System
    # pool kept to system pods runs none).
    pulumi.export(
        "sandboxCapacity",
        {
            pool.name: pool.options.capacity(pool.vm_size, pool.count, sandbox).to_dict()
            for pool in settings.pools
            if not pool.options.system_pods_only
        },
    )
