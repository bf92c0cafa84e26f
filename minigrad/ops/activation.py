"""The activation functions beyond tanh, sigmoid and relu, each with its derivative beside it.

They give PyTorch's values and gradients, including PyTorch's choice of derivative at
a kink, and stay finite at inputs of ±1000. ``minigrad.nn.functional`` offers them under
PyTorch's signatures (``F.leaky_relu(input, negative_slope=0.01, inplace=False)``), and
``minigrad.nn`` as modules (``nn.LeakyReLU``).
"""
import math

from ..tensor import from_op
from .special import erf_array

SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
ONE_OVER_SQRT_2 = math.sqrt(0.5)
ONE_OVER_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
GELU_TANH_CUBIC = 0.044715  # the x³ coefficient of GELU's tanh approximation
GELU_APPROXIMATIONS = ("none", "tanh")


def _logistic(xp, z):
    """σ(z) = 1/(1 + e^-z), computed from e^-|z| so that neither tail overflows."""
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _result(x, values, derivative, name):
    """The op's output ``values``; its backward multiplies g by ``derivative()``, the
    elementwise dy/dx, computed only when a backward pass asks for it."""
    def backward(g):
        return (g * derivative().astype(x.dtype, copy=False),)
    return from_op(values.astype(x.dtype, copy=False), (x,), backward, name=name)


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope · x.    d/dx = 1 where x > 0, else negative_slope
    (negative_slope at 0, as PyTorch)."""
    positive = x.array > 0
    values = x.xp.where(positive, x.array, negative_slope * x.array)
    return _result(x, values, lambda: x.xp.where(positive, 1.0, negative_slope), "leaky_relu")


def elu(x, alpha=1.0):
    """x where x > 0, else α (e^x - 1).    d/dx = 1 where x > 0, else α e^x (α at 0)."""
    xp, a = x.xp, x.array
    positive = a > 0
    negative = xp.minimum(a, 0)  # e^x only where it cannot overflow
    values = xp.where(positive, a, alpha * xp.expm1(negative))
    return _result(x, values, lambda: xp.where(positive, 1.0, alpha * xp.exp(negative)), "elu")


def softplus(x, beta=1.0, threshold=20.0):
    """(1/β) ln(1 + e^(βx)), a smooth relu; x itself where βx > threshold, as PyTorch.
    d/dx = σ(βx), and 1 where βx > threshold.

    ln(1 + e^z) is computed as max(z, 0) + ln(1 + e^-|z|), which never overflows.
    """
    if beta == 0:
        raise ValueError("softplus: beta must not be 0 (it divides by beta)")
    xp, a = x.xp, x.array
    z = beta * a
    linear = z > threshold
    smooth = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
    return _result(x, xp.where(linear, a, smooth),
                   lambda: xp.where(linear, 1.0, _logistic(xp, z)), "softplus")


def gelu(x, approximate="none"):
    """x Φ(x), where Φ(x) = (1 + erf(x/√2))/2 is the standard normal distribution function.
    d/dx = Φ(x) + x φ(x), with the density φ(x) = e^(-x²/2)/√(2π).

    With ``approximate="tanh"``: x (1 + tanh u)/2, u = √(2/π) (x + 0.044715 x³), and
    d/dx = (1 + tanh u)/2 + x (1 - tanh² u) √(2/π) (1 + 3 · 0.044715 x²)/2.
    """
    if approximate not in GELU_APPROXIMATIONS:
        raise ValueError(f"gelu: approximate must be one of {GELU_APPROXIMATIONS}, got "
                         f"{approximate!r}")
    xp, a = x.xp, x.array
    if approximate == "tanh":
        t = xp.tanh(SQRT_2_OVER_PI * (a + GELU_TANH_CUBIC * a * a * a))

        def tanh_derivative():
            du_dx = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * a * a)
            return 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * du_dx
        return _result(x, 0.5 * a * (1 + t), tanh_derivative, "gelu")
    cdf = 0.5 * (1 + erf_array(a * ONE_OVER_SQRT_2))
    return _result(x, a * cdf, lambda: cdf + a * ONE_OVER_SQRT_2PI * xp.exp(-0.5 * a * a),
                   "gelu")


def silu(x):
    """x σ(x), also called swish.    d/dx = σ(x) (1 + x (1 - σ(x)))."""
    xp, a = x.xp, x.array
    s = _logistic(xp, a)
    return _result(x, a * s, lambda: s * (1 + a * (1 - s)), "silu")


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """x clipped to [min_val, max_val].    d/dx = 1 strictly inside, else 0.

    At the edges themselves the gradient is 0, as PyTorch's hardtanh has it (``clamp``
    passes it on there).
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be greater than max_val "
                         f"({max_val})")
    xp, a = x.xp, x.array
    return _result(x, xp.clip(a, min_val, max_val), lambda: (a > min_val) & (a < max_val),
                   "hardtanh")
