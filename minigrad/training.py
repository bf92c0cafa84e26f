"""Training a cell on a task, and comparing cells: the Python API behind the CLI.

    >>> result = minigrad.train("lstm", "copy", steps=200)
    >>> table = minigrad.compare(["rnn", "lstm"], "copy", seeds=3)

Every run draws fresh training batches from a seeded generator and, every
``eval_every`` steps, scores the model on fresh held-out batches; it stops early once
the task counts as solved. A loss that turns NaN or infinite ends that run (with the
step and a message) and leaves the others going.
"""
import inspect
import math
import time
from dataclasses import asdict, dataclass, field
from typing import List, Optional

import numpy

from . import backend, creation, dtypes, grad_mode, optim, random
from .nn import SequenceModel
from .nn.sequence_model import INITS
from .nn.recurrent import resolve_cell
from .nn.utils import clip_grad_norm_
from .plugin_manager import get_cell, get_task

OPTIMIZERS = ("adam", "rmsprop", "sgd")


@dataclass
class TrainConfig:
    """Every knob of a run, with the defaults the CLI shows."""
    hidden: int = 128
    layers: int = 1
    optimizer: str = "adam"
    lr: float = 1e-2
    batch: int = 32
    steps: int = 2500
    clip: Optional[float] = 1.0          # global gradient-norm clipping; None or 0: off
    forget_bias: Optional[float] = None  # LSTM family only; 1.0 is Jozefowicz et al.'s advice
    init: str = "chrono"                 # LSTM-family cells only; the others start as PyTorch does
    tbptt: Optional[int] = None          # truncated BPTT length; None: full BPTT
    eval_every: int = 50
    eval_batches: int = 4
    seed: int = 0
    device: str = "cpu"
    dtype: str = "float32"
    early_stop: bool = True

    def __post_init__(self):
        positive = ("hidden", "layers", "batch", "steps", "eval_every", "eval_batches")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, "
                             f"got {self.optimizer!r}")
        if self.clip is not None and self.clip < 0:
            raise ValueError(f"clip must be positive (or 0 for no clipping), got {self.clip}")
        if self.forget_bias is not None and self.init == "chrono":
            raise ValueError("forget_bias and init 'chrono' both set the forget-gate biases; "
                             "choose one (e.g. init='default' with forget_bias=1.0)")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        if self.tbptt is not None and self.tbptt <= 0:
            raise ValueError(f"tbptt must be a positive number of steps, got {self.tbptt}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if dtypes.resolve(self.dtype) not in (dtypes.float32, dtypes.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}")
        backend.parse_device(self.device)


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
        raise ValueError("task options can only be given with a task name")
    return task


def _make_optimizer(name, params, lr):
    if name == "adam":
        return optim.Adam(params, lr=lr)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    return optim.SGD(params, lr=lr, momentum=0.9)


def check_cell(cell, config):
    """Fail now, before any training, if ``cell`` is unknown (the message lists the valid
    names) or cannot run with ``config`` (truncated BPTT with a bidirectional cell)."""
    if isinstance(cell, str):
        get_cell(cell)
    if config.tbptt and resolve_cell(cell)[1]:
        name = cell if isinstance(cell, str) else repr(cell)
        raise ValueError(f"truncated BPTT (tbptt={config.tbptt}) runs forward in time; it "
                         f"can't be used with the bidirectional cell {name}")


def build_model(cell, task, config):
    """The SequenceModel a run trains: ``cell`` wrapped for ``task``'s input and output.

    The LSTM-family settings (forget-gate bias, chrono init) apply to the cells that
    take them (a ``forget_bias`` / ``chrono`` argument); other cells start as usual, so
    one setting serves a whole comparison.
    """
    accepted = inspect.signature(resolve_cell(cell)[0]).parameters
    cell_options = {}
    if config.forget_bias is not None and "forget_bias" in accepted:
        cell_options["forget_bias"] = config.forget_bias
    init = config.init if config.init != "chrono" or "chrono" in accepted else "default"
    return SequenceModel(cell, task.input_size, config.hidden, task.output_size,
                         num_layers=config.layers, init=init, max_delay=task.seq_len,
                         dtype=config.dtype, device=config.device, **cell_options)


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


class IncompatibleCheckpoint(ValueError):
    """A checkpoint given to start from does not fit the model being trained."""


def train(cell, task, task_options=None, callback=None, initial_state=None, **options):
    """Train ``cell`` (a registered name or class) on ``task`` and return a ``RunResult``
    (its ``model`` attribute holds the trained model).

    ``options`` are the fields of ``TrainConfig``; ``task_options`` the task's own
    parameters; ``initial_state`` a state_dict to start from. ``callback(step, loss)``
    is called after every training step.
    """
    config = options.pop("config", None) or TrainConfig(**options)
    task = make_task(task, **(task_options or {}))
    cell_name = cell if isinstance(cell, str) else getattr(cell, "__name__", str(cell))
    check_cell(cell, config)
    random.manual_seed(config.seed)
    model = build_model(cell, task, config)
    if initial_state is not None:
        try:
            model.load_state_dict(initial_state)
        except RuntimeError as error:
            raise IncompatibleCheckpoint(f"the checkpoint does not fit this model: {error}") from None
    optimizer = _make_optimizer(config.optimizer, model.parameters(), config.lr)
    train_rng = numpy.random.default_rng(config.seed)
    eval_rng = numpy.random.default_rng(config.seed + 1_000_003)
    result = RunResult(cell=cell_name, seed=config.seed,
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
            result.error = (f"the loss became {loss_value} at step {step}; try a lower --lr "
                            f"or gradient clipping (--clip)")
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
            **options):
    """Train every cell in ``cells`` on ``task``, once per seed, and return a ``Comparison``.

    ``seeds`` is a count (seeds ``seed``, ``seed + 1``, ...) or a list of seeds.
    ``on_run_start(cell, seed)`` and ``callback(step, loss)`` report progress.
    """
    if isinstance(cells, str):
        cells = [c for c in cells.split(",") if c]
    if not cells:
        raise ValueError("compare needs at least one cell")
    task = make_task(task, **(task_options or {}))
    base = TrainConfig(**options)
    for cell in cells:
        check_cell(cell, base)
    seed_list = list(range(base.seed, base.seed + seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise ValueError("compare needs at least one seed")
    results = []
    for cell in cells:
        for seed in seed_list:
            if on_run_start is not None:
                on_run_start(cell, seed)
            config = TrainConfig(**{**asdict(base), "seed": seed})
            results.append(train(cell, task, config=config, callback=callback))
    task_info = {"name": getattr(task, "name", type(task).__name__), **task.settings(),
                 "baseline_loss": float(task.baseline()), "metric": task.metric_name}
    return Comparison(task=task_info, config=asdict(base), results=results)
