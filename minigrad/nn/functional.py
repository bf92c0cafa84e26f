"""Stateless functions for networks: layers, losses and activations, as ``torch.nn.functional``.

The losses are written to stay finite at extreme logits (±1000): cross-entropy goes
through log-softmax, and the logistic loss through its softplus form.

The signatures are PyTorch's, less the losses' deprecated ``size_average`` and
``reduce``. So that no call written for PyTorch binds an argument to the wrong name, a
loss's arguments after ``weight`` (after ``target`` where it has no weight) are
keyword-only: ``F.cross_entropy(x, y, w, ignore_index=0)``. Where PyTorch takes
``inplace=``, it is accepted but the result is a new tensor all the same (changing a
tensor of the graph in place would corrupt its gradients), so use the returned tensor,
as ``x = F.relu(x, inplace=True)`` does.
"""
import math
import warnings

import numpy

from .. import ops
from ..ops import dropout, one_hot, sigmoid, tanh  # noqa: F401 - re-exported
from ..ops.activation import gelu, softplus  # noqa: F401 - re-exported
from ..tensor import Tensor, from_op

_REDUCTIONS = ("mean", "sum", "none")


def linear(input, weight, bias=None):  # noqa: A002 - PyTorch's name
    """y = x Wᵀ + b, with W shaped (out_features, in_features).

    One op, one graph node (PyTorch's addmm): the leading dimensions of x fold into
    the rows of one 2-D product, and with g = dL/dy as rows,
    dL/dx = g W,   dL/dW = gᵀ x,   dL/db = Σ g over the rows.
    """
    for name, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise TypeError(f"linear: {name} must be a Tensor, got {type(value).__name__}")
    if not _plain_linear(input, weight, bias):  # matmul and add check and explain the rest
        out = input @ weight.T
        return out if bias is None else out + bias
    out_features, in_features = weight.shape
    rows = math.prod(input.shape[:-1])  # not -1: that can't be inferred for 0 rows
    x_rows = input.array.reshape(rows, in_features)
    out = x_rows @ weight.array.T
    if bias is not None:
        out += bias.array
    w = weight.array

    def linear_backward(g):
        g_rows = g.reshape(rows, out_features)
        gx = (g_rows @ w).reshape(input.shape) if input.requires_grad else None
        gw = g_rows.T @ x_rows if weight.requires_grad else None
        if bias is None:
            return gx, gw
        return gx, gw, (g_rows.sum(axis=0) if bias.requires_grad else None)
    parents = (input, weight) if bias is None else (input, weight, bias)
    return from_op(out.reshape(input.shape[:-1] + (out_features,)), parents, linear_backward,
                   name="linear")


def _plain_linear(input, weight, bias):
    """Whether ``linear`` is the common case: a 2-D weight that fits the input, a bias of
    one value per output (or none), one dtype and one device."""
    if input.ndim == 0 or weight.ndim != 2 or input.shape[-1] != weight.shape[1] \
            or input.dtype != weight.dtype or input.device != weight.device:
        return False
    return bias is None or (isinstance(bias, Tensor) and bias.shape == weight.shape[:1]
                            and bias.dtype == weight.dtype and bias.device == weight.device)


def embedding(input, weight, padding_idx=None):  # noqa: A002
    """Rows of ``weight`` picked by the integer ``input``: out[p] = weight[input[p]].

    dL/dweight[i] = Σ dL/dout[p] over the positions p with input[p] = i, except for the
    row ``padding_idx`` (if given; negative counts from the end), which gets no gradient.
    """
    indices = input.array if isinstance(input, Tensor) else weight.xp.asarray(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
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


def _reduce(loss, reduction, denominator=None):
    """The loss as asked: each element ("none"), their sum, or their mean, which divides
    by ``denominator`` when given (the weight of the targets that count)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (loss.numel() if denominator is None else denominator)


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _check_label_smoothing(label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")


def _constant(value, like, name, what):
    """``value`` (a Tensor or array-like) as an array of ``like``'s dtype and device: a
    weight the loss is not differentiated by, as in PyTorch."""
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise ValueError(f"{name}: {what} must not require grad: the loss is not "
                             f"differentiable with respect to it (as in PyTorch)")
        if value.device != like.device:
            raise RuntimeError(f"{name}: {what} is on {value.device} but the input is on "
                               f"{like.device}")
        value = value.array
    return like.xp.asarray(value, dtype=like.dtype)


def _class_weights(weight, input, classes, name):
    """The per-class weights as an array of shape (C,), or None."""
    if weight is None:
        return None
    weight = _constant(weight, input, name, "weight")
    if weight.shape != (classes,):
        raise ValueError(f"{name}: weight must hold one value per class, shape ({classes},), "
                         f"got shape {tuple(weight.shape)}")
    return weight


def _labels(target, input, name, probabilities=False):
    """``target`` as an integer array of class indices; None if it holds floats and
    ``probabilities`` (class probabilities) are allowed. Any other target is refused."""
    labels = target.array if isinstance(target, Tensor) else input.xp.asarray(target)
    if labels.dtype.kind in "iu":
        return labels
    if labels.dtype.kind == "f" and probabilities:
        return None
    allowed = "class indices (integers) or class probabilities (floats)" if probabilities \
        else "class indices (integers)"
    raise TypeError(f"{name}: target must hold {allowed}, got dtype {labels.dtype}")


def _as_rows(input, labels, name):
    """The scores as rows (M, C), one per position, with the M labels that go with them.

    ``input`` is (C,) for one sample, (N, C), or (N, C, d1, ...) with the class dimension
    second; ``labels`` must then be (), (N,) or (N, d1, ...).
    """
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d tensor")
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if tuple(labels.shape) != expected:
        raise ValueError(f"{name}: input of shape {input.shape} needs a target of class "
                         f"indices of shape {expected}, got {tuple(labels.shape)}")
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if input.ndim > 2:  # move the class dimension last, then one row per position
        input = input.permute(0, *range(2, input.ndim), 1)
    return input.reshape(-1, classes), labels.reshape(-1)


def _picked(rows, labels, weight, ignore_index, name):
    """-w[y_m] rows[m, y_m] for every row m, 0 where y_m is ``ignore_index``; and the
    weight w[y_m] that each row carries (0 where ignored), which a mean divides by.

    d/d rows[m, c] = -w[y_m] where c = y_m, else 0.
    """
    xp = rows.xp
    keep = labels != ignore_index
    safe = xp.where(keep, labels, 0)
    classes = rows.shape[1]
    if keep.any() and (int(safe.min()) < 0 or int(safe.max()) >= classes):
        raise IndexError(f"{name}: target values must lie in [0, {classes}) "
                         f"(or be ignore_index={ignore_index}), got {int(safe.min())} to "
                         f"{int(safe.max())}")
    carried = keep.astype(rows.dtype) if weight is None else weight[safe] * keep
    positions = xp.arange(labels.shape[0])

    def picked_backward(g):
        grad = xp.zeros(rows.shape, dtype=rows.dtype)
        grad[positions, safe] = -g * carried
        return (grad,)
    picked = (-rows.array[positions, safe] * carried).astype(rows.dtype, copy=False)
    return from_op(picked, (rows,), picked_backward, name="nll_loss"), carried


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):  # noqa: A002
    """Negative log-likelihood of class indices: ℓ_n = -w[y_n] input[n, y_n].

    ``input`` holds log-probabilities shaped (N, C), (C,) for one sample, or
    (N, C, d1, ...) with target (N, d1, ...). ``weight`` (C,) weighs each class (1 by
    default). Positions whose target is ``ignore_index`` count for nothing, and the mean
    divides by the total weight of the others, Σ w[y_n] (their number when unweighted).
    dℓ_n/d input[n, c] = -w[y_n] if c = y_n else 0.
    """
    _check_reduction(reduction)
    labels = _labels(target, input, "nll_loss")
    rows, flat = _as_rows(input, labels, "nll_loss")
    weight = _class_weights(weight, input, rows.shape[1], "nll_loss")
    losses, carried = _picked(rows, flat, weight, ignore_index, "nll_loss")
    return _reduce(losses.reshape(labels.shape), reduction, float(carried.sum()))


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",  # noqa: A002
                  label_smoothing=0.0):
    """Softmax cross-entropy against class indices y, with log-probabilities
    z = log_softmax(x) over the C classes, class weights w (1 by default) and
    ε = ``label_smoothing``:

        ℓ_n = (1 - ε) (-w[y_n] z_n[y_n]) + (ε/C) Σ_c (-w_c z_n[c]),

    and 0 where y_n is ``ignore_index``. The mean divides both terms by Σ w[y_n] over the
    positions that count (PyTorch's rule). The target may instead hold class
    probabilities p, shaped like ``input``: then ℓ_n = -Σ_c w_c p'_n[c] z_n[c] with
    p' = (1 - ε) p + ε/C, and the mean divides by the number of positions. Shapes are as
    in ``nll_loss``. Without weights or smoothing, dℓ_n/dx_n = softmax(x_n) - one_hot(y_n).
    """
    _check_reduction(reduction)
    _check_label_smoothing(label_smoothing)
    class_dim = 1 if input.ndim > 1 else 0
    log_probs = ops.log_softmax(input, dim=class_dim)
    labels = _labels(target, input, "cross_entropy", probabilities=True)
    if labels is None:
        return _soft_cross_entropy(log_probs, target, weight, ignore_index, reduction,
                                   label_smoothing, class_dim)
    rows, flat = _as_rows(log_probs, labels, "cross_entropy")
    classes = rows.shape[1]
    weight = _class_weights(weight, input, classes, "cross_entropy")
    losses, carried = _picked(rows, flat, weight, ignore_index, "cross_entropy")
    if label_smoothing:
        weighted = rows if weight is None else rows * Tensor(weight)
        kept = Tensor((flat != ignore_index).astype(rows.dtype))
        uniform = -weighted.sum(dim=1) * kept  # the loss against the uniform distribution
        losses = (1 - label_smoothing) * losses + (label_smoothing / classes) * uniform
    return _reduce(losses.reshape(labels.shape), reduction, float(carried.sum()))


def _soft_cross_entropy(log_probs, target, weight, ignore_index, reduction, label_smoothing,
                        class_dim):
    """cross_entropy against class probabilities ``target``, shaped like the input."""
    probabilities = target if isinstance(target, Tensor) else Tensor(
        log_probs.xp.asarray(target, dtype=log_probs.dtype))
    if probabilities.shape != log_probs.shape:
        raise ValueError(f"cross_entropy: a target of class probabilities (floats) must "
                         f"have the input's shape {log_probs.shape}, got "
                         f"{probabilities.shape}; class indices must be integers")
    if ignore_index >= 0:
        raise ValueError(f"cross_entropy: ignore_index ({ignore_index}) cannot be used with "
                         f"a target of class probabilities")
    classes = log_probs.shape[class_dim]
    if label_smoothing:
        probabilities = (1 - label_smoothing) * probabilities + label_smoothing / classes
    terms = log_probs * probabilities
    weight = _class_weights(weight, log_probs, classes, "cross_entropy")
    if weight is not None:  # shaped (C, 1, ..., 1) to broadcast along the class dimension
        trailing = log_probs.ndim - 1 - class_dim
        terms = terms * Tensor(weight.reshape((classes,) + (1,) * trailing))
    return _reduce(-terms.sum(dim=class_dim), reduction)


def mse_loss(input, target, *, reduction="mean"):  # noqa: A002
    """Mean squared error: ℓ = (x - y)²."""
    _check_reduction(reduction)
    if isinstance(target, Tensor) and target.shape != input.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} and target shape "
                         f"{target.shape} differ")
    diff = input - target
    return _reduce(diff * diff, reduction)


def _broadcast_constant(value, input, name, what):
    """``value`` as an array that broadcasts to ``input``'s shape, or None."""
    if value is None:
        return None
    value = _constant(value, input, name, what)
    try:
        fits = numpy.broadcast_shapes(value.shape, input.shape) == input.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {what} of shape {tuple(value.shape)} does not broadcast "
                         f"to the input's shape {input.shape}")
    return value


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",  # noqa: A002
                                     pos_weight=None):
    """Logistic loss on logits x against targets t in [0, 1], with weights w and p
    (``pos_weight``) weighing the positive term:

        ℓ = -w [p t log σ(x) + (1 - t) log(1 - σ(x))] = w [(1 - t) x + (1 + (p - 1) t) s],
        s = log(1 + e^-x) = max(-x, 0) + log(1 + e^-|x|)   (which never overflows).

    w and p broadcast to the input's shape; the mean is over all elements.
    dℓ/dx = w [(1 + (p - 1) t) σ(x) - p t],   dℓ/dt = w [(p - 1) s - x]
    (σ(x) - t and -x when w = p = 1).
    """
    name = "binary_cross_entropy_with_logits"
    _check_reduction(reduction)
    if not isinstance(target, Tensor):
        target = Tensor(input.xp.asarray(target, dtype=input.dtype))
    if target.shape != input.shape:
        raise ValueError(f"{name}: input shape {input.shape} and target shape "
                         f"{target.shape} differ")
    weight = _broadcast_constant(weight, input, name, "weight")
    pos_weight = _broadcast_constant(pos_weight, input, name, "pos_weight")
    xp, x, t = input.xp, input.array, target.array
    softplus_of_minus_x = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
    log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
    loss = (1 - t) * x + log_weight * softplus_of_minus_x
    w = 1 if weight is None else weight

    def bce_backward(g):
        probability = ops.sigmoid(Tensor(x)).array
        positive = t if pos_weight is None else pos_weight * t
        grad_x = g * w * (log_weight * probability - positive)
        if not target.requires_grad:
            return grad_x, None
        grad_t = -x if pos_weight is None else (pos_weight - 1) * softplus_of_minus_x - x
        return grad_x, g * w * grad_t
    return _reduce(from_op((loss * w).astype(input.dtype, copy=False), (input, target),
                           bce_backward, name=name), reduction)


# --------------------------------------------------------------------------- activations
def relu(input, inplace=False):  # noqa: A002 - PyTorch's names
    """max(x, 0), elementwise, as ``minigrad.relu``. (With ``inplace=True`` too, the
    result is a new tensor.)"""
    return ops.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """x where x > 0, else negative_slope · x, as ``minigrad.ops.leaky_relu`` (the result
    is a new tensor, whatever ``inplace`` says)."""
    return ops.leaky_relu(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    """x where x > 0, else α (e^x - 1), as ``minigrad.ops.elu`` (the result is a new
    tensor, whatever ``inplace`` says)."""
    return ops.elu(input, alpha)


def silu(input, inplace=False):  # noqa: A002
    """x σ(x), as ``minigrad.ops.silu`` (the result is a new tensor, whatever ``inplace``
    says)."""
    return ops.silu(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    """x clipped to [min_val, max_val], with no gradient at the edges, as
    ``minigrad.ops.hardtanh`` (the result is a new tensor, whatever ``inplace`` says)."""
    return ops.hardtanh(input, min_val, max_val)


def _implicit_softmax_dim(name, ndim, stacklevel):
    """PyTorch's old choice of dimension for a softmax called without one, and its warning."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``minigrad.softmax`` along ``dim``, first converting the input to ``dtype`` if given.

    Without ``dim``, PyTorch's deprecated implicit choice, with its warning: dimension 0
    for a 0-, 1- or 3-d input, else 1.
    """
    if dim is None:
        dim = _implicit_softmax_dim("softmax", input.ndim, _stacklevel)
    return ops.softmax(input if dtype is None else input.to(dtype), dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``minigrad.log_softmax`` along ``dim``, first converting the input to ``dtype`` if
    given. Without ``dim``, PyTorch's implicit choice, as in ``softmax``."""
    if dim is None:
        dim = _implicit_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return ops.log_softmax(input if dtype is None else input.to(dtype), dim)
