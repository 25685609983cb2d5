"""Read-only reads for `podsandbox audit`, through the official client: API discovery and paged
lists (`limit` and `continue`, kubernetes API concepts "Retrieving large results sets in
chunks"), as plain JSON documents.

A list's items carry no `apiVersion` or `kind` (the list has them), so each item gets its
resource's before it is judged. Every answer but a success is raised, never taken for an empty
list: the caller reports what it could not read.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Optional, TextIO

from kubernetes.client import ApiClient, ApisApi, CoreV1Api, CustomObjectsApi
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from podsandbox.verify.api_errors import cannot_reach, refused_credentials


class ReadError(Exception):
    """The API server answered a read with an error (RBAC's 403, an expired `continue` token's
    410, ...): what was asked cannot be judged."""

    def __init__(self, what: str, error: ApiException) -> None:
        self.status = error.status
        reason = _status_message(error)
        hint = ""
        if error.status == 403:
            hint = " (the audit needs list on it: read-only rights)"
        elif error.status == 410:
            hint = " (the list's continue token expired: run the audit again, or with a larger "
            hint += "--page-size)"
        super().__init__(f"cannot list {what}: {error.status} {reason}{hint}")


@dataclass(frozen=True)
class ServedResource:
    """A resource the cluster serves: its group, version, plural, kind and scope."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def __str__(self) -> str:
        return f"{self.resource}.{self.group}" if self.group else self.resource


class Progress:
    """One line on stderr that says how far the reads are: rewritten in place on a terminal,
    a line per finished list otherwise (a CI log)."""

    def __init__(self, stream: Optional[TextIO] = None) -> None:
        self.stream = stream or sys.stderr
        self.objects = 0
        self.pages = 0
        self.live = self.stream.isatty()

    def page(self, what: str, count: int, done: bool) -> None:
        self.objects += count
        self.pages += 1
        line = f"audit: read {self.objects} objects in {self.pages} pages ({what})"
        if self.live:
            self.stream.write("\r\033[K" + line)
        elif done:
            self.stream.write(line + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self.live and self.pages:
            self.stream.write("\n")
            self.stream.flush()


CORE_LISTS = {
    "pods": "list_namespaced_pod",
    "replicationcontrollers": "list_namespaced_replication_controller",
}
"""The official client's list of each core (group "") workload resource the policy matches."""


def _json(response: Any) -> Any:
    """The JSON body of an answer read with `_preload_content=False` (urllib3's response in
    every client version this project allows)."""
    data = getattr(response, "data", None)
    if data is None:
        data = response.read()
    return json.loads(data)


def _call(what: str, read: Callable[[], Any]) -> Any:
    """One read; raises `ClusterUnreachableError` (exit 2) when the cluster cannot be used at
    all, `ReadError` when it refuses this read."""
    try:
        return _json(read())
    except HTTPError as error:
        raise cannot_reach(error) from None
    except ApiException as error:
        if error.status == 401:
            raise refused_credentials(error) from None
        raise ReadError(what, error) from None


class ClusterReader:
    """Discovery and paged lists on one cluster."""

    def __init__(self, api: ApiClient, page_size: int, progress: Progress) -> None:
        self.core = CoreV1Api(api)
        self.custom = CustomObjectsApi(api)
        self.apis = ApisApi(api)
        self.page_size = page_size
        self.progress = progress
        self._groups: Optional[dict[str, dict[str, Any]]] = None

    def group_versions(self, group: str) -> tuple[list[str], Optional[str]]:
        """The versions a group is served at, and its preferred one ([] and None when the
        cluster does not serve the group: its CRDs are not installed)."""
        if group == "":
            return ["v1"], "v1"
        if self._groups is None:
            listing = _call("the API groups (/apis)", lambda: self.apis.get_api_versions(
                _preload_content=False))  # fmt: skip
            self._groups = {item.get("name"): item for item in listing.get("groups") or []}
        found = self._groups.get(group)
        if found is None:
            return [], None
        versions = [v.get("version") for v in found.get("versions") or []]
        preferred = (found.get("preferredVersion") or {}).get("version")
        return [v for v in versions if isinstance(v, str)], preferred

    def resource(self, group: str, version: str, plural: str) -> Optional[ServedResource]:
        """What the cluster serves as `plural` in `group`/`version`; None when it serves none."""
        where = f"/apis/{group}/{version}" if group else f"/api/{version}"

        def read() -> Any:
            if group:
                return self.custom.get_api_resources(group, version, _preload_content=False)
            return self.core.get_api_resources(_preload_content=False)

        try:
            listing = _call(f"the resources of {where}", read)
        except ReadError as error:
            if error.status == 404:
                return None
            raise
        for item in listing.get("resources") or []:
            if item.get("name") == plural:
                kind = item.get("kind")
                return ServedResource(
                    group, version, plural, str(kind), bool(item.get("namespaced"))
                )
        return None

    def cluster_object(
        self, group: str, version: str, plural: str, name: str
    ) -> Optional[dict[str, Any]]:
        """One cluster-scoped object of a named group; None when there is none of that name."""
        try:
            found = _call(f"{plural} {name}", lambda: self.custom.get_cluster_custom_object(
                group, version, plural, name, _preload_content=False))  # fmt: skip
        except ReadError as error:
            if error.status == 404:
                return None
            raise
        return found if isinstance(found, dict) else None

    def pages(self, what: str, fetch: Callable[[Optional[str]], Any]) -> Iterator[list[Any]]:
        """Each page of a list: `fetch(continue_token)` reads one."""
        token: Optional[str] = None
        while True:
            page = _call(what, functools.partial(fetch, token))
            items = [item for item in page.get("items") or [] if isinstance(item, dict)]
            token = (page.get("metadata") or {}).get("continue") or None
            self.progress.page(what, len(items), token is None)
            yield items
            if token is None:
                return

    def namespaces(self) -> Iterator[dict[str, Any]]:
        for items in self.pages("namespaces", lambda token: self.core.list_namespace(
                limit=self.page_size, _continue=token, _preload_content=False)):  # fmt: skip
            yield from items

    def cluster_objects(self, group: str, version: str, plural: str) -> Iterator[dict[str, Any]]:
        """Every object of a cluster-scoped resource of a named group."""
        for items in self.pages(plural, lambda token: self.custom.list_cluster_custom_object(
                group, version, plural, limit=self.page_size, _continue=token,
                _preload_content=False)):  # fmt: skip
            yield from items

    def objects(self, served: ServedResource, namespace: str) -> Iterator[dict[str, Any]]:
        """Every object of `served` in `namespace`, with its `apiVersion` and `kind` set."""

        def fetch(token: Optional[str]) -> Any:
            if served.group:
                return self.custom.list_namespaced_custom_object(
                    served.group, served.version, namespace, served.resource,
                    limit=self.page_size, _continue=token, _preload_content=False,
                )  # fmt: skip
            if served.resource not in CORE_LISTS:
                raise ValueError(f"no core list for {served.resource}")
            list_namespaced = getattr(self.core, CORE_LISTS[served.resource])
            return list_namespaced(
                namespace, limit=self.page_size, _continue=token, _preload_content=False
            )

        for items in self.pages(f"{served} in {namespace}", fetch):
            for item in items:
                yield {**item, "apiVersion": served.api_version, "kind": served.kind}


def _status_message(error: ApiException) -> str:
    try:
        body = json.loads(error.body or "")
    except ValueError:
        return str(error.reason)
    message = body.get("message") if isinstance(body, dict) else None
    return str(message or error.reason)
