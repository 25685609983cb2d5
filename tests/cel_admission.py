"""Evaluate a ValidatingAdmissionPolicy offline, as the API server would, with cel-python.

Variables are evaluated in order and reach the validations as `variables`; a validation that is
false, or whose evaluation fails, refuses the request (the policy's `failurePolicy: Fail`).
Kubernetes' `quantity()` library is registered from the official `kubernetes` client's quantity
parser (`add`, `isLessThan`: what the policy uses). Type checking and CEL cost limits, which the
API server applies, are not reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
        self.validations = [
            (item, environment.program(environment.compile(item["expression"]),
                                       functions=FUNCTIONS))
            for item in spec["validations"]
        ]  # fmt: skip

    def validations_by_order(self) -> list[dict[str, Any]]:
        return [validation for validation, _ in self.validations]

    def refusals(self, obj: dict[str, Any]) -> list[dict[str, Any]]:
        """The validations `obj` fails (an evaluation error fails it too)."""
        activation: dict[str, Any] = {"object": json_to_cel(obj)}
        values = celtypes.MapType({})
        failed_variables = False
        for name, program in self.variables:
            try:
                value = program.evaluate({**activation, "variables": values})
            except CELEvalError:
                failed_variables = True
                continue
            values[celtypes.StringType(name)] = value
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
