"""Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of
Gers et al. 2000), as torch.nn.LSTM computes it, gates in the order i, f, g, o:

    i  = σ(W_ii x + b_ii + W_hi h + b_hi)        input gate
    f  = σ(W_if x + b_if + W_hf h + b_hf)        forget gate
    g  = tanh(W_ig x + b_ig + W_hg h + b_hg)     candidate cell
    o  = σ(W_io x + b_io + W_ho h + b_ho)        output gate
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ tanh(c')

The cell state c is the "constant error carousel": its gradient flows through
c' = f ⊙ c + ... multiplied only by f, so with f near 1 it survives long delays.
A new gate goes into the stacked weights (one more block of H rows, ``gates``) and
into ``forward``, in a subclass; the runner then runs your ``forward``, since the fused
paths below compute this class's equations only.

Initialisation schemes (``--init``): ``chrono`` (recommended) draws b_f = log U(1, T - 1)
and b_i = -b_f, T the task's longest delay (Tallec & Ollivier 2018), matching memories
of up to about T steps; ``forget-bias`` starts f open with b_f = 1.0 or the value asked
for (Jozefowicz et al. 2015); ``default`` and ``orthogonal`` as for every cell.
"""
import numpy

from minigrad import backend, creation, hookimpl, random
from minigrad.nn import fused
from minigrad.nn import functional as F
from minigrad.nn import sequence_ops

from ._weights import StackedGatesCell


class LSTMCell(StackedGatesCell):
    """c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c');  state (h, c)."""

    gates = 4
    init_schemes = ("default", "chrono", "forget-bias", "orthogonal")
    recommended_init = "chrono"

    def initial_state(self, batch_size):
        zeros = creation.zeros(batch_size, self.hidden_size, dtype=self.dtype, device=self.device)
        return zeros, zeros

    def forward(self, x, state):
        h, c = state
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        i, f, g, o = gates.chunk(4, dim=-1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c = f * c + i * g
        h = o * c.tanh()
        self.expose(i=i, f=f, g=g, o=o, c=c, h=h)  # for `minigrad inspect`; free when off
        return h, (h, c)

    # The fused path: the whole sequence as one op (minigrad/nn/sequence_ops/lstm.py);
    # and the per-step one: W_ih x + b_ih for all steps in one product, then one fused
    # op per step (minigrad/nn/fused.py). The runner takes them for this class only: a
    # subclass with its own forward runs that forward.
    def fused_sequence(self, inputs, state, reverse, lengths):
        return sequence_ops.lstm(inputs, state, self.weight_ih, self.weight_hh, self.bias_ih,
                                 self.bias_hh, None, reverse, lengths)

    def project_inputs(self, inputs):
        return F.linear(inputs, self.weight_ih, self.bias_ih)

    def step(self, x_projected, state):
        h, c = state
        hc = fused.lstm_step(x_projected + F.linear(h, self.weight_hh, self.bias_hh), c)
        h = hc[0]  # one tensor as output and state: a state hook sees the whole ∂L/∂h
        return h, (h, hc[1])

    def init_weights(self, scheme, context):
        if scheme == "chrono":
            set_gate_biases(self, chrono=context.max_delay)
        elif scheme == "forget-bias":
            set_gate_biases(self, forget_bias=context.forget_bias)
        else:
            super().init_weights(scheme, context)


def set_gate_biases(cell, forget_bias=None, chrono=None):
    """Forget-gate bias or chrono initialisation, on bias_ih (bias_hh's gate rows are zeroed
    so the sum is exactly the value asked for)."""
    if cell.bias_ih is None:
        raise ValueError("the chrono and forget-bias schemes set the gate biases; the cell "
                         "was made with bias=False")
    H = cell.hidden_size
    b_ih = backend.to_numpy(cell.bias_ih.array).copy()
    b_hh = backend.to_numpy(cell.bias_hh.array).copy()
    if chrono is not None:
        if chrono < 2:
            raise ValueError(f"chrono needs the longest expected delay T >= 2, got {chrono}")
        forget = numpy.log(random.generator().uniform(1, chrono - 1, H))
        b_ih[H:2 * H], b_hh[H:2 * H] = forget, 0
        b_ih[:H], b_hh[:H] = -forget, 0
    elif forget_bias is not None:
        b_ih[H:2 * H], b_hh[H:2 * H] = forget_bias, 0
    else:
        raise ValueError("chrono needs the longest delay T the task asks for (max_delay)")
    cell.bias_ih.array[...] = backend.to_device(b_ih, cell.bias_ih.device)
    cell.bias_hh.array[...] = backend.to_device(b_hh, cell.bias_hh.device)


@hookimpl
def minigrad_register_cells(register):
    register("lstm", LSTMCell, description="LSTM with forget gate, gates i, f, g, o")
