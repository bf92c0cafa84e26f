"""The ``minigrad`` command: parses, calls minigrad's Python API, prints.

    minigrad compare --cells rnn,gru,lstm --task copy --out runs/copy
    minigrad compare --resume runs/copy
    minigrad train --cell lstm --task adding --save lstm.npz
    minigrad tasks | cells | plugins [--json]

Bad usage (an unknown name, a zero size, an option the task doesn't take, an
unwritable --out) exits with status 2 and one line, before any training starts.
Progress goes to stderr; results to stdout. SIGINT (Ctrl-C) and SIGTERM end the run in
progress cleanly, keep what finished, say how to go on, and exit with 130 / 143.
"""
import contextlib
import math
import os
import stat
import sys
import warnings

import click
from click.core import ParameterSource

import minigrad
from minigrad.nn.init_schemes import SCHEMES
from minigrad.results import SettingsMismatch, read_settings, standard_json
from minigrad.stopping import StopOnSignals
from minigrad.training import FIELDS, OPTIMIZERS, Interrupted, InvalidRunError, TrainConfig

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
                     help="Most training steps per run (a run stops early once solved, "
                     "unless --no-early-stop)."),
        click.option("--early-stop/--no-early-stop", default=defaults.early_stop,
                     show_default=True,
                     help="Stop a run at the first evaluation where the task counts as "
                     "solved; --no-early-stop trains every one of --steps (to follow "
                     "a learning curve past that point)."),
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
        click.option("--embed", type=positive, default=None, metavar="D",
                     help="Feed token tasks through a learned embedding of D values "
                     "instead of one-hot vectors (default: one-hot)."),
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
FLAGS = {"cell_options": "--cell-opt", "initial_state": "--load", "resume_from": "--load",
         "checkpoint": "--save"}


def flag_of(difference):
    """The flag that sets the setting a ``minigrad.results.Difference`` names."""
    if difference.task_option:
        return "--" + difference.name.replace("_", "-")
    return FLAGS.get(difference.name, "--" + difference.name.replace("_", "-"))


class RecordedCommand(TrainingCommand):
    """A command that keeps its own arguments (``ctx.meta["argv"]``), to record them in a
    results folder and to tell how to go on after an interruption."""

    def parse_args(self, ctx, args):
        ctx.meta["argv"] = ["minigrad", ctx.info_name, *args]
        return super().parse_args(ctx, args)


def _given(ctx, name):
    """Whether the option ``name`` was given on the command line (not left at its default)."""
    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE,
                                              ParameterSource.ENVIRONMENT)


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


@main.command(cls=RecordedCommand,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--cells", "cells", multiple=True,
              help="Cells to compare, by comma or repeated: rnn,gru,lstm (see `minigrad cells`).")
@click.option("--task", default=None, help="Task name (see `minigrad tasks`), e.g. copy.")
@training_options
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs per cell, seeds seed..seed+N-1 (results as mean ± std).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--out", type=NonEmptyPath(file_okay=False), default=None,
              help="Write results.json and curves.csv into this folder as each run ends "
              "(and curves.png at the end); a new folder, or use --resume.")
@click.option("--resume", "resume_dir", type=NonEmptyPath(file_okay=False),
              default=None,
              help="Continue the comparison whose --out folder this is, with the settings "
              "recorded there: finished runs are kept, the others run.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=None, metavar="N",
              help="With --out: checkpoint the run in progress every N steps, so --resume "
              "goes on from there instead of restarting it.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes to train the runs on (see `minigrad sweep`).")
@click.option("--quiet", "-q", is_flag=True, callback=_quiet,
              help="Nothing on stderr but errors.")
@click.pass_context
def compare(ctx, cells, task, seeds, as_json, out, resume_dir, checkpoint_every, jobs, quiet,
            **params):
    """Train each cell on a task and compare them. Task options (e.g. --length, --delay)
    are listed by `minigrad tasks`, cell options (--cell-opt) by `minigrad cells`."""
    with bad_usage():  # everything is checked before the first training step
        if jobs != 1 and checkpoint_every is not None:
            raise ValueError("--checkpoint-every can't be used with --jobs: a worker holds "
                             "the run in progress (each run is kept as it ends)")
        if resume_dir is not None:
            plan = _resume_plan(ctx, resume_dir, out, checkpoint_every, cells, task, seeds,
                                params)
        else:
            plan = _compare_plan(ctx, cells, task, seeds, out, checkpoint_every, params)
        if plan.folder is None:
            output.check_stdout()
    if not quiet:
        click.echo(output.describe_setup(task or plan.settings()["task"], plan), err=True)
        if resume_dir is not None:
            click.echo(output.describe_resume(plan), err=True)
    ctx.exit(_run(plan, quiet, lambda comparison, stop: output.report_comparison(
        comparison, plan, stop, as_json, quiet), jobs))


def _compare_plan(ctx, cells, task, seeds, out, checkpoint_every, params):
    from minigrad.training import prepare
    if not cells or task is None:
        missing = "--cells" if not cells else "--task"
        raise click.UsageError(f"Missing option '{missing}' (or --resume DIR, to continue a "
                               f"comparison)")
    names = _split_names(cells)
    if not names:
        raise ValueError("--cells needs at least one cell name")
    task_options = parse_task_options(task, ctx.args)
    plan = prepare(names, task, seeds, task_options, **_train_kwargs(params))
    if checkpoint_every is not None and out is None:
        raise ValueError("--checkpoint-every needs --out DIR: the checkpoints are kept there")
    if out is not None:
        plan.write_to(out, ctx.meta["argv"], checkpoint_every)
    return plan


def _resume_plan(ctx, folder, out, checkpoint_every, cells, task, seeds, params):
    from minigrad.resuming import prepare_resume
    asked = _asked_again(ctx, folder, out, cells, task, seeds, params)
    try:
        return prepare_resume(folder, ctx.meta["argv"], checkpoint_every, **asked)
    except SettingsMismatch as error:  # told in flags: --hidden 8 (asked 16)
        raise InvalidRunError(error.describe(flag_of), "resume") from None


def _run(plan, quiet, report, jobs=1):
    """Train ``plan`` with progress on stderr, SIGINT and SIGTERM stopping it cleanly;
    returns the exit status ``report(comparison, stop)`` gives."""
    if jobs != 1:
        from .sweep import run_in_parallel
        return run_in_parallel(plan, quiet, report, jobs)
    progress = output.Progress(quiet, plan.config.steps)
    with StopOnSignals() as stop:
        try:
            comparison = plan.run(on_run_start=progress.start, callback=progress.update,
                                  stop=stop)
        except Interrupted as interrupted:  # a second signal: no waiting for the step
            comparison = interrupted.comparison
        finally:
            progress.close()
        try:
            return report(comparison, stop)
        except KeyboardInterrupt:  # asked again while printing: what is on disk stays
            return stop.exit_status or 130


def _asked_again(ctx, folder, out, cells, task, seeds, params):
    """The settings a ``compare --resume`` command gives (not left at their defaults),
    which must agree with those recorded in ``folder``."""
    if out is not None and os.path.abspath(out) != os.path.abspath(folder):
        raise ValueError(f"--out {out}: --resume {folder} writes to the folder it continues; "
                         f"leave --out out")
    asked = {name: params[name] for name in FIELDS if name in params and _given(ctx, name)}
    if cells:
        asked["cells"] = _split_names(cells)
    if task is not None:
        asked["task"] = task
    if _given(ctx, "seeds"):
        asked["seeds"] = seeds
    if params.get("cell_opts"):
        asked["cell_options"] = parse_cell_options(params["cell_opts"])
    if ctx.args:
        asked["task_options"] = parse_task_options(task or read_settings(folder)["task"],
                                                   ctx.args)
    return asked


@main.command(cls=RecordedCommand,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--cell", required=True, help="Cell name (see `minigrad cells`).")
@click.option("--task", required=True, help="Task name (see `minigrad tasks`).")
@training_options
@click.option("--save", "save_path", type=NonEmptyPath(regular_file=True, dir_okay=False),
              default=None,
              help="Write a checkpoint (model, optimizer, data generators, step) to this .npz "
              "file at the end, when stopped, and every --checkpoint-every steps.")
@click.option("--load", "load_path", type=NonEmptyPath(dir_okay=False), default=None,
              help="Continue the run a --save checkpoint holds (same settings; --steps may "
              "grow), or start from a state_dict's parameters.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=None, metavar="N",
              help="With --save: write the checkpoint every N steps too.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, callback=_quiet,
              help="Nothing on stderr but errors.")
@click.pass_context
def train(ctx, cell, task, save_path, load_path, checkpoint_every, as_json, quiet, **params):
    """Train one cell on a task (optionally from, and to, a checkpoint)."""
    from minigrad.run_checkpoint import is_run_checkpoint
    from minigrad.training import prepare
    with bad_usage():  # everything is checked before the first training step
        task_options = parse_task_options(task, ctx.args)
        loaded = output.read_checkpoint(load_path) if load_path is not None else None
        continuing = is_run_checkpoint(loaded)
        try:
            plan = prepare([cell], task, 1, task_options,
                           initial_state=None if continuing else loaded,
                           **_train_kwargs(params))
            if continuing:
                plan.continue_from(loaded)
        except minigrad.training.IncompatibleCheckpoint as error:
            raise ValueError(f"--load {load_path}: {error}") from None  # which file
        except SettingsMismatch as error:
            raise ValueError(f"--load {load_path}: {error.describe(flag_of)}") from None
        if save_path is not None:
            plan.checkpoint_to(save_path, checkpoint_every)
        elif checkpoint_every is not None:
            raise ValueError("--checkpoint-every needs --save PATH, the file it writes")
        else:
            output.check_stdout()
    if not quiet:
        click.echo(output.describe_setup(task, plan), err=True)
    ctx.exit(_run(plan, quiet, lambda comparison, stop: output.report_run(
        comparison, plan, stop, as_json, quiet, ctx.meta["argv"])))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def tasks(as_json):
    """List the registered tasks with their options and defaults."""
    import minigrad.plugin_manager as pm
    rows = []
    for name, spec in sorted(pm.tasks().items()):
        rows.append({"name": name, "description": spec.description, "plugin": spec.plugin,
                     "distribution": spec.distribution,
                     "shape": getattr(spec.factory, "shape", "per-step"),
                     "options": [{"name": o.name, "flag": "--" + o.name.replace("_", "-"),
                                  "default": o.default, "help": o.help}
                                 for o in getattr(spec.factory, "options", ())]})
    if as_json:
        click.echo(standard_json(rows))
        return
    for row in rows:
        click.echo(f"{row['name']}  ({row['distribution']}, {row['shape']})  "
                   f"{row['description']}")
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
        click.echo(standard_json(rows))
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
        click.echo(standard_json([output.plugin_row(p) for p in found]))
        return
    for plugin in found:
        status = f"ERROR: {plugin.error}" if plugin.error else ", ".join(plugin.hooks)
        if plugin.status in ("disabled", "skipped"):
            status = plugin.status
        if plugin.note:
            status += f"  ({plugin.note})"
        click.echo(f"{plugin.name}  {plugin.distribution} {plugin.version or ''}  {status}")


from .bench import bench  # noqa: E402 - the command lives in its own file
main.add_command(bench)
from .graph import graph  # noqa: E402 - the command lives in its own file
main.add_command(graph)
from .inspect_cmd import inspect  # noqa: E402 - the command lives in its own file
main.add_command(inspect)
from .gradflow import gradflow  # noqa: E402 - the command lives in its own file
main.add_command(gradflow)
from .sample import sample, score  # noqa: E402 - the commands live in their own file
main.add_command(sample)
main.add_command(score)
from .sweep import sweep  # noqa: E402 - the command lives in its own file
main.add_command(sweep)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
