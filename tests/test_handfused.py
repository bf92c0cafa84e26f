"""The hand-fused NumPy step of ``minigrad bench --vs numpy`` is a reference, so it must be
right: its loss and every gradient agree with minigrad's own autograd in float64."""
import numpy as np
import pytest

from minigrad.bench import workload
from minigrad.bench.handfused import HandFused


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("layers", [1, 2])
def test_loss_and_every_gradient_match_minigrad(cell, layers):
    work = workload.Workload(cell, hidden=5, batch=3, length=4, layers=layers, seed=3)
    step, layer, readout = workload.make_minigrad(work, fused=False, dtype="float64")
    params = workload.numpy_params(layer, readout, dtype=np.float64)
    ours = HandFused(cell, params, layers, lr=workload.LR)
    loss, grads = ours.loss_and_grads(work.x.astype(np.float64), work.y)

    reference = step()  # minigrad's step: forward, backward, then the SGD update
    assert loss == pytest.approx(float(reference.item()), abs=1e-10)
    named = dict(layer.named_parameters())
    named.update({f"readout.{n}": p for n, p in readout.named_parameters()})
    assert set(named) == set(grads)
    for name, p in named.items():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_the_step_applies_sgd(cell):
    work = workload.Workload(cell, hidden=4, batch=2, length=3, layers=1)
    _, layer, readout = workload.make_minigrad(work, dtype="float64")
    params = workload.numpy_params(layer, readout, dtype=np.float64)
    before = {k: v.copy() for k, v in params.items()}
    model = HandFused(cell, params, 1, lr=0.5)
    _, grads = model.loss_and_grads(work.x.astype(np.float64), work.y)
    model.step(work.x.astype(np.float64), work.y)
    for name in params:
        np.testing.assert_allclose(params[name], before[name] - 0.5 * grads[name])


def test_an_unknown_cell_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="rnn, gru, lstm"):
        HandFused("mgu", {}, 1, 0.1)
