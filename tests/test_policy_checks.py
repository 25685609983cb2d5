"""The checks behind the policies, case by case (rules/policy_checks.py): what is flagged, what is
not, and the exact text a developer reads."""

from __future__ import annotations

from typing import Any

import pytest

from podsandbox.rules import policy_checks, pools, workloads

POD = "kubernetes:core/v1:Pod"
ALLOWED = (
    "A sandboxing pool needs a Generation 2 x64 size with nested virtualization, e.g. "
    "Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5"
)


def sandboxed(spec: dict[str, Any], metadata: Any = None) -> workloads.Workload:
    props = {
        "metadata": {"name": "app", "namespace": "tenants"} if metadata is None else metadata,
        "spec": {"runtimeClassName": "kata-vm-isolation", **spec},
    }
    workload = workloads.workload_of(POD, props)
    assert workload is not None
    return workload


def container(limits: Any = None, requests: Any = None, **extra: Any) -> dict[str, Any]:
    resources = {k: v for k, v in (("limits", limits), ("requests", requests)) if v is not None}
    return {"name": extra.pop("name", "c"), "resources": resources, **extra}


def pool(**props: Any) -> pools.SandboxingPool:
    [found] = pools.sandboxing_pools(
        pools.AGENT_POOL, {"agentPoolName": "kata", "workloadRuntime": "KataVmIsolation", **props}
    )
    return found


def test_a_size_that_cannot_nest_is_named_with_what_is_allowed():
    assert policy_checks.pool_vm_size(pool(vmSize="Standard_D4_v3")) == [
        "node pool kata (vmSize) uses Standard_D4_v3: Standard_D4_v3 (Dv3) is Generation 1 only; "
        f"use Dsv3 (with s), its Generation 2 twin, e.g. Standard_D4s_v3. {ALLOWED}"
    ]


@pytest.mark.parametrize("size", ["Standard_D4d_v5", "Standard_Q4_v9"])
def test_an_unverified_or_unknown_size_may_be_allowed_once_confirmed(size):
    [message] = policy_checks.pool_vm_size(pool(vmSize=size))
    assert message.endswith(
        f"{ALLOWED} (or add it to this policy's allowedVmSizes once you have confirmed it)"
    )
    assert policy_checks.pool_vm_size(pool(vmSize=size), allowed=[size.lower()]) == []


def test_a_name_that_is_not_a_size():
    assert policy_checks.pool_vm_size(pool(vmSize="D4s")) == [
        "node pool kata (vmSize) 'D4s' is not an Azure VM size name; use a size name such as "
        "Standard_D4s_v3 (tier_FamilyVCPUsFeatures_version)"
    ]


def test_an_unverified_os_sku_is_noted_and_a_missing_one_is_not_this_policys():
    assert policy_checks.pool_os_sku_unverified(pool(osSKU="AzureLinux3")) == [
        "node pool kata (osSKU): OS SKU AzureLinux3 is not documented for Pod Sandboxing (only "
        "AzureLinux is); AKS may reject it"
    ]
    assert policy_checks.pool_os_sku_unverified(pool()) == []
    assert policy_checks.pool_os_sku_unverified(pool(osSKU="AzureLinux")) == []


def test_host_network_is_refused_with_what_to_do():
    assert policy_checks.workload_host_network(sandboxed({"hostNetwork": True})) == [
        "Pod tenants/app sets spec.hostNetwork: true with RuntimeClass kata-vm-isolation; Kata "
        "sandboxes cannot use host networking (sandbox creation fails). Remove hostNetwork or run "
        "it without sandboxing"
    ]
    assert policy_checks.workload_host_network(sandboxed({"hostNetwork": False})) == []


@pytest.mark.parametrize("metadata", [{}, "not metadata", {"namespace": "tenants"}])
def test_a_workload_without_a_name_is_named_by_its_kind(metadata):
    [message] = policy_checks.workload_host_network(sandboxed({"hostNetwork": True}, metadata))
    assert message.startswith("Pod sets spec.hostNetwork: true")


def test_every_container_without_a_memory_limit_is_named():
    workload = sandboxed({"containers": [container(name="a"), container(name="b")]})
    assert policy_checks.workload_memory_limit(workload) == [
        f"Pod tenants/app: container {name} sets no memory limit; a sandboxed pod's memory limit "
        "sizes its VM. Set resources.limits.memory (at least 128Mi)"
        for name in ("a", "b")
    ]


def test_a_malformed_memory_limit_is_named():
    workload = sandboxed({"containers": [container({"memory": "lots"})]})
    assert policy_checks.workload_memory_limit(workload) == [
        "Pod tenants/app: container c: 'lots' is not a Kubernetes quantity (e.g. 500m, 1, 256Mi, "
        "1Gi)"
    ]


def test_a_pod_without_containers_has_no_memory_for_a_sandbox():
    assert policy_checks.workload_memory_limit(sandboxed({"containers": []})) == [
        "Pod tenants/app: memory limit 0Mi is under the 128Mi minimum of a sandbox (AKS rejects "
        "it: pod memory limit too low)"
    ]


def test_limits_summed_over_containers_meet_the_minimum():
    containers = [container({"memory": "64Mi"}), container({"memory": "64Mi"}, name="d")]
    assert policy_checks.workload_memory_limit(sandboxed({"containers": containers})) == []


def test_a_missing_cpu_limit_is_named():
    workload = sandboxed({"containers": [container({"memory": "1Gi"})]})
    assert policy_checks.workload_cpu_limit(workload) == [
        "Pod tenants/app: container c sets no CPU limit; the sandbox VM then gets the default "
        "vCPUs. Set resources.limits.cpu"
    ]


@pytest.mark.parametrize("resource", ["cpu", "memory"])
def test_a_request_below_its_limit_is_named(resource):
    limits = {"cpu": "1", "memory": "1Gi"}
    requests = {**limits, resource: {"cpu": "500m", "memory": "512Mi"}[resource]}
    workload = sandboxed({"containers": [container(limits, requests)]})
    assert policy_checks.workload_cpu_limit(workload) == [
        f"Pod tenants/app: container c requests {resource} {requests[resource]} but is limited "
        f"to {limits[resource]}; set requests equal to limits for sandboxed pods"
    ]


@pytest.mark.parametrize(("limit", "requested", "flagged"), [("lots", "lots", False),
                                                            ("lots", "more", True),
                                                            ("1", "1000m", False)])  # fmt: skip
def test_quantities_that_do_not_parse_are_compared_as_text(limit, requested, flagged):
    workload = sandboxed({"containers": [container({"cpu": limit, "memory": "1Gi"},
                                                   {"cpu": requested})]})  # fmt: skip
    assert bool(policy_checks.workload_cpu_limit(workload)) is flagged


def test_ordinary_volumes_and_mounts_are_not_host_features():
    spec = {
        "volumes": [{"name": "scratch", "emptyDir": {}}, "not a volume"],
        "containers": [
            {"name": "c", "volumeMounts": [{"name": "scratch", "mountPath": "/s"}, "x"]},
        ],
    }
    assert policy_checks.workload_host_features(sandboxed(spec)) == []


def test_host_features_are_each_named_once():
    spec = {
        "hostPID": True,
        "hostIPC": True,
        "volumes": [{"name": "h", "hostPath": {"path": "/dev"}}],
        "containers": [
            {"name": "a", "securityContext": {"privileged": True},
             "volumeMounts": [{"name": "h", "mountPath": "/h", "subPath": "x"}]},
            {"name": "b", "securityContext": {"privileged": True}},
        ],
    }  # fmt: skip
    found = policy_checks.workload_host_features(sandboxed(spec))
    assert [message.split(" uses ")[1].split(":")[0] for message in found] == [
        "hostPID", "hostIPC", "privileged", "hostPath", "subPath",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("init_containers", "privileged"),
    [
        ([{"name": "i", "securityContext": {"privileged": True}}], True),
        ([{"name": "i", "securityContext": {"privileged": False}}], False),
        ([{"name": "i"}, "not a container"], False),
        (None, False),
    ],
)
def test_a_privileged_init_container_counts_too(init_containers, privileged):
    spec: dict[str, Any] = {"containers": [{"name": "c"}]}
    if init_containers is not None:
        spec["initContainers"] = init_containers
    assert ("privileged" in policy_checks.host_features_used(sandboxed(spec))) is privileged


def test_an_unsandboxed_workload_in_an_untrusted_namespace_is_told_which_classes_to_use():
    props = {"metadata": {"name": "app", "namespace": "tenants"}, "spec": {"containers": []}}
    workload = workloads.workload_of(POD, props)
    assert workload is not None
    assert policy_checks.workload_in_untrusted_namespace(workload, ["tenants"]) == [
        "Pod tenants/app runs in the untrusted namespace tenants with runtimeClassName unset; it "
        "must use a sandboxing RuntimeClass (kata-vm-isolation or kata-mshv-vm-isolation), e.g. "
        "runtimeClassName: kata-vm-isolation"
    ]
    assert policy_checks.workload_in_untrusted_namespace(workload, ["other"]) == []
