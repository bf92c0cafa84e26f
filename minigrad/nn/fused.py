"""Fused cell steps: the element-wise part of an LSTM or GRU step as one op.

Written from Tensor ops, an LSTM step records about fifteen graph nodes; here the
whole element-wise part is one node whose backward is the chain rule worked out by
hand. The cells' plain ``forward`` (in plugins/) stays the reference, and the tests
check that both give the same numbers and gradients.

Each op returns one tensor holding two results stacked on a new first axis (the new
h and c); the caller takes them apart with ``out[0], out[1]``.
"""
from ..tensor import from_op


def _sigmoid(xp, x):
    """σ(x) = (1 + tanh(x/2)) / 2: one transcendental, and no overflow at either end."""
    return 0.5 * xp.tanh(0.5 * x) + 0.5


def lstm_step(gates, c):
    """From pre-activation ``gates`` (batch, 4H) in the order i, f, g, o and the cell
    state ``c`` (batch, H), compute stacked (h', c'):

        i, f, o = σ(·),  g = tanh(·),  c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')

    Backward, with dh' and dc' arriving from later steps:
        dc_total = dc' + dh' ⊙ o ⊙ (1 - tanh²c')
        do = dh' ⊙ tanh c',  di = dc_total ⊙ g,  df = dc_total ⊙ c,  dg = dc_total ⊙ i
        dc = dc_total ⊙ f,   and each gate's pre-activation gradient through σ' or tanh'.
    """
    xp = gates.xp
    H = c.shape[-1]
    a = gates.array
    i, f, o = _sigmoid(xp, a[:, :H]), _sigmoid(xp, a[:, H:2 * H]), _sigmoid(xp, a[:, 3 * H:])
    g = xp.tanh(a[:, 2 * H:3 * H])
    c_new = f * c.array + i * g
    tanh_c = xp.tanh(c_new)
    h_new = o * tanh_c

    def lstm_step_backward(grad):
        dh, dc_new = grad[0], grad[1]
        dc_total = dc_new + dh * o * (1 - tanh_c * tanh_c)
        d_gates = xp.concatenate([
            dc_total * g * i * (1 - i),          # input gate
            dc_total * c.array * f * (1 - f),     # forget gate
            dc_total * i * (1 - g * g),          # candidate
            dh * tanh_c * o * (1 - o),           # output gate
        ], axis=1)
        return d_gates, dc_total * f
    return from_op(xp.stack([h_new, c_new]), (gates, c), lstm_step_backward,
                   name="lstm_step")


def gru_step(x_projected, h_projected, h):
    """PyTorch's GRU step from x_projected = W_ih x + b_ih and h_projected = W_hh h + b_hh
    (both (batch, 3H), blocks r, z, n) and h:

        r = σ(x_r + h_r),  z = σ(x_z + h_z),  n = tanh(x_n + r ⊙ h_n),  h' = (1 - z) ⊙ n + z ⊙ h

    Returns h' (batch, H). Backward: dn = dh' ⊙ (1 - z), dz = dh' ⊙ (h - n), dh = dh' ⊙ z,
    then through tanh' and σ'; the n block reaches h_n multiplied by r.
    """
    xp = h.xp
    H = h.shape[-1]
    xa, ha = x_projected.array, h_projected.array
    r = _sigmoid(xp, xa[:, :H] + ha[:, :H])
    z = _sigmoid(xp, xa[:, H:2 * H] + ha[:, H:2 * H])
    h_n = ha[:, 2 * H:]
    n = xp.tanh(xa[:, 2 * H:] + r * h_n)
    h_new = (1 - z) * n + z * h.array

    def gru_step_backward(grad):
        dn_pre = grad * (1 - z) * (1 - n * n)
        dr_pre = dn_pre * h_n * r * (1 - r)
        dz_pre = grad * (h.array - n) * z * (1 - z)
        d_x = xp.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
        d_h_projected = xp.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)
        return d_x, d_h_projected, grad * z
    return from_op(h_new, (x_projected, h_projected, h), gru_step_backward,
                   name="gru_step")
