"""The GRU over a whole sequence as one op, in both forms of ``plugins/gru.py``.

Forward, for each step (x_r, x_z, x_n = x Wᵢₕᵀ + bᵢₕ for all steps at once, before the loop):

    r  = σ(x_r + h W_hrᵀ + b_hr)        z = σ(x_z + h W_hzᵀ + b_hz)
    n  = tanh(x_n + r ⊙ (h W_hnᵀ + b_hn))           (``gru``, PyTorch's form)
    n  = tanh(x_n + (r ⊙ h) W_hnᵀ + b_hn)           (``gru-v3``, Cho et al.'s form)
    h' = (1 - z) ⊙ n + z ⊙ h  =  n + z ⊙ (h - n)

Backward through time, from the last step to the first, with dh' the gradient of h':

    dz̃ = dh' ⊙ (h - n) ⊙ z (1 - z)        dñ = dh' ⊙ (1 - z) ⊙ (1 - n²)
    PyTorch's form:  u = h W_hnᵀ + b_hn    dr̃ = dñ ⊙ u ⊙ r (1 - r)    du = dñ ⊙ r
                     dh = dh' ⊙ z + (dr̃, dz̃, du) Wₕₕ           (one product)
    Cho et al.'s:    v = r ⊙ h             dv = dñ W_hn    dr̃ = dv ⊙ h ⊙ r (1 - r)
                     dh = dh' ⊙ z + dv ⊙ r + (dr̃, dz̃) W_h(r,z)

(x̃ is the gradient of x's pre-activation), and after the loop one product per weight:
dWᵢₕ = Σₜ (dr̃, dz̃, dñ)ᵀ xₜ, dWₕₕ = Σₜ (dr̃, dz̃, du)ᵀ hₜ₋₁ (Cho et al.'s: dW_hn = Σₜ dñᵀ vₜ).
The factors Dz = (h - n) ⊙ z (1 - z), Dn = (1 - z) ⊙ (1 - n²) and Dr depend on the forward
pass only, so they are computed for a block of steps at a time in large array operations.
It keeps, per step, r, z, n (overwritten in place by the factors, then the gradients),
u (or v) and h: 5H numbers per sequence and step.
"""
import numpy

from . import cuda_kernels
from .activations import activate_, gate_scales
from .unroll import Unroll

BLOCK = 16  # steps whose backward factors are computed together


def gru(inputs, state, weight_ih, weight_hh, bias_ih=None, bias_hh=None, reset_after=True,
        reverse=False, lengths=None):
    """The GRU layer of one direction over ``inputs`` (seq, batch, input) from ``state``
    (h,), as one graph node; ``reset_after`` picks PyTorch's form (True) or Cho et al.'s.
    Returns (outputs (seq, batch, H), (h_n,))."""
    (h0,) = state
    tensors = (inputs, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    run = Unroll(inputs, reverse, lengths, tensors)
    xp, dtype, H = run.xp, run.dtype, h0.shape[-1]
    w_hh = weight_hh.array
    w_rz, w_n = w_hh[:2 * H], w_hh[2 * H:]
    # the σ rows (r, z) of the weights scaled, so that one exp gives r and z (see
    # activations.py); n's rows are left as they are
    scale, stretch, shift = gate_scales(xp, dtype, H, ("sigmoid", "sigmoid", "none"))
    b_n = None if bias_hh is None else bias_hh.array[2 * H:]
    folded = [b.array for b in (bias_ih,) if b is not None]  # biases outside the reset gate
    if bias_hh is not None:
        folded.append(bias_hh.array if not reset_after else
                      xp.concatenate([bias_hh.array[:2 * H], xp.zeros(H, dtype)]))
    # gates[k]: x_r, x_z, x_n of step k, then (in place) r, z, n; then backward's factors
    gates = run.project(weight_ih.array * scale[:, None], *(b * scale for b in folded),
                        dtype=dtype)
    recurrent_rows = weight_hh.array if reset_after else w_rz
    w_recurrent = xp.ascontiguousarray((recurrent_rows * scale[:len(recurrent_rows), None]).T)
    w_n_t = xp.ascontiguousarray(w_n.T)
    saved = xp.empty((run.steps, run.batch, H), dtype)  # u (PyTorch's form) or v = r ⊙ h
    hs = run.states(h0.array)
    recurrent = xp.empty((run.batch, len(recurrent_rows)), dtype)
    scratch = xp.empty((run.batch, H), dtype)
    one_kernel = cuda_kernels.available(xp) and reset_after  # on the GPU: one kernel per step
    b_n_or_zero = (b_n if b_n is not None else xp.zeros(H, dtype)) if one_kernel else None
    with numpy.errstate(over="ignore"):  # exp(-a) = inf: σ(a) = 0, as it should be
        for k in range(run.steps):
            a, h, h_new = gates[k], hs[k], hs[k + 1]
            xp.matmul(h, w_recurrent, out=recurrent)
            if one_kernel:
                cuda_kernels.gru_forward_step(xp, a, recurrent, h, b_n_or_zero, saved[k], h_new)
            else:
                rz = a[:, :2 * H]
                rz += recurrent[:, :2 * H]
                activate_(xp, rz, stretch[:2 * H], shift[:2 * H])
                r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
                if reset_after:                          # n = tanh(x_n + r ⊙ u)
                    u = saved[k]
                    if b_n is not None:
                        xp.add(recurrent[:, 2 * H:], b_n, out=u)
                    else:
                        u[...] = recurrent[:, 2 * H:]
                    xp.multiply(r, u, out=scratch)
                else:                                    # n = tanh(x_n + v W_hnᵀ + b_hn)
                    xp.multiply(r, h, out=saved[k])
                    xp.matmul(saved[k], w_n_t, out=scratch)
                n += scratch
                xp.tanh(n, out=n)
                xp.subtract(h, n, out=h_new)             # h' = n + z ⊙ (h - n)
                h_new *= z
                h_new += n
            run.hold_ended(k, h_new, h)
    outputs, finals = run.outputs(hs), (hs[run.steps],)
    if not run.wants_graph(*tensors):
        return run.node(outputs, finals, (), None, "gru_sequence")

    def gru_sequence_backward(grad, d_finals):
        d_h = d_finals[0].copy()
        d_v, scratch = xp.empty((run.batch, H), dtype), xp.empty((run.batch, H), dtype)
        if one_kernel:
            _backward_on_gpu(xp, run, grad, gates, hs, saved, w_hh, d_h, d_v)
        else:
            for first, last in run.blocks(BLOCK):
                reset, update = _backward_factors(xp, gates[first:last], hs[first:last],
                                                  saved[first:last], reset_after, H)
                for k in range(last - 1, first - 1, -1):
                    a, j = gates[k], k - first
                    skipped = run.skipped(k, d_h)
                    d_h += grad[k]
                    run.keep_running(k, d_h)
                    a[:, H:].reshape(run.batch, 2, H)[...] *= d_h[:, None, :]  # dz̃, dñ
                    d_n = a[:, 2 * H:]
                    d_h *= update[j]                         # dh = dh' ⊙ z + ...
                    if reset_after:
                        a[:, :H] *= d_n                      # dr̃ = dñ ⊙ Dr
                        saved[k] = d_n                       # dñ kept for dWᵢₕ; its slot takes
                        d_n *= reset[j]                      # du = dñ ⊙ r, so that
                        xp.matmul(a, w_hh, out=scratch)      # ... + (dr̃, dz̃, du) Wₕₕ, at once
                    else:
                        xp.matmul(d_n, w_n, out=d_v)         # dv = dñ W_hn
                        a[:, :H] *= d_v                      # dr̃ = dv ⊙ Dr
                        d_v *= reset[j]
                        d_h += d_v                           # ... + dv ⊙ r
                        xp.matmul(a[:, :2 * H], w_rz, out=scratch)  # ... + (dr̃, dz̃) W_h(r,z)
                    d_h += scratch
                    run.add_skipped(skipped, d_h)
        h_before = hs[:run.steps].reshape(-1, H)
        d_gates = gates.reshape(-1, 3 * H)
        d_bias_hh = d_gates.sum(axis=0)
        if reset_after:  # gates: dr̃, dz̃, du; saved: dñ
            d_weight_hh = run.weight_gradient(d_gates, h_before)
            x_rows = (d_gates[:, :2 * H], saved.reshape(-1, H))  # dr̃, dz̃ | dñ
            d_bias_ih = xp.concatenate([d_bias_hh[:2 * H], x_rows[1].sum(axis=0)])
        else:            # gates: dr̃, dz̃, dñ; saved: v
            d_weight_hh = xp.empty((3 * H, H), dtype)
            run.weight_gradient(d_gates[:, :2 * H], h_before, out=d_weight_hh[:2 * H])
            run.weight_gradient(d_gates[:, 2 * H:], saved.reshape(-1, H),
                                out=d_weight_hh[2 * H:])
            x_rows = (d_gates,)
            d_bias_ih = d_bias_hh
        w_ih = weight_ih.array
        d_weight_ih = xp.concatenate([run.weight_gradient(rows, run.x) for rows in x_rows])
        d_inputs = None
        if inputs.requires_grad:  # dx = Σ over the row blocks of d(rows) W_ih(rows)
            starts = (0, 2 * H) if reset_after else (0,)
            d_inputs = sum(run.input_gradient(rows, w_ih[start:start + rows.shape[1]])
                           for rows, start in zip(x_rows, starts))
        return d_inputs, d_h, d_weight_ih, d_weight_hh, d_bias_ih, d_bias_hh
    return run.node(outputs, finals, tensors, gru_sequence_backward, "gru_sequence")


def _backward_factors(xp, gates, h_before, saved, reset_after, H):
    """For a block of steps: gates (n, B, 3H) holding r, z, n becomes Dr, Dz, Dn in place,

        Dz = (h - n) ⊙ z (1 - z),   Dn = (1 - z) ⊙ (1 - n²),
        Dr = u ⊙ r (1 - r)  (PyTorch's form)  or  h ⊙ r (1 - r)  (Cho et al.'s),

    so that dz̃ = dh' ⊙ Dz, dñ = dh' ⊙ Dn and dr̃ = dñ ⊙ Dr (or dv ⊙ Dr). Returns copies of
    r and z, which the loop still needs."""
    r, z, n = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:]
    reset, update = r.copy(), z.copy()
    t = 1 - z                                            # Dn = (1 - z) ⊙ (1 - n²)
    n2 = n * n
    xp.subtract(1, n2, out=n2)
    t *= n2
    xp.subtract(h_before, n, out=n2)                     # Dz = (h - n) ⊙ z (1 - z)
    n[...] = t
    xp.subtract(1, z, out=t)
    t *= z
    xp.multiply(n2, t, out=z)
    xp.subtract(1, r, out=t)                             # Dr = (u or h) ⊙ r (1 - r)
    t *= r
    xp.multiply(t, saved if reset_after else h_before, out=r)
    return reset, update


def _backward_on_gpu(xp, run, grad, gates, hs, saved, w_hh, d_h, d_v):
    """The backward loop on the GPU (PyTorch's form): each step's element-wise work in one
    CUDA kernel (cuda_kernels.py), then dh = dh' ⊙ z + (dr̃, dz̃, du) Wₕₕ; d_h ends as the
    initial state's gradient."""
    for k in range(run.steps - 1, -1, -1):
        skipped = run.skipped(k, d_h)
        d_h += grad[k]
        run.keep_running(k, d_h)
        cuda_kernels.gru_backward_step(xp, gates[k], hs[k], d_h, saved[k], d_v)
        xp.matmul(gates[k], w_hh, out=d_h)
        d_h += d_v
        run.add_skipped(skipped, d_h)
