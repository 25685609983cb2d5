"""The policy pack: every policy passing and failing on engine-shaped inputs, unknowns, config."""

from __future__ import annotations

import ast
import json
import os
import re
import runpy
import sys
from pathlib import Path
from typing import Any, Optional

import pulumi_policy
import pytest
from pulumi.runtime import rpc
from pulumi_policy import (
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import PolicyCustomTimeouts
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

import podsandbox.rules.aks
from podsandbox import pack as sandbox_policies
from podsandbox.pack import pools as pack_pools
from podsandbox.preview.policy_evaluator import (
    PolicyConfigError,
    load_pack,
    resolve_config,
)
from podsandbox.preview.records import ProgramRun, RegisteredResource
from podsandbox.rules import pools
from tests.conftest import REPO
from tests.sdk_analyzer import SdkAnalyzer

CLUSTER = pools.MANAGED_CLUSTER
POOL = pools.AGENT_POOL
POD = "kubernetes:core/v1:Pod"
URN = "urn:pulumi:dev::podsandbox::type::name"


def policy(name: str) -> Any:
    [found] = [p for p in sandbox_policies.POLICIES if p.name == name]
    return found


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def violations(
    name: str, resource_type: str, props: dict[str, Any], config: Optional[dict[str, Any]] = None
) -> list[str]:
    """Run one resource policy the way the SDK does: props behind the unknown-checking proxy."""
    found: list[str] = []
    target = policy(name)
    assert isinstance(target, ResourceValidationPolicy)
    args = ResourceValidationArgs(
        resource_type, unknown_checking_proxy(props), URN, "name", options(), None, config or {}
    )

    def report(message: str, urn: Optional[str] = None) -> None:
        found.append(message)

    target.validate(args, report)
    return found


def stack_violations(
    name: str,
    resources: list[tuple[str, dict[str, Any]]],
    config: Optional[dict[str, Any]] = None,
) -> list[str]:
    found: list[str] = []
    target = policy(name)
    assert isinstance(target, StackValidationPolicy)
    policy_resources = [
        PolicyResource(
            kind, unknown_checking_proxy(props), f"{URN}{i}", f"r{i}", options(), None, None, [], {}
        )
        for i, (kind, props) in enumerate(resources)
    ]

    def report(message: str, urn: Optional[str] = None) -> None:
        found.append(message)

    target.validate(StackValidationArgs(policy_resources, config), report)
    return found


def profile(**changes: Any) -> dict[str, Any]:
    values = {
        "name": "nodepool1",
        "mode": "System",
        "count": 1,
        "vmSize": "Standard_D4s_v3",
        "osType": "Linux",
        "osSKU": "AzureLinux",
        "workloadRuntime": "KataVmIsolation",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def cluster(**changes: Any) -> dict[str, Any]:
    return {"resourceName": "myAKSCluster", "agentPoolProfiles": [profile(**changes)]}


def agent_pool(**changes: Any) -> dict[str, Any]:
    props = profile(**changes)
    props["agentPoolName"] = props.pop("name")
    return props


def pod(spec: dict[str, Any], namespace: Optional[str] = "untrusted") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "untrusted"}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def container(**resources: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"name": "app", "image": "nginx"}
    if resources:
        block["resources"] = resources
    return block


GOOD_RESOURCES = {
    "limits": {"cpu": "500m", "memory": "256Mi"},
    "requests": {"cpu": "500m", "memory": "256Mi"},
}


def sandboxed(**spec: Any) -> dict[str, Any]:
    values = {"runtimeClassName": "kata-vm-isolation", "containers": [container(**GOOD_RESOURCES)]}
    values.update(spec)
    return values


# --- the pack ---------------------------------------------------------------------------------


def test_every_policy_has_name_description_and_level():
    levels = {
        p.name: p.enforcement_level.value if p.enforcement_level else None
        for p in sandbox_policies.POLICIES
    }
    assert levels == {
        "sandbox-pool-os": "mandatory",
        "sandbox-pool-vm-size": "mandatory",
        "sandbox-pool-kubernetes-version": "mandatory",
        "sandbox-pool-legacy-runtime": "advisory",
        "sandbox-pool-os-sku-unverified": "advisory",
        "sandbox-pool-no-fips": "mandatory",
        "sandbox-pool-readable": "advisory",
        "sandboxed-pod-no-host-network": "mandatory",
        "sandboxed-pod-memory-limit": "mandatory",
        "sandboxed-pod-cpu-limit": "advisory",
        "sandboxed-pod-host-features": "advisory",
        "custom-runtime-class-sandboxed": "mandatory",
        "untrusted-namespace-guardrail": "advisory",
        "custom-runtime-class-advice": "advisory",
        "untrusted-namespace-sandboxed": "mandatory",
        "labelled-namespace-sandboxed": "mandatory",
        "untrusted-namespace-patch": "mandatory",
        "sandboxed-workload-needs-sandboxing-pool": "advisory",
        "runtime-class-matches-pool-generation": "advisory",
        "karpenter-node-class-kata": "mandatory",
        "karpenter-node-pool-kata-sizes": "mandatory",
        "karpenter-node-pool-unconstrained": "advisory",
        "karpenter-node-pool-kata-taint": "advisory",
        "aks-runtime-class-reserved": "mandatory",
        "resource-type-judged": "mandatory",
    }
    assert all(p.description for p in sandbox_policies.POLICIES)


def test_pack_main_only_builds_the_policy_pack(monkeypatch):
    tree = ast.parse((REPO / "policy" / "__main__.py").read_text())
    statements = [
        node
        for node in tree.body
        if not isinstance(node, ast.Expr | ast.Import | ast.ImportFrom)
        or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call))
    ]
    [call] = [node for node in statements if isinstance(node, ast.Expr)]
    assert isinstance(call.value, ast.Call) and ast.unparse(call.value.func) == "PolicyPack"

    captured: dict[str, Any] = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: captured.update(kwargs))
    monkeypatch.syspath_prepend(str(REPO / "policy"))
    runpy.run_path(str(REPO / "policy" / "__main__.py"), run_name="__main__")
    assert captured["name"] == "aks-pod-sandboxing"
    assert [p.name for p in captured["policies"]] == [p.name for p in sandbox_policies.POLICIES]


def test_policy_pack_file_has_runtime_version_and_description():
    import yaml

    metadata = yaml.safe_load((REPO / "policy" / "PulumiPolicy.yaml").read_text())
    assert metadata["runtime"]["name"] == "python"
    assert metadata["version"] == load_pack().version == sandbox_policies.PACK_VERSION
    assert metadata["description"]
    requirements = (REPO / "policy" / "requirements.txt").read_text()
    assert "pulumi-policy>=" in requirements


@pytest.mark.reads_source
def test_program_cli_and_pack_share_one_rules_module():
    import config  # the program's settings reader
    from podsandbox.rules import policy_checks
    from podsandbox.stack import load

    assert pack_pools.policy_checks is policy_checks  # type: ignore[attr-defined]
    assert policy_checks.aks is load.aks is podsandbox.rules.aks  # type: ignore[attr-defined]
    assert config.__dict__["load_settings"].__module__ == "podsandbox.stack.load"
    # No other source file spells a runtime value, RuntimeClass, node label or the OS SKU.
    literals = {
        value
        for runtime in podsandbox.rules.aks.RUNTIMES.values()
        for value in (runtime.workload_runtime, runtime.runtime_class_name, runtime.node_label)
    } | {"AzureLinux"}
    sources = [REPO / "__main__.py", REPO / "config.py"] + [
        path
        for folder in ("podsandbox", "policy")
        for path in (REPO / folder).rglob("*.py")
        if path.relative_to(REPO).as_posix() != "podsandbox/rules/aks.py"
    ]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in literals, (path.name, node.value)


@pytest.mark.subprocess
def test_pack_runs_where_the_cli_puts_it(tmp_path):
    # `pulumi preview --policy-pack policy` runs policy/__main__.py with policy/ first on the path,
    # in the pack's own environment (policy/requirements.txt: the policy SDK and this package
    # without extras). The policies must need nothing the pack does not install.
    import subprocess

    # (PyYAML, which the pack reads kubeconfigs with, is one of the pack's requirements.)
    blocked = ["jsonschema", "kubernetes", "pulumi_azure_native", "pulumi_kubernetes",
               "pulumi_tls"]  # fmt: skip
    code = (
        "import sys\n"
        f"sys.path = [p for p in sys.path if p not in ('', {str(REPO)!r})]\n"
        f"sys.path.insert(0, {str(REPO / 'policy')!r})\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "import podsandbox.pack as s\n"
        "print(len(s.POLICIES))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(sandbox_policies.POLICIES))


# --- node pool policies -------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", [CLUSTER, POOL])
def test_good_pool_passes_every_pool_policy(resource_type):
    props = cluster() if resource_type == CLUSTER else agent_pool()
    for name in (
        "sandbox-pool-os",
        "sandbox-pool-vm-size",
        "sandbox-pool-kubernetes-version",
        "sandbox-pool-legacy-runtime",
        "sandbox-pool-no-fips",
    ):
        assert violations(name, resource_type, props) == [], name


def test_os_sku_and_type():
    assert violations("sandbox-pool-os", CLUSTER, cluster(osSKU="Ubuntu")) == [
        "node pool nodepool1 (agentPoolProfiles[0].osSKU): Pod Sandboxing needs OS SKU "
        "AzureLinux; Ubuntu cannot run Kata VMs; use AzureLinux"
    ]
    assert violations("sandbox-pool-os", POOL, agent_pool(osType="Windows", osSKU=None)) == [
        "node pool nodepool1 (osType) has osType Windows; KataVmIsolation needs Linux",
        "node pool nodepool1 (osSKU) sets no OS SKU; KataVmIsolation needs AzureLinux set "
        "explicitly",
    ]


def test_non_sandboxing_pools_are_not_judged():
    props = cluster(workloadRuntime="OCIContainer", osSKU="Ubuntu", vmSize="Standard_D4_v3")
    for name in ("sandbox-pool-os", "sandbox-pool-vm-size"):
        assert violations(name, CLUSTER, props) == []
    assert violations("sandbox-pool-os", CLUSTER, cluster(workloadRuntime=None)) == []


def test_unverified_os_sku_is_advisory_only():
    props = agent_pool(osSKU="AzureLinux3")
    assert violations("sandbox-pool-os", POOL, props) == []
    assert violations("sandbox-pool-os-sku-unverified", POOL, props) == [
        "node pool nodepool1 (osSKU): OS SKU AzureLinux3 is not documented for Pod Sandboxing "
        "(only AzureLinux is); AKS may reject it"
    ]


@pytest.mark.parametrize(
    ("size", "fragment"),
    [
        ("Standard_D4_v3", "uses Standard_D4_v3: Standard_D4_v3 (Dv3) is Generation 1 only"),
        ("Standard_D4as_v4", "does not support nested virtualization"),
        ("Standard_D4ps_v5", "Arm64"),
        ("Standard_D4d_v5", "unverified"),
        ("Standard_Q4_v9", "not in the catalog"),
        ("D4s_v3", "is not an Azure VM size name"),
    ],
)
def test_vm_size_violations_name_the_size(size, fragment):
    [message] = violations("sandbox-pool-vm-size", CLUSTER, cluster(vmSize=size))
    assert fragment in message
    assert message.startswith("node pool nodepool1 (agentPoolProfiles[0].vmSize)")


def test_vm_size_allow_list_in_config():
    props = agent_pool(vmSize="Standard_D4d_v5")
    assert (
        violations("sandbox-pool-vm-size", POOL, props, {"allowedVmSizes": ["standard_d4d_v5"]})
        == []
    )
    [message] = violations("sandbox-pool-vm-size", POOL, props, {"allowedVmSizes": []})
    assert "allowedVmSizes" in message


def test_missing_vm_size_is_a_violation():
    [message] = violations("sandbox-pool-vm-size", POOL, agent_pool(vmSize=None))
    assert "sets no VM size" in message


def test_kubernetes_versions():
    props = cluster(orchestratorVersion="1.26.3")
    props["kubernetesVersion"] = "1.25"
    assert violations("sandbox-pool-kubernetes-version", CLUSTER, props) == [
        "node pool nodepool1: kubernetesVersion 1.25 is below the minimum 1.27.0 for "
        "KataVmIsolation; use 1.27.0 or later",
        "node pool nodepool1: agentPoolProfiles[0].orchestratorVersion 1.26.3 is below the "
        "minimum 1.27.0 for KataVmIsolation; use 1.27.0 or later",
    ]
    legacy = agent_pool(workloadRuntime="KataMshvVmIsolation", orchestratorVersion="1.26.3")
    assert violations("sandbox-pool-kubernetes-version", POOL, legacy) == []
    assert violations(
        "sandbox-pool-kubernetes-version", POOL, agent_pool(orchestratorVersion="latest")
    ) == ["node pool nodepool1: orchestratorVersion latest is not a Kubernetes version"]


def test_legacy_runtime_is_advisory_with_the_ga_replacement():
    [message] = violations(
        "sandbox-pool-legacy-runtime", POOL, agent_pool(workloadRuntime="KataMshvVmIsolation")
    )
    assert "use KataVmIsolation (RuntimeClass kata-vm-isolation)" in message


def test_fips():
    assert violations("sandbox-pool-no-fips", POOL, agent_pool(enableFIPS=True)) == [
        "node pool nodepool1 (enableFIPS) enables FIPS, which Pod Sandboxing does not support; "
        "use a separate non-sandboxing pool for FIPS workloads"
    ]
    assert violations("sandbox-pool-no-fips", POOL, agent_pool(enableFIPS=False)) == []


def test_classic_provider_pools():
    classic_pool = {
        "name": "kata",
        "vmSize": "Standard_D4as_v4",
        "osSku": "Ubuntu",
        "fipsEnabled": True,
        "workloadRuntime": "KataVmIsolation",
        "orchestratorVersion": "1.26",
    }
    assert len(violations("sandbox-pool-os", pools.CLASSIC_POOL, classic_pool)) == 1
    assert len(violations("sandbox-pool-vm-size", pools.CLASSIC_POOL, classic_pool)) == 1
    assert len(violations("sandbox-pool-no-fips", pools.CLASSIC_POOL, classic_pool)) == 1
    assert len(violations("sandbox-pool-kubernetes-version", pools.CLASSIC_POOL, classic_pool)) == 1
    classic_cluster = {
        "kubernetesVersion": "1.33",
        "defaultNodePool": dict(classic_pool, osSku="AzureLinux"),
    }
    [message] = violations("sandbox-pool-vm-size", pools.CLASSIC_CLUSTER, classic_cluster)
    assert message.startswith("node pool kata (defaultNodePool.vmSize)")
    assert violations("sandbox-pool-os", pools.CLASSIC_CLUSTER, classic_cluster) == []


# --- unknown values --------------------------------------------------------------------------


def test_an_unknown_value_stops_only_the_policy_that_needs_it():
    props = agent_pool(orchestratorVersion=rpc.UNKNOWN)
    with pytest.raises(UnknownValueError):
        violations("sandbox-pool-kubernetes-version", POOL, props)
    assert violations("sandbox-pool-os", POOL, props) == []
    assert violations("sandbox-pool-vm-size", POOL, props) == []


def test_unknown_values_become_an_advisory_cannot_run_as_in_the_engine():
    pack = load_pack()
    analyzer = SdkAnalyzer(pack, resolve_config(pack))
    resource = RegisteredResource(
        urn=URN,
        type=POOL,
        name="pool",
        parent=None,
        custom=True,
        protect=False,
        inputs={},
        engine_inputs=agent_pool(vmSize=rpc.UNKNOWN),
    )
    run = ProgramRun("podsandbox", "dev", True, resources=[resource])
    [found] = analyzer.analyze(run)
    assert (found.policy, found.enforcement, found.urn) == ("sandbox-pool-vm-size", "advisory", URN)
    assert "can't run policy 'sandbox-pool-vm-size'" in found.message
    assert "vmSize can't be known during preview" in found.message


# --- workloads -------------------------------------------------------------------------------


def test_good_sandboxed_pod_passes_every_workload_policy():
    props = pod(sandboxed())
    for name in (
        "sandboxed-pod-no-host-network",
        "sandboxed-pod-memory-limit",
        "sandboxed-pod-cpu-limit",
        "sandboxed-pod-host-features",
        "untrusted-namespace-sandboxed",
    ):
        assert violations(name, POD, props) == [], name


def test_host_network():
    [message] = violations("sandboxed-pod-no-host-network", POD, pod(sandboxed(hostNetwork=True)))
    assert "spec.hostNetwork: true with RuntimeClass kata-vm-isolation" in message
    unsandboxed = pod({"hostNetwork": True, "containers": [container()]})
    assert violations("sandboxed-pod-no-host-network", POD, unsandboxed) == []


def test_memory_limits():
    no_limit = pod(sandboxed(containers=[container()]))
    assert violations("sandboxed-pod-memory-limit", POD, no_limit) == [
        "Pod untrusted/untrusted: container app sets no memory limit; a sandboxed pod's memory "
        "limit sizes its VM. Set resources.limits.memory (at least 128Mi)"
    ]
    small = pod(sandboxed(containers=[container(limits={"memory": "64Mi", "cpu": "1"})]))
    assert violations("sandboxed-pod-memory-limit", POD, small) == [
        "Pod untrusted/untrusted: memory limit 64Mi is under the 128Mi minimum of a sandbox "
        "(AKS rejects it: pod memory limit too low)"
    ]
    two = [container(limits={"memory": "64Mi"}), container(limits={"memory": "64Mi"})]
    assert violations("sandboxed-pod-memory-limit", POD, pod(sandboxed(containers=two))) == []


def test_cpu_limits_and_requests_equal_to_limits():
    unequal = container(
        limits={"cpu": "1", "memory": "1Gi"}, requests={"cpu": "500m", "memory": "1024Mi"}
    )
    assert violations("sandboxed-pod-cpu-limit", POD, pod(sandboxed(containers=[unequal]))) == [
        "Pod untrusted/untrusted: container app requests cpu 500m but is limited to 1; set "
        "requests equal to limits for sandboxed pods"
    ]
    no_cpu = container(limits={"memory": "1Gi"})
    [message] = violations("sandboxed-pod-cpu-limit", POD, pod(sandboxed(containers=[no_cpu])))
    assert "sets no CPU limit" in message


def test_host_features_say_how_kata_treats_them():
    spec = sandboxed(
        hostPID=True,
        hostIPC=True,
        volumes=[{"name": "dev", "hostPath": {"path": "/dev"}}],
        containers=[
            dict(
                container(**GOOD_RESOURCES),
                securityContext={"privileged": True},
                volumeMounts=[{"name": "dev", "mountPath": "/d", "subPath": "x"}],
            )
        ],
    )
    found = violations("sandboxed-pod-host-features", POD, pod(spec))
    assert [message.split(" uses ")[1].split(":")[0] for message in found] == [
        "hostPID",
        "hostIPC",
        "privileged",
        "hostPath",
        "subPath",
    ]
    assert "mapped to the sandbox VM's PID namespace" in found[0]


@pytest.mark.parametrize(
    ("resource_type", "wrap"),
    [
        ("kubernetes:apps/v1:Deployment", lambda spec: {"spec": {"template": {"spec": spec}}}),
        ("kubernetes:apps/v1:StatefulSet", lambda spec: {"spec": {"template": {"spec": spec}}}),
        ("kubernetes:apps/v1:DaemonSet", lambda spec: {"spec": {"template": {"spec": spec}}}),
        ("kubernetes:apps/v1:ReplicaSet", lambda spec: {"spec": {"template": {"spec": spec}}}),
        ("kubernetes:batch/v1:Job", lambda spec: {"spec": {"template": {"spec": spec}}}),
        (
            "kubernetes:batch/v1:CronJob",
            lambda spec: {"spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}},
        ),
    ],
)
def test_pod_templates_are_judged_too(resource_type, wrap):
    props = wrap(sandboxed(hostNetwork=True))
    props["metadata"] = {"name": "app", "namespace": "team"}
    [message] = violations("sandboxed-pod-no-host-network", resource_type, props)
    assert ".spec.hostNetwork" in message or "spec.template.spec.hostNetwork" in message


def test_untrusted_namespaces_must_be_sandboxed():
    plain = pod({"containers": [container()]})
    [message] = violations("untrusted-namespace-sandboxed", POD, plain)
    assert "runs in the untrusted namespace untrusted with runtimeClassName unset" in message
    assert (
        violations("untrusted-namespace-sandboxed", POD, pod({"containers": []}, "default")) == []
    )
    config = {"untrustedNamespaces": ["tenants"]}
    assert violations("untrusted-namespace-sandboxed", POD, plain, config) == []
    assert (
        len(
            violations(
                "untrusted-namespace-sandboxed", POD, pod({"containers": []}, "tenants"), config
            )
        )
        == 1
    )


# --- stack policies --------------------------------------------------------------------------


def test_sandboxed_workload_without_a_sandboxing_pool():
    plain_cluster = (CLUSTER, cluster(workloadRuntime="OCIContainer"))
    workload = (POD, pod(sandboxed()))
    [message] = stack_violations(
        "sandboxed-workload-needs-sandboxing-pool", [plain_cluster, workload]
    )
    assert "none of them is a sandboxing pool" in message
    assert (
        stack_violations(
            "sandboxed-workload-needs-sandboxing-pool", [(CLUSTER, cluster()), workload]
        )
        == []
    )
    # A stack that only deploys workloads (the pool is elsewhere) is not judged.
    assert stack_violations("sandboxed-workload-needs-sandboxing-pool", [workload]) == []


def test_runtime_class_generation_must_match_the_pool():
    legacy_workload = (POD, pod(sandboxed(runtimeClassName="kata-mshv-vm-isolation")))
    [message] = stack_violations(
        "runtime-class-matches-pool-generation", [(CLUSTER, cluster()), legacy_workload]
    )
    assert (
        "uses RuntimeClass kata-mshv-vm-isolation" in message and "use kata-vm-isolation" in message
    )
    assert (
        stack_violations(
            "runtime-class-matches-pool-generation", [(CLUSTER, cluster()), (POD, pod(sandboxed()))]
        )
        == []
    )


# --- config ------------------------------------------------------------------------------------


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(document))
    return path


def test_config_defaults_and_levels(tmp_path):
    pack = load_pack()
    resolved = resolve_config(pack)
    assert resolved["sandbox-pool-vm-size"][1] == {"allowedVmSizes": []}
    assert resolved["untrusted-namespace-sandboxed"][1] == {
        "untrustedNamespaces": ["untrusted"],
        "sandboxingRuntimeClasses": {},
    }
    path = write(
        tmp_path,
        {
            "all": "advisory",
            "sandbox-pool-os": {"enforcementLevel": "disabled"},
            "sandbox-pool-vm-size": {"allowedVmSizes": ["Standard_D4d_v5"]},
        },
    )
    resolved = resolve_config(pack, path)
    assert resolved["sandbox-pool-os"][0].value == "disabled"
    assert resolved["sandbox-pool-vm-size"][0].value == "advisory"
    assert resolved["sandbox-pool-vm-size"][1] == {"allowedVmSizes": ["Standard_D4d_v5"]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"no-such-policy": "advisory"}, "unknown policies: no-such-policy"),
        ({"sandbox-pool-os": "strict"}, "'strict' is not an enforcement level"),
        ({"sandbox-pool-vm-size": {"allowedVmSizes": "Standard_D4d_v5"}}, "is not of type 'array'"),
        ({"sandbox-pool-vm-size": {"allowed": []}}, "Additional properties are not allowed"),
        ([], "expected a JSON object"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path, document, message):
    with pytest.raises(PolicyConfigError, match=message.replace("(", r"\(").replace("'", "'")):
        resolve_config(load_pack(), write(tmp_path, document))


# --- the preview's evaluator against the SDK's own analyzer service ---------------------------


def differential_runs() -> list[tuple[str, ProgramRun]]:
    from podsandbox.preview.recorder import run_program
    from podsandbox.stack.files import load_stack_config

    runs = []
    for stack in ("dev", "existing", "multipool"):
        config = load_stack_config(REPO, stack)
        runs.append((stack, run_program(REPO, config.project, config.stack, config.config)))
    bad = load_stack_config(REPO, config_file=REPO / "tests" / "stacks" / "Pulumi.bad.yaml")
    bad.config["podsandbox:runtime"] = "KataMshvVmIsolation"
    bad.config["podsandbox:osSku"] = "AzureLinux3"
    os.environ["PODSANDBOX_SKIP_VALIDATION"] = "true"
    try:
        runs.append(("bad", run_program(REPO, bad.project, bad.stack, bad.config)))
    finally:
        del os.environ["PODSANDBOX_SKIP_VALIDATION"]
    for name in ("team-aks", "unknown-size"):  # the second: a policy that cannot run
        folder = REPO / "tests" / "programs" / name
        team = load_stack_config(folder, "dev")
        runs.append((name, run_program(folder, team.project, team.stack, team.config)))
    return runs


@pytest.mark.differential
@pytest.mark.parametrize(
    "config",
    [
        {},
        {"all": "mandatory"},
        {
            "sandbox-pool-vm-size": {
                "enforcementLevel": "remediate",
                "allowedVmSizes": ["Standard_D4as_v4"],
            }
        },
        {
            "sandboxed-pod-cpu-limit": "disabled",
            "untrusted-namespace-sandboxed": {"untrustedNamespaces": ["tenants"]},
        },
    ],
)
def test_the_preview_evaluator_matches_the_sdk_analyzer_service(config, tmp_path):
    from podsandbox.preview.policy_evaluator import Analyzer

    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    pack = load_pack()
    resolved = resolve_config(pack, path)
    compared = 0
    for name, run in differential_runs():
        expected = sorted(SdkAnalyzer(pack, resolved).analyze(run), key=repr)
        actual = sorted(Analyzer(pack, resolved).analyze(run), key=repr)
        assert actual == expected, name
        compared += len(expected)
    assert compared >= 7  # the comparison covers real violations, not only empty lists


@pytest.mark.parametrize("policy", sandbox_policies.POLICIES, ids=lambda policy: policy.name)
def test_every_policy_carries_the_metadata_the_cli_and_pulumi_cloud_show(policy):
    assert isinstance(policy.severity, pulumi_policy.Severity)
    assert policy.tags and "pod-sandboxing" in policy.tags
    assert policy.remediation_steps and len(policy.remediation_steps) > 40
    # Wrapped source lines must not leave a word broken in what users read.
    assert not re.search(r"\w- \w|  ", policy.remediation_steps), policy.remediation_steps
    assert policy.url and policy.url.startswith("https://")
    assert policy.url in {
        sandbox_policies.AKS_DOC,
        sandbox_policies.KATA_LIMITATIONS,
        sandbox_policies.RUNTIME_CLASS_DOC,
        sandbox_policies.ADMISSION_POLICY_DOC,
        sandbox_policies.KARPENTER_DOC,
    }


# --- the in-cluster guardrail -------------------------------------------------------------------

VAP = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
VAPB = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"


def namespace(name: str, **labels: str) -> tuple[str, dict[str, Any]]:
    return "kubernetes:core/v1:Namespace", {"metadata": {"name": name, "labels": labels}}


def guardrail_objects(policy_name: str = "p", bound_to: str = "p") -> list[tuple[str, Any]]:
    from podsandbox.guardrail import admission_policy

    bindings = admission_policy.binding_objects("b", bound_to, ["untrusted"], ["Deny"])
    return [(VAP, {"metadata": {"name": policy_name}})] + [(VAPB, b) for b in bindings]


@pytest.mark.parametrize(
    ("resources", "flagged"),
    [
        ([namespace("untrusted")], ["untrusted"]),
        ([namespace("untrusted"), *guardrail_objects()], []),
        ([namespace("untrusted"), *guardrail_objects(bound_to="elsewhere")], ["untrusted"]),
        ([namespace("ci", **{"podsandbox.io/untrusted": "true"})], ["ci"]),
        ([namespace("ci", **{"podsandbox.io/untrusted": "true"}), *guardrail_objects()], []),
        ([(POD, pod(sandboxed()))], ["untrusted"]),  # a workload there, its namespace elsewhere
        ([(POD, pod(sandboxed())), *guardrail_objects()], []),
        ([namespace("default"), (POD, pod(sandboxed(), "default"))], []),  # nothing untrusted
        ([], []),
    ],
)
def test_an_untrusted_namespace_without_an_admission_policy_is_advised(resources, flagged):
    found = stack_violations("untrusted-namespace-guardrail", resources)
    assert [message.split()[1] for message in found] == flagged
    for message in found:
        assert message.endswith(
            "workloads applied outside Pulumi (kubectl, Helm, a GitOps controller, an agent's "
            "tooling) are not checked there"
        )


def test_the_guardrail_advice_follows_the_configured_namespaces():
    config = {"untrustedNamespaces": ["tenants"]}
    assert stack_violations("untrusted-namespace-guardrail", [namespace("untrusted")], config) == []
    [message] = stack_violations("untrusted-namespace-guardrail", [namespace("tenants")], config)
    assert message.startswith("namespace tenants is untrusted")


LABELLED = {"podsandbox.io/untrusted": "true"}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def deployment(spec: dict[str, Any], namespace: str) -> dict[str, Any]:
    return {"metadata": {"namespace": namespace}, "spec": {"template": {"spec": spec}}}


@pytest.mark.parametrize(
    ("resources", "flagged"),
    [
        # A namespace the stack labels untrusted is untrusted: its unsandboxed workloads are not.
        ([namespace("ci", **LABELLED), (POD, pod({"containers": [container()]}, "ci"))],
         ["Pod"]),
        ([namespace("ci", **LABELLED), (DEPLOYMENT, deployment({"containers": [container()]},
         "ci"))], ["Deployment"]),
        ([namespace("ci", **LABELLED), (POD, pod(sandboxed(), "ci"))], []),
        # Without the label (or with another value) it is not.
        ([namespace("ci"), (POD, pod({"containers": [container()]}, "ci"))], []),
        ([namespace("ci", **{"podsandbox.io/untrusted": "false"}),
          (POD, pod({"containers": [container()]}, "ci"))], []),
        # Workloads in other namespaces are not judged by it.
        ([namespace("ci", **LABELLED), (POD, pod({"containers": [container()]}, "web"))], []),
        # The configured untrusted namespaces are untrusted-namespace-sandboxed's: none twice.
        ([namespace("untrusted", **LABELLED), (POD, pod({"containers": [container()]}))], []),
        # Another class is custom-runtime-class-sandboxed's.
        ([namespace("ci", **LABELLED), (POD, pod({"runtimeClassName": "gvisor",
          "containers": [container()]}, "ci"))], []),
        ([], []),
    ],
)  # fmt: skip
def test_workloads_in_a_namespace_the_stack_labels_untrusted_must_be_sandboxed(resources, flagged):
    found = stack_violations("labelled-namespace-sandboxed", resources)
    assert [message.split()[0] for message in found] == flagged
    for message in found:
        assert "runs in the untrusted namespace ci with runtimeClassName unset" in message


def test_a_labelled_namespace_is_untrusted_for_the_stacks_own_runtime_classes_too():
    gvisor = (POD, pod({"runtimeClassName": "gvisor", "containers": [container()]}, "ci"))
    assert stack_violations("custom-runtime-class-sandboxed", [namespace("ci"), gvisor]) == []
    [message] = stack_violations("custom-runtime-class-sandboxed",
                                 [namespace("ci", **LABELLED), gvisor])  # fmt: skip
    assert "runs in the untrusted namespace ci with runtimeClassName 'gvisor'" in message


def test_a_labelled_namespace_follows_the_config_not_only_the_default():
    config = {"untrustedNamespaces": ["tenants"]}
    unsandboxed = (POD, pod({"containers": [container()]}, "untrusted"))
    # "untrusted" is not configured here; labelled, it is untrusted all the same.
    stack = [namespace("untrusted", **LABELLED), unsandboxed]
    assert len(stack_violations("labelled-namespace-sandboxed", stack, config)) == 1
