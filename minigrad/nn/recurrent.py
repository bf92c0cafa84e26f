"""Recurrent cells and the runner that turns any cell into a (deep, bidirectional) layer.

A cell computes one time step; ``Recurrent`` unrolls it over a sequence, which is all
backpropagation through time (BPTT) needs: the graph of the unrolled loop is an
ordinary graph, and ``backward()`` walks it from the last step to the first.

Writing a cell takes three things::

    class MyCell(RecurrentCell):
        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size)
            self.weight_ih = Parameter(...)          # your weights
        def forward(self, x_t, state):               # state is a tuple of tensors
            (h,) = state
            h = ...                                   # one step, from Tensor ops
            return h, (h,)                            # (output_t, new_state)

``initial_state`` defaults to one zero tensor of ``hidden_size``; override it for
cells with more state (the LSTM's (h, c)).
"""
import inspect

from .. import creation, dtypes, ops
from . import functional as F
from .module import Module


class RecurrentCell(Module):
    """One step of a recurrent network: ``forward(x_t, state) -> (output_t, new_state)``.

    Optional fast path for built-in cells: ``project_inputs(inputs)`` computes the
    part of every step that depends on the input only, for all time steps in one
    matrix product (or returns None, the default, for no fast path), and
    ``step(projected_t, state)`` finishes a step from it. It must give the same
    numbers as ``forward``.
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size

    @property
    def dtype(self):
        first = next(self.parameters(), None)
        return first.dtype if first is not None else dtypes.default_float

    @property
    def device(self):
        first = next(self.parameters(), None)
        return first.device if first is not None else "cpu"

    def initial_state(self, batch_size):
        """The state before the first step: zeros, one tensor of (batch, hidden_size)."""
        return (creation.zeros(batch_size, self.hidden_size, dtype=self.dtype,
                               device=self.device),)

    def project_inputs(self, inputs):
        return None

    def step(self, projected_t, state):
        raise NotImplementedError(f"{type(self).__name__} has no fast path")

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class Bidirectional:
    """A cell factory to run in both directions: ``Recurrent(Bidirectional(cell))`` is
    ``Recurrent(cell, bidirectional=True)``. The ``bi`` wrapper plugin registers it, so
    ``bi-<cell>`` names exist for every cell."""

    def __init__(self, cell_factory):
        self.cell_factory = cell_factory

    def __repr__(self):
        return f"Bidirectional({getattr(self.cell_factory, '__name__', self.cell_factory)})"


def resolve_cell(cell):
    """A registered cell name, a cell class or a ``Bidirectional`` -> (factory, bidirectional)."""
    if isinstance(cell, str):
        from ..plugin_manager import get_cell
        cell = get_cell(cell).factory
    if isinstance(cell, Bidirectional):
        return cell.cell_factory, True
    if not callable(cell):
        raise TypeError(f"cell must be a registered name or a RecurrentCell class, got {cell!r}")
    return cell, False


def build_cell(factory, input_size, hidden_size, bias=True, **options):
    """Call a cell factory with what it accepts: ``bias`` and options only when asked for."""
    accepted = inspect.signature(factory).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    extra = dict(options)
    if not bias:
        extra["bias"] = False
    unknown = [k for k in extra if k not in accepted and not takes_any]
    if unknown:
        name = getattr(factory, "__name__", repr(factory))
        raise ValueError(f"cell {name} does not take the option(s) {', '.join(unknown)}")
    cell = factory(input_size, hidden_size, **extra)
    if not isinstance(cell, RecurrentCell):
        raise TypeError(f"the cell factory {factory!r} made a {type(cell).__name__}, "
                        f"not a minigrad.nn.RecurrentCell")
    return cell


class Recurrent(Module):
    """Any cell as a layer: unrolled over time, stacked ``num_layers`` deep (with dropout
    between layers), optionally bidirectional.

    ``forward(input, state=None)`` takes input (seq, batch, input_size) — or (batch, seq,
    input_size) with ``batch_first`` — and returns ``(output, final_state)``: output is
    (seq, batch, num_directions * hidden) from the last layer; final_state is a tuple with
    one tensor per state component, each (num_layers * num_directions, batch, hidden).
    The cell's parameter ``p`` of layer k is named ``p_l{k}`` (``p_l{k}_reverse`` for
    the backward direction), as in PyTorch.
    """

    def __init__(self, cell, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None,
                 device=None, **cell_options):
        super().__init__()
        factory, wrapped_bidirectional = resolve_cell(cell)
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"dropout must be between 0 and 1, got {dropout}")
        self.cell_name = cell if isinstance(cell, str) else getattr(factory, "__name__", "cell")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.bidirectional = bool(bidirectional or wrapped_bidirectional)
        self.use_fast_path = True
        directions = 2 if self.bidirectional else 1
        self.cells = []  # cells[layer][direction]; their parameters are registered below
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            row = []
            for direction in range(directions):
                cell_ = build_cell(factory, layer_input, hidden_size, bias, **cell_options)
                cell_.to(device=device, dtype=dtype)
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                for name, param in cell_.named_parameters():
                    self.register_parameter(name.replace(".", "_") + suffix, param)
                row.append(cell_)
            self.cells.append(row)

    def train(self, mode=True):
        super().train(mode)
        for row in self.cells:
            for cell in row:
                cell.train(mode)
        return self

    def forward(self, input, state=None):  # noqa: A002 - PyTorch's name
        if input.ndim != 3:
            raise ValueError(f"{type(self).__name__} expects input of 3 dimensions "
                             f"({'batch, seq' if self.batch_first else 'seq, batch'}, "
                             f"features), got shape {input.shape}")
        if self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[2] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input has {input.shape[2]} features, "
                             f"the layer expects input_size={self.input_size}")
        batch = input.shape[1]
        state = self._split_state(state, batch)
        finals = []
        layer_input = input
        for layer, row in enumerate(self.cells):
            outputs = []
            for direction, cell in enumerate(row):
                start = state[layer * len(row) + direction] if state else cell.initial_state(batch)
                output, final = self._run(cell, layer_input, start, reverse=direction == 1)
                outputs.append(output)
                finals.append(final)
            layer_input = outputs[0] if len(outputs) == 1 else ops.cat(outputs, dim=2)
            if self.dropout and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, self.training)
        output = layer_input.transpose(0, 1) if self.batch_first else layer_input
        final_state = tuple(ops.stack(parts, dim=0) for parts in zip(*finals))
        return output, final_state

    def _run(self, cell, inputs, state, reverse=False):
        """Unroll one cell over the sequence (backwards in time when ``reverse``)."""
        steps = range(inputs.shape[0] - 1, -1, -1) if reverse else range(inputs.shape[0])
        projected = cell.project_inputs(inputs) if self.use_fast_path else None
        outputs = [None] * inputs.shape[0]
        for t in steps:
            if projected is None:
                outputs[t], state = cell(inputs[t], state)
            else:
                outputs[t], state = cell.step(projected[t], state)
        return ops.stack(outputs, dim=0), tuple(state)

    def _split_state(self, state, batch):
        """A user's initial state -> one tuple of (batch, hidden) tensors per layer and direction."""
        if state is None:
            return None
        components = (state,) if not isinstance(state, (tuple, list)) else tuple(state)
        expected = self.num_layers * (2 if self.bidirectional else 1)
        template = self.cells[0][0].initial_state(batch)  # what one cell's state looks like
        if len(components) != len(template):
            parts = f"{len(template)} tensor{'s' if len(template) != 1 else ''}"
            raise ValueError(f"{type(self).__name__}: the {self.cell_name} cell's state is "
                             f"{parts}, so the initial state must be too; got {len(components)}")
        for c, t in zip(components, template):
            shape = (expected, *t.shape)
            if tuple(c.shape) != shape:
                raise ValueError(f"{type(self).__name__}: each initial state tensor must be "
                                 f"{shape}, got {tuple(c.shape)}")
        return [tuple(c[k] for c in components) for k in range(expected)]

    def extra_repr(self):
        text = f"{self.cell_name!r}, {self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text
