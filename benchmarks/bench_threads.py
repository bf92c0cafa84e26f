"""One matrix product at one and at two BLAS threads, side by side: where the thresholds
of ``minigrad.threads.for_product`` come from.

    python benchmarks/bench_threads.py                      # the shapes of a recurrent layer
    python benchmarks/bench_threads.py --batch 32 --length 100 --hidden 32,128,256,512
    python benchmarks/bench_threads.py --policy             # and what the policy chooses

The shapes are those a layer's fused op multiplies, for gate count g (1 for the tanh RNN,
3 for the GRU, 4 for the LSTM) and input size I:

* input projection, hoisted before the loop: (T·B × I)·(I × gH)
* weight gradient, hoisted after the loop: (gH × T·B)·(T·B × H) (and × I for W_ih)
* per step, forward: (B × H)·(H × gH); backward: (B × gH)·(gH × H)

Each figure is the median of ``--repeat`` timed products; the one- and two-thread runs
alternate, so a noisy machine slows both alike. float32, C-contiguous operands (a
transposed operand goes through the same BLAS call). Prints a table, asserts nothing.
"""
import argparse
import statistics
import time

import minigrad  # noqa: F401 - sets the one-thread default before NumPy loads
from minigrad import threads


def shapes(batch, length, hidden_sizes, input_size):
    """(label, m, k, n) for every product a layer of each cell and size makes."""
    rows = []
    for H in hidden_sizes:
        for cell, g in (("rnn", 1), ("gru", 3), ("lstm", 4)):
            TB = length * batch
            rows += [(f"{cell} H={H} input proj", TB, input_size, g * H),
                     (f"{cell} H={H} dW_hh", g * H, TB, H),
                     (f"{cell} H={H} step fwd", batch, H, g * H),
                     (f"{cell} H={H} step bwd", batch, g * H, H)]
    return rows


def time_product(m, k, n, counts, repeat, rng):
    """{threads: median seconds} of an (m × k)·(k × n) float32 product, counts interleaved."""
    import numpy as np
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    out = np.empty((m, n), np.float32)
    number = max(1, int(2e6 // max(1, m * k * n)))  # tiny products: time a batch of them
    times = {count: [] for count in counts}
    for _ in range(repeat + 1):  # the first round warms up
        for count in counts:
            with threads.blas_threads(count):
                np.matmul(a, b, out=out)
                start = time.perf_counter()
                for _ in range(number):
                    np.matmul(a, b, out=out)
                times[count].append((time.perf_counter() - start) / number)
    return {count: statistics.median(values[1:]) for count, values in times.items()}


def main():
    import numpy as np
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--input", type=int, default=10, help="input size I")
    parser.add_argument("--hidden", default="32,128,256,512")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--threads", default="1,2", help="thread counts, the first the base")
    parser.add_argument("--policy", action="store_true", help="show the policy's choice")
    args = parser.parse_args()
    counts = [int(c) for c in args.threads.split(",")]
    hidden = [int(h) for h in args.hidden.split(",")]
    if threads.find_blas() is None:
        raise SystemExit("no OpenBLAS or MKL thread control found: nothing to compare")
    print(f"{threads.describe()}; NumPy {np.__version__}; median of {args.repeat}, float32")
    header = f"{'product':<26} {'m':>6} {'k':>6} {'n':>6} {'MFLOP':>8}"
    header += "".join(f" {f'{c} thr µs':>11}" for c in counts)
    header += "".join(f" {f'{counts[0]}/{c}':>6}" for c in counts[1:])
    header += "  policy" if args.policy else ""
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for label, m, k, n in shapes(args.batch, args.length, hidden, args.input):
        timing = time_product(m, k, n, counts, args.repeat, rng)
        row = f"{label:<26} {m:>6} {k:>6} {n:>6} {2 * m * k * n / 1e6:>8.2f}"
        row += "".join(f" {timing[c] * 1e6:>11.1f}" for c in counts)
        row += "".join(f" {timing[counts[0]] / timing[c]:>5.2f}x" for c in counts[1:])
        if args.policy:
            row += f"  {threads.for_product(m, k, n, respect_user=False)}"
        print(row, flush=True)
    print(f"\n{counts[0]}/N > 1: N threads are faster than {counts[0]}.")


if __name__ == "__main__":
    main()
