"""`python -m podsandbox verify` through the real kubernetes client, against a fake API server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from podsandbox.cli import main
from tests.fake_apiserver import (
    GUEST_KERNEL,
    NODE_KERNEL,
    FakeApiServer,
    FakeCluster,
    FakePod,
    healthy_cluster,
)


def run(kubeconfig: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any, str]:
    code = main(["verify", "--kubeconfig", str(kubeconfig), "--format", "json", *extra])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else None, captured.err


def untrusted(cluster: FakeCluster) -> FakePod:
    pod = cluster.pod("untrusted", "untrusted")
    assert pod is not None
    return pod


def test_isolated(kubeconfig, capsys, cluster):
    code, report, _ = run(kubeconfig, capsys)
    assert code == 0
    assert report["isolated"] is True and report["problems"] == []
    rows = {row["role"]: row for row in report["pods"]}
    assert rows["untrusted"] == {
        "role": "untrusted",
        "pod": "untrusted/untrusted",
        "node": "aks-nodepool1-0",
        "node_kernel": NODE_KERNEL,
        "pod_kernel": GUEST_KERNEL,
        "runtime_class": "kata-vm-isolation",
        "isolated": True,
    }
    assert (rows["trusted"]["pod_kernel"], rows["trusted"]["isolated"]) == (NODE_KERNEL, False)
    assert any(path.endswith("/untrusted/exec") for path in cluster.requests)


def test_text_report_is_a_table(kubeconfig, capsys):
    assert main(["verify", "--kubeconfig", str(kubeconfig)]) == 0
    out = capsys.readouterr().out
    header, trusted, sandboxed = out.splitlines()[:3]
    assert header.split() == ["pod", "node", "node", "kernel", "pod", "kernel", "isolated"]
    assert trusted.split() == ["default/trusted", "aks-nodepool1-0", NODE_KERNEL, NODE_KERNEL, "no"]
    assert sandboxed.split() == [
        "untrusted/untrusted",
        "aks-nodepool1-0",
        NODE_KERNEL,
        GUEST_KERNEL,
        "yes",
    ]
    assert "Isolated:" in out


def test_not_isolated(kubeconfig, capsys, cluster):
    untrusted(cluster).kernel = NODE_KERNEL
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    assert report["problems"] == [
        f"the untrusted pod runs the node's kernel ({NODE_KERNEL}): it is not sandboxed"
    ]


def test_pod_never_ready_times_out(kubeconfig, capsys, cluster):
    untrusted(cluster).pending_reads = -1
    code, report, _ = run(kubeconfig, capsys, "--timeout", "0.5")
    assert code == 1
    assert report["problems"] == [
        "timed out after 0.5s: untrusted/untrusted is Pending: ContainerCreating"
    ]


def test_pod_that_becomes_ready_is_waited_for(kubeconfig, capsys, cluster):
    untrusted(cluster).pending_reads = 3
    code, report, _ = run(kubeconfig, capsys, "--timeout", "5")
    assert code == 0, report


def test_failed_pod(kubeconfig, capsys, cluster):
    pod = untrusted(cluster)
    pod.phase, pod.reason = "Failed", "CreateContainerError"
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    assert report["problems"] == [
        "pod untrusted/untrusted is Failed: CreateContainerError; it must keep running"
    ]


def test_missing_runtime_class(kubeconfig, capsys, cluster):
    cluster.runtime_classes.clear()
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    assert report["problems"] == [
        "RuntimeClass kata-vm-isolation does not exist on the cluster: no node pool runs "
        "KataVmIsolation"
    ]


def test_untrusted_pod_without_a_sandboxing_class(kubeconfig, capsys, cluster):
    untrusted(cluster).runtime_class = None
    untrusted(cluster).kernel = NODE_KERNEL
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    assert report["problems"][0].startswith("the untrusted pod has runtimeClassName None")


def test_node_without_the_sandboxing_label(kubeconfig, capsys, cluster):
    cluster.node_labels["aks-nodepool1-0"] = {}
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    assert report["problems"] == [
        "node aks-nodepool1-0 of the untrusted pod lacks the label "
        "kubernetes.azure.com/kata-vm-isolation=true: it is not a sandboxing node"
    ]


def test_exec_refused(kubeconfig, capsys, cluster):
    untrusted(cluster).exec_refused = True
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    problem, network = report["problems"]
    assert problem.startswith("exec into untrusted/untrusted was refused:")
    assert "403" in problem
    assert network.startswith("the connection attempt was refused: Handshake status 403")
    assert network.endswith(": network isolation not proven")
    assert {row["role"]: row["isolated"] for row in report["pods"]} == {
        "trusted": False,
        "untrusted": None,
    }


def test_exec_nonzero_exit(kubeconfig, capsys, cluster):
    untrusted(cluster).exec_exit_code = 127
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    assert report["problems"] == [
        "`uname -r` in untrusted/untrusted exited with 127: uname: failed"
    ]


def test_legacy_generation_is_recognised(kubeconfig, capsys, cluster):
    untrusted(cluster).runtime_class = "kata-mshv-vm-isolation"
    cluster.runtime_classes = {"kata-mshv-vm-isolation"}
    cluster.node_labels["aks-nodepool1-0"] = {"kubernetes.azure.com/kata-mshv-vm-isolation": "true"}
    code, report, _ = run(kubeconfig, capsys)
    assert code == 0, report


def test_custom_namespace(kubeconfig, capsys, cluster):
    untrusted(cluster).namespace = "sandboxed"
    code, _, _ = run(kubeconfig, capsys, "--namespace", "sandboxed")
    assert code == 0


def test_unreachable_cluster_exits_2(tmp_path, capsys):
    server = FakeApiServer(healthy_cluster())
    path = server.write_kubeconfig(tmp_path / "kubeconfig")
    server.close()  # nothing listens on that port any more
    code = main(["verify", "--kubeconfig", str(path), "--timeout", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the Kubernetes API server")
    assert "Traceback" not in err


def test_a_missing_kubeconfig_is_reported_as_missing(tmp_path, capsys):
    # It said "cannot load ...: Invalid kube-config file. No configuration found."
    missing = tmp_path / "nope"
    assert main(["verify", "--kubeconfig", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"error: no kubeconfig at {missing} (no such file): pass --kubeconfig PATH, or get one "
        "with `az aks get-credentials`\n"
    )


def test_no_default_kubeconfig_is_reported_as_missing(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["verify"]) == 2
    assert f"$KUBECONFIG is not set and {tmp_path}/.kube/config does not exist" in (
        capsys.readouterr().err
    )
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path}/a:{tmp_path}/b")
    assert main(["verify"]) == 2
    assert f"none of $KUBECONFIG ({tmp_path}/a:{tmp_path}/b) exists" in capsys.readouterr().err


def test_a_file_that_is_no_kubeconfig_cannot_be_loaded(tmp_path, capsys):
    empty = tmp_path / "kubeconfig"
    empty.write_text("")
    assert main(["verify", "--kubeconfig", str(empty)]) == 2
    assert "cannot load" in capsys.readouterr().err


def test_json_on_errors_too(tmp_path, capsys):
    assert main(["verify", "--format", "json", "--kubeconfig", str(tmp_path / "nope")]) == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["isolated"] is None and report["error"].startswith("no kubeconfig at ")
    assert captured.err.startswith("error: no kubeconfig at ")


def test_stack_mode_without_the_pulumi_cli_exits_2(capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["verify", "--stack", "dev"]) == 2
    assert "needs the Pulumi CLI" in capsys.readouterr().err


def test_the_untrusted_pod_cannot_reach_the_trusted_one(kubeconfig, capsys, cluster):
    code, report, _ = run(kubeconfig, capsys)
    assert code == 0
    assert report["network"] == {
        "target": "10.244.0.7:80",
        "blocked": True,
        "detail": "the untrusted pod got no answer from the trusted pod (10.244.0.7:80) in 5s: "
        "its namespace's default-deny NetworkPolicy is enforced",
    }
    assert untrusted(cluster).probes == [
        ["timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/10.244.0.7/80"]
    ]


@pytest.mark.parametrize(
    ("exit_code", "stderr", "how"),
    [
        (1, "bash: connect: Connection refused\n", "was answered (connection refused) by"),
        (0, "", "connected to"),
    ],
)
def test_a_reachable_trusted_pod_means_network_policy_is_not_enforced(
    kubeconfig, capsys, cluster, exit_code, stderr, how
):
    untrusted(cluster).probe_exit_code = exit_code
    untrusted(cluster).probe_stderr = stderr
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    assert report["network"]["blocked"] is False
    assert report["problems"] == [
        f"the untrusted pod {how} the trusted pod (10.244.0.7:80): NetworkPolicy is not enforced "
        "on this cluster (its network profile has no policy engine, or the engine skips Kata pods)"
    ]


def test_a_probe_that_cannot_run_proves_nothing(kubeconfig, capsys, cluster):
    untrusted(cluster).probe_exit_code = 127
    untrusted(cluster).probe_stderr = "timeout: failed to run command 'bash': No such file\n"
    code, report, _ = run(kubeconfig, capsys)
    assert code == 1
    assert report["network"]["blocked"] is None
    assert report["problems"] == [
        "the connection attempt to the trusted pod (10.244.0.7:80) exited with 127: timeout: "
        "failed to run command 'bash': No such file; network isolation not proven"
    ]
