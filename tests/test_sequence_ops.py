"""The fused sequence ops against the plain per-step graph they replace.

Every built-in cell, run as one op per layer and direction (``fused=True``) and as the
per-step graph of its own ``forward`` (``fused=False, use_fast_path=False``), must give
the same outputs, final states and gradients (of every parameter, the input and the
initial state) to 1e-10 in float64: for 1 and 2 layers, one and both directions, with
and without an initial state, batch_first, sequences of different lengths, dropout
between layers and truncated BPTT.
"""
import itertools

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OPS = {"rnn": "rnn_sequence", "rnn-relu": "rnn_sequence", "gru": "gru_sequence",
       "gru-v3": "gru_sequence", "lstm": "lstm_sequence", "peephole-lstm": "lstm_sequence",
       "gru-simple": "gru_simple_sequence"}
CELLS = list(OPS)
T, B, I, H = 6, 3, 5, 4
TOLERANCE = 1e-10


def layer_pair(cell, **options):
    """The same layer twice, float64: fused, and the plain per-step graph of forward."""
    minigrad.manual_seed(0)
    fused = nn.Recurrent(cell, I, H, dtype=minigrad.float64, **options)
    plain = nn.Recurrent(cell, I, H, dtype=minigrad.float64, **options)
    plain.load_state_dict(fused.state_dict())
    plain.fused = plain.use_fast_path = False
    return fused, plain


def run(layer, x, state=None, lengths=None, seed=1):
    """Outputs, final states and every gradient of a loss that reads all of them."""
    minigrad.manual_seed(seed)  # the same dropout masks for both layers
    x = minigrad.tensor(x, requires_grad=True)
    state = None if state is None else tuple(minigrad.tensor(s, requires_grad=True)
                                             for s in state)
    given = x if lengths is None else pack_padded_sequence(
        x, lengths, batch_first=layer.batch_first, enforce_sorted=False)
    output, final = layer(given, state)
    if lengths is not None:
        output, _ = pad_packed_sequence(output, batch_first=layer.batch_first)
    weights = np.random.default_rng(2).standard_normal(output.shape)
    loss = (output * minigrad.tensor(weights)).sum() + sum((f * f).sum() for f in final)
    loss.backward()
    results = {"output": output, **{f"final {i}": f for i, f in enumerate(final)},
               **{f"grad {name}": p.grad for name, p in layer.named_parameters()},
               "grad input": x.grad}
    for i, s in enumerate(state or ()):
        results[f"grad state {i}"] = s.grad
    return {name: value.detach().numpy() for name, value in results.items()}


def assert_same(fused, plain):
    assert fused.keys() == plain.keys()
    for name in fused:
        np.testing.assert_allclose(fused[name], plain[name], rtol=0, atol=TOLERANCE,
                                   err_msg=name)


def inputs(rng, batch_first=False):
    return rng.standard_normal((B, T, I) if batch_first else (T, B, I))


def initial_state(layer, rng):
    count = len(layer.layer_cells[0].per_direction()[0].initial_state(1))
    rows = layer.num_layers * (2 if layer.bidirectional else 1)
    return tuple(rng.standard_normal((rows, B, H)) for _ in range(count))


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("layers, bidirectional, with_state, batch_first",
                         list(itertools.product([1, 2], [False, True], [False, True],
                                                [False, True])))
def test_the_fused_op_equals_the_per_step_graph(cell, layers, bidirectional, with_state,
                                                batch_first, rng):
    fused, plain = layer_pair(cell, num_layers=layers, bidirectional=bidirectional,
                              batch_first=batch_first)
    x = inputs(rng, batch_first)
    state = initial_state(fused, rng) if with_state else None
    assert_same(run(fused, x, state), run(plain, x, state))


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_sequences_of_different_lengths(cell, bidirectional, rng):
    fused, plain = layer_pair(cell, num_layers=2, bidirectional=bidirectional)
    x, state = inputs(rng), initial_state(fused, rng)
    lengths = [T, 2, 4]
    assert_same(run(fused, x, state, lengths), run(plain, x, state, lengths))


@pytest.mark.parametrize("cell", CELLS)
def test_dropout_between_layers_and_no_bias(cell, rng):
    fused, plain = layer_pair(cell, num_layers=3, dropout=0.5, bias=False)
    x = inputs(rng)
    assert_same(run(fused, x), run(plain, x))


@pytest.mark.parametrize("cell", CELLS)
def test_truncated_bptt(cell, rng):
    minigrad.manual_seed(0)
    models = [nn.SequenceModel(cell, I, H, 3, num_layers=2, dtype=minigrad.float64,
                               fused=fused) for fused in (True, False)]
    models[1].load_state_dict(models[0].state_dict())
    models[1].rnn.use_fast_path = False
    x = minigrad.tensor(inputs(rng))
    grads = []
    for model in models:
        (model(x, tbptt=4) ** 2).sum().backward()
        grads.append({name: p.grad.numpy() for name, p in model.named_parameters()})
    assert_same(*grads)


@pytest.mark.parametrize("cell", CELLS)
def test_one_node_per_layer_and_direction(cell):
    layer = nn.Recurrent(cell, I, H, num_layers=2, bidirectional=True)
    output, _ = layer(minigrad.randn(T, B, I))
    names = node_names(output)
    assert names.count(OPS[cell]) == 4
    assert len(names) < 20  # and no per-step nodes: slices, flips, cats of the 4 results
    with minigrad.no_grad():
        assert layer(minigrad.randn(T, B, I))[0].grad_fn is None


def node_names(root):
    seen, stack, names = set(), [root], []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.grad_fn:
            names.append(node.grad_fn)
        stack.extend(node._parents)
    return names


@pytest.mark.parametrize("cell", CELLS)
def test_per_step_graph_turns_the_fused_ops_off(cell):
    layer = nn.Recurrent(cell, I, H)
    with nn.per_step_graph():
        output, _ = layer(minigrad.randn(T, B, I, requires_grad=True))
    assert not any(name.endswith("_sequence") for name in node_names(output))
    output, _ = layer(minigrad.randn(T, B, I, requires_grad=True))
    assert any(name.endswith("_sequence") for name in node_names(output))


@pytest.mark.parametrize("cell", CELLS)
def test_the_fused_op_passes_a_numerical_gradient_check(cell, rng):
    minigrad.manual_seed(0)
    layer = nn.Recurrent(cell, 2, 3, dtype=minigrad.float64)
    x = minigrad.tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    weights = list(layer.parameters())
    minigrad.gradcheck(lambda x, *_: layer(x)[0].tanh().sum(), [x, *weights])


@pytest.mark.parametrize("cell", CELLS)
def test_float32_and_inference_agree_with_the_plain_path(cell, rng):
    minigrad.manual_seed(0)
    fused = nn.Recurrent(cell, I, H)
    plain = nn.Recurrent(cell, I, H, fused=False)
    plain.load_state_dict(fused.state_dict())
    x = minigrad.tensor(inputs(rng).astype("float32"))
    with minigrad.no_grad():
        a, b = fused(x)[0], plain(x)[0]
    assert a.dtype == b.dtype == minigrad.float32
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def test_fused_must_be_a_flag():
    with pytest.raises(TypeError, match="fused"):
        nn.Recurrent("lstm", 3, 4, fused="yes")


def test_a_second_backward_through_a_fused_layer_is_refused_clearly():
    layer = nn.LSTM(I, H)
    output, _ = layer(minigrad.randn(T, B, I))
    loss = output.sum()
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="fused=False"):
        loss.backward()
    layer.fused = False  # the per-step graph keeps what it saved
    output, _ = layer(minigrad.randn(T, B, I))
    loss = output.sum()
    loss.backward(retain_graph=True)
    loss.backward()
