"""The Elman RNN cell (Elman 1990), as torch.nn.RNN computes it:

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)

``rnn-relu`` uses relu instead of tanh; with W_hh initialised to the identity and
b = 0 (``minigrad.nn.init.eye_``) it is the IRNN of Le, Jaitly & Hinton (2015).
"""
from minigrad import hookimpl
from minigrad.nn import RecurrentCell
from minigrad.nn import functional as F

from ._weights import add_weights


class RNNCell(RecurrentCell):
    """h' = φ(W_ih x + b_ih + W_hh h + b_hh), φ = tanh or relu."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__(input_size, hidden_size)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        add_weights(self, gates=1, bias=bias)

    def project_inputs(self, x):
        """W_ih x + b_ih, for one step or for all steps at once."""
        return F.linear(x, self.weight_ih, self.bias_ih)

    def step(self, x_projected, state):
        (h,) = state
        pre_activation = x_projected + F.linear(h, self.weight_hh, self.bias_hh)
        h = pre_activation.tanh() if self.nonlinearity == "tanh" else pre_activation.relu()
        return h, (h,)

    def forward(self, x, state):
        return self.step(self.project_inputs(x), state)


class ReLURNNCell(RNNCell):
    """h' = relu(W_ih x + b_ih + W_hh h + b_hh)."""

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__(input_size, hidden_size, bias=bias, nonlinearity="relu")


@hookimpl
def minigrad_register_cells(register):
    register("rnn", RNNCell, description="Elman RNN, h' = tanh(W_ih x + W_hh h + b)",
             aliases=("elman", "rnn-tanh"))
    register("rnn-relu", ReLURNNCell, description="Elman RNN with relu (the IRNN with identity init)",
             aliases=("irnn",))
