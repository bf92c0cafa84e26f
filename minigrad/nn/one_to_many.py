"""One to many: a single input, a whole sequence out (the melody a seed names, say).

The first step reads the seed s; every later step reads the token written before it,
so the model generates its sequence one token at a time:

    o_1, h_1   = cell(e(s), h_0)
    o_t, h_t   = cell(e(y_{t-1}), h_{t-1})          t = 2..T
    logits_t   = W_out o_t + b_out                  p(y_t | s, y_<t) = softmax(logits_t)

The seeds and the output tokens are one vocabulary of ``num_seeds + output_size``
symbols: seed k is symbol k, output token v is symbol num_seeds + v; e(·) is the one-hot
vector of a symbol, or a learned embedding with ``embed=D``.

Training uses *teacher forcing* (step t reads the true y_{t-1}; the whole sequence is one
call); generation feeds the model's own guess back, ŷ_t = argmax_k logits_t[k].
"""
from .. import backend, dtypes, grad_mode, ops
from ..tensor import Tensor
from .init_schemes import InitContext
from .layers import Linear
from .module import Module
from .recurrent import Recurrent
from .token_inputs import embed_tokens, token_embedding


class OneToMany(Module):
    """``OneToMany(cell, num_seeds, output_size, hidden_size)``: a seed (batch,) and the
    previous tokens -> logits (T, batch, output_size); ``generate`` writes T tokens.

    ``init``, ``max_delay``, ``forget_bias`` and ``embed`` are as in ``SequenceModel``.
    The cell must run forward in time (a sequence is generated from its start).
    """

    def __init__(self, cell, num_seeds, output_size, hidden_size, num_layers=1,
                 init="default", max_delay=None, forget_bias=1.0, dtype=None, device=None,
                 fused=True, embed=None, **cell_options):
        super().__init__()
        self.num_seeds, self.output_size = num_seeds, output_size
        symbols = num_seeds + output_size
        self.embed = token_embedding(symbols, embed, dtype=dtype, device=device)
        width = symbols if embed is None else self.embed.embedding_dim
        self.rnn = Recurrent(cell, width, hidden_size, num_layers=num_layers, dtype=dtype,
                             device=device, fused=fused, **cell_options)
        if self.rnn.bidirectional:
            raise ValueError(f"OneToMany: the cell {self.rnn.cell_name!r} runs in both "
                             f"directions, but a sequence is generated forward in time, one "
                             f"token after another; give a one-direction cell")
        self.rnn.init_weights(init, InitContext(max_delay=max_delay, forget_bias=forget_bias))
        self.head = Linear(hidden_size, output_size, dtype=dtype, device=device)

    def _inputs(self, symbols):
        """(L, batch) int symbols -> (L, batch, width) one-hot or embedded inputs."""
        if self.embed is not None:
            return embed_tokens(self.embed, symbols)
        return ops.one_hot(Tensor(symbols), self.num_seeds + self.output_size).to(
            self.head.weight.dtype)

    def _seed_symbols(self, seed):
        xp = backend.get_array_module(self.head.weight.array)
        seed = xp.asarray(getattr(seed, "array", seed))
        if seed.ndim != 1 or seed.dtype.kind not in "iu":
            raise ValueError(f"OneToMany: seed must be (batch,) integer seeds, got "
                             f"{seed.dtype} values of shape {tuple(seed.shape)}")
        if seed.size and not (0 <= int(seed.min()) and int(seed.max()) < self.num_seeds):
            raise ValueError(f"OneToMany: seeds must lie in [0, num_seeds={self.num_seeds}), "
                             f"got values from {int(seed.min())} to {int(seed.max())}")
        return seed.astype(dtypes.int64)[None, :]

    def forward(self, seed, previous):
        """Teacher forcing: logits (T, batch, output_size), where step 1 reads ``seed``
        (batch,) and step t > 1 reads ``previous[t - 2]``, the true token y_{t-1};
        ``previous`` is (T - 1, batch) tokens (the target less its last token)."""
        xp = backend.get_array_module(self.head.weight.array)
        previous = xp.asarray(getattr(previous, "array", previous))
        if previous.ndim != 2:
            raise ValueError(f"OneToMany: previous must be (T - 1, batch) tokens, got shape "
                             f"{tuple(previous.shape)}")
        symbols = xp.concatenate([self._seed_symbols(seed),
                                  previous.astype(dtypes.int64) + self.num_seeds])
        outputs, _ = self.rnn(self._inputs(symbols))
        return self.head(outputs)

    def generate(self, seed, length):
        """Greedy generation without gradients: a Tensor of (length, batch) int64 tokens,
        each step reading the argmax of the step before."""
        with grad_mode.no_grad():
            xp = backend.get_array_module(self.head.weight.array)
            symbols, state, written = self._seed_symbols(seed), None, []
            for _ in range(length):
                output, state = self.rnn(self._inputs(symbols), state)
                chosen = self.head(output[0]).argmax(dim=1).array.astype(dtypes.int64)
                written.append(chosen)
                symbols = (chosen + self.num_seeds)[None, :]
            if not written:
                return Tensor(xp.zeros((0, symbols.shape[1]), dtype=dtypes.int64))
            return Tensor(xp.stack(written))
