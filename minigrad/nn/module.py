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
    (after calling ``super().__init__()``) and define ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
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
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register ``param`` under ``name`` (what attribute assignment does)."""
        if "." in name or not name:
            raise KeyError(f"parameter name {name!r} must be non-empty and contain no '.'")
        setattr(self, name, param)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ the tree
    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return (module for _, module in self.named_children())

    def named_modules(self, prefix=""):
        """This module and every sub-module, with dotted names (each once)."""
        seen, stack = set(), [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = list(module.named_children())
            for child_name, child in reversed(children):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self):
        return (module for _, module in self.named_modules())

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) for every parameter, each listed once."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self, recurse=True):
        return (param for _, param in self.named_parameters(recurse=recurse))

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

    def to(self, device=None, dtype=None):
        """Move every parameter to ``device`` and/or convert floating ones to ``dtype``,
        in place (the Parameter objects stay the same, so optimizers keep working)."""
        if isinstance(device, (numpy.dtype, type)) or device in ("float32", "float64"):
            device, dtype = None, device
        dtype = dtypes.resolve(dtype)
        for param in self.parameters():
            data = param.array
            if device is not None:
                data = backend.to_device(data, device)
            if dtype is not None and dtypes.is_floating(data.dtype):
                data = data.astype(dtype)
            param.array = data
            if param.grad is not None:
                grad = backend.to_device(param.grad.array, backend.device_of(data))
                param.grad = Tensor(grad.astype(data.dtype))
        return self

    # ------------------------------------------------------------------ state
    def state_dict(self):
        """Ordered name -> Tensor (detached, sharing memory) for every parameter."""
        return OrderedDict((name, param.detach()) for name, param in self.named_parameters())

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` (Tensors or arrays) into the parameters.

        With ``strict`` a missing or unexpected key, or a shape mismatch, is an error that
        names every offending key; otherwise matching keys are loaded and the missing and
        unexpected ones returned.
        """
        own = OrderedDict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = [(k, own[k].shape, tuple(_as_array(v).shape)) for k, v in state_dict.items()
                      if k in own and tuple(_as_array(v).shape) != own[k].shape]
        problems = []
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
                param = own[name]
                param.array = backend.to_device(_as_array(value), param.device).astype(
                    param.dtype, copy=True)
                param._version += 1
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


def _as_array(value):
    if isinstance(value, Tensor):
        return value.array
    return value if backend.device_of(value) != "cpu" else numpy.asarray(value)
