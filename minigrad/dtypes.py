"""The element types minigrad uses. They are NumPy's dtypes under PyTorch's names.

PyTorch's short names (``minigrad.float``, ``long``, ``int``, ``double``, ``half``) are
made in ``minigrad/__init__.py``: here they would hide Python's own ``float`` and ``int``.
"""
import numpy

float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
float16 = numpy.dtype("float16")
int8 = numpy.dtype("int8")
int16 = numpy.dtype("int16")
int32 = numpy.dtype("int32")
int64 = numpy.dtype("int64")
uint8 = numpy.dtype("uint8")
long = int64
bool = numpy.dtype("bool")  # noqa: A001 - PyTorch's name

default_float = float32

_ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
            "short": int16}

# PyTorch's legacy tensor types, by dtype: x.type() gives 'minigrad.FloatTensor'
TENSOR_TYPES = {float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor",
                int64: "LongTensor", int32: "IntTensor", int16: "ShortTensor",
                int8: "CharTensor", uint8: "ByteTensor", bool: "BoolTensor"}
_BY_TENSOR_TYPE = {name: dtype for dtype, name in TENSOR_TYPES.items()}


def resolve(dtype):
    """Turn a dtype, its name (``"float64"``, ``"double"``), a tensor type's name
    (``"minigrad.LongTensor"``, ``"torch.LongTensor"``) or a type into a NumPy dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1] if dtype.startswith(("minigrad.", "torch.")) else dtype
        if name in _ALIASES:
            return _ALIASES[name]
        if name in _BY_TENSOR_TYPE:
            return _BY_TENSOR_TYPE[name]
    if isinstance(getattr(dtype, "dtype", None), numpy.dtype):
        return dtype.dtype  # a tensor type (minigrad.LongTensor)
    try:
        resolved = numpy.dtype(dtype)
    except (TypeError, ValueError, SyntaxError):  # NumPy parses some strings (',') as specs
        resolved = None
    if resolved is None or resolved.kind not in "biufc":  # records, text, objects: no tensor
        raise TypeError(f"unknown dtype {dtype!r}: use e.g. minigrad.float32, 'float64' or "
                        f"'int64'")
    return resolved


def tensor_type_name(dtype):
    """PyTorch's name of the tensor type for ``dtype``: ``'minigrad.FloatTensor'``."""
    name = TENSOR_TYPES.get(numpy.dtype(dtype))
    if name is None:
        raise TypeError(f"dtype {dtype} has no tensor type name")
    return f"minigrad.{name}"


def is_floating(dtype):
    return numpy.issubdtype(dtype, numpy.floating)
