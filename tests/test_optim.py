"""minigrad.optim: optimizers and lr schedulers against torch.optim, and on their own.

The torch comparisons train the same tiny model (a tanh layer and a squared error) in
float64 for five steps with each optimizer and option, gradients from minigrad's own
backward on one side and torch's on the other, and ask for the same parameters after
every step to 1e-12. The rest needs no torch: steps worked out by hand, state_dict
round trips, parameter groups, zero_grad and argument checking.
"""
import math

import numpy as np
import pytest

import minigrad
from minigrad import optim
from minigrad.optim import lr_scheduler

STEPS = 5

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, betas=(0.5, 0.8), eps=1e-3)),
    ("Adam", dict(lr=0.1, weight_decay=0.3)),
    ("Adam", dict(lr=0.1, betas=(0.9, 0.5), amsgrad=True)),
    ("Adam", dict(lr=0.1, betas=(0.5, 0.8), weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, weight_decay=0.5)),
    ("AdamW", dict(lr=0.1, betas=(0.5, 0.8), eps=1e-3, weight_decay=0.5, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.5, eps=1e-3)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.3)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.5, weight_decay=0.3, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.3)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.5, weight_decay=0.3, initial_accumulator_value=0.5,
                     eps=1e-3)),
]
CASE_IDS = [name + "-" + "-".join(f"{k}={v}" for k, v in options.items())
            for name, options in CASES]


# ---------------------------------------------------------------------- the problem
def problem(seed=7):
    """Starting parameters and data: w (3x4), b (3,), and `unused`, which gets no grad."""
    rng = np.random.default_rng(seed)
    params = {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(3),
              "unused": rng.standard_normal(2)}
    data = {"x": rng.standard_normal((6, 4)), "y": rng.uniform(-1, 1, (6, 3))}
    return params, data


def loss_of(params, data):
    """The same expression serves minigrad and torch tensors."""
    prediction = (data["x"] @ params["w"].T + params["b"]).tanh()
    return ((prediction - data["y"]) ** 2).sum()


def groups_of(params, grouped):
    if not grouped:
        return list(params.values())
    return [{"params": [params["w"], params["unused"]]}, {"params": [params["b"]], "lr": 0.03}]


def train_minigrad(name, options, steps=STEPS, grouped=False, seed=7):
    """Parameters (NumPy arrays) after each step."""
    start, data = problem(seed)
    params = {k: minigrad.tensor(v, requires_grad=True) for k, v in start.items()}
    data = {k: minigrad.tensor(v) for k, v in data.items()}
    optimizer = getattr(optim, name)(groups_of(params, grouped), **options)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(params, data).backward()
        optimizer.step()
        history.append({k: p.detach().numpy().copy() for k, p in params.items()})
    return history


def train_torch(torch, name, options, steps=STEPS, grouped=False):
    start, data = problem()
    params = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
    data = {k: torch.tensor(v) for k, v in data.items()}
    optimizer = getattr(torch.optim, name)(groups_of(params, grouped), foreach=False, **options)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(params, data).backward()
        optimizer.step()
        history.append({k: p.detach().numpy().copy() for k, p in params.items()})
    return history


def assert_same_history(ours, theirs):
    for step, (mine, reference) in enumerate(zip(ours, theirs, strict=True), start=1):
        for key in reference:
            np.testing.assert_allclose(mine[key], reference[key], rtol=1e-12, atol=1e-12,
                                       err_msg=f"parameter {key!r} after step {step}")


# ---------------------------------------------------------------------- against torch
@pytest.mark.parametrize("name,options", CASES, ids=CASE_IDS)
def test_matches_torch(torch, name, options):
    ours = train_minigrad(name, options)
    assert_same_history(ours, train_torch(torch, name, options))
    start, _ = problem()
    np.testing.assert_array_equal(ours[-1]["unused"], start["unused"])  # no grad: not moved


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_match_torch(torch, name):
    options = dict(lr=0.01, momentum=0.9) if name != "Adam" else dict(lr=0.01)
    assert_same_history(train_minigrad(name, options, grouped=True),
                        train_torch(torch, name, options, grouped=True))


OPTION_CASES = [(name, options, key) for name, options in CASES for key in options
                if key != "lr" and not (key == "momentum" and options.get("nesterov"))]


@pytest.mark.parametrize("name,options,key", OPTION_CASES,
                         ids=[f"{name}-{i}-{key}" for i, (name, _, key) in enumerate(OPTION_CASES)])
def test_every_option_changes_the_result(name, options, key):
    """Guards the torch comparison: an option that had no effect on this problem would
    let an implementation that ignores it pass."""
    without = {k: v for k, v in options.items() if k != key}
    assert not np.allclose(train_minigrad(name, without)[-1]["w"],
                           train_minigrad(name, options)[-1]["w"], rtol=1e-9, atol=0)


def test_lr_change_between_steps_matches_torch(torch):
    ours = _adam_with_lr_change(minigrad, optim, minigrad.tensor)
    theirs = _adam_with_lr_change(torch, torch.optim, torch.tensor)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def _adam_with_lr_change(lib, optim_module, make):
    p = make(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    optimizer = optim_module.Adam([p], lr=0.1)
    for step in range(4):
        optimizer.zero_grad()
        (p ** 3).sum().backward()
        optimizer.step()
        optimizer.param_groups[0]["lr"] *= 0.5
    return p.detach().numpy()


# ---------------------------------------------------------------------- schedulers vs torch
SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5), 12),
    ("StepLR", dict(step_size=1), 5),
    ("CosineAnnealingLR", dict(T_max=5), 23),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.001), 19),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.9 ** epoch), 8),
    ("LambdaLR", dict(lr_lambda=[lambda epoch: 1 / (epoch + 1), lambda epoch: epoch]), 8),
]


def learning_rates(optim_module, make, name, options, steps, nudge_at=None):
    """The lr of both groups after construction and after every scheduler step."""
    groups = [{"params": [make(np.zeros(2), requires_grad=True)]},
              {"params": [make(np.zeros(3), requires_grad=True)], "lr": 0.05}]
    optimizer = optim_module.SGD(groups, lr=0.2)
    scheduler = getattr(optim_module.lr_scheduler, name)(optimizer, **options)
    history = [scheduler.get_last_lr()]
    for step in range(steps):
        optimizer.step()
        if step == nudge_at:  # the lr changed by hand: a chainable schedule carries it on
            optimizer.param_groups[0]["lr"] *= 3
        scheduler.step()
        history.append(scheduler.get_last_lr())
        assert history[-1] == [group["lr"] for group in optimizer.param_groups]
    return history


@pytest.mark.parametrize("nudge_at", [None, 6], ids=["plain", "lr-changed-by-hand"])
@pytest.mark.parametrize("name,options,steps", SCHEDULES,
                         ids=[f"{n}-{'-'.join(map(str, o.values()))}" if n != "LambdaLR"
                              else f"{n}-{i}" for i, (n, o, _) in enumerate(SCHEDULES)])
def test_schedulers_match_torch(torch, name, options, steps, nudge_at):
    ours = learning_rates(optim, minigrad.tensor, name, options, steps, nudge_at)
    theirs = learning_rates(torch.optim, torch.tensor, name, options, steps, nudge_at)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


# ---------------------------------------------------------------------- by hand
def one_param(value, lr_options, cls, grads):
    """Apply ``cls`` to a single scalar parameter with the given gradient sequence."""
    p = minigrad.tensor([value], dtype="float64", requires_grad=True)
    optimizer = cls([p], **lr_options)
    for g in grads:
        p.grad = minigrad.tensor([g], dtype="float64")
        optimizer.step()
    return p.item()


def test_sgd_momentum_by_hand():
    # step 1: b = g = 1,            p = 1 - 0.1 * 1 = 0.9
    # step 2: b = 0.9 * 1 + 2 = 2.9, p = 0.9 - 0.1 * 2.9 = 0.61
    assert one_param(1.0, dict(lr=0.1, momentum=0.9), optim.SGD, [1.0, 2.0]) \
        == pytest.approx(0.61, abs=1e-15)


def test_sgd_nesterov_and_dampening_by_hand():
    # nesterov: b = 1, then 0.9 + 2 = 2.9; steps use g + 0.9 b: 1.9, then 2 + 2.61 = 4.61
    assert one_param(1.0, dict(lr=0.1, momentum=0.9, nesterov=True), optim.SGD, [1.0, 2.0]) \
        == pytest.approx(1 - 0.19 - 0.461, abs=1e-15)
    # dampening 0.5: b = 1 (first step undamped), then 0.9 + 0.5 * 2 = 1.9
    assert one_param(1.0, dict(lr=0.1, momentum=0.9, dampening=0.5), optim.SGD, [1.0, 2.0]) \
        == pytest.approx(1 - 0.1 - 0.19, abs=1e-15)


def test_adam_first_step_by_hand():
    # after bias correction the first step is lr * g / (|g| + eps)
    assert one_param(1.0, dict(lr=0.1), optim.Adam, [2.0]) \
        == pytest.approx(1 - 0.1 * 2 / (2 + 1e-8), abs=1e-15)
    # AdamW first shrinks the parameter by (1 - lr * weight_decay)
    assert one_param(1.0, dict(lr=0.1, weight_decay=0.5), optim.AdamW, [2.0]) \
        == pytest.approx(0.95 - 0.1 * 2 / (2 + 1e-8), abs=1e-15)
    # Adam's weight decay enters the gradient, which the first step normalises away
    assert one_param(1.0, dict(lr=0.1, weight_decay=0.5), optim.Adam, [2.0]) \
        == pytest.approx(1 - 0.1 * 2.5 / (2.5 + 1e-8), abs=1e-15)


def test_rmsprop_and_adagrad_by_hand():
    # RMSprop: v = 0.01 * 2^2 = 0.04, p = 1 - 0.01 * 2 / (0.2 + 1e-8)
    assert one_param(1.0, dict(lr=0.01), optim.RMSprop, [2.0]) \
        == pytest.approx(1 - 0.01 * 2 / (0.2 + 1e-8), abs=1e-15)
    # Adagrad with lr_decay 1: s = 4 then 4 + 9; lr = 0.1, then 0.1 / (1 + 1) = 0.05
    expected = 1 - 0.1 * 2 / (2 + 1e-10) - 0.05 * 3 / (math.sqrt(13) + 1e-10)
    assert one_param(1.0, dict(lr=0.1, lr_decay=1.0), optim.Adagrad, [2.0, 3.0]) \
        == pytest.approx(expected, abs=1e-15)


# ---------------------------------------------------------------------- state_dict
ROUND_TRIP = [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.1, amsgrad=True)),
              ("AdamW", dict(lr=0.1)), ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
              ("Adagrad", dict(lr=0.1, lr_decay=0.1))]


def fresh_training(name, options, start):
    _, data = problem()
    params = {k: minigrad.tensor(v, requires_grad=True) for k, v in start.items()}
    data = {k: minigrad.tensor(v) for k, v in data.items()}
    optimizer = getattr(optim, name)(groups_of(params, grouped=True), **options)

    def train(steps):
        for _ in range(steps):
            optimizer.zero_grad()
            loss_of(params, data).backward()
            optimizer.step()
    return params, optimizer, train


@pytest.mark.parametrize("name,options", ROUND_TRIP, ids=[n for n, _ in ROUND_TRIP])
def test_state_dict_round_trip_continues_the_run(name, options):
    start, _ = problem()
    params, optimizer, train = fresh_training(name, options, start)
    train(3)
    saved_params = {k: p.detach().numpy().copy() for k, p in params.items()}
    saved = optimizer.state_dict()
    train(2)  # the uninterrupted run; must not disturb `saved`
    resumed_params, resumed, resumed_train = fresh_training(name, options, saved_params)
    resumed.load_state_dict(saved)
    resumed_train(2)
    for k in params:
        np.testing.assert_array_equal(resumed_params[k].detach().numpy(),
                                      params[k].detach().numpy())
    assert resumed.param_groups[1]["lr"] == 0.03


def test_state_dict_layout():
    start, _ = problem()
    _, optimizer, train = fresh_training("Adam", dict(lr=0.1), start)
    train(3)
    saved = optimizer.state_dict()
    assert [group["params"] for group in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(saved["state"]) == [0, 2]  # `unused` (position 1) never had a gradient
    assert saved["state"][0]["step"] == 3 and isinstance(saved["state"][0]["step"], int)
    assert isinstance(saved["state"][0]["exp_avg"], minigrad.Tensor)
    assert saved["state"][0]["exp_avg"].shape == (3, 4)


def test_load_state_dict_accepts_plain_arrays_and_casts_them():
    p = minigrad.tensor([1.0, 2.0], requires_grad=True)  # float32
    optimizer = optim.SGD([p], lr=0.1, momentum=0.9)
    optimizer.load_state_dict({"state": {0: {"momentum_buffer": np.array([1.0, 1.0])}},
                               "param_groups": [{"lr": 0.5, "params": [0]}]})
    buffer = optimizer.state[p]["momentum_buffer"]
    assert buffer.dtype == np.float32
    assert optimizer.param_groups[0]["momentum"] == 0.9  # filled in from the defaults
    p.grad = minigrad.tensor([0.0, 0.0])
    optimizer.step()  # b = 0.9 * 1, p -= 0.5 * b
    np.testing.assert_allclose(p.detach().numpy(), [0.55, 1.55], rtol=1e-6)


@pytest.mark.parametrize("saved,match", [
    ({"state": {}}, "'state' and 'param_groups'"),
    ({"state": {}, "param_groups": []}, "0 parameter groups, but the optimizer has 1"),
    ({"state": {}, "param_groups": [{"lr": 0.1, "params": [0]}]},
     "group 0 of the loaded state dict has 1 parameters, but the optimizer's group 0 has 2"),
    ({"state": {5: {}}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
     "state for parameter 5"),
    ({"state": {0: {"momentum_buffer": np.zeros(3)}},
      "param_groups": [{"lr": 0.1, "params": [0, 1]}]}, r"shape \(3,\).*shape \(2,\)"),
])
def test_load_state_dict_rejects_what_does_not_fit(saved, match):
    optimizer = optim.SGD([minigrad.zeros(2, requires_grad=True),
                           minigrad.zeros(1, requires_grad=True)], momentum=0.9)
    with pytest.raises(ValueError, match=match):
        optimizer.load_state_dict(saved)


def test_scheduler_state_dict_round_trip():
    def make():
        optimizer = optim.SGD([minigrad.zeros(2, requires_grad=True)], lr=1.0)
        return optimizer, lr_scheduler.CosineAnnealingLR(optimizer, T_max=7, eta_min=0.1)
    optimizer, scheduler = make()
    for _ in range(3):
        scheduler.step()
    saved_optimizer, saved = optimizer.state_dict(), scheduler.state_dict()
    assert saved["last_epoch"] == 3 and "optimizer" not in saved
    for _ in range(4):
        scheduler.step()
    resumed_optimizer, resumed = make()
    resumed_optimizer.load_state_dict(saved_optimizer)
    resumed.load_state_dict(saved)
    for _ in range(4):
        resumed.step()
    assert resumed.get_last_lr() == scheduler.get_last_lr()
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]


def test_lambda_lr_state_dict_leaves_the_functions_out():
    optimizer = optim.SGD([minigrad.zeros(2, requires_grad=True)], lr=1.0)
    scheduler = lr_scheduler.LambdaLR(optimizer, lambda epoch: 0.5 ** epoch)
    scheduler.step()
    saved = scheduler.state_dict()
    assert "lr_lambdas" not in saved
    other = lr_scheduler.LambdaLR(optim.SGD([minigrad.zeros(1, requires_grad=True)], lr=1.0),
                                  lambda epoch: 0.5 ** epoch)
    other.load_state_dict(saved)
    other.step()
    assert other.get_last_lr() == [0.25]


def test_schedules_by_hand():
    optimizer = optim.SGD([minigrad.zeros(1, requires_grad=True)], lr=1.0)
    step = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    lrs = [step.get_last_lr()[0]] + [step.step() or step.get_last_lr()[0] for _ in range(4)]
    assert lrs == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01], rel=1e-15)

    optimizer = optim.SGD([minigrad.zeros(1, requires_grad=True)], lr=1.0)
    cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=2)
    lrs = [cosine.get_last_lr()[0]] + [cosine.step() or cosine.get_last_lr()[0] for _ in range(4)]
    assert lrs == pytest.approx([1.0, 0.5, 0.0, 0.5, 1.0], abs=1e-15)


def test_scheduled_lr_is_what_the_optimizer_uses():
    p = minigrad.tensor([0.0], dtype="float64", requires_grad=True)
    optimizer = optim.SGD([p], lr=1.0)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    for _ in range(3):  # steps of 1, 0.5, 0.25 with gradient 1
        p.grad = minigrad.tensor([1.0], dtype="float64")
        optimizer.step()
        scheduler.step()
    assert p.item() == -1.75


# ---------------------------------------------------------------------- groups and grads
def test_param_groups_use_their_own_options():
    a = minigrad.tensor([1.0], dtype="float64", requires_grad=True)
    b = minigrad.tensor([1.0], dtype="float64", requires_grad=True)
    optimizer = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.01}], lr=0.1)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.01]
    assert optimizer.param_groups[1]["momentum"] == 0.0  # from the defaults
    a.grad = minigrad.tensor([1.0], dtype="float64")
    b.grad = minigrad.tensor([1.0], dtype="float64")
    optimizer.step()
    assert (a.item(), b.item()) == (0.9, 0.99)


def test_add_param_group():
    a = minigrad.tensor([1.0], requires_grad=True)
    b = minigrad.tensor([1.0], requires_grad=True)
    optimizer = optim.Adam([a], lr=0.1)
    optimizer.add_param_group({"params": [b], "lr": 0.2})
    assert optimizer.param_groups[1]["betas"] == (0.9, 0.999)
    b.grad = minigrad.tensor([1.0])
    optimizer.step()
    assert a.item() == 1.0 and b.item() == pytest.approx(0.8, rel=1e-6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [a]})


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p = minigrad.tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    optimizer.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])
        (p * p).sum().backward()  # accumulates onto the zeros
        np.testing.assert_array_equal(p.grad.numpy(), [2.0, 4.0])


def test_step_skips_params_without_grad_and_keeps_them_leaves():
    p = minigrad.tensor([1.0], requires_grad=True)
    q = minigrad.tensor([1.0], requires_grad=True)
    optimizer = optim.Adam([p, q], lr=0.1)
    (p * 2).sum().backward()
    optimizer.step()
    assert q.item() == 1.0 and q not in optimizer.state
    assert p.item() < 1.0 and p.is_leaf and p.requires_grad
    assert p.dtype == np.float32 and optimizer.state[p]["exp_avg"].dtype == np.float32


def test_step_marks_params_as_changed():
    """A graph that used p before the step can no longer be differentiated."""
    p = minigrad.tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1)
    p.grad = minigrad.tensor([1.0, 1.0])
    stale = (p * p).sum()
    optimizer.step()
    with pytest.raises(RuntimeError, match="changed in place"):
        stale.backward()


def test_step_returns_the_closure_loss():
    p = minigrad.tensor([3.0], requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    with minigrad.no_grad():  # the closure still records its graph
        loss = optimizer.step(closure)
    assert loss.item() == 9.0 and p.item() == pytest.approx(2.4)


# ---------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("cls,options,match", [
    (optim.SGD, dict(lr=-0.1), r"SGD: invalid lr -0.1: it must be >= 0"),
    (optim.SGD, dict(lr=float("nan")), r"invalid lr nan"),
    (optim.SGD, dict(momentum=-0.9), r"invalid momentum"),
    (optim.SGD, dict(weight_decay=-1), r"invalid weight_decay"),
    (optim.SGD, dict(nesterov=True), r"nesterov=True needs momentum > 0 and dampening = 0"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), r"nesterov"),
    (optim.Adam, dict(lr=-1), r"Adam: invalid lr"),
    (optim.Adam, dict(betas=(1.0, 0.999)), r"invalid betas\[0\] 1.0: it must be in \[0, 1\)"),
    (optim.Adam, dict(betas=(0.9, -0.1)), r"invalid betas\[1\] -0.1: it must be in \[0, 1\)"),
    (optim.Adam, dict(betas=(0.9,)), r"betas must be a pair"),
    (optim.Adam, dict(eps=-1e-8), r"invalid eps"),
    (optim.AdamW, dict(weight_decay=-0.01), r"AdamW: invalid weight_decay"),
    (optim.RMSprop, dict(alpha=-0.5), r"RMSprop: invalid alpha"),
    (optim.RMSprop, dict(momentum=-0.5), r"invalid momentum"),
    (optim.RMSprop, dict(eps=-1), r"invalid eps"),
    (optim.Adagrad, dict(lr_decay=-1), r"Adagrad: invalid lr_decay"),
    (optim.Adagrad, dict(initial_accumulator_value=-1), r"invalid initial_accumulator_value"),
    (optim.Adagrad, dict(eps=-1), r"invalid eps"),
])
def test_bad_options_are_refused(cls, options, match):
    with pytest.raises(ValueError, match=match):
        cls([minigrad.zeros(2, requires_grad=True)], **options)


def test_bad_params_are_refused():
    p = minigrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD([{"params": {p}}])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2])
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p])
    with pytest.raises(TypeError, match="lr must be a number"):
        optim.SGD([p], lr="0.1")


@pytest.mark.parametrize("cls,options,match", [
    (lr_scheduler.StepLR, dict(step_size=0), "StepLR: invalid step_size 0"),
    (lr_scheduler.StepLR, dict(step_size=1.5), "positive integer"),
    (lr_scheduler.CosineAnnealingLR, dict(T_max=-3), "CosineAnnealingLR: invalid T_max -3"),
    (lr_scheduler.LambdaLR, dict(lr_lambda=[abs, abs]), "expected 1 lr_lambdas"),
])
def test_bad_scheduler_options_are_refused(cls, options, match):
    optimizer = optim.SGD([minigrad.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match=match):
        cls(optimizer, **options)


# ---------------------------------------------------------------------- devices
@pytest.mark.parametrize("name,options", ROUND_TRIP, ids=[n for n, _ in ROUND_TRIP])
def test_same_steps_on_every_device(device, name, options):
    start, data = problem()
    final = {}
    for where in ("cpu", device):
        params = {k: minigrad.tensor(v, requires_grad=True, device=where) for k, v in start.items()}
        inputs = {k: minigrad.tensor(v, device=where) for k, v in data.items()}
        optimizer = getattr(optim, name)(list(params.values()), **options)
        for _ in range(STEPS):
            optimizer.zero_grad()
            loss_of(params, inputs).backward()
            optimizer.step()
        assert all(p.device == params["w"].device for p in params.values())
        final[where] = {k: p.detach().numpy() for k, p in params.items()}
    for k in start:
        np.testing.assert_allclose(final[device][k], final["cpu"][k], rtol=1e-10, atol=1e-12)
