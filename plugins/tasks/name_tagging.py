"""The name-tagging task: many to many, equal lengths. Is this word part of a name? For
"Teddy" that depends on the word after it: "Teddy Roosevelt", or "teddy bears"."""
import math

import numpy

from minigrad.task import Batch, Option

from .common import ClassificationTask, check_batch_size, generator, one_hot


class NameTaggingTask(ClassificationTask):
    """Tag every word of a sentence: 1 if it is part of a person's name, 0 if not.

    **Definition.** A sentence is ``length`` words, in ``names`` slots of equal size,
    each holding one two-word phrase at a random place among filler words. A phrase is an
    ambiguous first word ("teddy") followed either by a surname ("roosevelt", both
    tagged 1) or by an object ("bears", both tagged 0), with even odds. There are
    ``first`` ambiguous words, ``first`` surnames, ``first`` objects and ``words``
    filler words (tagged 0)::

        word   w2  teddy  roosevelt  w0  w1  teddy  bears  w3
        tag    0   1      1          0   0   0      0      0

    Inputs are one-hot over the ``3 * first + words`` tokens; every step is scored
    (cross-entropy; the metric is the accuracy over all words).

    Surnames, objects and filler words give their tag away; an ambiguous word does not:
    its tag is decided by the word *after* it. A forward-only cell has not read that
    word yet and can only guess; a bidirectional one (``bi-<cell>``) has.

    **Baseline:** (names / length) · ln 2: a model with no memory (or any forward-only
    model) tags every word but the ambiguous ones, and guesses those at even odds.

    **Solved:** accuracy of at least 0.99.

    **Source:** written for minigrad, after the named-entity example ("He said, Teddy
    Roosevelt was a great President" / "Teddy bears are on sale") that motivates
    bidirectional RNNs in A. Ng's sequence-models lectures; bidirectional networks:
    M. Schuster and K. K. Paliwal (1997), IEEE Transactions on Signal Processing 45(11).
    """

    name = "name-tagging"
    input_tokens = True
    description = "tag the words of names: 'Teddy' is one only before a surname (bi- helps)"
    source = "minigrad; named entities after the 'Teddy Roosevelt' example"
    options = (
        Option("length", 12, help="words per sentence", min=2),
        Option("names", 3, help="ambiguous two-word phrases per sentence", min=1),
        Option("first", 3, help="ambiguous first words (and as many surnames and objects)",
               min=1),
        Option("words", 5, help="filler words", min=1),
    )
    loss_on_every_step = True

    def __init__(self, **values):
        super().__init__(**values)
        if 2 * self.names > self.length:
            raise ValueError(f"task {self.name!r}: {self.names} two-word phrases need a "
                             f"'length' of at least {2 * self.names}, got {self.length}")
        self.input_size = 3 * self.first + self.words
        self.output_size = 2
        self.seq_len = self.length

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        first, words = self.first, self.words
        tokens = 3 * first + rng.integers(0, words, size=(self.length, batch_size))
        tags = numpy.zeros((self.length, batch_size), dtype=numpy.int64)
        slot = self.length // self.names
        columns = numpy.arange(batch_size)
        for k in range(self.names):
            at = k * slot + rng.integers(0, slot - 1, size=batch_size)
            is_name = rng.random(batch_size) < 0.5
            which = rng.integers(0, first, size=batch_size)
            tokens[at, columns] = which                                  # teddy
            tokens[at + 1, columns] = numpy.where(is_name, first, 2 * first) + \
                rng.integers(0, first, size=batch_size)                  # roosevelt / bears
            tags[at, columns] = tags[at + 1, columns] = is_name
        mask = numpy.ones((self.length, batch_size), dtype=bool)
        return Batch(one_hot(tokens, self.input_size), tags, mask)

    def baseline(self):
        return self.names / self.length * math.log(2)
