"""The judged program runs in a process of its own: nothing it does can change the verdict, the
exit code or the report's format, and each bound on it is a clear exit-2 error that shows what
it had registered until then."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from podsandbox.cli import main
from podsandbox.preview.program_process import PASSED_ENVIRONMENT, child_environment
from tests.conftest import python_project

HEADER = "import pulumi\nfrom pulumi_kubernetes.core.v1 import Pod\n"
UNSANDBOXED_POD = (
    "bad = Pod('bad', metadata={'name': 'bad', 'namespace': 'untrusted'},\n"
    "    spec={'containers': [{'name': 'app', 'image': 'nginx'}]})\n"
)
"""A pod in the untrusted namespace without the sandboxing RuntimeClass: a mandatory violation."""


def preview(capsys, tmp_path: Path, code: str, *extra: str) -> tuple[int, str, str]:
    folder = python_project(tmp_path / "team", HEADER + code)
    exit_code = main(["preview", "--program", str(folder), *extra])
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


def flagged(document: dict[str, Any]) -> bool:
    return any(v["policy"] == "untrusted-namespace-sandboxed" for v in document["violations"])


def resource_event(**changes: Any) -> str:
    """A well-formed resource event of the checker's protocol, with `changes` made to it."""
    from podsandbox.preview.program_events import encode_record
    from podsandbox.preview.records import RegisteredResource

    resource = RegisteredResource(
        urn="urn:pulumi:dev::team::t::n", type="t", name="n", parent=None, custom=True,
        protect=False, inputs={},
    )  # fmt: skip
    return json.dumps({**encode_record("resource", resource), **changes})


def one_error_line(err: str) -> str:
    """The checker's error line: the last line of stderr (what the program printed comes first,
    marked as its own)."""
    lines = err.splitlines()
    assert lines and lines[-1].startswith("error: "), err
    assert all(line.startswith(("the program printed:", "  | ")) for line in lines[:-1]), err
    return lines[-1]


def test_the_unsandboxed_pod_alone_fails_the_check(capsys, tmp_path):
    # The baseline every test below builds on: without tricks, the verdict is exit 1.
    code, out, _ = preview(capsys, tmp_path, UNSANDBOXED_POD, "--format", "json")
    assert code == 1
    assert flagged(json.loads(out))


@pytest.mark.parametrize(
    ("ending", "said"),
    [
        ("import sys\nsys.exit(0)\n", "called sys.exit(0) (at __main__.py:6)"),
        ("raise SystemExit('done')\n", "called sys.exit('done')"),
        # once the pod is registered (in an apply): the process ends without a word
        ("import os\nbad.urn.apply(lambda _: os._exit(0))\n", "exited with status 0"),
        (
            "import os, signal\nbad.urn.apply(lambda _: os.kill(os.getpid(), signal.SIGKILL))\n",
            "killed by signal SIGKILL",
        ),
        ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    ],
)
def test_an_early_exit_is_an_error_that_shows_what_was_registered(capsys, tmp_path, ending, said):
    # sys.exit(0) half-way used to end the checker itself with exit 0: a pass.
    # (a second pod, not the same one again: the engine refuses a URN registered twice)
    second = UNSANDBOXED_POD.replace("Pod('bad'", "Pod('bad2'")
    code, out, err = preview(capsys, tmp_path, UNSANDBOXED_POD + ending + second)
    assert code == 2
    line = one_error_line(err)
    assert said in line
    assert "kubernetes:core/v1:Pod bad" in line  # what it had registered until then
    assert out == ""


def test_an_early_exit_writes_the_registrations_into_the_error_report(capsys, tmp_path):
    code, out, _ = preview(
        capsys, tmp_path, UNSANDBOXED_POD + "import sys\nsys.exit(0)\n", "--format", "json"
    )
    assert code == 2
    document = json.loads(out)
    assert document["exitCode"] == 2 and "sys.exit(0)" in document["error"]
    assert [r["type"] for r in document["registered"]] == [
        "pulumi:pulumi:Stack",
        "kubernetes:core/v1:Pod",
    ]


@pytest.mark.parametrize(
    "tampering",
    [
        # emptying the pack's policy list
        "import podsandbox.pack as p\np.POLICIES.clear()\n",
        # replacing the policy modules, and the policy SDK itself
        "import sys, types\nsys.modules['podsandbox.pack'] = types.ModuleType('x')\n"
        "sys.modules['pulumi_policy'] = types.ModuleType('y')\n",
        # making every later exit look like success
        "import os, atexit\natexit.register(lambda: os._exit(0))\n",
        # replacing the checker's own entry point
        "import podsandbox.cli as c\nc.main = lambda *a, **k: 0\n",
    ],
)
def test_tampering_with_the_checker_does_not_change_the_verdict(capsys, tmp_path, tampering):
    code, out, _ = preview(capsys, tmp_path, tampering + UNSANDBOXED_POD, "--format", "json")
    assert code == 1
    assert flagged(json.loads(out))


def test_what_the_program_prints_stays_out_of_the_report(capsys, tmp_path):
    noise = "print('{\"violations\": []}')\nimport sys\nprint('to stderr', file=sys.stderr)\n"
    code, out, err = preview(capsys, tmp_path, noise + UNSANDBOXED_POD, "--format", "json")
    assert code == 1
    assert json.loads(out)["violations"]  # still the report, and valid JSON
    assert '  | {"violations": []}' in err.splitlines()
    assert "  | to stderr" in err.splitlines()


def test_a_secret_the_program_prints_is_scrubbed(capsys, tmp_path):
    folder = python_project(
        tmp_path / "team",
        "import pulumi\nconfig = pulumi.Config()\nprint('token is', config.require('token'))\n",
        project="name: team\nruntime: python\nconfig:\n  token:\n    type: string\n"
        "    secret: true\n",
        stack="config:\n  team:token: hunter2-the-token\n",
    )
    code = main(["preview", "--program", str(folder)])
    captured = capsys.readouterr()
    assert code == 0
    assert "hunter2-the-token" not in captured.out + captured.err
    assert "  | token is [secret]" in captured.err.splitlines()


def test_threads_left_running_do_not_hold_the_check(capsys, tmp_path):
    lingering = (
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(600,)).start()\n"
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    )
    started = time.monotonic()
    code, _, err = preview(capsys, tmp_path, lingering)
    assert code == 0, err
    assert time.monotonic() - started < 60  # not the 600 s the thread and its child sleep


def test_a_program_that_never_ends_is_stopped_at_the_timeout(capsys, tmp_path):
    started = time.monotonic()
    code, _, err = preview(
        capsys,
        tmp_path,
        UNSANDBOXED_POD + "import time\nbad.urn.apply(lambda _: time.sleep(600))\n",
        "--timeout",
        "3",
    )
    assert code == 2
    assert time.monotonic() - started < 30
    line = one_error_line(err)
    assert "did not finish within 3 s (--timeout 3)" in line
    assert "kubernetes:core/v1:Pod bad" in line


@pytest.mark.parametrize(
    ("code", "flag", "said"),
    [
        ("x = bytearray(1024 ** 3)\n", ["--max-memory", "300"], "ran out of the memory"),
        (
            "for i in range(30):\n    pulumi.CustomResource('test:index:Thing', f't{i}', {})\n",
            ["--max-resources", "20"],
            "registered more than 20 resources (--max-resources 20)",
        ),
        (
            "pulumi.CustomResource('test:index:Thing', 'big', {'blob': 'x' * 300_000})\n",
            ["--max-value-bytes", "100000"],
            "of more than 100000 bytes (--max-value-bytes 100000)",
        ),
        (
            "print('y' * 300_000)\n",
            ["--max-output-bytes", "100000"],
            "printed more than 100000 bytes (--max-output-bytes 100000)",
        ),
        (
            "pulumi.log.warn('z' * 200_000)\n",
            ["--max-value-bytes", "100000"],
            "of more than 100000 bytes",
        ),
    ],
)
def test_each_bound_exceeded_is_a_clear_error(capsys, tmp_path, code, flag, said):
    exit_code, _, err = preview(capsys, tmp_path, UNSANDBOXED_POD + code, *flag)
    assert exit_code == 2
    line = one_error_line(err)
    assert said in line
    assert "It had registered" in line
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--timeout", "0"), ("--timeout", "nan"), ("--max-memory", "-1"), ("--max-resources", "x")],
)
def test_a_bound_must_be_a_positive_number(capsys, flag, value):
    with pytest.raises(SystemExit) as stopped:
        main(["preview", flag, value])
    assert stopped.value.code == 2
    assert flag in capsys.readouterr().err


@pytest.mark.parametrize(
    "forged",
    [
        "not json",
        '{"kind": "resource", "urn": 5}',
        '{"kind": "surprise"}',
        "[1, 2]",
        '{"kind": "secrets", "values": "abc"}',
        "[" * 5000 + "]" * 5000,
        resource_event(propertyDependencies={"resourceName": "urn:pulumi:dev::team::t::c"}),
        resource_event(propertyDependencies=["resourceName"]),
        resource_event(deletedWith=5),
    ],
)
def test_what_the_program_writes_to_the_checkers_channel_is_checked(capsys, tmp_path, forged):
    code = (
        "import os, sys\n"
        f"os.write(int(sys.argv[1]), {forged!r}.encode() + b'\\n')\n" + UNSANDBOXED_POD
    )
    exit_code, _, err = preview(capsys, tmp_path, code)
    assert exit_code == 2
    assert "not a report of what it did" in one_error_line(err)
    assert "Traceback" not in err


def test_a_forged_end_does_not_hide_later_registrations(capsys, tmp_path):
    # The program says it is done, then registers the violation: the checker keeps reading.
    code = (
        'import os, sys\nos.write(int(sys.argv[1]), b\'{"kind": "done"}\\n\')\n' + UNSANDBOXED_POD
    )
    exit_code, _, err = preview(capsys, tmp_path, code)
    assert exit_code == 2
    assert "an event after the end of the run" in one_error_line(err)


def test_the_program_does_not_see_the_checkers_credentials(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not_for_the_program")
    monkeypatch.setenv("ARM_CLIENT_SECRET", "azure-secret-value")
    code = (
        "import os\n"
        "pulumi.CustomResource('test:index:Thing', 'probe', {\n"
        "    'token': os.environ.get('GITHUB_TOKEN', 'absent'),\n"
        "    'arm': os.environ.get('ARM_CLIENT_SECRET', 'absent'),\n"
        "    'path': 'PATH' in os.environ,\n"
        "})\n"
    )
    exit_code, out, _ = preview(capsys, tmp_path, code, "--format", "json")
    assert exit_code == 0
    assert "ghp_not_for_the_program" not in out and "azure-secret-value" not in out
    [probe] = [r for r in json.loads(out)["resources"] if r["name"] == "probe"]
    assert probe["inputs"] == {"token": "absent", "arm": "absent", "path": True}


def test_the_environment_passed_on_is_the_documented_one(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    environment = child_environment()
    assert "AWS_SECRET_ACCESS_KEY" not in environment
    assert environment["LC_ALL"] == "C.UTF-8"
    ours = {"PYTHONPATH", "PYTHONUNBUFFERED", "PYTHONUTF8"}
    for name in set(environment) - ours:
        assert name in PASSED_ENVIRONMENT or name.startswith("LC_"), name
        assert environment[name] == os.environ[name]


def test_a_process_that_cannot_start_is_a_clear_error(capsys, tmp_path, monkeypatch):
    folder = python_project(tmp_path / "team", HEADER)
    monkeypatch.setattr("sys.executable", str(tmp_path / "no-such-python"))
    code = main(["preview", "--program", str(folder), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "cannot start the judged program's process" in one_error_line(captured.err)
    assert json.loads(captured.out)["exitCode"] == 2
