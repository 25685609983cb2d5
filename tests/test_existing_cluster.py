"""A sandboxing pool on a cluster this stack does not own: signing in with Entra ID, the cluster's
network policy engine, and the RuntimeClass the untrusted pod needs. Azure is mocked; the
RuntimeClass is read from a real (local) API server by the official client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pulumi
import pytest
import yaml
from pulumi.runtime.mocks import MockResourceArgs

from podsandbox.preview.recorder import run_program
from podsandbox.preview.records import ProgramRun
from podsandbox.stack.files import load_stack_config
from tests.conftest import REPO, AzureMocks, in_clear
from tests.fake_apiserver import FakeApiServer, FakeCluster

CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials"
POD = "kubernetes:core/v1:Pod"


class RecordingAzure(AzureMocks):
    """AzureMocks that also note every type registered, for runs that end in an error."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.registered: list[str] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        self.registered.append(args.typ)
        return super().new_resource(args)


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[tuple[FakeApiServer, FakeCluster]]:
    cluster = FakeCluster(pods=[], node_labels={})
    server = FakeApiServer(cluster)
    yield server, cluster
    server.close()


def kubeconfig_of(server: FakeApiServer, tmp_path: Path) -> str:
    return server.write_kubeconfig(tmp_path / "kubeconfig").read_text()


def up(mocks: AzureMocks, **settings: str) -> ProgramRun:
    config = load_stack_config(REPO, "existing")
    config.config.update({f"podsandbox:{key}": value for key, value in settings.items()})
    return run_program(REPO, config.project, config.stack, config.config, mocks)


def kubeconfig_output(run: ProgramRun) -> dict[str, Any]:
    output = run.outputs["kubeconfig"]
    assert output.secret
    document: dict[str, Any] = yaml.safe_load(in_clear(output.wire))
    return document


def test_an_entra_id_cluster_gets_a_kubeconfig_that_signs_in_without_a_person():
    run = up(AzureMocks(entra_id=True))
    [credentials] = [invoke for invoke in run.invokes if invoke.token == CREDENTIALS]
    assert credentials.args["format"] == "exec"
    [user] = kubeconfig_output(run)["users"]
    assert user["user"]["exec"]["command"] == "kubelogin"
    assert user["user"]["exec"]["args"] == [
        "get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630",
    ]  # fmt: skip
    assert any("runs `kubelogin get-token --login azurecli`" in note for note in run.infos)


@pytest.mark.parametrize("mode", ["workloadidentity", "spn"])
def test_the_login_mode_is_a_setting(mode: str):
    run = up(AzureMocks(entra_id=True), kubeloginMode=mode)
    [user] = kubeconfig_output(run)["users"]
    arguments = user["user"]["exec"]["args"]
    assert arguments[:3] == ["get-token", "--login", mode]
    assert ("--client-id" in arguments) == (mode == "spn")


def test_a_cluster_with_local_accounts_keeps_its_kubeconfig_and_asks_for_no_format():
    run = up(AzureMocks())
    [credentials] = [invoke for invoke in run.invokes if invoke.token == CREDENTIALS]
    assert credentials.args.get("format") is None
    assert kubeconfig_output(run)["users"] == [{"name": "clusterUser"}]
    assert not [note for note in run.infos if "kubelogin" in note]


def test_a_bad_login_mode_is_a_settings_error_that_names_each_mode():
    with pytest.raises(pulumi.RunError) as raised:
        up(AzureMocks(entra_id=True), kubeloginMode="devicecode")
    message = str(raised.value)
    assert "kubeloginMode = 'devicecode': is not a non-interactive kubelogin login mode" in message
    assert "azurecli (" in message and "workloadidentity (" in message and "spn (" in message


@pytest.mark.parametrize(("policy", "warned"), [(None, True), ("none", True), ("cilium", False)])
def test_an_existing_cluster_that_enforces_no_network_policy_is_warned_about(policy, warned):
    run = up(AzureMocks(network_policy=policy))
    found = [w for w in run.warnings if w.startswith("existing cluster myAKSCluster enforces no")]
    assert len(found) == (1 if warned else 0)


def test_the_untrusted_pod_waits_for_the_runtime_class_and_is_created_when_it_exists(
    api_server: tuple[FakeApiServer, FakeCluster], tmp_path: Path
):
    server, cluster = api_server
    cluster.runtime_classes.add("kata-vm-isolation")
    run = up(AzureMocks(kubeconfig=kubeconfig_of(server, tmp_path)))
    assert "/apis/node.k8s.io/v1/runtimeclasses/kata-vm-isolation" in cluster.requests
    [untrusted] = [pod for pod in run.of_type(POD) if pod.name == "demo-untrusted"]
    [pool] = run.of_type("azure-native:containerservice:AgentPool")
    assert pool.urn in untrusted.dependencies
    assert not [w for w in run.warnings if "RuntimeClass" in w]


def test_a_missing_runtime_class_stops_before_any_pod_with_the_command_that_enables_it(
    api_server: tuple[FakeApiServer, FakeCluster], tmp_path: Path
):
    server, _ = api_server
    mocks = RecordingAzure(kubeconfig=kubeconfig_of(server, tmp_path))
    with pytest.raises(pulumi.RunError) as raised:
        up(mocks)
    assert str(raised.value) == (
        "cluster myAKSCluster has no RuntimeClass kata-vm-isolation, so the API server would "
        "refuse every pod that names it. Enable pod sandboxing on the cluster, as the AKS how-to "
        "does after adding the pool: `az aks update --resource-group myResourceGroup --name "
        "myAKSCluster`, then run `pulumi up` again"
    )
    assert "azure-native:containerservice:AgentPool" in mocks.registered
    assert POD not in mocks.registered


def test_an_unreadable_runtime_class_is_a_warning_not_a_verdict():
    run = up(AzureMocks())  # its kubeconfig names no cluster: the read cannot be made
    assert [w for w in run.warnings if w.startswith("could not check that RuntimeClass")]
    assert len(run.of_type(POD)) == 2


def test_a_stopped_run_leaves_no_error_to_be_logged_later(
    api_server: tuple[FakeApiServer, FakeCluster],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
):
    # The outputs that waited for the failed read hold its error; collected later, each would log
    # "Future exception was never retrieved" with a traceback (and, formatting it, break an
    # ast.parse the collection interrupted). The loop the program ran on does not log those.
    import asyncio
    import gc

    server, _ = api_server
    with pytest.raises(pulumi.RunError):
        up(RecordingAzure(kubeconfig=kubeconfig_of(server, tmp_path)))
    failed = [
        future
        for future in gc.get_objects()
        if isinstance(future, asyncio.Future)
        and future.done()
        and not future.cancelled()
        and future._exception is not None
    ]
    assert failed, "the run left futures holding its error"
    with caplog.at_level("ERROR", logger="asyncio"):
        for future in failed:  # what each one's finalizer does when it is collected
            future.get_loop().call_exception_handler(
                {
                    "message": "Future exception was never retrieved",
                    "future": future,
                    "exception": future._exception,
                }
            )
        assert caplog.records == []
        failed[0].get_loop().call_exception_handler({"message": "something else"})
    assert [record.getMessage() for record in caplog.records] == ["something else"]


def test_an_unreachable_api_server_is_named_without_quoting_the_kubeconfig(tmp_path: Path):
    # A kubeconfig is a secret, its server address included: the warning names the failure only.
    server = "https://secret-cluster-address.hcp.eastus.azmk8s.io:1"
    kubeconfig = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": server}}],
            "users": [{"name": "u", "user": {"token": "secret-token-value"}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "c",
        }
    )
    run = up(AzureMocks(kubeconfig=kubeconfig))
    [warning] = [w for w in run.warnings if "RuntimeClass" in w]
    assert warning.startswith("could not check that RuntimeClass kata-vm-isolation exists: the")
    assert "secret-cluster-address" not in warning and "secret-token-value" not in warning


def test_a_cluster_too_old_for_the_runtime_gets_no_pool():
    # The pools wait for the version check through depends_on: a failed check registers none.
    mocks = RecordingAzure(existing_version="1.26.3")
    with pytest.raises(pulumi.RunError, match=r"below the minimum 1\.27\.0"):
        up(mocks)
    assert "azure-native:containerservice:AgentPool" not in mocks.registered
    assert "podsandbox:index:SandboxedNodePool" in mocks.registered


def test_the_pools_of_a_readable_cluster_keep_their_configured_version():
    run = up(AzureMocks(), kubernetesVersion="1.33")
    [pool] = run.of_type("azure-native:containerservice:AgentPool")
    assert pool.inputs["orchestratorVersion"] == "1.33"
