"""The benchmark's workload: one training step of a recurrent layer, built three ways on
the same weights and the same data, so the timings compare like with like.

The step: ``minigrad.nn.Recurrent(cell, 10, H, num_layers=L)`` over T steps of one-hot
inputs (10 symbols, batch B), a ``Linear(H, 10)`` readout at every step, the mean
cross-entropy over all T·B positions, ``backward()``, and a plain SGD update. The same
model is built in PyTorch (``torch.nn.RNN/GRU/LSTM`` + ``torch.nn.Linear``, weights copied
from minigrad's ``state_dict``, whose names are PyTorch's) and as the hand-written NumPy
step of ``handfused``. Each ``make_*`` returns a callable that runs one step.
"""
import numpy as np

SYMBOLS = 10  # the one-hot input and the readout's classes
LR = 0.01
#: cells PyTorch has, and how to build them there
TORCH_CELLS = {"rnn": ("RNN", {"nonlinearity": "tanh"}), "rnn-relu": ("RNN", {"nonlinearity": "relu"}),
               "gru": ("GRU", {}), "lstm": ("LSTM", {})}
#: The values per unit, sequence and step that BPTT needs from the forward pass without
#: recomputing a matrix product: the Elman RNN h (its φ' is read from h); the GRU r, z, n,
#: W_hn h + b_hn and h (the simplified GRU u, c̃ and h); the LSTM i, f, g, o, c and h (tanh
#: c is cheap to recompute).
MUST_KEEP_PER_UNIT = {"rnn": 1, "rnn-relu": 1, "gru": 5, "gru-v3": 5, "gru-simple": 3,
                      "lstm": 6, "peephole-lstm": 6}


def must_keep_bytes(work, itemsize=4):
    """The bytes the backward pass of the training step must keep: for every step and
    sequence, the layer's ``MUST_KEEP_PER_UNIT`` values per unit and layer, and the
    readout's softmax over the symbols. None for a cell not in the table."""
    per_unit = MUST_KEEP_PER_UNIT.get(work.cell)
    if per_unit is None:
        return None
    per_step = per_unit * work.hidden * work.layers + SYMBOLS
    return work.length * work.batch * per_step * itemsize


class Workload:
    """The sizes and the data of one benchmark case: inputs x (T, B, 10) one-hot float32,
    targets y (T, B) symbols, drawn from ``seed``."""

    def __init__(self, cell, hidden, batch, length, layers, device="cpu", seed=0):
        self.cell, self.hidden, self.batch, self.length, self.layers = \
            cell, hidden, batch, length, layers
        self.device = device
        rng = np.random.default_rng(seed)
        symbols = rng.integers(0, SYMBOLS, size=(length, batch))
        self.x = np.eye(SYMBOLS, dtype=np.float32)[symbols]
        self.y = rng.integers(0, SYMBOLS, size=(length, batch))


def make_minigrad(work, fused=True, dtype="float32"):
    """minigrad's training step; the layer's ``fused`` attribute chooses the path (a layer
    without the fused op ignores it). Returns (step, model parameters as NumPy arrays)."""
    import minigrad
    from minigrad import nn
    from minigrad.nn import functional as F
    layer = nn.Recurrent(work.cell, SYMBOLS, work.hidden, num_layers=work.layers,
                         device=work.device, dtype=dtype)
    layer.fused = fused
    readout = nn.Linear(work.hidden, SYMBOLS, device=work.device, dtype=dtype)
    params = list(layer.parameters()) + list(readout.parameters())
    optimizer = minigrad.optim.SGD(params, lr=LR)
    x = minigrad.tensor(work.x.astype(dtype), device=work.device)
    y = minigrad.tensor(work.y.reshape(-1), device=work.device)
    T, B = work.length, work.batch

    def forward():
        output, _ = layer(x)
        return F.cross_entropy(readout(output).reshape(T * B, SYMBOLS), y)

    def step():
        optimizer.zero_grad()
        loss = forward()
        loss.backward()
        optimizer.step()
        return loss

    step.forward = forward  # what the graph holds between forward and backward is measured
    return step, layer, readout


def numpy_params(layer, readout, dtype=np.float32):
    """The model's parameters as NumPy arrays under PyTorch's names (copies)."""
    from minigrad import backend
    params = {name: backend.to_numpy(p.array).astype(dtype) for name, p in
              layer.state_dict().items()}
    for name, p in readout.state_dict().items():
        params[f"readout.{name}"] = backend.to_numpy(p.array).astype(dtype)
    return params


def make_torch(work, params, torch):
    """PyTorch's training step on the same weights and data (CPU). None for a cell PyTorch
    does not have."""
    if work.cell not in TORCH_CELLS:
        return None
    kind, extra = TORCH_CELLS[work.cell]
    layer = getattr(torch.nn, kind)(SYMBOLS, work.hidden, num_layers=work.layers, **extra)
    readout = torch.nn.Linear(work.hidden, SYMBOLS)
    with torch.no_grad():
        for name, p in layer.named_parameters():
            p.copy_(torch.from_numpy(params[name]))
        readout.weight.copy_(torch.from_numpy(params["readout.weight"]))
        readout.bias.copy_(torch.from_numpy(params["readout.bias"]))
    optimizer = torch.optim.SGD(list(layer.parameters()) + list(readout.parameters()), lr=LR)
    x = torch.from_numpy(work.x)
    y = torch.from_numpy(work.y.reshape(-1))
    T, B = work.length, work.batch

    def step():
        optimizer.zero_grad()
        output, _ = layer(x)
        loss = torch.nn.functional.cross_entropy(readout(output).reshape(T * B, SYMBOLS), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def make_numpy(work, params):
    """The hand-fused NumPy step on (a copy of) the same weights; None for a cell it lacks."""
    from .handfused import CELLS, HandFused
    if work.cell not in CELLS or work.device != "cpu":
        return None
    model = HandFused(work.cell, {k: v.copy() for k, v in params.items()}, work.layers, LR)
    return lambda: model.step(work.x, work.y)
