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
