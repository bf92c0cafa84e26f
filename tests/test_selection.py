"""max and min along a dimension (named tuples), argmax, argmin, sort, argsort and topk,
against PyTorch: values, indices and their dtype (int64), gradients, ties, and errors."""
import numpy as np
import pytest

import minigrad
from torch_compare import compare_with_torch

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4, 5))  # no ties
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [5.0, 5.0, 5.0, 5.0]])


# --------------------------------------------------------------------------- max / min
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_along_a_dim_are_named_tuples_like_torch(torch, name, dim, keepdim):
    out = compare_with_torch(torch, lambda lib, x: getattr(x, name)(dim, keepdim=keepdim), X)
    assert out.indices.dtype == np.int64
    compare_with_torch(torch, lambda lib, x: getattr(lib, name)(x, dim=dim, keepdim=keepdim), X)


def test_unpacking_max_of_a_batch_of_two(torch):
    """``v, i = x.max(1)`` for a batch of 2: with values only, this unpacked the two rows'
    values into v and i without a word."""
    logits = np.array([[0.1, 2.0, -1.0], [3.0, 0.5, 0.2]])
    v, i = minigrad.tensor(logits).max(1)
    tv, ti = torch.tensor(logits).max(1)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert i.tolist() == [1, 0] and i.dtype == np.int64
    values, indices = minigrad.max(minigrad.tensor(logits), dim=1)
    assert indices.tolist() == [1, 0]


@pytest.mark.parametrize("name", ["max", "min"])
def test_ties_along_a_dim_send_the_gradient_to_the_index_returned_like_torch(torch, name):
    out = compare_with_torch(torch, lambda lib, x: getattr(x, name)(dim=1), TIES)
    assert out.indices.tolist() == ([1, 0, 0] if name == "max" else [3, 2, 0])


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_without_dim_the_value_only_with_ties_split_evenly_like_torch(torch, name):
    out = compare_with_torch(torch, lambda lib, x: getattr(x, name)(), TIES)
    assert isinstance(out, minigrad.Tensor) and out.shape == ()


@pytest.mark.parametrize("dim", [(0, 2), (1,), None])
def test_amax_amin_over_several_dims_like_torch(torch, dim):
    for name in ("amax", "amin"):
        compare_with_torch(torch, lambda lib, x: getattr(lib, name)(x, dim=dim, keepdim=True)
                           if dim is not None else getattr(lib, name)(x), X)
    compare_with_torch(torch, lambda lib, x: x.amax(dim=1), TIES)  # ties split evenly


def test_max_of_two_tensors_is_maximum_like_torch(torch):
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    compare_with_torch(torch, lambda lib, x, y: lib.max(x, y), a, b)
    compare_with_torch(torch, lambda lib, x, y: x.min(y), a, b)


def test_max_of_integers_like_torch(torch):
    compare_with_torch(torch, lambda lib, x: x.max(dim=0), np.array([[3, 1], [2, 7]]))


def test_max_refuses_several_dims_and_empty_dims():
    x = minigrad.tensor(X)
    with pytest.raises(TypeError, match="amax"):
        x.max(dim=(0, 1))
    with pytest.raises(IndexError, match="out of range"):
        x.max(dim=3)
    with pytest.raises(IndexError, match="empty"):
        minigrad.zeros(2, 0).max(dim=1)


# --------------------------------------------------------------------------- argmax / argmin
@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin_like_torch(torch, name, dim, keepdim):
    for data in (X, TIES):  # on ties: the first index, as torch
        compare_with_torch(torch, lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim), data)
        compare_with_torch(torch, lambda lib, x: getattr(lib, name)(x, dim, keepdim), data)


def test_argmax_is_int64_and_not_in_the_graph():
    x = minigrad.tensor(X, requires_grad=True)
    i = x.argmax(dim=1)
    assert i.dtype == np.int64 and not i.requires_grad and i.grad_fn is None


# --------------------------------------------------------------------------- sort / argsort
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_like_torch(torch, dim, descending):
    compare_with_torch(torch, lambda lib, x: x.sort(dim=dim, descending=descending), X)
    compare_with_torch(torch, lambda lib, x: lib.sort(x, dim, descending), X)
    compare_with_torch(torch, lambda lib, x: x.argsort(dim=dim, descending=descending), X)


@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_like_torch_stable(torch, descending):
    """Equal values keep their order, ascending and descending (where -x would flip them)."""
    compare_with_torch(torch, lambda lib, x: x.sort(dim=1, descending=descending, stable=True),
                       TIES)
    compare_with_torch(torch, lambda lib, x: lib.argsort(x, dim=0, descending=descending,
                                                         stable=True), TIES.T.copy())


@pytest.mark.parametrize("descending", [False, True])
def test_sort_puts_nan_where_torch_does(torch, descending):
    data = np.array([1.0, np.nan, 0.0, np.nan, -2.0])
    out = minigrad.tensor(data).sort(descending=descending, stable=True)
    expected = torch.tensor(data).sort(descending=descending, stable=True)
    np.testing.assert_array_equal(out.indices.numpy(), expected.indices.numpy())
    np.testing.assert_array_equal(out.values.numpy(), expected.values.numpy())


def test_sort_of_integers_and_booleans_like_torch(torch):
    ints = np.array([[3, 1, 2, 1], [0, 5, 5, 4]])
    for descending in (False, True):
        compare_with_torch(torch, lambda lib, x: x.sort(descending=descending, stable=True), ints)
        compare_with_torch(torch, lambda lib, x: x.sort(descending=descending, stable=True),
                           np.array([True, False, True, False]))


# --------------------------------------------------------------------------- topk
@pytest.mark.parametrize("k", [0, 1, 3, 5])
@pytest.mark.parametrize("largest", [True, False])
def test_topk_like_torch(torch, k, largest):
    out = compare_with_torch(torch, lambda lib, x: x.topk(k, largest=largest), X)
    assert out.indices.dtype == np.int64
    compare_with_torch(torch, lambda lib, x: lib.topk(x, min(k, 3), dim=0, largest=largest), X)
    compare_with_torch(torch, lambda lib, x: x.topk(k=min(k, 4), dim=1, sorted=True), X)


def test_topk_with_ties_takes_the_first_and_gives_torchs_values(torch):
    """torch does not say which of equal values topk takes; minigrad takes the first."""
    data = np.array([[1.0, 3.0, 3.0, 0.0, 3.0]])
    values, indices = minigrad.tensor(data).topk(2)
    np.testing.assert_array_equal(values.numpy(), torch.tensor(data).topk(2).values.numpy())
    assert indices.tolist() == [[1, 2]]


def test_topk_gradient_reaches_only_the_elements_taken():
    x = minigrad.tensor([[0.5, 4.0, -1.0, 2.0]], requires_grad=True)
    values, _ = x.topk(2)
    (values * minigrad.tensor([[10.0, 1.0]])).sum().backward()
    assert x.grad.tolist() == [[0.0, 10.0, 0.0, 1.0]]


def test_topk_refuses_k_out_of_range():
    with pytest.raises(ValueError, match="k=6 is out of range.*size 5"):
        minigrad.tensor(X).topk(6)
    with pytest.raises(ValueError, match="k=-1"):
        minigrad.tensor(X).topk(-1)


def test_gradcheck_of_the_values_ops():
    x = minigrad.tensor(X, requires_grad=True)
    for fn in (lambda t: t.max(dim=1).values, lambda t: t.min(dim=0, keepdim=True).values,
               lambda t: t.sort(dim=1, descending=True).values, lambda t: t.topk(2).values,
               lambda t: t.amax(dim=(0, 2))):
        assert minigrad.gradcheck(fn, [x])


def test_text_generation_step_like_a_textbook(torch):
    """The char-RNN sampling step: ``topv, topi = output.topk(1); letters[topi[0][0]]``."""
    letters = "abcdefgh"
    logits = RNG.standard_normal((1, len(letters)))
    topv, topi = minigrad.tensor(logits).topk(1)
    ttopv, ttopi = torch.tensor(logits).topk(1)
    assert letters[topi[0][0]] == letters[ttopi[0][0]] == letters[int(np.argmax(logits))]
    assert letters[topi] == letters[ttopi]  # a (1, 1) tensor is an index too
    assert letters[topi.item()] == letters[ttopi.item()]
