"""Shared test helpers: mocks that answer Azure invokes, and paths to the repo and the spec."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any, Optional

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from podsandbox import REPOSITORY_ROOT
from podsandbox.preview.recorder import UNKNOWN, OfflineMocks, ProgramRun, convert

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


class AzureMocks(OfflineMocks):
    """A deployment (not a preview) against a fake Azure that knows one existing cluster."""

    def __init__(
        self, existing_version: Optional[str] = "1.33.2", feature_state: str = "Registered"
    ) -> None:
        super().__init__(preview=False)
        self.existing_version = existing_version
        self.feature_state = feature_state

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
            return {
                "name": args["resourceName"],
                "kubernetesVersion": self.existing_version.rsplit(".", 1)[0],
                "currentKubernetesVersion": self.existing_version,
            }
        if token == "azure-native:features:getSubscriptionFeatureRegistration":
            return {"name": args["featureName"], "properties": {"state": self.feature_state}}
        if token == "azure-native:containerservice:listManagedClusterUserCredentials":
            encoded = base64.b64encode(KUBECONFIG.encode()).decode()
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
