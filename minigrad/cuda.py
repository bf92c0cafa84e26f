"""``torch.cuda``'s questions, answered for CuPy: is there a GPU, how many, and seeding.

    device = minigrad.device("cuda" if minigrad.cuda.is_available() else "cpu")

``is_available`` and ``device_count`` import CuPy (they ask about the GPU); seeding
does not. minigrad draws every random number from one generator on the CPU and moves
it to the device (see ``minigrad.random``), so seeding "the GPU" is seeding that
generator, and the same seed gives the same numbers on every device.
"""
from . import backend, random


def is_available():
    """True when CuPy imports and sees at least one CUDA device."""
    return backend.gpu_available()


def device_count():
    """The number of CUDA devices (0 without CuPy or without a GPU)."""
    return backend.device_count()


def manual_seed(seed):
    """Seed minigrad's generator, as ``minigrad.manual_seed`` does: the GPU has no
    generator of its own to seed."""
    random.manual_seed(seed)


def manual_seed_all(seed):
    """Seed minigrad's generator; the same as ``manual_seed`` (one generator serves all
    devices)."""
    random.manual_seed(seed)
