"""The README is a map: at most 300 lines, pointing at one page per job under docs/; every link
between the pages leads to a page and a heading that exist (as GitHub renders them)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.conftest import REPO
from tests.docs import DOCS, PAGES, README

PARSER = MarkdownIt("gfm-like")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    tokens = PARSER.parse(page.read_text(encoding="utf-8"))
    found = set()
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open":
            text = "".join(child.content for child in inline.children or [])
            found.add(slug(text))
    return found


def links(page: Path) -> list[str]:
    found = []
    pending = PARSER.parse(page.read_text(encoding="utf-8"))
    while pending:
        token = pending.pop()
        pending += token.children or []
        if token.type == "link_open":
            found.append(str(token.attrs["href"]))
    return found


def test_the_readme_is_a_map_of_at_most_300_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300
    linked = {href.split("#")[0] for href in links(README)}
    assert {f"docs/{page.name}" for page in PAGES} <= linked  # every page is on the map


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_every_link_between_pages_leads_somewhere(page):
    local = [href for href in links(page) if not re.match(r"[a-z]+:", href)]
    for href in local:
        path, _, anchor = href.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.is_file(), f"{page.name}: {href}: no such page"
        if anchor and target.suffix == ".md":
            assert anchor in anchors(target), f"{page.name}: {href}: no such heading"


def test_a_broken_link_is_seen(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\nSee [x](other.md) and [y](#nowhere) and [z](#title).\n")
    assert sorted(links(page)) == ["#nowhere", "#title", "other.md"]
    assert anchors(page) == {"title"}
    assert not (tmp_path / "other.md").is_file()


def test_the_docs_are_the_repositorys():
    assert REPO / "docs" in {page.parent for page in PAGES} and len(PAGES) >= 8
