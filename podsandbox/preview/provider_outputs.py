"""What a provider returns as a resource's outputs in a preview, offline: azure-native's rule.

In a preview the engine asks the provider to `Create` with `preview: true`; pulumi-azure-native
then answers with `PreviewOutputs(inputs, res.Response)` (provider/pkg/provider/provider.go,
`Create`; provider/pkg/convert/previewOutputs.go): every property of the resource's *response*
(output) shape, each the input of that name when its value fits the output's type and unknown
otherwise, recursing into objects, lists and maps; output-only and provider-computed properties
(`name`, `provisioningState`, `identity.principalId`, ...) are unknown, and an input whose shape
differs from the output's (a list of identity ids where the output is a map of identities:
previewOutputs_test.go, "string set property") is unknown as a whole.

Offline there is no provider and no metadata; the response shape comes from the SDK's own output
classes (`pulumi._types.resource_types` and `output_type_types`, what the SDK uses to translate
outputs), so the values handed to the program have the shapes it reads. Differences, each toward
unknown: a property azure-native gives a constant value (`Const`) is unknown here; a type the
SDK's class cannot be found for keeps the old rule (inputs as outputs), since its output shape
is not known.
"""

from __future__ import annotations

import collections.abc
import sys
import typing
from typing import Any, Optional

from pulumi import CustomResource
from pulumi import _types as sdk_types
from pulumi.output import Unknown
from pulumi.runtime import rpc

_PACKAGE_PREFIX = "azure-native"


def _unknown() -> Any:
    """The SDK's unknown value, which the mock monitor sends as the engine's unknown."""
    return Unknown()  # type: ignore[no-untyped-call]


def resource_class(token: str) -> Optional[type]:
    """The SDK's resource class of an azure-native token, when the program has imported it:
    `azure-native:<module>[/<version>]:<Type>` is `pulumi_azure_native.<module>[.<version>]`,
    a parameterized package's (`azure-native_<module>_<version>`) its own Python package. Only
    modules already loaded are read, so a token the program writes cannot make the checker
    import anything."""
    parts = token.split(":")
    if len(parts) != 3 or not parts[0].startswith(_PACKAGE_PREFIX):
        return None
    package, module, name = parts
    if package != _PACKAGE_PREFIX and not package.startswith(_PACKAGE_PREFIX + "_"):
        return None
    python_package = "pulumi_" + package.replace("-", "_")
    loaded = sys.modules.get(f"{python_package}.{module.replace('/', '.')}")
    found = getattr(loaded, name, None) if loaded is not None and name.isidentifier() else None
    return found if isinstance(found, type) and issubclass(found, CustomResource) else None


def preview_outputs(token: str, inputs: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The outputs azure-native's preview gives a resource being created, or None when `token`
    is not an azure-native resource whose output shape the SDK tells."""
    cls = resource_class(token)
    if cls is None:
        return None
    return _object(inputs, sdk_types.resource_types(cls))


def _object(inputs: Any, types: dict[str, Any]) -> dict[str, Any]:
    """`PreviewOutputs`: every property of the output shape; those the inputs lack unknown."""
    return {
        name: _value(inputs[name], typ) if name in inputs else _unknown()
        for name, typ in types.items()
    }


_SEQUENCES = (list, collections.abc.Sequence)
_MAPPINGS = (dict, collections.abc.Mapping)
_SCALARS: dict[Any, tuple[type, ...]] = {
    str: (str,),
    bool: (bool,),
    int: (int,),
    float: (int, float),
}


def _value(value: Any, typ: Any) -> Any:
    """`previewOutputValue`: the input when it fits the output type, else unknown (a secret
    stays secret around what it holds)."""
    if rpc.is_rpc_secret(value):
        return rpc.wrap_rpc_secret(_value(rpc.unwrap_rpc_secret(value), typ))
    if isinstance(value, Unknown):
        return value
    typ = sdk_types.unwrap_optional_type(typ)
    origin, args = typing.get_origin(typ), typing.get_args(typ)
    if typ is Any:
        return value  # `pulumi.json#/Any`: the input as it is
    if typ in _SCALARS:
        fits = isinstance(value, _SCALARS[typ]) and (typ is bool or not isinstance(value, bool))
        return value if fits else _unknown()
    if origin in _SEQUENCES and isinstance(value, list) and len(args) == 1:
        return [_value(item, args[0]) for item in value]
    if origin in _MAPPINGS and isinstance(value, dict) and len(args) == 2:
        return {key: _value(item, args[1]) for key, item in value.items()}
    if isinstance(typ, type) and sdk_types.is_output_type(typ) and isinstance(value, dict):
        return _object(value, sdk_types.output_type_types(typ))
    return _unknown()
