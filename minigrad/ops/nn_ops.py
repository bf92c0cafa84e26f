"""Ops that belong to networks rather than to arithmetic: one_hot and dropout."""
from .. import backend, checks, dtypes, random
from ..tensor import Tensor, from_op


def one_hot(indices, num_classes=-1):
    """Class indices of any shape -> int64 tensor with a trailing one-hot dimension."""
    data = indices.array if isinstance(indices, Tensor) else backend.xp_for("cpu").asarray(indices)
    xp = backend.get_array_module(data)
    if data.dtype.kind not in "iu":
        raise TypeError(f"one_hot expects integer class indices, got dtype {data.dtype}")
    if num_classes == -1:
        num_classes = int(data.max()) + 1 if data.size else 0
    if data.size and (int(data.min()) < 0 or int(data.max()) >= num_classes):
        raise ValueError(f"one_hot: class indices must lie in [0, {num_classes}), got values "
                         f"from {int(data.min())} to {int(data.max())}")
    checks.fits((*data.shape, num_classes), "one_hot's result")
    return Tensor((data[..., None] == xp.arange(num_classes)).astype(dtypes.int64))


def dropout(x, p=0.5, training=True):
    """Zero each element with probability ``p`` and scale the rest by 1/(1 - p), so the
    expected value is unchanged. The identity when ``training`` is False or p = 0."""
    p = checks.probability(p, "dropout probability")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    keep = random.generator().random(x.shape) >= p
    mask = backend.to_device(keep.astype(x.dtype) / (1 - p), x.device).astype(x.dtype)
    return from_op(x.array * mask, (x,), lambda g: (g * mask,), name="dropout")
