"""What stands in for the Pulumi engine offline: `OfflineMocks` answers like an engine preview that
knows nothing about the cloud, and `RecordingMonitor` (the SDK's mock monitor with the engine's
URNs) records every registration and invoke in a `ProgramRun`.

Like a real preview, resources being created get no id and their computed outputs stay unknown.
Invokes that no mock answers are not faked: the monitor answers "unknown", as an engine does for
an invoke it cannot serve yet, and the run lists them so the report can say what went unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from podsandbox.pack.resource_types import unclassified_reason
from podsandbox.preview import manifests, provider_outputs
from podsandbox.preview.engine_values import (
    SECRET,
    UNKNOWN,
    clear_texts,
    convert,
    holds,
    live_secret_texts,
    redact,
    secret_texts,
    wire,
)
from podsandbox.preview.records import Invoke, ProgramRun, RegisteredResource

STACK_TYPE = "pulumi:pulumi:Stack"


class OfflineMocks(Mocks):
    """Mocks that behave like an engine preview that knows nothing about the cloud.

    `new_resource` returns what the provider's preview returns for a resource being created,
    and no id while previewing: for azure-native, its preview rule (`provider_outputs`: the
    output shape, output-only and computed properties unknown); for other providers the inputs
    as the state. `answer` returns None for every invoke: subclasses (tests) answer the invokes
    they know; None means "cannot answer offline".
    """

    def __init__(self, preview: bool = True) -> None:
        self.preview = preview

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        if self.preview and not args.resource_id:
            outputs = provider_outputs.preview_outputs(args.typ, dict(args.inputs))
            if outputs is not None:
                return "", outputs
        resource_id = "" if self.preview else f"{args.name}-id"
        return resource_id, dict(args.inputs)

    def answer(self, token: str, args: dict[str, Any]) -> Optional[dict[str, Any]]:
        """The result of an invoke, or None when it cannot be answered offline."""
        return None

    def respond(self, token: str, args: dict[str, Any]) -> Optional[dict[str, Any]]:
        """What the offline run answers: the invokes any run can answer (`OFFLINE_INVOKES`),
        then `answer`."""
        if token in OFFLINE_INVOKES:
            return OFFLINE_INVOKES[token](args)
        return self.answer(token, args)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], Optional[list[tuple[str, str]]]]:
        return self.respond(args.token, args.args) or {}, []


def _decode_yaml(args: dict[str, Any]) -> dict[str, Any]:
    """pulumi-kubernetes' `kubernetes:yaml:decode`: YAML text to its (non-empty) documents. The
    SDK's own (v1) ConfigFile and ConfigGroup call it and register the objects themselves."""
    import yaml

    text = args.get("text")
    if not isinstance(text, str):
        raise ValueError("kubernetes:yaml:decode needs `text`, a string of YAML")
    return {"result": [doc for doc in yaml.safe_load_all(text) if doc is not None]}


OFFLINE_INVOKES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "kubernetes:yaml:decode": _decode_yaml,
}
"""Invokes that need no cloud to answer: a plain transformation of their arguments."""


def engine_urn(stack: str, project: str, parent: Optional[str], type_: str, name: str) -> str:
    """The URN the engine gives a resource: its parent's whole qualified type, then its own.

    As pulumi/pulumi `Deployment.generateURN`: the root stack's type is left out. (The SDK's mock
    monitor keeps only the parent's last type and keeps the stack's, so its URNs differ from the
    engine's for top-level and deeply nested resources.)
    """
    qualified = type_
    if parent:
        parent_type = parent.split("::")[2]
        if parent_type != STACK_TYPE:
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor with the engine's URNs, plus a record of registrations and invokes."""

    def __init__(self, mocks: OfflineMocks, run: ProgramRun) -> None:
        super().__init__(mocks)
        self.offline_mocks = mocks
        self.run = run

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return engine_urn(self.run.stack, self.run.project, parent or None, type_, name)

    def _alias_urns(self, request: Any) -> tuple[str, ...]:
        """Each alias as a URN: a spec's missing parts are the resource's own, as in the engine."""
        urns = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = None if spec.noParent else (spec.parentUrn or request.parent or None)
            urns.append(
                engine_urn(
                    spec.stack or self.run.stack,
                    spec.project or self.run.project,
                    parent,
                    spec.type or request.type,
                    spec.name or request.name,
                )
            )
        return tuple(urns)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        # The engine returns these outputs as secrets; the SDK's mock monitor does not.
        fields = response.object.fields
        for key in request.additionalSecretOutputs:
            if key not in fields or fields[key].string_value == rpc.UNKNOWN:
                continue  # absent, or unknown (which stays unknown)
            self.run.secret_values |= clear_texts(json_format.MessageToDict(fields[key]))
            wrapper = struct_pb2.Value()
            wrapper.struct_value.update(rpc.wrap_rpc_secret(None))
            wrapper.struct_value.fields["value"].CopyFrom(fields[key])
            fields[key].CopyFrom(wrapper)
        raw = rpc.deserialize_properties(request.object) if request.type != STACK_TYPE else {}
        self.run.secret_values |= secret_texts(raw)
        children: list[RegisteredResource] = []
        not_checked = manifests.not_seen_reason(request.type, bool(request.remote))
        if not_checked is None and request.custom:
            not_checked = unclassified_reason(request.type)
        if request.type in manifests.EXPANDED:
            children, not_checked = self._manifest_children(request, response.urn, raw)
        self.run.record(
            "resource",
            RegisteredResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                protect=bool(request.protect),
                inputs=redact(raw),
                engine_inputs=wire(raw),
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                deleted_with=request.deletedWith or None,
                aliases=self._alias_urns(request),
                provider=request.provider or None,
                delete_before_replace=bool(request.deleteBeforeReplace),
                replace_on_changes=tuple(request.replaceOnChanges),
                retain_on_delete=bool(request.retainOnDelete),
                ignore_changes=tuple(request.ignoreChanges),
                not_checked=not_checked,
            ),
        )
        for child in children:
            self.run.record("resource", child)
        return response

    def _manifest_children(
        self, request: Any, urn: str, raw: dict[str, Any]
    ) -> tuple[list[RegisteredResource], Optional[str]]:
        """The objects a yaml/v2 ConfigFile or ConfigGroup registers under the real engine (see
        `manifests`), or why they cannot be known offline."""
        shown = redact(raw)
        if holds(shown, UNKNOWN):
            return [], "its manifests are only known after deployment"
        try:
            found = manifests.component_manifests(
                request.type,
                request.name,
                convert(raw, lambda clear: clear, UNKNOWN),
                lambda path: Path(path).read_text(encoding="utf-8"),
            )
        except manifests.ManifestError as error:
            return [], f"its manifests cannot be read offline: {error}"
        # A secret among its inputs (a secret YAML text, a secret in `objs`): all but each
        # object's identity stays secret, since which part came from the secret is not known.
        secret_source = holds(shown, SECRET)
        provider = request.providers.get("kubernetes") or request.provider or None
        children = []
        for manifest in found:
            secret_keys = manifest.secret_keys | (
                manifests.secret_source_keys(manifest.object) if secret_source else frozenset()
            )
            value = {
                key: rpc.wrap_rpc_secret(item) if key in secret_keys else item
                for key, item in manifest.object.items()
            }
            self.run.secret_values |= secret_texts(value)
            children.append(
                RegisteredResource(
                    urn=engine_urn(
                        self.run.stack, self.run.project, urn, manifest.type, manifest.name
                    ),
                    type=manifest.type,
                    name=manifest.name,
                    parent=urn,
                    custom=True,
                    protect=bool(request.protect),
                    inputs=redact(value),
                    engine_inputs=wire(value),
                    provider=provider,
                )
            )
        return children, None

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)  # type: ignore[no-untyped-call]
        args = rpc.deserialize_properties(request.args)
        self.run.secret_values |= secret_texts(args) | live_secret_texts()
        # The mocks answer with the arguments in clear; the record keeps them redacted.
        answer = self.offline_mocks.respond(request.tok, convert(args, lambda v: v, UNKNOWN))
        self.run.record(
            "invoke",
            Invoke(request.tok, redact(args), answer is not None, request.provider or None),
        )
        if answer is None:
            # What an engine returns for an invoke it cannot serve: the result is unknown.
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        return super().Invoke(request)  # type: ignore[no-untyped-call]
