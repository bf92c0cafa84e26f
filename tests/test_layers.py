"""The simple layers: Linear, Embedding, Dropout, Identity, Sequential.

Linear and Embedding are checked against PyTorch with copied weights (forward and every
gradient) where it is installed, and against hand-computed numbers everywhere.
"""
import math

import numpy as np
import pytest

import minigrad
from minigrad import nn


def numpy_of(t):
    return t.detach().numpy()


# --------------------------------------------------------------------------- Linear
def test_linear_layout_and_hand_computed_forward_backward():
    lin = nn.Linear(2, 3)
    assert lin.weight.shape == (3, 2) and lin.bias.shape == (3,)
    with minigrad.no_grad():
        lin.weight.copy_(np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]))
        lin.bias.copy_(np.array([0.5, 0.0, -1.0]))
    x = minigrad.tensor([[1.0, 1.0], [2.0, -2.0]], requires_grad=True)
    y = lin(x)
    np.testing.assert_allclose(numpy_of(y), [[3.5, -1.0, 2.5], [-1.5, 2.0, 4.0]])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[4.0, 1.5], [4.0, 1.5]])  # column sums of W
    np.testing.assert_allclose(lin.weight.grad.numpy(), [[3.0, -1.0]] * 3)  # row sums of x
    np.testing.assert_allclose(lin.bias.grad.numpy(), [2.0, 2.0, 2.0])


def test_linear_without_bias():
    lin = nn.Linear(2, 2, bias=False)
    assert lin.bias is None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    with minigrad.no_grad():
        lin.weight.copy_(np.array([[1.0, 0.0], [1.0, 1.0]]))
    np.testing.assert_allclose(numpy_of(lin(minigrad.tensor([[2.0, 3.0]]))), [[2.0, 5.0]])


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)], ids=["2d", "3d", "1d"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_against_torch_with_copied_weights(torch, shape, bias, rng):
    ours = nn.Linear(4, 3, bias=bias)
    theirs = torch.nn.Linear(4, 3, bias=bias)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(numpy_of(ours.weight)))
        if bias:
            theirs.bias.copy_(torch.from_numpy(numpy_of(ours.bias)))
    x_np = rng.standard_normal(shape).astype(np.float32)
    upstream = rng.standard_normal(shape[:-1] + (3,)).astype(np.float32)

    x = minigrad.tensor(x_np, requires_grad=True)
    y = ours(x)
    y.backward(minigrad.tensor(upstream))
    tx = torch.tensor(x_np, requires_grad=True)
    ty = theirs(tx)
    ty.backward(torch.from_numpy(upstream))

    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    np.testing.assert_allclose(numpy_of(y), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-5, atol=1e-5)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(),
                                   rtol=1e-5, atol=1e-5)


def test_linear_default_init_bounds():
    fan_in = 50
    lin = nn.Linear(fan_in, 400)
    bound = 1 / math.sqrt(fan_in)
    for p in (lin.weight, lin.bias):
        values = numpy_of(p)
        assert np.all(np.abs(values) <= bound)
        assert values.min() < -0.95 * bound and values.max() > 0.95 * bound  # all of it is used
    w = numpy_of(lin.weight)
    assert abs(w.mean()) < 0.03 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def test_linear_default_init_matches_torch_statistics(torch):
    ours = numpy_of(nn.Linear(64, 512).weight)
    theirs = torch.nn.Linear(64, 512).weight.detach().numpy()
    assert np.abs(ours).max() <= np.abs(theirs).max() * 1.001 + 1e-7
    assert np.abs(ours).max() == pytest.approx(np.abs(theirs).max(), rel=0.01)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)


def test_linear_init_is_reproducible_with_manual_seed():
    minigrad.manual_seed(7)
    a = nn.Linear(3, 4)
    minigrad.manual_seed(7)
    b = nn.Linear(3, 4)
    c = nn.Linear(3, 4)
    np.testing.assert_array_equal(numpy_of(a.weight), numpy_of(b.weight))
    np.testing.assert_array_equal(numpy_of(a.bias), numpy_of(b.bias))
    assert not np.array_equal(numpy_of(b.weight), numpy_of(c.weight))


@pytest.mark.parametrize("dtype", [minigrad.float64, "float64"])
def test_linear_and_embedding_accept_dtype(dtype):
    lin = nn.Linear(3, 2, dtype=dtype)
    emb = nn.Embedding(5, 3, dtype=dtype)
    assert all(p.dtype == np.float64 for p in [*lin.parameters(), *emb.parameters()])
    out = lin(emb(minigrad.tensor([0, 4])))
    assert out.dtype == np.float64 and out.shape == (2, 2)


def test_layers_accept_device_cpu():
    lin = nn.Linear(3, 2, device="cpu")
    emb = nn.Embedding(4, 2, device="cpu")
    assert lin.weight.device == "cpu" and emb.weight.device == "cpu"


@pytest.mark.parametrize("args", [(0, 3), (3, 0), (-1, 3), (2.5, 3), (True, 3), ("3", 3)])
def test_bad_sizes_raise_value_error(args):
    with pytest.raises(ValueError, match="positive integer"):
        nn.Linear(*args)
    with pytest.raises(ValueError, match="positive integer"):
        nn.Embedding(*args)


def test_linear_gradcheck_float64():
    lin = nn.Linear(3, 2, dtype=minigrad.float64)
    x = minigrad.randn(4, 3, dtype=minigrad.float64, requires_grad=True)
    assert minigrad.gradcheck(lambda x, w, b: lin(x), (x, lin.weight, lin.bias))


# --------------------------------------------------------------------------- Embedding
def test_embedding_looks_up_rows_and_accumulates_repeated_gradients():
    emb = nn.Embedding(4, 2)
    assert emb.weight.shape == (4, 2)
    table = np.arange(8, dtype=np.float32).reshape(4, 2)
    with minigrad.no_grad():
        emb.weight.copy_(table)
    idx = np.array([[3, 1, 3], [0, 3, 1]])
    out = emb(minigrad.tensor(idx))
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(numpy_of(out), table[idx])
    out.sum().backward()
    counts = np.bincount(idx.ravel(), minlength=4)[:, None] * np.ones((1, 2))
    np.testing.assert_array_equal(emb.weight.grad.numpy(), counts)


def test_embedding_against_torch(torch, rng):
    ours = nn.Embedding(7, 3)
    theirs = torch.nn.Embedding(7, 3)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(numpy_of(ours.weight)))
    idx = rng.integers(0, 7, (4, 5))
    upstream = rng.standard_normal((4, 5, 3)).astype(np.float32)
    ours(minigrad.tensor(idx)).backward(minigrad.tensor(upstream))
    out = theirs(torch.from_numpy(idx))
    out.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-5, atol=1e-6)


def test_embedding_init_is_standard_normal():
    w = numpy_of(nn.Embedding(1000, 100).weight)
    assert abs(w.mean()) < 0.01 and w.std() == pytest.approx(1.0, rel=0.01)


def test_embedding_index_out_of_range_raises():
    with pytest.raises(IndexError):
        nn.Embedding(4, 2)(minigrad.tensor([1, 4]))


# --------------------------------------------------------------------------- Dropout
def test_dropout_in_train_mode_zeroes_about_p_and_scales_the_rest():
    p = 0.3
    drop = nn.Dropout(p)
    x = minigrad.ones(100_000, requires_grad=True)
    y = drop(x)
    values = numpy_of(y)
    kept = values != 0
    assert kept.mean() == pytest.approx(1 - p, abs=0.01)
    np.testing.assert_allclose(values[kept], 1 / (1 - p), rtol=1e-6)
    assert values.mean() == pytest.approx(1.0, abs=0.02)  # expectation unchanged
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # same mask, same scale


def test_dropout_in_eval_mode_is_the_identity():
    drop = nn.Dropout(0.9).eval()
    x = minigrad.randn(50, 20)
    np.testing.assert_array_equal(numpy_of(drop(x)), x.numpy())


@pytest.mark.parametrize("p, expected", [(0.0, "identity"), (1.0, "zeros")])
def test_dropout_extremes(p, expected):
    x = minigrad.randn(30)
    y = numpy_of(nn.Dropout(p)(x))
    np.testing.assert_array_equal(y, x.numpy() if expected == "identity" else np.zeros(30))


def test_dropout_is_reproducible_with_manual_seed():
    x = minigrad.ones(1000)
    minigrad.manual_seed(3)
    a = numpy_of(nn.Dropout(0.5)(x))
    minigrad.manual_seed(3)
    b = numpy_of(nn.Dropout(0.5)(x))
    c = numpy_of(nn.Dropout(0.5)(x))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)


# --------------------------------------------------------------------------- Identity, Sequential
def test_identity_returns_its_input_and_ignores_arguments():
    x = minigrad.randn(3)
    assert nn.Identity(54, unused="x")(x) is x
    assert list(nn.Identity().parameters()) == []


def test_sequential_of_linear_tanh_linear_against_hand_composition():
    first, second = nn.Linear(3, 4), nn.Linear(4, 2)

    class Tanh(nn.Module):
        def forward(self, x):
            return x.tanh()

    model = nn.Sequential(first, Tanh(), second)
    x = minigrad.randn(5, 3)
    w1, b1, w2, b2 = (numpy_of(p) for p in model.parameters())
    expected = np.tanh(x.numpy() @ w1.T + b1) @ w2.T + b2
    np.testing.assert_allclose(numpy_of(model(x)), expected, rtol=1e-5, atol=1e-6)
