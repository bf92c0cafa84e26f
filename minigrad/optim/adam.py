"""Adam and AdamW: steps scaled by running averages of the gradient and its square."""
from .optimizer import Optimizer, check_non_negative, check_unit_interval


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    With learning rate γ, betas (β₁, β₂), eps ε and weight decay λ, step t = 1, 2, ...
    for a parameter θ with gradient g is::

        g ← g + λ θ                                (weight decay, if λ ≠ 0)
        m ← β₁ m + (1 − β₁) g                      (first moment; m = 0 at first)
        v ← β₂ v + (1 − β₂) g²                     (second moment; v = 0 at first)
        v̂ ← max(v̂, v)   if amsgrad,  else  v̂ ← v
        θ ← θ − γ/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)

    The last line is the bias-corrected m̂ / (√v̂_corrected + ε) of the paper.
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        name = type(self).__name__
        check_non_negative(name, "lr", lr)
        check_non_negative(name, "eps", eps)
        if len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_unit_interval(name, "betas[0]", betas[0])
        check_unit_interval(name, "betas[1]", betas[1])
        check_non_negative(name, "weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def update(self, p, grad, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        xp = p.xp
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p.array)
            state["exp_avg_sq"] = xp.zeros_like(p.array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(p.array)
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]

        if group["weight_decay"] != 0:
            if self.decoupled_weight_decay:
                p.mul_(1 - lr * group["weight_decay"])
            else:
                grad = grad + group["weight_decay"] * p.array
        # in place wherever the numbers stay the same: one scratch array, not six (an
        # array even for a 0-d parameter, where NumPy's arithmetic gives scalars)
        scratch = xp.multiply(grad, 1 - beta1, out=xp.empty_like(p.array))
        m *= beta1
        m += scratch
        xp.multiply(grad, 1 - beta2, out=scratch)
        scratch *= grad  # (1 - β₂) g²
        v *= beta2
        v += scratch
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]

        step_size = lr / (1 - beta1 ** t)
        denominator = xp.sqrt(v, out=scratch)
        denominator /= (1 - beta2 ** t) ** 0.5
        denominator += eps
        step = xp.divide(m, denominator, out=denominator)  # m / denominator
        step *= -step_size
        p.add_(step)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as
    ``torch.optim.AdamW``.

    The decay shrinks the parameter directly instead of entering the gradient (and so
    the moments)::

        θ ← θ (1 − γ λ)
        m, v, v̂ and the step as in Adam, with the plain gradient g

    Note the default weight decay, λ = 0.01.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)
