"""The LSTM over a whole sequence as one op (and the peephole LSTM, with ``peepholes``).

Forward, for each step, gates in the order i, f, g, o (a = pre-activation):

    a  = x Wᵢₕᵀ + bᵢₕ + bₕₕ  (for all steps at once, before the loop)  +  h Wₕₕᵀ
    i, f, o = σ(aᵢ), σ(a_f), σ(aₒ)      g = tanh(a_g)
    c' = f ⊙ c + i ⊙ g                  h' = o ⊙ tanh(c')

Backward through time, from the last step to the first, with dh' the gradient of h' (from
its output and from the next step) and dc' that of c':

    dc'  += dh' ⊙ o ⊙ (1 - tanh² c')
    daₒ   = dh' ⊙ tanh c' ⊙ o (1 - o)
    daᵢ   = dc' ⊙ g ⊙ i (1 - i)          da_f = dc' ⊙ c ⊙ f (1 - f)
    da_g  = dc' ⊙ i ⊙ (1 - g²)
    dc    = dc' ⊙ f                      dh   = da Wₕₕ

and, after the loop, one product each: dWₕₕ = Σₜ daₜᵀ hₜ₋₁, dWᵢₕ = Σₜ daₜᵀ xₜ, dbᵢₕ =
dbₕₕ = Σₜ daₜ, dx = da Wᵢₕ. It keeps, per step, the four gate activations (overwritten in
place by da during backward), c and h: 6H numbers per sequence and step; tanh c' is
recomputed.

With peepholes (w_ci, w_cf, w_co, each (H,)): aᵢ += w_ci ⊙ c, a_f += w_cf ⊙ c before the
activations, aₒ += w_co ⊙ c' after c' is known; backward adds daₒ ⊙ w_co to dc' and
daᵢ ⊙ w_ci + da_f ⊙ w_cf to dc, and dw_ci = Σ daᵢ ⊙ c, dw_cf = Σ da_f ⊙ c, dw_co = Σ daₒ ⊙ c'.
"""
from .activations import sigmoid_, sigmoid_backward
from .unroll import Unroll


def lstm(inputs, state, weight_ih, weight_hh, bias_ih=None, bias_hh=None, peepholes=None,
         reverse=False, lengths=None):
    """The LSTM layer of one direction over ``inputs`` (seq, batch, input) from ``state``
    (h, c), as one graph node; returns (outputs (seq, batch, H), (h_n, c_n))."""
    h0, c0 = state
    tensors = (inputs, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, *(peepholes or ()))
    xp = inputs.xp
    dtype = xp.result_type(*(t.array for t in tensors if t is not None))
    run = Unroll(inputs, reverse, lengths, dtype)
    H = h0.shape[-1]
    w_hh = weight_hh.array
    w_c = [w.array for w in peepholes] if peepholes else None
    # gates[k]: step k's pre-activations, then (in place) its activations i, f, g, o
    gates = run.project(weight_ih.array, *(b.array for b in (bias_ih, bias_hh) if b is not None),
                        dtype=dtype)
    hs, cs = run.states(h0.array, finals=2), run.states(c0.array)
    recurrent = xp.empty((run.batch, 4 * H), dtype)
    scratch = xp.empty((run.batch, H), dtype)
    for k in range(run.steps):
        a, c, c_new = gates[k], cs[k], cs[k + 1]
        xp.matmul(hs[k], w_hh.T, out=recurrent)
        a += recurrent
        if w_c:
            a[:, :H] += w_c[0] * c
            a[:, H:2 * H] += w_c[1] * c
            sigmoid_(xp, a[:, :2 * H])
        else:
            sigmoid_(xp, a[:, :2 * H])
            sigmoid_(xp, a[:, 3 * H:])
        xp.tanh(a[:, 2 * H:3 * H], out=a[:, 2 * H:3 * H])
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        xp.multiply(f, c, out=c_new)                     # c' = f ⊙ c + i ⊙ g
        xp.multiply(i, g, out=scratch)
        c_new += scratch
        if w_c:
            xp.multiply(w_c[2], c_new, out=scratch)
            o += scratch
            sigmoid_(xp, o)
        xp.tanh(c_new, out=scratch)                      # h' = o ⊙ tanh c'
        xp.multiply(o, scratch, out=hs[k + 1])
        run.hold_ended(k, hs[k + 1], hs[k])
        run.hold_ended(k, c_new, c)
    result = run.result(hs, (hs[run.steps], cs[run.steps]))
    if not run.wants_graph(*tensors):
        return run.node(result, 2, (), None, "lstm_sequence")

    def lstm_sequence_backward(grad):
        d_h, d_c = grad[run.steps].copy(), grad[run.steps + 1].copy()
        tanh_c, t1, t2 = (xp.empty((run.batch, H), dtype) for _ in range(3))
        for k in range(run.steps - 1, -1, -1):
            a, c, c_new = gates[k], cs[k], cs[k + 1]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            dh, skip_h = run.step_gradient(k, d_h, grad[k])
            dc, skip_c = run.step_gradient(k, d_c, None)
            xp.tanh(c_new, out=tanh_c)
            xp.multiply(tanh_c, tanh_c, out=t1)          # dc' += dh' ⊙ o ⊙ (1 - tanh² c')
            xp.subtract(1, t1, out=t1)
            t1 *= o
            t1 *= dh
            dc += t1
            sigmoid_backward(xp, o, out=t1)              # daₒ = dh' ⊙ tanh c' ⊙ o (1 - o)
            t1 *= tanh_c
            xp.multiply(t1, dh, out=o)
            if w_c:
                xp.multiply(o, w_c[2], out=t1)
                dc += t1
            sigmoid_backward(xp, i, out=t1)              # daᵢ = dc' ⊙ g ⊙ i (1 - i)
            t1 *= g
            t1 *= dc
            xp.multiply(g, g, out=t2)                    # da_g = dc' ⊙ i ⊙ (1 - g²)
            xp.subtract(1, t2, out=t2)
            t2 *= i
            xp.multiply(t2, dc, out=g)
            i[...] = t1
            sigmoid_backward(xp, f, out=t2)              # da_f = dc' ⊙ c ⊙ f (1 - f)
            t2 *= c
            t2 *= dc
            xp.multiply(dc, f, out=d_c)                  # dc = dc' ⊙ f
            f[...] = t2
            if w_c:
                d_c += i * w_c[0]
                d_c += f * w_c[1]
            xp.matmul(a, w_hh, out=d_h)                  # dh = da Wₕₕ
            if skip_h is not None:
                d_h += skip_h
                d_c += skip_c
        d_gates = gates.reshape(-1, 4 * H)               # now da of every step
        h_before = hs[:run.steps].reshape(-1, H)
        d_bias = d_gates.sum(axis=0)
        grads = [run.input_gradient(gates, weight_ih.array) if inputs.requires_grad else None,
                 d_h, d_c, d_gates.T @ run.x, d_gates.T @ h_before,
                 d_bias if bias_ih is not None else None, d_bias]
        if w_c:
            c_before, c_after = cs[:-1].reshape(-1, H), cs[1:].reshape(-1, H)
            grads += [(d_gates[:, :H] * c_before).sum(axis=0),
                      (d_gates[:, H:2 * H] * c_before).sum(axis=0),
                      (d_gates[:, 3 * H:] * c_after).sum(axis=0)]
        return grads
    return run.node(result, 2, tensors, lstm_sequence_backward, "lstm_sequence")
