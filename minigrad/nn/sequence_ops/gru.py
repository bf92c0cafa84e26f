"""The GRU over a whole sequence as one op, in both forms of ``plugins/gru.py``.

Forward, for each step (x_r, x_z, x_n = x Wᵢₕᵀ + bᵢₕ for all steps at once, before the loop):

    r  = σ(x_r + h W_hrᵀ + b_hr)        z = σ(x_z + h W_hzᵀ + b_hz)
    n  = tanh(x_n + r ⊙ (h W_hnᵀ + b_hn))           (``gru``, PyTorch's form)
    n  = tanh(x_n + (r ⊙ h) W_hnᵀ + b_hn)           (``gru-v3``, Cho et al.'s form)
    h' = (1 - z) ⊙ n + z ⊙ h  =  n + z ⊙ (h - n)

Backward through time, from the last step to the first, with dh' the gradient of h':

    dz̃ = dh' ⊙ (h - n) ⊙ z (1 - z)        dñ = dh' ⊙ (1 - z) ⊙ (1 - n²)
    PyTorch's form:  u = h W_hnᵀ + b_hn    dr̃ = dñ ⊙ u ⊙ r (1 - r)    du = dñ ⊙ r
                     dh = dh' ⊙ z + (dr̃, dz̃) W_h(r,z) + du W_hn
    Cho et al.'s:    v = r ⊙ h             dv = dñ W_hn    dr̃ = dv ⊙ h ⊙ r (1 - r)
                     dh = dh' ⊙ z + dv ⊙ r + (dr̃, dz̃) W_h(r,z)

(x̃ is the gradient of x's pre-activation), and after the loop one product per weight:
dWᵢₕ = Σₜ (dr̃, dz̃, dñ)ᵀ xₜ, dW_h(r,z) = Σₜ (dr̃, dz̃)ᵀ hₜ₋₁, dW_hn = Σₜ duᵀ hₜ₋₁ (or dñᵀ vₜ).
It keeps, per step, r, z, n (overwritten in place by their gradients), u (or v) and h:
5H numbers per sequence and step.
"""
from .activations import sigmoid_, sigmoid_backward
from .unroll import Unroll


def gru(inputs, state, weight_ih, weight_hh, bias_ih=None, bias_hh=None, reset_after=True,
        reverse=False, lengths=None):
    """The GRU layer of one direction over ``inputs`` (seq, batch, input) from ``state``
    (h,), as one graph node; ``reset_after`` picks PyTorch's form (True) or Cho et al.'s.
    Returns (outputs (seq, batch, H), (h_n,))."""
    (h0,) = state
    tensors = (inputs, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    xp = inputs.xp
    dtype = xp.result_type(*(t.array for t in tensors if t is not None))
    run = Unroll(inputs, reverse, lengths, dtype)
    H = h0.shape[-1]
    w_rz, w_n = weight_hh.array[:2 * H], weight_hh.array[2 * H:]
    b_rz, b_n = (None, None) if bias_hh is None else (bias_hh.array[:2 * H], bias_hh.array[2 * H:])
    # gates[k]: x_r, x_z, x_n of step k, then (in place) r, z, n, then their gradients
    gates = run.project(weight_ih.array, None if bias_ih is None else bias_ih.array, dtype=dtype)
    saved = xp.empty((run.steps, run.batch, H), dtype)  # u (PyTorch's form) or v = r ⊙ h
    hs = run.states(h0.array, finals=1)
    recurrent = xp.empty((run.batch, 3 * H if reset_after else 2 * H), dtype)
    scratch = xp.empty((run.batch, H), dtype)
    for k in range(run.steps):
        a, h, h_new = gates[k], hs[k], hs[k + 1]
        xp.matmul(h, (weight_hh.array if reset_after else w_rz).T, out=recurrent)
        if b_rz is not None:
            recurrent[:, :2 * H] += b_rz
        rz = a[:, :2 * H]
        rz += recurrent[:, :2 * H]
        sigmoid_(xp, rz)
        r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
        if reset_after:                                  # n = tanh(x_n + r ⊙ u)
            u = saved[k]
            u[...] = recurrent[:, 2 * H:]
            if b_n is not None:
                u += b_n
            xp.multiply(r, u, out=scratch)
        else:                                            # n = tanh(x_n + v W_hnᵀ + b_hn)
            v = saved[k]
            xp.multiply(r, h, out=v)
            xp.matmul(v, w_n.T, out=scratch)
            if b_n is not None:
                scratch += b_n
        n += scratch
        xp.tanh(n, out=n)
        xp.subtract(h, n, out=h_new)                     # h' = n + z ⊙ (h - n)
        h_new *= z
        h_new += n
        run.hold_ended(k, h_new, h)
    result = run.result(hs, (hs[run.steps],))
    if not run.wants_graph(*tensors):
        return run.node(result, 1, (), None, "gru_sequence")

    def gru_sequence_backward(grad):
        d_h = grad[run.steps].copy()
        t1, t2 = xp.empty((run.batch, H), dtype), xp.empty((run.batch, H), dtype)
        for k in range(run.steps - 1, -1, -1):
            a, h, saved_k = gates[k], hs[k], saved[k]
            r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
            dh, skip = run.step_gradient(k, d_h, grad[k])
            xp.subtract(h, n, out=t1)                    # dz̃ = dh' ⊙ (h - n) ⊙ z (1 - z)
            t1 *= dh
            sigmoid_backward(xp, z, out=t2)
            t1 *= t2
            xp.multiply(dh, z, out=d_h)                  # dh = dh' ⊙ z + ...
            xp.subtract(1, z, out=t2)                    # dñ = dh' ⊙ (1 - z) ⊙ (1 - n²)
            t2 *= dh
            z[...] = t1
            xp.multiply(n, n, out=t1)
            xp.subtract(1, t1, out=t1)
            xp.multiply(t1, t2, out=n)                   # n now holds dñ
            sigmoid_backward(xp, r, out=t2)
            if reset_after:                              # dr̃ = dñ ⊙ u ⊙ r (1 - r);  du = dñ ⊙ r
                t2 *= saved_k
                t2 *= n
                xp.multiply(n, r, out=saved_k)
                r[...] = t2
                d_h += saved_k @ w_n
            else:                                        # dv = dñ W_hn;  dr̃ = dv ⊙ h ⊙ r (1 - r)
                xp.matmul(n, w_n, out=t1)
                t2 *= t1
                t2 *= h
                t1 *= r
                d_h += t1                                # ... + dv ⊙ r
                r[...] = t2
            d_h += a[:, :2 * H] @ w_rz                   # ... + (dr̃, dz̃) W_h(r,z)
            if skip is not None:
                d_h += skip
        d_gates = gates.reshape(-1, 3 * H)
        h_before = hs[:run.steps].reshape(-1, H)
        d_weight_hh = xp.empty((3 * H, H), dtype)
        xp.matmul(d_gates[:, :2 * H].T, h_before, out=d_weight_hh[:2 * H])
        if reset_after:
            d_n_rows = saved.reshape(-1, H)              # du of every step
            xp.matmul(d_n_rows.T, h_before, out=d_weight_hh[2 * H:])
        else:
            d_n_rows = d_gates[:, 2 * H:]                # dñ of every step, against v
            xp.matmul(d_n_rows.T, saved.reshape(-1, H), out=d_weight_hh[2 * H:])
        d_bias_ih = d_gates.sum(axis=0)
        d_bias_hh = xp.concatenate([d_bias_ih[:2 * H], d_n_rows.sum(axis=0)])
        return (run.input_gradient(gates, weight_ih.array) if inputs.requires_grad else None,
                d_h, d_gates.T @ run.x, d_weight_hh, d_bias_ih, d_bias_hh)
    return run.node(result, 1, tensors, gru_sequence_backward, "gru_sequence")
