"""The activations of the fused ops, in place on arrays: no temporaries."""


def sigmoid_(xp, x):
    """x ← σ(x), computed as σ(x) = ½ tanh(x/2) + ½: one transcendental, no overflow."""
    x *= 0.5
    xp.tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x


def sigmoid_backward(xp, s, out):
    """out ← σ'(x) = s (1 - s), from s = σ(x)."""
    xp.subtract(1, s, out=out)
    out *= s
    return out
