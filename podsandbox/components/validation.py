"""The components' own input checks: the rules' judge, with each problem named by its property.

One protocol for the four validated components: each has a check, `xxx_inputs(args, name)`,
returning `Inputs` (its values, every problem, its warnings), and `checked` raises
`ComponentInputError` with every problem at once or returns the values and warnings. The
constructors run it before they register anything, and the multi-language provider runs the same
checks (`COMPONENT_INPUTS`) before it constructs one, so a Python program, a YAML program and the
stack settings all get the same reasons for the same mistakes. Property names are the schema's
(camelCase), as every Pulumi language spells them.
"""

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Optional, TypeVar

import pulumi
from pulumi.provider.experimental.util import camel_case

from podsandbox.components.call_site import program_call_site
from podsandbox.guardrail.plan import AUDIT, DENY, ENFORCEMENTS, POLICY_NAME_LENGTH
from podsandbox.karpenter.settings import KARPENTER_SETTINGS, setting_findings
from podsandbox.rules import aks, judge, network, pool_limits, workloads
from podsandbox.rules.judge import Problem
from podsandbox.rules.pool_settings import POOL_SETTINGS


def property_problem(
    path: str, value: object, reason: str, allowed: str, example: str, sandboxing_rule: bool = False
) -> Problem:
    """A component input's problem, named by its property path (e.g. "extraPools[1].vmSize");
    its example is `path: value`, as a program sets it."""
    return Problem(path, value, reason, allowed, f"{path}: {example}", sandboxing_rule)


def finding_problem(
    finding: judge.Finding,
    prefix: str = "",
    path: Optional[str] = None,
    example: Optional[str] = None,
) -> Problem:
    """A judge's finding as a component input's problem: at `prefix` + its field, or at `path`."""
    return property_problem(
        path if path is not None else prefix + finding.field,
        finding.value,
        finding.reason,
        finding.allowed,
        example if example is not None else finding.example,
        finding.sandboxing_rule,
    )


class ComponentInputError(pulumi.RunError):
    """Every problem of a component's inputs, raised before it registers anything.

    A `RunError`: the Pulumi CLI prints the message alone, without a Python traceback.
    """

    def __init__(
        self,
        component: str,
        problems: Sequence[Problem],
        name: Optional[str] = None,
        call_site: Optional[str] = None,
    ) -> None:
        self.component = component
        self.problems = list(problems)
        self.call_site = call_site
        """The Python program's file and line that built the component, when one did."""
        subject = f"{component} {name!r}" if name is not None else component
        if self.call_site is not None:
            subject += f" inputs at {self.call_site}"
        else:
            subject += " inputs"
        super().__init__(judge.problem_list(subject, self.problems))


V = TypeVar("V")


@dataclass(frozen=True)
class Inputs(Generic[V]):
    """What a component's input check found: the one shape every component's check returns
    (`cluster_inputs`, `node_pool_inputs`, `guardrail_inputs`, `node_provisioning_inputs`), which
    `checked` turns into values or one error, for the constructors and the provider alike."""

    values: Optional[V]
    """The inputs with defaults applied; None when a problem leaves none to use."""
    problems: list[Problem]
    """Every problem, in the order the error lists them."""
    warnings: list[str] = field(default_factory=list)
    """What the component logs once it exists, when no problem stops it."""
    sandboxing_rules: bool = False
    """Whether the sandboxing rules are among the checks (the pools'), which `--skip-validation`
    sets aside with a warning."""


def checked(
    component: str,
    found: Inputs[V],
    unknown: Sequence[Problem] = (),
    name: Optional[str] = None,
    from_python: bool = True,
) -> tuple[V, list[str]]:
    """The values and the warnings to log; raises `ComponentInputError` with every problem that
    stops the component `name` (`unknown`: the keys it does not know, first), so that nothing is
    registered before its inputs are known good. Built by a Python program (`from_python`), the
    error names the program's line; the plugin's caller is another language's program.

    With `--skip-validation` the sandboxing rules step aside (as for the stack settings), so that
    the policy pack can be seen judging them; values that cannot be used at all still stop it.
    """
    stopping = [*unknown, *blocking(found.problems)]
    if stopping or found.values is None:
        where = program_call_site() if from_python else None
        raise ComponentInputError(component, stopping or found.problems, name, where)
    return found.values, [*_skip_warnings(component, found), *found.warnings]


def blocking(problems: Sequence[Problem]) -> list[Problem]:
    """The problems that stop a component: all of them, or with `--skip-validation` only values
    that cannot be used at all (the sandboxing rules step aside, as for the stack settings)."""
    return [problem for problem in problems if not (problem.sandboxing_rule and skip_validation())]


def _skip_warnings(component: str, found: Inputs[Any]) -> list[str]:
    """That the sandboxing rules were not checked, and the problems they would have stopped."""
    if not (found.sandboxing_rules and skip_validation()):
        return []
    skipped = [problem for problem in found.problems if problem.sandboxing_rule]
    return [
        f"{judge.SKIP_VALIDATION_ENV} is set: {component} does not check the sandboxing rules"
        + (
            f" ({len(skipped)} skipped: " + "; ".join(str(p) for p in skipped) + ")"
            if skipped
            else ""
        )
    ]


@dataclass(frozen=True)
class PoolValues:
    """One pool's validated values, defaults applied."""

    name: str
    vm_size: str
    node_count: int
    options: pool_limits.PoolOptions = field(default_factory=pool_limits.PoolOptions)


@dataclass(frozen=True)
class PoolPlan:
    """The pools a component creates, and what they share."""

    runtime: aks.RuntimeGeneration
    os_sku: str
    kubernetes_version: Optional[str]
    pools: list[PoolValues]
    """The first pool, then each extra pool in order."""


_AN_OUTPUT = judge.Shown("<an output of another resource>")


def skip_validation() -> bool:
    """`--skip-validation` of the offline preview (or the variable set by hand)."""
    return judge.skips_validation(os.environ)


def _plain(
    args: Mapping[str, Any], key: str, kind: type, default: Any, prefix: str = ""
) -> tuple[Any, Optional[Problem]]:
    """A plain input with its default; a problem when it has the wrong type (e.g. an Output)."""
    value = args.get(key)
    if value is None:
        return default, None
    if kind is int and isinstance(value, float) and value.is_integer():
        # Numbers cross the wire as floats, and the SDK's input mapping (3.272,
        # ComponentProvider.map_input_properties) overwrites its int() with the float again.
        return int(value), None
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value, None
    wanted = {str: "a string", int: "a whole number", bool: "true or false", list: "a list",
              dict: "a map of strings"}[kind]  # fmt: skip
    shown = _AN_OUTPUT if isinstance(value, pulumi.Output) else value
    problem = property_problem(
        prefix + camel_case(key),
        shown,
        f"must be {wanted} known when the program runs: it decides what is created and is "
        "checked before anything is",
        wanted,
        str(default) if default is not None else pool_limits.LEAVE_IT_OUT,
    )
    return default, problem


class _Reader:
    """Reads plain inputs with their defaults, keeping every problem in the order it is read
    (the order the error lists them in)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def plain(
        self, source: Mapping[str, Any], key: str, kind: type, default: Any, prefix: str = ""
    ) -> Any:
        value, problem = _plain(source, key, kind, default, prefix)
        if problem is not None:
            self.problems.append(problem)
        return value

    def options(self, source: Mapping[str, Any], prefix: str = "") -> pool_limits.PoolOptions:
        """A pool's options (`PoolOptionsArgs`), from the component's inputs or an extra pool."""
        values = {
            option.name: self.plain(source, option.field, option.kind, _UNSET[option.kind], prefix)
            for option in POOL_SETTINGS
        }
        return pool_limits.options_of(values)


_UNSET: dict[type, object] = {bool: False, int: None, str: None, list: [], dict: {}}
"""A pool option left out, by its kind (AKS's default applies)."""


def plan_pools(
    args: Mapping[str, Any], default_pool_name: str, first_mode: str = pool_limits.USER
) -> Inputs[PoolPlan]:
    """The component's pools with defaults applied, every problem of their inputs, and the
    judge's warnings. `first_mode`: System for a new cluster's first pool; every other pool is a
    User pool."""
    read = _Reader()
    first = judge.PoolSettings(
        name=read.plain(args, "node_pool_name", str, default_pool_name),
        vm_size=read.plain(args, "vm_size", str, aks.DEFAULT_VM_SIZE),
        node_count=read.plain(args, "node_count", int, judge.DEFAULT_NODE_COUNT),
        os_sku=read.plain(args, "os_sku", str, aks.REQUIRED_OS_SKU),
        workload_runtime=read.plain(
            args, "workload_runtime", str, aks.DEFAULT_RUNTIME.workload_runtime
        ),
        kubernetes_version=read.plain(args, "kubernetes_version", str, None),
        mode=first_mode,
        options=read.options(args),
    )
    verdict = judge.judge_pool(first)
    read.problems += [finding_problem(finding) for finding in verdict.findings]
    pools = [PoolValues(first.name, verdict.vm_size, _count(first.node_count), first.options)]
    pools += _extra_pools(read, args, verdict)
    for index, finding in judge.duplicate_pool_names([pool.name for pool in pools]):
        path = "nodePoolName" if index == 0 else f"extraPools[{index - 1}].name"
        read.problems.append(finding_problem(finding, path=path))
    if (too_many := judge.pool_count_finding(len(pools))) is not None:
        read.problems.append(finding_problem(too_many))
    if first_mode == pool_limits.SYSTEM:
        dedicated = judge.dedicated_system_pool_finding(first.options, len(pools) - 1)
        if dedicated is not None:
            read.problems.append(finding_problem(dedicated))
    plan = PoolPlan(verdict.runtime, verdict.os_sku, verdict.kubernetes_version, pools)
    return Inputs(plan, read.problems, list(verdict.warnings), sandboxing_rules=True)


def _extra_pools(
    read: _Reader, args: Mapping[str, Any], first: judge.PoolVerdict
) -> list[PoolValues]:
    """The extra pools, each judged as a User pool sharing the first pool's OS SKU and runtime."""
    extra = args.get("extra_pools") or []
    if not isinstance(extra, list):
        read.problems.append(
            property_problem(
                "extraPools",
                extra,
                "is not a list",
                "a list of pools",
                "[{name: kata8, vmSize: Standard_D8s_v5, nodeCount: 2}]",
            )
        )
        extra = []
    pools = []
    for index, item in enumerate(extra):
        prefix = f"extraPools[{index}]."
        item = item if isinstance(item, Mapping) else {}
        pool = judge.PoolSettings(
            name=read.plain(item, "name", str, "", prefix),
            vm_size=read.plain(item, "vm_size", str, aks.DEFAULT_VM_SIZE, prefix),
            node_count=read.plain(item, "node_count", int, judge.DEFAULT_NODE_COUNT, prefix),
            os_sku=first.os_sku,
            workload_runtime=first.runtime.workload_runtime,
            options=read.options(item, prefix),
        )
        verdict = judge.judge_pool(pool)
        for finding in verdict.findings:
            if (problem := _extra_pool_problem(finding, item, prefix)) is not None:
                read.problems.append(problem)
        pools.append(PoolValues(pool.name, verdict.vm_size, _count(pool.node_count), pool.options))
    return pools


def _extra_pool_problem(
    finding: judge.Finding, item: Mapping[str, Any], prefix: str
) -> Optional[Problem]:
    """An extra pool's finding under its own path; None for what the first pool's judging
    already reported (the settings they share)."""
    if finding.field == "nodePoolName" and item.get("name") is None:
        return property_problem(
            prefix + "name", None, "is required", judge.POOL_NAME_ALLOWED, "kata8"
        )
    if finding.field == "nodePoolName":  # an extra pool's name is its `name`
        return finding_problem(finding, path=prefix + "name", example="kata8")
    if finding.field not in ("workloadRuntime", "osSku", "kubernetesVersion"):
        return finding_problem(finding, prefix)
    return None


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def name_problems(args: Mapping[str, Any], keys: Sequence[str]) -> list[Problem]:
    """Resource group and cluster names, when they are plain strings (an output of another
    resource is judged by Azure)."""
    problems = []
    for key in keys:
        value = args.get(key)
        judge_name, wanted, example = _NAMES[key]
        if value is None:
            problems.append(property_problem(camel_case(key), None, "is required", wanted, example))
        elif isinstance(value, str) and (finding := judge_name(value)) is not None:
            problems.append(finding_problem(finding))
    return problems


_NAMES = {
    "resource_group_name": (
        judge.resource_group_name_finding,
        "the name of the cluster's resource group",
        "myResourceGroup",
    ),
    "cluster_name": (judge.cluster_name_finding, "the name of the AKS cluster", "myAKSCluster"),
}


def cluster_problems(args: Mapping[str, Any]) -> list[Problem]:
    """What a new cluster needs besides its pools: names, region, SSH key, flags."""
    problems = name_problems(args, ("resource_group_name", "cluster_name"))
    if args.get("location") is None:
        problems.append(
            property_problem(
                "location",
                None,
                "is required: a new cluster needs an Azure region",
                "an Azure region name",
                "eastus",
            )
        )
    for key, kind in (("dns_prefix", str), ("create_resource_group", bool)):
        if (problem := _plain(args, key, kind, None)[1]) is not None:
            problems.append(problem)
    problems += _judged_string(args, "ssh_public_key", judge.ssh_public_key_finding)
    problems += _judged_string(args, "network_policy", judge.network_policy_finding)
    return problems


def node_pool_problems(args: Mapping[str, Any]) -> list[Problem]:
    """What pools on an existing cluster need besides the pools: the cluster, how to sign in."""
    problems = name_problems(args, ("resource_group_name", "cluster_name"))
    return problems + _judged_string(args, "kubelogin_mode", judge.kubelogin_mode_finding)


def _judged_string(
    args: Mapping[str, Any], key: str, finding_of: Callable[[str], Optional[judge.Finding]]
) -> list[Problem]:
    """An optional string input: wrong when it is not a plain string, or when the judge says so."""
    value, problem = _plain(args, key, str, None)
    if problem is not None:
        return [problem]
    finding = finding_of(value) if value is not None else None
    return [finding_problem(finding)] if finding is not None else []


@dataclass(frozen=True)
class ClusterValues:
    """A new cluster's validated inputs: its pools and its NetworkPolicy engine."""

    plan: PoolPlan
    engine: network.NetworkPolicyEngine
    engine_chosen: bool
    """Whether networkPolicy was given: a cluster deployed before keeps its profile otherwise."""


def cluster_inputs(args: Mapping[str, Any], name: str) -> Inputs[ClusterValues]:
    """A new cluster's values and every problem of its inputs, its names' before its pools'.
    `name` (the component's) is unused: every component's check takes it."""
    pools = plan_pools(args, judge.DEFAULT_NEW_CLUSTER_POOL, pool_limits.SYSTEM)
    assert pools.values is not None  # the pools always have values: defaults stand in
    chosen, _ = _plain(args, "network_policy", str, None)  # a wrong type is a problem below
    engine = network.find_engine(chosen or "") or network.DEFAULT_ENGINE
    engine_warning = network.engine_warning(engine)
    return Inputs(
        ClusterValues(pools.values, engine, bool(chosen)),
        cluster_problems(args) + pools.problems,
        [*pools.warnings, *([engine_warning] if engine_warning else [])],
        sandboxing_rules=True,
    )


def node_pool_inputs(args: Mapping[str, Any], name: str) -> Inputs[PoolPlan]:
    """Pools on an existing cluster, and every problem of their inputs, the cluster's first.
    `name` (the component's) is unused: every component's check takes it."""
    pools = plan_pools(args, judge.DEFAULT_EXISTING_CLUSTER_POOL)
    return replace(pools, problems=node_pool_problems(args) + pools.problems)


@dataclass(frozen=True)
class GuardrailValues:
    """The guardrail's validated inputs, defaults applied."""

    policy_name: str
    runtime: aks.RuntimeGeneration
    enforcement: str
    namespaces: list[str]
    extra_runtime_classes: list[str]


def guardrail_inputs(args: Mapping[str, Any], default_policy_name: str) -> Inputs[GuardrailValues]:
    """The guardrail's values (None when a problem leaves none), and every problem of its inputs.

    The names become Kubernetes object names and, for the RuntimeClasses, string literals in the
    policy's CEL: each is checked, so that nothing a caller passes can change an expression.
    """
    policy_name, problem = _plain(args, "policy_name", str, default_policy_name)
    problems = [problem] if problem is not None else []
    if problem is None and not workloads.is_object_name(policy_name, POLICY_NAME_LENGTH):
        problems.append(property_problem(
            "policyName", policy_name, "is not a Kubernetes object name",
            f"at most {POLICY_NAME_LENGTH} {workloads.OBJECT_NAME_RULE} (its bindings add "
            "-named and -labelled)", "podsandbox-dev",
        ))  # fmt: skip
    text, problem = _plain(args, "workload_runtime", str, aks.DEFAULT_RUNTIME.workload_runtime)
    runtime = aks.find_runtime(text)
    if problem is not None:
        problems.append(problem)
    elif runtime is None:
        problems.append(finding_problem(judge.runtime_finding(text, others_checked=False)))
    enforcement, problem = _plain(args, "enforcement", str, DENY)
    if problem is not None:
        problems.append(problem)
    elif enforcement.lower() not in ENFORCEMENTS:
        problems.append(property_problem(
            "enforcement", enforcement, "is not a guardrail enforcement", " or ".join(ENFORCEMENTS),
            AUDIT,
        ))  # fmt: skip
    namespaces = _names(args, "untrusted_namespaces", [workloads.DEFAULT_UNTRUSTED_NAMESPACE],
                        _namespace_problem, problems)  # fmt: skip
    classes = _names(args, "extra_runtime_classes", [], _runtime_class_problem, problems)
    if problems or runtime is None:
        return Inputs(None, problems)
    values = GuardrailValues(policy_name, runtime, enforcement.lower(), namespaces, classes)
    return Inputs(values, [])


def _names(
    args: Mapping[str, Any],
    key: str,
    default: list[str],
    problem_of: Callable[[str, object], Optional[Problem]],
    problems: list[Problem],
) -> list[str]:
    """A list of names (its default when absent or empty); each bad one adds a problem."""
    values = args.get(key)
    if values is None or (isinstance(values, list) and not values):
        return list(default)
    path = camel_case(key)
    if not isinstance(values, list):
        shown = _AN_OUTPUT if isinstance(values, pulumi.Output) else values
        problems.append(property_problem(
            path, shown, "must be a list of names known when the program runs", "a list of "
            "strings", repr(default),
        ))  # fmt: skip
        return list(default)
    for index, value in enumerate(values):
        if (problem := problem_of(f"{path}[{index}]", value)) is not None:
            problems.append(problem)
    return [value for value in values if isinstance(value, str)]


def _namespace_problem(path: str, value: object) -> Optional[Problem]:
    example = workloads.DEFAULT_UNTRUSTED_NAMESPACE
    if not isinstance(value, str) or not workloads.is_namespace_name(value):
        shown = _AN_OUTPUT if isinstance(value, pulumi.Output) else value
        return property_problem(path, shown, "is not a Kubernetes namespace name",
                               workloads.NAMESPACE_NAME_RULE, example)  # fmt: skip
    owner = workloads.reserved_namespace(value)
    if owner is None:
        return None
    return property_problem(
        path, value, f"is {owner}; the guardrail would hold its workloads to the sandboxing rules",
        "a namespace of your own, not default, kube-* or one AKS and its add-ons own", example,
    )  # fmt: skip


def _runtime_class_problem(path: str, value: object) -> Optional[Problem]:
    if isinstance(value, str) and workloads.is_object_name(value):
        return None
    shown = _AN_OUTPUT if isinstance(value, pulumi.Output) else value
    allowed = f"at most 253 {workloads.OBJECT_NAME_RULE}"
    return property_problem(path, shown, "is not a RuntimeClass name", allowed, "kata-dedicated")


@dataclass(frozen=True)
class NodeProvisioningValues:
    """Karpenter's node class and pool settings, validated, defaults applied."""

    name: str
    settings: dict[str, str]
    """Each NodePool setting by property name (`podsandbox.karpenter.settings`)."""


NODE_POOL_NAME_LENGTH = 63
"""Karpenter labels each node it makes with its NodePool's name (karpenter.sh/nodepool), and a
label value has at most 63 characters."""


def node_provisioning_inputs(
    args: Mapping[str, Any], default_name: str
) -> Inputs[NodeProvisioningValues]:
    """Karpenter's settings (None when a problem leaves none), and every problem of them."""
    problems: list[Problem] = []

    def plain(key: str, default: str) -> str:
        value, problem = _plain(args, key, str, default)
        if problem is not None:
            problems.append(problem)
        return str(value)

    name = plain("name", default_name)
    if not workloads.is_object_name(name, NODE_POOL_NAME_LENGTH):
        allowed = f"at most {NODE_POOL_NAME_LENGTH} {workloads.OBJECT_NAME_RULE}"
        problems.append(property_problem("name", name, "is not a Kubernetes object name that fits "
                                        "a label value", allowed, "podsandbox-dev"))  # fmt: skip
    settings = {row.name: plain(row.field, row.default) for row in KARPENTER_SETTINGS}
    problems += [finding_problem(finding) for finding in setting_findings(settings)]
    if problems:
        return Inputs(None, problems)
    return Inputs(NodeProvisioningValues(name, settings), [])


COMPONENT_INPUTS: dict[str, Callable[[Mapping[str, Any], str], Inputs[Any]]] = {
    "SandboxedCluster": cluster_inputs,
    "SandboxedNodePool": node_pool_inputs,
    "SandboxGuardrail": guardrail_inputs,
    "SandboxNodeProvisioning": node_provisioning_inputs,
}
"""Each validated component's input check, by its type name: what the provider runs (with
`checked`) before it constructs one, as the constructor itself does."""
