"""``DataLoader``: a dataset served as batches, in order or shuffled anew each epoch."""
import math
import numbers

from ... import random
from .collate import default_collate


class DataLoader:
    """Batches of ``batch_size`` samples of ``dataset``, made by ``collate_fn``.

    Each ``for batch in loader`` is one epoch, which visits every sample once: in the
    dataset's order, or, with ``shuffle=True``, in a new random order drawn at the start
    of the epoch from ``generator`` (a ``minigrad.Generator``) or, when it is None, from
    minigrad's global generator, so ``minigrad.manual_seed`` fixes the orders.
    The last batch is smaller when ``batch_size`` does not divide ``len(dataset)``;
    ``drop_last=True`` leaves it out. ``len(loader)`` is the number of batches.

    ``collate_fn(list_of_samples)`` makes one batch; the default, ``default_collate``,
    stacks tensors and turns numbers into tensors, as PyTorch's does. ``num_workers`` and
    ``pin_memory`` are accepted so PyTorch code runs unchanged, but samples are always
    loaded in this process: the batches are the same either way.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None,
                 collate_fn=None, num_workers=0, pin_memory=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"batch_size={batch_size!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative integer, got "
                             f"num_workers={num_workers!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be a function of a list of samples, "
                            f"got {collate_fn!r}")
        random.numpy_generator(generator)  # a wrong kind of generator is refused now
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn or default_collate
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)

    def __len__(self):
        samples = len(self.dataset)
        if self.drop_last:
            return samples // self.batch_size
        return math.ceil(samples / self.batch_size)

    def __iter__(self):
        order = self._epoch_order()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            yield self.collate_fn([self.dataset[i] for i in indices])

    def _epoch_order(self):
        """The indices of one epoch's samples, in the order they are served."""
        samples = len(self.dataset)
        if not self.shuffle:
            return range(samples)
        return random.numpy_generator(self.generator).permutation(samples).tolist()
