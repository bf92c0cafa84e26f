"""The element types minigrad uses. They are NumPy's dtypes under PyTorch's names."""
import numpy

float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
float16 = numpy.dtype("float16")
int32 = numpy.dtype("int32")
int64 = numpy.dtype("int64")
long = int64
bool = numpy.dtype("bool")  # noqa: A001 - PyTorch's name

default_float = float32

_ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32}


def resolve(dtype):
    """Turn a dtype, its name (``"float64"``, ``"double"``) or a type into a NumPy dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    try:
        return numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}: use e.g. minigrad.float32, 'float64' or 'int64'") from None


def is_floating(dtype):
    return numpy.issubdtype(dtype, numpy.floating)
