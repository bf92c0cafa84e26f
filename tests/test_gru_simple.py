"""``gru-simple``, the course notes' GRU with an update gate and no reset gate: its
equations in NumPy (float64), a gradient check, and the CLI listing and running it.
(The tests that enumerate every built-in cell, in test_cells.py and
test_cell_contract.py, cover it too.)"""
import json

import numpy as np
import pytest
from click.testing import CliRunner

import minigrad
from minigrad.cli.main import main as cli
from minigrad.nn import Recurrent

pytestmark = pytest.mark.usefixtures("real_registry")  # see conftest.py


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_simple_gru(x, h, p, H):
    """Γ_u = σ(W_u [h, x] + b_u), c̃ = tanh(W_c [h, x] + b_c), h' = Γ_u c̃ + (1 − Γ_u) h,
    with W_u [h, x] split as W_iu x + W_hu h (blocks u, c of weight_ih and weight_hh)."""
    W_iu, W_ic = p["weight_ih_l0"][:H], p["weight_ih_l0"][H:]
    W_hu, W_hc = p["weight_hh_l0"][:H], p["weight_hh_l0"][H:]
    b = p.get("bias_ih_l0", np.zeros(2 * H)) + p.get("bias_hh_l0", np.zeros(2 * H))
    b_u, b_c = b[:H], b[H:]
    outputs = []
    for x_t in x:
        update = sigmoid(np.concatenate([h, x_t], axis=1)
                         @ np.concatenate([W_hu, W_iu], axis=1).T + b_u)
        candidate = np.tanh(h @ W_hc.T + x_t @ W_ic.T + b_c)
        h = update * candidate + (1 - update) * h
        outputs.append(h)
    return np.stack(outputs), h


@pytest.mark.parametrize("bias", [True, False])
def test_gru_simple_follows_the_notes_equations(rng, bias):
    layer = Recurrent("gru-simple", 3, 5, bias=bias, dtype="float64")
    params = {n: p.detach().numpy().copy() for n, p in layer.named_parameters()}
    assert params["weight_ih_l0"].shape == (10, 3) and params["weight_hh_l0"].shape == (10, 5)
    x = rng.standard_normal((6, 2, 3))
    h0 = rng.standard_normal((1, 2, 5)) * 0.5
    output, (h_n,) = layer(minigrad.tensor(x), minigrad.tensor(h0))
    expected_out, expected_h = numpy_simple_gru(x, h0[0], params, 5)
    np.testing.assert_allclose(output.detach().numpy(), expected_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy()[0], expected_h, rtol=0, atol=1e-12)


def test_an_open_update_gate_takes_the_candidate_a_closed_one_keeps_h(rng):
    """Γ_u = 1 overwrites h with c̃ and Γ_u = 0 keeps h (PyTorch's z is the complement):
    a large positive or negative update bias saturates the gate."""
    layer = Recurrent("gru-simple", 2, 3, dtype="float64")
    x = minigrad.tensor(rng.standard_normal((1, 4, 2)))
    h0 = rng.standard_normal((1, 4, 3))
    for sign, expect_kept in ((-1, True), (1, False)):
        with minigrad.no_grad():
            layer.bias_ih_l0.array[:3] = sign * 100.0
        _, (h1,) = layer(x, minigrad.tensor(h0))
        assert np.allclose(h1.detach().numpy(), h0, atol=1e-12) == expect_kept


def test_gradcheck_through_three_steps(rng):
    layer = Recurrent("gru-simple", 2, 3, dtype="float64")
    x = minigrad.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = minigrad.tensor(rng.standard_normal((1, 2, 3)) * 0.5, requires_grad=True)

    def run(x, h0, *params):
        output, (h_n,) = layer(x, h0)
        return output, h_n

    assert minigrad.gradcheck(run, [x, h0, *layer.parameters()], atol=1e-7, rtol=1e-5)


def test_minigrad_cells_lists_it_with_its_init_schemes():
    result = CliRunner().invoke(cli, ["cells", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert "gru-simple" in rows and "bi-gru-simple" in rows
    assert "update gate" in rows["gru-simple"]["description"]


def test_minigrad_compare_runs_it():
    result = CliRunner().invoke(cli, [
        "compare", "--cells", "gru-simple,gru", "--task", "copy", "--steps", "4",
        "--hidden", "6", "--batch", "4", "--eval-every", "2", "--init", "orthogonal",
        "--length", "1", "--delay", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["cell"] for r in data["results"]] == ["gru-simple", "gru"]
    assert all(r["error"] is None and r["steps"] == 4 for r in data["results"])


def test_the_console_script_trains_gru_simple_and_keeps_its_grad_norm(tmp_path):
    """Once as a user would run it: the installed ``minigrad`` command, a real process."""
    import csv
    import subprocess

    from commands import console_script, subprocess_env

    out = tmp_path / "run"
    completed = subprocess.run(
        [console_script(), "compare", "--cells", "gru-simple", "--task", "copy", "--length",
         "1", "--delay", "2", "--steps", "6", "--eval-every", "3", "--hidden", "6",
         "--clip", "0", "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=120, env=subprocess_env())
    assert completed.returncode == 0, completed.stderr
    with open(out / "curves.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["step"], r["cell"]) for r in rows] == [("3", "gru-simple"), ("6", "gru-simple")]
    assert all(float(r["grad_norm"]) > 0 for r in rows)
