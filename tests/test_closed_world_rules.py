"""Issue 27's pure rules, one table each: kinds read from objects, pod templates of other kinds,
AKS's reserved class names, pools of explicit versions and of differently-cased ARM properties."""

from __future__ import annotations

import pytest

from podsandbox.rules import pools, workloads

POD = {"containers": [{"name": "x", "image": "y"}], "hostNetwork": True}


@pytest.mark.parametrize(
    ("token", "props", "kind"),
    [
        ("kubernetes:v1:Pod", {"apiVersion": "v1", "kind": "Pod"}, ("core", "Pod")),
        ("kubernetes:core/v1:ConfigMap", {"apiVersion": "apps/v1", "kind": "Deployment"}, ("apps", "Deployment")),  # noqa: E501
        ("kubernetes:apps/v1:Deployment", {}, ("apps", "Deployment")),
        ("kubernetes:apps/v1:Deployment", {"apiVersion": "", "kind": "Pod"}, ("apps", "Deployment")),  # noqa: E501
        ("kubernetes:apps/v1:Deployment", {"apiVersion": "v1", "kind": ""}, ("apps", "Deployment")),
        ("kubernetes:apps/v1:Deployment", {"apiVersion": 1, "kind": "Pod"}, ("apps", "Deployment")),
        ("kubernetes:apps/v1:Deployment", {"apiVersion": "v1", "kind": 2}, ("apps", "Deployment")),
        ("kubernetes:yaml:ConfigFile", {}, None),
        ("azure-native:x/v1:Pod", {}, None),
        ("kubernetes:a/v1:B:C", {}, None),
    ],
)  # fmt: skip
def test_the_kind_is_what_the_object_says(token, props, kind):
    assert workloads.object_kind(token, props) == kind


@pytest.mark.parametrize(
    ("token", "props", "path"),
    [
        ("kubernetes:v1:Pod", {"apiVersion": "v1", "kind": "Pod", "spec": POD}, "spec"),
        ("kubernetes:core/v1:ReplicationController", {"spec": {"template": {"spec": POD}}}, "spec.template.spec"),  # noqa: E501
        ("kubernetes:core/v1:PodTemplate", {"template": {"spec": POD}}, "template.spec"),
        ("kubernetes:apps/v1beta1:Deployment", {"spec": {"template": {"spec": POD}}}, "spec.template.spec"),  # noqa: E501
        ("kubernetes:batch/v1beta1:CronJob", {"spec": {"jobTemplate": {"spec": {"template": {"spec": POD}}}}}, "spec.jobTemplate.spec.template.spec"),  # noqa: E501
        ("kubernetes:jobset.x-k8s.io/v1alpha2:JobSet", {"spec": {"replicatedJobs": [{"template": {"spec": {"template": {"spec": POD}}}}]}}, "spec.replicatedJobs[0].template.spec.template.spec"),  # noqa: E501
        ("kubernetes:agents.x-k8s.io/v1alpha1:Sandbox", {"spec": {"podTemplate": {"spec": POD}}}, "spec.podTemplate.spec"),  # noqa: E501
    ],
)  # fmt: skip
def test_pod_templates_of_every_known_kind(token, props, path):
    workload = workloads.workload_of(token, props)
    assert workload is not None and workload.path == path and workload.pod_spec == POD


@pytest.mark.parametrize(
    "jobs",
    [[], [{"template": {"spec": {"template": {"spec": POD}}}}] * 2, "x", None],
)
def test_a_jobset_of_several_jobs_is_not_read_as_one(jobs):
    props = {"spec": {"replicatedJobs": jobs}}
    assert workloads.workload_of("kubernetes:jobset.x-k8s.io/v1alpha2:JobSet", props) is None


def test_kinds_without_pods_and_unknown_kinds_have_no_pod_template():
    assert workloads.pod_spec_path("kubernetes:core/v1:ConfigMap", {}) is None
    assert workloads.pod_spec_path("kubernetes:example.com/v1:Runner", {}) is None
    assert workloads.pod_spec_path("azure-native:containerservice:AgentPool", {}) is None
    assert workloads.pod_spec_path("kubernetes:apps/v1:Deployment") == ("spec", "template", "spec")
    kinds = workloads.OTHER_WORKLOAD_KINDS.items()
    every = [(f"kubernetes:{g}/v1:{k}", p) for (g, k), (p, _) in kinds]
    for token, path in every:
        assert workloads.pod_spec_path(token, {}) == path
    assert all(source for _, source in workloads.OTHER_WORKLOAD_KINDS.values())
    assert set(workloads.DEPLOYS_ELSEWHERE).isdisjoint(workloads.OTHER_WORKLOAD_KINDS)


@pytest.mark.parametrize(
    ("name", "handler", "wrong"),
    [
        ("kata-vm-isolation", "runc", True),
        ("kata-mshv-vm-isolation", "kata-qemu", True),
        ("kata-vm-isolation", None, True),
        ("kata-vm-isolation", "kata", False),
        ("kata-mshv-vm-isolation", "kata", False),
        ("my-class", "runc", False),
    ],
)
def test_aks_class_names_keep_the_kata_handler(name, handler, wrong):
    declared = workloads.DeclaredRuntimeClass(name, handler, None)
    problem = workloads.reserved_class_problem(declared)
    assert (problem is not None) is wrong
    if problem is not None:
        assert name in problem and repr(handler) in problem and "'kata'" in problem


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("azure-native:containerservice/v20250202preview:AgentPool", "pool"),
        ("azure-native:containerservice/v20230102preview:ManagedCluster", "cluster"),
        ("azure-native_containerservice_v20250901:containerservice/v20250901:AgentPool", "pool"),
        ("azure-native_containerservice_v20250901:containerservice:ManagedCluster", "cluster"),
        ("azure-native:containerservice/v1:Snapshot", None),
        ("azure-native:network/v1:AgentPool", None),
        ("xazure-native:containerservice/v1:AgentPool", None),
        ("azure-native:containerservice/v1:AgentPoolX", None),
    ],
)
def test_explicit_version_pools(token, kind):
    assert pools.kind_of(token, {}) == kind


def generic(properties, resource_type="agentPools"):
    return {
        "resourceProviderNamespace": "Microsoft.ContainerService",
        "parentResourcePath": "managedClusters/aks",
        "resourceType": resource_type,
        "resourceName": "kata",
        "properties": properties,
    }


def test_generic_properties_are_read_whatever_their_case():
    body = {"WORKLOADRUNTIME": "KataVmIsolation", "VmSize": "Standard_D4_v3", "OsSku": "x"}
    found = pools.sandboxing_pools(pools.GENERIC_RESOURCE, generic(body))
    assert [(p.value("vm_size"), p.value("os_sku"), p.value("name")) for p in found] == [
        ("Standard_D4_v3", "x", "kata")
    ]
    assert pools.unreadable_pools(pools.GENERIC_RESOURCE, generic(body)) == []
    cluster = generic({"AgentPoolProfiles": [{"workloadruntime": "KataVmIsolation", "NAME": "k"}],
                       "KubernetesVersion": "1.20.0"}, "managedClusters")  # fmt: skip
    cluster["parentResourcePath"] = ""
    (pool,) = pools.sandboxing_pools(pools.GENERIC_RESOURCE, cluster)
    assert pool.label == "node pool k" and pool.kubernetes_versions()[0] == (
        "kubernetesVersion",
        "1.20.0",
    )


@pytest.mark.parametrize(
    ("properties", "where"),
    [
        ({"vmSize": "a", "VMSIZE": "b"}, "properties:"),
        ({"agentPoolProfiles": [{"name": "a"}, {"osSKU": "a", "ossku": "b"}]}, "agentPoolProfiles[1]"),  # noqa: E501
        ({"agentPoolProfiles": "x", "osType": "Linux", "OSTYPE": "Linux"}, "properties:"),
    ],
)  # fmt: skip
def test_two_spellings_of_one_field_are_unreadable(properties, where):
    (reason,) = pools.unreadable_pools(pools.GENERIC_RESOURCE, generic(properties))
    assert where in reason and "which one Azure takes" in reason


def test_other_keys_and_other_resources_are_readable():
    assert pools.unreadable_pools(pools.GENERIC_RESOURCE, generic({"x": 1, "X": 2})) == []
    assert pools.unreadable_pools(pools.AGENT_POOL, {"vmSize": "a", "VMSIZE": "b"}) == []
    body = {"agentPoolProfiles": [{"name": "a"}, "x"]}
    assert pools.unreadable_pools(pools.GENERIC_RESOURCE, generic(body)) == []


def test_the_first_spelling_and_the_reason_are_named():
    body = {"x": 1, "vmSize": "a", "VMSIZE": "b"}
    assert pools.unreadable_pools(pools.GENERIC_RESOURCE, generic(body)) == [
        "properties: 'vmSize' and 'VMSIZE' both set vmSize; which one Azure takes is not known, "
        "so its node pool settings are not checked"
    ]
    listed = {"agentPoolProfiles": [["vmSize", "VMSIZE"]]}
    assert pools.unreadable_pools(pools.GENERIC_RESOURCE, generic(listed)) == []


def test_other_keys_keep_their_names_and_odd_profiles_are_skipped():
    body = {"workloadRuntime": "KataVmIsolation", "enableAutoScaling": True}
    (pool,) = pools.sandboxing_pools(pools.GENERIC_RESOURCE, generic(body))
    assert pool.props["enableAutoScaling"] is True
    cluster = generic({"agentPoolProfiles": ["x", {"workloadRuntime": "KataVmIsolation"}]})
    cluster.update(parentResourcePath="", resourceType="managedClusters")
    assert len(pools.sandboxing_pools(pools.GENERIC_RESOURCE, cluster)) == 1
    native = {"agentPoolProfiles": ["x", {"workloadRuntime": "KataVmIsolation", "VMSIZE": "a"}]}
    (pool,) = pools.sandboxing_pools(pools.MANAGED_CLUSTER, native)
    assert pool.value("vm_size") is None  # the typed resources' names are the SDK's, not ARM's


def test_the_reserved_name_message_says_what_it_costs():
    declared = workloads.DeclaredRuntimeClass("kata-vm-isolation", "runc", None)
    assert "would run without the Kata sandbox" in str(workloads.reserved_class_problem(declared))
