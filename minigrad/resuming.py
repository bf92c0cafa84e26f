"""Continuing a comparison that was stopped: ``minigrad.resume(folder)``.

    comparison = minigrad.compare(["rnn", "lstm"], "copy", seeds=3, out="runs/copy",
                                  checkpoint_every=100)     # Ctrl-C, a crash, SIGTERM ...
    comparison = minigrad.resume("runs/copy")               # ... and on it goes

The results folder records the settings; ``resume`` prepares the same plan from them,
refusing (``SettingsMismatch``, each difference named) any setting asked for that differs.
The runs that finished are read back and kept, not run again; an unfinished run goes on
from its checkpoint (written when it was stopped cleanly, and every ``checkpoint_every``
steps) or starts again. Either way it gives the numbers it would have given uninterrupted:
a run is deterministic given its seed, and a checkpoint holds all of its state.
"""
import os

from . import run_checkpoint
from .results import ResultsFolder, ResultsFolderError, SettingsMismatch, setting_differences
from .serialization import load
from .training import RunResult, check_checkpoint_every, prepare


def resume(folder, on_run_start=None, callback=None, on_run_end=None, stop=None,
           checkpoint_every=None, command=None, **asked):
    """Continue the comparison that ``compare(..., out=folder)`` began, and return the
    whole ``Comparison``: the runs that finished before are kept, not run again; the
    others start afresh or go on from their last checkpoint, and give the numbers an
    uninterrupted comparison gives. ``asked`` may repeat any of ``compare``'s settings;
    one that differs from the recorded settings raises ``SettingsMismatch``.
    """
    plan = prepare_resume(folder, command, checkpoint_every, **asked)
    return plan.run(on_run_start, callback, on_run_end, stop)


def prepare_resume(folder, command=None, checkpoint_every=None, **asked):
    """The ``Plan`` that continues the comparison in the results folder ``folder``,
    everything checked before any training (as ``prepare`` does): the folder, the
    settings asked for against those recorded, the checkpoints of unfinished runs."""
    saved = ResultsFolder.reopen(folder, command)
    recorded = saved.settings
    if "grid" in recorded:
        raise ResultsFolderError(f"resume {saved.path}: it holds a sweep, not a comparison; "
                                 f"continue it with minigrad sweep --resume {saved.path}",
                                 "resume")
    task = asked.pop("task", recorded.get("task"))
    task_options = asked.pop("task_options", None)
    if task == recorded.get("task"):
        task_options = {**(recorded.get("task_options") or {}), **(task_options or {})}
    plan = prepare(asked.pop("cells", recorded.get("cells")), task,
                   asked.pop("seeds", recorded.get("seeds")), task_options,
                   asked.pop("cell_options", recorded.get("cell_options")),
                   **{**(recorded.get("training") or {}), **asked})
    differences = setting_differences(recorded, plan.settings())
    if differences:
        raise SettingsMismatch(f"resume {saved.path}: the comparison there", differences,
                               "Leave them out to continue with the recorded settings.",
                               "resume")
    if checkpoint_every is None:
        checkpoint_every = saved.record.get("checkpoint_every")
    else:
        saved.record["checkpoint_every"] = checkpoint_every
    check_checkpoint_every(checkpoint_every, "checkpoint_every")
    plan.folder, plan.checkpoint_every = saved, checkpoint_every
    plan.finished = _finished_runs(saved, plan)
    done = {(result.cell, result.seed) for result in plan.finished}
    for index, (cell, seed) in enumerate(plan.runs()):
        path = saved.checkpoint_path(index, cell.name, seed)
        if (cell.name, seed) in done:
            if os.path.exists(path):
                os.remove(path)  # left by a crash between recording the run and this
        elif os.path.exists(path):
            plan.starts[cell.name, seed] = _run_checkpoint(path, plan, cell, seed)
    saved.claim(plan.comparison(r for r in plan.finished))
    return plan


def _finished_runs(saved, plan):
    """The RunResults of results.json's rows, in the plan's order; refuses a damaged row."""
    planned = {(cell.name, seed) for cell, seed in plan.runs()}
    finished = []
    for number, row in enumerate(saved.rows, 1):
        try:
            result = RunResult.from_dict(row)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise ResultsFolderError(f"resume {saved.path}: run {number} of its results.json "
                                     f"is damaged ({error})", "resume") from None
        if (result.cell, result.seed) not in planned:
            raise ResultsFolderError(f"resume {saved.path}: its results.json lists a run "
                                     f"({result.cell}, seed {result.seed}) its settings don't "
                                     f"plan", "resume")
        finished.append(result)
    order = {run: i for i, run in enumerate((c.name, s) for c, s in plan.runs())}
    return sorted(finished, key=lambda result: order[result.cell, result.seed])


def _run_checkpoint(path, plan, cell, seed):
    """The checkpoint an unfinished run goes on from, checked to be that run's."""
    try:
        checkpoint = load(path)
        recorded = run_checkpoint.run_settings(checkpoint, "it")
    except (OSError, ValueError) as error:
        raise ResultsFolderError(f"resume {plan.folder.path}: the checkpoint {path} can't "
                                 f"be used ({error}); delete it to run {cell.name} seed {seed} "
                                 f"again from its start", "resume") from None
    if setting_differences(recorded, plan.run_settings(cell, seed)):
        raise ResultsFolderError(f"resume {plan.folder.path}: the checkpoint {path} is not "
                                 f"of the run {cell.name} seed {seed} with these settings; "
                                 f"delete it to run that again from its start", "resume")
    return checkpoint
