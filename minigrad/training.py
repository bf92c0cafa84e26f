"""Training a cell on a task, and comparing cells: the Python API behind the CLI.

    >>> result = minigrad.train("lstm", "copy", steps=200)
    >>> table = minigrad.compare(["rnn", "lstm"], "copy", seeds=3)

Every run draws fresh training batches from a seeded generator and, every
``eval_every`` steps, scores the model on fresh held-out batches; it stops early once
the task counts as solved. A loss that turns NaN or infinite ends that run (with the
step and a message) and leaves the others going.

Nothing finished is lost: with ``out=DIR`` a comparison writes each run to its results
folder (``minigrad.results``) as soon as it ends; ``stop()`` (``minigrad.stopping``
makes one from SIGINT and SIGTERM) ends the run in progress at a step boundary, marked
interrupted; ``minigrad.resume(DIR)`` (``minigrad.resuming``) continues, keeping the
finished runs and going on from the last checkpoint of the others, to the numbers an
uninterrupted comparison gives. ``train`` writes and continues single-run checkpoints the same way.

Everything is checked before the first step (``prepare``): bad settings, cells, cell
options, init schemes, devices and checkpoints raise an ``InvalidRunError`` (or an
``UnknownNameError`` listing the valid names), so a notebook and the CLI get the same
one-line errors.
"""
import dataclasses
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

import numpy

from . import grad_mode, optim, random, run_checkpoint, shapes
from .cell_setup import CellSetup, InvalidRunError, setup_cells
from .divergence import non_finite_loss
from .nn.utils import clip_grad_norm_, grad_norm
from .plugin_manager import get_task, tasks
from .results import ResultsFolder, SettingsMismatch, json_ready
from .results import setting_differences
from .run_checkpoint import CheckpointFile
from .serialization import load
from .train_config import (FIELDS, OPTIMIZERS, TrainConfig, check_device,  # noqa: F401
                           check_embed, check_memory, check_task, check_task_options,
                           checkpoint_problem,
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
    # {"step", "loss", "score", "grad_norm"} per evaluation; grad_norm is that step's
    # global gradient norm before clipping (NaN in files written before it was kept)
    curve: List[dict] = field(default_factory=list)
    # stopped before its end (by ``stop()`` or Ctrl-C): such a run is listed apart, in
    # ``Comparison.interrupted``, so its rows need no key for it
    interrupted: bool = field(default=False, repr=False)

    def to_dict(self, with_curve=False):
        row = asdict(self)
        row.pop("interrupted")
        if not with_curve:
            row.pop("curve")
        return row

    @classmethod
    def from_dict(cls, row):
        """The RunResult a row of results.json (``to_dict(with_curve=True)``) was made
        from; a null loss or score (not a finite number) comes back as NaN."""
        names = [f.name for f in dataclasses.fields(cls) if f.name != "interrupted"]
        missing = [name for name in names if name not in row and name not in ("error", "curve")]
        if missing:
            raise ValueError(f"the row has no {', '.join(missing)}")
        values = {name: row[name] for name in names if name in row}
        for name in ("final_loss", "baseline_loss", "score"):
            values[name] = _float(values[name])
        values["curve"] = [curve_point(point) for point in row.get("curve", [])]
        return cls(**values)


def _float(value):
    return math.nan if value is None else float(value)


def curve_point(point):
    """A point of a learning curve read back from JSON (null: not a finite number)."""
    return {"step": point["step"], "loss": _float(point["loss"]),
            "score": _float(point["score"]), "grad_norm": _float(point.get("grad_norm"))}


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (a KeyboardInterrupt) in the middle of training, holding what was done:
    ``result``, the run it stopped (marked ``interrupted``; None if it came between runs),
    and, once ``Plan.run`` has it, ``comparison``: the runs finished so far, and that one.
    With a results folder, the finished runs are on disk already."""

    def __init__(self, result=None, comparison=None):
        super().__init__("training was interrupted")
        self.result, self.comparison = result, comparison


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
    """The model a run trains: ``cell`` (a ``CellSetup``, a name or a factory) inside the
    model the task's shape needs (``minigrad.shapes``: a ``SequenceModel`` for a per-step
    task), initialised with its scheme (chrono's T is the task's sequence length), behind
    an embedding of ``config.embed`` values if one is asked for."""
    if not isinstance(cell, CellSetup):
        cell = setup_cells([cell], config.init, config.cell_options)[0]
    return shapes.build(cell, task, config)


def evaluate(model, task, config, rng):
    """Mean loss and score over ``config.eval_batches`` fresh held-out batches
    (``task.eval_batch``), without a graph. The score is of what the model writes on its
    own (``shapes.predictions``: for a generated output, with its guesses fed back)."""
    losses, scores = [], []
    model.eval()
    with grad_mode.no_grad():
        for _ in range(config.eval_batches):
            batch = getattr(task, "eval_batch", task.batch)(config.batch, rng)
            outputs = shapes.outputs(model, task, batch, config)
            losses.append(task.loss(outputs, batch).item())
            scores.append(task.metric(shapes.predictions(model, task, batch, config, outputs),
                                      batch))
    model.train()
    return float(numpy.mean(losses)), float(numpy.mean(scores))


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
    folder: Optional[ResultsFolder] = None     # where each run is written as it ends
    checkpoint_every: Optional[int] = None     # steps between a run's checkpoints
    checkpoint_path: Optional[str] = None      # a single run's checkpoint file (train)
    finished: List["RunResult"] = field(default_factory=list)   # kept from before (resume)
    starts: Dict[tuple, dict] = field(default_factory=dict)     # (cell, seed) -> checkpoint

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

    def settings(self):
        """What this plan runs, as JSON values: what a results folder records, and what
        ``prepare_resume`` prepares again and compares with what a command asks for."""
        training = asdict(self.config)
        cell_options = training.pop("cell_options")
        return json_ready({"cells": [cell.name for cell in self.cells],
                           "task": _task_name(self.task), "task_options": self.task.settings(),
                           "seeds": list(self.seeds), "cell_options": cell_options,
                           "training": training})

    def run_settings(self, cell, seed):
        """The settings of the one run of ``cell`` with ``seed`` (recorded in its checkpoints)."""
        settings = self.settings()
        settings["cells"], settings["seeds"] = [cell.name], [seed]
        settings["training"]["seed"] = seed
        return settings

    def runs(self):
        """Every (cell, seed) of the plan, in the order they run."""
        return [(cell, seed) for cell in self.cells for seed in self.seeds]

    def write_to(self, out, command=None, checkpoint_every=None):
        """Write every run of this plan to the results folder ``out`` as soon as it ends,
        with a checkpoint of the run in progress every ``checkpoint_every`` steps. The
        folder is checked (and its first results.json written) now, before any training:
        a folder that can't be written, or holds anything but a new comparison, raises
        ``ResultsFolderError``. ``command`` (a list of str) is recorded there."""
        check_checkpoint_every(checkpoint_every, "checkpoint_every")
        self.folder = ResultsFolder.create(out, self.settings(), command, checkpoint_every)
        self.checkpoint_every = checkpoint_every
        self.folder.claim(self.comparison())
        return self

    def checkpoint_to(self, path, every=None):
        """Save this single run's checkpoint to ``path`` every ``every`` steps, when it is
        stopped, and when it ends; ``train(resume_from=path)`` goes on from it."""
        if len(self.runs()) != 1:
            raise InvalidRunError("checkpoint is one run's file; a comparison keeps its "
                                  "checkpoints in its results folder (write_to)", "checkpoint")
        check_checkpoint_every(every, "checkpoint_every")
        self.checkpoint_path, self.checkpoint_every = _writable_file(path, "checkpoint"), every
        return self

    def continue_from(self, checkpoint):
        """Go on with the single run saved in ``checkpoint`` (a path, or what
        ``minigrad.load`` read from it) rather than start it afresh. Its settings must be
        this plan's; only ``steps`` may differ (to train on for longer)."""
        if len(self.runs()) != 1:
            raise InvalidRunError("resume_from continues one run; a comparison continues "
                                  "with resume(folder)", "resume_from")
        if isinstance(checkpoint, (str, bytes, os.PathLike)):
            checkpoint = load(checkpoint)
        [(cell, seed)] = self.runs()
        recorded = run_checkpoint.run_settings(checkpoint)
        differences = setting_differences(recorded, self.run_settings(cell, seed),
                                          ignore=("steps",))
        if differences:
            raise SettingsMismatch("the checkpoint", differences, "Give the settings it was "
                                   "written with to continue it (only steps may change).",
                                   "resume_from")
        model = _try_build(cell, self.task, self.config)
        _load_checkpoint(model, checkpoint.get("model"))
        self.starts[cell.name, seed] = checkpoint
        return self

    def run(self, on_run_start=None, callback=None, on_run_end=None, stop=None):
        """Train every cell once per seed; returns a ``Comparison``.

        ``on_run_start(cell, seed)`` is called before each run, ``callback(step, loss)``
        after every step, ``on_run_end(result, comparison)`` after each run ends, with
        the comparison so far. ``stop()`` is asked before every step: once it answers
        true the run in progress ends there, marked interrupted (it is listed in
        ``comparison.interrupted``), and no other starts. With a results folder
        (``write_to``) results.json and curves.csv are rewritten as each run ends. A
        KeyboardInterrupt raises ``Interrupted``, holding the comparison so far.
        """
        comparison = self.comparison()
        kept = {(result.cell, result.seed): result for result in self.finished}
        stopped = False
        try:
            for index, (cell, seed) in enumerate(self.runs()):
                if (cell.name, seed) in kept:
                    comparison.results.append(kept[cell.name, seed])
                    continue
                if stopped:
                    continue  # left for resume
                if on_run_start is not None:
                    on_run_start(cell.name, seed)
                checkpoint = self._checkpoint_file(index, cell, seed)
                config = dataclasses.replace(self.config, seed=seed)
                try:
                    result = _train_one(cell, self.task, config, self.initial_state, callback,
                                        checkpoint, stop)
                except Interrupted as interrupted:
                    comparison.interrupted.append(interrupted.result)
                    self._run_ended(interrupted.result, comparison, checkpoint, on_run_end)
                    raise
                (comparison.interrupted if result.interrupted else comparison.results).append(
                    result)
                self._run_ended(result, comparison, checkpoint, on_run_end)
                stopped = result.interrupted
        except KeyboardInterrupt as error:
            interrupted = error if isinstance(error, Interrupted) else Interrupted()
            interrupted.comparison = comparison
            raise interrupted from None
        if self.folder is not None:
            self.folder.finish(comparison, "interrupted" if stopped else "complete")
            comparison.write_error = self.folder.error or comparison.write_error
        return comparison

    def comparison(self, results=()):
        """A Comparison of this plan, holding ``results`` (none yet, by default)."""
        task_info = {"name": getattr(self.task, "name", type(self.task).__name__),
                     **self.task.settings(), "baseline_loss": float(self.task.baseline()),
                     "metric": self.task.metric_name}
        references = getattr(self.task, "references", dict)()
        if references:
            task_info["references"] = references
        config = asdict(self.config)
        config["cells"] = {c.name: {"init": c.init, "options": c.options} for c in self.cells}
        return Comparison(task=task_info, config=config, results=list(results))

    def _checkpoint_file(self, index, cell, seed):
        start = self.starts.get((cell.name, seed))
        if self.folder is not None:
            return CheckpointFile(self.folder.checkpoint_path(index, cell.name, seed),
                                  self.run_settings(cell, seed), self.checkpoint_every, start)
        if self.checkpoint_path is not None or start is not None:
            return CheckpointFile(self.checkpoint_path, self.run_settings(cell, seed),
                                  self.checkpoint_every, start, keep_at_end=True,
                                  vocabulary=getattr(self.task, "vocabulary", None))
        return None

    def _run_ended(self, result, comparison, checkpoint, on_run_end):
        # A comparison's checkpoint that could not be written costs time only (its run
        # starts again on resume); a single run's checkpoint is what train() saves.
        if self.folder is None and checkpoint is not None and checkpoint.error:
            comparison.write_error = checkpoint.error
        if self.folder is not None:
            status = "interrupted" if result is None or result.interrupted else "running"
            saved = self.folder.save(comparison, status)
            comparison.write_error = self.folder.error or comparison.write_error
            if saved and checkpoint is not None and not (result is None or result.interrupted):
                checkpoint.discard()  # the run is on record now
        if on_run_end is not None:
            on_run_end(result, comparison)


def _task_name(task):
    """The name ``task``'s class is registered under (what ``prepare`` takes again)."""
    for name, spec in tasks().items():
        if spec.factory is type(task):
            return name
    return getattr(task, "name", type(task).__name__)


def check_checkpoint_every(every, option):
    if every is not None and (not isinstance(every, int) or isinstance(every, bool)
                              or every <= 0):
        raise InvalidRunError(f"{option} must be a positive number of steps (or None: no "
                              f"checkpoints), got {every!r}", option)


def _writable_file(path, option):
    """``path``, once it is known that a file can be written there (nothing is left)."""
    path = os.fspath(path)
    if not isinstance(path, str) or not path.strip():
        raise InvalidRunError(f"{option} needs a file name, got {path!r}", option)
    if os.path.isdir(path):
        raise InvalidRunError(f"{option} {path}: it is a folder; give a file name", option)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InvalidRunError(f"{option} {path}: the folder {folder} does not exist", option)
    probe = os.path.join(folder, f".{os.path.basename(path)}.probe-{os.getpid()}")
    try:
        with open(probe, "xb"):
            pass
        os.remove(probe)
    except OSError as error:
        raise InvalidRunError(f"{option} {path}: cannot write in {folder} "
                              f"({error.strerror or error})", option) from None
    return path


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
    check_embed(task, config)
    setups = setup_cells(cells, config.init, config.cell_options)
    shapes.check_shape(setups, task, config)
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
          cell_options=None, checkpoint=None, checkpoint_every=None, resume_from=None,
          stop=None, **options):
    """Train ``cell`` (a registered name or class) on ``task`` and return a ``RunResult``
    (its ``model`` attribute holds the trained model).

    ``options`` are the fields of ``TrainConfig``; ``task_options`` the task's own
    parameters; ``cell_options`` the cell's declared options; ``initial_state`` a
    state_dict to start from. ``callback(step, loss)`` is called after every step.

    ``checkpoint`` is a path where the run's whole state is saved every
    ``checkpoint_every`` steps, when ``stop()`` (asked before every step) ends it early,
    and at its end; ``resume_from`` (such a file, or what ``minigrad.load`` read from it)
    continues that run, with the same settings (``steps`` may be larger), to the numbers
    it would have reached uninterrupted. A run ended by ``stop()`` has ``interrupted``
    set; Ctrl-C raises ``Interrupted``.
    """
    config = options.pop("config", None)
    if config is not None:
        options = {**asdict(config), **options}
    plan = prepare([cell], task, 1, task_options, cell_options, initial_state, **options)
    if resume_from is not None:
        plan.continue_from(resume_from)
    if checkpoint is not None:
        plan.checkpoint_to(checkpoint, checkpoint_every)
    elif checkpoint_every is not None:
        raise InvalidRunError("checkpoint_every needs checkpoint=PATH, the file the "
                              "checkpoints are written to", "checkpoint_every")
    [(cell, seed)] = plan.runs()
    checkpoint_file = plan._checkpoint_file(0, cell, seed)
    result = _train_one(cell, plan.task, plan.config, initial_state, callback,
                        checkpoint_file, stop)
    if checkpoint_file is not None and checkpoint_file.error:  # a full disk: say so, and
        warnings.warn(checkpoint_file.error, RuntimeWarning, stacklevel=2)  # keep the result
    return result


# A diverging run is told by its error (below), not by NumPy's warnings with source lines.
@numpy.errstate(over="ignore", invalid="ignore", divide="ignore")
def _train_one(cell, task, config, initial_state=None, callback=None, checkpoint=None,
               stop=None):
    """One run of one checked cell with ``config.seed``.

    With ``checkpoint`` (a ``CheckpointFile``) the run goes on from ``checkpoint.start``
    when it has one, and saves its state every ``checkpoint.every`` steps and when it
    is stopped. ``stop()`` is asked before every step: when true, the run ends there,
    ``interrupted``. Ctrl-C raises ``Interrupted`` with the run so far.
    """
    random.manual_seed(config.seed)
    model = build_model(cell, task, config)
    if initial_state is not None:
        _load_checkpoint(model, initial_state)
    optimizer = _make_optimizer(config.optimizer, model.parameters(), config.lr)
    train_rng = numpy.random.default_rng(config.seed)
    eval_rng = numpy.random.default_rng(config.seed + 1_000_003)
    generators = {"train": train_rng, "eval": eval_rng, "global": random.generator()}
    result = RunResult(cell=cell.name, seed=config.seed,
                       params=sum(p.numel() for p in model.parameters()), steps=0,
                       final_loss=math.nan, baseline_loss=float(task.baseline()),
                       metric=task.metric_name, score=math.nan, solved=False,
                       steps_to_solve=None, seconds=0.0, ms_per_step=0.0)
    carried = run_checkpoint.Carried() if getattr(task, "carries_state", False) else None
    if checkpoint is not None and checkpoint.start is not None:
        run_checkpoint.restore(checkpoint.start, model, optimizer, generators, result,
                               carried=carried)
    start = time.perf_counter() - result.seconds

    def save_checkpoint():
        result.seconds = time.perf_counter() - start
        checkpoint.save(model, optimizer, generators, result, carried)

    def step_done(step):  # after the step's evaluation: the state is whole here
        if checkpoint is not None and checkpoint.due(step):
            save_checkpoint()

    try:
        _steps(model, optimizer, generators, task, config, result, callback, stop, step_done,
               carried)
    except KeyboardInterrupt:  # mid-step: the state is not whole, so no checkpoint now
        result.interrupted = True
        _stop_clock(result, start, model)
        raise Interrupted(result) from None
    _stop_clock(result, start, model)
    if checkpoint is not None and result.steps and (checkpoint.keep_at_end
                                                    or result.interrupted):
        save_checkpoint()  # a run stopped cleanly goes on from here: nothing is lost
    return result


def _stop_clock(result, start, model):
    result.seconds = time.perf_counter() - start
    result.ms_per_step = 1000 * result.seconds / max(result.steps, 1)
    result.model = model


def _steps(model, optimizer, generators, task, config, result, callback, stop, step_done,
           carried=None):
    """The training steps after ``result.steps``, up to ``config.steps``: each draws a
    batch, steps the optimizer, and every ``eval_every`` steps scores the model. With
    ``carried`` (a task whose batches continue each other) each batch starts from the
    state the last one ended in."""
    train_rng, eval_rng = generators["train"], generators["eval"]
    for step in range(result.steps + 1, config.steps + 1):
        if stop is not None and stop():
            result.interrupted = True
            return
        if carried is None:
            batch = task.batch(config.batch, train_rng)
            outputs = shapes.outputs(model, task, batch, config, tbptt=config.tbptt)
        else:
            batch = task.batch_at(config.batch, step - 1)
            outputs, state = model.run(shapes.model_inputs(task, batch, config),
                                       carried.state, config.tbptt)
            carried.state = tuple(part.detach() for part in state)  # BPTT stops here
        loss = task.loss(outputs, batch)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            result.error = non_finite_loss(loss_value, step, model, batch, config)
            break
        optimizer.zero_grad()
        loss.backward()
        # the global gradient norm ‖∇L‖ before clipping, kept for the learning curve
        logged = step % config.eval_every == 0 or step == config.steps
        if config.clip:
            norm = clip_grad_norm_(model.parameters(), config.clip)
        elif logged:
            norm = grad_norm(model.parameters())
        optimizer.step()
        result.steps = step
        if callback is not None:
            callback(step, loss_value)
        if logged:
            result.final_loss, result.score = evaluate(model, task, config, eval_rng)
            result.curve.append({"step": step, "loss": result.final_loss, "score": result.score,
                                 "grad_norm": norm.item()})
            if task.solved(result.final_loss, result.score):
                result.solved = True
                result.steps_to_solve = result.steps_to_solve or step
                if config.early_stop:
                    break
            else:
                result.solved = False
        step_done(step)


@dataclass
class Comparison:
    """All runs of a comparison, and a summary per cell (mean ± std over seeds) of the
    finished ones. ``interrupted`` holds a run stopped before its end; ``write_error``
    says what could not be written to the results folder (the results are all here)."""
    task: dict
    config: dict
    results: List[RunResult]
    interrupted: List[RunResult] = field(default_factory=list)
    write_error: Optional[str] = None

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

    def to_dict(self, with_curves=False):
        """What ``--json`` prints (with ``"interrupted"`` when a run was); results.json
        holds the same with every run's curve."""
        data = {"task": self.task, "config": self.config,
                "results": [r.to_dict(with_curves) for r in self.results],
                "summary": self.summary()}
        if self.interrupted or with_curves:
            data["interrupted"] = [r.to_dict(with_curves) for r in self.interrupted]
        return data


def _mean(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(numpy.mean(values)) if values else math.nan


def _std(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(numpy.std(values, ddof=1)) if len(values) > 1 else math.nan


def compare(cells, task, seeds=1, task_options=None, on_run_start=None, callback=None,
            cell_options=None, out=None, checkpoint_every=None, on_run_end=None, stop=None,
            command=None, jobs=1, **options):
    """Train every cell in ``cells`` on ``task``, once per seed, and return a ``Comparison``.

    ``seeds`` is a count (seeds ``seed``, ``seed + 1``, ...) or a list of seeds;
    ``cell_options`` a dict of cell options (for every cell that declares them, or
    ``{cell: {...}}`` for one). ``on_run_start(cell, seed)`` and ``callback(step,
    loss)`` report progress, ``on_run_end(result, comparison_so_far)`` each run's end.
    Everything is checked before the first run (``prepare``).

    ``out`` is a results folder (``minigrad.results``): each run is written there as
    soon as it ends, with a checkpoint of the run in progress every ``checkpoint_every``
    steps, so that ``resume(out)`` can continue after a crash or a ``stop()`` (asked
    before every step; see ``minigrad.stopping``). ``command`` is recorded there.
    ``jobs`` > 1 (None: one per core) trains the runs on that many worker processes
    (``minigrad.parallel``), to the same numbers.
    """
    if jobs != 1 and checkpoint_every is not None:
        raise InvalidRunError("checkpoint_every checkpoints the run in progress, which a "
                              "worker holds; leave it out with jobs > 1", "checkpoint_every")
    plan = prepare(cells, task, seeds, task_options, cell_options, **options)
    if out is not None:
        plan.write_to(out, command, checkpoint_every)
    elif checkpoint_every is not None:
        raise InvalidRunError("checkpoint_every needs out=FOLDER, where the checkpoints are "
                              "kept", "checkpoint_every")
    if jobs != 1:
        from .parallel import run_plan
        return run_plan(plan, jobs, on_run_end=on_run_end, stop=stop)
    return plan.run(on_run_start, callback, on_run_end, stop)
