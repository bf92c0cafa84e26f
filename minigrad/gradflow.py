"""Gradient flow: how much of the loss's gradient reaches each step of a recurrent layer.

Backpropagation through time carries ∂L/∂h_t backwards one step at a time,

    ∂L/∂h_t = (∂h_{t+1}/∂h_t)ᵀ ∂L/∂h_{t+1}      (plus ∂L/∂h_t's direct part, if any)

and for a tanh RNN each factor is ∂h_{t+1}/∂h_t = diag(1 - h_{t+1}²) W_hh, so the norm
shrinks (or grows) roughly geometrically with the distance from the loss: the vanishing
gradient (Hochreiter 1991; Bengio, Simard & Frasconi 1994). An LSTM's cell state is
multiplied only by its forget gate f (c_{t+1} = f ⊙ c_t + ...), so with f near 1, as
the forget-bias and chrono schemes start it, far more survives.

``gradient_flow(cells, ...)`` measures ‖∂L/∂h_t‖ for t = 0 .. T-1 (h_t is the state after
reading input t), through the runner's state hooks (``Recurrent.record_states``), on a
one-layer network, in float64:

* loss ``"last-step"``: L = Σ_b w · h_{T-1}^(b), a fixed random unit vector w read out
  of the last state of each sequence b, so ∂L/∂h_{T-1} = w and the figure at T-1 is 1;
* loss ``"task"`` (with a task): the task's own loss on a batch of its sequences, times
  the batch size (a loss that is a mean over the batch then reads as one sequence's).

The figure for step t is the mean over the batch of the per-sequence norms ‖∂L/∂h_t^(b)‖
(the Euclidean norm over the hidden units of h, the first state tensor; an LSTM's c is
not reported). Without a task the inputs are N(0, 1) noise (``random_inputs``); with
one they are the task's own batches, and ``after_steps`` trains on them
(``minigrad.train``) and measures again. Each cell's network is built right after
``minigrad.manual_seed(seed)``, so its weights can be made again outside.
"""
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List

import numpy

from . import checks, creation, dtypes, random
from .cell_setup import InvalidRunError, setup_cells
from .nn.init_schemes import InitContext
from .nn.recurrent import Recurrent

LOSSES = ("last-step", "task")
DEFAULT_LENGTH = 60


@dataclass
class Series:
    """One curve: ‖∂L/∂h_t‖ for t = 0 .. T-1 of ``cell`` (as asked, e.g. ``lstm:chrono``)
    with its ``init`` scheme, for ``loss`` after ``steps`` training steps."""
    cell: str
    init: str
    loss: str
    steps: int
    norms: List[float]

    @property
    def label(self):
        """A short column title: ``lstm:chrono``, ``rnn task``, ``gru task @200``."""
        text = self.cell + (" task" if self.loss == "task" else "")
        return text + (f" @{self.steps}" if self.steps else "")

    def to_dict(self):
        return {"cell": self.cell, "init": self.init, "loss": self.loss, "steps": self.steps,
                "label": self.label, "norms": self.norms}


@dataclass
class GradientFlow:
    """What ``gradient_flow`` measured: its ``settings`` and one ``Series`` per cell, loss
    and training time (``series``)."""
    settings: Dict[str, Any]
    series: List[Series] = field(default_factory=list)

    @property
    def length(self):
        return self.settings["length"]

    def norms(self, cell, loss="last-step", steps=0):
        """The norms of ``cell`` (as it was asked for) for ``loss`` after ``steps``."""
        for series in self.series:
            if (series.cell, series.loss, series.steps) == (cell, loss, steps):
                return series.norms
        have = ", ".join(f"({s.cell!r}, {s.loss!r}, {s.steps})" for s in self.series)
        raise KeyError(f"no series for cell {cell!r}, loss {loss!r}, steps {steps}; "
                       f"measured: {have}")

    def to_dict(self):
        return {"settings": self.settings, "series": [s.to_dict() for s in self.series]}


def gradient_flow(cells, task=None, length=None, init="default", after_steps=0, hidden=64,
                  batch=16, input_size=8, seed=0, forget_bias=1.0, task_options=None,
                  lr=1e-2):
    """‖∂L/∂h_t‖ at every step t for each of ``cells`` (see the module's docstring for L
    and the norm); returns a ``GradientFlow``.

    ``cells``: names or cell classes, or one comma-separated str; ``"lstm:chrono"`` gives
    that cell its own init scheme, the others get ``init`` (``"auto"``: each cell's
    recommended one). ``length``: T, the steps of the random inputs (60 unless told);
    with a ``task`` the sequences are the task's (set by ``task_options``). ``after_steps``
    (with a task): measure again after that many Adam steps (``lr``) on the task.
    ``input_size`` is the random inputs' width; ``forget_bias`` the value of the
    forget-bias scheme, and chrono's T is the sequence length.
    """
    entries = _cell_entries(cells, init)
    hidden, batch = _positive(hidden, "hidden"), _positive(batch, "batch")
    input_size, seed = _positive(input_size, "input_size"), _whole(seed, "seed")
    after_steps = _whole(after_steps, "after_steps")
    forget_bias, lr = _finite(forget_bias, "forget_bias"), _finite(lr, "lr")
    if lr <= 0:
        raise InvalidRunError(f"lr must be a positive number, got {lr}", "lr")
    if task is None:
        if after_steps:
            raise InvalidRunError("after_steps trains the cells on a task's batches; give a "
                                  "task too", "after_steps")
        if task_options:
            raise InvalidRunError("task_options need a task", "task_options")
        length = DEFAULT_LENGTH if length is None else _positive(length, "length")
        return _without_task(entries, length, hidden, batch, input_size, seed, forget_bias)
    if length is not None:
        raise InvalidRunError("length is the number of steps of the random inputs; a task's "
                              "sequences are its own (set them with its options, e.g. "
                              "task_options={'delay': 50})", "length")
    return _with_task(entries, task, task_options or {}, after_steps, hidden, batch, seed,
                      forget_bias, lr)


def _cell_entries(cells, init):
    """-> [(label, CellSetup)]: each cell checked, with the init scheme it gets."""
    if isinstance(cells, str):
        cells = [c.strip() for c in cells.split(",") if c.strip()]
    cells = list(cells or ())
    if not cells:
        raise InvalidRunError("gradient_flow needs at least one cell (e.g. cells='rnn,lstm')",
                              "cells")
    entries, labels = [], set()
    for cell in cells:
        name, own = cell, init
        if isinstance(cell, str) and ":" in cell:
            name, _, own = (part.strip() for part in cell.partition(":"))
            if not name or not own:
                raise InvalidRunError(f"cells {cell!r}: a cell reads CELL or CELL:INIT, e.g. "
                                      f"lstm:chrono", "cells")
        [setup] = setup_cells([name], own)
        label = cell if isinstance(cell, str) else setup.name
        if label in labels:
            raise InvalidRunError(f"cells names {label!r} twice", "cells")
        if setup.bidirectional:
            raise InvalidRunError(f"the cell {label!r} runs both ways in time, so no step is "
                                  f"the last; give a one-direction cell", "cells")
        labels.add(label)
        entries.append((label, setup))
    return entries


def _positive(value, name, minimum=1):
    """``value`` as an int of at least ``minimum``, or an InvalidRunError naming it."""
    try:
        return checks.size(value, name, minimum)
    except ValueError as error:
        raise InvalidRunError(str(error), name) from None


def _whole(value, name):
    return _positive(value, name, 0)


def _finite(value, name):
    try:
        return checks.real(value, name)
    except (TypeError, ValueError) as error:
        raise InvalidRunError(str(error), name) from None


def random_inputs(length, batch, input_size, seed):
    """The inputs without a task: N(0, 1) noise of shape (length, batch, input_size)."""
    return numpy.random.default_rng(seed).normal(size=(length, batch, input_size))


def readout(hidden, seed):
    """w of the last-step loss: a random unit vector of ``hidden`` entries, the same for
    every cell."""
    w = numpy.random.default_rng(seed + 7_000_003).normal(size=hidden)
    return w / numpy.linalg.norm(w)


def _step_norms(states):
    """[states[t] for t] (each a state tuple whose first tensor kept its grad) -> the mean
    over the batch of ‖∂L/∂h_t^(b)‖, for every t (0.0 where no gradient arrived)."""
    norms = []
    for state in states:
        grad = state[0].grad
        if grad is None:
            norms.append(0.0)
            continue
        rows = numpy.linalg.norm(grad.numpy().reshape(grad.shape[0], -1), axis=1)
        norms.append(float(rows.mean()))
    return norms


def _last_step_norms(layer, inputs, w, run=None):
    """Norms for L = Σ_b w · h_{T-1}^(b) through ``layer`` (a Recurrent); ``run`` runs the
    model around it (default: the layer itself)."""
    with layer.record_states() as states:
        (run or layer)(inputs)
        last = states[0][0][-1][0]
        (last * creation.tensor(w, dtype=dtypes.float64)).sum().backward()
    return _step_norms(states[0][0])


def _without_task(entries, length, hidden, batch, input_size, seed, forget_bias):
    inputs = random_inputs(length, batch, input_size, seed)
    w = readout(hidden, seed)
    flow = GradientFlow(_settings(None, {}, length, hidden, batch, seed, 0, input_size))
    for label, setup in entries:
        random.manual_seed(seed)
        layer = Recurrent(setup.factory, input_size, hidden, dtype=dtypes.float64,
                          **setup.options)
        _init(layer, setup, label, InitContext(max_delay=length, forget_bias=forget_bias))
        norms = _last_step_norms(layer, creation.tensor(inputs, dtype=dtypes.float64), w)
        flow.series.append(Series(label, setup.init, "last-step", 0, norms))
    return flow


def _init(layer, setup, label, context):
    try:
        layer.init_weights(setup.init, context)
    except (ValueError, NotImplementedError) as error:
        raise InvalidRunError(f"the cell {label!r} could not be initialised with "
                              f"{setup.init!r}: {error}", "init") from None


def _with_task(entries, task, task_options, after_steps, hidden, batch, seed, forget_bias,
               lr):
    from . import shapes, training
    task = training.make_task(task, **task_options)
    shapes.require_per_step(task, "gradflow")
    config = dict(hidden=hidden, batch=batch, seed=seed, dtype="float64", lr=lr,
                  steps=max(after_steps, 1), early_stop=False, eval_every=max(after_steps, 1))

    def options(setup):  # the forget-bias value goes with that scheme only
        bias = {"forget_bias": forget_bias} if setup.init == "forget-bias" else {}
        return {"init": setup.init, **bias, **config}
    plans = [training.prepare([setup.factory], task, 1, **options(setup))
             for _, setup in entries]  # every cell checked before any is measured
    data = task.batch(batch, numpy.random.default_rng(seed + 5_000_011))
    w = readout(hidden, seed)
    flow = GradientFlow(_settings(task, task_options, task.seq_len, hidden, batch, seed,
                                  after_steps, task.input_size))
    for (label, setup), plan in zip(entries, plans):
        random.manual_seed(seed)  # as minigrad.train does, so both start from one model
        models = [(0, training.build_model(plan.cells[0], task, plan.config))]
        if after_steps:
            result = training.train(setup.factory, task, **options(setup))
            models.append((result.steps, result.model))
        for steps, model in models:
            for loss, norms in _model_norms(model, task, data, w).items():
                flow.series.append(Series(label, setup.init, loss, steps, norms))
    return flow


def _model_norms(model, task, data, w):
    """{"last-step": norms, "task": norms} of a SequenceModel on the batch ``data``."""
    inputs = creation.tensor(data.inputs, dtype=dtypes.float64)
    result = {"last-step": _last_step_norms(model.rnn, inputs, w, run=model)}
    with model.rnn.record_states() as states:
        loss = task.loss(model(inputs), data) * inputs.shape[1]
        if not math.isfinite(loss.item()):
            raise ValueError(f"the task's loss is {loss.item()} for this model")
        loss.backward()
    result["task"] = _step_norms(states[0][0])
    return result


def _settings(task, task_options, length, hidden, batch, seed, after_steps, input_size):
    return {"task": None if task is None else getattr(task, "name", type(task).__name__),
            "task_options": dict(task.settings()) if task is not None else {},
            "length": length, "hidden": hidden, "batch": batch, "seed": seed,
            "after_steps": after_steps, "input_size": input_size, "dtype": "float64",
            "losses": ["last-step"] + (["task"] if task is not None else [])}
