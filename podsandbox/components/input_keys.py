"""Input keys a component does not know are refused, with the key it most likely meant.

A TypedDict is a plain dict at run time, and the SDK's component provider keeps only the
schema's properties (`ComponentProvider.map_input_properties` reads each declared name and drops
the rest), so without this check `{"vmSize": ...}` from Python, or a typo in a YAML program,
would fall back to the default in silence and the preview would pass. Python programs are told
the snake_case name (`vm_size`), other languages the schema's camelCase one (`vmSize`).
"""

import typing
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Optional

from pulumi.provider.experimental.analyzer import PropertyDefinition, TypeDefinition

from podsandbox.rules.judge import Problem, closest


def unknown_key_problem(key: str, value: object, allowed: Collection[str]) -> Problem:
    """`key` is not among `allowed`: the problem, with the key it most likely meant."""
    meant = closest(key, sorted(allowed))
    hint = f" (did you mean {meant}?)" if meant is not None else ""
    example = f"{meant}: {value!r}" if meant is not None else f"{key}: (leave it out)"
    return Problem(key, value, f"is not an input of this component{hint}",
                   "one of " + ", ".join(sorted(allowed)), example)  # fmt: skip


def python_unknown_keys(args: Mapping[str, Any], args_type: type) -> list[Problem]:
    """Every key of `args` (and of its lists of typed items, such as extraPools) that
    `args_type`, a TypedDict, does not declare, named by its path."""
    return list(_python_walk(args, args_type, ""))


def _python_walk(args: Mapping[str, Any], args_type: type, prefix: str) -> Iterator[Problem]:
    declared = args_type.__annotations__
    for key, value in args.items():
        if key not in declared:
            problem = unknown_key_problem(str(key), value, declared)
            yield _at(problem, prefix)
            continue
        item_type = _list_item_type(declared[key])
        if item_type is not None and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _python_walk(item, item_type, f"{prefix}{key}[{index}].")


def _list_item_type(annotation: object) -> Optional[type]:
    """The TypedDict of a `NotRequired[list[X]]` field's items, or None."""
    while typing.get_origin(annotation) in (typing.NotRequired, typing.Required):
        [annotation] = typing.get_args(annotation)
    if typing.get_origin(annotation) is not list:
        return None
    [item] = typing.get_args(annotation)
    return item if typing.is_typeddict(item) else None


def schema_unknown_keys(
    inputs: Mapping[str, Any],
    properties: Mapping[str, PropertyDefinition],
    types: Mapping[str, TypeDefinition],
    prefix: str = "",
) -> list[Problem]:
    """Every key of `inputs` (schema names, as another language sends them) that the schema's
    `properties` do not declare, nested object lists included."""
    found = []
    for key, value in inputs.items():
        prop = properties.get(key)
        if prop is None:
            found.append(_at(unknown_key_problem(key, value, properties), prefix))
            continue
        ref = prop.items.ref if prop.items is not None else None
        item_type = types.get(ref.split(":")[-1]) if ref else None  # as the SDK looks it up
        if item_type is not None and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    nested = f"{prefix}{key}[{index}]."
                    found += schema_unknown_keys(item, item_type.properties, types, nested)
    return found


def _at(problem: Problem, prefix: str) -> Problem:
    """The problem under `prefix` (an extra pool's path), its example too."""
    if not prefix:
        return problem
    return Problem(prefix + problem.where, problem.value, problem.reason, problem.allowed,
                   prefix + problem.example)  # fmt: skip
