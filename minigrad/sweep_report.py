"""What a sweep reports beside its results folder: ``summary.csv``, the table on stdout,
and ``sweep.png``.

``summary.csv`` has one row per cell and grid point (the rows of
``SweepResult.summary``): ``cell``, a column per axis, ``runs``, ``solved`` (k of the N
runs), ``score_mean`` and ``score_std`` (over the runs' final held-out scores; the std
is the sample std, ddof = 1, empty for one run), ``steps_to_solve_mean`` (over the runs
that solved it), ``final_loss_mean`` and the task's memoryless ``baseline_loss`` at that
point, ``seconds_mean``, ``metric`` and ``errors`` (how many runs ended with an error).
Numbers that are not finite are empty cells.

``sweep.png`` has one panel per axis: for each cell, the mean score of all its runs at
each value of that axis (over the seeds and the other axes' values), ± one std.
"""
import csv
import io
import math
import os

from .results import describe_os_error, text_table, write_atomically

SUMMARY = "summary.csv"
PLOT = "sweep.png"


def summary_columns(result):
    return (["cell", *result.axes, "runs", "solved", "score_mean", "score_std",
             "steps_to_solve_mean", "final_loss_mean", "baseline_loss", "seconds_mean",
             "metric", "errors"])


def summary_csv(result):
    """summary.csv's text for a ``SweepResult``."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    columns = summary_columns(result)
    writer.writerow(columns)
    for row in result.summary():
        row = {**row, "errors": len(row["errors"])}
        writer.writerow([_cell(row[name]) for name in columns])
    return text.getvalue()


def _cell(value):
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return "" if value is None else value


def write_summary(result, folder):
    """Write summary.csv into the results folder (atomically, as results.json is); a
    failed write is remembered in ``folder.error``."""
    path = os.path.join(folder.path, SUMMARY)
    try:
        write_atomically(path, summary_csv(result).encode())
    except OSError as error:
        folder.error = f"could not write {path}: {describe_os_error(error)}"
        return False
    return True


def table(result):
    """The summary as a text table: a row per cell and grid point."""
    rows = result.summary()
    if not rows:
        return "no run has finished"
    metric = rows[0]["metric"]
    header = ["cell", *result.axes, "solved", f"{metric} (mean ± std)", "steps to solve",
              "final loss (baseline)"]
    lines = []
    for row in rows:
        score = _fmt(row["score_mean"])
        if row["runs"] > 1 and math.isfinite(row["score_std"]):
            score += f" ± {_fmt(row['score_std'])}"
        steps = "-" if row["steps_to_solve_mean"] is None else f"{row['steps_to_solve_mean']:.0f}"
        loss = f"{_fmt(row['final_loss_mean'], 4)} ({_fmt(row['baseline_loss'], 4)})"
        lines.append([row["cell"], *(str(row[a]) for a in result.axes),
                      f"{row['solved']}/{row['runs']}", score, steps, loss])
    text = text_table(header, lines)
    for row in rows:
        point = " ".join(f"{a}={row[a]}" for a in result.axes)
        for error in dict.fromkeys(row["errors"]):
            text.append(f"{row['cell']} {point}: {error}".replace("  ", " "))
    return "\n".join(text)


def _fmt(value, digits=3):
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def draw(result, folder):
    """sweep.png in ``folder``: the score against each axis, a line per cell. Returns
    the notes to show (what was written, or why not)."""
    from .pictures import MISSING, pyplot_or_none, save_png
    from .training import _mean, _std
    path = os.path.join(folder, PLOT)
    if not result.axes:
        return []
    pyplot = pyplot_or_none()
    if pyplot is None:
        return [f"{PLOT} not drawn: {MISSING}"]
    figure, panels = pyplot.subplots(1, len(result.axes), squeeze=False,
                                     figsize=(4.5 * len(result.axes), 3.8))
    metric = result.results[0].metric if result.results else "score"
    for panel, axis in zip(panels[0], result.axes):
        values = result.grid[axis]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        where = values if numeric else list(range(len(values)))
        for number, cell in enumerate(dict.fromkeys(r.cell for r in result.results)):
            means, stds = [], []
            for value in values:
                scores = [r.score for p, r in zip(result.points, result.results)
                          if r.cell == cell and p[axis] == value]
                means.append(_mean(scores))
                std = _std(scores)  # NaN for fewer than two finite scores: no bar
                stds.append(std if math.isfinite(std) else 0.0)
            panel.errorbar(where, means, yerr=stds, marker="o", capsize=3, label=cell,
                           color=f"C{number}")
        if not numeric:
            panel.set_xticks(where, [str(v) for v in values])
        panel.set_xlabel(axis)
        panel.set_ylabel(f"{metric} (mean over the runs)")
    panels[0][0].legend()
    figure.suptitle(f"task {result.task['name']}: score against each swept setting")
    figure.tight_layout()
    return [save_png(pyplot, figure, path)]

