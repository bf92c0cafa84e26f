"""The encoder–decoder: many-to-many with unequal lengths (sequence to sequence).

An encoder reads the whole source sequence x_1..x_S and keeps only its final state; a
decoder starts from that state and writes the target y_1..y_T one token at a time, each
step reading the token before it (a start token ``<s>`` before y_1):

    s_S          = encoder(x_1, ..., x_S)              (the encoder's final state)
    d_0          = bridge(s_S)                         (see ``Seq2Seq`` for the mapping)
    o_t, d_t     = decoder_cell(e(y_{t-1}), d_{t-1})   (y_0 = <s>)
    logits_t     = W_out o_t + b_out
    p(y_t | y_<t, x) = softmax(logits_t)

Training uses *teacher forcing*: the decoder reads the true previous token y_{t-1},
so the whole target is one call of the decoder and the loss is the cross-entropy of
logits_t against y_t summed over t. At evaluation the true tokens are unknown, so
*greedy decoding* feeds the model's own guess back: ŷ_t = argmax_k logits_t[k], and
step t+1 reads ŷ_t.
"""
from .. import checks, dtypes, grad_mode, ops
from ..tensor import Tensor
from .layers import Embedding, Linear
from .module import Module
from .recurrent import Recurrent


class Seq2Seq(Module):
    """``Seq2Seq(encoder_cell, decoder_cell, input_size, output_size, hidden_size)``.

    ``encoder_cell`` and ``decoder_cell`` are each a registered cell name (``"lstm"``,
    ``"gru"``, ...) or a ``RecurrentCell`` class; both sides get ``hidden_size`` and
    ``num_layers``. ``input_size`` is the number of source tokens (or source features,
    when the source is given as float vectors) and ``output_size`` the number of target
    tokens, which is also what the decoder reads back.

    A token t enters a recurrent layer as the one-hot vector e(t) when ``embed`` is None,
    or as a learned vector of ``embed`` numbers (an ``Embedding`` per side) when it is an
    int.

    The bridge from the encoder's final state to the decoder's first state: when both
    cells' states have the same parts (rnn→gru, lstm→lstm, ...) it is passed as it is,
    layer by layer. When they differ, component 0 — the hidden state h, which is what
    every built-in cell outputs — is carried over and the decoder's other parts start
    from its own initial state (zeros): lstm→gru passes h and drops the cell state c;
    gru→lstm starts the decoder at (h, c = 0). A state part of another shape is refused.

    ``encoder_options`` / ``decoder_options`` are the cells' declared options.
    """

    def __init__(self, encoder_cell, decoder_cell, input_size, output_size, hidden_size,
                 num_layers=1, embed=None, dtype=None, device=None, fused=True,
                 encoder_options=None, decoder_options=None):
        super().__init__()
        input_size = checks.size(input_size, "input_size")
        output_size = checks.size(output_size, "output_size")
        hidden_size = checks.size(hidden_size, "hidden_size")
        num_layers = checks.size(num_layers, "num_layers")
        if embed is not None:
            embed = checks.size(embed, "embed")
        self.input_size, self.output_size, self.hidden_size = input_size, output_size, hidden_size
        self.num_layers, self.embed = num_layers, embed
        width_in, width_out = (input_size, output_size) if embed is None else (embed, embed)
        self.encoder = Recurrent(encoder_cell, width_in, hidden_size, num_layers=num_layers,
                                 dtype=dtype, device=device, fused=fused,
                                 **_options(encoder_options, "encoder_options"))
        self.decoder = Recurrent(decoder_cell, width_out, hidden_size, num_layers=num_layers,
                                 dtype=dtype, device=device, fused=fused,
                                 **_options(decoder_options, "decoder_options"))
        for side, layer in (("encoder", self.encoder), ("decoder", self.decoder)):
            if layer.bidirectional:
                raise ValueError(f"Seq2Seq: the {side} cell {layer.cell_name!r} runs in both "
                                 f"directions; the {side} must run forward in time (give a "
                                 f"one-direction cell)")
        self.source_embedding = None if embed is None else \
            Embedding(input_size, embed, dtype=dtype, device=device)
        self.target_embedding = None if embed is None else \
            Embedding(output_size, embed, dtype=dtype, device=device)
        self.head = Linear(hidden_size, output_size, dtype=dtype, device=device)
        self._check_bridge()

    # ------------------------------------------------------------------ the parts
    def encode(self, source):
        """source -> the encoder's final state (a tuple, each (num_layers, batch, hidden)).

        ``source`` is (S, batch) integer tokens in [0, input_size), or (S, batch,
        input_size) float vectors fed as they are."""
        inputs = self._source_inputs(source)
        _, final = self.encoder(inputs)
        return final

    def bridge(self, encoder_state):
        """The encoder's final state -> the decoder's initial state (see the class)."""
        batch = encoder_state[0].shape[1]
        template = self._decoder_template(batch)
        if len(template) == len(encoder_state):
            return tuple(encoder_state)
        return (encoder_state[0],) + template[1:]

    def decode_step(self, token, state):
        """One decoder step: tokens (batch,) and the decoder state -> (logits (batch,
        output_size), the new state)."""
        if not isinstance(token, Tensor) or token.ndim != 1:
            raise TypeError(f"Seq2Seq.decode_step: token must be a Tensor of (batch,) integer "
                            f"tokens, got {checks.describe(token)}")
        inputs = self._target_inputs(token.unsqueeze(0), "token")
        output, state = self.decoder(inputs, state)
        return self.head(output[0]), state

    # --------------------------------------------------------------- the two modes
    def forward(self, source, target_in):
        """Teacher forcing: logits (T, batch, output_size) for the decoder inputs
        ``target_in`` (T, batch) — the start token followed by the target without its
        last token — so that logits[t] is scored against target[t]."""
        state = self.bridge(self.encode(source))
        inputs = self._target_inputs(target_in, "target_in")
        if inputs.shape[1] != state[0].shape[1]:
            raise ValueError(f"Seq2Seq: source has a batch of {state[0].shape[1]} but "
                             f"target_in has a batch of {inputs.shape[1]}; they must match")
        outputs, _ = self.decoder(inputs, state)
        return self.head(outputs)

    def greedy_decode(self, source, start_token, max_length, end_token=None):
        """Greedy decoding without gradients: (steps, batch) int64 tokens, steps ≤
        ``max_length``. Step 1 reads ``start_token``; each later step reads the previous
        step's argmax. With ``end_token``, decoding stops once every sequence has written
        it, and a sequence that has ended keeps writing ``end_token``."""
        max_length = checks.size(max_length, "max_length", minimum=0)
        start_token = self._token(start_token, "start_token")
        end_token = None if end_token is None else self._token(end_token, "end_token")
        with grad_mode.no_grad():
            state = self.bridge(self.encode(source))
            batch = state[0].shape[1]
            xp = _xp(state[0])
            token = Tensor(xp.full((batch,), start_token, dtype=dtypes.int64))
            done = xp.zeros(batch, dtype=bool)
            written = []
            for _ in range(max_length):
                logits, state = self.decode_step(token, state)
                chosen = logits.argmax(dim=1).array.astype(dtypes.int64)
                if end_token is not None:
                    chosen = xp.where(done, end_token, chosen)
                    done = done | (chosen == end_token)
                written.append(chosen)
                token = Tensor(chosen)
                if end_token is not None and bool(done.all()):
                    break
            if not written:
                return Tensor(xp.zeros((0, batch), dtype=dtypes.int64))
            return Tensor(xp.stack(written, axis=0))

    # ---------------------------------------------------------------- the checking
    def _decoder_template(self, batch):
        """The decoder's own initial state, stacked over its layers."""
        starts = [cell.initial_state(batch) for cell in self.decoder.layer_cells]
        return tuple(ops.stack(list(parts), dim=0) for parts in zip(*starts))

    def _check_bridge(self):
        """Refuse, at construction, two cells whose states can't be bridged."""
        enc = self.encoder.layer_cells[0].initial_state(1)
        dec = self.decoder.layer_cells[0].initial_state(1)
        pairs = zip(enc, dec) if len(enc) == len(dec) else [(enc[0], dec[0])]
        for k, (e, d) in enumerate(pairs):
            if tuple(e.shape) != tuple(d.shape):
                raise ValueError(
                    f"Seq2Seq: the {self.encoder.cell_name} encoder's state part {k} has "
                    f"shape {tuple(e.shape)[1:]} per sequence but the "
                    f"{self.decoder.cell_name} decoder's has {tuple(d.shape)[1:]}; the "
                    f"encoder's final state can't start the decoder")

    def _source_inputs(self, source):
        if not isinstance(source, Tensor):
            raise TypeError(f"Seq2Seq: source must be a Tensor of (S, batch) tokens or "
                            f"(S, batch, {self.input_size}) vectors, got "
                            f"{checks.type_name(source)}")
        if source.dtype.kind in "iu":
            return self._tokens_in(source, self.input_size, self.source_embedding,
                                   "source", "input_size")
        if source.dtype.kind != "f":
            raise TypeError(f"Seq2Seq: source must be integer tokens or float vectors, got "
                            f"{source.dtype} values")
        if self.source_embedding is not None:
            raise TypeError(f"Seq2Seq: with embed={self.embed} the source must be integer "
                            f"tokens (S, batch), got {source.dtype} values")
        if source.ndim != 3 or source.shape[2] != self.input_size:
            raise ValueError(f"Seq2Seq: a float source must be (S, batch, "
                             f"input_size={self.input_size}), got shape {tuple(source.shape)}")
        _check_length(source, "source")
        return source

    def _target_inputs(self, target, name):
        if not isinstance(target, Tensor):
            raise TypeError(f"Seq2Seq: {name} must be a Tensor of (T, batch) integer tokens, "
                            f"got {checks.type_name(target)}")
        if target.dtype.kind not in "iu":
            raise TypeError(f"Seq2Seq: {name} must be integer tokens (T, batch) in [0, "
                            f"output_size={self.output_size}), got {target.dtype} values")
        return self._tokens_in(target, self.output_size, self.target_embedding,
                               name, "output_size")

    def _tokens_in(self, tokens, vocabulary, embedding, name, size_name):
        """(L, batch) tokens -> (L, batch, width) inputs: one-hot or embedded."""
        if tokens.ndim != 2:
            raise ValueError(f"Seq2Seq: {name} tokens must be (length, batch), got shape "
                             f"{tuple(tokens.shape)}")
        _check_length(tokens, name)
        if tokens.numel():
            low, high = int(tokens.array.min()), int(tokens.array.max())
            if low < 0 or high >= vocabulary:
                raise ValueError(f"Seq2Seq: {name} tokens must lie in [0, {size_name}="
                                 f"{vocabulary}), got values from {low} to {high}")
        if embedding is not None:
            return embedding(tokens)
        return ops.one_hot(tokens, vocabulary).to(self.head.weight.dtype)

    def _token(self, value, name):
        if not checks.is_integer(value) or not 0 <= int(value) < self.output_size:
            raise ValueError(f"Seq2Seq: {name} must be a target token, an int in [0, "
                             f"output_size={self.output_size}), got {checks.describe(value)}")
        return int(value)

    def extra_repr(self):
        text = (f"{self.encoder.cell_name!r} -> {self.decoder.cell_name!r}, "
                f"input_size={self.input_size}, output_size={self.output_size}, "
                f"hidden_size={self.hidden_size}")
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.embed is not None:
            text += f", embed={self.embed}"
        return text


def _check_length(sequence, name):
    if sequence.shape[0] == 0:
        raise ValueError(f"Seq2Seq: {name} is empty (length 0); it needs at least one step")


def _options(options, name):
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise TypeError(f"Seq2Seq: {name} must be a dict of the cell's options, got "
                        f"{checks.type_name(options)}")
    return dict(options)


def _xp(tensor):
    from .. import backend
    return backend.get_array_module(tensor.array)
