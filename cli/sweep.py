"""``minigrad sweep``: cells × a grid of settings × seeds, on local processes or Dask.

    minigrad sweep --cells rnn,lstm --task copy --grid delay=10,20 --grid hidden=32,64 \\
        --seeds 3 --out runs/sweep --jobs 2
    minigrad sweep --cells lstm --task copy --grid lr=0.01,0.001 --scheduler tcp://host:8786
    minigrad sweep --resume runs/sweep

The sweeping is ``minigrad.sweeps``; this file parses, shows each run as it comes back on
stderr (runs done / total, failures, ETA), and prints the summary table (or JSON) on
stdout. Bad usage exits 2 with one line, before any run starts.
"""
import shlex
import sys
import time

import click

from minigrad.results import standard_json
from minigrad.stopping import StopOnSignals

from . import output

# Run as ``python -m minigrad.cli.main``, the main module is ``__main__``: name it as the
# package does, so that importing its options below does not run main.py a second time.
_running = sys.modules.get("__main__")
if getattr(getattr(_running, "__spec__", None), "name", None) == "minigrad.cli.main":
    sys.modules.setdefault("minigrad.cli.main", _running)

from .main import (FIELDS, NonEmptyPath, RecordedCommand, _given, _quiet,  # noqa: E402
                   _split_names, _train_kwargs, bad_usage, parse_task_options,
                   training_options)


class RunLines:
    """One line on stderr per run that comes back (nothing with --quiet):
    ``[3/8] lstm hidden=64 seed 1: accuracy 0.990, solved at step 450 (12.1 s); 0 failed;
    ETA 1 min 10 s``."""

    def __init__(self, quiet):
        self.quiet, self.started, self.failed, self.first = quiet, time.monotonic(), 0, None

    def __call__(self, result, point, done, total):
        if self.first is None:
            self.first = done - 1  # runs kept from before (resume) took no time now
        self.failed += bool(result.error)
        if self.quiet:
            return
        where = "".join(f" {k}={v}" for k, v in (point or {}).items())
        if result.error:
            outcome = f"failed: {result.error}"
        else:
            state = (f"solved at step {result.steps_to_solve}" if result.solved
                     else f"not solved in {result.steps} steps")
            outcome = f"{result.metric} {result.score:.3f}, {state} ({result.seconds:.1f} s)"
        ran = done - self.first
        left = (time.monotonic() - self.started) / ran * (total - done) if ran else 0
        eta = f"; ETA {_duration(left)}" if done < total else ""
        line = (f"[{done}/{total}] {result.cell}{where} seed {result.seed}: {outcome}; "
                f"{self.failed} failed{eta}")
        try:
            click.echo(line, err=True)
        except (OSError, ValueError):  # stderr closed or full: no more lines
            self.quiet = True


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def run_in_parallel(plan, quiet, report, jobs):
    """``compare --jobs N``: the plan's runs on N processes, a line per run on stderr;
    returns the exit status ``report(comparison, stop)`` gives."""
    from minigrad.parallel import run_plan
    lines = RunLines(quiet)
    total = len(plan.runs())
    with StopOnSignals() as stop:
        with bad_usage():
            comparison = run_plan(plan, jobs, stop=stop,
                                  on_run_end=lambda result, so_far: lines(
                                      result, None, len(so_far.results), total))
        return report(comparison, stop)


def _grid_axes(grid):
    from minigrad.sweeps import parse_grid
    return parse_grid(list(grid))


@click.command(cls=RecordedCommand,
               context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--cells", "cells", multiple=True,
              help="Cells, by comma or repeated: rnn,gru,lstm (see `minigrad cells`).")
@click.option("--task", default=None, help="Task name (see `minigrad tasks`), e.g. copy.")
@click.option("--grid", "grid", multiple=True, metavar="NAME=V1,V2,...",
              help="An axis of the grid: a training option (hidden, lr, steps, ...), a task "
              "option (length, delay, ...) or a cell option; repeatable, the points are "
              "every combination.")
@training_options
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs per cell and grid point, seeds seed..seed+N-1.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: one per core; 1: this process).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on the Dask cluster whose scheduler is at ADDRESS, e.g. "
              "tcp://127.0.0.1:8786 (needs the dask extra).")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True,
              help="On Dask: times a run that raised is tried again.")
@click.option("--out", type=NonEmptyPath(file_okay=False), default=None,
              help="Write results.json, curves.csv and summary.csv into this folder as each "
              "run comes back (and curves.png, sweep.png at the end); a new folder.")
@click.option("--resume", "resume_dir", type=NonEmptyPath(file_okay=False), default=None,
              help="Finish the sweep whose --out folder this is, with the settings recorded "
              "there: finished runs are kept, the others (and lost ones) run.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--quiet", "-q", is_flag=True, callback=_quiet,
              help="Nothing on stderr but errors.")
@click.pass_context
def sweep(ctx, cells, task, grid, seeds, jobs, scheduler, retries, out, resume_dir, as_json,
          quiet, **params):
    """Train each cell at every point of a grid of settings, once per seed, and
    summarise per cell and point (solved k/N, score mean ± std, steps to solve)."""
    from minigrad import sweeps
    with bad_usage():  # everything is checked before the first run
        if resume_dir is not None:
            plan = _resume_plan(ctx, resume_dir, cells, task, grid, seeds, out, params)
        else:
            plan = _sweep_plan(ctx, cells, task, grid, seeds, out, params)
        if plan.folder is None:
            output.check_stdout()
        pool = sweeps.executors.open_pool(jobs, scheduler, retries)  # a cluster that
        # can't be reached is bad usage too
    if not quiet:
        runs = len(plan.runs())
        kept = len(plan.finished)
        click.echo(f"sweep: {len(plan.points)} grid point(s) x {len(plan.points[0].plan.cells)} "
                   f"cell(s) x {len(plan.points[0].plan.seeds)} seed(s) = {runs} runs"
                   + (f", {kept} finished before (kept)" if kept else "")
                   + f", in {pool.describe()}", err=True)
    lines = RunLines(quiet)
    with StopOnSignals() as stop:
        try:
            with bad_usage():
                result = plan.run(on_run_end=lines, stop=stop, pool=pool)
        except KeyboardInterrupt:  # a second signal: the runs in progress are abandoned
            click.echo(_resume_hint(plan, stop, "interrupted{cause}, the runs in progress "
                                                "abandoned"), err=True)
            ctx.exit(stop.exit_status or 130)
        ctx.exit(_report(plan, result, stop, as_json, quiet))


def _sweep_plan(ctx, cells, task, grid, seeds, out, params):
    from minigrad.sweeps import prepare_sweep
    if not cells or task is None:
        missing = "--cells" if not cells else "--task"
        raise click.UsageError(f"Missing option '{missing}' (or --resume DIR, to finish a "
                               f"sweep)")
    names = _split_names(cells)
    axes = _grid_axes(grid)
    task_options = parse_task_options(task, ctx.args)
    options = _train_kwargs(params)
    for axis in axes:
        if axis in FIELDS and _given(ctx, axis):
            raise ValueError(f"--{axis.replace('_', '-')} and --grid {axis}=... both set "
                             f"{axis}: give it once")
        options.pop(axis, None)
    plan = prepare_sweep(names, task, axes, seeds, task_options,
                         options.pop("cell_options"), **options)
    if out is not None:
        plan.write_to(out, ctx.meta["argv"])
    return plan


def _resume_plan(ctx, folder, cells, task, grid, seeds, out, params):
    from minigrad.sweeps import prepare_resume_sweep
    given = [name for name in ("cells", "task", "grid", "seeds", "out") if _given(ctx, name)]
    given += [name for name in FIELDS if name in params and _given(ctx, name)]
    if params.get("cell_opts"):
        given.append("cell_opt")
    if given or ctx.args:
        flag = f"--{given[0].replace('_', '-')}" if given else ctx.args[0]
        raise ValueError(f"{flag}: --resume {folder} finishes the sweep with the settings "
                         f"recorded there; leave the settings out (only --jobs, "
                         f"--scheduler, --retries, --json and --quiet may be given)")
    return prepare_resume_sweep(folder, ctx.meta["argv"])


def _report(plan, result, stop, as_json, quiet):
    """Print the summary (or JSON) on stdout, notes on stderr; returns the exit status:
    0; 1 when a run was lost or a file could not be written; 130 / 143 when stopped."""
    from minigrad.executors import LOST
    from minigrad.sweep_report import table
    folder = plan.folder
    for note in ([] if quiet or folder is None else folder.notes):
        click.echo(note, err=True)
    status = 0
    if result.write_error:
        click.echo(f"Error: {result.write_error}; all results follow on stdout", err=True)
        status = 1
    text = standard_json(result.to_dict()) if as_json else table(result)
    if not output.print_result(text, None if status else
                               folder and f"{folder.path}/results.json"):
        status = status or 1
    lost = [r for r in result.results if (r.error or "").startswith(LOST)]
    if lost:
        hint = (f"; run them again with: minigrad sweep --resume {shlex.quote(folder.path)}"
                if folder is not None else "")
        click.echo(f"Error: {len(lost)} run(s) lost with their worker{hint}", err=True)
        status = status or 1
    if stop.received is not None or result.left:
        done = len(result.results)
        click.echo(_resume_hint(plan, stop, f"stopped{{cause}}: {done} of {done + result.left} "
                                            f"runs finished"), err=True)
        status = stop.exit_status or 130
    return status


def _resume_hint(plan, stop, what):
    """``what`` (with ``{cause}``: " by SIGINT"), then where the results are and how to
    finish the sweep."""
    what = what.format(cause=f" by {stop.name}" if stop.name else "")
    if plan.folder is None:
        return f"{what}; nothing was saved: give --out DIR to be able to resume"
    return (f"{what}, saved in {plan.folder.path}; finish with: "
            f"minigrad sweep --resume {shlex.quote(plan.folder.path)}")
