"""Every knob of a run, checked: ``TrainConfig`` and the checks that need more than it.

``TrainConfig``'s fields are the keyword arguments of ``minigrad.train`` and
``minigrad.compare`` (``FIELDS``) and, named alike, the CLI's training options. A wrong
value raises an ``InvalidRunError`` whose ``option`` names the field.
"""
import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from . import backend, dtypes
from .cell_setup import InvalidRunError, declared_options, setup_cells
from .nn.init_schemes import AUTO

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
    init: str = AUTO                     # a scheme every cell declares, or each cell's own
    forget_bias: Optional[float] = None  # the value of init "forget-bias" (1.0 if not given)
    tbptt: Optional[int] = None          # truncated BPTT length; None: full BPTT
    eval_every: int = 50
    eval_batches: int = 4
    seed: int = 0
    device: str = "cpu"
    dtype: str = "float32"
    early_stop: bool = True
    cell_options: Dict[str, Any] = field(default_factory=dict)  # see minigrad.cell_setup

    def __post_init__(self):
        positive = ("hidden", "layers", "batch", "steps", "eval_every", "eval_batches")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise InvalidRunError(f"{name} must be a positive integer, got {value!r}", name)
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise InvalidRunError(f"lr must be a positive number, got {self.lr!r}", "lr")
        if self.optimizer not in OPTIMIZERS:
            raise InvalidRunError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, "
                                  f"got {self.optimizer!r}", "optimizer")
        if self.clip is not None and self.clip < 0:
            raise InvalidRunError(f"clip must be positive (or 0 for no clipping), "
                                  f"got {self.clip}", "clip")
        self.clip = self.clip or None
        if not isinstance(self.init, str) or not self.init:
            raise InvalidRunError(f"init must be the name of a scheme, got {self.init!r}",
                                  "init")
        if self.forget_bias is not None:
            if self.init == AUTO:
                self.init = "forget-bias"  # giving the value asks for the scheme
            elif self.init != "forget-bias":
                raise InvalidRunError(f"forget_bias is the value of init 'forget-bias'; it "
                                      f"can't be used with init {self.init!r}", "forget_bias")
        if self.tbptt is not None and self.tbptt <= 0:
            raise InvalidRunError(f"tbptt must be a positive number of steps, "
                                  f"got {self.tbptt}", "tbptt")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise InvalidRunError(f"seed must be a non-negative integer, got {self.seed!r}",
                                  "seed")
        if dtypes.resolve(self.dtype) not in (dtypes.float32, dtypes.float64):
            raise InvalidRunError(f"dtype must be float32 or float64, got {self.dtype!r}",
                                  "dtype")
        try:
            backend.parse_device(self.device)
        except ValueError as error:
            raise InvalidRunError(str(error), "device") from None


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
