"""Element-by-element functions, each with its derivative beside it, and comparisons."""
import numpy

from .. import dtypes
from ..tensor import Tensor, from_op
from .common import as_tensor, numeric_array, operands, unbroadcast


def exp(x):
    """e^x.          d/dx = e^x."""
    y = x.xp.exp(x.array)
    return from_op(y, (x,), lambda g: (g * y,), name="exp")


def log(x):
    """ln x.         d/dx = 1/x."""
    return from_op(x.xp.log(x.array), (x,), lambda g: (g / x.array,), name="log")


def sqrt(x):
    """√x.           d/dx = 1/(2√x)."""
    y = x.xp.sqrt(x.array)
    return from_op(y, (x,), lambda g: (g / (2 * y),), name="sqrt")


def abs(x):  # noqa: A001 - Tensor.abs
    """|x|.          d/dx = sign(x)  (0 at 0)."""
    return from_op(x.xp.abs(x.array), (x,), lambda g: (g * x.xp.sign(x.array),),
                   name="abs")


def tanh(x):
    """tanh x.       d/dx = 1 - tanh²x."""
    y = x.xp.tanh(x.array)
    return from_op(y, (x,), lambda g: (g * (1 - y * y),), name="tanh")


def sin(x):
    """sin x.        d/dx = cos x."""
    return from_op(x.xp.sin(x.array), (x,), lambda g: (g * x.xp.cos(x.array),), name="sin")


def cos(x):
    """cos x.        d/dx = -sin x."""
    return from_op(x.xp.cos(x.array), (x,), lambda g: (-g * x.xp.sin(x.array),), name="cos")


def sinh(x):
    """sinh x = (e^x - e^-x)/2.    d/dx = cosh x."""
    return from_op(x.xp.sinh(x.array), (x,), lambda g: (g * x.xp.cosh(x.array),), name="sinh")


def cosh(x):
    """cosh x = (e^x + e^-x)/2.    d/dx = sinh x."""
    return from_op(x.xp.cosh(x.array), (x,), lambda g: (g * x.xp.sinh(x.array),), name="cosh")


def sigmoid(x):
    """σ(x) = 1/(1 + e^-x).    d/dx = σ(x)(1 - σ(x)).

    Computed from e^-|x| so that neither tail overflows.
    """
    xp = x.xp
    e = xp.exp(-xp.abs(x.array))
    y = xp.where(x.array >= 0, 1 / (1 + e), e / (1 + e))
    return from_op(y, (x,), lambda g: (g * y * (1 - y),), name="sigmoid")


def relu(x):
    """max(x, 0).    d/dx = 1 where x > 0, else 0."""
    positive = x.array > 0
    return from_op(x.array * positive, (x,), lambda g: (g * positive,), name="relu")


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's names
    """x limited to [min, max].    d/dx = 1 inside the range, 0 where clipped."""
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min and max")
    lo = -x.xp.inf if min is None else _bound(min, x, "min")
    hi = x.xp.inf if max is None else _bound(max, x, "max")
    inside = (x.array >= lo) & (x.array <= hi)
    y = x.xp.clip(x.array, lo, hi).astype(x.dtype, copy=False)
    return from_op(y, (x,), lambda g: (g * inside,), name="clamp")


def _bound(value, x, name):
    """A bound of clamp as an array: a number, an array or a Tensor, taken as constant."""
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise ValueError(f"clamp: {name} is a tensor that requires grad, but clamp's "
                             f"bounds are constants; use maximum/minimum for a gradient "
                             f"that reaches them")
        bound = value.array
    else:
        bound = numeric_array(x.xp, value, f"clamp: {name}")
    if bound.dtype.kind == "c":  # clip would drop the imaginary part with only a warning
        raise TypeError(f"clamp: {name} must be real, got the complex {value!r}")
    return bound


def maximum(a, b):
    """Elementwise max. The gradient goes to the larger input (split evenly on ties)."""
    return _select_larger(a, b, "maximum", sign=1)


def minimum(a, b):
    """Elementwise min. The gradient goes to the smaller input (split evenly on ties)."""
    return _select_larger(a, b, "minimum", sign=-1)


def _select_larger(a, b, name, sign):
    a, b = operands(a, b, name)
    xp = a.xp
    out = xp.maximum(a.array, b.array) if sign > 0 else xp.minimum(a.array, b.array)
    share_a = xp.where(a.array * sign > b.array * sign, 1.0,
                       xp.where(a.array == b.array, 0.5, 0.0)).astype(out.dtype)

    def backward(g):
        return unbroadcast(g * share_a, a.shape), unbroadcast(g * (1 - share_a), b.shape)
    return from_op(out, (a, b), backward, name=name)


def where(condition, a, b):
    """``a`` where ``condition`` holds, else ``b``. Gradients follow the chosen side."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two numbers
        like = condition if isinstance(condition, Tensor) else Tensor(numpy.asarray(condition))
        a = Tensor(like.xp.asarray(a, dtype=dtypes.default_float))
    if isinstance(a, Tensor):
        b = as_tensor(b, a)
    else:
        a = as_tensor(a, b)
    cond = condition.array if isinstance(condition, Tensor) else a.xp.asarray(condition)
    out = a.xp.where(cond, a.array, b.array)

    def where_backward(g):
        return (unbroadcast(a.xp.where(cond, g, 0), a.shape),
                unbroadcast(a.xp.where(cond, 0, g), b.shape))
    return from_op(out, (a, b), where_backward, name="where")


def _comparison(name, compare):
    def op(a, b):
        a, b = operands(a, b, name)
        return Tensor(compare(a.array, b.array))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` as a bool tensor (not differentiable)."
    return op


eq = _comparison("eq", lambda a, b: a == b)
ne = _comparison("ne", lambda a, b: a != b)
lt = _comparison("lt", lambda a, b: a < b)
le = _comparison("le", lambda a, b: a <= b)
gt = _comparison("gt", lambda a, b: a > b)
ge = _comparison("ge", lambda a, b: a >= b)
