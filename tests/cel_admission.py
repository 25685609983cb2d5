"""Evaluate a ValidatingAdmissionPolicy offline, as the API server would, with cel-python.

Variables are evaluated in order and reach the match conditions and validations as `variables`
(the API server compiles both with the policy's variables: kubernetes
`admission/plugin/policy/validating/plugin.go`, `compilePolicy`); `object`, `oldObject` (null on
a CREATE) and `request.operation` / `request.subResource` are bound. A match condition that is
false skips the policy; one that fails, or a validation that is false or fails, refuses the
request (the policy's `failurePolicy: Fail`).
Kubernetes' `quantity()` library is registered from the official `kubernetes` client's quantity
parser (`add`, `isLessThan`: what the policy uses). Type checking and CEL cost limits, which the
API server applies, are not reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError
from kubernetes.utils import parse_quantity


@dataclass(frozen=True)
class Quantity:
    """A Kubernetes quantity, as the API server's CEL library holds it."""

    value: Decimal


def _quantity(text: Any) -> Quantity:
    return Quantity(Decimal(parse_quantity(str(text))))


def _add(first: Quantity, second: Quantity) -> Quantity:
    return Quantity(first.value + second.value)


def _is_less_than(first: Quantity, second: Quantity) -> celtypes.BoolType:
    return celtypes.BoolType(first.value < second.value)


FUNCTIONS: dict[str, Any] = {"quantity": _quantity, "add": _add, "isLessThan": _is_less_than}


class AdmissionPolicy:
    """A ValidatingAdmissionPolicy's variables and validations, compiled."""

    def __init__(self, policy: dict[str, Any]) -> None:
        environment = celpy.Environment()
        spec = policy["spec"]
        self.variables = [
            (item["name"], environment.program(environment.compile(item["expression"]),
                                               functions=FUNCTIONS))
            for item in spec.get("variables", [])
        ]  # fmt: skip
        self.match_conditions = [
            (item, environment.program(environment.compile(item["expression"]),
                                       functions=FUNCTIONS))
            for item in spec.get("matchConditions", [])
        ]  # fmt: skip
        self.validations = [
            (item, environment.program(environment.compile(item["expression"]),
                                       functions=FUNCTIONS))
            for item in spec["validations"]
        ]  # fmt: skip

    def validations_by_order(self) -> list[dict[str, Any]]:
        return [validation for validation, _ in self.validations]

    def refusals(
        self,
        obj: dict[str, Any],
        old: Optional[dict[str, Any]] = None,
        sub_resource: str = "",
    ) -> list[dict[str, Any]]:
        """The validations `obj` fails (an evaluation error fails it too): a CREATE, or an UPDATE
        from `old` (of `sub_resource`, e.g. "ephemeralcontainers"). A failing match condition is
        returned as a validation of its own (its `name`, no `message`)."""
        request = {"operation": "CREATE" if old is None else "UPDATE", "subResource": sub_resource}
        activation: dict[str, Any] = {
            "object": json_to_cel(obj),
            "oldObject": json_to_cel(old),
            "request": json_to_cel(request),
        }
        values = celtypes.MapType({})
        failed_variables = False
        for name, program in self.variables:
            try:
                value = program.evaluate({**activation, "variables": values})
            except CELEvalError:
                failed_variables = True
                continue
            values[celtypes.StringType(name)] = value
        for condition, program in self.match_conditions:
            try:
                matched = program.evaluate({**activation, "variables": values})
            except CELEvalError:
                return [condition]
            if not (isinstance(matched, celtypes.BoolType) and bool(matched)):
                return []
        refused = []
        for validation, program in self.validations:
            if failed_variables:
                refused.append(validation)
                continue
            try:
                allowed = program.evaluate({**activation, "variables": values})
            except CELEvalError:
                allowed = None
            if not (isinstance(allowed, celtypes.BoolType) and bool(allowed)):
                refused.append(validation)
        return refused
