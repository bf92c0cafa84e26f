"""Generate docs/cli.md, the command-line reference, from the Click commands themselves.

    python tests/cli_reference.py           # print the page
    python tests/cli_reference.py --write   # rewrite docs/cli.md

The page lists every command the ``minigrad`` group has (subgroups too, depth first, in
the order ``minigrad --help`` shows them), each with its help exactly as ``--help``
prints it at a fixed width, so nothing on the page is written by hand and a new command
appears as soon as it is registered. tests/test_cli_reference.py fails when docs/cli.md
differs from what this writes.
"""
import sys
from pathlib import Path

import click

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
COMMAND = "python tests/cli_reference.py --write"
WIDTH = 88  # columns of the help text; fixed, so the page doesn't depend on the terminal

HEADER = f"""# The command line

Every `minigrad` command and its options, as `minigrad COMMAND --help` prints them.
The page is generated from the commands themselves by

    {COMMAND}

and the test suite fails when it is out of date, so it cannot drift from the code.
Where to start: `minigrad compare` (see the [README](../README.md) and
[the tasks](tasks.md)).
"""


def help_text(command, path, parent=None):
    """``command``'s --help output, as run from ``path`` (e.g. "minigrad compare")."""
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = click.Context(command, info_name=path.split()[-1], parent=parent, **settings)
    return ctx, command.get_help(ctx)


def commands_of(group, ctx):
    """(name, command) of every visible command of ``group``, in its listing order."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            yield name, command


def sections(command, path, parent=None, level=2):
    ctx, text = help_text(command, path, parent)
    yield level, path, text.rstrip("\n")
    if isinstance(command, click.Group):
        for name, sub in commands_of(command, ctx):
            # the root's commands share its heading level; a subgroup's go one deeper
            yield from sections(sub, f"{path} {name}", ctx, level if parent is None else level + 1)


def generate(group=None):
    """The whole page for ``group`` (default: minigrad's own ``main``)."""
    if group is None:
        from minigrad.cli.main import main as group
    parts = [HEADER]
    all_sections = list(sections(group, "minigrad"))
    names = [path for _, path, _ in all_sections[1:]]
    parts.append("\n".join(f"- [`{p}`](#{p.replace(' ', '-')})" for p in names) + "\n")
    for level, path, text in all_sections:
        parts.append(f"{'#' * level} {path}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def stale_message(text, group=None):
    """Why ``text`` (the page) needs regenerating, or None when it is current."""
    if text != generate(group):
        return (f"{DOC.name} is out of date (a command, an option or a help text changed): "
                f"run `{COMMAND}` and commit the result")
    return None


def main(argv):
    page = generate()
    if argv == ["--write"]:
        DOC.write_text(page, encoding="utf-8")
        print(f"wrote {DOC}")
    elif not argv:
        sys.stdout.write(page)
    else:
        sys.exit(f"usage: python tests/cli_reference.py [--write] (got {' '.join(argv)})")


if __name__ == "__main__":
    main(sys.argv[1:])
