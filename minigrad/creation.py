"""Making tensors: ``minigrad.tensor`` and the factories (zeros, randn, ...), the ``new_*``
methods that make a tensor like another, and PyTorch's legacy ``LongTensor(...)`` types."""
import math
import numbers

import numpy

from . import backend, checks, devices, dtypes, random
from .tensor import Tensor, from_op


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
    if data is None or isinstance(data, (str, bytes, dict, set)):
        raise _not_numbers(data)
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
    if array.dtype.kind not in NUMERIC_KINDS:  # strings, dates
        raise _not_numbers(data)
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


#: NumPy's kinds of number: bool, signed and unsigned integer, floating, complex.
NUMERIC_KINDS = "biufc"


def _not_numbers(data):
    return TypeError(f"minigrad.tensor: data must be numbers (a number, nested lists of "
                     f"numbers, an array or a Tensor), got {checks.describe(data)}")


def _shape(size):
    """The sizes given (``2, 3`` or ``(2, 3)``) as a tuple of ints, each a Python or NumPy
    integer, and few enough elements in all for one array."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if not checks.is_integer(n) or n < 0:
            raise ValueError(f"sizes must be non-negative integers, got {tuple(size)}")
    shape = tuple(int(n) for n in size)
    checks.fits(shape, "a tensor")  # 8 bytes per element: the values are made in float64
    return shape


def _finite(value, name, op):
    """A real bound (start, end, step) as a number, refusing NaN and infinity."""
    if value is None:
        return None
    value = _number(value, name, op)
    if not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{op}: {name} must be a finite real number, got {value!r}")
    return value


def _number(value, name, op):
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a real number, got {checks.type_name(value)} "
                        f"{value!r}")
    return value


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


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of this size to be filled in later. PyTorch leaves its values undefined;
    minigrad gives zeros."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    fill_value = fill_value if isinstance(fill_value, (bool, numpy.bool_)) else \
        _number(fill_value, "fill_value", "full")
    return _make(numpy.full(_shape((size,)), fill_value), dtype, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Numbers from ``start`` up to, not including, ``end``. Integers give int64."""
    start, end, step = (_finite(value, name, "arange") for name, value in
                        (("start", start), ("end", end), ("step", step)))
    if step == 0:
        raise ValueError("arange: step must not be 0")
    first, last = (0, start) if end is None else (start, end)
    checks.fits((max(math.ceil((last - first) / step), 0),), "arange: the result")
    values = numpy.arange(start, end, step) if end is not None else numpy.arange(start)
    if dtype is None and values.dtype.kind in "iu":
        dtype = dtypes.int64
    return _make(values, dtype, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced numbers from ``start`` to ``end``, both included."""
    steps = checks.size(steps, "linspace: steps", minimum=0)
    start, end = _finite(start, "start", "linspace"), _finite(end, "end", "linspace")
    return _make(numpy.linspace(start, end, steps), dtype, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (n x n when m is None): ones on the diagonal."""
    n, m = _shape((n, n if m is None else m))
    return _make(numpy.eye(n, m), dtype, device, requires_grad)


def from_numpy(array):
    """A tensor that shares memory with the NumPy ``array`` (changing one changes the
    other) and keeps its dtype: float64 stays float64."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: can't make a tensor of dtype {array.dtype}; allowed "
                        f"are bool, integer and floating-point arrays")
    return Tensor(array)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1), from minigrad's seeded generator."""
    return _make(random.generator().random(_shape(size)), dtype, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal, from minigrad's seeded generator."""
    return _make(random.generator().standard_normal(_shape(size)), dtype, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """The numbers 0 to n - 1 in a random order (int64), drawn from ``generator`` (a
    ``minigrad.Generator``) or, when it is None, from minigrad's seeded generator."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative integer, got {n!r}")
    order = random.numpy_generator(generator).permutation(int(n))
    return _make(order, dtype or dtypes.int64, device, requires_grad)


def randint(low=0, high=None, size=None, dtype=None, device=None, requires_grad=False):
    """Random integers from ``low`` (0 by default) up to, not including, ``high``, in a
    tensor of shape ``size`` (int64): ``randint(10, (3,))``, ``randint(5, 10, (2, 2))``."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None or high is None or isinstance(size, numbers.Number):
        raise TypeError("randint needs high and a size given as a tuple: "
                        "randint(high, size) or randint(low, high, size)")
    if not high > low:
        raise ValueError(f"randint: high must be greater than low, got low={low}, high={high}")
    values = random.generator().integers(low, high, _shape((size,)))
    return _make(values, dtype or dtypes.int64, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, dtype=None, device=None, requires_grad=False):
    """Samples of N(mean, std²). ``mean`` and ``std`` are tensors (broadcast together) or
    numbers; with two numbers, give ``size``.

    As in PyTorch, the gradient of a sample with respect to mean and std is taken as 0:
    a sample is not reparameterised. For one that is, write ``mean + std * randn(...)``.
    """
    parents = tuple(t for t in (mean, std) if isinstance(t, Tensor))
    if not parents:
        if size is None:
            raise TypeError("normal(mean, std) with two numbers needs a size: "
                            "normal(0.0, 1.0, (2, 3))")
        _check_std(std)
        draws = mean + std * random.generator().standard_normal(_shape((size,)))
        return _make(draws, dtype, device, requires_grad)
    like = parents[0]
    mean_, std_ = (t.array if isinstance(t, Tensor) else t for t in (mean, std))
    _check_std(std_)
    shape = numpy.broadcast_shapes(*(t.shape for t in parents))
    noise = backend.to_device(random.generator().standard_normal(shape), like.device)
    draws = (mean_ + std_ * noise).astype(like.dtype)

    def normal_backward(g):
        return tuple(t.xp.zeros_like(t.array) for t in parents)
    return from_op(draws, parents, normal_backward, name="normal")


def _check_std(std):
    if bool((backend.get_array_module(std).asarray(std) < 0).any()):
        raise ValueError("normal: std must be >= 0")


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return zeros(x.shape, dtype=dtype or x.dtype, device=device or x.device,
                 requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return ones(x.shape, dtype=dtype or x.dtype, device=device or x.device,
                requires_grad=requires_grad)


# --------------------------------------------------------------------------- like x
# Tensor methods (x.new_zeros(2, 3)): a new leaf with x's dtype and device, unless told.
def new_tensor(x, data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data``, with x's dtype and device (unless told)."""
    dtype, device = _like(x, dtype, device)
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def new_zeros(x, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size``, with x's dtype and device (unless told)."""
    dtype, device = _like(x, dtype, device)
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_ones(x, *size, dtype=None, device=None, requires_grad=False):
    """Ones of ``size``, with x's dtype and device (unless told)."""
    dtype, device = _like(x, dtype, device)
    return ones(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_full(x, size, fill_value, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere in ``size``, with x's dtype and device (unless told)."""
    dtype, device = _like(x, dtype, device)
    return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def new_empty(x, *size, dtype=None, device=None, requires_grad=False):
    """``empty`` (zeros in minigrad) of ``size``, with x's dtype and device (unless told)."""
    dtype, device = _like(x, dtype, device)
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _like(x, dtype, device):
    return (x.dtype if dtype is None else dtype), (x.device if device is None else device)


# --------------------------------------------------------------------------- tensor types
class TensorType:
    """PyTorch's legacy tensor types, such as ``minigrad.LongTensor``.

    ``LongTensor([1, 2])`` makes a tensor from data, ``LongTensor(2, 3)`` one of that size
    (zeros: PyTorch leaves it undefined), ``isinstance(t, minigrad.LongTensor)`` checks a
    tensor's dtype, and ``t.type(minigrad.LongTensor)`` converts to it.
    """

    def __init__(self, name, dtype):
        self.__name__ = self.__qualname__ = name
        self.dtype = dtype

    def __call__(self, *data_or_size, device=None):
        if all(isinstance(n, numbers.Integral) and not isinstance(n, (bool, numpy.bool_))
               for n in data_or_size):  # LongTensor(2, 3), and LongTensor() is empty
            return zeros(*(data_or_size or (0,)), dtype=self.dtype, device=device)
        if len(data_or_size) == 1:
            return tensor(data_or_size[0], dtype=self.dtype, device=device)
        raise TypeError(f"{self.__name__}(...) takes data (a list, an array, a tensor) or "
                        f"sizes (ints), got {data_or_size!r}")

    def __instancecheck__(self, obj):
        return isinstance(obj, Tensor) and obj.dtype == self.dtype

    def __repr__(self):
        return f"<class 'minigrad.{self.__name__}'>"


FloatTensor = TensorType("FloatTensor", dtypes.float32)
DoubleTensor = TensorType("DoubleTensor", dtypes.float64)
HalfTensor = TensorType("HalfTensor", dtypes.float16)
LongTensor = TensorType("LongTensor", dtypes.int64)
IntTensor = TensorType("IntTensor", dtypes.int32)
ShortTensor = TensorType("ShortTensor", dtypes.int16)
CharTensor = TensorType("CharTensor", dtypes.int8)
ByteTensor = TensorType("ByteTensor", dtypes.uint8)
BoolTensor = TensorType("BoolTensor", dtypes.bool)
