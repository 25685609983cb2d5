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
        step
        for step in job["steps"]
        if step.get("uses", "").startswith("pulumi/actions@") and "with" in step
    ]
    assert pulumi_step["with"]["command"] == "preview"
    assert pulumi_step["with"]["policyPacks"] == "policy"
    assert pulumi_step["with"]["comment-on-pr"] is True


def test_real_preview_prepares_the_policy_packs_environment_before_the_preview():
    # The CLI starts a local pack with policy/venv/bin/python and creates no venv for it;
    # `pulumi install` in the pack's folder does, so the CLI must be installed first.
    steps = workflow("pulumi-preview.yml")["jobs"]["preview"]["steps"]
    names = [step.get("name") or step.get("uses") for step in steps]
    cli, pack = names.index("Pulumi CLI"), names.index("Policy pack environment")
    preview = next(i for i, step in enumerate(steps) if step.get("with", {}).get("command"))
    assert cli < pack < preview
    assert steps[cli]["uses"].startswith("pulumi/actions@") and "with" not in steps[cli]
    assert steps[pack]["working-directory"] == "policy"
    assert steps[pack]["run"].strip() == "pulumi install"
    pulumi_policy = yaml.safe_load((REPO / "policy" / "PulumiPolicy.yaml").read_text())
    assert pulumi_policy["runtime"]["options"]["virtualenv"] == "venv"


def test_real_preview_creates_a_missing_stack_and_installs_kubelogin_first():
    steps = workflow("pulumi-preview.yml")["jobs"]["preview"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    preview = next(i for i, step in enumerate(steps) if step.get("with", {}).get("command"))
    assert steps[preview]["with"]["upsert"] is True
    kubelogin = next(i for i, used in enumerate(uses) if used.startswith("azure/use-kubelogin@"))
    login = next(i for i, used in enumerate(uses) if used.startswith("azure/login@"))
    assert login < kubelogin < preview
    assert steps[kubelogin]["with"]["kubelogin-version"].startswith("v")


def test_every_pulumi_action_is_v7():
    # v7 (node24) keeps the inputs used here: command, stack-name, upsert, comment-on-pr,
    # github-token, policyPacks (pulumi/actions v7.0.0 action.yml).
    used = [
        step["uses"]
        for path in WORKFLOWS.glob("*.yml")
        for job in workflow(path.name)["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("pulumi/actions@")
    ]
    assert used and set(used) == {"pulumi/actions@v7"}


def test_the_oidc_subject_for_pull_requests_is_documented():
    assert "repo:OWNER/REPO:pull_request" in (WORKFLOWS / "pulumi-preview.yml").read_text()
    assert "repo:OWNER/REPO:pull_request" in (REPO / "README.md").read_text()


def test_the_report_is_posted_only_for_the_commit_that_was_previewed():
    steps = workflow("pr-offline-report.yml")["jobs"]["report"]["steps"]
    [check] = [step for step in steps if step.get("id") == "pr"]
    assert check["env"]["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"
    assert "--json headRefOid" in check["run"]
    assert '[ "$head" != "$HEAD_SHA" ]' in check["run"]
    posting = steps[steps.index(check) + 1 :]
    assert len(posting) == 2
    assert all(step["if"] == "steps.pr.outputs.current == 'true'" for step in posting)


def test_the_report_updates_its_own_comment_found_by_its_marker():
    steps = workflow("pr-offline-report.yml")["jobs"]["report"]["steps"]
    [comment] = [step for step in steps if step.get("name") == "Comment on the pull request"]
    assert "--edit-last" not in comment["run"]
    marker = comment["env"]["MARKER"]
    assert marker == "<!-- podsandbox-offline-preview -->"
    assert 'echo "$MARKER"' in comment["run"]
    assert 'startswith(\\"$MARKER\\")' in comment["run"]
    assert '.user.login == \\"github-actions[bot]\\"' in comment["run"]
    assert "--method PATCH" in comment["run"]
    # A failing search must fail the step (no pipe hides its status): never a second comment.
    search = comment["run"][comment["run"].index("gh api --paginate") :].split("\n\n")[0]
    assert "| head" not in search and 'ids="$(gh api --paginate' in comment["run"]
