"""Reductions over dimensions: sum, mean, var, amax, amin, logsumexp.

``dim`` is an int, a tuple of ints or None (all dimensions); ``keepdim`` keeps the
reduced dimensions with size 1, as in PyTorch (``axis`` and ``keepdims`` work too). The
backward of a reduction spreads the gradient back over the elements that were reduced.
``max`` and ``min``, which also give the indices, are in selection.py.
"""
import builtins

from ..tensor import from_op
from .common import normalize_dims, numpy_names, restore_reduced


@numpy_names
def sum(x, dim=None, keepdim=False):  # noqa: A001 - Tensor.sum
    """Σ x over ``dim``.    d/dx_i = 1 for every element summed."""
    axes = normalize_dims(dim, x.ndim)
    out = x.array.sum(axis=axes, keepdims=keepdim)

    def sum_backward(g):
        return (restore_reduced(g, x.shape, axes, keepdim),)
    return from_op(x.xp.asarray(out), (x,), sum_backward, name="sum")


@numpy_names
def mean(x, dim=None, keepdim=False):
    """Σ x / n over ``dim``.    d/dx_i = 1/n."""
    axes = normalize_dims(dim, x.ndim)
    return sum(x, dim, keepdim) / _count(x.shape, axes)


@numpy_names
def var(x, dim=None, keepdim=False, *, unbiased=True, correction=None):
    """Σ (x - mean)² / (n - correction); ``correction`` is 1 by default (unbiased)."""
    if correction is None:
        correction = 1 if unbiased else 0
    axes = normalize_dims(dim, x.ndim)
    count = _count(x.shape, axes)
    centred = x - mean(x, axes, keepdim=True)
    return sum(centred * centred, axes, keepdim) / builtins.max(count - correction, 0)


def _count(shape, axes):
    count = 1
    for a in axes:
        count *= shape[a]
    return count


@numpy_names
def amax(x, dim=None, keepdim=False):
    """Largest value over ``dim`` (one or several dimensions). The gradient goes to the
    position(s) holding the maximum, split evenly between ties, as in PyTorch."""
    return extreme(x, dim, keepdim, x.xp.max, "amax")


@numpy_names
def amin(x, dim=None, keepdim=False):
    """Smallest value over ``dim``; gradient as for ``amax``."""
    return extreme(x, dim, keepdim, x.xp.min, "amin")


def extreme(x, dim, keepdim, reduce, name):
    """amax (``reduce`` = xp.max) or amin (xp.min), as the op ``name``."""
    if x.array.size == 0:
        raise ValueError(f"{name}() of an empty tensor")
    axes = normalize_dims(dim, x.ndim)
    out = reduce(x.array, axis=axes, keepdims=True)

    def backward(g):
        hit = x.array == out
        share = hit / hit.sum(axis=axes, keepdims=True)
        return (restore_reduced(g, x.shape, axes, keepdim) * share.astype(x.dtype),)
    result = out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in axes])
    return from_op(result, (x,), backward, name=name)


@numpy_names
def logsumexp(x, dim=None, keepdim=False):
    """log Σ e^x over ``dim``, computed as m + log Σ e^(x - m) with m = max x, so that
    large inputs do not overflow.    d/dx = softmax(x)."""
    xp = x.xp
    axes = normalize_dims(dim, x.ndim)
    m = x.array.max(axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    e = xp.exp(x.array - m)
    s = e.sum(axis=axes, keepdims=True)
    out = xp.log(s) + m

    def logsumexp_backward(g):
        return (restore_reduced(g, x.shape, axes, keepdim) * (e / s),)
    result = out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in axes])
    return from_op(result, (x,), logsumexp_backward, name="logsumexp")
