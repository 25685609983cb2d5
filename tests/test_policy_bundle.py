"""The bundled policy pack installs and runs on its own, as `pulumi policy publish` ships it.

The test builds a fresh virtual environment from the bundle's requirements.txt alone (published
packages, from the package index), starts the pack the way the Pulumi CLI does
(`python -u -m pulumi.policy <engine address> <pack dir>`, the pack's folder as working directory)
and asks it, over the analyzer's gRPC service, to judge a bad sandboxing pool.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import venv
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from podsandbox.cli import main
from podsandbox.pack.bundle import (
    DATA_FILES,
    MAIN,
    REQUIREMENTS,
    bundle,
    pack_modules,
    pulumi_policy_yaml,
)
from podsandbox.preview.policy_evaluator import load_pack
from tests.conftest import REPO, AzureMocks
from tests.plugin_host import MockEngine

AGENT_POOL = "azure-native:containerservice:AgentPool"


def test_the_repositorys_pack_is_what_the_bundle_writes():
    # One source: the bundle writes the pack's files; policy/ must hold exactly the same.
    policy = REPO / "policy"
    assert (policy / "PulumiPolicy.yaml").read_text() == pulumi_policy_yaml()
    assert (policy / "__main__.py").read_text() == MAIN
    lines = (policy / "requirements.txt").read_text().splitlines()
    specs = [line for line in lines if line and not line.startswith("#")]
    # The repository's pack installs this package from `..`; the bundle carries it instead.
    assert specs == [*REQUIREMENTS, ".."]


def test_the_command_writes_the_pack_and_refuses_a_used_folder(tmp_path, capsys):
    target = tmp_path / "pack"
    assert main(["policy", "bundle", str(target)]) == 0
    # `pulumi policy publish [org-name]` publishes the current folder (its only argument is an
    # organization) and starts the pack first: the hint changes folder and installs it.
    assert (
        f"Publish it with: cd {target} && pulumi install && pulumi policy publish [ORG]"
        in capsys.readouterr().out
    )
    # What `pulumi install` reads there: the runtime's virtualenv and the requirements.
    policy_yaml = (target / "PulumiPolicy.yaml").read_text()
    assert "  name: python\n" in policy_yaml and "    virtualenv: venv\n" in policy_yaml
    assert "    toolchain: pip\n" in policy_yaml
    names = {path.relative_to(target).as_posix() for path in target.rglob("*.py")}
    assert {
        "__main__.py",
        "podsandbox/pack/__init__.py",
        "podsandbox/rules/policy_checks.py",
    } <= names
    assert (target / "requirements.txt").read_text().splitlines()[1:] == REQUIREMENTS
    assert main(["policy", "bundle", str(target)]) == 2
    assert "is not an empty directory" in capsys.readouterr().err


def shipped_modules(pack: Path) -> set[str]:
    """Every file the bundle put under its `podsandbox/`, relative to it."""
    package = pack / "podsandbox"
    return {path.relative_to(package).as_posix() for path in package.rglob("*") if path.is_file()}


@pytest.mark.subprocess
def test_the_bundle_ships_exactly_the_modules_the_pack_imports(tmp_path):
    # Run the bundled pack's __main__.py (its server stubbed out) with the bundle first on the path
    # and list the package's modules it loaded: each must come from the bundle, and the bundle must
    # ship nothing else.
    pack = tmp_path / "pack"
    bundle(pack)
    shipped = shipped_modules(pack)
    assert shipped == set(pack_modules()) | set(DATA_FILES)
    code = (
        "import json, runpy, sys\n"
        "import pulumi_policy\n"
        "pulumi_policy.PolicyPack = lambda **kwargs: None\n"
        f"sys.path = [{str(pack)!r}] + [p for p in sys.path if p not in ('', {str(REPO)!r})]\n"
        f"runpy.run_path({str(pack / '__main__.py')!r}, run_name='__main__')\n"
        "from podsandbox.pack import resource_types\n"
        "assert resource_types.table()\n"
        "print(json.dumps(sorted([str(resource_types.TABLE)] + [m.__file__ for n, m in\n"
        "    sys.modules.items() if n == 'podsandbox' or n.startswith('podsandbox.')])))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    loaded = [Path(file) for file in json.loads(result.stdout)]
    assert all(file.is_relative_to(pack / "podsandbox") for file in loaded), loaded
    assert {file.relative_to(pack / "podsandbox").as_posix() for file in loaded} == shipped


def test_the_bundle_leaves_out_what_the_pack_does_not_import(tmp_path):
    pack = tmp_path / "pack"
    bundle(pack)
    shipped = shipped_modules(pack)
    # The stack settings reader (and the Karpenter node pool it reads settings for), the bundle
    # command itself, the components, the preview, the CLI: none of them is the pack's.
    for module in ("stack/load.py", "stack/__init__.py", "karpenter/node_pool.py",
                   "pack/bundle.py", "cli.py", "components/__init__.py",
                   "preview/__init__.py"):  # fmt: skip
        assert module not in shipped
    assert {"__init__.py", "pack/__init__.py", "rules/policy_checks.py"} <= shipped


def requirement_names(specs: list[str]) -> set[str]:
    """The distributions requirement lines name, normalized (PEP 503)."""
    names = set()
    for spec in specs:
        found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec)
        if found:
            names.add(re.sub(r"[-_.]+", "-", found.group()).lower())
    return names


def test_every_third_party_import_of_the_pack_is_a_named_requirement(tmp_path):
    # The pack's environment is built from its requirements alone: a package that only arrives as
    # some other package's dependency could leave with it.
    pack = tmp_path / "pack"
    bundle(pack)
    sources = [pack / "__main__.py", *(pack / "podsandbox").rglob("*.py")]
    imported = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"__future__", "podsandbox"}
    assert "pulumi_policy" in third_party  # (the walk sees the pack's own imports)
    lines = (REPO / "policy" / "requirements.txt").read_text().splitlines()
    repository = [line for line in lines if line and not line.startswith("#")]
    distributions = packages_distributions()
    for specs in (REQUIREMENTS, repository):
        named = requirement_names(specs)
        for module in sorted(third_party):
            providers = requirement_names(distributions.get(module, []))
            assert providers, f"{module} is not installed here: which distribution provides it?"
            assert providers & named, f"{module} ({', '.join(sorted(providers))}) not in {specs}"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = tmp_path_factory.mktemp("bundle") / "pack"
    bundle(pack)
    environment = pack / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", "requirements.txt"],
        cwd=pack, check=True, timeout=600,
    )  # fmt: skip
    return pack


@pytest.fixture(scope="module")
def analyzer(bundled: Path) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    engine = MockEngine(AzureMocks())
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    process = subprocess.Popen(
        [str(bundled / "venv" / "bin" / "python"), "-u", "-m", "pulumi.policy",
         engine.address, str(bundled)],
        cwd=bundled, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    port = process.stdout.readline().decode().strip()
    if not port.isdigit():
        process.kill()
        raise AssertionError(f"the pack did not start: {process.communicate()[1].decode()}")
    yield analyzer_pb2_grpc.AnalyzerStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    process.kill()
    process.communicate(timeout=10)
    engine.stop()


def test_the_bundled_environment_has_no_podsandbox_of_its_own(bundled: Path):
    python = bundled / "venv" / "bin" / "python"
    code = "import importlib.util; print(importlib.util.find_spec('podsandbox'))"
    found = subprocess.run([str(python), "-c", code], cwd=bundled.parent, capture_output=True,
                           text=True, check=True)  # fmt: skip
    assert found.stdout.strip() == "None"  # the rules come from the bundle's folder only


def test_the_bundled_pack_serves_its_policies(analyzer: analyzer_pb2_grpc.AnalyzerStub):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=60)
    assert info.name == "aks-pod-sandboxing"
    assert sorted(policy.name for policy in info.policies) == sorted(
        policy.name for policy in load_pack().policies
    )


def test_the_bundled_pack_judges_a_bad_pool(analyzer: analyzer_pb2_grpc.AnalyzerStub):
    properties = struct_pb2.Struct()
    properties.update(
        {
            "agentPoolName": "kata", "resourceGroupName": "rg", "resourceName": "aks",
            "vmSize": "Standard_D4_v3", "osType": "Linux", "osSKU": "Ubuntu",
            "workloadRuntime": "KataVmIsolation", "count": 1,
        }
    )  # fmt: skip
    response = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=AGENT_POOL,
            properties=properties,
            urn="urn:pulumi:dev::team::azure-native:containerservice:AgentPool::kata",
            name="kata",
        ),
        timeout=60,
    )
    found = {diagnostic.policyName: diagnostic.message for diagnostic in response.diagnostics}
    assert sorted(found) == ["sandbox-pool-os", "sandbox-pool-vm-size"]
    assert "Standard_D4_v3 (Dv3) is Generation 1 only" in found["sandbox-pool-vm-size"]
    assert "Ubuntu cannot run Kata VMs" in found["sandbox-pool-os"]


def test_the_hint_quotes_a_folder_the_shell_would_split(tmp_path, capsys):
    target = tmp_path / "my pack"
    assert main(["policy", "bundle", str(target)]) == 0
    assert f"cd '{target}' && pulumi install && pulumi policy publish [ORG]" in (
        capsys.readouterr().out
    )
