"""Nothing decided in silence: every warning the settings compute reaches every report (the
guardrail turned itself off below Kubernetes 1.30 with no warning: it was computed, never
logged)."""

from __future__ import annotations

import json

import pytest

from podsandbox.cli import main
from tests.conftest import REPO

OFF = "the in-cluster guardrail is off: kubernetesVersion 1.29 is below 1.30"


@pytest.mark.subprocess  # the judged program runs in a process of its own
def test_the_guardrail_turned_off_below_1_30_is_said_in_every_report(capsys, tmp_path):
    stack = tmp_path / "Pulumi.old.yaml"
    stack.write_text(
        (REPO / "Pulumi.existing.yaml").read_text() + '  podsandbox:kubernetesVersion: "1.29"\n'
    )
    reports = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "markdown", "sarif")}
    argv = ["preview", "--config-file", str(stack), "--format", "text"]
    for fmt, path in reports.items():
        argv += ["--format", fmt, "--output", str(path)]
    assert main(argv) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert OFF in text
    assert any(OFF in w for w in json.loads(reports["json"].read_text())["summary"]["warnings"])
    markdown = " ".join(reports["markdown"].read_text().replace("\\", "").split())
    assert OFF in markdown


@pytest.mark.subprocess  # the judged program runs in a process of its own
@pytest.mark.parametrize(
    ("mistake", "said"),
    [
        ("x = undefined_name + 1\n", "NameError: name 'undefined_name' is not defined"),
        ("import no_such_module_here\n", "ModuleNotFoundError: No module named"),
    ],
)
def test_a_name_error_in_the_program_is_the_programs_own_not_the_offline_previews(
    capsys, tmp_path, mistake, said
):
    # It was blamed on the offline preview ("after asking for ..., which the offline preview
    # cannot answer") whenever the program had asked for an invoke's result first.
    (tmp_path / "Pulumi.yaml").write_text("name: team\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "from pulumi_azure_native import containerservice\n\n"
        "cluster = containerservice.get_managed_cluster_output(\n"
        "    resource_group_name='rg', resource_name='aks')\n" + mistake
    )
    assert main(["preview", "--program", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert f"the program in {tmp_path} failed (at __main__.py:5): {said}" in error
    assert "offline preview cannot answer" not in error
