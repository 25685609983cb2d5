"""End to end: a program that declares its own sandboxing RuntimeClass is judged by it (the rules
and policies themselves: `test_runtime_classes.py`)."""

from __future__ import annotations

import json

import pytest

from podsandbox.cli import main
from tests.conftest import python_project

PROGRAM = """\
import pulumi
from pulumi_kubernetes.core.v1 import Pod
from pulumi_kubernetes.node.v1 import RuntimeClass

RuntimeClass("dedicated", metadata={"name": "kata-dedicated"}, handler=HANDLER,
    scheduling={"nodeSelector": {"kubernetes.azure.com/kata-vm-isolation": "true"},
                "tolerations": [{"key": "sandbox", "operator": "Exists"}]})
Pod("app", metadata={"name": "app", "namespace": "untrusted"},
    spec={"runtimeClassName": "kata-dedicated", "containers": [{"name": "app", "image": "nginx",
          "resources": {"limits": {"cpu": "1", "memory": "256Mi"},
                        "requests": {"cpu": "1", "memory": "256Mi"}}}]})
"""


@pytest.mark.parametrize(("handler", "exit_code"), [("kata-vm-isolation", 0), ("runc", 1)])
def test_a_program_with_its_own_class_is_judged_by_it(capsys, tmp_path, handler, exit_code):
    folder = python_project(tmp_path / "team", PROGRAM.replace("HANDLER", repr(handler)))
    code = main(["preview", "--program", str(folder), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == exit_code
    flagged = {v["policy"] for v in document["violations"] if v["enforcement"] == "mandatory"}
    assert flagged == (set() if exit_code == 0 else {"custom-runtime-class-sandboxed"})
