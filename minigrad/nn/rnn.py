"""``torch.nn``'s recurrent layers and cells by name, over the registered built-in cells.

Same constructors, return values and parameter names as PyTorch, so a PyTorch
state_dict loads here and gives the same numbers (and back). The cells are looked up by
their qualified names (``lstm/lstm``: plugin ``lstm``, cell ``lstm``), which no
third-party plugin can take; the plugins behind them are essential, so
``MINIGRAD_DISABLE_PLUGINS`` can't switch them off.
"""
from .. import checks
from ..tensor import Tensor
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
        input_size = checks.size(input_size, "input_size")
        hidden_size = checks.size(hidden_size, "hidden_size")
        bias = checks.flag(bias, "bias")
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
        """One step from ``input`` (batch, input_size) and ``hx`` (the state: one tensor,
        or a tuple for a cell with several, each (batch, hidden_size); zeros when None).
        An unbatched input (input_size,) takes an unbatched hx and gives one."""
        batched = self._check_input(input)
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            state = self.cell.initial_state(input.shape[0])
        else:
            state = self._check_state(hx, input.shape[0], batched)
            if not batched:
                state = tuple(s.unsqueeze(0) for s in state)
        _, state = self.cell(input, state)
        if not batched:
            state = tuple(s.squeeze(0) for s in state)
        return state if len(state) > 1 else state[0]

    def _check_input(self, input):  # noqa: A002
        """True for a batch (batch, input_size), False for one input (input_size,)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name} expects its input as a Tensor, got a "
                            f"{checks.type_name(input)} (wrap it with minigrad.tensor(...))")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name} runs one time step: its input is (batch, input_size) "
                             f"or (input_size,), got shape {input.shape} (for a whole "
                             f"sequence use nn.{name[:-4]})")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: the input has {input.shape[-1]} features, the cell "
                             f"expects input_size={self.input_size}")
        return input.ndim == 2

    def _check_state(self, hx, batch, batched):
        """``hx`` as a tuple of tensors of the cell's state shapes, or a clear error."""
        name = type(self).__name__
        parts = tuple(hx) if isinstance(hx, (tuple, list)) else (hx,)
        count = len(self.cell.initial_state(1))
        shape = (batch, self.hidden_size) if batched else (self.hidden_size,)
        expected = (f"one tensor h of shape {shape}" if count == 1 else
                    f"a tuple of {count} tensors, each of shape {shape}")
        if len(parts) != count or not all(isinstance(p, Tensor) for p in parts):
            got = (f"a tuple of {len(parts)}" if isinstance(hx, (tuple, list))
                   else f"a {checks.type_name(hx)}")
            if len(parts) == count and isinstance(hx, (tuple, list)):
                got += " holding " + ", ".join(checks.type_name(p) for p in parts)
            raise TypeError(f"{name}: the state hx must be {expected}; got {got}")
        for part in parts:
            if part.shape != shape:
                raise ValueError(f"{name}: the state hx must be {expected}; got shape "
                                 f"{part.shape}")
        return parts

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
