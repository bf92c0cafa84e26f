"""docs/coming-from-pytorch.md's program is a PyTorch program with its imports renamed: it
runs under minigrad (tests/test_docs.py runs the page too), and, with the imports put back,
under PyTorch, printing the same losses to float32 rounding."""
import contextlib
import io
import re
from pathlib import Path

import numpy as np

from test_docs import python_blocks  # noqa: E402 - the docs harness's own block parser

PAGE = Path(__file__).resolve().parent.parent / "docs" / "coming-from-pytorch.md"
RENAMES = {
    "import minigrad as torch": "import torch",
    "import minigrad.nn as nn": "import torch.nn as nn",
    "import minigrad.nn.functional as F": "import torch.nn.functional as F",
    "from minigrad.utils.data import": "from torch.utils.data import",
}


def program():
    first_line, source, _ = python_blocks(PAGE.read_text())[0]
    return source


def run(source):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, str(PAGE), "exec"), {"__name__": "__main__"})  # noqa: S102
    return [float(v) for v in re.findall(r"(?:loss|accuracy) (\d+\.\d+)", printed.getvalue())]


def as_pytorch(source):
    for ours, theirs in RENAMES.items():
        assert ours in source, ours
        source = source.replace(ours, theirs)
    return source


def test_only_the_imports_mention_minigrad():
    lines = [line for line in program().splitlines() if "minigrad" in line]
    assert len(lines) == len(RENAMES)
    assert all(line.startswith(tuple(RENAMES)) for line in lines)


def test_the_program_learns_under_minigrad():
    numbers = run(program())
    losses, accuracy = numbers[:-1], numbers[-1]
    assert len(losses) == 5 and losses[-1] < losses[0]
    assert accuracy > 1 / 3  # better than guessing among three languages


def test_the_program_prints_pytorchs_numbers(torch):
    ours = run(program())
    theirs = run(as_pytorch(program()))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-4)
