"""The mutation check's verdict (tests/mutation): scores, equivalents, canary, on made-up runs."""

from __future__ import annotations

import pytest
from mutmut.runners.harness import PytestRunner
from mutmut.workers import isolation

from tests.mutation import warm_session
from tests.mutation.__main__ import CANARY, Equivalent, Mutant, _function_of, _mutated_lines, judge


def mutant(index: int, killed: bool, module: str = "rules.aks", function: str = "f") -> Mutant:
    return Mutant(
        f"m{index}", module, function, f"line {index}", killed, "killed" if killed else "survived"
    )


def canary() -> Mutant:
    return Mutant("canary", *CANARY, True, "killed")


def test_a_module_below_the_threshold_fails():
    run = [canary(), *(mutant(i, i != 0) for i in range(19))]  # 19 of 20 killed: 95%
    assert judge(run, [])[1] == []
    worse = [canary(), *(mutant(i, i > 1) for i in range(19))]  # 18 of 20: 90%
    assert judge(worse, [])[1] == ["rules.aks: 90.0% of its mutants killed, below 95.0%"]


def test_listed_equivalents_leave_the_count_and_must_stay_true():
    run = [canary(), mutant(0, False), *(mutant(i, True) for i in range(1, 5))]
    listed = [Equivalent("rules.aks", "f", "line 0", "changes nothing")]
    lines, problems = judge(run, listed)
    assert problems == [] and "Surviving" not in "\n".join(lines)
    killed = [Equivalent("rules.aks", "f", "line 1", "wrong")]
    gone = [Equivalent("rules.aks", "f", "line 99", "moved")]
    assert "is killed" in judge(run, listed + killed)[1][0]
    assert "no longer exists" in judge(run, listed + gone)[1][0]


def test_a_run_without_the_canary_killed_fails():
    run = [mutant(i, True) for i in range(10)]
    [problem] = judge(run, [])[1]
    assert problem.startswith("the canary mutant (rules.aks: meets_minimum_version:")
    missed = [Mutant("canary", *CANARY, False, "survived"), *run]
    assert any("canary" in problem for problem in judge(missed, [])[1])


def test_a_mutant_is_known_by_its_function_and_its_mutated_line():
    assert _function_of("podsandbox.rules.aks.x_find_runtime__mutmut_3") == "find_runtime"
    assert _function_of("podsandbox.rules.sizing.xǁPodShapeǁfrom_containers__mutmut_1") == (
        "PodShape.from_containers"
    )
    diff = "--- a\n+++ b\n@@ -1 +1 @@\n-    return a >= b\n+    return a > b\n"
    assert _mutated_lines(diff) == "return a > b"


def test_the_warm_session_runner_replaces_the_one_mutmuts_fork_server_uses(monkeypatch):
    monkeypatch.setattr(isolation, "PytestRunner", PytestRunner)
    warm_session.install()
    assert vars(isolation)["PytestRunner"] is warm_session.WarmSessionRunner
    assert issubclass(warm_session.WarmSessionRunner, PytestRunner)
    # Installed over something else (a mutmut that moved the class), it refuses to run.
    with pytest.raises(RuntimeError, match="no longer names PytestRunner"):
        warm_session.install()
