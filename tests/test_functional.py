"""minigrad.nn.functional: every function against a NumPy formula, against PyTorch where it
is installed, and through ``minigrad.gradcheck`` in float64; the losses at logits of ±1000;
and the error messages for a bad reduction, a bad target or mismatched shapes.
"""
import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def t64(array, requires_grad=True):
    return minigrad.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def numpy_of(t):
    return t.detach().numpy()


# --------------------------------------------------------------------------- NumPy references
def np_log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def np_softmax(x, axis=-1):
    return np.exp(np_log_softmax(x, axis))


def np_nll(logp, target, ignore_index=-100, reduction="mean"):
    """-logp[n, target_n] with the class dimension at axis 1 (of 1, 2 or more dims)."""
    logp, target = np.asarray(logp), np.asarray(target)
    if logp.ndim == 1:
        logp, target = logp[None], target.reshape(1)
        squeeze = True
    else:
        squeeze = False
    flat = np.moveaxis(logp, 1, -1).reshape(-1, logp.shape[1])
    labels = target.reshape(-1)
    keep = labels != ignore_index
    losses = np.where(keep, -flat[np.arange(len(labels)), np.where(keep, labels, 0)], 0.0)
    losses = losses.reshape(()) if squeeze else losses.reshape(target.shape)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / keep.sum()


def np_cross_entropy(x, target, ignore_index=-100, reduction="mean"):
    axis = 1 if np.ndim(x) > 1 else 0
    return np_nll(np_log_softmax(x, axis), target, ignore_index, reduction)


def np_bce_with_logits(x, t):
    """The textbook form, evaluated in float64 at moderate logits only."""
    s = 1 / (1 + np.exp(-x))
    return -t * np.log(s) - (1 - t) * np.log(1 - s)


def np_reduce(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


# --------------------------------------------------------------------------- linear, embedding
def test_linear_against_numpy(rng):
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    out = F.linear(t64(x), t64(w), t64(b))
    np.testing.assert_allclose(numpy_of(out), x @ w.T + b, rtol=1e-12)
    np.testing.assert_allclose(numpy_of(F.linear(t64(x), t64(w))), x @ w.T, rtol=1e-12)


def test_linear_gradcheck(rng):
    x, w, b = t64(rng.standard_normal((2, 3, 4))), t64(rng.standard_normal((5, 4))), \
        t64(rng.standard_normal(5))
    assert minigrad.gradcheck(F.linear, (x, w, b))
    assert minigrad.gradcheck(lambda x, w: F.linear(x, w), (x, w))


def test_embedding_against_numpy_and_gradcheck(rng):
    weight = rng.standard_normal((6, 3))
    idx = np.array([[0, 5, 5], [2, 0, 1]])
    np.testing.assert_array_equal(numpy_of(F.embedding(minigrad.tensor(idx), t64(weight))),
                                  weight[idx])
    assert minigrad.gradcheck(lambda w: F.embedding(minigrad.tensor(idx), w), (t64(weight),))


# --------------------------------------------------------------------------- cross_entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_against_numpy(reduction, rng):
    x = rng.standard_normal((6, 4))
    target = np.array([0, 3, 1, 1, 2, 0])
    xt = t64(x)
    loss = F.cross_entropy(xt, minigrad.tensor(target), reduction=reduction)
    np.testing.assert_allclose(numpy_of(loss), np_cross_entropy(x, target, reduction=reduction),
                               rtol=1e-12)
    assert loss.shape == ((6,) if reduction == "none" else ())
    loss.sum().backward()
    grad = np_softmax(x, 1) - np.eye(4)[target]  # d loss_n / d x_n
    if reduction == "mean":
        grad /= 6
    np.testing.assert_allclose(xt.grad.numpy(), grad, rtol=1e-10, atol=1e-12)


def test_cross_entropy_keeps_float32_and_accepts_array_targets(rng):
    x = minigrad.tensor(rng.standard_normal((3, 5)).astype(np.float32))
    loss = F.cross_entropy(x, np.array([4, 0, 2]))
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.item(), np_cross_entropy(x.numpy().astype(np.float64),
                                                             np.array([4, 0, 2])), rtol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_cross_entropy_ignore_index(reduction, ignore_index, rng):
    x = rng.standard_normal((5, 3))
    target = np.array([0, ignore_index, 1, ignore_index, 2 if ignore_index != 2 else 1])
    xt = t64(x)
    loss = F.cross_entropy(xt, minigrad.tensor(target), ignore_index=ignore_index,
                           reduction=reduction)
    expected = np_cross_entropy(x, target, ignore_index, reduction)
    np.testing.assert_allclose(numpy_of(loss), expected, rtol=1e-12)
    if reduction == "none":
        assert numpy_of(loss)[1] == 0 and numpy_of(loss)[3] == 0
    loss.sum().backward()
    keep = (target != ignore_index)[:, None]
    grad = (np_softmax(x, 1) - np.eye(3)[np.where(keep[:, 0], target, 0)]) * keep
    if reduction == "mean":
        grad /= keep.sum()  # the mean is over the targets that count
    np.testing.assert_allclose(xt.grad.numpy(), grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_3d_input_against_numpy(reduction, rng):
    x = rng.standard_normal((2, 4, 3))  # (N, C, d)
    target = np.array([[0, 3, -100], [2, 2, 1]])
    loss = F.cross_entropy(t64(x), minigrad.tensor(target), reduction=reduction)
    np.testing.assert_allclose(numpy_of(loss), np_cross_entropy(x, target, reduction=reduction),
                               rtol=1e-12)
    assert loss.shape == ((2, 3) if reduction == "none" else ())


def test_cross_entropy_unbatched_input(rng):
    x = rng.standard_normal(5)
    loss = F.cross_entropy(t64(x), minigrad.tensor(3))
    assert loss.shape == ()
    np.testing.assert_allclose(loss.item(), -np_log_softmax(x)[3], rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", ["2d", "3d", "ignore", "1d"])
def test_cross_entropy_against_torch(torch, reduction, case, rng):
    if case == "1d":
        x, target, ignore = rng.standard_normal(4), np.array(2), -100
    elif case == "3d":
        x, target, ignore = rng.standard_normal((3, 4, 2, 2)), rng.integers(0, 4, (3, 2, 2)), -100
    else:
        x, target, ignore = rng.standard_normal((6, 4)), rng.integers(0, 4, 6), -100
        if case == "ignore":  # a negative ignore_index, or one that is a real class
            ignore = 3 if reduction == "sum" else -1
            target[[1, 4]] = ignore
            target[[0, 2]] = 0
    xt = t64(x)
    loss = F.cross_entropy(xt, minigrad.tensor(target), ignore_index=ignore,
                           reduction=reduction)
    tx = torch.tensor(x, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(tx, torch.from_numpy(np.asarray(target)),
                                              ignore_index=ignore, reduction=reduction)
    assert loss.shape == tuple(tloss.shape)
    np.testing.assert_allclose(numpy_of(loss), tloss.detach().numpy(), rtol=1e-10)
    upstream = rng.standard_normal(loss.shape)
    loss.backward(minigrad.tensor(upstream))
    tloss.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_cross_entropy_all_ignored_is_nan_like_torch(torch):
    x = np.zeros((2, 3))
    target = np.array([-100, -100])
    with np.errstate(invalid="ignore", divide="ignore"):
        ours = F.cross_entropy(t64(x, False), minigrad.tensor(target)).item()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.from_numpy(target)).item()
    assert np.isnan(ours) and np.isnan(theirs)


def test_cross_entropy_at_extreme_logits_is_finite_and_exact():
    x = minigrad.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], requires_grad=True)
    losses = F.cross_entropy(x, minigrad.tensor([0, 2]), reduction="none")
    np.testing.assert_allclose(numpy_of(losses), [0.0, 1000.0])
    F.cross_entropy(x, minigrad.tensor([0, 2])).backward()
    grad = x.grad.numpy()
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, [[0.0, 0.0, 0.0], [0.0, 0.5, -0.5]], atol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradcheck(reduction, rng):
    target = minigrad.tensor([1, 0, -100, 2])
    assert minigrad.gradcheck(lambda x: F.cross_entropy(x, target, reduction=reduction),
                              (t64(rng.standard_normal((4, 3))),))
    target3 = minigrad.tensor(rng.integers(0, 3, (2, 4)))
    assert minigrad.gradcheck(lambda x: F.cross_entropy(x, target3, reduction=reduction),
                              (t64(rng.standard_normal((2, 3, 4))),))


def test_cross_entropy_target_out_of_range_names_the_range():
    x = minigrad.randn(3, 4)
    with pytest.raises(IndexError, match=r"\[0, 4\).*got 0 to 4"):
        F.cross_entropy(x, minigrad.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match=r"\[0, 4\).*ignore_index=-100.*got -1 to 2"):
        F.cross_entropy(x, minigrad.tensor([-1, 2, 1]))


def test_cross_entropy_target_shape_mismatch():
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(2,\)"):
        F.cross_entropy(minigrad.randn(3, 4), minigrad.tensor([0, 1]))


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss", "mse_loss",
                                  "binary_cross_entropy_with_logits"])
def test_bad_reduction_names_the_valid_ones(loss):
    x = minigrad.randn(3, 2)
    target = minigrad.tensor([0, 1, 1]) if loss in ("cross_entropy", "nll_loss") \
        else minigrad.rand(3, 2)
    with pytest.raises(ValueError, match=r"reduction must be one of.*mean.*sum.*none.*'avg'"):
        getattr(F, loss)(x, target, reduction="avg")


# --------------------------------------------------------------------------- nll_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_against_numpy_and_gradcheck(reduction, rng):
    logp = np_log_softmax(rng.standard_normal((5, 4)), 1)
    target = np.array([3, 0, 7, 1, 7])
    x = t64(logp)
    loss = F.nll_loss(x, minigrad.tensor(target), ignore_index=7, reduction=reduction)
    np.testing.assert_allclose(numpy_of(loss), np_nll(logp, target, 7, reduction), rtol=1e-12)
    loss.sum().backward()
    grad = -np.eye(4)[[3, 0, 0, 1, 0]] * (target != 7)[:, None]
    if reduction == "mean":
        grad /= 3
    np.testing.assert_array_equal(x.grad.numpy(), grad)
    assert minigrad.gradcheck(lambda x: F.nll_loss(x, minigrad.tensor(target), ignore_index=7,
                                                   reduction=reduction), (t64(logp),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_against_torch(torch, reduction, rng):
    x = rng.standard_normal((4, 3, 5))
    target = rng.integers(0, 3, (4, 5))
    target[0, :2] = -100
    ours = F.nll_loss(t64(x), minigrad.tensor(target), reduction=reduction)
    theirs = torch.nn.functional.nll_loss(torch.tensor(x), torch.from_numpy(target),
                                          reduction=reduction)
    np.testing.assert_allclose(numpy_of(ours), theirs.numpy(), rtol=1e-12)


# --------------------------------------------------------------------------- mse_loss
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_against_numpy(reduction, rng):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    xt, yt = t64(x), t64(y)
    loss = F.mse_loss(xt, yt, reduction=reduction)
    np.testing.assert_allclose(numpy_of(loss), np_reduce((x - y) ** 2, reduction), rtol=1e-12)
    loss.sum().backward()
    scale = 1 / 12 if reduction == "mean" else 1
    np.testing.assert_allclose(xt.grad.numpy(), 2 * (x - y) * scale, rtol=1e-12)
    np.testing.assert_allclose(yt.grad.numpy(), -2 * (x - y) * scale, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_against_torch(torch, reduction, rng):
    x, y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    ours = F.mse_loss(t64(x), t64(y), reduction=reduction)
    theirs = torch.nn.functional.mse_loss(torch.tensor(x), torch.tensor(y), reduction=reduction)
    np.testing.assert_allclose(numpy_of(ours), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_gradcheck(reduction, rng):
    assert minigrad.gradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction),
                              (t64(rng.standard_normal((3, 2))), t64(rng.standard_normal((3, 2)))))


def test_mse_loss_shape_mismatch():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        F.mse_loss(minigrad.randn(3, 2), minigrad.randn(2, 3))


# --------------------------------------------------------------------------- bce with logits
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_against_numpy(reduction, rng):
    x, t = rng.standard_normal((4, 3)) * 3, rng.uniform(0, 1, (4, 3))
    xt, tt = t64(x), t64(t)
    loss = F.binary_cross_entropy_with_logits(xt, tt, reduction=reduction)
    np.testing.assert_allclose(numpy_of(loss), np_reduce(np_bce_with_logits(x, t), reduction),
                               rtol=1e-10)
    loss.sum().backward()
    scale = 1 / 12 if reduction == "mean" else 1
    np.testing.assert_allclose(xt.grad.numpy(), (1 / (1 + np.exp(-x)) - t) * scale, rtol=1e-10)
    np.testing.assert_allclose(tt.grad.numpy(), -x * scale, rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_against_torch(torch, reduction, rng):
    x, t = rng.standard_normal(7) * 5, (rng.uniform(0, 1, 7) > 0.5).astype(np.float64)
    xt = t64(x)
    ours = F.binary_cross_entropy_with_logits(xt, t64(t, False), reduction=reduction)
    tx = torch.tensor(x, requires_grad=True)
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(tx, torch.tensor(t),
                                                                  reduction=reduction)
    np.testing.assert_allclose(numpy_of(ours), theirs.detach().numpy(), rtol=1e-10)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_bce_with_logits_at_extreme_logits():
    x = minigrad.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    target = minigrad.tensor([1.0, 0.0, 0.0, 1.0])
    losses = F.binary_cross_entropy_with_logits(x, target, reduction="none")
    np.testing.assert_allclose(numpy_of(losses), [0.0, 0.0, 1000.0, 1000.0])
    losses.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 1.0, -1.0])


def test_bce_with_logits_gradcheck(rng):
    for reduction in REDUCTIONS:
        assert minigrad.gradcheck(
            lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
            (t64(rng.standard_normal((3, 2)) * 2), t64(rng.uniform(0, 1, (3, 2)))))


def test_bce_with_logits_accepts_array_targets_and_checks_shapes():
    x = minigrad.tensor([0.0, 0.0])
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, np.array([1.0, 0.0])).item(),
                               np.log(2), rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        F.binary_cross_entropy_with_logits(x, minigrad.tensor([1.0, 0.0, 1.0]))


# --------------------------------------------------------------------------- softmax, log_softmax
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_against_numpy(dim, rng):
    x = rng.standard_normal((3, 4, 2))
    s = F.softmax(t64(x, False), dim=dim)
    ls = F.log_softmax(t64(x, False), dim=dim)
    np.testing.assert_allclose(numpy_of(s), np_softmax(x, dim), rtol=1e-12)
    np.testing.assert_allclose(numpy_of(ls), np_log_softmax(x, dim), rtol=1e-12)
    np.testing.assert_allclose(numpy_of(s).sum(axis=dim), 1.0, rtol=1e-12)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_and_log_softmax_against_torch(torch, fn, dim, rng):
    x = rng.standard_normal((3, 5))
    upstream = rng.standard_normal((3, 5))
    xt, tx = t64(x), torch.tensor(x, requires_grad=True)
    ours, theirs = getattr(F, fn)(xt, dim=dim), getattr(torch.nn.functional, fn)(tx, dim=dim)
    np.testing.assert_allclose(numpy_of(ours), theirs.detach().numpy(), rtol=1e-12)
    ours.backward(minigrad.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_and_log_softmax_gradcheck(fn, dim, rng):
    assert minigrad.gradcheck(lambda x: getattr(F, fn)(x, dim=dim),
                              (t64(rng.standard_normal((3, 4))),))


def test_softmax_and_log_softmax_at_extreme_logits():
    x = minigrad.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    np.testing.assert_allclose(numpy_of(F.softmax(x, dim=1)), [[1.0, 0.0, 0.0]])
    log_probs = F.log_softmax(x, dim=1)
    np.testing.assert_allclose(numpy_of(log_probs), [[0.0, -2000.0, -1000.0]])
    log_probs.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), [[-2.0, 1.0, 1.0]], atol=1e-6)


# --------------------------------------------------------------------------- one_hot
def test_one_hot_against_numpy():
    idx = np.array([[0, 2], [1, 1]])
    out = F.one_hot(minigrad.tensor(idx), num_classes=4)
    assert out.dtype == np.int64 and out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.int64)[idx])
    assert F.one_hot(minigrad.tensor([0, 3])).shape == (2, 4)  # classes inferred: max + 1


def test_one_hot_against_torch(torch):
    idx = np.array([3, 0, 1, 3])
    np.testing.assert_array_equal(
        F.one_hot(minigrad.tensor(idx)).numpy(),
        torch.nn.functional.one_hot(torch.from_numpy(idx)).numpy())


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"\[0, 3\).*0 to 3"):
        F.one_hot(minigrad.tensor([0, 3]), num_classes=3)
    with pytest.raises(ValueError, match="-1"):
        F.one_hot(minigrad.tensor([-1, 1]), num_classes=3)
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(minigrad.tensor([0.0, 1.0]), num_classes=2)


# --------------------------------------------------------------------------- dropout
def test_dropout_functional_training_flag_and_statistics():
    x = minigrad.ones(20_000)
    assert F.dropout(x, 0.5, training=False) is x
    y = numpy_of(F.dropout(x, 0.25))  # training=True by default, as in PyTorch
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert (y == 0).mean() == pytest.approx(0.25, abs=0.015)


def test_dropout_gradcheck_with_a_fixed_mask(rng):
    def fixed_dropout(x):
        minigrad.manual_seed(5)  # the same mask on every call gradcheck makes
        return F.dropout(x, 0.4)
    assert minigrad.gradcheck(fixed_dropout, (t64(rng.standard_normal((4, 5))),))


def test_dropout_rejects_bad_probability():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(minigrad.ones(3), 1.2)
