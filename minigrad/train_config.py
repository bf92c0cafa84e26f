"""Every knob of a run, checked: ``TrainConfig`` and the checks that need more than it.

``TrainConfig``'s fields are the keyword arguments of ``minigrad.train`` and
``minigrad.compare`` (``FIELDS``) and, named alike, the CLI's training options. A wrong
value raises an ``InvalidRunError`` whose ``option`` names the field.
"""
import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import numpy

from . import backend, checks, dtypes, memory
from .cell_setup import InvalidRunError, declared_options, setup_cells
from .nn.init_schemes import AUTO

OPTIMIZERS = ("adam", "rmsprop", "sgd")
MAX_LAYERS = 1000
MAX_SEED = 2 ** 64 - 1  # as torch.manual_seed


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
    init: str = AUTO                     # a scheme every cell declares, or each cell's own
    forget_bias: Optional[float] = None  # the value of init "forget-bias" (1.0 if not given)
    tbptt: Optional[int] = None          # truncated BPTT length; None: full BPTT
    eval_every: int = 50
    eval_batches: int = 4
    seed: int = 0
    device: str = "cpu"
    dtype: str = "float32"
    early_stop: bool = True
    embed: Optional[int] = None          # a learned embedding of D values for token inputs
    cell_options: Dict[str, Any] = field(default_factory=dict)  # see minigrad.cell_setup

    def __post_init__(self):
        for name in ("hidden", "layers", "batch", "steps", "eval_every", "eval_batches"):
            setattr(self, name, _checked(checks.size, name, getattr(self, name)))
        if self.layers > MAX_LAYERS:
            raise InvalidRunError(f"layers must be at most {MAX_LAYERS}, got {self.layers} (a "
                                  f"stack that deep takes minutes to build and its gradient "
                                  f"vanishes long before the bottom)", "layers")
        self.lr = _checked(checks.real, "lr", self.lr)
        if self.lr <= 0:
            raise InvalidRunError(f"lr must be a positive number, got {self.lr}", "lr")
        if self.optimizer not in OPTIMIZERS:
            raise InvalidRunError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, "
                                  f"got {self.optimizer!r}", "optimizer")
        if self.clip is not None:
            self.clip = _checked(checks.real, "clip", self.clip)
            if self.clip < 0:
                raise InvalidRunError(f"clip must be positive (or 0 for no clipping), "
                                      f"got {self.clip}", "clip")
        self.clip = self.clip or None
        if not isinstance(self.init, str) or not self.init:
            raise InvalidRunError(f"init must be the name of a scheme, got {self.init!r}",
                                  "init")
        if self.forget_bias is not None:
            self.forget_bias = _checked(checks.real, "forget_bias", self.forget_bias)
            if self.init == AUTO:
                self.init = "forget-bias"  # giving the value asks for the scheme
            elif self.init != "forget-bias":
                raise InvalidRunError(f"forget_bias is the value of init 'forget-bias'; it "
                                      f"can't be used with init {self.init!r}", "forget_bias")
        if self.tbptt is not None:
            self.tbptt = _checked(checks.size, "tbptt", self.tbptt)
        if self.embed is not None:
            self.embed = _checked(checks.size, "embed", self.embed)
        if not checks.is_integer(self.seed) or not 0 <= self.seed <= MAX_SEED:
            raise InvalidRunError(f"seed must be an integer from 0 to {MAX_SEED}, "
                                  f"got {self.seed!r}", "seed")
        self.seed = int(self.seed)
        if not isinstance(self.early_stop, (bool, numpy.bool_)):
            raise InvalidRunError(f"early_stop must be True or False, got {self.early_stop!r}",
                                  "early_stop")
        try:
            dtype = dtypes.resolve(self.dtype)
        except TypeError:
            dtype = None
        if dtype is None or dtype not in (dtypes.float32, dtypes.float64):  # None == float64
            raise InvalidRunError(f"dtype must be float32 or float64, got {self.dtype!r}",
                                  "dtype")
        try:
            backend.parse_device(self.device)
        except (TypeError, ValueError) as error:
            raise InvalidRunError(str(error), "device") from None


def _checked(check, name, value):
    """``check(value, name)``, its TypeError or ValueError an ``InvalidRunError``."""
    try:
        return check(value, name)
    except (TypeError, ValueError) as error:
        raise InvalidRunError(str(error), name) from None


FIELDS = tuple(f.name for f in dataclasses.fields(TrainConfig))  # train()'s keyword names


def make_config(cells, task, **options):
    """``TrainConfig(**options)``, with a name it has no field for answered by the valid
    names (and, where one of ``cells`` or ``task`` declares it, where it belongs)."""
    unknown = [name for name in options if name not in FIELDS]
    if unknown:
        name = unknown[0]
        message = f"unknown training option {name!r}"
        close = difflib.get_close_matches(name, FIELDS, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        owners = [setup.name for setup in setup_cells(cells)
                  if name in {o.name for o in declared_options(setup.factory)}]
        if owners:
            message += (f"; it is an option of {', '.join(owners)}: "
                        f"pass cell_options={{{name!r}: ...}}")
        elif name in {o.name for o in getattr(task, "options", ())}:
            message += f"; it is an option of the task: pass task_options={{{name!r}: ...}}"
        raise InvalidRunError(f"{message}. Training options: {', '.join(FIELDS)}", name)
    return TrainConfig(**options)


def check_device(device):
    """A CUDA device without CuPy (or without a GPU) is refused before training."""
    if backend.parse_device(device) == "cpu":
        return
    try:
        backend.xp_for(device)  # names the package to install when CuPy is missing
    except RuntimeError as error:
        raise InvalidRunError(str(error), "device") from None
    if not backend.gpu_available():
        raise InvalidRunError(f"device {device!r}: CuPy is installed but sees no CUDA GPU",
                              "device")


def check_embed(task, config):
    """A learned embedding (``embed=D``) needs a task whose inputs are tokens."""
    if config.embed is not None and not getattr(task, "input_tokens", False):
        name = getattr(task, "name", type(task).__name__)
        raise InvalidRunError(f"embed={config.embed} puts a learned embedding in front of the "
                              f"cell, which reads token ids; task {name!r} has real-valued "
                              f"inputs, not tokens (a task says it has tokens with "
                              f"input_tokens = True). Leave embed out for this task", "embed")


# ---------------------------------------------------------------------------- seeds
def count_seeds(seeds):
    """How many runs per cell ``seeds`` asks for: a count, or a list of distinct seeds."""
    if checks.is_integer(seeds):
        if seeds < 1:
            raise InvalidRunError(f"seeds must be a positive number of runs per cell (or a "
                                  f"list of seeds), got {seeds}", "seeds")
        return int(seeds)
    if isinstance(seeds, (str, bytes, dict)) or not hasattr(seeds, "__len__"):
        raise InvalidRunError(f"seeds must be a number of runs per cell (an int) or a list of "
                              f"seeds, got {seeds!r}", "seeds")  # sized: it is read twice
    return len(_listed_seeds(seeds))


def seed_numbers(seeds, first):
    """The seeds of a comparison: ``first``, ``first + 1``, ... for a count, else the
    list given; each an integer from 0 to ``MAX_SEED``, none twice."""
    count = count_seeds(seeds)
    if not checks.is_integer(seeds):
        return _listed_seeds(seeds)
    if first + count - 1 > MAX_SEED:
        raise InvalidRunError(f"seeds: {count} seeds from seed {first} go past the largest "
                              f"seed, {MAX_SEED}", "seeds")
    return list(range(first, first + count))


def _listed_seeds(seeds):
    listed = list(seeds)
    if not listed:
        raise InvalidRunError("a comparison needs at least one seed", "seeds")
    for seed in listed:
        if not checks.is_integer(seed) or not 0 <= seed <= MAX_SEED:
            raise InvalidRunError(f"seeds must be integers from 0 to {MAX_SEED}, got "
                                  f"{seed!r} in {listed!r}", "seeds")
    twice = sorted({s for s in listed if listed.count(s) > 1})
    if twice:
        raise InvalidRunError(f"seeds lists {', '.join(map(str, twice))} more than once; each "
                              f"seed gives the same run every time", "seeds")
    return [int(s) for s in listed]


# ---------------------------------------------------------------------------- memory
#: The optimizer's state per parameter value, in values (Adam: two moments; RMSprop:
#: one average; SGD: the momentum buffer).
OPTIMIZER_STATES = {"adam": 2, "rmsprop": 1, "sgd": 1}


def check_memory(cells, task, config, runs_per_cell):
    """Refuse, before anything is allocated, a comparison that can't fit in memory: the
    estimate is compared with what the device has free (see ``minigrad.memory``)."""
    need = estimate_memory(cells, task, config, runs_per_cell)
    problem = memory.shortfall(need["total"], config.device)
    if not problem:
        return
    steps = f"{task.seq_len} steps x {config.batch} sequences"
    parts = [
        (need["parameters"], f"parameters and optimizer state (hidden {config.hidden}, layers "
                             f"{config.layers}, the task's {task.input_size} inputs and "
                             f"{task.output_size} outputs)"),
        (need["graph"], f"the graph backpropagation through time keeps ({steps} x "
                        f"{config.layers} layer(s) x {config.hidden} units)"),
        (need["data"], f"the batch and its outputs ({steps} x {task.input_size + task.output_size} "
                       f"values)"),
        (need["kept"], f"the trained models the results keep ({_runs(runs_per_cell * len(cells))})"),
    ]
    parts.sort(key=lambda part: -part[0])
    listed = "; ".join(f"{what} {memory.describe_bytes(size)}" for size, what in parts
                       if size >= need["total"] / 100)  # the parts that matter
    raise InvalidRunError(f"the run needs {problem}: {listed}. Make the largest part smaller",
                          None)


def _runs(count):
    return f"{count} run" if count == 1 else f"{count} runs"


def estimate_memory(cells, task, config, runs_per_cell):
    """A lower estimate of the bytes a comparison needs, by part, for its largest run:
    ``parameters`` (with gradients and optimizer state), ``graph`` (the activations BPTT
    keeps) and ``data`` (the batch, its tensor, the outputs and their gradient); then
    ``kept`` (each finished run keeps its model) and the ``total``. Parameters are
    counted by building each cell small (see ``parameter_count``)."""
    item = dtypes.resolve(config.dtype).itemsize
    values_per_step = 0
    largest_parameters = kept = 0
    # an embedding: its V x D table, and the cell reads D values instead of V
    cell_inputs = config.embed or task.input_size
    table = task.input_size * config.embed if config.embed else 0
    for cell in cells:
        count, matrices = parameter_count(cell, cell_inputs, config.hidden, config.layers)
        count += (config.hidden * cell_directions(cell) + 1) * task.output_size  # the head
        count += table
        largest_parameters = max(largest_parameters, count)
        kept += count * runs_per_cell
        # per sequence and step, each layer keeps for each of its H x I matrices (one per
        # gate and direction) about 5 to 6.5 values per unit when it records the per-step
        # graph (pre-activations, activations and the products between them; F.linear is
        # one node, keeping one array), and 1 to 1.7 when it runs as one fused op (an LSTM
        # keeps 6 H for its 4 gates; see minigrad/nn/sequence_ops); 4 and 1 keep it a
        # lower estimate (tests/test_bad_input.py checks it against tracemalloc's peak)
        per_matrix = 1 if has_fused_path(cell.factory) else 4
        values_per_step = max(values_per_step,
                              per_matrix * matrices * config.hidden * config.layers)
    sequence = task.seq_len * config.batch
    graph = sequence * values_per_step * item
    data = sequence * (task.input_size * (4 + item) + 3 * task.output_size * item)
    parameters = largest_parameters * (2 + OPTIMIZER_STATES[config.optimizer]) * item
    kept = (kept - largest_parameters) * item  # the run in progress is counted above
    return {"parameters": parameters, "graph": graph, "data": data, "kept": kept,
            "total": parameters + graph + data + kept}


def has_fused_path(factory):
    """Whether the cells ``factory`` makes run each sequence as one fused op."""
    factory = getattr(factory, "cell_factory", factory)  # a wrapper such as Bidirectional
    return isinstance(factory, type) and hasattr(factory, "has_fused_path") and \
        factory.has_fused_path()


def cell_directions(cell):
    return getattr(cell.factory, "directions", 1)


def parameter_count(cell, input_size, hidden, layers):
    """(parameters of ``layers`` stacked cells, H x I weight matrices per layer), without
    building them at full size: a cell's count is a polynomial a·H·I + b·H² + c·H + d·I + e
    in its input size I and hidden size H, whose five coefficients five tiny cells give."""
    from .nn.recurrent import build_cell
    probes = ((1, 1), (2, 1), (1, 2), (2, 2), (1, 3))
    try:
        counts = [sum(p.numel() for p in build_cell(cell.factory, i, h, **cell.options)
                      .parameters()) for i, h in probes]
    except Exception:  # a cell that can't be that small: assume an LSTM's four gates
        counts = [4 * h * (i + h + 2) for i, h in probes]
    terms = numpy.array([[h * i, h * h, h, i, 1] for i, h in probes], dtype=float)
    a, b, c, d, e = numpy.linalg.solve(terms, numpy.array(counts, dtype=float))

    def count(i, h):
        return max(a * h * i + b * h * h + c * h + d * i + e, 0.0)
    above = hidden * cell_directions(cell)  # what layers 2, 3, ... read
    total = count(input_size, hidden) + (layers - 1) * count(above, hidden)
    return int(total), max(int(round(a)), 1)


# ---------------------------------------------------------------------------- checkpoint
def checkpoint_problem(state):
    """What makes ``state`` (a state_dict to start training from) unusable, in one
    phrase, or "": not a dict, a value that is not an array of real numbers (text, a
    complex number), or NaN or infinite values, which no training can start from."""
    if not hasattr(state, "items"):
        return (f"the checkpoint holds a {checks.type_name(state)}, not a model's state_dict "
                f"(a dict of name -> tensor)")
    for key, value in state.items():
        array = getattr(value, "array", value)
        kind = getattr(getattr(array, "dtype", None), "kind", None)
        if kind is None:
            return f"the checkpoint's {key} is {checks.describe(value)}, not a tensor"
        if kind not in "biuf":
            return (f"the checkpoint's {key} holds {array.dtype} values, not real numbers")
        if kind == "f":
            xp = backend.get_array_module(array)
            bad = int((~xp.isfinite(array)).sum())
            if bad:
                return (f"the checkpoint's {key} holds {bad} NaN or infinite value(s) (of "
                        f"{array.size}): no training can start from it (was it saved from a "
                        f"run that diverged?)")
    return ""


# ---------------------------------------------------------------------------- the task
#: What training asks of a task object (see ``minigrad.task.Task``).
TASK_PROTOCOL = ("input_size", "output_size", "seq_len", "metric_name", "batch", "loss",
                 "metric", "baseline", "solved", "settings")


def check_task(task):
    """``task`` itself when it is a task object, else an ``InvalidRunError``."""
    missing = [name for name in TASK_PROTOCOL if not hasattr(task, name)]
    if missing:
        raise InvalidRunError(f"task must be a registered task's name (see minigrad.tasks()) "
                              f"or a minigrad.task.Task, got {checks.type_name(task)} "
                              f"{task!r:.40} (it has no {', '.join(missing[:3])})", "task")
    return task


def check_task_options(task_options):
    """``task_options`` as a dict (None: no options)."""
    if task_options is None:
        return {}
    if not isinstance(task_options, dict) or not all(isinstance(k, str) for k in task_options):
        raise InvalidRunError(f"task_options must be a dict of option names to values, got "
                              f"{task_options!r}", "task_options")
    return task_options
