"""The lookahead task: label each step with a symbol that comes later. Only a model that
sees the future (a bidirectional one) can do better than chance."""
import math

import numpy

from minigrad.task import Batch, Option

from .common import ClassificationTask, check_batch_size, generator, one_hot


class LookaheadTask(ClassificationTask):
    """Label each step with the input symbol ``distance`` steps ahead of it.

    **Definition.** The input is ``length`` symbols drawn uniformly and independently
    from an alphabet of ``symbols`` letters. The target at step t is the input at step
    t + d (d = ``distance``), for the steps where t + d is inside the sequence; the
    last d steps are not scored. With d = 2::

        step     0 1 2 3 4 5 6 7
        input    c a f b b e h a
        target   f b b e h a

    Inputs are one-hot over the letters; the targets are letters too. The loss is the
    cross-entropy on the scored steps (``Batch.mask``), the metric the accuracy there.

    The task exists to tell the two kinds of model apart. A forward-only cell at step
    t has seen steps 0..t, and the input at t + d is independent of them: it is at
    chance however long it trains. A bidirectional one (``bi-<cell>``) runs a second
    copy of the cell from the end of the sequence backwards, which reaches step t having
    just read step t + d: for it this is a short-memory task.

    **Baseline:** ln(symbols), chance. It is what a model without memory achieves, and
    also the best any forward-only (causal) model can do: the target is uniform and
    independent of everything such a model has seen.

    **Solved:** accuracy of at least 0.99 on the scored steps of fresh sequences.

    **Source:** written for minigrad, as a check of bidirectional networks (M. Schuster
    and K. K. Paliwal (1997), "Bidirectional Recurrent Neural Networks", IEEE
    Transactions on Signal Processing 45(11)).
    """

    name = "lookahead"
    input_tokens = True  # one-hot symbols: --embed D can stand in for them
    description = "label each step with the symbol d steps ahead (needs a bi- cell)"
    source = "minigrad; bidirectional RNNs after Schuster & Paliwal 1997"
    options = (
        Option("length", 20, help="sequence length", min=2),
        Option("distance", 4, help="d: the target at step t is the input at t + d", min=1),
        Option("symbols", 8, help="size of the alphabet", min=2),
    )

    def __init__(self, **values):
        super().__init__(**values)
        if self.distance >= self.length:
            raise ValueError(f"task {self.name!r}: option 'distance' ({self.distance}) must "
                             f"be less than 'length' ({self.length}), or no step is scored")
        self.input_size = self.output_size = self.symbols
        self.seq_len = self.length

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        d = self.distance
        letters = rng.integers(0, self.symbols, size=(self.length, batch_size))
        targets = numpy.zeros_like(letters)
        targets[:-d] = letters[d:]
        mask = numpy.zeros((self.length, batch_size), dtype=bool)
        mask[:-d] = True
        return Batch(one_hot(letters, self.input_size), targets, mask)

    def baseline(self):
        return math.log(self.symbols)
