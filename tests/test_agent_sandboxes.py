"""Agent sandboxes (kubernetes-sigs/agent-sandbox `Sandbox`, `SandboxTemplate`) are workloads."""

from __future__ import annotations

from typing import Any

import pytest

from podsandbox.rules import workloads
from tests.conftest import python_project

POD_SPEC = {"runtimeClassName": "kata-vm-isolation", "containers": [{"name": "agent"}]}


def sandbox(pod_spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": "agent", "namespace": "untrusted"},
        "spec": {"podTemplate": {"metadata": {"labels": {"a": "b"}}, "spec": pod_spec}},
    }


@pytest.mark.parametrize(
    "resource_type",
    [
        "kubernetes:agents.x-k8s.io/v1alpha1:Sandbox",
        "kubernetes:agents.x-k8s.io/v1beta1:Sandbox",
        "kubernetes:extensions.agents.x-k8s.io/v1alpha1:SandboxTemplate",
        "kubernetes:extensions.agents.x-k8s.io/v1beta1:SandboxTemplate",
    ],
)
def test_every_served_version_of_both_kinds_is_a_workload(resource_type: str):
    workload = workloads.workload_of(resource_type, sandbox(POD_SPEC))
    assert workload is not None
    assert workload.path == "spec.podTemplate.spec"
    assert workload.pod_spec == POD_SPEC
    assert workload.sandboxing_runtime is not None
    assert workload.namespace == "untrusted"
    assert workload.kind == resource_type.rsplit(":", 1)[1]


@pytest.mark.parametrize(
    "resource_type",
    [
        "kubernetes:agents.x-k8s.io/v1alpha1:SandboxTemplate",  # kind of the other group
        "kubernetes:extensions.agents.x-k8s.io/v1alpha1:Sandbox",
        "kubernetes:example.com/v1:Sandbox",
        "azure-native:agents.x-k8s.io/v1alpha1:Sandbox",
        "kubernetes:agents.x-k8s.io:Sandbox",  # no version: not a type token
        "kubernetes:agents.x-k8s.io/v1:extra:Sandbox",  # four parts: not a type token
        "kubernetes:agents.x-k8s.io/v1",
        "kubernetes:core/v1:ConfigMap",
    ],
)
def test_other_kinds_groups_and_providers_are_not(resource_type: str):
    assert workloads.pod_spec_path(resource_type) is None
    assert workloads.workload_of(resource_type, sandbox(POD_SPEC)) is None


def test_the_built_in_workloads_keep_their_paths():
    assert workloads.pod_spec_path("kubernetes:batch/v1:CronJob") == (
        "spec", "jobTemplate", "spec", "template", "spec",
    )  # fmt: skip
    assert workloads.pod_spec_path("kubernetes:core/v1:Pod") == ("spec",)


def test_a_sandbox_without_a_pod_template_is_no_workload():
    props = {"metadata": {"name": "agent"}, "spec": {}}
    assert workloads.workload_of("kubernetes:agents.x-k8s.io/v1beta1:Sandbox", props) is None


@pytest.mark.subprocess  # the judged program runs in a process of its own
@pytest.mark.parametrize(
    ("runtime_class", "violated"), [(None, True), ("kata-vm-isolation", False)]
)
def test_the_pack_judges_an_agent_sandbox_like_a_deployment(
    capsys: pytest.CaptureFixture[str], tmp_path: Any, runtime_class: Any, violated: bool
):
    import json

    from podsandbox.cli import main

    spec = {"containers": [{"name": "agent", "image": "python:3.12",
                            "resources": {"limits": {"cpu": "1", "memory": "1Gi"},
                                          "requests": {"cpu": "1", "memory": "1Gi"}}}]}  # fmt: skip
    if runtime_class:
        spec["runtimeClassName"] = runtime_class
    folder = python_project(
        tmp_path / "agents",
        "from pulumi_kubernetes.apiextensions import CustomResource\n"
        "CustomResource('agent', api_version='agents.x-k8s.io/v1beta1', kind='Sandbox',\n"
        "               metadata={'name': 'agent', 'namespace': 'untrusted'},\n"
        f"               spec={{'podTemplate': {{'spec': {spec!r}}}}})\n",
    )
    code = main(["preview", "--program", str(folder), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    policies = {violation["policy"] for violation in document["violations"]}
    assert ("untrusted-namespace-sandboxed" in policies) is violated
    assert code == (1 if violated else 0)
