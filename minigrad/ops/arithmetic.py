"""+ - * / ** and @, each with its derivative beside it.

Operands broadcast as in NumPy; ``unbroadcast`` sums each gradient back to its
operand's shape. Python numbers work on either side (``2 * x``, ``x ** 2``, ``1 - x``).
"""
import math

import numpy

from .. import checks
from ..tensor import Tensor, from_op
from .common import as_tensor, numeric_array, operands, unbroadcast


def add(a, b):
    """a + b.    d/da = 1,  d/db = 1."""
    a, b = operands(a, b, "add")

    def add_backward(g):
        return unbroadcast(g, a.shape), unbroadcast(g, b.shape)
    return from_op(a.array + b.array, (a, b), add_backward, name="add")


def sub(a, b):
    """a - b.    d/da = 1,  d/db = -1."""
    a, b = operands(a, b, "sub")

    def sub_backward(g):
        return unbroadcast(g, a.shape), unbroadcast(-g, b.shape)
    return from_op(a.array - b.array, (a, b), sub_backward, name="sub")


def mul(a, b):
    """a * b.    d/da = b,  d/db = a."""
    a, b = operands(a, b, "mul")

    def mul_backward(g):
        return unbroadcast(g * b.array, a.shape), unbroadcast(g * a.array, b.shape)
    return from_op(a.array * b.array, (a, b), mul_backward, name="mul")


def div(a, b):
    """a / b.    d/da = 1/b,  d/db = -a/b²."""
    a, b = operands(a, b, "div")
    out = a.array / b.array

    def div_backward(g):
        ga = unbroadcast(g / b.array, a.shape) if a.requires_grad else None
        gb = unbroadcast(-g * out / b.array, b.shape) if b.requires_grad else None
        return ga, gb
    return from_op(out, (a, b), div_backward, name="div")


def pow(a, b):  # noqa: A001 - Tensor.__pow__
    """a ** b.   d/da = b·a^(b-1),  d/db = a^b·ln a.

    As in PyTorch, d/da is 0 where b = 0 and d/db is 0 where a = 0 and b >= 0 (the
    formulas alone would give 0·inf = nan there).
    """
    if isinstance(a, Tensor) and not isinstance(b, Tensor):  # a constant exponent: common
        exponent = b if isinstance(b, (int, float)) else numeric_array(a.xp, b, "pow")

        def pow_backward(g):
            with numpy.errstate(divide="ignore", invalid="ignore"):
                return (g * a.xp.where(exponent == 0, 0, exponent * a.array ** (exponent - 1)),)
        return from_op(a.array ** exponent, (a,), pow_backward, name="pow")
    a, b = operands(a, b, "pow")
    out = a.array ** b.array
    xp = a.xp

    @numpy.errstate(divide="ignore", invalid="ignore")  # the inf/nan that where() drops
    def pow_backward(g):
        ga = gb = None
        if a.requires_grad:
            da = xp.where(b.array == 0, 0, b.array * a.array ** (b.array - 1))
            ga = unbroadcast(g * da, a.shape)
        if b.requires_grad:
            db = xp.where((a.array == 0) & (b.array >= 0), 0, out * xp.log(a.array))
            gb = unbroadcast(g * db, b.shape)
        return ga, gb
    return from_op(out, (a, b), pow_backward, name="pow")


def neg(a):
    """-a.       d/da = -1."""
    return from_op(-a.array, (a,), lambda g: (-g,), name="neg")


def radd(a, b):
    return add(b, a)


def rsub(a, b):
    return sub(as_tensor(b, a, "sub"), a)


def rmul(a, b):
    return mul(b, a)


def rdiv(a, b):
    return div(as_tensor(b, a, "div"), a)


def rpow(a, b):
    return pow(as_tensor(b, a, "pow"), a)


def matmul(a, b):
    """a @ b, for 1-D, 2-D and batched (broadcast) operands.

        C = A B    =>    dL/dA = dL/dC · Bᵀ,    dL/dB = Aᵀ · dL/dC

    A 1-D ``a`` is a row (1, n) and a 1-D ``b`` a column (n, 1), removed again from
    the result, as in NumPy and PyTorch.
    """
    a, b = _matmul_operands(a, b)
    if a.device != b.device:
        raise RuntimeError(f"matmul: expected both tensors on the same device, "
                           f"got {a.device} and {b.device}")
    _check_matmul_shapes(a.shape, b.shape)
    if a.ndim > 2 and b.ndim == 2:  # (..., k) @ (k, n): one 2-D product, not a batch of them
        return _matmul_folded(a, b)
    a2 = a.array if a.ndim > 1 else a.array[None, :]
    b2 = b.array if b.ndim > 1 else b.array[:, None]
    out = a2 @ b2
    out_shape = out.shape
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    xp = a.xp

    def matmul_backward(g):
        g = g.reshape(out_shape)
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g @ xp.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if b.requires_grad:
            gb = unbroadcast(xp.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return ga, gb
    return from_op(out, (a, b), matmul_backward, name="matmul")


def _matmul_operands(a, b):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected at least one Tensor, got "
                        f"{checks.type_name(a)} and {checks.type_name(b)}")
    if not isinstance(a, Tensor):
        a = as_tensor(a, b, "matmul")
    if not isinstance(b, Tensor):
        b = as_tensor(b, a, "matmul")
    return a, b


def bmm(a, b):
    """A batch of matrix products: (b, n, m) @ (b, m, p) -> (b, n, p), each
    C_i = A_i B_i; gradients as for ``matmul``. Unlike ``matmul``, no broadcasting."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.ndim != 3 or b.ndim != 3:
        shapes = [getattr(t, "shape", type(t).__name__) for t in (a, b)]
        raise ValueError(f"bmm: expected two 3-D tensors (batch, n, m) and (batch, m, p), "
                         f"got {shapes[0]} and {shapes[1]}")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: the batch sizes of {a.shape} and {b.shape} differ "
                         f"({a.shape[0]} != {b.shape[0]})")
    return matmul(a, b)


def _matmul_folded(a, b):
    """(..., k) @ (k, n) as (rows, k) @ (k, n), rows = the product of the leading sizes.
    The same numbers; but one large product is much faster than many small ones, and
    dL/dB comes out summed over the rows directly."""
    k, n = b.shape
    rows = math.prod(a.shape[:-1])  # not -1: that can't be inferred when k or n is 0
    a_rows = a.array.reshape(rows, k)
    out = (a_rows @ b.array).reshape(a.shape[:-1] + (n,))

    def matmul_backward(g):
        g_rows = g.reshape(rows, n)
        ga = (g_rows @ b.array.T).reshape(a.shape) if a.requires_grad else None
        gb = a_rows.T @ g_rows if b.requires_grad else None
        return ga, gb
    return from_op(out, (a, b), matmul_backward, name="matmul")


def _check_matmul_shapes(sa, sb):
    if not sa or not sb:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                         f"{sa} and {sb}")
    inner_a, inner_b = sa[-1], (sb[0] if len(sb) == 1 else sb[-2])
    if inner_a != inner_b:
        raise ValueError(f"matmul: shapes {sa} and {sb} cannot be multiplied "
                         f"({inner_a} != {inner_b})")
    if len(sa) <= 2 or len(sb) <= 2:
        return
    try:
        numpy.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {sa} and {sb} cannot be broadcast "
                         f"together") from None
