"""The runner that turns any cell into a (deep, bidirectional) layer.

``Recurrent(cell, input_size, hidden_size, ...)`` builds one cell per layer from a cell
factory (a registered name, a ``RecurrentCell`` class, or what a wrapper made of one)
and runs each over the whole sequence with the cell's ``forward_sequence``; stacking,
dropout between layers, initial states and PyTorch's parameter names are done here, so
a cell only ever writes one time step.
"""
import contextlib
import inspect

from .. import checks, memory, ops
from ..tensor import Tensor
from . import functional as F
from .bidirectional import Bidirectional
from .cell import RecurrentCell
from .init_schemes import AUTO, InitContext
from .module import Module
from .sequence_ops import per_step_graph_wanted
from .utils.rnn import PackedSequence, pack_like, pad_packed_sequence
from ..options import validate_options


def resolve_cell(cell):
    """A registered cell name (or a factory, returned as it is) -> the cell factory."""
    if isinstance(cell, str):
        from ..plugin_manager import get_cell
        return get_cell(cell).factory
    if not callable(cell):
        raise TypeError(f"cell must be a registered name or a RecurrentCell class, got {cell!r}")
    return cell


def factory_name(factory):
    return getattr(factory, "__name__", repr(factory))


def _display_name(name):
    """A registered name as it reads in a repr: ``lstm/lstm`` (plugin/cell) as ``lstm``."""
    from ..plugin_manager import get_cell
    return get_cell(name).name


def build_cell(factory, input_size, hidden_size, bias=True, **options):
    """Call a cell factory with its declared ``options`` (checked and converted first) and,
    only when it is False, ``bias``."""
    options = validate_options(getattr(factory, "options", ()), options,
                               f"cell {factory_name(factory)}")
    if not bias:
        accepted = inspect.signature(factory).parameters
        if "bias" not in accepted and not any(
                p.kind is p.VAR_KEYWORD for p in accepted.values()):
            raise ValueError(f"cell {factory_name(factory)} has no bias=False form "
                             f"(its constructor takes no bias argument)")
        options["bias"] = False
    cell = factory(input_size, hidden_size, **options)
    if not isinstance(cell, RecurrentCell):
        raise TypeError(f"the cell factory {factory!r} made a {type(cell).__name__}, "
                        f"not a minigrad.nn.RecurrentCell")
    return cell


def _check_room(first_cell, num_layers):
    """Refuse, after one layer, a stack whose layers can't all fit in memory (a count
    such as 10**13 would otherwise build until the machine runs out)."""
    per_layer = sum(p.numel() * p.dtype.itemsize for p in first_cell.parameters())
    problem = memory.shortfall(per_layer * num_layers, first_cell.device)
    if problem:
        raise ValueError(f"num_layers={num_layers}: the layers' parameters need {problem}")


class Recurrent(Module):
    """Any cell as a layer: unrolled over time, stacked ``num_layers`` deep (with dropout
    between layers), optionally bidirectional.

    ``forward(input, state=None)`` takes input (seq, batch, input_size) — or (batch, seq,
    input_size) with ``batch_first``, or a ``PackedSequence`` of sequences of different
    lengths (``minigrad.nn.utils.rnn``) — and returns ``(output, final_state)``: output is
    (seq, batch, num_directions * hidden) from the last layer; final_state is a tuple with
    one tensor per state component, each (num_layers * num_directions, batch, hidden).
    The cell's parameter ``p`` of layer k is named ``p_l{k}`` (``p_l{k}_reverse`` for
    the backward direction), as in PyTorch. ``cell_options`` go to every cell, checked
    against the options it declares.

    ``fused`` (default True; also an attribute) runs each layer and direction of a
    built-in cell as one op (``minigrad.nn.sequence_ops``); False records the plain
    per-step graph, as ``with minigrad.nn.per_step_graph():`` does for every layer.
    Both compute the same numbers.

    Every step's state of every layer and direction can be reached (to see BPTT's
    gradient at each step): ``register_state_hook(hook)`` has
    ``hook(layer, direction, t, state)`` called with the state tensors that are in the
    graph, and ``with layer.record_states() as states:`` keeps them, gradients
    retained, as ``states[layer][direction][t]``. While either is in place the layer
    runs the per-step graph (the fused ops hold no per-step tensors).
    """

    def __init__(self, cell, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None,
                 device=None, fused=True, **cell_options):
        super().__init__()
        factory = resolve_cell(cell)
        bias, batch_first, bidirectional = (checks.flag(bias, "bias"),
                                            checks.flag(batch_first, "batch_first"),
                                            checks.flag(bidirectional, "bidirectional"))
        if bidirectional and getattr(factory, "directions", 1) == 1:
            factory = Bidirectional(factory)
        num_layers = checks.size(num_layers, "num_layers")
        dropout = checks.probability(dropout, "dropout")
        self.cell_name = _display_name(cell) if isinstance(cell, str) else factory_name(factory)
        input_size, hidden_size = checks.size(input_size, "input_size"), \
            checks.size(hidden_size, "hidden_size")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.use_fast_path = True
        self.fused = checks.flag(fused, "fused")
        self._state_hooks = []  # see register_state_hook
        self.layer_cells = []  # one per layer; their parameters are registered below
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.layer_cells[0].directions
            cell_ = build_cell(factory, layer_input, hidden_size, bias, **cell_options)
            cell_.to(device=device, dtype=dtype)
            if layer == 0:
                _check_room(cell_, num_layers)
            for name, param in cell_.named_layer_parameters(f"_l{layer}"):
                self.register_parameter(name, param)
            self.layer_cells.append(cell_)
        self.bidirectional = self.layer_cells[0].directions == 2

    @property
    def cells(self):
        """``cells[layer][direction]``: the one-direction cell of each layer and direction."""
        return [list(cell.per_direction()) for cell in self.layer_cells]

    def train(self, mode=True):
        super().train(mode)
        for cell in self.layer_cells:
            cell.train(mode)
        return self

    def init_weights(self, scheme, context=None):
        """Apply the initialisation ``scheme`` to every cell (``"auto"``: the cell's own
        recommended one); refused when the cell does not declare it."""
        context = context or InitContext()
        for cell in self.layer_cells:
            chosen = cell.recommended_init if scheme == AUTO else scheme
            if chosen not in cell.init_schemes:
                raise ValueError(f"init {chosen!r} is not supported by the {self.cell_name} "
                                 f"cell; it supports {', '.join(cell.init_schemes)}")
            cell.init_weights(chosen, context)

    def register_state_hook(self, hook):
        """Call ``hook(layer, direction, t, state)`` after every step of every layer and
        direction in each forward: ``state`` is the tuple of tensors the next step reads
        (``(h,)``; ``(h, c)`` for an LSTM), ``t`` the index of the input it read, and
        ``direction`` 0, or 1 for the backward direction of a bidirectional layer. The
        tensors are those of the graph, so ``state[0].retain_grad()`` (or a tensor hook)
        gives the whole ∂L/∂h_t after ``backward()``. While a hook is registered the
        layer runs the per-step graph, for any cell. Returns a handle whose
        ``remove()`` unregisters the hook."""
        if not callable(hook):
            raise TypeError(f"a state hook must be callable as hook(layer, direction, t, "
                            f"state), got {checks.type_name(hook)}")
        self._state_hooks.append(hook)
        return _StateHookHandle(self._state_hooks, hook)

    @contextlib.contextmanager
    def record_states(self, retain_grad=True):
        """Inside, each forward keeps every step's state: the block's value is a list
        ``states[layer][direction][t]`` of state tuples (refilled by each forward). With
        ``retain_grad`` (and gradients on), each state tensor keeps its ``.grad`` after
        ``backward()``: the full ∂L/∂state_t."""
        states = []

        def keep(layer, direction, t, state):
            if (layer, direction, t) == (0, 0, 0):  # the first step of a new forward
                states.clear()
            while len(states) <= layer:
                states.append([[] for _ in range(self.layer_cells[0].directions)])
            steps = states[layer][direction]
            while len(steps) <= t:
                steps.append(None)
            if retain_grad:
                for tensor in state:
                    if tensor.requires_grad:
                        tensor.retain_grad()
            steps[t] = tuple(state)

        handle = self.register_state_hook(keep)
        try:
            yield states
        finally:
            handle.remove()

    def forward(self, input, state=None):  # noqa: A002 - PyTorch's name
        if isinstance(input, PackedSequence):  # sequences of different lengths
            padded, lengths = pad_packed_sequence(input)
            output, final_state = self._run_layers(padded, state, lengths.numpy())
            return pack_like(output, input), final_state
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__} expects its input as a Tensor, got a "
                            f"{checks.type_name(input)} (wrap it with minigrad.tensor(...))")
        if input.ndim != 3:
            raise ValueError(f"{type(self).__name__} expects input of 3 dimensions "
                             f"({'batch, seq' if self.batch_first else 'seq, batch'}, "
                             f"features), got shape {input.shape}")
        if self.batch_first:
            input = input.transpose(0, 1)
        output, final_state = self._run_layers(input, state)
        return (output.transpose(0, 1) if self.batch_first else output), final_state

    def _run_layers(self, input, state, lengths=None):  # noqa: A002
        """(seq, batch, features) -> (output, final state), through every layer."""
        if input.shape[2] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input has {input.shape[2]} features, "
                             f"the layer expects input_size={self.input_size}")
        batch = input.shape[1]
        starts = self._split_state(state, batch)
        finals = []
        layer_input = input
        fused = self.fused and not per_step_graph_wanted() and not self._state_hooks
        for layer, cell in enumerate(self.layer_cells):
            start = starts[layer] if starts else cell.initial_state(batch)
            hooked = {"on_state": self._on_state(layer)} if self._state_hooks else {}
            layer_input, final = cell.forward_sequence(layer_input, start,
                                                       fast=self.use_fast_path, lengths=lengths,
                                                       fused=fused, **hooked)
            finals.append(final if cell.directions > 1 else tuple(s.unsqueeze(0) for s in final))
            if self.dropout and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, self.training)
        return layer_input, tuple(ops.cat(parts, dim=0) for parts in zip(*finals))

    def _on_state(self, layer):
        """The ``on_state`` callback of one layer's cell: every registered hook, told the
        layer too."""
        hooks = tuple(self._state_hooks)

        def on_state(t, state, direction=0):
            for hook in hooks:
                hook(layer, direction, t, state)
        return on_state

    def _split_state(self, state, batch):
        """A user's initial state -> each layer's cell state (for a bidirectional layer,
        each tensor keeps its leading axis of 2 directions)."""
        if state is None:
            return None
        components = (state,) if not isinstance(state, (tuple, list)) else tuple(state)
        directions = self.layer_cells[0].directions
        template = self.layer_cells[0].initial_state(batch)  # what one layer's state looks like
        if len(components) != len(template):
            parts = f"{len(template)} tensor{'s' if len(template) != 1 else ''}"
            raise ValueError(f"{type(self).__name__}: the {self.cell_name} cell's state is "
                             f"{parts}, so the initial state must be too; got {len(components)}")
        for i, c in enumerate(components):
            if not isinstance(c, Tensor):
                raise TypeError(f"{type(self).__name__}: the initial state must be made of "
                                f"Tensors; part {i} of it is a {checks.type_name(c)}")
        for c, t in zip(components, template):
            shape = (self.num_layers * directions, *(t.shape[1:] if directions > 1 else t.shape))
            if tuple(c.shape) != shape:
                raise ValueError(f"{type(self).__name__}: each initial state tensor must be "
                                 f"{shape}, got {tuple(c.shape)}")
        if directions == 1:
            return [tuple(c[k] for c in components) for k in range(self.num_layers)]
        return [tuple(c[2 * k:2 * k + 2] for c in components) for k in range(self.num_layers)]

    def extra_repr(self):
        text = f"{self.cell_name!r}, {self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


class _StateHookHandle:
    """What ``register_state_hook`` returns: ``remove()`` unregisters the hook (twice is
    harmless)."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
