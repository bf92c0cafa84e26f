"""Stateless functions for networks: layers, losses and activations, as ``torch.nn.functional``.

The losses are written to stay finite at extreme logits (±1000): cross-entropy goes
through log-softmax, and the logistic loss through its softplus form.
"""
from .. import ops
from ..ops import dropout, log_softmax, one_hot, softmax  # noqa: F401 - re-exported
from ..tensor import Tensor, from_op

_REDUCTIONS = ("mean", "sum", "none")


def linear(input, weight, bias=None):  # noqa: A002 - PyTorch's name
    """y = x Wᵀ + b, with W shaped (out_features, in_features)."""
    out = input @ weight.T
    return out if bias is None else out + bias


def embedding(input, weight, padding_idx=None):  # noqa: A002
    """Rows of ``weight`` picked by the integer ``input``: out[p] = weight[input[p]].

    dL/dweight[i] = Σ dL/dout[p] over the positions p with input[p] = i, except for the
    row ``padding_idx`` (if given; negative counts from the end), which gets no gradient.
    """
    indices = input.array if isinstance(input, Tensor) else weight.xp.asarray(input)
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= weight.shape[0]):
        raise IndexError(f"embedding: indices must lie in [0, {weight.shape[0]}), got values "
                         f"from {int(indices.min())} to {int(indices.max())}")
    rows = weight[indices]
    if padding_idx is None:
        return rows
    padding_idx = _padding_row(padding_idx, weight.shape[0])
    at_padding = weight.xp.expand_dims(indices == padding_idx, -1)
    return ops.where(at_padding, weight.detach()[padding_idx], rows)  # read outside the graph


def _padding_row(padding_idx, num_embeddings):
    """``padding_idx`` as a row number in [0, num_embeddings), or a ValueError."""
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, int) \
            or not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"padding_idx must be an integer from {-num_embeddings} to "
                         f"{num_embeddings - 1} (num_embeddings is {num_embeddings}), "
                         f"got {padding_idx!r}")
    return padding_idx % num_embeddings


def _reduce(loss, reduction, count=None):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (loss.numel() if count is None else count)


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def nll_loss(input, target, ignore_index=-100, reduction="mean"):  # noqa: A002
    """Negative log-likelihood of class indices: ℓ_n = -input[n, target_n].

    ``input`` holds log-probabilities shaped (N, C) (or (N, C, d1, ...) with target
    (N, d1, ...)). Positions whose target is ``ignore_index`` count for nothing, and the
    mean is over the others.    dℓ_n/d input[n, c] = -1 if c = target_n else 0.
    """
    _check_reduction(reduction)
    if input.ndim == 1:  # one unbatched sample: input (C,), target ()
        input = input.reshape(1, -1)
    if input.ndim > 2:  # move the class dimension last and flatten the rest
        classes = input.shape[1]
        input = input.permute(0, *range(2, input.ndim), 1).reshape(-1, classes)
    labels = target.array if isinstance(target, Tensor) else input.xp.asarray(target)
    shape = labels.shape
    labels = labels.reshape(-1)
    if input.ndim != 2 or labels.shape[0] != input.shape[0]:
        raise ValueError(f"nll_loss: input of shape {input.shape} does not match target of "
                         f"shape {tuple(shape)}")
    xp = input.xp
    keep = labels != ignore_index
    safe = xp.where(keep, labels, 0)
    if keep.any() and (int(safe.min()) < 0 or int(safe.max()) >= input.shape[1]):
        raise IndexError(f"nll_loss: target values must lie in [0, {input.shape[1]}) "
                         f"(or be ignore_index={ignore_index}), got {int(safe.min())} to "
                         f"{int(safe.max())}")
    rows = xp.arange(labels.shape[0])
    picked = -input.array[rows, safe] * keep

    def nll_backward(g):
        grad = xp.zeros(input.shape, dtype=input.dtype)
        grad[rows, safe] = -g * keep
        return (grad,)
    loss = from_op(picked.astype(input.dtype), (input,), nll_backward, name="nll_loss")
    loss = loss.reshape(shape)
    return _reduce(loss, reduction, count=int(keep.sum()))


def cross_entropy(input, target, ignore_index=-100, reduction="mean"):  # noqa: A002
    """Softmax cross-entropy with class indices: ℓ_n = logsumexp(x_n) - x_n[target_n].
    d ℓ_n / d x_n = softmax(x_n) - one_hot(target_n)."""
    return nll_loss(log_softmax(input, dim=1 if input.ndim > 1 else 0), target,
                    ignore_index=ignore_index, reduction=reduction)


def mse_loss(input, target, reduction="mean"):  # noqa: A002
    """Mean squared error: ℓ = (x - y)²."""
    _check_reduction(reduction)
    if isinstance(target, Tensor) and target.shape != input.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} and target shape "
                         f"{target.shape} differ")
    diff = input - target
    return _reduce(diff * diff, reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):  # noqa: A002
    """Logistic loss on logits x with targets t in [0, 1]:

        ℓ = -t log σ(x) - (1 - t) log(1 - σ(x)) = max(x, 0) - x t + log(1 + e^-|x|)

    (the second form never overflows).    dℓ/dx = σ(x) - t,   dℓ/dt = -x.
    """
    _check_reduction(reduction)
    target = target if isinstance(target, Tensor) else Tensor(input.xp.asarray(target, dtype=input.dtype))
    if target.shape != input.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: input shape {input.shape} and "
                         f"target shape {target.shape} differ")
    xp, x, t = input.xp, input.array, target.array
    loss = xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))
    probability = ops.sigmoid(Tensor(x)).array

    def bce_backward(g):
        return g * (probability - t), (-g * x if target.requires_grad else None)
    return _reduce(from_op(loss, (input, target), bce_backward,
                           name="binary_cross_entropy_with_logits"), reduction)
