"""Karpenter's node class and pool as the program deploys them (existing-cluster mode), and the
component's own input checks. (The rules and policies: `test_karpenter.py`.)"""

from __future__ import annotations

import pulumi
import pytest

from podsandbox.components.node_provisioning import SandboxNodeProvisioning
from podsandbox.components.validation import ComponentInputError
from podsandbox.karpenter import node_pool as deployed
from podsandbox.preview.recorder import run_function, run_program
from podsandbox.rules import karpenter
from podsandbox.stack.files import load_stack_config
from tests.conftest import REPO, AzureMocks


def test_an_existing_cluster_with_karpenter_gets_the_node_class_and_pool_on_its_provider():
    config = load_stack_config(REPO, "existing")
    config.config.update({"podsandbox:karpenter": "true", "podsandbox:karpenterCpuLimit": "64"})
    run = run_program(REPO, config.project, config.stack, config.config)
    [node_class_resource] = run.of_type(karpenter.NODE_CLASS_TYPE)
    [node_pool_resource] = run.of_type(karpenter.NODE_POOL_TYPE)
    assert node_class_resource.inputs == deployed.node_class_manifest("podsandbox-existing")
    name = "podsandbox-existing"
    expected = deployed.node_pool_manifest(name, name, {"cpuLimit": "64"})
    assert node_pool_resource.inputs == expected
    for resource in (node_class_resource, node_pool_resource):
        options = run.options(resource)
        assert options["deleteBeforeReplace"] is True
        assert resource.provider is not None and "sandbox-k8s" in resource.provider
    assert run.outputs["karpenterNodePool"].value == "podsandbox-existing"
    # The Kata NodePool's nodes are tainted for Kata pods: the untrusted demo pod tolerates it,
    # the trusted one does not (it neither lands on nor starts a Kata node).
    pods = {pod.name: pod.inputs["spec"] for pod in run.of_type("kubernetes:core/v1:Pod")}
    assert pods["demo-untrusted"]["tolerations"] == [karpenter.KATA_TAINT.toleration()]
    assert "tolerations" not in pods["demo-trusted"]


def test_the_component_checks_its_own_inputs_all_at_once():
    def program() -> None:
        SandboxNodeProvisioning("k", {"name": "Kata Nodes", "cpu_limit": "lots",
                                      "consolidate_after": "soon"})  # fmt: skip

    with pytest.raises(ComponentInputError) as raised:
        run_function(program, "team", "dev", {})
    assert [problem.where for problem in raised.value.problems] == [
        "name", "cpuLimit", "consolidateAfter",
    ]  # fmt: skip


def test_by_default_the_names_are_per_project_stack_and_component_and_fit_a_label():
    def program() -> None:
        SandboxNodeProvisioning("Kata Nodes", {})
        SandboxNodeProvisioning("k" * 70, {})

    run = run_function(program, "team", "dev", {}, AzureMocks())
    names = sorted(r.inputs["metadata"]["name"] for r in run.of_type(karpenter.NODE_POOL_TYPE))
    assert names[0] == "team-dev-kata-nodes"
    assert len(names[1]) == 63 and names[1].startswith("team-dev-kkk")


def test_a_cluster_below_132_stops_the_deployment_before_the_node_class():
    config = load_stack_config(REPO, "existing")
    config.config.update({"podsandbox:karpenter": "true"})
    with pytest.raises(pulumi.RunError, match="turn Karpenter off: pulumi config set karpenter"):
        run_program(REPO, config.project, config.stack, config.config,
                    AzureMocks(existing_version="1.31.9"))  # fmt: skip
    run = run_program(REPO, config.project, config.stack, config.config,
                      AzureMocks(existing_version="1.32.0"))  # fmt: skip
    assert len(run.of_type(karpenter.NODE_CLASS_TYPE)) == 1


@pytest.mark.parametrize(
    ("version", "stops"),
    [("1.31.9", True), ("v1.30", True), ("1.32", False), ("1.33.2", False), (None, False),
     ("", False), ("latest", False)],
)  # fmt: skip
def test_the_cluster_version_karpenter_needs_for_kata(version, stops):
    problem = deployed.cluster_version_problem(version)
    assert (problem is not None) is stops
    if stops:
        assert problem == (
            f"the cluster runs Kubernetes {version}, below 1.32, where Karpenter's AzureLinux "
            "image family is Azure Linux 2, which has no Kata image: no Kata node would ever "
            "come. Upgrade the cluster, or turn Karpenter off: pulumi config set karpenter false"
        )
