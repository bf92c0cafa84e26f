"""The NumPy/CuPy backend: importing minigrad never imports CuPy, asking for CUDA without
it says what to install, and (on a GPU) tensors move and compute there."""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad import backend

HAS_CUPY = importlib.util.find_spec("cupy") is not None
no_cupy = pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed here")


def test_import_does_not_import_cupy():
    code = "import sys, minigrad; sys.exit(1 if 'cupy' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr or "import minigrad imported cupy"


@pytest.mark.parametrize("name,expected", [("cpu", "cpu"), ("CPU", "cpu"), (None, "cpu"),
                                           ("cuda", "cuda:0"), ("cuda:1", "cuda:1")])
def test_parse_device(name, expected):
    assert backend.parse_device(name) == expected


@pytest.mark.parametrize("name", ["tpu", "cuda:x", "gpu:0"])
def test_unknown_device_is_refused(name):
    with pytest.raises(ValueError, match="unknown device"):
        backend.parse_device(name)
    with pytest.raises(ValueError, match="unknown device"):
        minigrad.zeros(2, device=name)


@no_cupy
@pytest.mark.parametrize("make", [
    lambda: minigrad.tensor([1.0], device="cuda"),
    lambda: minigrad.zeros(2, device="cuda"),
    lambda: minigrad.randn(2, device="cuda:0"),
    lambda: minigrad.tensor([1.0], requires_grad=True).to("cuda"),
    lambda: minigrad.ones(1).cuda(),
], ids=["tensor", "zeros", "randn", "to", "cuda"])
def test_cuda_without_cupy_says_what_to_install(make):
    with pytest.raises(RuntimeError) as info:
        make()
    message = str(info.value)
    assert "CuPy" in message and "pip install cupy-cuda12x" in message


@no_cupy
def test_no_gpu_without_cupy():
    assert backend.cupy_or_none() is None
    assert minigrad.gpu_available() is False


def test_numpy_helpers():
    a = np.arange(3.0)
    assert backend.get_array_module(a) is np
    assert backend.device_of(a) == "cpu"
    assert backend.to_device(a, "cpu") is a
    assert backend.to_numpy(a) is a
    assert backend.xp_for("cpu") is np


def test_scatter_add_adds_repeated_indices():
    target = np.zeros(4)
    backend.scatter_add(target, np.array([0, 2, 0, 0]), np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(target, [8.0, 0.0, 2.0, 0.0])


# --------------------------------------------------------------------------- on a GPU
@pytest.mark.gpu
def test_gpu_round_trip_and_gradient():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda:0" and type(y.array).__module__.startswith("cupy")
    z = (y * y).sum()
    assert z.device == "cuda:0"
    z.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


@pytest.mark.gpu
def test_gpu_draws_match_cpu_draws():
    minigrad.manual_seed(11)
    cpu = minigrad.randn(3, 4).numpy()
    minigrad.manual_seed(11)
    gpu = minigrad.randn(3, 4, device="cuda").cpu().numpy()
    np.testing.assert_array_equal(cpu, gpu)


@pytest.mark.gpu
def test_mixing_devices_is_refused():
    with pytest.raises(RuntimeError, match="same device"):
        minigrad.zeros(2) + minigrad.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="same device"):
        minigrad.zeros(2, 2) @ minigrad.zeros(2, 2, device="cuda")


@pytest.mark.gpu
def test_gpu_leaf_grad_stays_on_the_gpu():
    w = minigrad.randn(4, 3, requires_grad=True, device="cuda")
    x = minigrad.randn(2, 4, device="cuda")
    (x @ w).tanh().sum().backward()
    assert w.grad.device == "cuda:0"
    expected = x.cpu().numpy().T @ (1 - np.tanh(x.cpu().numpy() @ w.detach().cpu().numpy()) ** 2)
    np.testing.assert_allclose(w.grad.cpu().numpy(), expected, rtol=1e-5, atol=1e-6)
