"""The ``minigrad`` command: parses, calls minigrad's Python API, prints.

    minigrad compare --cells rnn,gru,lstm --task copy
    minigrad train --cell lstm --task adding --save lstm.npz
    minigrad tasks | cells | plugins [--json]

Bad usage (an unknown name, a zero size, an option the task doesn't take, an
unwritable --out) exits with status 2 and one line, before any training starts.
Progress goes to stderr; results to stdout.
"""
import contextlib
import json
import math
import os
import stat
import sys
import warnings

import click

import minigrad
from minigrad.nn.init_schemes import SCHEMES
from minigrad.training import FIELDS, OPTIMIZERS, TrainConfig

from . import output


class FiniteFloat(click.FloatRange):
    """A float in a range, and never NaN or infinite (``--lr inf`` means nothing)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            allowed = self._describe_range() if self.min is not None or self.max is not None \
                else "any other number"
            self.fail(f"{value!r} is not a finite number (allowed: {allowed})", param, ctx)
        return number


class NonEmptyPath(click.Path):
    """A path that is not the empty string (``--out ''`` would otherwise be ignored) and,
    when it exists, is the kind of thing asked for: with ``regular_file``, never a named
    pipe or a device (writing beside one and renaming over it would replace it)."""

    def __init__(self, regular_file=False, **kwargs):
        super().__init__(**kwargs)
        self.regular_file = regular_file

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            self.fail("an empty path names no file; give a path, or leave the option out",
                      param, ctx)
        path = super().convert(value, param, ctx)
        if self.regular_file and os.path.exists(path):
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                kind = ("a named pipe" if stat.S_ISFIFO(mode) else "a device"
                        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
                self.fail(f"{os.fsdecode(path)!r} is {kind}, not a regular file", param, ctx)
        return path


class TrainingCommand(click.Command):
    """A command whose unknown ``--options`` go to the task (``parse_task_options``).

    A long option written with one dash (``-length 3``) is refused: Click would read it
    as the short flags ``-l -e -n -g -t -h``, and ``-h`` prints the help and exits 0.
    """

    def parse_args(self, ctx, args):
        short = {opt[1:] for param in self.get_params(ctx) for opt in param.opts
                 if len(opt) == 2 and opt[0] == "-" and opt[1] != "-"}
        takes_value = {opt for param in self.get_params(ctx) if isinstance(param, click.Option)
                       and not param.is_flag for opt in param.opts}
        previous = None
        for token in args:
            if token == "--":
                break
            if (previous not in takes_value and token.startswith("-") and len(token) > 2
                    and not token.startswith("--") and token[1].isalpha()
                    and not set(token[1:]) <= short):
                raise click.UsageError(f"{token}: a long option takes two dashes "
                                       f"(--{token[1:]}); one dash starts a short flag such "
                                       f"as -q", ctx)
            previous = token
        return super().parse_args(ctx, args)


def _quiet(ctx, param, quiet):
    """--quiet: nothing on stderr but errors, so Python's warnings (a plugin's, NumPy's)
    are silenced for the rest of the command."""
    if quiet:
        ctx.with_resource(warnings.catch_warnings())
        warnings.simplefilter("ignore")
    return quiet


def training_options(command):
    """The options every command that trains shares; defaults from TrainConfig."""
    defaults = TrainConfig()
    positive = click.IntRange(min=1)
    options = [
        click.option("--hidden", type=positive, default=defaults.hidden, show_default=True,
                     help="Hidden units per layer."),
        click.option("--layers", type=positive, default=defaults.layers, show_default=True,
                     help="Stacked recurrent layers."),
        click.option("--optimizer", type=click.Choice(OPTIMIZERS), default=defaults.optimizer,
                     show_default=True),
        click.option("--lr", type=FiniteFloat(min=0, min_open=True), default=defaults.lr,
                     show_default=True, help="Learning rate."),
        click.option("--batch", type=positive, default=defaults.batch, show_default=True,
                     help="Sequences per training step."),
        click.option("--steps", type=positive, default=defaults.steps, show_default=True,
                     help="Most training steps per run (a run stops early once solved)."),
        click.option("--clip", type=FiniteFloat(min=0), default=defaults.clip,
                     show_default=True, help="Clip the global gradient norm (0: off)."),
        click.option("--init", default=defaults.init, show_default=True,
                     help="Initialisation scheme: auto (each cell's own: chrono for the LSTM "
                     f"family, PyTorch's for the rest), {', '.join(SCHEMES)}, or one a cell "
                     "declares (see `minigrad cells`)."),
        click.option("--forget-bias", type=FiniteFloat(), default=defaults.forget_bias,
                     help="The forget-gate bias of --init forget-bias, e.g. 1.0 (given "
                     "alone, it chooses that scheme)."),
        click.option("--cell-opt", "cell_opts", multiple=True, metavar="[CELL:]NAME=VALUE",
                     help="A cell's declared option (see `minigrad cells`); repeatable. "
                     "CELL: gives it to that cell of the run only."),
        click.option("--tbptt", type=positive, default=None,
                     help="Truncated BPTT length in steps (default: full BPTT)."),
        click.option("--eval-every", type=positive, default=defaults.eval_every,
                     show_default=True, help="Steps between evaluations on fresh data."),
        click.option("--seed", type=click.IntRange(min=0), default=defaults.seed,
                     show_default=True),
        click.option("--device", default=defaults.device, show_default=True,
                     help="cpu, cuda or cuda:N."),
        click.option("--dtype", type=click.Choice(["float32", "float64"]),
                     default=defaults.dtype, show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _train_kwargs(params):
    """The command's parameters that are TrainConfig's fields, named alike."""
    kwargs = {name: params[name] for name in FIELDS if name in params}
    kwargs["cell_options"] = parse_cell_options(params.get("cell_opts", ()))
    return kwargs


#: The command-line flag of each API setting whose name is not simply --<name>.
FLAGS = {"cell_options": "--cell-opt", "initial_state": "--load"}


@contextlib.contextmanager
def bad_usage():
    """Inside: the API's errors about bad input become exit status 2 with one line; an
    ``InvalidRunError`` is told in terms of the flag that set the wrong value."""
    try:
        yield
    except (ValueError, KeyError, TypeError) as error:
        message = str(error.args[0] if error.args else error)
        option = getattr(error, "option", None)
        if option:
            flag = FLAGS.get(option, "--" + option.replace("_", "-"))
            if message.startswith(option + " "):
                message = flag + message[len(option):]
            elif not message.startswith(flag):
                message = f"{flag}: {message}"
        raise click.UsageError(message) from None


def parse_cell_options(values):
    """``("nonlinearity=relu", "lstm:x=1")`` -> ``{"nonlinearity": "relu", "lstm": {"x": "1"}}``
    (values stay text; the cells' declared options convert and check them). A value left
    empty, a cell name left empty before ``:``, or one option given two values is refused."""
    options = {}
    for value in values:
        target, equals, value_text = value.partition("=")
        cell, colon, name = target.rpartition(":")
        if not equals or not name.strip():
            raise click.UsageError(f"--cell-opt takes NAME=VALUE or CELL:NAME=VALUE, "
                                   f"got {value!r}")
        if colon and not cell.strip():
            raise click.UsageError(f"--cell-opt {value!r}: the cell name before ':' is empty "
                                   f"(give NAME=VALUE for every cell, CELL:NAME=VALUE for one)")
        if not value_text.strip():
            raise click.UsageError(f"--cell-opt {value!r}: the value after '=' is empty")
        name = name.strip().replace("-", "_")
        into = options.setdefault(cell.strip(), {}) if cell else options
        if name in into and into[name] != value_text:
            raise click.UsageError(f"--cell-opt gives {target.strip()} two values, "
                                   f"{into[name]!r} and {value_text!r}: give one")
        into[name] = value_text
    return options


def parse_task_options(task_name, extra_args):
    """``--length 10 --delay=50`` (left over after Click's own options) -> task options,
    checked against what the task declares. An option with no value, an empty value, or
    two different values is refused."""
    from minigrad.plugin_manager import get_task
    spec = get_task(task_name)
    declared = {o.name: o for o in spec.factory.options}
    values, args = {}, list(extra_args)
    while args:
        token = args.pop(0)
        if not token.startswith("--"):
            raise click.UsageError(f"unexpected argument {token!r}")
        name, equals, value = token[2:].partition("=")
        key = name.replace("-", "_")
        if key not in declared:
            allowed = ", ".join("--" + n.replace("_", "-") for n in declared) or "none"
            raise click.UsageError(f"no such option --{name} (for task {task_name!r}: "
                                   f"{allowed}; for training: see --help)")
        if not equals:
            if not args or args[0].startswith("--"):
                raise click.UsageError(f"option --{name} needs a value")
            value = args.pop(0)
        if not value.strip():
            raise click.UsageError(f"option --{name} needs a value, got an empty one")
        if key in values and values[key] != value:
            raise click.UsageError(f"option --{name} is given twice, as {values[key]!r} and "
                                   f"{value!r}: give it once")
        values[key] = value
    return values


def _split_names(values):
    """``("rnn,gru", "lstm")`` -> ``["rnn", "gru", "lstm"]``; an empty name between commas
    is refused (a typo, not a cell)."""
    names = []
    for value in values:
        parts = [v.strip() for v in value.split(",")]
        if any(not part for part in parts) and any(parts):
            raise click.UsageError(f"--cells {value!r} has an empty name between its commas")
        names += [part for part in parts if part]
    return names


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(minigrad.__version__, prog_name="minigrad")
def main():
    """minigrad: train and compare recurrent cells on long-dependency tasks.

    Start with:  minigrad compare --cells rnn,gru,lstm --task copy
    """


@main.command(cls=TrainingCommand,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--cells", "cells", multiple=True, required=True,
              help="Cells to compare, by comma or repeated: rnn,gru,lstm (see `minigrad cells`).")
@click.option("--task", required=True, help="Task name (see `minigrad tasks`), e.g. copy.")
@training_options
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs per cell, seeds seed..seed+N-1 (results as mean ± std).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--out", type=NonEmptyPath(file_okay=False), default=None,
              help="Write results.json, curves.csv and curves.png into this folder.")
@click.option("--quiet", "-q", is_flag=True, callback=_quiet,
              help="Nothing on stderr but errors.")
@click.pass_context
def compare(ctx, cells, task, seeds, as_json, out, quiet, **params):
    """Train each cell on a task and compare them. Task options (e.g. --length, --delay)
    are listed by `minigrad tasks`, cell options (--cell-opt) by `minigrad cells`."""
    from minigrad.training import prepare
    with bad_usage():  # everything is checked before the first training step
        names = _split_names(cells)
        if not names:
            raise ValueError("--cells needs at least one cell name")
        task_options = parse_task_options(task, ctx.args)
        plan = prepare(names, task, seeds, task_options, **_train_kwargs(params))
        out_dir = output.prepare_out_dir(out) if out else None
    progress = output.Progress(quiet, plan.config.steps)
    if not quiet:
        click.echo(output.describe_setup(task, plan), err=True)
    comparison = plan.run(on_run_start=progress.start, callback=progress.update)
    progress.close()
    if out_dir:
        notes = output.write_outputs(comparison, out_dir)
        for note in ([] if quiet else notes):
            click.echo(note, err=True)
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), indent=2, default=output.json_default))
    else:
        click.echo(output.comparison_table(comparison))


@main.command(cls=TrainingCommand,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--cell", required=True, help="Cell name (see `minigrad cells`).")
@click.option("--task", required=True, help="Task name (see `minigrad tasks`).")
@training_options
@click.option("--save", "save_path", type=NonEmptyPath(regular_file=True, dir_okay=False),
              default=None,
              help="Write the trained model's parameters to this .npz checkpoint.")
@click.option("--load", "load_path", type=NonEmptyPath(dir_okay=False), default=None,
              help="Start from the parameters in this checkpoint.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, callback=_quiet,
              help="Nothing on stderr but errors.")
@click.pass_context
def train(ctx, cell, task, save_path, load_path, as_json, quiet, **params):
    """Train one cell on a task (optionally from, and to, a checkpoint)."""
    from minigrad.training import prepare
    with bad_usage():  # everything is checked before the first training step
        task_options = parse_task_options(task, ctx.args)
        initial = output.read_checkpoint(load_path) if load_path else None
        try:
            plan = prepare([cell], task, 1, task_options, initial_state=initial,
                           **_train_kwargs(params))
        except minigrad.training.IncompatibleCheckpoint as error:
            raise ValueError(f"--load {load_path}: {error}") from None  # which file
        if save_path:
            output.check_writable_file(save_path)
    progress = output.Progress(quiet, plan.config.steps)
    if not quiet:
        click.echo(output.describe_setup(task, plan), err=True)
    (result,) = plan.run(on_run_start=progress.start, callback=progress.update).results
    progress.close()
    if save_path:
        minigrad.save(result.model.state_dict(), save_path)
        if not quiet:
            click.echo(f"saved the model's parameters to {save_path}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, default=output.json_default))
    else:
        click.echo(output.run_summary(result))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def tasks(as_json):
    """List the registered tasks with their options and defaults."""
    import minigrad.plugin_manager as pm
    rows = []
    for name, spec in sorted(pm.tasks().items()):
        rows.append({"name": name, "description": spec.description, "plugin": spec.plugin,
                     "distribution": spec.distribution,
                     "options": [{"name": o.name, "flag": "--" + o.name.replace("_", "-"),
                                  "default": o.default, "help": o.help}
                                 for o in getattr(spec.factory, "options", ())]})
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=output.json_default))
        return
    for row in rows:
        click.echo(f"{row['name']}  ({row['distribution']})  {row['description']}")
        for opt in row["options"]:
            click.echo(f"    {opt['flag']:<16} default {opt['default']!s:<8} {opt['help']}")
    output.echo_plugin_errors()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def cells(as_json):
    """List the registered cells (bi-<cell> wrapped ones included), with the options
    they take (--cell-opt) and the init schemes they support (--init)."""
    import minigrad.plugin_manager as pm
    rows = [output.cell_row(name, spec) for name, spec in sorted(pm.cells().items())]
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=output.json_default))
        return
    width = max((len(r["name"]) for r in rows), default=4)
    for row in rows:
        click.echo(f"{row['name']:<{width}}  {row['description']}  [{row['distribution']}]")
        inits = [f"{s} (auto)" if s == row["recommended_init"] else s for s in row["init_schemes"]]
        click.echo(f"{'':<{width}}    init: {', '.join(inits)}")
        for opt in row["options"]:
            flag = f"{opt['name']}={opt['default']}"
            click.echo(f"{'':<{width}}    --cell-opt {flag:<20} {opt['help']}")
    output.echo_plugin_errors()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def plugins(as_json):
    """List the loaded plugins: name, distribution, version, hooks, and any error."""
    import minigrad.plugin_manager as pm
    found = pm.plugins()
    if as_json:
        click.echo(json.dumps([output.plugin_row(p) for p in found], indent=2))
        return
    for plugin in found:
        status = f"ERROR: {plugin.error}" if plugin.error else ", ".join(plugin.hooks)
        if plugin.status in ("disabled", "skipped"):
            status = plugin.status
        if plugin.note:
            status += f"  ({plugin.note})"
        click.echo(f"{plugin.name}  {plugin.distribution} {plugin.version or ''}  {status}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
