"""`minigrad inspect` and ``trace_gates``: the recorded gates are the cell's own numbers
(recomputed here in NumPy from the model's weights), a third party's cell takes part,
checkpoints load, and bad input exits 2 with one line."""
import importlib.util
import json
import subprocess
import sys

import numpy
import pytest

import minigrad
from minigrad.gate_trace import trace_gates
from minigrad.nn import Parameter, RecurrentCell

from commands import console_script, invoke, subprocess_env
from fake_plugins import plugin_with_cell
from test_cell_recording import gru_by_hand, lstm_by_hand

HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
SMALL = ("--hidden", "6", "--delay", "4", "--length", "3")


@pytest.mark.parametrize("cell, by_hand", [("lstm", lstm_by_hand), ("gru", gru_by_hand)])
def test_the_values_are_the_cells_own(cell, by_hand):
    trace = trace_gates(cell, "copy", {"delay": 4, "length": 3}, hidden=6, seed=2)
    watched = trace.model.rnn.cells[0][0]
    expected = by_hand(watched, trace.inputs[:, None, :].astype(numpy.float64))
    assert sorted(trace.values) == sorted(expected)
    for name, values in expected.items():
        numpy.testing.assert_allclose(trace.values[name], values[:, 0], rtol=1e-5, atol=1e-6,
                                      err_msg=name)
    assert trace.steps == 4 + 2 * 3


def test_json_holds_the_same_numbers_as_the_api():
    result = invoke("inspect", "--cell", "lstm", "--task", "copy", *SMALL, "--seed", "2",
                    "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    trace = trace_gates("lstm", "copy", {"delay": 4, "length": 3}, hidden=6, seed=2)
    assert data["steps"] == trace.steps == len(data["values"]["f"]["mean"])
    for name, values in trace.values.items():
        numpy.testing.assert_allclose(data["values"][name]["units"], values, rtol=1e-6)
        numpy.testing.assert_allclose(data["values"][name]["mean"], values.mean(axis=1),
                                      rtol=1e-6, atol=1e-7)


def test_the_table_has_a_row_per_step_and_a_column_per_gate():
    result = invoke("inspect", "--cell", "gru", "--task", "copy", *SMALL)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "mean over the 6 units" in lines[0] and "untrained" in lines[0]
    assert lines[1].split() == ["step", "input", "r", "z", "n", "h"]
    rows = lines[2:]
    assert len(rows) == 10 and rows[-1].split()[0] == "9"
    trace = trace_gates("gru", "copy", {"delay": 4, "length": 3}, hidden=6)
    assert float(rows[3].split()[3]) == pytest.approx(trace.values["z"][3].mean(), abs=5e-4)


class Leaky(RecurrentCell):
    """A third party's leaky unit, h' = (1 - a) h + a tanh(W x + U h), exposing 'a'."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.w = Parameter(minigrad.randn(hidden_size, input_size) * 0.3)
        self.u = Parameter(minigrad.randn(hidden_size, hidden_size) * 0.3)
        self.a_logit = Parameter(minigrad.zeros(hidden_size) + 1.0)

    def forward(self, x, state):
        (h,) = state
        a = self.a_logit.sigmoid() * minigrad.ones(x.shape[0], 1)
        h = (1 - a) * h + a * (x @ self.w.T + h @ self.u.T).tanh()
        self.expose(leak=a)
        return h, (h,)


@pytest.fixture
def leaky_plugin(monkeypatch):
    yield from plugin_with_cell(monkeypatch, "leaky", Leaky, "a leaky unit exposing its leak")


def test_a_third_party_cell_shows_what_it_exposes(leaky_plugin):
    result = invoke("inspect", "--cell", "leaky", "--task", "copy", *SMALL, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data["values"]) == ["leak"]
    numpy.testing.assert_allclose(data["values"]["leak"]["mean"], 1 / (1 + numpy.exp(-1.0)),
                                  rtol=1e-6)


def test_a_saved_run_is_inspected_with_its_settings(tmp_path):
    saved = tmp_path / "run.npz"
    trained = invoke("train", "--cell", "lstm", "--task", "copy", "--delay", "4", "--length",
                     "3", "--hidden", "5", "--steps", "2", "--save", saved, "-q")
    assert trained.exit_code == 0, trained.output
    result = invoke("inspect", "--cell", "lstm", "--task", "copy", "--load", saved, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["hidden"] == 5 and data["task_options"]["delay"] == 4
    checkpoint = minigrad.load(saved)
    trace = trace_gates("lstm", "copy", checkpoint=checkpoint)
    loaded = trace.model.state_dict()
    for name, value in checkpoint["model"].items():
        numpy.testing.assert_array_equal(loaded[name].numpy(), value.numpy())
    numpy.testing.assert_allclose(data["values"]["c"]["units"], trace.values["c"], rtol=1e-6)


def test_a_state_dict_is_loaded_too(tmp_path):
    trace = trace_gates("gru", "copy", {"delay": 4}, hidden=3, seed=5)
    path = tmp_path / "weights.npz"
    minigrad.save(trace.model.state_dict(), path)
    result = invoke("inspect", "--cell", "gru", "--task", "copy", "--delay", "4", "--hidden",
                    "3", "--seed", "9", "--load", path, "--json")
    assert result.exit_code == 0, result.output
    again = trace_gates("gru", "copy", {"delay": 4}, hidden=3, seed=9,
                        checkpoint=minigrad.load(path))
    numpy.testing.assert_allclose(json.loads(result.stdout)["values"]["h"]["units"],
                                  again.values["h"], rtol=1e-6)
    for name, value in trace.model.state_dict().items():  # seed 9 did not redraw the weights
        numpy.testing.assert_array_equal(again.model.state_dict()[name].numpy(), value.numpy())


def test_the_picture(tmp_path):
    target = tmp_path / "gates.png"
    result = invoke("inspect", "--cell", "lstm", "--task", "copy", *SMALL, "-o", target)
    assert result.exit_code == 0, result.output
    if not HAS_MATPLOTLIB:
        assert not target.exists() and "matplotlib is not installed" in result.stderr
        pytest.skip("matplotlib is not installed: the note was checked, not the picture")
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_matplotlib_a_note_and_exit_0(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if missing
    target = tmp_path / "gates.png"
    result = invoke("inspect", "--cell", "lstm", "--task", "copy", *SMALL, "-o", target)
    assert result.exit_code == 0
    assert "not drawn: matplotlib is not installed" in result.stderr
    assert not target.exists() and result.stdout.splitlines()[1].split()[0] == "step"


@pytest.mark.parametrize("args, said", [
    (["--cell", "nope", "--task", "copy"], "unknown cell 'nope'"),
    (["--cell", "lstm", "--task", "nope"], "unknown task 'nope'"),
    (["--cell", "lstm", "--task", "copy", "--delay", "x"], "delay"),
    (["--cell", "lstm", "--task", "copy", "--load", "missing.npz"], "no such file"),
    (["--cell", "lstm", "--task", "copy", "-o", "gates.svg"], "ending in .png"),
    (["--cell", "lstm", "--task", "copy", "--hidden", "0"], "--hidden"),
])
def test_bad_usage_exits_2_with_one_line(args, said, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("inspect", *args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and said in errors[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_checkpoint_of_another_cell_is_refused(tmp_path):
    saved = tmp_path / "run.npz"
    invoke("train", "--cell", "gru", "--task", "copy", "--hidden", "3", "--steps", "1",
           "--save", saved, "-q")
    result = invoke("inspect", "--cell", "lstm", "--task", "copy", "--load", saved)
    assert result.exit_code == 2
    assert "holds a run of the cell 'gru', not 'lstm': give --cell gru" in result.stderr


def test_a_cell_that_exposes_nothing_is_told_so(monkeypatch):
    class Quiet(RecurrentCell):
        def forward(self, x, state):
            return state[0], state
    with pytest.raises(ValueError, match="exposes nothing to inspect"):
        trace_gates(Quiet, "copy", {"delay": 2}, hidden=2)


def test_the_console_script():
    done = subprocess.run([console_script(), "inspect", "--cell", "lstm", "--task", "copy",
                           *SMALL], capture_output=True, text=True, env=subprocess_env(),
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].split() == ["step", "input", "i", "f", "g", "o", "c", "h"]
