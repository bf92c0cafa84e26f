"""The negation task: many to one. Is a sentence positive, when a "not" far before its
adjective may turn it around? The label needs two words that stand far apart."""
import math

import numpy

from minigrad.task import Batch, Option, Task

from .common import (check_batch_size, check_shape_of, generator, masked_accuracy,
                     masked_cross_entropy, one_hot)


class NegationTask(Task):
    """Read a sentence, answer once: positive or negative.

    **Definition.** A sentence is ``length`` words. Most are filler, drawn uniformly from
    ``words`` neutral words; one position in the second half holds the adjective, "good"
    or "bad" (even odds), and with even odds one position in the first half holds "not".
    The label is positive for "good" and for "not … bad", negative for "bad" and for
    "not … good"::

        w3 not w0 w5 w1 w2 w4 bad w0 w1    ->  positive
        w3 w2 w0 w5 w1 w2 w4 bad w0 w1     ->  negative

    Inputs are one-hot over the ``words + 3`` tokens; the target is one class per
    sentence (0 negative, 1 positive), read out from the state at the end of the
    sentence (from both ends with ``bi-<cell>``). The loss is the cross-entropy, the
    metric the accuracy.

    The label is the exclusive or of two facts: which adjective, and whether a "not"
    came before it. Either fact alone says nothing (the odds stay even), so a model must
    carry both across the gap between them, up to ``length - 1`` words.

    **Baseline:** ln 2 (accuracy 0.5): a model with no memory sees only the last word,
    and even a model that remembers one of the two facts is at chance.

    **Solved:** accuracy of at least 0.99 on fresh sentences.

    **Source:** written for minigrad, after the sentiment example of many-to-one networks
    (a review in, a rating out) and the negations that make bag-of-words models fail
    (R. Socher et al. (2013), "Recursive Deep Models for Semantic Compositionality Over
    a Sentiment Treebank", EMNLP).
    """

    name = "negation"
    shape = "many-to-one"
    input_tokens = True
    description = "the sentiment of a sentence whose 'not' is far from its adjective"
    source = "minigrad; sentiment with negation, after Socher et al. 2013"
    options = (
        Option("length", 20, help="words per sentence", min=4),
        Option("words", 8, help="neutral filler words", min=1),
    )

    def __init__(self, **values):
        super().__init__(**values)
        self.good, self.bad, self.not_ = self.words, self.words + 1, self.words + 2
        self.input_size = self.words + 3
        self.output_size = 2
        self.seq_len = self.length

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        half = self.length // 2
        words = rng.integers(0, self.words, size=(self.length, batch_size))
        columns = numpy.arange(batch_size)
        good = rng.random(batch_size) < 0.5
        negated = rng.random(batch_size) < 0.5
        words[rng.integers(half, self.length, size=batch_size), columns] = numpy.where(
            good, self.good, self.bad)
        not_at = rng.integers(0, half, size=batch_size)
        words[not_at[negated], columns[negated]] = self.not_
        label = (good != negated).astype(numpy.int64)
        return Batch(one_hot(words, self.input_size), label)

    def loss(self, outputs, batch):
        check_shape_of(self, outputs, (batch.targets.shape[0], self.output_size))
        return masked_cross_entropy(outputs, batch.targets)

    def metric(self, outputs, batch):
        check_shape_of(self, outputs, (batch.targets.shape[0], self.output_size))
        return masked_accuracy(outputs, batch.targets)

    def baseline(self):
        return math.log(2)

    def solved(self, loss, score):
        return score >= 0.99
