"""Picking elements by their order: max and min along a dimension (with where they are),
argmax, argmin, sort, argsort and topk.

Each op that returns values picks elements of x at some indices along one dimension, so
all of them share one backward, that of picking (``_pick``): the gradient of each value
goes back to the one element it was picked from, and every other element gets 0. As in
PyTorch, ``x.max(dim)`` returns the named tuple ``(values, indices)``; among equal
values the first is picked, and only it receives the gradient.
"""
import numbers

from .. import checks, dtypes
from ..tensor import Tensor, from_op
from . import return_types
from .common import normalize_dims, numpy_names
from .elementwise import maximum, minimum
from .reduction import extreme


@numpy_names
def max(x, dim=None, keepdim=False):  # noqa: A001 - Tensor.max
    """The largest element; with ``dim``, the named tuple ``(values, indices)`` along it.

    Without ``dim``, the gradient is split evenly between ties (as ``amax``); with ``dim``,
    ``indices`` (int64) point at the first of the largest values in each slice, and the
    gradient goes to it alone, as in PyTorch. ``max(x, other)`` with a tensor is ``maximum``.
    """
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    if dim is None:
        return extreme(x, None, keepdim, x.xp.max, "max")  # as amax
    return _extreme_along(x, dim, keepdim, x.xp.argmax, return_types.max)


@numpy_names
def min(x, dim=None, keepdim=False):  # noqa: A001 - Tensor.min
    """The smallest element; with ``dim``, ``(values, indices)`` along it (as ``max``)."""
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    if dim is None:
        return extreme(x, None, keepdim, x.xp.min, "min")  # as amin
    return _extreme_along(x, dim, keepdim, x.xp.argmin, return_types.min)


def _extreme_along(x, dim, keepdim, find, result):
    name = result.__name__
    axis = _one_axis(x, dim, name)
    if x.shape[axis] == 0:
        raise IndexError(f"{name}(dim={dim}): dimension {dim} of the tensor of shape "
                         f"{x.shape} is empty, so it has no {name}imum")
    indices = find(x.array, axis=axis, keepdims=True).astype(dtypes.int64)
    values = _pick(x, indices, axis, name, squeeze=not keepdim)
    return result(values, Tensor(indices if keepdim else indices.squeeze(axis)))


@numpy_names
def argmax(x, dim=None, keepdim=False):
    """Index (int64) of the (first) largest value along ``dim``; of the flattened tensor
    when ``dim`` is None. Not differentiable."""
    return _arg(x, dim, keepdim, x.xp.argmax, "argmax")


@numpy_names
def argmin(x, dim=None, keepdim=False):
    """Index (int64) of the (first) smallest value along ``dim`` (as ``argmax``)."""
    return _arg(x, dim, keepdim, x.xp.argmin, "argmin")


def _arg(x, dim, keepdim, find, name):
    if x.array.size == 0:
        raise ValueError(f"{name}() of an empty tensor")
    if dim is None:
        found = find(x.array.reshape(-1)).reshape((1,) * x.ndim if keepdim else ())
    else:
        found = find(x.array, axis=_one_axis(x, dim, name), keepdims=keepdim)
    return Tensor(x.xp.asarray(found, dtype=dtypes.int64))


@numpy_names
def sort(x, dim=-1, descending=False, stable=False):
    """The named tuple ``(values, indices)``: x sorted along ``dim``, and where each value
    came from (along ``dim``, value j is x's element ``indices[j]``). The sort is always
    stable (equal values keep their order), which ``stable=False`` allows.
    dL/dx_i = the gradient of the value that x_i became."""
    axis = _one_axis(x, dim, "sort")
    order = _argsort(x, axis, descending)
    return return_types.sort(_pick(x, order, axis, "sort"), Tensor(order))


@numpy_names
def argsort(x, dim=-1, descending=False, stable=False):
    """The indices that sort x along ``dim`` (``sort(...).indices``)."""
    return Tensor(_argsort(x, _one_axis(x, dim, "argsort"), descending))


@numpy_names
def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    """The named tuple ``(values, indices)`` of the ``k`` largest elements along ``dim``
    (the smallest when ``largest=False``), largest first. Among equal values the first
    ones are taken; the values come sorted even when ``sorted=False`` asks for less.
    Gradient: as for ``sort``, 0 for the elements left out."""
    axis = _one_axis(x, dim, "topk")
    if not checks.is_integer(k) or not 0 <= k <= x.shape[axis]:
        raise ValueError(f"topk: k={k} is out of range for dimension {dim} of size "
                         f"{x.shape[axis]} (allowed: 0 to {x.shape[axis]})")
    first_k = (slice(None),) * axis + (slice(0, k),)
    order = _argsort(x, axis, descending=largest)[first_k]
    return return_types.topk(_pick(x, order, axis, "topk"), Tensor(order))


def _argsort(x, axis, descending):
    """Indices that sort x stably along ``axis`` (int64). NaN counts as the largest."""
    xp = x.xp
    if not descending:
        return xp.argsort(x.array, axis=axis, kind="stable").astype(dtypes.int64)
    # Sorting -x would reverse the order of ties (and break for NaN and unsigned types):
    # sort the reversed array, then reverse the result and map it back to x's positions.
    backwards = xp.argsort(xp.flip(x.array, axis), axis=axis, kind="stable")
    return (x.shape[axis] - 1 - xp.flip(backwards, axis)).astype(dtypes.int64)


def _pick(x, indices, axis, name, squeeze=False):
    """The elements of x at ``indices`` along ``axis`` (distinct within each slice):

        out[..., j, ...] = x[..., indices[..., j, ...], ...]
        dL/dx[..., i, ...] = g[..., j, ...] where indices[..., j, ...] = i, else 0

    ``squeeze`` removes ``axis`` from the result (it then has size 1: one pick per slice).
    """
    xp = x.xp
    picked = xp.take_along_axis(x.array, indices, axis)

    def backward(g):
        grad = xp.zeros(x.shape, dtype=g.dtype)
        xp.put_along_axis(grad, indices, g.reshape(indices.shape), axis)
        return (grad,)
    return from_op(picked.squeeze(axis) if squeeze else picked, (x,), backward, name=name)


def _one_axis(x, dim, name):
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"{name}: dim must be one int, got {dim!r}"
                        + (" (for several dimensions use amax/amin)" if name in ("max", "min")
                           else ""))
    if x.ndim == 0:
        raise IndexError(f"{name}: a 0-d tensor has no dimension {dim} to work along")
    (axis,) = normalize_dims(dim, x.ndim)
    return axis
