"""The Tensor and the backward pass: reverse-mode automatic differentiation.

Every op (see ``minigrad/ops``) computes its result and, right beside it, a small
``backward`` function that knows the op's local derivative. ``from_op`` ties the two
together into a graph node::

    def mul(a, b):
        def backward(g):                       # g = dL/d(a*b)
            return g * b.array, g * a.array      # dL/da, dL/db   (the chain rule)
        return from_op(a.array * b.array, (a, b), backward, name="mul")

``Tensor.backward()`` then visits the graph from the output back to the leaves, in
reverse topological order, and at each node applies the chain rule

    dL/d(input) = sum over every use of input:  dL/d(output) * d(output)/d(input)

by calling the node's ``backward`` and adding what it returns into the gradients of
its inputs. Each of those must be an array of its input's shape: anything else is
reported as a bug of that op, by its name. The walk uses an explicit stack, not
recursion, so a graph of 100,000 steps (a long BPTT unroll) is no problem.
"""
import warnings

import numpy

from . import backend, checks, dtypes, grad_mode


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    ``array`` is the raw backend array (NumPy or CuPy), what the ops read; ``data`` is,
    as in PyTorch, a Tensor sharing that memory outside the graph (``p.data.add_(...)``);
    ``grad`` is a Tensor (or None) filled by ``backward()``. Create tensors with ``minigrad.tensor(...)`` and the
    factories (``zeros``, ``randn``, ...). Arithmetic and the other ops are attached
    as methods by ``minigrad/ops/__init__.py``, where the full list stands.
    """

    __slots__ = ("array", "requires_grad", "grad", "_op", "_parents", "_backward",
                 "_saved_versions", "_version", "_is_leaf", "_retains_grad", "_hooks",
                 "__weakref__")
    __array_priority__ = 1000  # make `numpy_array * tensor` call Tensor.__rmul__
    __hash__ = object.__hash__  # == is elementwise, so hash by identity

    def __init__(self, data, requires_grad=False):
        if isinstance(data, (list, tuple, int, float)) and not isinstance(data, numpy.generic):
            data = _numbers(data, dtypes.default_float)  # torch.Tensor([0]): float
        elif not isinstance(data, numpy.ndarray) and backend.device_of(data) == "cpu":
            data = _numbers(data)
        self.array = data
        self.grad = None
        self._op = None  # the name of the op that made it (None for a leaf)
        self._parents = ()
        self._backward = None
        self._saved_versions = ()
        self._version = 0
        self._is_leaf = True
        self._retains_grad = False
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @property
    def data(self):
        """The same values as a Tensor outside the graph, sharing memory: changing it
        changes this tensor, and autograd does not see the change (PyTorch's ``.data``)."""
        return Tensor(self.array)

    @data.setter
    def data(self, value):
        """``t.data = other`` makes t hold other's values (any shape), as in PyTorch."""
        self.array = value.array if isinstance(value, Tensor) else self.xp.asarray(value)

    # ----------------------------------------------------------------- description
    @property
    def shape(self):
        return tuple(self.array.shape)

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def device(self):
        return backend.device_of(self.array)

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def xp(self):
        """The array module of ``array``: numpy or cupy."""
        return backend.get_array_module(self.array)

    @property
    def is_leaf(self):
        """True for tensors made by the user rather than by an op that records a graph."""
        return self._is_leaf

    @property
    def grad_fn(self):
        """The name of the op that made this tensor (``"mul"``), or None for a leaf."""
        return self._op

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def numel(self):
        return int(self.array.size)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        body = numpy.array2string(backend.to_numpy(self.array), separator=", ", prefix="tensor(",
                                  precision=4)
        extras = []
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool):
            extras.append(f"dtype=minigrad.{self.dtype.name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ----------------------------------------------------------------- conversion
    def numpy(self):
        """The values as a NumPy array (a copy from the GPU; refused while tracking grads)."""
        if self.requires_grad and grad_mode.enabled:
            raise RuntimeError("can't call numpy() on a tensor that requires grad: "
                               "use tensor.detach().numpy()")
        return backend.to_numpy(self.array)

    def __array__(self, dtype=None, copy=None):
        """``numpy.asarray(tensor)``: the values, as ``numpy()`` gives them (and refuses)."""
        if self.requires_grad and grad_mode.enabled:
            raise RuntimeError("can't convert a tensor that requires grad to a NumPy array: "
                               "use numpy.asarray(tensor.detach())")
        array = backend.to_numpy(self.array)
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.array.reshape(()).item()

    def tolist(self):
        return backend.to_numpy(self.array).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        """A one-element integer tensor as an index: ``letters[topi]``, ``range(n)``."""
        if self.array.size != 1 or self.dtype.kind not in "biu":
            raise TypeError(f"only integer tensors of a single element can be converted to an "
                            f"index, got dtype {self.dtype} and shape {self.shape}")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.item())

    def detach(self):
        """The same values, cut from the graph (shares ``array``)."""
        return Tensor(self.array)

    def detach_(self):
        """Cut this tensor itself from the graph: it becomes a leaf that requires no grad
        (truncated BPTT's ``state.detach_()``); returns self."""
        self._parents, self._backward, self._saved_versions, self._op = (), None, (), None
        self._is_leaf, self.requires_grad = True, False
        return self

    # to() itself is a differentiable op, attached from minigrad/ops/conversion.py
    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=0):
        """A copy on the GPU: ``device`` is a number, a name (``"cuda:1"``) or a device."""
        return self.to(device if isinstance(device, str) else f"cuda:{device}")

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def half(self):
        return self.to(dtypes.float16)

    def bool(self):
        return self.to(dtypes.bool)

    def type(self, dtype=None):
        """With no argument, the type's name as PyTorch gives it (``'minigrad.FloatTensor'``);
        with a dtype or tensor type (``minigrad.LongTensor``), the tensor converted to it."""
        if dtype is None:
            return dtypes.tensor_type_name(self.dtype)
        return self.to(dtypes.resolve(dtype))

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad=True):
        """Ask (or stop asking) for this leaf's gradient; returns self."""
        if requires_grad and not dtypes.is_floating(self.dtype):
            raise RuntimeError(f"only floating-point tensors can require gradients, "
                               f"got dtype {self.dtype}")
        if not self._is_leaf and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on a leaf; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after ``backward()``."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a Tensor that replaces the gradient. Returns a handle
        whose ``remove()`` unregisters it.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    def backward(self, grad=None, retain_graph=False):
        """Compute d(self)/d(leaf) for every leaf that requires grad, into ``leaf.grad``.

        ``grad`` is dL/d(self); it may be left out only when self holds one element
        (then it is 1). Gradients add up across calls, as in PyTorch: call
        ``zero_grad()`` between steps. The graph is freed afterwards unless
        ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad "
                               "(no input of it has requires_grad=True)")
        if grad is None:
            if self.array.size != 1:
                raise RuntimeError(f"backward() without a gradient works only on a tensor with "
                                   f"one element; this one has shape {self.shape}. Pass "
                                   f"grad=<a tensor of that shape> or reduce it first (.sum())")
            grad = self.xp.ones_like(self.array)
        else:
            grad = grad.array if isinstance(grad, Tensor) else self.xp.asarray(grad)
            if grad.shape != self.array.shape:
                raise ValueError(f"backward(grad): grad has shape {tuple(grad.shape)} "
                                 f"but the tensor has shape {self.shape}")

        grads = {id(self): grad}  # node id -> dL/d(node), summed over its uses
        owned = set()  # ids whose gradient array is ours alone, so it may be added into
        for node in reversed(_topological_order(self)):
            key = id(node)
            g = grads.pop(key, None)
            if g is None:
                continue
            if node._hooks:
                g = _run_hooks(node, g)
                owned.discard(key)  # a hook's gradient is the hook's, not ours
            if node._is_leaf:
                node._accumulate_grad(g, owned=key in owned)
                continue
            if node._retains_grad:
                node._accumulate_grad(g)
            _check_versions(node)
            input_grads = node._backward(g)  # the chain rule, one op at a time
            if not isinstance(input_grads, (tuple, list)) or len(input_grads) != len(node._parents):
                raise _wrong_count(node, input_grads)
            for parent, pg in zip(node._parents, input_grads):
                if pg is None or not parent.requires_grad:
                    continue
                if isinstance(pg, Tensor) or getattr(pg, "shape", None) != parent.array.shape:
                    raise _wrong_gradient(node, input_grads, parent, pg)  # a bug in that op
                key = id(parent)
                if type(pg) is not numpy.ndarray and hasattr(pg, "add_into"):
                    # a sparse gradient (of x[index]) adds itself
                    grads[key] = pg.add_into(grads.get(key), key in owned)
                    owned.add(key)
                elif key not in grads:
                    grads[key] = pg
                elif key in owned and grads[key].dtype == pg.dtype:
                    grads[key] += pg  # the sum is ours alone: add in place, no new array
                else:
                    grads[key] = grads[key] + pg
                    owned.add(key)
            if not retain_graph:
                node._backward, node._parents, node._saved_versions = _freed, (), ()

    def _accumulate_grad(self, g, owned=False):
        """Add ``g`` into ``.grad``; ``owned`` says that no other tensor holds ``g``."""
        if g.dtype != self.dtype:  # its shape was checked where it was made
            g, owned = g.astype(self.dtype), True
        if self.grad is None:  # an array of its own: g may be shared with other tensors'
            self.grad = _result(g if owned else g.copy())  # gradients (x + y) or a read-only view (sum)
        else:
            self.grad = _result(self.grad.array + g)

    # ----------------------------------------------------------------- in-place changes
    def _mark_changed_in_place(self, what):
        """Guard in-place changes, and bump the version so the graph can spot stale inputs."""
        if grad_mode.enabled and self.requires_grad:
            kind = "a leaf that requires grad" if self._is_leaf else "a tensor in a graph"
            raise RuntimeError(f"{what}: {kind} can't be changed in place, since its gradient "
                               f"would be wrong; use `with minigrad.no_grad():` (for updates) "
                               f"or an out-of-place op (x = x + y)")
        self._version += 1

    def __setitem__(self, index, value):
        self._mark_changed_in_place("tensor[...] = value")
        self.array[_raw_index(index)] = value.array if isinstance(value, Tensor) else value

    def copy_(self, other):
        """Copy ``other``'s values into this tensor (in place); returns self."""
        self._mark_changed_in_place("copy_()")
        source = other.array if isinstance(other, Tensor) else other
        self.array[...] = backend.to_device(self.xp.asarray(source), self.device) \
            if not isinstance(source, (int, float)) else source
        return self

    def fill_(self, value):
        self._mark_changed_in_place("fill_()")
        self.array[...] = value
        return self

    def zero_(self):
        return self.fill_(0)

    def add_(self, other, alpha=1):
        """self += alpha * other, in place."""
        if isinstance(alpha, Tensor) and not isinstance(other, Tensor):
            # PyTorch's deprecated add_(number, tensor): alpha and other swapped
            warnings.warn("add_(number, tensor) is deprecated (as in PyTorch); write "
                          "add_(tensor, alpha=number)", DeprecationWarning, stacklevel=2)
            other, alpha = alpha, other
        if isinstance(alpha, Tensor) or not isinstance(alpha, (int, float, numpy.number)):
            raise TypeError(f"add_(other, alpha=...): alpha must be a number, got "
                            f"{type(alpha).__name__}")
        self._mark_changed_in_place("add_()")
        other = other.array if isinstance(other, Tensor) else other
        self.array += other if alpha == 1 else alpha * other  # alpha = 1: no temporary
        return self

    def sub_(self, other, alpha=1):
        return self.add_(other, alpha=-alpha)

    def mul_(self, other):
        self._mark_changed_in_place("mul_()")
        self.array *= other.array if isinstance(other, Tensor) else other
        return self


def _numbers(data, dtype=None):
    """``data`` as a NumPy array of numbers, or a TypeError (a Tensor holds no text)."""
    try:
        array = numpy.asarray(data, dtype=dtype)
    except (TypeError, ValueError):
        array = None
    if array is None or array.dtype.kind not in "biufc":
        raise TypeError(f"a Tensor holds numbers: bool, integer, floating-point or complex; "
                        f"got {checks.describe(data)}")
    return array


def from_op(data, parents, backward, *, name=None):
    """Wrap an op's result as a Tensor and, when gradients are wanted, record the node.

    ``backward(g)`` receives dL/d(result), an array, and returns a tuple with one
    gradient per parent: an array of that parent's shape, or None where there is
    nothing to send (or an object with an ``add_into`` method, such as getitem's
    ``SliceGrad``). ``name`` is the op's name, shown by ``grad_fn`` and in error
    messages (by default, the name of the ``backward`` function). Nothing is recorded
    under ``no_grad()`` or when no parent requires grad, so inference builds no graph.
    """
    out = _result(data)
    if grad_mode.enabled:
        for p in parents:
            if p.requires_grad:
                out.requires_grad = True
                out._is_leaf = False
                out._op = name or getattr(backward, "__name__", "backward")
                out._parents = parents
                out._backward = backward
                out._saved_versions = tuple(p._version for p in parents)
                break
    return out


def _result(data):
    """``Tensor(data)`` for what an op computed: a NumPy array, the common case, needs none
    of the checks that ``Tensor()`` makes of what users pass (a 0-d op gives NumPy scalars)."""
    if type(data) is not numpy.ndarray:
        return Tensor(data)
    t = _new_tensor(Tensor)
    t.array, t.grad, t._op, t._parents, t._backward = data, None, None, (), None
    t._saved_versions, t._version, t._is_leaf, t._retains_grad = (), 0, True, False
    t._hooks, t.requires_grad = None, False
    return t


_new_tensor = object.__new__


def _topological_order(root):
    """Nodes that ``root`` depends on, each after all of its inputs. Iterative DFS: a
    node is done when its iterator over its inputs runs out."""
    order, visited = [], {id(root)}
    stack = [(root, iter(root._parents))]
    while stack:
        node, inputs = stack[-1]
        for parent in inputs:
            if parent.requires_grad and id(parent) not in visited:
                visited.add(id(parent))
                if parent._parents:
                    stack.append((parent, iter(parent._parents)))
                    break
                order.append(parent)  # a leaf: no inputs to wait for
        else:
            stack.pop()
            order.append(node)
    return order


def _freed(_):
    """The backward of a node whose graph was freed by a first ``backward()``."""
    raise RuntimeError("trying to backward through the graph a second time: its saved values "
                       "were freed by the first backward(). Pass retain_graph=True to the first "
                       "call if you need to go through it again")


def _wrong_count(node, input_grads):  # the errors for a backward that broke its contract
    n = len(node._parents)
    got = (f"{len(input_grads)} gradient(s)" if isinstance(input_grads, (tuple, list))
           else f"a {type(input_grads).__name__}")
    return RuntimeError(f"the backward of '{node._op}' returned {got} for its {n} input(s): "
                        f"it must return a tuple with one gradient per input, in order "
                        f"(None where there is nothing to send)")


def _wrong_gradient(node, input_grads, parent, pg):
    # which input: the edges before this one passed the check, so it is the first edge
    # that pairs this parent with this gradient
    i = next(i for i, edge in enumerate(zip(node._parents, input_grads))
             if edge[0] is parent and edge[1] is pg)
    if isinstance(pg, Tensor):
        got = f"a Tensor of shape {pg.shape} (a backward works on arrays: return its .array)"
    elif hasattr(pg, "shape"):
        got = f"a gradient of shape {tuple(pg.shape)}"
    else:
        got = f"a {type(pg).__name__} (not an array)"
    return RuntimeError(f"the backward of '{node._op}' returned {got} for its input {i} "
                        f"of shape {parent.shape}")


def _check_versions(node):
    for parent, version in zip(node._parents, node._saved_versions):
        if parent._version != version:
            raise RuntimeError(
                f"a tensor of shape {parent.shape} needed by the backward of "
                f"'{node._op}' was changed in place after it was used "
                f"(version {version} -> {parent._version}); its gradient would be wrong. "
                f"Use an out-of-place op or clone() it before changing it")


def _run_hooks(node, g):
    for hook in list(node._hooks):
        replaced = hook(Tensor(g))
        if replaced is not None:
            g = replaced.array if isinstance(replaced, Tensor) else replaced
            if getattr(g, "shape", None) != node.array.shape:
                got = (f"a gradient of shape {tuple(g.shape)}" if hasattr(g, "shape")
                       else f"a {type(g).__name__}")
                raise RuntimeError(f"a hook on a tensor of shape {node.shape} returned {got}")
    return g


def _raw_index(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(i.array if isinstance(i, Tensor) else i for i in index)
    return index


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
