"""The temporal order problem: classify a long sequence by the order of two widely
separated symbols (Hochreiter & Schmidhuber 1997, experiment 6a)."""
import math

import numpy

from minigrad.task import Batch, Option

from .common import ClassificationTask, check_batch_size, generator, one_hot

#: The input symbols: four distractors, the two relevant ones, start and trigger.
SYMBOLS = "abcdXYEB"
#: The classes, by the order of the relevant symbols: XX, XY, YX, YY.
CLASSES = "QRSU"


class TemporalOrderTask(ClassificationTask):
    """Tell which of X and Y came first, and which second, in a long noisy sequence.

    **Definition.** A sequence starts with E, ends with the trigger B, and in between
    holds distractors drawn uniformly from a, b, c, d, except at two steps t1 < t2,
    which hold X or Y (each with probability 1/2). At the trigger the model must output
    the class: Q for X…X, R for X…Y, S for Y…X, U for Y…Y. With L = ``length``, the
    sequence is L to L + L//10 steps long (uniformly), t1 is drawn from L//10 to L//5
    and t2 from L//2 to L//2 + L//10 (all inclusive, steps counted from 0); the paper's
    L = 100 gives lengths 100 to 110, t1 in 10..20 and t2 in 50..60. One sequence
    with L = 10::

        step     0 1 2 3 4 5 6 7 8 9
        input    E c Y a d X b a d B
        target                     S   (Y first, X second)

    Inputs are one-hot over a b c d X Y E B; a batch is ``seq_len`` = L + L//10 steps
    long, shorter sequences padded after their trigger with zero inputs. The loss is
    the cross-entropy at each sequence's trigger step (``Batch.mask`` marks it), the
    metric the accuracy there.

    **Baseline:** ln 4 ≈ 1.386. The four classes are equally likely, and without memory
    of the sequence the trigger tells nothing about them: the best guess is uniform.

    **Solved:** accuracy of at least 0.99 on fresh sequences.

    **Source:** S. Hochreiter and J. Schmidhuber (1997), "Long Short-Term Memory",
    Neural Computation 9(8), experiment 6a ("two relevant, widely separated symbols").
    """

    name = "temporal-order"
    input_tokens = True  # one-hot symbols: --embed D can stand in for them
    description = "classify a sequence by the order of two far-apart symbols X/Y"
    source = "Hochreiter & Schmidhuber 1997, Long Short-Term Memory, experiment 6a"
    options = (
        Option("length", 30, help="shortest sequence length L (the paper: 100)", min=10),
    )

    def __init__(self, **values):
        super().__init__(**values)
        self.input_size = len(SYMBOLS)
        self.output_size = len(CLASSES)
        self.seq_len = self.length + self.length // 10

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        L, columns = self.length, numpy.arange(batch_size)
        lengths = rng.integers(L, L + L // 10 + 1, size=batch_size)
        t1 = rng.integers(L // 10, L // 5 + 1, size=batch_size)
        t2 = rng.integers(L // 2, L // 2 + L // 10 + 1, size=batch_size)
        first_is_y = rng.integers(0, 2, size=batch_size)
        second_is_y = rng.integers(0, 2, size=batch_size)

        steps = numpy.arange(self.seq_len)[:, None]
        codes = rng.integers(0, 4, size=(self.seq_len, batch_size))  # a, b, c, d
        codes[0] = SYMBOLS.index("E")
        codes[t1, columns] = SYMBOLS.index("X") + first_is_y
        codes[t2, columns] = SYMBOLS.index("X") + second_is_y
        codes[lengths - 1, columns] = SYMBOLS.index("B")
        codes[steps >= lengths] = -1                                  # padding

        targets = numpy.zeros((self.seq_len, batch_size), dtype=numpy.int64)
        targets[lengths - 1, columns] = 2 * first_is_y + second_is_y  # Q R S U
        mask = steps == lengths - 1
        return Batch(one_hot(codes, self.input_size), targets, mask)

    def baseline(self):
        return math.log(len(CLASSES))
