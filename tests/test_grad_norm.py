"""The global gradient norm before clipping, kept at every logged step: in the learning
curve, curves.csv and results.json; equal to the norm measured independently from the
gradients; and the exploding relu RNN of docs/tasks.md, with and without ``--clip``."""
import csv
import json
import math
import shlex
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad.nn.utils import clip_grad_norm_, grad_norm

from commands import invoke

pytestmark = pytest.mark.usefixtures("real_registry")  # see conftest.py

TINY = dict(hidden=6, batch=4, eval_every=1, task_options={"length": 1, "delay": 2, "symbols": 2})
DOCS = Path(__file__).resolve().parent.parent / "docs"


def numpy_norm(parameters):
    """‖∇L‖₂ of all the gradients joined into one float64 vector."""
    return math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum())
                         for p in parameters if p.grad is not None))


def test_grad_norm_measures_without_changing_the_gradients(rng):
    params = [minigrad.tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 4), (5,))]
    for p in params:
        p.grad = minigrad.tensor(rng.standard_normal(p.shape) * 10)
    before = [p.grad.numpy().copy() for p in params]
    assert grad_norm(params).item() == pytest.approx(numpy_norm(params), rel=1e-12)
    for p, g in zip(params, before):
        np.testing.assert_array_equal(p.grad.numpy(), g)
    assert grad_norm([minigrad.tensor([1.0], requires_grad=True)]).item() == 0.0


@pytest.mark.parametrize("clip", [None, 1e-3], ids=["no-clip", "clip"])
def test_the_curve_holds_the_norm_before_clipping(clip):
    """The model's gradients after the last step are those of that step (clipped when
    asked); the curve's last grad_norm is their norm before the clip."""
    result = minigrad.train("gru", "copy", steps=3, clip=clip, early_stop=False, **TINY)
    assert [point["step"] for point in result.curve] == [1, 2, 3]
    assert all(point["grad_norm"] > 0 for point in result.curve)
    left = numpy_norm(result.model.parameters())
    recorded = result.curve[-1]["grad_norm"]
    if clip is None:
        assert recorded == pytest.approx(left, rel=1e-5)
    else:
        assert left == pytest.approx(clip, rel=1e-3)   # what the optimizer stepped with
        assert recorded > 10 * clip                    # what the step's gradient was


def test_clip_grad_norm_returns_the_same_norm_grad_norm_measures(rng):
    p = minigrad.tensor(rng.standard_normal(7), requires_grad=True)
    p.grad = minigrad.tensor(rng.standard_normal(7) * 5)
    measured = grad_norm([p]).item()
    assert clip_grad_norm_([p], 1.0).item() == pytest.approx(measured, rel=1e-12)


def test_curves_csv_and_results_json_have_the_grad_norm(tmp_path):
    out = tmp_path / "run"
    result = invoke("compare", "--cells", "rnn", "--task", "copy", "--length", "1", "--delay",
                    "2", "--symbols", "2", "--hidden", "6", "--batch", "4", "--steps", "4",
                    "--eval-every", "2", "--out", out)
    assert result.exit_code == 0, result.stderr
    with open(out / "curves.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [2, 4]
    saved = json.loads((out / "results.json").read_text())["results"][0]["curve"]
    assert [float(r["grad_norm"]) for r in rows] == [point["grad_norm"] for point in saved]
    assert all(point["grad_norm"] > 0 for point in saved)


def test_an_old_results_row_without_grad_norm_reads_as_nan():
    row = minigrad.training.RunResult("rnn", 0, 1, 1, 0.1, 0.2, "loss", 0.1, False, None,
                                      0.0, 0.0).to_dict(with_curve=True)
    row["curve"] = [{"step": 1, "loss": 0.1, "score": 0.1}]
    [point] = minigrad.training.RunResult.from_dict(row).curve
    assert math.isnan(point["grad_norm"])


# --------------------------------------------------------------------------------------
# the exploding IRNN of docs/tasks.md

EXPLODING = ("minigrad compare --cells rnn-relu --task adding --init identity --hidden 64 "
             "--lr 0.003 --steps 400 --eval-every 1")


def run_demo(tmp_path, clip):
    command = f"{EXPLODING} --clip {clip}"
    assert command in (DOCS / "tasks.md").read_text(), "docs/tasks.md shows another command"
    out = tmp_path / f"clip-{clip}"
    result = invoke(*shlex.split(command)[1:], "--out", out, "--quiet")
    assert result.exit_code == 0, result.stderr
    with open(out / "curves.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    baseline = json.loads((out / "results.json").read_text())["task"]["baseline_loss"]
    return rows, baseline


@pytest.mark.slow
def test_without_clipping_the_relu_rnn_explodes_and_never_learns(tmp_path):
    rows, baseline = run_demo(tmp_path, 0)
    norms = [float(r["grad_norm"]) for r in rows if r["grad_norm"]]
    losses = [float(r["loss"]) for r in rows if r["loss"]]
    assert max(norms) > 1e4                    # the spike of step 2
    assert max(losses) > 100 * baseline        # the forward pass blew up
    assert len(rows) == 400                    # never solved, so never stopped early
    assert losses[-1] > 0.5 * baseline         # and at the end no better than guessing


@pytest.mark.slow
def test_with_clip_1_the_same_run_solves_the_adding_task(tmp_path):
    rows, baseline = run_demo(tmp_path, 1)
    losses = [float(r["loss"]) for r in rows]
    assert max(float(r["grad_norm"]) for r in rows) > 1e4  # the same spike, measured
    assert len(rows) < 400                     # solved (MSE < 0.01) and stopped early
    assert losses[-1] < 0.01
