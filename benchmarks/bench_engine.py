"""How fast is the engine? Microseconds for forward + backward, beside PyTorch (CPU).

    python benchmarks/bench_engine.py                 # the three workloads, float32
    python benchmarks/bench_engine.py --device cuda   # minigrad on the GPU (CuPy)

Three workloads, each timed as one forward pass plus one backward pass:

* ``elementwise``: y = x * w on (32, 128) tensors: almost all framework overhead;
* ``matmul``: (32, 128) @ (128, 512): almost all BLAS;
* ``rnn-100``: a 100-step tanh RNN, h = tanh(x_t @ W + h @ U + b), B = 32, H = 128,
  loss = h.sum(): a graph of ~600 nodes, the shape of a BPTT step.

Each figure is the median of ``--repeat`` timed runs after a warm-up; "per op" divides
the RNN figure by the number of graph nodes, so it compares with the first row.

Both libraries get the same number of CPU threads (``--threads``, 1 by default): NumPy's
BLAS and PyTorch's OpenMP pools in one process otherwise fight for the cores, and the
figures swing by 100x. The thread variables must be set before NumPy is imported,
hence the imports inside ``main``. A plain script: it prints a table, asserts nothing.
"""
import argparse
import os
import platform
import statistics
import time

BATCH, HIDDEN, STEPS = 32, 128, 100
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def median_us(fn, repeat, sync=lambda: None):
    """Median wall time of ``fn()`` in microseconds, after two warm-up calls."""
    for _ in range(2):
        fn()
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def workloads(lib, device, rng):
    """The three workloads for ``lib`` (minigrad or torch), on the same float32 data."""
    def leaf(*shape, scale=1.0):  # the same call works on both: PyTorch's names
        data = (rng.standard_normal(shape) * scale).astype("float32")
        return lib.tensor(data, requires_grad=True, device=device)

    def const(*shape):
        return lib.tensor(rng.standard_normal(shape).astype("float32"), device=device)

    x, w = leaf(BATCH, HIDDEN), leaf(BATCH, HIDDEN)
    upstream = const(BATCH, HIDDEN)

    def elementwise():
        (x * w).backward(upstream)

    a, b = leaf(BATCH, HIDDEN), leaf(HIDDEN, 4 * HIDDEN, scale=HIDDEN ** -0.5)
    upstream_mm = const(BATCH, 4 * HIDDEN)

    def matmul():
        (a @ b).backward(upstream_mm)

    xs = const(STEPS, BATCH, HIDDEN)
    W = leaf(HIDDEN, HIDDEN, scale=HIDDEN ** -0.5)
    U = leaf(HIDDEN, HIDDEN, scale=HIDDEN ** -0.5)
    bias = leaf(HIDDEN)

    def rnn():
        h = lib.zeros(BATCH, HIDDEN, device=device)
        for t in range(STEPS):
            h = (xs[t] @ W + h @ U + bias).tanh()
        h.sum().backward()

    # nodes per step: xs[t], @, @, +, +, tanh -> 6; plus the final sum
    return [("elementwise x*w (32,128)", elementwise, 1),
            ("matmul (32,128)@(128,512)", matmul, 1),
            (f"tanh RNN {STEPS} steps B={BATCH} H={HIDDEN}", rnn, 6 * STEPS + 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per workload")
    parser.add_argument("--device", default="cpu", help="minigrad's device: cpu or cuda")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for both libraries")
    args = parser.parse_args()
    for name in THREAD_VARIABLES:
        os.environ[name] = str(args.threads)

    import numpy as np

    import minigrad
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:  # PyTorch is optional: its columns are left out
        torch = None

    sync = lambda: None  # noqa: E731
    if args.device != "cpu":
        import cupy
        sync = cupy.cuda.Device().synchronize

    rng = np.random.default_rng(0)
    ours = workloads(minigrad, args.device, rng)
    theirs = (workloads(torch, "cpu", np.random.default_rng(0))
              if torch is not None else None)

    print(f"minigrad {minigrad.__version__} on {args.device} (NumPy {np.__version__}); "
          + (f"PyTorch {torch.__version__} on cpu" if torch is not None
             else "PyTorch not installed") + f"; {args.threads} CPU thread(s) each")
    print(f"Python {platform.python_version()}, {platform.machine()}; "
          f"median of {args.repeat} runs, forward + backward, float32\n")
    header = f"{'workload':<34} {'nodes':>5} {'minigrad µs':>12} {'per op':>9}"
    if theirs is not None:
        header += f" {'torch µs':>10} {'per op':>9} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for i, (name, fn, nodes) in enumerate(ours):
        ours_us = median_us(fn, args.repeat, sync)
        row = f"{name:<34} {nodes:>5} {ours_us:>12.1f} {ours_us / nodes:>9.1f}"
        if theirs is not None:
            torch_us = median_us(theirs[i][1], args.repeat)
            row += f" {torch_us:>10.1f} {torch_us / nodes:>9.1f} {ours_us / torch_us:>6.1f}x"
        print(row)
    if theirs is not None:
        print("\nratio = minigrad time / PyTorch time (higher is slower).")


if __name__ == "__main__":
    main()
