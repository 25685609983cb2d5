"""The report reads at a glance: the verdict first, then the sandboxing pools, violations and
what was not checked, then the resources as a tree in creation order; short human lines for
sizing; no text line wider than 120 characters; each warning once."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from typing import Any

import pytest

from podsandbox.cli import main
from podsandbox.preview.offline_preview import creation_order
from podsandbox.preview.records import RegisteredResource
from podsandbox.preview.report.markdown import md
from podsandbox.preview.report.text import TEXT_WIDTH
from tests.conftest import REPO, python_project

UNKNOWN_SIZE = REPO / "tests" / "programs" / "unknown-size"
BAD_STACK = REPO / "tests" / "stacks" / "Pulumi.bad.yaml"


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["preview", *args])
    return code, capsys.readouterr().out


def headings_in_order(text: str, headings: list[str]) -> list[int]:
    return [text.index(heading) for heading in headings]


def test_the_text_report_opens_with_the_verdict_then_pools_then_violations(capsys):
    code, out = preview(capsys, "--config-file", str(BAD_STACK), "--skip-validation")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "Verdict: FAIL: 1 advisory, 3 mandatory"
    positions = headings_in_order(
        out, ["Verdict:", "Sandboxing pools:", "Policy violations: 4", "Warnings:", "Resources:"]
    )
    assert positions == sorted(positions)


def test_the_markdown_report_has_the_same_order(capsys):
    _, out = preview(
        capsys, "--config-file", str(BAD_STACK), "--skip-validation", "--format", "markdown"
    )
    positions = headings_in_order(
        out,
        ["**Verdict: FAIL", "#### Sandboxing pools", "#### Policy violations", "#### Notes",
         "#### Sizing", "<details><summary>Resources to create, in creation order"],
    )  # fmt: skip
    assert positions == sorted(positions)


def test_resources_come_in_creation_order(capsys):
    _, out = preview(capsys, "--stack", "dev", "--format", "json")
    order = [resource["name"] for resource in json.loads(out)["resources"]]
    # A subtree before the subtrees that depend on it, a dependency before its dependents.
    assert order.index("sandbox") < order.index("demo")
    assert order.index("sandbox-resource-group") < order.index("sandbox-cluster")
    assert order.index("sandbox-ssh-key") < order.index("sandbox-cluster")
    assert order.index("demo-untrusted-namespace") < order.index("demo-untrusted")
    # And parents before children.
    assert order.index("sandbox") < order.index("sandbox-cluster")
    assert order[0] == "podsandbox-dev"


def resource(name: str, parent: str | None = None, needs: tuple[str, ...] = ()) -> Any:
    return RegisteredResource(
        urn=name, type="t", name=name, parent=parent, custom=True, protect=False, inputs={},
        dependencies=needs,
    )  # fmt: skip


def test_creation_order_keeps_the_tree_and_the_dependencies():
    resources = [
        resource("z-app", "stack", ("a-db",)),  # depends on a sibling's child: after its subtree
        resource("b-net", "stack"),
        resource("a-db-group", "stack", ("b-net",)),
        resource("a-db", "a-db-group"),
        resource("stack"),
        resource("orphan", "never-registered"),
    ]
    order = [r.name for r in creation_order(resources)]
    assert order == ["orphan", "stack", "b-net", "a-db-group", "a-db", "z-app"]


def test_the_resource_tree_puts_a_provider_before_what_uses_it():
    # It listed a Pod before the provider it uses: provider references were ignored.
    pod = RegisteredResource(
        urn="a-pod", type="kubernetes:core/v1:Pod", name="a-pod", parent="stack", custom=True,
        protect=False, inputs={}, provider="z-k8s::id-1",
    )  # fmt: skip
    resources = [pod, resource("z-k8s", "stack"), resource("stack")]
    assert [r.name for r in creation_order(resources)] == ["stack", "z-k8s", "a-pod"]


@pytest.mark.subprocess  # the judged program runs in a process of its own
def test_the_stacks_pods_come_after_their_provider(capsys):
    _, out = preview(capsys, "--stack", "dev", "--format", "json")
    order = [r["name"] for r in json.loads(out)["resources"]]
    assert order.index("sandbox-k8s") < order.index("demo-untrusted")


def test_creation_order_survives_a_cycle_and_deep_nesting():
    cycle = [resource("a", None, ("b",)), resource("b", None, ("a",))]
    assert sorted(r.name for r in creation_order(cycle)) == ["a", "b"]
    parents = [resource("n0")] + [resource(f"n{i}", f"n{i - 1}") for i in range(1, 3000)]
    assert len(creation_order(list(reversed(parents)))) == 3000
    loop = [resource("p", "q"), resource("q", "p")]  # parents in a cycle: kept all the same
    assert sorted(r.name for r in creation_order(loop)) == ["p", "q"]


def reference_order(resources: list[Any]) -> list[str]:
    """The order by definition, walked naively (each sibling group compares every pair of its
    members' whole subtrees): the reference `creation_order` is held to."""
    urns = {r.urn for r in resources}
    children: dict[Any, list[Any]] = {}
    for r in resources:
        children.setdefault(r.parent if r.parent in urns else None, []).append(r)

    def subtree(urn: str) -> set[str]:
        found, pending = {urn}, [urn]
        while pending:
            for child in children.get(pending.pop(), []):
                if child.urn not in found:
                    found.add(child.urn)
                    pending.append(child.urn)
        return found

    def in_order(siblings: list[Any]) -> list[Any]:
        ranked = sorted(siblings, key=lambda r: (r.type, r.name, r.urn))
        members = {r.urn: subtree(r.urn) for r in ranked}
        needs = {u: set(r.dependencies) for r in resources for u in [r.urn]}
        depends = {
            r.urn: {
                o.urn
                for o in ranked
                if o.urn != r.urn
                and set().union(*(needs[u] for u in members[r.urn])) & members[o.urn]
            }
            for r in ranked
        }
        ordered: list[Any] = []
        while len(ordered) < len(ranked):
            placed = {r.urn for r in ordered}
            ready = [r for r in ranked if r.urn not in placed and depends[r.urn] <= placed]
            ordered.append(ready[0] if ready else next(r for r in ranked if r.urn not in placed))
        return ordered

    ordered: list[str] = []
    pending = list(reversed(in_order(children.get(None, []))))
    while pending:
        r = pending.pop()
        if r.urn not in ordered:
            ordered.append(r.urn)
            pending += reversed(in_order(children.get(r.urn, [])))
    return ordered + [r.urn for r in resources if r.urn not in ordered]


def test_creation_order_is_the_reference_order_on_random_trees():
    rng = random.Random(7)
    for _ in range(400):
        names = [f"r{i}" for i in range(rng.randint(1, 20))]
        resources = []
        for i, name in enumerate(names):
            # Parents among the earlier ones, missing ones, and now and then a cycle of parents.
            pool = [*names[:i], "ghost", None] if rng.random() < 0.9 else names
            needs = tuple(rng.sample([*names, "ghost"], rng.randint(0, min(3, len(names)))))
            resources.append(resource(name, rng.choice(pool), needs))
            resources[-1] = replace(resources[-1], type=rng.choice("ab"))
        rng.shuffle(resources)
        assert [r.urn for r in creation_order(resources)] == reference_order(resources)


def comb(teeth: int) -> list[Any]:
    """A spine where each link has a leaf, and each link needs its parent's leaf: the shape that
    made ordering quadratic when every sibling group walked its whole subtrees."""
    found = [resource("s0")]
    for i in range(1, teeth):
        found.append(resource(f"s{i}", f"s{i - 1}", (f"l{i - 1}",) if i > 1 else ()))
        found.append(resource(f"l{i}", f"s{i - 1}"))
    return found


def test_creation_order_grows_about_linearly_with_a_combs_size():
    def seconds(resources: list[Any]) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            creation_order(resources)
            best = min(best, time.perf_counter() - started)
        return best

    small, large = comb(1000), comb(8000)
    ratio = seconds(large) / seconds(small)
    # 8x the resources: about 9x for n log n, 64x for quadratic; 24x leaves room for noise.
    assert ratio < 24, ratio
    order = [r.name for r in creation_order(large)]
    assert order.index("l7998") < order.index("s7999")


@pytest.mark.parametrize(
    "args",
    [("--stack", "dev"), ("--stack", "existing"), ("--stack", "multipool"),
     ("--stack", "production"), ("--config-file", str(BAD_STACK), "--skip-validation")],
)  # fmt: skip
def test_no_text_line_is_wider_than_120(capsys, args):
    _, out = preview(capsys, *args)
    assert max(len(line) for line in out.splitlines()) <= TEXT_WIDTH


def test_a_long_value_is_shortened_in_text_and_whole_in_json(capsys, tmp_path):
    key = "ssh-rsa " + "A" * 400 + " user@host"
    folder = python_project(
        tmp_path / "team",
        "import pulumi\n"
        f"pulumi.CustomResource('test:index:Thing', 'keyed', {{'publicKey': {key!r}}})\n"
        f"pulumi.export('publicKey', {key!r})\n",
    )
    _, text = preview(capsys, "--program", str(folder))
    assert max(len(line) for line in text.splitlines()) <= TEXT_WIDTH
    assert "publicKey: ssh-rsa AAAA" in text and "\u2026" in text
    _, document = preview(capsys, "--program", str(folder), "--format", "json")
    assert json.loads(document)["outputs"]["publicKey"] == key


def test_sizing_outputs_read_as_short_lines(capsys):
    _, out = preview(capsys, "--stack", "dev")
    assert "  untrustedSandbox: 1 vCPU, 256Mi VM, 856Mi on the node" in out.splitlines()
    assert "  sandboxCapacityPerNode: up to 8 per Standard_D4s_v3 node, CPU bound" in (
        out.splitlines()
    )


def test_each_warning_appears_once(capsys, tmp_path):
    folder = python_project(
        tmp_path / "team",
        "import pulumi\nfor _ in range(3):\n    pulumi.log.warn('the same thing, again')\n",
    )
    _, out = preview(capsys, "--program", str(folder), "--format", "json")
    assert json.loads(out)["summary"]["warnings"] == ["the same thing, again"]


def test_a_policy_that_cannot_run_is_no_violation_and_has_its_own_heading(capsys):
    code, out = preview(capsys, "--program", str(UNKNOWN_SIZE))
    assert code == 0
    assert (
        out.splitlines()[0]
        == "Verdict: PASS: no policy violations; 1 checked only by a real preview"
    )
    assert "Policy violations: none" in out
    section = out[out.index("Checked only by a real preview") :]
    assert "? sandbox-pool-vm-size (kata):" in section
    _, document = preview(capsys, "--program", str(UNKNOWN_SIZE), "--format", "json")
    parsed = json.loads(document)
    assert parsed["violations"] == []
    [unjudged] = parsed["checkedOnlyByRealPreview"]
    assert unjudged["policy"] == "sandbox-pool-vm-size"


def test_in_sarif_it_points_at_the_setting_that_made_the_value_unknown(capsys, tmp_path):
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text("config:\n  team:region: x\n  team:mode: existing\n  team:clusterName: aks\n")
    project = tmp_path / "team"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((UNKNOWN_SIZE / name).read_text())
    (project / "Pulumi.yaml").write_text(
        (UNKNOWN_SIZE / "Pulumi.yaml").read_text()
        + "config:\n  region: {type: string}\n  mode: {type: string}\n"
        "  clusterName: {type: string}\n"
    )
    _, out = preview(capsys, "--program", str(project), "--config-file", str(stack),
                     "--format", "sarif")  # fmt: skip
    [result] = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "sandbox-pool-vm-size"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    stack.write_text("config:\n  team:region: x\n  team:clusterName: aks\n")
    _, out = preview(capsys, "--program", str(project), "--config-file", str(stack),
                     "--format", "sarif")  # fmt: skip
    [result] = json.loads(out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_a_version_set_for_an_existing_cluster_is_shown_as_set(capsys, tmp_path):
    stack = tmp_path / "Pulumi.existing.yaml"
    stack.write_text(
        (REPO / "Pulumi.existing.yaml").read_text() + "  podsandbox:kubernetesVersion: '1.33'\n"
    )
    _, out = preview(capsys, "--config-file", str(stack), "--format", "json")
    [pool] = json.loads(out)["summary"]["sandboxingPools"]
    assert (
        pool["kubernetesVersion"] == "1.33 (set; the cluster's own version is read at deploy time)"
    )
    _, out = preview(capsys, "--stack", "existing", "--format", "json")
    [pool] = json.loads(out)["summary"]["sandboxingPools"]
    assert pool["kubernetesVersion"] == "the cluster's version (read at deploy time)"
    _, out = preview(capsys, "--stack", "dev", "--format", "json")
    [pool] = json.loads(out)["summary"]["sandboxingPools"]
    assert pool["kubernetesVersion"] == "AKS default"


def test_the_pools_autoscaling_zones_and_taints_are_shown(capsys):
    _, out = preview(capsys, "--stack", "production", "--format", "json")
    pools = {pool["pool"]: pool for pool in json.loads(out)["summary"]["sandboxingPools"]}
    kata = pools["kata"]
    assert kata["autoscaling"] == {"minCount": 0, "maxCount": 10}
    assert kata["availabilityZones"] == ["1", "2", "3"]
    assert kata["nodeTaints"] == ["sandbox=true:NoSchedule"]
    assert pools["nodepool1"]["nodeTaints"] == ["CriticalAddonsOnly=true:NoSchedule"]
    _, text = preview(capsys, "--stack", "production")
    assert "  kata on sandbox-pool-kata: Standard_D8s_v5 x1 (autoscaled 0 to 10), " in text
    assert "    zones 1, 2, 3; taints sandbox=true:NoSchedule\n" in text
    _, markdown = preview(capsys, "--stack", "production", "--format", "markdown")
    placement = md("zones 1, 2, 3; taints sandbox=true:NoSchedule")
    assert f"| {md('1 (autoscaled 0 to 10)')} | {placement} |" in markdown
    _, dev = preview(capsys, "--stack", "dev", "--format", "json")
    [pool] = json.loads(dev)["summary"]["sandboxingPools"]
    assert [pool[key] for key in ("autoscaling", "availabilityZones", "nodeTaints")] == [None] * 3
