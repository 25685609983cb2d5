"""The multi-language provider: the SDK's component provider, judging inputs before it constructs.

`pulumi.provider.experimental.component_provider_host` serves a list of components with the SDK's
`ComponentProvider`, which infers the schema from their annotations. An exception in a
component's `__init__` reaches another language wrapped, with a Python stack trace appended
(`ComponentInitError`, pulumi/provider/server.py); only a `pulumi.InputPropertiesError` raised
before the constructor comes back as a clean list of per-property errors. So this provider runs the
components' own checks first (`components.validation.COMPONENT_INPUTS`, through `checked`, as the
constructors do) and the constructor only for valid inputs: a TypeScript, Go, C# or YAML program
gets every problem, and no Python.

`python -m podsandbox.components.provider` prints the inferred schema (the committed `schema.json`).
"""

import ast
import inspect
import json
import sys
import textwrap
from importlib.metadata import version
from typing import Any, Optional

import pulumi
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case

from podsandbox.components.agent_pool import PoolOptionsArgs
from podsandbox.components.input_keys import schema_unknown_keys
from podsandbox.components.node_provisioning import SandboxNodeProvisioning
from podsandbox.components.sandbox_guardrail import SandboxGuardrail
from podsandbox.components.sandboxed_cluster import SandboxedCluster
from podsandbox.components.sandboxed_node_pool import SandboxedNodePool
from podsandbox.components.validation import COMPONENT_INPUTS, ComponentInputError, checked

PACKAGE = "podsandbox"
"""The package name: the first part of every type token (`podsandbox:index:SandboxedNodePool`)."""
COMPONENTS: list[type[pulumi.ComponentResource]] = [
    SandboxedCluster,
    SandboxedNodePool,
    SandboxGuardrail,
    SandboxNodeProvisioning,
]
"""The reusable components the plugin serves."""


SECRET_OUTPUTS = ("kubeconfig", "sshPrivateKey")
"""Outputs the components always make secret; the schema says so too, for every language's SDK."""


class SandboxingComponentProvider(ComponentProvider):
    """`ComponentProvider` whose construct refuses bad inputs before any component code runs.

    Its schema is the inferred one, tidied: docstrings reflowed into plain paragraphs (inference
    keeps their source indentation) and the secret outputs marked `secret`.
    """

    def __init__(
        self,
        components: list[type[pulumi.ComponentResource]],
        name: str,
        namespace: Optional[str] = None,
        version: str = "0.0.0",
    ) -> None:
        super().__init__(components, name, namespace, version)
        assert self.schema is not None
        self.schema = json.dumps(_tidy(json.loads(self.schema)))

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: pulumi.Inputs,
        options: Optional[pulumi.ResourceOptions] = None,
    ) -> Any:
        component = resource_type.rsplit(":", 1)[-1]
        definition = self._component_defs.get(component)
        check = COMPONENT_INPUTS.get(component)
        if definition is not None and check is not None:
            # The same check, and the same --skip-validation rule, as the component itself; its
            # warnings are the constructor's to log.
            # The SDK's mapping keeps only declared properties: unknown keys are judged first.
            unknown = schema_unknown_keys(inputs, definition.inputs, self._type_defs)
            try:
                mapped = self.map_inputs(inputs, definition)
                checked(component, check(mapped, name), unknown, name, from_python=False)
            except ComponentInputError as error:
                raise pulumi.InputPropertiesError(
                    str(error),
                    [{"property_path": p.where, "reason": str(p)} for p in error.problems],
                ) from None
        return super().construct(name, resource_type, inputs, options)


def _reflow(text: str) -> str:
    """A docstring as paragraphs: common indentation removed, lines of a paragraph joined."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def field_docstrings(typed_dict: type) -> dict[str, str]:
    """A TypedDict's field docstrings by schema (camelCase) name, read from its source as the
    SDK's inference reads them."""
    found: dict[str, str] = {}
    [cls] = ast.parse(textwrap.dedent(inspect.getsource(typed_dict))).body
    assert isinstance(cls, ast.ClassDef)
    for field, doc in zip(cls.body, cls.body[1:], strict=False):
        if (
            isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(doc, ast.Expr)
            and isinstance(doc.value, ast.Constant)
            and isinstance(doc.value.value, str)
        ):
            found[camel_case(field.target.id)] = doc.value.value
    return found


INHERITED_DOCS = field_docstrings(PoolOptionsArgs)
"""The SDK's inference reads field docstrings from the class itself only: the pool options, which
the components' inputs inherit, get theirs from here."""


def _tidy(schema: dict[str, Any]) -> dict[str, Any]:
    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("inputProperties", "properties"):
                for name, prop in (node.get(key) or {}).items():
                    if isinstance(prop, dict) and not prop.get("description"):
                        if name in INHERITED_DOCS:
                            prop["description"] = INHERITED_DOCS[name]
                            if isinstance(prop.get("items"), dict):
                                prop["items"]["description"] = INHERITED_DOCS[name]
            if isinstance(node.get("description"), str):
                node["description"] = _reflow(node["description"])
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for name in SECRET_OUTPUTS:
                        if isinstance(value.get(name), dict):
                            value[name]["secret"] = True
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(schema)
    return schema


def provider() -> SandboxingComponentProvider:
    """The provider, with its schema inferred in-process (no Pulumi CLI)."""
    return SandboxingComponentProvider(COMPONENTS, PACKAGE, PACKAGE, version(PACKAGE))


def schema() -> dict[str, Any]:
    """The package schema the plugin serves."""
    text = provider().schema
    assert text is not None
    document: dict[str, Any] = json.loads(text)
    return document


if __name__ == "__main__":
    json.dump(schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
