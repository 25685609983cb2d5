"""The VM size parser and catalog, checked row by row against the spec's own table."""

from __future__ import annotations

import os
import re

import pytest

from podsandbox.rules import vmsizes
from podsandbox.rules.vmsizes import SizeNameError, Status, check_size, parse_size
from tests.conftest import REQUIRE_SHARED, SHARED, shared_file


def spec_rows() -> list[dict[str, str]]:
    """The rows of the catalog table in shared/spec/vm-sizes.md (none when it is not here)."""
    path = SHARED / "spec" / "vm-sizes.md"
    if not path.exists() and not os.environ.get(REQUIRE_SHARED):
        return []  # the parametrized tests below then report an empty parameter set (skipped)
    text = path.read_text()
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] not in ("Series",) and not set(cells[0]) <= {"-"}:
            series, example, gen1, gen2, nested, arch, ok = cells
            rows.append(
                dict(
                    series=series,
                    example=example,
                    gen1=gen1,
                    gen2=gen2,
                    nested=nested,
                    arch=arch,
                    ok=ok,
                )
            )
    return rows


def spec_examples() -> list[tuple[str, dict[str, str]]]:
    return [
        (f"Standard_{example.strip()}", row)
        for row in spec_rows()
        for example in row["example"].split(",")
    ]


def test_the_spec_table_was_read():
    shared_file("spec", "vm-sizes.md")
    assert len(spec_rows()) == len(vmsizes.CATALOG) == 39


@pytest.mark.parametrize(("name", "row"), spec_examples(), ids=lambda value: str(value)[:24])
def test_every_spec_example_gets_the_spec_verdict(name, row):
    verdict = check_size(name)
    assert verdict.eligible is row["ok"].startswith("yes")
    assert verdict.generation2 is (row["gen2"].lower() == "yes")
    assert verdict.nested_virtualization is (row["nested"].lower() == "yes")
    assert verdict.architecture == row["arch"].split()[0]
    assert verdict.series == row["series"]
    [catalog_row] = [entry for entry in vmsizes.CATALOG if entry.name == row["series"]]
    assert catalog_row.generation1 is {"yes": True, "no": False, "-": None}[row["gen1"].lower()]


@pytest.mark.parametrize(("name", "row"), spec_examples(), ids=lambda value: str(value)[:24])
def test_case_does_not_matter(name, row):
    assert check_size(name.lower()).status == check_size(name.upper()).status


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("Standard_D4_v3", "Generation 1 only"),
        ("Standard_E4_v3", "Generation 1 only"),
        ("Standard_D4as_v4", "does not support nested virtualization"),
        ("Standard_D4a_v4", "does not support nested virtualization"),
        ("Standard_E4as_v4", "does not support nested virtualization"),
        ("Standard_D4ps_v5", "Arm64"),
        ("Standard_B2pls_v2", "Arm64"),
        ("Standard_NC4as_T4_v3", "does not support nested virtualization"),
        ("Standard_NC6s_v3", "does not support nested virtualization"),
        ("Standard_NV12s_v3", "N-series (GPU)"),
        ("Standard_DC8as_cc_v5", "does not support nested virtualization"),
        ("Standard_DC4as_v5", "does not support nested virtualization"),
        ("Standard_B1ls", "B-series"),
        ("Standard_HB176rs_v4", "does not support nested virtualization"),
        ("Standard_M416s_8_v2", "does not support nested virtualization"),
    ],
)
def test_spec_traps_are_not_eligible(name, fragment):
    verdict = check_size(name)
    assert not verdict.eligible
    assert fragment in verdict.reason


@pytest.mark.parametrize(
    "name",
    [
        "Standard_D4d_v5",
        "Standard_D4lds_v5",
        "Standard_D4ads_v6",
        "Standard_E4ds_v5",
        "Standard_E4bs_v5",
        "Standard_M32s_v3",
        "Standard_DC4s_v3",
        "Standard_EC4as_v5",
        "Standard_L8s_v4",
        "Standard_D8ads_v7",
        "Standard_E4as_v7",
    ],
)
def test_unverified_series_are_never_eligible(name):
    verdict = check_size(name)
    assert verdict.status is Status.UNVERIFIED
    assert not verdict.eligible
    assert "unverified" in verdict.reason


@pytest.mark.parametrize("name", ["Standard_Q4_v9", "Basic_A0", "Standard_A4_v1", "Standard_G5"])
def test_unknown_series_are_never_eligible(name):
    verdict = check_size(name)
    assert verdict.status is Status.UNKNOWN
    assert not verdict.eligible
    assert "not in the catalog" in verdict.reason


def test_constrained_size_inherits_its_parent_series_and_counts_active_vcpus():
    verdict = check_size("Standard_E16-4s_v5")
    assert verdict.eligible
    assert verdict.series == check_size("Standard_E16s_v5").series
    assert (verdict.size.vcpus, verdict.size.parent_vcpus) == (4, 16)


def test_parts_of_a_name():
    size = parse_size("standard_nd96isr_h100_v5")
    assert (size.tier, size.family, size.vcpus, size.features) == ("Standard", "ND", 96, "isr")
    assert (size.accelerators, size.version, size.series_key) == (("H100",), 5, "NDisrH100v5")
    assert parse_size("Standard_FX4mds").version == 1
    assert parse_size("Basic_A0").tier == "Basic"
    assert parse_size("Standard_D8ads_v5").cpu_vendor == "AMD"
    assert parse_size("Standard_D8s_v5").cpu_vendor == "Intel"


@pytest.mark.parametrize(
    "text", ["D4s_v3", "Standard_", "Premium_D4s_v3", "Standard_D_v3", "Standard_E4-8s_v5", ""]
)
def test_not_a_size_name(text):
    with pytest.raises(SizeNameError, match=re.escape(repr(text))):
        check_size(text)


VERDICTS = [
    # name, series, generation 2, nested virtualization, architecture, status, reason
    ("Standard_D4s_v3", "Dsv3", True, True, "x64", Status.ELIGIBLE,
     "Standard_D4s_v3 (Dsv3) is Generation 2 with nested virtualization"),
    ("Standard_D4_v2", "Dv2 / DSv2", False, False, "x64", Status.NOT_ELIGIBLE,
     "Standard_D4_v2 (Dv2 / DSv2) is Generation 1 only"),
    ("Standard_B2s", "B (v1)", True, False, "x64", Status.NOT_ELIGIBLE,
     "Standard_B2s (B (v1)) does not support nested virtualization"),
    ("Standard_D4ps_v5", "Dpsv5", True, False, "Arm64", Status.NOT_ELIGIBLE,
     "Standard_D4ps_v5 (Dpsv5) is Arm64; no Arm size supports nested virtualization"),
    ("Standard_D4pls_v6", "Dplsv6", None, False, "Arm64", Status.NOT_ELIGIBLE,
     "Standard_D4pls_v6 is an Arm64 size ('p'); no Arm size supports nested virtualization"),
    ("Standard_D4d_v5", "Ddv5", None, None, "x64", Status.UNVERIFIED,
     "Standard_D4d_v5 (Ddv5) is unverified: the Azure docs do not confirm Gen2 + nested "
     "virtualization for this series"),
    ("Standard_E4as_v7", "Easv7", None, None, "x64", Status.UNVERIFIED,
     "Standard_E4as_v7 (Easv7) is unverified: of the AMD v7 sizes only Dasv7 is confirmed"),
    ("Standard_EC4as_v5", "ECasv5", None, None, "x64", Status.UNVERIFIED,
     "Standard_EC4as_v5 (ECasv5) is unverified: confidential EC sizes are not confirmed by the "
     "docs"),
    ("Standard_DC4ds_v3", "DCdsv3", None, False, "x64", Status.NOT_ELIGIBLE,
     "Standard_DC4ds_v3: DC-series (confidential) sizes do not support nested virtualization"),
    ("Standard_B2ts_v2", "Btsv2", None, False, "x64", Status.NOT_ELIGIBLE,
     "Standard_B2ts_v2: B-series (burstable) sizes do not support nested virtualization"),
    ("Standard_NV12s_v3", "NVsv3", None, False, "x64", Status.NOT_ELIGIBLE,
     "Standard_NV12s_v3: N-series (GPU) sizes do not support nested virtualization"),
    ("Standard_HB60rs", "HBrs", None, False, "x64", Status.NOT_ELIGIBLE,
     "Standard_HB60rs: H-series (HPC) sizes do not support nested virtualization"),
    ("Standard_F4as_v5", None, None, None, "x64", Status.UNKNOWN,
     "Standard_F4as_v5: series Fasv5 is not in the catalog (checked 2026-06); its nested "
     "virtualization support is unknown"),
]  # fmt: skip
"""One size for each way a verdict is reached: catalog row (eligible, Gen1 only, no nesting,
Arm), Arm by name, unverified series, AMD v7, confidential EC, each ruled-out family, unknown."""


@pytest.mark.parametrize(
    ("name", "series", "gen2", "nested", "arch", "status", "reason"),
    VERDICTS,
    ids=[row[0] for row in VERDICTS],
)
def test_every_way_to_a_verdict_fills_every_field(name, series, gen2, nested, arch, status, reason):
    verdict = check_size(name)
    assert (verdict.series, verdict.generation2, verdict.nested_virtualization) == (
        series, gen2, nested,
    )  # fmt: skip
    assert (verdict.architecture, verdict.status, verdict.reason) == (arch, status, reason)
    assert verdict.size == parse_size(name)


def test_an_arm_size_is_never_something_to_allow_later():
    # Unverified or unknown sizes may be added to the pack's allowedVmSizes; Arm ones never.
    for name in ("Standard_D4ps_v5", "Standard_D4pls_v6", "Standard_E4ps_v5"):
        assert check_size(name).status is Status.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("D4s_v3", "'D4s_v3' is not an Azure VM size name (did you mean Standard_D4s_v3?); sizes "
                   "look like Standard_D4s_v3 (tier_FamilyVCPUsFeatures_version)"),
        ("Standard_E16-16s_v5", "'Standard_E16-16s_v5' is not an Azure VM size name: a "
                                "constrained size has fewer vCPUs than its parent (e.g. "
                                "Standard_E16-4s_v5)"),
        ("Standard_E16-0s_v5", "'Standard_E16-0s_v5' is not an Azure VM size name: a "
                               "constrained size has fewer vCPUs than its parent (e.g. "
                               "Standard_E16-4s_v5)"),
    ],
)  # fmt: skip
def test_what_is_not_a_size_name_says_why(text, message):
    with pytest.raises(SizeNameError) as raised:
        parse_size(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("name", "vcpus"), [("Standard_E16-1s_v5", 1), ("Standard_E16-15s_v5", 15)]
)
def test_a_constrained_size_may_keep_one_to_parent_minus_one_vcpus(name, vcpus):
    assert (parse_size(name).vcpus, parse_size(name).parent_vcpus) == (vcpus, 16)


def test_the_suggested_sizes_are_eligible_and_spelt_as_azure_spells_them():
    assert vmsizes.ELIGIBLE_EXAMPLES == (
        "Standard_D4s_v3", "Standard_D4s_v5", "Standard_D4as_v5", "Standard_E4s_v5",
    )  # fmt: skip
    assert all(check_size(name).eligible for name in vmsizes.ELIGIBLE_EXAMPLES)


def test_a_suggestion_is_a_size_of_a_series_the_catalog_knows():
    assert vmsizes.is_catalog_size("Standard_D4s_v3") and vmsizes.is_catalog_size("Standard_D4_v3")
    assert not vmsizes.is_catalog_size("Standard_D4s")  # a name, of no series the catalog has
    assert not vmsizes.is_catalog_size("D4s_v3") and not vmsizes.is_catalog_size(
        "Standard_E16-16s_v5"
    )


def test_a_name_without_its_tier_gets_the_standard_one_suggested():
    with pytest.raises(vmsizes.SizeNameError) as raised:
        vmsizes.parse_size(" D4s_v3 ")
    assert "(did you mean Standard_D4s_v3?)" in str(raised.value)
    for name in ("Zzz", "D4s"):  # no size at all; Standard_D4s is of no known series
        with pytest.raises(vmsizes.SizeNameError) as raised:
            vmsizes.parse_size(name)
        assert "did you mean" not in str(raised.value)


def test_a_name_near_no_size_gets_no_hint_at_all():
    with pytest.raises(vmsizes.SizeNameError) as raised:
        vmsizes.parse_size("Zzz")
    assert str(raised.value) == (
        "'Zzz' is not an Azure VM size name; sizes look like Standard_D4s_v3 "
        "(tier_FamilyVCPUsFeatures_version)"
    )
