"""The AKS Pod Sandboxing policy pack: its policies, importable without starting the pack's server.

`policy/__main__.py` builds the pack from `POLICIES`; the offline preview evaluates them; the
bundle (`podsandbox policy bundle`, `bundle.py`) ships this package with the modules it imports.

The policies live by family, each next to its validation: `pools` (what Azure requires of a
sandboxing pool), `workloads` (what a sandboxed pod may do), `namespaces` (workloads in untrusted
namespaces, and where a workload lands), `runtime_classes` (classes other than AKS's), `guardrail`
(the in-cluster guardrail advice), `karpenter` (Karpenter's Kata node classes and pools) and
`scheduling` (whether sandboxed pods have a pool). `metadata` and `policy_config` hold what they
share.

Every check comes from the rules package (`podsandbox.rules.policy_checks`, over
`podsandbox.rules.aks`, `podsandbox.rules.vmsizes`, ...), the same one the Pulumi program and its
components validate with: no table is copied here. The pack's environment installs that package
(see requirements.txt); `python -m podsandbox policy bundle DIR` copies it in for publishing.
"""

from __future__ import annotations

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from podsandbox.pack import (
    declared_types,
    guardrail,
    karpenter,
    namespaces,
    pools,
    runtime_classes,
    scheduling,
    workloads,
)
from podsandbox.pack.metadata import (
    ADMISSION_POLICY_DOC,
    AKS_DOC,
    KARPENTER_DOC,
    KATA_LIMITATIONS,
    PACK_DESCRIPTION,
    PACK_NAME,
    PACK_VERSION,
    RUNTIME_CLASS_DOC,
)

__all__ = [
    "ADMISSION_POLICY_DOC",
    "AKS_DOC",
    "KARPENTER_DOC",
    "KATA_LIMITATIONS",
    "PACK_DESCRIPTION",
    "PACK_NAME",
    "PACK_VERSION",
    "POLICIES",
    "RUNTIME_CLASS_DOC",
]

POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    pools.SANDBOX_POOL_OS,
    pools.SANDBOX_POOL_VM_SIZE,
    pools.SANDBOX_POOL_KUBERNETES_VERSION,
    pools.SANDBOX_POOL_LEGACY_RUNTIME,
    pools.SANDBOX_POOL_OS_SKU_UNVERIFIED,
    pools.SANDBOX_POOL_NO_FIPS,
    pools.SANDBOX_POOL_READABLE,
    workloads.SANDBOXED_POD_NO_HOST_NETWORK,
    workloads.SANDBOXED_POD_MEMORY_LIMIT,
    workloads.SANDBOXED_POD_CPU_LIMIT,
    workloads.SANDBOXED_POD_HOST_FEATURES,
    namespaces.UNTRUSTED_NAMESPACE_SANDBOXED,
    namespaces.LABELLED_NAMESPACE_SANDBOXED,
    namespaces.UNTRUSTED_NAMESPACE_PATCH,
    runtime_classes.CUSTOM_RUNTIME_CLASS_SANDBOXED,
    runtime_classes.AKS_RUNTIME_CLASS_RESERVED,
    guardrail.UNTRUSTED_NAMESPACE_GUARDRAIL,
    karpenter.KARPENTER_NODE_CLASS_KATA,
    karpenter.KARPENTER_NODE_POOL_KATA_SIZES,
    karpenter.KARPENTER_NODE_POOL_UNCONSTRAINED,
    karpenter.KARPENTER_NODE_POOL_KATA_TAINT,
    runtime_classes.CUSTOM_RUNTIME_CLASS_ADVICE,
    scheduling.SANDBOXED_WORKLOAD_NEEDS_SANDBOXING_POOL,
    scheduling.RUNTIME_CLASS_MATCHES_POOL_GENERATION,
    declared_types.RESOURCE_TYPE_JUDGED,
]
"""Every policy of the pack, in the order they are reported (violations are listed in evaluation
order, so the families interleave as they always have)."""
