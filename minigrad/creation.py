"""Making tensors: ``minigrad.tensor`` and the factories (zeros, randn, ...)."""
import numbers

import numpy

from . import backend, devices, dtypes, random
from .tensor import Tensor


def tensor(data, requires_grad=False, dtype=None, device=None):
    """A new leaf tensor holding a copy of ``data`` (a number, nested lists, an array or
    a Tensor).

    Python floats and lists of them become float32 (the default); integers become
    int64 and booleans bool. A NumPy/CuPy array keeps its dtype (float64 stays
    float64), as in ``torch.tensor``. ``dtype`` overrides all of this. Without
    ``device``, a CuPy array stays on its GPU and anything else goes to the default
    device (``minigrad.set_default_device``).
    """
    if isinstance(data, Tensor):
        data = data.array
    is_array = isinstance(data, numpy.ndarray) or backend.device_of(data) != "cpu"
    xp = backend.get_array_module(data) if is_array else numpy
    try:
        array = xp.array(data, copy=True)
    except (ValueError, TypeError) as error:
        raise ValueError(f"minigrad.tensor: cannot make a tensor from {type(data).__name__}: "
                         f"{error}") from None
    if array.dtype == object:
        raise ValueError("minigrad.tensor: ragged nested lists (rows of different lengths) "
                         "or non-numbers can't make a tensor")
    dtype = dtypes.resolve(dtype)
    if dtype is None and not is_array and array.dtype.kind == "f":
        dtype = dtypes.default_float
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    if device is None and backend.device_of(array) == "cpu":
        device = devices.get_default_device()
    if device is not None:
        array = backend.to_device(array, device)
    return Tensor(array, requires_grad=requires_grad)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"sizes must be non-negative integers, got {tuple(size)}")
    return tuple(int(n) for n in size)


def _make(array, dtype, device, requires_grad):
    dtype = dtypes.resolve(dtype) or dtypes.default_float
    if device is None:
        device = devices.get_default_device()
    array = backend.to_device(numpy.asarray(array, dtype=dtype), device)
    return Tensor(array, requires_grad=requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _make(numpy.zeros(_shape(size)), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make(numpy.ones(_shape(size)), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    return _make(numpy.full(_shape((size,)), fill_value), dtype, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Numbers from ``start`` up to, not including, ``end``. Integers give int64."""
    values = numpy.arange(start, end, step) if end is not None else numpy.arange(start)
    if dtype is None and values.dtype.kind in "iu":
        dtype = dtypes.int64
    return _make(values, dtype, device, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1), from minigrad's seeded generator."""
    return _make(random.generator().random(_shape(size)), dtype, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal, from minigrad's seeded generator."""
    return _make(random.generator().standard_normal(_shape(size)), dtype, device, requires_grad)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return zeros(x.shape, dtype=dtype or x.dtype, device=device or x.device,
                 requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return ones(x.shape, dtype=dtype or x.dtype, device=device or x.device,
                requires_grad=requires_grad)
