"""Multi-query associative recall: read key-value pairs, then answer queries by key
(Arora et al. 2023)."""
import math

import numpy

from minigrad.task import Batch, Option

from .common import ClassificationTask, check_batch_size, distinct, generator, one_hot


class AssociativeRecallTask(ClassificationTask):
    """Read a list of key-value pairs, then recall the value of each key asked for.

    **Definition.** The sequence first shows ``pairs`` key-value pairs, one symbol per
    step (key, value, key, value, ...): the keys are distinct, drawn from an alphabet of
    ``keys`` letters, and each value is drawn uniformly from its own alphabet of
    ``values`` letters. Then come ``queries`` steps, each showing one of the keys again
    (distinct, in random order); the target there is the value that key was paired
    with. Several queries per sequence make it the *multi-query* form (MQAR). With 3
    pairs and 2 queries (keys in capitals, values in lower case)::

        step     0 1 2 3 4 5 6 7
        input    K c A f D c D K
        target               c c

    Inputs are one-hot over ``keys + values`` codes (the keys, then the values);
    targets are the ``values`` letters. The loss is the cross-entropy on the query
    steps (``Batch.mask``), the metric the accuracy there; the sequence is
    2 × pairs + queries steps long.

    **Baseline:** ln(values). A value is uniform and independent of its key, so a model
    that sees the queried key but remembers no pair can only guess uniformly.

    **Solved:** accuracy of at least 0.99 on the queries of fresh sequences.

    **Source:** S. Arora, S. Eyuboglu, A. Timalsina, I. Johnson, M. Poli, J. Zou,
    A. Rudra and C. Ré (2023), "Zoology: Measuring and Improving Recall in Efficient
    Language Models", arXiv:2312.04927 (multi-query associative recall). Single-query
    associative recall is older, e.g. J. Ba, G. Hinton, V. Mnih, J. Z. Leibo and
    C. Ionescu (2016), "Using Fast Weights to Attend to the Recent Past", NeurIPS.
    """

    name = "associative-recall"
    input_tokens = True  # one-hot symbols: --embed D can stand in for them
    description = "read key-value pairs, then recall the values of queried keys (MQAR)"
    source = "Arora et al. 2023, Zoology: Measuring and Improving Recall in Efficient LMs"
    options = (
        Option("pairs", 4, help="key-value pairs to remember", min=1),
        Option("queries", 4, help="keys asked for afterwards (at most pairs)", min=1),
        Option("keys", 16, help="size of the key alphabet (at least pairs)", min=1),
        Option("values", 8, help="size of the value alphabet", min=2),
    )

    def __init__(self, **values):
        super().__init__(**values)
        if self.queries > self.pairs:
            raise ValueError(f"task {self.name!r}: option 'queries' ({self.queries}) can't "
                             f"exceed 'pairs' ({self.pairs}): each query asks a different key")
        if self.keys < self.pairs:
            raise ValueError(f"task {self.name!r}: option 'keys' ({self.keys}) must be at "
                             f"least 'pairs' ({self.pairs}), so the keys can be distinct")
        self.input_size = self.keys + self.values   # the keys, then the values
        self.output_size = self.values
        self.seq_len = 2 * self.pairs + self.queries

    def batch(self, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        P, Q, columns = self.pairs, self.queries, numpy.arange(batch_size)
        keys = distinct(rng, self.keys, P, batch_size)           # (P, batch)
        values = rng.integers(0, self.values, size=(P, batch_size))
        asked = distinct(rng, P, Q, batch_size)                   # which pairs, (Q, batch)

        codes = numpy.empty((self.seq_len, batch_size), dtype=numpy.int64)
        codes[0:2 * P:2] = keys
        codes[1:2 * P:2] = self.keys + values
        codes[2 * P:] = keys[asked, columns]
        targets = numpy.zeros((self.seq_len, batch_size), dtype=numpy.int64)
        targets[2 * P:] = values[asked, columns]
        mask = numpy.zeros((self.seq_len, batch_size), dtype=bool)
        mask[2 * P:] = True
        return Batch(one_hot(codes, self.input_size), targets, mask)

    def baseline(self):
        return math.log(self.values)

