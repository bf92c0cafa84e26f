"""The Elman RNN over a whole sequence as one op.

Forward, for each step (φ = tanh or relu):

    h' = φ(a),   a = x Wᵢₕᵀ + bᵢₕ + bₕₕ  (for all steps at once, before the loop)  +  h Wₕₕᵀ

Backward through time, from the last step to the first, with dh' the gradient of h' (from
its output and from the next step):

    da = dh' ⊙ φ'(a)   (tanh: 1 - h'², relu: [h' > 0], both read from h' itself)
    dh = da Wₕₕ

and, after the loop, one product each: dWₕₕ = Σₜ daₜᵀ hₜ₋₁, dWᵢₕ = Σₜ daₜᵀ xₜ,
dbᵢₕ = dbₕₕ = Σₜ daₜ, dx = da Wᵢₕ. It keeps only the states h, H numbers per sequence and
step: φ' is read from h', and the projected input's buffer is reused for da.
"""
from .unroll import Unroll


def rnn(inputs, state, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh",
        reverse=False, lengths=None):
    """The Elman RNN layer of one direction over ``inputs`` (seq, batch, input) from
    ``state`` (h,), as one graph node; returns (outputs (seq, batch, H), (h_n,))."""
    (h0,) = state
    tensors = (inputs, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    run = Unroll(inputs, reverse, lengths, tensors)
    xp, dtype, H = run.xp, run.dtype, h0.shape[-1]
    w_hh = weight_hh.array
    # projected[k]: x Wᵢₕᵀ + b of step k; in backward, da of step k
    projected = run.project(weight_ih.array,
                            *(b.array for b in (bias_ih, bias_hh) if b is not None), dtype=dtype)
    hs = run.states(h0.array)
    w_hh_t = xp.ascontiguousarray(w_hh.T)
    for k in range(run.steps):
        h_new = hs[k + 1]
        xp.matmul(hs[k], w_hh_t, out=h_new)
        h_new += projected[k]
        if nonlinearity == "tanh":
            xp.tanh(h_new, out=h_new)
        else:
            xp.maximum(h_new, 0, out=h_new)
        run.hold_ended(k, h_new, hs[k])
    outputs, finals = run.outputs(hs), (hs[run.steps],)
    if not run.wants_graph(*tensors):
        return run.node(outputs, finals, (), None, "rnn_sequence")

    def rnn_sequence_backward(grad, d_finals):
        d_h = d_finals[0].copy()
        d_pre = projected                                # now φ'(a) of every step, then da
        h_after = hs[1:run.steps + 1]
        if nonlinearity == "tanh":                       # φ'(a) = 1 - h'²
            xp.multiply(h_after, h_after, out=d_pre)
            xp.subtract(1, d_pre, out=d_pre)
        else:                                            # φ'(a) = [h' > 0]
            xp.greater(h_after, 0, out=d_pre)
        for k in range(run.steps - 1, -1, -1):
            skipped = run.skipped(k, d_h)
            d_h += grad[k]
            run.keep_running(k, d_h)
            d_pre[k] *= d_h                              # da = dh' ⊙ φ'(a)
            xp.matmul(d_pre[k], w_hh, out=d_h)           # dh = da Wₕₕ
            run.add_skipped(skipped, d_h)
        d_pre = d_pre.reshape(-1, H)
        d_bias = d_pre.sum(axis=0)
        return (run.input_gradient(projected, weight_ih.array) if inputs.requires_grad else None,
                d_h, run.weight_gradient(d_pre, run.x),
                run.weight_gradient(d_pre, hs[:run.steps].reshape(-1, H)),
                d_bias if bias_ih is not None else None, d_bias)
    return run.node(outputs, finals, tensors, rnn_sequence_backward, "rnn_sequence")
