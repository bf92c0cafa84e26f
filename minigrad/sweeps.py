"""Sweeps: every cell × every point of a grid of settings × every seed, one run each.

    >>> result = minigrad.sweep(["rnn", "lstm"], "copy", grid={"delay": [10, 20],
    ...                         "hidden": [32, 64]}, seeds=3, out="runs/sweep", jobs=2)
    >>> result.summary()          # one row per cell and grid point

A grid axis is any training option (``hidden``, ``lr``, ``steps``, ...), any option of
the task (``delay``, ``length``, ...) or an option a cell declares; the points are the
Cartesian product of the axes' values. Each point is prepared as ``minigrad.compare``
prepares a comparison (``training.prepare``), all of them before the first run, so a bad
name or value is refused before anything trains. Each run (point, cell, seed) is one run
of the ordinary trainer, on ``jobs`` local processes or on a Dask cluster (``scheduler``;
see ``minigrad.executors``), and its numbers depend on its settings and seed only.

With ``out=DIR`` the results folder is the one ``compare --out`` writes
(``minigrad.results``: results.json with one row per run, now with its ``point``,
curves.csv with the point's columns after the usual ones), written by this process alone
as each run comes back, plus ``summary.csv`` and ``sweep.png`` (``minigrad.sweep_report``).
``resume_sweep(DIR)`` runs what is missing: the runs that never finished, or whose
worker died. A run is the unit: one stopped half-way starts again from its first step.
"""
import dataclasses
import itertools
import json
import typing
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from . import executors, sweep_report
from .cell_setup import InvalidRunError, declared_options, setup_cells
from .plugin_manager import get_task
from .results import ResultsFolder, ResultsFolderError, json_ready
from .train_config import FIELDS, TrainConfig
from .parallel import failed_run
from .training import Comparison, RunResult, _mean, _std, prepare

#: Training options that can't be an axis, and why.
NOT_AXES = {"seed": "give seeds=N (--seeds N) for the seeds of every point",
            "cell_options": "give a cell option's own name as the axis"}


# ------------------------------------------------------------------ the grid
def parse_grid(grid):
    """The grid as ``{axis: [values, ...]}``, from a dict or from texts such as
    ``"hidden=64,128"`` (values stay text; each axis converts its own). An axis given
    twice, with no values, or with a value twice is refused."""
    if grid is None:
        return {}
    if isinstance(grid, str):
        grid = [grid]
    if isinstance(grid, dict):
        items = [(name, values) for name, values in grid.items()]
    else:
        items = []
        for text in grid:
            if not isinstance(text, str):
                raise InvalidRunError(f"grid takes a dict or texts NAME=V1,V2,..., got "
                                      f"{text!r}", "grid")
            name, equals, values = text.partition("=")
            if not equals or not name.strip():
                raise InvalidRunError(f"grid {text!r}: give NAME=V1,V2,... such as "
                                      f"hidden=64,128", "grid")
            items.append((name, [v.strip() for v in values.split(",")]))
    parsed = {}
    for name, values in items:
        axis = str(name).strip().replace("-", "_")
        if axis in parsed:
            raise InvalidRunError(f"grid gives the axis {axis} twice: give its values once, "
                                  f"by comma", "grid")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        values = list(values)
        if not values or any(isinstance(v, str) and not v for v in values):
            raise InvalidRunError(f"grid {axis}: a value is empty (give {axis}=V1,V2,...)",
                                  "grid")
        shown = [json.dumps(json_ready(v)) for v in values]
        twice = sorted({s for s in shown if shown.count(s) > 1})
        if twice:
            raise InvalidRunError(f"grid {axis} lists {', '.join(twice)} more than once",
                                  "grid")
        parsed[axis] = values
    return parsed


def axis_kinds(grid, cells, task):
    """``{axis: "training" | "task" | "cell"}``; an axis that is none of these is refused,
    with every name that can be one."""
    task_options = [o.name for o in get_task(task).factory.options] if isinstance(task, str) \
        else [o.name for o in getattr(task, "options", ())]
    cell_options = list(dict.fromkeys(o.name for setup in setup_cells(cells)
                                      for o in declared_options(setup.factory)))
    training = [name for name in FIELDS if name not in NOT_AXES]
    kinds = {}
    for axis in grid:
        if axis in NOT_AXES:
            raise InvalidRunError(f"grid {axis}: {axis} can't be an axis; {NOT_AXES[axis]}",
                                  "grid")
        if axis in training:
            kinds[axis] = "training"
        elif axis in task_options:
            kinds[axis] = "task"
        elif axis in cell_options:
            kinds[axis] = "cell"
        else:
            raise InvalidRunError(
                f"grid {axis}: no such setting. Training options: {', '.join(training)}; "
                f"the task's options: {', '.join(task_options) or 'none'}; the cells' "
                f"options: {', '.join(cell_options) or 'none'}", "grid")
    return kinds


def training_value(name, value):
    """A training option's value from text (``"64"`` for hidden, ``"none"`` for tbptt);
    any other value is left for ``TrainConfig`` to check."""
    if not isinstance(value, str):
        return value
    kind = {f.name: f.type for f in dataclasses.fields(TrainConfig)}[name]
    choices = [a for a in typing.get_args(kind) if a is not type(None)] or [kind]
    text = value.strip()
    if type(None) in typing.get_args(kind) and text.lower() in ("none", "off"):
        return None
    base = choices[0]
    try:
        if base is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text.lower() in ("true", "1", "yes")
        return base(text) if base in (int, float) else text
    except ValueError:
        raise InvalidRunError(f"grid {name}: {value!r} is not {_a(base)}", "grid") from None


def _a(kind):
    return {int: "a whole number", float: "a number", bool: "true or false"}.get(kind, "text")


# ------------------------------------------------------------------ the plan
@dataclass
class Point:
    """One point of the grid: its values (as the runs get them) and its checked Plan."""
    values: Dict[str, Any]
    plan: Any


@dataclass
class SweepPlan:
    """A checked sweep, nothing trained yet: the points, each with its ``Plan``."""
    points: List[Point]
    settings: dict                      # what results.json records, what resume prepares
    folder: Optional[ResultsFolder] = None
    finished: Dict[tuple, RunResult] = field(default_factory=dict)  # kept (resume)

    @property
    def axes(self):
        return list(self.settings["grid"])

    def runs(self):
        """Every (point index, cell name, seed), in the order they are listed."""
        return [(index, cell.name, seed) for index, point in enumerate(self.points)
                for cell, seed in point.plan.runs()]

    def key(self, index, cell, seed):
        """The identity of a run in results.json: its point, cell and seed."""
        return (json.dumps(json_ready(self.points[index].values), sort_keys=True), cell, seed)

    def write_to(self, out, command=None):
        """Write each run to the results folder ``out`` as it comes back (the folder is
        checked, and its first results.json written, now)."""
        self.folder = ResultsFolder.create(out, self.settings, command)
        self.folder.claim(self.result())
        return self

    def result(self, results=None):
        """A ``SweepResult`` of this plan holding ``results`` ({key: RunResult})."""
        results = self.finished if results is None else results
        ordered = [(self.points[i].values, results[self.key(i, c, s)])
                   for i, c, s in self.runs() if self.key(i, c, s) in results]
        base = self.points[0].plan.comparison()  # less what differs between the points:
        task = {k: v for k, v in base.task.items() if k not in self.axes}
        if any(axis in base.task for axis in self.axes):  # a task option: each row has its
            task.pop("baseline_loss", None)                # baseline
            task.pop("references", None)
        config = {k: v for k, v in base.config.items() if k not in self.axes}
        return SweepResult(task=task, config=config, axes=self.axes,
                           points=[p for p, _ in ordered], results=[r for _, r in ordered],
                           grid=self.settings["grid"])

    def run(self, jobs=None, scheduler=None, retries=2, on_run_end=None, stop=None,
            pool=None):
        """Train every run not finished yet, on ``jobs`` local processes (None: one per
        core) or the Dask cluster at ``scheduler`` (or on ``pool``, an executor that
        ``executors.open_pool`` made); returns a ``SweepResult``.

        ``on_run_end(result, point, done, total)`` is called as each run comes back;
        ``stop()``, once true, starts no other run (those in progress finish and are kept).
        """
        pool = pool or executors.open_pool(jobs, scheduler, retries)
        results = dict(self.finished)
        specs, where = {}, {}
        for index, cell, seed in self.runs():
            key = self.key(index, cell, seed)
            if key not in results:
                plan = self.points[index].plan
                setup = next(c for c in plan.cells if c.name == cell)
                specs[key] = plan.run_settings(setup, seed)
                where[key] = index
        total = len(self.runs())

        def done(key, row, error):
            point = self.points[where[key]]
            result = (RunResult.from_dict(row) if row is not None
                      else failed_run(point.plan, key[1], key[2], error))
            results[key] = result
            if self.folder is not None:
                self._save(results, "running")
            if on_run_end is not None:
                on_run_end(result, point.values, len(results), total)

        try:
            left = executors.run_all(pool, specs, done, stop)
        except KeyboardInterrupt:  # a second Ctrl-C: what came back is on disk
            if self.folder is not None:
                self._save(results, "interrupted")
            raise
        result = self.result(results)
        result.left = len(left)
        if self.folder is not None:
            status = "interrupted" if left else "complete"
            self._save(results, status)
            self.folder.finish(result, status)
            self.folder.notes += sweep_report.draw(result, self.folder.path)
            result.write_error = self.folder.error
        return result

    def _save(self, results, status):
        result = self.result(results)
        if self.folder.save(result, status):
            sweep_report.write_summary(result, self.folder)


@dataclass
class SweepResult(Comparison):
    """The runs of a sweep, each with its grid point (``points[i]`` is ``results[i]``'s),
    and a summary per cell and point. It is a ``Comparison``, so results folders, tables
    and curves take it as they take one; ``left`` counts the runs not run (stopped)."""
    axes: List[str] = field(default_factory=list)
    points: List[dict] = field(default_factory=list)
    grid: Dict[str, list] = field(default_factory=dict)
    left: int = 0

    def summary(self):
        """One row per cell and grid point, in the grid's order: the point's values, the
        runs, how many solved it (k of N), the score's mean ± std, the mean steps to solve
        of those that did, and the errors."""
        groups = {}
        for point, result in zip(self.points, self.results):
            key = (result.cell, json.dumps(json_ready(point), sort_keys=True))
            groups.setdefault(key, (point, []))[1].append(result)
        rows = []
        for (cell, _), (point, runs) in groups.items():
            solved = [r.steps_to_solve for r in runs if r.solved]
            rows.append({"cell": cell, **point, "runs": len(runs), "solved": len(solved),
                         "score_mean": _mean([r.score for r in runs]),
                         "score_std": _std([r.score for r in runs]),
                         "steps_to_solve_mean": _mean(solved) if solved else None,
                         "final_loss_mean": _mean([r.final_loss for r in runs]),
                         "baseline_loss": runs[0].baseline_loss,
                         "seconds_mean": _mean([r.seconds for r in runs]),
                         "metric": runs[0].metric,
                         "errors": [r.error for r in runs if r.error]})
        return rows

    def to_dict(self, with_curves=False):
        data = super().to_dict(with_curves)
        data["grid"] = json_ready(self.grid)
        for row, point in zip(data["results"], self.points):
            row["point"] = json_ready(point)
        return data



# ------------------------------------------------------------------ preparing
def prepare_sweep(cells, task, grid=None, seeds=1, task_options=None, cell_options=None,
                  **options):
    """Check a whole sweep before any training and return its ``SweepPlan``: the grid's
    axes and values, then every point prepared as a comparison (``training.prepare``)
    from the names and values a worker gets. ``options`` are the fields of
    ``TrainConfig`` that every point shares."""
    if isinstance(cells, str):
        cells = [c.strip() for c in cells.split(",") if c.strip()]
    if not isinstance(task, str):
        raise InvalidRunError("a sweep's task must be a registered task's name (each worker "
                              "makes the task again from its name)", "task")
    for cell in cells or ():
        if not isinstance(cell, str):
            raise InvalidRunError(f"a sweep's cells must be registered names (each worker "
                                  f"builds its cell again from its name), got {cell!r}",
                                  "cells")
    grid = parse_grid(grid)
    kinds = axis_kinds(grid, cells, task) if cells else {}
    both = [axis for axis in grid if axis in options or axis in (task_options or {})]
    if both:
        raise InvalidRunError(f"{both[0]} is given both as a setting and as a grid axis: "
                              f"give it once", "grid")
    values = {axis: [training_value(axis, v) if kinds.get(axis) == "training" else v
                     for v in vals] for axis, vals in grid.items()}
    points = []
    for combination in itertools.product(*values.values()) if values else [()]:
        asked = dict(zip(values, combination))
        plan = _prepare_point(cells, task, seeds, task_options, cell_options, options,
                              asked, kinds)
        points.append(Point(_point_values(plan, asked, kinds), plan))
    recorded_grid = {axis: [] for axis in values}
    for point in points:
        for axis, value in point.values.items():
            if value not in recorded_grid[axis]:
                recorded_grid[axis].append(value)
    settings = json_ready({"cells": list(cells), "task": task,
                           "task_options": dict(task_options or {}),
                           "seeds": points[0].plan.seeds,
                           "cell_options": dict(cell_options or {}),
                           "training": options, "grid": recorded_grid})
    return SweepPlan(points, settings)


def _prepare_point(cells, task, seeds, task_options, cell_options, options, asked, kinds):
    training = {**options, **{a: v for a, v in asked.items() if kinds[a] == "training"}}
    task_values = {**(task_options or {}),
                   **{a: v for a, v in asked.items() if kinds[a] == "task"}}
    cell_values = {**(cell_options or {}),
                   **{a: v for a, v in asked.items() if kinds[a] == "cell"}}
    try:
        plan = prepare(cells, task, seeds, task_values, cell_values, **training)
        # what a worker gets: names and values, prepared again the same way
        cell, seed = plan.cells[0], plan.seeds[0]
        settings = plan.run_settings(cell, seed)
        prepare(settings["cells"], settings["task"], settings["seeds"],
                settings["task_options"], settings["cell_options"], **settings["training"])
    except ValueError as error:  # InvalidRunError, or a task option's own check
        if not asked:
            raise
        shown = " ".join(f"{a}={v}" for a, v in asked.items())
        raise InvalidRunError(f"grid point {shown}: {error.args[0] if error.args else error}",
                              "grid") from None
    return plan


def _point_values(plan, asked, kinds):
    """The point's values as the runs get them (converted: ``"64"`` is 64)."""
    task_settings = plan.task.settings()
    values = {}
    for axis, value in asked.items():
        if kinds[axis] == "training":
            values[axis] = getattr(plan.config, axis)
        elif kinds[axis] == "task":
            values[axis] = task_settings.get(axis, value)
        else:
            found = [c.options[axis] for c in plan.cells if axis in c.options]
            values[axis] = found[0] if found else value
    return json_ready(values)


def sweep(cells, task, grid=None, seeds=1, task_options=None, cell_options=None, out=None,
          jobs=None, scheduler=None, retries=2, on_run_end=None, stop=None, command=None,
          **options):
    """Train every cell at every point of ``grid`` ({axis: [values]}) once per seed and
    return a ``SweepResult``; see the module's docstring. ``jobs`` local processes (None:
    one per core, 1: this process) or the Dask scheduler at ``scheduler`` run them;
    ``out`` is a results folder, written as each run comes back."""
    plan = prepare_sweep(cells, task, grid, seeds, task_options, cell_options, **options)
    if out is not None:
        plan.write_to(out, command)
    return plan.run(jobs, scheduler, retries, on_run_end, stop)


# ------------------------------------------------------------------ resuming
def prepare_resume_sweep(folder, command=None):
    """The ``SweepPlan`` that finishes the sweep in the results folder ``folder``: its
    recorded settings prepared again, the finished runs kept, the rest (and any run whose
    worker died) to run."""
    saved = ResultsFolder.reopen(folder, command)
    settings = saved.settings
    if "grid" not in settings:
        raise ResultsFolderError(f"resume {saved.path}: it holds a comparison, not a sweep; "
                                 f"continue it with minigrad compare --resume {saved.path}",
                                 "resume")
    plan = prepare_sweep(settings["cells"], settings["task"], settings["grid"],
                         settings["seeds"], settings.get("task_options"),
                         settings.get("cell_options"), **(settings.get("training") or {}))
    plan.folder = saved
    keys = {plan.key(*run): run for run in plan.runs()}
    for number, row in enumerate(saved.rows, 1):
        try:
            result = RunResult.from_dict(row)
            key = (json.dumps(row["point"], sort_keys=True), result.cell, result.seed)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise ResultsFolderError(f"resume {saved.path}: run {number} of its results.json "
                                     f"is damaged ({error})", "resume") from None
        if key not in keys:
            raise ResultsFolderError(f"resume {saved.path}: its results.json lists a run "
                                     f"({result.cell}, seed {result.seed}, {row['point']}) its "
                                     f"settings don't plan", "resume")
        if not (result.error or "").startswith(executors.LOST):
            plan.finished[key] = result
    saved.claim(plan.result())
    return plan


def resume_sweep(folder, jobs=None, scheduler=None, retries=2, on_run_end=None, stop=None,
                 command=None):
    """Finish the sweep in the results folder ``folder`` (see ``prepare_resume_sweep``)."""
    plan = prepare_resume_sweep(folder, command)
    return plan.run(jobs, scheduler, retries, on_run_end, stop)

