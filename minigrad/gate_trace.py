"""What a cell's gates do over one sequence of a task: ``minigrad inspect`` as one call.

``trace_gates("lstm", "copy")`` builds the model a run of ``minigrad train`` trains (or
loads the one a checkpoint holds), draws one sequence of the task, runs it without a
graph while recording what the first layer's cell exposes (``RecurrentCell.expose``:
for the LSTM i, f, g, o, c and h; for the GRU r, z, n and h; any cell: what it names),
and returns a ``GateTrace``: each value per step and unit, for that one sequence.

A trained LSTM on the copy task shows the point of the forget gate: through the delay
f stays near 1, so c_t = f ⊙ c_{t-1} + i ⊙ g holds the symbols it read.
"""
import json
from dataclasses import dataclass, field
from typing import Dict, Optional

import numpy

from . import creation, grad_mode, random
from .cell_setup import InvalidRunError
from .pictures import MISSING, pyplot_or_none, save_png


@dataclass
class GateTrace:
    """One sequence through a cell. ``values[name]`` is a (steps, units) array: the value
    the first layer's (forward) cell exposed under ``name`` at each step, for the one
    sequence run; ``inputs`` is that sequence (steps, features)."""
    cell: str
    task: str
    task_options: dict
    hidden: int
    inputs: numpy.ndarray
    values: Dict[str, numpy.ndarray]
    loaded: Optional[str] = None
    model: object = field(default=None, repr=False)

    @property
    def steps(self):
        return self.inputs.shape[0]

    def means(self):
        """name -> (steps,) the mean over the units at each step."""
        return {name: v.reshape(v.shape[0], -1).mean(axis=1) for name, v in self.values.items()}

    def to_dict(self):
        """Standard JSON values: per name the mean over units at each step, and every
        unit's value (``units[t][k]``)."""
        means = self.means()
        return {"cell": self.cell, "task": self.task, "task_options": self.task_options,
                "hidden": self.hidden, "loaded": self.loaded, "steps": self.steps,
                "recorded": "layer 0, forward direction, sequence 0 of a batch of 1",
                "inputs": self.inputs.tolist(),
                "values": {name: {"mean": means[name].tolist(),
                                  "units": v.reshape(v.shape[0], -1).tolist()}
                           for name, v in self.values.items()}}


def trace_gates(cell, task, task_options=None, checkpoint=None, hidden=None, seed=0,
                cell_options=None, loaded=None):
    """Run one sequence of ``task`` through ``cell`` and record what it exposes.

    ``checkpoint`` is what ``minigrad.load`` read from a ``minigrad train --save`` file
    (its run's hidden size, layers, init and task options are used, unless given) or a
    model's state_dict; without it the model is as a run of ``seed`` starts. ``loaded``
    names the file, for the record. Bad input raises ValueError saying what is allowed.
    """
    from .nn.recording import inspect_cells
    from .run_checkpoint import is_run_checkpoint
    from . import shapes
    from .training import build_model, prepare
    settings = {}
    state = checkpoint
    if is_run_checkpoint(checkpoint):
        settings = _run_settings(checkpoint, cell, task)
        state = checkpoint.get("model")
    elif checkpoint is not None and not isinstance(checkpoint, dict):
        raise TypeError(f"checkpoint must be what minigrad.load read (a dict), got a "
                        f"{type(checkpoint).__name__}")
    training = dict(settings.get("training", {}))
    options = {"seed": seed}
    for name in ("layers", "init", "forget_bias", "dtype"):
        if name in training:
            options[name] = training[name]
    if hidden is not None or "hidden" in training:  # else TrainConfig's, as `train` has
        options["hidden"] = hidden if hidden is not None else training["hidden"]
    if task_options is None:
        task_options = settings.get("task_options")
    if cell_options is None:
        cell_options = settings.get("cell_options")
    plan = prepare([cell], task, 1, task_options, cell_options=cell_options,
                   initial_state=state, **options)
    shapes.require_per_step(plan.task, "inspect")
    random.manual_seed(plan.config.seed)  # the model a run of this seed starts from
    model = build_model(plan.cells[0], plan.task, plan.config)
    if state is not None:
        model.load_state_dict(state)
    batch = plan.task.batch(1, numpy.random.default_rng(plan.config.seed))
    inputs = creation.tensor(batch.inputs, dtype=plan.config.dtype, device=plan.config.device)
    watched = model.rnn.cells[0][0]
    model.eval()
    with grad_mode.no_grad(), inspect_cells(only=watched) as record:
        model(inputs)
    exposed = record[watched]
    if not exposed:
        raise ValueError(f"the cell {plan.cells[0].name!r} exposes nothing to inspect: its "
                         f"forward calls no self.expose(name, value)")
    values = {name: exposed.stacked(name)[:, 0] for name in exposed}
    return GateTrace(cell=plan.cells[0].name, task=task if isinstance(task, str) else
                     type(plan.task).__name__, task_options=plan.task.settings(),
                     hidden=plan.config.hidden, inputs=numpy.asarray(batch.inputs)[:, 0],
                     values=values, loaded=loaded, model=model)


def _run_settings(checkpoint, cell, task):
    """The settings a run checkpoint was written with; refused when it is another
    cell's or task's run."""
    try:
        settings = json.loads(checkpoint["run"])
    except (KeyError, TypeError, ValueError):
        raise InvalidRunError("the checkpoint's run settings are unreadable", "load") from None
    recorded_cell = (settings.get("cells") or [None])[0]
    from .plugin_manager import get_cell, get_task
    if recorded_cell is not None and get_cell(recorded_cell).name != get_cell(cell).name:
        raise InvalidRunError(f"the checkpoint holds a run of the cell {recorded_cell!r}, "
                              f"not {cell!r}: give --cell {recorded_cell}", "load")
    recorded_task = settings.get("task")
    if (isinstance(task, str) and recorded_task is not None
            and get_task(recorded_task).name != get_task(task).name):
        raise InvalidRunError(f"the checkpoint holds a run of the task {recorded_task!r}, "
                              f"not {task!r}: give --task {recorded_task}", "load")
    return settings


#: How many single units a picture draws beside the mean (all of them, below this).
UNITS_DRAWN = 8


def draw(trace, path):
    """``path`` (a .png): one panel per exposed value against the step, the mean over
    units bold and the first ``UNITS_DRAWN`` units thin. Returns the note to show: what
    was written, or why nothing was (matplotlib not installed)."""
    pyplot = pyplot_or_none()
    if pyplot is None:
        return f"{path} not drawn: {MISSING}; the table and --json hold the same values"
    names = list(trace.values)
    figure, axes = pyplot.subplots(len(names), 1, sharex=True, squeeze=False,
                                   figsize=(8, 1.4 * len(names) + 1))
    means = trace.means()
    steps = numpy.arange(trace.steps)
    for row, name in zip(axes[:, 0], names):
        units = trace.values[name].reshape(trace.steps, -1)
        for k in range(min(UNITS_DRAWN, units.shape[1])):
            row.plot(steps, units[:, k], linewidth=0.7, alpha=0.5)
        row.plot(steps, means[name], color="black", linewidth=2, label="mean over units")
        row.set_ylabel(name)
    axes[0, 0].set_title(f"{trace.cell} on {trace.task}: one sequence, the mean over "
                         f"{trace.hidden} units (black) and {min(UNITS_DRAWN, trace.hidden)} "
                         f"single units")
    axes[-1, 0].set_xlabel("time step")
    figure.tight_layout()
    return save_png(pyplot, figure, path, dpi=100)
