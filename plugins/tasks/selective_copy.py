"""The selective copying task: copy out K symbols scattered at random steps among blanks
(Gu & Dao 2023)."""
import math

import numpy

from minigrad.task import Batch, Option

from .common import ClassificationTask, check_batch_size, distinct, generator, one_hot


class SelectiveCopyTask(ClassificationTask):
    """Pick K symbols out of a stretch of blanks, and write them out in order on cue.

    **Definition.** A stretch of ``span`` steps holds K symbols, drawn uniformly (with
    replacement) from an alphabet of ``symbols`` letters, at K distinct steps chosen at
    random; the other steps are blank. Then K steps carry a recall cue, and at the i-th
    cue the target is the i-th symbol of the stretch. Unlike ``copy``, where the symbols
    always come first, the model must notice *where* they are. With K = 3 and span 8
    (``-`` blank, ``?`` the cue)::

        step     0 1 2 3 4 5 6 7 8 9 10
        input    - c - - a - - f ? ? ?
        target                   c a f

    Inputs are one-hot over ``symbols + 2`` codes (0 blank, 1..symbols the letters,
    symbols + 1 the cue); targets are the ``symbols`` letters (class i for letter i + 1).
    The loss is the cross-entropy on the K cue steps (``Batch.mask``), the metric the
    accuracy there; the sequence is span + K steps long.

    **Baseline:** ln(symbols). Each recalled letter is uniform and independent of
    everything but the stretch; without memory of it the best guess is uniform.

    **Solved:** accuracy of at least 0.99 on the recalled symbols of fresh sequences.

    **Source:** A. Gu and T. Dao (2023), "Mamba: Linear-Time Sequence Modeling with
    Selective State Spaces", arXiv:2312.00752 (the Selective Copying task).
    """

    name = "selective-copy"
    input_tokens = True  # one-hot symbols: --embed D can stand in for them
    description = "copy out, on cue, K symbols scattered at random steps among blanks"
    source = "Gu & Dao 2023, Mamba: Linear-Time Sequence Modeling with Selective State Spaces"
    options = (
        Option("length", 4, help="K, the number of symbols to copy", min=1),
        Option("span", 32, help="the steps the symbols are scattered over (at least K)", min=1),
        Option("symbols", 8, help="size of the alphabet the symbols come from", min=2),
    )

    def __init__(self, **values):
        super().__init__(**values)
        if self.span < self.length:
            raise ValueError(f"task {self.name!r}: option 'span' ({self.span}) must be at "
                             f"least 'length' ({self.length}), to hold the symbols")
        self.blank, self.cue = 0, self.symbols + 1
        self.input_size = self.symbols + 2   # blank, the letters, the cue
        self.output_size = self.symbols      # the letters
        self.seq_len = self.span + self.length

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        K, columns = self.length, numpy.arange(batch_size)
        letters = rng.integers(0, self.symbols, size=(K, batch_size))
        where = numpy.sort(distinct(rng, self.span, K, batch_size), axis=0)  # steps, in order

        codes = numpy.full((self.seq_len, batch_size), self.blank, dtype=numpy.int64)
        codes[where, columns] = letters + 1
        codes[self.span:] = self.cue
        targets = numpy.zeros((self.seq_len, batch_size), dtype=numpy.int64)
        targets[self.span:] = letters
        mask = numpy.zeros((self.seq_len, batch_size), dtype=bool)
        mask[self.span:] = True
        return Batch(one_hot(codes, self.input_size), targets, mask)

    def baseline(self):
        return math.log(self.symbols)
