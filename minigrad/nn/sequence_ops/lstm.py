"""The LSTM over a whole sequence as one op (and the peephole LSTM, with ``peepholes``).

Forward, for each step, gates in the order i, f, g, o (a = pre-activation):

    a  = x Wᵢₕᵀ + bᵢₕ + bₕₕ  (for all steps at once, before the loop)  +  h Wₕₕᵀ
    i, f, o = σ(aᵢ), σ(a_f), σ(aₒ)      g = tanh(a_g)
    c' = f ⊙ c + i ⊙ g                  h' = o ⊙ tanh(c')

Backward through time, from the last step to the first, with dh' the gradient of h' (from
its output and from the next step) and dc' that of c':

    dc'  += dh' ⊙ K,                     K  = o ⊙ (1 - tanh² c')
    daₒ   = dh' ⊙ Pₒ,                    Pₒ = tanh c' ⊙ o (1 - o)
    daᵢ   = dc' ⊙ Qᵢ,                    Qᵢ = g ⊙ i (1 - i)
    da_f  = dc' ⊙ Q_f,                   Q_f = c ⊙ f (1 - f)
    da_g  = dc' ⊙ Q_g,                   Q_g = i ⊙ (1 - g²)
    dc    = dc' ⊙ f                      dh  = da Wₕₕ

and, after the loop, one product each: dWₕₕ = Σₜ daₜᵀ hₜ₋₁, dWᵢₕ = Σₜ daₜᵀ xₜ, dbᵢₕ =
dbₕₕ = Σₜ daₜ, dx = da Wᵢₕ. The factors K, P, Q depend on the forward pass only, so they
are computed for a block of steps at a time, in a few large array operations, leaving the
loop itself seven small ones per step.

What is kept for backward, per sequence and step: the four gate activations, c and h,
6H numbers (the gate buffer is overwritten in place by the factors, then by da); tanh c'
is recomputed.

With peepholes (w_ci, w_cf, w_co, each (H,)): aᵢ += w_ci ⊙ c, a_f += w_cf ⊙ c before the
activations, aₒ += w_co ⊙ c' after c' is known; backward adds daₒ ⊙ w_co to dc' and
daᵢ ⊙ w_ci + da_f ⊙ w_cf to dc, and dw_ci = Σ daᵢ ⊙ c, dw_cf = Σ da_f ⊙ c, dw_co = Σ daₒ ⊙ c'.
"""
import numpy

from . import cuda_kernels
from .activations import activate_, gate_scales
from .unroll import Unroll

BLOCK = 16  # steps whose backward factors are computed together


def lstm(inputs, state, weight_ih, weight_hh, bias_ih=None, bias_hh=None, peepholes=None,
         reverse=False, lengths=None):
    """The LSTM layer of one direction over ``inputs`` (seq, batch, input) from ``state``
    (h, c), as one graph node; returns (outputs (seq, batch, H), (h_n, c_n))."""
    h0, c0 = state
    tensors = (inputs, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, *(peepholes or ()))
    run = Unroll(inputs, reverse, lengths, tensors)
    xp, dtype, H = run.xp, run.dtype, h0.shape[-1]
    w_hh = weight_hh.array
    w_c = [w.array for w in peepholes] if peepholes else None
    # with the weights' rows scaled, one exp over the whole row of four gates gives
    # i, f, g, o (see activations.py)
    scale, stretch, shift = gate_scales(xp, dtype, H, ("sigmoid", "sigmoid", "tanh", "sigmoid"))
    peep = (scale[:H] * w_c[0], scale[H:2 * H] * w_c[1], scale[3 * H:] * w_c[2]) if w_c else None
    gates = run.project(weight_ih.array * scale[:, None],
                        *(b.array * scale for b in (bias_ih, bias_hh) if b is not None),
                        dtype=dtype)
    w_hh_scaled = xp.ascontiguousarray((w_hh * scale[:, None]).T)
    hs, cs = run.states(h0.array), run.states(c0.array)
    recurrent = xp.empty((run.batch, 4 * H), dtype)
    scratch = xp.empty((run.batch, H), dtype)
    one_kernel = cuda_kernels.available(xp) and not w_c  # on the GPU: one kernel per step
    with numpy.errstate(over="ignore"):  # exp(-a) = inf: σ(a) = 0, as it should be
        for k in range(run.steps):
            a, c, c_new = gates[k], cs[k], cs[k + 1]
            xp.matmul(hs[k], w_hh_scaled, out=recurrent)
            if one_kernel:
                cuda_kernels.lstm_forward_step(xp, a, recurrent, c, c_new, hs[k + 1])
            else:
                a += recurrent
                if w_c:  # o waits for c'
                    a[:, :H] += peep[0] * c
                    a[:, H:2 * H] += peep[1] * c
                    activate_(xp, a[:, :3 * H], stretch[:3 * H], shift[:3 * H])
                else:
                    activate_(xp, a, stretch, shift)
                i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
                xp.multiply(f, c, out=c_new)             # c' = f ⊙ c + i ⊙ g
                xp.multiply(i, g, out=scratch)
                c_new += scratch
                if w_c:
                    xp.multiply(peep[2], c_new, out=scratch)
                    o += scratch
                    activate_(xp, o, stretch[3 * H:], shift[3 * H:])
                xp.tanh(c_new, out=scratch)              # h' = o ⊙ tanh c'
                xp.multiply(o, scratch, out=hs[k + 1])
            run.hold_ended(k, hs[k + 1], hs[k])
            run.hold_ended(k, c_new, c)
    outputs, finals = run.outputs(hs), (hs[run.steps], cs[run.steps])
    if not run.wants_graph(*tensors):
        return run.node(outputs, finals, (), None, "lstm_sequence")

    def lstm_sequence_backward(grad, d_finals):
        d_h, d_c = d_finals[0].copy(), d_finals[1].copy()
        scratch = xp.empty((run.batch, H), dtype)
        if one_kernel:
            _backward_on_gpu(xp, run, grad, gates, cs, w_hh, d_h, d_c)
        else:
            for first, last in run.blocks(BLOCK):
                K, forget = _backward_factors(xp, gates[first:last], cs[first:last + 1], H)
                for k in range(last - 1, first - 1, -1):
                    a, j = gates[k], k - first
                    skipped = run.skipped(k, d_h, d_c)
                    d_h += grad[k]
                    run.keep_running(k, d_h, d_c)
                    xp.multiply(d_h, K[j], out=scratch)      # dc' += dh' ⊙ K
                    d_c += scratch
                    a[:, 3 * H:] *= d_h                      # daₒ = dh' ⊙ Pₒ
                    if w_c:
                        xp.multiply(a[:, 3 * H:], w_c[2], out=scratch)
                        d_c += scratch
                    # daᵢ, da_f, da_g = dc' ⊙ (Qᵢ, Q_f, Q_g)
                    a[:, :3 * H].reshape(run.batch, 3, H)[...] *= d_c[:, None, :]
                    d_c *= forget[j]                         # dc = dc' ⊙ f
                    if w_c:
                        d_c += a[:, :H] * w_c[0]
                        d_c += a[:, H:2 * H] * w_c[1]
                    xp.matmul(a, w_hh, out=d_h)              # dh = da Wₕₕ
                    run.add_skipped(skipped, d_h, d_c)
        d_gates = gates.reshape(-1, 4 * H)               # now da of every step
        h_before = hs[:run.steps].reshape(-1, H)
        d_bias = d_gates.sum(axis=0)
        grads = [run.input_gradient(gates, weight_ih.array) if inputs.requires_grad else None,
                 d_h, d_c, run.weight_gradient(d_gates, run.x),
                 run.weight_gradient(d_gates, h_before),
                 d_bias if bias_ih is not None else None, d_bias]
        if w_c:
            c_before, c_after = cs[:-1].reshape(-1, H), cs[1:].reshape(-1, H)
            grads += [(d_gates[:, :H] * c_before).sum(axis=0),
                      (d_gates[:, H:2 * H] * c_before).sum(axis=0),
                      (d_gates[:, 3 * H:] * c_after).sum(axis=0)]
        return grads
    return run.node(outputs, finals, tensors, lstm_sequence_backward, "lstm_sequence")


def _backward_factors(xp, gates, cs, H):
    """For a block of steps: gates (n, B, 4H) holding i, f, g, o becomes Qᵢ, Q_f, Q_g, Pₒ
    in place (see the module docstring); cs (n+1, B, H) are the cell states around them,
    cs[j] before step j and cs[j + 1] after. Returns K and a copy of f, both (n, B, H)."""
    i, f, g, o = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]
    forget = f.copy()
    tanh_c = xp.tanh(cs[1:])
    K = tanh_c * tanh_c                                  # K = o ⊙ (1 - tanh² c')
    xp.subtract(1, K, out=K)
    K *= o
    t = 1 - o                                            # Pₒ = tanh c' ⊙ o (1 - o)
    t *= o
    xp.multiply(t, tanh_c, out=o)
    q_i = 1 - i                                          # Qᵢ = g ⊙ i (1 - i)
    q_i *= i
    q_i *= g
    xp.multiply(g, g, out=t)                             # Q_g = i ⊙ (1 - g²)
    xp.subtract(1, t, out=t)
    xp.multiply(t, i, out=g)
    i[...] = q_i
    xp.subtract(1, f, out=t)                             # Q_f = c ⊙ f (1 - f)
    t *= f
    xp.multiply(t, cs[:-1], out=f)
    return K, forget


def _backward_on_gpu(xp, run, grad, gates, cs, w_hh, d_h, d_c):
    """The backward loop on the GPU: each step's element-wise work in one CUDA kernel
    (cuda_kernels.py), then dh = da Wₕₕ; d_h and d_c end as the initial state's gradients."""
    for k in range(run.steps - 1, -1, -1):
        skipped = run.skipped(k, d_h, d_c)
        d_h += grad[k]
        run.keep_running(k, d_h, d_c)
        cuda_kernels.lstm_backward_step(xp, gates[k], cs[k], cs[k + 1], d_h, d_c)
        xp.matmul(gates[k], w_hh, out=d_h)
        run.add_skipped(skipped, d_h, d_c)
