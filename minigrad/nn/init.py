"""Weight initialisation, in place, drawing from minigrad's seeded generator.

Each function fills a tensor and returns it, like ``torch.nn.init``. The values are
drawn on the CPU with NumPy and copied to the tensor's device, so a seed gives the
same weights everywhere.
"""
import math

import numpy

from .. import backend, grad_mode, random


def _fill(tensor, values):
    with grad_mode.no_grad():
        tensor.copy_(backend.to_device(numpy.asarray(values, dtype=tensor.dtype), tensor.device))
    return tensor


def _fans(tensor):
    """fan_in, fan_out of a weight shaped (out, in, *kernel): how many inputs feed each
    output, and how many outputs each input feeds."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, "
                         f"got shape {tensor.shape}")
    receptive = int(numpy.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def uniform_(tensor, a=0.0, b=1.0):
    """U(a, b)."""
    return _fill(tensor, random.generator().uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0):
    """N(mean, std²)."""
    return _fill(tensor, random.generator().normal(mean, std, tensor.shape))


def constant_(tensor, val):
    return _fill(tensor, numpy.full(tensor.shape, val))


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through ``nonlinearity``."""
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}: use linear, sigmoid, tanh, "
                     f"relu or leaky_relu")


def xavier_uniform_(tensor, gain=1.0):
    """Glorot & Bengio 2010: U(-a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He et al. 2015: U(-b, b) with b = gain·√(3 / fan). (``a=√5`` gives the default
    init of a Linear layer, b = 1/√fan_in.)"""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = _fans(tensor)[0 if mode == "fan_in" else 1]
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)


def orthogonal_(tensor, gain=1.0):
    """Saxe et al. 2014: a (semi-)orthogonal matrix, the Q of a QR decomposition of a
    Gaussian matrix (signs fixed so it is uniformly distributed). The usual recurrent
    init for the copy task: an orthogonal W_hh neither shrinks nor grows h."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = random.generator().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = numpy.linalg.qr(flat)
    q *= numpy.sign(numpy.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def eye_(tensor):
    """The identity matrix (Le et al. 2015's IRNN starts W_hh here)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_ needs a 2-D tensor, got shape {tensor.shape}")
    return _fill(tensor, numpy.eye(*tensor.shape))
