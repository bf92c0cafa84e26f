"""The activation modules and functions, and erf, against PyTorch.

Every function and module is run beside PyTorch's in float64 on the same numbers, and
its values and the gradients of every input (under a random upstream gradient) must
agree, each activation at its kinks and at ±1000. The modules' reprs must be PyTorch's,
word for word. erf is checked against Python's math.erf (the C library's, within a unit
in the last place) and torch.erf. Bad arguments must be refused with an error that
names what was wrong.
"""
import math
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.ops.special import erf_array


def t64(array, requires_grad=True):
    return minigrad.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def numpy_of(t):
    return t.detach().numpy()


def assert_same_as_torch(torch, ours_fn, theirs_fn, arrays, rng, rtol=1e-10, atol=1e-12):
    """Call ``ours_fn`` and ``theirs_fn`` on float64 copies of ``arrays`` (each requiring
    grad); compare the results, then the gradient of every input under one random
    upstream gradient. Returns our result."""
    ours_in = [t64(a) for a in arrays]
    theirs_in = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
                 for a in arrays]
    ours, theirs = ours_fn(*ours_in), theirs_fn(*theirs_in)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(numpy_of(ours), theirs.detach().numpy(), rtol=rtol, atol=atol)
    upstream = rng.standard_normal(ours.shape)
    ours.backward(minigrad.tensor(upstream))
    theirs.backward(torch.from_numpy(upstream))
    for i, (mine, reference) in enumerate(zip(ours_in, theirs_in)):
        assert mine.grad is not None, f"no gradient reached input {i}"
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of input {i}")
    return ours


# =========================================================================== activations
ACTIVATIONS = [  # (function in F and torch.nn.functional, module in nn, settings)
    ("tanh", "Tanh", {}),
    ("sigmoid", "Sigmoid", {}),
    ("relu", "ReLU", {}),
    ("leaky_relu", "LeakyReLU", {}),
    ("leaky_relu", "LeakyReLU", {"negative_slope": 0.2}),
    ("leaky_relu", "LeakyReLU", {"negative_slope": -0.5}),
    ("elu", "ELU", {}),
    ("elu", "ELU", {"alpha": 0.5}),
    ("softplus", "Softplus", {}),
    ("softplus", "Softplus", {"beta": 2.0, "threshold": 5.0}),
    ("softplus", "Softplus", {"beta": -1.5}),
    ("gelu", "GELU", {}),
    ("gelu", "GELU", {"approximate": "tanh"}),
    ("silu", "SiLU", {}),
    ("hardtanh", "Hardtanh", {}),
    ("hardtanh", "Hardtanh", {"min_val": -0.5, "max_val": 2.0}),
]
ACTIVATION_IDS = [f"{f}-{'-'.join(f'{k}={v}' for k, v in s.items()) or 'default'}"
                  for f, _, s in ACTIVATIONS]
# Kinks, edges, softplus's threshold (βx = 5 exactly), tiny values, and ±1000.
SPECIAL_POINTS = [0.0, -0.0, 1.0, -1.0, -0.5, 2.0, 2.5, 10.0, 25.0, -25.0, 1e-8, -1e-8,
                  1000.0, -1000.0]


def activation_inputs(rng):
    return np.concatenate([rng.standard_normal(40) * 3, SPECIAL_POINTS]).reshape(6, 9)


@pytest.mark.parametrize("function, module, settings", ACTIVATIONS, ids=ACTIVATION_IDS)
def test_activation_functions_against_torch(torch, function, module, settings, rng):
    ours = assert_same_as_torch(
        torch, lambda x: getattr(F, function)(x, **settings),
        lambda x: getattr(torch.nn.functional, function)(x, **settings),
        [activation_inputs(rng)], rng, rtol=1e-12, atol=1e-14)
    assert np.all(np.isfinite(numpy_of(ours)))


@pytest.mark.parametrize("function, module, settings", ACTIVATIONS, ids=ACTIVATION_IDS)
def test_activation_modules_against_torch(torch, function, module, settings, rng):
    ours, theirs = getattr(nn, module)(**settings), getattr(torch.nn, module)(**settings)
    assert repr(ours) == repr(theirs)
    assert_same_as_torch(torch, ours, theirs, [activation_inputs(rng)], rng, rtol=1e-12,
                         atol=1e-14)
    for setting in settings:
        assert getattr(ours, setting) == getattr(theirs, setting)


@pytest.mark.parametrize("function, module, settings", ACTIVATIONS, ids=ACTIVATION_IDS)
def test_activation_gradcheck(function, module, settings, rng):
    x = rng.standard_normal((3, 4)) * 2
    x[np.abs(np.abs(x) - 1) < 0.05] += 0.1  # keep away from hardtanh's edges
    assert minigrad.gradcheck(lambda x: getattr(F, function)(x, **settings), (t64(x),))


@pytest.mark.parametrize("function, module, settings", ACTIVATIONS, ids=ACTIVATION_IDS)
def test_activations_keep_float32_and_stay_finite_at_extremes(function, module, settings):
    x = minigrad.tensor(np.array([-1000.0, -3.0, 0.0, 0.5, 3.0, 1000.0], dtype=np.float32),
                        requires_grad=True)
    y = getattr(nn, module)(**settings)(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert np.all(np.isfinite(numpy_of(y))) and np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("module, settings", [("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.3}),
                                              ("ELU", {"alpha": 2.0}), ("SiLU", {}),
                                              ("Hardtanh", {"min_val": -2.0, "max_val": 3.0})])
def test_inplace_is_accepted_and_computes_out_of_place(torch, module, settings, rng):
    theirs = getattr(torch.nn, module)(inplace=True, **settings)
    ours = getattr(nn, module)(inplace=True, **settings)
    assert repr(ours) == repr(theirs) and ours.inplace is True
    data = rng.standard_normal((3, 4)) * 3
    x = t64(data)
    y = ours(x)
    np.testing.assert_array_equal(numpy_of(x), data)  # the input is left as it was
    np.testing.assert_allclose(numpy_of(y), theirs(torch.tensor(data)).numpy(), rtol=1e-12)
    y.sum().backward()
    assert x.grad is not None
    function = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "SiLU": "silu",
                "Hardtanh": "hardtanh"}[module]
    np.testing.assert_array_equal(numpy_of(getattr(F, function)(x, inplace=True, **settings)),
                                  numpy_of(y))


def test_hardtanh_passes_no_gradient_at_its_edges_unlike_clamp(torch):
    x = t64([-1.0, 1.0, 0.0])
    F.hardtanh(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])
    tx = torch.tensor([-1.0, 1.0, 0.0], requires_grad=True)
    torch.nn.functional.hardtanh(tx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_softplus_is_x_itself_above_the_threshold():
    x = t64([20.0 + 1e-9, 30.0])
    np.testing.assert_array_equal(numpy_of(F.softplus(x)), [20.0 + 1e-9, 30.0])
    # below it, the true softplus: ln(1 + e^x) = x + ln(1 + e^-x), which differs from x
    assert F.softplus(t64([19.5])).item() == pytest.approx(19.5 + math.log1p(math.exp(-19.5)),
                                                           rel=1e-15)


# --------------------------------------------------------------------------- softmax's dim
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("how", ["function", "module"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_without_dim_takes_torchs_implicit_dim_and_warns(torch, name, how, ndim, rng):
    data = rng.standard_normal((2, 3, 4, 5)[:ndim])
    if how == "function":
        ours_fn, theirs_fn = getattr(F, name), getattr(torch.nn.functional, name)
    else:
        module = {"softmax": "Softmax", "log_softmax": "LogSoftmax"}[name]
        ours_fn, theirs_fn = getattr(nn, module)(), getattr(torch.nn, module)()
        assert repr(ours_fn) == repr(theirs_fn) == f"{module}(dim=None)"
    with pytest.warns(UserWarning) as ours_warnings:
        ours = ours_fn(t64(data, False))
    with pytest.warns(UserWarning) as theirs_warnings:
        theirs = theirs_fn(torch.from_numpy(data))
    np.testing.assert_allclose(numpy_of(ours), theirs.numpy(), rtol=1e-12)
    assert str(ours_warnings[0].message) == str(theirs_warnings[0].message)
    assert ours_warnings[0].filename == __file__  # it points at the caller, as PyTorch's


@pytest.mark.parametrize("name, module", [("softmax", "Softmax"), ("log_softmax", "LogSoftmax")])
def test_softmax_with_dim_and_dtype_against_torch(torch, name, module, rng):
    data = rng.standard_normal((3, 4, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an explicit dim gives no warning
        for dim in (0, 1, -1):
            assert_same_as_torch(torch, getattr(nn, module)(dim=dim),
                                 getattr(torch.nn, module)(dim=dim), [data], rng, rtol=1e-12)
            assert repr(getattr(nn, module)(dim)) == f"{module}(dim={dim})"
    x32 = minigrad.tensor(data.astype(np.float32))
    ours = getattr(F, name)(x32, dim=1, dtype=minigrad.float64)
    theirs = getattr(torch.nn.functional, name)(torch.from_numpy(data.astype(np.float32)),
                                                dim=1, dtype=torch.float64)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(numpy_of(ours), theirs.numpy(), rtol=1e-12)


# --------------------------------------------------------------------------- bad arguments
def test_bad_activation_settings_are_refused():
    x = minigrad.randn(3)
    with pytest.raises(ValueError, match=r"approximate must be one of \('none', 'tanh'\), "
                                         r"got 'exact'"):
        nn.GELU(approximate="exact")
    with pytest.raises(ValueError, match="approximate must be one of"):
        F.gelu(x, approximate="exact")
    with pytest.raises(ValueError, match=r"max_val \(0\) must be greater than min_val \(1\)"):
        nn.Hardtanh(1, 0)
    with pytest.raises(ValueError, match="must be greater"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(ValueError, match=r"min_val \(2\) must not be greater than max_val \(1\)"):
        F.hardtanh(x, 2, 1)
    with pytest.raises(ValueError, match="beta must not be 0"):
        nn.Softplus(beta=0)
    with pytest.raises(ValueError, match="beta must not be 0"):
        F.softplus(x, beta=0)


# =========================================================================== erf
def test_erf_is_within_a_few_units_in_the_last_place_of_math_erf():
    x = np.concatenate([np.linspace(-7, 7, 200_001), np.geomspace(1e-300, 7, 5_000),
                        -np.geomspace(1e-300, 7, 5_000), [2.5, -2.5, 6.0, np.nextafter(2.5, 0)]])
    exact = np.array([math.erf(v) for v in x])
    units = np.abs(erf_array(x) - exact) / np.spacing(np.abs(exact))
    assert units.max() <= 6
    assert (units <= 1).mean() > 0.95


def test_erf_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 5e-324])
    y = erf_array(x)
    np.testing.assert_array_equal(y[[0, 2, 3, 5, 6, 7]], [0.0, 1.0, -1.0, 1.0, -1.0, 5e-324])
    assert np.signbit(y[1]) and np.isnan(y[4])
    assert erf_array(np.array(0.5)).shape == ()
    assert erf_array(np.zeros((2, 0))).shape == (2, 0)


def test_erf_op_against_torch(torch, rng):
    data = np.concatenate([rng.standard_normal(30) * 3, [0.0, 2.5, -6.0, 30.0]])
    assert_same_as_torch(torch, minigrad.erf, torch.erf, [data], rng, rtol=2e-15, atol=1e-300)
    x = t64(data, False)
    np.testing.assert_array_equal(numpy_of(x.erf()), numpy_of(minigrad.erf(x)))


def test_erf_gradcheck_and_float32(rng):
    assert minigrad.gradcheck(minigrad.erf, (t64(rng.standard_normal((3, 4)) * 2),))
    x = minigrad.tensor([0.5, -3.0], requires_grad=True)
    y = x.erf()
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(numpy_of(y), [math.erf(0.5), math.erf(-3.0)], rtol=1e-7)


# =========================================================================== devices
DEVICE_CASES = {
    **{f"F.{f}-{i}": (lambda x, f=f, s=s: getattr(F, f)(x, **s))
       for i, (f, _, s) in enumerate(ACTIVATIONS)},
    "erf": minigrad.erf,
}


@pytest.mark.parametrize("case", list(DEVICE_CASES))
def test_each_device_gives_the_cpu_numbers(case, device, rng):
    """One code path for NumPy and CuPy: the same values and gradients on each device."""
    data = rng.standard_normal((3, 4, 2)) * 3
    results = []
    for where in ("cpu", device):
        x = minigrad.tensor(data, requires_grad=True, device=where)
        y = DEVICE_CASES[case](x)
        assert y.device == x.device
        y.sum().backward()
        results.append((numpy_of(y.cpu()), x.grad.cpu().numpy()))
    (y_cpu, g_cpu), (y_device, g_device) = results
    np.testing.assert_allclose(y_device, y_cpu, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g_device, g_cpu, rtol=1e-12, atol=1e-14)
