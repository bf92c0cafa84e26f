"""The simplified GRU (update gate only, ``gru-simple``) over a whole sequence as one op.

Forward, for each step (a = x Wᵢₕᵀ + bᵢₕ + bₕₕ for all steps at once, before the loop,
plus h Wₕₕᵀ; blocks u and c):

    u = σ(a_u)      c̃ = tanh(a_c)      h' = u ⊙ c̃ + (1 - u) ⊙ h  =  h + u ⊙ (c̃ - h)

Backward through time, from the last step to the first, with dh' the gradient of h':

    da_u = dh' ⊙ (c̃ - h) ⊙ u (1 - u)      da_c = dh' ⊙ u ⊙ (1 - c̃²)
    dh   = dh' ⊙ (1 - u) + da Wₕₕ

and after the loop one product per weight: dWₕₕ = Σₜ daₜᵀ hₜ₋₁, dWᵢₕ = Σₜ daₜᵀ xₜ, dbᵢₕ =
dbₕₕ = Σₜ daₜ. It keeps, per step, u and c̃ (overwritten in place by da) and h: 3H numbers
per sequence and step.
"""
import numpy

from .activations import activate_, gate_scales
from .unroll import Unroll


def gru_simple(inputs, state, weight_ih, weight_hh, bias_ih=None, bias_hh=None,
               reverse=False, lengths=None):
    """The simplified GRU layer of one direction over ``inputs`` (seq, batch, input) from
    ``state`` (h,), as one graph node; returns (outputs (seq, batch, H), (h_n,))."""
    (h0,) = state
    tensors = (inputs, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    run = Unroll(inputs, reverse, lengths, tensors)
    xp, dtype, H = run.xp, run.dtype, h0.shape[-1]
    w_hh = weight_hh.array
    # with the weights' rows scaled, one exp over the row gives u and c̃ (activations.py)
    scale, stretch, shift = gate_scales(xp, dtype, H, ("sigmoid", "tanh"))
    gates = run.project(weight_ih.array * scale[:, None],
                        *(b.array * scale for b in (bias_ih, bias_hh) if b is not None),
                        dtype=dtype)
    w_hh_scaled = xp.ascontiguousarray((w_hh * scale[:, None]).T)
    hs = run.states(h0.array)
    recurrent = xp.empty((run.batch, 2 * H), dtype)
    with numpy.errstate(over="ignore"):  # exp(-a) = inf: σ(a) = 0, as it should be
        for k in range(run.steps):
            a, h, h_new = gates[k], hs[k], hs[k + 1]
            xp.matmul(h, w_hh_scaled, out=recurrent)
            a += recurrent
            activate_(xp, a, stretch, shift)
            u, candidate = a[:, :H], a[:, H:]
            xp.subtract(candidate, h, out=h_new)         # h' = h + u ⊙ (c̃ - h)
            h_new *= u
            h_new += h
            run.hold_ended(k, h_new, h)
    outputs, finals = run.outputs(hs), (hs[run.steps],)
    if not run.wants_graph(*tensors):
        return run.node(outputs, finals, (), None, "gru_simple_sequence")

    def gru_simple_sequence_backward(grad, d_finals):
        d_h = d_finals[0].copy()
        t1, t2 = xp.empty((run.batch, H), dtype), xp.empty((run.batch, H), dtype)
        for k in range(run.steps - 1, -1, -1):
            a, h = gates[k], hs[k]
            u, candidate = a[:, :H], a[:, H:]
            skipped = run.skipped(k, d_h)
            d_h += grad[k]
            run.keep_running(k, d_h)
            xp.subtract(candidate, h, out=t1)            # da_u = dh' ⊙ (c̃ - h) ⊙ u (1 - u)
            xp.subtract(1, u, out=t2)
            t1 *= t2
            t1 *= u
            t1 *= d_h
            xp.multiply(candidate, candidate, out=t2)    # da_c = dh' ⊙ u ⊙ (1 - c̃²)
            xp.subtract(1, t2, out=t2)
            t2 *= u
            t2 *= d_h
            xp.subtract(1, u, out=u)                     # dh = dh' ⊙ (1 - u) + da Wₕₕ
            d_h *= u
            u[...] = t1
            candidate[...] = t2
            d_h += a @ w_hh
            run.add_skipped(skipped, d_h)
        d_gates = gates.reshape(-1, 2 * H)               # now da of every step
        d_bias = d_gates.sum(axis=0)
        return (run.input_gradient(gates, weight_ih.array) if inputs.requires_grad else None,
                d_h, run.weight_gradient(d_gates, run.x),
                run.weight_gradient(d_gates, hs[:run.steps].reshape(-1, H)),
                d_bias if bias_ih is not None else None, d_bias)
    return run.node(outputs, finals, tensors, gru_simple_sequence_backward,
                    "gru_simple_sequence")
