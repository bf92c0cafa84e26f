"""Ops that move elements around without changing them: reshape, transpose, expand, ...

Their backward moves the gradient back the same way: a reshape is undone by a
reshape, a permutation by the inverse permutation, an expand by a sum.
"""
import numpy

from ..tensor import from_op
from .common import normalize_dims, unbroadcast


def _shape_args(shape):
    """Accept both ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def reshape(x, *shape):
    """The same elements in a new shape (one size may be -1)."""
    shape = _shape_args(shape)
    try:
        out = x.array.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot give a tensor of shape {x.shape} "
                         f"({x.array.size} elements) the shape {shape}") from None
    return from_op(out, (x,), lambda g: (g.reshape(x.shape),), name="reshape")


view = reshape


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim`` .. ``end_dim`` into one."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    merged = int(numpy.prod(x.shape[start:end + 1]))
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def permute(x, *dims):
    """Reorder the dimensions; the gradient is put back by the inverse order."""
    dims = _shape_args(dims)
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


def T(x):  # noqa: N802 - PyTorch's name
    """All dimensions reversed (for a matrix: the transpose)."""
    return permute(x, tuple(reversed(range(x.ndim))))


def squeeze(x, dim=None):
    """Remove dimensions of size 1 (only ``dim`` when it is given)."""
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_dims(dim, x.ndim)
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return reshape(x, shape)


def unsqueeze(x, dim):
    """Insert a dimension of size 1 at ``dim``."""
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor of shape "
                         f"{x.shape} (allowed: {-x.ndim - 1} to {x.ndim})")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def expand(x, *sizes):
    """Repeat size-1 dimensions (without copying) to ``sizes``; -1 keeps a size."""
    sizes = _shape_args(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {sizes} has fewer dimensions than the shape {x.shape}")
    target = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    try:
        out = x.xp.broadcast_to(x.array, target)
    except ValueError:
        raise ValueError(f"expand: cannot expand shape {x.shape} to {sizes}") from None
    return from_op(out, (x,), lambda g: (unbroadcast(g, x.shape),), name="expand")


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
