"""The model the trainer builds around a cell: a recurrent layer, then a linear read-out
at every time step."""
import inspect

from .. import creation, grad_mode, ops
from . import init
from .layers import Linear
from .module import Module
from .recurrent import Recurrent, resolve_cell

INITS = ("default", "orthogonal", "identity", "chrono")


class SequenceModel(Module):
    """outputs_t = W_out h_t + b_out, with h_t from ``Recurrent(cell, ...)``.

    ``init`` chooses how the recurrent weights start: "default" (PyTorch's uniform),
    "orthogonal" (each gate's W_hh block orthogonal, Saxe et al. 2014), "identity" (W_hh
    blocks = I and zero biases: the IRNN of Le et al. 2015) or "chrono" (Tallec &
    Ollivier 2018, for cells that take a ``chrono`` option, with ``max_delay`` as T).
    """

    def __init__(self, cell, input_size, hidden_size, output_size, num_layers=1,
                 init="default", max_delay=None, dtype=None, device=None, **cell_options):
        super().__init__()
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {init!r}")
        if init == "chrono":
            factory, _ = resolve_cell(cell)
            if "chrono" not in inspect.signature(factory).parameters:
                raise ValueError(f"init 'chrono' needs a cell with a chrono option (the LSTM "
                                 f"family); {cell!r} has none")
            cell_options["chrono"] = max_delay or 100
        self.rnn = Recurrent(cell, input_size, hidden_size, num_layers=num_layers, dtype=dtype,
                             device=device, **cell_options)
        directions = 2 if self.rnn.bidirectional else 1
        self.head = Linear(hidden_size * directions, output_size, dtype=dtype, device=device)
        if init in ("orthogonal", "identity"):
            self._init_recurrent_weights(init)

    def _init_recurrent_weights(self, kind):
        hidden = self.rnn.hidden_size
        for name, param in self.rnn.named_parameters():
            if name.startswith("weight_hh") and param.ndim == 2 and param.shape[1] == hidden:
                for block in range(param.shape[0] // hidden):  # one square block per gate
                    square = creation.zeros(hidden, hidden, dtype=param.dtype)
                    init.orthogonal_(square) if kind == "orthogonal" else init.eye_(square)
                    with grad_mode.no_grad():
                        param[block * hidden:(block + 1) * hidden] = square.to(param.device)
            elif kind == "identity" and name.startswith("bias"):
                init.zeros_(param)

    def forward(self, inputs, tbptt=None):
        """inputs (seq, batch, input_size) -> outputs (seq, batch, output_size).

        With ``tbptt=k`` the sequence is run in chunks of k steps and the state is
        detached between chunks, so gradients flow back at most k steps (truncated BPTT).
        """
        if not tbptt or tbptt >= inputs.shape[0]:
            hidden, _ = self.rnn(inputs)
            return self.head(hidden)
        if self.rnn.bidirectional:
            raise ValueError("truncated BPTT runs forward in time; it can't be used with a "
                             "bidirectional cell")
        state, pieces = None, []
        for start in range(0, inputs.shape[0], tbptt):
            hidden, state = self.rnn(inputs[start:start + tbptt], state)
            state = tuple(s.detach() for s in state)
            pieces.append(hidden)
        return self.head(ops.cat(pieces, dim=0))
