"""minigrad.nn.utils.clip_grad_norm_ and clip_grad_value_, against torch and by hand."""
import math

import numpy as np
import pytest

import minigrad
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_

SHAPES = [(3, 4), (5,), (2, 1, 3)]


def grads_for_test(kind="finite", seed=3):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(shape) for shape in SHAPES]
    if kind == "nan":
        grads[1][2] = np.nan
    elif kind == "inf":
        grads[0][1, 1] = -np.inf
    return grads


def minigrad_params(grads):
    """Parameters holding ``grads``, plus one without a gradient (which is left alone)."""
    params = []
    for g in grads:
        p = minigrad.tensor(np.zeros_like(g), requires_grad=True)
        p.grad = minigrad.tensor(g.copy())
        params.append(p)
    return params + [minigrad.zeros(2, dtype="float64", requires_grad=True)]


def torch_params(torch, grads):
    params = []
    for g in grads:
        p = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(g.copy())
        params.append(p)
    return params + [torch.zeros(2, dtype=torch.float64, requires_grad=True)]


def assert_same_grads(ours, theirs):
    for p, q in zip(ours, theirs, strict=True):
        if q.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-14, atol=1e-15)


# ---------------------------------------------------------------------- against torch
@pytest.mark.parametrize("max_norm", [0.5, 1e3], ids=["clips", "leaves-alone"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, math.inf, 0.0], ids=str)
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    grads = grads_for_test()
    ours, theirs = minigrad_params(grads), torch_params(torch, grads)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type,
                                              foreach=False)
    assert isinstance(total, minigrad.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.numpy(), expected.numpy(), rtol=1e-14)
    assert_same_grads(ours, theirs)


@pytest.mark.parametrize("norm_type", [2.0, math.inf], ids=str)
@pytest.mark.parametrize("kind", ["nan", "inf"])
def test_non_finite_norm_matches_torch(torch, kind, norm_type):
    grads = grads_for_test(kind)
    ours, theirs = minigrad_params(grads), torch_params(torch, grads)
    total = clip_grad_norm_(ours, 1.0, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=norm_type, foreach=False)
    np.testing.assert_array_equal(total.numpy(), expected.numpy())
    assert not math.isfinite(total.item())
    assert_same_grads(ours, theirs)  # NaN where torch has NaN


@pytest.mark.parametrize("kind", ["nan", "inf"])
def test_non_finite_norm_raises_when_asked(torch, kind):
    grads = grads_for_test(kind)
    ours, theirs = minigrad_params(grads), torch_params(torch, grads)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite|can't be clipped"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    for p, g in zip(ours, grads):  # nothing was scaled
        np.testing.assert_array_equal(p.grad.numpy(), g)


def test_clip_grad_value_matches_torch(torch):
    grads = grads_for_test()
    ours, theirs = minigrad_params(grads), torch_params(torch, grads)
    clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7, foreach=False)
    assert_same_grads(ours, theirs)


# ---------------------------------------------------------------------- by hand
def param_with_grad(grad, dtype="float64"):
    p = minigrad.tensor(np.zeros(len(grad)), dtype=dtype, requires_grad=True)
    p.grad = minigrad.tensor(grad, dtype=dtype)
    return p


def test_clip_grad_norm_by_hand():
    a, b = param_with_grad([3.0]), param_with_grad([0.0, 4.0])
    total = clip_grad_norm_([a, b], max_norm=1.0)  # |(3, 0, 4)| = 5
    assert total.item() == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(a.grad.numpy(), [3 * scale], rtol=1e-15)
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 4 * scale], rtol=1e-15)


def test_clip_grad_norm_leaves_small_gradients_alone():
    p = param_with_grad([0.3, -0.4])
    assert clip_grad_norm_(p, max_norm=1.0).item() == pytest.approx(0.5, rel=1e-15)
    np.testing.assert_array_equal(p.grad.numpy(), [0.3, -0.4])


def test_inf_norm_by_hand():
    a, b = param_with_grad([-3.0, 1.0]), param_with_grad([2.0])
    total = clip_grad_norm_(iter([a, b]), max_norm=1.5, norm_type="inf")
    assert total.item() == 3.0
    np.testing.assert_allclose(a.grad.numpy(), np.array([-3.0, 1.0]) * 1.5 / (3 + 1e-6))


def test_clip_grad_norm_keeps_float32():
    p = param_with_grad([3.0, 4.0], dtype="float32")
    total = clip_grad_norm_([p], max_norm=1.0)
    assert total.dtype == np.float32 and p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-6)


def test_no_gradients_gives_zero_norm():
    p = minigrad.zeros(3, requires_grad=True)
    assert clip_grad_norm_([p], 1.0).item() == 0.0
    assert p.grad is None


def test_non_finite_error_by_hand():
    p = param_with_grad([1.0, np.nan])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is nan"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_by_hand():
    p = param_with_grad([-5.0, 0.5, 5.0])
    q = minigrad.zeros(2, requires_grad=True)  # no gradient: skipped
    clip_grad_value_([p, q], 1)
    np.testing.assert_array_equal(p.grad.numpy(), [-1.0, 0.5, 1.0])
    clip_grad_value_(p, 0.25)  # a single tensor works too
    np.testing.assert_array_equal(p.grad.numpy(), [-0.25, 0.25, 0.25])


def test_clipping_on_every_device(device):
    grads = grads_for_test()
    params = []
    for g in grads:
        p = minigrad.zeros(*g.shape, dtype="float64", device=device, requires_grad=True)
        p.grad = minigrad.tensor(g, device=device)
        params.append(p)
    total = clip_grad_norm_(params, 0.5)
    assert total.device == params[0].device
    reference = np.sqrt(sum((g ** 2).sum() for g in grads))
    np.testing.assert_allclose(total.numpy(), reference, rtol=1e-13)
    for p, g in zip(params, grads):
        assert p.grad.device == params[0].device
        np.testing.assert_allclose(p.grad.numpy(), g * 0.5 / (reference + 1e-6), rtol=1e-13)
    clip_grad_value_(params, 0.01)
    assert all(np.abs(p.grad.numpy()).max() <= 0.01 for p in params)
