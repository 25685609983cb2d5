"""Nothing typed is ignored: a component refuses keys it does not know, from Python and over the
plugin's Construct, with the key it most likely meant; a followed suggestion is accepted."""

from __future__ import annotations

import json
from contextvars import ContextVar
from pathlib import Path
from typing import Any, cast

import pulumi
import pulumi.runtime.config
import pulumi.runtime.settings
import pytest

from podsandbox.components import SandboxedCluster, SandboxedNodePool
from podsandbox.components.input_keys import python_unknown_keys
from podsandbox.components.node_provisioning import (
    SandboxNodeProvisioning,
    SandboxNodeProvisioningArgs,
)
from podsandbox.components.sandbox_guardrail import SandboxGuardrail
from podsandbox.components.sandboxed_node_pool import SandboxedNodePoolArgs
from podsandbox.components.validation import ComponentInputError
from tests.conftest import REPO
from tests.test_cli import cli
from tests.test_components import cluster_args, deploy, pool_args
from tests.test_plugin import POOL, construct, engine, plugin, property_errors, refused  # noqa: F401


def refusal(build: Any) -> ComponentInputError:
    with pytest.raises(ComponentInputError) as raised:
        build()
    return raised.value


def test_a_camel_case_key_from_python_gets_the_snake_case_name_it_meant():
    error = refusal(lambda: SandboxedNodePool("x", pool_args(vmSize="Standard_D8s_v5")))
    [problem] = error.problems
    assert str(problem) == (
        "vmSize = 'Standard_D8s_v5': is not an input of this component (did you mean vm_size?). "
        "Allowed: one of "
        + ", ".join(sorted(SandboxedNodePoolArgs.__annotations__))
        + ". Example: vm_size: 'Standard_D8s_v5'"
    )
    # The example, followed, is accepted and used.
    run = deploy(
        lambda: {"c": SandboxedNodePool("x", pool_args(vm_size="Standard_D8s_v5")).cluster_name}
    )
    [pool] = run.of_type("azure-native:containerservice:AgentPool")
    assert pool.inputs["vmSize"] == "Standard_D8s_v5"


def test_a_typo_in_a_key_is_refused_with_did_you_mean_and_every_other_problem():
    error = refusal(lambda: SandboxedNodePool("x", pool_args(node_cont=3, node_count=0)))
    assert [problem.where for problem in error.problems] == ["node_cont", "nodeCount"]
    assert "(did you mean node_count?)" in error.problems[0].reason


def test_a_key_near_nothing_gets_no_guess():
    [problem] = python_unknown_keys({"colour": "blue"}, SandboxNodeProvisioningArgs)
    assert problem.reason == "is not an input of this component"
    assert problem.example == "colour: (leave it out)"


def test_an_extra_pools_unknown_key_is_refused_at_its_path():
    extra = [{"name": "kata8", "vmSize": "Standard_D8s_v5"}]
    error = refusal(lambda: SandboxedCluster("x", cluster_args(extra_pools=extra)))
    [problem] = error.problems
    # A Python program is told its own names: the path as it wrote it, the key it meant.
    assert problem.where == "extra_pools[0].vmSize"
    assert problem.example == "extra_pools[0].vm_size: 'Standard_D8s_v5'"


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (
            lambda: SandboxGuardrail("g", cast(Any, {"untrusted_namespace": ["a"]})),
            "untrusted_namespace",
        ),
        (lambda: SandboxNodeProvisioning("k", cast(Any, {"cpuLimit": "64"})), "cpuLimit"),
    ],
)
def test_every_component_refuses_keys_it_does_not_know(build, key):
    [problem] = refusal(build).problems
    assert problem.where == key and "did you mean" in problem.reason


def test_the_plugin_refuses_unknown_keys_with_the_schema_names(plugin, engine):  # noqa: F811
    error = refused(
        plugin,
        engine,
        POOL,
        {
            "resourceGroupName": "rg",
            "clusterName": "team-aks",
            "vmsize": "Standard_D8s_v5",
            "extraPools": [{"name": "kata8", "nodeCnt": 2}],
        },
    )
    # A protobuf Struct carries no key order: the errors come in the order the keys arrive.
    errors = dict(property_errors(error))
    assert sorted(errors) == ["extraPools[0].nodeCnt", "vmsize"]
    assert "(did you mean vmSize?)" in errors["vmsize"]
    assert "(did you mean nodeCount?)" in errors["extraPools[0].nodeCnt"]


def test_a_stack_key_pulumi_yaml_does_not_declare_stops_the_preview(tmp_path: Path):
    # It passed with a warning before: the program ignored nodeVMSize and built Standard_D4s_v3.
    stack_file = tmp_path / "Pulumi.typo.yaml"
    stack_file.write_text((REPO / "Pulumi.dev.yaml").read_text().replace(
        "podsandbox:nodeVmSize", "podsandbox:nodeVMSize"))  # fmt: skip
    result = cli("preview", "--config-file", str(stack_file))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nodeVMSize = 'Standard_D4s_v3': is not a setting of this project (did you mean " \
        "nodeVmSize?)" in result.stderr  # fmt: skip
    assert "Example: pulumi config rm nodeVMSize && pulumi config set nodeVmSize " \
        "Standard_D4s_v3" in result.stderr  # fmt: skip


def as_the_language_host_runs_it(monkeypatch, values: dict[str, str], secret: set[str]) -> str:
    """config.read_stack_settings()'s error, with the config the Python language host passes
    (PULUMI_CONFIG, loaded by pulumi-language-python-exec with set_all_config), project
    podsandbox and stack dev."""
    import config

    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(values))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(sorted(secret)))
    given: ContextVar[dict[str, Any]] = ContextVar("test_config")
    given.set({})
    secrets: ContextVar[set[str]] = ContextVar("test_secret_keys")
    secrets.set(secret)
    monkeypatch.setattr(pulumi.runtime.config, "CONFIG", given)
    monkeypatch.setattr(pulumi.runtime.config, "_SECRET_KEYS", secrets)
    monkeypatch.setattr(pulumi.runtime.settings.SETTINGS, "project", "podsandbox")
    monkeypatch.setattr(pulumi.runtime.settings.SETTINGS, "stack", "dev")
    with pytest.raises(pulumi.RunError) as raised:
        config.read_stack_settings()
    return str(raised.value)


def test_the_program_reads_undeclared_keys_from_the_config_the_language_host_passes(
    monkeypatch, tmp_path
):
    # pulumi-language-python hands the stack's config to the program as PULUMI_CONFIG (JSON):
    # pulumi/pulumi sdk/python/cmd/pulumi-language-python/main.go, maybeAppendEnv.
    monkeypatch.chdir(tmp_path)  # no stack file beside it: the problems keep their read order
    message = as_the_language_host_runs_it(monkeypatch, {
        "podsandbox:mode": "existing-cluster", "podsandbox:nodeCont": "2",
        "podsandbox:sshPublicKy": "ssh-rsa AAAA", "other:key": "x",
    }, {"podsandbox:sshPublicKy"})  # fmt: skip
    assert message.startswith("2 problems in Pulumi.dev.yaml:\n")
    assert "nodeCont = '2': is not a setting of this project (did you mean nodeCount?)" in message
    assert "sshPublicKy = [secret]" in message and "AAAA" not in message
    assert "other:key" not in message and "key =" not in message


def test_under_the_cli_the_problems_follow_the_stack_files_order(monkeypatch, tmp_path):
    # The Pulumi CLI runs the program in the project's folder, beside Pulumi.<stack>.yaml.
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  podsandbox:osSku: Ubuntu\n  azure-native:location: eastus\n"
        "  podsandbox:nodeCount: zero\n"
    )
    monkeypatch.chdir(tmp_path)
    message = as_the_language_host_runs_it(monkeypatch, {
        "podsandbox:nodeCount": "zero", "podsandbox:osSku": "Ubuntu",
        "azure-native:location": "eastus",
    }, set())  # fmt: skip
    assert [line.split()[1] for line in message.splitlines()[1:]] == ["osSku", "nodeCount"]
