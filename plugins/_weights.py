"""What the built-in cells share: PyTorch's weight layout and its default init."""
import math

from minigrad import creation
from minigrad.nn import Parameter, init


def add_weights(cell, gates, bias=True):
    """Give ``cell`` PyTorch's four recurrent weights for ``gates`` stacked gates:
    weight_ih (gates·H, input), weight_hh (gates·H, H), bias_ih and bias_hh (gates·H),
    all drawn from U(-1/√H, 1/√H) as torch.nn.RNN/GRU/LSTM do."""
    rows = gates * cell.hidden_size
    cell.weight_ih = Parameter(creation.zeros(rows, cell.input_size))
    cell.weight_hh = Parameter(creation.zeros(rows, cell.hidden_size))
    cell.bias_ih = Parameter(creation.zeros(rows)) if bias else None
    cell.bias_hh = Parameter(creation.zeros(rows)) if bias else None
    bound = 1 / math.sqrt(cell.hidden_size)
    for param in cell.parameters():
        init.uniform_(param, -bound, bound)
