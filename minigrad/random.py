"""Seeded random generators: one global generator behind every draw (factories, init,
dropout, tasks), and ``Generator`` objects for draws of their own (a DataLoader's
shuffle, ``random_split``, ``randperm``), as in PyTorch.

Draws are made with NumPy on the CPU and moved to the device, so the same seed gives
the same numbers on every backend.
"""
import numbers

import numpy

from . import backend

_generator = numpy.random.default_rng()


def manual_seed(seed):
    """Seed minigrad's generator; the same seed makes the same initialisation and dropout."""
    global _generator
    _generator = numpy.random.default_rng(_checked_seed(seed, "manual_seed"))
    return _generator


def generator():
    """The current ``numpy.random.Generator`` (replaced by every ``manual_seed``)."""
    return _generator


class Generator:
    """A random generator of its own, seeded apart from the global one: PyTorch's
    ``torch.Generator``, backed by a ``numpy.random.Generator``.

        >>> g = minigrad.Generator().manual_seed(42)
        >>> minigrad.randperm(5, generator=g).tolist() == minigrad.randperm(
        ...     5, generator=minigrad.Generator().manual_seed(42)).tolist()
        True

    Like PyTorch's, a new Generator starts from a fixed seed (PyTorch's, 67280421310721)
    until ``manual_seed`` or ``seed`` is called, so two new ones draw the same numbers.
    ``device`` ("cpu", "cuda", "cuda:1" or anything whose ``str`` is one of those) is
    kept as a label only: the draws are made on the CPU either way.
    """

    DEFAULT_SEED = 67280421310721

    def __init__(self, device="cpu"):
        self.device = backend.parse_device(device)
        self.manual_seed(self.DEFAULT_SEED)

    def manual_seed(self, seed):
        """Restart from ``seed`` (a non-negative integer); returns the generator itself."""
        self._initial_seed = _checked_seed(seed, "Generator.manual_seed")
        self._numpy = numpy.random.default_rng(self._initial_seed)
        return self

    def seed(self):
        """Restart from a fresh non-deterministic seed, and return that seed."""
        seed = int(numpy.random.SeedSequence().generate_state(1, numpy.uint64)[0])
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed this generator last started from."""
        return self._initial_seed

    def __repr__(self):
        return f"minigrad.Generator(device='{self.device}', initial_seed={self._initial_seed})"


def numpy_generator(generator=None):
    """The ``numpy.random.Generator`` to draw from: ``generator``'s (a ``Generator``, or
    a NumPy Generator used as it is), or minigrad's global one when it is None."""
    if generator is None:
        return _generator
    if isinstance(generator, Generator):
        return generator._numpy
    if isinstance(generator, numpy.random.Generator):
        return generator
    raise TypeError(f"generator must be a minigrad.Generator (minigrad.Generator()"
                    f".manual_seed(seed)) or None for the global one, got "
                    f"{type(generator).__module__}.{type(generator).__name__}")


def _checked_seed(seed, who):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{who} expects a non-negative integer, got {seed!r}")
    return int(seed)
