"""A comparison's runs on several processes (``compare(..., jobs=N)``, ``compare --jobs N``).

``run_plan(plan, jobs)`` does what ``Plan.run`` does, with each run (cell, seed) sent to
a worker (``minigrad.executors``) instead of trained here: the results are the same
numbers, in the same order; the results folder is written by this process alone, as
each run comes back. What it can't do is checkpoint a run in progress (the worker has
it): ``compare(jobs=N)`` refuses ``checkpoint_every``, a resumed comparison that had one
writes no checkpoints, and a run that had a checkpoint starts again from its first
step, to the same numbers.
"""
import os

from . import executors
from .cell_setup import InvalidRunError
from .training import RunResult


def failed_run(plan, cell, seed, error):
    """The RunResult of a run that did not come back: its worker died (``error`` starts
    with ``executors.LOST``) or it raised. No step is counted; the loss and score are NaN."""
    task = plan.task
    return RunResult(cell=cell, seed=seed, params=0, steps=0, final_loss=float("nan"),
                     baseline_loss=float(task.baseline()), metric=task.metric_name,
                     score=float("nan"), solved=False, steps_to_solve=None, seconds=0.0,
                     ms_per_step=0.0, error=error)


def run_plan(plan, jobs=None, scheduler=None, retries=2, on_run_end=None, stop=None):
    """Train every run of ``plan`` not finished yet on ``jobs`` local processes (None: one
    per core) or the Dask cluster at ``scheduler``; returns the ``Comparison``.
    ``on_run_end(result, comparison)`` is called as each run comes back; once ``stop()``
    is true no other run starts (those in progress finish and are kept)."""
    if plan.initial_state is not None:
        raise InvalidRunError("initial_state is a model's weights, which are not sent to "
                              "worker processes; train with jobs=1", "initial_state")
    pool = executors.open_pool(jobs, scheduler, retries)
    order = [(cell.name, seed) for cell, seed in plan.runs()]
    results = {(r.cell, r.seed): r for r in plan.finished}
    specs = {(cell.name, seed): plan.run_settings(cell, seed) for cell, seed in plan.runs()
             if (cell.name, seed) not in results}

    def comparison():
        return plan.comparison(results[key] for key in order if key in results)

    def done(key, row, error):
        result = RunResult.from_dict(row) if row is not None else failed_run(plan, *key, error)
        results[key] = result
        so_far = comparison()
        if plan.folder is not None and plan.folder.save(so_far, "running"):
            path = plan.folder.checkpoint_path(order.index(key), *key)
            if os.path.exists(path):
                os.remove(path)  # an earlier run's checkpoint: the run is on record now
        if on_run_end is not None:
            on_run_end(result, so_far)

    try:
        left = executors.run_all(pool, specs, done, stop)
    except KeyboardInterrupt:
        if plan.folder is not None:
            plan.folder.save(comparison(), "interrupted")
        raise
    final = comparison()
    if plan.folder is not None:
        plan.folder.finish(final, "interrupted" if left else "complete")
        final.write_error = plan.folder.error
    return final
