"""Installable today: the wheel, installed with --no-deps into a fresh environment that reaches the
test environment's third-party packages but not this repository, previews another team's program
that uses SandboxedNodePool (README, "Use the components in your own program")."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.subprocess  # builds, installs and runs another environment

BUILT_FROM = ("pyproject.toml", "README.md", "podsandbox")
"""What the wheel is built from (copied, so the build leaves nothing in the repository)."""


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with the wheel alone installed: its python."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    source.mkdir()
    for name in BUILT_FROM:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
        copy(REPO / name, source / name)
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                "-w", work / "dist", source, cwd=work)  # fmt: skip
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("podsandbox-*.whl")
    environment = work / "env"
    made = run(sys.executable, "-m", "venv", environment, cwd=work)
    assert made.returncode == 0, made.stderr
    python = environment / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=work).stdout.strip())  # fmt: skip
    # The test environment's packages (Pulumi, the SDKs), without processing its .pth files:
    # the editable install of this repository stays out of reach.
    (site / "third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    added = run(python, "-m", "pip", "install", "--no-deps", "--no-index", wheel, cwd=work)
    assert added.returncode == 0, added.stderr
    return python


def test_the_installed_package_is_the_wheels_not_the_repositorys(installed: Path):
    where = run(installed, "-c", "import podsandbox; print(podsandbox.__file__)",
                cwd=installed.parent).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(installed.parent.parent), where
    assert not Path(where).is_relative_to(REPO)


def test_another_program_previews_with_the_installed_components(installed: Path, tmp_path):
    program = tmp_path / "team-component"
    shutil.copytree(REPO / "tests" / "programs" / "team-component", program)
    (program / "Pulumi.dev.yaml").write_text(
        "config:\n  team-component:poolVmSize: Standard_D8s_v5\n"
    )
    command = installed.parent / "podsandbox"
    result = run(command, "preview", "--program", program, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    types = [resource["type"] for resource in report["resources"]]
    assert "podsandbox:index:SandboxedNodePool" in types
    assert "azure-native:containerservice:AgentPool" in types
