"""``minigrad bench`` from outside: the API, Click's runner and the console script, at
tiny sizes (H=4, T=3, one timed step) so this file runs in seconds. It prints figures;
nothing here asserts how fast anything is."""
import json
import subprocess

import pytest

import minigrad.bench
from commands import console_script, invoke, subprocess_env
from minigrad import backend

TINY = ["--hidden", "4", "--length", "3", "--batch", "2", "--repeat", "1", "--threads", "1"]


def _positive(row, *keys):
    for key in keys:
        assert isinstance(row[key], float) and row[key] > 0, (key, row[key])


def test_json_has_every_figure_asked_for_and_they_are_positive():
    result = invoke("bench", "--cells", "rnn,lstm", *TINY, "--vs", "numpy", "--plain", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"machine", "settings", "rows"} <= set(data)
    assert {"cpus", "numpy", "blas", "python", "fused_op"} <= set(data["machine"])
    assert [(r["cell"], r["hidden"], r["threads"]) for r in data["rows"]] == \
        [("rnn", 4, 1), ("lstm", 4, 1)]
    for row in data["rows"]:
        _positive(row, "minigrad_ms", "plain_ms", "speedup", "numpy_ms", "vs_numpy",
                  "peak_mib", "numpy_peak_mib", "held_mib", "must_keep_mib")
    assert "bench: rnn H=4 threads=1" in result.stderr  # progress on stderr


def test_the_table_has_a_row_per_cell_hidden_and_thread_count():
    result = invoke("bench", "--cells", "gru", "--hidden", "3,4", "--length", "2",
                    "--repeat", "1", "--threads", "1,2")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# 2 CPUs") or "CPUs" in lines[0]
    assert "NumPy" in lines[0] and "Python" in lines[0]
    rows = [line.split() for line in lines if line.startswith("gru")]
    assert [(r[1], r[2]) for r in rows] == [("3", "1"), ("3", "2"), ("4", "1"), ("4", "2")]


def test_a_third_party_or_non_torch_cell_shows_a_dash_for_torch(torch):
    result = invoke("bench", "--cells", "peephole-lstm,lstm", *TINY, "--vs", "torch")
    assert result.exit_code == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()
            if line.split() and line.split()[0] in ("peephole-lstm", "lstm")}
    assert rows["peephole-lstm"][4:6] == ["-", "-"]
    assert rows["lstm"][4] != "-" and rows["lstm"][5].endswith("x")
    assert "PyTorch" in result.stdout.splitlines()[0]


def test_vs_torch_json(torch):
    data = minigrad.bench.run(cells=["rnn"], hidden=[4], length=3, batch=2, repeat=1,
                              threads=[1], vs=["torch"])
    _positive(data["rows"][0], "torch_ms", "vs_torch")
    assert data["machine"]["torch"] == torch.__version__


@pytest.mark.parametrize("args, message", [
    (["--cells", "nope"], "Valid cells: "),
    (["--hidden", "0"], "--hidden '0'"),
    (["--hidden", "abc"], "--hidden 'abc'"),
    (["--threads", "1,,2"], "--threads"),
    (["--vs", "jax"], "'jax' is not one of"),
])
def test_bad_usage_exits_2_with_one_line(args, message):
    result = invoke("bench", *TINY, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(backend.gpu_available(), reason="a GPU is here")
def test_cuda_without_a_gpu_is_bad_usage():
    result = invoke("bench", *TINY, "--device", "cuda")
    assert result.exit_code == 2
    assert "no CUDA GPU is usable here" in result.stderr and "--device cpu" in result.stderr


@pytest.mark.gpu
def test_cuda_measures_the_memory_pool():
    data = minigrad.bench.run(cells=["lstm"], hidden=[4], length=3, batch=2, repeat=1,
                              threads=[1], device="cuda")
    _positive(data["rows"][0], "minigrad_ms", "peak_mib")


def test_the_api_refuses_before_measuring():
    with pytest.raises(ValueError, match="hidden must be whole numbers >= 1"):
        minigrad.bench.prepare(hidden=[0])
    with pytest.raises(ValueError, match="compare with one of torch, numpy"):
        minigrad.bench.prepare(vs=["jax"])


def test_the_console_script():
    completed = subprocess.run([console_script(), "bench", "--cells", "lstm", *TINY, "--json"],
                               capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert completed.returncode == 0, completed.stderr
    row = json.loads(completed.stdout)["rows"][0]
    _positive(row, "minigrad_ms", "peak_mib")
    bad = subprocess.run([console_script(), "bench", "--hidden", "abc"], capture_output=True,
                         text=True, env=subprocess_env(), timeout=120)
    assert bad.returncode == 2 and "--hidden 'abc'" in bad.stderr


def test_what_backward_must_keep_is_counted_per_cell_and_step():
    from minigrad.bench import workload
    lstm = workload.Workload("lstm", hidden=256, batch=32, length=1000, layers=1)
    assert workload.must_keep_bytes(lstm) == 1000 * 32 * (6 * 256 + 10) * 4
    rnn = workload.Workload("rnn", hidden=8, batch=2, length=3, layers=2)
    assert workload.must_keep_bytes(rnn) == 3 * 2 * (1 * 8 * 2 + 10) * 4
    assert workload.must_keep_bytes(workload.Workload("mgu", 8, 2, 3, 1)) is None
