"""Issue 25, item 2: the events between the judged program's process and the checker are checked
as the engine would check them. Each case is a small hostile program, through the SDK or forging
the channel, run as the pull-request gate runs the checker: exit 2, one line that says why, every
report written and parsing, no traceback, never a silently shorter run."""

from __future__ import annotations

import json

import pytest

from podsandbox.preview.program_events import MAX_EVENT_VALUES, MalformedEventError, decode_line
from tests.conftest import python_project
from tests.docs import docs_text
from tests.gate import assert_gate, gate_run
from tests.test_program_isolation import resource_event

HEADER = (
    "import os, sys, pulumi\nCHANNEL = int(sys.argv[1])\n"
    "first = pulumi.CustomResource('azure-native:storage:StorageAccount', 'first', {})\n"
)
"""Each program registers `first`, then does its trick."""
THING = (
    "pulumi.CustomResource('azure-native:storage:StorageAccount', 'thing', {'resourceName': 'x'})\n"
)


def forge(line: bytes, then: str = "None") -> str:
    """Program code that writes `line` (as it is) to the checker's channel once `first` is
    registered, then evaluates `then`."""
    return f"first.urn.apply(lambda _: (os.write(CHANNEL, {line!r}), {then}))\n"


DONE = b'{"kind": "done"}\n'
DUPLICATE = (resource_event() + "\n").encode()

CASES = {
    # A frame cut short at the end: the run says it is done, then half an event, then exits.
    "a frame cut short": (forge(DONE + b'{"kind": "resource", "urn": "u', "os._exit(0)"),
                          "cut short at the end of the stream"),
    # The engine refuses a URN registered twice (diag 2001); the SDK's mock monitor does not.
    "a duplicate URN through the SDK": (THING + THING, "Duplicate resource URN"),
    "a duplicate URN forged": (forge(DUPLICATE) + forge(DUPLICATE), "Duplicate resource URN"),
    "a duplicate URN under a component": (
        "class C(pulumi.ComponentResource):\n"
        "    def __init__(self, name):\n"
        "        super().__init__('test:index:C', name)\n"
        "        pulumi.CustomResource('azure-native:storage:StorageAccount', 'child', {},\n"
        "                              pulumi.ResourceOptions(parent=self))\n"
        "c = C('c')\n"
        "pulumi.CustomResource('azure-native:storage:StorageAccount', 'child', {},\n"
        "                      pulumi.ResourceOptions(parent=c))\n",
        "Duplicate resource URN",
    ),
    # Numbers the engine's protobuf Value (a double) cannot hold.
    "10**400 as an input": ("pulumi.CustomResource('azure-native:storage:StorageAccount', 'big',"
                            " {'n': 10**400})\n",
                            "OverflowError"),
    "10**400 as an output": ("pulumi.export('n', 10**400)\n", "cannot hold"),
    "10**400 forged": (forge(b'{"kind": "info", "message": "x", "n": 1' + b"0" * 400 + b"}\n"),
                       "cannot hold"),
    "1e400 forged": (forge(b'{"kind": "info", "message": "x", "n": 1e400}\n'), "cannot hold"),
    "a 5000-digit integer forged": (forge(b'{"kind": "info", "message": "x", "n": '
                                          + b"9" * 5000 + b"}\n"), "cannot hold"),
    # Text the engine's protobuf strings (UTF-8) cannot carry.
    # (through the SDK, the program may fail first: "surrogates not allowed")
    "a lone surrogate as an output": ("pulumi.export('s', 'a\\udc80b')\n", "surrogate"),
    "a lone surrogate in a warning": ("pulumi.log.warn('a\\ud800')\n", "surrogate"),
    "a lone surrogate as a key": (
        "pulumi.CustomResource('azure-native:storage:StorageAccount', 't', {'\\udfff': 1})\n",
        "surrogate",
    ),
    "a lone surrogate forged": (forge(b'{"kind": "info", "message": "\\udc80"}\n'),
                                "lone surrogate"),
    "text that is not UTF-8": (forge(b'{"kind": "info", "message": "\xff\xfe"}\n'),
                               "not UTF-8"),
    "UTF-16 JSON": (forge('{"kind": "info", "message": "x"}\n'.encode("utf-16")), "not UTF-8"),
}  # fmt: skip


@pytest.mark.parametrize(("code", "said"), CASES.values(), ids=CASES.keys())
def test_an_event_the_engine_would_refuse_is_exit_2(capsys, tmp_path, request, code, said):
    folder = python_project(tmp_path / "program", HEADER + code)
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, 2, said)
    # What was registered until then is in the error report, not silently dropped (a forged
    # event comes once `first` is registered; through the SDK, the order is the SDK's).
    registered = [r["name"] for r in json.loads(run.report("json"))["registered"]]
    assert "first" in registered or "forged" not in request.node.name


def test_a_clean_run_with_odd_but_valid_values_passes(capsys, tmp_path):
    # The checks refuse only what the engine would: big doubles, astral characters.
    code = (
        "pulumi.CustomResource('azure-native:storage:StorageAccount', 't',\n"
        "    {'big': 1e308, 'int': 2**1000,\n"
        "    'emoji': '\\U0001f600', 'neg': -1.5e-300})\n"
    )
    folder = python_project(tmp_path / "program", HEADER + code)
    run = gate_run(capsys, folder, tmp_path / "reports")
    assert_gate(run, 0)
    [thing] = [r for r in json.loads(run.report("json"))["resources"] if r["name"] == "t"]
    assert thing["inputs"]["emoji"] == "\U0001f600" and thing["inputs"]["big"] == 1e308


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (b'{"n": ' + b"1" * 310 + b"}", "310 digits"),
        (b'{"n": -' + b"1" * 5000 + b"}", "5000 digits"),
        (b'{"n": 2e308}', "cannot hold"),
        (b'{"s": "\\udc80"}', "lone surrogate"),
        (b'{"\\ud800": 1}', "lone surrogate"),
        (b'{"s": "\xc3"}', "not UTF-8"),
        (b'{"a": [' + b"0," * MAX_EVENT_VALUES + b"0]}", f"more than {MAX_EVENT_VALUES} values"),
    ],
)
def test_each_line_is_decoded_as_the_engine_would_take_it(line, said):
    with pytest.raises(MalformedEventError) as refused:
        decode_line(line)
    assert said in refused.value.explained()


def test_the_readme_no_longer_claims_a_forged_end_hides_nothing():

    readme = " ".join(docs_text().split())
    assert "cannot hide what it registers afterwards" not in readme
    assert "reports something else than it does" in readme
