"""``default_collate``: a list of samples becomes one batch, as PyTorch's DataLoader
makes it.

Each kind of element is batched along a new first dimension, and containers are taken
apart and batched field by field:

=====================================  ==============================================
the samples' elements                  the batch
=====================================  ==============================================
Tensors of one shape                   ``minigrad.stack(samples)``: shape (B, ...)
NumPy arrays / NumPy scalars           a Tensor of their dtype (float64 stays float64)
Python ints (and bools)                an int64 (bool) Tensor of shape (B,)
Python floats                          a float64 Tensor of shape (B,), as in PyTorch
str, bytes                             left as they are
dict                                   a dict of batches, key by key
tuple (x, y)                           a *list* [batch of x, batch of y], as in PyTorch
namedtuple, list                       the same type, field by field
=====================================  ==============================================
"""
import collections.abc
import copy
import numbers

import numpy

from ... import dtypes
from ...creation import tensor
from ...ops import stack
from ...tensor import Tensor

_UNSUPPORTED = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                "or lists; found {}")


def default_collate(batch):
    """One batch from ``batch``, a list of samples of the same structure (see above)."""
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, numpy.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_UNSUPPORTED.format(f"arrays of dtype {elem.dtype}"))
        return _stack_tensors([Tensor(array) for array in batch])
    if isinstance(elem, (numpy.bool_, numpy.number)):
        return tensor(numpy.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, numbers.Integral):  # int and bool; a float among ints makes float32
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _collate_mapping(elem, batch)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        return _collate_sequence(elem, batch)
    raise TypeError(_UNSUPPORTED.format(type(elem)))


def _stack_tensors(batch):
    shapes = [t.shape for t in batch]
    if len(set(shapes)) > 1:
        raise RuntimeError(f"default_collate: the samples' tensors must all have one shape to "
                           f"be stacked, got {_first_mismatch(shapes)}; pad them to one length "
                           f"in a collate_fn of your own")
    return stack(batch, dim=0)


def _first_mismatch(shapes):
    index = next(i for i, shape in enumerate(shapes) if shape != shapes[0])
    return f"{shapes[0]} at sample 0 and {shapes[index]} at sample {index}"


def _collate_mapping(elem, batch):
    fields = {key: default_collate([sample[key] for sample in batch]) for key in elem}
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)  # keeps the mapping's type (an OrderedDict, ...)
            clone.update(fields)
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields


def _collate_sequence(elem, batch):
    sizes = [len(sample) for sample in batch]
    if len(set(sizes)) > 1:
        raise RuntimeError(f"default_collate: each sample must have the same number of "
                           f"elements, got sizes {sizes}")
    fields = [default_collate(field) for field in zip(*batch)]
    if isinstance(elem, tuple):
        return fields  # PyTorch returns a list for tuples, e.g. [inputs, labels]
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            clone[:] = fields
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields
