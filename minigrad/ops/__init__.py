"""The differentiable ops, and the table that makes them Tensor methods.

Each op is a plain function of tensors (``minigrad.ops.tanh(x)``); the table below also
makes it a method (``x.tanh()``) or an operator (``x + y``), with PyTorch's names.
"""
from ..tensor import Tensor
from .activation import elu, gelu, hardtanh, leaky_relu, silu, softplus
from .arithmetic import add, div, matmul, mul, neg, pow, radd, rdiv, rmul, rpow, rsub, sub
from .conversion import to
from .elementwise import (abs, clamp, eq, exp, ge, gt, le, log, lt, maximum, minimum, ne,
                          relu, sigmoid, sqrt, tanh, where)
from .indexing import cat, chunk, getitem, split, stack
from .nn_ops import dropout, one_hot
from .reduction import argmax, argmin, logsumexp, max, mean, min, sum, var
from .shape import (T, clone, contiguous, expand, flatten, flip, permute, reshape, squeeze,
                    transpose, unsqueeze, view)
from .softmax import log_softmax, softmax
from .special import erf

_METHODS = {
    "__add__": add, "__radd__": radd, "__sub__": sub, "__rsub__": rsub,
    "__mul__": mul, "__rmul__": rmul, "__truediv__": div, "__rtruediv__": rdiv,
    "__pow__": pow, "__rpow__": rpow, "__neg__": neg, "__matmul__": matmul,
    "__rmatmul__": lambda a, b: matmul(b, a), "__abs__": abs, "__getitem__": getitem,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "add": add, "sub": sub, "mul": mul, "div": div, "pow": pow, "neg": neg, "matmul": matmul,
    "exp": exp, "log": log, "sqrt": sqrt, "abs": abs, "tanh": tanh, "sigmoid": sigmoid,
    "relu": relu, "clamp": clamp, "clip": clamp, "maximum": maximum, "minimum": minimum,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "sum": sum, "mean": mean, "var": var, "max": max, "min": min, "logsumexp": logsumexp,
    "argmax": argmax, "argmin": argmin, "softmax": softmax, "log_softmax": log_softmax,
    "erf": erf,
    "reshape": reshape, "view": view, "flatten": flatten, "permute": permute,
    "transpose": transpose, "squeeze": squeeze, "unsqueeze": unsqueeze, "expand": expand,
    "flip": flip, "clone": clone, "contiguous": contiguous, "split": split, "chunk": chunk,
    "to": to,
}

for _name, _op in _METHODS.items():
    setattr(Tensor, _name, _op)
Tensor.T = property(T)
Tensor.mT = property(lambda x: transpose(x, -2, -1))
