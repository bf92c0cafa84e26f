"""minigrad's RNN, GRU and LSTM against numbers stored from PyTorch (no PyTorch needed).

The fixture is made by tests/fixtures/make_reference.py; each case loads PyTorch's
parameters into minigrad's layer and must reproduce the output, the final state and
every gradient to 1e-10 in float64, on the fast path and on the plain cell forward.
"""
import itertools
import pathlib

import numpy as np
import pytest

import minigrad
from minigrad import nn

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "recurrent_reference.npz"
KINDS = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}
CASES = list(itertools.product(KINDS, (1, 2), (False, True), (False, True)))


@pytest.fixture(scope="module")
def reference():
    with np.load(FIXTURE, allow_pickle=False) as data:
        return dict(data)


def case_name(kind, layers, bidirectional, batch_first):
    return f"{kind}-l{layers}-{'bi' if bidirectional else 'uni'}-{'bf' if batch_first else 'sf'}"


def run_case(reference, kind, layers, bidirectional, batch_first, fast=True, layer=None):
    name = case_name(kind, layers, bidirectional, batch_first)
    ref = {k[len(name) + 1:]: v for k, v in reference.items() if k.startswith(name + "/")}
    if layer is None:
        layer = KINDS[kind](4, 6, num_layers=layers, bidirectional=bidirectional,
                            batch_first=batch_first, dtype="float64")
    layer.use_fast_path = fast
    params = {k[len("param/"):]: v for k, v in ref.items() if k.startswith("param/")}
    layer.load_state_dict(params)
    x = minigrad.tensor(ref["input"], requires_grad=True)
    states = [minigrad.tensor(ref[f"state{k}"]) for k in range(2 if kind == "LSTM" else 1)]
    output, final = layer(x, tuple(states) if kind == "LSTM" else states[0])
    final = final if kind == "LSTM" else (final,)
    results = (output, *final)
    loss = sum((t * minigrad.tensor(ref[f"projection{k}"])).sum() for k, t in enumerate(results))
    loss.backward()
    return layer, ref, x, results


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "plain-forward"])
@pytest.mark.parametrize("kind,layers,bidirectional,batch_first", CASES,
                         ids=[case_name(*c) for c in CASES])
def test_matches_pytorch_reference(reference, kind, layers, bidirectional, batch_first, fast):
    layer, ref, x, results = run_case(reference, kind, layers, bidirectional, batch_first, fast)
    np.testing.assert_allclose(results[0].detach().numpy(), ref["output"], atol=1e-10, rtol=0)
    for k, final in enumerate(results[1:]):
        np.testing.assert_allclose(final.detach().numpy(), ref[f"final{k}"], atol=1e-10, rtol=0)
    np.testing.assert_allclose(x.grad.numpy(), ref["input_grad"], atol=1e-10, rtol=0)
    names = [k[len("grad/"):] for k in ref if k.startswith("grad/")]
    assert sorted(names) == sorted(n for n, _ in layer.named_parameters())
    own = dict(layer.named_parameters())
    for pname in names:
        np.testing.assert_allclose(own[pname].grad.numpy(), ref[f"grad/{pname}"], atol=1e-10,
                                   rtol=0, err_msg=pname)


@pytest.mark.parametrize("kind,layers,bidirectional,batch_first",
                         [c for c in CASES if c[3] is False], ids=lambda v: str(v))
def test_state_dict_names_and_shapes_are_pytorchs(reference, kind, layers, bidirectional,
                                                  batch_first):
    name = case_name(kind, layers, bidirectional, batch_first)
    expected = {k.split("/param/")[1]: v.shape for k, v in reference.items()
                if k.startswith(name + "/param/")}
    layer = KINDS[kind](4, 6, num_layers=layers, bidirectional=bidirectional)
    assert {k: v.shape for k, v in layer.state_dict().items()} == expected


@pytest.mark.parametrize("kind", list(KINDS))
def test_live_pytorch_round_trip(torch, kind):
    """A minigrad state_dict loads into PyTorch and gives the same outputs, and back."""
    minigrad.manual_seed(3)
    ours = KINDS[kind](3, 5, num_layers=2, bidirectional=True, dtype="float64")
    theirs = getattr(torch.nn, kind)(3, 5, num_layers=2, bidirectional=True).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((7, 2, 3))
    out, _ = ours(minigrad.tensor(x))
    ref, _ = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-12)
    back = KINDS[kind](3, 5, num_layers=2, bidirectional=True, dtype="float64")
    back.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    out2, _ = back(minigrad.tensor(x))
    np.testing.assert_allclose(out2.detach().numpy(), ref.detach().numpy(), atol=1e-12)
