"""The picture of a preview: a Mermaid flowchart of what the stack creates, for the Markdown
report (a ```mermaid block after the verdict, which GitHub renders) and `--format mermaid`.

It shows the clusters and their sandboxing pools (runtime, VM size), the namespaces (untrusted
or not, guarded or not), the workloads with the RuntimeClass each uses and the pools it runs on,
and the guardrail with what it guards; a resource with a mandatory violation stands out. The
program chooses every name, so the diagram's structure is the code's own: node ids are
generated (`n1`, `n2`, ...), the classes are fixed here, and program text reaches the diagram
only as a label's text through `inert.mermaid_label`, always between double quotes (and our
own words in labels have no `:`, which `inert.mermaid_label` explains). A stack too
large for a readable picture (or for Mermaid's defaults) collapses to a summary: one node per
namespace with its workloads counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from podsandbox.guardrail.plan import binding_guards, is_labelled_untrusted, named_namespaces
from podsandbox.preview.inert import mermaid_label, one_line
from podsandbox.preview.mermaid_grammar import CLASSES, MAX_EDGES
from podsandbox.preview.report.values import show
from podsandbox.rules.pools import kind_of
from podsandbox.rules.workloads import object_kind, workload_of

if TYPE_CHECKING:
    from podsandbox.preview.report import PreviewReport

DETAIL_BUDGET = 20_000
"""The detailed diagram's largest size; past it (or past `MAX_NODES`) the summary is drawn,
which leaves the comment room for the rest of the report."""
MAX_NODES = 60
"""Nodes of the detailed diagram; a larger stack is drawn as its summary."""
SUMMARY_ITEMS = 12
"""Namespaces (and pools) the summary names; the rest share one node."""
LABEL_LIMIT = 60
"""Characters of program text in one place of a label (the summary's: half)."""

VIOLATION = " (mandatory violation)"
"""Said in the label too: a colour alone is not read by everyone."""

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
BINDING_KIND = ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding")
POLICY_KIND = ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy")


@dataclass
class Diagram:
    """A flowchart being written: its lines, node count, edges, and each node's label as it
    reads once drawn (what the node test checks the parsed diagram against)."""

    limit: int = LABEL_LIMIT
    lines: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    edges: int = 0

    def node(self, fixed: str, *program: Any, classes: Sequence[str] = ()) -> str:
        """A node whose label is `fixed` (our words, with `{}` for each program text) filled
        with `program` (escaped); returns its generated id."""
        node_id = f"n{len(self.labels) + 1}"
        if "violation" in classes and VIOLATION not in fixed:
            fixed += VIOLATION
        texts = [show(value) for value in program]
        written = fixed.format(*(mermaid_label(text, self.limit) for text in texts))
        self.labels[node_id] = fixed.format(*(one_line(text, self.limit) for text in texts))
        self.lines.append(f'  {node_id}["{written}"]')
        self.lines += [f"  class {node_id} {name}" for name in classes]
        return node_id

    def edge(self, start: str, end: str, text: str = "", dotted: bool = False) -> None:
        """An edge; `text` is our own words (never program text)."""
        arrow = "-.->" if dotted else "-->"
        label = f'|"{text}"|' if text else ""
        self.lines.append(f"  {start} {arrow}{label} {end}")
        self.edges += 1

    def text(self) -> str:
        return "\n".join(["flowchart LR", *self.lines, *(f"  {line}" for line in CLASSES)])


@dataclass(frozen=True)
class DrawnWorkload:
    """A pod-running resource as the diagram shows it."""

    urn: str
    kind: str
    name: str
    namespace: Optional[str]
    runtime_class: Any


@dataclass
class Picture:
    """What the stack creates, read from the report, ready to draw."""

    clusters: list[tuple[str, str, Any]]
    """(urn, resource name, cluster name) of each cluster the stack creates."""
    pools: list[dict[str, Any]]
    namespaces: dict[str, dict[str, str]]
    """Each namespace the stack declares or a workload names: its labels (declared ones)."""
    workloads: list[DrawnWorkload]
    guardrails: list[tuple[str, str, Any]]
    """(urn, resource name, policy name) of each ValidatingAdmissionPolicy."""
    bindings: list[Mapping[str, Any]]
    violating: set[str]
    """URNs with a mandatory violation."""
    namespace_urns: dict[str, str]
    pool_clusters: dict[str, Any] = field(default_factory=dict)
    """The cluster a pool resource names (azure-native `resourceName`, the classic provider's
    `kubernetesClusterId`), by the pool's URN."""

    def untrusted(self, namespace: str) -> bool:
        named = set().union(*(named_namespaces(binding) for binding in self.bindings))
        return namespace in named or is_labelled_untrusted(self.namespaces.get(namespace, {}))

    def guarded(self, namespace: str) -> bool:
        labels = self.namespaces.get(namespace, {})
        return any(binding_guards(binding, namespace, labels) for binding in self.bindings)

    def flagged(self, urn: str, *more: str) -> tuple[str, ...]:
        return ("violation",) if urn in self.violating else more


def picture_of(report: PreviewReport) -> Picture:
    """The diagram's facts: clusters, pools, namespaces, workloads, guardrails, violations."""
    picture = Picture([], report.summary()["sandboxingPools"], {}, [], [], [], set(), {})
    picture.violating = {v.urn for v in report.judged if v.enforcement == "mandatory"}
    for resource in report.run.resources:
        inputs = resource.inputs
        raw = inputs.get("metadata")
        metadata: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        kind = object_kind(resource.type, inputs)
        aks_kind = kind_of(resource.type, inputs)
        if aks_kind in ("cluster", "classic-cluster"):
            cluster_name = inputs.get("resourceName", inputs.get("name", resource.name))
            picture.clusters.append((resource.urn, resource.name, cluster_name))
        elif aks_kind in ("pool", "classic-pool"):
            named = inputs.get("resourceName", inputs.get("kubernetesClusterId"))
            picture.pool_clusters[resource.urn] = resource.name if named is None else named
        elif resource.type == NAMESPACE_TYPE and isinstance(metadata.get("name"), str):
            labels = metadata.get("labels")
            picture.namespaces[metadata["name"]] = {
                str(key): str(value)
                for key, value in (labels.items() if isinstance(labels, Mapping) else ())
            }
            picture.namespace_urns[metadata["name"]] = resource.urn
        elif kind == POLICY_KIND:
            picture.guardrails.append((resource.urn, resource.name, metadata.get("name")))
        elif kind == BINDING_KIND:
            picture.bindings.append(inputs)
        elif (workload := workload_of(resource.type, inputs)) is not None:
            found = DrawnWorkload(
                resource.urn,
                workload.kind,
                resource.name,
                workload.declared_namespace,
                workload.runtime_class_name,
            )
            picture.workloads.append(found)
    for drawn in picture.workloads:
        if drawn.namespace is not None:
            picture.namespaces.setdefault(drawn.namespace, {})
    return picture


def to_mermaid(report: PreviewReport) -> str:
    """The stack's diagram: detailed, or its summary when the detail would not fit."""
    return diagram_of(report).text()


def diagram_of(report: PreviewReport) -> Diagram:
    """The detailed diagram when it fits `MAX_NODES`, `DETAIL_BUDGET` and `MAX_EDGES`, else
    the summary; with each node's label as drawn (which the tests check)."""
    picture = picture_of(report)
    detailed = detailed_diagram(picture)
    if (
        len(detailed.labels) <= MAX_NODES
        and len(detailed.text()) <= DETAIL_BUDGET
        and detailed.edges <= MAX_EDGES
    ):
        return detailed
    return summary_diagram(picture)


def error_diagram(subject: str) -> str:
    """The diagram of a preview that an error stopped: one node that says so."""
    diagram = Diagram()
    diagram.node(
        "stack {}<br>error (exit 2), the preview did not judge this stack",
        subject,
        classes=("stopped",),
    )
    return diagram.text()


def _clusters_and_pools(
    diagram: Diagram, picture: Picture, pool_limit: int
) -> tuple[dict[str, list[str]], list[str]]:
    """The cluster nodes, then each pool under its cluster (a cluster this stack does not
    create is named by its pool's resource); returns the pool node ids by the RuntimeClass that
    runs pods on them, and the cluster node ids."""
    by_urn = {
        urn: diagram.node("AKS cluster {}", name, classes=picture.flagged(urn))
        for urn, _, name in picture.clusters
    }
    by_name = {show(name): by_urn[urn] for urn, _, name in picture.clusters}
    pool_ids: dict[str, list[str]] = {}
    for pool in picture.pools[:pool_limit]:
        cluster = by_urn.get(pool["urn"])
        if cluster is None:
            on = show(picture.pool_clusters.get(pool["urn"], pool["on"]))
            cluster = by_name.get(on) or diagram.node("existing AKS cluster {}", on)
            by_name[on] = cluster
        node = diagram.node(
            "pool {}<br>runtime {}<br>VM size {}",
            pool["pool"],
            pool["workloadRuntime"],
            pool["vmSize"],
            classes=picture.flagged(pool["urn"]),
        )
        diagram.edge(cluster, node)
        pool_ids.setdefault(show(pool["runtimeClassName"]), []).append(node)
    hidden = len(picture.pools) - pool_limit
    if hidden > 0:
        node = diagram.node(f"and {hidden} more sandboxing pools", classes=("summary",))
        diagram.edge(next(iter(by_name.values()), node), node)
    return pool_ids, sorted(set(by_name.values()) | set(by_urn.values()), key=lambda n: int(n[1:]))


def _in_cluster(diagram: Diagram, clusters: list[str], namespaces: Iterable[str]) -> None:
    """An edge from the cluster to each namespace when the stack has one cluster (with several,
    which one a namespace is in is its provider's choice, not drawn)."""
    if len(clusters) == 1:
        for namespace in namespaces:
            diagram.edge(clusters[0], namespace)


def _namespace_words(picture: Picture, namespace: str) -> str:
    trust = "untrusted" if picture.untrusted(namespace) else "trusted"
    guard = "guarded" if picture.guarded(namespace) else "not guarded"
    return f"{trust}, {guard}"


def _namespace_classes(picture: Picture, namespace: str, *more: str) -> tuple[str, ...]:
    urn = picture.namespace_urns.get(namespace, "")
    untrusted = ("untrusted",) if picture.untrusted(namespace) else ()
    return picture.flagged(urn, *untrusted, *more)


def _guardrail_nodes(diagram: Diagram, picture: Picture, namespaces: dict[str, str]) -> None:
    """Each guardrail policy, its mode, and a dotted edge to every namespace it guards."""
    actions = sorted(
        {
            str(action)
            for binding in picture.bindings
            for action in _list(_get(binding, "spec", "validationActions"))
        }
    )
    for urn, _, name in picture.guardrails:
        node = diagram.node(
            "guardrail {}<br>" + ("mode {}" if actions else "no binding"),
            name,
            *(["+".join(actions)] if actions else []),
            classes=picture.flagged(urn, "guardrail"),
        )
        for namespace, target in namespaces.items():
            if picture.guarded(namespace):
                diagram.edge(node, target, "guards", dotted=True)


def detailed_diagram(picture: Picture) -> Diagram:
    """Every cluster, pool, namespace, workload and guardrail, each its own node."""
    diagram = Diagram()
    pool_ids, clusters = _clusters_and_pools(diagram, picture, len(picture.pools))
    namespaces = {
        namespace: diagram.node(
            "namespace {}<br>" + _namespace_words(picture, namespace),
            namespace,
            classes=_namespace_classes(picture, namespace),
        )
        for namespace in picture.namespaces
    }
    _in_cluster(diagram, clusters, namespaces.values())
    for workload in picture.workloads:
        has_class = isinstance(workload.runtime_class, str) and bool(workload.runtime_class)
        node = diagram.node(
            "{} {}<br>" + ("RuntimeClass {}" if has_class else "no RuntimeClass (runc)"),
            workload.kind,
            workload.name,
            *([workload.runtime_class] if has_class else []),
            classes=picture.flagged(workload.urn),
        )
        if workload.namespace is None:
            holder = namespaces.get("")
            if holder is None:
                holder = namespaces[""] = diagram.node("namespace set by its provider")
            diagram.edge(holder, node)
        else:
            diagram.edge(namespaces[workload.namespace], node)
        for pool in pool_ids.get(show(workload.runtime_class), []) if has_class else []:
            diagram.edge(node, pool, "runs on", dotted=True)
    _guardrail_nodes(diagram, picture, {k: v for k, v in namespaces.items() if k})
    return diagram


def summary_diagram(picture: Picture) -> Diagram:
    """A large stack in a few nodes: clusters and the first pools, then one node per namespace
    (the first `SUMMARY_ITEMS`) counting its workloads, sandboxed or not, the rest in one."""
    diagram = Diagram(limit=LABEL_LIMIT // 2)
    _, clusters = _clusters_and_pools(diagram, picture, SUMMARY_ITEMS)
    by_namespace: dict[str, list[DrawnWorkload]] = {}
    for workload in picture.workloads:
        by_namespace.setdefault(workload.namespace or "", []).append(workload)
    names = sorted(set(picture.namespaces) | set(by_namespace))
    shown_nodes: dict[str, str] = {}
    for namespace in names[:SUMMARY_ITEMS]:
        workloads = by_namespace.get(namespace, [])
        violating = any(w.urn in picture.violating for w in workloads)
        fixed = (
            "namespace {}<br>" + _namespace_words(picture, namespace)
            if namespace
            else "namespace set by its provider"
        )
        shown_nodes[namespace] = diagram.node(
            fixed + "<br>" + _counts(workloads, violating),
            *([namespace] if namespace else []),
            classes=_namespace_classes(
                picture, namespace, *(["violation"] if violating else []), "summary"
            ),
        )
    rest = names[SUMMARY_ITEMS:]
    grouped = []
    if rest:
        workloads = [w for name in rest for w in by_namespace.get(name, [])]
        violating = any(w.urn in picture.violating for w in workloads)
        grouped.append(
            diagram.node(
                f"and {len(rest)} more namespaces<br>" + _counts(workloads, violating),
                classes=("violation", "summary") if violating else ("summary",),
            )
        )
    _in_cluster(diagram, clusters, [*shown_nodes.values(), *grouped])
    _guardrail_nodes(diagram, picture, {k: v for k, v in shown_nodes.items() if k})
    return diagram


def _counts(workloads: Iterable[DrawnWorkload], violating: bool) -> str:
    """Our words for a group of workloads: how many, how many with a RuntimeClass."""
    listed = list(workloads)
    with_class = sum(1 for w in listed if isinstance(w.runtime_class, str) and w.runtime_class)
    words = f"{len(listed)} workloads, {with_class} with a RuntimeClass"
    return words + (VIOLATION if violating else "")


def _get(value: Any, *path: str) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []
