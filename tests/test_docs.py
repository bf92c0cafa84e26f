"""Every ```python block in README.md and docs/**/*.md runs, so the documentation cannot
drift from the code.

One test per Markdown file (its id is the file's path): the file's blocks run in order in
one fresh namespace, so a later block may use the names an earlier one made, inside a
temporary working directory, so files a sample writes land nowhere else. A block whose
fence is preceded by the line ``<!-- skip-test -->`` is not run (use sparingly).
``console``/``bash`` blocks and docs/examples/ (a package of its own) are not run here.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_MARKER = "<!-- skip-test -->"
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")


def markdown_files():
    files = [ROOT / "README.md"] if (ROOT / "README.md").exists() else []
    docs = ROOT / "docs"
    if docs.is_dir():
        files += sorted(p for p in docs.rglob("*.md")
                        if "examples" not in p.relative_to(docs).parts[:1])
    return files


def python_blocks(text):
    """[(first line number, source, skipped)] for each ```python fenced block in ``text``."""
    blocks, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, ticks, info = opening["indent"], opening["ticks"], opening["info"].lower()
        closing = re.compile(rf"^[ \t]*{re.escape(ticks[0])}{{{len(ticks)},}}[ \t]*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if info == "python":
            previous = next((line.strip() for line in reversed(lines[:i]) if line.strip()), "")
            body = [line[len(indent):] if line.startswith(indent) else line
                    for line in lines[i + 1:end]]
            blocks.append((i + 2, "\n".join(body) + "\n", previous == SKIP_MARKER))
        i = end + 1
    return blocks


def run_blocks(path, blocks):
    """Execute the blocks in order in one namespace; tracebacks point at the .md lines."""
    namespace = {"__name__": "__main__"}
    for first_line, source, skipped in blocks:
        if skipped:
            continue
        code = compile("\n" * (first_line - 1) + source, str(path), "exec")
        exec(code, namespace)  # noqa: S102 - running the documentation is the point
    return namespace


DOC_FILES = [p for p in markdown_files() if python_blocks(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", DOC_FILES, ids=[p.relative_to(ROOT).as_posix() for p in DOC_FILES])
def test_markdown_code_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    run_blocks(path, python_blocks(path.read_text(encoding="utf-8")))


def test_readme_and_docs_are_searched_but_not_docs_examples():
    searched = {p.relative_to(ROOT).as_posix() for p in markdown_files()}
    assert "README.md" in searched
    assert "docs/training.md" in {p.relative_to(ROOT).as_posix() for p in DOC_FILES}
    assert not any(name.startswith("docs/examples/") for name in searched)


# --------------------------------------------------------------------------- the harness itself
SAMPLE = """\
Intro.

```python
x = 1
```

```console
$ this is not python
```

<!-- skip-test -->
```python
raise RuntimeError("skipped")
```

- a list item with code:

  ```python
  y = x + 1
  ```

````markdown
```python
inside a four-backtick fence: not a block of its own
```
````

```py
z = "only 'python' fences run"
```
"""


def test_harness_finds_python_blocks_only():
    blocks = python_blocks(SAMPLE)
    assert [(line, src, skipped) for line, src, skipped in blocks] == [
        (4, "x = 1\n", False),
        (13, 'raise RuntimeError("skipped")\n', True),
        (19, "y = x + 1\n", False),
    ]


def test_harness_shares_names_between_blocks_and_skips_marked_ones(tmp_path):
    namespace = run_blocks(tmp_path / "sample.md", python_blocks(SAMPLE))
    assert namespace["y"] == 2


def test_harness_reports_the_markdown_line_of_a_failure(tmp_path):
    text = "# Title\n\n```python\na = 1\nb = a / 0\n```\n"
    with pytest.raises(ZeroDivisionError) as info:
        run_blocks(tmp_path / "broken.md", python_blocks(text))
    frame = info.traceback[-1]
    assert Path(str(frame.path)).name == "broken.md"
    assert frame.lineno + 1 == 5  # pytest counts lines from 0
