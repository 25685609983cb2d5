"""Kubernetes manifests as pulumi-kubernetes registers them, for the offline run to judge.

Under the real engine, `kubernetes.yaml.v2.ConfigFile` and `ConfigGroup` are components that the
pulumi-kubernetes provider builds: it reads the YAML and registers each object as a child, and the
policy pack judges those children. Under the SDK's mocks the provider is absent and the children
never appear, so a workload declared in a manifest would pass unseen. The files are plain files:
this module reads them the way the provider does (pulumi/pulumi-kubernetes
`provider/pkg/provider/yaml/v2/yaml.go`, v4.32):

- ConfigFile reads `file`; ConfigGroup reads `files` (glob patterns allowed), then `yaml` (one
  string, documents separated by `---`), then `objs`; empty documents are skipped;
- an object with an `items` list (`v1/List`, `*List`) stands for its items;
- every object needs `apiVersion`, `kind` and `metadata.name`;
- a child is named `<resourcePrefix>:<namespace>/<name>` (`<resourcePrefix>:<name>` without a
  namespace); the prefix defaults to the component's name, and "" means none;
- its type token is `kubernetes:<apiVersion>:<Kind>`, the core group's `v1` as `core/v1`;
- a `v1` Secret's `data` and `stringData` are secret; `skipAwait` adds the
  `pulumi.com/skipAwait: "true"` annotation.

One difference is kept on purpose: the provider gives a namespaced object without
`metadata.namespace` its own default namespace (and puts it in the name). Offline that namespace
is resolved later, by the policies, from the child's provider as the engine passes it
(`pack.namespaces.landing_workload`), so such a child is named without it here.

Components whose children cannot be seen offline (Helm charts, kustomize directories, any other
multi-language component) are not expanded: `NOT_SEEN` says why, and every report lists them as
not checked. This module imports no Pulumi (PyYAML only).
"""

from __future__ import annotations

import copy
import glob
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Optional

import yaml

CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"
CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup"
EXPANDED = frozenset({CONFIG_FILE, CONFIG_GROUP})
"""Components whose children the offline run registers itself, from their manifests."""

_RENDERED_CHART = (
    "a Helm chart: its objects come from rendering the chart (`helm template`), which the "
    "offline run does not do"
)
_KUSTOMIZED = (
    "a kustomize directory: its objects come from `kustomize build`, which the offline run does "
    "not do"
)
NOT_SEEN: dict[str, str] = {
    "kubernetes:helm.sh/v3:Chart": _RENDERED_CHART,
    "kubernetes:helm.sh/v4:Chart": _RENDERED_CHART,
    "kubernetes:kustomize:Directory": _KUSTOMIZED,
    "kubernetes:kustomize/v2:Directory": _KUSTOMIZED,
}
"""Components known to declare resources the offline run cannot see, and why."""

REMOTE_NOT_SEEN = (
    "a component that a provider plugin builds (a multi-language component): its resources are "
    "registered by that plugin, which the offline run does not start"
)

SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"(?:^|[^\\])[*?\[]")
"""The provider's test for a glob pattern (yaml.go)."""
_NOT_SECRET_WHEN_SOURCE_IS = frozenset({"apiVersion", "kind", "metadata"})


class ManifestError(ValueError):
    """The component's manifests cannot be read offline; the message says why."""


@dataclass(frozen=True)
class Manifest:
    """One object of a component's manifests, as the provider registers it."""

    type: str
    """`kubernetes:<group>/<version>:<Kind>`."""
    name: str
    """The Pulumi resource name."""
    object: dict[str, Any]
    """The whole object: the child's inputs."""
    secret_keys: frozenset[str] = frozenset()
    """Top-level keys whose values are secret."""


def type_token(api_version: str, kind: str) -> str:
    """The resource type of an object: `v1` (and `core/v1`) is the core group."""
    if api_version in ("v1", "core/v1"):
        api_version = "core/v1"
    return f"kubernetes:{api_version}:{kind}"


def component_manifests(
    component_type: str,
    component_name: str,
    inputs: Mapping[str, Any],
    read_text: Callable[[str], str],
) -> list[Manifest]:
    """The children a ConfigFile or ConfigGroup registers, from its (clear) inputs.

    `read_text` reads a file relative to the program's directory. Raises `ManifestError`.
    """
    sources: list[tuple[str, Any]] = []  # (where, parsed object)
    if component_type == CONFIG_FILE:
        path = inputs.get("file")
        if not isinstance(path, str) or not path:
            raise ManifestError("its `file` is not a path")
        sources += _documents(path, _read(path, read_text))
    else:
        for pattern in _strings(inputs.get("files"), "files"):
            for path in _expand(pattern):
                sources += _documents(path, _read(path, read_text))
        text = inputs.get("yaml")
        if text is not None:
            if not isinstance(text, str):
                raise ManifestError("its `yaml` is not a string of YAML documents")
            sources += _documents("its `yaml`", text)
        objs = inputs.get("objs")
        if objs is not None:
            if not isinstance(objs, list):
                raise ManifestError("its `objs` is not a list of objects")
            sources += [("its `objs`", obj) for obj in objs]
    prefix = inputs.get("resourcePrefix")
    prefix = component_name if prefix is None else str(prefix)
    skip_await = inputs.get("skipAwait") is True
    manifests = []
    for where, document in sources:
        for obj in _flattened(document, where):
            manifests.append(_manifest(obj, where, prefix, skip_await))
    return manifests


def _strings(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ManifestError(f"its `{key}` is not a list of paths")
    return value


def _expand(pattern: str) -> list[str]:
    """A ConfigGroup path: a glob pattern's matches, sorted (none is no error), or the path."""
    if _URL.match(pattern) or not _GLOB.search(pattern):
        return [pattern]
    return sorted(glob.glob(pattern))


def _read(path: str, read_text: Callable[[str], str]) -> str:
    if _URL.match(path):
        raise ManifestError(f"it reads {path} from the network, which the offline run does not")
    try:
        return read_text(path)
    except FileNotFoundError:
        raise ManifestError(f"its file {path} does not exist") from None
    except IsADirectoryError:
        raise ManifestError(f"its file {path} is a directory") from None
    except UnicodeDecodeError:
        raise ManifestError(f"its file {path} is not UTF-8 text") from None
    except OSError as error:
        raise ManifestError(f"its file {path} cannot be read: {error.strerror or error}") from None


def _documents(where: str, text: str) -> list[tuple[str, Any]]:
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as error:
        raise ManifestError(f"{where} is not valid YAML: {' '.join(str(error).split())}") from None
    return [(where, document) for document in documents if document is not None]


def _flattened(document: Any, where: str) -> Iterator[dict[str, Any]]:
    """The objects a document stands for: a list's items (recursively), else itself."""
    pending = [document]
    while pending:
        item = pending.pop(0)
        if not isinstance(item, dict):
            raise ManifestError(f"{where} holds {type(item).__name__}, not a Kubernetes object")
        if isinstance(item.get("items"), list):
            pending = list(item["items"]) + pending
        else:
            yield item


def _manifest(obj: dict[str, Any], where: str, prefix: str, skip_await: bool) -> Manifest:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    missing = [
        key
        for key, value in (("apiVersion", api_version), ("kind", kind), ("metadata.name", name))
        if not isinstance(value, str) or not value
    ]
    if missing:
        raise ManifestError(f"an object in {where} has no {', '.join(missing)}")
    assert isinstance(api_version, str) and isinstance(kind, str) and isinstance(metadata, dict)
    namespace = metadata.get("namespace")
    resource_name = f"{namespace}/{name}" if isinstance(namespace, str) and namespace else name
    if prefix:
        resource_name = f"{prefix}:{resource_name}"
    if skip_await:
        obj = copy.deepcopy(obj)
        annotations = obj["metadata"].setdefault("annotations", {})
        if isinstance(annotations, dict):
            annotations[SKIP_AWAIT_ANNOTATION] = "true"
    secret: frozenset[str] = frozenset()
    if api_version in ("v1", "core/v1") and kind == "Secret":
        secret = frozenset(key for key in ("data", "stringData") if key in obj)
    return Manifest(type_token(api_version, kind), str(resource_name), obj, secret)


def not_seen_reason(component_type: str, remote: bool) -> Optional[str]:
    """Why the offline run cannot see a component's children, or None when it can."""
    if component_type in EXPANDED:
        return None
    if component_type in NOT_SEEN:
        return NOT_SEEN[component_type]
    return REMOTE_NOT_SEEN if remote else None


def secret_source_keys(obj: Mapping[str, Any]) -> frozenset[str]:
    """The keys to keep secret when the manifest's source text itself was secret."""
    return frozenset(key for key in obj if key not in _NOT_SECRET_WHEN_SOURCE_IS)
