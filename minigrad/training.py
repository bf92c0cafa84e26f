"""Training a cell on a task, and comparing cells: the Python API behind the CLI.

    >>> result = minigrad.train("lstm", "copy", steps=200)
    >>> table = minigrad.compare(["rnn", "lstm"], "copy", seeds=3)

Every run draws fresh training batches from a seeded generator and, every
``eval_every`` steps, scores the model on fresh held-out batches; it stops early once
the task counts as solved. A loss that turns NaN or infinite ends that run (with the
step and a message) and leaves the others going.

Everything is checked before the first step (``prepare``): bad settings, cells, cell
options, init schemes, devices and checkpoints raise an ``InvalidRunError`` (or an
``UnknownNameError`` listing the valid names), so a notebook and the CLI get the same
one-line errors.
"""
import dataclasses
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, List, Optional

import numpy

from . import creation, grad_mode, optim, random
from .cell_setup import CellSetup, InvalidRunError, setup_cells
from .divergence import non_finite_loss
from .nn import SequenceModel
from .nn.utils import clip_grad_norm_
from .plugin_manager import get_task
from .train_config import (FIELDS, OPTIMIZERS, TrainConfig, check_device,  # noqa: F401
                           check_memory, check_task, check_task_options, checkpoint_problem,
                           count_seeds, make_config, seed_numbers)

@dataclass
class RunResult:
    """What one run of one cell with one seed achieved (the rows of ``--json``)."""
    cell: str
    seed: int
    params: int
    steps: int
    final_loss: float
    baseline_loss: float
    metric: str
    score: float
    solved: bool
    steps_to_solve: Optional[int]
    seconds: float
    ms_per_step: float
    error: Optional[str] = None
    curve: List[dict] = field(default_factory=list)  # {"step", "loss", "score"} per evaluation

    def to_dict(self, with_curve=False):
        row = asdict(self)
        if not with_curve:
            row.pop("curve")
        return row


def make_task(task, **task_options):
    """A task instance from a registered name (or an instance, returned as it is)."""
    if isinstance(task, str):
        return get_task(task).factory(**task_options)
    if task_options:
        raise InvalidRunError("task options can only be given with a task name",
                              "task_options")
    return check_task(task)


def _make_optimizer(name, params, lr):
    if name == "adam":
        return optim.Adam(params, lr=lr)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    return optim.SGD(params, lr=lr, momentum=0.9)


def build_model(cell, task, config):
    """The SequenceModel a run trains: ``cell`` (a ``CellSetup``, a name or a factory)
    wrapped for ``task``'s input and output, initialised with its scheme (chrono's T
    is the task's sequence length)."""
    if not isinstance(cell, CellSetup):
        cell = setup_cells([cell], config.init, config.cell_options)[0]
    return SequenceModel(cell.factory, task.input_size, config.hidden, task.output_size,
                         num_layers=config.layers, init=cell.init, max_delay=task.seq_len,
                         forget_bias=1.0 if config.forget_bias is None else config.forget_bias,
                         dtype=config.dtype, device=config.device, **cell.options)


def evaluate(model, task, config, rng):
    """Mean loss and score over ``config.eval_batches`` fresh batches, without a graph."""
    losses, scores = [], []
    model.eval()
    with grad_mode.no_grad():
        for _ in range(config.eval_batches):
            batch = task.batch(config.batch, rng)
            outputs = model(_to_tensor(batch.inputs, config))
            losses.append(task.loss(outputs, batch).item())
            scores.append(task.metric(outputs, batch))
    model.train()
    return float(numpy.mean(losses)), float(numpy.mean(scores))


def _to_tensor(array, config):
    return creation.tensor(array, dtype=config.dtype, device=config.device)


class IncompatibleCheckpoint(InvalidRunError):
    """A checkpoint given to start from does not fit the model being trained, or holds
    values no run can start from (``error`` is then the message itself)."""

    def __init__(self, error):
        if isinstance(error, str):
            super().__init__(error, "initial_state")
            return
        problems = [line.strip() for line in str(error).splitlines()[1:] if line.strip()]
        detail = problems[0] if problems else str(error)
        if len(problems) > 1:
            detail += f" (and {len(problems) - 1} more)"
        super().__init__(f"the checkpoint does not fit this model: {detail}", "initial_state")


@dataclass
class Plan:
    """A checked run or comparison, nothing trained yet: each cell's setup, the task,
    the settings and the seeds. ``prepare`` makes one; ``run`` trains it."""
    cells: List[CellSetup]
    task: Any
    config: TrainConfig
    seeds: List[int]
    initial_state: Optional[dict] = None

    def describe_cells(self):
        """One phrase per cell: its name, the init scheme it gets and its options."""
        phrases = []
        for cell in self.cells:
            init = cell.init
            if init == "chrono":
                init += f" T={self.task.seq_len}"
            elif init == "forget-bias":
                init += f" {1.0 if self.config.forget_bias is None else self.config.forget_bias}"
            options = "".join(f" {k}={v}" for k, v in cell.options.items())
            phrases.append(f"{cell.name} (init {init}{options})")
        return ", ".join(phrases)

    def run(self, on_run_start=None, callback=None):
        """Train every cell once per seed; returns a ``Comparison``."""
        results = []
        for cell in self.cells:
            for seed in self.seeds:
                if on_run_start is not None:
                    on_run_start(cell.name, seed)
                config = dataclasses.replace(self.config, seed=seed)
                results.append(_train_one(cell, self.task, config, self.initial_state,
                                          callback))
        task_info = {"name": getattr(self.task, "name", type(self.task).__name__),
                     **self.task.settings(), "baseline_loss": float(self.task.baseline()),
                     "metric": self.task.metric_name}
        config = asdict(self.config)
        config["cells"] = {c.name: {"init": c.init, "options": c.options} for c in self.cells}
        return Comparison(task=task_info, config=config, results=results)


def prepare(cells, task, seeds=1, task_options=None, cell_options=None, initial_state=None,
            **options):
    """Check everything a comparison needs, before any training, and return its ``Plan``.

    ``cells`` is a list of names or cell classes (or one comma-separated str); ``seeds``
    a count (seeds ``seed``, ``seed + 1``, ...) or a list; ``cell_options`` a dict (see
    ``minigrad.cell_setup``); ``initial_state`` a state_dict every run starts from;
    ``options`` the fields of ``TrainConfig``.
    """
    if isinstance(cells, str):
        cells = [c.strip() for c in cells.split(",") if c.strip()]
    if not cells:
        raise InvalidRunError("a run needs at least one cell", "cells")
    task = make_task(task, **check_task_options(task_options))
    if cell_options is not None:
        options["cell_options"] = cell_options
    config = make_config(cells, task, **options)
    setups = setup_cells(cells, config.init, config.cell_options)
    for cell in setups:
        if config.tbptt and cell.bidirectional:
            raise InvalidRunError(f"truncated BPTT (tbptt={config.tbptt}) runs forward in "
                                  f"time; it can't be used with the bidirectional cell "
                                  f"{cell.name}", "tbptt")
    check_device(config.device)
    check_memory(setups, task, config, count_seeds(seeds))  # before anything is allocated
    seed_list = seed_numbers(seeds, config.seed)
    for cell in setups:  # a cell that can't be built (or fit the checkpoint) fails now
        model = _try_build(cell, task, config)
        if initial_state is not None:
            _load_checkpoint(model, initial_state)
    return Plan(setups, task, config, seed_list, initial_state)


def _try_build(cell, task, config):
    try:
        return build_model(cell, task, config)
    except InvalidRunError:
        raise
    except Exception as error:  # a cell's own constructor or init_weights refusing
        options = f" with {cell.options}" if cell.options else ""
        raise InvalidRunError(f"the cell {cell.name!r} could not be built{options} "
                              f"(init {cell.init!r}): {type(error).__name__}: {error}",
                              "cells") from error


def _load_checkpoint(model, state):
    problem = checkpoint_problem(state)  # text, NaN: refused, naming the key
    if problem:
        raise IncompatibleCheckpoint(problem)
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise IncompatibleCheckpoint(error) from None


def train(cell, task, task_options=None, callback=None, initial_state=None,
          cell_options=None, **options):
    """Train ``cell`` (a registered name or class) on ``task`` and return a ``RunResult``
    (its ``model`` attribute holds the trained model).

    ``options`` are the fields of ``TrainConfig``; ``task_options`` the task's own
    parameters; ``cell_options`` the cell's declared options; ``initial_state`` a
    state_dict to start from. ``callback(step, loss)`` is called after every step.
    """
    config = options.pop("config", None)
    if config is not None:
        options = {**asdict(config), **options}
    plan = prepare([cell], task, 1, task_options, cell_options, initial_state, **options)
    return _train_one(plan.cells[0], plan.task, plan.config, initial_state, callback)


# A diverging run is told by its error (below), not by NumPy's warnings with source lines.
@numpy.errstate(over="ignore", invalid="ignore", divide="ignore")
def _train_one(cell, task, config, initial_state=None, callback=None):
    """One run of one checked cell with ``config.seed``."""
    random.manual_seed(config.seed)
    model = build_model(cell, task, config)
    if initial_state is not None:
        _load_checkpoint(model, initial_state)
    optimizer = _make_optimizer(config.optimizer, model.parameters(), config.lr)
    train_rng = numpy.random.default_rng(config.seed)
    eval_rng = numpy.random.default_rng(config.seed + 1_000_003)
    result = RunResult(cell=cell.name, seed=config.seed,
                       params=sum(p.numel() for p in model.parameters()), steps=0,
                       final_loss=math.nan, baseline_loss=float(task.baseline()),
                       metric=task.metric_name, score=math.nan, solved=False,
                       steps_to_solve=None, seconds=0.0, ms_per_step=0.0)
    start = time.perf_counter()
    for step in range(1, config.steps + 1):
        batch = task.batch(config.batch, train_rng)
        outputs = model(_to_tensor(batch.inputs, config), tbptt=config.tbptt)
        loss = task.loss(outputs, batch)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            result.error = non_finite_loss(loss_value, step, model, batch, config)
            break
        optimizer.zero_grad()
        loss.backward()
        if config.clip:
            clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        result.steps = step
        if callback is not None:
            callback(step, loss_value)
        if step % config.eval_every == 0 or step == config.steps:
            result.final_loss, result.score = evaluate(model, task, config, eval_rng)
            result.curve.append({"step": step, "loss": result.final_loss, "score": result.score})
            if task.solved(result.final_loss, result.score):
                result.solved = True
                result.steps_to_solve = result.steps_to_solve or step
                if config.early_stop:
                    break
            else:
                result.solved = False
    result.seconds = time.perf_counter() - start
    result.ms_per_step = 1000 * result.seconds / max(result.steps, 1)
    result.model = model
    return result


@dataclass
class Comparison:
    """All runs of a comparison, and a summary per cell (mean ± std over seeds)."""
    task: dict
    config: dict
    results: List[RunResult]

    def summary(self):
        rows = []
        for cell in dict.fromkeys(r.cell for r in self.results):
            runs = [r for r in self.results if r.cell == cell]
            done = [r.steps_to_solve for r in runs if r.solved]
            rows.append({
                "cell": cell, "params": runs[0].params, "seeds": len(runs),
                "solved": sum(r.solved for r in runs),
                "final_loss_mean": _mean([r.final_loss for r in runs]),
                "final_loss_std": _std([r.final_loss for r in runs]),
                "score_mean": _mean([r.score for r in runs]),
                "score_std": _std([r.score for r in runs]),
                "baseline_loss": runs[0].baseline_loss, "metric": runs[0].metric,
                "steps_to_solve_mean": _mean(done) if done else None,
                "seconds_mean": _mean([r.seconds for r in runs]),
                "ms_per_step_mean": _mean([r.ms_per_step for r in runs]),
                "errors": [r.error for r in runs if r.error],
            })
        return rows

    def to_dict(self):
        return {"task": self.task, "config": self.config,
                "results": [r.to_dict() for r in self.results], "summary": self.summary()}


def _mean(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(numpy.mean(values)) if values else math.nan


def _std(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(numpy.std(values, ddof=1)) if len(values) > 1 else math.nan


def compare(cells, task, seeds=1, task_options=None, on_run_start=None, callback=None,
            cell_options=None, **options):
    """Train every cell in ``cells`` on ``task``, once per seed, and return a ``Comparison``.

    ``seeds`` is a count (seeds ``seed``, ``seed + 1``, ...) or a list of seeds;
    ``cell_options`` a dict of cell options (for every cell that declares them, or
    ``{cell: {...}}`` for one). ``on_run_start(cell, seed)`` and ``callback(step,
    loss)`` report progress. Everything is checked before the first run (``prepare``).
    """
    plan = prepare(cells, task, seeds, task_options, cell_options, **options)
    return plan.run(on_run_start, callback)
