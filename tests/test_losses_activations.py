"""The loss modules, the activation modules and functions, and erf, against PyTorch.

Every function and module is run beside PyTorch's in float64 on the same numbers, and
its values and the gradients of every input (under a random upstream gradient) must
agree: cross-entropy and nll_loss with class weights, ignore_index, label smoothing,
every reduction and N-d inputs, cross-entropy against class probabilities, the logistic
loss with weight and pos_weight, each activation at its kinks and at ±1000. The modules'
reprs must be PyTorch's, word for word. erf is checked against Python's math.erf (the C
library's, within a unit in the last place) and torch.erf. Bad arguments must be refused
with an error that names what was wrong.
"""
import math
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.ops.special import erf_array

REDUCTIONS = ["mean", "sum", "none"]


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


# =========================================================================== losses
SHAPES = {"1d": (5,), "2d": (6, 5), "4d": (3, 5, 2, 2)}  # the class dimension holds 5


def class_targets(shape, ignore, rng):
    """Class indices for an input of ``shape`` (classes in dimension 1, or 0 when 1-d),
    some of them set to the ignored value; returns (targets, ignore_index)."""
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    targets = rng.integers(0, 5, target_shape)
    if ignore is None or not target_shape:
        return targets, -100
    flat = targets.reshape(-1)
    ignore_index = -100 if ignore == "default" else 2  # 2 is also a real class
    flat[[0, 3]] = ignore_index
    return targets, ignore_index


# (input shape, which targets are ignored): one unbatched sample has a single target, so
# it is never ignored (that would leave nothing to average).
TARGET_CASES = [(shape, ignore) for shape in SHAPES for ignore in (None, "default", "class")
                if shape != "1d" or ignore is None]
TARGET_IDS = [f"{shape}-ignore={ignore}" for shape, ignore in TARGET_CASES]


def class_weights(weighted, rng):
    return rng.uniform(0.2, 2.0, 5) if weighted else None


def torch_or_none(torch, array):
    return None if array is None else torch.from_numpy(np.asarray(array, dtype=np.float64))


def ours_or_none(array):
    return None if array is None else t64(array, requires_grad=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape, ignore", TARGET_CASES, ids=TARGET_IDS)
def test_cross_entropy_against_torch(torch, shape, ignore, weighted, label_smoothing,
                                     reduction, rng):
    x = rng.standard_normal(SHAPES[shape]) * 2
    targets, ignore_index = class_targets(SHAPES[shape], ignore, rng)
    weight = class_weights(weighted, rng)
    assert_same_as_torch(
        torch,
        lambda x: F.cross_entropy(x, minigrad.tensor(targets), ours_or_none(weight),
                                  ignore_index=ignore_index, reduction=reduction,
                                  label_smoothing=label_smoothing),
        lambda x: torch.nn.functional.cross_entropy(
            x, torch.from_numpy(np.asarray(targets)), torch_or_none(torch, weight),
            ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing),
        [x], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape, ignore", TARGET_CASES, ids=TARGET_IDS)
def test_nll_loss_against_torch(torch, shape, ignore, weighted, reduction, rng):
    x = rng.standard_normal(SHAPES[shape])
    targets, ignore_index = class_targets(SHAPES[shape], ignore, rng)
    weight = class_weights(weighted, rng)
    assert_same_as_torch(
        torch,
        lambda x: F.nll_loss(x, minigrad.tensor(targets), ours_or_none(weight),
                             ignore_index=ignore_index, reduction=reduction),
        lambda x: torch.nn.functional.nll_loss(
            x, torch.from_numpy(np.asarray(targets)), torch_or_none(torch, weight),
            ignore_index=ignore_index, reduction=reduction),
        [x], rng)


def test_weighted_mean_divides_by_the_weights_of_the_targets_that_count():
    log_probs = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]))
    targets = np.array([0, 1, -100])
    weight = np.array([2.0, 3.0, 7.0])  # the ignored row's class (7) must not count
    loss = F.nll_loss(t64(log_probs), minigrad.tensor(targets), t64(weight, False))
    expected = (2 * -np.log(0.5) + 3 * -np.log(0.8)) / (2 + 3)
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_cross_entropy_with_class_probabilities_against_torch(torch, shape, weighted,
                                                              label_smoothing, reduction, rng):
    class_dim = 1 if len(SHAPES[shape]) > 1 else 0
    x = rng.standard_normal(SHAPES[shape])
    logits = rng.standard_normal(SHAPES[shape])
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=class_dim, keepdims=True)
    weight = class_weights(weighted, rng)
    assert_same_as_torch(  # the gradient reaches the probabilities too
        torch,
        lambda x, p: F.cross_entropy(x, p, ours_or_none(weight), reduction=reduction,
                                     label_smoothing=label_smoothing),
        lambda x, p: torch.nn.functional.cross_entropy(
            x, p, torch_or_none(torch, weight), reduction=reduction,
            label_smoothing=label_smoothing),
        [x, probabilities], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_at_extreme_logits_stays_finite_and_matches_torch(torch, reduction,
                                                                        label_smoothing, rng):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [0.0, 1000.0, -1000.0]])
    targets, weight = np.array([0, 2, 1]), np.array([1.0, 0.5, 2.0])
    ours = assert_same_as_torch(
        torch,
        lambda x: F.cross_entropy(x, minigrad.tensor(targets), t64(weight, False),
                                  reduction=reduction, label_smoothing=label_smoothing),
        lambda x: torch.nn.functional.cross_entropy(
            x, torch.from_numpy(targets), torch.from_numpy(weight), reduction=reduction,
            label_smoothing=label_smoothing),
        [x], rng)
    assert np.all(np.isfinite(numpy_of(ours)))


def test_cross_entropy_gradients_are_finite_at_extreme_logits():
    x = t64([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]])
    F.cross_entropy(x, minigrad.tensor([1, 0]), t64([1.0, 2.0, 3.0], False),
                    label_smoothing=0.2).backward()
    assert np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_cross_entropy_all_ignored_with_smoothing_is_nan_like_torch(torch, weighted):
    x, targets = np.zeros((2, 3)), np.array([-100, -100])
    weight = np.ones(3) if weighted else None
    with np.errstate(invalid="ignore", divide="ignore"):
        ours = F.cross_entropy(t64(x, False), minigrad.tensor(targets), ours_or_none(weight),
                               label_smoothing=0.2).item()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.from_numpy(targets),
                                               torch_or_none(torch, weight),
                                               label_smoothing=0.2).item()
    assert np.isnan(ours) and np.isnan(theirs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_smoothed_cross_entropy_gradcheck(reduction, rng):
    targets = minigrad.tensor([1, 0, -100, 2])
    weight = t64([0.5, 2.0, 1.5], False)
    assert minigrad.gradcheck(
        lambda x: F.cross_entropy(x, targets, weight, reduction=reduction,
                                  label_smoothing=0.25),
        (t64(rng.standard_normal((4, 3))),))


def test_cross_entropy_keeps_float32_with_weights_and_smoothing(rng):
    x = minigrad.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 2, 1, 1]), np.array([1.0, 2.0, 0.5]),
                           label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weights", ["none", "weight", "pos_weight", "both"])
def test_bce_with_logits_weights_against_torch(torch, weights, reduction, rng):
    x = rng.standard_normal((4, 3)) * 3
    targets = rng.uniform(0, 1, (4, 3))
    weight = rng.uniform(0.2, 2, (4, 1)) if weights in ("weight", "both") else None
    pos_weight = rng.uniform(0.2, 3, 3) if weights in ("pos_weight", "both") else None
    assert_same_as_torch(  # the gradient reaches the targets too
        torch,
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, ours_or_none(weight), reduction=reduction, pos_weight=ours_or_none(pos_weight)),
        lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(
            x, t, torch_or_none(torch, weight), reduction=reduction,
            pos_weight=torch_or_none(torch, pos_weight)),
        [x, targets], rng)


def test_bce_with_logits_at_extreme_logits_with_pos_weight(torch, rng):
    x = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    targets = np.array([1.0, 0.0, 0.0, 1.0])
    pos_weight = np.array([2.0, 2.0, 2.0, 2.0])
    ours = assert_same_as_torch(
        torch,
        lambda x: F.binary_cross_entropy_with_logits(x, t64(targets, False), reduction="none",
                                                     pos_weight=t64(pos_weight, False)),
        lambda x: torch.nn.functional.binary_cross_entropy_with_logits(
            x, torch.from_numpy(targets), reduction="none",
            pos_weight=torch.from_numpy(pos_weight)),
        [x], rng)
    np.testing.assert_allclose(numpy_of(ours), [0.0, 0.0, 1000.0, 2000.0])


# --------------------------------------------------------------------------- loss modules
LOSS_MODULES = [
    ("CrossEntropyLoss", {}),
    ("CrossEntropyLoss", {"weight": "class", "ignore_index": 1, "reduction": "sum",
                          "label_smoothing": 0.15}),
    ("NLLLoss", {"weight": "class", "reduction": "none"}),
    ("NLLLoss", {"ignore_index": 0}),
    ("MSELoss", {}),
    ("MSELoss", {"reduction": "sum"}),
    ("BCEWithLogitsLoss", {"weight": "element", "pos_weight": "class"}),
    ("BCEWithLogitsLoss", {"reduction": "none"}),
]


def loss_module_case(name, settings, rng):
    """The logits, the target, and the settings with their weights made arrays."""
    x = rng.standard_normal((6, 4))
    if name in ("CrossEntropyLoss", "NLLLoss"):
        target = rng.integers(0, 4, 6)
    else:
        target = rng.uniform(0, 1, (6, 4))
    arrays = {"class": rng.uniform(0.5, 2, 4), "element": rng.uniform(0.5, 2, (6, 4))}
    settings = {k: arrays[v] if k in ("weight", "pos_weight") else v
                for k, v in settings.items()}
    return x, target, settings


@pytest.mark.parametrize("name, settings", LOSS_MODULES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(LOSS_MODULES)])
def test_loss_modules_against_torch(torch, name, settings, rng):
    x, target, settings = loss_module_case(name, settings, rng)
    ours = getattr(nn, name)(**{k: t64(v, False) if isinstance(v, np.ndarray) else v
                                for k, v in settings.items()})
    theirs = getattr(torch.nn, name)(**{k: torch.from_numpy(v) if isinstance(v, np.ndarray)
                                        else v for k, v in settings.items()})
    ours_target = minigrad.tensor(target) if target.dtype.kind == "i" else t64(target, False)
    assert_same_as_torch(torch, lambda x: ours(x, ours_target),
                         lambda x: theirs(x, torch.from_numpy(target)), [x], rng)
    assert repr(ours) == repr(theirs) == f"{name}()"
    for setting, value in settings.items():
        kept = getattr(ours, setting)
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(kept.numpy(), value)
        else:
            assert kept == value == getattr(theirs, setting)


def test_loss_module_defaults_are_torchs(torch):
    for name in ("CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss"):
        ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
        for setting in ("reduction", "ignore_index", "label_smoothing", "weight", "pos_weight"):
            if hasattr(theirs, setting):
                assert getattr(ours, setting) == getattr(theirs, setting), (name, setting)


def test_a_ported_model_gives_torchs_loss_and_gradients(torch, rng):
    """A classifier written for PyTorch, run with minigrad's names: the same weights give
    the same loss and the same gradient of every parameter."""
    def build(nn):
        return nn.Sequential(nn.Linear(3, 8), nn.GELU(), nn.Linear(8, 8), nn.LeakyReLU(0.1),
                             nn.Linear(8, 4), nn.LogSoftmax(dim=1))
    theirs = build(torch.nn).double()
    ours = build(nn).to(minigrad.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    x, y = rng.standard_normal((10, 3)), rng.integers(0, 4, 10)
    weight = rng.uniform(0.5, 2, 4)
    loss = nn.NLLLoss(t64(weight, False))(ours(t64(x, False)), minigrad.tensor(y))
    their_loss = torch.nn.NLLLoss(torch.from_numpy(weight))(theirs(torch.from_numpy(x)),
                                                            torch.from_numpy(y))
    np.testing.assert_allclose(loss.item(), their_loss.item(), rtol=1e-12)
    loss.backward()
    their_loss.backward()
    for (name, mine), (_, reference) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10,
                                   atol=1e-14, err_msg=name)


# --------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss"])
def test_loss_modules_refuse_a_bad_reduction_when_built(name):
    with pytest.raises(ValueError, match=r"reduction must be one of.*mean.*sum.*none.*'avg'"):
        getattr(nn, name)(reduction="avg")


@pytest.mark.parametrize("smoothing", [-0.1, 1.5])
def test_label_smoothing_outside_0_1_is_refused(smoothing):
    with pytest.raises(ValueError, match=rf"label_smoothing must be between 0.0 and 1.0, got "
                                         rf"{smoothing}"):
        nn.CrossEntropyLoss(label_smoothing=smoothing)
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(minigrad.randn(2, 3), minigrad.tensor([0, 1]),
                        label_smoothing=smoothing)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_class_weights_of_the_wrong_shape_are_refused(loss):
    with pytest.raises(ValueError, match=r"one value per class, shape \(4,\), got shape \(3,\)"):
        getattr(F, loss)(minigrad.randn(2, 4), minigrad.tensor([0, 1]), minigrad.ones(3))
    with pytest.raises(ValueError, match=r"shape \(4,\), got shape \(4, 1\)"):
        getattr(F, loss)(minigrad.randn(2, 4), minigrad.tensor([0, 1]), minigrad.ones(4, 1))


def test_weights_that_require_grad_are_refused():
    weight = minigrad.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match="weight must not require grad"):
        F.cross_entropy(minigrad.randn(2, 3), minigrad.tensor([0, 1]), weight)
    with pytest.raises(ValueError, match="pos_weight must not require grad"):
        F.binary_cross_entropy_with_logits(minigrad.randn(2, 3), minigrad.rand(2, 3),
                                           pos_weight=weight)


def test_targets_of_the_wrong_shape_or_kind_are_refused():
    x = minigrad.randn(2, 4, 3)  # (N, C, d): class indices are (N, d) = (2, 3)
    with pytest.raises(ValueError, match=r"\(2, 4, 3\) needs a target of class indices of "
                                         r"shape \(2, 3\), got \(3, 2\)"):
        F.cross_entropy(x, minigrad.tensor(np.zeros((3, 2), dtype=np.int64)))
    with pytest.raises(ValueError, match=r"probabilities.*input's shape \(2, 4, 3\), got "
                                         r"\(2, 3\); class indices must be integers"):
        F.cross_entropy(x, minigrad.zeros(2, 3))
    with pytest.raises(TypeError, match=r"class indices \(integers\), got dtype float32"):
        F.nll_loss(x, minigrad.zeros(2, 3))
    with pytest.raises(TypeError, match="got dtype bool"):
        F.cross_entropy(x, minigrad.tensor(np.zeros((2, 3), dtype=bool)))
    with pytest.raises(ValueError, match="0-d"):
        F.cross_entropy(minigrad.tensor(1.0), minigrad.tensor(0))


def test_ignore_index_with_class_probabilities_is_refused():
    x = minigrad.randn(2, 3)
    with pytest.raises(ValueError, match=r"ignore_index \(0\) cannot be used with a target "
                                         r"of class probabilities"):
        F.cross_entropy(x, F.softmax(minigrad.randn(2, 3), dim=1), ignore_index=0)


def test_loss_arguments_after_weight_are_keyword_only():
    """PyTorch's third and fourth positional arguments are the deprecated size_average and
    reduce: a call that passes them by position must fail, not bind them to other names."""
    x, y = minigrad.randn(2, 3), minigrad.tensor([0, 1])
    with pytest.raises(TypeError):
        F.cross_entropy(x, y, None, None)
    with pytest.raises(TypeError):
        nn.CrossEntropyLoss(None, None)
    with pytest.raises(TypeError):
        nn.MSELoss(None)


def test_bce_weights_must_broadcast_to_the_input():
    x, t = minigrad.randn(3, 4), minigrad.rand(3, 4)
    with pytest.raises(ValueError, match=r"pos_weight of shape \(5,\) does not broadcast to "
                                         r"the input's shape \(3, 4\)"):
        F.binary_cross_entropy_with_logits(x, t, pos_weight=minigrad.ones(5))
    with pytest.raises(ValueError, match=r"weight of shape \(2, 3, 4\) does not broadcast"):
        nn.BCEWithLogitsLoss(weight=minigrad.ones(2, 3, 4))(x, t)


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
    "cross_entropy": lambda x: F.cross_entropy(
        x, minigrad.tensor([[0, 2], [1, -100], [3, 0]], device=x.device),
        minigrad.tensor([1.0, 2.0, 0.5, 1.5], dtype=minigrad.float64, device=x.device),
        label_smoothing=0.1),
    "cross_entropy-probabilities": lambda x: F.cross_entropy(x, F.softmax(x.detach() * 2, 1)),
    "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, F.sigmoid(x.detach() * 3), pos_weight=minigrad.tensor(
            np.full((1, 4, 1), 2.0), device=x.device)),
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
