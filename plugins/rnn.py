"""The Elman RNN cell (Elman 1990), as torch.nn.RNN computes it:

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)

``rnn-relu`` uses relu instead of tanh; with W_hh initialised to the identity and
b = 0 (``--init identity``) it is the IRNN of Le, Jaitly & Hinton (2015).
"""
from minigrad import hookimpl
from minigrad.nn import functional as F
from minigrad.nn import sequence_ops
from minigrad.options import Option

from ._weights import StackedGatesCell


class RNNCell(StackedGatesCell):
    """h' = φ(W_ih x + b_ih + W_hh h + b_hh), φ = tanh or relu."""

    options = (Option("nonlinearity", "tanh", type=str, choices=("tanh", "relu"),
                      help="φ, the activation of h"),)
    init_schemes = ("default", "orthogonal", "identity")

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__(input_size, hidden_size, bias)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity

    def forward(self, x, state):
        return self.step(self.project_inputs(x), state)

    # The fused path: the whole sequence as one op (minigrad/nn/sequence_ops/rnn.py),
    # taken for this class only: a subclass with its own forward runs that forward.
    def fused_sequence(self, inputs, state, reverse, lengths):
        return sequence_ops.rnn(inputs, state, self.weight_ih, self.weight_hh, self.bias_ih,
                                self.bias_hh, self.nonlinearity, reverse, lengths)

    # The fast path: W_ih x + b_ih for all steps in one product; forward is the same two
    # calls for one step, so both paths compute the same numbers by construction.
    def project_inputs(self, x):
        """W_ih x + b_ih, for one step or for all steps at once."""
        return F.linear(x, self.weight_ih, self.bias_ih)

    def step(self, x_projected, state):
        (h,) = state
        pre_activation = x_projected + F.linear(h, self.weight_hh, self.bias_hh)
        h = pre_activation.tanh() if self.nonlinearity == "tanh" else pre_activation.relu()
        self.expose(h=h)  # for `minigrad inspect`; free when off
        return h, (h,)


class ReLURNNCell(RNNCell):
    """h' = relu(W_ih x + b_ih + W_hh h + b_hh)."""

    options = ()  # the nonlinearity is fixed

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__(input_size, hidden_size, bias=bias, nonlinearity="relu")


@hookimpl
def minigrad_register_cells(register):
    register("rnn", RNNCell, description="Elman RNN, h' = tanh(W_ih x + W_hh h + b)",
             aliases=("elman", "rnn-tanh"))
    register("rnn-relu", ReLURNNCell, description="Elman RNN with relu (the IRNN with identity init)",
             aliases=("irnn",))
