"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients."""
from .optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), as ``torch.optim.Adagrad``.

    With learning rate γ, learning-rate decay η, weight decay λ, initial accumulator
    value s₀ and eps ε, step t = 1, 2, ... for a parameter θ with gradient g is::

        g ← g + λ θ                                (weight decay, if λ ≠ 0)
        γₜ ← γ / (1 + (t − 1) η)
        s ← s + g²                                 (s = s₀ at first)
        θ ← θ − γₜ g / (√s + ε)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
        check_non_negative("Adagrad", "lr", lr)
        check_non_negative("Adagrad", "lr_decay", lr_decay)
        check_non_negative("Adagrad", "weight_decay", weight_decay)
        check_non_negative("Adagrad", "initial_accumulator_value", initial_accumulator_value)
        check_non_negative("Adagrad", "eps", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def update(self, p, grad, state, group):
        xp = p.xp
        if not state:
            state["step"] = 0
            state["sum"] = xp.full_like(p.array, group["initial_accumulator_value"])
        state["step"] += 1

        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.array
        decayed_lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        p.add_(grad / (xp.sqrt(state["sum"]) + group["eps"]), alpha=-decayed_lr)
