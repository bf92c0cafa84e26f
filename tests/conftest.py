"""Shared fixtures: the backends to test on, and PyTorch as an optional oracle."""
import importlib.util
import os

import numpy as np
import pytest
from hypothesis import settings

import minigrad
from minigrad import backend
from minigrad import plugin_manager as pm

from fake_plugins import plugin_with_cell

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_GPU = backend.gpu_available()

# Hypothesis (tests/test_bad_input.py) draws new examples on every run, which finds new
# bugs while we work; in CI (CI set, as .ci/run does) it draws the same ones every time,
# so a submission's result does not depend on what it happened to draw.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    skip_gpu = pytest.mark.skip(reason="needs CuPy and a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords and not HAS_GPU:
            item.add_marker(skip_gpu)
        if "torch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.oracle)  # CI reruns these with torch installed


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def device(request):
    """Run a test once on the CPU (NumPy) and once on the GPU (CuPy, skipped without one)."""
    return request.param


@pytest.fixture
def torch():
    """PyTorch as a second oracle; tests that take it are skipped where it isn't installed."""
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same seed, so failures reproduce."""
    minigrad.manual_seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def real_registry(monkeypatch):
    """The real built-ins and no third-party selection, in a freshly built registry."""
    for variable in ("MINIGRAD_STRICT_PLUGINS", "MINIGRAD_LOAD_PLUGINS",
                     "MINIGRAD_DISABLE_PLUGINS"):
        monkeypatch.delenv(variable, raising=False)
    pm.reset()
    yield
    pm.reset()


@pytest.fixture
def nan_plugin(monkeypatch):
    """A plugin registering the cell ``nan-cell`` (tests/nan_cell.py), loaded like any other."""
    from nan_cell import NaNAfterCell
    yield from plugin_with_cell(monkeypatch, "nan-cell", NaNAfterCell,
                                "turns NaN after 8 steps")
