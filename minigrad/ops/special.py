"""The error function, which NumPy lacks, computed from two classical expansions.

    erf x = (2/√π) ∫₀ˣ e^(-t²) dt,    erf(-x) = -erf x.

For |x| < 2.5, the series whose terms are all positive (so nothing is lost to
cancellation),

    erf x = (2/√π) x e^(-x²) Σₙ cₙ (x²)ⁿ,    cₙ = 2ⁿ / (1·3·5···(2n+1)),

summed by Horner's rule over 40 terms (36 already reach float64 rounding at x = 2.5,
the worst case). For 2.5 ≤ |x| < 6, erf x = 1 - erfc x, with Laplace's continued
fraction

    erfc x = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),

evaluated from a depth of 30 upwards, which converges fast for large x. From |x| = 6 on,
erf x = ±1 exactly: erfc 6 ≈ 2·10⁻¹⁷ is less than half a unit in the last place of 1.

The result is computed in float64 and agrees with Python's math.erf (the C library's,
itself within a unit in the last place) to a few units in the last place: at most 6
(7·10⁻¹⁶ relative) on a fine grid of [-7, 7], where most values agree exactly or to one
unit (tests/test_losses_activations.py checks this, and compares with torch.erf). It costs about 80 array operations, so a
million values take a few tenths of a second; the same code runs on NumPy and CuPy.
"""
from fractions import Fraction

from .. import dtypes
from ..backend import get_array_module
from ..tensor import from_op

SERIES_LIMIT = 2.5  # the series below, the continued fraction above
SATURATION = 6.0  # erf x rounds to ±1 beyond
CONTINUED_FRACTION_DEPTH = 30
TWO_OVER_SQRT_PI = 1.1283791670955126  # 2/√π, correctly rounded
ONE_OVER_SQRT_PI = 0.5641895835477563  # 1/√π, correctly rounded


def _series_coefficients(count):
    """cₙ = 2ⁿ / (1·3·5···(2n+1)), each exact until its final rounding to float."""
    c, out = Fraction(1), []
    for n in range(count):
        out.append(float(c))
        c = c * 2 / (2 * n + 3)
    return tuple(out)


SERIES_COEFFICIENTS = _series_coefficients(40)


def _erf_series(x):
    """erf x for 0 ≤ x < SERIES_LIMIT."""
    u = x * x
    total = SERIES_COEFFICIENTS[-1]
    for c in reversed(SERIES_COEFFICIENTS[:-1]):
        total = total * u + c
    return TWO_OVER_SQRT_PI * x * get_array_module(x).exp(-u) * total


def _erfc_continued_fraction(x):
    """erfc x for x ≥ SERIES_LIMIT."""
    denominator = x
    for k in range(CONTINUED_FRACTION_DEPTH, 0, -1):
        denominator = x + (k / 2) / denominator
    return ONE_OVER_SQRT_PI * get_array_module(x).exp(-x * x) / denominator


def erf_array(a):
    """erf of every element of the array ``a`` (NaN stays NaN), in ``a``'s dtype."""
    xp = get_array_module(a)
    x = xp.array(xp.abs(a), dtype=dtypes.float64)  # an array even when ``a`` is 0-d
    out = x.copy()  # NaN stays NaN; every other element is overwritten below
    near = x < SERIES_LIMIT
    middle = (x >= SERIES_LIMIT) & (x < SATURATION)
    out[near] = _erf_series(x[near])
    out[middle] = 1 - _erfc_continued_fraction(x[middle])
    out[x >= SATURATION] = 1
    return xp.asarray(xp.copysign(out, a), dtype=a.dtype)


def erf(x):
    """The error function, erf x = (2/√π) ∫₀ˣ e^(-t²) dt.    d/dx = (2/√π) e^(-x²)."""
    xp, a = x.xp, x.array
    if not dtypes.is_floating(a.dtype):
        a = a.astype(dtypes.default_float)

    def erf_backward(g):
        return (g * TWO_OVER_SQRT_PI * xp.exp(-a * a),)
    return from_op(erf_array(a), (x,), erf_backward, name="erf")

