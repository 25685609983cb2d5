"""Mutation testing of the pure packages: `.venv/bin/python -m tests.mutation`.

Runs mutmut (configured in pyproject.toml: every module of `podsandbox/rules/`, `stack/`,
`guardrail/` and `karpenter/` (`PURE_PACKAGES`), the tests that
exercise them, forkserver isolation; each mutant's tests run in a pytest session collected once,
`warm_session.py`), then judges the result per module:

- a mutant is known by its module (`rules.aks`, `stack.pools`: folder and file), its function
  and the mutated line, not by mutmut's positional name, so that a listed mutant keeps its
  identity when code around it moves;
- the mutants that change nothing observable are listed, each with its reason, in
  `equivalent_mutants.toml`; they leave the denominator, and the check fails when a listed one
  is killed or no longer exists (the list must stay true);
- a canary, a mutant that any working run kills, must be killed: a run in which the installed
  package shadowed the mutated copy would otherwise report a meaningless score;
- every module must kill at least `THRESHOLD` of its other mutants; "no tests" and timeouts that
  did not fail a test count as survivors.

`--no-run` judges the results of the last run again (mutmut keeps them in mutants/).
Exit 0 when every module meets the threshold, 1 otherwise, 2 when mutmut could not run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from podsandbox import REPOSITORY_ROOT

HERE = Path(__file__).resolve().parent
EQUIVALENTS = HERE / "equivalent_mutants.toml"
PURE_PACKAGES = ("rules", "stack", "guardrail", "karpenter")
"""The folders of `podsandbox/` whose every module is mutated (pyproject's `only_mutate`)."""
THRESHOLD = 95.0
"""Per module, in percent of the non-equivalent mutants."""
TIME_LIMIT = 600
"""Seconds the mutation run may take (the issue's budget, on 2 cores)."""
CANARY = ("rules.aks", "meets_minimum_version", "return version > runtime.min_kubernetes_version")
"""(module, function, mutated line) of a mutant every working run kills: >= made >."""

KILLED = {1, 3, 36, 24, -24, 152, 255}
"""mutmut exit codes that mean a test failed (or ran out of time: the mutant was noticed)."""


@dataclass(frozen=True)
class Mutant:
    name: str
    """mutmut's name, e.g. podsandbox.rules.aks.x_find_runtime__mutmut_3 (positional)."""
    module: str
    function: str
    mutation: str
    """The mutated line(s), stripped: what identifies the mutant across runs."""
    killed: bool
    status: str


def _function_of(name: str) -> str:
    """`podsandbox.rules.aks.x_find_runtime__mutmut_3` -> `find_runtime`;
    methods (`xǁClassǁmethod__mutmut_1`) -> `Class.method`."""
    last = name.rsplit(".", 1)[-1].rsplit("__mutmut_", 1)[0]
    if last.startswith("xǁ"):
        return last.removeprefix("xǁ").replace("ǁ", ".")
    return last.removeprefix("x_")


def _mutated_lines(diff: str) -> str:
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+")]
    return " / ".join(line for line in added if line and not line.startswith("++"))


def collect() -> list[Mutant]:
    """Every mutant of the pure packages, with its status, from mutmut's results in mutants/."""
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    mutants = []
    sources = [
        path for folder in PURE_PACKAGES for path in (Path("podsandbox") / folder).glob("*.py")
    ]
    for source in sorted(sources):
        data = SourceFileMutationData(path=source)
        if not data.meta_path.exists():
            continue
        data.load()
        for name, exit_code in data.exit_code_by_key.items():
            diff = get_diff_for_mutant(name, path=source)
            mutants.append(
                Mutant(
                    name,
                    f"{source.parent.name}.{source.stem}",
                    _function_of(name),
                    _mutated_lines(diff),
                    exit_code in KILLED,
                    status_by_exit_code[exit_code],
                )
            )
    return mutants


@dataclass(frozen=True)
class Equivalent:
    module: str
    function: str
    mutation: str
    reason: str


def equivalents(path: Path = EQUIVALENTS) -> list[Equivalent]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Equivalent(**entry) for entry in document.get("mutant", [])]


def judge(mutants: list[Mutant], listed: Iterable[Equivalent]) -> tuple[list[str], list[str]]:
    """(report lines, problems): per-module scores, survivors, and what fails the check."""
    problems: list[str] = []
    by_key = defaultdict(list)
    for mutant in mutants:
        by_key[(mutant.module, mutant.function, mutant.mutation)].append(mutant)
    excluded: set[str] = set()
    for entry in listed:
        found = by_key.get((entry.module, entry.function, entry.mutation), [])
        if not found:
            problems.append(
                f"listed equivalent mutant no longer exists: {entry.module}.{entry.function}: "
                f"{entry.mutation}"
            )
        for mutant in found:
            if mutant.killed:
                problems.append(
                    f"listed equivalent mutant is killed, take it off the list: "
                    f"{entry.module}.{entry.function}: {entry.mutation}"
                )
            excluded.add(mutant.name)
    canary = by_key.get(CANARY, [])
    if not canary or not all(mutant.killed for mutant in canary):
        problems.append(
            "the canary mutant (" + ": ".join(CANARY) + ") was not killed: the run did not test "
            "the mutated copy (an installed podsandbox shadowing mutants/?)"
        )
    lines = [f"{'module':<26}{'mutants':>8}{'equivalent':>11}{'killed':>8}{'score':>8}"]
    survivors: list[Mutant] = []
    for module in sorted({mutant.module for mutant in mutants}):
        own = [m for m in mutants if m.module == module]
        counted = [m for m in own if m.name not in excluded]
        killed = sum(m.killed for m in counted)
        score = 100.0 * killed / len(counted) if counted else 100.0
        lines.append(
            f"{module:<26}{len(own):>8}{len(own) - len(counted):>11}{killed:>8}{score:>7.1f}%"
        )
        if score < THRESHOLD:
            problems.append(f"{module}: {score:.1f}% of its mutants killed, below {THRESHOLD}%")
        survivors += [m for m in counted if not m.killed]
    if survivors:
        lines += ["", f"Surviving mutants ({len(survivors)}):"]
        lines += [f"  {m.module}.{m.function} [{m.status}]: {m.mutation}" for m in survivors]
    statuses = Counter(m.status for m in mutants)
    lines += ["", "By status: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))]
    return lines, problems


def run_mutmut() -> int:
    """`mutmut run` on 2 cores from the repository's root, each mutant's tests run in a session
    collected once (`warm_session.py`); its exit code (2 when it overran)."""
    started = time.monotonic()
    try:
        completed = subprocess.run(
            # By path, not `-m`: importing the `tests` package here would shadow mutants/tests.
            [sys.executable, str(HERE / "warm_session.py"), "run", "--max-children", "2"],
            cwd=REPOSITORY_ROOT,
            stdout=subprocess.DEVNULL,
            timeout=TIME_LIMIT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"error: the mutation run took more than {TIME_LIMIT} s", file=sys.stderr)
        return 2
    print(f"mutmut ran in {time.monotonic() - started:.0f} s")
    return completed.returncode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__)
    parser.add_argument("--no-run", action="store_true", help="judge the last run's results")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.no_run and run_mutmut() != 0:
        print("error: mutmut did not complete", file=sys.stderr)
        return 2
    os.chdir(REPOSITORY_ROOT)
    lines, problems = judge(collect(), equivalents())
    print("\n".join(lines))
    for problem in problems:
        print(f"FAIL: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
