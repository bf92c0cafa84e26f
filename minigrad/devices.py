"""Devices by name, as ``torch.device``: where a tensor's array lives.

    >>> import minigrad
    >>> minigrad.device("cuda", 0)
    device(type='cuda', index=0)
    >>> str(minigrad.device("cuda:1")), minigrad.device("cuda").index
    ('cuda:1', None)
    >>> minigrad.zeros(2).device == "cpu" == minigrad.device("cpu")
    True

A ``device`` is its name, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``: it is a ``str``, so it
equals and hashes like that name and goes wherever a device name does. ``"cuda"`` with no
index means "the current CUDA device", as in PyTorch; a tensor's ``.device`` always
carries its index (``cuda:0``), so ``device("cuda") != device("cuda:0")`` there too.

``set_default_device`` chooses where ``minigrad.tensor`` and the factories (``zeros``,
``randn``, ...) put a tensor when no ``device=`` is given. Nothing here imports CuPy:
naming a CUDA device is not using one.
"""
import re

_NAME = re.compile(r"(cpu|cuda)(?::(\d+))?")
ALLOWED = "'cpu', 'cuda' or 'cuda:N' (N = 0, 1, ...)"


class device(str):  # noqa: N801 - PyTorch's name
    """A device: ``device("cpu")``, ``device("cuda")``, ``device("cuda", 1)`` or
    ``device("cuda:1")``, with ``.type`` ("cpu" or "cuda") and ``.index`` (an int, or None
    when not given)."""

    __slots__ = ()  # a device is its name and nothing else

    def __new__(cls, type, index=None):  # noqa: A002 - PyTorch's names
        if isinstance(type, device) and index is None:
            return type
        if not isinstance(type, str):
            raise TypeError(f"device() takes a device name such as 'cuda:0', got "
                            f"{_describe(type)}")
        match = _NAME.fullmatch(type.strip().lower())
        if match is None:
            raise ValueError(f"unknown device {type!r}: expected {ALLOWED}")
        kind, written_index = match.groups()
        if index is not None and written_index is not None:
            raise ValueError(f"device({type!r}, {index!r}): the name already has an index; "
                             f"give it once")
        if index is None and written_index is not None:
            index = int(written_index)
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)
                                  or index < 0):
            raise ValueError(f"unknown device index {index!r}: it must be an integer >= 0")
        return super().__new__(cls, kind if index is None else f"{kind}:{index}")

    @property
    def type(self):  # noqa: A003
        """``"cpu"`` or ``"cuda"``."""
        return str(self).partition(":")[0]

    @property
    def index(self):
        """The device's number (``1`` for ``cuda:1``), or None when the name has none."""
        _, colon, number = str(self).partition(":")
        return int(number) if colon else None

    def __repr__(self):
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"


def _describe(value):
    return f"{value!r} ({type(value).__name__})" if not isinstance(value, str) else repr(value)


# ---------------------------------------------------------------------------- the default
_default = device("cpu")


def set_default_device(name):
    """Put new tensors on ``name`` (a device or its name; None means "cpu") when
    ``minigrad.tensor`` or a factory is given no ``device=``. A CUDA device is checked
    for when the first tensor is made there."""
    global _default
    chosen = device("cpu") if name is None else device(name)
    if chosen.type == "cuda" and chosen.index is None:
        chosen = device("cuda", 0)
    _default = chosen


def get_default_device():
    """Where a tensor goes when no ``device=`` is given (``device(type='cpu')`` unless
    ``set_default_device`` said otherwise)."""
    return _default
