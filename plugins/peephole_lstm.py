"""The peephole LSTM (Gers & Schmidhuber 2000): the gates also look at the cell state,
through diagonal ("peephole") weights w_ci, w_cf, w_co of shape (hidden,):

    i  = σ(W_ii x + b_ii + W_hi h + b_hi + w_ci ⊙ c)
    f  = σ(W_if x + b_if + W_hf h + b_hf + w_cf ⊙ c)
    g  = tanh(W_ig x + b_ig + W_hg h + b_hg)
    c' = f ⊙ c + i ⊙ g
    o  = σ(W_io x + b_io + W_ho h + b_ho + w_co ⊙ c')    (sees the new cell state)
    h' = o ⊙ tanh(c')

With the peephole weights at zero it is exactly the ``lstm`` cell. It inherits the LSTM's
initialisation schemes, and has its own fused sequence op (the LSTM's with peepholes);
having its own ``forward``, it never runs the LSTM's fused step.
"""
import math

from minigrad import creation, hookimpl
from minigrad.nn import Parameter, init
from minigrad.nn import functional as F
from minigrad.nn import sequence_ops

from .lstm import LSTMCell


class PeepholeLSTMCell(LSTMCell):
    """LSTM whose gates see c through the diagonal weights weight_ci, weight_cf, weight_co."""

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__(input_size, hidden_size, bias)
        bound = 1 / math.sqrt(hidden_size)
        for name in ("weight_ci", "weight_cf", "weight_co"):
            setattr(self, name, init.uniform_(Parameter(creation.zeros(hidden_size)), -bound, bound))

    def forward(self, x, state):
        h, c = state
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        i, f, g, o = gates.chunk(4, dim=-1)
        i = (i + self.weight_ci * c).sigmoid()
        f = (f + self.weight_cf * c).sigmoid()
        g = g.tanh()
        c = f * c + i * g
        o = (o + self.weight_co * c).sigmoid()
        h = o * c.tanh()
        self.expose(i=i, f=f, g=g, o=o, c=c, h=h)  # for `minigrad inspect`; free when off
        return h, (h, c)

    def fused_sequence(self, inputs, state, reverse, lengths):
        return sequence_ops.lstm(inputs, state, self.weight_ih, self.weight_hh, self.bias_ih,
                                 self.bias_hh, (self.weight_ci, self.weight_cf, self.weight_co),
                                 reverse, lengths)


@hookimpl
def minigrad_register_cells(register):
    register("peephole-lstm", PeepholeLSTMCell,
             description="LSTM whose gates see the cell state (Gers & Schmidhuber 2000)")
