"""The gates' activations in the fused ops: in place on arrays, one exponential each.

σ and tanh are both one exponential away from 1 / (1 + eᵃ'):

    σ(a)    = 1 / (1 + e⁻ᵃ)                 (a' = -a)
    tanh(a) = 2 σ(2a) - 1 = 2 / (1 + e⁻²ᵃ) - 1   (a' = -2a)

so with each gate's rows of the weights multiplied by its ``scale`` (-1 or -2) the
pre-activations arrive as a', and one ``exp`` over a whole row of gates, then three
cheap operations, gives them all. (NumPy's exp is about twice as fast as its tanh.) A
very negative a gives e⁻ᵃ = inf and σ = 0, as it should: the ops ignore that overflow.
"""

#: kind -> (scale, stretch, shift): gate = stretch / (1 + exp(scale · a)) - shift
KINDS = {"sigmoid": (-1.0, 1.0, 0.0), "tanh": (-2.0, 2.0, 1.0), "none": (1.0, 1.0, 0.0)}


def gate_scales(xp, dtype, H, kinds):
    """For gates of ``kinds`` (H units each; "none" for a block left as it is):
    (scale, stretch, shift), each of length len(kinds)·H (see KINDS)."""
    return tuple(xp.concatenate([xp.full(H, KINDS[kind][i], dtype) for kind in kinds])
                 for i in range(3))


def activate_(xp, a, stretch, shift):
    """a ← stretch / (1 + exp(a)) - shift, in place: the gates' activations from their
    scaled pre-activations a'."""
    xp.exp(a, out=a)
    a += 1
    xp.divide(stretch, a, out=a)
    a -= shift
    return a


def sigmoid_backward(xp, s, out):
    """out ← σ'(x) = s (1 - s), from s = σ(x)."""
    xp.subtract(1, s, out=out)
    out *= s
    return out
