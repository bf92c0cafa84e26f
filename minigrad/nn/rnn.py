"""``torch.nn``'s recurrent layers and cells by name, over the registered built-in cells.

Same constructors, return values and parameter names as PyTorch, so a PyTorch
state_dict loads here and gives the same numbers (and back). The cells are looked up by
their qualified names (``lstm/lstm``: plugin ``lstm``, cell ``lstm``), which no
third-party plugin can take; the plugins behind them are essential, so
``MINIGRAD_DISABLE_PLUGINS`` can't switch them off.
"""
from .module import Module
from .recurrent import Recurrent, build_cell, resolve_cell

_RNN = {"tanh": "rnn/rnn", "relu": "rnn/rnn-relu"}  # nonlinearity -> the registered cell


class _TorchLayer(Recurrent):
    """What the torch-named layers share: PyTorch's repr and ``flatten_parameters``."""

    def extra_repr(self):
        """The arguments that differ from their defaults, as PyTorch prints them:
        ``LSTM(10, 20, num_layers=2, dropout=0.5)``."""
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={float(self.dropout)}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    def flatten_parameters(self):
        """Does nothing. PyTorch packs the weights into one cuDNN buffer here; minigrad's
        weights are separate arrays already, so code that calls it runs unchanged."""


class _HiddenStateOnly(_TorchLayer):
    """A layer whose cells keep h alone as state: ``forward`` returns ``(output, h_n)``."""

    def forward(self, input, hx=None):  # noqa: A002
        output, (h_n,) = super().forward(input, hx)
        return output, h_n


class RNN(_HiddenStateOnly):
    """Elman RNN layer: returns ``(output, h_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None, device=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(_RNN[nonlinearity], input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype, device)
        self.nonlinearity = nonlinearity


class GRU(_HiddenStateOnly):
    """GRU layer (PyTorch's form): returns ``(output, h_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None, device=None):
        super().__init__("gru/gru", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype, device)


class LSTM(_TorchLayer):
    """LSTM layer: returns ``(output, (h_n, c_n))``; ``hx`` is ``(h_0, c_0)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None, device=None):
        super().__init__("lstm/lstm", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype, device)

    def forward(self, input, hx=None):  # noqa: A002
        output, (h_n, c_n) = super().forward(input, hx)
        return output, (h_n, c_n)


class _SingleStep(Module):
    """A registered cell with torch.nn.*Cell's interface: ``forward(input, hx=None)``."""

    cell_name = None

    def __init__(self, input_size, hidden_size, bias=True, dtype=None, device=None, **options):
        super().__init__()
        factory = resolve_cell(self.cell_name)
        # the cell is kept without registering it as a sub-module: its parameters are
        # registered on this module directly, under PyTorch's names
        object.__setattr__(self, "cell", build_cell(factory, input_size, hidden_size, bias,
                                                    **options))
        self.cell.to(device=device, dtype=dtype)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        for name, param in self.cell.named_parameters():
            self.register_parameter(name, param)

    def forward(self, input, hx=None):  # noqa: A002
        if hx is None:
            state = self.cell.initial_state(input.shape[0])
        else:
            state = tuple(hx) if isinstance(hx, (tuple, list)) else (hx,)
        _, state = self.cell(input, state)
        return state if len(state) > 1 else state[0]

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(_SingleStep):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu), one step."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=None,
                 device=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        object.__setattr__(self, "cell_name", _RNN[nonlinearity])
        super().__init__(input_size, hidden_size, bias, dtype, device)
        self.nonlinearity = nonlinearity


class GRUCell(_SingleStep):
    """One GRU step (PyTorch's form): returns h'."""
    cell_name = "gru/gru"


class LSTMCell(_SingleStep):
    """One LSTM step: returns (h', c')."""
    cell_name = "lstm/lstm"
