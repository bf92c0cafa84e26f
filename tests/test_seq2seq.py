"""The encoder–decoder (minigrad.nn.Seq2Seq): its gradients, teacher forcing and greedy
decoding against hand loops, the state bridge, training on a tiny translation, bad input."""
import itertools

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import ops
from minigrad.gradcheck import gradcheck
from minigrad.nn import RecurrentCell, Seq2Seq
from minigrad.nn.recurrent import resolve_cell


def tokens(array):
    return minigrad.tensor(np.asarray(array, dtype=np.int64))


def tiny_batch(rng, source_vocab, target_vocab, source_length=3, target_length=2, batch=2):
    source = tokens(rng.integers(0, source_vocab, (source_length, batch)))
    target_in = tokens(rng.integers(0, target_vocab, (target_length, batch)))
    target = tokens(rng.integers(0, target_vocab, (target_length, batch)))
    return source, target_in, target


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("encoder, decoder, embed, fused", [
    ("lstm", "lstm", None, True),
    ("gru", "gru", None, False),
    ("lstm", "gru", 2, True),   # the bridge drops c
    ("gru", "lstm", None, True),  # the bridge starts c at zero
])
def test_gradcheck_through_the_teacher_forced_loss(encoder, decoder, embed, fused):
    minigrad.manual_seed(0)
    model = Seq2Seq(encoder, decoder, 3, 4, 3, embed=embed, dtype=minigrad.float64,
                    fused=fused)
    source, target_in, target = tiny_batch(np.random.default_rng(1), 3, 4)
    params = list(model.parameters())
    names = [name for name, _ in model.named_parameters()]
    assert any(n.startswith("encoder.") for n in names)
    assert any(n.startswith("decoder.") for n in names)

    def loss(*_):
        logits = model(source, target_in)
        return F.cross_entropy(logits.reshape(-1, 4), target.reshape(-1))

    assert gradcheck(loss, params)
    # every encoder weight gets a gradient: the decoder's loss reaches back through the bridge
    loss().backward()
    for name, p in model.named_parameters():
        if name.startswith("encoder."):
            assert p.grad is not None and np.abs(p.grad.numpy()).sum() > 0, name


def test_gradcheck_catches_a_broken_bridge():
    """The check above can fail: cut the encoder off (detach its state) and the numerical
    gradient of the encoder weights no longer matches the (zero) analytic one."""
    minigrad.manual_seed(0)
    model = Seq2Seq("gru", "gru", 3, 4, 3, dtype=minigrad.float64)
    source, target_in, target = tiny_batch(np.random.default_rng(1), 3, 4)
    real_bridge = model.bridge
    model.bridge = lambda state: real_bridge(tuple(s.detach() for s in state))
    encoder_weights = [p for n, p in model.named_parameters() if n.startswith("encoder.")]

    def loss(*_):
        return F.cross_entropy(model(source, target_in).reshape(-1, 4), target.reshape(-1))

    assert not gradcheck(loss, encoder_weights, raise_exception=False)


def test_two_layers_and_float_vectors_as_the_source_pass_gradcheck():
    minigrad.manual_seed(2)
    model = Seq2Seq("lstm", "gru", 3, 4, 2, num_layers=2, dtype=minigrad.float64)
    source = minigrad.tensor(np.random.default_rng(3).standard_normal((3, 2, 3)),
                             dtype=minigrad.float64, requires_grad=True)
    _, target_in, target = tiny_batch(np.random.default_rng(4), 3, 4)

    def loss(source, *_):
        return F.cross_entropy(model(source, target_in).reshape(-1, 4), target.reshape(-1))

    assert gradcheck(loss, [source, *model.parameters()])


def test_the_fused_and_the_per_step_graph_give_the_same_numbers():
    source, target_in, target = tiny_batch(np.random.default_rng(6), 4, 5, 5, 4, 3)
    results = []
    for fused in (True, False):
        minigrad.manual_seed(7)
        model = Seq2Seq("lstm", "lstm", 4, 5, 6, fused=fused, dtype=minigrad.float64)
        loss = F.cross_entropy(model(source, target_in).reshape(-1, 5), target.reshape(-1))
        loss.backward()
        results.append((loss.item(), [p.grad.numpy() for p in model.parameters()]))
    (fused_loss, fused_grads), (plain_loss, plain_grads) = results
    assert fused_loss == pytest.approx(plain_loss, abs=1e-12)
    for a, b in zip(fused_grads, plain_grads):
        np.testing.assert_allclose(a, b, atol=1e-12)


# ------------------------------------------------------------- against hand loops
def hand_decoder_step(model, token, state):
    """One decoder step written out: e(token) one-hot, the cell's forward, the head."""
    cell = model.decoder.cells[0][0]
    x = ops.one_hot(token, model.output_size).to(model.head.weight.dtype)
    output, state = cell(x, state)
    return model.head(output), state


def hand_start(model, source):
    state = model.bridge(model.encode(source))
    return tuple(s[0] for s in state)  # one layer: drop the layer axis


@pytest.mark.parametrize("cells", [("lstm", "lstm"), ("gru", "gru"), ("lstm", "gru")])
def test_teacher_forcing_equals_a_loop_over_the_true_tokens(cells):
    minigrad.manual_seed(3)
    model = Seq2Seq(*cells, 4, 5, 6, dtype=minigrad.float64)
    source, target_in, _ = tiny_batch(np.random.default_rng(2), 4, 5, 4, 3, 3)
    logits = model(source, target_in)
    assert logits.shape == (3, 3, 5)
    state = hand_start(model, source)
    for t in range(3):
        expected, state = hand_decoder_step(model, target_in[t], state)
        np.testing.assert_allclose(logits[t].detach().numpy(), expected.detach().numpy(),
                                   atol=1e-12)


@pytest.mark.parametrize("cells", [("lstm", "lstm"), ("gru", "lstm")])
def test_greedy_decoding_is_deterministic_and_equals_a_hand_loop(cells):
    minigrad.manual_seed(4)
    model = Seq2Seq(*cells, 4, 5, 6, dtype=minigrad.float64)
    source = tokens(np.random.default_rng(5).integers(0, 4, (3, 6)))
    first = model.greedy_decode(source, start_token=4, max_length=5)
    again = model.greedy_decode(source, start_token=4, max_length=5)
    assert first.shape == (5, 6) and first.dtype == np.int64
    np.testing.assert_array_equal(first.numpy(), again.numpy())

    state, token, expected = hand_start(model, source), tokens(np.full(6, 4)), []
    for _ in range(5):
        logits, state = hand_decoder_step(model, token, state)
        token = tokens(np.argmax(logits.detach().numpy(), axis=1))
        expected.append(token.numpy())
    np.testing.assert_array_equal(first.numpy(), np.stack(expected))
    assert not first.requires_grad


def test_greedy_decoding_stops_at_the_end_token():
    minigrad.manual_seed(4)
    model = Seq2Seq("gru", "gru", 4, 5, 6)
    source = tokens(np.zeros((3, 2)))  # both sequences alike, so they decode alike
    full = model.greedy_decode(source, 4, 6).numpy()
    end = int(full[1, 0])
    stop = int(np.argmax(full[:, 0] == end))  # the first step that writes `end`
    short = model.greedy_decode(source, 4, 6, end_token=end).numpy()
    assert short.shape == (stop + 1, 2)
    np.testing.assert_array_equal(short, full[:stop + 1])
    assert model.greedy_decode(source, 4, 0).shape == (0, 2)


# ------------------------------------------------------------------ the bridge
def test_lstm_to_gru_passes_h_and_gru_to_lstm_starts_c_at_zero():
    minigrad.manual_seed(0)
    source = tokens([[0, 1], [2, 3]])
    model = Seq2Seq("lstm", "gru", 4, 4, 5, num_layers=2)
    h, c = model.encode(source)
    (start,) = model.bridge((h, c))
    np.testing.assert_array_equal(start.detach().numpy(), h.detach().numpy())

    model = Seq2Seq("gru", "lstm", 4, 4, 5, num_layers=2)
    (h,) = model.encode(source)
    start_h, start_c = model.bridge((h,))
    np.testing.assert_array_equal(start_h.detach().numpy(), h.detach().numpy())
    assert start_c.shape == (2, 2, 5) and not start_c.detach().numpy().any()
    assert model(source, tokens([[1, 1], [2, 0], [3, 3]])).shape == (3, 2, 4)


class WideStateCell(RecurrentCell):
    """A cell whose one state part is twice as wide as its output: not bridgeable."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.weight = minigrad.nn.Parameter(minigrad.zeros(input_size, 2 * hidden_size))

    def initial_state(self, batch_size):
        return (minigrad.zeros(batch_size, 2 * self.hidden_size, dtype=self.dtype),)

    def forward(self, x_t, state):
        wide = x_t @ self.weight + state[0]
        return wide[:, :self.hidden_size], (wide,)


def test_states_of_other_shapes_are_refused():
    with pytest.raises(ValueError, match=r"state part 0 has shape \(10,\).*gru decoder's has "
                                         r"\(5,\)"):
        Seq2Seq(WideStateCell, "gru", 3, 3, 5)


# ------------------------------------------------------ a tiny translation: reversal
def reversal_data():
    """Every sequence of 3 digits in 0..4 (125) and its reversal; target token 5 is <s>."""
    source = np.array(list(itertools.product(range(5), repeat=3))).T  # (3, 125)
    target = source[::-1].copy()
    target_in = np.concatenate([np.full((1, source.shape[1]), 5), target[:-1]])
    return source, target_in, target


def exact_match(predicted, target):
    """The fraction of sequences whose every token is right."""
    return float((predicted == target).all(axis=0).mean())


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_trains_on_reversal_to_well_above_the_baseline(cell):
    source, target_in, target = reversal_data()
    order = np.random.default_rng(0).permutation(source.shape[1])
    train, held_out = order[:100], order[100:]
    # the baseline: always the most frequent target sequence of the training set
    seqs, counts = np.unique(target[:, train].T, axis=0, return_counts=True)
    baseline = exact_match(np.repeat(seqs[np.argmax(counts)][:, None], len(held_out), 1),
                           target[:, held_out])
    assert baseline < 0.1

    minigrad.manual_seed(0)
    model = Seq2Seq(cell, cell, 5, 6, 32)
    optimizer = minigrad.optim.Adam(model.parameters(), lr=0.03)
    s, ti, t = tokens(source[:, train]), tokens(target_in[:, train]), tokens(target[:, train])
    untrained = exact_match(model.greedy_decode(tokens(source[:, held_out]), 5, 3).numpy(),
                            target[:, held_out])
    for _ in range(100):
        loss = F.cross_entropy(model(s, ti).reshape(-1, 6), t.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    trained = exact_match(model.greedy_decode(tokens(source[:, held_out]), 5, 3).numpy(),
                          target[:, held_out])
    assert untrained < 0.2
    print(f"{cell}: exact match {trained:.2f} held out (untrained {untrained:.2f}, baseline "
          f"{baseline:.2f})")
    assert trained >= 0.8 > baseline + 0.5, (trained, baseline)


# ----------------------------------------------------------------- bad input
def test_unknown_cell_names_the_valid_ones():
    with pytest.raises(Exception, match="nosuchcell") as info:
        Seq2Seq("nosuchcell", "gru", 3, 3, 4)
    assert "lstm" in str(info.value)


@pytest.mark.parametrize("call, message", [
    (lambda m: m(tokens([[0, 1]]), tokens([[0, 1, 2]])), "batch of 2.*batch of 3"),
    (lambda m: m(tokens([[0, 9]]), tokens([[0, 1]])), r"source tokens must lie in \[0, "
                                                       r"input_size=3\).*0 to 9"),
    (lambda m: m(tokens([[0, 1]]), tokens([[0, 4]])), r"target_in tokens must lie in \[0, "
                                                       r"output_size=4\)"),
    (lambda m: m(tokens([[0, 1]]), minigrad.zeros(1, 2)), "target_in must be integer tokens"),
    (lambda m: m(minigrad.zeros(1, 2, 5), tokens([[0, 1]])), r"\(S, batch, input_size=3\)"),
    (lambda m: m([[0, 1]], tokens([[0, 1]])), "source must be a Tensor"),
    (lambda m: m(minigrad.tensor([[True, False]]), tokens([[0, 1]])),
     "integer tokens or float vectors, got bool"),
    (lambda m: m(tokens([0, 1]), tokens([[0, 1]])), r"\(length, batch\)"),
    (lambda m: m(tokens(np.zeros((0, 2))), tokens([[0, 1]])), "source is empty"),
    (lambda m: m.greedy_decode(tokens([[0, 1]]), 7, 3), r"start_token.*\[0, output_size=4\)"),
    (lambda m: m.greedy_decode(tokens([[0, 1]]), 0, -1), "max_length"),
    (lambda m: m.decode_step(tokens([[1]]), None), r"token must be a Tensor of \(batch,\)"),
])
def test_bad_input_is_answered_clearly(call, message):
    model = Seq2Seq("lstm", "lstm", 3, 4, 5)
    with pytest.raises((ValueError, TypeError), match=message):
        call(model)


def test_bad_construction_is_answered_clearly():
    with pytest.raises(ValueError, match="hidden_size"):
        Seq2Seq("gru", "gru", 3, 3, 0)
    with pytest.raises(ValueError, match="both directions"):
        Seq2Seq(minigrad.nn.Bidirectional(resolve_cell("gru")), "gru", 3, 3, 4)
    with pytest.raises(TypeError, match="decoder_options must be a dict"):
        Seq2Seq("gru", "gru", 3, 3, 4, decoder_options=[1])
    model = Seq2Seq("gru", "gru", 3, 3, 4, embed=2)
    with pytest.raises(TypeError, match="with embed=2 the source must be integer tokens"):
        model(minigrad.zeros(2, 1, 3), tokens([[0]]))
