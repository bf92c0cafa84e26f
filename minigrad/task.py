"""The task protocol: what a synthetic sequence task tells the trainer.

A task makes fresh batches on the fly from a seeded NumPy generator, scores a model's
outputs, and knows two reference points: the **baseline** (the loss of the best model
with no memory — what a network that forgot everything still achieves) and when a run
counts as **solved**. Tasks register through ``minigrad_register_tasks``::

    @minigrad.hookimpl
    def minigrad_register_tasks(register):
        register("copy", CopyTask, description="remember K symbols over a delay")

The model sees ``inputs`` (seq, batch, input_size) and emits ``outputs`` (seq, batch,
output_size), one vector per time step; the task decides which steps count.
"""
from typing import NamedTuple, Optional, Sequence

import numpy

from .options import Option, validate_options  # noqa: F401 - tasks import Option from here


class Batch(NamedTuple):
    """One batch of a task. ``inputs`` is float32 (seq, batch, input_size); ``targets``
    and ``mask`` are whatever the task's ``loss`` and ``metric`` read (for per-step
    classification: int64 (seq, batch) class indices, and a bool (seq, batch) mask of
    the scored steps)."""
    inputs: numpy.ndarray
    targets: numpy.ndarray
    mask: Optional[numpy.ndarray] = None


class Task:
    """Base class of the tasks. A subclass declares ``options`` and implements the rest.

    Attributes a task provides after ``__init__``:
      ``input_size``, ``output_size``, ``seq_len`` and ``metric_name`` (e.g. "accuracy").
    """

    name = "task"
    description = ""
    source = ""                       # the paper the task comes from
    options: Sequence[Option] = ()
    metric_name = "accuracy"
    higher_is_better = True

    def __init__(self, **values):
        values = {o.name: o.default for o in self.options} | dict(values)
        for name, value in validate_options(self.options, values, f"task {self.name!r}").items():
            setattr(self, name, value)

    def settings(self):
        """The task's option values, e.g. {"length": 10, "delay": 50}."""
        return {o.name: getattr(self, o.name) for o in self.options}

    def batch(self, batch_size, rng):
        """A fresh ``Batch`` drawn from ``rng`` (a ``numpy.random.Generator``)."""
        raise NotImplementedError

    def eval_batch(self, batch_size, rng):
        """A fresh held-out ``Batch`` for evaluation; a task with no fixed data (every
        synthetic one) draws it as ``batch`` does."""
        return self.batch(batch_size, rng)

    def loss(self, outputs, batch):
        """The training loss (a scalar Tensor) of ``outputs`` (seq, batch, output_size)."""
        raise NotImplementedError

    def metric(self, outputs, batch):
        """The task's score as a float (higher or lower is better: ``higher_is_better``)."""
        raise NotImplementedError

    def baseline(self):
        """The loss of the best predictor with no memory of the inputs."""
        raise NotImplementedError

    def references(self):
        """Figures to read a result beside (e.g. a text's n-gram perplexities), as a dict
        of names to numbers; none by default."""
        return {}

    def solved(self, loss, score):
        """Whether a run with this held-out loss and score has solved the task."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({args})"
