"""The whole program (`__main__.py`) for each example stack file, as a preview and as a deploy."""

from __future__ import annotations

import pulumi
import pytest

from podsandbox.preview.engine_values import SECRET, UNKNOWN
from podsandbox.preview.recorder import run_program
from podsandbox.stack.files import load_stack_config
from tests.conftest import KUBECONFIG, REPO, AzureMocks, in_clear


def stack(name: str):
    return load_stack_config(REPO, name)


def test_dev_stack_previews_the_how_to_cluster():
    config = stack("dev")
    run = run_program(REPO, config.project, config.stack, config.config)
    # Registrations reach the engine concurrently: their order is not part of the contract.
    types = sorted(resource.type for resource in run.resources)
    assert types == sorted(
        [
            "pulumi:pulumi:Stack",
            "podsandbox:index:SandboxedCluster",
            "azure-native:resources:ResourceGroup",
            "tls:index/privateKey:PrivateKey",
            "azure-native:containerservice:ManagedCluster",
            "pulumi:providers:kubernetes",
            "podsandbox:index:DemoWorkloads",
            "kubernetes:core/v1:Namespace",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "kubernetes:core/v1:Pod",
            "kubernetes:core/v1:Pod",
            "podsandbox:index:SandboxGuardrail",
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
        ]
    )
    assert {name: output.value for name, output in run.outputs.items()} == {
        "sshPrivateKey": SECRET,
        "resourceGroupName": "myResourceGroup",
        "clusterName": "myAKSCluster",
        "nodePoolName": "nodepool1",
        "sandboxPools": ["nodepool1"],
        "workloadRuntime": "KataVmIsolation",
        "runtimeClassName": "kata-vm-isolation",
        "kubeconfig": SECRET,
        "guardrailPolicy": "podsandbox-dev",
        "untrustedPod": "untrusted/untrusted",
        "untrustedSandbox": run.outputs["untrustedSandbox"].value,
        "sandboxCapacityPerNode": run.outputs["sandboxCapacityPerNode"].value,
        "sandboxCapacity": {
            "nodepool1": {
                "vmSize": "Standard_D4s_v3",
                "podsPerNode": 8,
                "minNodes": 1,
                "maxNodes": 1,
                "atMinimum": 8,
                "atMaximum": 8,
                "bound": "CPU",
            },
        },
    }
    # Like a real preview: nothing asked of Azure for a cluster that does not exist yet.
    assert run.invokes == []


def test_existing_stack_adds_only_a_pool_and_reports_unanswerable_invokes():
    config = stack("existing")
    run = run_program(REPO, config.project, config.stack, config.config)
    assert run.of_type("azure-native:containerservice:ManagedCluster") == []
    assert run.of_type("azure-native:resources:ResourceGroup") == []
    [pool] = run.of_type("azure-native:containerservice:AgentPool")
    assert (pool.inputs["agentPoolName"], pool.inputs["mode"]) == ("nodepool2", "User")
    # Offline the cluster cannot be read, so its version check waits for nothing; the pool's own
    # version is the configured one (none here: the cluster's), which the policies judge.
    assert "orchestratorVersion" not in pool.inputs
    # The credentials' format waits for the cluster's Entra ID settings: with those unknown, the
    # SDK does not send the second read at all (as in a real preview of an unreadable cluster).
    assert [invoke.token for invoke in run.unanswered_invokes] == [
        "azure-native:containerservice:getManagedCluster",
    ]
    assert "sshPrivateKey" not in run.outputs


@pytest.mark.parametrize("name", ["dev", "existing"])
def test_each_stack_deploys_against_mocked_azure_with_secret_kubeconfig(name):
    config = stack(name)
    run = run_program(REPO, config.project, config.stack, config.config, AzureMocks())
    kubeconfig = run.outputs["kubeconfig"]
    assert (kubeconfig.secret, in_clear(kubeconfig.wire)) == (True, KUBECONFIG)
    if name == "dev":
        assert run.outputs["sshPrivateKey"].secret


def test_a_legacy_stack_reads_the_feature_and_sends_a_preview_api_version():
    from podsandbox.rules.aks import LEGACY_ARM_API_VERSION

    config = load_stack_config(REPO, config_file=REPO / "tests" / "stacks" / "Pulumi.legacy.yaml")
    run = run_program(REPO, config.project, config.stack, config.config)
    assert run.of_type("azure-native:features:SubscriptionFeatureRegistration") == []
    assert run.of_type("azure-native:containerservice:ManagedCluster") == []
    assert run.of_type("azure-native:containerservice:AgentPool") == []
    generic = run.of_type("azure-native:resources:Resource")
    assert sorted(r.inputs["resourceType"] for r in generic) == ["agentPools", "managedClusters"]
    assert {r.inputs["apiVersion"] for r in generic} == {LEGACY_ARM_API_VERSION}
    # Offline, the feature's state cannot be read: the read is listed, everything waits on it.
    assert [i.token for i in run.unanswered_invokes] == [
        "azure-native:features:getSubscriptionFeatureRegistration"
    ]
    assert all(r.inputs["resourceGroupName"] is UNKNOWN for r in generic)
    assert run.outputs["runtimeClassName"].value == "kata-mshv-vm-isolation"
    assert any("preview-era (legacy)" in warning for warning in run.warnings)


def test_invalid_settings_stop_the_program_before_any_resource():
    config = stack("dev")
    config.config.update({"podsandbox:osSku": "Ubuntu", "podsandbox:nodeCount": "0"})
    with pytest.raises(pulumi.RunError, match=r"^2 problems in Pulumi\.dev\.yaml:") as raised:
        run_program(REPO, config.project, config.stack, config.config)
    assert "osSku = 'Ubuntu'" in str(raised.value) and "nodeCount = 0" in str(raised.value)


def test_runs_do_not_leak_into_each_other():
    first = stack("existing")
    second = stack("dev")
    run_program(REPO, first.project, first.stack, first.config)
    run = run_program(REPO, second.project, second.stack, second.config)
    assert run.of_type("azure-native:containerservice:AgentPool") == []
    assert all(resource.urn.startswith("urn:pulumi:dev::") for resource in run.resources)


def test_several_sandboxing_pools_and_a_pinned_demo_pod():
    config = stack("multipool")
    run = run_program(REPO, config.project, config.stack, config.config)
    agent_pools = run.of_type("azure-native:containerservice:AgentPool")
    pools = sorted(pool.inputs["agentPoolName"] for pool in agent_pools)
    assert pools == ["kata8", "katamem"]
    assert run.outputs["sandboxPools"].value == ["nodepool1", "kata8", "katamem"]
    [untrusted] = [p for p in run.of_type("kubernetes:core/v1:Pod") if p.name == "demo-untrusted"]
    assert untrusted.inputs["spec"]["nodeSelector"] == {"kubernetes.azure.com/agentpool": "kata8"}
    # The capacity output is for the pinned pool's size: 8 vCPUs, 32Gi.
    assert run.outputs["sandboxCapacityPerNode"].value["vmSize"] == "Standard_D8s_v5"
    assert run.outputs["sandboxCapacityPerNode"].value["pods"] == 16


def test_each_extra_pool_is_policy_checked_like_the_first(monkeypatch):
    from podsandbox.preview.policy_evaluator import evaluate

    config = stack("multipool")
    config.config["podsandbox:extraPools"] = '["kata8:Standard_D8s_v5:2", "bad:Standard_D8as_v4"]'
    with pytest.raises(pulumi.RunError, match=r"extraPools\[1\] = 'Standard_D8as_v4'"):
        run_program(REPO, config.project, config.stack, config.config)
    monkeypatch.setenv("PODSANDBOX_SKIP_VALIDATION", "true")
    run = run_program(REPO, config.project, config.stack, config.config)
    [violation] = [v for v in evaluate(run) if v.enforcement == "mandatory"]
    assert violation.policy == "sandbox-pool-vm-size"
    assert violation.urn.endswith("AgentPool::sandbox-pool-bad")
    assert "node pool bad (vmSize) uses Standard_D8as_v4" in violation.message


@pytest.mark.parametrize("name", ["dev", "existing"])
def test_protect_covers_the_component_and_its_provider_not_the_demo(name):
    config = stack(name)
    config.config["podsandbox:protect"] = "true"
    run = run_program(REPO, config.project, config.stack, config.config)
    component = "podsandbox:index:" + ("SandboxedCluster" if name == "dev" else "SandboxedNodePool")
    [target] = run.of_type(component)
    protected = {r.type for r in run.resources if r.protect}
    children = {r.type for r in run.resources if r.parent == target.urn}
    assert protected == children | {component}
    assert "pulumi:providers:kubernetes" in protected
    assert not any(r.protect for r in run.resources if r.type.startswith("kubernetes:"))
