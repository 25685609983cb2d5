"""Issue 27: programs written the way teams (and attackers) write them, each judged or reported as
not checked, never passed in silence. One table per item; each row is a small program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podsandbox.cli import main
from tests.conftest import python_project

HEADER = (
    "import json\nimport pulumi\n"
    "from pulumi_kubernetes import Provider\n"
    "from pulumi_kubernetes.apiextensions import CustomResource\n"
)
UNSAFE_POD = {
    "hostNetwork": True,
    "containers": [{"name": "x", "image": "busybox", "securityContext": {"privileged": True}}],
}
UNTRUSTED = {"name": "x", "namespace": "untrusted"}


def preview(capsys, tmp_path: Path, code: str) -> tuple[int, dict[str, Any]]:
    folder = python_project(tmp_path / "team", HEADER + code, stack="config: {}\n")
    exit_code = main(["preview", "--program", str(folder), "--format", "json", "--strict"])
    return exit_code, json.loads(capsys.readouterr().out)


def custom(
    api_version: str, kind: str, spec: dict[str, Any], metadata: dict[str, Any] = UNTRUSTED
) -> str:
    return (
        f"CustomResource('r', api_version={api_version!r}, kind={kind!r}, "
        f"metadata={metadata!r}, spec={spec!r})\n"
    )


def judged(document: dict[str, Any], policy: str) -> bool:
    return any(
        v["policy"] == policy and v["enforcement"] == "mandatory" for v in document["violations"]
    )


def not_checked(document: dict[str, Any], text: str) -> bool:
    return any(text in line for line in document["summary"]["notChecked"])


def check(capsys, tmp_path: Path, code: str, expected: str) -> None:
    exit_code, document = preview(capsys, tmp_path, code)
    outcome, _, detail = expected.partition(":")
    if outcome == "violation":
        assert judged(document, detail), document["violations"]
    elif outcome == "not-checked":
        assert not_checked(document, detail), document["summary"]["notChecked"]
    else:
        assert document["violations"] == [] and document["summary"]["notChecked"] == []
    assert exit_code == (0 if outcome == "clean" else 1)


# 1. Every type classified: what the pack does not judge is listed, what cannot matter passes.
CLASSIFIED = {
    "helm-release": (
        "from pulumi_kubernetes.helm.v3 import Release\n"
        "Release('r', chart='nginx', namespace='untrusted')\n",
        "not-checked:a Helm release",
    ),
    "replication-controller": (
        "from pulumi_kubernetes.core.v1 import ReplicationController\n"
        f"ReplicationController('rc', metadata={UNTRUSTED!r}, spec={{'template': "
        f"{{'metadata': {{'labels': {{'a': 'b'}}}}, 'spec': {UNSAFE_POD!r}}}}})\n",
        "violation:untrusted-namespace-sandboxed",
    ),
    "deployment-patch": (
        "from pulumi_kubernetes.apps.v1 import DeploymentPatch\n"
        f"DeploymentPatch('p', metadata={UNTRUSTED!r}, spec={{'template': {{'spec': "
        "{'runtimeClassName': 'runc', 'hostNetwork': True}}})\n",
        "not-checked:a patch of an object the pack judges",
    ),
    "node-labels": (
        "from pulumi_kubernetes.core.v1 import NodePatch\n"
        "NodePatch('n', metadata={'name': 'aks-x', 'labels': "
        "{'kubernetes.azure.com/kata-vm-isolation': 'true'}})\n",
        "not-checked:its labels and taints",
    ),
    "flux": (
        "from pulumi_azure_native import kubernetesconfiguration as kc\n"
        "kc.FluxConfiguration('f', cluster_name='aks', cluster_resource_name='managedClusters', "
        "cluster_rp='Microsoft.ContainerService', resource_group_name='rg', "
        "namespace='untrusted')\n",
        "not-checked:GitOps configuration",
    ),
    "arm-template": (
        "from pulumi_azure_native import resources\n"
        "resources.Deployment('d', resource_group_name='rg', properties={'mode': 'Incremental', "
        "'template': {'resources': []}})\n",
        "not-checked:an ARM template deployment",
    ),
    "config-map": (
        "from pulumi_kubernetes.core.v1 import ConfigMap\n"
        f"ConfigMap('c', metadata={UNTRUSTED!r}, data={{'a': 'b'}})\n",
        "clean",
    ),
}

# 2. Kinds read from objects; third-party workloads judged; the rest fail closed.
KINDS = {
    "custom-resource-spelled-pod": (
        custom("v1", "Pod", UNSAFE_POD),
        "violation:untrusted-namespace-sandboxed",
    ),
    "knative-service": (
        custom("serving.knative.dev/v1", "Service", {"template": {"spec": UNSAFE_POD}}),
        "violation:untrusted-namespace-sandboxed",
    ),
    "argo-workflow": (
        custom("argoproj.io/v1alpha1", "Workflow", {"hostNetwork": True, "templates": []}),
        "violation:untrusted-namespace-sandboxed",
    ),
    "argo-pod-spec-patch": (
        custom("argoproj.io/v1alpha1", "Workflow", {"podSpecPatch": "{}", "templates": []}),
        "not-checked:podSpecPatch",
    ),
    "jobset": (
        custom("jobset.x-k8s.io/v1alpha2", "JobSet", {"replicatedJobs": [
            {"name": "w", "template": {"spec": {"template": {"spec": UNSAFE_POD}}}}]}),
        "violation:untrusted-namespace-sandboxed",
    ),
    "kubevirt": (
        custom("kubevirt.io/v1", "VirtualMachine", {"template": {"spec": {"domain": {}}}}),
        "violation:untrusted-namespace-sandboxed",
    ),
    "tekton-taskrun": (
        custom("tekton.dev/v1", "TaskRun", {"podTemplate": {"hostNetwork": True}}),
        "violation:untrusted-namespace-sandboxed",
    ),
    "argo-cd-application-anywhere": (
        custom("argoproj.io/v1alpha1", "Application", {}, {"name": "a", "namespace": "argocd"}),
        "not-checked:Argo CD Application",
    ),
    "unknown-kind-untrusted": (
        custom("example.com/v1", "Runner", {}),
        "not-checked:a kind the pack does not know",
    ),
    "unknown-kind-elsewhere": (
        custom("example.com/v1", "Runner", {}, {"name": "r", "namespace": "tenants"}),
        "clean",
    ),
}  # fmt: skip

POOL = {
    "vmSize": "Standard_D4_v3",
    "osType": "Linux",
    "osSKU": "AzureLinux",
    "workloadRuntime": "KataVmIsolation",
    "count": 1,
    "mode": "User",
}

# 4. Pools however written; 5. AKS's class names reserved.
POOLS = {
    "explicit-version-token": (
        "pulumi.CustomResource('azure-native:containerservice/v20250202preview:AgentPool', "
        f"'p', {{'resourceGroupName': 'rg', 'resourceName': 'aks', 'agentPoolName': 'kata', "
        f"**{POOL!r}}})\n",
        "violation:sandbox-pool-vm-size",
    ),
    "generic-resource-other-case": (
        "from pulumi_azure_native import resources\n"
        "resources.Resource('p', resource_group_name='rg', resource_provider_namespace="
        "'Microsoft.ContainerService', parent_resource_path='managedClusters/aks', "
        "resource_type='agentPools', resource_name_='kata', api_version='2025-09-01', "
        f"properties={ {key[0].upper() + key[1:]: value for key, value in POOL.items()}!r})\n",
        "violation:sandbox-pool-vm-size",
    ),
    "generic-resource-ambiguous": (
        "from pulumi_azure_native import resources\n"
        "resources.Resource('p', resource_group_name='rg', resource_provider_namespace="
        "'Microsoft.ContainerService', parent_resource_path='managedClusters/aks', "
        "resource_type='agentPools', resource_name_='kata', api_version='2025-09-01', "
        "properties={'workloadRuntime': 'KataVmIsolation', 'vmSize': 'Standard_D4s_v5', "
        "'VMSize': 'Standard_D4_v3', 'osType': 'Linux', 'osSKU': 'AzureLinux'})\n",
        "not-checked:which one Azure takes",
    ),
    "runtime-class-runc-under-aks-name": (
        "from pulumi_kubernetes.node.v1 import RuntimeClass\n"
        "RuntimeClass('rc', metadata={'name': 'kata-vm-isolation'}, handler='runc')\n",
        "violation:aks-runtime-class-reserved",
    ),
}

KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "c", "cluster": {"server": "https://example.invalid"}}],
    "users": [{"name": "u", "user": {"token": "t"}}],
    "contexts": [
        {"name": "dev", "context": {"cluster": "c", "user": "u", "namespace": "tenants"}},
        {"name": "ci", "context": {"cluster": "c", "user": "u", "namespace": "untrusted"}},
    ],
    "current-context": "dev",
}
POD_ON = (
    "from pulumi_kubernetes.core.v1 import Pod\n"
    "Pod('p', metadata={{'name': 'p'}}, spec={pod!r}, "
    "opts=pulumi.ResourceOptions(provider=Provider('k', {args})))\n"
)

# 6. Namespaces are never guessed.
NAMESPACES = {
    "context-argument": (
        POD_ON.format(pod=UNSAFE_POD, args=f"kubeconfig={json.dumps(KUBECONFIG)!r}, context='ci'"),
        "violation:untrusted-namespace-sandboxed",
    ),
    "current-context": (
        POD_ON.format(pod=UNSAFE_POD, args=f"kubeconfig={json.dumps(KUBECONFIG)!r}"),
        "clean",
    ),
    "kubeconfig-path": (
        POD_ON.format(pod=UNSAFE_POD, args="kubeconfig='/home/ci/.kube/config'"),
        "not-checked:cannot be known here",
    ),
    "unknown-context": (
        POD_ON.format(pod=UNSAFE_POD, args=f"kubeconfig={json.dumps(KUBECONFIG)!r}, context='x'"),
        "not-checked:cannot be known here",
    ),
}


@pytest.mark.parametrize(
    ("code", "expected"),
    [*CLASSIFIED.values(), *KINDS.values(), *POOLS.values(), *NAMESPACES.values()],
    ids=[*CLASSIFIED, *KINDS, *POOLS, *NAMESPACES],
)
def test_programs_are_judged_or_reported_not_checked(capsys, tmp_path, code, expected):
    check(capsys, tmp_path, code, expected)
