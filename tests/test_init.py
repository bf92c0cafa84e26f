"""minigrad.nn.init: the statistics of each initialiser over a big tensor (mean, std and
bounds, within sampling tolerance), orthogonality, the identity, reproducibility from
``minigrad.manual_seed``, and the errors for tensors without fans. Where PyTorch is
installed, the same statistics are compared with ``torch.nn.init``'s.
"""
import math
import re

import numpy as np
import pytest

import minigrad
from minigrad.nn import Parameter, init

# For n independent draws, the sample mean wanders by about std/√n; the tolerances
# below are several of those, so the tests fail only on a real error.


def empty(*shape, dtype=minigrad.float32):
    return minigrad.zeros(*shape, dtype=dtype)


def values(t):
    return t.detach().numpy().astype(np.float64)


def uniform_std(bound):
    return bound / math.sqrt(3)  # std of U(-bound, bound)


def check_uniform(v, bound):
    assert np.all(np.abs(v) <= bound * (1 + 1e-6))
    assert np.abs(v).max() > 0.99 * bound  # it reaches (nearly) the bound
    assert abs(v.mean()) < 5 * uniform_std(bound) / math.sqrt(v.size)
    assert v.std() == pytest.approx(uniform_std(bound), rel=0.02)


# --------------------------------------------------------------------------- basic fills
def test_uniform_statistics():
    v = values(init.uniform_(empty(400, 500), -2.0, 3.0))
    assert v.min() >= -2.0 and v.max() < 3.0
    assert v.min() < -1.99 and v.max() > 2.99
    assert v.mean() == pytest.approx(0.5, abs=0.01)
    assert v.std() == pytest.approx(5 / math.sqrt(12), rel=0.01)


def test_uniform_default_is_unit_interval():
    v = values(init.uniform_(empty(100, 100)))
    assert v.min() >= 0 and v.max() < 1 and v.mean() == pytest.approx(0.5, abs=0.01)


def test_normal_statistics():
    v = values(init.normal_(empty(400, 500), mean=1.5, std=0.2))
    assert v.mean() == pytest.approx(1.5, abs=0.002)
    assert v.std() == pytest.approx(0.2, rel=0.01)
    third = ((v - v.mean()) ** 3).mean() / v.std() ** 3
    assert abs(third) < 0.05  # symmetric, as a Gaussian is


@pytest.mark.parametrize("fill, expected", [(lambda t: init.zeros_(t), 0.0),
                                            (lambda t: init.ones_(t), 1.0),
                                            (lambda t: init.constant_(t, -0.75), -0.75)],
                         ids=["zeros_", "ones_", "constant_"])
def test_constant_fills(fill, expected):
    t = init.normal_(empty(3, 4))
    assert fill(t) is t
    np.testing.assert_array_equal(values(t), np.full((3, 4), expected))


def test_init_works_in_place_on_a_parameter_that_requires_grad():
    p = Parameter(np.zeros((50, 40), dtype=np.float32))
    assert init.xavier_uniform_(p) is p
    assert p.requires_grad and p.is_leaf and p.dtype == np.float32
    assert np.any(values(p) != 0)


def test_init_keeps_float64():
    t = init.normal_(empty(3, 3, dtype=minigrad.float64))
    assert t.dtype == np.float64


# --------------------------------------------------------------------------- fans, xavier, kaiming
@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_uniform_statistics(gain):
    fan_out, fan_in = 300, 700
    v = values(init.xavier_uniform_(empty(fan_out, fan_in), gain=gain))
    check_uniform(v, gain * math.sqrt(6 / (fan_in + fan_out)))


def test_xavier_uniform_counts_the_receptive_field():
    # (out=20, in=10, kernel 5x4): fan_in = 10·20 = 200, fan_out = 20·20 = 400
    v = values(init.xavier_uniform_(empty(20, 10, 5, 4)))
    check_uniform(v, math.sqrt(6 / 600))


@pytest.mark.parametrize("mode, fan", [("fan_in", 200), ("fan_out", 500)])
def test_kaiming_uniform_statistics(mode, fan):
    v = values(init.kaiming_uniform_(empty(500, 200), mode=mode, nonlinearity="relu"))
    check_uniform(v, math.sqrt(2) * math.sqrt(3 / fan))


def test_kaiming_uniform_defaults_and_the_linear_layer_bound():
    v = values(init.kaiming_uniform_(empty(400, 250)))  # a=0, leaky_relu: gain √2
    check_uniform(v, math.sqrt(2) * math.sqrt(3 / 250))
    v = values(init.kaiming_uniform_(empty(400, 250), a=math.sqrt(5)))
    check_uniform(v, 1 / math.sqrt(250))  # what nn.Linear uses


def test_kaiming_uniform_rejects_a_bad_mode():
    with pytest.raises(ValueError, match="fan_in.*fan_out"):
        init.kaiming_uniform_(empty(3, 3), mode="fan_avg")


@pytest.mark.parametrize("fn", [init.xavier_uniform_, init.kaiming_uniform_])
@pytest.mark.parametrize("shape", [(5,), ()])
def test_fan_based_inits_need_two_dimensions(fn, shape):
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*" + re.escape(str(shape))):
        fn(empty(*shape))


@pytest.mark.parametrize("fn, kwargs", [("xavier_uniform_", {}),
                                        ("xavier_uniform_", {"gain": 2.0}),
                                        ("kaiming_uniform_", {}),
                                        ("kaiming_uniform_", {"a": math.sqrt(5)}),
                                        ("kaiming_uniform_", {"mode": "fan_out",
                                                              "nonlinearity": "relu"})])
def test_fan_based_inits_match_torch_statistics(torch, fn, kwargs):
    shape = (256, 384)
    ours = values(getattr(init, fn)(empty(*shape), **kwargs))
    theirs = getattr(torch.nn.init, fn)(torch.empty(*shape), **kwargs).double().numpy()
    assert np.abs(ours).max() == pytest.approx(np.abs(theirs).max(), rel=0.005)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.02)


# --------------------------------------------------------------------------- calculate_gain
@pytest.mark.parametrize("nonlinearity, param, expected", [
    ("linear", None, 1.0), ("identity", None, 1.0), ("sigmoid", None, 1.0),
    ("tanh", None, 5 / 3), ("relu", None, math.sqrt(2)),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04))])
def test_calculate_gain(nonlinearity, param, expected):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("nonlinearity, param", [("tanh", None), ("relu", None),
                                                 ("leaky_relu", None), ("leaky_relu", 0.3),
                                                 ("sigmoid", None)])
def test_calculate_gain_matches_torch(torch, nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12)


def test_calculate_gain_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")


# --------------------------------------------------------------------------- orthogonal_
@pytest.mark.parametrize("shape", [(64, 64), (80, 30), (30, 80)], ids=["square", "tall", "wide"])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    q = values(init.orthogonal_(empty(*shape, dtype=minigrad.float64)))
    rows, cols = shape
    if rows >= cols:
        np.testing.assert_allclose(q.T @ q, np.eye(cols), atol=1e-12)  # QᵀQ = I
    if rows <= cols:
        np.testing.assert_allclose(q @ q.T, np.eye(rows), atol=1e-12)  # QQᵀ = I
    assert not np.allclose(np.abs(q), np.eye(*shape))  # random, not a permutation


def test_orthogonal_float32_is_orthogonal_to_float32_precision():
    q = values(init.orthogonal_(empty(100, 100)))
    np.testing.assert_allclose(q.T @ q, np.eye(100), atol=1e-5)


def test_orthogonal_gain_scales_the_matrix():
    q = values(init.orthogonal_(empty(50, 50, dtype=minigrad.float64), gain=1.5))
    np.testing.assert_allclose(q.T @ q, 2.25 * np.eye(50), atol=1e-12)


def test_orthogonal_preserves_norms_of_vectors(rng):
    q = values(init.orthogonal_(empty(40, 40, dtype=minigrad.float64)))
    h = rng.standard_normal((40, 10))
    np.testing.assert_allclose(np.linalg.norm(q @ h, axis=0), np.linalg.norm(h, axis=0))


def test_orthogonal_of_more_dimensions_flattens_the_trailing_ones():
    q = values(init.orthogonal_(empty(6, 3, 4, dtype=minigrad.float64))).reshape(6, 12)
    np.testing.assert_allclose(q @ q.T, np.eye(6), atol=1e-12)


def test_orthogonal_is_uniform_over_signs():
    # with the signs of R's diagonal fixed, each entry is symmetric about zero:
    # the diagonal of many draws averages to about 0 (not to a positive number)
    diagonals = [np.diag(values(init.orthogonal_(empty(8, 8, dtype=minigrad.float64))))
                 for _ in range(400)]
    assert abs(np.mean(diagonals)) < 0.03


def test_orthogonal_needs_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.orthogonal_(empty(5))


def test_orthogonal_matches_torch_statistics(torch):
    ours = values(init.orthogonal_(empty(120, 60)))
    theirs = torch.nn.init.orthogonal_(torch.empty(120, 60)).double().numpy()
    np.testing.assert_allclose(theirs.T @ theirs, np.eye(60), atol=1e-5)  # the same property
    np.testing.assert_allclose(ours.T @ ours, np.eye(60), atol=1e-5)
    assert ours.std() == pytest.approx(theirs.std(), rel=1e-3)  # both are 1/√rows


# --------------------------------------------------------------------------- eye_
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3)])
def test_eye(shape):
    t = init.normal_(empty(*shape))
    assert init.eye_(t) is t
    np.testing.assert_array_equal(values(t), np.eye(*shape))


def test_eye_matches_torch(torch):
    np.testing.assert_array_equal(values(init.eye_(empty(3, 6))),
                                  torch.nn.init.eye_(torch.empty(3, 6)).numpy())


@pytest.mark.parametrize("shape", [(4,), (2, 2, 2)])
def test_eye_needs_a_matrix(shape):
    with pytest.raises(ValueError, match="2-D"):
        init.eye_(empty(*shape))


# --------------------------------------------------------------------------- reproducibility
RANDOM_INITS = {
    "uniform_": lambda t: init.uniform_(t, -1, 1),
    "normal_": init.normal_,
    "xavier_uniform_": init.xavier_uniform_,
    "kaiming_uniform_": init.kaiming_uniform_,
    "orthogonal_": init.orthogonal_,
}


@pytest.mark.parametrize("name", RANDOM_INITS)
def test_same_seed_same_values(name):
    fill = RANDOM_INITS[name]
    minigrad.manual_seed(42)
    first = values(fill(empty(6, 5)))
    second = values(fill(empty(6, 5)))
    minigrad.manual_seed(42)
    again = values(fill(empty(6, 5)))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)  # the generator moves on between draws
    minigrad.manual_seed(43)
    assert not np.array_equal(first, values(fill(empty(6, 5))))
