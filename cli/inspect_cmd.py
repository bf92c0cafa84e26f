"""``minigrad inspect``: a cell's gates and state over one sequence of a task.

    minigrad inspect --cell lstm --task copy                   # a table, step x value
    minigrad inspect --cell lstm --task copy --load run.npz -o gates.png
    minigrad inspect --cell gru --task adding --length 20 --json

The recording is ``minigrad.gate_trace.trace_gates``; this file prints it: the table
(each value's mean over the units at each step), one JSON object (every unit too), or
the picture (needs matplotlib; without it a note, and the command still succeeds).
Bad usage exits 2 with one line.
"""
import click

from minigrad.results import standard_json


def _input_text(row):
    """One step's input, short: the index of a one-hot symbol, a blank step as ``-``,
    else the first feature's value."""
    nonzero = [k for k, value in enumerate(row) if value != 0]
    if not nonzero:
        return "-"
    if len(nonzero) == 1 and row[nonzero[0]] == 1:
        return str(nonzero[0])
    return f"{row[0]:.2f}"


def table(trace):
    means = trace.means()
    names = list(means)
    lines = [f"# {trace.cell} on {trace.task} {trace.task_options}, hidden {trace.hidden}"
             f"{', from ' + trace.loaded if trace.loaded else ', untrained (no --load)'}; "
             f"layer 0, one sequence; each column the mean over the {trace.hidden} units",
             "  ".join([f"{'step':>4}", f"{'input':>5}"] + [f"{n:>7}" for n in names])]
    for t in range(trace.steps):
        lines.append("  ".join([f"{t:>4}", f"{_input_text(trace.inputs[t]):>5}"]
                               + [f"{means[n][t]:>7.3f}" for n in names]))
    return "\n".join(lines)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--cell", required=True, help="Cell name (see `minigrad cells`).")
@click.option("--task", required=True,
              help="Task name (see `minigrad tasks`); its options follow, e.g. --delay 50.")
@click.option("--load", "load_path", type=click.Path(dir_okay=False), default=None,
              help="A `minigrad train --save` checkpoint (or a state_dict) to inspect.")
@click.option("--hidden", type=click.IntRange(min=1), default=None,
              help="Hidden units (default: the checkpoint's, else train's default).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the sequence drawn (and of the weights, without --load).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Also draw the values to this .png (needs matplotlib).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_context
def inspect(ctx, cell, task, load_path, hidden, seed, output, as_json):
    """Show a cell's gates and state at each step of one sequence of a task."""
    from pathlib import Path

    from minigrad.gate_trace import draw, trace_gates
    from . import output as out
    from .main import bad_usage, parse_task_options
    with bad_usage():
        task_options = parse_task_options(task, ctx.args) or None
        if output is not None and Path(output).suffix != ".png":
            raise ValueError(f"-o {output}: the picture is a .png file; give a name ending "
                             f"in .png")
        if output is not None and not Path(output).parent.is_dir():
            raise ValueError(f"-o {output}: the folder {Path(output).parent} does not exist")
        checkpoint = out.read_checkpoint(load_path) if load_path is not None else None
        trace = trace_gates(cell, task, task_options, checkpoint=checkpoint, hidden=hidden,
                            seed=seed, loaded=load_path)
    click.echo(standard_json(trace.to_dict()) if as_json else table(trace))
    if output is not None:
        click.echo(f"inspect: {draw(trace, output)}", err=True)
