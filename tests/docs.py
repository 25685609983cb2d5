"""The documentation a user reads: the README (a map) and one page per job under docs/. Tests that
hold a promise to the docs read them all, wherever the promise lives."""

from __future__ import annotations

from tests.conftest import REPO

README = REPO / "README.md"
PAGES = sorted((REPO / "docs").glob("*.md"))
DOCS = [README, *PAGES]


def docs_text() -> str:
    """Every page's text, the README first."""
    return "\n".join(page.read_text(encoding="utf-8") for page in DOCS)
