"""``minigrad.gradient_flow`` and ``minigrad gradflow``: ‖∂L/∂h_t‖ at every step, checked
against BPTT worked by hand through an unrolled tanh RNN in NumPy."""
import json
import subprocess
import sys

import numpy
import pytest

import minigrad
from commands import console_script, invoke, subprocess_env
from minigrad import gradflow, nn
from minigrad.cell_setup import InvalidRunError
from minigrad.nn import Parameter, RecurrentCell

F64 = minigrad.float64


def bptt_by_hand(x, w_ih, w_hh, bias, w):
    """h_t = tanh(W_ih x_t + W_hh h_{t-1} + b) unrolled in NumPy, then for
    L = Σ_b w · h_{T-1}^(b): g_{T-1} = w, g_t = W_hhᵀ (g_{t+1} ⊙ (1 - h_{t+1}²)).
    Returns the mean over the batch of ‖g_t^(b)‖ for every t."""
    h, hs = numpy.zeros((x.shape[1], w_hh.shape[0])), []
    for x_t in x:
        h = numpy.tanh(x_t @ w_ih.T + h @ w_hh.T + bias)
        hs.append(h)
    g = numpy.broadcast_to(w, hs[-1].shape)
    norms = [numpy.linalg.norm(g, axis=1).mean()]
    for t in range(len(hs) - 2, -1, -1):
        g = (g * (1 - hs[t + 1] ** 2)) @ w_hh   # row-vector form of W_hhᵀ (...)
        norms.insert(0, numpy.linalg.norm(g, axis=1).mean())
    return numpy.array(norms)


def rnn_weights(input_size, hidden, seed):
    minigrad.manual_seed(seed)  # as gradient_flow builds each cell's network
    layer = nn.Recurrent("rnn", input_size, hidden, dtype=F64)
    get = lambda name: getattr(layer, name).detach().numpy()  # noqa: E731
    return get("weight_ih_l0"), get("weight_hh_l0"), get("bias_ih_l0") + get("bias_hh_l0")


@pytest.mark.parametrize("length, hidden, batch, seed", [(25, 6, 3, 0), (60, 64, 16, 0),
                                                          (12, 5, 1, 3)])
def test_the_norms_are_bptt_worked_by_hand(length, hidden, batch, seed):
    flow = minigrad.gradient_flow("rnn", length=length, hidden=hidden, batch=batch,
                                  input_size=4, seed=seed)
    x = gradflow.random_inputs(length, batch, 4, seed)
    expected = bptt_by_hand(x, *rnn_weights(4, hidden, seed), gradflow.readout(hidden, seed))
    got = numpy.array(flow.norms("rnn"))
    assert got.shape == (length,)
    numpy.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)


def test_the_tanh_rnn_s_gradient_vanishes_over_60_steps():
    norms = minigrad.gradient_flow("rnn").norms("rnn")
    assert len(norms) == 60 and norms[-1] == pytest.approx(1.0)  # ‖w‖ = 1
    assert norms[0] < 1e-12 < norms[30] < 1e-5 < norms[55]
    ratios = numpy.array(norms[1:30]) / numpy.array(norms[:29])
    assert numpy.all(ratios > 1)  # decays at every step backwards, far from the loss


def test_chrono_init_keeps_the_lstm_s_gradient_over_60_steps():
    flow = minigrad.gradient_flow("lstm,lstm:chrono,lstm:forget-bias,gru")
    default, chrono = flow.norms("lstm")[0], flow.norms("lstm:chrono")[0]
    forget_bias = flow.norms("lstm:forget-bias")[0]
    assert default < 1e-10 and chrono > 1e-5 and chrono > 1e6 * default
    assert default < forget_bias < chrono  # b_f = 1 opens the gate less than chrono
    assert [s.init for s in flow.series] == ["default", "chrono", "forget-bias", "default"]


class TensorOpsRNN(RecurrentCell):
    """A third party's tanh RNN from Tensor ops only: no fast or fused path."""

    init_schemes = ("default", "orthogonal")

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        scale = hidden_size ** -0.5
        self.weight_ih = Parameter(minigrad.rand(hidden_size, input_size) * 2 * scale - scale)
        self.weight_hh = Parameter(minigrad.rand(hidden_size, hidden_size) * 2 * scale - scale)
        self.bias = Parameter(minigrad.zeros(hidden_size))

    def forward(self, x, state):
        (h,) = state
        h = (x @ self.weight_ih.t() + h @ self.weight_hh.t() + self.bias).tanh()
        return h, (h,)

    def recurrent_weights(self):
        return (self.weight_hh,)


def test_a_third_party_cell_is_measured_as_bptt_by_hand():
    flow = minigrad.gradient_flow([TensorOpsRNN], length=20, hidden=5, batch=2, input_size=3,
                                  init="orthogonal")
    [series] = flow.series
    assert series.cell == "TensorOpsRNN" and series.init == "orthogonal"
    minigrad.manual_seed(0)
    layer = nn.Recurrent(TensorOpsRNN, 3, 5, dtype=F64)
    layer.init_weights("orthogonal")
    get = lambda name: getattr(layer, name).detach().numpy()  # noqa: E731
    expected = bptt_by_hand(gradflow.random_inputs(20, 2, 3, 0), get("weight_ih_l0"),
                            get("weight_hh_l0"), get("bias_l0"), gradflow.readout(5, 0))
    numpy.testing.assert_allclose(series.norms, expected, rtol=1e-9)


def test_with_a_task_the_task_s_loss_and_training_are_measured_too():
    flow = minigrad.gradient_flow("rnn,lstm:chrono", task="adding",
                                  task_options={"length": 12}, after_steps=3, hidden=8,
                                  batch=4)
    assert [(s.cell, s.loss, s.steps) for s in flow.series] == [
        (cell, loss, steps) for cell in ("rnn", "lstm:chrono") for steps in (0, 3)
        for loss in ("last-step", "task")]
    assert flow.settings["task"] == "adding" and flow.length == 12
    for series in flow.series:
        assert len(series.norms) == 12 and all(n > 0 for n in series.norms)
    assert flow.norms("rnn")[-1] == pytest.approx(1.0)
    # adding scores the last step only, so the task's gradient also comes from there
    assert flow.norms("rnn", "task")[0] < flow.norms("rnn", "task")[-1]
    assert flow.norms("rnn", "task", 3) != flow.norms("rnn", "task", 0)  # it trained


def test_the_first_measurement_is_of_the_model_minigrad_train_starts_from():
    before = minigrad.gradient_flow("gru", task="adding", task_options={"length": 6},
                                    hidden=4, batch=2)
    again = minigrad.gradient_flow("gru", task="adding", task_options={"length": 6},
                                   hidden=4, batch=2, after_steps=1)
    assert again.norms("gru") == before.norms("gru")


@pytest.mark.parametrize("kwargs, option, words", [
    ({"cells": ""}, "cells", "at least one cell"),
    ({"cells": "lstm:"}, "cells", "CELL:INIT"),
    ({"cells": "rnn,rnn"}, "cells", "twice"),
    ({"cells": "bi-lstm"}, "cells", "both ways"),
    ({"cells": "rnn:chrono"}, "init", "supports default"),
    ({"cells": "rnn", "length": 0}, "length", "positive integer"),
    ({"cells": "rnn", "hidden": 2.5}, "hidden", "positive integer"),
    ({"cells": "rnn", "after_steps": 3}, "after_steps", "give a task"),
    ({"cells": "rnn", "task": "copy", "length": 9}, "length", "task's sequences"),
    ({"cells": "rnn", "task_options": {"delay": 3}}, "task_options", "need a task"),
])
def test_bad_input_is_refused_naming_the_setting(kwargs, option, words):
    with pytest.raises(InvalidRunError, match=words) as caught:
        minigrad.gradient_flow(**kwargs)
    assert caught.value.option == option


def test_an_unknown_cell_or_task_lists_the_valid_ones():
    with pytest.raises(minigrad.UnknownNameError, match="Valid cells:.*lstm"):
        minigrad.gradient_flow("lstn")
    with pytest.raises(minigrad.UnknownNameError, match="Valid tasks:.*copy"):
        minigrad.gradient_flow("rnn", task="cpy")


def test_asking_for_a_series_not_measured_says_which_were():
    flow = minigrad.gradient_flow("rnn", length=3)
    with pytest.raises(KeyError, match=r"measured: \('rnn', 'last-step', 0\)"):
        flow.norms("rnn", "task")


# ---------------------------------------------------------------------- the command

def test_the_table_lists_every_kth_step_and_a_column_per_cell():
    result = invoke("gradflow", "--cells", "rnn,lstm:chrono", "--length", "30", "--every",
                    "10", "--hidden", "8")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# ‖∂L/∂h_t‖") and "T=30 H=8" in lines[0]
    assert lines[2].split() == ["t", "rnn", "lstm:chrono"]
    rows = [line.split() for line in lines[3:]]
    assert [row[0] for row in rows] == ["0", "10", "20", "29"]
    flow = minigrad.gradient_flow("rnn,lstm:chrono", length=30, hidden=8)
    assert [float(row[1]) for row in rows] == pytest.approx(
        [flow.norms("rnn")[t] for t in (0, 10, 20, 29)], rel=1e-2)
    assert rows[-1][1:] == ["1.00e+00", "1.00e+00"]


def test_json_is_the_api_s_result():
    result = invoke("gradflow", "--cells", "rnn", "--cells", "gru", "--length", "5", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(minigrad.gradient_flow("rnn,gru", length=5).to_dict()))
    assert [s["label"] for s in data["series"]] == ["rnn", "gru"]


def test_task_options_follow_the_task_and_length_is_the_task_s_own():
    result = invoke("gradflow", "--cells", "rnn", "--task", "copy", "--length", "2",
                    "--delay", "4", "--hidden", "4", "--batch", "2", "--json")
    assert result.exit_code == 0, result.stderr
    settings = json.loads(result.stdout)["settings"]
    assert settings["task_options"]["length"] == 2 and settings["length"] == 4 + 2 * 2


def test_the_plot_is_drawn_with_matplotlib(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "flow.png"
    result = invoke("gradflow", "--cells", "rnn,lstm", "--length", "8", "-o", path)
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {path}" in result.stderr


def test_without_matplotlib_a_note_says_so_and_the_table_still_prints(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    path = tmp_path / "flow.png"
    result = invoke("gradflow", "--cells", "rnn", "--length", "4", "-o", path)
    assert result.exit_code == 0
    assert "not drawn: matplotlib is not installed" in result.stderr
    assert "minigrad[plot]" in result.stderr and not path.exists()
    assert result.stdout.splitlines()[2].split() == ["t", "rnn"]


@pytest.mark.parametrize("args, words", [
    (["--cells", "nope"], "unknown cell 'nope'"),
    (["--cells", "rnn", "--length", "0"], "--length"),
    (["--cells", "rnn:chrono"], "not supported by the cell 'rnn'"),
    (["--cells", "rnn", "--task", "nope"], "unknown task 'nope'"),
    (["--cells", "rnn", "--after-steps", "2"], "--after-steps trains"),
    (["--cells", "rnn", "--task", "copy", "--bogus", "1"], "no such option --bogus"),
    (["--cells", "rnn", "--delay", "3"], "need --task"),
    (["--cells", "rnn,,gru"], "empty name"),
    (["--cells", "bi-gru"], "--cells: the cell 'bi-gru' runs both ways"),
    (["--cells", "rnn", "--init", "nonsense"], "'nonsense' is not supported"),
    (["--length", "5"], "Missing option '--cells'"),
    (["--cells", "rnn", "--lr", "nan"], "--lr must be a finite number"),
    (["--cells", "lstm:forget-bias", "--forget-bias", "inf"], "--forget-bias must be"),
    (["--cells", "rnn", "-o", ""], "empty path"),
])
def test_bad_input_exits_2_with_one_line(args, words):
    result = invoke("gradflow", *args)
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("Error")] == \
        [result.stderr.strip().splitlines()[-1]]


def test_the_installed_command_prints_the_table():
    result = subprocess.run([console_script(), "gradflow", "--cells", "rnn,lstm", "--length",
                             "6", "--hidden", "4"], capture_output=True, text=True,
                            env=subprocess_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2].split() == ["t", "rnn", "lstm"]
    assert result.stdout.splitlines()[-1].split()[0] == "5"


def test_python_m_minigrad_cli_main_has_the_command_too():
    """main.py imports cli/gradflow.py at its end; run as __main__ that must still work."""
    result = subprocess.run([sys.executable, "-m", "minigrad.cli.main", "gradflow", "--cells",
                             "gru", "--length", "3", "--hidden", "2"], capture_output=True,
                            text=True, env=subprocess_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2].split() == ["t", "gru"]
