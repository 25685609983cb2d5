"""mutmut with one collected pytest session per run: `python -m tests.mutation.warm_session run`.

mutmut's fork server imports the tests once, then forks a child per mutant, and each child
calls `pytest.main` on that mutant's tests: a whole pytest session (argument parsing, plugin
registration, conftest, collection, terminal setup) for every mutant. At 4,000 mutants that
fixed cost was most of the run (0.12 s a mutant, where the tests themselves take a few
hundredths).

Here the fork server builds that session once, collected and started but with no test run,
and each child runs its mutant's items through pytest's own `pytest_runtestloop` hook. A child
is still a fresh fork of a server that has run no test, so mutants stay as isolated from each
other as before; only the setup they would all repeat identically is shared. What changes:

- collection happens once, with no mutant active. Test parameters computed while collecting
  from rules code do not see the mutant. They did not before either: they are computed when a
  test module is imported, and mutmut's own warm-up imports the modules in the fork server.
- capture is `sys`, not `fd`: the fork server's capture files would otherwise be shared by
  every child (file offsets survive fork). Output goes to /dev/null in a child anyway; `capsys`
  works as before.

Measured on 2 cores, same commit, one run after the other: the 2,689 mutants of the rules package
took 344 s with mutmut's runner and 182 s with this one, every mutant with the same verdict.
A runner that failed every test would kill every mutant; the mutants listed as equivalent must
survive (`tests.mutation` fails when one is killed), so such a run cannot pass.

Everything else (stats, the clean run, the forced-fail run, test listing) is mutmut's own
`PytestRunner`, unchanged. This leans on two names inside mutmut (the runner class
`mutmut.workers.isolation` instantiates, and `PytestRunner`'s argument lists), which is why
requirements-dev.txt pins mutmut exactly; `install` fails loudly if either moves.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from mutmut.runners.harness import PytestRunner
from mutmut.utils.file_utils import change_cwd


class WarmSessionRunner(PytestRunner):
    """mutmut's pytest runner, with mutants' tests run in a session collected once."""

    def __init__(self) -> None:
        super().__init__()
        self._session: Any = None
        self._items: dict[str, Any] = {}

    def warm_up(self) -> None:
        """Runs in the fork server: parse, configure, start the session and collect, once."""
        import pytest
        from _pytest.config import _prepareconfig

        args = ["--rootdir=.", "--tb=native", "--capture=sys"]
        args += self._pytest_args_regular_run(self._pytest_add_cli_args_test_selection)
        args += self._pytest_add_cli_args
        with change_cwd("mutants"):
            config = _prepareconfig(args)
            config._do_configure()
            session = pytest.Session.from_config(config)
            config.hook.pytest_sessionstart(session=session)
            config.hook.pytest_collection(session=session)
        if session.testsfailed:
            raise RuntimeError(f"collecting the mutation tests failed: {args}")
        self._session = session
        self._items = {item.nodeid: item for item in session.items}

    def run_tests(self, *, mutant_name: str | None, tests: Iterable[str]) -> int:
        """Runs in a forked child: this mutant's tests, stopping at the first failure."""
        names = list(tests)
        if self._session is None or not names or any(name not in self._items for name in names):
            return super().run_tests(mutant_name=mutant_name, tests=names)
        session = self._session
        session.items = [self._items[name] for name in names]
        session.testscollected = len(session.items)
        # pytest.main's own exit codes, as `_pytest.main.wrap_session` and `_main` give them.
        import pytest

        try:
            with change_cwd("mutants"):
                session.config.hook.pytest_runtestloop(session=session)
        except session.Failed:  # -x: stopped at the first failure
            return int(pytest.ExitCode.TESTS_FAILED)
        except (KeyboardInterrupt, pytest.exit.Exception):
            return int(pytest.ExitCode.INTERRUPTED)
        return int(pytest.ExitCode.TESTS_FAILED if session.testsfailed else pytest.ExitCode.OK)


def install() -> None:
    """Make mutmut's fork server use `WarmSessionRunner`."""
    from mutmut.workers import isolation

    if getattr(isolation, "PytestRunner", None) is not PytestRunner:
        raise RuntimeError(
            "mutmut.workers.isolation no longer names PytestRunner: the warm-session runner "
            "cannot be installed in this mutmut version"
        )
    for name in ("_pytest_args_regular_run", "_pytest_add_cli_args", "execute_pytest"):
        if not hasattr(WarmSessionRunner(), name):
            raise RuntimeError(f"mutmut's PytestRunner has no {name}: update warm_session.py")
    isolation.PytestRunner = WarmSessionRunner  # type: ignore[attr-defined]


def main(argv: list[str]) -> None:
    from mutmut.__main__ import cli

    install()
    cli(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
