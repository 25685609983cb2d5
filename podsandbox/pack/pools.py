"""What Azure requires of a Pod Sandboxing node pool: the pack's pool policies.

Each resource policy looks at the sandboxing pools of one cluster or agent pool resource (as
`podsandbox.rules.pools` finds them in engine-shaped inputs) and applies one check of
`podsandbox.rules.policy_checks`, the same one the program and its components judge with.
"""

from __future__ import annotations

from collections.abc import Callable

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from podsandbox.pack.metadata import AKS_DOC, POOL_TAGS
from podsandbox.pack.policy_config import ALLOWED_VM_SIZES, array_of_strings
from podsandbox.pack.unchecked import NotCheckedError
from podsandbox.rules import policy_checks, pools

PoolCheck = Callable[[pools.SandboxingPool], list[str]]


def _pool_validation(check: PoolCheck) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """Runs `check` on every sandboxing pool of the resource (a cluster may hold several)."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for pool in pools.sandboxing_pools(args.resource_type, args.props):
            for message in check(pool):
                report_violation(message, None)

    return validate


SANDBOX_POOL_OS = ResourceValidationPolicy(
    name="sandbox-pool-os",
    description="A Pod Sandboxing node pool must have osType Linux and osSKU AzureLinux.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=POOL_TAGS,
    remediation_steps=(
        "Set the pool's osType to Linux and osSku to AzureLinux, the only OS SKU that runs "
        "Kata VMs."
    ),
    url=AKS_DOC,
    validate=_pool_validation(policy_checks.pool_os),
)


def _validate_vm_size(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    allowed = args.get_config().get(ALLOWED_VM_SIZES) or []
    for pool in pools.sandboxing_pools(args.resource_type, args.props):
        for message in policy_checks.pool_vm_size(pool, allowed):
            report_violation(message, None)


SANDBOX_POOL_VM_SIZE = ResourceValidationPolicy(
    name="sandbox-pool-vm-size",
    description="A Pod Sandboxing node pool needs a Generation 2 VM size with nested "
    "virtualization; unknown or unverified sizes fail unless allowed in the config.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=POOL_TAGS,
    remediation_steps=(
        "Use a Generation 2 x64 VM size whose series supports nested virtualization, such as "
        "Standard_D4s_v3 or Standard_D4s_v5 (`podsandbox vm-size NAME` checks one); a size "
        "the catalog cannot confirm may be allowed in allowedVmSizes once verified."
    ),
    url=AKS_DOC,
    validate=_validate_vm_size,
    config_schema=PolicyConfigSchema(
        properties={
            ALLOWED_VM_SIZES: array_of_strings(
                [], "Extra VM sizes to accept (e.g. a series the catalog cannot confirm)."
            )
        }
    ),
)

SANDBOX_POOL_KUBERNETES_VERSION = ResourceValidationPolicy(
    name="sandbox-pool-kubernetes-version",
    description="A Pod Sandboxing cluster or pool version, when set, must meet the runtime's "
    "minimum (1.27.0 for KataVmIsolation, 1.24.0 for KataMshvVmIsolation).",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=POOL_TAGS,
    remediation_steps=(
        "Set the cluster and pool Kubernetes version to at least 1.27.0 for KataVmIsolation "
        "(1.24.0 for the legacy KataMshvVmIsolation), or leave it empty for the AKS default."
    ),
    url=AKS_DOC,
    validate=_pool_validation(policy_checks.pool_kubernetes_version),
)

SANDBOX_POOL_LEGACY_RUNTIME = ResourceValidationPolicy(
    name="sandbox-pool-legacy-runtime",
    description="KataMshvVmIsolation is the deprecated preview runtime; use KataVmIsolation.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    tags=POOL_TAGS,
    remediation_steps=(
        "Use workloadRuntime KataVmIsolation and RuntimeClass kata-vm-isolation, generally "
        "available since 2025-11-18; the preview runtime needs a subscription feature flag "
        "and preview API versions."
    ),
    url=AKS_DOC,
    validate=_pool_validation(policy_checks.pool_legacy_runtime),
)

SANDBOX_POOL_OS_SKU_UNVERIFIED = ResourceValidationPolicy(
    name="sandbox-pool-os-sku-unverified",
    description="AzureLinux3 is not documented for Pod Sandboxing; AzureLinux is.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=POOL_TAGS,
    remediation_steps=(
        "Use osSku AzureLinux, the SKU the Pod Sandboxing docs name; AzureLinux3 is not "
        "documented for it."
    ),
    url=AKS_DOC,
    validate=_pool_validation(policy_checks.pool_os_sku_unverified),
)

SANDBOX_POOL_NO_FIPS = ResourceValidationPolicy(
    name="sandbox-pool-no-fips",
    description="FIPS-enabled node pools cannot run Pod Sandboxing.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    tags=POOL_TAGS,
    remediation_steps=(
        "Turn FIPS off on the sandboxing pool and run FIPS workloads on a separate, "
        "non-sandboxing pool."
    ),
    url=AKS_DOC,
    validate=_pool_validation(policy_checks.pool_fips),
)


def _validate_readable(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A pool the pack cannot read is not checked (reported as not run, which fails a strict
    preview), never an advisory that passes."""
    reasons = pools.unreadable_pools(args.resource_type, args.props)
    if reasons:
        raise NotCheckedError(f"{args.resource_type} {args.name}: " + "; ".join(reasons))


SANDBOX_POOL_READABLE = ResourceValidationPolicy(
    name="sandbox-pool-readable",
    description="An AKS cluster or node pool whose settings the pack cannot read is not "
    "checked: it says so rather than passing in silence.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=POOL_TAGS,
    remediation_steps=(
        "Give the pool's settings as an object in the resource's properties, or declare it "
        "with the azure-native ManagedCluster or AgentPool types, so the pack can check it."
    ),
    url=AKS_DOC,
    validate=_validate_readable,
)
