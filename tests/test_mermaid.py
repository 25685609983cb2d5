"""Issue 29, item 7: a picture in the PR comment. The Markdown report shows, after its verdict, a
Mermaid diagram of what the stack creates (also `--format mermaid`); program text reaches it
only escaped, inside a label; each diagram is parsed by mermaid 12 under node (never skipped)
and holds to mermaid's defaults, and the whole comment to GitHub's limit; the README's picture
of the dev stack is the one the command prints."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from podsandbox.cli import main
from podsandbox.preview.inert import mermaid_label
from podsandbox.preview.mermaid_grammar import CLASSES, MAX_EDGES, MAX_TEXT_SIZE
from podsandbox.preview.offline_preview import offline_preview
from podsandbox.preview.policy_evaluator import Violation
from podsandbox.preview.pr_comment import COMMENT_LIMIT
from podsandbox.preview.records import ProgramRun, RegisteredResource
from podsandbox.preview.report import PreviewReport
from podsandbox.preview.report.markdown import to_markdown
from podsandbox.preview.report.mermaid import (
    DETAIL_BUDGET,
    Diagram,
    diagram_of,
    error_diagram,
    to_mermaid,
)
from tests.conftest import REPO
from tests.mermaid_checks import assert_diagram_shape, node_test, write_built, write_diagram
from tests.test_pr_comment import HOSTILE

STACKS = ("dev", "production", "multipool", "existing")
"""The example stacks (`Pulumi.NAME.yaml` in the project)."""
BAD_STACK = REPO / "tests" / "stacks" / "Pulumi.bad.yaml"
README = REPO / "README.md"
README_BLOCK = re.compile(r"<!-- dev-stack-diagram -->\n```mermaid\n(.*?)\n```\n", re.DOTALL)
"""The README's picture of the dev stack, between its marker and the fence's end."""

NAMES = [
    'a "quoted" name',
    "%%{init: {'theme': 'dark'}}%%",
    '%%{init: {"securityLevel": "loose"}}%%',
    'x"]\n  click n1 call alert()\n  n9["y',
    "click n1 href 'https://evil.example'",
    "classDef violation fill:#0f0",
    "style n1 fill:#0f0",
    "line\nbreak\r\nand\u2028separator",
    "a --> b -.-> c ==> d",
    "`**markdown string**`",
    "```\n# closed the fence",
    "<b>html</b><script>alert(1)</script>",
    "#quot; &amp; #35; &#34;",
    "\ufb02\u00b0lt\u00b6\u00df mermaid's own entity markers",
    "\u202eRTL \u00e9 \u65e5\u672c",
    "end\nsubgraph s1",
    "x" * 300,
    *HOSTILE,
]
"""Hostile program text: quotes, directives, click and style statements, line breaks, arrows,
markdown strings, fences, HTML, entities (Mermaid's and HTML's), controls, long text."""


def urn(kind: str, name: str) -> str:
    return f"urn:pulumi:dev::team::{kind}::{name}"


def resource(kind: str, name: str, inputs: dict[str, Any]) -> RegisteredResource:
    return RegisteredResource(urn(kind, name), kind, name, None, True, False, inputs)


def cluster(name: Any, pools: list[tuple[Any, Any]]) -> RegisteredResource:
    profiles = [
        {"name": pool, "vmSize": size, "workloadRuntime": "KataVmIsolation", "osSKU": "AzureLinux"}
        for pool, size in pools
    ]
    return resource(
        "azure-native:containerservice:ManagedCluster",
        "cluster",
        {"resourceName": name, "agentPoolProfiles": profiles},
    )


def namespace(name: str, untrusted: bool) -> RegisteredResource:
    labels = {"podsandbox.io/untrusted": "true"} if untrusted else {"team": name}
    return resource(
        "kubernetes:core/v1:Namespace", f"ns-{name}", {"metadata": {"name": name, "labels": labels}}
    )


def pod(name: str, namespace_name: str, runtime_class: Any) -> RegisteredResource:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "app"}]}
    if runtime_class is not None:
        spec["runtimeClassName"] = runtime_class
    return resource(
        "kubernetes:core/v1:Pod", name, {"metadata": {"namespace": namespace_name}, "spec": spec}
    )


def guardrail(policy: Any, actions: list[Any]) -> list[RegisteredResource]:
    group = "kubernetes:admissionregistration.k8s.io/v1"
    selector = {"matchLabels": {"podsandbox.io/untrusted": "true"}}
    return [
        resource(f"{group}:ValidatingAdmissionPolicy", "policy", {"metadata": {"name": policy}}),
        resource(
            f"{group}:ValidatingAdmissionPolicyBinding",
            "binding",
            {
                "spec": {
                    "validationActions": actions,
                    "matchResources": {"namespaceSelector": selector},
                }
            },
        ),
    ]


def report_of(resources: list[RegisteredResource], violating: Sequence[str] = ()) -> PreviewReport:
    run = ProgramRun(project="team", stack="dev", preview=True, resources=resources)
    violations = [
        Violation("sandbox-untrusted", "mandatory", u, "not sandboxed") for u in violating
    ]
    return PreviewReport(run, Path("Pulumi.dev.yaml"), violations=violations)


def hostile_report() -> PreviewReport:
    """Every place of the diagram named with hostile text, each pod with a violation."""
    resources = [cluster(NAMES[0], [(name, name) for name in NAMES[:4]])]
    resources += [namespace(name, untrusted=index % 2 == 0) for index, name in enumerate(NAMES[:6])]
    pods = [pod(name, NAMES[index % 6], name) for index, name in enumerate(NAMES)]
    resources += pods + guardrail(NAMES[1], NAMES[2:4])
    return report_of(resources, [p.urn for p in pods[::3]])


def large_report(count: int = 200) -> PreviewReport:
    """A stack of `count` resources: a cluster with 3 pools, 24 namespaces, a guardrail, pods."""
    resources = [cluster("big", [("kata1", "Standard_D4s_v3"), ("kata2", "Standard_D8s_v5")])]
    resources += [namespace(f"team-{i}", untrusted=i % 2 == 0) for i in range(24)]
    resources += guardrail("podsandbox-big", ["Deny"])
    index = 0
    while len(resources) < count:
        classes = ("kata-vm-isolation", None, "runc")
        resources.append(pod(f"pod-{index}", f"team-{index % 24}", classes[index % 3]))
        index += 1
    return report_of(resources, [r.urn for r in resources[-5:]])


@pytest.fixture(scope="module")
def reports() -> dict[str, PreviewReport]:
    found = {stack: offline_preview(stack=stack) for stack in STACKS}
    found["bad"] = offline_preview(config_file=BAD_STACK, skip_validation=True)
    found["hostile"] = hostile_report()
    found["200 resources"] = large_report()
    return found


def test_each_diagram_holds_to_mermaids_defaults_and_the_comment_to_githubs(reports):
    for name, report in reports.items():
        diagram = diagram_of(report)
        text = to_mermaid(report)
        assert text == diagram.text()
        assert_diagram_shape(text)
        assert len(text) <= MAX_TEXT_SIZE and diagram.edges <= MAX_EDGES, name
        assert len(to_markdown(report)) < COMMENT_LIMIT, name


def test_mermaid_parses_each_diagram_as_meant(reports, tmp_path):
    for name, report in reports.items():
        write_built(tmp_path, name.replace(" ", "-"), diagram_of(report))
    readme = README_BLOCK.search(README.read_text(encoding="utf-8"))
    assert readme, "the README's picture of the dev stack is missing"
    dev = diagram_of(reports["dev"])
    write_diagram(tmp_path, "readme", readme.group(1), dev.labels, dev.edges)
    write_diagram(tmp_path, "error", error_diagram('x"]\n%%{init}%%'), error_labels(), 0)
    result = node_test(tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"# pass {len(reports) + 3}" in result.stdout, result.stdout[-2000:]


def error_labels() -> dict[str, str]:
    diagram = Diagram()
    diagram.node(
        "stack {}<br>error (exit 2), the preview did not judge this stack",
        'x"]\n%%{init}%%',
        classes=("stopped",),
    )
    return diagram.labels


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ('flowchart LR\n  n1["a "b""]', {"n1": 'a "b"'}),  # parses, but not as meant
        ('flowchart LR\n  n1["a "b" c"]', {"n1": 'a "b" c'}),  # does not parse
        ('flowchart LR\n  n1["a"]\n  click n1 call alert()', {"n1": "a"}),
        ('flowchart LR\n  n1["a"]\n  classDef evil fill:#0f0\n  class n1 evil', {"n1": "a"}),
    ],
    ids=["quote", "unbalanced quote", "click", "classDef"],
)
def test_the_node_test_fails_a_broken_diagram(tmp_path, text, labels):
    write_diagram(tmp_path, "broken", text, labels, 0)
    result = node_test(tmp_path)
    assert result.returncode != 0, result.stdout[-2000:]
    assert "not ok" in result.stdout


def test_program_text_is_only_an_escaped_label(reports):
    diagram = diagram_of(reports["hostile"])
    lines = diagram.text().split("\n")
    statements = [line.split()[0] for line in lines[1:]]
    nodes = [word for word in statements if re.fullmatch(r"n\d+\[.*", word)]
    assert len(nodes) == len(diagram.labels)  # no node but ours, none split
    assert statements.count("classDef") == len(CLASSES)
    assert set(statements) - {"class", "classDef"} == {
        word for word in statements if word.startswith("n")
    }  # no click, style, subgraph, end, %% or link statement
    text = diagram.text()
    assert "#34;" in text and "#37;#37;" in text and "#96;" in text and "#60;" in text
    assert "#65533;" in text  # each line break, separator and control


def test_mermaid_label_escapes_all_but_safe_characters():
    assert mermaid_label("pool-1 (Standard_D4s_v3)") == "pool-1 (Standard_D4s_v3)"
    assert mermaid_label('a"b') == "a#34;b"
    assert mermaid_label("%%{init}%%") == "#37;#37;{init}#37;#37;"
    assert mermaid_label("#35;&<>`;") == "#35;35#59;#38;#60;#62;#96;#59;"
    assert mermaid_label("fill:#0f0") == "fill#58;#35;0f0"
    assert mermaid_label("a\nb") == "a#65533;b"
    assert mermaid_label("\u00e9") == "#233;"
    assert mermaid_label("x" * 10, 5) == "xxxx#8230;"


def test_a_mandatory_violation_stands_out(reports):
    bad = diagram_of(reports["bad"])
    flagged = re.findall(r"class (n\d+) violation", bad.text())
    assert flagged, bad.text()
    assert all(bad.labels[node].endswith("(mandatory violation)") for node in flagged)
    dev = diagram_of(reports["dev"])
    assert "violation" not in "".join(dev.labels.values())
    assert not re.search(r"class n\d+ violation", dev.text())


def test_the_dev_stack_shows_cluster_pool_namespaces_workloads_and_guardrail(reports):
    labels = list(diagram_of(reports["dev"]).labels.values())
    assert labels == [
        "AKS cluster myAKSCluster",
        "pool nodepool1<br>runtime KataVmIsolation<br>VM size Standard_D4s_v3",
        "namespace untrusted<br>untrusted, guarded",
        "namespace default<br>trusted, not guarded",
        "Pod demo-trusted<br>no RuntimeClass (runc)",
        "Pod demo-untrusted<br>RuntimeClass kata-vm-isolation",
        "guardrail podsandbox-dev<br>mode Deny",
    ]
    text = to_mermaid(reports["dev"])
    assert 'n6 -.->|"runs on"| n2' in text and 'n7 -.->|"guards"| n3' in text


def test_a_large_stack_collapses_to_a_summary(reports):
    diagram = diagram_of(reports["200 resources"])
    assert len(reports["200 resources"].run.resources) == 200
    assert len(diagram.labels) < 20
    assert "namespace team-12<br>untrusted, guarded<br>7 workloads, 7 with a RuntimeClass" in (
        diagram.labels.values()
    )
    assert any(label.startswith("and 12 more namespaces") for label in diagram.labels.values())
    assert re.search(r"class n\d+ violation", diagram.text())
    assert len(diagram.text()) <= DETAIL_BUDGET


def test_format_mermaid_and_the_markdown_block(capsys, reports):
    assert main(["preview", "--stack", "dev", "--format", "mermaid"]) == 0
    printed = capsys.readouterr().out
    assert printed.rstrip("\n") == to_mermaid(reports["dev"])
    assert main(["preview", "--stack", "dev", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    verdict, _, rest = markdown.partition("\n")
    assert verdict.startswith("**Verdict: PASS")
    assert f"```mermaid\n{printed}```\n" in rest
    assert rest.index("```mermaid") < rest.index("#### Sandboxing pools")


def test_an_error_is_a_diagram_too(capsys, tmp_path):
    output = tmp_path / "error.mmd"
    code = main(["preview", "--stack", "missing", "--format", "mermaid", "--output", str(output)])
    assert code == 2
    capsys.readouterr()
    assert_diagram_shape(output.read_text(encoding="utf-8").removesuffix("\n"))
    assert "error (exit 2)" in output.read_text(encoding="utf-8")


def test_the_readme_picture_is_the_dev_stacks(reports):
    """Stale when the dev stack changes: regenerate it with the README's command,
    `venv/bin/podsandbox preview --stack dev --format mermaid`."""
    found = README_BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "the README's picture of the dev stack is missing"
    assert found.group(1) == to_mermaid(reports["dev"]), (
        "the README's picture is stale: replace it with the output of "
        "`venv/bin/podsandbox preview --stack dev --format mermaid`"
    )
