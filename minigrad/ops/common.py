"""Helpers shared by the ops: turning operands into tensors, undoing broadcasting, and
NumPy's argument names."""
import functools

import numpy

from .. import checks, dtypes
from ..backend import get_array_module
from ..tensor import Tensor


def as_tensor(value, like, op="this op"):
    """``value`` as a Tensor on ``like``'s device. A Python number takes ``like``'s dtype
    (a float with an integer tensor gives the default float), so ``x * 2`` keeps x's dtype.
    Anything but a Tensor, a number or an array of numbers is a TypeError naming ``op``."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float, bool)):
        dtype = like.dtype
        if isinstance(value, float) and not dtypes.is_floating(dtype):
            dtype = dtypes.default_float
        return Tensor(like.xp.asarray(value, dtype=dtype))
    return Tensor(numeric_array(like.xp, value, op))


def numeric_array(xp, value, op):
    """``value`` (a number, an array or nested lists of numbers) as an ``xp`` array."""
    array = None
    if not isinstance(value, (str, bytes, dict, set)) and value is not None:
        try:
            array = xp.asarray(value)
        except (TypeError, ValueError):
            pass
    if array is None or array.dtype.kind not in NUMERIC_KINDS:
        raise TypeError(f"{op}: expected a Tensor, a number or an array of numbers, got "
                        f"{checks.describe(value)}")
    return array


#: NumPy's kinds of number: bool, signed and unsigned integer, floating, complex.
NUMERIC_KINDS = "biufc"


def operands(a, b, op):
    """Both operands of a binary op as tensors, checked for type, device and shape."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor, got {checks.type_name(a)} and "
                        f"{checks.type_name(b)}")
    if not isinstance(a, Tensor):
        a = as_tensor(a, b, op)
    elif not isinstance(b, Tensor):
        b = as_tensor(b, a, op)
    x, y = a.array, b.array
    # two NumPy arrays are both on the CPU: only other kinds need the device compared
    if not (type(x) is type(y) is numpy.ndarray) and a.device != b.device:
        raise RuntimeError(f"{op}: expected both tensors on the same device, "
                           f"got {a.device} and {b.device}")
    if x.shape != y.shape and not _broadcastable(x.shape, y.shape):
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast "
                         f"together")
    return a, b


def _broadcastable(sa, sb):
    """NumPy's rule, read from the last dimension back: each pair of sizes is equal or
    has a 1 (a plain loop: numpy.broadcast_shapes costs more than the op it guards)."""
    for m, n in zip(reversed(sa), reversed(sb)):
        if m != n and m != 1 and n != 1:
            return False
    return True


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the backward of broadcasting.

    A value broadcast along an axis was used once per position there, so its gradient
    is the sum along that axis.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def normalize_dims(dim, ndim):
    """``dim`` (None, an int or a tuple; negatives allowed) as a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if checks.is_integer(dim) else tuple(dim) \
        if isinstance(dim, (tuple, list)) else None
    if dims is None or not all(checks.is_integer(d) for d in dims):
        raise TypeError(f"dim must be an int, a tuple of ints or None, got {dim!r}")
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"dimension out of range: got {d} for a tensor with {ndim} "
                             f"dimension(s) (allowed: {-max(ndim, 1)} to {max(ndim, 1) - 1})")
        if ndim:  # a 0-d tensor accepts dim 0 or -1 and has nothing to reduce
            out.append(d % ndim)
    return tuple(sorted(set(out)))


def one_dim(dim, ndim, op):
    """The one axis ``dim`` names (None for a 0-d tensor), for ops that work along one."""
    if not checks.is_integer(dim):
        raise TypeError(f"{op}: dim must be one int, got {dim!r}")
    axes = normalize_dims(dim, ndim)
    return axes[0] if axes else None


def restore_reduced(grad, shape, axes, keepdim):
    """Broadcast the gradient of a reduction back to the input's ``shape``."""
    if not keepdim and axes:
        grad = grad.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    return get_array_module(grad).broadcast_to(grad, shape)


NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}  # NumPy's name -> PyTorch's


def numpy_names(op):
    """Let ``op`` also take NumPy's ``axis=`` and ``keepdims=`` for ``dim=`` and
    ``keepdim=``, as PyTorch does (``x.sum(axis=1)``, ``minigrad.cat(xs, axis=0)``)."""
    @functools.wraps(op)
    def op_with_numpy_names(*args, **kwargs):
        for numpy_name, name in NUMPY_NAMES.items():
            if numpy_name in kwargs:
                if name in kwargs:
                    raise TypeError(f"{op.__name__}() got both {name}= and {numpy_name}=, "
                                    f"which are the same argument: give one")
                kwargs[name] = kwargs.pop(numpy_name)
        return op(*args, **kwargs)
    return op_with_numpy_names
