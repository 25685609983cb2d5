"""Workloads declared through manifests are judged like any other, and constructs whose resources
the offline run cannot see are listed as not checked in every report, never passed in silence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podsandbox.cli import main
from podsandbox.preview import manifests
from tests.conftest import python_project

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: untrusted
spec:
  containers: [{name: app, image: nginx}]
"""
SANDBOXED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: untrusted
spec:
  runtimeClassName: kata-vm-isolation
  containers:
  - name: app
    image: nginx
    resources:
      requests: {cpu: "1", memory: 256Mi}
      limits: {cpu: "1", memory: 256Mi}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: untrusted}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""
SECRET = """\
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: untrusted}
stringData: {password: manifest-secret-password}
"""
HEADER = (
    "import pulumi\n"
    "from pulumi_kubernetes.yaml.v2 import ConfigFile, ConfigGroup\n"
    "from pulumi_kubernetes import Provider\n"
)


def preview(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    code: str,
    files: dict[str, str] | None = None,
    *extra: str,
    output_format: str = "json",
) -> tuple[int, str]:
    folder = python_project(tmp_path / "team", HEADER + code)
    for name, text in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    exit_code = main(["preview", "--program", str(folder), "--format", output_format, *extra])
    return exit_code, capsys.readouterr().out


def flagged_names(document: dict[str, Any]) -> set[str]:
    names = {r["urn"]: r["name"] for r in document["resources"]}
    return {
        names[v["urn"]]
        for v in document["violations"]
        if v["policy"] == "untrusted-namespace-sandboxed" and "can't run" not in v["message"]
    }


def test_a_config_files_objects_are_registered_as_the_provider_registers_them(capsys, tmp_path):
    code, out = preview(capsys, tmp_path, "ConfigFile('app', file='app.yaml')\n", {"app.yaml": POD})
    document = json.loads(out)
    assert code == 1
    [component] = [r for r in document["resources"] if r["type"] == manifests.CONFIG_FILE]
    [pod] = [r for r in document["resources"] if r["type"] == "kubernetes:core/v1:Pod"]
    assert pod["name"] == "app:untrusted/app"  # <resourcePrefix>:<namespace>/<name>
    assert pod["parent"] == component["urn"]
    assert pod["urn"].endswith(
        "::kubernetes:yaml/v2:ConfigFile$kubernetes:core/v1:Pod::app:untrusted/app"
    )
    assert flagged_names(document) == {"app:untrusted/app"}


def test_a_sandboxed_pod_in_a_manifest_passes(capsys, tmp_path):
    code, out = preview(
        capsys, tmp_path, "ConfigFile('app', file='app.yaml')\n", {"app.yaml": SANDBOXED_POD}
    )
    assert code == 0
    assert flagged_names(json.loads(out)) == set()


def test_a_config_group_reads_globbed_files_then_yaml_then_objs(capsys, tmp_path):
    group = (
        "ConfigGroup('g', files=['manifests/*.yaml'], yaml=" + repr(DEPLOYMENT) + ",\n"
        "    objs=[{'apiVersion': 'batch/v1', 'kind': 'Job',\n"
        "           'metadata': {'name': 'job', 'namespace': 'untrusted'},\n"
        "           'spec': {'template': {'spec': {'containers': [{'name': 'j', 'image': 'x'}],\n"
        "                                          'restartPolicy': 'Never'}}}}])\n"
    )
    files = {"manifests/a.yaml": POD, "manifests/b.yaml": "---\n" + SANDBOXED_POD.replace(
        "name: app", "name: safe")}  # fmt: skip
    code, out = preview(capsys, tmp_path, group, files)
    document = json.loads(out)
    assert code == 1
    assert flagged_names(document) == {"g:untrusted/app", "g:untrusted/web", "g:untrusted/job"}
    children = [r["name"] for r in document["resources"] if r["parent"] and "g:" in r["name"]]
    assert sorted(children) == sorted(
        ["g:untrusted/app", "g:untrusted/safe", "g:untrusted/web", "g:untrusted/job"]
    )


def test_a_list_stands_for_its_items_and_the_prefix_can_be_changed_or_left_out(capsys, tmp_path):
    listed = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [{"apiVersion": "v1", "kind": "List", "items": [json.loads(json.dumps(
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "inner",
             "namespace": "untrusted"}, "spec": {"containers": [{"name": "a", "image": "b"}]}}
        ))]}],
    }  # fmt: skip
    code = (
        f"ConfigGroup('none', objs=[{listed!r}], resource_prefix='')\n"
        f"ConfigGroup('other', objs=[{listed!r}], resource_prefix='team')\n"
    )
    exit_code, out = preview(capsys, tmp_path, code)
    assert exit_code == 1
    assert flagged_names(json.loads(out)) == {"untrusted/inner", "team:untrusted/inner"}


def test_a_manifest_without_a_namespace_lands_in_its_providers(capsys, tmp_path):
    pod = POD.replace("  namespace: untrusted\n", "")
    code = (
        "k8s = Provider('k8s', namespace='untrusted', kubeconfig='{}')\n"
        "ConfigFile('app', file='app.yaml', opts=pulumi.ResourceOptions(providers=[k8s]))\n"
    )
    exit_code, out = preview(capsys, tmp_path, code, {"app.yaml": pod})
    assert exit_code == 1
    assert flagged_names(json.loads(out)) == {"app:app"}


def test_the_sdks_own_v1_config_file_is_judged_too(capsys, tmp_path):
    code = "from pulumi_kubernetes.yaml import ConfigFile as V1\nV1('v1', file='app.yaml')\n"
    exit_code, out = preview(capsys, tmp_path, code, {"app.yaml": POD})
    assert exit_code == 1
    assert flagged_names(json.loads(out)) == {"untrusted/app"}


@pytest.mark.parametrize("output_format", ["text", "json", "markdown", "sarif"])
def test_a_secret_in_a_manifest_is_never_shown(capsys, tmp_path, output_format):
    code = (
        "ConfigFile('app', file='app.yaml')\n"
        "ConfigGroup('g', yaml=pulumi.Output.secret("
        + repr(SECRET.replace("manifest-secret-password", "secret-yaml-text-value"))
        + "))\n"
    )
    _, out = preview(capsys, tmp_path, code, {"app.yaml": SECRET}, output_format=output_format)
    assert "manifest-secret-password" not in out
    assert "secret-yaml-text-value" not in out
    if output_format != "sarif":  # (SARIF lists only violations)
        assert "creds" in out  # the object itself is listed


UNSEEN = [
    ("from pulumi_kubernetes.helm.v4 import Chart\nChart('c', chart='oci://r/c')\n", "Helm chart"),
    ("from pulumi_kubernetes.helm.v3 import Chart, ChartOpts\n"
     "Chart('c', ChartOpts(chart='c', fetch_opts={'repo': 'https://r'}))\n", "Helm chart"),
    ("from pulumi_kubernetes.kustomize.v2 import Directory\nDirectory('k', directory='k')\n",
     "kustomize"),
    ("class Remote(pulumi.ComponentResource):\n"
     "    def __init__(self, name):\n"
     "        super().__init__('other:index:Thing', name, {}, None, remote=True)\n"
     "Remote('r')\n", "multi-language component"),
    ("ConfigFile('app', file='missing.yaml')\n", "missing.yaml does not exist"),
    ("ConfigFile('app', file='https://example.com/app.yaml')\n", "from the network"),
    ("ConfigGroup('g', yaml='kind: [unclosed')\n", "is not valid YAML"),
    ("ConfigGroup('g', yaml='apiVersion: v1\\nkind: Pod\\n')\n", "has no metadata.name"),
    ("ConfigGroup('g', objs=['just text'])\n", "not a Kubernetes object"),
    ("from pulumi_kubernetes.core.v1 import Namespace\n"
     "ns = Namespace('ns')\n"
     "ConfigGroup('g', yaml=ns.metadata.apply(lambda m: 'kind: x'))\n",
     "only known after deployment"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "reason"), UNSEEN)
def test_what_the_offline_run_cannot_see_is_listed_as_not_checked(capsys, tmp_path, code, reason):
    exit_code, out = preview(capsys, tmp_path, code)
    document = json.loads(out)
    assert exit_code == 0  # nothing violated...
    [not_seen] = document["summary"]["notSeen"]
    assert reason in not_seen["reason"]
    assert any(reason in item for item in document["summary"]["notChecked"])
    strict, _ = preview(capsys, tmp_path, code, None, "--strict")
    assert strict == 1  # ...but with --strict, what was not checked fails the check


@pytest.mark.parametrize("output_format", ["text", "markdown", "sarif"])
def test_every_report_shows_the_not_checked_heading(capsys, tmp_path, output_format):
    code = "from pulumi_kubernetes.helm.v4 import Chart\nChart('vendor', chart='oci://r/c')\n"
    _, out = preview(capsys, tmp_path, code, output_format=output_format)
    if output_format == "sarif":
        [result] = json.loads(out)["runs"][0]["results"]
        assert result["ruleId"] == "not-checked" and result["level"] == "warning"
        assert "kubernetes:helm.sh/v4:Chart vendor was not checked" in result["message"]["text"]
    else:
        assert "Not checked: resources the offline run cannot see" in out
        assert "vendor" in out.split("Not checked")[1]


def test_type_tokens_follow_the_providers_rule():
    assert manifests.type_token("v1", "Pod") == "kubernetes:core/v1:Pod"
    assert manifests.type_token("core/v1", "Pod") == "kubernetes:core/v1:Pod"
    assert manifests.type_token("apps/v1", "Deployment") == "kubernetes:apps/v1:Deployment"
    assert (
        manifests.type_token("agents.x-k8s.io/v1alpha1", "Sandbox")
        == "kubernetes:agents.x-k8s.io/v1alpha1:Sandbox"
    )


def test_skip_await_annotates_each_object_as_the_provider_does():
    [manifest] = manifests.component_manifests(
        manifests.CONFIG_GROUP, "g", {"yaml": POD, "skipAwait": True}, lambda _: ""
    )
    assert manifest.object["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}
    [plain] = manifests.component_manifests(manifests.CONFIG_GROUP, "g", {"yaml": POD}, str)
    assert "annotations" not in plain.object["metadata"]


def test_a_secrets_data_is_secret_and_other_objects_are_not():
    secret, pod = manifests.component_manifests(
        manifests.CONFIG_GROUP, "g", {"yaml": SECRET + "---\n" + POD}, str
    )
    assert secret.secret_keys == {"stringData"}
    assert pod.secret_keys == frozenset()
