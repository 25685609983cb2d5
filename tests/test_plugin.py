"""The components as a multi-language plugin: its schema, its start, and Construct over gRPC.

The plugin is started the way the Pulumi CLI starts a source-based Python plugin, and this test is
its engine: it sends the requests another language's program causes (camelCase inputs) and reads
what comes back, errors included, as that program would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, cast

import grpc
import jsonschema
import pytest
import yaml
from pulumi.runtime import rpc
from pulumi.runtime.proto import errors_pb2, provider_pb2, status_pb2

from podsandbox.components.provider import schema
from tests.conftest import KUBECONFIG, REPO, AzureMocks, shared_file
from tests.docs import docs_text
from tests.plugin_host import MockEngine, Plugin, construct_request, start_plugin

SCHEMA_FILE = REPO / "components" / "schema.json"
POOL = "podsandbox:index:SandboxedNodePool"
CLUSTER = "podsandbox:index:SandboxedCluster"
GUARDRAIL = "podsandbox:index:SandboxGuardrail"
PROVISIONING = "podsandbox:index:SandboxNodeProvisioning"
AGENT_POOL = "azure-native:containerservice:AgentPool"


def committed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return document


def without_dependency_versions(document: dict[str, Any]) -> dict[str, Any]:
    """The schema with the versions of referenced packages left out (they follow the installed
    SDKs); this package references none today, which the next test holds."""
    copy: dict[str, Any] = json.loads(json.dumps(document))
    for dependency in copy.get("dependencies", []):
        dependency.pop("version", None)
    return copy


def leaves(node: Any, path: str = "") -> dict[str, Any]:
    """Every scalar of a JSON document by its path, to show where two schemas differ."""
    if isinstance(node, dict):
        return {
            k: v for key, value in node.items() for k, v in leaves(value, f"{path}/{key}").items()
        }
    if isinstance(node, list):
        return {
            k: v for i, value in enumerate(node) for k, v in leaves(value, f"{path}[{i}]").items()
        }
    return {path: node}


def test_the_committed_schema_is_the_inferred_one():
    # After a change to the components:
    #   python -m podsandbox.components.provider > components/schema.json
    inferred = leaves(without_dependency_versions(schema()))
    recorded = leaves(without_dependency_versions(committed()))
    differences = {
        path: (inferred.get(path), recorded.get(path))
        for path in sorted(set(inferred) | set(recorded))
        if inferred.get(path) != recorded.get(path)
    }
    assert differences == {}


def test_the_interface_references_no_other_package():
    # A kubeconfig, not a Kubernetes Provider: the schema then pins no other package's version.
    assert committed()["dependencies"] == []
    assert "#/resources/" not in SCHEMA_FILE.read_text() and "/kubernetes/" not in json.dumps(
        committed()
    )


def test_the_schema_validates_against_pulumis_package_metaschema():
    text = shared_file("reference", "pulumi-package.schema.json").read_text()
    # The metaschema's named groups are ECMAScript's; Python's re spells them (?P<name>.
    metaschema = json.loads(re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", text))
    validator = jsonschema.validators.validator_for(metaschema)(metaschema)
    errors = sorted(validator.iter_errors(committed()), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []
    broken = committed()
    broken["resources"][POOL]["inputProperties"]["vmSize"]["type"] = "text"
    assert list(validator.iter_errors(broken)), "the metaschema check must be able to fail"


def described(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for token, resource in document["resources"].items():
        yield token, resource.get("description")
        for section in ("inputProperties", "properties"):
            for name, prop in resource[section].items():
                yield f"{token}.{section}.{name}", prop.get("description")
    for token, type_ in document["types"].items():
        yield token, type_.get("description")
        for name, prop in type_.get("properties", {}).items():
            yield f"{token}.{name}", prop.get("description")
        for member in type_.get("enum", []):
            yield f"{token} enum {member.get('value')}", member.get("description")


def test_every_resource_input_output_type_and_enum_member_has_a_description():
    found = dict(described(committed()))
    assert len(found) > 30
    assert [where for where, text in found.items() if not text] == []


def test_the_reusable_components_and_their_secrets():
    document = committed()
    assert sorted(document["resources"]) == [GUARDRAIL, PROVISIONING, CLUSTER, POOL]
    assert document["resources"][GUARDRAIL]["requiredInputs"] == []
    assert document["resources"][PROVISIONING]["requiredInputs"] == []
    assert document["name"] == "podsandbox"
    for token in (CLUSTER, POOL):
        assert document["resources"][token]["properties"]["kubeconfig"]["secret"] is True
    assert document["resources"][CLUSTER]["properties"]["sshPrivateKey"]["secret"] is True
    assert document["resources"][POOL]["requiredInputs"] == ["clusterName", "resourceGroupName"]
    assert sorted(document["resources"][CLUSTER]["requiredInputs"]) == [
        "clusterName",
        "location",
        "resourceGroupName",
    ]


@pytest.fixture(scope="module")
def engine() -> Iterator[MockEngine]:
    mock = MockEngine(AzureMocks())
    yield mock
    mock.stop()


@pytest.fixture(scope="module")
def plugin(engine: MockEngine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plugin]:
    started = start_plugin(engine.address, tmp_path_factory.mktemp("consumer"))
    yield started
    started.stop()


def test_the_started_plugin_serves_the_committed_schema(plugin: Plugin):
    response = plugin.stub().GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60)
    assert json.loads(response.schema) == committed()


def construct(plugin: Plugin, engine: MockEngine, type_token: str, name: str, inputs: Any) -> Any:
    request = construct_request(engine.address, type_token, name, inputs)
    return plugin.stub().Construct(request, timeout=60)


def test_construct_a_node_pool_from_another_language(plugin: Plugin, engine: MockEngine):
    response = construct(
        plugin,
        engine,
        POOL,
        "team",
        {
            "resourceGroupName": "team-rg",
            "clusterName": "team-aks",
            "nodePoolName": "kata",
            "vmSize": "Standard_D8s_v5",
            "nodeCount": 2,
            "extraPools": [{"name": "katamem", "vmSize": "Standard_E4s_v5"}],
        },
    )
    assert response.urn == "urn:pulumi:test::consumer::podsandbox:index:SandboxedNodePool::team"
    pools = {
        r.inputs["agentPoolName"]: r.inputs
        for r in engine.registrations
        if r.type == AGENT_POOL and r.inputs["resourceName"] == "team-aks"
    }
    assert sorted(pools) == ["kata", "katamem"]
    assert (pools["kata"]["vmSize"], pools["kata"]["count"]) == ("Standard_D8s_v5", 2)
    assert pools["katamem"]["osSKU"] == "AzureLinux"
    state = rpc.deserialize_properties(response.state)
    assert state["runtimeClassName"] == "kata-vm-isolation"
    assert state["nodePoolNames"] == ["kata", "katamem"]
    assert rpc.is_rpc_secret(state["kubeconfig"])
    assert rpc.unwrap_rpc_secret(state["kubeconfig"]) == KUBECONFIG


def test_construct_a_cluster_from_another_language(plugin: Plugin, engine: MockEngine):
    response = construct(
        plugin,
        engine,
        CLUSTER,
        "sandbox",
        {"resourceGroupName": "rg", "location": "westeurope", "clusterName": "aks1"},
    )
    assert response.urn.endswith("podsandbox:index:SandboxedCluster::sandbox")
    [cluster] = [
        r
        for r in engine.registrations
        if r.type == "azure-native:containerservice:ManagedCluster" and r.name == "sandbox-cluster"
    ]
    assert cluster.inputs["agentPoolProfiles"][0]["workloadRuntime"] == "KataVmIsolation"
    assert cluster.inputs["location"] == "westeurope"
    state = rpc.deserialize_properties(response.state)
    assert rpc.is_rpc_secret(state["sshPrivateKey"])


def test_construct_a_guardrail_from_another_language(plugin: Plugin, engine: MockEngine):
    response = construct(
        plugin,
        engine,
        GUARDRAIL,
        "guard",
        {"policyName": "team-dev", "untrustedNamespaces": ["tenants"], "enforcement": "audit"},
    )
    assert response.urn.endswith("podsandbox:index:SandboxGuardrail::guard")
    registered = {r.name: r for r in engine.registrations if r.name.startswith("guard-")}
    assert sorted(registered) == ["guard-labelled", "guard-named", "guard-policy"]
    assert registered["guard-policy"].inputs["metadata"] == {"name": "team-dev"}
    named = registered["guard-named"].inputs["spec"]
    assert named["policyName"] == "team-dev"
    assert named["validationActions"] == ["Warn", "Audit"]
    assert named["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"] == [
        "tenants"
    ]
    assert rpc.deserialize_properties(response.state)["policyName"] == "team-dev"


def test_construct_karpenters_kata_nodes_from_another_language(plugin: Plugin, engine: MockEngine):
    inputs = {"name": "team-kata", "cpuLimit": "64", "consolidateAfter": "5m"}
    response = construct(plugin, engine, PROVISIONING, "kata", inputs)
    assert response.urn.endswith("podsandbox:index:SandboxNodeProvisioning::kata")
    registered = {r.name: r for r in engine.registrations if r.name.startswith("kata-")}
    assert sorted(registered) == ["kata-node-class", "kata-node-pool"]
    node_class = registered["kata-node-class"].inputs
    assert (node_class["kind"], node_class["metadata"]) == ("AKSNodeClass", {"name": "team-kata"})
    assert node_class["spec"]["workloadRuntime"] == "KataVmIsolation"
    node_pool = registered["kata-node-pool"].inputs["spec"]
    assert node_pool["limits"] == {"cpu": "64"}
    assert node_pool["disruption"]["consolidateAfter"] == "5m"
    assert rpc.deserialize_properties(response.state)["nodePoolName"] == "team-kata"


def refused(plugin: Plugin, engine: MockEngine, type_token: str, inputs: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        construct(plugin, engine, type_token, "bad", inputs)
    return raised.value


def property_errors(error: grpc.RpcError) -> list[tuple[str, str]]:
    """The InputPropertiesError details a Pulumi engine reads from the status."""
    metadata: dict[str, Any] = dict(cast(Any, error.trailing_metadata()) or ())
    status = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])
    found = []
    for detail in status.details:
        errors = errors_pb2.InputPropertiesError()
        assert detail.Unpack(errors)
        found += [(e.property_path, e.reason) for e in errors.errors]
    return found


def no_python_in(error: grpc.RpcError) -> bool:
    text = (error.details() or "") + repr(error.trailing_metadata())
    return "Traceback" not in text and 'File "' not in text and ".py" not in text


REFUSED_BY_THE_SDK = {
    "count not a number": ("", "Invalid value 'two' of type <class 'str'> for integer property "
                           "nodeCount"),
    "extra pool without a name": ("extraPools[0].name", "Missing required input "
                                  "'extraPools[0].name' on 'SandboxedCluster'"),
}  # fmt: skip
"""Inputs the SDK's own mapping refuses before the provider's judge runs (wrong type for an
integer, a missing required input): its message, alone. (It names no path for the integer.)"""


def _bad_inputs() -> list[Any]:
    from tests.test_component_validation import BAD_INPUTS

    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part.capitalize() for part in rest)

    cases = []
    for param in BAD_INPUTS:
        kind, changes, message = cast(tuple[str, dict[str, Any], str], param.values)
        if any(value == "<an output>" or value is None for value in changes.values()):
            continue  # an Output or a missing input cannot come from another language as such
        if param.id in REFUSED_BY_THE_SDK:
            continue
        inputs: dict[str, Any] = {
            "pool": {"resourceGroupName": "myResourceGroup", "clusterName": "myAKSCluster"},
            "cluster": {
                "resourceGroupName": "myResourceGroup",
                "location": "eastus",
                "clusterName": "myAKSCluster",
            },
            "guardrail": {},
            "provisioning": {},
        }[kind]
        for key, value in changes.items():
            if key == "extra_pools":
                value = [{camel(k): v for k, v in pool.items()} for pool in value]
            inputs[camel(key)] = value
        token = {"pool": POOL, "cluster": CLUSTER, "guardrail": GUARDRAIL,
                 "provisioning": PROVISIONING}[kind]  # fmt: skip
        cases.append(pytest.param(token, inputs, message, id=param.id))
    return cases


BAD = _bad_inputs()


def test_most_bad_inputs_go_through_the_multi_language_path_too():
    assert len(BAD) >= 15


@pytest.mark.parametrize(("type_token", "inputs", "message"), BAD)
def test_a_bad_input_is_refused_with_its_message_and_no_python(
    plugin: Plugin, engine: MockEngine, type_token: str, inputs: Any, message: str
):
    error = refused(plugin, engine, type_token, inputs)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    path = message.partition(" = ")[0]
    assert property_errors(error) == [(path, message)]
    assert no_python_in(error)


@pytest.mark.parametrize(
    ("inputs", "label"),
    [
        (
            {"resourceGroupName": "rg", "clusterName": "aks", "nodeCount": "two"},
            "count not a number",
        ),
        (
            {"resourceGroupName": "rg", "location": "eastus", "clusterName": "aks",
             "extraPools": [{"vmSize": "Standard_D8s_v5"}]},
            "extra pool without a name",
        ),
    ],
)  # fmt: skip
def test_what_the_sdk_refuses_first_still_reaches_the_caller_cleanly(
    plugin: Plugin, engine: MockEngine, inputs: Any, label: str
):
    type_token = CLUSTER if "location" in inputs else POOL
    error = refused(plugin, engine, type_token, inputs)
    assert property_errors(error) == [REFUSED_BY_THE_SDK[label]]
    assert no_python_in(error)


def test_every_problem_comes_back_at_once(plugin: Plugin, engine: MockEngine):
    error = refused(
        plugin,
        engine,
        POOL,
        {
            "resourceGroupName": "rg/x",
            "clusterName": "team-aks",
            "vmSize": "Standard_D4_v3",
            "nodeCount": 0,
            "osSku": "Ubuntu",
            "kubernetesVersion": "1.20",
            "extraPools": [{"name": "Kata8", "vmSize": "Standard_B2s"}],
        },
    )
    assert [path for path, _ in property_errors(error)] == [
        "resourceGroupName",
        "nodeCount",
        "vmSize",
        "kubernetesVersion",
        "osSku",
        "extraPools[0].name",
        "extraPools[0].vmSize",
    ]
    # Over the plugin the caller is another language's program: no Python line is named.
    assert "invalid SandboxedNodePool 'bad' inputs (7 problems)" in (error.details() or "")
    assert no_python_in(error)


def test_the_yaml_example_uses_the_schemas_tokens_and_property_names():
    example = yaml.safe_load((REPO / "components/examples/yaml/Pulumi.yaml").read_text())
    project_schema = json.loads(shared_file("reference", "pulumi-project.schema.json").read_text())
    jsonschema.validate(example, project_schema)
    assert example["runtime"] == "yaml"
    assert "podsandbox" in example["packages"]
    document = committed()
    used = {
        name: r for name, r in example["resources"].items() if r["type"].startswith("podsandbox")
    }
    assert used, "the example uses no component of this package"
    for name, resource in used.items():
        token = resource["type"]
        assert token in document["resources"], token
        spec = document["resources"][token]
        properties = resource.get("properties", {})
        assert set(properties) <= set(spec["inputProperties"]), name
        assert set(spec.get("requiredInputs", [])) <= set(properties), name
        for key, value in properties.items():
            if spec["inputProperties"][key].get("plain"):
                assert "${" not in json.dumps(value), f"{key} is plain: a literal, not an output"
    for output in example.get("outputs", {}).values():
        for resource_name, prop in re.findall(r"\$\{(\w+)\.(\w+)\}", str(output)):
            if resource_name in used:
                assert prop in document["resources"][used[resource_name]["type"]]["properties"]


def test_one_version_for_the_package_its_schema_its_pack_and_the_readmes_pin():
    import tomllib
    from importlib.metadata import version

    from podsandbox.pack import PACK_VERSION

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert committed()["version"] == declared == version("podsandbox") == PACK_VERSION
    assert f"/components@v{declared}" in docs_text()
