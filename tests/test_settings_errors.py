"""A settings error read back from its text: its problems located in the stack file, in its
order, for stderr and SARIF (podsandbox/preview/report/settings_errors.py)."""

from __future__ import annotations

from podsandbox.preview.report.settings_errors import in_file_order, setting_problems

STACK = [
    "config:",
    "  azure-native:location: eastus",
    "  podsandbox:osSku: Ubuntu",
    "  podsandbox:pools:",
    "    - name: Bad",
    "      vmSize: x",
    "  podsandbox:nodeCount: zero",
]
ERROR = "\n".join([
    "4 problems in Pulumi.dev.yaml:",
    "  - nodeCount = 'zero': is not a whole number. Allowed: an integer. Example: e",
    "  - pools[0].name = 'Bad': is not a valid name. Allowed: a. Example: e",
    "  - kubernetesVersion (not set): is required. Allowed: a. Example: e",
    "  - osSku = 'Ubuntu': needs AzureLinux. Allowed: AzureLinux. Example: e",
])  # fmt: skip


def test_each_problem_is_located_at_its_keys_line_in_the_files_order():
    problems = setting_problems(ERROR, STACK)
    assert [(p.where, p.line) for p in problems] == [
        ("osSku", 3), ("pools[0].name", 4), ("nodeCount", 7), ("kubernetesVersion", None),
    ]  # fmt: skip
    assert problems[0].text == "osSku = 'Ubuntu': needs AzureLinux. Allowed: AzureLinux. Example: e"


def test_the_error_is_reordered_and_keeps_its_first_line():
    lines = in_file_order(ERROR, STACK).splitlines()
    assert lines[0] == "4 problems in Pulumi.dev.yaml:"
    assert [line.split()[1] for line in lines[1:]] == [
        "osSku", "pools[0].name", "nodeCount", "kubernetesVersion",
    ]  # fmt: skip


def test_a_qualified_key_is_found_whole():
    error = "1 problem in Pulumi.dev.yaml:\n  - azure-native:location (not set): r. Allowed: a."
    [problem] = setting_problems(error, STACK)
    assert (problem.where, problem.line) == ("azure-native:location", 2)


def test_other_errors_are_left_as_they_are():
    for message in ("the program failed: boom", "invalid SandboxedNodePool 'x' inputs (1 problem):"
                    "\n  - vmSize = 'x': r", ""):  # fmt: skip
        assert setting_problems(message, STACK) == []
        assert in_file_order(message, STACK) == message
    one = "1 problem in Pulumi.dev.yaml:\n  - nodeCount = 'zero': r"
    assert [p.line for p in setting_problems(one, STACK)] == [7]
    assert setting_problems(one, [])[0].line is None  # no stack file text: not located
