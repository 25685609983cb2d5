"""Issue 25, item 3: the checker's own work is bounded, whatever the judged program sends. Each case
is a small hostile program run as the pull-request gate runs the checker: values are counted per
event and per run and refused (exit 2) before anything is converted; scrubbing, judging and
rendering stay linear in what was received; the stack file is read once."""

from __future__ import annotations

import json

import pytest

from podsandbox.preview.program_events import (
    MAX_EVENT_VALUES,
    MAX_SECRET_VALUES,
    VALUES_PER_MIB,
)
from tests.conftest import python_project
from tests.gate import assert_gate, gate_run

HEADER = (
    "import json, os, sys, pulumi\nCHANNEL = int(sys.argv[1])\n"
    "first = pulumi.CustomResource('azure-native:storage:StorageAccount', 'first', {})\n"
    "def forge(event):\n"
    "    first.urn.apply(lambda _: os.write(CHANNEL, json.dumps(event).encode() + b'\\n'))\n"
)
"""Each program registers `first`, then forges events on the checker's channel."""

REFUSED = {
    "a flood of secrets": (
        f"forge({{'kind': 'secrets',\n"
        f"       'values': [f's{{i:08d}}' for i in range({MAX_SECRET_VALUES + 1})]}})\n",
        [],
        f"more than {MAX_SECRET_VALUES} secret values",
    ),
    "a huge set of tiny objects in one event": (
        f"forge({{'kind': 'info', 'message': 'x', 'n': [{{}}] * {MAX_EVENT_VALUES}}})\n",
        [],
        f"more than {MAX_EVENT_VALUES} values",
    ),
    "tiny objects over many events": (
        "for i in range(12):\n"
        "    forge({'kind': 'info', 'message': 'x', 'n': [[]] * 10_000})\n",
        ["--max-memory", "100"],
        f"more than {100 * VALUES_PER_MIB} JSON values in all",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("code", "flags", "said"), REFUSED.values(), ids=REFUSED.keys())
def test_more_than_the_checker_takes_is_refused_before_conversion(
    capsys, tmp_path, code, flags, said
):
    folder = python_project(tmp_path / "program", HEADER + code)
    run = gate_run(capsys, folder, tmp_path / "reports", *flags)
    assert_gate(run, 2, said)
    assert run.seconds < 30


def test_many_secrets_within_the_bound_are_scrubbed_in_linear_time(capsys, tmp_path):
    count = MAX_SECRET_VALUES - 10
    code = (
        f"secrets = [f'sec-{{i:06d}}' for i in range({count})]\n"
        "forge({'kind': 'secrets', 'values': secrets})\n"
        "first.urn.apply(lambda _: pulumi.log.warn(' '.join(secrets) + ' w' * 200_000))\n"
        "for i in range(200):\n"
        "    pulumi.CustomResource('azure-native:storage:StorageAccount', f't{i}',\n"
        "        {'resourceName': secrets[i],\n"
        "         'items': [f'x{j} ' + secrets[j] for j in range(200)]})\n"
    )
    folder = python_project(tmp_path / "program", HEADER + code)
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, 0)
    assert run.seconds < 60, run.seconds
    report = run.report("json")
    assert "sec-000001" not in report and "sec-000001" not in run.stdout
    assert "[secret]" in report


def test_many_resources_are_judged_and_rendered_in_linear_time(capsys, tmp_path):
    # Each with an explicit provider (found by URN, not by a search of every resource) and a
    # violation located in the stack file (each candidate looked up, not each value searched).
    code = (
        "import pulumi_kubernetes as k8s\n"
        "from pulumi_kubernetes.core.v1 import Pod\n"
        "provider = k8s.Provider('k8s', kubeconfig='{}')\n"
        "for i in range(1500):\n"
        "    Pod(f'pod{i}', metadata={'name': f'pod{i}', 'namespace': 'untrusted'},\n"
        "        spec={'containers': [{'name': 'app', 'image': 'nginx'}]},\n"
        "        opts=pulumi.ResourceOptions(provider=provider))\n"
    )
    stack = "config:\n" + "".join(f"  team:key{i}: value-{i}-of-the-stack\n" for i in range(5000))
    project = "name: team\nruntime: python\n"
    folder = python_project(tmp_path / "program", HEADER + code, project, stack)
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, 1)
    assert run.seconds < 60, run.seconds
    assert len(json.loads(run.report("json"))["violations"]) >= 1500


def test_the_stack_file_is_read_once_even_if_the_program_grows_it(capsys, tmp_path):
    # The program rewrites its own stack file while it runs, past the 1 MB bound, with a setting
    # the violation names: the reports locate settings in the file as it was read, and nothing
    # reads it again (a second read would point the SARIF result at the new line 2).
    # Under the confinement of issue 26 the write itself is refused (PermissionError), which the
    # program shrugs off; where a platform confines nothing, it succeeds: either way the reports
    # use the file as it was first read.
    code = (
        "from pulumi_kubernetes.core.v1 import Pod\n"
        "try:\n"
        "    with open('Pulumi.dev.yaml', 'w') as grown:\n"
        "        grown.write('config:\\n  team:pod: bad\\n#' + 'x' * 3_000_000 + '\\n')\n"
        "except PermissionError:\n"
        "    pass\n"
        "Pod('bad', metadata={'name': 'bad', 'namespace': 'untrusted'},\n"
        "    spec={'containers': [{'name': 'app', 'image': 'nginx'}]})\n"
    )
    folder = python_project(tmp_path / "program", HEADER + code, stack="config: {}\n")
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, 1)
    size = (folder / "Pulumi.dev.yaml").stat().st_size
    confined = "landlock" in run.stdout.split("\n", 2)[1]
    assert size == len("config: {}\n") if confined else size > 3_000_000
    sarif = json.loads(run.report("sarif"))
    lines = {
        location["physicalLocation"]["region"]["startLine"]
        for result in sarif["runs"][0]["results"]
        for location in result["locations"]
    }
    assert lines == {1}


def test_the_checkers_own_judging_ends_within_the_timeout(capsys, tmp_path, monkeypatch):
    # The policies made slow (10 ms a run): judging 200 pods would take minutes, but the whole
    # check, its own judging included, ends at --timeout (counted from the program's start).
    import time

    from podsandbox.preview.policy_evaluator import Analyzer

    judge_one = Analyzer._run

    def slow(self, policy, args, urn):
        time.sleep(0.01)
        return judge_one(self, policy, args, urn)

    monkeypatch.setattr(Analyzer, "_run", slow)
    code = (
        "from pulumi_kubernetes.core.v1 import Pod\n"
        "for i in range(200):\n"
        "    Pod(f'pod{i}', metadata={'name': f'pod{i}', 'namespace': 'untrusted'},\n"
        "        spec={'containers': [{'name': 'app', 'image': 'nginx'}]})\n"
    )
    folder = python_project(tmp_path / "program", HEADER + code)
    run = gate_run(capsys, folder, tmp_path / "reports", "--timeout", "8")
    assert_gate(run, 2, "the check did not finish within --timeout (judged ")
    assert run.seconds < 8 + 5
    assert len(json.loads(run.report("json"))["registered"]) == 202  # the stack, first, the pods
