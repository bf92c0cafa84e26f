"""Many to one: a whole sequence in, one answer out (a sentence's sentiment, say).

The recurrent layer reads x_1..x_S and only the state that has read everything is kept:

    h_S       = the last output of the forward direction       (it has read x_1..x_S)
    logits    = W_out h_S + b_out                              (one row per sequence)

A bidirectional cell reads the sequence both ways, and its backward direction has read
everything when it reaches the *first* step, so the read-out takes each direction at
its own end: logits = W_out [h→_S ; h←_1] + b_out.
"""
from .. import ops
from .init_schemes import InitContext
from .layers import Linear
from .module import Module
from .recurrent import Recurrent
from .token_inputs import embed_tokens, token_embedding


class SequenceClassifier(Module):
    """``SequenceClassifier(cell, input_size, hidden_size, num_classes)``: inputs (S,
    batch, input_size) -> logits (batch, num_classes), from the state at the end of the
    sequence (both ends for a bidirectional cell).

    ``init``, ``max_delay``, ``forget_bias`` and ``embed`` are as in ``SequenceModel``:
    with ``embed=D`` the inputs are int token ids (S, batch), -1 for padding.
    """

    def __init__(self, cell, input_size, hidden_size, num_classes, num_layers=1,
                 init="default", max_delay=None, forget_bias=1.0, dtype=None, device=None,
                 fused=True, embed=None, **cell_options):
        super().__init__()
        self.embed = token_embedding(input_size, embed, dtype=dtype, device=device)
        width = input_size if embed is None else self.embed.embedding_dim
        self.rnn = Recurrent(cell, width, hidden_size, num_layers=num_layers,
                             dtype=dtype, device=device, fused=fused, **cell_options)
        self.rnn.init_weights(init, InitContext(max_delay=max_delay, forget_bias=forget_bias))
        self.directions = 2 if self.rnn.bidirectional else 1
        self.head = Linear(hidden_size * self.directions, num_classes, dtype=dtype,
                           device=device)

    def forward(self, inputs):
        """inputs (S, batch, input_size), or token ids (S, batch) with an embedding ->
        logits (batch, num_classes)."""
        if self.embed is not None:
            inputs = embed_tokens(self.embed, inputs)
        outputs, _ = self.rnn(inputs)
        hidden = self.rnn.hidden_size
        last = outputs[-1, :, :hidden]               # h→_S: forward, at the end
        if self.directions == 2:
            first = outputs[0, :, hidden:]           # h←_1: backward, at the start
            last = ops.cat([last, first], dim=1)
        return self.head(last)
