"""Pulumi component resources for AKS Pod Sandboxing, one per module."""

from components.demo_workloads import DemoWorkloads, DemoWorkloadsArgs
from components.preview_feature import PreviewFeatureRegistration, PreviewFeatureRegistrationArgs
from components.sandboxed_cluster import SandboxedCluster, SandboxedClusterArgs
from components.sandboxed_node_pool import SandboxedNodePool, SandboxedNodePoolArgs

__all__ = [
    "DemoWorkloads",
    "DemoWorkloadsArgs",
    "PreviewFeatureRegistration",
    "PreviewFeatureRegistrationArgs",
    "SandboxedCluster",
    "SandboxedClusterArgs",
    "SandboxedNodePool",
    "SandboxedNodePoolArgs",
]
