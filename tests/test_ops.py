"""Every op, forward and backward, against independent references.

Each case in ``CASES`` is written once as ``fn(lib, *xs)`` with PyTorch's names, so the
same function runs on minigrad tensors (``lib = minigrad``) and on torch tensors
(``lib = torch``). Three checks per case:

* ``test_against_numpy``: values against a NumPy formula; gradients against the
  gradient of that NumPy formula, taken by central differences in float64 (or against a
  hand-written NumPy derivative where one is given); dtypes of values and gradients;
  and that no input (NumPy array or tensor) was changed.
* ``test_against_torch``: values, gradients and dtypes against PyTorch (skipped
  without it).
* ``test_gradcheck``: minigrad.gradcheck in float64.

Then broadcasting and reductions on hypothesis-drawn shapes, and the ops that need
tests of their own (indexing with repeats, softmax at ±1000, one_hot, dropout).
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad.tensor import from_op

HYPOTHESIS = settings(max_examples=30, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])

TOL = {  # (value rtol, value atol, grad rtol, grad atol) by dtype
    np.float64: (1e-10, 1e-12, 1e-5, 1e-6),
    np.float32: (1e-5, 1e-5, 1e-3, 1e-3),
}


# --------------------------------------------------------------------------- inputs
def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def positive(*shape):
    return lambda rng: rng.uniform(0.5, 2.0, shape)


def grid(*shape, offset=0.05):
    """Multiples of 0.1 plus ``offset``: with offset 0.05 never 0, ±0.5 or a multiple of
    0.1, so kinks (relu, abs, clamp) and ties with a grid of offset 0 are 0.05 away."""
    return lambda rng: rng.integers(-15, 15, shape) * 0.1 + offset


def distinct(*shape):
    """All values different (at least 0.1 apart): no ties for max/min."""
    n = int(np.prod(shape))
    return lambda rng: (rng.permutation(n) * 0.1 - 0.05 * n + 0.05).reshape(shape)


# --------------------------------------------------------------------------- helpers
def to_numpy(t):
    return t.detach().cpu().numpy()


def as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def numeric_grads(ref, arrays, upstream, eps=1e-6):
    """dL/d(array) for L = Σ_k Σ ref(*arrays)[k] ⊙ upstream[k], by central differences,
    with NumPy alone (float64)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]

    def loss():
        return sum(float(np.sum(np.asarray(o, dtype=np.float64) * r))
                   for o, r in zip(as_list(ref(*arrays)), upstream))

    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            original = a[idx]
            a[idx] = original + eps
            plus = loss()
            a[idx] = original - eps
            minus = loss()
            a[idx] = original
            g[idx] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def run_minigrad(fn, arrays, device, rng):
    """Forward, then backward of every output with a random upstream gradient."""
    xs = [minigrad.tensor(a, requires_grad=True, device=device) for a in arrays]
    outs = as_list(fn(minigrad, *xs))
    upstream = [rng.standard_normal(o.shape) for o in outs]
    for o, r in zip(outs, upstream):
        o.backward(minigrad.tensor(r.astype(o.dtype), device=device), retain_graph=True)
    return xs, outs, upstream


def check_against_numpy(fn, ref, arrays, device, ref_grad=None, seed=0):
    """Compare minigrad's ``fn`` with the NumPy formula ``ref``: values, gradients, dtypes,
    and untouched inputs. ``ref_grad(arrays, upstream)``, when given, is a hand-written
    NumPy derivative used instead of central differences."""
    arrays = [np.asarray(a) for a in arrays]
    dtype = arrays[0].dtype.type
    rtol, atol, grtol, gatol = TOL[dtype]
    saved = [a.copy() for a in arrays]
    xs, outs, upstream = run_minigrad(fn, arrays, device, np.random.default_rng(seed))

    expected = [np.asarray(e) for e in as_list(ref(*arrays))]
    assert len(outs) == len(expected)
    for out, exp in zip(outs, expected):
        assert out.shape == exp.shape
        assert out.dtype == dtype, f"output dtype {out.dtype} for {dtype.__name__} inputs"
        np.testing.assert_allclose(to_numpy(out), exp, rtol=rtol, atol=atol)

    if ref_grad is not None:
        want = ref_grad([a.astype(np.float64) for a in arrays], upstream)
    else:
        want = numeric_grads(ref, arrays, upstream)
    for i, (x, w) in enumerate(zip(xs, want)):
        assert x.grad is not None, f"input {i} got no gradient"
        assert x.grad.shape == x.shape and x.grad.dtype == dtype
        scale = max(1.0, float(np.abs(w).max(initial=0)))
        np.testing.assert_allclose(to_numpy(x.grad), w, rtol=grtol, atol=gatol * scale,
                                   err_msg=f"gradient of input {i}")

    for i, (a, s, x) in enumerate(zip(arrays, saved, xs)):  # nothing was changed in place
        np.testing.assert_array_equal(a, s, err_msg=f"NumPy input {i} was changed")
        np.testing.assert_array_equal(to_numpy(x), s, err_msg=f"tensor input {i} was changed")


def check_against_torch(torch, fn, torch_fn, arrays, device, seed=0):
    arrays = [np.asarray(a) for a in arrays]
    xs, outs, upstream = run_minigrad(fn, arrays, device, np.random.default_rng(seed))
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    touts = as_list(torch_fn(torch, *ts))
    assert len(outs) == len(touts)
    for out, tout, r in zip(outs, touts, upstream):
        assert out.shape == tuple(tout.shape)
        assert str(tout.dtype) == f"torch.{out.dtype.name}"
        np.testing.assert_allclose(to_numpy(out), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
        tout.backward(torch.tensor(r), retain_graph=True)
    for i, (x, t) in enumerate(zip(xs, ts)):
        assert str(t.grad.dtype) == f"torch.{x.grad.dtype.name}"
        np.testing.assert_allclose(to_numpy(x.grad), t.grad.numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=f"gradient of input {i}")


# --------------------------------------------------------------------------- the cases
class Case:
    """One op call. ``torch``: True (``fn`` runs on torch as it is), None (PyTorch has no
    such spelling) or a function of its own."""

    def __init__(self, name, fn, ref, *makers, torch=True, ref_grad=None):
        self.name, self.fn, self.ref, self.makers = name, fn, ref, makers
        self.torch_fn = fn if torch is True else torch
        self.ref_grad = ref_grad

    def arrays(self, dtype, seed=0):
        rng = np.random.default_rng(seed)
        return [np.asarray(make(rng), dtype=dtype) for make in self.makers]


def elementwise_grad(derivative):
    """A hand-written NumPy derivative for an elementwise op: dL/dx = g · f'(x)."""
    return lambda arrays, upstream: [upstream[0] * derivative(arrays[0])]


def np_sigmoid(a):
    return 1 / (1 + np.exp(-a))


def np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(a, axis):
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def np_logsumexp(a, axis, keepdims=False):
    m = a.max(axis=axis, keepdims=True)
    out = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


COND = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, True]])
MASK = np.array([True, False, True])


def on_device(lib, array, like):
    return lib.tensor(array).to(like.device)


def matmul_grads(arrays, upstream):  # C = A B: dA = G Bᵀ, dB = Aᵀ G (2-D only)
    a, b = arrays
    return [upstream[0] @ b.T, a.T @ upstream[0]]


CASES = [
    # + - * / ** neg, Python numbers on either side, broadcasting
    Case("add", lambda lib, a, b: a + b, lambda a, b: a + b, normal(3, 4), normal(3, 4)),
    Case("add-broadcast", lambda lib, a, b: a + b, lambda a, b: a + b,
         normal(2, 1, 4), normal(3, 1)),
    Case("add-method", lambda lib, a, b: a.add(b), lambda a, b: a + b, normal(4), normal(3, 4)),
    Case("add-scalar-right", lambda lib, a: a + 2.5, lambda a: a + 2.5, normal(3, 4)),
    Case("add-scalar-left", lambda lib, a: 2.5 + a, lambda a: 2.5 + a, normal(3, 4)),
    Case("add-int-scalar", lambda lib, a: a + 3, lambda a: a + 3, normal(3)),
    Case("sub", lambda lib, a, b: a - b, lambda a, b: a - b, normal(2, 3), normal(3)),
    Case("sub-scalar-right", lambda lib, a: a - 1.5, lambda a: a - 1.5, normal(3)),
    Case("sub-scalar-left", lambda lib, a: 1.5 - a, lambda a: 1.5 - a, normal(2, 3)),
    Case("mul", lambda lib, a, b: a * b, lambda a, b: a * b, normal(3, 1), normal(1, 4)),
    Case("mul-scalar-right", lambda lib, a: a * -2.0, lambda a: a * -2.0, normal(3)),
    Case("mul-scalar-left", lambda lib, a: 3 * a, lambda a: 3 * a, normal(2, 3)),
    Case("mul-self", lambda lib, a: a * a, lambda a: a * a, normal(5)),
    Case("div", lambda lib, a, b: a / b, lambda a, b: a / b, normal(2, 3), grid(3)),
    Case("div-scalar-right", lambda lib, a: a / 4.0, lambda a: a / 4.0, normal(3)),
    Case("div-scalar-left", lambda lib, b: 2.0 / b, lambda b: 2.0 / b, grid(2, 3)),
    Case("pow-2", lambda lib, a: a ** 2, lambda a: a ** 2, normal(3, 2)),
    Case("pow-3-method", lambda lib, a: a.pow(3), lambda a: a ** 3, normal(4)),
    Case("pow-half", lambda lib, a: a ** 0.5, lambda a: a ** 0.5, positive(4)),
    Case("pow-negative", lambda lib, a: a ** -1.5, lambda a: a ** -1.5, positive(2, 2)),
    Case("pow-zero", lambda lib, a: a ** 0, lambda a: a ** 0, grid(4, offset=0.0)),
    Case("rpow", lambda lib, a: 2.0 ** a, lambda a: 2.0 ** a, normal(3)),
    Case("pow-tensor", lambda lib, a, b: a ** b, lambda a, b: a ** b, positive(2, 3), normal(3)),
    Case("neg", lambda lib, a: -a, lambda a: -a, normal(3, 2)),
    Case("neg-method", lambda lib, a: a.neg(), lambda a: -a, normal(3)),
    # @
    Case("matmul-1d-1d", lambda lib, a, b: a @ b, lambda a, b: a @ b, normal(4), normal(4)),
    Case("matmul-2d-1d", lambda lib, a, b: a @ b, lambda a, b: a @ b, normal(3, 4), normal(4)),
    Case("matmul-1d-2d", lambda lib, a, b: a @ b, lambda a, b: a @ b, normal(3), normal(3, 4)),
    Case("matmul-2d-2d", lambda lib, a, b: a @ b, lambda a, b: a @ b, normal(3, 4), normal(4, 2),
         ref_grad=matmul_grads),
    Case("matmul-function", lambda lib, a, b: lib.matmul(a, b), np.matmul,
         normal(2, 3), normal(3, 2)),
    Case("matmul-batched", lambda lib, a, b: a @ b, np.matmul, normal(2, 3, 4), normal(2, 4, 2)),
    Case("matmul-batched-2d", lambda lib, a, b: a @ b, np.matmul, normal(2, 3, 4), normal(4, 2)),
    Case("matmul-broadcast-batch", lambda lib, a, b: a @ b, np.matmul,
         normal(2, 1, 3, 4), normal(3, 4, 2)),
    Case("matmul-1d-3d", lambda lib, a, b: a @ b, np.matmul, normal(3), normal(2, 3, 4)),
    Case("matmul-3d-1d", lambda lib, a, b: a @ b, np.matmul, normal(2, 3, 4), normal(4)),
    # elementwise functions
    Case("exp", lambda lib, a: a.exp(), np.exp, normal(3, 4), ref_grad=elementwise_grad(np.exp)),
    Case("exp-function", lambda lib, a: lib.exp(a), np.exp, normal(5)),
    Case("log", lambda lib, a: a.log(), np.log, positive(3, 4),
         ref_grad=elementwise_grad(lambda a: 1 / a)),
    Case("sqrt", lambda lib, a: lib.sqrt(a), np.sqrt, positive(3, 4),
         ref_grad=elementwise_grad(lambda a: 0.5 / np.sqrt(a))),
    Case("abs", lambda lib, a: a.abs(), np.abs, grid(3, 4), ref_grad=elementwise_grad(np.sign)),
    Case("abs-builtin", lambda lib, a: abs(a), np.abs, grid(5)),
    Case("tanh", lambda lib, a: a.tanh(), np.tanh, normal(3, 4),
         ref_grad=elementwise_grad(lambda a: 1 - np.tanh(a) ** 2)),
    Case("sigmoid", lambda lib, a: lib.sigmoid(a), np_sigmoid, normal(3, 4),
         ref_grad=elementwise_grad(lambda a: np_sigmoid(a) * (1 - np_sigmoid(a)))),
    Case("sigmoid-tails", lambda lib, a: a.sigmoid(), np_sigmoid,
         lambda rng: np.array([-30.0, -8.0, 0.0, 8.0, 30.0])),
    Case("relu", lambda lib, a: a.relu(), lambda a: np.maximum(a, 0), grid(3, 4),
         ref_grad=elementwise_grad(lambda a: (a > 0).astype(a.dtype))),
    Case("relu-function", lambda lib, a: lib.relu(a), lambda a: np.maximum(a, 0), grid(6)),
    Case("clamp", lambda lib, a: a.clamp(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), grid(3, 4)),
    Case("clamp-min", lambda lib, a: a.clamp(min=0.2), lambda a: np.maximum(a, 0.2), grid(3, 4)),
    Case("clamp-max", lambda lib, a: lib.clamp(a, max=-0.3), lambda a: np.minimum(a, -0.3),
         grid(8)),
    Case("maximum", lambda lib, a, b: lib.maximum(a, b), np.maximum,
         grid(3, 4), grid(3, 4, offset=0.0)),
    Case("maximum-broadcast", lambda lib, a, b: a.maximum(b), np.maximum,
         grid(2, 3), grid(3, 1, 1, offset=0.0)),
    Case("maximum-scalar", lambda lib, a: lib.maximum(a, lib.tensor(0.3, dtype=a.dtype)),
         lambda a: np.maximum(a, 0.3), grid(3, 4, offset=0.0)),
    Case("minimum", lambda lib, a, b: lib.minimum(a, b), np.minimum,
         grid(3, 4), grid(4, offset=0.0)),
    Case("minimum-method", lambda lib, a, b: a.minimum(b), np.minimum,
         grid(2, 2), grid(2, 2, offset=0.0)),
    Case("where", lambda lib, a, b: lib.where(on_device(lib, COND, a), a, b),
         lambda a, b: np.where(COND, a, b), normal(3, 4), normal(3, 4)),
    Case("where-broadcast", lambda lib, a, b: lib.where(on_device(lib, COND, a), a, b),
         lambda a, b: np.where(COND, a, b), normal(4), normal(3, 1)),
    Case("where-scalar", lambda lib, a: lib.where(on_device(lib, COND, a), a, 0.0),
         lambda a: np.where(COND, a, 0.0), normal(3, 4)),
    # reductions
    Case("sum-all", lambda lib, a: a.sum(), np.sum, normal(3, 4)),
    Case("sum-dim", lambda lib, a: a.sum(dim=1), lambda a: a.sum(axis=1), normal(3, 4, 2)),
    Case("sum-negative-dim", lambda lib, a: a.sum(-1), lambda a: a.sum(axis=-1), normal(3, 4)),
    Case("sum-tuple-keepdim", lambda lib, a: lib.sum(a, dim=(0, 2), keepdim=True),
         lambda a: a.sum(axis=(0, 2), keepdims=True), normal(3, 4, 2)),
    Case("mean-all", lambda lib, a: a.mean(), np.mean, normal(3, 4)),
    Case("mean-dim", lambda lib, a: a.mean(dim=0), lambda a: a.mean(axis=0), normal(3, 4)),
    Case("mean-tuple-keepdim", lambda lib, a: lib.mean(a, dim=(1, 2), keepdim=True),
         lambda a: a.mean(axis=(1, 2), keepdims=True), normal(2, 3, 4)),
    Case("max-all", lambda lib, a: a.max(), np.max, distinct(3, 4)),
    Case("max-dim", lambda lib, a: a.max(dim=1).values, lambda a: a.max(axis=1), distinct(3, 4)),
    Case("max-dim-keepdim", lambda lib, a: a.max(dim=-1, keepdim=True).values,
         lambda a: a.max(axis=-1, keepdims=True), distinct(2, 3, 4)),
    Case("amax-tuple", lambda lib, a: a.amax(dim=(0, 2)), lambda a: a.max(axis=(0, 2)),
         distinct(2, 3, 4)),
    Case("min-all", lambda lib, a: a.min(), np.min, distinct(3, 4)),
    Case("min-dim", lambda lib, a: a.min(dim=0).values, lambda a: a.min(axis=0), distinct(3, 4)),
    Case("amin-tuple-keepdim", lambda lib, a: lib.amin(a, dim=(1, 2), keepdim=True),
         lambda a: a.min(axis=(1, 2), keepdims=True), distinct(2, 3, 4)),
    Case("var-all", lambda lib, a: a.var(), lambda a: a.var(ddof=1), normal(3, 4)),
    Case("var-dim", lambda lib, a: a.var(dim=1), lambda a: a.var(axis=1, ddof=1), normal(3, 4)),
    Case("var-tuple-keepdim", lambda lib, a: a.var(dim=(0, 1), keepdim=True),
         lambda a: a.var(axis=(0, 1), ddof=1, keepdims=True), normal(2, 3, 2)),
    Case("var-biased", lambda lib, a: a.var(dim=0, correction=0),
         lambda a: a.var(axis=0), normal(4, 3)),
    Case("logsumexp-dim", lambda lib, a: a.logsumexp(dim=1),
         lambda a: np_logsumexp(a, 1), normal(3, 4)),
    Case("logsumexp-tuple-keepdim", lambda lib, a: lib.logsumexp(a, dim=(0, 2), keepdim=True),
         lambda a: np_logsumexp(a, (0, 2), keepdims=True), normal(2, 3, 2)),
    # moving elements around
    Case("reshape", lambda lib, a: a.reshape(4, 3), lambda a: a.reshape(4, 3), normal(3, 4)),
    Case("reshape-tuple-infer", lambda lib, a: a.reshape((2, -1)), lambda a: a.reshape(2, -1),
         normal(3, 4)),
    Case("view", lambda lib, a: a.view(2, 6), lambda a: a.reshape(2, 6), normal(3, 4)),
    Case("flatten", lambda lib, a: a.flatten(), lambda a: a.reshape(-1), normal(2, 3, 2)),
    Case("transpose", lambda lib, a: a.transpose(0, 1), lambda a: a.swapaxes(0, 1), normal(3, 4)),
    Case("transpose-negative", lambda lib, a: a.transpose(-1, -3), lambda a: a.swapaxes(-1, -3),
         normal(2, 3, 4)),
    Case("permute", lambda lib, a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1),
         normal(2, 3, 4)),
    Case("permute-tuple", lambda lib, a: a.permute((1, 2, 0)), lambda a: a.transpose(1, 2, 0),
         normal(2, 3, 4)),
    Case("T", lambda lib, a: a.T, lambda a: a.T, normal(3, 4)),
    Case("squeeze-all", lambda lib, a: a.squeeze(), np.squeeze, normal(3, 1, 4, 1)),
    Case("squeeze-dim", lambda lib, a: a.squeeze(1), lambda a: a.squeeze(1), normal(3, 1, 4, 1)),
    Case("squeeze-dim-kept", lambda lib, a: a.squeeze(0), lambda a: a, normal(3, 1, 4)),
    Case("unsqueeze", lambda lib, a: a.unsqueeze(0), lambda a: a[None], normal(3, 4)),
    Case("unsqueeze-negative", lambda lib, a: a.unsqueeze(-1), lambda a: a[..., None],
         normal(3, 4)),
    Case("expand", lambda lib, a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)),
         normal(3, 1)),
    Case("expand-minus-one", lambda lib, a: a.expand(-1, 5), lambda a: np.broadcast_to(a, (3, 5)),
         normal(3, 1)),
    Case("flip", lambda lib, a: a.flip(0), lambda a: a[::-1], normal(3, 4)),
    Case("flip-tuple", lambda lib, a: a.flip((0, 2)), lambda a: a[::-1, :, ::-1], normal(2, 3, 4)),
    Case("clone", lambda lib, a: a.clone(), lambda a: a.copy(), normal(3)),
    # indexing
    Case("index-int", lambda lib, a: a[1], lambda a: a[1], normal(3, 4)),
    Case("index-negative-ints", lambda lib, a: a[-1, 2], lambda a: a[-1, 2], normal(3, 4)),
    Case("index-slice", lambda lib, a: a[1:3], lambda a: a[1:3], normal(4, 3)),
    Case("index-step", lambda lib, a: a[::2, 1::2], lambda a: a[::2, 1::2], normal(5, 4)),
    Case("index-negative-step", lambda lib, a: a[::-2], lambda a: a[::-2], normal(5, 2),
         torch=None),  # PyTorch refuses negative steps
    Case("index-none", lambda lib, a: a[None, 1:, None], lambda a: a[None, 1:, None], normal(3, 2)),
    Case("index-ellipsis", lambda lib, a: a[..., 0], lambda a: a[..., 0], normal(2, 3, 4)),
    Case("index-list-repeated", lambda lib, a: a[[0, 2, 0, 0]], lambda a: a[[0, 2, 0, 0]],
         normal(3, 4)),
    Case("index-tensor", lambda lib, a: a[lib.tensor([1, 1, 0])], lambda a: a[[1, 1, 0]],
         normal(3, 2)),
    Case("index-2d-array", lambda lib, a: a[lib.tensor([[0, 1], [1, 1]])],
         lambda a: a[np.array([[0, 1], [1, 1]])], normal(3, 2)),
    Case("index-pairs", lambda lib, a: a[[0, 1, 1], [2, 0, 0]], lambda a: a[[0, 1, 1], [2, 0, 0]],
         normal(3, 4)),
    Case("index-slice-and-list", lambda lib, a: a[:, [3, 3, 1]], lambda a: a[:, [3, 3, 1]],
         normal(2, 4)),
    Case("index-mask", lambda lib, a: a[lib.tensor(MASK)], lambda a: a[MASK], normal(3, 2)),
    # joining and cutting
    Case("cat", lambda lib, a, b: lib.cat([a, b]), lambda a, b: np.concatenate([a, b]),
         normal(2, 3), normal(4, 3)),
    Case("cat-dim", lambda lib, a, b, c: lib.cat((a, b, c), dim=-1),
         lambda a, b, c: np.concatenate([a, b, c], axis=-1),
         normal(2, 1), normal(2, 3), normal(2, 2)),
    Case("stack", lambda lib, a, b: lib.stack([a, b]), lambda a, b: np.stack([a, b]),
         normal(2, 3), normal(2, 3)),
    Case("stack-dim", lambda lib, a, b, c: lib.stack((a, b, c), dim=-1),
         lambda a, b, c: np.stack([a, b, c], axis=-1), normal(2, 3), normal(2, 3), normal(2, 3)),
    Case("split-size", lambda lib, a: lib.split(a, 2, dim=1),
         lambda a: [a[:, 0:2], a[:, 2:4], a[:, 4:5]], normal(3, 5)),
    Case("split-sections", lambda lib, a: a.split([1, 3]), lambda a: [a[:1], a[1:]], normal(4, 2)),
    Case("chunk", lambda lib, a: a.chunk(3), lambda a: [a[0:2], a[2:4], a[4:5]], normal(5, 2)),
    Case("chunk-function-dim", lambda lib, a: lib.chunk(a, 2, dim=1),
         lambda a: [a[:, :2], a[:, 2:]], normal(3, 4)),
    # softmax
    Case("softmax", lambda lib, a: lib.softmax(a, dim=1), lambda a: np_softmax(a, 1), normal(3, 4)),
    Case("softmax-dim0", lambda lib, a: a.softmax(0), lambda a: np_softmax(a, 0), normal(3, 4)),
    Case("log_softmax", lambda lib, a: lib.log_softmax(a, dim=-1),
         lambda a: np_log_softmax(a, -1), normal(3, 4)),
    Case("log_softmax-dim0", lambda lib, a: a.log_softmax(dim=0),
         lambda a: np_log_softmax(a, 0), normal(2, 3, 2)),
    # a few compositions
    Case("tanh-rnn-step", lambda lib, x, h, w, u, b: (x @ w + h @ u + b).tanh(),
         lambda x, h, w, u, b: np.tanh(x @ w + h @ u + b),
         normal(2, 3), normal(2, 4), normal(3, 4), normal(4, 4), normal(4)),
    Case("cross-entropy", lambda lib, z: -(lib.log_softmax(z, dim=1)[[0, 1, 2], [1, 0, 3]]).mean(),
         lambda z: -np.mean(np_log_softmax(z, 1)[[0, 1, 2], [1, 0, 3]]), normal(3, 4)),
]
CASE_IDS = [c.name for c in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_against_numpy(case, dtype, device):
    check_against_numpy(case.fn, case.ref, case.arrays(dtype), device, ref_grad=case.ref_grad)


@pytest.mark.parametrize("case", [c for c in CASES if c.torch_fn is not None],
                         ids=[c.name for c in CASES if c.torch_fn is not None])
def test_against_torch(case, device, torch):
    check_against_torch(torch, case.fn, case.torch_fn, case.arrays(np.float64), device)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_gradcheck(case, device):
    inputs = [minigrad.tensor(a, requires_grad=True, device=device)
              for a in case.arrays(np.float64, seed=1)]
    assert minigrad.gradcheck(lambda *xs: case.fn(minigrad, *xs), inputs)


def test_the_helper_catches_wrong_values_gradients_and_dtypes():
    """The helper itself catches a wrong value, a wrong gradient and a wrong dtype."""
    a = np.random.default_rng(0).standard_normal((2, 3))

    def wrong_grad(lib, x):
        return from_op(x.array * 2, (x,), lambda g: (g * 3,))

    def wrong_dtype(lib, x):
        return from_op(x.array.astype(np.float32), (x,), lambda g: (g,))

    with pytest.raises(AssertionError):
        check_against_numpy(lambda lib, x: x * 2, lambda x: x * 2.001, [a], "cpu")
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_against_numpy(wrong_grad, lambda x: x * 2, [a], "cpu")
    with pytest.raises(AssertionError, match="dtype"):
        check_against_numpy(wrong_dtype, lambda x: x, [a], "cpu")


# --------------------------------------------------------------------------- broadcasting
def _binary(rng, shape_a, shape_b, name):
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    if name == "div":
        b = np.where(b < 0, b - 0.5, b + 0.5)
    if name == "pow":
        a = np.abs(a) + 0.5
    if name in ("maximum", "minimum"):  # no ties: a on the grid +0.05, b on the grid
        a = rng.integers(-15, 15, shape_a) * 0.1 + 0.05
        b = rng.integers(-15, 15, shape_b) * 0.1
    return [a, b]


BINARY = {
    "add": (lambda lib, a, b: a + b, np.add),
    "sub": (lambda lib, a, b: a - b, np.subtract),
    "mul": (lambda lib, a, b: a * b, np.multiply),
    "div": (lambda lib, a, b: a / b, np.divide),
    "pow": (lambda lib, a, b: a ** b, np.power),
    "maximum": (lambda lib, a, b: lib.maximum(a, b), np.maximum),
    "minimum": (lambda lib, a, b: lib.minimum(a, b), np.minimum),
    "matmul-batch": (lambda lib, a, b: a @ b, np.matmul),
}
broadcast_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                    max_side=3)
matmul_pairs = hnp.mutually_broadcastable_shapes(signature="(m,n),(n,p)->(m,p)", max_dims=2,
                                                 max_side=3)


@pytest.mark.parametrize("name", BINARY)
@HYPOTHESIS
@given(data=st.data(), seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting(name, data, seed, device):
    shapes = data.draw(matmul_pairs if name == "matmul-batch" else broadcast_pairs, label="shapes")
    fn, ref = BINARY[name]
    arrays = _binary(np.random.default_rng(seed), *shapes.input_shapes, name)
    check_against_numpy(fn, ref, arrays, device, seed=seed)


@pytest.mark.parametrize("name", BINARY)
@HYPOTHESIS
@given(data=st.data(), seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting_torch(name, data, seed, device, torch):
    shapes = data.draw(matmul_pairs if name == "matmul-batch" else broadcast_pairs, label="shapes")
    fn, _ = BINARY[name]
    arrays = _binary(np.random.default_rng(seed), *shapes.input_shapes, name)
    check_against_torch(torch, fn, fn, arrays, device, seed=seed)


@HYPOTHESIS
@given(shapes=broadcast_pairs, scalar=st.sampled_from([-2.5, 0.5, 3, 2.0]),
       op=st.sampled_from(["add", "sub", "mul", "div"]), left=st.booleans())
def test_python_scalar_either_side(shapes, scalar, op, left, device):
    apply = {"add": lambda p, q: p + q, "sub": lambda p, q: p - q,
             "mul": lambda p, q: p * q, "div": lambda p, q: p / q}[op]
    a = np.random.default_rng(0).uniform(0.5, 2.0, shapes.input_shapes[0])
    def ref(x):
        return apply(scalar, x) if left else apply(x, scalar)
    check_against_numpy(lambda lib, x: ref(x), ref, [a], device)


@st.composite
def reduction_args(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    ndim = len(shape)
    dims = draw(st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1),
        st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)))
    return shape, dims, draw(st.booleans())


REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(dim=d, keepdim=k), lambda a, d, k: a.sum(axis=d, keepdims=k)),
    "mean": (lambda x, d, k: x.mean(dim=d, keepdim=k), lambda a, d, k: a.mean(axis=d, keepdims=k)),
    "amax": (lambda x, d, k: x.amax(dim=d, keepdim=k), lambda a, d, k: a.max(axis=d, keepdims=k)),
    "amin": (lambda x, d, k: x.amin(dim=d, keepdim=k), lambda a, d, k: a.min(axis=d, keepdims=k)),
    "var": (lambda x, d, k: x.var(dim=d, keepdim=k),
            lambda a, d, k: a.var(axis=d, ddof=1, keepdims=k)),
    "logsumexp": (lambda x, d, k: x.logsumexp(dim=d, keepdim=k),
                  lambda a, d, k: np_logsumexp(a, d, keepdims=k)),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@HYPOTHESIS
@given(args=reduction_args())
def test_reductions_any_dims(name, args, device):
    shape, dims, keepdim = args
    fn, ref = REDUCTIONS[name]
    a = distinct(*shape)(np.random.default_rng(0))
    count = a.size if dims is None else int(np.prod([shape[d] for d in np.atleast_1d(dims)]))
    if name == "var" and count < 2:
        return  # n - 1 = 0: nothing to compare (the value is nan or inf)
    check_against_numpy(lambda lib, x: fn(x, dims, keepdim), lambda x: ref(x, dims, keepdim),
                        [a], device)


# --------------------------------------------------------------------------- special cases
def test_repeated_indices_accumulate(device):
    x = minigrad.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True, device=device)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [3.0, 0.0, 1.0, 0.0])

    y = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, device=device)
    (y[[1, 1], [0, 0]] * minigrad.tensor([10.0, 100.0], device=device)).sum().backward()
    np.testing.assert_array_equal(to_numpy(y.grad), [[0.0, 0.0], [110.0, 0.0]])


def test_slices_of_one_tensor_accumulate(device):
    """A loop over time steps reads x[t] many times; every read sends its gradient back."""
    x = minigrad.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True, device=device)
    total = x[0].sum()
    for t in range(1, 4):
        total = total + x[t].sum() * (t + 1) + x[t - 1:t + 1].sum()
    total.backward()
    expected = np.array([[2.0] * 3, [4.0] * 3, [5.0] * 3, [5.0] * 3])  # 1+1, 2+1+1, 3+1+1, 4+1
    np.testing.assert_array_equal(to_numpy(x.grad), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_stable_at_large_logits(name, dtype, device):
    logits = np.array([[1000.0, -1000.0, 0.0],
                       [-1000.0, -1000.0, -1000.0],
                       [1000.0, 1000.0, -1000.0]])
    x = minigrad.tensor(logits, dtype=dtype, requires_grad=True, device=device)
    out = getattr(minigrad, name)(x, dim=1)
    weights = minigrad.tensor(np.arange(out.numel(), dtype=dtype).reshape(out.shape), device=device)
    (out * weights).sum().backward()
    values, grad = to_numpy(out), to_numpy(x.grad)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad))
    third = 1 / 3
    expected = {
        "softmax": [[1, 0, 0], [third, third, third], [0.5, 0.5, 0]],
        "log_softmax": [[0, -2000, -1000], [-np.log(3)] * 3,
                        [-np.log(2), -np.log(2), -2000 - np.log(2)]],
        "logsumexp": [1000, -1000 + np.log(3), 1000 + np.log(2)],
    }[name]
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-6)
    assert out.dtype == np.dtype(dtype)


def test_softmax_rows_sum_to_one_and_grad_is_zero_for_constant_upstream(device):
    x = minigrad.randn(4, 5, dtype="float64", requires_grad=True, device=device)
    y = minigrad.softmax(x, dim=1)
    np.testing.assert_allclose(to_numpy(y).sum(axis=1), 1.0, rtol=1e-12)
    y.sum().backward()  # Σ softmax = 1 whatever x is, so the gradient is 0
    np.testing.assert_allclose(to_numpy(x.grad), 0.0, atol=1e-12)


def test_max_ties_share_the_gradient_except_along_a_dim(device):
    x = minigrad.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]], requires_grad=True, device=device)
    x.amax(dim=1).sum().backward()  # as torch.amax: split evenly
    np.testing.assert_array_equal(to_numpy(x.grad), [[0, 0.5, 0.5], [1, 0, 0]])
    x.grad = None
    x.max(dim=1).values.sum().backward()  # as torch.max(dim): all to the index returned
    np.testing.assert_array_equal(to_numpy(x.grad), [[0, 1, 0], [1, 0, 0]])
    y = minigrad.tensor([2.0, 2.0, 1.0, 2.0], requires_grad=True, device=device)
    y.max().backward()  # as torch.max() without dim: split evenly
    np.testing.assert_allclose(to_numpy(y.grad), [1 / 3, 1 / 3, 0, 1 / 3])


def test_max_with_dim_returns_values_and_indices(device):
    x = minigrad.tensor([[1.0, 5.0], [7.0, 2.0]], device=device)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(to_numpy(values), [5.0, 7.0])
    np.testing.assert_array_equal(to_numpy(indices), [1, 0])
    np.testing.assert_array_equal(to_numpy(x.min(dim=0).values), [1.0, 2.0])
    assert isinstance(x.max(), minigrad.Tensor)  # without dim: the value only


def test_maximum_ties_split_like_torch(device, torch):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])
    fn = lambda lib, x, y: lib.maximum(x, y)  # noqa: E731
    check_against_torch(torch, fn, fn, [a, b], device)
    fn = lambda lib, x, y: lib.minimum(x, y)  # noqa: E731
    check_against_torch(torch, fn, fn, [a, b], device)


def test_clamp_and_relu_at_the_kinks_like_torch(device, torch):
    a = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    for fn in (lambda lib, x: x.clamp(-0.5, 0.5), lambda lib, x: x.relu(), lambda lib, x: x.abs()):
        check_against_torch(torch, fn, fn, [a], device)


def test_pow_at_zero_like_torch(device, torch):
    a = np.array([0.0, 1.0, 2.0])
    for fn in (lambda lib, x: x ** 0, lambda lib, x: x ** 2, lambda lib, x: x ** 1):
        check_against_torch(torch, fn, fn, [a], device)
    fn = lambda lib, x, e: x ** e  # noqa: E731
    check_against_torch(torch, fn, fn, [a, np.array([0.0, 0.0, 3.0])], device)


@pytest.mark.parametrize("shape,num_classes", [((4,), -1), ((2, 3), 5), ((), 3)])
def test_one_hot(shape, num_classes, device):
    labels = np.random.default_rng(0).integers(0, 3, shape)
    out = minigrad.one_hot(minigrad.tensor(labels, device=device), num_classes)
    n = labels.max() + 1 if num_classes == -1 else num_classes
    assert out.dtype == np.int64 and out.shape == shape + (n,)
    np.testing.assert_array_equal(to_numpy(out), np.eye(n, dtype=np.int64)[labels])


def test_one_hot_like_torch(torch):
    labels = np.array([[0, 2], [1, 1]])
    for k in (-1, 4):
        ours = minigrad.one_hot(minigrad.tensor(labels), k)
        theirs = torch.nn.functional.one_hot(torch.tensor(labels), k)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(theirs.dtype) == f"torch.{ours.dtype.name}"


def test_one_hot_refuses_bad_labels():
    with pytest.raises(ValueError, match="class indices"):
        minigrad.one_hot(minigrad.tensor([0, 3]), 3)
    with pytest.raises(TypeError, match="integer"):
        minigrad.one_hot(minigrad.tensor([0.0, 1.0]), 3)


def test_dropout_zeroes_and_rescales(device):
    x = minigrad.tensor(np.random.default_rng(0).uniform(1, 2, (200, 50)), requires_grad=True,
                        device=device)
    p = 0.3
    y = minigrad.dropout(x, p=p)
    xs, ys = to_numpy(x), to_numpy(y)
    kept = ys != 0
    np.testing.assert_allclose(ys[kept], xs[kept] / (1 - p), rtol=1e-6)
    assert abs((1 - kept.mean()) - p) < 0.02  # 10,000 draws: the dropped share is near p
    weights = np.random.default_rng(1).standard_normal(ys.shape)
    y.backward(minigrad.tensor(weights, device=device))
    np.testing.assert_allclose(to_numpy(x.grad), np.where(kept, weights / (1 - p), 0), rtol=1e-6)
    np.testing.assert_array_equal(to_numpy(x), xs)  # the input is untouched


def test_dropout_identity_and_extremes(device):
    x = minigrad.randn(5, 4, device=device)
    np.testing.assert_array_equal(to_numpy(minigrad.dropout(x, 0.5, training=False)), to_numpy(x))
    np.testing.assert_array_equal(to_numpy(minigrad.dropout(x, 0.0)), to_numpy(x))
    np.testing.assert_array_equal(to_numpy(minigrad.dropout(x, 1.0)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="between 0 and 1"):
        minigrad.dropout(x, 1.5)


def test_dropout_follows_the_seed(device):
    x = minigrad.ones(6, 6, device=device)
    minigrad.manual_seed(5)
    first = to_numpy(minigrad.dropout(x, 0.5))
    minigrad.manual_seed(5)
    second = to_numpy(minigrad.dropout(x, 0.5))
    third = to_numpy(minigrad.dropout(x, 0.5))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(second, third)


def test_ops_keep_int_and_bool_out_of_gradients():
    i = minigrad.tensor([1, 2, 3])
    assert (i + 1).dtype == np.int64 and not (i + 1).requires_grad
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    np.testing.assert_array_equal(mask.numpy(), [False, True, True])
    np.testing.assert_array_equal(x.argmax().numpy(), 2)


def test_float32_stays_float32_with_python_numbers(device):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True, device=device)
    for y in (x + 1, 1 + x, x * 2.5, 2.5 * x, x / 3, 3 / x, x - 1.5, 1.5 - x, x ** 2, 2 ** x, -x):
        assert y.dtype == np.float32
