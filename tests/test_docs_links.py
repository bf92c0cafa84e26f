"""Every page under docs/ is reachable: linked from docs/index.md and from README.md's
Docs line; and every relative link in the docs and the README points at a file that
exists (an anchor's page, at least)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def pages():
    return sorted(p for p in DOCS.glob("*.md") if p.name != "index.md")


def links(path):
    return set(LINK.findall(path.read_text(encoding="utf-8")))


def test_the_index_links_every_page():
    linked = {target.split("#")[0] for target in links(DOCS / "index.md")}
    missing = [p.name for p in pages() if p.name not in linked]
    assert not missing, f"docs/index.md does not link {missing}"


def test_the_readme_docs_line_links_every_page():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    docs_line = text[text.index("\nDocs: "):].split("\n\n")[0]
    linked = {target.split("#")[0] for target in LINK.findall(docs_line)}
    missing = [f"docs/{p.name}" for p in [DOCS / "index.md", *pages()]
               if f"docs/{p.name}" not in linked]
    assert not missing, f"README.md's Docs line does not link {missing}"


@pytest.mark.parametrize("path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))],
                         ids=lambda p: p.name)
def test_relative_links_point_at_files(path):
    broken = []
    for target in links(path):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a URL or an anchor on the same page
        if not (path.parent / target.split("#")[0]).exists():
            broken.append(target)
    assert not broken, f"{path.name} links to files that don't exist: {broken}"
