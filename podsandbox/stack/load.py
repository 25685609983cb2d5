"""`load_settings`: raw config values (strings, as Pulumi hands them to a program) to a typed
`StackSettings`, or one `SettingsError` that lists every problem: the key, the value, what is
allowed, and an example. Nothing here imports Pulumi, so the program, the command line and the
tests share it as is."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Optional

from podsandbox.guardrail.plan import AUDIT, ENFORCEMENTS, GuardrailPlan, plan_guardrail
from podsandbox.karpenter.settings import KARPENTER_SETTINGS
from podsandbox.rules import aks, judge, network, sizing
from podsandbox.rules.pool_limits import (
    SYSTEM_POOL_TAINT,
    PoolOptions,
)
from podsandbox.rules.workloads import (
    DEFAULT_UNTRUSTED_NAMESPACE,
    NAMESPACE_NAME_RULE,
    is_namespace_name,
    reserved_namespace,
)
from podsandbox.stack.declarations import (
    DEFAULT_EXISTING_CLUSTER_POOL,
    DEFAULT_NEW_CLUSTER_POOL,
    EXISTING_CLUSTER,
    LOCATION_KEY,
    MODES,
    NEW_CLUSTER,
)
from podsandbox.stack.pools import POOL_KEYS, read_first_pool, read_more_pools
from podsandbox.stack.reader import Reader, set_example
from podsandbox.stack.settings import KarpenterSettings, SettingsError, StackSettings


def load_settings(
    values: Mapping[str, object],
    location: Optional[str] = None,
    *,
    enforce_sandboxing_rules: bool = True,
    secret_keys: Collection[str] = (),
) -> StackSettings:
    """Validate raw config values (unqualified keys) and return typed settings.

    Missing keys take their declared default, as the Pulumi CLI does. Raises `SettingsError` with
    every problem, in the order the keys are read. With `enforce_sandboxing_rules=False` only
    values that cannot be used at all (wrong types, unknown names) are errors, so that a policy
    pack can judge the rest. A key of `secret_keys` is named in problems, its value never.
    """
    read = Reader(values, secret_keys, POOL_KEYS)
    mode = _read_mode(read)
    resource_group, cluster = _read_names(read)
    default_pool = (
        DEFAULT_EXISTING_CLUSTER_POOL if mode == EXISTING_CLUSTER else DEFAULT_NEW_CLUSTER_POOL
    )
    first = read_first_pool(read, default_pool, mode == NEW_CLUSTER, enforce_sandboxing_rules)
    verdict = first.verdict
    runtime = verdict.runtime  # the GA one when `runtime` is not a runtime (then a problem says so)
    demo = read.boolean("demo")
    demo_cpu, demo_memory, namespace = _read_demo(read)
    create_group = read.boolean("createResourceGroup")
    protect = read.boolean("protect")
    ssh_key = _read_ssh_key(read)
    extra_pools = read_more_pools(read, first, mode == NEW_CLUSTER, enforce_sandboxing_rules)
    demo_pool = _read_demo_pool(read, [first.name, *(spec.name for spec in extra_pools)])
    if demo and mode == NEW_CLUSTER:
        placed = [(first.name, first.options), *((p.name, p.options) for p in extra_pools)]
        _check_demo_placement(read, placed, demo_pool)
    karpenter_settings = _read_karpenter(read, mode)
    engine = _read_network_policy(read, mode)
    kubelogin_mode = _read_kubelogin_mode(read, mode)
    guardrail = _read_guardrail(read, mode, verdict.kubernetes_version)
    location = _read_location(read, mode, location)
    every_pool = [(first.name, verdict.vm_size), *((p.name, p.vm_size) for p in extra_pools)]
    pools_of_demo = [(n, size) for n, size in every_pool if demo_pool in (None, n)]
    if read.problems:
        raise SettingsError(read.problems)
    # What no component says (the pools' and the engine's warnings are theirs to log).
    unsaid = guardrail.warnings + _demo_fit_warnings(demo, demo_cpu, demo_memory, runtime,
                                                     pools_of_demo)  # fmt: skip
    assert runtime is not None and mode is not None and first.count is not None
    assert create_group is not None and protect is not None and demo is not None
    return StackSettings(
        mode=mode,
        runtime=runtime,
        resource_group_name=resource_group,
        create_resource_group=create_group,
        cluster_name=cluster,
        kubernetes_version=verdict.kubernetes_version,
        node_vm_size=verdict.vm_size,
        node_count=first.count,
        node_pool_name=first.name,
        os_sku=verdict.os_sku,
        ssh_public_key=ssh_key,
        protect=protect,
        location=location,
        demo=demo,
        demo_cpu_limit=demo_cpu,
        demo_memory_limit=demo_memory,
        untrusted_namespace=namespace,
        node_options=first.options,
        extra_pools=tuple(extra_pools),
        demo_pool=demo_pool,
        network_policy=engine,
        kubelogin_mode=kubelogin_mode,
        guardrail=guardrail,
        karpenter=karpenter_settings,
        warnings=tuple(verdict.warnings) + _engine_warnings(engine) + unsaid,
        program_warnings=unsaid,
    )


def _read_names(read: Reader) -> tuple[str, str]:
    """The resource group's and the cluster's names, judged as Azure names."""
    for finding in (
        judge.resource_group_name_finding(resource_group := read.text("resourceGroupName")),
        judge.cluster_name_finding(cluster := read.text("clusterName")),
    ):
        if finding is not None:
            read.finding(finding)
    return resource_group, cluster


def _read_ssh_key(read: Reader) -> Optional[str]:
    ssh_key = read.text("sshPublicKey") or None
    if ssh_key is not None and (finding := judge.ssh_public_key_finding(ssh_key)) is not None:
        read.problem(finding.field, finding.value, finding.reason, finding.allowed,
                     'pulumi config set sshPublicKey "$(cat ~/.ssh/id_rsa.pub)"')  # fmt: skip
    return ssh_key


def _read_demo_pool(read: Reader, pool_names: list[str]) -> Optional[str]:
    """The pool the untrusted demo pod is pinned to: one of the stack's pools, or None."""
    demo_pool = read.text("demoPool") or None
    if demo_pool is not None and demo_pool not in pool_names:
        read.problem(
            "demoPool",
            demo_pool,
            "is not one of this stack's sandboxing pools",
            "one of " + ", ".join(pool_names) + ", or empty",
            set_example("demoPool", pool_names[-1]),
        )
    return demo_pool


def _read_location(read: Reader, mode: Optional[str], location: Optional[str]) -> Optional[str]:
    """The region (`azure-native:location`): a new cluster needs one."""
    location = (location or "").strip() or None
    if mode == NEW_CLUSTER and location is None:
        read.problem(
            LOCATION_KEY,
            None,
            "new-cluster mode needs an Azure region for the cluster",
            "an Azure region name",
            set_example(LOCATION_KEY, "eastus"),
        )
    return location


def _demo_fit_warnings(
    demo: Optional[bool],
    cpu: str,
    memory: str,
    runtime: aks.RuntimeGeneration,
    pools: list[tuple[str, str]],
) -> tuple[str, ...]:
    """A warning when the untrusted demo pod fits no node of the pools it may land on."""
    if not demo:
        return ()
    warning = sizing.unfit_warning(sizing.sandbox_size(sizing.uniform_pod(cpu, memory), runtime),
                                   pools)  # fmt: skip
    return (warning,) if warning is not None else ()


def _read_karpenter(read: Reader, mode: Optional[str]) -> Optional[KarpenterSettings]:
    """Karpenter's node class and pool: existing clusters only (a cluster this stack creates has
    no Karpenter, and AKS's node auto-provisioning does not support Pod Sandboxing yet)."""
    wanted = read.boolean("karpenter")
    values = {row.name: read.text(row.config_key) for row in KARPENTER_SETTINGS}
    for row in KARPENTER_SETTINGS:
        if (finding := row.finding(values[row.name])) is not None:
            read.finding(finding, row.config_key)
    if not wanted:
        return None
    if mode == NEW_CLUSTER:
        read.problem("karpenter", True, "applies to existing clusters that run Karpenter's Azure "
                     "provider: a cluster this stack creates has none, and AKS's node "
                     "auto-provisioning does not support Pod Sandboxing yet (Azure/AKS #5843)",
                     "false in new-cluster mode", "pulumi config set karpenter false")  # fmt: skip
        return None
    return KarpenterSettings(values)


def _read_network_policy(
    read: Reader, mode: Optional[str]
) -> Optional[network.NetworkPolicyEngine]:
    """The new cluster's chosen engine, None when left empty; an existing cluster keeps its own,
    so choosing one there is a mistake."""
    text = read.text("networkPolicy")
    if not text:
        return None
    if mode == EXISTING_CLUSTER:
        read.problem("networkPolicy", text,
                     "applies to new clusters only: an existing cluster keeps its network profile "
                     "(the program reads it and warns when NetworkPolicy is not enforced)",
                     "no networkPolicy in existing-cluster mode",
                     "pulumi config rm networkPolicy")  # fmt: skip
    if (finding := judge.network_policy_finding(text)) is not None:
        read.finding(finding)
    return network.find_engine(text)


def _read_guardrail(
    read: Reader, mode: Optional[str], kubernetes_version: Optional[str]
) -> GuardrailPlan:
    wanted = read.boolean("guardrail")
    enforcement = read.text("guardrailEnforcement").strip().lower() or None
    if enforcement is not None and enforcement not in ENFORCEMENTS:
        read.problem("guardrailEnforcement", read.text("guardrailEnforcement"),
                     "is not a guardrail enforcement", " or ".join(ENFORCEMENTS) +
                     ", or empty for the mode's default",
                     set_example("guardrailEnforcement", AUDIT))  # fmt: skip
        enforcement = None
    return plan_guardrail(
        wanted is not False, enforcement, mode != EXISTING_CLUSTER, kubernetes_version
    )


def _read_kubelogin_mode(read: Reader, mode: Optional[str]) -> str:
    """How an existing cluster's Entra ID kubeconfig signs in; a cluster this stack creates has
    no Entra ID, so another value than the default there is a mistake."""
    text = read.text("kubeloginMode")
    # The CLI hands the program Pulumi.yaml's default as a value: only another value is a choice.
    if mode == NEW_CLUSTER and text != aks.DEFAULT_KUBELOGIN_MODE:
        read.problem("kubeloginMode", text,
                     "applies to existing clusters only: a cluster this stack creates has local "
                     "accounts, not Microsoft Entra ID",
                     f"{aks.DEFAULT_KUBELOGIN_MODE} (the default) in new-cluster mode",
                     "pulumi config rm kubeloginMode")  # fmt: skip
    elif (finding := judge.kubelogin_mode_finding(text)) is not None:
        read.finding(finding)
    return text


def _engine_warnings(engine: Optional[network.NetworkPolicyEngine]) -> tuple[str, ...]:
    """A new cluster's engine warning (an existing cluster's engine is read, not chosen)."""
    warning = network.engine_warning(engine or network.DEFAULT_ENGINE)
    return (warning,) if warning else ()


def _read_quantity(
    read: Reader, key: str, kind: str, minimum: Decimal, too_low: str, allowed: str, example: str
) -> str:
    """A Kubernetes quantity setting of at least `minimum` (problems recorded, text returned)."""
    text = read.text(key)
    try:
        if sizing.parse_quantity(text) < minimum:
            read.problem(key, text, too_low, allowed, set_example(key, example))
    except sizing.QuantityError:
        read.problem(key, text, f"is not a Kubernetes {kind} quantity", allowed,
                     set_example(key, example))  # fmt: skip
    return text


def _read_demo(read: Reader) -> tuple[str, str, str]:
    """The demo pods' limits (valid under both sizing models) and the untrusted namespace."""
    cpu = _read_quantity(read, "demoCpuLimit", "CPU", Decimal("1e-9"),  # 1n, the smallest unit
                         "a CPU limit must be above zero",
                         "a positive CPU quantity such as 500m or 1", "500m")  # fmt: skip
    memory = _read_quantity(read, "demoMemoryLimit", "memory", Decimal(sizing.GA_MIN_MEMORY),
                            "is under the 128Mi minimum of a KataVmIsolation sandbox",
                            "a memory quantity of at least 128Mi, such as 256Mi or 1Gi",
                            "256Mi")  # fmt: skip
    namespace = read.text("untrustedNamespace")
    example = set_example("untrustedNamespace", DEFAULT_UNTRUSTED_NAMESPACE)
    if not is_namespace_name(namespace):
        read.problem("untrustedNamespace", namespace, "is not a valid Kubernetes namespace name",
                     NAMESPACE_NAME_RULE, example)  # fmt: skip
    elif (owner := reserved_namespace(namespace)) is not None:
        read.problem("untrustedNamespace", namespace,
                     f"is {owner}; the program would take it over (Pod Security labels, a "
                     "default-deny NetworkPolicy)",
                     "a namespace of your own, not default, kube-* or one AKS and its add-ons "
                     "own", example)  # fmt: skip
    return cpu, memory, namespace


def _read_mode(read: Reader) -> Optional[str]:
    mode = read.text("mode").lower()
    if mode in MODES:
        return mode
    read.problem("mode", read.text("mode"), "is not a deployment mode", " or ".join(MODES),
                 set_example("mode", NEW_CLUSTER))  # fmt: skip
    return None


def _check_demo_placement(
    read: Reader, pools: list[tuple[str, PoolOptions]], demo_pool: Optional[str]
) -> None:
    """On a cluster this stack creates, every pool (name, options; the System pool first) is
    known: the demo's pods must fit one. The trusted pod tolerates nothing; the untrusted one is
    not a system pod."""
    if all(options.tolerations() for _, options in pools):
        read.problem("demo", True, "the trusted demo pod tolerates no taint, and every pool of "
                     "the cluster has a NoSchedule or NoExecute taint",
                     "a pool without such taints, or no demo",
                     "pulumi config set demo false")  # fmt: skip
    system, system_options = pools[0]
    if demo_pool == system and system_options.system_pods_only:
        read.problem("demoPool", demo_pool, f"is the System pool, whose {SYSTEM_POOL_TAINT} "
                     "taint keeps application pods off it",
                     "one of the other pools: " + ", ".join(name for name, _ in pools[1:]),
                     set_example("demoPool", pools[-1][0]))  # fmt: skip
