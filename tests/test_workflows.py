"""The GitHub workflows pass actionlint, and keep the fork-safe shape the README promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or "actionlint"
    return subprocess.run(
        [binary, "-color=false", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def workflow(name: str) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return document


def test_every_workflow_passes_actionlint():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert len(files) == 3
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.event.pull_request.nope.title }}\n"
        "      - uses: actions/checkout\n"
    )
    result = actionlint(broken)
    assert result.returncode != 0


def test_pull_request_job_needs_no_secrets_and_previews_each_example_stack():
    text = (WORKFLOWS / "pr-offline-preview.yml").read_text()
    assert "secrets." not in text
    document = workflow("pr-offline-preview.yml")
    assert document["permissions"] == {"contents": "read"}
    stacks = document["jobs"]["offline-preview"]["strategy"]["matrix"]["stack"]
    assert sorted(stacks) == sorted(
        path.stem.split(".", 1)[1] for path in REPO.glob("Pulumi.*.yaml")
    )


def test_the_report_workflow_never_runs_pull_request_code():
    text = (WORKFLOWS / "pr-offline-report.yml").read_text()
    assert "actions/checkout" not in text and "pip install" not in text
    document = workflow("pr-offline-report.yml")
    trigger = document[True] if True in document else document["on"]  # YAML reads `on` as True
    assert trigger["workflow_run"]["workflows"] == [workflow("pr-offline-preview.yml")["name"]]


def test_real_preview_uses_oidc_and_the_policy_pack_only_with_credentials():
    document = workflow("pulumi-preview.yml")
    job = document["jobs"]["preview"]
    assert "vars.AZURE_CLIENT_ID != ''" in job["if"]
    assert document["permissions"]["id-token"] == "write"
    [pulumi_step] = [
        step for step in job["steps"] if step.get("uses", "").startswith("pulumi/actions@")
    ]
    assert pulumi_step["with"]["command"] == "preview"
    assert pulumi_step["with"]["policyPacks"] == "policy"
    assert pulumi_step["with"]["comment-on-pr"] is True


def test_real_preview_prepares_the_policy_packs_environment_before_the_preview():
    # The CLI starts a local pack with policy/venv/bin/python and creates no venv for it.
    steps = workflow("pulumi-preview.yml")["jobs"]["preview"]["steps"]
    names = [step.get("name") or step.get("uses") for step in steps]
    pack = names.index("Policy pack environment")
    assert pack < next(i for i, name in enumerate(names) if name.startswith("pulumi/actions@"))
    step = steps[pack]
    assert step["working-directory"] == "policy"
    assert "venv/bin/pip install -r requirements.txt" in step["run"]
    pulumi_policy = yaml.safe_load((REPO / "policy" / "PulumiPolicy.yaml").read_text())
    assert pulumi_policy["runtime"]["options"]["virtualenv"] == "venv"
