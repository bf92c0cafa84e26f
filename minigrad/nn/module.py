"""Module and Parameter: how layers keep track of their weights, as in ``torch.nn``.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it, so
``parameters()``, ``state_dict()`` and ``to(device)`` find everything without any
bookkeeping in the layer itself::

    class Affine(Module):
        def __init__(self):
            super().__init__()
            self.weight = Parameter(minigrad.randn(3, 2))   # registered
        def forward(self, x):
            return x @ self.weight
"""
from collections import OrderedDict, namedtuple

import numpy

from .. import backend, dtypes
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module registers as one of its weights (requires grad by default)."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = numpy.zeros(0, dtype=dtypes.default_float)
        super().__init__(data.array if isinstance(data, Tensor) else data, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model: subclasses set attributes in ``__init__``
    (after calling ``super().__init__()``) and define ``forward``.

    A module keeps three registries, filled by attribute assignment: its parameters
    (``Parameter`` values), its sub-modules (``Module`` values) and its buffers, the
    tensors that are state but not weights (a running mean, a fixed mask), which only
    ``register_buffer`` creates. ``state_dict``, ``to`` and the ``named_*`` walks read them.
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.__init__ must call super().__init__() "
                                 f"before assigning {name!r}")
        if name in self._parameters and isinstance(value, Tensor) \
                and not isinstance(value, Parameter):
            raise TypeError(f"cannot assign a plain Tensor to the parameter {name!r}: wrap it "
                            f"in minigrad.nn.Parameter, or change it in place under no_grad()")
        if name in self._buffers and not isinstance(value, (Parameter, Module)):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} to the buffer "
                                f"{name!r}: a buffer holds a Tensor or None")
            self._buffers[name] = value  # still a buffer, persistent or not as before
        elif isinstance(value, Parameter):
            if name not in self._parameters:  # a replaced parameter keeps its place
                self._unregister(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            if name not in self._modules:
                self._unregister(name)
            self._modules[name] = value
        else:
            self._unregister(name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._unregister(name)
        object.__delattr__(self, name)

    def _unregister(self, name):
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent_buffers.discard(name)
        self._modules.pop(name, None)

    def register_parameter(self, name, param):
        """Register ``param`` under ``name`` (what attribute assignment does)."""
        _check_name("parameter", name)
        setattr(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Keep ``tensor`` (or None) as the buffer ``name``: reachable as ``self.name``,
        listed by ``buffers()``, moved and cast by ``to`` (a cast changes floating buffers
        only), and, when ``persistent``, saved in ``state_dict()``. Reassigning
        ``self.name`` later replaces the tensor and keeps it a buffer."""
        if "_buffers" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.__init__ must call super().__init__() "
                                 f"before registering the buffer {name!r}")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"cannot register the buffer {name!r}: {type(self).__name__} "
                           f"already has an attribute of that name")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot register a {type(tensor).__name__} as the buffer "
                            f"{name!r}: a buffer holds a Tensor or None")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name, module):
        """Register ``module`` as the sub-module ``name`` (what attribute assignment does)."""
        _check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}, ...) takes a Module, got "
                            f"{type(module).__name__}")
        setattr(self, name, module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ the tree
    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return (module for _, module in self.named_children())

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """This module and every sub-module, with dotted names, in PyTorch's order (a module
        before its children). A module reached twice is listed the first time only, unless
        ``remove_duplicate=False``; ``memo``, a set of modules, is extended with those
        listed, and modules already in it are skipped."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]  # a stack, not recursion: a tree may be thousands deep
        while stack:
            name, module = stack.pop()
            if module in memo:
                continue
            if remove_duplicate:
                memo.add(module)
            yield name, module
            for child_name, child in reversed(module._modules.items()):
                stack.append((_join(name, child_name), child))

    def modules(self):
        return (module for _, module in self.named_modules())

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module, children before their parent, then on
        this module; returns self. A module reached twice is called twice, as in
        PyTorch. Typical use: ``model.apply(init_weights)``."""
        stack = [(self, False)]
        while stack:
            module, children_done = stack.pop()
            if children_done:
                fn(module)
                continue
            stack.append((module, True))
            stack.extend((child, False) for child in reversed(module._modules.values()))
        return self

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) for every parameter; a parameter shared by two modules
        is listed once (under its first name) unless ``remove_duplicate=False``."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        return (param for _, param in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Tensor) for every buffer, persistent or not (None ones left out)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        return (buffer for _, buffer in self.named_buffers(recurse=recurse))

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_name, module in modules:
            for name, member in getattr(module, registry).items():
                if member is None or id(member) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(member))
                yield _join(module_name, name), member

    # ------------------------------------------------------------------ modes and devices
    def train(self, mode=True):
        """Training mode (dropout active); returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode (dropout off); returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = Tensor(param.xp.zeros_like(param.grad.array))

    def to(self, device=None, dtype=None, non_blocking=False):
        """Move every parameter and buffer to ``device`` and/or convert the floating ones
        to ``dtype``; returns self. ``to(tensor)`` takes that tensor's device and dtype.

        Parameters change in place (the Parameter objects stay the same, so optimizers
        keep working); buffers are replaced by converted tensors, as in PyTorch.
        ``non_blocking`` is accepted for PyTorch's sake: copies here are synchronous.
        """
        if isinstance(device, Tensor):
            device, dtype = device.device, device.dtype
        if isinstance(device, (numpy.dtype, type)) or device in ("float32", "float64"):
            device, dtype = None, device
        device = None if device is None else backend.parse_device(device)
        dtype = dtypes.resolve(dtype)
        for param in self.parameters():
            param.array = _converted(param.array, device, dtype)
            if param.grad is not None:
                grad = backend.to_device(param.grad.array, backend.device_of(param.array))
                param.grad = Tensor(grad.astype(param.dtype))
        for module in self.modules():
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    moved = Tensor(_converted(buffer.array, device, dtype), buffer.requires_grad)
                    module._buffers[name] = moved
                    object.__setattr__(module, name, moved)
        return self

    def cpu(self):
        """Move every parameter and buffer to the CPU; returns self."""
        return self.to("cpu")

    def cuda(self, device=None):
        """Move every parameter and buffer to a GPU (``device``: a number, a name or a
        device; the first GPU by default); returns self."""
        if device is None or not isinstance(device, str):
            device = f"cuda:{device or 0}"
        return self.to(device)

    def float(self):
        """Convert floating parameters and buffers to float32; returns self."""
        return self.to(dtype=dtypes.float32)

    def double(self):
        """Convert floating parameters and buffers to float64; returns self."""
        return self.to(dtype=dtypes.float64)

    # ------------------------------------------------------------------ state
    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """Ordered name -> Tensor for every parameter and persistent buffer, as PyTorch
        lays it out: a module's own parameters, then its buffers, then each child's.

        Values are detached Tensors sharing memory (the tensors themselves with
        ``keep_vars``). A tensor shared by two modules (tied weights:
        ``decoder.weight = encoder.weight``) is listed under both names, as in PyTorch.
        """
        state = OrderedDict() if destination is None else destination
        stack = [(prefix, self)]
        while stack:
            at, module = stack.pop()
            for name, tensor in module._state_items():
                state[at + name] = tensor if keep_vars else tensor.detach()
            for child_name, child in reversed(module._modules.items()):
                stack.append((f"{at}{child_name}.", child))
        return state

    def _state_items(self):
        """This module's own (name, tensor) pairs that go into its state_dict."""
        for name, param in self._parameters.items():
            if param is not None:
                yield name, param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                yield name, buffer

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` (Tensors or arrays) into the parameters and
        persistent buffers, keeping their dtypes and devices.

        The expected keys are those ``state_dict()`` lists, so a tied weight is loaded
        from each of its names. With ``strict`` a missing or unexpected key, or a shape
        mismatch, is an error that names every offending key; otherwise matching keys are
        loaded and the missing and unexpected ones returned.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict takes a dict of name -> tensor (what "
                            f"state_dict() returns), got a {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        values = {k: _as_array(v) for k, v in state_dict.items() if k in own}
        mismatched = [(k, own[k].shape, tuple(v.shape)) for k, v in values.items()
                      if tuple(v.shape) != own[k].shape]
        problems = [f"{k}: the checkpoint holds {v.dtype} values, where this model has "
                    f"{own[k].dtype} numbers" for k, v in values.items()
                    if v.dtype.kind not in "biufc" or (v.dtype.kind == "c" and
                                                      own[k].dtype.kind != "c")]
        if mismatched:
            problems += [f"size mismatch for {k}: the checkpoint has shape {theirs}, "
                         f"this model has {ours}" for k, ours, theirs in mismatched]
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if problems:
            raise RuntimeError(f"error loading state_dict into {type(self).__name__}:\n  "
                               + "\n  ".join(problems))
        for name, value in state_dict.items():
            if name in own:
                target = own[name]
                target.array = backend.to_device(_as_array(value), target.device).astype(
                    target.dtype, copy=True)
                target._version += 1
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        """One line of settings shown inside this module's repr."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ")
                 for name, child in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _check_name(kind, name):
    if not isinstance(name, str) or "." in name or not name:
        raise KeyError(f"{kind} name {name!r} must be a non-empty string without '.'")


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def _converted(array, device, dtype):
    """``array`` on ``device`` (if given) and, when floating, in ``dtype`` (if given)."""
    if device is not None:
        array = backend.to_device(array, device)
    if dtype is not None and dtypes.is_floating(array.dtype):
        array = array.astype(dtype)
    return array


def _as_array(value):
    if isinstance(value, Tensor):
        return value.array
    return value if backend.device_of(value) != "cpu" else numpy.asarray(value)
