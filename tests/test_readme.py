"""What the docs promise a user before a real `pulumi up` (docs/deploy.md)."""

from __future__ import annotations

from tests.docs import docs_text


def section(title: str) -> str:
    text = docs_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_before_the_first_up_lists_each_prerequisite_with_its_check():
    rows = [
        line
        for line in section("Before your first `pulumi up`").splitlines()
        if line.startswith("| ") and not line.startswith("| prerequisite")
    ]
    found = {
        topic: [row for row in rows if topic in row]
        for topic in (
            "Pulumi CLI",
            "KataVMIsolationPreview",
            "kubelogin",
            "networkPolicy",
            "names that must be free",
            "RuntimeClass",
            "Cluster User Role",
            "pulumi install",
        )
    }
    for topic, matching in found.items():
        assert matching, f"no prerequisite row about {topic}"
        # Each row ends with the command that checks it.
        assert all("`" in row.rstrip(" |").rsplit("|", 1)[1] for row in matching), topic
