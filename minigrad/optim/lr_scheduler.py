"""Learning-rate schedules: change each parameter group's ``lr`` as training goes on.

Call ``scheduler.step()`` once per epoch (or per training step), after
``optimizer.step()``::

    scheduler = minigrad.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, optimizer)
        scheduler.step()

As in PyTorch, StepLR and CosineAnnealingLR are *chainable*: each step scales the
group's current ``lr`` rather than recomputing it from scratch, so a change made to
the ``lr`` by hand carries on through the schedule.
"""
import copy
import math
import numbers

from .optimizer import Optimizer


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: invalid {name} {value!r}: it must be a positive integer")
    return int(value)


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the new lr of every group, read at
    ``self.last_epoch`` (the number of ``step()`` calls so far).

    Creating a scheduler records each group's starting lr as ``group["initial_lr"]``
    (the ``base_lrs``) and performs step 0.
    """

    _not_saved = ("optimizer",)  # what state_dict() leaves out

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs a minigrad Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def get_lr(self):
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def step(self):
        """Advance the schedule by one and set every group's lr."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates set by the last ``step()``, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything the scheduler holds except the optimizer (save that on its own)."""
        return {key: copy.deepcopy(value) for key, value in self.__dict__.items()
                if key not in self._not_saved}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned."""
        if len(state_dict.get("base_lrs", ())) != len(self.optimizer.param_groups):
            raise ValueError(f"the loaded scheduler state has "
                             f"{len(state_dict.get('base_lrs', ()))} base learning rates, "
                             f"but the optimizer has {len(self.optimizer.param_groups)} "
                             f"parameter groups")
        self.__dict__.update(copy.deepcopy(state_dict))


class LambdaLR(LRScheduler):
    """Set each group's lr to its initial lr times a function of the epoch::

        lr_t = lr_0 · lr_lambda(t)

    ``lr_lambda`` is one function, or a list with one function per parameter group.
    The functions are code, so ``state_dict()`` leaves them out: the scheduler that
    loads the state keeps its own.
    """

    _not_saved = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer, lr_lambda):
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"LambdaLR: expected {groups} lr_lambdas (one per parameter "
                                 f"group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        if not all(callable(f) for f in self.lr_lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function of the epoch "
                            "(or a list of them)")
        super().__init__(optimizer)

    def get_lr(self):
        return [base_lr * f(self.last_epoch) for f, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every ``step_size`` epochs::

        lr_t = lr_0 · gamma^⌊t / step_size⌋
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal each group's lr from its initial value η₀ to ``eta_min`` along half a
    cosine over ``T_max`` epochs (the annealing of SGDR, Loshchilov & Hutter, 2017)::

        η_t = η_min + (η₀ − η_min) · (1 + cos(π t / T_max)) / 2

    Past ``T_max`` the cosine goes on, so the lr climbs back up. Like PyTorch, each
    step applies this as a ratio to the current lr::

        η_t = η_min + (η_{t−1} − η_min) · (1 + cos(π t / T_max)) / (1 + cos(π (t−1) / T_max))

    except just after a minimum, where the ratio is 0/0 and the step instead adds
    (η₀ − η_min) · (1 − cos(π / T_max)) / 2.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):  # noqa: N803 - PyTorch's name
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = eta_min
        super().__init__(optimizer)

    def get_lr(self):
        t, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if t == 0:
            return [group["lr"] for group in groups]
        if (t - 1 - period) % (2 * period) == 0:
            rise = (1 - math.cos(math.pi / period)) / 2
            return [group["lr"] + (base_lr - eta_min) * rise
                    for base_lr, group in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [eta_min + ratio * (group["lr"] - eta_min) for group in groups]
