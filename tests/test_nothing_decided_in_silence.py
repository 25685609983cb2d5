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


def stack_with(tmp_path, base: str, extra: str) -> str:
    stack = tmp_path / f"Pulumi.{base}-x.yaml"
    stack.write_text((REPO / f"Pulumi.{base}.yaml").read_text() + extra)
    return str(stack)


@pytest.mark.subprocess  # the judged program runs in a process of its own
@pytest.mark.parametrize(
    ("base", "extra", "said"),
    [
        ("dev", "", "Guardrail: deny (policy podsandbox-dev)"),
        ("existing", "", "Guardrail: warn+audit (policy podsandbox-existing)"),
        ("dev", "  podsandbox:guardrailEnforcement: audit\n",
         "Guardrail: warn+audit (policy podsandbox-dev-x)"),
        ("dev", "  podsandbox:guardrail: false\n",
         "Guardrail: off (the stack declares no admission binding)"),
        ("existing", '  podsandbox:kubernetesVersion: "1.29"\n',
         "Guardrail: off (the in-cluster guardrail is off: kubernetesVersion 1.29 is below 1.30"),
    ],
)  # fmt: skip
def test_the_text_and_markdown_reports_state_the_guardrails_mode(
    capsys, tmp_path, base, extra, said
):
    # The text report never said whether the guardrail denies or only audits.
    stack = stack_with(tmp_path, base, extra) if extra else None
    where = ["--config-file", stack] if stack else ["--stack", base]
    assert main(["preview", *where]) == 0
    text = " ".join(capsys.readouterr().out.split())
    expected = said.replace("podsandbox-dev-x", f"podsandbox-{base}-x")
    assert expected in text
    assert main(["preview", *where, "--format", "markdown"]) == 0
    markdown = " ".join(capsys.readouterr().out.replace("\\", "").split())
    assert expected in markdown


@pytest.mark.subprocess  # the judged program runs in a process of its own
def test_karpenters_limits_are_stated(capsys, tmp_path):
    stack = stack_with(tmp_path, "existing", "  podsandbox:karpenter: true\n"
                       "  podsandbox:karpenterCpuLimit: \"64\"\n")  # fmt: skip
    assert main(["preview", "--config-file", stack, "--format", "json"]) == 0
    [pool] = json.loads(capsys.readouterr().out)["summary"]["karpenter"]
    assert (pool["cpuLimit"], pool["memoryLimit"]) == ("64", "none")
    assert main(["preview", "--config-file", stack]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"Karpenter NodePool {pool['nodePool']}: limits cpu 64, memory none; consolidation " \
        "WhenEmptyOrUnderutilized after 0s" in text  # fmt: skip


def test_modes_are_read_from_every_binding_never_assumed():
    from podsandbox.preview.records import RegisteredResource
    from podsandbox.preview.report.admission import BINDING, admission_lines, guardrail_summary

    def binding(policy: str, actions: object) -> RegisteredResource:
        spec = {"policyName": policy, "validationActions": actions}
        return RegisteredResource(urn=f"u{policy}{actions}", type=BINDING, name="b",
                                  inputs={"spec": spec}, parent=None, custom=True,
                                  protect=False)  # fmt: skip

    found = guardrail_summary(
        [binding("a", ["Deny"]), binding("a", ["Warn", "Audit"]), binding("b", ["Warn"])], []
    )
    assert found == {"mode": "deny and warn and warn+audit",
                     "policies": {"a": ["deny", "warn+audit"], "b": ["warn"]}}  # fmt: skip
    lines = admission_lines({"guardrail": found, "karpenter": []})
    assert lines == ["Guardrail: deny and warn and warn+audit (policy a: deny and warn+audit, "
                     "b: warn)"]  # fmt: skip
    assert guardrail_summary([binding("c", "Deny")], [])["policies"] == {"c": ["unknown"]}
