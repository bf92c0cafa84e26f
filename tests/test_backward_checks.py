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
    (lambda x, y: x.min(dim=1).values, "min"),
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
    assert from_op(x.array ** 2, (x,), square_backward).grad_fn == "square_backward"
    assert from_op(x.array ** 2, (x,), square_backward, name="square").grad_fn == "square"
    assert "grad_fn=<square>" in repr(from_op(x.array ** 2, (x,), square_backward,
                                              name="square"))


# --------------------------------------------------------------------------- broken backwards
def broken(backward, *inputs):
    """An op named 'broken': the identity on its first input, with the given backward."""
    return from_op(inputs[0].array.copy(), inputs, backward, name="broken")


def test_a_gradient_of_the_wrong_shape_names_the_op_and_both_shapes():
    x = leaf(3, 4)
    y = broken(lambda g: (g[0],), x)  # shape (4,) for an input of shape (3, 4)
    with pytest.raises(RuntimeError, match=r"the backward of 'broken' returned a gradient of "
                                           r"shape \(4,\) for its input 0 of shape \(3, 4\)"):
        y.sum().backward()


def test_a_wrong_shape_is_caught_where_broadcasting_would_hide_it():
    """Sent into a tanh, a (4,) gradient broadcasts back to (3, 4): without the check on
    every edge, x.grad would come out of the right shape and silently wrong."""
    x = leaf(3, 4)
    y = broken(lambda g: (g[0],), x.tanh())
    with pytest.raises(RuntimeError, match=r"'broken'.*\(4,\).*\(3, 4\)"):
        y.sum().backward()
    assert x.grad is None


def test_too_few_gradients():
    a, b = leaf(3), leaf(3, seed=1)
    y = broken(lambda g: (g,), a, b)  # nothing for b: zip() would drop it silently
    with pytest.raises(RuntimeError, match=r"the backward of 'broken' returned 1 gradient\(s\) "
                                           r"for its 2 input\(s\)"):
        y.sum().backward()


def test_too_many_gradients():
    x = leaf(3)
    y = broken(lambda g: (g, g), x)
    with pytest.raises(RuntimeError, match=r"'broken' returned 2 gradient\(s\) for its 1 input"):
        y.sum().backward()


def test_an_array_instead_of_a_tuple_of_gradients():
    """The classic slip, ``return g * y`` for ``return (g * y,)``: an array is not read as
    a sequence of gradients (its rows)."""
    x = leaf(1, 3)
    y = broken(lambda g: g, x)
    with pytest.raises(RuntimeError, match=r"'broken' returned a ndarray for its 1 input"):
        y.sum().backward()


def test_a_tensor_instead_of_an_array():
    x = leaf(3, 4)
    y = broken(lambda g: (minigrad.tensor(g),), x)
    with pytest.raises(RuntimeError, match=r"the backward of 'broken' returned a Tensor of shape "
                                           r"\(3, 4\) .*for its input 0 of shape \(3, 4\)"):
        y.sum().backward()


def test_something_else_than_an_array():
    x = leaf(2)
    y = broken(lambda g: (g.tolist(),), x)
    with pytest.raises(RuntimeError, match=r"'broken' returned a list \(not an array\) for its "
                                           r"input 0 of shape \(2,\)"):
        y.sum().backward()


def test_the_check_names_the_input():
    a, b = leaf(3, 4), leaf(4, seed=1)
    y = broken(lambda g: (g, g), a, b)  # right for a, wrong for b (it was broadcast)
    with pytest.raises(RuntimeError, match=r"shape \(3, 4\) for its input 1 of shape \(4,\)"):
        y.sum().backward()


def test_a_slice_gradient_is_checked_by_the_shape_it_stands_for():
    from minigrad.ops.indexing import SliceGrad
    x = leaf(5, 2)
    y = broken(lambda g: (SliceGrad(slice(0, 3), g[:3], (3, 2)),), x)
    with pytest.raises(RuntimeError, match=r"'broken' returned a gradient of shape \(3, 2\) "
                                           r"for its input 0 of shape \(5, 2\)"):
        y.sum().backward()


def test_gradients_nobody_asked_for_are_not_checked():
    """An input that does not require grad may get None, or anything: it is dropped."""
    a, b = leaf(3), minigrad.tensor([1.0, 2.0, 3.0])
    broken(lambda g: (g, "ignored"), a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones(3))


def test_a_hook_returning_the_wrong_shape():
    x = leaf(3)
    y = x.tanh()
    y.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"a hook on a tensor of shape \(3,\) returned a "
                                           r"gradient of shape \(\)"):
        y.sum().backward()
