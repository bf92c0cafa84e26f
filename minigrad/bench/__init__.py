"""``minigrad bench`` as one Python call: milliseconds and peak memory of a training step.

    >>> import minigrad.bench
    >>> result = minigrad.bench.run(cells=["lstm"], hidden=[4], length=3, repeat=1,
    ...                             threads=[1])
    >>> sorted(result["rows"][0])[:3]
    ['batch', 'cell', 'hidden']

For each cell × hidden size × BLAS thread count, one row: minigrad's median ms per step
(``minigrad_ms``) and peak MiB of one step, the MiB its graph holds between forward and
backward (``held_mib``) and the MiB a backward pass must keep (``must_keep_mib``, see
``workload.MUST_KEEP_PER_UNIT``); with ``plain=True`` the same model with
``layer.fused = False`` (``plain_ms``, ``speedup`` = plain ÷ fused); with ``vs=["torch"]``
PyTorch's (``torch_ms``, ``vs_torch`` = minigrad ÷ torch), with ``vs=["numpy"]`` the
hand-fused NumPy step's (``numpy_ms``, ``vs_numpy`` = minigrad ÷ numpy). A figure a
contender can't give (PyTorch has no such cell) is None. The workload is described in
``minigrad.bench.workload``, the timing in ``minigrad.bench.measure``.
"""
import os
import platform

from .. import threads as blas
from . import measure, workload

DEFAULT_CELLS = ("rnn", "gru", "lstm")
DEFAULT_HIDDEN = (32, 128, 256, 512)
COMPARISONS = ("torch", "numpy")
MIB = 2 ** 20


def _sizes(values, what):
    values = list(values)
    if not values:
        raise ValueError(f"{what} needs at least one value")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{what} must be whole numbers >= 1, got {value!r}")
    return values


def _size(value, what):
    return _sizes([value], what)[0]


def check_device(device):
    """The device name, refused unless it is the CPU or a CUDA GPU that is there."""
    from .. import backend
    parsed = backend.parse_device(device)
    if parsed.type == "cuda" and not backend.gpu_available():
        raise ValueError(f"--device {device}: no CUDA GPU is usable here (CuPy "
                         f"{'is not installed' if backend.cupy_or_none() is None else 'sees no GPU'}"
                         f"); use --device cpu")
    return str(parsed)


def _torch(vs):
    if "torch" not in vs:
        return None
    try:
        import torch
    except ImportError:
        raise ValueError("--vs torch needs PyTorch, which can't be imported here "
                         "(pip install torch), or leave --vs torch out") from None
    return torch


def fused_available():
    """Whether this minigrad's Recurrent has the whole-sequence fused op (its ``fused``
    keyword); without it, ``fused`` and plain are the same per-step path."""
    import inspect
    from ..nn import Recurrent
    return "fused" in inspect.signature(Recurrent.__init__).parameters


def machine(device, torch=None):
    """The facts a figure depends on."""
    import numpy
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    facts = {"cpus": os.cpu_count(), "cpus_usable": usable, "python": platform.python_version(),
             "numpy": numpy.__version__, "blas": blas.describe(), "device": device,
             "fused_op": fused_available(), "thread_variables": blas.user_choice()}
    if torch is not None:
        facts["torch"] = torch.__version__
    return facts


class Plan:
    """A checked benchmark, ready to measure: ``run(progress)`` returns the result."""

    def __init__(self, names, hidden, batch, length, layers, threads, device, vs, plain,
                 repeat, torch):
        self.settings = {"cells": names, "hidden": hidden, "batch": batch, "length": length,
                         "layers": layers, "threads": threads, "device": device,
                         "vs": list(vs), "plain": plain, "repeat": repeat}
        self.torch = torch

    def run(self, progress=None):
        """Measure every cell × hidden × thread count; ``{"machine", "settings", "rows"}``.
        ``progress(text)`` is told each row as it starts."""
        s = self.settings
        sync = measure.cuda_sync() if s["device"] != "cpu" else (lambda: None)
        rows = []
        for cell in s["cells"]:
            for size in s["hidden"]:
                for count in s["threads"]:
                    if progress:
                        progress(f"{cell} H={size} threads={count}")
                    rows.append(_row(cell, size, s["batch"], s["length"], s["layers"], count,
                                     s["device"], s["vs"], s["plain"], s["repeat"],
                                     self.torch, sync))
        return {"machine": machine(s["device"], self.torch), "settings": dict(s),
                "rows": rows}


def prepare(cells=DEFAULT_CELLS, hidden=DEFAULT_HIDDEN, batch=32, length=100, layers=1,
            threads=None, device="cpu", vs=(), plain=False, repeat=11):
    """Check the settings (everything is refused before any measuring) -> a ``Plan``.
    ``threads`` defaults to 1 and 2; ``vs`` may hold "torch" and "numpy"."""
    from ..plugin_manager import get_cell
    names = [get_cell(cell).name for cell in cells]  # unknown names: the valid ones listed
    if not names:
        raise ValueError("cells needs at least one cell name")
    hidden = _sizes(hidden, "hidden")
    batch, length, layers = (_size(batch, "batch"), _size(length, "length"),
                             _size(layers, "layers"))
    repeat = _size(repeat, "repeat")
    unknown = [v for v in vs if v not in COMPARISONS]
    if unknown:
        raise ValueError(f"vs {unknown[0]!r}: compare with one of {', '.join(COMPARISONS)}")
    device = check_device(device)
    threads = _sizes(threads if threads is not None else (1, 2), "threads")
    torch = _torch(vs)
    if torch is not None and device != "cpu":
        raise ValueError("--vs torch runs PyTorch on the CPU; compare with it on --device cpu")
    return Plan(names, hidden, batch, length, layers, threads, device, vs, plain, repeat,
                torch)


def run(cells=DEFAULT_CELLS, hidden=DEFAULT_HIDDEN, batch=32, length=100, layers=1,
        threads=None, device="cpu", vs=(), plain=False, repeat=11, progress=None):
    """``prepare(...)`` then ``run(progress)``: the whole benchmark in one call."""
    return prepare(cells, hidden, batch, length, layers, threads, device, vs, plain,
                   repeat).run(progress)


def _row(cell, hidden, batch, length, layers, count, device, vs, plain, repeat, torch, sync):
    work = workload.Workload(cell, hidden, batch, length, layers, device)
    step, layer, readout = workload.make_minigrad(work)
    steps = {"minigrad": step}
    if plain:
        steps["plain"] = workload.make_minigrad(work, fused=False)[0]
    params = workload.numpy_params(layer, readout) if vs else None
    if "torch" in vs:
        theirs = workload.make_torch(work, params, torch)
        if theirs is not None:
            steps["torch"] = theirs
    if "numpy" in vs:
        ours = workload.make_numpy(work, params)
        if ours is not None:
            steps["numpy"] = ours
    torch_threads = torch.get_num_threads() if torch is not None else None
    try:
        if torch is not None:
            torch.set_num_threads(count)
        with blas.blas_threads(count):
            ms = measure.interleaved_medians(steps, repeat, sync)
            peak = measure.peak_bytes_cpu if device == "cpu" else measure.peak_bytes_cuda
            peaks = {name: peak(steps[name]) / MIB for name in steps
                     if name in ("minigrad", "plain", "numpy")}
    finally:
        if torch is not None:
            torch.set_num_threads(torch_threads)
    must_keep = workload.must_keep_bytes(work)
    row = {"cell": cell, "hidden": hidden, "batch": batch, "length": length,
           "layers": layers, "threads": count, "minigrad_ms": ms["minigrad"],
           "peak_mib": peaks["minigrad"],
           "held_mib": measure.held_bytes_cpu(step.forward) / MIB if device == "cpu" else None,
           "must_keep_mib": None if must_keep is None else must_keep / MIB}
    if plain:
        row.update(plain_ms=ms["plain"], plain_peak_mib=peaks["plain"],
                   speedup=ms["plain"] / ms["minigrad"])
    for name in vs:
        row[f"{name}_ms"] = ms.get(name)
        row[f"vs_{name}"] = ms["minigrad"] / ms[name] if name in ms else None
    if "numpy" in vs:
        row["numpy_peak_mib"] = peaks.get("numpy")
    return row
