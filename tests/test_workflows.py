"""The GitHub workflows pass actionlint, and keep the fork-safe shape the README promises."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO
from tests.docs import docs_text

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


GATE = "pr-offline-gate.yml"


def trigger_of(document: dict[Any, Any]) -> Any:
    return document[True] if True in document else document["on"]  # YAML reads `on` as True


def gate_steps(job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = workflow(GATE)["jobs"][job]["steps"]
    return steps


def test_the_gate_runs_from_the_base_branch_with_a_read_only_token_and_no_secrets():
    document = workflow(GATE)
    assert trigger_of(document) == {"pull_request_target": None}
    assert document["permissions"] == {"contents": "read"}
    assert "permissions" not in document["jobs"]["offline-preview"]  # the read-only default
    assert "secrets." not in (WORKFLOWS / GATE).read_text()
    stacks = document["jobs"]["offline-preview"]["strategy"]["matrix"]["stack"]
    assert sorted(stacks) == sorted(
        path.stem.split(".", 1)[1] for path in REPO.glob("Pulumi.*.yaml")
    )


def test_every_checkout_leaves_no_credentials_and_only_the_program_is_the_pull_requests():
    for job in ("offline-preview", "report"):
        checkouts = [
            s for s in gate_steps(job) if s.get("uses", "").startswith("actions/checkout@")
        ]
        assert checkouts
        for step in checkouts:
            assert step["with"]["persist-credentials"] is False, (job, step)
            if step["with"]["path"] != "program":
                assert step["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    [program] = [
        s for s in gate_steps("offline-preview") if s.get("with", {}).get("path") == "program"
    ]
    assert program["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert not [s for s in gate_steps("report") if s.get("with", {}).get("path") == "program"]


def test_the_checker_is_installed_from_the_base_commit_and_the_program_never_is():
    for job in ("offline-preview", "report"):
        runs = "\n".join(step.get("run", "") for step in gate_steps(job))
        installs = re.findall(r"pip\"? install (.*)", runs)
        assert installs and all(args.strip('"').startswith("./checker") for args in installs)
        assert "-e " not in runs and "requirements" not in runs and "cd program" not in runs
        assert all("working-directory" not in step for step in gate_steps(job))
        for step in gate_steps(job):  # no cache the base branch's runs would restore
            assert "cache" not in step.get("with", {}), step
    [preview] = [
        s for s in gate_steps("offline-preview") if 'podsandbox" preview' in s.get("run", "")
    ]
    assert "--program program " in preview["run"] and "--strict" in preview["run"]


def test_the_preview_steps_exit_status_is_the_verdict():
    [preview] = [
        s for s in gate_steps("offline-preview") if 'podsandbox" preview' in s.get("run", "")
    ]
    lines = preview["run"].strip().splitlines()
    assert lines[-1] == 'exit "$status"'
    assert "GITHUB_OUTPUT" not in (WORKFLOWS / GATE).read_text()
    # Workflow commands are off while the checker runs, under a token made for this run.
    stop, resume = lines.index('echo "::stop-commands::$token"'), lines.index('echo "::$token::"')
    run_at = next(i for i, line in enumerate(lines) if 'podsandbox" preview' in line)
    assert stop < run_at < resume and "openssl rand" in lines[stop - 1]
    [upload] = [s for s in gate_steps("offline-preview") if "upload-artifact" in s.get("uses", "")]
    assert upload["if"] == "always()"


def test_the_report_job_renders_the_comment_itself_from_the_json_reports():
    job = workflow(GATE)["jobs"]["report"]
    assert job["needs"] == "offline-preview" and job["if"] == "${{ !cancelled() }}"
    assert job["permissions"] == {
        "contents": "read", "pull-requests": "write", "security-events": "write",
    }  # fmt: skip
    [render] = [s for s in job["steps"] if 'podsandbox" comment' in s.get("run", "")]
    assert render["env"]["RESULT"] == "${{ needs.offline-preview.result }}"
    assert "reports/preview-*.json" in render["run"] and '--result "$RESULT"' in render["run"]
    [comment] = [s for s in job["steps"] if s.get("name") == "Comment on the pull request"]
    assert "comment.md" in comment["run"] and "reports/" not in comment["run"]
    [sarif] = [s for s in job["steps"] if "upload-sarif" in s.get("uses", "")]
    assert sarif["if"] == "github.event.pull_request.head.repo.full_name == github.repository"


def test_the_repository_tests_are_named_as_no_gate():
    text = (WORKFLOWS / "repository-tests.yml").read_text()
    document = workflow("repository-tests.yml")
    assert document["name"] == "Repository tests" and "never a gate" in text
    assert list(document["jobs"]) == ["tests"]
    assert "podsandbox preview" not in text


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
    assert "repo:OWNER/REPO:pull_request" in docs_text()


def test_the_report_updates_its_own_comment_found_by_its_marker():
    steps = gate_steps("report")
    [comment] = [step for step in steps if step.get("name") == "Comment on the pull request"]
    assert "--edit-last" not in comment["run"]
    marker = comment["env"]["MARKER"]
    from podsandbox.preview.pr_comment import MARKER

    assert marker == MARKER
    assert 'endswith(\\"$MARKER\\")' in comment["run"]
    assert '.user.login == \\"github-actions[bot]\\"' in comment["run"]
    assert "--method PATCH" in comment["run"]
    assert comment["env"]["PR"] == "${{ github.event.pull_request.number }}"
    # A failing search must fail the step (no pipe hides its status): never a second comment.
    search = comment["run"][comment["run"].index("gh api --paginate") :].split("\n\n")[0]
    assert "| head" not in search and 'ids="$(gh api --paginate' in comment["run"]
