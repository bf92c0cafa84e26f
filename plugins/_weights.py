"""What the built-in cells share: PyTorch's weight layout and its default init."""
import math

from minigrad import creation
from minigrad.nn import Parameter, RecurrentCell, init


class StackedGatesCell(RecurrentCell):
    """A cell with PyTorch's four weights for ``gates`` stacked gates: weight_ih
    (gates·H, input), weight_hh (gates·H, H), bias_ih and bias_hh (gates·H), all drawn
    from U(-1/√H, 1/√H) as torch.nn.RNN/GRU/LSTM do. weight_hh is the recurrent matrix
    the orthogonal and identity schemes set."""

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__(input_size, hidden_size)
        rows = self.gates * hidden_size
        self.weight_ih = Parameter(creation.zeros(rows, input_size))
        self.weight_hh = Parameter(creation.zeros(rows, hidden_size))
        self.bias_ih = Parameter(creation.zeros(rows)) if bias else None
        self.bias_hh = Parameter(creation.zeros(rows)) if bias else None
        bound = 1 / math.sqrt(hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def recurrent_weights(self):
        return (self.weight_hh,)

    def biases(self):
        return tuple(b for b in (self.bias_ih, self.bias_hh) if b is not None)
