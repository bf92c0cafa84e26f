"""The text task: predict the next character or word of a text (a language model)."""
import importlib.resources
import math

import numpy

from minigrad.task import Batch, Option, Task
from minigrad.vocabulary import LEVELS, Vocabulary, tokenize

from . import ngram
from .common import check_batch_size, check_outputs, generator, one_hot
from .common import masked_cross_entropy

SHIPPED_TEXT = "data/minigrad_corpus.txt"
HELD_OUT = 0.1  # the share of the tokens, at the end of the text, that is held out
#: How far (nats per token) below the better n-gram model a run must get to count as
#: solved (and, with early stopping, stop): see TextTask's docstring.
SOLVED_MARGIN = 0.5


def shipped_text():
    """The text that ships with minigrad (original to the project, under its licence)."""
    return importlib.resources.files(__package__).joinpath(SHIPPED_TEXT).read_text("utf-8")


def read_text(path):
    """The UTF-8 text of the file ``path``, or a ValueError that says what is wrong."""
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except FileNotFoundError:
        raise ValueError(f"task 'text': --file {path}: no such file") from None
    except IsADirectoryError:
        raise ValueError(f"task 'text': --file {path} is a folder; give a text file") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"task 'text': --file {path} is not UTF-8 text (byte {error.start} "
                         f"cannot be decoded); save it as UTF-8") from None
    except OSError as error:
        raise ValueError(f"task 'text': --file {path} cannot be read: "
                         f"{error.strerror or error}") from None


class TextTask(Task):
    """Next-token prediction on a text, at the level of characters or of words.

    **Definition.** The text is cut into tokens (``--level char``: characters; ``word``:
    words and punctuation marks), each non-empty line ending in ``<EOS>``; the first 90 %
    of the tokens are the training split, the last 10 % the held-out split. The
    vocabulary is the ``--vocab`` most frequent tokens of the training split, plus
    ``<UNK>`` (every other token) and ``<EOS>``. A sequence is a window of ``--length``
    consecutive tokens from a random place in a split, one-hot over the vocabulary; the
    target at each step is the token that follows. The loss is the mean cross-entropy
    over every step; training windows come from the training split, evaluation windows
    from the held-out split.

    **Metric:** perplexity, exp(mean -ln p(next token)), of each held-out batch (lower is
    better); ``loss / ln 2`` is the bits per token (per character at char level).

    **Baseline:** the cross-entropy on the held-out split of the unigram model of the
    training split (add-one smoothed): the best a model with no memory does.
    ``references()`` adds the bigram model's, which a model beats only by using more
    than the last token.

    **Solved:** a held-out loss at least ``SOLVED_MARGIN`` = 0.5 nats (0.72 bits) per
    token below the cross-entropy of the better of the unigram and the bigram model: a
    perplexity at most e^-0.5 = 61 % of theirs (on a small text at word level the
    smoothed bigram can be the worse one). Merely beating the bigram is not enough: a
    char-level model does that within ~100 steps, while its samples are still strings of
    letter pairs; half a nat below, they are made of words.

    **Source:** next-token prediction as in Elman (1990), "Finding Structure in Time",
    and Mikolov et al. (2010), "Recurrent neural network based language model"; the
    shipped text is original to minigrad (docs/tasks.md).
    """

    name = "text"
    input_tokens = True  # one-hot symbols: --embed D can stand in for them
    description = "predict the next character or word of a text (perplexity)"
    source = "Elman 1990; Mikolov et al. 2010, recurrent neural network language model"
    options = (
        Option("level", "char", help="tokens: characters or words", type=str, choices=LEVELS),
        Option("file", None, help="a UTF-8 text file to train on (default: the shipped text)",
               type=str),
        Option("vocab", 1000, help="keep the N most frequent tokens, the rest is <UNK>", min=1),
        Option("length", 32, help="tokens in a training window", min=1),
        Option("stream", False, help="read the training split as one stream per sequence of "
               "a batch, each batch going on where the last stopped, and carry the state "
               "across batches", type=bool),
    )
    metric_name = "perplexity"
    higher_is_better = False

    def __init__(self, **values):
        super().__init__(**values)
        text = shipped_text() if self.file is None else read_text(self.file)
        where = "the shipped text" if self.file is None else f"--file {self.file}"
        tokens = tokenize(text, self.level)
        if not tokens:
            raise ValueError(f"task 'text': {where} holds no text (only blank lines or "
                             f"nothing at all)")
        cut = int(len(tokens) * (1 - HELD_OUT))
        self.vocabulary = Vocabulary.build(tokens[:cut], self.vocab, self.level)
        self.train_ids = numpy.array(self.vocabulary.encode(tokens[:cut]), dtype=numpy.int64)
        self.held_ids = numpy.array(self.vocabulary.encode(tokens[cut:]), dtype=numpy.int64)
        shortest = min(len(self.train_ids), len(self.held_ids))
        if shortest < self.length + 1:
            raise ValueError(f"task 'text': {where} is too short for --length {self.length}: "
                             f"its {len(tokens)} {self.level} tokens give a held-out split of "
                             f"{len(self.held_ids)}, and a window needs length + 1 = "
                             f"{self.length + 1}; give a longer text or a --length of at "
                             f"most {max(shortest - 1, 1)}")
        self.input_size = self.output_size = len(self.vocabulary)
        self.seq_len = self.length
        V = len(self.vocabulary)
        self.unigram_loss = ngram.unigram_cross_entropy(self.train_ids, self.held_ids, V)
        self.bigram_loss = ngram.bigram_cross_entropy(self.train_ids, self.held_ids, V)

    @property
    def carries_state(self):
        return self.stream

    def _windows(self, ids, batch_size, rng):
        batch_size, rng = check_batch_size(batch_size), generator(rng)
        return self._window_at(ids, rng.integers(0, len(ids) - self.length, size=batch_size))

    def _window_at(self, ids, starts):
        """The windows of ``length`` tokens of ``ids`` that begin at ``starts`` (batch,)."""
        steps = numpy.arange(self.length)[:, None] + starts[None, :]   # (seq, batch)
        return Batch(one_hot(ids[steps], self.input_size), ids[steps + 1],
                     numpy.ones(steps.shape, dtype=bool))

    def batch_at(self, batch_size, index):
        """With ``--stream``: the ``index``-th training batch. The training split is cut
        into ``batch_size`` equal parts, one per sequence of the batch; batch i holds the
        i-th window of ``length`` tokens of each part, so that every sequence goes on
        where it stopped in batch i - 1, and starts its part again after the last
        window (a new pass over the text)."""
        batch_size = check_batch_size(batch_size)
        part = (len(self.train_ids) - 1) // batch_size
        windows = part // self.length
        if windows < 1:
            raise ValueError(f"task 'text': --stream cuts the training split's "
                             f"{len(self.train_ids)} tokens into {batch_size} streams (one "
                             f"per sequence of a batch) of {part} tokens, shorter than "
                             f"--length {self.length}; use a smaller batch or --length, or "
                             f"a longer text")
        offset = (int(index) % windows) * self.length
        return self._window_at(self.train_ids, numpy.arange(batch_size) * part + offset)

    def batch(self, batch_size, rng):
        """Windows of the training split."""
        return self._windows(self.train_ids, batch_size, rng)

    def eval_batch(self, batch_size, rng):
        """Windows of the held-out split."""
        return self._windows(self.held_ids, batch_size, rng)

    def loss(self, outputs, batch):
        check_outputs(self, outputs, batch)
        return masked_cross_entropy(outputs, batch.targets)

    def metric(self, outputs, batch):
        check_outputs(self, outputs, batch)
        return ngram.perplexity(masked_cross_entropy(outputs, batch.targets).item())

    def baseline(self):
        return self.unigram_loss

    def solved_loss(self):
        """The held-out loss at or below which a run counts as solved."""
        return min(self.unigram_loss, self.bigram_loss) - SOLVED_MARGIN

    def solved(self, loss, score):
        return loss <= self.solved_loss()

    def references(self):
        """The figures a result is read beside: the vocabulary, the splits, the unigram
        and bigram models' perplexity (and bits per character at char level), and the
        perplexity a run must reach to count as solved."""
        figures = {"vocab_size": len(self.vocabulary), "train_tokens": len(self.train_ids),
                   "held_out_tokens": len(self.held_ids),
                   "unigram_perplexity": ngram.perplexity(self.unigram_loss),
                   "bigram_perplexity": ngram.perplexity(self.bigram_loss),
                   "solved_below_perplexity": ngram.perplexity(self.solved_loss())}
        if self.level == "char":
            figures["unigram_bits_per_char"] = self.unigram_loss / math.log(2)
            figures["bigram_bits_per_char"] = self.bigram_loss / math.log(2)
        return figures
