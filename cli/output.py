"""What the CLI shows and writes: progress, tables, results.json, curves.csv, curves.png."""
import csv
import json
import math
import os
import sys
import tempfile

import click


def json_default(value):
    """JSON for the odd values in results (NumPy numbers, dtypes)."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


class Progress:
    """One progress bar per run on stderr (nothing with --quiet)."""

    def __init__(self, quiet, steps):
        self.quiet, self.steps, self.bar = quiet, steps, None

    def start(self, cell, seed):
        self.close()
        if not self.quiet:
            self.bar = click.progressbar(length=self.steps, label=f"{cell:>14} seed {seed}",
                                         file=sys.stderr, show_eta=True)
            self.bar.__enter__()

    def update(self, step, loss):
        if self.bar is not None:
            # Off a terminal (a log, a pipe) click prints the label again whenever it
            # changes: updating it there would write one line per training step.
            if sys.stderr.isatty():
                self.bar.label = self.bar.label.split("  loss")[0] + f"  loss {loss:7.4f}"
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def describe_setup(task_name, plan):
    """What is about to run, defaults included: the task, the training settings and,
    per cell, the init scheme and options it gets."""
    task = plan.task
    task_settings = " ".join(f"{k}={v}" for k, v in task.settings().items())
    skip = {"cell_options", "init", "forget_bias"}
    training = " ".join(f"{k}={v}" for k, v in vars(plan.config).items()
                        if v is not None and k not in skip)
    return (f"task {task_name}: {task_settings} (baseline loss {task.baseline():.4f})\n"
            f"training: {training} seeds={len(plan.seeds)}\n"
            f"cells: {plan.describe_cells()}")


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
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    for row in summary:
        for error in row["errors"]:
            lines.append(f"{row['cell']}: stopped: {error}")
    return "\n".join(lines)


def run_summary(result):
    state = "solved" if result.solved else "not solved"
    text = (f"{result.cell}: {state} after {result.steps} steps; loss {_fmt(result.final_loss)} "
            f"(baseline {_fmt(result.baseline_loss)}), {result.metric} {_fmt(result.score, 3)}, "
            f"{result.params} parameters, {result.seconds:.1f} s ({result.ms_per_step:.1f} ms/step)")
    if result.error:
        text += f"\nstopped: {result.error}"
    return text


def prepare_out_dir(path):
    """Create --out and check that it can be written, before any training."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as error:
        raise ValueError(f"--out {path}: cannot write there ({error.strerror or error})") from None
    return path


def check_writable_file(path):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise ValueError(f"--save {path}: the folder {folder} does not exist or is not writable")


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


def write_outputs(comparison, folder):
    """results.json, curves.csv and (with matplotlib) curves.png; returns notes to show."""
    with open(os.path.join(folder, "results.json"), "w") as f:
        json.dump(comparison.to_dict(), f, indent=2, default=json_default)
    with open(os.path.join(folder, "curves.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "cell", "seed", "loss", "score"])
        for result in comparison.results:
            for point in result.curve:
                writer.writerow([point["step"], result.cell, result.seed, point["loss"],
                                 point["score"]])
    notes = [f"wrote {folder}/results.json and {folder}/curves.csv"]
    try:
        import matplotlib
    except ImportError:
        notes.append("curves.png not drawn: matplotlib is not installed "
                     "(pip install 'minigrad[plot]')")
        return notes
    matplotlib.use("Agg")
    from matplotlib import pyplot
    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    colours = {}  # one colour per cell; every seed of it drawn in that colour
    for result in comparison.results:
        steps = [p["step"] for p in result.curve]
        first = result.cell not in colours
        colours.setdefault(result.cell, f"C{len(colours)}")
        axes.plot(steps, [p["loss"] for p in result.curve], color=colours[result.cell],
                  label=result.cell if first else None, alpha=0.9 if first else 0.6)
    axes.axhline(comparison.task["baseline_loss"], color="grey", linestyle="--",
                 label="memoryless baseline")
    axes.set_xlabel("training step")
    axes.set_ylabel("held-out loss")
    axes.set_yscale("log")
    axes.set_title(f"task {comparison.task['name']}")
    axes.legend()
    figure.tight_layout()
    figure.savefig(os.path.join(folder, "curves.png"), dpi=120)
    pyplot.close(figure)
    notes.append(f"wrote {folder}/curves.png")
    return notes


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
