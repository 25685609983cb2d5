"""An Entra ID kubeconfig made non-interactive, as `kubelogin convert-kubeconfig -l MODE` does."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from podsandbox.components.kubelogin import KubeconfigError, non_interactive
from tests.conftest import ENTRA_KUBECONFIG, KUBECONFIG

SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"


def exec_of(kubeconfig: str) -> dict[str, Any]:
    [user] = yaml.safe_load(kubeconfig)["users"]
    found: dict[str, Any] = user["user"]["exec"]
    return found


@pytest.mark.parametrize("mode", ["azurecli", "workloadidentity"])
def test_modes_that_read_their_identity_elsewhere_keep_only_the_server_id(mode: str):
    assert exec_of(non_interactive(ENTRA_KUBECONFIG, mode))["args"] == [
        "get-token", "--login", mode, "--server-id", SERVER_ID,
    ]  # fmt: skip


def test_a_service_principal_keeps_the_client_tenant_and_environment():
    assert exec_of(non_interactive(ENTRA_KUBECONFIG, "spn"))["args"] == [
        "get-token", "--login", "spn", "--server-id", SERVER_ID,
        "--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
        "--tenant-id", "72f988bf-0000-0000-0000-000000000000",
        "--environment", "AzurePublicCloud",
    ]  # fmt: skip


def test_everything_else_of_the_kubeconfig_is_kept():
    before, after = (
        yaml.safe_load(ENTRA_KUBECONFIG),
        yaml.safe_load(non_interactive(ENTRA_KUBECONFIG, "azurecli")),
    )
    for key in ("clusters", "contexts", "current-context"):
        assert after[key] == before[key]
    kept = {k: v for k, v in exec_of(ENTRA_KUBECONFIG).items() if k != "args"}
    assert {k: v for k, v in exec_of(yaml.safe_dump(after)).items() if k != "args"} == kept


def test_a_kubelogin_command_given_by_its_path_is_converted():
    text = ENTRA_KUBECONFIG.replace("command: kubelogin", "command: /usr/local/bin/kubelogin")
    assert exec_of(non_interactive(text, "azurecli"))["args"][2] == "azurecli"


def test_a_kubeconfig_without_kubelogin_cannot_sign_in_with_entra_id():
    with pytest.raises(KubeconfigError, match="it has no kubelogin user"):
        non_interactive(KUBECONFIG, "azurecli")


def test_a_kubelogin_user_without_a_server_id_is_refused():
    text = ENTRA_KUBECONFIG.replace("--server-id,", "--other,")
    with pytest.raises(KubeconfigError, match="has no --server-id"):
        non_interactive(text, "azurecli")


def test_device_code_is_not_a_mode():
    with pytest.raises(KubeconfigError, match="'devicecode' is not a login mode"):
        non_interactive(ENTRA_KUBECONFIG, "devicecode")
