"""Sequences of different lengths (``minigrad.nn.utils.rnn``): packing and padding against
PyTorch, the torch-named layers on packed input against torch's (outputs, final states,
gradients), and any cell through the runner against running each sequence on its own."""
import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                   pad_packed_sequence, pad_sequence)

pytestmark = pytest.mark.usefixtures("real_registry")

T, B, I, H = 6, 4, 3, 5
LENGTHS = [3, 6, 2, 5]


@pytest.fixture
def x(rng):
    return rng.standard_normal((T, B, I))


def as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("enforce_sorted,lengths", [(False, LENGTHS), (True, [6, 5, 3, 2])])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packing_and_unpacking_match_torch(torch, x, enforce_sorted, lengths, batch_first):
    data = x.transpose(1, 0, 2).copy() if batch_first else x
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(data), lengths,
                                                     batch_first=batch_first,
                                                     enforce_sorted=enforce_sorted)
    ours = pack_padded_sequence(minigrad.tensor(data), lengths, batch_first=batch_first,
                                enforce_sorted=enforce_sorted)
    assert isinstance(ours, PackedSequence)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    if enforce_sorted:
        assert ours.sorted_indices is None and theirs.sorted_indices is None
    else:
        assert ours.sorted_indices.tolist() == theirs.sorted_indices.tolist()
        assert ours.unsorted_indices.tolist() == theirs.unsorted_indices.tolist()
    padded, out_lengths = pad_packed_sequence(ours, batch_first=batch_first, padding_value=-1.0,
                                              total_length=T + 1)
    expected, expected_lengths = torch.nn.utils.rnn.pad_packed_sequence(
        theirs, batch_first=batch_first, padding_value=-1.0, total_length=T + 1)
    np.testing.assert_array_equal(padded.numpy(), expected.numpy())
    assert out_lengths.tolist() == expected_lengths.tolist()
    assert out_lengths.dtype == np.int64


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch_with_its_gradient(torch, rng, batch_first, padding_side):
    pieces = [rng.standard_normal((n, 2)) for n in (3, 1, 4)]
    ours = [minigrad.tensor(p, requires_grad=True) for p in pieces]
    theirs = [torch.tensor(p, requires_grad=True) for p in pieces]
    a = pad_sequence(ours, batch_first, 0.5, padding_side)
    b = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, 0.5, padding_side)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    weight = rng.standard_normal(b.shape)
    (a * minigrad.tensor(weight)).sum().backward()
    (b * torch.tensor(weight)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("kind,bidirectional,layers", [
    ("RNN", False, 1), ("RNN", True, 2), ("GRU", False, 2), ("GRU", True, 1),
    ("LSTM", False, 1), ("LSTM", True, 2)])
def test_the_layers_on_packed_input_match_torch(torch, rng, x, kind, bidirectional, layers):
    theirs = getattr(torch.nn, kind)(I, H, num_layers=layers, bidirectional=bidirectional)
    theirs = theirs.double()
    ours = getattr(nn, kind)(I, H, num_layers=layers, bidirectional=bidirectional,
                             dtype="float64")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    xt, xm = torch.tensor(x, requires_grad=True), minigrad.tensor(x, requires_grad=True)
    directions = 2 if bidirectional else 1
    h0 = rng.standard_normal((layers * directions, B, H)) * 0.3
    start_t = torch.tensor(h0) if kind != "LSTM" else (torch.tensor(h0), torch.tensor(h0 / 2))
    start_m = minigrad.tensor(h0) if kind != "LSTM" else (minigrad.tensor(h0),
                                                          minigrad.tensor(h0 / 2))
    out_t, state_t = theirs(torch.nn.utils.rnn.pack_padded_sequence(
        xt, LENGTHS, enforce_sorted=False), start_t)
    out_m, state_m = ours(pack_padded_sequence(xm, LENGTHS, enforce_sorted=False), start_m)
    assert isinstance(out_m, PackedSequence)
    np.testing.assert_allclose(out_m.data.detach().numpy(), out_t.data.detach().numpy(),
                               rtol=0, atol=1e-12)
    for a, b in zip(as_tuple(state_m), as_tuple(state_t)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=0, atol=1e-12)
    weight = rng.standard_normal(out_t.data.shape)
    loss_t = (out_t.data * torch.tensor(weight)).sum() + sum(
        (s ** 2).sum() for s in as_tuple(state_t))
    loss_m = (out_m.data * minigrad.tensor(weight)).sum() + sum(
        (s ** 2).sum() for s in as_tuple(state_m))
    loss_t.backward()
    loss_m.backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=0, atol=1e-11)
    grads = {k: p.grad for k, p in theirs.named_parameters()}
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), grads[name].numpy(), rtol=0, atol=1e-10,
                                   err_msg=name)


@minigrad.no_grad()
@pytest.mark.parametrize("name", ["gru-v3", "peephole-lstm", "bi-rnn", "bi-lstm"])
def test_any_cell_on_packed_input_is_each_sequence_run_on_its_own(rng, x, name):
    """Packing changes nothing about a sequence: each one, run alone and unpadded, gives
    the same outputs and final state as in the packed batch (fast path and plain)."""
    layer = nn.Recurrent(name, I, H, num_layers=2, dtype="float64")
    for fast in (True, False):
        layer.use_fast_path = fast
        packed_out, final = layer(pack_padded_sequence(minigrad.tensor(x), LENGTHS,
                                                       enforce_sorted=False))
        padded, _ = pad_packed_sequence(packed_out)
        for b, n in enumerate(LENGTHS):
            alone, alone_final = layer(minigrad.tensor(x[:n, b:b + 1]))
            np.testing.assert_allclose(padded.numpy()[:n, b], alone.numpy()[:, 0], atol=1e-13)
            np.testing.assert_array_equal(padded.numpy()[n:, b], 0)
            for s, s_alone in zip(final, alone_final):
                np.testing.assert_allclose(s.numpy()[:, b], s_alone.numpy()[:, 0], atol=1e-13)


def test_pack_sequence_is_pad_then_pack(rng):
    pieces = [minigrad.tensor(rng.standard_normal((n, 2))) for n in (4, 2, 1)]
    packed = pack_sequence(pieces)
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]
    padded, lengths = pad_packed_sequence(packed, batch_first=True)
    assert lengths.tolist() == [4, 2, 1]
    for p, n, row in zip(pieces, (4, 2, 1), padded.numpy()):
        np.testing.assert_array_equal(row[:n], p.numpy())


@pytest.mark.parametrize("lengths,words", [
    ([3, 6, 2, 5], "decreasing order"),   # enforce_sorted=True by default
    ([7, 5, 3, 2], "between 1 and the padded length 6"),
    ([6, 5, 0, 2], "between 1"),
    ([6, 5, 3], "4 whole numbers"),
    ([6, 5, 3, 2.5], "whole numbers"),
])
def test_bad_lengths_are_refused_clearly(x, lengths, words):
    with pytest.raises(ValueError, match=words):
        pack_padded_sequence(minigrad.tensor(x), lengths)
