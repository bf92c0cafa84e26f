"""The recurrent cell: one time step, and what a cell declares about itself.

A cell computes one step, ``forward(x_t, state) -> (output_t, new_state)``; the runner
(``minigrad.nn.Recurrent``) unrolls it over a sequence, which is all backpropagation
through time (BPTT) needs: the graph of the unrolled loop is an ordinary graph, and
``backward()`` walks it from the last step to the first.

Writing a cell takes three things::

    class MyCell(RecurrentCell):
        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size)
            self.weight_ih = Parameter(...)          # your weights
        def forward(self, x_t, state):               # state is a tuple of tensors
            (h,) = state
            h = ...                                   # one step, from Tensor ops
            return h, (h,)                            # (output_t, new_state)

What a cell can be told is declared on the class, never guessed from names:

* ``options``: its constructor's keyword options, as ``minigrad.options.Option``s
  (``--cell-opt NAME=VALUE``, ``cell_options=``);
* ``init_schemes`` and ``recommended_init``: the initialisation schemes it supports
  (see ``minigrad.nn.init_schemes``) and the one ``init="auto"`` picks; a scheme is
  applied by ``init_weights``;
* ``recurrent_weights()`` and ``biases()``: which parameters the generic schemes
  (orthogonal, identity) set.
"""
import numpy

from .. import checks, creation, dtypes
from .init_schemes import set_recurrent_blocks
from .module import Module
from . import init
from . import recording as _recording

#: The methods that make up the per-step fast path, replacing ``forward`` in the runner.
FAST_PATH = ("project_inputs", "step")
#: The method that makes up the fused path: the whole sequence as one op.
FUSED_PATH = ("fused_sequence",)


class RecurrentCell(Module):
    """One step of a recurrent network: ``forward(x_t, state) -> (output_t, new_state)``.

    Two optional fast paths, which must give the same numbers as ``forward``:

    * fused: ``fused_sequence(inputs, state, reverse, lengths)`` runs the whole sequence
      as one op (``minigrad.nn.sequence_ops``) and returns what ``forward_sequence``
      does, or None to decline;
    * per step: ``project_inputs(inputs)`` computes the part of every step that depends
      on the input only, for all time steps in one matrix product (or returns None, the
      default: no fast path), and ``step(projected_t, state)`` finishes a step from it.

    The runner takes a fast path only when its methods come from the class that defines
    ``forward``: a subclass that overrides ``forward`` runs its own ``forward``, unless it
    sets ``fast_path_agrees = True``, vouching that the fast paths compute it too.
    """

    options = ()                  # declared constructor options (minigrad.options.Option)
    init_schemes = ("default",)   # the initialisation schemes this cell supports
    recommended_init = "default"  # the one init="auto" picks
    directions = 1                # 2 for a cell that runs both ways in time (bi-)
    fast_path_agrees = False      # read on the latest class that defines forward or step

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = checks.size(input_size, "input_size")
        self.hidden_size = checks.size(hidden_size, "hidden_size")

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

    # ----------------------------------------------------------------- the sequence
    def forward_sequence(self, inputs, state, reverse=False, fast=True, lengths=None,
                         fused=True, on_state=None):
        """Unroll the cell over ``inputs`` (seq, batch, features) from ``state``, backwards
        in time when ``reverse``; returns (outputs (seq, batch, hidden), final state).
        With ``fused`` it runs the whole sequence as one op where ``has_fused_path()``
        allows; otherwise, with ``fast``, the per-step fast path where ``has_fast_path()``
        allows; otherwise ``forward`` at every step.

        ``lengths`` (one int per sequence of the batch) makes sequence b stop after
        ``lengths[b]`` steps: past its end it keeps its state and outputs zeros, so the
        final state is each sequence's own last step (reading backwards, it starts at
        its own last step).

        ``on_state(t, state)``, when given, is called after each step t (t indexes
        ``inputs``, whichever way the loop runs) with the new state: the tuple of tensors
        the next step reads, so their gradient after ``backward()`` is the whole
        ∂L/∂state_t, through the recurrence and not only the direct part. The fused path
        is off then (it holds no per-step tensors); a cell of two directions passes
        ``direction=`` 0 or 1 as a third argument."""
        from .. import ops
        if _recording.recording_wanted():  # a recorder listens to forward: run it
            fused = fast = False
        length = inputs.shape[0]
        if length == 0:  # nothing to unroll: no outputs, and the state stays where it was
            return creation.zeros(0, inputs.shape[1], self.hidden_size, dtype=self.dtype,
                                  device=inputs.device), tuple(state)
        if fused and on_state is None and self.has_fused_path():
            result = self.fused_sequence(inputs, tuple(state), reverse, lengths)
            if result is not None:
                return result
        steps = range(length - 1, -1, -1) if reverse else range(length)
        projected = self.project_inputs(inputs) if fast and self.has_fast_path() else None
        running = None if lengths is None else _running_masks(lengths, length, inputs.device)
        outputs = [None] * length
        for t in steps:
            if projected is None:
                output, new_state = self(inputs[t], state)
            else:
                output, new_state = self.step(projected[t], state)
            if running is not None:  # a sequence past its end keeps its state
                new_state = tuple(ops.where(running[t], new, old)
                                  for new, old in zip(new_state, state))
                output = ops.where(running[t], output, 0.0)
            outputs[t], state = output, new_state
            if on_state is not None:
                on_state(t, state)
        return ops.stack(outputs, dim=0), tuple(state)

    def fused_sequence(self, inputs, state, reverse, lengths):
        return None

    def project_inputs(self, inputs):
        return None

    def step(self, projected_t, state):
        raise NotImplementedError(f"{type(self).__name__} has no fast path")

    @classmethod
    def has_fast_path(cls):
        """Whether the per-step fast path may stand in for ``forward``: ``forward``,
        ``project_inputs`` and ``step`` come from one class, or the latest class to define
        any of them (or to say so) sets ``fast_path_agrees = True``."""
        return _agrees(cls, FAST_PATH, "step")

    @classmethod
    def has_fused_path(cls):
        """Whether ``fused_sequence`` may stand in for ``forward``, by the same rule."""
        return _agrees(cls, FUSED_PATH, "fused_sequence")

    # ----------------------------------------------------------------- internals
    def expose(self, name=None, value=None, /, **values):
        """Name values of ``forward`` worth looking at (gates, states):
        ``f = self.expose("f", f.sigmoid())`` returns the value unchanged;
        ``self.expose(i=i, f=f, c=c)`` names several. A no-op (one test) unless a
        recorder is open, ``with cell.recording() as record:`` or
        ``with minigrad.nn.inspect_cells() as record:``; then each value is copied, per
        step, into the record (see ``minigrad.nn.recording``)."""
        if _recording._active:
            if name is not None:
                values = {name: value, **values}
            for key, item in values.items():
                _recording.note(self, key, item)
        return value

    def recording(self):
        """``with cell.recording() as record:``: what this cell exposes inside the block,
        ``record[name]`` a list with one array per step (``record.stacked(name)``: one
        array). Inside, the runner runs ``forward`` at every step (no fused op)."""
        return _recording.record_cell(self)

    # ----------------------------------------------------------------- initialisation
    def recurrent_weights(self):
        """The matrices that multiply the previous state, each stacking one (H, H) block
        per gate: what the orthogonal and identity schemes set. None by default."""
        return ()

    def biases(self):
        """The bias vectors: what the identity scheme zeroes. None by default."""
        return ()

    def init_weights(self, scheme, context):
        """Apply the initialisation ``scheme`` (one of ``init_schemes``) with ``context``
        (an ``InitContext``: the task's longest delay, the forget-gate bias). Cells with
        schemes of their own (chrono, forget-bias) override this and hand the rest on."""
        if scheme == "default":
            return  # the constructor's draw
        if scheme == "orthogonal":
            set_recurrent_blocks(self, init.orthogonal_)
        elif scheme == "identity":
            set_recurrent_blocks(self, init.eye_)
            for bias in self.biases():
                init.zeros_(bias)
        else:
            raise NotImplementedError(f"{type(self).__name__} declares the init {scheme!r} "
                                      f"but its init_weights does not apply it")

    # ----------------------------------------------------------------- in a layer
    def per_direction(self):
        """The one-direction cells this cell is made of: itself (a bidirectional cell: two)."""
        return (self,)

    def named_layer_parameters(self, suffix):
        """(name, parameter) as a layer names them, PyTorch's way: ``p`` -> ``p_l0``
        (``suffix`` "_l0"); a sub-module's ``inner.w`` -> ``inner_w_l0``."""
        for name, param in self.named_parameters():
            yield name.replace(".", "_") + suffix, param

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


def _running_masks(lengths, steps, device):
    """For each step t, a (batch, 1) bool tensor: which sequences are longer than t."""
    lengths = numpy.asarray(lengths).reshape(1, -1, 1)
    running = numpy.arange(steps).reshape(-1, 1, 1) < lengths
    return creation.tensor(running, device=device)


def _agrees(cls, path, essential):
    """The safe fast-path rule for the methods ``path`` of ``cls`` (see has_fast_path);
    ``essential`` is the one a cell must define for the path to exist at all."""
    owners = {_defining_class(cls, name) for name in ("forward", *path)}
    latest = next(klass for klass in cls.__mro__
                  if klass in owners or "fast_path_agrees" in klass.__dict__)
    if "fast_path_agrees" in latest.__dict__:
        return latest.fast_path_agrees and _defining_class(cls, essential) is not RecurrentCell
    return len(owners) == 1


def _defining_class(cls, name):
    """The class in ``cls``'s MRO whose own body defines ``name``."""
    return next(klass for klass in cls.__mro__ if name in klass.__dict__)
