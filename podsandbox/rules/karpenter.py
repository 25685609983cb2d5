"""Karpenter on AKS with Pod Sandboxing: the node class and node pool this project declares, and
what the policy pack requires of any program's.

Azure/karpenter-provider-azure pull request #1721 adds `workloadRuntime: KataVmIsolation` to the
`karpenter.azure.com/v1beta1` `AKSNodeClass`; its CEL requires `imageFamily: AzureLinux` and refuses
`fipsMode: FIPS` (`reference/karpenter/` keeps the CRD as the pull request changes it). Karpenter
then offers only amd64, Generation 2 sizes with nested virtualization, and provisions Kata nodes
only in its `aksmachineapi` and `bootstrappingclient` modes, not `aksscriptless`. Its own test of
nested virtualization is by version (`supportsNestedVirtualization` in
`pkg/providers/instancetype/instancetypes.go`, PR head d2aa69f): no size of version 1 or 2 (a name
without a version counts as 1), so it never offers Fsv2, FXmds or M sizes to a Kata node class
although the catalog knows them as eligible. It has no Kata image with Trusted Launch either
(`imagefamily/azlinux3.go`): such a node class admits, then finds no image. A NodePool's
requirements may narrow the sizes further: this project keeps them to the series the VM catalog
knows as eligible, named as Karpenter's `karpenter.azure.com/sku-series` label names them (Azure
skewer `vmsize.go`: family, subfamily and additive features, then `_` and the version, e.g.
`Ds_v3` for Standard_D2s_v3, as karpenter-provider-azure's scheduling test expects).

This module imports nothing from Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from podsandbox.rules import aks, vmsizes
from podsandbox.rules.pool_limits import Taint

NODE_CLASS_API = "karpenter.azure.com/v1beta1"
NODE_CLASS_KIND = "AKSNodeClass"
NODE_CLASS_TYPE = f"kubernetes:{NODE_CLASS_API}:{NODE_CLASS_KIND}"
NODE_CLASS_TYPES = (NODE_CLASS_TYPE, f"kubernetes:karpenter.azure.com/v1alpha2:{NODE_CLASS_KIND}")
"""The served AKSNodeClass versions: v1alpha2 carries `workloadRuntime` too (PR #1721)."""
NODE_POOL_API = "karpenter.sh/v1"
NODE_POOL_KIND = "NodePool"
NODE_POOL_TYPE = f"kubernetes:{NODE_POOL_API}:{NODE_POOL_KIND}"
KATA = aks.GA_RUNTIME.workload_runtime
IMAGE_FAMILY = aks.REQUIRED_OS_SKU
"""Karpenter's image family for Azure Linux is named as AKS names the OS SKU."""
FIPS = "FIPS"
SERIES_LABEL = "karpenter.azure.com/sku-series"
SIZE_LABELS = ("node.kubernetes.io/instance-type", "karpenter.azure.com/sku-name")
"""Requirement keys that name VM sizes."""
INSTANCE_LABELS = (*SIZE_LABELS, SERIES_LABEL, "karpenter.azure.com/sku-family")
"""Requirement keys that constrain which VM sizes a NodePool may use."""
KATA_TAINT = Taint("podsandbox.io/kata", "true", "NoSchedule")
"""The taint this project's Kata NodePool carries (and the example the pack gives any other), so
that Kata nodes run Kata pods only: Karpenter provisions a NodePool's nodes only for pending pods
that tolerate its taints ("If Karpenter encounters a taint in the NodePool that is not tolerated
by a Pod, Karpenter won't use that NodePool to provision the pod", karpenter.sh docs v1.14,
Concepts, NodePools), and the scheduler keeps every other pod off them; so an ordinary pending pod
neither lands on a Kata node nor makes Karpenter start one. The NodePool CRD takes it at
`spec.template.spec.taints` (key, value, effect NoSchedule | PreferNoSchedule | NoExecute:
reference/karpenter/nodepools.karpenter.sh-v1.yaml); `startupTaints` are removed once a node is
ready, so they do not count. A taint, not a lower `weight`: a weight only orders NodePools that a
pod fits, and a pod that fits no other pool would still get a Kata node. AKS's RuntimeClass adds
no toleration, so the sandboxed workloads carry it (the demo's untrusted pod does)."""
_KEY = re.compile(r"(?P<family>[A-Z]+)(?P<features>[a-z]*)(v(?P<version>\d+))?")
OLDEST_KATA_VERSION = 3
"""Karpenter offers a Kata node class no size of an older series version."""
NOT_OFFERED = (
    "Karpenter's Azure provider offers no size of series version 1 or 2 to a Kata node class"
)


def eligible_series() -> list[str]:
    """The catalog's eligible series that Karpenter offers a Kata node class, as its sku-series
    label names them."""
    found = []
    for row in vmsizes.CATALOG:
        eligible = row.generation2 and row.nested_virtualization and row.architecture == "x64"
        for key in row.keys if eligible else ():
            match = _KEY.fullmatch(key)
            assert match is not None, key  # every catalog key: Family, features, vN or none
            version = match["version"]  # none counts as 1
            if version is not None and int(version) >= OLDEST_KATA_VERSION:
                found.append(f"{match['family']}{match['features']}_v{version}")
    return found


def node_class_problems(spec: Mapping[str, Any]) -> list[str]:
    """What a Kata node class must not be: another image family than Azure Linux, FIPS, or
    Trusted Launch."""
    if spec.get("workloadRuntime") != KATA:
        return []
    problems = []
    family = spec.get("imageFamily")
    if family != IMAGE_FAMILY:
        problems.append(
            f"AKSNodeClass with workloadRuntime {KATA} has imageFamily {family!r}; Kata nodes need "
            f"imageFamily {IMAGE_FAMILY} (AKS publishes its Kata image for Azure Linux 3 only)"
        )
    if spec.get("fipsMode") == FIPS:
        problems.append(
            f"AKSNodeClass with workloadRuntime {KATA} sets fipsMode {FIPS}: there is no FIPS Kata "
            "image (AKS refuses FIPS on a sandboxing pool); set fipsMode Disabled or leave it out"
        )
    security = spec.get("security")
    trusted = security.get("trustedLaunch") if isinstance(security, Mapping) else None
    if isinstance(trusted, Mapping) and (trusted.get("vtpm") or trusted.get("secureBoot")):
        problems.append(
            f"AKSNodeClass with workloadRuntime {KATA} turns on Trusted Launch "
            "(security.trustedLaunch): there is no Trusted Launch Kata image, so Karpenter finds "
            "no image for its nodes; leave vtpm and secureBoot off"
        )
    return problems


def is_kata_node_class(spec: Mapping[str, Any]) -> bool:
    return spec.get("workloadRuntime") == KATA


def node_class_name(node_pool_spec: Mapping[str, Any]) -> Optional[str]:
    """The AKSNodeClass a NodePool's nodes are made of; None for another kind of class."""
    ref = _template_spec(node_pool_spec).get("nodeClassRef")
    if not isinstance(ref, Mapping) or ref.get("kind") != NODE_CLASS_KIND:
        return None
    name = ref.get("name")
    return name if isinstance(name, str) else None


def _template_spec(node_pool_spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The spec of the nodes a NodePool makes (`spec.template.spec`); empty when it has none."""
    template = node_pool_spec.get("template")
    spec = template.get("spec") if isinstance(template, Mapping) else None
    return spec if isinstance(spec, Mapping) else {}


def _items(node_pool_spec: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    """The objects of a list field of the node spec (others, and a field that is no list, none)."""
    found = _template_spec(node_pool_spec).get(field)
    if not isinstance(found, Sequence):  # text is one, but none of its items is an object
        return []
    return [item for item in found if isinstance(item, Mapping)]


def requirements(node_pool_spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return _items(node_pool_spec, "requirements")


def ineligible_sizes(node_pool_spec: Mapping[str, Any]) -> list[str]:
    """The sizes and series a NodePool's `In` requirements allow that the catalog does not know as
    eligible for Kata (each with the reason)."""
    series = set(eligible_series())
    found = []
    for item in requirements(node_pool_spec):
        if item.get("operator") != "In":
            continue
        values: Sequence[Any] = item.get("values") or []
        if item.get("key") in SIZE_LABELS:
            for value in values:
                verdict = _size_verdict(str(value))
                if verdict is not None:
                    found.append(f"{value} ({verdict})")
        elif item.get("key") == SERIES_LABEL:
            found += [f"series {value} (not a series both the catalog and Karpenter take for Kata)"
                      for value in values if value not in series]  # fmt: skip
    return found


def _size_verdict(name: str) -> Optional[str]:
    """Why Karpenter cannot give a Kata node class this size, or None when it can."""
    try:
        verdict = vmsizes.check_size(name)
    except vmsizes.SizeNameError as error:
        return str(error)
    if not verdict.eligible:
        return verdict.reason
    return None if vmsizes.parse_size(name).version >= OLDEST_KATA_VERSION else NOT_OFFERED


def constrains_instances(node_pool_spec: Mapping[str, Any]) -> bool:
    """Whether any requirement narrows the VM sizes (In on a size, series or family label)."""
    return any(
        item.get("key") in INSTANCE_LABELS and item.get("operator") == "In"
        for item in requirements(node_pool_spec)
    )


def repelling_taints(node_pool_spec: Mapping[str, Any]) -> list[Taint]:
    """The taints a NodePool puts on its nodes that keep a pod without the toleration off them
    and out of Karpenter's reasons to start one (NoSchedule, NoExecute; not PreferNoSchedule,
    which Karpenter and the scheduler may ignore, nor `startupTaints`)."""
    taints = [
        Taint(str(item.get("key")), str(item.get("value") or ""), str(item.get("effect")))
        for item in _items(node_pool_spec, "taints")
        if item.get("key")
    ]
    return [taint for taint in taints if taint.repels]
