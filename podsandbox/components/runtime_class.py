"""Whether an existing cluster has the sandboxing RuntimeClass, before a pod names it.

The how-to runs `az aks update` after `az aks nodepool add` "to enable pod sandboxing on the
cluster"; what that update changes is not documented, so it cannot be reproduced with the provider.
Without the RuntimeClass the API server refuses a pod that names it (403 `RuntimeClass ... not
found`) and pulumi-kubernetes does not retry: the program reads the class first and stops with
the command instead. Uses the official `kubernetes` client; no Pulumi here.
"""

from __future__ import annotations

from typing import Optional

import yaml

from podsandbox.rules.aks import RuntimeGeneration

REQUEST_TIMEOUT = 30
"""Seconds one read may take, so that an unreachable API server cannot hang `pulumi up`."""


class RuntimeClassMissingError(Exception):
    """The cluster has no sandboxing RuntimeClass: a pod naming it would be refused."""


def enable_command(resource_group: str, cluster: str) -> str:
    return f"az aks update --resource-group {resource_group} --name {cluster}"


def check_runtime_class(
    kubeconfig: str, runtime: RuntimeGeneration, resource_group: str, cluster: str
) -> Optional[str]:
    """None when the RuntimeClass exists; a warning when it could not be read (the caller goes
    on: the Kubernetes provider meets the same API server and says why it fails).

    Raises `RuntimeClassMissingError`, naming the command that enables it, when it is missing.
    """
    # Imported here: only a deployment reads the cluster, and the client takes a quarter of a
    # second to import, which every preview would otherwise pay (benchmarks, first ratio).
    from kubernetes import config as kube_config
    from kubernetes.client import ApiClient, NodeV1Api
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException
    from urllib3.exceptions import HTTPError

    name = runtime.runtime_class_name
    try:
        client: ApiClient = kube_config.new_client_from_config_dict(yaml.safe_load(kubeconfig))
        NodeV1Api(client).read_runtime_class(name, _request_timeout=REQUEST_TIMEOUT)
    except ApiException as error:
        if error.status == 404:
            raise RuntimeClassMissingError(
                f"cluster {cluster} has no RuntimeClass {name}, so the API server would refuse "
                f"every pod that names it. Enable pod sandboxing on the cluster, as the AKS "
                f"how-to does after adding the pool: `{enable_command(resource_group, cluster)}`, "
                "then run `pulumi up` again"
            ) from None
        return f"could not check that RuntimeClass {name} exists ({error.status} {error.reason})"
    except (
        ConfigException,
        HTTPError,
        OSError,
        yaml.YAMLError,
        TypeError,
        AttributeError,
    ) as error:
        # Only the kind of failure: its text can quote the kubeconfig (a secret), e.g. its server.
        return (
            f"could not check that RuntimeClass {name} exists: the cluster could not be reached "
            f"with its kubeconfig ({type(error).__name__})"
        )
    return None
