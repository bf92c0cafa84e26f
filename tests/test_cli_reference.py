"""docs/cli.md is generated from the Click commands by tests/cli_reference.py: it is
current, it lists every command the group has (whatever other engineers add), and a
stale page is reported with the command that fixes it."""
import click
import pytest

import cli_reference
from cli_reference import COMMAND, DOC
from minigrad.cli.main import main as cli

pytestmark = pytest.mark.usefixtures("real_registry")  # see conftest.py


def test_the_page_is_current():
    message = cli_reference.stale_message(DOC.read_text(encoding="utf-8"))
    assert message is None, message


def test_every_command_of_the_group_has_its_help_on_the_page():
    page = cli_reference.generate()
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert {"compare", "train", "cells", "tasks"} <= set(names)
    for name in names:
        command = cli.get_command(ctx, name)
        if command.hidden:
            continue
        assert f"\n## minigrad {name}\n" in page, name
        assert f"Usage: minigrad {name} [OPTIONS]" in page, name
        for option in command.params:
            for flag in option.opts:
                if flag.startswith("--"):
                    assert flag in page, (name, flag)


def test_a_new_command_or_subgroup_appears_without_touching_the_generator():
    group = click.Group("minigrad", help="A test group.")

    @group.command()
    @click.option("--depth", default=3, show_default=True, help="How deep to look.")
    def gradflow(depth):
        """Show the gradient flowing back through time."""

    sub = click.Group("inspect", help="Look inside a checkpoint.")

    @sub.command()
    def weights():
        """Print the weights."""

    @group.command(hidden=True)
    def secret():
        """Not for the page."""

    group.add_command(sub)
    page = cli_reference.generate(group)
    assert "\n## minigrad gradflow\n" in page and "How deep to look.  [default: 3]" in page
    assert "\n## minigrad inspect\n" in page
    assert "\n### minigrad inspect weights\n" in page and "Print the weights." in page
    assert "- [`minigrad inspect weights`](#minigrad-inspect-weights)" in page
    assert "secret" not in page


def test_a_stale_page_is_reported_with_the_command():
    text = DOC.read_text(encoding="utf-8")
    for broken in (text.replace("Train each cell on a task", "Train a cell"), "", text + "x"):
        message = cli_reference.stale_message(broken)
        assert message is not None and COMMAND in message


def test_the_page_has_no_code_for_the_docs_harness_to_run():
    import test_docs
    assert test_docs.python_blocks(cli_reference.generate()) == []
