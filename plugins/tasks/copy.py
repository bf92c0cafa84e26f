"""The copy task: remember K symbols across a long delay (Arjovsky, Shah & Bengio 2016)."""
import math

import numpy

from minigrad.task import Batch, Option

from .common import ClassificationTask, check_batch_size, generator, one_hot


class CopyTask(ClassificationTask):
    """Read K symbols, wait T steps, then write the K symbols out again.

    **Definition.** The input is K symbols drawn uniformly, with replacement, from an
    alphabet of ``symbols`` letters; then T - 1 blanks, a delimiter, and K more blanks:
    T + 2K steps in all. The target is the blank at every step but the last K, which
    must repeat the K symbols in order. With K = 3 and T = 4 (``-`` blank, ``:``
    delimiter)::

        step     0 1 2 3 4 5 6 7 8 9
        input    c a f - - - : - - -
        target   - - - - - - - c a f

    Inputs are one-hot over ``symbols + 2`` codes (0 blank, 1..symbols the letters,
    symbols + 1 the delimiter); targets are classes over ``symbols + 1`` (0 blank, then
    the letters). The loss is the cross-entropy averaged over **all** T + 2K steps, as
    the paper scores it; the metric is the accuracy on the K recalled symbols, which
    ``Batch.mask`` marks.

    **Baseline:** K ln(symbols) / (T + 2K). A model that remembers no symbol can still
    know when the answer is due: it predicts the blank with certainty on the first
    T + K steps (loss 0) and guesses uniformly on the last K (ln(symbols) each). With
    the paper's K = 10 and 8 symbols: 10 ln 8 / (T + 20).

    **Solved:** accuracy of at least 0.99 on the recalled symbols of fresh sequences.

    **Source:** M. Arjovsky, A. Shah and Y. Bengio (2016), "Unitary Evolution Recurrent
    Neural Networks", ICML (the copying memory problem, section 4.1).
    """

    name = "copy"
    input_tokens = True  # one-hot symbols: --embed D can stand in for them
    description = "remember K symbols across a delay of T steps, then reproduce them"
    source = "Arjovsky, Shah & Bengio 2016, Unitary Evolution Recurrent Neural Networks"
    options = (
        Option("length", 5, help="K, the number of symbols to remember", min=1),
        Option("delay", 20, help="T, the steps from the last symbol to the delimiter", min=1),
        Option("symbols", 8, help="size of the alphabet the symbols come from", min=2),
    )
    loss_on_every_step = True  # as in the paper, which the baseline formula follows

    def __init__(self, **values):
        super().__init__(**values)
        self.blank, self.delimiter = 0, self.symbols + 1
        self.input_size = self.symbols + 2     # blank, the letters, the delimiter
        self.output_size = self.symbols + 1    # blank, the letters
        self.seq_len = self.delay + 2 * self.length

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        K, T = self.length, self.delay
        letters = rng.integers(1, self.symbols + 1, size=(K, batch_size))

        codes = numpy.full((self.seq_len, batch_size), self.blank, dtype=numpy.int64)
        codes[:K] = letters
        codes[K + T - 1] = self.delimiter
        targets = numpy.full((self.seq_len, batch_size), self.blank, dtype=numpy.int64)
        targets[-K:] = letters
        mask = numpy.zeros((self.seq_len, batch_size), dtype=bool)
        mask[-K:] = True
        return Batch(one_hot(codes, self.input_size), targets, mask)

    def baseline(self):
        return self.length * math.log(self.symbols) / self.seq_len
