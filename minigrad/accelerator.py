"""``torch.accelerator``: the device that speeds training up here, if any.

minigrad knows one kind of accelerator, a CUDA GPU through CuPy::

    device = minigrad.accelerator.current_accelerator() or minigrad.device("cpu")
"""
from . import backend, devices


def is_available():
    """True when a CUDA GPU can be used (CuPy imports and sees one)."""
    return backend.gpu_available()


def device_count():
    """How many accelerators there are: the number of CUDA devices."""
    return backend.device_count()


def current_accelerator():
    """``device(type='cuda')`` when a GPU can be used, else None."""
    return devices.device("cuda") if is_available() else None
