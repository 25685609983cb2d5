"""The layering contracts (pyproject.toml, `[tool.importlinter]`) hold, and each one fails when
the import it forbids is added: run with import-linter on a copy of the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO

CONTRACTS = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]["contracts"]
}
FORBIDDEN_IMPORTS = [
    ("layers", "verify/command.py", "import podsandbox.preview.offline_preview"),
    ("layers", "rules/aks.py", "import podsandbox.stack"),
    ("layers", "stack/load.py", "import podsandbox.pack"),
    ("acyclic", "preview/program_process.py", "import podsandbox.preview.offline_preview"),
    ("pure", "stack/reader.py", "import pulumi"),
    ("rules-standard-library", "guardrail/plan.py", "import yaml"),
    ("components", "components/kubelogin.py", "import podsandbox.stack"),
    ("pack", "pack/metadata.py", "import pulumi_kubernetes"),
]
"""(contract, module, an import it forbids there)."""


def lint_imports(root: Path, contract: str | None = None) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    command = [binary, "--no-cache", "--config", str(root / "pyproject.toml")]
    if contract is not None:
        command += ["--contract", contract]
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        command, cwd=root, env=environment, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def copy_of_the_package(folder: Path) -> Path:
    shutil.copytree(REPO / "podsandbox", folder / "podsandbox",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(REPO / "pyproject.toml", folder / "pyproject.toml")
    return folder


@pytest.mark.subprocess
def test_every_contract_holds():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


def test_each_contract_is_tried():
    assert {contract for contract, _, _ in FORBIDDEN_IMPORTS} == set(CONTRACTS)


@pytest.mark.subprocess
@pytest.mark.parametrize(("contract", "module", "line"), FORBIDDEN_IMPORTS)
def test_a_forbidden_import_breaks_its_contract(tmp_path, contract, module, line):
    root = copy_of_the_package(tmp_path)
    assert lint_imports(root, contract).returncode == 0  # the copy holds before the change
    path = root / "podsandbox" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = lint_imports(root, contract)
    assert result.returncode != 0
    # import-linter wraps long lines: compare without white space.
    assert "".join(f"{CONTRACTS[contract]}BROKEN".split()) in "".join(result.stdout.split())
