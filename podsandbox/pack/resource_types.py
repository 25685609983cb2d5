"""Every resource type a program can declare, classified: judged, not judged, or irrelevant.

The table is `resource_types.tsv` beside this module (its header says what each class means);
`tests/test_resource_types.py` proves it covers every type the pinned pulumi-azure-native and
pulumi-kubernetes register. At run time, a type of those packages that the table does not know
(a newer SDK, a hand-written token) is not checked, never passed in silence.

Kubernetes objects are classified by their `apiVersion` and `kind` inputs (what the provider
sends to the API server), so a CustomResource spelled `v1`/`Pod` is a Pod; kinds the table does
not list are judged when their pod template's path is known (`podsandbox.rules.workloads`), not
checked when they make a controller deploy elsewhere, and not checked in an untrusted namespace
otherwise (whether they run pods is not known).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Optional

JUDGED = "judged"
NOT_JUDGED = "not-judged"
IRRELEVANT = "irrelevant"
CLASSES = (JUDGED, NOT_JUDGED, IRRELEVANT)

TABLE = Path(__file__).with_name("resource_types.tsv")

CLASSIFIED_PACKAGES = ("kubernetes", "azure-native", "azure")
"""The packages whose every type the table classifies (besides the parameterized azure-native
packages, `azure-native_<module>_<version>`, and the packages with a row of their own). A custom
resource of another package is not checked: the offline preview lists it
(`podsandbox.preview.mock_engine`)."""

_AZURE_NATIVE = re.compile(
    r"^azure-native(?:_([a-z0-9]+)_[\w.-]+)?:([a-z0-9]+)(?:/[\w.-]+)?:(\w+)$"
)
"""`azure-native:<module>[/<version>]:<Type>`, and a parameterized package's
`azure-native_<module>_<version>:<module>[/<version>]:<Type>` (pulumi-azure-native
`provider_parameterize.go`): the explicit-version modules of the v2 SDK, which the v3 SDK lists as
aliases of its default types."""


@dataclass(frozen=True)
class Classification:
    """One row of the table: the class and why."""

    key: str
    """The row's token, `azure-native:<module>` for a whole module, or a package's name."""
    cls: str
    reason: str


@cache
def table() -> dict[str, Classification]:
    """The table, by token (or module key); raises ValueError on a malformed row."""
    reasons: dict[str, str] = {}
    rows: dict[str, Classification] = {}
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) == 2 and fields[0].startswith("@"):
            reasons[fields[0]] = fields[1]
            continue
        if len(fields) != 3 or fields[1] not in CLASSES or fields[0] in rows:
            raise ValueError(f"{TABLE.name}:{number}: not a row, or a repeated one: {line!r}")
        reason = reasons.get(fields[2]) if fields[2].startswith("@") else fields[2]
        if reason is None:
            raise ValueError(f"{TABLE.name}:{number}: unknown reason {fields[2]}")
        rows[fields[0]] = Classification(fields[0], fields[1], reason)
    return rows


def canonical_token(resource_type: str) -> str:
    """The token the table lists a type under: an explicit-version or parameterized
    azure-native token as the default module's."""
    match = _AZURE_NATIVE.match(resource_type)
    if match is None:
        return resource_type
    parameterized, module, name = match.groups()
    if parameterized is not None and parameterized != module:
        return resource_type  # a module other than its package's: not a token azure-native makes
    return f"azure-native:{module}:{name}"


def classified_package(resource_type: str) -> bool:
    """Whether the table classifies every type of this token's package."""
    package = resource_type.split(":", 1)[0]
    return (
        package in CLASSIFIED_PACKAGES or package.startswith("azure-native_") or package in table()
    )


def classify(resource_type: str) -> Optional[Classification]:
    """The row of a token (its own, else its azure-native module's); None when the table does
    not know it."""
    rows = table()
    token = canonical_token(resource_type)
    if token in rows:
        return rows[token]
    package = token.split(":", 1)[0]
    if package in rows:
        return rows[package]
    if token.startswith("azure-native:"):
        module = token.split(":")[1]
        return rows.get(f"azure-native:{module}")
    return None


def module_of_arm_namespace(namespace: str) -> Optional[Classification]:
    """The module row of a generic resource's ARM namespace (`Microsoft.Network`: `network`),
    when the table classifies the whole module; None otherwise (then it is not checked)."""
    lowered = namespace.lower()
    if not lowered.startswith("microsoft."):
        return None
    return table().get(f"azure-native:{lowered.removeprefix('microsoft.')}")


def unclassified_reason(resource_type: str) -> Optional[str]:
    """Why a custom resource of a package the table does not classify is not checked (a provider
    the pack knows nothing of may create anything: `command:local:Command` runs kubectl), or
    None for one it classifies and for the engine's own (`pulumi:providers:*`,
    `pulumi:pulumi:StackReference`)."""
    if resource_type.startswith("pulumi:") or classified_package(resource_type):
        return None
    package = resource_type.split(":", 1)[0]
    return (
        f"a resource of the {package} package, whose types the pack does not classify: what it "
        "creates is not checked"
    )
