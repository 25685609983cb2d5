"""A workload is judged in the namespace it will really land in: a provider's namespace cannot be
used to slip an unsandboxed pod into an untrusted namespace, and an unknown one is "not checked"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podsandbox.cli import main
from tests.conftest import python_project

KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "c", "cluster": {"server": "https://example.invalid"}}],
    "users": [{"name": "u", "user": {"token": "t"}}],
    "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u", "namespace": "untrusted"}}],
    "current-context": "c",
}
POD = (
    "Pod('app', metadata={{'name': 'app'{namespace}}},\n"
    "    spec={{'containers': [{{'name': 'app', 'image': 'nginx'}}]}}{opts})\n"
)


def preview(capsys, tmp_path: Path, code: str, config: str = "config: {}\n", *extra: str):
    folder = python_project(
        tmp_path / "team",
        "import pulumi\nfrom pulumi_kubernetes import Provider\n"
        "from pulumi_kubernetes.core.v1 import Pod\n" + code,
        stack=config,
    )
    exit_code = main(["preview", "--program", str(folder), "--format", "json", *extra])
    return exit_code, json.loads(capsys.readouterr().out)


def flagged(document) -> bool:
    """A real violation of the policy (not its "can't run" notice)."""
    return any(
        v["policy"] == "untrusted-namespace-sandboxed" and "can't run policy" not in v["message"]
        for v in document["violations"]
    )


def provided(provider_args: str) -> str:
    return f"provider = Provider('k8s', {provider_args})\n" + POD.format(
        namespace="", opts=", opts=pulumi.ResourceOptions(provider=provider)"
    )


@pytest.mark.parametrize(
    ("provider_args", "is_flagged"),
    [
        ("namespace='untrusted', kubeconfig='{}'", True),  # the provider's namespace argument
        (f"kubeconfig={json.dumps(json.dumps(KUBECONFIG))}", True),  # its kubeconfig's context
        ("namespace='tenants', kubeconfig='{}'", False),
    ],
)
def test_a_pod_without_a_namespace_lands_in_its_providers(
    capsys, tmp_path, provider_args, is_flagged
):
    code, document = preview(capsys, tmp_path, provided(provider_args))
    assert flagged(document) is is_flagged
    assert code == (1 if is_flagged else 0)
    assert document["summary"]["notChecked"] == []


def test_the_default_provider_uses_the_stacks_kubernetes_namespace(capsys, tmp_path):
    code, document = preview(
        capsys,
        tmp_path,
        POD.format(namespace="", opts=""),
        "config:\n  kubernetes:namespace: untrusted\n  kubernetes:kubeconfig: '{}'\n",
    )
    assert flagged(document) and code == 1


def test_an_unknown_namespace_is_not_checked_never_assumed_default(capsys, tmp_path):
    # The default provider with no config reads the ambient kubeconfig: not known offline.
    code, document = preview(capsys, tmp_path, POD.format(namespace="", opts=""))
    assert not flagged(document) and code == 0
    [not_checked] = document["summary"]["notChecked"]
    assert not_checked.startswith("can't run policy 'untrusted-namespace-sandboxed'")
    assert "Pod app sets no metadata.namespace" in not_checked
    code, _ = preview(capsys, tmp_path, POD.format(namespace="", opts=""), "config: {}\n",
                      "--strict")  # fmt: skip
    assert code == 1


def test_metadata_namespace_is_judged_whatever_the_provider(capsys, tmp_path):
    code, document = preview(
        capsys, tmp_path, POD.format(namespace=", 'namespace': 'untrusted'", opts="")
    )
    assert flagged(document) and code == 1 and document["summary"]["notChecked"] == []
