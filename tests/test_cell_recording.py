"""The cells' internals hook: ``expose`` in forward, ``inspect_cells()`` / ``cell.recording()``.

The recorded gates are checked against the equations recomputed here in NumPy from
the cell's own weights, so a recorder that copied the wrong tensor would fail."""
import numpy
import pytest

import minigrad
from minigrad import nn
from minigrad.nn import Parameter, RecurrentCell


def sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def weights(cell):
    return {name: p.detach().numpy().astype(numpy.float64) for name, p in cell.named_parameters()}


def lstm_by_hand(cell, xs):
    w = weights(cell)
    H = cell.hidden_size
    h = c = numpy.zeros((xs.shape[1], H))
    seen = {k: [] for k in "ifgoch"}
    for x in xs:
        gates = x @ w["weight_ih"].T + w["bias_ih"] + h @ w["weight_hh"].T + w["bias_hh"]
        i, f = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2 * H])
        g, o = numpy.tanh(gates[:, 2 * H:3 * H]), sigmoid(gates[:, 3 * H:])
        c = f * c + i * g
        h = o * numpy.tanh(c)
        for name, value in zip("ifgoch", (i, f, g, o, c, h)):
            seen[name].append(value)
    return {k: numpy.stack(v) for k, v in seen.items()}


def gru_by_hand(cell, xs):
    w = weights(cell)
    H = cell.hidden_size
    h = numpy.zeros((xs.shape[1], H))
    seen = {k: [] for k in "rznh"}
    for x in xs:
        gx = x @ w["weight_ih"].T + w["bias_ih"]
        gh = h @ w["weight_hh"].T + w["bias_hh"]
        r = sigmoid(gx[:, :H] + gh[:, :H])
        z = sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
        n = numpy.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        for name, value in zip("rznh", (r, z, n, h)):
            seen[name].append(value)
    return {k: numpy.stack(v) for k, v in seen.items()}


@pytest.mark.parametrize("name, by_hand", [("lstm", lstm_by_hand), ("gru", gru_by_hand)])
def test_recorded_gates_equal_the_equations(name, by_hand):
    minigrad.manual_seed(3)
    layer = nn.Recurrent(name, 3, 5)  # fused by default: recording must switch it off
    xs = numpy.random.default_rng(0).standard_normal((7, 2, 3)).astype(numpy.float32)
    with nn.inspect_cells() as record:
        layer(minigrad.tensor(xs))
    cell = layer.cells[0][0]
    expected = by_hand(cell, xs.astype(numpy.float64))
    assert set(record[cell]) == set(expected)
    for key, values in expected.items():
        got = record[cell].stacked(key)
        assert got.shape == (7, 2, 5)
        numpy.testing.assert_allclose(got, values, rtol=1e-5, atol=1e-6, err_msg=key)


def test_recording_gives_the_same_outputs_and_nothing_is_kept_outside():
    minigrad.manual_seed(0)
    layer = nn.Recurrent("lstm", 2, 3, num_layers=2)
    xs = minigrad.randn(4, 1, 2)
    plain, _ = layer(xs)
    with nn.inspect_cells() as record:
        recorded, _ = layer(xs)
    numpy.testing.assert_allclose(recorded.detach().numpy(), plain.detach().numpy(), rtol=1e-5,
                                  atol=1e-6)
    assert record.cells() == [layer.cells[0][0], layer.cells[1][0]]
    layer(xs)  # after the block: nothing more is recorded
    assert len(record[layer.cells[0][0]]["f"]) == 4


def test_one_cells_recording_and_a_bidirectional_layer():
    layer = nn.Recurrent("gru", 2, 3, bidirectional=True)
    forward_cell, reverse_cell = layer.cells[0]
    with forward_cell.recording() as values:
        layer(minigrad.randn(6, 1, 2))
    assert sorted(values) == ["h", "n", "r", "z"] and len(values["z"]) == 6
    with nn.inspect_cells() as record:
        layer(minigrad.randn(6, 1, 2))
    assert reverse_cell in record and len(record[reverse_cell]["h"]) == 6
    with pytest.raises(KeyError, match="exposed no value 'f'; it exposed r, z, n, h"):
        values.stacked("f")


class Leaky(RecurrentCell):
    """A third party's cell: h' = (1 - a) h + a tanh(W x + U h), exposing its own 'a'."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.w = Parameter(minigrad.randn(hidden_size, input_size) * 0.5)
        self.u = Parameter(minigrad.randn(hidden_size, hidden_size) * 0.5)
        self.a_logit = Parameter(minigrad.zeros(hidden_size))

    def forward(self, x, state):
        (h,) = state
        a = self.expose("a", self.a_logit.sigmoid() * minigrad.ones(x.shape[0], 1))
        h = (1 - a) * h + a * (x @ self.w.T + h @ self.u.T).tanh()
        self.expose(leaky_h=h)
        return h, (h,)


def test_a_third_party_cell_exposes_its_own_values():
    layer = nn.Recurrent(Leaky, 2, 3)
    with nn.inspect_cells() as record:
        layer(minigrad.randn(5, 1, 2))
    values = record[layer.cells[0][0]]
    assert sorted(values) == ["a", "leaky_h"]
    numpy.testing.assert_allclose(values.stacked("a"), 0.5)


def test_a_cell_without_exposed_values_records_nothing():
    class Quiet(RecurrentCell):
        def forward(self, x, state):
            return state[0], state
    layer = nn.Recurrent(Quiet, 2, 3)
    with nn.inspect_cells() as record:
        layer(minigrad.randn(2, 1, 2))
    assert len(record) == 0 and dict(record[layer.cells[0][0]]) == {}
