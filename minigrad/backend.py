"""Where arrays live: NumPy on the CPU, CuPy on a CUDA GPU.

Every op is written once against ``xp``, the array module of its inputs, the way
Chainer's ``get_array_module`` does it::

    xp = get_array_module(a)      # numpy or cupy
    out = xp.tanh(a)

CuPy is imported only when a CUDA device is first asked for, so ``import minigrad``
works (and stays fast) on machines without it.
"""
import numpy

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
    cupy = cupy_or_none()
    if cupy is None:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def parse_device(device):
    """Normalise a device name: ``"cpu"``, ``"cuda"`` -> ``"cuda:0"``, ``"cuda:1"``."""
    if device is None:
        return "cpu"
    name = str(device).strip().lower()
    if name == "cpu":
        return "cpu"
    if name == "cuda":
        return "cuda:0"
    if name.startswith("cuda:") and name[5:].isdigit():
        return name
    raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'cuda:N'")


def xp_for(device):
    """The array module (numpy or cupy) that holds arrays on ``device``."""
    device = parse_device(device)
    if device == "cpu":
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
    """The device name of a backend array."""
    if isinstance(array, numpy.ndarray) or _cupy is None or not isinstance(array, _cupy.ndarray):
        return "cpu"
    return f"cuda:{array.device.id}"


def to_device(array, device):
    """Copy ``array`` to ``device`` (a no-op when it is already there)."""
    device = parse_device(device)
    if device_of(array) == device:
        return array
    if device == "cpu":
        return array.get()
    cupy = xp_for(device)
    with cupy.cuda.Device(int(device[5:])):
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
