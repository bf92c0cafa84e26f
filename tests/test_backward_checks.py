"""What the backward pass tells about the graph: each op's name (``grad_fn``), and an
op whose backward returns the wrong thing (shape, count, type), reported as a bug of
that op by its name."""
import numpy as np
import pytest

import minigrad
from minigrad.nn import fused
from minigrad.tensor import from_op


def leaf(*shape, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape)
    return minigrad.tensor(data, requires_grad=True)


# --------------------------------------------------------------------------- grad_fn
@pytest.mark.parametrize("make, name", [
    (lambda x, y: x.tanh(), "tanh"),
    (lambda x, y: x.sigmoid(), "sigmoid"),
    (lambda x, y: x.exp(), "exp"),
    (lambda x, y: x.reshape(12), "reshape"),
    (lambda x, y: x.unsqueeze(0), "reshape"),  # built from reshape
    (lambda x, y: x.T, "permute"),
    (lambda x, y: -x, "neg"),
    (lambda x, y: x * y, "mul"),
    (lambda x, y: x + 1, "add"),
    (lambda x, y: x @ y.T, "matmul"),
    (lambda x, y: x ** 2, "pow"),
    (lambda x, y: minigrad.ops.maximum(x, y), "maximum"),
    (lambda x, y: minigrad.ops.minimum(x, y), "minimum"),
    (lambda x, y: x.max(), "max"),
    (lambda x, y: x.min(dim=1), "min"),
    (lambda x, y: x.sum(), "sum"),
    (lambda x, y: x[1:], "getitem"),
    (lambda x, y: minigrad.ops.cat([x, y]), "cat"),
    (lambda x, y: minigrad.ops.stack([x, y]), "stack"),
    (lambda x, y: x.softmax(dim=1), "softmax"),
    (lambda x, y: x.to(minigrad.float32), "to"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_grad_fn_is_the_name_of_the_op(make, name):
    x, y = leaf(3, 4), leaf(3, 4, seed=1)
    assert make(x, y).grad_fn == name


def test_grad_fn_of_the_fused_cell_steps():
    batch, hidden = 2, 3
    gates, c = leaf(batch, 4 * hidden), leaf(batch, hidden, seed=1)
    assert fused.lstm_step(gates, c).grad_fn == "lstm_step"
    xp, hp, h = leaf(batch, 3 * hidden), leaf(batch, 3 * hidden, seed=1), leaf(batch, hidden)
    assert fused.gru_step(xp, hp, h).grad_fn == "gru_step"


def test_grad_fn_is_none_for_leaves_and_outside_the_graph():
    x = leaf(3)
    assert x.grad_fn is None
    assert (minigrad.tensor([1.0, 2.0]) * 2).grad_fn is None  # no input requires grad
    with minigrad.no_grad():
        assert (x * 2).grad_fn is None


def test_grad_fn_survives_backward():
    """As in PyTorch, the name stays after the graph is freed."""
    y = leaf(3).tanh()
    y.sum().backward()
    assert y.grad_fn == "tanh"


def test_from_op_without_a_name_shows_the_backward_function():
    def square_backward(g):
        return (g,)
    x = leaf(3)
    assert from_op(x.data ** 2, (x,), square_backward).grad_fn == "square_backward"
    assert from_op(x.data ** 2, (x,), square_backward, name="square").grad_fn == "square"
    assert "grad_fn=<square>" in repr(from_op(x.data ** 2, (x,), square_backward,
                                              name="square"))
