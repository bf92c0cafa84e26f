"""benchmarks/bench_text_quality.py at a budget of a second or two, so it can't rot: it
prints its Markdown table with the n-gram rows, a row per cell (and PyTorch's beside it
when installed), and the samples. Nothing here judges the figures."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from commands import subprocess_env

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_text_quality.py"
SMALL = ["--cpu-seconds", "1", "--cells", "gru", "--hidden", "16", "--eval-every", "5",
         "--sample-length", "30"]
HEADER = "| model | steps | CPU s | ms/step | held-out perplexity | bits/char"


def load_script():
    """The script as a module (its main() not run)."""
    spec = importlib.util.spec_from_file_location("bench_text_quality", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def table_rows(text):
    return {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in text.splitlines() if line.startswith("| ") and "---" not in line}


def test_the_script_prints_the_table_and_the_samples():
    done = subprocess.run([sys.executable, str(SCRIPT), *SMALL], capture_output=True,
                          text=True, env=subprocess_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert HEADER in done.stdout
    rows = table_rows(done.stdout)
    assert {"unigram (add-one)", "bigram (add-one)", "minigrad gru"} <= set(rows)
    steps = int(rows["minigrad gru"][0])
    assert steps >= 1
    assert float(rows["bigram (add-one)"][3]) < float(rows["unigram (add-one)"][3])
    if importlib.util.find_spec("torch") is not None:
        assert int(rows["torch gru"][0]) == steps  # the oracle runs the same steps
    for label in ("minigrad gru, T=0.5: The ", "minigrad gru, T=1.0: The ",
                  "bigram, T=1.0: The "):
        assert label in done.stdout
    assert "minigrad gru: training for 1 CPU seconds" in done.stderr  # progress apart


def test_without_torch_it_prints_minigrads_figures_and_says_torch_is_missing(
        monkeypatch, capsys):
    bench = load_script()
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    bench.main(SMALL[:2] + ["--cells", "lstm", "--hidden", "8", "--sample-length", "10"])
    out = capsys.readouterr().out
    assert "PyTorch is not installed" in out
    rows = table_rows(out)
    assert "minigrad lstm" in rows and not any(name.startswith("torch") for name in rows)


def test_a_cell_pytorch_lacks_is_refused_with_the_ones_it_takes():
    done = subprocess.run([sys.executable, str(SCRIPT), "--cells", "rnn"],
                          capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert done.returncode == 2
    assert "--cells takes lstm, gru" in done.stderr and "Traceback" not in done.stderr


def test_held_out_perplexity_reads_every_held_out_target_once():
    bench = load_script()
    from minigrad.plugins.tasks.text import TextTask
    task = TextTask(level="char")
    windows = bench.held_out_windows(task)
    targets = [int(v) for _, y in windows for v in y]
    assert targets == [int(t) for t in task.held_ids[1:]]
    assert all(len(x) == len(y) <= task.length for x, y in windows)
    # a model that says "uniform" everywhere has perplexity V
    V = len(task.vocabulary)
    uniform = bench.cross_entropy(lambda ids: np.full((len(ids), V), -np.log(V)), task)
    assert uniform == pytest.approx(np.log(V))
