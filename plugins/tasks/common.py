"""What the built-in tasks share.

* turning the ``rng`` argument into a NumPy ``Generator`` and checking ``batch_size``;
* one-hot coding of symbols (the inputs of every symbolic task), and drawing distinct
  positions or keys for each sequence of a batch;
* checking that a model's outputs fit a batch;
* per-step classification: a cross-entropy and an accuracy that read only the steps
  the batch's ``mask`` marks, and ``ClassificationTask``, the base class that ties
  them to the task protocol.

Batches are NumPy arrays; the model's outputs are a minigrad Tensor (on any device,
float32 or float64). The losses keep the outputs inside the graph and use NumPy only
for constants (labels, masks), so ``loss.backward()`` reaches the model.
"""
import math
from collections import Counter

import numpy

from minigrad import backend
from minigrad.nn import functional as F
from minigrad.task import Task

#: The label cross_entropy skips: unscored steps get it.
IGNORE_INDEX = -100


def generator(rng):
    """``rng`` as a ``numpy.random.Generator``: a Generator is used as it is (so a run
    draws a new batch each call), an integer seeds a fresh one (same seed, same batch)."""
    if isinstance(rng, numpy.random.Generator):
        return rng
    if isinstance(rng, (int, numpy.integer)) and not isinstance(rng, bool):
        return numpy.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy.random.Generator (numpy.random.default_rng(seed)) "
                    f"or an integer seed, got {type(rng).__name__}")


def check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, numpy.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def distinct(rng, n, k, batch_size):
    """For each of ``batch_size`` sequences, ``k`` distinct integers from 0..n-1 in random
    order (the first k of a random permutation): an array shaped (k, batch_size)."""
    permutations = rng.permuted(numpy.tile(numpy.arange(n), (batch_size, 1)), axis=1)
    return permutations[:, :k].T


def one_hot(indices, size):
    """Integer array of any shape -> float32 array with a trailing axis of ``size``,
    holding a 1 at each index. An index of -1 gives all zeros (a padding step)."""
    indices = numpy.asarray(indices)
    codes = numpy.zeros(indices.shape + (size,), dtype=numpy.float32)
    present = indices >= 0
    codes[present, indices[present]] = 1.0
    return codes


def check_outputs(task, outputs, batch):
    """Raise a clear ValueError unless ``outputs`` is (seq, batch, output_size) for this batch."""
    expected = batch.inputs.shape[:2] + (task.output_size,)
    shape = tuple(getattr(outputs, "shape", ()))
    if shape != expected:
        raise ValueError(f"task {task.name!r}: outputs must have shape (seq, batch, "
                         f"output_size) = {expected} for this batch, got {shape}")


def to_numpy(outputs):
    """The values of ``outputs`` as a NumPy array (from the GPU if need be)."""
    return backend.to_numpy(outputs.array)


def masked_cross_entropy(outputs, targets, mask=None):
    """Mean softmax cross-entropy of ``outputs`` (seq, batch, classes) against the int
    ``targets`` (seq, batch), over the steps where ``mask`` is True (all steps if None).

    Unscored steps are given the label ``IGNORE_INDEX``, which ``cross_entropy`` skips:
    they add nothing to the loss and get a zero gradient.
    """
    labels = targets if mask is None else numpy.where(mask, targets, IGNORE_INDEX)
    classes = outputs.shape[-1]
    return F.cross_entropy(outputs.reshape(-1, classes), labels.reshape(-1),
                           ignore_index=IGNORE_INDEX)


def masked_accuracy(outputs, targets, mask=None):
    """The fraction of scored steps whose most likely class (argmax) is the target."""
    predicted = to_numpy(outputs).argmax(axis=-1)
    correct = predicted == targets
    return float(correct.mean() if mask is None else correct[mask].mean())


class ClassificationTask(Task):
    """A task whose target at every scored step is one class out of ``output_size``.

    Its batches hold int64 ``targets`` (seq, batch) and a bool ``mask`` (seq, batch) of
    the scored steps. The loss is the mean cross-entropy over the scored steps (a
    subclass may score more: ``loss_on_every_step``), the metric the accuracy on them,
    and the task counts as solved at an accuracy of ``solved_accuracy`` or more.
    """

    metric_name = "accuracy"
    higher_is_better = True
    solved_accuracy = 0.99
    loss_on_every_step = False

    def loss(self, outputs, batch):
        check_outputs(self, outputs, batch)
        mask = None if self.loss_on_every_step else batch.mask
        return masked_cross_entropy(outputs, batch.targets, mask)

    def metric(self, outputs, batch):
        check_outputs(self, outputs, batch)
        return masked_accuracy(outputs, batch.targets, batch.mask)

    def solved(self, loss, score):
        return score >= self.solved_accuracy


def check_shape_of(task, outputs, expected, what="outputs"):
    """Raise a clear ValueError unless ``outputs`` has the shape ``expected``."""
    shape = tuple(getattr(outputs, "shape", ()))
    if shape != tuple(expected):
        raise ValueError(f"task {task.name!r} ({task.shape}): {what} must have shape "
                         f"{tuple(expected)} for this batch, got {shape}")


def exact_match(predicted, targets, mask=None):
    """The fraction of sequences (columns) whose every scored token is right: ``predicted``
    and ``targets`` are (T, batch) tokens, ``mask`` (T, batch) the scored ones."""
    predicted = numpy.asarray(predicted)
    wrong = predicted != targets
    if mask is not None:
        wrong &= mask
    return float((~wrong.any(axis=0)).mean())


def bigram_nats(previous, following):
    """The total cross-entropy, in nats, of predicting each of ``following`` from the token
    before it by the counts of the pairs themselves: -Σ ln c(v, w) / c(v, ·). It is the
    loss of the best predictor that reads only the previous token, times the pairs."""
    pairs = Counter(zip(numpy.ravel(previous).tolist(), numpy.ravel(following).tolist()))
    after = Counter(numpy.ravel(previous).tolist())
    return -sum(n * math.log(n / after[v]) for (v, _), n in pairs.items())
