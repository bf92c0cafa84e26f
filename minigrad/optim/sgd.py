"""Stochastic gradient descent, with momentum and weight decay."""
from .optimizer import Optimizer, check_non_negative


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    With learning rate γ, momentum μ, dampening τ and weight decay λ, one step for a
    parameter θ with gradient g is::

        g ← g + λ θ                        (weight decay, if λ ≠ 0)
        b ← g                              (momentum buffer, first step)
        b ← μ b + (1 − τ) g                (momentum buffer, later steps)
        g ← g + μ b   if nesterov,  else  g ← b           (if μ ≠ 0)
        θ ← θ − γ g

    Nesterov momentum needs μ > 0 and τ = 0.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        check_non_negative("SGD", "lr", lr)
        check_non_negative("SGD", "momentum", momentum)
        check_non_negative("SGD", "weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: nesterov=True needs momentum > 0 and dampening = 0, "
                             f"got momentum={momentum!r}, dampening={dampening!r}")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def update(self, p, grad, state, group):
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.array
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.copy()
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        p.add_(grad, alpha=-group["lr"])
