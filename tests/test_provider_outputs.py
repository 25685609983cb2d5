"""Issue 27, item 7: preview outputs follow the provider. For a resource being created,
pulumi-azure-native's preview returns `PreviewOutputs(inputs, res.Response)` (provider/pkg/
provider/provider.go, `Create`, `req.GetPreview()`; provider/pkg/convert/previewOutputs.go): the
rows below are the cases of its previewOutputs_test.go (valid, unknown, mismatch, mismatch
element, the "string set property" of user-assigned identities), on the SDK's own classes."""

from __future__ import annotations

import json
from typing import Any

import pulumi_azure_native.containerservice as containerservice
import pulumi_azure_native.resources as resources
import pytest
from pulumi import _types as sdk_types
from pulumi.output import Unknown
from pulumi.runtime import rpc

from podsandbox.cli import main
from podsandbox.preview import provider_outputs
from tests.conftest import REPO

CLUSTER = "azure-native:containerservice:ManagedCluster"
GROUP = "azure-native:resources:ResourceGroup"
GENERIC = "azure-native:resources:Resource"
U = "unknown"


def plain(value: Any) -> Any:
    """Outputs with unknowns as "unknown" and secrets as {"secret": value}, to compare."""
    if isinstance(value, Unknown):
        return U
    if rpc.is_rpc_secret(value):
        return {"secret": plain(rpc.unwrap_rpc_secret(value))}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def output(token: str, inputs: dict[str, Any], *path: Any) -> Any:
    found = provider_outputs.preview_outputs(token, inputs)
    assert found is not None
    value: Any = plain(found)
    for key in path:
        value = value[key]
    return value


IDENTITY = "/subscriptions/0/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i"  # noqa: E501


@pytest.mark.parametrize(
    ("token", "inputs", "path", "expected"),
    [
        # string: valid, unknown (output-only), mismatch
        (GROUP, {"location": "westeurope"}, ("location",), "westeurope"),
        (GROUP, {"resourceGroupName": "rg"}, ("name",), U),
        (GROUP, {}, ("type",), U),
        (GROUP, {"location": 123}, ("location",), U),
        # string map: valid, mismatch, mismatch element
        (GROUP, {"tags": {"a": "b"}}, ("tags",), {"a": "b"}),
        (GROUP, {"tags": 123}, ("tags",), U),
        (GROUP, {"tags": ["a"]}, ("tags",), U),
        (GROUP, {"tags": {"a": "b", "c": 1}}, ("tags",), {"a": "b", "c": U}),
        # number and bool: valid, mismatch (a bool is no number, a number no bool)
        (CLUSTER, {"enableRBAC": True}, ("enableRBAC",), True),
        (CLUSTER, {"enableRBAC": 1}, ("enableRBAC",), U),
        (CLUSTER, {"enableRBAC": "true"}, ("enableRBAC",), U),
        (CLUSTER, {"agentPoolProfiles": [{"count": 3}]}, ("agentPoolProfiles", 0, "count"), 3),
        (CLUSTER, {"agentPoolProfiles": [{"count": True}]}, ("agentPoolProfiles", 0, "count"), U),
        (CLUSTER, {"agentPoolProfiles": [{"count": "3"}]}, ("agentPoolProfiles", 0, "count"), U),
        # arrays of objects: valid (unset fields unknown), mismatch, mismatch element
        (CLUSTER, {"agentPoolProfiles": [{"name": "a"}]}, ("agentPoolProfiles", 0, "name"), "a"),
        (CLUSTER, {"agentPoolProfiles": [{"name": "a"}]}, ("agentPoolProfiles", 0, "osSKU"), U),
        (CLUSTER, {"agentPoolProfiles": [{"name": "a"}]}, ("agentPoolProfiles", 0, "provisioningState"), U),  # noqa: E501
        (CLUSTER, {"agentPoolProfiles": "a"}, ("agentPoolProfiles",), U),
        (CLUSTER, {"agentPoolProfiles": {"name": "a"}}, ("agentPoolProfiles",), U),
        (CLUSTER, {"agentPoolProfiles": [{"name": "a"}, 5]}, ("agentPoolProfiles", 1), U),
        # objects: valid with computed fields unknown, mismatch
        (CLUSTER, {"identity": {"type": "UserAssigned"}}, ("identity", "type"), "UserAssigned"),
        (CLUSTER, {"identity": {"type": "UserAssigned"}}, ("identity", "principalId"), U),
        (CLUSTER, {"identity": "UserAssigned"}, ("identity",), U),
        # the string set property: a list of identity ids where the output is a map of them
        (CLUSTER, {"identity": {"type": "UserAssigned", "userAssignedIdentities": [IDENTITY]}}, ("identity", "userAssignedIdentities"), U),  # noqa: E501
        (CLUSTER, {"identity": {"userAssignedIdentities": {IDENTITY: {}}}}, ("identity", "userAssignedIdentities", IDENTITY, "principalId"), U),  # noqa: E501
        # Any: the input as it is
        (GENERIC, {"properties": {"a": [1, {"b": None}]}}, ("properties",), {"a": [1, {"b": None}]}),  # noqa: E501
        # unknown and secret inputs
        (GROUP, {"location": Unknown()}, ("location",), U),
        (GROUP, {"location": rpc.wrap_rpc_secret("westeurope")}, ("location",), {"secret": "westeurope"}),  # noqa: E501
        (GROUP, {"location": rpc.wrap_rpc_secret(1)}, ("location",), {"secret": U}),
    ],
)  # fmt: skip
def test_outputs_follow_azure_natives_preview_rule(token, inputs, path, expected):
    assert output(token, inputs, *path) == expected


def test_the_outputs_are_the_response_shape_not_the_inputs():
    found = provider_outputs.preview_outputs(GROUP, {"resourceGroupName": "rg", "location": "x"})
    assert found is not None
    assert set(found) == set(sdk_types.resource_types(resources.ResourceGroup))
    assert "resourceGroupName" not in found  # an input only: not an output


@pytest.mark.parametrize(
    ("token", "found"),
    [
        (CLUSTER, containerservice.ManagedCluster),
        ("azure-native:containerservice:AgentPool", containerservice.AgentPool),
        (GROUP, resources.ResourceGroup),
        ("azure-native:containerservice:NoSuchType", None),
        ("azure-native:containerservice:ManagedClusterAgentPoolProfileArgs", None),  # no resource
        ("azure-native:containerservice:__class__", None),
        ("azure-native:containerservice:not-a-name", None),
        ("azure-native:neverimported:Thing", None),
        ("azure-native:containerservice/v20250202preview:AgentPool", None),  # not installed
        ("azure-nativex:containerservice:ManagedCluster", None),
        ("azure:containerservice:KubernetesCluster", None),
        ("kubernetes:core/v1:Pod", None),
        ("azure-native:containerservice", None),
        ("azure-native:containerservice:ManagedCluster:x", None),
    ],
)
def test_the_output_shape_comes_from_a_loaded_sdk_class(token, found):
    assert provider_outputs.resource_class(token) is found


def test_a_type_without_a_known_shape_keeps_its_inputs():
    assert (
        provider_outputs.preview_outputs("azure-native:containerservice:NoSuch", {"a": 1}) is None
    )
    assert provider_outputs.preview_outputs("tls:index/privateKey:PrivateKey", {"a": 1}) is None


def test_pulumi_examples_aks_managed_identity_runs(capsys):
    """pulumi/examples' azure-py-aks-managed-identity (a faithful copy: tests/programs/
    aks-managed-identity) stopped the offline run: its inputs came back as outputs, so the SDK
    got a list where azure-native's output is a map. It runs now, as under a real preview."""
    program = REPO / "tests" / "programs" / "aks-managed-identity"
    exit_code = main(["preview", "--program", str(program), "--format", "json", "--strict"])
    document = json.loads(capsys.readouterr().out)
    assert exit_code == 0, document
    assert document["outputs"] == {"kubeconfig": "[unknown]"}
    types = [resource["type"] for resource in document["resources"]]
    assert CLUSTER in types and "azure-native:authorization:RoleAssignment" in types
    [cluster] = [r for r in document["resources"] if r["type"] == CLUSTER]
    assert cluster["inputs"]["identity"]["type"] == "UserAssigned"
