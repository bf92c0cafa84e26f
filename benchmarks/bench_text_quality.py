"""How good a character-level language model minigrad trains in a budget of CPU time,
beside the unigram and bigram models and the same model trained by PyTorch (the oracle).

    python benchmarks/bench_text_quality.py                    # lstm and gru, 300 s each
    python benchmarks/bench_text_quality.py --cpu-seconds 60 --cells lstm

For each cell, minigrad trains on the shipped text at char level (the ``text`` task's
defaults: windows of 32 characters, batches of 32; ``TrainConfig``'s: 128 hidden units,
Adam at lr 0.01, gradient norm clipped at 1) with early stopping off, until the run has
used ``--cpu-seconds`` of CPU time (``time.process_time``): a ``stop=`` function asked
before every step ends it, so the budget decides the number of steps. BLAS is pinned to
one thread, so other work on the machine changes the CPU time a step takes but little.

PyTorch then trains the same model for the same number of steps: ``torch.nn.LSTM`` or
``GRU`` and a ``Linear`` read-out, starting from minigrad's initial weights (the
parameter names are PyTorch's), with the same optimizer, learning rate and clipping, on
the same batches (the task's generator seeded alike). The two runs differ only in their
floating-point arithmetic, which is enough for them to drift apart: the oracle says
what such a model reaches, not what minigrad's weights are.

**Held-out perplexity** is exp of the mean of -ln p(next char) over every character of
the held-out split after its first (the targets the n-gram models are scored on, so
the figures compare directly), read in consecutive windows of 32 characters, each from
the zero state as in training; bits per char = cross-entropy / ln 2. "best" is the lowest
perplexity of the evaluations every ``--eval-every`` steps (on 4 batches of random
held-out windows), and the step it came at: on a text this small the model soon learns
the training split by heart, and its held-out perplexity climbs again.

Samples of 200 characters after "The " come from minigrad's model at temperature 0.5 and
1.0 (``minigrad.sampling``), and one from the bigram model, for the eye. Prints Markdown
(progress on stderr); without PyTorch it prints minigrad's figures and says so.
"""
import argparse
import math
import os
import sys
import time

for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy (and torch) load their BLAS

import numpy  # noqa: E402

import minigrad  # noqa: E402
import minigrad.training  # noqa: E402
from minigrad import sampling  # noqa: E402
from minigrad.plugins.tasks import ngram  # noqa: E402
from minigrad.plugins.tasks.text import TextTask  # noqa: E402

CELLS = ("lstm", "gru")
PRIME = "The "


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu-seconds", type=float, default=300.0,
                        help="CPU seconds of training per cell for minigrad (default 300)")
    parser.add_argument("--cells", default=",".join(CELLS),
                        help="comma-separated: lstm, gru (default both)")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample-length", type=int, default=200)
    args = parser.parse_args(argv)
    args.cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    bad = [c for c in args.cells if c not in CELLS]
    if bad or not args.cells:
        parser.error(f"--cells takes {', '.join(CELLS)} (PyTorch has those two), "
                     f"got {args.cells or 'none'}")
    if not args.cpu_seconds > 0 or args.hidden < 1 or args.eval_every < 1:
        parser.error("--cpu-seconds, --hidden and --eval-every must be positive")
    return args


def load_torch():
    """torch with one thread, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def progress(message):
    print(message, file=sys.stderr, flush=True)


def budget(cpu_seconds):
    """A ``stop()`` that answers true once ``cpu_seconds`` of CPU time have passed since
    its first call (the first step)."""
    start = None

    def spent():
        nonlocal start
        now = time.process_time()
        if start is None:
            start = now
        return now - start >= cpu_seconds
    return spent


def held_out_windows(task):
    """The held-out split as (inputs, targets) pairs of consecutive windows of the
    task's length (the last one shorter): every target of ids[1:] exactly once."""
    ids, length = task.held_ids, task.length
    pieces = []
    for start in range(0, len(ids) - 1, length):
        end = min(start + length, len(ids) - 1)
        pieces.append((ids[start:end], ids[start + 1:end + 1]))
    return pieces


def cross_entropy(log_probs_of, task):
    """Mean -ln p over the held-out targets; ``log_probs_of(ids)`` maps a window's input
    ids (seq,) to log-probabilities (seq, vocab) as a NumPy array."""
    total, count = 0.0, 0
    for inputs, targets in held_out_windows(task):
        log_p = log_probs_of(inputs)
        total -= float(log_p[numpy.arange(len(targets)), targets].sum())
        count += len(targets)
    return total / count


def one_hot(ids, size):
    x = numpy.zeros((len(ids), 1, size), dtype=numpy.float32)
    x[numpy.arange(len(ids)), 0, ids] = 1.0
    return x


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - numpy.log(numpy.exp(z).sum(axis=-1, keepdims=True))


def minigrad_log_probs(model, size):
    def log_probs_of(ids):
        with minigrad.no_grad():
            logits = model(minigrad.tensor(one_hot(ids, size))).numpy()[:, 0]
        return log_softmax(logits.astype(numpy.float64))
    return log_probs_of


def best_of(curve):
    """(lowest perplexity, its step) of a run's evaluations."""
    point = min(curve, key=lambda p: p["score"] if math.isfinite(p["score"]) else math.inf)
    return point["score"], point["step"]


def train_minigrad(cell, task, args):
    progress(f"minigrad {cell}: training for {args.cpu_seconds:g} CPU seconds")
    stop = budget(args.cpu_seconds)
    cpu = time.process_time()
    result = minigrad.train(cell, task, hidden=args.hidden, steps=10 ** 9, early_stop=False,
                            eval_every=args.eval_every, seed=args.seed, stop=stop)
    cpu = time.process_time() - cpu
    if result.error:
        raise SystemExit(f"minigrad {cell} failed: {result.error}")
    loss = cross_entropy(minigrad_log_probs(result.model, len(task.vocabulary)), task)
    return result, {"steps": result.steps, "cpu": cpu, "loss": loss,
                    "best": best_of(result.curve) if result.curve else (math.nan, None)}


def initial_weights(cell, task, args):
    """minigrad's initial state_dict for this cell and seed: a run stopped before its
    first step."""
    result = minigrad.train(cell, task, hidden=args.hidden, steps=1, early_stop=False,
                            seed=args.seed, stop=lambda: True)
    return {name: value.numpy() for name, value in result.model.state_dict().items()}


def train_torch(torch, cell, task, args, steps):
    """The oracle: the same model, batches, optimizer and clipping in PyTorch."""
    progress(f"torch {cell}: {steps} steps")
    config = minigrad.training.TrainConfig(hidden=args.hidden)
    size = len(task.vocabulary)
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](size, args.hidden)
    head = torch.nn.Linear(args.hidden, size)
    weights = initial_weights(cell, task, args)
    with torch.no_grad():
        for name, parameter in [*(("rnn." + n, p) for n, p in layer.named_parameters()),
                                *(("head." + n, p) for n, p in head.named_parameters())]:
            parameter.copy_(torch.from_numpy(weights[name]))
    parameters = [*layer.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=config.lr)
    # the generators minigrad.training seeds: batches from seed, evaluation windows
    # from seed + 1_000_003 (should that change, "best" is drawn on other windows)
    train_rng = numpy.random.default_rng(args.seed)
    eval_rng = numpy.random.default_rng(args.seed + 1_000_003)

    def forward(inputs):
        hidden, _ = layer(torch.from_numpy(numpy.ascontiguousarray(inputs, numpy.float32)))
        return head(hidden)

    def evaluate():  # the task's metric as minigrad.training.evaluate averages it
        with torch.no_grad():
            perplexities = []
            for _ in range(config.eval_batches):
                batch = task.eval_batch(config.batch, eval_rng)
                logits = forward(batch.inputs)
                loss = torch.nn.functional.cross_entropy(
                    logits.reshape(-1, size), torch.from_numpy(batch.targets).reshape(-1))
                perplexities.append(math.exp(loss.item()))  # one batch's perplexity
        return float(numpy.mean(perplexities))

    curve, cpu = [], time.process_time()
    for step in range(1, steps + 1):
        batch = task.batch(config.batch, train_rng)
        logits = forward(batch.inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, size),
                                                 torch.from_numpy(batch.targets).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, config.clip)
        optimizer.step()
        if step % args.eval_every == 0:  # as minigrad evaluates its open-ended run
            curve.append({"step": step, "score": evaluate()})
    cpu = time.process_time() - cpu

    def log_probs_of(ids):
        with torch.no_grad():
            logits = forward(one_hot(ids, size))[:, 0].double().numpy()
        return log_softmax(logits)
    return {"steps": steps, "cpu": cpu, "loss": cross_entropy(log_probs_of, task),
            "best": best_of(curve) if curve else (math.nan, None)}


def bigram_sample(task, length, seed):
    """``length`` characters after PRIME drawn from the (add-one) bigram model."""
    vocabulary = task.vocabulary
    p = ngram.bigram_probabilities(task.train_ids, len(vocabulary))
    rng, previous, drawn = numpy.random.default_rng(seed), vocabulary.encode([PRIME[-1]])[0], []
    for _ in range(length):
        previous = int(rng.choice(len(p), p=p[previous]))
        drawn.append(previous)
        if previous == vocabulary.eos_id:
            break
    return PRIME + vocabulary.decode_text(drawn)


def row(name, figures):
    ppl = math.exp(figures["loss"])
    bits = figures["loss"] / math.log(2)
    steps = figures.get("steps", "")
    cpu = f"{figures['cpu']:.0f}" if "cpu" in figures else ""
    ms = f"{1000 * figures['cpu'] / figures['steps']:.1f}" if "cpu" in figures else ""
    best = ""
    if figures.get("best") and figures["best"][1] is not None:
        best = f"{figures['best'][0]:.2f} (step {figures['best'][1]})"
    return f"| {name} | {steps} | {cpu} | {ms} | {ppl:.3f} | {bits:.3f} | {best} |"


def main(argv=None):
    args = parse(argv)
    torch = load_torch()
    task = TextTask(level="char")
    lines = [f"# char-level language model on the shipped text: {len(task.train_ids)} "
             f"training and {len(task.held_ids)} held-out characters, vocabulary "
             f"{len(task.vocabulary)}; hidden {args.hidden}, batch 32 x window "
             f"{task.length}, Adam lr 0.01, clip 1; minigrad {args.cpu_seconds:g} CPU s "
             f"per cell, one BLAS thread",
             "# PyTorch " + (torch.__version__ + ": the same steps" if torch
                             else "is not installed: no oracle rows (pip install torch)"),
             "",
             "| model | steps | CPU s | ms/step | held-out perplexity | bits/char "
             "| best perplexity (step) |",
             "|---|---:|---:|---:|---:|---:|---|",
             row("unigram (add-one)", {"loss": task.unigram_loss}),
             row("bigram (add-one)", {"loss": task.bigram_loss})]
    samples = []
    for cell in args.cells:
        result, figures = train_minigrad(cell, task, args)
        lines.append(row(f"minigrad {cell}", figures))
        if torch is not None:
            lines.append(row(f"torch {cell}", train_torch(torch, cell, task, args,
                                                          figures["steps"])))
        for temperature in (0.5, 1.0):
            drawn = sampling.sample(result.model, task.vocabulary, prime=PRIME,
                                    length=args.sample_length, temperature=temperature,
                                    seed=1)
            samples.append(f"minigrad {cell}, T={temperature}: {shown(drawn.text)}")
    samples.append(f"bigram, T=1.0: {shown(bigram_sample(task, args.sample_length, 1))}")
    print("\n".join(lines + ["", f"Samples ({args.sample_length} characters at most, "
                             f"after {PRIME!r}, seed 1; <EOS> where the model ended "
                             f"the line):", ""] + samples))


def shown(text):
    """A sample on one line: the line end it drew (<EOS>) written out."""
    return text.replace("\n", "<EOS>")


if __name__ == "__main__":
    main()
