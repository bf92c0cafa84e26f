"""The built-in cells and the recurrent runner, beyond the stored PyTorch fixtures:

* ``gru-v3`` and ``peephole-lstm`` (which PyTorch doesn't have) against their equations
  written out below in NumPy;
* float64 gradient checks of every built-in cell and of a layer built from each;
* the fused fast path against the cell's plain ``forward``, values and gradients;
* ``bi-<cell>`` against the runner's ``bidirectional=True``;
* the cell contract: parameter names in the layer, the default ``initial_state``,
  the LSTM's init schemes, input validation, dropout between layers;
* ``RNNCell``/``GRUCell``/``LSTMCell`` against ``torch.nn.*Cell`` where PyTorch is installed.
"""
import math

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad import plugin_manager as pm
from minigrad.nn import Parameter, Recurrent, RecurrentCell

BUILTIN_CELLS = ["rnn", "rnn-relu", "gru", "gru-v3", "gru-simple", "lstm", "peephole-lstm"]
FUSED_CELLS = {"rnn", "rnn-relu", "gru", "lstm"}  # the ones with project_inputs/step
TWO_PART_STATE = {"lstm", "peephole-lstm"}  # state (h, c)


pytestmark = pytest.mark.usefixtures("real_registry")  # see conftest.py


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def params_of(layer):
    """name -> float64 NumPy copy of every parameter."""
    return {name: p.detach().numpy().copy() for name, p in layer.named_parameters()}


def random_state(name, layers_dirs, batch, hidden, rng):
    parts = 2 if name in TWO_PART_STATE else 1
    return tuple(minigrad.tensor(rng.standard_normal((layers_dirs, batch, hidden)) * 0.5,
                                 dtype="float64") for _ in range(parts))


def run_with_loss(layer, x, state):
    """Run ``layer`` and backpropagate a fixed random projection of output and final state."""
    output, final = layer(x, state)
    rng = np.random.default_rng(99)
    loss = (output * minigrad.tensor(rng.standard_normal(output.shape))).sum()
    for s in final:
        loss = loss + (s * minigrad.tensor(rng.standard_normal(s.shape))).sum()
    loss.backward()
    return output, final


# --------------------------------------------------------------------------------------
# gru-v3 and peephole-lstm against NumPy

def numpy_gru_v3(x, h, p):
    """Cho et al.'s GRU, PyTorch's weight layout (blocks r, z, n), one layer, forwards."""
    W_ir, W_iz, W_in = np.split(p["weight_ih_l0"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh_l0"], 3)
    H = h.shape[-1]
    b_ih = p.get("bias_ih_l0", np.zeros(3 * H))
    b_hh = p.get("bias_hh_l0", np.zeros(3 * H))
    b_ir, b_iz, b_in = np.split(b_ih, 3)
    b_hr, b_hz, b_hn = np.split(b_hh, 3)
    outputs = []
    for x_t in x:
        r = sigmoid(x_t @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
        z = sigmoid(x_t @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
        n = np.tanh(x_t @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
        h = (1 - z) * n + z * h
        outputs.append(h)
    return np.stack(outputs), h


def numpy_peephole_lstm(x, h, c, p):
    """Gers & Schmidhuber's peephole LSTM, gates i, f, g, o; o sees the new c."""
    W_ii, W_if, W_ig, W_io = np.split(p["weight_ih_l0"], 4)
    W_hi, W_hf, W_hg, W_ho = np.split(p["weight_hh_l0"], 4)
    H = h.shape[-1]
    b = p.get("bias_ih_l0", np.zeros(4 * H)) + p.get("bias_hh_l0", np.zeros(4 * H))
    b_i, b_f, b_g, b_o = np.split(b, 4)
    w_ci, w_cf, w_co = p["weight_ci_l0"], p["weight_cf_l0"], p["weight_co_l0"]
    outputs = []
    for x_t in x:
        i = sigmoid(x_t @ W_ii.T + h @ W_hi.T + b_i + w_ci * c)
        f = sigmoid(x_t @ W_if.T + h @ W_hf.T + b_f + w_cf * c)
        g = np.tanh(x_t @ W_ig.T + h @ W_hg.T + b_g)
        c = f * c + i * g
        o = sigmoid(x_t @ W_io.T + h @ W_ho.T + b_o + w_co * c)
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs), h, c


@pytest.mark.parametrize("bias", [True, False])
def test_gru_v3_follows_cho_et_al_equations(rng, bias):
    layer = Recurrent("gru-v3", 3, 5, bias=bias, dtype="float64")
    assert ("bias_hh_l0" in dict(layer.named_parameters())) == bias
    x = rng.standard_normal((6, 2, 3))
    h0 = rng.standard_normal((1, 2, 5)) * 0.5
    output, (h_n,) = layer(minigrad.tensor(x), minigrad.tensor(h0))
    expected_out, expected_h = numpy_gru_v3(x, h0[0], params_of(layer))
    np.testing.assert_allclose(output.detach().numpy(), expected_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy()[0], expected_h, rtol=0, atol=1e-12)


def test_gru_v3_differs_from_the_pytorch_form(rng):
    """Same weights, different equation: if the two forms agreed, one of them is not
    computing what it claims (r must multiply h before W_hn, not after)."""
    v3 = Recurrent("gru-v3", 3, 5, dtype="float64")
    torch_form = Recurrent("gru", 3, 5, dtype="float64")
    torch_form.load_state_dict(v3.state_dict())
    x = minigrad.tensor(rng.standard_normal((4, 2, 3)))
    h0 = minigrad.tensor(rng.standard_normal((1, 2, 5)))
    assert not np.allclose(v3(x, h0)[0].detach().numpy(), torch_form(x, h0)[0].detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("bias", [True, False])
def test_peephole_lstm_follows_gers_schmidhuber_equations(rng, bias):
    layer = Recurrent("peephole-lstm", 3, 5, bias=bias, dtype="float64")
    x = rng.standard_normal((6, 2, 3))
    h0 = rng.standard_normal((1, 2, 5)) * 0.5
    c0 = rng.standard_normal((1, 2, 5))
    output, (h_n, c_n) = layer(minigrad.tensor(x), (minigrad.tensor(h0), minigrad.tensor(c0)))
    p = params_of(layer)
    assert all(np.any(p[k] != 0) for k in ("weight_ci_l0", "weight_cf_l0", "weight_co_l0"))
    expected_out, expected_h, expected_c = numpy_peephole_lstm(x, h0[0], c0[0], p)
    np.testing.assert_allclose(output.detach().numpy(), expected_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy()[0], expected_h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c_n.detach().numpy()[0], expected_c, rtol=0, atol=1e-12)


def test_peephole_lstm_with_zero_peepholes_is_exactly_the_lstm(rng):
    peephole = Recurrent("peephole-lstm", 3, 4, num_layers=2, bidirectional=True,
                         dtype="float64")
    with minigrad.no_grad():
        for name, param in peephole.named_parameters():
            if name.startswith(("weight_ci", "weight_cf", "weight_co")):
                param.array[...] = 0
    lstm = Recurrent("lstm", 3, 4, num_layers=2, bidirectional=True, dtype="float64")
    shared = {k: v for k, v in peephole.state_dict().items() if k in dict(lstm.named_parameters())}
    assert len(shared) == len(list(lstm.parameters()))  # the LSTM's weights, all of them
    lstm.load_state_dict(shared)
    x = rng.standard_normal((5, 2, 3))
    state = random_state("lstm", 4, 2, 4, rng)

    xp_, xl = minigrad.tensor(x, requires_grad=True), minigrad.tensor(x, requires_grad=True)
    out_p, final_p = run_with_loss(peephole, xp_, state)
    lstm.use_fast_path = False  # the plain forward: the same operations, bit for bit
    out_l, final_l = run_with_loss(lstm, xl, state)
    np.testing.assert_array_equal(out_p.detach().numpy(), out_l.detach().numpy())
    for a, b in zip(final_p, final_l):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_array_equal(xp_.grad.detach().numpy(), xl.grad.detach().numpy())
    lstm_params = dict(lstm.named_parameters())
    for name, param in peephole.named_parameters():
        if name in lstm_params:
            np.testing.assert_array_equal(param.grad.detach().numpy(), lstm_params[name].grad.detach().numpy())

    lstm.use_fast_path = True  # and the fused LSTM agrees to rounding
    fast_out, _ = lstm(minigrad.tensor(x), state)
    np.testing.assert_allclose(fast_out.detach().numpy(), out_p.detach().numpy(), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------
# gradient checks, float64

def make_cell(name, input_size, hidden_size, **options):
    cell = nn.recurrent.build_cell(pm.get_cell(name).factory, input_size, hidden_size, **options)
    return cell.to(dtype="float64")


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("name", BUILTIN_CELLS)
def test_gradcheck_cell_forward(name, bias, rng):
    cell = make_cell(name, 3, 4, bias=bias)
    x = minigrad.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    parts = 2 if name in TWO_PART_STATE else 1
    state = [minigrad.tensor(rng.standard_normal((2, 4)) * 0.5, requires_grad=True)
             for _ in range(parts)]
    params = list(cell.parameters())

    def step(x, *rest):
        output, new_state = cell(x, tuple(rest[:parts]))
        return (output, *new_state)

    assert minigrad.gradcheck(step, [x, *state, *params], atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("name", BUILTIN_CELLS)
def test_gradcheck_two_step_recurrent_layer(name, rng):
    """Two layers, both directions, two time steps, an initial state: BPTT through the
    runner (on the fused path where the cell has one) against central differences."""
    layer = Recurrent(name, 2, 2, num_layers=2, bidirectional=True, dtype="float64")
    x = minigrad.tensor(rng.standard_normal((2, 2, 2)), requires_grad=True)
    state = tuple(s.detach() for s in random_state(name, 4, 2, 2, rng))
    for s in state:
        s.requires_grad = True

    def run(x, *rest):
        output, final = layer(x, tuple(rest[:len(state)]))
        return (output, *final)

    assert minigrad.gradcheck(run, [x, *state, *layer.parameters()], atol=1e-7, rtol=1e-5)


def test_gradcheck_catches_a_wrong_gradient(rng):
    """The check above can fail: a cell whose backward is wrong is caught."""
    from minigrad.tensor import from_op

    class WrongCell(RecurrentCell):
        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size)
            self.weight = Parameter(minigrad.randn(input_size, hidden_size, dtype="float64"))

        def forward(self, x, state):
            (h,) = state
            pre = x @ self.weight + h
            # tanh with the derivative of the identity: wrong on purpose
            h = from_op(np.tanh(pre.array), (pre,), lambda g: (g,))
            return h, (h,)

    layer = Recurrent(WrongCell, 2, 3, dtype="float64")
    x = minigrad.tensor(rng.standard_normal((2, 2, 2)), requires_grad=True)
    with pytest.raises(minigrad.GradcheckError):
        minigrad.gradcheck(lambda x, w: layer(x)[0], [x, layer.weight_l0])


# --------------------------------------------------------------------------------------
# the fused fast path against the plain forward

@pytest.mark.parametrize("name", BUILTIN_CELLS)
def test_fast_path_agrees_with_plain_forward(name, rng):
    layer = Recurrent(name, 3, 4, num_layers=2, bidirectional=True, dtype="float64")
    cell = layer.cells[0][0]
    has_fast_path = cell.has_fast_path() and cell.project_inputs(
        minigrad.zeros(2, 1, 3, dtype="float64")) is not None
    assert has_fast_path == (name in FUSED_CELLS)
    x = rng.standard_normal((7, 3, 3))
    state = random_state(name, 4, 3, 4, rng)

    results = {}
    for fast in (True, False):
        layer.use_fast_path = fast
        layer.zero_grad()
        xt = minigrad.tensor(x, requires_grad=True)
        output, final = run_with_loss(layer, xt, state)
        results[fast] = (output.detach().numpy(), [s.detach().numpy() for s in final], xt.grad.detach().numpy(),
                         {n: p.grad.detach().numpy().copy() for n, p in layer.named_parameters()})
    fast, plain = results[True], results[False]
    np.testing.assert_allclose(fast[0], plain[0], rtol=0, atol=1e-12)
    for a, b in zip(fast[1], plain[1]):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast[2], plain[2], rtol=0, atol=1e-11)
    assert fast[3].keys() == plain[3].keys()
    for key in fast[3]:
        np.testing.assert_allclose(fast[3][key], plain[3][key], rtol=0, atol=1e-11, err_msg=key)


@pytest.mark.parametrize("name", sorted(FUSED_CELLS))
def test_fast_step_agrees_with_forward_for_one_step(name, rng):
    """``step(project_inputs(x_t), state) == forward(x_t, state)``, the contract itself."""
    cell = make_cell(name, 3, 4)
    x = minigrad.tensor(rng.standard_normal((2, 3)))
    state = tuple(s[0] for s in random_state(name, 1, 2, 4, rng))
    out_fast, state_fast = cell.step(cell.project_inputs(x), state)
    out_plain, state_plain = cell(x, state)
    np.testing.assert_allclose(out_fast.detach().numpy(), out_plain.detach().numpy(), rtol=0, atol=1e-13)
    for a, b in zip(state_fast, state_plain):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=0, atol=1e-13)


# --------------------------------------------------------------------------------------
# bi-<cell>

def test_every_registered_cell_has_a_bi_twin():
    cells = pm.cells()
    plain = [n for n, spec in cells.items() if spec.derived_from is None]
    assert set(BUILTIN_CELLS) <= set(plain)
    for name in plain:
        assert f"bi-{name}" in cells, name
        assert cells[f"bi-{name}"].derived_from[1] == cells[name].qualified


@pytest.mark.parametrize("name", BUILTIN_CELLS)
def test_bi_cell_by_name_is_the_bidirectional_runner(name, rng):
    by_name = Recurrent(f"bi-{name}", 3, 4, num_layers=2, dtype="float64")
    by_flag = Recurrent(name, 3, 4, num_layers=2, bidirectional=True, dtype="float64")
    assert by_name.bidirectional
    assert list(by_name.state_dict()) == list(by_flag.state_dict())
    by_flag.load_state_dict(by_name.state_dict())
    x = minigrad.tensor(rng.standard_normal((5, 2, 3)))
    state = random_state(name, 4, 2, 4, rng)
    out_a, final_a = by_name(x, state)
    out_b, final_b = by_flag(x, state)
    assert out_a.shape == (5, 2, 8)
    np.testing.assert_array_equal(out_a.detach().numpy(), out_b.detach().numpy())
    for a, b in zip(final_a, final_b):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name", BUILTIN_CELLS)
def test_the_reverse_direction_reads_the_sequence_backwards(name, rng):
    """The second half of a bidirectional output is a forward layer with the ``_reverse``
    weights run on the time-reversed input, then reversed back."""
    bi = Recurrent(f"bi-{name}", 3, 4, dtype="float64")
    backward = Recurrent(name, 3, 4, dtype="float64")
    backward.load_state_dict({k.replace("_reverse", ""): v for k, v in bi.state_dict().items()
                              if k.endswith("_reverse")})
    forward = Recurrent(name, 3, 4, dtype="float64")
    forward.load_state_dict({k: v for k, v in bi.state_dict().items()
                             if not k.endswith("_reverse")})
    x = rng.standard_normal((5, 2, 3))
    out, final = bi(minigrad.tensor(x))
    out_f, final_f = forward(minigrad.tensor(x))
    out_b, final_b = backward(minigrad.tensor(x[::-1].copy()))
    np.testing.assert_allclose(out.detach().numpy()[..., :4], out_f.detach().numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(out.detach().numpy()[..., 4:], out_b.detach().numpy()[::-1], rtol=0, atol=1e-13)
    for s, sf, sb in zip(final, final_f, final_b):
        np.testing.assert_allclose(s.detach().numpy()[0], sf.detach().numpy()[0], rtol=0, atol=1e-13)
        np.testing.assert_allclose(s.detach().numpy()[1], sb.detach().numpy()[0], rtol=0, atol=1e-13)


# --------------------------------------------------------------------------------------
# the cell contract, as a third party meets it

class GatedTwoLinearCell(RecurrentCell):
    """A third-party style cell: its weights live in sub-modules and one of its own."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.inp = nn.Linear(input_size, hidden_size)
        self.rec = nn.Linear(hidden_size, hidden_size, bias=False)
        self.gain = Parameter(minigrad.ones(hidden_size))

    def forward(self, x, state):
        (h,) = state
        h = (self.inp(x) + self.rec(h)).tanh() * self.gain
        return h, (h,)


def test_a_third_party_cell_gets_pytorch_style_parameter_names(rng):
    layer = Recurrent(GatedTwoLinearCell, 3, 4, num_layers=2, bidirectional=True)
    own = ["inp_weight", "inp_bias", "rec_weight", "gain"]
    expected = {f"{p}_l{k}{suffix}" for p in own for k in (0, 1) for suffix in ("", "_reverse")}
    assert set(layer.state_dict()) == expected
    params = dict(layer.named_parameters())
    assert params["inp_weight_l0"].shape == (4, 3)
    assert params["inp_weight_l1"].shape == (4, 8)   # the layer below gives 2 * hidden
    assert params["inp_weight_l0_reverse"].shape == (4, 3)
    # the names reach the very Parameters the cells compute with: changing one changes the output
    assert params["gain_l0_reverse"] is layer.cells[0][1].gain
    assert params["inp_weight_l1"] is layer.cells[1][0].inp.weight
    x = minigrad.tensor(rng.standard_normal((3, 2, 3)), dtype="float32")
    before = layer(x)[0].detach().numpy()
    layer.load_state_dict({"gain_l1_reverse": np.zeros(4, dtype=np.float32)}, strict=False)
    after = layer(x)[0].detach().numpy()
    np.testing.assert_array_equal(after[..., 4:], 0)
    np.testing.assert_array_equal(after[..., :4], before[..., :4])


def test_a_third_party_cell_trains_through_its_sub_module_parameters(rng):
    layer = Recurrent(nn.Bidirectional(GatedTwoLinearCell), 3, 4, dtype="float64")
    x = minigrad.tensor(rng.standard_normal((3, 2, 3)))
    layer(x)[0].sum().backward()
    assert all(p.grad is not None for p in layer.parameters())
    assert layer.cells[0][1].rec.weight.grad is dict(layer.named_parameters())["rec_weight_l0_reverse"].grad


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_default_initial_state_is_zeros_on_the_cells_device_and_dtype(dtype, device):
    cell = GatedTwoLinearCell(3, 5).to(device=device, dtype=dtype)
    state = cell.initial_state(2)
    assert isinstance(state, tuple) and len(state) == 1
    (h,) = state
    assert h.shape == (2, 5)
    assert h.dtype == np.dtype(dtype)
    assert h.device == minigrad.backend.parse_device(device)
    assert not h.requires_grad
    np.testing.assert_array_equal(h.detach().numpy(), 0)


def test_lstm_initial_state_is_two_zero_tensors():
    cell = make_cell("lstm", 3, 5)
    h, c = cell.initial_state(4)
    assert h.shape == c.shape == (4, 5) and h.dtype == c.dtype == np.float64
    np.testing.assert_array_equal(h.detach().numpy(), 0)
    np.testing.assert_array_equal(c.detach().numpy(), 0)


def test_the_runner_starts_from_initial_state():
    """No state given == the cell's initial_state given explicitly (zeros)."""
    layer = Recurrent("lstm", 3, 4, num_layers=2, dtype="float64")
    x = minigrad.randn(4, 2, 3, dtype="float64")
    zeros = (minigrad.zeros(2, 2, 4, dtype="float64"), minigrad.zeros(2, 2, 4, dtype="float64"))
    np.testing.assert_array_equal(layer(x)[0].detach().numpy(), layer(x, zeros)[0].detach().numpy())


# --------------------------------------------------------------------------------------
# the LSTM's initialisation schemes (chrono, forget-bias)

def initialised(name, input_size, hidden_size, scheme, bias=True, **context):
    cell = make_cell(name, input_size, hidden_size, bias=bias)
    cell.init_weights(scheme, nn.InitContext(**context))
    return cell


def test_forget_bias_sets_the_forget_gate_and_leaves_the_rest(rng):
    H = 6
    cell = initialised("lstm", 3, H, "forget-bias", forget_bias=1.0)
    b_ih, b_hh = cell.bias_ih.detach().numpy(), cell.bias_hh.detach().numpy()
    np.testing.assert_array_equal(b_ih[H:2 * H], 1.0)
    np.testing.assert_array_equal(b_hh[H:2 * H], 0.0)
    np.testing.assert_array_equal((b_ih + b_hh)[H:2 * H], 1.0)  # the sum is the value asked for
    bound = 1 / math.sqrt(H)
    others = np.concatenate([b_ih[:H], b_ih[2 * H:], b_hh[:H], b_hh[2 * H:]])
    assert np.all(np.abs(others) <= bound) and np.unique(others).size == others.size


def test_forget_bias_reaches_every_cell_of_a_layer_and_the_peephole_lstm():
    for name in ("lstm", "peephole-lstm"):
        layer = Recurrent(name, 3, 4, num_layers=2, bidirectional=True)
        layer.init_weights("forget-bias", nn.InitContext(forget_bias=2.5))
        for key, value in layer.state_dict().items():
            if key.startswith("bias_ih"):
                np.testing.assert_array_equal(value.detach().numpy()[4:8], 2.5)
            if key.startswith("bias_hh"):
                np.testing.assert_array_equal(value.detach().numpy()[4:8], 0.0)


def test_chrono_initialisation_draws_log_uniform_forget_biases():
    H, T = 400, 50
    cell = initialised("lstm", 3, H, "chrono", max_delay=T)
    b_ih, b_hh = cell.bias_ih.detach().numpy(), cell.bias_hh.detach().numpy()
    forget, input_gate = b_ih[H:2 * H], b_ih[:H]
    np.testing.assert_array_equal(b_hh[:2 * H], 0.0)
    assert np.all(forget >= 0) and np.all(forget <= math.log(T - 1))
    np.testing.assert_array_equal(input_gate, -forget)
    # exp(b_f) is uniform on [1, T - 1]: its mean is T / 2, its quartiles spread out
    values = np.exp(forget)
    assert abs(values.mean() - T / 2) < 3
    assert np.quantile(values, 0.25) < 18 < 31 < np.quantile(values, 0.75)
    bound = 1 / math.sqrt(H)
    assert np.all(np.abs(b_ih[2 * H:]) <= bound)  # g and o untouched


def test_chrono_is_reproducible_from_the_seed_and_reachable_through_the_model():
    minigrad.manual_seed(3)
    a = initialised("lstm", 2, 8, "chrono", max_delay=20).bias_ih.detach().numpy()
    minigrad.manual_seed(3)
    b = initialised("lstm", 2, 8, "chrono", max_delay=20).bias_ih.detach().numpy()
    np.testing.assert_array_equal(a, b)
    model = nn.SequenceModel("lstm", 2, 8, 3, init="chrono", max_delay=30)
    forget = model.rnn.bias_ih_l0.detach().numpy()[8:16]
    assert np.all(forget >= 0) and np.all(forget <= math.log(29))
    np.testing.assert_array_equal(model.rnn.bias_ih_l0.detach().numpy()[:8], -forget)


@pytest.mark.parametrize("scheme,bias,context,message", [
    ("chrono", True, {"max_delay": 1}, "chrono"),
    ("chrono", True, {}, "longest delay"),
    ("forget-bias", False, {}, "bias=False"),
    ("chrono", False, {"max_delay": 10}, "bias=False"),
])
def test_lstm_bias_schemes_reject_what_they_cannot_do(scheme, bias, context, message):
    with pytest.raises(ValueError, match=message):
        initialised("lstm", 3, 4, scheme, bias=bias, **context)


def test_a_cell_without_the_option_says_so():
    with pytest.raises(ValueError, match=r"forget_bias.*its options: none"):
        Recurrent("gru", 3, 4, forget_bias=1.0)


# --------------------------------------------------------------------------------------
# input validation

@pytest.fixture
def lstm_layer():
    return Recurrent("lstm", 3, 4, num_layers=2, dtype="float64")


def test_input_of_the_wrong_rank_is_a_value_error_naming_the_shape(lstm_layer):
    with pytest.raises(ValueError, match=r"3 dimensions.*\(5, 3\)"):
        lstm_layer(minigrad.randn(5, 3, dtype="float64"))
    with pytest.raises(ValueError, match=r"\(5, 2, 3, 1\)"):
        lstm_layer(minigrad.randn(5, 2, 3, 1, dtype="float64"))


def test_input_with_the_wrong_feature_count_is_a_value_error(lstm_layer):
    with pytest.raises(ValueError, match=r"6 features.*input_size=3"):
        lstm_layer(minigrad.randn(5, 2, 6, dtype="float64"))
    batch_first = Recurrent("gru", 3, 4, batch_first=True)
    with pytest.raises(ValueError, match=r"5 features.*input_size=3"):
        batch_first(minigrad.randn(2, 7, 5))


@pytest.mark.parametrize("shape", [(1, 2, 4), (2, 3, 4), (4, 2, 4), (2, 2)],
                         ids=["too-few-layers", "wrong-batch", "too-many-layers", "rank-2"])
def test_an_initial_state_of_the_wrong_shape_is_a_value_error_naming_it(lstm_layer, shape):
    x = minigrad.randn(5, 2, 3, dtype="float64")
    bad = minigrad.zeros(*shape, dtype="float64")
    good = minigrad.zeros(2, 2, 4, dtype="float64")
    with pytest.raises(ValueError, match=r"\(2, 2, .*\).*" + re_shape(shape)):
        lstm_layer(x, (bad, good))


def test_an_initial_state_of_the_wrong_hidden_size_is_a_value_error_naming_it(lstm_layer):
    x = minigrad.randn(5, 2, 3, dtype="float64")
    bad = minigrad.zeros(2, 2, 5, dtype="float64")
    with pytest.raises(ValueError, match=r"\(2, 2, 4\).*\(2, 2, 5\)"):
        lstm_layer(x, (bad, bad))
    with pytest.raises(ValueError, match=r"\(1, 2, 4\).*\(1, 2, 5\)"):
        nn.GRU(3, 4)(minigrad.randn(5, 2, 3), minigrad.zeros(1, 2, 5))


def test_an_initial_state_with_the_wrong_number_of_parts_is_a_value_error(lstm_layer):
    x = minigrad.randn(5, 2, 3, dtype="float64")
    h = minigrad.zeros(2, 2, 4, dtype="float64")
    with pytest.raises(ValueError, match=r"2 tensors.*got 1"):
        lstm_layer(x, h)
    gru = Recurrent("gru", 3, 4, dtype="float64")
    with pytest.raises(ValueError, match=r"1 tensor.*got 2"):
        gru(x, (h[:1], h[:1]))


def re_shape(shape):
    return "\\(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + "\\)"


# --------------------------------------------------------------------------------------
# dropout between layers

def test_dropout_between_layers_only_in_training_mode(rng):
    layer = Recurrent("gru", 3, 4, num_layers=2, dropout=0.5, dtype="float64")
    no_dropout = Recurrent("gru", 3, 4, num_layers=2, dtype="float64")
    no_dropout.load_state_dict(layer.state_dict())
    x = minigrad.tensor(rng.standard_normal((6, 2, 3)))
    reference = no_dropout(x)[0].detach().numpy()

    assert layer.training
    first, second = layer(x)[0].detach().numpy(), layer(x)[0].detach().numpy()
    assert not np.allclose(first, reference)
    assert not np.allclose(first, second)  # a fresh mask each call

    layer.eval()
    assert all(not cell.training for row in layer.cells for cell in row)
    np.testing.assert_array_equal(layer(x)[0].detach().numpy(), reference)
    layer.train()
    assert not np.allclose(layer(x)[0].detach().numpy(), reference)


def test_dropout_is_not_applied_after_the_last_layer(rng):
    layer = Recurrent("lstm", 3, 4, num_layers=1, dropout=0.5, dtype="float64")
    plain = Recurrent("lstm", 3, 4, num_layers=1, dtype="float64")
    plain.load_state_dict(layer.state_dict())
    x = minigrad.tensor(rng.standard_normal((4, 2, 3)))
    np.testing.assert_array_equal(layer.train()(x)[0].detach().numpy(), plain(x)[0].detach().numpy())


def test_dropout_one_cuts_the_upper_layer_off_from_the_lower(rng):
    """With p = 1 the second layer sees zeros: it is a one-layer run on a zero input."""
    layer = Recurrent("gru", 3, 4, num_layers=2, dropout=1.0, dtype="float64")
    upper = Recurrent("gru", 4, 4, dtype="float64")
    upper.load_state_dict({k.replace("_l1", "_l0"): v for k, v in layer.state_dict().items()
                           if "_l1" in k})
    x = minigrad.tensor(rng.standard_normal((4, 2, 3)))
    expected = upper(minigrad.zeros(4, 2, 4, dtype="float64"))[0].detach().numpy()
    np.testing.assert_allclose(layer(x)[0].detach().numpy(), expected, rtol=0, atol=1e-14)


# --------------------------------------------------------------------------------------
# torch.nn.*Cell's interface and numbers

def copy_weights_to_torch(ours, theirs, torch):
    with torch.no_grad():
        for name, param in ours.named_parameters():
            getattr(theirs, name).copy_(torch.from_numpy(param.detach().numpy().copy()))


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("kind,options", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                          ("GRUCell", {}), ("LSTMCell", {})],
                         ids=["rnn-tanh", "rnn-relu", "gru", "lstm"])
def test_single_step_cells_match_torch(kind, options, bias, torch, rng):
    ours = getattr(nn, kind)(3, 5, bias=bias, dtype="float64", **options)
    theirs = getattr(torch.nn, kind)(3, 5, bias=bias, dtype=torch.float64, **options)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    copy_weights_to_torch(ours, theirs, torch)
    x = rng.standard_normal((4, 3))
    states = [rng.standard_normal((4, 5)) for _ in range(2 if kind == "LSTMCell" else 1)]

    x_ours = minigrad.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    hx_ours = [minigrad.tensor(s) for s in states]
    hx_theirs = [torch.tensor(s) for s in states]
    if kind == "LSTMCell":
        out_ours, out_theirs = ours(x_ours, tuple(hx_ours)), theirs(x_theirs, tuple(hx_theirs))
    else:
        out_ours, out_theirs = (ours(x_ours, hx_ours[0]),), (theirs(x_theirs, hx_theirs[0]),)
    projections = [rng.standard_normal((4, 5)) for _ in out_ours]
    sum(((o * minigrad.tensor(p)).sum() for o, p in zip(out_ours, projections)),
        minigrad.tensor(0.0, dtype="float64")).backward()
    sum((o * torch.tensor(p)).sum() for o, p in zip(out_theirs, projections)).backward()
    for a, b in zip(out_ours, out_theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(x_ours.grad.detach().numpy(), x_theirs.grad.detach().numpy(), rtol=0, atol=1e-12)
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(param.grad.detach().numpy(), getattr(theirs, name).grad.detach().numpy(),
                                   rtol=0, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", ["RNNCell", "GRUCell", "LSTMCell"])
def test_single_step_cells_start_from_zeros_like_torch(kind, torch, rng):
    ours = getattr(nn, kind)(3, 5, dtype="float64")
    theirs = getattr(torch.nn, kind)(3, 5, dtype=torch.float64)
    copy_weights_to_torch(ours, theirs, torch)
    x = rng.standard_normal((2, 3))
    a, b = ours(minigrad.tensor(x)), theirs(torch.tensor(x))
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), rtol=0, atol=1e-12)
