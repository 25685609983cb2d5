"""The pack's identity and the metadata its policies share: name, version, docs and tags.

Kept apart from the policies so that the bundle's PulumiPolicy.yaml, the offline preview and each
family of policies read one copy of them; a policy's URL must be one of the docs named here.
"""

from __future__ import annotations

PACK_NAME = "aks-pod-sandboxing"
PACK_VERSION = "0.2.0"
"""The pack's version (policy/PulumiPolicy.yaml): Pulumi Cloud refuses to publish one twice."""
PACK_DESCRIPTION = (
    "What Azure requires of an AKS Pod Sandboxing node pool and what a sandboxed pod may do."
)
AKS_DOC = "https://learn.microsoft.com/azure/aks/use-pod-sandboxing"
"""Pod Sandboxing with AKS: requirements (OS SKU, VM sizes, versions) and limitations."""
KATA_LIMITATIONS = (
    "https://github.com/kata-containers/kata-containers/blob/main/docs/Limitations.md"
)
"""How Kata Containers treats host namespaces, privileged containers, hostPath and subPath."""
RUNTIME_CLASS_DOC = "https://kubernetes.io/docs/concepts/containers/runtime-class/"
"""Kubernetes RuntimeClass: how a pod opts into a sandboxing runtime."""
ADMISSION_POLICY_DOC = (
    "https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/"
)
"""Kubernetes ValidatingAdmissionPolicy: rules the API server enforces on every request."""
KARPENTER_DOC = "https://github.com/Azure/karpenter-provider-azure/pull/1721"
"""The Karpenter provider for Azure pull request that adds `workloadRuntime: KataVmIsolation` to
its AKSNodeClass."""
POOL_TAGS = ["aks", "pod-sandboxing", "node-pool"]
WORKLOAD_TAGS = ["aks", "pod-sandboxing", "kata", "workload"]
STACK_TAGS = ["aks", "pod-sandboxing", "stack"]
KARPENTER_TAGS = ["aks", "pod-sandboxing", "karpenter"]
