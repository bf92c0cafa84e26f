"""Checking what users pass in: sizes, finite numbers, flags, and what an array may
allocate.

A size is a whole number, given as a Python or a NumPy integer (``numpy.int64(4)`` is
as good as ``4``), never a bool or a float; a setting such as a learning rate is a real,
finite number. Each check returns the value as a plain Python ``int`` or ``float``, or
raises a ``ValueError`` (a ``TypeError`` for something that is not a number at all)
that names the argument and says what is allowed.
"""
import math
import numbers

import numpy

from . import memory

#: The largest size an array dimension can have (NumPy's index type).
MAX_DIMENSION = int(numpy.iinfo(numpy.intp).max)


def is_integer(value):
    """True for Python and NumPy integers, False for bools (``True`` is not a size)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, numpy.bool_))


def size(value, name, minimum=1):
    """``value`` as an ``int`` of at least ``minimum`` (and small enough for an array)."""
    if not is_integer(value) or value < minimum:
        allowed = {0: "a non-negative integer", 1: "a positive integer"}.get(
            minimum, f"an integer of at least {minimum}")
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    if value > MAX_DIMENSION:
        raise ValueError(f"{name} must be at most {MAX_DIMENSION} (2**63 - 1), got {value}")
    return int(value)


def fits(shape, what, itemsize=8):
    """Refuse, before it is allocated, an array of ``shape`` (of ``itemsize`` bytes per
    element) that no array can be or that the machine can't hold; ``what`` starts the
    message ("a tensor", "repeat: the result")."""
    elements = math.prod(shape)
    if elements > MAX_DIMENSION:
        raise ValueError(f"{what} of size {tuple(shape)} would hold {elements:.3g} elements, "
                         f"more than one array can ({MAX_DIMENSION})")
    if elements * itemsize > _LARGE:  # only then is it worth asking the machine
        problem = memory.shortfall(elements * itemsize)
        if problem:
            raise ValueError(f"{what} of size {tuple(shape)} needs {problem}")


_LARGE = 2 ** 30  # bytes


def real(value, name):
    """``value`` as a finite ``float``: no bool, no str, no NaN or infinity."""
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def probability(value, name):
    """``value`` as a float from 0 to 1 (a dropout rate)."""
    value = real(value, name)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def type_name(value):
    """What ``value`` is, for a message: ``str``, ``None``, ``numpy.ndarray``."""
    if value is None:
        return "None"
    kind = type(value)
    module = kind.__module__.split(".")[0]
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def describe(value, width=40):
    """``value`` for a message: its type and (shortened) repr, ``str 'abc'``, ``None``."""
    if value is None:
        return "None"
    shown = repr(value)
    if len(shown) > width:
        shown = shown[:width - 3] + "..."
    return f"{type_name(value)} {shown}"


def flag(value, name):
    """``value`` as a bool: True, False (or NumPy's bools, or 1 and 0)."""
    if isinstance(value, (bool, numpy.bool_)) or (is_integer(value) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {describe(value)}")
