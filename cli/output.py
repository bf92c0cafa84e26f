"""What the CLI shows: progress, tables, and how a run ended (results files are
``minigrad.results``'s)."""
import contextlib
import errno
import math
import os
import shlex
import sys

import click

from minigrad.results import describe_os_error, standard_json, text_table


class Progress:
    """One progress bar per run on stderr (nothing with --quiet). A stderr that can't be
    written to (closed, full) turns the bars off rather than stop the training."""

    def __init__(self, quiet, steps):
        self.quiet, self.steps, self.bar = quiet, steps, None

    def start(self, cell, seed):
        self.close()
        if not self.quiet:
            with self._guarded():
                self.bar = click.progressbar(length=self.steps, label=f"{cell:>14} seed {seed}",
                                             file=sys.stderr, show_eta=True)
                self.bar.__enter__()

    def update(self, step, loss):
        if self.bar is not None:
            with self._guarded():
                # Off a terminal (a log, a pipe) click prints the label again whenever it
                # changes: updating it there would write one line per training step.
                if sys.stderr.isatty():
                    self.bar.label = self.bar.label.split("  loss")[0] + f"  loss {loss:7.4f}"
                self.bar.update(step - self.bar.pos)  # a resumed run starts past step 0

    def close(self):
        if self.bar is not None:
            with self._guarded():
                self.bar.__exit__(None, None, None)
            self.bar = None

    @contextlib.contextmanager
    def _guarded(self):
        try:
            yield
        except (OSError, ValueError):  # stderr closed or full: no more bars
            self.quiet, self.bar = True, None


def describe_setup(task_name, plan):
    """What is about to run, defaults included: the task, the training settings and,
    per cell, the init scheme and options it gets."""
    task = plan.task
    task_settings = " ".join(f"{k}={v}" for k, v in task.settings().items())
    skip = {"cell_options", "init", "forget_bias"}
    training = " ".join(f"{k}={v}" for k, v in vars(plan.config).items()
                        if v is not None and k not in skip)
    references = getattr(task, "references", dict)()
    if references:
        task_settings += f" ({describe_references(references)})"
    return (f"task {task_name}: {task_settings} (baseline loss {task.baseline():.4f})\n"
            f"training: {training} seeds={len(plan.seeds)}\n"
            f"cells: {plan.describe_cells()}")


def describe_references(references):
    """A task's reference figures in a line: "vocab size 43, unigram perplexity 18.83"."""
    return ", ".join(f"{name.replace('_', ' ')} "
                     f"{value if isinstance(value, int) else _fmt(value, 3)}"
                     for name, value in references.items())


def _fmt(value, digits=4):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def _mean_std(mean, std, seeds, digits=4):
    if seeds == 1 or std is None or math.isnan(std):
        return _fmt(mean, digits)
    return f"{_fmt(mean, digits)} ± {_fmt(std, digits)}"


def comparison_table(comparison):
    """The per-cell table: parameters, loss vs baseline, metric, solved, speed."""
    summary = comparison.summary()
    metric = summary[0]["metric"] if summary else "score"
    header = ["cell", "params", "final loss", "baseline", metric, "solved", "steps to solve",
              "seconds", "ms/step"]
    rows = []
    for row in summary:
        rows.append([row["cell"], str(row["params"]),
                     _mean_std(row["final_loss_mean"], row["final_loss_std"], row["seeds"]),
                     _fmt(row["baseline_loss"]),
                     _mean_std(row["score_mean"], row["score_std"], row["seeds"], 3),
                     f"{row['solved']}/{row['seeds']}",
                     "-" if row["steps_to_solve_mean"] is None else f"{row['steps_to_solve_mean']:.0f}",
                     f"{row['seconds_mean']:.1f}", f"{row['ms_per_step_mean']:.1f}"])
    if not rows:
        return "no run has finished"
    lines = text_table(header, rows)
    for row in summary:
        for error in row["errors"]:
            lines.append(f"{row['cell']}: stopped: {error}")
    if comparison.task.get("references"):
        lines.append(f"beside: {describe_references(comparison.task['references'])}")
    return "\n".join(lines)


def run_summary(result):
    state = "solved" if result.solved else "not solved"
    text = (f"{result.cell}: {state} after {result.steps} steps; loss {_fmt(result.final_loss)} "
            f"(baseline {_fmt(result.baseline_loss)}), {result.metric} {_fmt(result.score, 3)}, "
            f"{result.params} parameters, {result.seconds:.1f} s ({result.ms_per_step:.1f} ms/step)")
    if result.error:
        text += f"\nstopped: {result.error}"
    return text


def read_checkpoint(path):
    import minigrad
    try:
        state = minigrad.load(path)
    except FileNotFoundError:
        raise ValueError(f"--load {path}: no such file") from None
    except (OSError, ValueError) as error:
        raise ValueError(f"--load {path}: {error}") from None
    if not isinstance(state, dict):
        raise ValueError(f"--load {path}: it holds a {type(state).__name__}, not a model's "
                         f"state_dict (as `minigrad train --save` writes)")
    return state


def describe_resume(plan):
    """What ``--resume`` keeps and what it runs."""
    runs = plan.runs()
    text = (f"resuming {plan.folder.path}: {len(plan.finished)} of {len(runs)} runs finished "
            f"(kept)")
    for (cell, seed), checkpoint in plan.starts.items():
        text += f"; {cell} seed {seed} goes on from its checkpoint at step {checkpoint['step']}"
    return text


# ----------------------------------------------------------- how a command ends
def check_stdout():
    """Refuse, before training, to print results to a stdout that is closed."""
    if sys.stdout is None or getattr(sys.stdout, "closed", False):
        raise ValueError("stdout is closed: there is nowhere to print the results "
                         "(leave it open, or give --out DIR / --save PATH)")


def print_result(text, kept_in=None):
    """``text`` (the table or the JSON) on stdout. When stdout is closed or full, one
    line on stderr says so and where the results are kept, or, when they are nowhere
    else, the text follows there. Returns whether stdout took it."""
    try:
        if sys.stdout is None:
            raise OSError(errno.EBADF, "stdout is closed")
        click.echo(text)
    except (OSError, ValueError) as error:  # ValueError: a closed file
        _stop_using_stdout()
        reason = describe_os_error(error) if isinstance(error, OSError) else str(error)
        where = f"the results are in {kept_in}" if kept_in else "here they are"
        _echo_err(f"Error: could not write the results to stdout ({reason}); {where}")
        if not kept_in:
            _echo_err(text)
        return False
    return True


def _stop_using_stdout():
    """Point stdout at the null device, so that Python's last flush at exit does not
    fail again with a traceback."""
    with contextlib.suppress(Exception):
        descriptor = os.open(os.devnull, os.O_WRONLY)
        os.dup2(descriptor, sys.stdout.fileno())
        os.close(descriptor)


def _echo_err(text):
    with contextlib.suppress(OSError, ValueError):
        click.echo(text, err=True)


def report_comparison(comparison, plan, stop, as_json, quiet):
    """Print what a comparison did: notes, the table (or JSON) of the finished runs, a
    write error, and, when it was stopped, how to resume. Returns the exit status: 0,
    1 when the results could not all be written, or 128 + the signal (130, 143)."""
    folder = plan.folder
    kept_in = os.path.join(folder.path, "results.json") if folder else None
    for note in ([] if quiet or folder is None else folder.notes):
        _echo_err(note)
    status = 0
    if comparison.write_error:
        where = (f"{kept_in} holds the runs that finished before that"
                 if folder and os.path.exists(kept_in) else "nothing is saved")
        _echo_err(f"Error: {comparison.write_error}; {where}; all results follow on stdout")
        kept_in, status = None, 1
    text = standard_json(comparison.to_dict()) if as_json else comparison_table(comparison)
    if not print_result(text, kept_in):
        status = status or 1
    if stop.received is not None or comparison.interrupted:
        _echo_err(_interruption(comparison, plan, stop))
        status = stop.exit_status or 130
    return status


def _interruption(comparison, plan, stop):
    cause = f" by {stop.name}" if stop.name else ""
    done = f"{len(comparison.results)} of {len(plan.runs())} runs finished"
    if plan.folder is None:
        return (f"interrupted{cause}: {done} (the table above); nothing was saved: give "
                f"--out DIR to be able to resume")
    going_on = ""
    for result in comparison.interrupted:
        if result is not None and result.steps and stop.received is not None:
            # a clean stop checkpointed the run where it stopped
            going_on = f" ({result.cell} seed {result.seed} goes on from step {result.steps})"
    return (f"interrupted{cause}: {done}, saved in {plan.folder.path}; resume with: "
            f"minigrad compare --resume {shlex.quote(plan.folder.path)}{going_on}")


def report_run(comparison, plan, stop, as_json, quiet, command):
    """Print what ``train`` did and where its checkpoint is; returns the exit status."""
    results = comparison.results + [r for r in comparison.interrupted if r is not None]
    status = 0
    path = plan.checkpoint_path
    if comparison.write_error:
        _echo_err(f"Error: {comparison.write_error}")
        status = 1
    elif path is not None and results and not quiet:
        _echo_err(f"saved the run's checkpoint (step {results[0].steps}) to {path}")
    if results:
        result = results[0]
        text = standard_json(result.to_dict()) if as_json else run_summary(result)
        if not print_result(text, path if status == 0 else None):
            status = status or 1
    if stop.received is not None or comparison.interrupted:
        steps = f" at step {results[0].steps}" if results else ""
        cause = f" by {stop.name}" if stop.name else ""
        if path is None:
            ending = "nothing was saved: give --save PATH to keep a checkpoint"
        else:
            ending = f"continue with: {shlex.join(_with_load(command, path))}"
        _echo_err(f"interrupted{cause}{steps} of {plan.config.steps}; {ending}")
        status = stop.exit_status or 130
    return status


def _with_load(command, path):
    """``command`` with ``--load path`` (in place of any --load it had)."""
    words, kept = list(command), []
    while words:
        word = words.pop(0)
        if word == "--load":
            words[:1] = []
        elif not word.startswith("--load="):
            kept.append(word)
    return kept + ["--load", path]


def echo_plugin_errors():
    import minigrad.plugin_manager as pm
    for error in pm.plugin_errors():
        click.echo(f"warning: plugin {error.plugin} ({error.distribution}) failed: "
                   f"{error.error}", err=True)


def cell_row(name, spec):
    """A cell as ``minigrad cells --json`` shows it: options and init schemes included."""
    factory = spec.factory
    return {"name": name, "description": spec.description, "plugin": spec.plugin,
            "distribution": spec.distribution,
            "options": [o.describe() for o in getattr(factory, "options", ())],
            "init_schemes": list(getattr(factory, "init_schemes", ("default",))),
            "recommended_init": getattr(factory, "recommended_init", "default")}


def plugin_row(plugin):
    return {"name": plugin.name, "distribution": plugin.distribution,
            "version": plugin.version, "hooks": list(plugin.hooks), "error": plugin.error}
