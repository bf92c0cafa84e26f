"""Both directions in time: one copy of a cell reads the sequence forwards, another
backwards, and their outputs are concatenated at each step (Schuster & Paliwal 1997).

``Bidirectional(factory)`` is a cell factory like any other, so the ``bi`` wrapper
plugin is just ``wrap(factory) -> Bidirectional(factory)``, and
``Recurrent(cell, bidirectional=True)`` is ``Recurrent(Bidirectional(cell))``.
"""
from .. import ops
from .cell import RecurrentCell


class Bidirectional:
    """A cell factory: ``Bidirectional(factory)(input_size, hidden_size, **options)`` is a
    ``BidirectionalCell`` of two cells made by ``factory``. What the wrapped cell declares
    (options, init schemes) the pair declares too."""

    directions = 2

    def __init__(self, cell_factory):
        if getattr(cell_factory, "directions", 1) != 1:
            raise ValueError(f"{cell_factory!r} already runs in both directions")
        self.cell_factory = cell_factory
        self.__name__ = f"Bidirectional({getattr(cell_factory, '__name__', cell_factory)})"

    def __call__(self, input_size, hidden_size, **options):
        return BidirectionalCell(self.cell_factory(input_size, hidden_size, **options),
                                 self.cell_factory(input_size, hidden_size, **options))

    @property
    def options(self):
        return getattr(self.cell_factory, "options", ())

    @property
    def init_schemes(self):
        return getattr(self.cell_factory, "init_schemes", ("default",))

    @property
    def recommended_init(self):
        return getattr(self.cell_factory, "recommended_init", "default")

    def __repr__(self):
        return self.__name__


class BidirectionalCell(RecurrentCell):
    """Two cells, one per direction. Its state is each of the cell's state tensors for
    both directions, stacked: (2, batch, hidden), forward first. It needs the whole
    sequence, so it runs through ``forward_sequence`` only."""

    directions = 2

    def __init__(self, forward_cell, reverse_cell):
        for cell in (forward_cell, reverse_cell):
            if not isinstance(cell, RecurrentCell):
                raise TypeError(f"the cell factory made a {type(cell).__name__}, "
                                f"not a minigrad.nn.RecurrentCell")
        super().__init__(forward_cell.input_size, forward_cell.hidden_size)
        self.forward_cell, self.reverse_cell = forward_cell, reverse_cell
        self.init_schemes = forward_cell.init_schemes
        self.recommended_init = forward_cell.recommended_init

    def initial_state(self, batch_size):
        return tuple(ops.stack([f, r]) for f, r in zip(
            self.forward_cell.initial_state(batch_size),
            self.reverse_cell.initial_state(batch_size)))

    def forward(self, x_t, state):
        raise TypeError("a bidirectional cell reads the sequence backwards too, so it "
                        "can't run one step at a time; run it in a minigrad.nn.Recurrent")

    def forward_sequence(self, inputs, state, reverse=False, fast=True, lengths=None,
                         fused=True, on_state=None):
        """Each direction's cell over ``inputs``; ``on_state(t, state, direction=d)`` is
        told each step of direction d (0 forwards, 1 backwards), when given."""
        hooks = ({}, {}) if on_state is None else tuple(
            {"on_state": lambda t, s, d=d: on_state(t, s, direction=d)} for d in (0, 1))
        forwards, ends_forward = self.forward_cell.forward_sequence(
            inputs, tuple(s[0] for s in state), reverse, fast, lengths, fused, **hooks[0])
        backwards, ends_backward = self.reverse_cell.forward_sequence(
            inputs, tuple(s[1] for s in state), not reverse, fast, lengths, fused, **hooks[1])
        final = tuple(ops.stack([f, b]) for f, b in zip(ends_forward, ends_backward))
        return ops.cat([forwards, backwards], dim=2), final

    def init_weights(self, scheme, context):
        self.forward_cell.init_weights(scheme, context)
        self.reverse_cell.init_weights(scheme, context)

    def per_direction(self):
        return self.forward_cell, self.reverse_cell

    def named_layer_parameters(self, suffix):
        yield from self.forward_cell.named_layer_parameters(suffix)
        yield from self.reverse_cell.named_layer_parameters(suffix + "_reverse")
