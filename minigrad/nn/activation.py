"""Activation functions as modules, with ``torch.nn``'s names, arguments and reprs.

Each one keeps its settings as attributes of PyTorch's names and calls its function in
``minigrad.nn.functional``. ``inplace=True`` is accepted where PyTorch has it, so code
written for PyTorch runs unchanged, but the result is a new tensor all the same (changing
a tensor of the graph in place would corrupt its gradients): use the module's output, as
``x = self.act(x)`` does.
"""
from ..ops.activation import GELU_APPROXIMATIONS
from . import functional as F
from .module import Module


def _with_inplace(settings, inplace):
    """The repr's settings, with ``inplace=True`` after them when it was asked for."""
    return ", ".join(s for s in (settings, "inplace=True" if inplace else "") if s)


class Tanh(Module):
    """tanh x, elementwise."""

    def forward(self, input):  # noqa: A002 - PyTorch's name
        return F.tanh(input)


class Sigmoid(Module):
    """σ(x) = 1/(1 + e^-x), elementwise."""

    def forward(self, input):  # noqa: A002
        return F.sigmoid(input)


class ReLU(Module):
    """max(x, 0), elementwise."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.relu(input)

    def extra_repr(self):
        return _with_inplace("", self.inplace)


class LeakyReLU(Module):
    """x where x > 0, else negative_slope · x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return _with_inplace(f"negative_slope={self.negative_slope}", self.inplace)


class ELU(Module):
    """x where x > 0, else α (e^x - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):  # noqa: A002
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return _with_inplace(f"alpha={self.alpha}", self.inplace)


class Softplus(Module):
    """(1/β) ln(1 + e^(βx)), and x itself where βx > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        if beta == 0:
            raise ValueError("Softplus: beta must not be 0 (it divides by beta)")
        self.beta, self.threshold = beta, threshold

    def forward(self, input):  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """x Φ(x), Φ the standard normal distribution function; ``approximate="tanh"`` uses
    the tanh approximation of Φ."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in GELU_APPROXIMATIONS:
            raise ValueError(f"GELU: approximate must be one of {GELU_APPROXIMATIONS}, got "
                             f"{approximate!r}")
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x σ(x), also called swish."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.silu(input)

    def extra_repr(self):
        return _with_inplace("", self.inplace)


class Hardtanh(Module):
    """x clipped to [min_val, max_val]; no gradient outside the open interval."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if not max_val > min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return _with_inplace(f"min_val={self.min_val}, max_val={self.max_val}", self.inplace)


class Softmax(Module):
    """e^(x_i) / Σ_j e^(x_j) along ``dim``. Without ``dim``, PyTorch's deprecated implicit
    choice (dimension 0 for a 0-, 1- or 3-d input, else 1), with its warning."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        # _stacklevel=5: the warning points at the line that called the module
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x_i - log Σ_j e^(x_j) along ``dim``; without ``dim``, as ``Softmax``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"
