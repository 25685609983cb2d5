"""The API server failures that end `verify` with exit 2: nothing can be proven without it."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError


class ClusterUnreachableError(Exception):
    """The API server cannot be reached or refuses our credentials: a usage problem (exit 2)."""


def cannot_reach(error: HTTPError) -> ClusterUnreachableError:
    return ClusterUnreachableError(f"cannot reach the Kubernetes API server: {error}")


def refused_credentials(error: ApiException) -> ClusterUnreachableError:
    return ClusterUnreachableError(
        f"the Kubernetes API server refused the credentials ({error.status} {error.reason})"
    )
