"""The differentiable ops, and the table that makes them Tensor methods.

Each op is a plain function of tensors (``minigrad.ops.tanh(x)``); the table below also
makes it a method (``x.tanh()``) or an operator (``x + y``), with PyTorch's names.
"""
from ..creation import new_empty, new_full, new_ones, new_tensor, new_zeros
from ..tensor import Tensor
from . import return_types  # noqa: F401 - the named tuples of max, min, sort, topk
from .activation import elu, gelu, hardtanh, leaky_relu, silu, softplus
from .arithmetic import add, bmm, div, matmul, mul, neg, pow, radd, rdiv, rmul, rpow, rsub, sub
from .conversion import to
from .elementwise import (abs, clamp, cos, cosh, eq, exp, ge, gt, le, log, lt, maximum, minimum,
                          ne, relu, sigmoid, sin, sinh, sqrt, tanh, where)
from .indexing import (cat, chunk, concat, concatenate, getitem, narrow, split, stack, tril,
                       triu)
from .nn_ops import dropout, one_hot
from .reduction import amax, amin, logsumexp, mean, sum, var
from .selection import argmax, argmin, argsort, max, min, sort, topk
from .shape import (T, clone, contiguous, expand, expand_as, flatten, flip, meshgrid, permute,
                    repeat, repeat_interleave, reshape, reshape_as, squeeze, squeeze_, swapaxes,
                    swapdims, t, t_, transpose, unsqueeze, unsqueeze_, view, view_as)
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
    "sin": sin, "cos": cos, "sinh": sinh, "cosh": cosh, "bmm": bmm,
    "relu": relu, "clamp": clamp, "clip": clamp, "maximum": maximum, "minimum": minimum,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "sum": sum, "mean": mean, "var": var, "max": max, "min": min, "logsumexp": logsumexp,
    "amax": amax, "amin": amin, "argmax": argmax, "argmin": argmin, "argsort": argsort,
    "sort": sort, "topk": topk, "softmax": softmax, "log_softmax": log_softmax,
    "erf": erf,
    "reshape": reshape, "view": view, "flatten": flatten, "permute": permute,
    "transpose": transpose, "squeeze": squeeze, "unsqueeze": unsqueeze, "expand": expand,
    "flip": flip, "clone": clone, "contiguous": contiguous, "split": split, "chunk": chunk,
    "to": to,
    "t": t, "swapaxes": swapaxes, "swapdims": swapdims, "narrow": narrow, "tril": tril,
    "triu": triu, "repeat": repeat, "repeat_interleave": repeat_interleave,
    "view_as": view_as, "reshape_as": reshape_as, "expand_as": expand_as,
    "unsqueeze_": unsqueeze_, "squeeze_": squeeze_, "t_": t_,
    "new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones,
    "new_full": new_full, "new_empty": new_empty,
}

for _name, _op in _METHODS.items():
    setattr(Tensor, _name, _op)
Tensor.T = property(T)
Tensor.mT = property(lambda x: transpose(x, -2, -1))
