"""The backward pass as a whole: deep graphs, reuse, accumulation, no_grad, retain_graph,
hooks, retain_grad and the in-place guard. Expected gradients are worked out by hand
(or by PyTorch, where it is installed)."""
import math

import numpy as np
import pytest

import minigrad


def grad_of(t):
    return t.grad.detach().cpu().numpy()


# --------------------------------------------------------------------------- depth
def test_chain_of_100_000_ops():
    """The backward walk is iterative: no RecursionError on a very deep graph."""
    x = minigrad.tensor(0.5, dtype="float64", requires_grad=True)
    c = 1.00001
    y = x
    for _ in range(100_000):
        y = y * c
    assert y.grad_fn is not None
    y.backward()
    np.testing.assert_allclose(y.item(), 0.5 * c ** 100_000, rtol=1e-9)
    np.testing.assert_allclose(x.grad.item(), c ** 100_000, rtol=1e-9)


def test_deep_graph_is_freed_without_backward():
    """Dropping a 100,000-op graph that was never walked must not crash the interpreter."""
    x = minigrad.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    assert y.item() == 100_001.0
    del y  # deallocating the chain: no deep recursion


def test_long_tanh_rnn_unroll_matches_torch(torch):
    rng = np.random.default_rng(0)
    steps, batch, hidden = 300, 2, 3
    xs = rng.standard_normal((steps, batch, hidden))
    w0 = rng.standard_normal((hidden, hidden))
    u0 = rng.standard_normal((hidden, hidden)) * 0.3

    def run(lib, w, u):
        h = lib.zeros(batch, hidden, dtype=w.dtype)
        x = lib.tensor(xs)
        for t in range(steps):
            h = (x[t] @ w + h @ u).tanh()
        return (h * h).sum()

    w, u = minigrad.tensor(w0, requires_grad=True), minigrad.tensor(u0, requires_grad=True)
    tw, tu = torch.tensor(w0, requires_grad=True), torch.tensor(u0, requires_grad=True)
    loss, tloss = run(minigrad, w, u), run(torch, tw, tu)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    np.testing.assert_allclose(grad_of(w), tw.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grad_of(u), tu.grad.numpy(), rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- reuse and accumulation
def test_a_tensor_used_several_times_accumulates(device):
    x = minigrad.tensor([1.0, -2.0, 3.0], requires_grad=True, device=device)
    y = x * x + x * 3.0 - x  # dy/dx = 2x + 3 - 1
    y.sum().backward()
    np.testing.assert_allclose(grad_of(x), [4.0, -2.0, 8.0])


def test_diamond_graph(device):
    x = minigrad.tensor([0.5, -1.0], dtype="float64", requires_grad=True, device=device)
    a = x * 2
    b = a + 1
    c = a * 3
    (b * c).sum().backward()  # b·c = (2x+1)·6x = 12x² + 6x  ->  24x + 6
    np.testing.assert_allclose(grad_of(x), [18.0, -18.0])


def test_same_tensor_on_both_sides(device):
    x = minigrad.tensor([2.0, 3.0], requires_grad=True, device=device)
    (x + x).sum().backward()
    np.testing.assert_allclose(grad_of(x), [2.0, 2.0])
    x.grad = None
    (x / x).sum().backward()
    np.testing.assert_allclose(grad_of(x), [0.0, 0.0], atol=1e-7)
    x.grad = None
    (x @ x).backward()
    np.testing.assert_allclose(grad_of(x), [4.0, 6.0])


def test_leaf_grad_accumulates_across_backward_calls(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 3).sum().backward()
    np.testing.assert_allclose(grad_of(x), [3.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(grad_of(x), [5.0, 7.0])
    x.grad = None  # what zero_grad(set_to_none=True) does
    (x * 3).sum().backward()
    np.testing.assert_allclose(grad_of(x), [3.0, 3.0])


def test_each_leaf_gets_its_own_writable_grad(device):
    """x + y sends the same gradient to both, and sum's backward is a broadcast view:
    changing one .grad in place (as gradient clipping does) must not touch another."""
    a = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    b = minigrad.tensor([3.0, 4.0], requires_grad=True, device=device)
    upstream = minigrad.tensor([1.0, 1.0], device=device)
    (a + b).backward(upstream)
    a.grad.mul_(5.0)
    np.testing.assert_array_equal(grad_of(a), [5.0, 5.0])
    np.testing.assert_array_equal(grad_of(b), [1.0, 1.0])
    np.testing.assert_array_equal(upstream.cpu().numpy(), [1.0, 1.0])
    a.grad, b.grad = None, None
    (a + b).sum().backward()
    b.grad.zero_()
    np.testing.assert_array_equal(grad_of(a), [1.0, 1.0])


def test_grad_has_the_leaf_dtype(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x.to(minigrad.float64) * minigrad.tensor([1.5, 2.5], dtype="float64", device=device)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(grad_of(x), [1.5, 2.5])


def test_only_tensors_that_require_grad_get_one(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    c = minigrad.tensor([3.0, 4.0], device=device)
    mid = x * c
    assert mid.requires_grad and not mid.is_leaf
    assert not (c * c).requires_grad
    (mid * 2).sum().backward()
    np.testing.assert_allclose(grad_of(x), [6.0, 8.0])
    assert c.grad is None
    assert mid.grad is None  # not a leaf, and retain_grad() was not asked for


def test_backward_with_explicit_grad(device):
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, device=device)
    y = x * x
    y.backward(minigrad.tensor([[1.0, 0.0], [0.5, 2.0]], device=device))
    np.testing.assert_allclose(grad_of(x), [[2.0, 0.0], [3.0, 16.0]])


def test_detach_cuts_the_graph(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x * x.detach()  # only the left factor carries a gradient
    y.sum().backward()
    np.testing.assert_allclose(grad_of(x), [1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None


def test_graph_matches_torch_on_a_composite(torch):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)]

    def f(lib, x, w, b):
        h = (x @ w + b).tanh()
        z = lib.cat([h, h * h], dim=1)
        s = lib.log_softmax(z, dim=1)
        peak = h.max(dim=0).values
        return s[:, ::2].sum() + peak.sum()

    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    f(minigrad, *ours).backward()
    f(torch, *theirs).backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(grad_of(o), t.grad.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- no_grad
def test_no_grad_context_manager(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    assert minigrad.is_grad_enabled()
    with minigrad.no_grad():
        assert not minigrad.is_grad_enabled()
        y = x * 2
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf
        with minigrad.enable_grad():
            z = x * 2
            assert z.requires_grad
    assert minigrad.is_grad_enabled()
    assert (x * 2).requires_grad
    with pytest.raises(RuntimeError):
        y.backward(minigrad.ones(2, device=device))


def test_no_grad_decorator():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)

    @minigrad.no_grad()
    def evaluate(t):
        assert not minigrad.is_grad_enabled()
        return t * 3

    y = evaluate(x)
    assert not y.requires_grad
    assert evaluate(x).grad_fn is None  # the decorator works on every call
    assert minigrad.is_grad_enabled()


def test_no_grad_restores_the_mode_after_an_error():
    with pytest.raises(KeyError):
        with minigrad.no_grad():
            raise KeyError("boom")
    assert minigrad.is_grad_enabled()
    with minigrad.no_grad():
        with minigrad.no_grad():
            pass
        assert not minigrad.is_grad_enabled()
    assert minigrad.is_grad_enabled()


def test_updates_under_no_grad_are_allowed():
    w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with minigrad.no_grad():
        w.sub_(0.5 * w.grad)  # an SGD step
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])
    assert w.requires_grad and w.is_leaf


# --------------------------------------------------------------------------- retain_graph
def test_second_backward_without_retain_graph_raises(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_second_backward_through_a_shared_part_raises():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    h = x.tanh()
    h.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 2).sum().backward()


def test_retain_graph_allows_a_second_backward(device):
    x = minigrad.tensor([1.0, 2.0], dtype="float64", requires_grad=True, device=device)
    y = (x.exp() * x).sum()  # d/dx = e^x (1 + x)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(grad_of(x), 2 * np.exp([1.0, 2.0]) * np.array([2.0, 3.0]))
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


# --------------------------------------------------------------------------- hooks
def test_hook_sees_the_gradient(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    seen = []
    x.register_hook(lambda g: seen.append(g.detach().cpu().numpy().copy()))
    (x * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(grad_of(x), [3.0, 3.0])


def test_hook_may_replace_the_gradient(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    h = x * 3
    h.register_hook(lambda g: g * 10)  # on a non-leaf: changes what flows further back
    x.register_hook(lambda g: g + 1)  # on the leaf: changes what lands in .grad
    (h * h).sum().backward()  # d/dh = 2h = 6x; ×10; ×3 into x; +1
    np.testing.assert_allclose(grad_of(x), [181.0, 361.0])


def test_hook_returning_none_keeps_the_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: None)
    (x * 2).sum().backward()
    np.testing.assert_allclose(grad_of(x), [2.0, 2.0])


def test_hook_handle_remove():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1) or g * 2)
    (x * 1).sum().backward()
    np.testing.assert_allclose(grad_of(x), [2.0, 2.0])
    handle.remove()
    handle.remove()  # a second remove is harmless
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_allclose(grad_of(x), [1.0, 1.0])
    assert calls == [1]


def test_hooks_like_torch(torch):
    def run(lib, a):
        x = lib.tensor(a, requires_grad=True)
        h = x.tanh()
        h.register_hook(lambda g: g * 2 + 1)
        x.register_hook(lambda g: g * g)
        (h * x).sum().backward()
        return x.grad

    a = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(run(minigrad, a).numpy(), run(torch, a).numpy(), rtol=1e-12)


def test_hook_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="requires? grad"):
        minigrad.tensor([1.0]).register_hook(lambda g: g)


# --------------------------------------------------------------------------- retain_grad
def test_retain_grad_keeps_an_intermediate_gradient(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    h = x * 2
    h.retain_grad()
    other = x * 5  # not retained
    (h * h + other).sum().backward()
    np.testing.assert_allclose(grad_of(h), [4.0, 8.0])  # d/dh h² = 2h
    np.testing.assert_allclose(grad_of(x), [13.0, 21.0])  # 2h·2 + 5
    assert other.grad is None


def test_retained_grad_is_not_changed_by_the_rest_of_the_pass():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    h = x + 0.0
    h.retain_grad()
    y = h * 1.0
    y.retain_grad()
    y.sum().backward()
    y.grad.mul_(100.0)
    np.testing.assert_allclose(grad_of(h), [1.0, 1.0])
    np.testing.assert_allclose(grad_of(x), [1.0, 1.0])


def test_retain_grad_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="does not require grad"):
        minigrad.tensor([1.0]).retain_grad()


# --------------------------------------------------------------------------- in-place changes
def test_in_place_change_of_a_leaf_that_requires_grad_is_refused():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    for change in (lambda: x.add_(1.0), lambda: x.mul_(2.0), lambda: x.zero_(),
                   lambda: x.__setitem__(0, 5.0), lambda: x.copy_(minigrad.tensor([0.0, 0.0]))):
        with pytest.raises(RuntimeError, match="in place"):
            change()
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])


def test_in_place_change_of_a_non_leaf_is_refused():
    h = minigrad.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="in place"):
        h.add_(1.0)


def test_in_place_change_of_a_saved_input_is_caught_at_backward():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    w = minigrad.tensor([3.0, 4.0])  # no grad needed, but mul's backward needs its value
    y = (x * w).sum()
    w.mul_(10.0)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_in_place_change_under_no_grad_is_caught_at_backward():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with minigrad.no_grad():
        x[0] = 7.0
    with pytest.raises(RuntimeError, match=r"changed in place.*\(2,\)|\(2,\).*changed in place"):
        y.backward()


def test_in_place_change_after_backward_is_fine():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    with minigrad.no_grad():
        x.add_(1.0)
    x.grad = None
    (x * x).sum().backward()  # a new graph, built from the new values
    np.testing.assert_allclose(grad_of(x), [4.0, 6.0])


# --------------------------------------------------------------------------- backward's arguments
def test_non_scalar_backward_without_grad_is_refused():
    y = minigrad.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"one element.*\(2,\)") as info:
        y.backward()
    assert "grad" in str(info.value)


def test_backward_grad_of_the_wrong_shape_is_refused():
    y = minigrad.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        y.backward(minigrad.ones(3))


def test_backward_on_a_tensor_that_needs_no_grad_is_refused():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (minigrad.tensor([1.0]) * 2).sum().backward()


def test_one_element_non_scalar_backward_is_allowed():
    x = minigrad.tensor([3.0], requires_grad=True)
    (x * x).backward()  # shape (1,): one element, so the seed gradient 1 is implied
    assert math.isclose(x.grad.item(), 6.0)


def test_is_leaf_and_grad_fn():
    x = minigrad.tensor([1.0], requires_grad=True)
    assert x.is_leaf and x.grad_fn is None
    y = x.tanh()
    assert not y.is_leaf and y.grad_fn is not None
    assert "tanh" in str(y.grad_fn)
    with pytest.raises(RuntimeError):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="floating"):
        minigrad.tensor([1, 2]).requires_grad_()
