"""Taking tensors apart and putting them together: indexing, narrow, tril and triu, cat,
stack, split, chunk."""
import numbers

import numpy

from .. import backend, checks
from ..tensor import Tensor, from_op
from .common import normalize_dims, numpy_names


def getitem(x, index):
    """``x[index]`` with ints, slices (steps too), None, ``...``, bool masks and integer
    arrays, lists or tensors.

    The backward sends the gradient back to the same positions of x (zero elsewhere);
    an element picked several times (``x[[0, 0]]``) gets the sum of its gradients.
    """
    basic = _is_basic(index)  # x[t], x[:, a:b]: nothing to convert, nothing advanced
    if not basic:
        index = _to_backend_index(index, x)
    try:
        out = x.array[index]
    except IndexError as error:
        raise IndexError(f"index {_describe(index)} is out of range for a tensor of shape "
                         f"{x.shape}: {error}") from None
    advanced = not basic and _is_advanced(index)

    def getitem_backward(g):
        return (SliceGrad(index, g, x.array.shape, advanced),)
    return from_op(x.xp.asarray(out), (x,), getitem_backward, name="getitem")


class SliceGrad:
    """The gradient of ``x[index]`` seen from x: ``value`` at ``index``, zero elsewhere.

    Rather than building a full array of zeros for every slice (a loop over the time
    steps of a sequence would make one per step), the backward pass asks it to add
    itself into x's one gradient array: ``add_into`` is all it looks for. ``shape`` is
    the shape of the whole gradient it stands for (x's), so the backward pass checks it
    like any other; ``value`` is the gradient of ``x[index]``, checked on its own edge.
    """
    __slots__ = ("index", "value", "shape", "advanced")

    def __init__(self, index, value, shape, advanced=False):
        self.index, self.value, self.shape, self.advanced = index, value, shape, advanced

    def add_into(self, total, writable):
        """``total`` (None for zero) plus this gradient; written into ``total`` when
        ``writable``, else into a new array."""
        if total is None:
            total = backend.get_array_module(self.value).zeros(self.shape, self.value.dtype)
        elif not writable:
            total = total.copy()
        if self.advanced:  # repeated indices must add up
            backend.scatter_add(total, self.index, self.value)
        else:
            total[self.index] += self.value
        return total


_BASIC_PARTS = (int, slice, type(None), type(Ellipsis))  # exactly these: a bool is a mask


def _is_basic(index):
    """Whether ``index`` is an int, a slice, None or ``...``, or a tuple of them."""
    if type(index) is tuple:
        for part in index:
            if type(part) not in _BASIC_PARTS:
                return False
        return True
    return type(index) in _BASIC_PARTS


def _to_backend_index(index, x):
    parts = index if isinstance(index, tuple) else (index,)
    converted = []
    for part in parts:
        if isinstance(part, Tensor):
            part = part.array
        elif isinstance(part, list):
            part = numpy.asarray(part)
        if isinstance(part, numpy.ndarray) and x.device != "cpu":
            part = backend.to_device(part, x.device)
        converted.append(part)
    return tuple(converted) if isinstance(index, tuple) else converted[0]


def _is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(part, "shape") and getattr(part, "ndim", 0) > 0 for part in parts)


def _describe(index):
    return repr(index) if not hasattr(index, "shape") else f"array of shape {tuple(index.shape)}"


@numpy_names
def narrow(x, dim, start, length):
    """``length`` elements of ``x`` along ``dim`` from ``start`` (negative counts from the
    end): ``x.narrow(1, 2, 3)`` is ``x[:, 2:5]``, with the same gradient."""
    (axis,) = normalize_dims(dim, x.ndim)
    size = x.shape[axis]
    for name, value in (("start", start), ("length", length)):
        if not checks.is_integer(value):
            raise TypeError(f"narrow: {name} must be an integer, got {value!r}")
    start, length = int(start), int(length)
    if not -size <= start <= size:
        raise IndexError(f"narrow: start {start} is out of range for dimension {dim} of "
                         f"size {size} (allowed: {-size} to {size})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise ValueError(f"narrow: start {start} + length {length} does not fit in "
                         f"dimension {dim} of size {size}")
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))


def tril(x, diagonal=0):
    """The lower triangle of the last two dimensions: x_ij where j - i <= ``diagonal``,
    else 0.    dL/dx_ij = g_ij on the triangle kept, 0 elsewhere (the tril of g)."""
    diagonal = _check_matrix(x, "tril", diagonal)
    xp = x.xp
    return from_op(xp.tril(x.array, diagonal), (x,), lambda g: (xp.tril(g, diagonal),),
                   name="tril")


def triu(x, diagonal=0):
    """The upper triangle of the last two dimensions: x_ij where j - i >= ``diagonal``,
    else 0.    dL/dx = the triu of g."""
    diagonal = _check_matrix(x, "triu", diagonal)
    xp = x.xp
    return from_op(xp.triu(x.array, diagonal), (x,), lambda g: (xp.triu(g, diagonal),),
                   name="triu")


def _check_matrix(x, name, diagonal):
    if x.ndim < 2:
        raise ValueError(f"{name}: expected a matrix or a batch of them (2 or more "
                         f"dimensions), got a tensor of shape {x.shape}")
    if not isinstance(diagonal, numbers.Integral):
        raise TypeError(f"{name}: diagonal must be an int, got {diagonal!r}")
    # past the matrix's edge every diagonal keeps the same triangle; NumPy overflows on
    # one near ±2**63, so it is brought within the edge first
    rows, cols = x.shape[-2:]
    return max(min(int(diagonal), cols), -rows)


@numpy_names
def cat(tensors, dim=0):
    """Join tensors along an existing dimension ``dim``."""
    tensors = _check_same(tensors, "cat")
    (axis,) = normalize_dims(dim, tensors[0].ndim)
    for t in tensors[1:]:
        if t.ndim != tensors[0].ndim or any(
                a != b for i, (a, b) in enumerate(zip(t.shape, tensors[0].shape)) if i != axis):
            raise ValueError(f"cat: shapes {[u.shape for u in tensors]} differ outside "
                             f"dimension {dim}")
    xp = tensors[0].xp
    out = xp.concatenate([t.array for t in tensors], axis=axis)
    bounds = numpy.cumsum([t.shape[axis] for t in tensors])[:-1].tolist()

    def cat_backward(g):
        return tuple(xp.split(g, bounds, axis=axis))
    return from_op(out, tuple(tensors), cat_backward, name="cat")


concat = concatenate = cat  # PyTorch's other names for cat


@numpy_names
def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dimension ``dim``."""
    tensors = _check_same(tensors, "stack")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    ndim = tensors[0].ndim + 1
    if not -ndim <= dim < ndim:
        raise IndexError(f"stack: dim {dim} is out of range (allowed: {-ndim} to {ndim - 1})")
    axis = dim % ndim
    xp = tensors[0].xp
    out = xp.stack([t.array for t in tensors], axis=axis)

    def stack_backward(g):
        return tuple(xp.moveaxis(g, axis, 0))
    return from_op(out, tuple(tensors), stack_backward, name="stack")


def _check_same(tensors, name):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expected a list or tuple of tensors, got "
                        f"{checks.type_name(tensors)}")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: every element must be a Tensor, but element {i} is "
                            f"{checks.type_name(t)} (make it one with minigrad.tensor(...))")
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise RuntimeError(f"{name}: expected all tensors on the same device, got {sorted(devices)}")
    return tensors


def split(x, split_size_or_sections, dim=0):
    """Cut ``x`` along ``dim`` into pieces of ``split_size`` (the last may be smaller),
    or into pieces of the listed sizes. Returns a tuple of tensors."""
    (axis,) = normalize_dims(dim, x.ndim)
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, length - start)
                 for start in range(0, length, split_size_or_sections)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise ValueError(f"split: sections {sizes} do not add up to the size {length} "
                             f"of dimension {dim}")
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * axis + (slice(start, start + size),)
        pieces.append(getitem(x, index))
        start += size
    return tuple(pieces)


@numpy_names
def chunk(x, chunks, dim=0):
    """Cut ``x`` into ``chunks`` nearly equal pieces along ``dim`` (as torch.chunk)."""
    if not checks.is_integer(chunks) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    (axis,) = normalize_dims(dim, x.ndim)
    size = -(-x.shape[axis] // chunks)
    return split(x, max(size, 1), dim)
