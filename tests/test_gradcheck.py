"""minigrad.gradcheck: it passes correct backwards and catches wrong ones.

The wrong ones are built with ``from_op``, the same way every op is built, so
gradcheck is tested on exactly the kind of mistake it exists to find."""
import numpy as np
import pytest

import minigrad
from minigrad.tensor import from_op


def square_wrong(x):
    """x² with the factor 2 forgotten in the backward."""
    return from_op(x.array ** 2, (x,), lambda g: (g * x.array,))


def product_wrong_in_b(a, b):
    """a·b whose backward for b has the wrong sign."""
    return from_op(a.array * b.array, (a, b), lambda g: (g * b.array, -g * a.array))


def square_slightly_off(x):
    """x² whose backward is 0.01% too large."""
    return from_op(x.array ** 2, (x,), lambda g: (g * 2 * x.array * 1.0001,))


def f64(*shape, seed=0):
    return minigrad.tensor(np.random.default_rng(seed).uniform(0.5, 2.0, shape),
                           requires_grad=True)


def test_correct_backwards_pass():
    assert minigrad.gradcheck(lambda x: (x * x).tanh(), [f64(3, 2)]) is True
    assert minigrad.gradcheck(lambda a, b: a @ b, [f64(2, 3), f64(3, 4, seed=1)]) is True
    assert minigrad.gradcheck(lambda x: x.split(1, dim=0), [f64(3, 2)]) is True  # tuple output


def test_wrong_backward_raises_naming_the_input():
    with pytest.raises(minigrad.GradcheckError, match=r"input 0 \(shape \(3, 2\)\)"):
        minigrad.gradcheck(square_wrong, [f64(3, 2)])


def test_wrong_backward_of_the_second_input_names_it():
    with pytest.raises(minigrad.GradcheckError, match="input 1") as info:
        minigrad.gradcheck(product_wrong_in_b, [f64(4), f64(4, seed=1)])
    assert "input 0" not in str(info.value)
    assert "analytic" in str(info.value) and "numerical" in str(info.value)


def test_only_inputs_that_require_grad_are_checked():
    a = f64(4)
    b = minigrad.tensor(np.ones(4))  # b's (wrong) gradient is never asked for
    assert minigrad.gradcheck(product_wrong_in_b, [a, b])


def test_raise_exception_false_returns_false():
    assert minigrad.gradcheck(square_wrong, [f64(3)], raise_exception=False) is False
    assert minigrad.gradcheck(lambda x: x * x, [f64(3)], raise_exception=False) is True


def test_tolerances_are_used():
    x = f64(5)
    assert minigrad.gradcheck(square_slightly_off, [x])  # 1e-4 relative is within rtol=1e-3
    with pytest.raises(minigrad.GradcheckError):
        minigrad.gradcheck(square_slightly_off, [x], rtol=1e-6, atol=1e-9)


def test_eps_is_used():
    x = f64(4)
    cube = lambda t: t ** 3  # noqa: E731 - central difference error is eps² exactly
    assert minigrad.gradcheck(cube, [x])
    assert not minigrad.gradcheck(cube, [x], eps=0.5, raise_exception=False)


def test_inputs_come_back_unchanged():
    x = f64(3, 2)
    before = x.detach().numpy().copy()
    minigrad.gradcheck(lambda t: t.exp(), [x])
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(ValueError, match="requires_grad"):
        minigrad.gradcheck(lambda x: x * 2, [minigrad.tensor([1.0], dtype="float64")])


def test_float32_inputs_warn():
    with pytest.warns(UserWarning, match="float64"):
        minigrad.gradcheck(lambda x: x * 2, [minigrad.tensor([1.0, 2.0], requires_grad=True)],
                           eps=1e-2, atol=1e-2, rtol=1e-2)


def test_gradcheck_error_is_an_assertion_error():
    """So a failing check reads as a test failure under pytest."""
    assert issubclass(minigrad.GradcheckError, AssertionError)
