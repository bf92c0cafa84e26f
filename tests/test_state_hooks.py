"""The runner's state hooks: every step's state of every layer and direction, in the graph,
so its gradient is the whole ∂L/∂h_t (through the recurrence, not only the direct part)."""
import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.nn import Parameter, RecurrentCell

F64 = minigrad.float64


class TensorOpsRNN(RecurrentCell):
    """A third party's tanh RNN, written from Tensor ops only (no fast or fused path):
    h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.weight_ih = Parameter(minigrad.randn(hidden_size, input_size, dtype=F64))
        self.weight_hh = Parameter(minigrad.randn(hidden_size, hidden_size, dtype=F64))
        self.bias = Parameter(minigrad.zeros(hidden_size, dtype=F64))

    def forward(self, x, state):
        (h,) = state
        h = (x @ self.weight_ih.t() + h @ self.weight_hh.t() + self.bias).tanh()
        return h, (h,)


def by_hand(x, w_ih, w_hh, bias, upstream):
    """The tanh RNN unrolled in NumPy, and BPTT by hand for L = Σ upstream ⊙ h_{T-1}:
    g_{T-1} = upstream, g_t = (g_{t+1} ⊙ (1 - h_{t+1}²)) W_hh."""
    h, hs = numpy.zeros((x.shape[1], w_hh.shape[0])), []
    for x_t in x:
        h = numpy.tanh(x_t @ w_ih.T + h @ w_hh.T + bias)
        hs.append(h)
    grads = [upstream]
    for t in range(len(hs) - 2, -1, -1):
        grads.insert(0, (grads[0] * (1 - hs[t + 1] ** 2)) @ w_hh)
    return grads


def states_grads(layer, x, loss_of_output):
    with layer.record_states() as states:
        output, _ = layer(x)
        loss_of_output(output).backward()
    return [[[step[0].grad.numpy() for step in steps] for steps in directions]
            for directions in states]


@pytest.mark.parametrize("make", ["builtin", "third-party"])
def test_each_step_state_has_the_whole_bptt_gradient(make):
    minigrad.manual_seed(0)
    if make == "builtin":  # fused by default: the hook must turn that off
        layer = nn.RNN(3, 4, dtype=F64)
        w_ih, w_hh = layer.weight_ih_l0.detach().numpy(), layer.weight_hh_l0.detach().numpy()
        bias = layer.bias_ih_l0.detach().numpy() + layer.bias_hh_l0.detach().numpy()
    else:
        layer = nn.Recurrent(TensorOpsRNN, 3, 4)
        w_ih, w_hh, bias = (layer.weight_ih_l0.detach().numpy() * 0.5, layer.weight_hh_l0.detach().numpy() * 0.5,
                            numpy.full(4, 0.1))
        with minigrad.no_grad():
            layer.weight_ih_l0[...] = minigrad.tensor(w_ih)
            layer.weight_hh_l0[...] = minigrad.tensor(w_hh)
            layer.bias_l0[...] = minigrad.tensor(bias)
    x = numpy.random.default_rng(1).normal(size=(9, 2, 3))
    upstream = numpy.random.default_rng(2).normal(size=(2, 4))
    [[got]] = states_grads(layer, minigrad.tensor(x, dtype=F64),
                           lambda out: (out[-1] * minigrad.tensor(upstream)).sum())
    expected = by_hand(x, w_ih, w_hh, bias, upstream)
    assert len(got) == 9
    for t in range(9):
        numpy.testing.assert_allclose(got[t], expected[t], rtol=1e-10, atol=1e-14)
    assert numpy.abs(got[0]).max() > 0  # not just the direct part, which is 0 before T-1


def test_every_layer_and_direction_is_told_each_step_once():
    minigrad.manual_seed(0)
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=F64)
    seen = []
    handle = layer.register_state_hook(lambda *args: seen.append(args))
    layer(minigrad.randn(5, 2, 3, dtype=F64))
    keys = [(layer_, direction, t) for layer_, direction, t, _ in seen]
    assert sorted(keys) == [(k, d, t) for k in range(2) for d in range(2) for t in range(5)]
    backwards = [t for k, d, t in keys if (k, d) == (0, 1)]
    assert backwards == [4, 3, 2, 1, 0]  # the reverse direction reads the inputs backwards
    assert all(len(state) == 2 and state[0].shape == (2, 4) for *_, state in seen)
    handle.remove()
    handle.remove()  # twice is harmless
    seen.clear()
    layer(minigrad.randn(5, 2, 3, dtype=F64))
    assert seen == []


def test_the_state_gradients_of_a_bidirectional_lstm_reach_every_step():
    minigrad.manual_seed(0)
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=F64)
    grads = states_grads(layer, minigrad.randn(6, 2, 3, dtype=F64), lambda out: out.sum())
    assert [len(steps) for directions in grads for steps in directions] == [6, 6, 6, 6]
    assert all(numpy.abs(g).max() > 0 for d in grads for steps in d for g in steps)


def test_hooked_and_fused_runs_give_the_same_outputs():
    minigrad.manual_seed(0)
    layer = nn.GRU(3, 4, dtype=F64)
    x = minigrad.randn(7, 2, 3, dtype=F64)
    fused, _ = layer(x)
    with layer.record_states() as states:
        hooked, _ = layer(x)
    numpy.testing.assert_allclose(hooked.detach().numpy(), fused.detach().numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(states[0][0][-1][0].detach().numpy(), fused.detach().numpy()[-1], rtol=1e-12)
    assert layer._state_hooks == []


def test_record_states_keeps_only_the_latest_forward():
    layer = nn.RNN(2, 3)
    with layer.record_states() as states:
        layer(minigrad.randn(8, 1, 2))
        layer(minigrad.randn(3, 1, 2))
    assert len(states[0][0]) == 3


def test_a_hook_that_is_not_callable_is_refused():
    with pytest.raises(TypeError, match="hook.layer, direction, t, state"):
        nn.RNN(2, 3).register_state_hook("print")
