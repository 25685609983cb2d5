"""What differs between an admission object as deployed and as this version generates it.

The API server stores what it was given plus its defaults, so a field this version does not
write is a difference only when it holds something else than the default (kubernetes
`pkg/apis/admissionregistration/v1beta1/defaults.go`, as promoted to v1:
`SetDefaults_ValidatingAdmissionPolicySpec` sets `failurePolicy: Fail`,
`SetDefaults_MatchResources` `matchPolicy: Equivalent` and empty namespace and object selectors,
`SetDefaults_Rule` `scope: "*"`). Metadata and status are the server's: only `spec` is compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

MAX_DIFFERENCES = 5
"""A report says what differs briefly: the first few, then how many more."""
SHOWN = 60
"""Characters of a value shown in a difference (CEL expressions are long)."""

DEFAULTS: dict[str, Any] = {
    "spec.failurePolicy": "Fail",
    "spec.matchConstraints.matchPolicy": "Equivalent",
    "spec.matchConstraints.namespaceSelector": {},
    "spec.matchConstraints.objectSelector": {},
    "spec.matchConstraints.resourceRules[].scope": "*",
    "spec.matchResources.matchPolicy": "Equivalent",
    "spec.matchResources.namespaceSelector": {},
    "spec.matchResources.objectSelector": {},
}
"""The API server's defaults, by path (a list's items as `[]`)."""


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def _differences(expected: Any, deployed: Any, path: str) -> list[str]:
    if isinstance(expected, Mapping) and isinstance(deployed, Mapping):
        found = []
        for key in expected:
            where = f"{path}.{key}"
            if key not in deployed:
                found.append(
                    f"{where}: not on the cluster (this version sets {_shown(expected[key])})"
                )
            else:
                found += _differences(expected[key], deployed[key], where)
        for key in deployed:
            where = f"{path}.{key}"
            default = DEFAULTS.get(re.sub(r"\[\d+\]", "[]", where), _NO_DEFAULT)
            if key not in expected and deployed[key] != default:
                found.append(f"{where}: {_shown(deployed[key])} on the cluster, unset here")
        return found
    if isinstance(expected, list) and isinstance(deployed, list):
        if len(expected) != len(deployed):
            return [f"{path}: {len(deployed)} items on the cluster, {len(expected)} here"]
        found = []
        for index, (want, have) in enumerate(zip(expected, deployed, strict=True)):
            found += _differences(want, have, f"{path}[{index}]")
        return found
    if expected != deployed:
        return [f"{path}: {_shown(deployed)} on the cluster, {_shown(expected)} here"]
    return []


_NO_DEFAULT = object()


def spec_differences(expected: Mapping[str, Any], deployed: Mapping[str, Any]) -> list[str]:
    """What differs in `spec` (deployed against generated), briefly: at most `MAX_DIFFERENCES`,
    then how many more. Empty when the two are equal up to the server's defaults."""
    found = _differences(expected.get("spec"), deployed.get("spec"), "spec")
    if len(found) > MAX_DIFFERENCES:
        more = len(found) - MAX_DIFFERENCES
        found = [*found[:MAX_DIFFERENCES], f"... and {more} more"]
    return found
