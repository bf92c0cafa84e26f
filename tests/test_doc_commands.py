"""The commands the docs show (``$ minigrad ...`` lines) run as printed, shortened.

A page's commands run in order in one folder, so a later one may read what an earlier
one wrote (``train --save lm.npz``, then ``sample --load lm.npz``). A command that trains
is given a few steps and a small model (a later option wins in Click), so the suite
checks that every documented command is accepted and works, not the figures it printed;
those come from the full commands, run by hand.
"""
import pathlib
import shlex

import pytest

import minigrad
from minigrad.task import SHAPES

from commands import invoke

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
SHORTER = {"train": ["--steps", "3", "--hidden", "8", "--eval-every", "3"],
           "compare": ["--steps", "2", "--hidden", "8", "--eval-every", "2"]}


def commands(page):
    """The ``minigrad`` command lines of a docs page, as argument lists."""
    return [shlex.split(line[len("$ minigrad "):], comments=True)
            for line in (DOCS / page).read_text(encoding="utf-8").splitlines()
            if line.startswith("$ minigrad ")]


@pytest.mark.parametrize("page", ["language-models.md", "rnn-shapes.md"])
def test_every_command_of_the_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = commands(page)
    assert lines, f"{page} shows no command"
    for args in lines:
        result = invoke(*args, *SHORTER.get(args[0], []))
        assert result.exit_code == 0, f"minigrad {shlex.join(args)}:\n{result.output}"
        assert result.stdout.strip()


def test_the_shapes_page_has_a_command_for_each_shape():
    tasks = {args[args.index("--task") + 1] for args in commands("rnn-shapes.md")}
    assert {minigrad.get_task(t).factory.shape for t in tasks} == set(SHAPES)
