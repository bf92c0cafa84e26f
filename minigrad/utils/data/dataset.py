"""Datasets: anything with ``len(dataset)`` and ``dataset[i]``, as in ``torch.utils.data``.

A plain list of samples is already a dataset. ``TensorDataset`` pairs tensors up row by
row, ``Subset`` picks some of a dataset's samples, and ``random_split`` deals a dataset
out into disjoint random subsets that cover it (a training and a validation set).
"""
import itertools
import math
import numbers
import warnings

from ...creation import randperm
from ...tensor import Tensor


class Dataset:
    """The base of map-style datasets: a subclass defines ``__getitem__(index)``, which
    returns one sample, and ``__len__``, the number of samples."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index), "
                                  f"which returns one sample")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__, the number "
                                  f"of samples")


class TensorDataset(Dataset):
    """Sample i is ``(tensors[0][i], tensors[1][i], ...)``: the tensors' first dimension
    runs over the samples, so it must be the same size in all of them."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for position, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset takes minigrad Tensors; argument {position} is "
                                f"a {type(t).__name__} (wrap it in minigrad.tensor(...))")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {position} is 0-d, so it has no first "
                                 f"dimension to index samples by")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: the tensors' first dimensions must be equal (one "
                             f"row per sample), got sizes {sizes} for shapes "
                             f"{[t.shape for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``subset[i]`` is
    ``dataset[indices[i]]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Deal ``dataset`` out at random into disjoint ``Subset``s of the given ``lengths``,
    which together cover it.

    ``lengths`` are counts that add up to ``len(dataset)``, or fractions that add up to 1.
    Fractions become counts as in PyTorch: each split gets ``floor(fraction * len(dataset))``
    samples, and the samples left over go one each to the first splits, round robin
    (``[0.85, 0.15]`` of 17 samples gives 15 and 2). The order is one permutation drawn
    from ``generator`` (a ``minigrad.Generator``), or from minigrad's seeded generator.
    """
    lengths = list(lengths)
    for position, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, numbers.Real):
            raise TypeError(f"random_split: lengths must be counts or fractions, but length "
                            f"{position} is {length!r}")
        if length < 0:
            raise ValueError(f"random_split: length {position} is {length}; lengths must not "
                             f"be negative")
    total = len(dataset)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _counts_from_fractions(lengths, total)
    for position, length in enumerate(lengths):
        if not isinstance(length, numbers.Integral):
            raise ValueError(f"random_split: length {position} is {length}, not a whole count; "
                             f"give counts that add up to {total}, or fractions that add up "
                             f"to 1 (these add up to {sum(lengths)})")
    if sum(lengths) != total:
        raise ValueError(f"random_split: the lengths {lengths} add up to {sum(lengths)}, but the "
                         f"dataset has {total} samples; give counts that add up to {total}, "
                         f"or fractions that add up to 1")
    order = randperm(total, generator=generator).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, order[end - length:end]) for end, length in zip(ends, lengths)]


def _counts_from_fractions(fractions, total):
    """PyTorch's rule: floor each share, then hand out the remainder round robin."""
    for position, fraction in enumerate(fractions):
        if fraction > 1:
            raise ValueError(f"random_split: fraction {position} is {fraction}, not between "
                             f"0 and 1")
    counts = [math.floor(total * fraction) for fraction in fractions]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    for position, count in enumerate(counts):
        if count == 0:
            warnings.warn(f"random_split: split {position} is empty (fraction "
                          f"{fractions[position]} of {total} samples)", stacklevel=3)
    return counts
