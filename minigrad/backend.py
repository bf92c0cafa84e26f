"""Where arrays live: NumPy on the CPU, CuPy on a CUDA GPU.

Every op is written once against ``xp``, the array module of its inputs, the way
Chainer's ``get_array_module`` does it::

    xp = get_array_module(a)      # numpy or cupy
    out = xp.tanh(a)

CuPy is imported only when a CUDA device is first asked for, so ``import minigrad``
works (and stays fast) on machines without it.
"""
import numpy

from . import devices

CPU = devices.device("cpu")
_cupy = None

CUPY_HINT = ("install CuPy for your CUDA version, e.g. `pip install cupy-cuda12x` "
             "(or `pip install minigrad[cuda]`)")


def cupy_or_none():
    """Return the cupy module if it can be imported, else None (never raises)."""
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except Exception:  # ImportError, or a broken CUDA install
            return None
        _cupy = cupy
    return _cupy


def gpu_available():
    """True when CuPy imports and sees at least one CUDA device."""
    return device_count() > 0


def parse_device(device):
    """The device an array would live on: ``"cpu"``, ``"cuda"`` -> ``cuda:0``, ``"cuda:1"``
    (names, or ``minigrad.device`` objects; None is the CPU). Returns a ``minigrad.device``,
    always with its index for CUDA."""
    if device is None:
        return CPU
    if not isinstance(device, str):
        raise TypeError(f"a device must be a minigrad.device or a name such as 'cuda:0', "
                        f"got {device!r} ({type(device).__name__})")
    parsed = devices.device(device)
    if parsed.type == "cpu":
        return CPU
    return parsed if parsed.index is not None else devices.device("cuda", 0)


def device_count():
    """How many CUDA devices CuPy sees (0 without CuPy, or without a GPU)."""
    cupy = cupy_or_none()
    if cupy is None:
        return 0
    try:
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:
        return 0


def xp_for(device):
    """The array module (numpy or cupy) that holds arrays on ``device``."""
    if parse_device(device).type == "cpu":
        return numpy
    cupy = cupy_or_none()
    if cupy is None:
        raise RuntimeError(f"device {device!r} needs CuPy, which is not installed: {CUPY_HINT}")
    return cupy


def get_array_module(array):
    """numpy for a NumPy array, cupy for a CuPy array."""
    if isinstance(array, numpy.ndarray) or _cupy is None:
        return numpy
    return _cupy.get_array_module(array)


def device_of(array):
    """The device (a ``minigrad.device``) that holds a backend array."""
    if isinstance(array, numpy.ndarray) or _cupy is None or not isinstance(array, _cupy.ndarray):
        return CPU
    return devices.device("cuda", array.device.id)


def to_device(array, device):
    """Copy ``array`` to ``device`` (a no-op when it is already there)."""
    device = parse_device(device)
    if device_of(array) == device:
        return array
    if device.type == "cpu":
        return array.get()
    cupy = xp_for(device)
    with cupy.cuda.Device(device.index):
        return cupy.asarray(array)


def to_numpy(array):
    """A NumPy array with the same values (copied from the GPU if need be)."""
    return array if isinstance(array, numpy.ndarray) else array.get()


def scatter_add(target, index, values):
    """``target[index] += values``, adding repeated indices up (unlike ``+=``)."""
    xp = get_array_module(target)
    if xp is numpy:
        numpy.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)
