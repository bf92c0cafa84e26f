"""RMSprop: steps divided by a running root-mean-square of the gradient."""
from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture notes; centered form from Graves, 2013), as
    ``torch.optim.RMSprop``.

    With learning rate γ, smoothing α, eps ε, weight decay λ and momentum μ, one step
    for a parameter θ with gradient g is::

        g ← g + λ θ                                (weight decay, if λ ≠ 0)
        v ← α v + (1 − α) g²                       (v = 0 at first)
        ḡ ← α ḡ + (1 − α) g                        (centered only; ḡ = 0 at first)
        d ← √(v − ḡ²) + ε   if centered,  else  d ← √v + ε
        b ← μ b + g / d,   θ ← θ − γ b            (if μ > 0; b = 0 at first)
        θ ← θ − γ g / d                            (if μ = 0)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        check_non_negative("RMSprop", "lr", lr)
        check_non_negative("RMSprop", "alpha", alpha)
        check_non_negative("RMSprop", "eps", eps)
        check_non_negative("RMSprop", "weight_decay", weight_decay)
        check_non_negative("RMSprop", "momentum", momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def update(self, p, grad, state, group):
        alpha = group["alpha"]
        xp = p.xp
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.array)
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(p.array)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p.array)
        state["step"] += 1

        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.array
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denominator = xp.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denominator = xp.sqrt(square_avg) + group["eps"]

        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer *= group["momentum"]
            buffer += grad / denominator
            p.add_(buffer, alpha=-group["lr"])
        else:
            p.add_(grad / denominator, alpha=-group["lr"])
