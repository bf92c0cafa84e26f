"""The task protocol: what a synthetic sequence task tells the trainer.

A task makes fresh batches on the fly from a seeded NumPy generator, scores a model's
outputs, and knows two reference points: the **baseline** (the loss of the best model
with no memory — what a network that forgot everything still achieves) and when a run
counts as **solved**. Tasks register through ``minigrad_register_tasks``::

    @minigrad.hookimpl
    def minigrad_register_tasks(register):
        register("copy", CopyTask, description="remember K symbols over a delay")

A task declares its **shape** (``Task.shape``, one of ``SHAPES``), and the trainer
builds the model that fits it around any cell (``minigrad.shapes``):

* ``"per-step"`` (many to many, equal lengths): the model sees ``inputs`` (seq, batch,
  input_size) and emits ``outputs`` (seq, batch, output_size), one vector per time step;
  the task decides which steps count.
* ``"many-to-one"``: one answer per sequence, ``outputs`` (batch, output_size), read from
  the state at the end of the sequence; ``targets`` is (batch,).
* ``"one-to-many"``: the input is one step (1, batch, input_size) of one-hot seeds and
  the model writes ``targets`` (T, batch), reading its own previous token at each step.
* ``"encoder-decoder"``: ``inputs`` is a source sequence (S, batch, input_size), and
  ``targets`` (T, batch) tokens of another length, ended by ``end_token``; the decoder
  starts from ``start_token``.

For the last two, ``loss`` reads the logits (T, batch, output_size) of teacher forcing
(each step fed the true previous token) and ``metric`` the tokens (T, batch) the model
writes on its own, feeding back its guesses (greedy decoding).
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


#: The shapes a task can declare (see the module's docstring and docs/rnn-shapes.md).
SHAPES = ("per-step", "many-to-one", "one-to-many", "encoder-decoder")


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
    #: Whether the inputs are tokens: each step one symbol out of ``input_size``, fed
    #: one-hot. Such a task can train behind a learned embedding (``embed=D``), which
    #: reads the ids ``tokens(batch)`` gives; real-valued inputs (the adding problem)
    #: can't.
    input_tokens = False
    #: How the inputs and outputs line up: one of ``SHAPES``.
    shape = "per-step"
    #: An encoder-decoder task's target tokens that start and end a decoded sequence.
    start_token: Optional[int] = None
    end_token: Optional[int] = None
    #: Whether training batches continue each other (``batch_at``): each sequence of
    #: batch n + 1 goes on where that of batch n stopped, so a run carries the recurrent
    #: state from one batch to the next (``text --stream``).
    carries_state = False

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

    def batch_at(self, batch_size, index):
        """The ``index``-th training batch (0, 1, ...) of a task whose batches continue
        each other (``carries_state``)."""
        raise NotImplementedError(f"task {self.name!r} draws independent batches; only a "
                                  f"task with carries_state = True gives batch_at")

    def eval_batch(self, batch_size, rng):
        """A fresh held-out ``Batch`` for evaluation; a task with no fixed data (every
        synthetic one) draws it as ``batch`` does."""
        return self.batch(batch_size, rng)

    def loss(self, outputs, batch):
        """The training loss (a scalar Tensor) of ``outputs``: (seq, batch, output_size)
        for a per-step task (see the module's docstring for the other shapes)."""
        raise NotImplementedError

    def metric(self, outputs, batch):
        """The task's score as a float (higher or lower is better: ``higher_is_better``),
        of the model's ``outputs`` (a one-to-many or encoder-decoder task: the tokens it
        wrote on its own)."""
        raise NotImplementedError

    def baseline(self):
        """The loss of the best predictor with no memory of the inputs."""
        raise NotImplementedError

    def tokens(self, batch):
        """The int64 token ids (seq, batch) of ``batch``'s inputs, for a task whose
        ``input_tokens`` is true: by default read back from its one-hot inputs (the id
        of step p is the index of its single 1, -1 at a padding step; see
        ``token_ids``)."""
        if not self.input_tokens:
            raise ValueError(f"task {self.name!r} has no token inputs (input_tokens is "
                             f"false): its inputs are real-valued vectors")
        return token_ids(batch.inputs)

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


def token_ids(inputs):
    """One-hot ``inputs`` (seq, batch, size) -> int64 ids (seq, batch): id = argmax_k x_k,
    and -1 for a step of all zeros (padding, as ``one_hot`` codes -1).

    Every other step must hold exactly one 1 and zeros elsewhere (otherwise the ids
    would not say what the inputs say), or a ValueError tells which step does not.
    """
    inputs = numpy.asarray(inputs)
    if inputs.ndim != 3:
        raise ValueError(f"token inputs must be one-hot vectors shaped (seq, batch, size), "
                         f"got shape {inputs.shape}")
    ids = inputs.argmax(axis=-1)
    ones = numpy.take_along_axis(inputs, ids[..., None], axis=-1)[..., 0]
    nonzero = numpy.count_nonzero(inputs, axis=-1)
    bad = (nonzero > 1) | ((nonzero == 1) & (ones != 1))
    if bad.any():
        step, row = (int(i) for i in numpy.argwhere(bad)[0])
        raise ValueError(f"token inputs must be one-hot (a single 1 per step, or all zeros "
                         f"for padding); step {step} of sequence {row} is "
                         f"{inputs[step, row].tolist()!r:.80}")
    return numpy.where(nonzero == 0, -1, ids).astype(numpy.int64)
