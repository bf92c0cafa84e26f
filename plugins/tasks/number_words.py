"""The number-words task: an encoder–decoder translates English number words into digits,
"three hundred twelve" -> "312": sequences of unequal length."""
import numpy

from minigrad.task import Batch, Option, Task

from .common import (bigram_nats, check_batch_size, check_shape_of, exact_match, generator,
                     masked_cross_entropy, one_hot)

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
#: The source words: token i is SOURCE_WORDS[i]; "<pad>" fills a short source's start.
SOURCE_WORDS = ("<pad>",) + tuple(ONES) + tuple(TENS) + ("hundred",)
#: The target tokens: the ten digits, then the end and the start of a decoded number.
TARGET_TOKENS = tuple("0123456789") + ("<eos>", "<s>")
EOS, START = 10, 11


def number_words(n):
    """The English words of 0 <= n <= 999, e.g. 312 -> "three hundred twelve"."""
    hundreds, rest = divmod(n, 100)
    words = [ONES[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        words.append(TENS[rest // 10 - 2])
        if rest % 10:
            words.append(ONES[rest % 10])
    elif rest or not words:
        words.append(ONES[rest])
    return " ".join(words)


class NumberWordsTask(Task):
    """Translate a number written in English words into its digits.

    **Definition.** The numbers 0..``largest`` are split once, at random (``split_seed``),
    into a training set and a held-out set of a fraction ``held_out`` of them; training
    batches draw from the first, evaluation from the second, so the score says whether
    the model has learnt the rule rather than the numbers. The source is the number's
    words, at most four (``"nine hundred ninety nine"``), left-padded with ``<pad>`` so
    that every source ends on its last word; the target is its digits followed by
    ``<eos>``::

        source   <pad> three hundred twelve      target   3 1 2 <eos>
        source   <pad> <pad> <pad>   seven       target   7 <eos>

    An encoder reads the words and its final state starts a decoder, which writes one
    digit at a time, each step reading the digit before it (``<s>`` first): the true
    digit in training (teacher forcing), its own guess when scored (greedy decoding,
    until ``<eos>``). The loss is the cross-entropy over the target tokens up to
    ``<eos>``; the metric is the exact match, the fraction of held-out numbers decoded
    with every digit and the end right.

    The lengths differ (four words can give one digit, "twelve", or three) and the first
    digit depends on the whole source: "nine" -> 9, "nineteen" -> 19, "nine hundred"
    -> 900. That is the encoder–decoder's shape, many to many of unequal lengths.

    **Baseline:** the loss of the best decoder that ignores the source and reads only the
    previous target token: p(next | previous) counted over the training numbers' digit
    strings, computed exactly.

    **Solved:** exact match of at least 0.99 on the held-out numbers.

    **Source:** written for minigrad; encoder–decoders: I. Sutskever, O. Vinyals and
    Q. V. Le (2014), "Sequence to Sequence Learning with Neural Networks", NeurIPS, and
    K. Cho et al. (2014), "Learning Phrase Representations using RNN Encoder–Decoder for
    Statistical Machine Translation", EMNLP.
    """

    name = "number-words"
    shape = "encoder-decoder"
    input_tokens = True
    metric_name = "exact match"
    start_token, end_token = START, EOS
    description = "translate number words into digits: 'three hundred twelve' -> 312"
    source = "minigrad; encoder-decoder after Sutskever et al. 2014, Cho et al. 2014"
    options = (
        Option("largest", 999, help="the largest number (at most 999)", min=1, max=999),
        Option("held_out", 0.1, help="fraction of the numbers kept for evaluation",
               type=float, min=0.0),
        Option("split_seed", 0, help="seed of the training / held-out split", min=0),
    )

    def __init__(self, **values):
        super().__init__(**values)
        if not 0 < self.held_out < 1:
            raise ValueError(f"task {self.name!r}: option 'held_out' must lie strictly "
                             f"between 0 and 1, got {self.held_out}")
        numbers = numpy.random.default_rng(self.split_seed).permutation(self.largest + 1)
        kept = max(1, round(self.held_out * len(numbers)))
        if kept >= len(numbers):
            raise ValueError(f"task {self.name!r}: held_out={self.held_out} of "
                             f"{len(numbers)} numbers leaves none to train on")
        self.evaluated, self.trained = numpy.sort(numbers[:kept]), numpy.sort(numbers[kept:])
        self.source_length = max(len(number_words(n).split()) for n in range(self.largest + 1))
        self.target_length = len(str(self.largest)) + 1
        self.input_size, self.output_size = len(SOURCE_WORDS), len(TARGET_TOKENS)
        self.seq_len = max(self.source_length, self.target_length)

    def encode(self, numbers):
        """int numbers (batch,) -> source tokens (S, batch), target tokens (T, batch) and
        the mask (T, batch) of the target tokens up to <eos>."""
        source = numpy.zeros((self.source_length, len(numbers)), dtype=numpy.int64)
        target = numpy.full((self.target_length, len(numbers)), EOS, dtype=numpy.int64)
        mask = numpy.zeros(target.shape, dtype=bool)
        for column, n in enumerate(numbers):
            words = [SOURCE_WORDS.index(w) for w in number_words(int(n)).split()]
            source[self.source_length - len(words):, column] = words
            digits = [int(d) for d in str(int(n))]
            target[:len(digits), column] = digits
            mask[:len(digits) + 1, column] = True
        return source, target, mask

    def _batch(self, numbers, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        source, target, mask = self.encode(rng.choice(numbers, size=batch_size))
        return Batch(one_hot(source, self.input_size), target, mask)

    def batch(self, batch_size, rng):
        return self._batch(self.trained, batch_size, rng)

    def eval_batch(self, batch_size, rng):
        return self._batch(self.evaluated, batch_size, rng)

    def loss(self, outputs, batch):
        check_shape_of(self, outputs, batch.targets.shape + (self.output_size,))
        return masked_cross_entropy(outputs, batch.targets, batch.mask)

    def metric(self, outputs, batch):
        """Exact match of the decoded tokens (up to <eos>) with the target."""
        outputs = numpy.asarray(outputs)
        if outputs.ndim != 2 or outputs.shape[1] != batch.targets.shape[1] or \
                outputs.shape[0] > batch.targets.shape[0]:
            check_shape_of(self, outputs, batch.targets.shape, "decoded tokens")
        decoded = numpy.full(batch.targets.shape, EOS, dtype=numpy.int64)
        decoded[:outputs.shape[0]] = outputs  # decoding stops once every sequence ended
        return exact_match(decoded, batch.targets, batch.mask)

    def baseline(self):
        _, target, mask = self.encode(self.trained)
        previous = numpy.vstack([numpy.full((1, target.shape[1]), START), target[:-1]])
        return bigram_nats(previous[mask], target[mask]) / mask.sum()

    def solved(self, loss, score):
        return score >= 0.99
