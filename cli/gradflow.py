"""``minigrad gradflow``: how much of the loss's gradient reaches each step, per cell.

    minigrad gradflow --cells rnn,lstm,lstm:chrono,gru            # T = 60 steps of noise
    minigrad gradflow --cells rnn,lstm:chrono --task copy --delay 50 --after-steps 200
    minigrad gradflow --cells rnn,gru --json
    minigrad gradflow --cells rnn,lstm -o gradflow.png

The measuring is ``minigrad.gradient_flow``; this file parses, prints the table (every
k-th step, in scientific notation) or one JSON object on stdout, and draws the plot.
Bad usage exits 2 with one line.
"""
import math

import click

from minigrad.results import standard_json


def rows_to_show(length, every=None):
    """The steps the table lists: 0, k, 2k, ... and always T - 1 (k chosen so about 16
    rows show, unless ``every`` says)."""
    every = every or max(1, math.ceil((length - 1) / 15))
    steps = list(range(0, length, every))
    if steps[-1] != length - 1:
        steps.append(length - 1)
    return steps


def table(flow, every=None):
    """The flow as text: a header saying what L and the norm are, then one row per shown
    step t and one column per series."""
    settings = flow.settings
    where = (f"task {settings['task']} {settings['task_options']}" if settings["task"]
             else f"N(0, 1) inputs of {settings['input_size']} features")
    lines = [f"# ‖∂L/∂h_t‖, mean over a batch of {settings['batch']}; {where}; "
             f"T={settings['length']} H={settings['hidden']} seed={settings['seed']}, float64",
             "# L: w·h_(T-1) for a random unit w (columns without 'task'); the task's own "
             "loss × batch ('task'); @N: after N training steps"]
    widths = [max(9, len(series.label)) for series in flow.series]
    lines.append("  ".join([f"{'t':>4}"] + [f"{series.label:>{width}}"
                                             for series, width in zip(flow.series, widths)]))
    for t in rows_to_show(flow.length, every):
        lines.append("  ".join([f"{t:>4}"] + [f"{series.norms[t]:>{width}.2e}"
                                               for series, width in zip(flow.series, widths)]))
    return "\n".join(lines)


# cli.main's helpers are imported inside the command: main imports this file at its end,
# and ``python -m minigrad.cli.main`` would otherwise find main half made.
@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--cells", "cells", multiple=True, required=True,
              help="Cells, by comma or repeated; CELL:INIT gives one its own init scheme "
              "(e.g. rnn,lstm,lstm:chrono; see `minigrad cells`).")
@click.option("--task", default=None,
              help="Measure on this task's sequences and loss too (see `minigrad tasks`); "
              "its options (e.g. --delay 50) follow.")
@click.option("--length", type=click.IntRange(min=1), default=None,
              help="T, the steps of the random inputs (default 60); with --task, the "
              "task's own --length option, as in `compare`.")
@click.option("--init", default="default", show_default=True,
              help="Init scheme of the cells without CELL:INIT: default (PyTorch's), auto "
              "(each cell's own), chrono, forget-bias, orthogonal, identity, ...")
@click.option("--forget-bias", type=float, default=1.0, show_default=True,
              help="The forget-gate bias of the forget-bias scheme.")
@click.option("--after-steps", type=click.IntRange(min=0), default=0, show_default=True,
              metavar="N", help="With --task: measure again after N Adam steps on it.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=1e-2,
              show_default=True, help="Learning rate of --after-steps.")
@click.option("--hidden", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--batch", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--every", type=click.IntRange(min=1), default=None, metavar="K",
              help="List every K-th step in the table (default: about 16 rows).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("-o", "--output", "plot_path", type=click.Path(dir_okay=False),
              default=None, help="Draw the norms on a log scale into this PNG "
              "(needs matplotlib: pip install 'minigrad[plot]').")
@click.pass_context
def gradflow(ctx, cells, task, length, init, forget_bias, after_steps, lr, hidden, batch,
             seed, every, as_json, plot_path):
    """‖∂L/∂h_t‖ at every step t, for each cell: the vanishing gradient, measured."""
    import minigrad
    from minigrad.gradflow_plot import plot
    from .main import _split_names, bad_usage, parse_task_options
    with bad_usage():  # everything is checked before anything is measured
        if plot_path is not None and not plot_path.strip():
            raise ValueError("-o/--output: an empty path names no file; give a path such "
                             "as gradflow.png, or leave the option out")
        names = _split_names(cells)
        if not names:
            raise ValueError("--cells needs at least one cell name")
        task_options = {}
        if task is not None:
            extra = list(ctx.args) + ([] if length is None else ["--length", str(length)])
            task_options, length = parse_task_options(task, extra), None
        elif ctx.args:
            raise click.UsageError(f"unexpected argument {ctx.args[0]!r} (task options "
                                   f"need --task)")
        flow = minigrad.gradient_flow(names, task=task, length=length, init=init,
                                      after_steps=after_steps, hidden=hidden, batch=batch,
                                      seed=seed, forget_bias=forget_bias,
                                      task_options=task_options, lr=lr)
    click.echo(standard_json(flow.to_dict()) if as_json else table(flow, every))
    if plot_path is not None:
        click.echo(plot(flow, plot_path), err=True)
