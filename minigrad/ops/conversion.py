"""Changing dtype or device, differentiably: ``Tensor.to`` (and so ``cpu()``, ``cuda()``,
``float()``, ``double()``, ``long()``, which call it)."""
from .. import backend, dtypes
from ..tensor import from_op


def to(x, device_or_dtype=None, dtype=None, device=None):
    """Move to a device (``"cpu"``, ``"cuda"``) and/or convert to a dtype.

    The result stays in the graph: gradients flow back to the original tensor. When
    nothing changes, ``x`` itself is returned.
    """
    if isinstance(device_or_dtype, str) and device_or_dtype.startswith(("cpu", "cuda")):
        device = device_or_dtype
    elif device_or_dtype is not None:
        dtype = device_or_dtype
        try:
            dtypes.resolve(dtype)
        except TypeError:
            raise TypeError(f"to(): {device_or_dtype!r} is neither a device ('cpu', 'cuda', "
                            f"'cuda:N') nor a dtype (e.g. minigrad.float64 or "
                            f"'float32')") from None
    out = x
    if dtype is not None and dtypes.resolve(dtype) != x.dtype:
        out = _convert(out, dtype=dtypes.resolve(dtype))
    if device is not None and backend.parse_device(device) != x.device:
        out = _convert(out, device=backend.parse_device(device))
    return out


def _convert(x, dtype=None, device=None):
    """One change of dtype and/or device. The gradient goes back to where, and what, x was."""
    data = x.array
    if device is not None:
        data = backend.to_device(data, device)
    if dtype is not None:
        data = data.astype(dtype)
    source_dtype, source_device = x.dtype, x.device

    def to_backward(g):
        return (backend.to_device(g, source_device).astype(source_dtype, copy=False),)
    return from_op(data, (x,), to_backward, name="to")
