"""softmax and log_softmax, written so that logits of ±1000 neither overflow nor give NaN."""
from ..tensor import from_op
from .common import numpy_names, one_dim


@numpy_names
def softmax(x, dim=-1):
    """y_i = e^(x_i - m) / Σ_j e^(x_j - m), m = max x.    dL/dx = y ⊙ (g - Σ g ⊙ y)."""
    axis = one_dim(dim, x.ndim, "softmax")
    e = x.xp.exp(x.array - x.array.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)

    def softmax_backward(g):
        return (y * (g - (g * y).sum(axis=axis, keepdims=True)),)
    return from_op(y, (x,), softmax_backward, name="softmax")


@numpy_names
def log_softmax(x, dim=-1):
    """y = x - logsumexp(x).    dL/dx = g - softmax(x) · Σ g."""
    axis = one_dim(dim, x.ndim, "log_softmax")
    shifted = x.array - x.array.max(axis=axis, keepdims=True)
    e = x.xp.exp(shifted)
    s = e.sum(axis=axis, keepdims=True)
    y = shifted - x.xp.log(s)

    def log_softmax_backward(g):
        return (g - (e / s) * g.sum(axis=axis, keepdims=True),)
    return from_op(y, (x,), log_softmax_backward, name="log_softmax")
