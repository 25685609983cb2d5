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


def deployment_patch(pod: dict[str, Any], metadata: dict[str, Any] = UNTRUSTED) -> str:
    return (
        "from pulumi_kubernetes.apps.v1 import DeploymentPatch\n"
        f"DeploymentPatch('p', metadata={metadata!r}, spec={{'template': {{'spec': {pod!r}}}}})\n"
    )


def namespace_patch(name: str, labels: dict[str, Any]) -> str:
    return (
        "from pulumi_kubernetes.core.v1 import NamespacePatch\n"
        f"NamespacePatch('n{name}', metadata={{'name': {name!r}, 'labels': {labels!r}}})\n"
    )


LIVE = "belongs to the live object"
LIVE_NAMESPACE = "belong to the live namespace"
KATA = {"runtimeClassName": "kata-vm-isolation"}
PRIVILEGED = {"containers": [{"name": "x", "securityContext": {"privileged": True}}]}
PSA = "pod-security.kubernetes.io/"
ALL_LABELS = {
    "podsandbox.io/untrusted": "true",
    **{PSA + m: "baseline" for m in ("enforce", "audit", "warn")},
}

# 3. Patches are judged on what they set; what they leave unset is listed as not checked.
PATCHES: dict[str, tuple[str, set[str], str]] = {
    "runc-and-host-network": (
        deployment_patch({"runtimeClassName": "runc", "hostNetwork": True}),
        {"custom-runtime-class-sandboxed"}, LIVE,
    ),
    "host-access-class-left-live": (
        deployment_patch({"hostPID": True, **PRIVILEGED}),
        {"untrusted-namespace-sandboxed"}, LIVE,
    ),
    "kata-with-host-network": (
        deployment_patch({**KATA, "hostNetwork": True}),
        {"sandboxed-pod-no-host-network"}, LIVE,
    ),
    "kata-partial-containers": (
        deployment_patch({**KATA, "containers": [{"name": "x", "image": "y"}]}), set(), LIVE,
    ),
    "replicas-only": (
        "from pulumi_kubernetes.apps.v1 import DeploymentPatch\n"
        f"DeploymentPatch('p', metadata={UNTRUSTED!r}, spec={{'replicas': 3}})\n",
        set(), "reads no pod template",
    ),
    "pod-patch-host-path": (
        "from pulumi_kubernetes.core.v1 import PodPatch\n"
        f"PodPatch('p', metadata={UNTRUSTED!r}, spec={{'volumes': [{{'name': 'h', "
        "'hostPath': {'path': '/'}}]})\n",
        {"untrusted-namespace-sandboxed"}, LIVE,
    ),
    "custom-resource-patch-argo": (
        "from pulumi_kubernetes.apiextensions import CustomResourcePatch\n"
        f"CustomResourcePatch('w', api_version='argoproj.io/v1alpha1', kind='Workflow', "
        f"metadata={UNTRUSTED!r}, spec={{'hostNetwork': True}})\n",
        {"untrusted-namespace-sandboxed"}, LIVE,
    ),
    "trusted-namespace-host-network": (
        deployment_patch({"hostNetwork": True}, {"name": "x", "namespace": "tenants"}), set(), LIVE,
    ),
    "a-patch-token-that-is-no-patch": (
        "pulumi.CustomResource('kubernetes:apps/v1:DeploymentPatch', 'p', {'apiVersion': 'v1', "
        f"'kind': 'Pod', 'metadata': {UNTRUSTED!r}, 'spec': {UNSAFE_POD!r}}})\n",
        {"untrusted-namespace-sandboxed"}, "",
    ),
    "namespace-unlabelled": (
        namespace_patch("untrusted", {"podsandbox.io/untrusted": "false"}),
        {"untrusted-namespace-patch"}, LIVE_NAMESPACE,
    ),
    "namespace-privileged": (
        namespace_patch("untrusted", {PSA + "enforce": "privileged"}),
        {"untrusted-namespace-patch"}, LIVE_NAMESPACE,
    ),
    "namespace-labelled-by-the-patch-privileged": (
        namespace_patch("ci", {**ALL_LABELS, PSA + "warn": "privileged"}),
        {"untrusted-namespace-patch"}, "",
    ),
    "namespace-trusted-privileged": (
        namespace_patch("tenants", {PSA + "enforce": "privileged"}), set(), LIVE_NAMESPACE,
    ),
    "namespace-every-label-set": (namespace_patch("untrusted", ALL_LABELS), set(), ""),
    "namespace-labelled-by-a-patch-then-runc": (
        namespace_patch("ci", {"podsandbox.io/untrusted": "true"})
        + deployment_patch({"runtimeClassName": ""}, {"name": "x", "namespace": "ci"}),
        {"labelled-namespace-sandboxed"}, LIVE,
    ),
    "admission-policy-patch": (
        "from pulumi_kubernetes.admissionregistration.v1 import ValidatingAdmissionPolicyPatch\n"
        "ValidatingAdmissionPolicyPatch('v', metadata={'name': 'podsandbox'}, "
        "spec={'failurePolicy': 'Ignore'})\n",
        set(), "a patch of an admission policy",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("code", "violations", "unset"), PATCHES.values(), ids=PATCHES)
def test_patches_are_judged_on_what_they_set(capsys, tmp_path, code, violations, unset):
    exit_code, document = preview(capsys, tmp_path, code)
    found = {v["policy"] for v in document["violations"] if v["enforcement"] == "mandatory"}
    assert found == violations, document["violations"]
    listed = document["summary"]["notChecked"]
    assert not_checked(document, unset) if unset else listed == [], listed
    assert exit_code == (1 if violations or unset else 0)
