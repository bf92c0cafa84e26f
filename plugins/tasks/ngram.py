"""The unigram and bigram models of a token stream: the text task's reference points.

Both are counted exactly from the training ids and smoothed by adding one to every
count (Laplace), so a token never seen in training (or never after a given token)
still has a probability. With V the vocabulary size, N the number of training tokens,
c(w) a token's count and c(v, w) the count of v followed by w::

    unigram   P(w)     = (c(w) + 1) / (N + V)
    bigram    P(w | v) = (c(v, w) + 1) / (c(v, ·) + V),   c(v, ·) = Σ_w c(v, w)

A model is scored on the held-out ids ``h`` by predicting each token from those before
it, ``h[1:]`` from ``h[:-1]``; its cross-entropy is the mean of -ln P over those tokens,
in nats, and its perplexity exp(cross-entropy) (bits per token: cross-entropy / ln 2).
"""
import math

import numpy


def unigram_probabilities(train_ids, vocab_size):
    """P(w) for every id w < ``vocab_size``, add-one smoothed: shape (V,)."""
    counts = numpy.bincount(numpy.asarray(train_ids), minlength=vocab_size).astype(float)
    return (counts + 1) / (counts.sum() + vocab_size)


def bigram_probabilities(train_ids, vocab_size):
    """P(w | v), add-one smoothed: shape (V, V), row v the distribution after v."""
    ids = numpy.asarray(train_ids)
    counts = numpy.zeros((vocab_size, vocab_size))
    numpy.add.at(counts, (ids[:-1], ids[1:]), 1)
    return (counts + 1) / (counts.sum(axis=1, keepdims=True) + vocab_size)


def unigram_cross_entropy(train_ids, held_ids, vocab_size):
    """Mean -ln P(w) of the unigram model over ``held_ids[1:]``, in nats."""
    p = unigram_probabilities(train_ids, vocab_size)
    return float(-numpy.log(p[numpy.asarray(held_ids)[1:]]).mean())


def bigram_cross_entropy(train_ids, held_ids, vocab_size):
    """Mean -ln P(w | previous token) of the bigram model over ``held_ids[1:]``, in nats."""
    p, held = bigram_probabilities(train_ids, vocab_size), numpy.asarray(held_ids)
    return float(-numpy.log(p[held[:-1], held[1:]]).mean())


def perplexity(cross_entropy):
    """exp(cross-entropy in nats): the size of a uniform choice that is as uncertain."""
    return math.exp(cross_entropy)
