"""Gradient clipping, as ``torch.nn.utils``: keep one bad batch from wrecking training.

Recurrent networks are prone to exploding gradients (Pascanu et al., 2013). Call one
of these between ``loss.backward()`` and ``optimizer.step()``::

    loss.backward()
    minigrad.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
"""
import math

import numpy

from ...backend import get_array_module
from ...creation import tensor
from ...tensor import Tensor


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    r"""Scale all gradients together so that their joint norm is at most ``max_norm``.

    The joint norm is the p-norm (p = ``norm_type``, ``inf`` for the largest absolute
    value) of all gradients as if joined into one vector; it equals the norm of the
    per-parameter norms. Every gradient is then multiplied, in place, by::

        coef = min(max_norm / (total_norm + 1e-6), 1)

    Returns ``total_norm`` (a 0-d Tensor), measured before clipping. A NaN or infinite
    norm raises a RuntimeError when ``error_if_nonfinite``; otherwise, as in PyTorch,
    the gradients are scaled by the resulting coefficient all the same.
    """
    grads = [p.grad.array for p in _as_list(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return tensor(0.0)
    xp = get_array_module(grads[0])
    total_norm = _total_norm(xp, grads, norm_type)
    if error_if_nonfinite and not math.isfinite(float(total_norm)):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is "
                           f"{float(total_norm)}, so they can't be clipped; pass "
                           f"error_if_nonfinite=False to scale them by it anyway")
    coef = xp.minimum(float(max_norm) / (total_norm + 1e-6), 1.0)
    with numpy.errstate(invalid="ignore"):  # inf * 0 is NaN, as in torch, without a warning
        for g in grads:
            g *= coef.astype(g.dtype)
    return Tensor(total_norm)


def grad_norm(parameters, norm_type=2.0):
    """The joint ``norm_type``-norm of all gradients, as ``clip_grad_norm_`` measures it,
    leaving the gradients as they are (a 0-d Tensor; 0 when no parameter has a gradient).
    Training records it at every logged step, before any clipping."""
    grads = [p.grad.array for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return tensor(0.0)
    return Tensor(_total_norm(get_array_module(grads[0]), grads, float(norm_type)))


def _total_norm(xp, grads, norm_type):
    """‖(‖g_1‖, ‖g_2‖, ...)‖: the norm of the per-gradient norms, which equals the norm
    of all gradients joined into one vector."""
    norms = xp.stack([_vector_norm(xp, g, norm_type) for g in grads])
    return _vector_norm(xp, norms, norm_type)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient, in place, to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            get_array_module(p.grad.array).clip(p.grad.array, -clip_value, clip_value,
                                               out=p.grad.array)


def _vector_norm(xp, array, p):
    """The p-norm of all the elements of ``array`` (a 0-d array of its dtype)."""
    values = array.ravel()
    if p == math.inf:
        result = xp.abs(values).max()
    elif p == -math.inf:
        result = xp.abs(values).min()
    elif p == 0:
        result = (values != 0).sum().astype(values.dtype)
    elif p == 2:
        result = xp.sqrt(xp.sum(values * values))
    else:
        result = xp.sum(xp.abs(values) ** p) ** (1 / p)
    return xp.asarray(result, dtype=values.dtype)


def _as_list(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)
