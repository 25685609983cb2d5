"""A value that is secret anywhere is `[secret]` in every report format and every place in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podsandbox.cli import main
from tests.conftest import python_project

SECRETS = {
    "config": "s3cr3t-config-value",
    "input": "s3cr3t-input-value",
    "class": "s3cr3t-runtime-class",
    "invoke": "s3cr3t-invoke-argument",
    "warning": "s3cr3t-warning-value",
    "output": "s3cr3t-output-value",
    "resource output": "s3cr3t-resource-output",
}

PROJECT = """name: leaky
runtime: python
config:
  token: {type: string, secret: true}
"""
STACK = f"config:\n  leaky:token: {SECRETS['config']}\n"
PROGRAM = f'''
import pulumi
from pulumi_azure_native import containerservice
from pulumi_kubernetes.core.v1 import Pod

token = pulumi.Config().require_secret("token")
Pod(
    "leaky",
    metadata={{"name": "leaky", "namespace": "untrusted"}},
    spec={{
        "runtimeClassName": pulumi.Output.secret("{SECRETS["class"]}"),
        "containers": [{{"name": "app", "image": "nginx", "env": [
            {{"name": "T", "value": pulumi.Output.secret("{SECRETS["input"]}")}},
            {{"name": "C", "value": token}},
        ]}}],
    }},
)
holder = Pod(
    "holder",
    metadata={{"name": "{SECRETS["resource output"]}"}},
    spec={{"containers": [{{"name": "app", "image": "nginx"}}]}},
    opts=pulumi.ResourceOptions(additional_secret_outputs=["metadata"]),
)
Pod(
    "user",
    metadata={{"name": "user", "labels": {{"holder": holder.metadata.name}}}},
    spec={{"containers": [{{"name": "app", "image": "nginx"}}]}},
)
containerservice.get_managed_cluster_output(
    resource_group_name=pulumi.Output.secret("{SECRETS["invoke"]}"), resource_name="c"
)
warned = pulumi.Output.secret("{SECRETS["warning"]}").apply(
    lambda value: pulumi.log.warn(f"the value is {{value}}") or "warned"
)
token_warned = token.apply(lambda value: pulumi.log.warn(f"token {{value}}") or "warned")
pulumi.export("warned", pulumi.Output.all(warned, token_warned))
pulumi.export("out", pulumi.Output.secret("{SECRETS["output"]}"))
'''


@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    return python_project(tmp_path / "leaky", PROGRAM, PROJECT, STACK)


@pytest.mark.parametrize("report_format", ["text", "json", "markdown", "sarif"])
def test_no_secret_value_reaches_any_report(
    capsys: pytest.CaptureFixture[str], leaky: Path, tmp_path: Path, report_format: str
):
    output = tmp_path / f"report.{report_format}"
    code = main(["preview", "--program", str(leaky), "--format", report_format,
                 "--output", str(output)])  # fmt: skip
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    report = output.read_text()
    everything = report + captured.out + captured.err
    leaked = {place: value for place, value in SECRETS.items() if value in everything}
    assert leaked == {}
    if report_format == "text":  # the paths really were taken: the report says [secret] there
        assert "the value is [secret]" in report and "token [secret]" in report
        assert report.count("[secret]") >= 5


def test_a_program_that_stops_with_a_secret_in_its_message_is_scrubbed(
    capsys: pytest.CaptureFixture[str], leaky: Path
):
    (leaky / "__main__.py").write_text(
        PROGRAM + "\ntoken.apply(lambda value: (_ for _ in ()).throw("
        "pulumi.RunError(f'cannot use {value}')))\n"
        "pulumi.export('stop', token.apply(lambda value: (_ for _ in ()).throw("
        "pulumi.RunError(f'cannot use {value}'))))\n"
    )
    code = main(["preview", "--program", str(leaky)])
    captured = capsys.readouterr()
    assert code == 2
    assert SECRETS["config"] not in captured.err + captured.out
    assert "cannot use [secret]" in captured.err


SECRET_SIZE_PROGRAM = """
import pulumi
from pulumi_azure_native import containerservice
containerservice.AgentPool("kata", resource_group_name="rg", resource_name_="aks",
    agent_pool_name="kata", mode="User", vm_size=pulumi.Output.secret(SIZE), count=1,
    os_type="Linux", os_sku="AzureLinux", workload_runtime="KataVmIsolation")
"""


@pytest.mark.subprocess  # the judged program runs in a process of its own
@pytest.mark.parametrize(("size", "code"), [("Standard_D8s_v5", 0), ("Standard_D4_v3", 1)])
def test_a_secret_vm_size_is_not_called_invalid_and_is_still_judged(capsys, tmp_path, size, code):
    # The pools summary said "invalid - [secret] is not an Azure VM size name".
    (tmp_path / "Pulumi.yaml").write_text("name: team\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(SECRET_SIZE_PROGRAM.replace("SIZE", repr(size)))
    from podsandbox.cli import main

    assert main(["preview", "--program", str(tmp_path), "--format", "json"]) == code
    out = capsys.readouterr().out
    [pool] = json.loads(out)["summary"]["sandboxingPools"]
    assert (pool["vmSize"], pool["vmSizeVerdict"]) == ("[secret]", "secret")
    assert size not in out  # judged by the pack (exit 1 for Dv3), never shown
