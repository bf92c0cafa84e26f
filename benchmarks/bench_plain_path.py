"""How cheap is the plain autograd path? Milliseconds per training step of a recurrent
layer whose cell is written from Tensor ops, as a third party writes one.

    python benchmarks/bench_plain_path.py                          # this checkout
    python benchmarks/bench_plain_path.py --compare /work/baseline # beside another one
    python benchmarks/bench_plain_path.py --hidden 32 --cells lstm-ops --repeat 40

One training step: ``minigrad.nn.Recurrent(cell, 10, H)`` over T = 100 steps of a
one-hot input of 10 classes, batch B = 32; a ``minigrad.nn.Linear(H, 10)`` readout at
every step; mean cross-entropy against random targets; ``backward()``; an SGD step.

The cells:

* ``lstm-ops``, ``rnn-ops``: an LSTM and a tanh RNN cell defined below, built only from
  ``F.linear``, ``+``, ``*``, ``.sigmoid()``, ``.tanh()`` and ``.chunk()`` (no fused op):
  one graph node per op per time step, the path every third-party cell takes;
* ``lstm``, ``gru``, ``rnn``: the built-in cells with ``layer.use_fast_path = False``,
  so their own ``forward`` runs, op by op, too.

Each checkout runs in a subprocess of its own (that checkout first on ``sys.path``, one
BLAS thread), and with ``--compare`` the two are timed in alternation, a few steps at a
time, so that a noisy machine slows both alike. Figures are medians over ``--repeat``
steps after a warm-up; "nodes" counts the graph nodes (op results) of one step. A plain
script: it prints a table and asserts nothing.
"""
import argparse
import importlib.machinery
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

STEPS, BATCH, CLASSES = 100, 32, 10
HIDDEN = (32, 128, 256, 512)
CELLS = ("lstm-ops", "rnn-ops", "lstm", "gru", "rnn")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
HERE = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- the worker
def import_checkout(checkout):
    """Import ``minigrad`` (with its ``minigrad.plugins`` and ``minigrad.cli``, which
    pyproject maps from other folders) from ``checkout``, whatever is installed."""
    folders = {"minigrad": checkout / "minigrad", "minigrad.plugins": checkout / "plugins",
               "minigrad.cli": checkout / "cli"}

    class CheckoutFinder:  # ahead of an editable install's finder, which maps elsewhere
        @staticmethod
        def find_spec(name, path=None, target=None):
            folder = folders.get(name)
            if folder is None:
                return None
            return importlib.util.spec_from_file_location(
                name, folder / "__init__.py", submodule_search_locations=[str(folder)])

    sys.meta_path.insert(0, CheckoutFinder)
    import minigrad
    return minigrad


def define_cells(minigrad):
    """The two third-party cells, written from Tensor ops only."""
    nn, F = minigrad.nn, minigrad.nn.functional

    def weights(*shape, hidden):
        w = nn.Parameter(minigrad.zeros(*shape))
        nn.init.uniform_(w, -hidden ** -0.5, hidden ** -0.5)
        return w

    class OpsLSTMCell(nn.RecurrentCell):
        """c' = f c + i g, h' = o tanh(c'), gates i, f, g, o stacked in one product."""

        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size)
            H = hidden_size
            self.weight_ih = weights(4 * H, input_size, hidden=H)
            self.weight_hh = weights(4 * H, H, hidden=H)
            self.bias_ih = weights(4 * H, hidden=H)
            self.bias_hh = weights(4 * H, hidden=H)

        def initial_state(self, batch_size):
            zeros = minigrad.zeros(batch_size, self.hidden_size)
            return zeros, zeros

        def forward(self, x, state):
            h, c = state
            gates = F.linear(x, self.weight_ih, self.bias_ih) + \
                F.linear(h, self.weight_hh, self.bias_hh)
            i, f, g, o = gates.chunk(4, dim=-1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
            return h, (h, c)

    class OpsRNNCell(nn.RecurrentCell):
        """h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""

        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size)
            H = hidden_size
            self.weight_ih = weights(H, input_size, hidden=H)
            self.weight_hh = weights(H, H, hidden=H)
            self.bias_ih = weights(H, hidden=H)
            self.bias_hh = weights(H, hidden=H)

        def forward(self, x, state):
            (h,) = state
            h = (F.linear(x, self.weight_ih, self.bias_ih) +
                 F.linear(h, self.weight_hh, self.bias_hh)).tanh()
            return h, (h,)

    return {"lstm-ops": OpsLSTMCell, "rnn-ops": OpsRNNCell}


def training_step(minigrad, cell, hidden):
    """One training step of the workload as a function, and its graph's node count."""
    import numpy
    nn, F = minigrad.nn, minigrad.nn.functional
    minigrad.manual_seed(0)
    layer = nn.Recurrent(cell, CLASSES, hidden)
    layer.use_fast_path = False
    readout = nn.Linear(hidden, CLASSES)
    optimizer = minigrad.optim.SGD(list(layer.parameters()) + list(readout.parameters()),
                                   lr=0.1)
    rng = numpy.random.default_rng(0)
    symbols = rng.integers(0, CLASSES, (STEPS, BATCH))
    inputs = minigrad.tensor(numpy.eye(CLASSES, dtype=numpy.float32)[symbols])
    targets = minigrad.tensor(rng.integers(0, CLASSES, (STEPS, BATCH)))

    def loss():
        output, _ = layer(inputs)
        logits = readout(output)  # (T, B, 10): a readout at every step
        return F.cross_entropy(logits.reshape(STEPS * BATCH, CLASSES), targets.reshape(-1))

    def step():
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()

    root = loss()
    seen, stack = {id(root)}, [root]  # count the op results of one step's graph
    while stack:
        for parent in stack.pop()._parents:
            if id(parent) not in seen and not parent.is_leaf:
                seen.add(id(parent))
                stack.append(parent)
    root.backward()
    return step, len(seen)


def worker(checkout):
    """Answer the parent's requests, one JSON line each: set a workload up, or time it."""
    minigrad = import_checkout(Path(checkout))
    cells = define_cells(minigrad)
    step = None
    for line in sys.stdin:
        request = json.loads(line)
        if request["do"] == "setup":
            cell = cells.get(request["cell"], request["cell"])
            step, nodes = training_step(minigrad, cell, request["hidden"])
            for _ in range(request["warmup"]):
                step()
            answer = {"nodes": nodes}
        else:
            times = []
            for _ in range(request["steps"]):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
            answer = {"times": times}
        if request.get("where"):  # every module of minigrad must come from the checkout
            stray = sorted({m.__file__ for name, m in sys.modules.items()
                            if name.split(".")[0] == "minigrad" and getattr(m, "__file__", None)
                            and not Path(m.__file__).resolve().is_relative_to(
                                Path(checkout).resolve())})
            answer["minigrad"], answer["stray"] = minigrad.__file__, stray
        print(json.dumps(answer), flush=True)


# --------------------------------------------------------------------------- the parent
class Checkout:
    """A worker process running one checkout."""

    def __init__(self, path, threads):
        env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
        env.pop("PYTHONPATH", None)
        self.path = Path(path).resolve()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(self.path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            cwd="/" if Path("/").exists() else None)

    def ask(self, **request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker for {self.path} stopped (see its error above)")
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", default=",".join(map(str, HIDDEN)),
                        help="hidden sizes, comma-separated")
    parser.add_argument("--cells", default=",".join(CELLS), help="cells, comma-separated")
    parser.add_argument("--repeat", type=int, default=15, help="timed steps per figure")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--chunk", type=int, default=3,
                        help="steps timed in a row before the other checkout's turn")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--compare", metavar="CHECKOUT",
                        help="another checkout (a git worktree) to time beside this one")
    parser.add_argument("--checkout", default=str(HERE),
                        help="the checkout to time (default: the one holding this script)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)

    hidden_sizes = [int(h) for h in args.hidden.split(",")]
    cells = args.cells.split(",")
    paths = [args.checkout] + ([args.compare] if args.compare else [])
    workers = [Checkout(path, args.threads) for path in paths]
    labels = ["this", "compare"][:len(workers)]
    try:
        for label, w in zip(labels, workers):
            where = w.ask(do="setup", cell="rnn-ops", hidden=8, warmup=0, where=True)
            print(f"{label}: {w.path}  (minigrad from {where['minigrad']})")
            if where["stray"]:
                print(f"  WARNING: modules from elsewhere: {where['stray']}")
        print(f"T={STEPS}, B={BATCH}, one-hot {CLASSES}, readout + cross-entropy + SGD; "
              f"{args.threads} BLAS thread(s); median of {args.repeat} steps\n")
        header = f"{'cell':<9} {'H':>4} {'nodes':>6} {'ms/step':>9}"
        if args.compare:
            header += f" {'compare':>9} {'nodes':>6} {'speed-up':>9}"
        print(header)
        print("-" * len(header))
        for cell in cells:
            for hidden in hidden_sizes:
                nodes = [w.ask(do="setup", cell=cell, hidden=hidden,
                               warmup=args.warmup)["nodes"] for w in workers]
                times = [[] for _ in workers]
                while len(times[0]) < args.repeat:
                    for w, t in zip(workers, times):  # in alternation
                        t += w.ask(do="time", steps=args.chunk)["times"]
                ms = [statistics.median(t) * 1e3 for t in times]
                row = f"{cell:<9} {hidden:>4} {nodes[0]:>6} {ms[0]:>9.2f}"
                if args.compare:
                    row += f" {ms[1]:>9.2f} {nodes[1]:>6} {ms[1] / ms[0]:>8.2f}x"
                print(row, flush=True)
        if args.compare:
            print("\nspeed-up = compare's time / this checkout's time (above 1: this is faster)")
    finally:
        for w in workers:
            w.close()


if __name__ == "__main__":
    main()
