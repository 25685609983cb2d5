"""`python -m podsandbox`: exit codes, the JSON document, secrets, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from podsandbox.cli import main
from tests.conftest import REPO


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "podsandbox", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_preview_json_document_for_dev():
    result = cli("preview", "--stack", "dev", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {
        "stack", "resources", "outputs", "invokes", "verdict", "confinement", "violations",
        "checkedOnlyByRealPreview", "summary", "picture",
    }  # fmt: skip
    assert document["verdict"] == "PASS: no policy violations"
    assert document["checkedOnlyByRealPreview"] == []
    assert document["stack"] == "dev"
    assert document["violations"] == []
    for resource in document["resources"]:
        assert set(resource) == {
            "urn", "type", "name", "parent", "inputs", "propertyDependencies", "options",
        }  # fmt: skip
    [cluster] = [r for r in document["resources"] if r["type"].endswith(":ManagedCluster")]
    assert cluster["inputs"]["agentPoolProfiles"][0]["osSKU"] == "AzureLinux"
    assert cluster["parent"].endswith("SandboxedCluster::sandbox")
    assert document["outputs"]["kubeconfig"] == "[secret]"
    assert document["outputs"]["sshPrivateKey"] == "[secret]"
    [pool] = document["summary"]["sandboxingPools"]
    assert (pool["vmSize"], pool["vmSizeVerdict"], pool["workloadRuntime"]) == (
        "Standard_D4s_v3",
        "eligible",
        "KataVmIsolation",
    )
    assert document["summary"]["mandatoryViolations"] == 0


def test_no_secret_leaks_into_the_report():
    key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDsecretish me"
    result = cli("preview", "--stack", "existing", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "BEGIN OPENSSH" not in result.stdout and key not in result.stdout
    provider = [r for r in json.loads(result.stdout)["resources"] if "providers" in r["type"]]
    assert provider[0]["inputs"] == {"kubeconfig": "[secret]"}


def test_preview_text_names_the_pool_and_the_unanswered_invokes():
    result = cli("preview", "--stack", "existing")
    assert result.returncode == 0, result.stderr
    assert "nodepool2 on sandbox-pool: Standard_D4s_v3 x1, AzureLinux, KataVmIsolation" in (
        result.stdout
    )
    assert "? azure-native:containerservice:getManagedCluster" in result.stdout


def test_invalid_settings_exit_2_with_every_problem_and_no_traceback(tmp_path: Path):
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_text(
        "config:\n"
        "  azure-native:location: eastus\n"
        "  podsandbox:nodeVmSize: Standard_D4_v3\n"
        "  podsandbox:osSku: Ubuntu\n"
        "  podsandbox:kubernetesVersion: 1.26.0\n"
    )
    result = cli("preview", "--config-file", str(stack_file))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: 3 problems in Pulumi.bad.yaml:\n")
    for fragment in ("nodeVmSize = 'Standard_D4_v3'", "osSku = 'Ubuntu'", "'1.26.0'"):
        assert fragment in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("preview", "--stack", "nope"), "no stack file Pulumi.nope.yaml"),
        (("preview", "--format", "xml"), "invalid choice: 'xml'"),
        (("preview", "--stack", "dev", "--config-file", "x.yaml"), "not allowed with argument"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as raised:
        raise SystemExit(main(list(args)))
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_secure_config_values_are_refused_clearly(tmp_path: Path, capsys):
    stack_file = tmp_path / "Pulumi.sec.yaml"
    stack_file.write_text("config:\n  podsandbox:sshPublicKey:\n    secure: v1:abc\n")
    assert main(["preview", "--config-file", str(stack_file)]) == 2
    assert "podsandbox:sshPublicKey is an encrypted secret" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("size", "code", "status"),
    [
        ("Standard_D4s_v3", 0, "eligible"),
        ("standard_e16-4s_v5", 0, "eligible"),
        ("Standard_D4_v3", 1, "not-eligible"),
        ("Standard_D4as_v4", 1, "not-eligible"),
        ("Standard_D4d_v5", 1, "unverified"),
        ("Standard_Q4_v9", 1, "unknown"),
    ],
)
def test_vm_size_exit_codes_and_json(size, code, status, capsys):
    assert main(["vm-size", size, "--json"]) == code
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["status"] == status
    assert verdict["eligible"] is (code == 0)
    assert set(verdict) == {
        "name",
        "series",
        "generation2",
        "nestedVirtualization",
        "architecture",
        "vcpus",
        "eligible",
        "status",
        "reason",
    }


def test_vm_size_not_a_name_exits_2(capsys):
    assert main(["vm-size", "D4s_v3"]) == 2
    error = capsys.readouterr().err
    assert "'D4s_v3' is not an Azure VM size name (did you mean Standard_D4s_v3?)" in error
    assert main(["vm-size", "Zzz"]) == 2
    assert "did you mean" not in capsys.readouterr().err  # no size is near it


def test_vm_size_text_report(capsys):
    assert main(["vm-size", "Standard_D4_v3"]) == 1
    out = capsys.readouterr().out
    assert "generation 2:          no" in out and "nested virtualization: yes" in out


def test_bad_stack_is_stopped_by_the_program_and_judged_by_the_pack_with_skip_validation():
    bad = str(REPO / "tests" / "stacks" / "Pulumi.bad.yaml")
    stopped = cli("preview", "--config-file", bad)
    assert stopped.returncode == 2
    assert stopped.stderr.startswith("error: 3 problems in Pulumi.bad.yaml:\n")

    judged = cli("preview", "--config-file", bad, "--skip-validation", "--format", "json")
    assert judged.returncode == 1, judged.stderr
    document = json.loads(judged.stdout)
    found = {(v["policy"], v["enforcement"]) for v in document["violations"]}
    assert found == {
        ("sandbox-pool-os", "mandatory"),
        ("sandbox-pool-vm-size", "mandatory"),
        ("sandbox-pool-kubernetes-version", "mandatory"),
        # Kubernetes 1.26 turns the in-cluster guardrail off: the pack advises on it.
        ("untrusted-namespace-guardrail", "advisory"),
    }
    for violation in document["violations"]:
        assert set(violation) == {"policy", "enforcement", "urn", "message"}
        if violation["policy"].startswith("sandbox-pool"):
            assert violation["urn"].endswith("ManagedCluster::sandbox-cluster")
    messages = " ".join(v["message"] for v in document["violations"])
    for value in ("Standard_D4_v3", "Ubuntu", "1.26.0"):
        assert value in messages
    assert document["summary"]["mandatoryViolations"] == 3


def test_policy_config_can_lower_levels_and_bad_config_exits_2(tmp_path: Path):
    bad = str(REPO / "tests" / "stacks" / "Pulumi.bad.yaml")
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"all": "advisory"}))
    lowered = cli(
        "preview", "--config-file", bad, "--skip-validation", "--policy-config", str(config)
    )
    assert lowered.returncode == 0, lowered.stderr
    assert "Policy violations: 4 (0 mandatory)" in lowered.stdout
    config.write_text(json.dumps({"sandbox-pool-os": "loud"}))
    refused = cli("preview", "--policy-config", str(config))
    assert refused.returncode == 2
    assert "'loud' is not an enforcement level" in refused.stderr


def test_example_stacks_have_no_mandatory_violation():
    for stack in ("dev", "existing"):
        result = cli("preview", "--stack", stack, "--format", "json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["summary"]["mandatoryViolations"] == 0


@pytest.mark.subprocess
def test_the_command_line_works_from_an_installed_copy_of_the_package(tmp_path):
    # Installed from a wheel, the package sits in site-packages, away from this repository: a
    # copy of it first on the path (and the repository nowhere on it) behaves the same.
    import shutil
    import subprocess
    import sys

    site = tmp_path / "site"
    shutil.copytree(REPO / "podsandbox", site / "podsandbox")
    work = tmp_path / "work"
    work.mkdir()

    def podsandbox(*args: str) -> subprocess.CompletedProcess[str]:
        code = (
            "import sys\n"
            f"sys.path = [{str(site)!r}] + [p for p in sys.path if p not in ('', {str(REPO)!r})]\n"
            "from podsandbox.cli import main\n"
            f"sys.exit(main({list(args)!r}))\n"
        )
        return subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True,
                              text=True, timeout=300, check=False)  # fmt: skip

    bundled = podsandbox("policy", "bundle", "pack")
    assert bundled.returncode == 0, bundled.stderr
    assert (work / "pack" / "podsandbox" / "pack" / "__init__.py").is_file()
    judged = podsandbox("preview", "--program", str(REPO / "tests" / "programs" / "team-aks"))
    assert judged.returncode == 1, judged.stderr
    assert "sandbox-pool-vm-size" in judged.stdout and "Traceback" not in judged.stderr
    # Without --program, the current folder is the project: here, none.
    missing = podsandbox("preview")
    assert missing.returncode == 2
    assert missing.stderr.startswith(f"error: {work} has no Pulumi.yaml")


@pytest.mark.subprocess
def test_no_event_loop_is_left_for_the_garbage_collector_at_exit():
    # An event loop still open at interpreter shutdown is closed by the garbage collector, when
    # its self-pipe may be gone already: a traceback on stderr, at random. Python warns about
    # each such loop (ResourceWarning "unclosed event loop"); the command line leaves none.
    result = subprocess.run(
        [sys.executable, "-W", "always::ResourceWarning", "-m", "podsandbox", "preview",
         "--program", str(REPO / "tests" / "programs" / "team-aks")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "unclosed event loop" not in result.stderr
    assert "Traceback" not in result.stderr


def test_the_strict_flags_help_says_what_it_does(capsys):
    # It named only "an unanswered read, a policy that could not run": unanswered reads do not
    # count, and unjudged types and a weaker confinement do.
    with pytest.raises(SystemExit):
        main(["preview", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    strict = help_text[help_text.index("--strict exit 1") :]
    for said in ("lists anything as not checked", "a resource or kind the pack does not judge",
                 "a confinement below the level promised", "reads the offline run cannot "
                 "answer are listed apart and do not count"):  # fmt: skip
        assert said in strict, said
