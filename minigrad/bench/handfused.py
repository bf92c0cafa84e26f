"""The benchmark's training step written by hand in NumPy: what NumPy alone allows.

No autograd, no graph: each layer's forward runs its time loop keeping what the backward
needs, and the backward (BPTT) is written out. The products are hoisted as a fused op
would hoist them: the input projection of all T steps is one matrix product before the
loop, the weight gradients one product each after it; only h_{t-1} W_hhᵀ (and its
gradient) is left inside the loop. Plain expressions, temporaries allowed: a reference to
read, not the fastest code possible. Same equations, gate order and parameter names as
PyTorch (``weight_ih_l0`` (gH, I), ``weight_hh_l0`` (gH, H), ``bias_ih_l0``, ``bias_hh_l0``).

The step (``HandFused.step``): a stack of L layers over x (T, B, I), a readout
``logits_t = h_t Wᵀ + b`` at every step, the mean cross-entropy over all T·B positions,
its gradients, then plain SGD (θ ← θ − lr·g). The initial state is zero.

Writing a = x W_ihᵀ + b_ih (all steps at once) and u = h_{t-1} W_hhᵀ + b_hh:

``rnn`` (tanh)::

    h_t = tanh(a_t + u_t)
    dz_t = dh_t ⊙ (1 − h_t²);  dh_{t-1} += dz_t W_hh

``gru`` (PyTorch's form, gates r, z, n, the reset applied after the product)::

    r = σ(a_r + u_r),  z = σ(a_z + u_z),  n = tanh(a_n + r ⊙ u_n)
    h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
    dn = dh ⊙ (1 − z) ⊙ (1 − n²)          (the gradient at n's pre-activation)
    dz = dh ⊙ (h_{t-1} − n) ⊙ z(1 − z),  dr = dn ⊙ u_n ⊙ r(1 − r)
    da = [dr, dz, dn],  du = [dr, dz, dn ⊙ r]
    dh_{t-1} = dh ⊙ z + du W_hh

``lstm`` (gates i, f, g, o)::

    i, f, o = σ(·),  g = tanh(·)  of  a_t + u_t split in four
    c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
    dc = dc_next + dh ⊙ o ⊙ (1 − tanh²c_t)
    da = du = [dc ⊙ g ⊙ i(1 − i), dc ⊙ c_{t-1} ⊙ f(1 − f), dc ⊙ i ⊙ (1 − g²),
               dh ⊙ tanh(c_t) ⊙ o(1 − o)]
    dc_{t-1} = dc ⊙ f,  dh_{t-1} = du W_hh

Then for every cell, over all steps at once (one product each)::

    dW_ih = daᵀ x,  dW_hh = duᵀ h_{t-1},  db_ih = Σ da,  db_hh = Σ du,  dx = da W_ih

and dx is the dh of the layer below. The readout: p = softmax(logits),
dlogits = (p − onehot(y)) / (T·B), dW = dlogitsᵀ h, db = Σ dlogits, dh = dlogits W.
"""
import numpy as np

CELLS = {"rnn": 1, "gru": 3, "lstm": 4}  # cell -> gate blocks in the stacked weights


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _rnn_forward(a, w_hh, b_hh, h0):
    """a: (T, B, H) input projections -> outputs h (T, B, H) and what backward needs."""
    hs = np.empty_like(a)
    h = h0
    for t in range(a.shape[0]):
        h = np.tanh(a[t] + h @ w_hh.T + b_hh)
        hs[t] = h
    return hs, {"h": hs}


def _rnn_backward(dhs, w_hh, saved, h_prev):
    hs = saved["h"]
    da = np.empty_like(hs)
    dh_next = np.zeros_like(hs[0])
    for t in reversed(range(hs.shape[0])):
        dz = (dhs[t] + dh_next) * (1.0 - hs[t] ** 2)
        da[t] = dz
        dh_next = dz @ w_hh
    return da, da  # da and du are the same for the tanh RNN


def _gru_forward(a, w_hh, b_hh, h0):
    T, B, H3 = a.shape
    H = H3 // 3
    hs = np.empty((T, B, H), a.dtype)
    r_, z_, n_, un_ = (np.empty((T, B, H), a.dtype) for _ in range(4))
    h = h0
    for t in range(T):
        u = h @ w_hh.T + b_hh
        r = sigmoid(a[t, :, :H] + u[:, :H])
        z = sigmoid(a[t, :, H:2 * H] + u[:, H:2 * H])
        n = np.tanh(a[t, :, 2 * H:] + r * u[:, 2 * H:])
        h = (1.0 - z) * n + z * h
        hs[t], r_[t], z_[t], n_[t], un_[t] = h, r, z, n, u[:, 2 * H:]
    return hs, {"r": r_, "z": z_, "n": n_, "un": un_}


def _gru_backward(dhs, w_hh, saved, h_prev):
    r_, z_, n_, un_ = saved["r"], saved["z"], saved["n"], saved["un"]
    T, B, H = n_.shape
    da = np.empty((T, B, 3 * H), dhs.dtype)
    du = np.empty_like(da)
    dh_next = np.zeros((B, H), dhs.dtype)
    for t in reversed(range(T)):
        r, z, n = r_[t], z_[t], n_[t]
        dh = dhs[t] + dh_next
        dn = dh * (1.0 - z) * (1.0 - n ** 2)
        dz = dh * (h_prev[t] - n) * z * (1.0 - z)
        dr = dn * un_[t] * r * (1.0 - r)
        da[t, :, :H], da[t, :, H:2 * H], da[t, :, 2 * H:] = dr, dz, dn
        du[t, :, :H], du[t, :, H:2 * H], du[t, :, 2 * H:] = dr, dz, dn * r
        dh_next = dh * z + du[t] @ w_hh
    return da, du


def _lstm_forward(a, w_hh, b_hh, h0):
    T, B, H4 = a.shape
    H = H4 // 4
    hs = np.empty((T, B, H), a.dtype)
    gates = np.empty((T, B, 4 * H), a.dtype)  # i, f, g, o after their nonlinearities
    cs = np.empty((T, B, H), a.dtype)
    h, c = h0, np.zeros_like(h0)
    for t in range(T):
        s = a[t] + h @ w_hh.T + b_hh
        i, f = sigmoid(s[:, :H]), sigmoid(s[:, H:2 * H])
        g, o = np.tanh(s[:, 2 * H:3 * H]), sigmoid(s[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs[t], cs[t] = h, c
        gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:3 * H], gates[t, :, 3 * H:] = \
            i, f, g, o
    return hs, {"gates": gates, "c": cs}


def _lstm_backward(dhs, w_hh, saved, h_prev):
    gates, cs = saved["gates"], saved["c"]
    T, B, H = cs.shape
    da = np.empty((T, B, 4 * H), dhs.dtype)
    dh_next = np.zeros((B, H), dhs.dtype)
    dc_next = np.zeros((B, H), dhs.dtype)
    for t in reversed(range(T)):
        i, f = gates[t, :, :H], gates[t, :, H:2 * H]
        g, o = gates[t, :, 2 * H:3 * H], gates[t, :, 3 * H:]
        c_prev = cs[t - 1] if t > 0 else np.zeros_like(cs[0])
        dh = dhs[t] + dh_next
        tanh_c = np.tanh(cs[t])
        dc = dc_next + dh * o * (1.0 - tanh_c ** 2)
        da[t, :, :H] = dc * g * i * (1.0 - i)
        da[t, :, H:2 * H] = dc * c_prev * f * (1.0 - f)
        da[t, :, 2 * H:3 * H] = dc * i * (1.0 - g ** 2)
        da[t, :, 3 * H:] = dh * tanh_c * o * (1.0 - o)
        dc_next = dc * f
        dh_next = da[t] @ w_hh
    return da, da  # the LSTM's gates add a and u: the same gradient reaches both


_FORWARD = {"rnn": _rnn_forward, "gru": _gru_forward, "lstm": _lstm_forward}
_BACKWARD = {"rnn": _rnn_backward, "gru": _gru_backward, "lstm": _lstm_backward}


class HandFused:
    """The benchmark's model (``cell`` layers + a linear readout) as NumPy arrays.

    ``params`` maps PyTorch's names (``weight_ih_l0`` ..., and ``readout.weight``,
    ``readout.bias``) to arrays, which ``step`` updates in place."""

    def __init__(self, cell, params, num_layers, lr):
        if cell not in CELLS:
            raise ValueError(f"no hand-fused NumPy step for cell {cell!r}; "
                             f"there is one for {', '.join(CELLS)}")
        self.cell, self.params, self.num_layers, self.lr = cell, params, num_layers, lr

    def loss_and_grads(self, x, y):
        """x (T, B, I) floats, y (T, B) class indices -> (mean loss, {name: gradient})."""
        p, grads = self.params, {}
        T, B, _ = x.shape
        inputs, saved = [x], []
        for k in range(self.num_layers):  # forward, layer by layer
            w_ih, b_ih = p[f"weight_ih_l{k}"], p[f"bias_ih_l{k}"]
            layer_in = inputs[-1]
            a = (layer_in.reshape(T * B, -1) @ w_ih.T + b_ih).reshape(T, B, -1)
            h0 = np.zeros((B, w_ih.shape[0] // CELLS[self.cell]), x.dtype)
            hs, keep = _FORWARD[self.cell](a, p[f"weight_hh_l{k}"], p[f"bias_hh_l{k}"], h0)
            inputs.append(hs)
            saved.append((keep, np.concatenate([h0[None], hs[:-1]])))
        top = inputs[-1].reshape(T * B, -1)
        logits = top @ p["readout.weight"].T + p["readout.bias"]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        labels = y.reshape(-1)
        loss = -log_p[np.arange(T * B), labels].mean()
        dlogits = np.exp(log_p)
        dlogits[np.arange(T * B), labels] -= 1.0
        dlogits /= T * B
        grads["readout.weight"] = dlogits.T @ top
        grads["readout.bias"] = dlogits.sum(axis=0)
        dhs = (dlogits @ p["readout.weight"]).reshape(T, B, -1)
        for k in reversed(range(self.num_layers)):  # backward, top layer first
            keep, h_prev = saved[k]
            w_ih, w_hh = p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"]
            da, du = _BACKWARD[self.cell](dhs, w_hh, keep, h_prev)
            da2, du2 = da.reshape(T * B, -1), du.reshape(T * B, -1)
            grads[f"weight_ih_l{k}"] = da2.T @ inputs[k].reshape(T * B, -1)
            grads[f"weight_hh_l{k}"] = du2.T @ h_prev.reshape(T * B, -1)
            grads[f"bias_ih_l{k}"] = da2.sum(axis=0)
            grads[f"bias_hh_l{k}"] = du2.sum(axis=0)
            if k > 0:
                dhs = (da2 @ w_ih).reshape(T, B, -1)
        return float(loss), grads

    def step(self, x, y):
        """One training step: loss, gradients, SGD update in place; returns the loss."""
        loss, grads = self.loss_and_grads(x, y)
        for name, grad in grads.items():
            self.params[name] -= self.lr * grad
        return loss
