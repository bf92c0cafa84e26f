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


def gate_scales(xp, dtype, H, kinds):
    """For gates of ``kinds`` ("sigmoid" or "tanh", H units each): (scale, shift), so that
    with a σ gate's pre-activation halved, scale ⊙ tanh(·) + shift is σ or tanh of it:
    σ(a) = ½ tanh(a/2) + ½. Multiplying the σ rows of the weights by ``scale`` does the
    halving, and one tanh then serves all the gates."""
    scale = xp.concatenate([xp.full(H, 0.5 if kind == "sigmoid" else 1.0, dtype)
                            for kind in kinds])
    shift = xp.concatenate([xp.full(H, 0.5 if kind == "sigmoid" else 0.0, dtype)
                            for kind in kinds])
    return scale, shift


def activate_(xp, a, scale, shift):
    """a ← scale ⊙ tanh(a) + shift, in place: the gates' activations from their
    (σ-halved) pre-activations."""
    xp.tanh(a, out=a)
    a *= scale
    a += shift
    return a
