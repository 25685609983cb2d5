"""A component checks its own inputs: every bad input, used from plain Python, gets one clear
message naming the property (camelCase, as the schema names it), and nothing is registered."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import pulumi
import pytest

from podsandbox.components import (
    ComponentInputError,
    SandboxedCluster,
    SandboxedNodePool,
    SandboxGuardrail,
    SandboxNodeProvisioning,
)
from podsandbox.stack import SettingsError, load_settings
from tests.test_components import cluster_args, deploy, pool_args

OUTPUT = "<an output>"
"""Stands for `pulumi.Output.from_input(...)` in the table (an Output cannot be a parameter)."""

BAD_INPUTS = [
    pytest.param(
        "pool",
        {"vm_size": "Standard_D4_v3"},
        "vmSize = 'Standard_D4_v3': cannot host a sandboxing pool: Standard_D4_v3 (Dv3) is Generation 1 only; use Dsv3 (with s), its Generation 2 twin, e.g. Standard_D4s_v3. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: vmSize: Standard_D4s_v3",
        id="Gen1 size",
    ),
    pytest.param(
        "pool",
        {"vm_size": "Standard_D4as_v4"},
        "vmSize = 'Standard_D4as_v4': cannot host a sandboxing pool: Standard_D4as_v4 (Dav4 / Dasv4) does not support nested virtualization; its AMD v5 twin does, e.g. Standard_D4as_v5. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: vmSize: Standard_D4s_v3",
        id="AMD v4 size",
    ),
    pytest.param(
        "pool",
        {"vm_size": "Standard_D4ps_v5"},
        "vmSize = 'Standard_D4ps_v5': cannot host a sandboxing pool: Standard_D4ps_v5 (Dpsv5) is Arm64; no Arm size supports nested virtualization. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: vmSize: Standard_D4s_v3",
        id="Arm size",
    ),
    pytest.param(
        "pool",
        {"vm_size": "Standard_D4d_v5"},
        "vmSize = 'Standard_D4d_v5': cannot host a sandboxing pool: Standard_D4d_v5 (Ddv5) is unverified: the Azure docs do not confirm Gen2 + nested virtualization for this series. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: vmSize: Standard_D4s_v3",
        id="unverified size",
    ),
    pytest.param(
        "pool",
        {"vm_size": "Standard_Q4_v9"},
        "vmSize = 'Standard_Q4_v9': cannot host a sandboxing pool: Standard_Q4_v9: series Qv9 is not in the catalog (checked 2026-06); its nested virtualization support is unknown. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: vmSize: Standard_D4s_v3",
        id="unknown series",
    ),
    pytest.param(
        "pool",
        {"vm_size": "D4s_v3"},
        "vmSize = 'D4s_v3': is not an Azure VM size name (did you mean Standard_D4s_v3?). Allowed: a size name such as Standard_D4s_v3 (tier_FamilyVCPUsFeatures_version). Example: vmSize: Standard_D4s_v3",
        id="not a size name",
    ),
    pytest.param(
        "pool",
        {"node_count": 0},
        "nodeCount = 0: a node pool needs at least one node. Allowed: an integer of 1 or more. Example: nodeCount: 1",
        id="zero nodes",
    ),
    pytest.param(
        "pool",
        {"node_count": "two"},
        "nodeCount = 'two': must be a whole number known when the program runs: it decides what is created and is checked before anything is. Allowed: a whole number. Example: nodeCount: 1",
        id="count not a number",
    ),
    pytest.param(
        "pool",
        {"os_sku": "Ubuntu"},
        "osSku = 'Ubuntu': Pod Sandboxing needs OS SKU AzureLinux; Ubuntu cannot run Kata VMs. Allowed: AzureLinux. Example: osSku: AzureLinux",
        id="Ubuntu",
    ),
    pytest.param(
        "pool",
        {"os_sku": "Windows2022"},
        "osSku = 'Windows2022': Pod Sandboxing needs OS SKU AzureLinux; Windows2022 cannot run Kata VMs. Allowed: AzureLinux. Example: osSku: AzureLinux",
        id="Windows",
    ),
    pytest.param(
        "pool",
        {"node_pool_name": "NodePool2"},
        "nodePoolName = 'NodePool2': is not a valid Linux node pool name. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: nodePoolName: nodepool2",
        id="pool name upper case",
    ),
    pytest.param(
        "pool",
        {"node_pool_name": "averylongpoolname"},
        "nodePoolName = 'averylongpoolname': is not a valid Linux node pool name. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: nodePoolName: nodepool2",
        id="pool name too long",
    ),
    pytest.param(
        "pool",
        {"kubernetes_version": "1.20"},
        "kubernetesVersion = '1.20': is below the minimum 1.27.0 for KataVmIsolation. Allowed: 1.27.0 or later, or empty for the AKS default. Example: kubernetesVersion: 1.33",
        id="Kubernetes 1.20",
    ),
    pytest.param(
        "pool",
        {"workload_runtime": "KataMshvVmIsolation", "kubernetes_version": "1.23"},
        "kubernetesVersion = '1.23': is below the minimum 1.24.0 for KataMshvVmIsolation. Allowed: 1.24.0 or later, or empty for the AKS default. Example: kubernetesVersion: 1.33",
        id="legacy below 1.24",
    ),
    pytest.param(
        "pool",
        {"kubernetes_version": "latest"},
        "kubernetesVersion = 'latest': is not a Kubernetes version. Allowed: MAJOR.MINOR or MAJOR.MINOR.PATCH, or empty for the AKS default. Example: kubernetesVersion: 1.33",
        id="not a version",
    ),
    pytest.param(
        "pool",
        {"workload_runtime": "KataCcIsolation"},
        "workloadRuntime = 'KataCcIsolation': is not a Pod Sandboxing workload runtime (the other settings were checked against KataVmIsolation, the default). Allowed: KataVmIsolation (GA) or KataMshvVmIsolation (legacy preview). Example: workloadRuntime: KataVmIsolation",
        id="confidential runtime",
    ),
    pytest.param(
        "pool",
        {"resource_group_name": "rg/x"},
        "resourceGroupName = 'rg/x': is not a valid resource group name. Allowed: 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'. Example: resourceGroupName: myResourceGroup",
        id="bad resource group name",
    ),
    pytest.param(
        "pool",
        {"cluster_name": None},
        "clusterName (not set): is required. Allowed: the name of the AKS cluster. Example: clusterName: myAKSCluster",
        id="missing cluster name",
    ),
    pytest.param(
        "pool",
        {"vm_size": OUTPUT},
        "vmSize = <an output of another resource>: must be a string known when the program runs: it decides what is created and is checked before anything is. Allowed: a string. Example: vmSize: Standard_D4s_v3",
        id="vm size from an output",
    ),
    pytest.param(
        "cluster",
        {"cluster_name": "my cluster"},
        "clusterName = 'my cluster': is not a valid AKS cluster name. Allowed: 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit. Example: clusterName: myAKSCluster",
        id="bad cluster name",
    ),
    pytest.param(
        "cluster",
        {"location": None},
        "location (not set): is required: a new cluster needs an Azure region. Allowed: an Azure region name. Example: location: eastus",
        id="no location",
    ),
    pytest.param(
        "cluster",
        {"ssh_public_key": "not-a-key"},
        "sshPublicKey = 'not-a-key': is not an OpenSSH public key. Allowed: a single line 'ssh-rsa AAAA...' or 'ssh-ed25519 AAAA...', or empty to generate one. Example: sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... me@host",
        id="bad ssh key",
    ),
    pytest.param(
        "cluster",
        {"extra_pools": [{"name": "kata8", "vm_size": "Standard_B2s"}]},
        "extraPools[0].vmSize = 'Standard_B2s': cannot host a sandboxing pool: Standard_B2s (B (v1)) does not support nested virtualization. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: extraPools[0].vmSize: Standard_D4s_v3",
        id="extra pool B-series",
    ),
    pytest.param(
        "cluster",
        {"extra_pools": [{"name": "nodepool1"}]},
        "extraPools[0].name = 'nodepool1': repeats the pool name nodepool1. Allowed: a name no other pool of the cluster uses. Example: extraPools[0].name: kata8",
        id="extra pool repeats the system pool",
    ),
    pytest.param(
        "cluster",
        {"extra_pools": [{"vm_size": "Standard_D8s_v5"}]},
        "extraPools[0].name (not set): is required. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: extraPools[0].name: kata8",
        id="extra pool without a name",
    ),
    pytest.param(
        "cluster",
        {"extra_pools": [{"name": "kata8", "node_count": 0}]},
        "extraPools[0].nodeCount = 0: a node pool needs at least one node. Allowed: an integer of 1 or more. Example: extraPools[0].nodeCount: 1",
        id="extra pool zero nodes",
    ),
    pytest.param(
        "cluster",
        {"network_policy": "calico"},
        "networkPolicy = 'calico': is not a network policy engine of this project. Allowed: cilium (Azure CNI overlay powered by Cilium, which enforces NetworkPolicy itself); azure (Azure CNI overlay with Azure Network Policy Manager (retires for Linux on 2028-09-30)); none (AKS's default network profile: NetworkPolicy objects are stored but not enforced). Example: networkPolicy: cilium",
        id="unknown network policy engine",
    ),
    pytest.param(
        "pool",
        {"kubelogin_mode": "devicecode"},
        "kubeloginMode = 'devicecode': is not a non-interactive kubelogin login mode. Allowed: azurecli (the Azure CLI's signed-in account (az login; azure/login in a workflow)); workloadidentity (a federated workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE, or a GitHub Actions OIDC token)); spn (a service principal (AAD_SERVICE_PRINCIPAL_CLIENT_ID and AAD_SERVICE_PRINCIPAL_CLIENT_SECRET, or AZURE_CLIENT_ID and AZURE_CLIENT_SECRET)). Example: kubeloginMode: azurecli",
        id="interactive kubelogin mode",
    ),
    pytest.param(
        "pool",
        {"enable_auto_scaling": True, "min_count": 3, "max_count": 2, "node_count": 3},
        "maxCount = 2: is below the minimum count 3. Allowed: 3 to 1000. Example: maxCount: 3",
        id="autoscaling bounds reversed",
    ),
    pytest.param(
        "pool",
        {"max_count": 3},
        "maxCount = 3: applies only when the pool autoscales. Allowed: autoscaling on, or leave it out. Example: maxCount: (leave it out)",
        id="a bound without autoscaling",
    ),
    pytest.param(
        "pool",
        {"max_surge": "0"},
        "maxSurge = '0': is not a surge AKS takes. Allowed: a number of nodes from 1 to 1000 (a pool's most), or a percentage from 1% to 100%. Example: maxSurge: 33%",
        id="no surge at all",
    ),
    pytest.param(
        "pool",
        {"scale_down_mode": "Deallocate", "os_disk_type": "Ephemeral"},
        "scaleDownMode = 'Deallocate': keeps stopped nodes, which Ephemeral OS disks do not allow. Allowed: Delete with Ephemeral OS disks (or Managed disks with Deallocate). Example: scaleDownMode: Delete",
        id="deallocated nodes on ephemeral disks",
    ),
    pytest.param(
        "pool",
        {"max_pods": 251},
        "maxPods = 251: is outside what AKS takes. Allowed: 10 to 250. Example: maxPods: 110",
        id="max pods above 250",
    ),
    pytest.param(
        "pool",
        {"os_disk_type": "Premium"},
        "osDiskType = 'Premium': is not an OS disk type. Allowed: Managed or Ephemeral. Example: osDiskType: Managed",
        id="OS disk type",
    ),
    pytest.param(
        "pool",
        {"node_taints": ["sandbox=true:NoScheduled"]},
        "nodeTaints[0] = 'sandbox=true:NoScheduled': is not a node taint. Allowed: key=value:Effect, the key and value as Kubernetes labels, the effect NoSchedule, PreferNoSchedule or NoExecute. Example: nodeTaints[0]: sandbox=true:NoSchedule",
        id="taint effect",
    ),
    pytest.param(
        "cluster",
        {"node_taints": ["sandbox=true:NoSchedule"], "extra_pools": [{"name": "kata8"}]},
        "nodeTaints[0] = 'sandbox=true:NoSchedule': is not the one taint a System pool takes. Allowed: CriticalAddonsOnly=true:NoSchedule. Example: nodeTaints[0]: CriticalAddonsOnly=true:NoSchedule",
        id="system pool taint",
    ),
    pytest.param(
        "cluster",
        {"extra_pools": [{"name": "kata8", "max_pods": 10}]},
        "extraPools[0].maxPods = 10: leaves the pool room for 10 pods; AKS requires 30. Allowed: at least 30 per node, or 3 nodes. Example: extraPools[0].maxPods: 110",
        id="extra pool without room for 30 pods",
    ),
    pytest.param(
        "cluster",
        {"extra_pools": [{"name": "kata8", "node_labels": {"bad key": "x"}}]},
        """extraPools[0].nodeLabels = {'bad key': 'x'}: 'bad key' is not a label key. Allowed: a Kubernetes label: a key of at most 63 letters, digits, '-', '_' and '.' (alphanumeric at both ends), with an optional DNS prefix and '/', and a value like it or empty. Example: extraPools[0].nodeLabels: {"workload": "sandboxed"}""",
        id="extra pool label key",
    ),
    pytest.param(
        "guardrail",
        {"enforcement": "block"},
        "enforcement = 'block': is not a guardrail enforcement. Allowed: deny or audit. Example: enforcement: audit",
        id="guardrail enforcement",
    ),
    pytest.param(
        "guardrail",
        {"workload_runtime": "KataCcIsolation"},
        "workloadRuntime = 'KataCcIsolation': is not a Pod Sandboxing workload runtime. Allowed: KataVmIsolation (GA) or KataMshvVmIsolation (legacy preview). Example: workloadRuntime: KataVmIsolation",
        id="guardrail runtime",
    ),
    pytest.param(
        "guardrail",
        {"untrusted_namespaces": ["tenants", "kube-system"]},
        "untrustedNamespaces[1] = 'kube-system': is a namespace Kubernetes reserves (kube-*) for the system; the guardrail would hold its workloads to the sandboxing rules. Allowed: a namespace of your own, not default, kube-* or one AKS and its add-ons own. Example: untrustedNamespaces[1]: untrusted",
        id="guardrail on a system namespace",
    ),
    pytest.param(
        "guardrail",
        {"untrusted_namespaces": ["Tenants"]},
        "untrustedNamespaces[0] = 'Tenants': is not a Kubernetes namespace name. Allowed: 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit. Example: untrustedNamespaces[0]: untrusted",
        id="guardrail namespace not a name",
    ),
    pytest.param(
        "guardrail",
        {"policy_name": "Team Policy"},
        "policyName = 'Team Policy': is not a Kubernetes object name. Allowed: at most 244 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (its bindings add -named and -labelled). Example: policyName: podsandbox-dev",
        id="guardrail policy name",
    ),
    pytest.param(
        "guardrail",
        {"extra_runtime_classes": ["kata-x', 'runc"]},
        "extraRuntimeClasses[0] = \"kata-x', 'runc\": is not a RuntimeClass name. Allowed: at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit. Example: extraRuntimeClasses[0]: kata-dedicated",
        id="guardrail class that would change the CEL",
    ),
    pytest.param(
        "provisioning",
        {"cpu_limit": "lots"},
        "cpuLimit = 'lots': is not a positive quantity. Allowed: a cpu quantity, or empty for no limit. Example: cpuLimit: 64",
        id="karpenter cpu limit",
    ),
    pytest.param(
        "provisioning",
        {"consolidation_policy": "Always"},
        "consolidationPolicy = 'Always': is not a Karpenter consolidation policy. Allowed: WhenEmpty, WhenEmptyOrUnderutilized or Balanced. Example: consolidationPolicy: WhenEmpty",
        id="karpenter consolidation policy",
    ),
    pytest.param(
        "provisioning",
        {"name": "Kata Nodes"},
        "name = 'Kata Nodes': is not a Kubernetes object name that fits a label value. Allowed: at most 63 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit. Example: name: podsandbox-dev",
        id="karpenter object name",
    ),
    pytest.param(
        "provisioning",
        {"name": "k" * 64},
        f"name = '{'k' * 64}': is not a Kubernetes object name that fits a label value. Allowed: at most 63 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit. Example: name: podsandbox-dev",
        id="karpenter name longer than a label value",
    ),
]


COMPONENT_NAMES = {"pool": "SandboxedNodePool", "cluster": "SandboxedCluster",
                   "guardrail": "SandboxGuardrail", "provisioning": "SandboxNodeProvisioning"}  # fmt: skip


def construct(kind: str, changes: dict[str, Any]) -> Any:
    changes = {k: pulumi.Output.from_input("x") if v == OUTPUT else v for k, v in changes.items()}
    if kind == "guardrail":
        return SandboxGuardrail("x", changes)  # type: ignore[arg-type]
    if kind == "provisioning":
        return SandboxNodeProvisioning("x", changes)  # type: ignore[arg-type]
    args: dict[str, Any] = dict(pool_args(**changes) if kind == "pool" else cluster_args(**changes))
    args = {key: value for key, value in args.items() if value is not None}
    component = SandboxedNodePool if kind == "pool" else SandboxedCluster
    return component("x", args)  # type: ignore[arg-type]


CONSTRUCTED_AT = "tests/test_component_validation.py:{}".format(
    next(number for number, line in enumerate(Path(__file__).read_text().splitlines(), 1)
         if line.strip() == 'return component("x", args)  # type: ignore[arg-type]')
)  # fmt: skip
"""Where `construct` builds the pools: the line a pool's error names."""


def test_there_are_at_least_20_bad_inputs():
    assert len(BAD_INPUTS) >= 20


def judged(kind: str, changes: dict[str, Any]) -> tuple[ComponentInputError, list[str]]:
    """The error a component raises, and the types the run registered (the stack alone, when
    the component stopped before registering anything)."""
    caught: list[ComponentInputError] = []

    def build() -> dict[str, Any]:
        try:
            construct(kind, changes)
        except ComponentInputError as error:
            caught.append(error)
        return {}

    run = deploy(build)
    assert caught, "the component accepted its inputs"
    return caught[0], [resource.type for resource in run.resources]


@pytest.mark.parametrize(("kind", "changes", "message"), BAD_INPUTS)
def test_each_bad_input_gets_its_exact_message_and_nothing_is_registered(kind, changes, message):
    error, registered = judged(kind, changes)
    assert [str(problem) for problem in error.problems] == [message]
    component = COMPONENT_NAMES[kind]
    # The error names the component, its name and the program line that built it.
    called = re.escape(f"invalid {component} 'x' inputs at tests/test_component_validation.py:")
    assert re.match(called + r"\d+ \(", str(error)), str(error)
    assert message in str(error)
    assert registered == ["pulumi:pulumi:Stack"]


def test_every_problem_is_reported_at_once():
    error, registered = judged(
        "pool",
        {
            "vm_size": "Standard_D4_v3",
            "node_count": 0,
            "os_sku": "Ubuntu",
            "node_pool_name": "Bad_Name",
            "kubernetes_version": "1.20",
            "extra_pools": [{"name": "kata8", "vm_size": "Standard_B2s"}, {"name": "kata8"}],
        },
    )
    assert [problem.where for problem in error.problems] == [
        "nodePoolName",
        "nodeCount",
        "vmSize",
        "kubernetesVersion",
        "osSku",
        "extraPools[0].vmSize",
        "extraPools[1].name",
    ]
    assert str(error).startswith(
        f"invalid SandboxedNodePool 'x' inputs at {CONSTRUCTED_AT} (7 problems):\n  - "
    )
    assert registered == ["pulumi:pulumi:Stack"]


@pytest.mark.parametrize(
    ("setting", "value", "kind", "prop"),
    [
        ("nodeVmSize", "Standard_D4_v3", "pool", "vm_size"),
        ("osSku", "Ubuntu", "cluster", "os_sku"),
        ("kubernetesVersion", "1.26.0", "pool", "kubernetes_version"),
        ("nodePoolName", "Pool_1", "cluster", "node_pool_name"),
        ("runtime", "kata", "pool", "workload_runtime"),
        ("clusterName", "-x", "cluster", "cluster_name"),
        ("networkPolicy", "calico", "cluster", "network_policy"),
    ],
)
def test_a_component_and_the_stack_settings_give_the_same_reason(setting, value, kind, prop):
    with pytest.raises(SettingsError) as settings:
        load_settings({setting: value}, "eastus")
    error, _ = judged(kind, {prop: value})
    [from_settings] = settings.value.problems
    [from_component] = error.problems
    assert (from_component.reason, from_component.allowed) == (
        from_settings.reason,
        from_settings.allowed,
    )
    assert from_component.value == from_settings.value == value


def test_skip_validation_lets_the_sandboxing_rules_step_aside_with_a_warning(monkeypatch):
    monkeypatch.setenv("PODSANDBOX_SKIP_VALIDATION", "true")
    run = deploy(
        lambda: {
            "c": SandboxedCluster(
                "x", cluster_args(vm_size="Standard_D4_v3", os_sku="Ubuntu")
            ).cluster_name
        }
    )
    [cluster] = run.of_type("azure-native:containerservice:ManagedCluster")
    profile = cluster.inputs["agentPoolProfiles"][0]
    assert (profile["vmSize"], profile["osSKU"]) == ("Standard_D4_v3", "Ubuntu")
    [warning] = [w for w in run.warnings if "PODSANDBOX_SKIP_VALIDATION" in w]
    assert "SandboxedCluster does not check the sandboxing rules (2 skipped" in warning
    # Values that cannot be used at all still stop it.
    error, _ = judged("pool", {"node_count": 0})
    assert [problem.where for problem in error.problems] == ["nodeCount"]


@pytest.mark.subprocess  # the judged program runs in a process of its own
def test_another_teams_program_gets_the_same_errors_as_the_stack_settings(capsys):
    from podsandbox.cli import main
    from tests.conftest import REPO

    program = REPO / "tests" / "programs" / "team-component"
    assert main(["preview", "--program", str(program)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(
        "error: invalid SandboxedNodePool 'kata' inputs at __main__.py:8 (2 problems):"
    )
    with pytest.raises(SettingsError) as settings:
        load_settings({"nodeVmSize": "Standard_D4_v3", "osSku": "Ubuntu"}, "eastus")
    for problem in settings.value.problems:
        assert f": {problem.reason}. Allowed: {problem.allowed}." in error
    assert "Traceback" not in error


def test_a_component_takes_at_most_100_pools():
    from podsandbox.components.validation import ComponentInputError, checked, node_pool_inputs

    pools = [{"name": f"p{index}"} for index in range(99)]
    checked("SandboxedNodePool", node_pool_inputs(pool_args(extra_pools=pools), "pool"))
    more = [*pools, {"name": "p99"}]
    with pytest.raises(ComponentInputError) as raised:
        checked("SandboxedNodePool", node_pool_inputs(pool_args(extra_pools=more), "pool"))
    [problem] = raised.value.problems
    assert (problem.where, problem.value) == ("extraPools", 100)
    assert problem.reason == (
        "make 101 pools with the first one, more than the 100 node pools an AKS cluster takes "
        "(AKS quota)"
    )
    assert (problem.allowed, problem.example) == ("at most 99 more pools", "extraPools: []")


def given(row: Any) -> dict[str, Any]:
    return cast(dict[str, Any], row.values[1])


FIXABLE = [row for row in BAD_INPUTS if OUTPUT not in given(row).values()]
"""Rows whose example is a value to set: all but those given an output of another resource,
whose fix is to pass a plain value (the example says which)."""


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def followed(changes: dict[str, Any], example: str) -> dict[str, Any]:
    """The inputs after setting what the example (`path: value`) says; `(leave it out)` removes
    the input. A path such as `extraPools[1].vmSize` reaches into the list."""
    path, _, text = example.partition(": ")
    fixed: dict[str, Any] = json.loads(json.dumps(changes))
    steps = [int(i) if i else snake(n) for n, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)]
    here: Any = fixed
    for step in steps[:-1]:
        here = here[step]
    if text == "(leave it out)":
        here.pop(steps[-1], None)
        return fixed
    try:
        here[steps[-1]] = json.loads(text)
    except json.JSONDecodeError:
        here[steps[-1]] = text
    return fixed


def test_the_rows_left_out_are_the_outputs():
    assert len(FIXABLE) + sum(OUTPUT in given(row).values() for row in BAD_INPUTS) == len(
        BAD_INPUTS
    )


NO_SINGLE_VALUE_FIX = {"bad ssh key": "the example stands for the user's own public key"}
"""Rows whose example is no value a test can set, with why; the test holds this list true."""


@pytest.mark.every_example  # a deployment per row: out of the mutation check's budget
@pytest.mark.parametrize(("kind", "changes", "message"), FIXABLE)
def test_every_printed_component_fix_works_when_followed(request, kind, changes, message):
    error, _ = judged(kind, changes)
    [problem] = [p for p in error.problems if str(p) == message]
    fixed = followed(changes, problem.example)
    caught: list[ComponentInputError] = []

    def build() -> dict[str, Any]:
        try:
            construct(kind, fixed)
        except ComponentInputError as again:
            caught.append(again)
        return {}

    deploy(build)
    left = [
        p
        for e in caught
        for p in e.problems
        if (p.where, p.reason) == (problem.where, problem.reason)
    ]
    row = request.node.callspec.id
    assert (left == []) is (row not in NO_SINGLE_VALUE_FIX), (row, problem.example)
