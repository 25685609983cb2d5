"""Azure VM sizes: parse a size name, and say whether it can host a Pod Sandboxing node pool.

A sandboxing pool needs a Generation 2 size whose series supports nested virtualization. No Azure
API exposes nested virtualization, so the answer comes from a static catalog by series, copied from
each series' page of the Azure size docs (https://learn.microsoft.com/azure/virtual-machines/sizes/
overview: "Nested Virtualization: Supported"; generations from the Resource SKUs API's
`HyperVGenerations`). A series that is not in the catalog, or
that the docs do not confirm, is never eligible: the verdict says "unverified" or "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Optional

CATALOG_DATE = "2026-06"
"""When the catalog below was last checked against the Azure size docs."""


class Status(StrEnum):
    """The four possible answers for a size."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not-eligible"
    UNVERIFIED = "unverified"
    """A real series whose docs do not confirm Gen2 + nested virtualization."""
    UNKNOWN = "unknown"
    """A series the catalog does not know at all."""


@dataclass(frozen=True)
class SeriesInfo:
    """One catalog row: what the Azure docs say about a VM series."""

    name: str
    """Series as the docs name it, e.g. "Dsv3" or "Dasv5 / Dadsv5"."""
    keys: tuple[str, ...]
    """Series keys (see `ParsedSize.series_key`) this row covers, e.g. ("Dasv5", "Dadsv5")."""
    generation1: Optional[bool]
    generation2: bool
    nested_virtualization: bool
    architecture: str = "x64"
    """"x64" or "Arm64"."""
    note: str = ""


# One row per series of the Azure size docs. Columns: series, keys, Gen1, Gen2, nested
# virtualization, arch.
CATALOG: tuple[SeriesInfo, ...] = (
    SeriesInfo("Av2", ("Av2", "Amv2"), True, False, False),
    SeriesInfo("B (v1)", ("Bs", "Bms"), True, True, False),
    SeriesInfo("Bsv2 / Basv2", ("Bsv2", "Basv2"), True, True, False),
    SeriesInfo("Bpsv2", ("Bpsv2",), False, True, False, "Arm64"),
    SeriesInfo("Dv2 / DSv2", ("Dv2", "DSv2"), True, False, False),
    SeriesInfo(
        "Dv3",
        ("Dv3",),
        True,
        False,
        True,
        note="use Dsv3 (with s), its Generation 2 twin, e.g. Standard_D4s_v3",
    ),
    SeriesInfo("Dsv3", ("Dsv3",), True, True, True),
    SeriesInfo("Dv4 / Dsv4", ("Dv4", "Dsv4"), True, True, True),
    SeriesInfo("Ddv4 / Ddsv4", ("Ddv4", "Ddsv4"), True, True, True),
    SeriesInfo(
        "Dav4 / Dasv4",
        ("Dav4", "Dasv4"),
        True,
        True,
        False,
        note="its AMD v5 twin does, e.g. Standard_D4as_v5",
    ),
    SeriesInfo("Dv5 / Dsv5", ("Dv5", "Dsv5"), True, True, True),
    SeriesInfo("Ddsv5", ("Ddsv5",), True, True, True),
    SeriesInfo("Dasv5 / Dadsv5", ("Dasv5", "Dadsv5"), True, True, True),
    SeriesInfo("Dlsv5", ("Dlsv5",), True, True, True),
    SeriesInfo("Dpsv5", ("Dpsv5",), False, True, False, "Arm64"),
    SeriesInfo("Dsv6 / Ddsv6 / Dlsv6", ("Dsv6", "Ddsv6", "Dlsv6"), False, True, True),
    SeriesInfo("Dasv6 / Dalsv6", ("Dasv6", "Dalsv6"), False, True, True),
    SeriesInfo("Dpsv6", ("Dpsv6",), False, True, False, "Arm64"),
    SeriesInfo("Dsv7 / Dasv7", ("Dsv7", "Dasv7"), False, True, True),
    SeriesInfo(
        "Ev3",
        ("Ev3",),
        True,
        False,
        True,
        note="use Esv3 (with s), its Generation 2 twin, e.g. Standard_E4s_v3",
    ),
    SeriesInfo("Esv3", ("Esv3",), True, True, True),
    SeriesInfo("Ev4 / Esv4", ("Ev4", "Esv4"), True, True, True),
    SeriesInfo(
        "Easv4", ("Easv4",), True, True, False, note="its AMD v5 twin does, e.g. Standard_E4as_v5"
    ),
    SeriesInfo("Ev5 / Esv5", ("Ev5", "Esv5"), True, True, True),
    SeriesInfo("Easv5", ("Easv5",), True, True, True),
    SeriesInfo("Esv6 / Easv6", ("Esv6", "Easv6"), False, True, True),
    SeriesInfo("Epsv5", ("Epsv5",), False, True, False, "Arm64"),
    SeriesInfo("Fsv2", ("Fsv2",), True, True, True),
    SeriesInfo("Fasv6", ("Fasv6",), False, True, True),
    SeriesInfo("FX", ("FXmds",), False, True, True),
    SeriesInfo("Lsv2", ("Lsv2",), True, True, False),
    SeriesInfo("Lsv3 / Lasv3", ("Lsv3", "Lasv3"), True, True, True),
    SeriesInfo("M (v1)", ("Ms", "Mms"), True, True, True),
    SeriesInfo(
        "Mv2 / Msv2 / Mdsv2", ("Mv2", "Msv2", "Mmsv2", "Mdsv2", "Mdmsv2"), False, True, False
    ),
    SeriesInfo("NCv3 / NCasT4_v3", ("NCsv3", "NCasT4v3"), True, True, False),
    SeriesInfo("NC_A100_v4 / ND_H100_v5", ("NCadsA100v4", "NDisrH100v5"), False, True, False),
    SeriesInfo("NVadsA10_v5", ("NVadsA10v5",), True, True, False),
    SeriesInfo("HBv3 / HC / HBv4", ("HBrsv3", "HCrs", "HBrsv4"), None, True, False),
    SeriesInfo(
        "DCsv2 / DCasv5 / DCesv6", ("DCsv2", "DCasv5", "DCesv6", "DCasccv5"), False, True, False
    ),
)

UNVERIFIED_SERIES: dict[str, str] = {
    key: "the Azure docs do not confirm Gen2 + nested virtualization for this series"
    for key in (
        "Ddv5 Dldsv5 Dadsv6 Daldsv6 Edv4 Edsv4 Edv5 Edsv5 Eadsv5 Ebsv5 Eav4 Msv3 Mdsv3 Mbsv3 "
        "NDv2 NVv3 NVv4 DCsv3 Lsv4 Lasv4"
    ).split()
}
"""Real series that the docs do not confirm: never eligible without an explicit allowance."""
UNVERIFIED_SERIES["Dadsv7"] = (
    "the Azure docs do not confirm it; AKS added Dadsv7 to its nested-virtualization "
    "validation only in 2026-06"
)

# Whole families the docs rule out, checked after the catalog rows (most specific first).
_FAMILY_VERDICTS: tuple[tuple[str, str], ...] = (
    ("DC", "DC-series (confidential) sizes do not support nested virtualization"),
    ("EC", ""),  # EC* confidential sizes: unverified, see `_family_verdict`
    ("B", "B-series (burstable) sizes do not support nested virtualization"),
    ("N", "N-series (GPU) sizes do not support nested virtualization"),
    ("H", "H-series (HPC) sizes do not support nested virtualization"),
)

_SIZE_NAME = re.compile(
    r"""^(?P<tier>standard|basic)_
        (?P<family>[a-z]+?)
        (?P<vcpus>\d+)
        (?:-(?P<constrained>\d+))?
        (?P<features>[a-z]*)
        (?P<accelerators>(?:_(?!v\d+$)[a-z0-9]+)*)
        (?:_v(?P<version>\d+))?$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class ParsedSize:
    """The parts of a VM size name, per Azure's naming convention."""

    name: str
    """The name as given, stripped."""
    tier: str
    """"Standard" or "Basic"."""
    family: str
    """Upper case, e.g. "D", "NC", "FX"."""
    vcpus: int
    """vCPUs the VM actually has (the constrained count for a constrained size)."""
    parent_vcpus: int
    """vCPUs of the unconstrained parent size (equal to `vcpus` when not constrained)."""
    features: str
    """Additive feature letters, lower case, e.g. "ads"."""
    accelerators: tuple[str, ...]
    """Accelerator or variant parts, upper case, e.g. ("T4",), ("H100",), ("CC",), ("8",)."""
    version: int
    """Series version, 1 when the name has no `_vN` suffix."""

    @property
    def series_key(self) -> str:
        """Family + features + accelerators + version, e.g. "Dsv3", "NCasT4v3", "FXmds".

        Numeric-only parts (the memory variant of `Standard_M416s_8_v2`) do not change the series.
        """
        accel = "".join(
            part if part != "CC" else "cc" for part in self.accelerators if not part.isdigit()
        )
        suffix = f"v{self.version}" if self.version > 1 else ""
        return f"{self.family}{self.features}{accel}{suffix}"

    @property
    def architecture(self) -> str:
        """From the name alone: `p` = Arm64, otherwise x64 (`a` = AMD, no letter = Intel)."""
        return "Arm64" if "p" in self.features else "x64"

    @property
    def cpu_vendor(self) -> str:
        if "p" in self.features:
            return "Arm"
        return "AMD" if "a" in self.features else "Intel"


class SizeNameError(ValueError):
    """The text is not an Azure VM size name."""


def is_catalog_size(name: str) -> bool:
    """Whether `name` is a size name of a series the catalog knows: a suggestion worth making
    (Standard_D4s_v3 for D4s_v3, not Standard_D4s for D4s)."""
    try:
        return check_size(name).series is not None
    except SizeNameError:
        return False


def parse_size(name: str) -> ParsedSize:
    """Parse `Standard_D4s_v3`, `standard_e16-4s_v5`, `Standard_NC4as_T4_v3`, `Basic_A0`...

    Raises `SizeNameError` for anything that does not follow the naming grammar.
    """
    text = name.strip()
    match = _SIZE_NAME.match(text)
    if match is None:
        # A name without its tier (D4s_v3, as the portal's lists shorten it) is the Standard one.
        tierless = not text.lower().startswith("standard_")  # and no Standard_Standard_ loop
        meant = f"Standard_{text}" if tierless and is_catalog_size(f"Standard_{text}") else None
        hint = f" (did you mean {meant}?)" if meant else ""
        raise SizeNameError(
            f"{name!r} is not an Azure VM size name{hint}; sizes look like Standard_D4s_v3 "
            "(tier_FamilyVCPUsFeatures_version)"
        )
    parent_vcpus = int(match["vcpus"])
    constrained = match["constrained"]
    vcpus = int(constrained) if constrained else parent_vcpus
    if constrained and not 0 < vcpus < parent_vcpus:
        raise SizeNameError(
            f"{name!r} is not an Azure VM size name: a constrained size has fewer vCPUs than "
            "its parent (e.g. Standard_E16-4s_v5)"
        )
    accelerators = tuple(part.upper() for part in match["accelerators"].split("_") if part)
    return ParsedSize(
        name=text,
        tier=match["tier"].capitalize(),
        family=match["family"].upper(),
        vcpus=vcpus,
        parent_vcpus=parent_vcpus,
        features=match["features"].lower(),
        accelerators=accelerators,
        version=int(match["version"] or 1),
    )


@dataclass(frozen=True)
class SizeVerdict:
    """Everything known about one size, and whether it can host a sandboxing pool."""

    size: ParsedSize
    series: Optional[str]
    """Catalog row name, or the series key when the catalog has no row."""
    generation2: Optional[bool]
    nested_virtualization: Optional[bool]
    architecture: str
    status: Status
    reason: str
    """One line: why the size is or is not eligible."""

    @property
    def eligible(self) -> bool:
        return self.status is Status.ELIGIBLE

    @property
    def vcpus(self) -> int:
        return self.size.vcpus


def _catalog_row(key: str) -> Optional[SeriesInfo]:
    lowered = key.lower()
    for row in CATALOG:
        if any(candidate.lower() == lowered for candidate in row.keys):
            return row
    return None


def _unverified_reason(key: str) -> Optional[str]:
    for candidate, reason in UNVERIFIED_SERIES.items():
        if candidate.lower() == key.lower():
            return reason
    return None


def check_size(name: str) -> SizeVerdict:
    """The sandboxing verdict for a VM size name. Raises `SizeNameError` for a non-size."""
    size = parse_size(name)
    key = size.series_key
    row = _catalog_row(key)
    if row is not None:
        return _verdict_from_row(size, row)

    if size.architecture == "Arm64":
        return SizeVerdict(
            size,
            key,
            None,
            False,
            "Arm64",
            Status.NOT_ELIGIBLE,
            f"{size.name} is an Arm64 size ('p'); no Arm size supports nested virtualization",
        )
    reason = _unverified_reason(key)
    if reason is not None:
        return SizeVerdict(
            size,
            key,
            None,
            None,
            size.architecture,
            Status.UNVERIFIED,
            f"{size.name} ({key}) is unverified: {reason}",
        )
    if key.lower().endswith("v7") and "a" in size.features:
        return SizeVerdict(
            size,
            key,
            None,
            None,
            size.architecture,
            Status.UNVERIFIED,
            f"{size.name} ({key}) is unverified: of the AMD v7 sizes only Dasv7 is confirmed",
        )
    for family, family_reason in _FAMILY_VERDICTS:
        if size.family.startswith(family):
            if not family_reason:
                return SizeVerdict(
                    size,
                    key,
                    None,
                    None,
                    size.architecture,
                    Status.UNVERIFIED,
                    f"{size.name} ({key}) is unverified: confidential {family} sizes are not "
                    "confirmed by the docs",
                )
            return SizeVerdict(
                size,
                key,
                None,
                False,
                size.architecture,
                Status.NOT_ELIGIBLE,
                f"{size.name}: {family_reason}",
            )
    return SizeVerdict(
        size,
        None,
        None,
        None,
        size.architecture,
        Status.UNKNOWN,
        f"{size.name}: series {key} is not in the catalog (checked {CATALOG_DATE}); "
        "its nested virtualization support is unknown",
    )


def _verdict_from_row(size: ParsedSize, row: SeriesInfo) -> SizeVerdict:
    def verdict(status: Status, reason: str) -> SizeVerdict:
        return SizeVerdict(
            size,
            row.name,
            row.generation2,
            row.nested_virtualization,
            row.architecture,
            status,
            reason,
        )

    if row.architecture == "Arm64":
        return verdict(
            Status.NOT_ELIGIBLE,
            f"{size.name} ({row.name}) is Arm64; no Arm size supports nested virtualization",
        )
    if not row.generation2:
        detail = f"; {row.note}" if row.note else ""
        return verdict(
            Status.NOT_ELIGIBLE,
            f"{size.name} ({row.name}) is Generation 1 only{detail}",
        )
    if not row.nested_virtualization:
        detail = f"; {row.note}" if row.note else ""
        return verdict(
            Status.NOT_ELIGIBLE,
            f"{size.name} ({row.name}) does not support nested virtualization{detail}",
        )
    return verdict(
        Status.ELIGIBLE,
        f"{size.name} ({row.name}) is Generation 2 with nested virtualization",
    )


ELIGIBLE_EXAMPLES = ("Standard_D4s_v3", "Standard_D4s_v5", "Standard_D4as_v5", "Standard_E4s_v5")
"""A few eligible sizes to suggest in error messages."""
