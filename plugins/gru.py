"""The gated recurrent unit (Cho et al. 2014), in two forms.

``gru`` — the form of PyTorch and cuDNN, the reset gate applied after the matrix product:

    r  = σ(W_ir x + b_ir + W_hr h + b_hr)
    z  = σ(W_iz x + b_iz + W_hz h + b_hz)
    n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h' = (1 - z) ⊙ n + z ⊙ h

``gru-v3`` — the form of Cho et al. and most textbooks, the reset gate applied to h:

    n  = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)

Both keep PyTorch's layout: weight_ih stacks (W_ir; W_iz; W_in), weight_hh (W_hr; W_hz; W_hn).
"""
from minigrad import hookimpl
from minigrad.nn import fused
from minigrad.nn import functional as F
from minigrad.nn import sequence_ops

from ._weights import StackedGatesCell


class GRUCell(StackedGatesCell):
    """PyTorch's GRU: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))."""

    gates = 3
    init_schemes = ("default", "orthogonal")

    def forward(self, x, state):
        (h,) = state
        x_r, x_z, x_n = F.linear(x, self.weight_ih, self.bias_ih).chunk(3, dim=-1)
        h_r, h_z, h_n = F.linear(h, self.weight_hh, self.bias_hh).chunk(3, dim=-1)
        r = (x_r + h_r).sigmoid()
        z = (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        h = (1 - z) * n + z * h
        self.expose(r=r, z=z, n=n, h=h)  # for `minigrad inspect`; free when off
        return h, (h,)

    # The fused path: the whole sequence as one op (minigrad/nn/sequence_ops/gru.py);
    # and the per-step one: W_ih x + b_ih for all steps in one product, then one fused
    # op per step (minigrad/nn/fused.py). The runner takes them for this class only: a
    # subclass with its own forward runs that forward.
    def fused_sequence(self, inputs, state, reverse, lengths):
        return sequence_ops.gru(inputs, state, self.weight_ih, self.weight_hh, self.bias_ih,
                                self.bias_hh, True, reverse, lengths)

    def project_inputs(self, inputs):
        return F.linear(inputs, self.weight_ih, self.bias_ih)

    def step(self, x_projected, state):
        (h,) = state
        h = fused.gru_step(x_projected, F.linear(h, self.weight_hh, self.bias_hh), h)
        return h, (h,)


class GRUv3Cell(GRUCell):
    """Cho et al.'s GRU: n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn). Its own forward
    and fused sequence op, so the runner never runs GRUCell's fused step for it."""

    def forward(self, x, state):
        (h,) = state
        H = self.hidden_size
        x_r, x_z, x_n = F.linear(x, self.weight_ih, self.bias_ih).chunk(3, dim=-1)
        b_rz, b_n = (None, None) if self.bias_hh is None else (self.bias_hh[:2 * H], self.bias_hh[2 * H:])
        h_r, h_z = F.linear(h, self.weight_hh[:2 * H], b_rz).chunk(2, dim=-1)
        r = (x_r + h_r).sigmoid()
        z = (x_z + h_z).sigmoid()
        n = (x_n + F.linear(r * h, self.weight_hh[2 * H:], b_n)).tanh()
        h = (1 - z) * n + z * h
        self.expose(r=r, z=z, n=n, h=h)  # for `minigrad inspect`; free when off
        return h, (h,)

    def fused_sequence(self, inputs, state, reverse, lengths):
        return sequence_ops.gru(inputs, state, self.weight_ih, self.weight_hh, self.bias_ih,
                                self.bias_hh, False, reverse, lengths)


@hookimpl
def minigrad_register_cells(register):
    register("gru", GRUCell, description="GRU, PyTorch/cuDNN form (reset after the product)")
    register("gru-v3", GRUv3Cell, description="GRU, Cho et al. form (reset before the product)")
