"""The demo pods: the how-to's shape, hardening, runtime class, and valid Kubernetes objects."""

from __future__ import annotations

from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from podsandbox.preview.recorder import run_program
from podsandbox.preview.records import ProgramRun
from podsandbox.rules import aks
from podsandbox.stack.files import load_stack_config
from tests.conftest import REPO, AzureMocks, in_clear

POD = "kubernetes:core/v1:Pod"
KUBERNETES_VERSION = "1.33"
"""Schema version the objects are validated against (a version AKS supports)."""


def deploy(stack: str = "dev", **overrides: str) -> ProgramRun:
    config = load_stack_config(REPO, stack)
    config.config.update({f"podsandbox:{key}": value for key, value in overrides.items()})
    return run_program(REPO, config.project, config.stack, config.config, AzureMocks())


def pods(run: ProgramRun) -> dict[str, dict[str, Any]]:
    manifests = [in_clear(pod.engine_inputs) for pod in run.of_type(POD)]
    return {manifest["metadata"]["name"]: manifest for manifest in manifests}


def test_the_two_how_to_pods():
    found = pods(deploy())
    assert sorted(found) == ["trusted", "untrusted"]
    for name, pod in found.items():
        [container] = pod["spec"]["containers"]
        assert container["name"] == name
        assert container["image"] == "mcr.microsoft.com/aks/fundamental/base-ubuntu:v0.0.11"
        assert container["command"] == [
            "/bin/sh",
            "-ec",
            "while :; do echo '.'; sleep 5 ; done",
        ]
        limits = {"cpu": "500m", "memory": "256Mi"}
        assert container["resources"] == {"limits": limits, "requests": limits}
    assert "runtimeClassName" not in found["trusted"]["spec"]
    assert found["untrusted"]["spec"]["runtimeClassName"] == "kata-vm-isolation"


@pytest.mark.parametrize("runtime", list(aks.RUNTIMES.values()), ids=lambda r: r.workload_runtime)
def test_untrusted_pod_uses_the_configured_generation(runtime):
    found = pods(deploy(runtime=runtime.workload_runtime))
    assert found["untrusted"]["spec"]["runtimeClassName"] == runtime.runtime_class_name


def test_untrusted_namespace_is_hardened():
    run = deploy(untrustedNamespace="sandboxed")
    [namespace] = run.of_type("kubernetes:core/v1:Namespace")
    assert in_clear(namespace.engine_inputs)["metadata"] == {
        "name": "sandboxed",
        "labels": {
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            # issue 28: untrusted for the pack and the guardrail's labelled binding by its label
            "podsandbox.io/untrusted": "true",
        },
    }
    [policy] = run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert in_clear(policy.engine_inputs)["metadata"]["namespace"] == "sandboxed"
    assert in_clear(policy.engine_inputs)["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }
    untrusted = pods(run)["untrusted"]
    assert untrusted["metadata"]["namespace"] == "sandboxed"
    assert untrusted["spec"]["automountServiceAccountToken"] is False
    assert pods(run)["trusted"]["metadata"]["namespace"] == "default"


def test_untrusted_pod_meets_the_restricted_level_it_is_warned_against():
    spec = pods(deploy())["untrusted"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    [container] = spec["containers"]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    assert not spec.get("hostNetwork") and not spec.get("volumes")


def test_pods_use_the_cluster_provider_and_wait_for_the_cluster():
    run = deploy()
    [provider] = run.of_type("pulumi:providers:kubernetes")
    for pod in run.of_type(POD):
        assert pod.parent and pod.parent.endswith("DemoWorkloads::demo")
    assert provider.parent and provider.parent.endswith("SandboxedCluster::sandbox")


def test_demo_can_be_turned_off():
    run = deploy(demo="false")
    assert run.of_type(POD) == []
    assert "untrustedSandbox" not in run.outputs


def test_existing_cluster_gets_the_demo_too():
    assert sorted(pods(deploy("existing"))) == ["trusted", "untrusted"]


@pytest.mark.parametrize("stack", ["dev", "existing"])
def test_every_kubernetes_object_validates_against_the_openapi_schema(stack):
    run = deploy(stack)
    objects = [
        in_clear(resource.engine_inputs)
        for resource in run.resources
        if resource.type.startswith("kubernetes:")
        and "apiVersion" in in_clear(resource.engine_inputs)
    ]
    # The namespace, its network policy, two pods; the guardrail's policy and two bindings.
    assert len(objects) == 7
    for manifest in objects:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_can_fail():
    manifest = pods(deploy())["untrusted"]
    manifest["spec"]["runtimeClass"] = manifest["spec"].pop("runtimeClassName")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_sizing_outputs_describe_the_untrusted_sandbox():
    run = deploy()
    assert in_clear(run.outputs["untrustedSandbox"].wire) == {
        "model": "ga",
        "vcpus": 1,
        "memory": "256Mi",
        "nodeMemory": "856Mi",
        "nodeCpu": "0.5",
        "problem": None,
    }
    assert in_clear(run.outputs["sandboxCapacityPerNode"].wire)["pods"] == 8


def test_both_pods_ask_for_the_runtime_default_seccomp_profile():
    # runc enforces it on the trusted pod; on the untrusted pod it satisfies `restricted` only.
    for pod in pods(deploy()).values():
        assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
