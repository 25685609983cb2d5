"""Validate an object against a CustomResourceDefinition offline, as the API server would.

The CRD's structural schema is checked with `jsonschema` (the `x-kubernetes-*` keywords are not
JSON Schema and are ignored), and each of its CEL rules (`x-kubernetes-validations`) is evaluated
with cel-python against the part of the object it is attached to (`self`). Rules that compare with
the stored object (`oldSelf`, checked on update only) are left out, as on a create. Kubernetes'
regex library's `find` is registered from Python's `re`, and a trailing comma in a list literal,
which the API server's CEL accepts and cel-python does not, is dropped before compiling.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml
from celpy import celtypes
from celpy.adapter import json_to_cel

from tests.conftest import REPO

REFERENCE = REPO / "reference" / "karpenter"
NODE_CLASS_CRD = REFERENCE / "aksnodeclasses.karpenter.azure.com-v1beta1.yaml"
NODE_POOL_CRD = REFERENCE / "nodepools.karpenter.sh-v1.yaml"


def _find(text: Any, pattern: Any) -> celtypes.StringType:
    match = re.search(str(pattern), str(text))
    return celtypes.StringType(match.group(0) if match else "")


FUNCTIONS: dict[str, Any] = {"find": _find}


@dataclass(frozen=True)
class RuleResult:
    path: str
    message: str
    passed: bool


def schema_of(crd: Path) -> dict[str, Any]:
    """The openAPIV3Schema of the CRD's one version."""
    [version] = yaml.safe_load(crd.read_text(encoding="utf-8"))["spec"]["versions"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


@functools.cache
def _program(rule: str) -> Any:
    """A CEL rule compiled once (compiling is most of the cost)."""
    environment = celpy.Environment()
    text = re.sub(r",\s*\]", "]", rule)
    return environment.program(environment.compile(text), functions=FUNCTIONS)


def rules(schema: dict[str, Any], data: Any, path: str = "") -> list[RuleResult]:
    """Every CEL rule that applies to `data` (not the transition rules), evaluated."""
    found = []
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"]:
            continue
        result = _program(rule["rule"]).evaluate({"self": json_to_cel(data)})
        found.append(RuleResult(path, rule.get("message", rule["rule"]), bool(result)))
    if isinstance(data, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key in data:
                found += rules(sub, data[key], f"{path}.{key}")
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(data):
            found += rules(schema["items"], item, f"{path}[{index}]")
    return found


def refusals(crd: Path, obj: dict[str, Any]) -> list[str]:
    """What the API server would refuse of `obj`: schema errors, then failed CEL rules."""
    schema = schema_of(crd)
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(obj)]
    if errors:
        return errors
    return [f"{rule.path}: {rule.message}" for rule in rules(schema, obj) if not rule.passed]
