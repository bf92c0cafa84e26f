"""The simplified GRU of the course notes: an update gate and no reset gate.

With [h, x] the previous state and the input stacked, the notes write

    Γ_u = σ(W_u [h, x] + b_u)            the update gate: how much of h to overwrite
    c̃   = tanh(W_c [h, x] + b_c)         the candidate state
    h'  = Γ_u ⊙ c̃ + (1 − Γ_u) ⊙ h

Convention: Γ_u = 1 takes the candidate, Γ_u = 0 keeps the old state. PyTorch's update
gate z is the complement, z = 1 − Γ_u (its h' = (1 − z) ⊙ n + z ⊙ h), so an open
Γ_u is a closed z. The full GRU (``gru``, ``gru-v3``) adds the reset gate Γ_r inside c̃.

Weights keep the layout of the other built-ins: W_u [h, x] = W_iu x + W_hu h, stacked as
weight_ih = (W_iu; W_ic) of shape (2H, input) and weight_hh = (W_hu; W_hc) of shape
(2H, H); the notes' b_u is bias_ih's first block plus bias_hh's first block (likewise b_c).
The fused path runs a whole sequence as one op (minigrad/nn/sequence_ops/gru_simple.py).
"""
from minigrad import hookimpl
from minigrad.nn import functional as F
from minigrad.nn import sequence_ops

from ._weights import StackedGatesCell


class SimpleGRUCell(StackedGatesCell):
    """h' = Γ_u ⊙ c̃ + (1 − Γ_u) ⊙ h, Γ_u = σ(W_u [h, x] + b_u), c̃ = tanh(W_c [h, x] + b_c)."""

    gates = 2
    init_schemes = ("default", "orthogonal")

    def forward(self, x, state):
        (h,) = state
        x_u, x_c = F.linear(x, self.weight_ih, self.bias_ih).chunk(2, dim=-1)
        h_u, h_c = F.linear(h, self.weight_hh, self.bias_hh).chunk(2, dim=-1)
        update = (x_u + h_u).sigmoid()       # Γ_u
        candidate = (x_c + h_c).tanh()       # c̃
        h = update * candidate + (1 - update) * h
        return h, (h,)

    # The fused path: the whole sequence as one op, for this class only (a subclass with
    # its own forward runs that forward).
    def fused_sequence(self, inputs, state, reverse, lengths):
        return sequence_ops.gru_simple(inputs, state, self.weight_ih, self.weight_hh,
                                       self.bias_ih, self.bias_hh, reverse, lengths)


@hookimpl
def minigrad_register_cells(register):
    register("gru-simple", SimpleGRUCell,
             description="simplified GRU of the course notes: update gate only, no reset gate")
