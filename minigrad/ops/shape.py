"""Ops that move elements around without changing them: reshape, transpose, expand, ...

Their backward moves the gradient back the same way: a reshape is undone by a
reshape, a permutation by the inverse permutation, an expand (or a repeat) by a sum.
"""
import numpy

from .. import backend, checks
from ..tensor import Tensor, from_op
from .common import normalize_dims, numpy_names, unbroadcast
from .indexing import getitem


def _shape_args(shape, op):
    """Accept both ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``; every size an int."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not all(checks.is_integer(n) for n in shape):
        raise TypeError(f"{op}: sizes must be integers, got {tuple(shape)!r}")
    return tuple(int(n) for n in shape)


def reshape(x, *shape):
    """The same elements in a new shape (one size may be -1)."""
    shape = _shape_args(shape, "reshape")
    try:
        out = x.array.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot give a tensor of shape {x.shape} "
                         f"({x.array.size} elements) the shape {shape}") from None
    return from_op(out, (x,), lambda g: (g.reshape(x.shape),), name="reshape")


view = reshape


def reshape_as(x, other):
    """``x.reshape(other.shape)``."""
    return reshape(x, other.shape)


def view_as(x, other):
    """``x.view(other.shape)``."""
    return reshape(x, other.shape)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim`` .. ``end_dim`` into one."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    merged = int(numpy.prod(x.shape[start:end + 1]))
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def permute(x, *dims):
    """Reorder the dimensions; the gradient is put back by the inverse order."""
    dims = _shape_args(dims, "permute")
    if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not an ordering of the {x.ndim} dimensions "
                         f"of a tensor of shape {x.shape}")
    dims = tuple(d % x.ndim for d in dims)
    inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
    return from_op(x.array.transpose(dims), (x,), lambda g: (g.transpose(inverse),),
                   name="permute")


def transpose(x, dim0, dim1):
    """Swap two dimensions."""
    normalize_dims((dim0, dim1), x.ndim)  # range check
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(x, dims)


swapdims = transpose  # PyTorch's other name for it


def swapaxes(x, axis0, axis1):
    """Swap two dimensions (``transpose``, with NumPy's argument names)."""
    return transpose(x, axis0, axis1)


def t(x):
    """The transpose of a matrix; a tensor of 0 or 1 dimensions is returned as it is."""
    if x.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape "
                         f"{x.shape}: use transpose(dim0, dim1), or .mT for the last two")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def T(x):  # noqa: N802 - PyTorch's name
    """All dimensions reversed (for a matrix: the transpose)."""
    return permute(x, tuple(reversed(range(x.ndim))))


@numpy_names
def squeeze(x, dim=None):
    """Remove dimensions of size 1 (only ``dim`` when it is given)."""
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_dims(dim, x.ndim)
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return reshape(x, shape)


@numpy_names
def unsqueeze(x, dim):
    """Insert a dimension of size 1 at ``dim``."""
    if not checks.is_integer(dim):
        raise TypeError(f"unsqueeze: dim must be an int, got {dim!r}")
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor of shape "
                         f"{x.shape} (allowed: {-x.ndim - 1} to {x.ndim})")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def expand(x, *sizes):
    """Repeat size-1 dimensions (without copying) to ``sizes``; -1 keeps a size."""
    sizes = _shape_args(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {sizes} has fewer dimensions than the shape {x.shape}")
    target = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    try:
        out = x.xp.broadcast_to(x.array, target)
    except ValueError:
        raise ValueError(f"expand: cannot expand shape {x.shape} to {sizes}") from None
    return from_op(out, (x,), lambda g: (unbroadcast(g, x.shape),), name="expand")


def expand_as(x, other):
    """``x.expand(other.shape)``."""
    return expand(x, other.shape)


def repeat(x, *sizes):
    """x tiled, ``sizes[i]`` copies along dimension i (extra sizes add leading dimensions),
    as ``numpy.tile``: ``[a, b].repeat(2)`` is ``[a, b, a, b]``.
    dL/dx = the sum of g over the copies."""
    sizes = _shape_args(sizes, "repeat")
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: {sizes} has fewer sizes than the {x.ndim} dimensions of "
                         f"a tensor of shape {x.shape}")
    if any(not isinstance(n, (int, numpy.integer)) or n < 0 for n in sizes):
        raise ValueError(f"repeat: sizes must be non-negative integers, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    checks.fits([n * m for n, m in zip(sizes, shape)], "repeat: the result", x.dtype.itemsize)
    out = x.xp.tile(x.array.reshape(shape), sizes)

    def repeat_backward(g):
        # copy c of element j along a dimension of size s sits at c * s + j, so a
        # dimension of size (copies * s) splits into (copies, s); sum over the copies
        split = [n for pair in zip(sizes, shape) for n in pair]
        return (g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(x.shape),)
    return from_op(out, (x,), repeat_backward, name="repeat")


@numpy_names
def repeat_interleave(x, repeats, dim=None):
    """Each element repeated ``repeats`` times (an int, or one count per element) along
    ``dim``, or over the flattened x when dim is None: ``[a, b]`` -> ``[a, a, b, b]``.
    Built on indexing, so each element's gradient is the sum over its copies."""
    if dim is None:
        x, dim = flatten(x), 0
    (axis,) = normalize_dims(dim, x.ndim)
    counts = numpy.asarray(backend.to_numpy(repeats.array) if isinstance(repeats, Tensor)
                           else repeats)
    size = x.shape[axis]
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or counts.size not in (1, size) \
            or (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be a non-negative int or one per "
                         f"element ({size} along dimension {dim}), got {repeats!r}")
    total = int(counts.sum()) if counts.size == size else int(counts.reshape(-1)[0]) * size
    rest = x.shape[:axis] + x.shape[axis + 1:]
    checks.fits((total, *rest), "repeat_interleave: the result",  # and its int64 index
                x.dtype.itemsize + 8)
    index = numpy.repeat(numpy.arange(size), counts.reshape(-1))
    return getitem(x, (slice(None),) * axis + (index,))


def flip(x, dims):
    """Reverse the order of elements along ``dims``."""
    axes = normalize_dims(dims, x.ndim)
    return from_op(x.xp.flip(x.array, axes), (x,), lambda g: (x.xp.flip(g, axes),),
                   name="flip")


def clone(x):
    """A copy with its own memory that stays in the graph (gradient passes unchanged)."""
    return from_op(x.array.copy(), (x,), lambda g: (g,), name="clone")


def contiguous(x):
    """Nothing to do in minigrad; kept so PyTorch code runs unchanged."""
    return x


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors of sizes n0, n1, ...: tensors of shape
    (n0, n1, ...) where the k-th grid varies along dimension k (``indexing="ij"``);
    ``"xy"`` swaps the first two dimensions (NumPy's default). Made with reshape and
    expand, so each input's gradient is the sum of its grid's gradient."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        if t.ndim > 1:
            raise ValueError(f"meshgrid: expected 0-D or 1-D tensors, got shape {t.shape}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        along = [1] * len(tensors)
        along[axis] = -1
        grids.append(expand(reshape(t, along), shape))
    return tuple(grids)


# --------------------------------------------------------------------------- in place
# They give x itself a new shape. Refused, like every in-place change, on a tensor that
# requires grad while gradients are recorded.
def unsqueeze_(x, dim):
    """``unsqueeze``, in place: x itself gets the new dimension; returns x."""
    return _reshaped_in_place(x, unsqueeze(x, dim), "unsqueeze_()")


def squeeze_(x, dim=None):
    """``squeeze``, in place; returns x."""
    return _reshaped_in_place(x, squeeze(x, dim), "squeeze_()")


def t_(x):
    """``t``, in place; returns x."""
    return _reshaped_in_place(x, t(x), "t_()")


def _reshaped_in_place(x, result, what):
    x._mark_changed_in_place(what)
    x.array = result.array
    return x
