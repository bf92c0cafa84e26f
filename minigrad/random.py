"""One seeded random generator behind every draw: factories, init, dropout, tasks.

Draws are made with NumPy on the CPU and moved to the device, so the same seed gives
the same numbers on every backend.
"""
import numpy

_generator = numpy.random.default_rng()


def manual_seed(seed):
    """Seed minigrad's generator; the same seed makes the same initialisation and dropout."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, numpy.integer)) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _generator = numpy.random.default_rng(int(seed))
    return _generator


def generator():
    """The current ``numpy.random.Generator`` (replaced by every ``manual_seed``)."""
    return _generator
