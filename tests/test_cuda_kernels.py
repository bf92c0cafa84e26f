"""The CUDA kernels of the fused ops, checked without a GPU.

Each kernel body in ``minigrad/nn/sequence_ops/cuda_kernels.py`` is plain arithmetic
over one unit i of a step, one declaration per line, so it reads as NumPy code over all
units at once after a few mechanical rewrites (no ``const T``, no casts, ``/`` of
integers as ``//``). Here the fused ops run with that NumPy version standing in for
CuPy's compiled kernel, and must still equal the plain per-step graph. On a machine with
a GPU, the gpu-marked test runs the real kernels.
"""
import re

import numpy as np
import pytest

import minigrad
from minigrad import backend
from minigrad.nn.sequence_ops import cuda_kernels

from test_sequence_ops import assert_same, inputs, initial_state, layer_pair, run

KERNEL_CELLS = ["gru", "lstm"]


def as_numpy(body):
    """A kernel body as Python statements over arrays of all units."""
    lines = []
    for line in body.strip().splitlines():
        line = line.strip().rstrip(";")
        line = re.sub(r"^const (T|ptrdiff_t) ", "", line)
        line = re.sub(r"\((T|ptrdiff_t)\)", "", line)
        lines.append(line.replace("i / H", "i // H"))
    return "\n".join(lines)


class NumpyKernel:
    """Runs a kernel body with NumPy: raw arrays flat (written in place), the others
    flattened copies in, written back out."""

    def __init__(self, in_params, out_params, body):
        self.params = [p.split() for p in (in_params + ", " + out_params).split(", ")]
        self.outputs = {p.split()[-1] for p in out_params.split(", ")}
        self.code = compile(as_numpy(body), "kernel", "exec")

    def __call__(self, *arrays):
        shape = next(a.shape for (*kind, name), a in zip(self.params, arrays)
                     if "raw" not in kind and hasattr(a, "shape") and a.ndim == 2)
        namespace = {"tanh": np.tanh, "exp": np.exp, "i": np.arange(int(np.prod(shape)))}
        elementwise = {}
        for (*kind, name), a in zip(self.params, arrays):
            if "raw" in kind:
                namespace[name] = a.reshape(-1)  # a view: writes go through
            elif kind == ["int32"]:
                namespace[name] = int(a)
            else:
                namespace[name] = np.broadcast_to(a, shape).reshape(-1).copy()
                elementwise[name] = a
        with np.errstate(over="ignore"):  # as CUDA: exp overflows to inf, quietly
            exec(self.code, namespace)
        for name, a in elementwise.items():
            if name in self.outputs:
                a[...] = namespace[name].reshape(shape)


@pytest.fixture
def numpy_kernels(monkeypatch):
    monkeypatch.setattr(cuda_kernels, "available", lambda xp: True)
    monkeypatch.setattr(cuda_kernels, "kernel",
                        lambda xp, name: NumpyKernel(*cuda_kernels.SIGNATURES[name]))


@pytest.mark.parametrize("cell", KERNEL_CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_kernels_compute_what_the_plain_graph_does(cell, bidirectional, numpy_kernels,
                                                       rng):
    fused, plain = layer_pair(cell, num_layers=2, bidirectional=bidirectional)
    x, state = inputs(rng), initial_state(fused, rng)
    assert_same(run(fused, x, state, [6, 2, 4]), run(plain, x, state, [6, 2, 4]))
    assert_same(run(fused, x, state), run(plain, x, state))


def test_a_wrong_kernel_body_is_caught(numpy_kernels, monkeypatch, rng):
    broken = dict(cuda_kernels.SIGNATURES)
    in_params, out_params, body = broken["lstm_backward"]
    broken["lstm_backward"] = (in_params, out_params, body.replace("dc_total * forget",
                                                                   "dc_total"))
    monkeypatch.setattr(cuda_kernels, "SIGNATURES", broken)
    fused, plain = layer_pair("lstm")
    x = inputs(rng)
    with pytest.raises(AssertionError):
        assert_same(run(fused, x), run(plain, x))


@pytest.mark.gpu
@pytest.mark.parametrize("cell", KERNEL_CELLS)
def test_the_compiled_kernels_on_the_gpu(cell, rng):
    if not backend.gpu_available():
        pytest.skip("needs CuPy and a CUDA GPU")
    fused, plain = layer_pair(cell, num_layers=2, bidirectional=True)
    fused.to("cuda")
    x, state = inputs(rng), initial_state(fused, rng)
    minigrad.manual_seed(1)
    on_gpu = run_on(fused, x, state, "cuda")
    assert_same(on_gpu, run(plain, x, state))


def run_on(layer, x, state, device):
    x = minigrad.tensor(x, device=device, requires_grad=True)
    state = tuple(minigrad.tensor(s, device=device, requires_grad=True) for s in state)
    output, final = layer(x, state)
    weights = minigrad.tensor(np.random.default_rng(2).standard_normal(output.shape),
                              device=device)
    ((output * weights).sum() + sum((f * f).sum() for f in final)).backward()
    results = {"output": output, **{f"final {i}": f for i, f in enumerate(final)},
               **{f"grad {name}": p.grad for name, p in layer.named_parameters()},
               "grad input": x.grad,
               **{f"grad state {i}": s.grad for i, s in enumerate(state)}}
    return {name: value.detach().cpu().numpy() for name, value in results.items()}
