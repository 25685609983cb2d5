"""The namespace a Kubernetes object really lands in (rules only, no Pulumi)."""

from __future__ import annotations

import pytest

from podsandbox.rules import workloads

POD = "kubernetes:core/v1:Pod"


def pod(namespace: object = None) -> dict[str, object]:
    metadata: dict[str, object] = {"name": "app"}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"metadata": metadata, "spec": {"containers": [{"name": "app"}]}}


@pytest.mark.parametrize(
    ("argument", "context", "has_kubeconfig", "expected"),
    [
        ("tenants", "other", True, "tenants"),  # the provider's namespace argument first
        (None, "other", True, "other"),  # then its kubeconfig's current context
        ("", "other", True, "other"),
        (None, None, True, "default"),  # a kubeconfig that names none: default
        (None, "", True, "default"),
        (None, None, False, None),  # an ambient kubeconfig: not known offline
        ("tenants", None, False, "tenants"),
        (7, None, False, None),
    ],
)
def test_where_a_provider_puts_an_object_without_a_namespace(
    argument, context, has_kubeconfig, expected
):
    assert workloads.provider_namespace(argument, context, has_kubeconfig) == expected


def test_metadata_namespace_wins_over_the_providers():
    workload = workloads.workload_of(POD, pod("mine"), "tenants")
    assert workload is not None
    assert (workload.declared_namespace, workload.namespace) == ("mine", "mine")


@pytest.mark.parametrize("declared", [None, ""])
def test_without_metadata_namespace_the_providers_is_used_or_none(declared):
    workload = workloads.workload_of(POD, pod(declared), "tenants")
    assert workload is not None
    assert (workload.declared_namespace, workload.namespace) == (None, "tenants")
    unknown = workloads.workload_of(POD, pod(declared))
    assert unknown is not None and unknown.namespace is None


def test_a_namespace_that_is_not_a_string_is_not_declared():
    workload = workloads.workload_of(POD, {"metadata": {"namespace": 3}, "spec": {}}, "x")
    assert workload is not None and workload.namespace == "x"
    assert workloads.workload_of(POD, {"metadata": "odd", "spec": {}}, "x").namespace == "x"  # type: ignore[union-attr]


def test_a_message_about_a_workload_whose_namespace_is_unknown_says_so():
    from podsandbox.rules import policy_checks

    props = {
        "metadata": {"name": "app"},
        "spec": {"hostNetwork": True, "runtimeClassName": "kata-vm-isolation", "containers": []},
    }
    workload = workloads.workload_of(POD, props)
    assert workload is not None and workload.namespace is None
    [message] = policy_checks.workload_host_network(workload)
    assert message.startswith("Pod (namespace not known)/app sets spec.hostNetwork: true")


@pytest.mark.parametrize(
    ("text", "namespace", "object_name"),
    [
        ("untrusted", True, True),
        ("a", True, True),
        ("9-tenants-0", True, True),
        ("a" * 63, True, True),
        ("a" * 64, False, True),  # a namespace is a label (63); an object name a subdomain (253)
        ("a" * 253, False, True),
        ("a" * 254, False, False),
        ("team.dev", False, True),
        ("team..dev", False, False),
        ("Tenants", False, False),
        ("-tenants", False, False),
        ("tenants-", False, False),
        ("tenants.", False, False),
        ("untrusted\n", False, False),  # a trailing newline is not a name
        ("kata-x', 'runc", False, False),
        ("", False, False),
    ],
)
def test_kubernetes_names(text, namespace, object_name):
    assert workloads.is_namespace_name(text) is namespace
    assert workloads.is_object_name(text) is object_name


def test_an_object_name_can_be_held_shorter():
    assert workloads.is_object_name("a" * 244, 244)
    assert not workloads.is_object_name("a" * 245, 244)
