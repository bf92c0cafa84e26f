"""Datasets and batches, with ``torch.utils.data``'s names: a training loop written for
PyTorch's DataLoader runs unchanged.

A dataset is anything with ``len(dataset)`` and ``dataset[i]`` (a list of samples will
do); a ``DataLoader`` serves it as batches, shuffled anew each epoch if asked:

    >>> import minigrad
    >>> from minigrad.utils.data import DataLoader, TensorDataset, random_split
    >>> inputs = minigrad.randn(10, 7, 3)                   # 10 sequences of 7 steps
    >>> labels = minigrad.tensor([0, 1] * 5)                  # one class each
    >>> train_set, val_set = random_split(TensorDataset(inputs, labels), [0.8, 0.2])
    >>> len(train_set), len(val_set)
    (8, 2)
    >>> loader = DataLoader(train_set, batch_size=3, shuffle=True)
    >>> [(x.shape, y.shape) for x, y in loader]              # one epoch: 3 + 3 + 2 samples
    [((3, 7, 3), (3,)), ((3, 7, 3), (3,)), ((2, 7, 3), (2,))]

With ``shuffle=True`` each epoch's order comes from ``generator=minigrad.Generator()
.manual_seed(seed)``, or from minigrad's global generator (``minigrad.manual_seed``).
"""
from .collate import default_collate
from .dataloader import DataLoader
from .dataset import Dataset, Subset, TensorDataset, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate",
           "random_split"]
