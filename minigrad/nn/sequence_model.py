"""The model the trainer builds around a cell: a recurrent layer, then a linear read-out
at every time step; optionally a learned embedding in front of it."""
from .. import ops
from .init_schemes import InitContext
from .layers import Linear
from .module import Module
from .recurrent import Recurrent
from .token_inputs import embed_tokens, token_embedding


class SequenceModel(Module):
    """outputs_t = W_out h_t + b_out, with h_t from ``Recurrent(cell, ...)``.

    ``init`` is the initialisation scheme of the recurrent weights: ``"default"`` (as
    the cell's constructor drew them), ``"auto"`` (the cell's own recommended scheme),
    or another one the cell declares (``default``,
    ``orthogonal``, ``identity``, ``chrono``, ``forget-bias``, ...; see
    ``minigrad.nn.init_schemes``). ``max_delay`` is chrono's T, ``forget_bias`` the
    value of the forget-bias scheme.

    With ``embed=D`` the inputs are token ids instead of vectors: an
    ``Embedding(input_size + 1, D)`` turns id v into the learned row E[v], and the
    recurrent layer reads x_t = E[token_t] (D values) instead of the one-hot vector of
    token_t. Id -1 (a padding step, all zeros one-hot) reads the last row, which stays
    zero and gets no gradient. The two agree when E[:input_size] = W_ihᵀ of the one-hot
    model (W_ih one_hot(v) is W_ih's column v) and the embedded model's own W_ih is the
    identity.
    """

    def __init__(self, cell, input_size, hidden_size, output_size, num_layers=1,
                 init="default", max_delay=None, forget_bias=1.0, dtype=None, device=None,
                 fused=True, embed=None, **cell_options):
        super().__init__()
        self.embed = token_embedding(input_size, embed, dtype=dtype, device=device)
        if self.embed is not None:
            input_size = self.embed.embedding_dim
        self.rnn = Recurrent(cell, input_size, hidden_size, num_layers=num_layers, dtype=dtype,
                             device=device, fused=fused, **cell_options)
        self.rnn.init_weights(init, InitContext(max_delay=max_delay, forget_bias=forget_bias))
        directions = 2 if self.rnn.bidirectional else 1
        self.head = Linear(hidden_size * directions, output_size, dtype=dtype, device=device)

    def forward(self, inputs, tbptt=None):
        """inputs (seq, batch, input_size) -> outputs (seq, batch, output_size); with an
        embedding, inputs are the int token ids (seq, batch).

        With ``tbptt=k`` the sequence is run in chunks of k steps and the state is
        detached between chunks, so gradients flow back at most k steps (truncated BPTT).
        """
        return self.run(inputs, tbptt=tbptt)[0]

    def run(self, inputs, state=None, tbptt=None):
        """``forward`` from the recurrent layer's ``state`` (None: its initial state),
        returning (outputs, the final state): a run over a long text goes on from where
        the last batch stopped by passing that state back, detached."""
        if self.embed is not None:
            inputs = embed_tokens(self.embed, inputs)
        if not tbptt or tbptt >= inputs.shape[0]:
            hidden, state = self.rnn(inputs, state)
            return self.head(hidden), state
        if self.rnn.bidirectional:
            raise ValueError("truncated BPTT runs forward in time; it can't be used with a "
                             "bidirectional cell")
        pieces = []
        for start in range(0, inputs.shape[0], tbptt):
            hidden, state = self.rnn(inputs[start:start + tbptt], state)
            state = tuple(s.detach() for s in state)
            pieces.append(hidden)
        return self.head(ops.cat(pieces, dim=0)), state
