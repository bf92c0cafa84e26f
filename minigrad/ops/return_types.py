"""The named tuples that ops with two results return, as ``torch.return_types``:
``values, indices = x.max(dim=1)``, or ``x.max(dim=1).indices``."""
from collections import namedtuple

max = namedtuple("max", ["values", "indices"])  # noqa: A001 - PyTorch's names
min = namedtuple("min", ["values", "indices"])  # noqa: A001
sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])
