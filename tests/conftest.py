"""Shared test helpers: mocks that answer Azure invokes, and paths to the repo and the spec."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from podsandbox import REPOSITORY_ROOT
from podsandbox.preview.engine_values import UNKNOWN, convert
from podsandbox.preview.mock_engine import OfflineMocks
from podsandbox.preview.records import ProgramRun

if TYPE_CHECKING:
    from tests.fake_apiserver import FakeCluster

REPO = REPOSITORY_ROOT
SHARED = next(
    (folder / "shared" for folder in REPO.parents if (folder / "shared" / "spec").is_dir()),
    REPO.parent / "shared",
)
"""The workplace's shared/ folder: beside the repository (or beside the folder holding the copy
that mutation testing runs in, mutants/)."""
REQUIRE_SHARED = "PODSANDBOX_REQUIRE_SHARED"


def shared_file(*parts: str) -> Path:
    """A file of the workplace's shared/ folder (spec, references), beside the repository.

    It is there in this project's own CI, which sets PODSANDBOX_REQUIRE_SHARED so that a missing
    file fails; elsewhere (a GitHub runner) the tests that need it are skipped, saying why.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists() and not os.environ.get(REQUIRE_SHARED):
        pytest.skip(f"{path} is not here: shared/ sits beside the repository only in its own CI")
    return path


KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\nusers: [{name: clusterUser}]\n"
PUBLIC_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 generated"
PRIVATE_KEY = "\n".join(
    [
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAA",
        "-----END OPENSSH PRIVATE KEY-----",
    ]
)


ENTRA_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: myAKSCluster
  cluster: {server: 'https://myakscluster-dns.hcp.eastus.azmk8s.io:443'}
contexts:
- name: myAKSCluster
  context: {cluster: myAKSCluster, user: clusterUser_myResourceGroup_myAKSCluster}
current-context: myAKSCluster
users:
- name: clusterUser_myResourceGroup_myAKSCluster
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --environment, AzurePublicCloud, --server-id,
             6dae42f8-4368-4678-94ff-3960e28e3630, --client-id,
             80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id,
             72f988bf-0000-0000-0000-000000000000, --login, devicecode]
      provideClusterInfo: false
"""
"""What AKS returns with `format=exec` for a cluster with Entra ID (the shape `az aks
get-credentials` writes, Azure/kubelogin #193): kubelogin with a device code."""


class AzureMocks(OfflineMocks):
    """A deployment (not a preview) against a fake Azure that knows one existing cluster."""

    def __init__(
        self,
        existing_version: Optional[str] = "1.33.2",
        feature_state: str = "Registered",
        *,
        entra_id: bool = False,
        network_policy: Optional[str] = "cilium",
        kubeconfig: str = KUBECONFIG,
    ) -> None:
        super().__init__(preview=False)
        self.existing_version = existing_version
        self.feature_state = feature_state
        self.entra_id = entra_id
        self.network_policy = network_policy
        self.kubeconfig = kubeconfig

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        if args.typ == "tls:index/privateKey:PrivateKey":
            state.update(publicKeyOpenssh=PUBLIC_KEY, privateKeyOpenssh=PRIVATE_KEY)
        if args.typ == "azure-native:containerservice:ManagedCluster":
            state["name"] = args.inputs["resourceName"]
        if args.typ == "azure-native:resources:Resource":
            state["name"] = args.inputs["resourceName"]
        if args.typ == "azure-native:resources:ResourceGroup":
            state["name"] = args.inputs.get("resourceGroupName", f"{args.name}-rg")
        return resource_id, state

    def answer(self, token: str, args: dict[str, Any]) -> Optional[dict[str, Any]]:
        if token == "azure-native:containerservice:getManagedCluster":
            if self.existing_version is None:
                return None
            cluster: dict[str, Any] = {
                "name": args["resourceName"],
                "kubernetesVersion": self.existing_version.rsplit(".", 1)[0],
                "currentKubernetesVersion": self.existing_version,
                "networkProfile": {"networkPlugin": "azure"},
            }
            if self.network_policy is not None:
                cluster["networkProfile"]["networkPolicy"] = self.network_policy
            if self.entra_id:
                cluster["aadProfile"] = {"managed": True, "enableAzureRBAC": True}
            return cluster
        if token == "azure-native:features:getSubscriptionFeatureRegistration":
            return {"name": args["featureName"], "properties": {"state": self.feature_state}}
        if token == "azure-native:containerservice:listManagedClusterUserCredentials":
            exec_format = self.entra_id and args.get("format") == "exec"
            text = ENTRA_KUBECONFIG if exec_format else self.kubeconfig
            encoded = base64.b64encode(text.encode()).decode()
            return {"kubeconfigs": [{"name": "clusterUser", "value": encoded}]}
        return None


@pytest.fixture
def azure() -> AzureMocks:
    return AzureMocks()


def in_clear(value: Any) -> Any:
    """An engine value (`engine_inputs`, an output's `wire`) with its secrets in clear: tests only,
    to check what a secret holds; reports never see it."""
    return convert(value, lambda clear: clear, UNKNOWN)


@pytest.fixture
def clear_outputs() -> Any:
    """`clear_outputs(run)`: the run's stack outputs by name, secrets in clear."""

    def outputs(run: ProgramRun) -> dict[str, Any]:
        return {name: in_clear(output.wire) for name, output in run.outputs.items()}

    return outputs


def python_project(
    folder: Path,
    program: str,
    project: str = "name: team\nruntime: python\n",
    stack: str = "config: {}\n",
) -> Path:
    """A Pulumi Python project in `folder` (made if missing) with a `dev` stack: a program to
    judge, as another team would write it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text(project)
    (folder / "Pulumi.dev.yaml").write_text(stack)
    (folder / "__main__.py").write_text(program)
    return folder


@pytest.fixture
def cluster() -> FakeCluster:
    """A healthy fake cluster for `verify` (tests change it before they run)."""
    from tests.fake_apiserver import healthy_cluster  # the kubernetes client: only when needed

    return healthy_cluster()


@pytest.fixture
def kubeconfig(cluster: FakeCluster, tmp_path: Path) -> Iterator[Path]:
    """A kubeconfig for a fake API server serving `cluster`, for the test's duration."""
    from tests.fake_apiserver import FakeApiServer

    server = FakeApiServer(cluster)
    try:
        yield server.write_kubeconfig(tmp_path / "kubeconfig")
    finally:
        server.close()
