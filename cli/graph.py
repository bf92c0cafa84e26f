"""``minigrad graph``: a cell unrolled over a few steps, drawn as its autograd graph.

    minigrad graph --cell lstm --steps 3              # DOT on stdout
    minigrad graph --cell gru -o gru.svg              # SVG through Graphviz's dot
    minigrad graph --cell lstm --fused -o one.dot     # the fused op: one node per layer

The graph is ``minigrad.viz.cell_graph``; this file writes it. ``.svg`` and ``.png``
need Graphviz's ``dot`` on PATH; without it the DOT is written beside the asked-for
file (``gru.dot``) with a note on how to render it, and the command still succeeds.
"""
import shutil
import subprocess
from pathlib import Path

import click

RENDERED = (".svg", ".png")


def render(dot_text, path):
    """Write ``dot_text`` to ``path`` (.dot, or .svg/.png through ``dot``); returns the
    note to print on stderr."""
    path = Path(path)
    if path.suffix == ".dot":
        path.write_text(dot_text)
        return f"graph: wrote {path}"
    program = shutil.which("dot")
    if program is None:
        fallback = path.with_suffix(".dot")
        fallback.write_text(dot_text)
        return (f"graph: Graphviz's 'dot' is not on PATH, so {path} was not drawn; wrote "
                f"{fallback} instead. Render it with: dot -T{path.suffix[1:]} {fallback} "
                f"-o {path}  (Graphviz: https://graphviz.org/download/)")
    done = subprocess.run([program, f"-T{path.suffix[1:]}", "-o", str(path)],
                          input=dot_text, text=True, capture_output=True)
    if done.returncode != 0 or not path.exists():
        detail = (done.stderr or "").strip().splitlines()
        raise click.ClickException(f"dot could not draw {path}: "
                                   f"{detail[-1] if detail else f'exit status {done.returncode}'}")
    return f"graph: wrote {path}"


@click.command()
@click.option("--cell", required=True, help="Cell name (see `minigrad cells`).")
@click.option("--steps", type=click.IntRange(1, 1000), default=3, show_default=True,
              help="Time steps to unroll.")
@click.option("--hidden", type=click.IntRange(1, 4096), default=2, show_default=True,
              help="Hidden units (only the shapes in the labels change).")
@click.option("--fused", is_flag=True,
              help="Let a built-in cell run its whole sequence as one op (one node).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="file.dot, file.svg or file.png (default: DOT on stdout).")
def graph(cell, steps, hidden, fused, output):
    """Draw a cell's autograd graph unrolled over a few steps (Graphviz DOT)."""
    from minigrad.viz import cell_graph
    from .main import bad_usage
    with bad_usage():
        if output is not None and Path(output).suffix not in (".dot", *RENDERED):
            raise ValueError(f"-o {output}: give a file ending in .dot, .svg or .png")
        if output is not None and not Path(output).parent.is_dir():
            raise ValueError(f"-o {output}: the folder {Path(output).parent} does not exist")
        text = cell_graph(cell, steps=steps, hidden=hidden, fused=fused)
    if output is None:
        click.echo(text, nl=False)
        return
    click.echo(render(text, output), err=True)
