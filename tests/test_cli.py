"""The ``minigrad`` command from outside: through Click's CliRunner, and as a real
subprocess of the installed console script.

Every run here is tiny (a copy task of one symbol over a delay of two steps, 8 hidden
units, 20 steps), so a test takes a fraction of a second; what is checked is the shape
of what a user sees, not how well the cells learn.
"""
import csv
import importlib.util
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad import plugin_manager as pm

BUILTIN_TASKS = {"copy", "adding", "embedded-reber", "temporal-order", "selective-copy",
                 "associative-recall", "lookahead"}
COPY = ["--task", "copy", "--length", "1", "--delay", "2", "--symbols", "2"]
FAST = ["--hidden", "8", "--batch", "8", "--steps", "20", "--eval-every", "10"]
RESULT_KEYS = {"cell", "seed", "params", "steps", "final_loss", "baseline_loss", "metric",
               "score", "solved", "steps_to_solve", "seconds", "ms_per_step"}
TABLE_COLUMNS = ["params", "final loss", "baseline", "accuracy", "solved", "steps to solve",
                 "seconds", "ms/step"]
HAS_CUPY = importlib.util.find_spec("cupy") is not None
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


from commands import invoke  # noqa: E402


def error_lines(result):
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def assert_usage_error(result, *fragments):
    """Exit 2, one ``Error:`` line holding every fragment, no traceback, nothing trained."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    (line,) = error_lines(result)
    for fragment in fragments:
        assert fragment in line, line
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    # nothing started: no setup description, no progress bar label ("<cell> seed 0")
    assert not re.search(r"^(task \S+:|training: )", result.stderr, re.M)
    assert not re.search(r"seed \d", result.stderr)
    return line


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for variable in ("MINIGRAD_STRICT_PLUGINS", "MINIGRAD_LOAD_PLUGINS",
                     "MINIGRAD_DISABLE_PLUGINS"):
        monkeypatch.delenv(variable, raising=False)


# ------------------------------------------------------------------------------ compare

def test_compare_prints_a_table_with_every_column():
    result = invoke("compare", "--cells", "rnn,lstm", *COPY, *FAST, "--quiet")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    header = lines[0]
    assert header.split()[0] == "cell"
    for column in TABLE_COLUMNS:
        assert column in header
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == {"rnn", "lstm"}
    assert list(rows) == ["rnn", "lstm"]  # in the order given
    for row in rows.values():
        assert re.search(r"\b[01]/1\b", row)  # solved k/N
    # the baseline of copy with 1 symbol of 2 over 4 steps: ln 2 / 4
    assert "0.1733" in rows["rnn"]
    # parameter counts: an Elman RNN of 8 units on 4 inputs, a read-out to 3 classes
    assert rows["rnn"].split()[1] == str(8 * (4 + 8 + 2) + 3 * 9)


def test_compare_json_is_one_object_with_the_documented_keys():
    result = invoke("compare", "--cells", "rnn,gru", *COPY, *FAST, "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"task", "results", "summary"} <= set(data)
    assert set(data) - {"task", "results", "summary"} <= {"config"}
    assert data["task"]["name"] == "copy"
    assert data["task"]["length"] == 1 and data["task"]["delay"] == 2
    assert len(data["results"]) == 2
    for row in data["results"]:
        # the listed keys, plus "error" (null unless the run stopped on a NaN/inf loss)
        assert set(row) == RESULT_KEYS | {"error"}
        assert row["error"] is None
        assert row["steps"] == 20 and row["seed"] == 0 and row["metric"] == "accuracy"
        assert isinstance(row["solved"], bool) and isinstance(row["params"], int)
    assert [row["cell"] for row in data["results"]] == ["rnn", "gru"]
    assert [row["cell"] for row in data["summary"]] == ["rnn", "gru"]


def test_compare_with_seeds_shows_mean_and_std_and_k_of_n():
    result = invoke("compare", "--cells", "gru", *COPY, *FAST, "--seeds", "2", "--quiet")
    assert result.exit_code == 0, result.stderr
    row = result.stdout.strip().splitlines()[2]
    assert "±" in row
    assert re.search(r"\b[012]/2\b", row)
    data = json.loads(invoke("compare", "--cells", "gru", *COPY, *FAST, "--seeds", "2",
                             "--seed", "4", "--json", "--quiet").stdout)
    assert [r["seed"] for r in data["results"]] == [4, 5]
    assert data["summary"][0]["seeds"] == 2


def test_cells_by_comma_and_by_repeated_option_are_the_same():
    by_comma = invoke("compare", "--cells", "rnn,gru", *COPY, *FAST, "--json", "--quiet")
    repeated = invoke("compare", "--cells", "rnn", "--cells", "gru", *COPY, *FAST, "--json",
                      "--quiet")
    mixed = invoke("compare", "--cells", "rnn, gru", "--cells", "lstm", *COPY, *FAST,
                   "--json", "--quiet")
    cells = [[r["cell"] for r in json.loads(x.stdout)["results"]]
             for x in (by_comma, repeated, mixed)]
    assert cells == [["rnn", "gru"], ["rnn", "gru"], ["rnn", "gru", "lstm"]]
    losses = [[r["final_loss"] for r in json.loads(x.stdout)["results"]]
              for x in (by_comma, repeated)]
    assert losses[0] == losses[1]  # same seed, same runs


def test_compare_a_bidirectional_cell():
    result = invoke("compare", "--cells", "gru,bi-gru", *COPY, *FAST, "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    forward, both = json.loads(result.stdout)["results"]
    assert both["cell"] == "bi-gru"
    # two GRUs of 8 units, and a read-out from 16 features
    assert both["params"] == 2 * 3 * 8 * (4 + 8 + 2) + 3 * 17
    assert forward["params"] == 3 * 8 * (4 + 8 + 2) + 3 * 9


def test_task_options_reach_the_task_and_training_options_the_trainer():
    result = invoke("compare", "--cells", "rnn", "--task", "adding", "--length=6",
                    "--hidden", "5", "--layers", "2", "--optimizer", "rmsprop", "--lr", "0.005",
                    "--batch", "4", "--steps", "7", "--clip", "0",
                    "--init", "orthogonal", "--tbptt", "3", "--eval-every", "5", "--seed", "9",
                    "--device", "cpu", "--dtype", "float64", "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["task"]["name"] == "adding" and data["task"]["length"] == 6
    config = data["config"]
    assert (config["hidden"], config["layers"], config["optimizer"], config["lr"]) == \
        (5, 2, "rmsprop", 0.005)
    assert (config["batch"], config["steps"], config["tbptt"], config["eval_every"]) == \
        (4, 7, 3, 5)
    assert config["clip"] is None  # --clip 0: no clipping
    assert (config["init"], config["seed"], config["dtype"]) == ("orthogonal", 9, "float64")
    (row,) = data["results"]
    assert row["seed"] == 9 and row["steps"] == 7 and row["metric"] == "mse"
    assert row["params"] == (5 * (2 + 5 + 2)) + (5 * (5 + 5 + 2)) + (5 + 1)


def test_default_clip_is_on_and_shown_in_help():
    result = invoke("compare", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for option in ("--hidden", "--layers", "--optimizer", "--lr", "--batch", "--steps",
                   "--clip", "--forget-bias", "--init", "--tbptt", "--eval-every", "--seed",
                   "--seeds", "--device", "--dtype", "--json", "--out", "--quiet"):
        assert option in text, option
    assert re.search(r"--clip.*default: \(?1\.0\b", text)


def test_init_auto_gives_each_cell_its_own_scheme_and_the_header_says_which():
    result = invoke("compare", "--cells", "rnn,lstm", *COPY, *FAST, "--json")
    assert result.exit_code == 0, result.stderr
    assert "cells: rnn (init default), lstm (init chrono T=" in result.stderr
    cells = json.loads(result.stdout)["config"]["cells"]
    assert cells == {"rnn": {"init": "default", "options": {}},
                     "lstm": {"init": "chrono", "options": {}}}


def test_an_init_a_cell_of_the_run_does_not_support_exits_2_naming_its_schemes():
    line = assert_usage_error(invoke("compare", "--cells", "rnn,lstm", *COPY, *FAST,
                                     "--init", "chrono"), "--init")
    assert "'rnn'" in line and "default, orthogonal, identity" in line
    line = assert_usage_error(invoke("compare", "--cells", "gru", *COPY, *FAST,
                                     "--init", "no-such-scheme"), "--init")
    assert "default, orthogonal" in line


def test_forget_bias_chooses_its_scheme_for_the_lstm_family():
    result = invoke("compare", "--cells", "lstm,peephole-lstm", *COPY, *FAST,
                    "--forget-bias", "2", "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["config"]["init"] == "forget-bias" and data["config"]["forget_bias"] == 2.0
    assert {c["init"] for c in data["config"]["cells"].values()} == {"forget-bias"}


def test_forget_bias_for_a_cell_without_a_forget_gate_is_bad_usage_not_ignored():
    line = assert_usage_error(invoke("compare", "--cells", "rnn,lstm", *COPY, *FAST,
                                     "--forget-bias", "2"), "--init")
    assert "'rnn'" in line


def test_forget_bias_with_chrono_init_is_bad_usage():
    result = invoke("compare", "--cells", "lstm", *COPY, *FAST, "--init", "chrono",
                    "--forget-bias", "2")
    assert result.exit_code == 2
    assert "--forget-bias is the value of init 'forget-bias'" in result.stderr


def test_cell_opt_reaches_the_cells_that_declare_it():
    result = invoke("compare", "--cells", "rnn,lstm", *COPY, *FAST,
                    "--cell-opt", "nonlinearity=relu", "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    cells = json.loads(result.stdout)["config"]["cells"]
    assert cells["rnn"]["options"] == {"nonlinearity": "relu"}
    assert cells["lstm"]["options"] == {}


def test_cell_opt_with_a_cell_name_targets_that_cell_only():
    result = invoke("compare", "--cells", "rnn,bi-rnn", *COPY, *FAST,
                    "--cell-opt", "bi-rnn:nonlinearity=relu", "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    cells = json.loads(result.stdout)["config"]["cells"]
    assert cells["rnn"]["options"] == {} and cells["bi-rnn"]["options"] == {"nonlinearity": "relu"}


@pytest.mark.parametrize("args,words", [
    (("--cell-opt", "t_max=30"), ["t_max", "rnn takes nonlinearity", "lstm takes no options"]),
    (("--cell-opt", "nonlinearity=sigmoid"), ["nonlinearity", "'tanh', 'relu'"]),
    (("--cell-opt", "gru:nonlinearity=relu"), ["gru", "its cells: rnn, lstm"]),
    (("--cell-opt", "lstm:nonlinearity=relu"), ["lstm", "its options: none"]),
    (("--cell-opt", "nonlinearity"), ["NAME=VALUE"]),
])
def test_bad_cell_opt_exits_2_before_training(args, words):
    line = assert_usage_error(invoke("compare", "--cells", "rnn,lstm", *COPY, *FAST, *args),
                              "--cell-opt")
    for word in words:
        assert word in line


def test_cells_lists_options_and_init_schemes():
    result = invoke("cells", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["rnn"]["options"][0]["name"] == "nonlinearity"
    assert rows["rnn"]["options"][0]["choices"] == ["tanh", "relu"]
    assert rows["lstm"]["init_schemes"] == ["default", "chrono", "forget-bias", "orthogonal"]
    assert rows["lstm"]["recommended_init"] == "chrono"
    assert rows["bi-lstm"]["recommended_init"] == "chrono"
    text = invoke("cells").stdout
    assert "--cell-opt nonlinearity=tanh" in text
    assert "init: default, chrono (auto), forget-bias, orthogonal" in text


# --------------------------------------------------------------------------- --out

def test_out_writes_results_and_curves(tmp_path):
    out = tmp_path / "run" / "one"  # created, parents too
    result = invoke("compare", "--cells", "rnn,gru", *COPY, *FAST, "--seeds", "2",
                    "--out", out)
    assert result.exit_code == 0, result.stderr
    results = json.loads((out / "results.json").read_text())
    assert {"task", "results", "summary"} <= set(results)
    assert len(results["results"]) == 4
    with open(out / "curves.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["step", "cell", "seed", "loss", "score", "grad_norm"]
    points = {(int(r[0]), r[1], int(r[2])) for r in rows[1:]}
    assert points == {(step, cell, seed) for step in (10, 20) for cell in ("rnn", "gru")
                      for seed in (0, 1)}
    for row in rows[1:]:
        float(row[3]), float(row[4])
    if HAS_MATPLOTLIB:
        assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert not (out / "curves.png").exists()
        assert "minigrad[plot]" in result.stderr
        assert "matplotlib" in result.stderr
    assert "minigrad[plot]" not in result.stdout  # notes go to stderr, the table to stdout
    assert result.stdout.splitlines()[0].startswith("cell")


@pytest.mark.parametrize("how", ["parent is a file", "an existing file"])
def test_unwritable_out_exits_2_before_training(tmp_path, how):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    out = a_file / "sub" if how == "parent is a file" else a_file
    result = invoke("compare", "--cells", "rnn", *COPY, *FAST, "--out", out)
    assert_usage_error(result, "--out")
    assert a_file.read_text() == "not a folder"


# ---------------------------------------------------------------------- progress, quiet

def test_progress_goes_to_stderr_and_json_stdout_still_parses():
    result = invoke("compare", "--cells", "rnn,gru", *COPY, *FAST, "--json")
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)
    assert "rnn seed 0" in result.stderr and "gru seed 0" in result.stderr
    assert "task copy" in result.stderr  # what is about to run, defaults included
    # off a terminal, the bar's label is printed once per run, not once per step
    assert len(result.stderr.splitlines()) < 20


def test_quiet_leaves_stderr_empty():
    result = invoke("compare", "--cells", "rnn,gru", *COPY, *FAST, "--quiet")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.startswith("cell")


# ---------------------------------------------------------- a third-party cell, NaN runs



def test_a_nan_run_stops_with_its_step_and_the_other_cells_go_on(nan_plugin):
    result = invoke("compare", "--cells", "nan-cell,gru", *COPY, *FAST, "--quiet")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("nan-cell") for line in lines)
    assert any(line.startswith("gru") for line in lines)
    (stopped,) = [line for line in lines if "stopped" in line]
    assert stopped.startswith("nan-cell") and "step 3" in stopped and "nan" in stopped

    data = json.loads(invoke("compare", "--cells", "nan-cell", "--cells", "gru", *COPY, *FAST,
                             "--json", "--quiet").stdout)
    broken, fine = data["results"]
    assert broken["cell"] == "nan-cell" and "step 3" in broken["error"] and broken["steps"] == 2
    assert fine["cell"] == "gru" and fine["error"] is None and fine["steps"] == 20


def test_a_third_party_cell_is_listed_and_wrapped(nan_plugin):
    listed = invoke("cells")
    assert "nan-cell" in listed.stdout and "bi-nan-cell" in listed.stdout


# ------------------------------------------------------------------------------- tasks

def test_tasks_lists_every_task_with_its_options_and_defaults():
    result = invoke("tasks")
    assert result.exit_code == 0
    text = result.stdout
    for name, spec in pm.tasks().items():
        assert re.search(rf"^{re.escape(name)}\b", text, re.M), name
        for option in spec.factory.options:
            flag = "--" + option.name.replace("_", "-")
            assert re.search(rf"{re.escape(flag)}\s+default {re.escape(str(option.default))}\b",
                             text), (name, flag)


def test_tasks_json():
    result = invoke("tasks", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert BUILTIN_TASKS <= {row["name"] for row in rows}
    by_name = {row["name"]: row for row in rows}
    assert {o["flag"]: o["default"] for o in by_name["copy"]["options"]} == \
        {"--length": 5, "--delay": 20, "--symbols": 8}
    for name, spec in pm.tasks().items():
        row = by_name[name]
        assert row["description"]
        assert [(o["name"], o["default"]) for o in row["options"]] == \
            [(o.name, o.default) for o in spec.factory.options]


def test_every_task_option_listed_is_accepted_by_compare():
    for row in json.loads(invoke("tasks", "--json").stdout):
        if row["name"] not in BUILTIN_TASKS:
            continue
        args = [a for o in row["options"] for a in (o["flag"], o["default"])]
        result = invoke("compare", "--cells", "rnn", "--task", row["name"], *args,
                        "--hidden", "4", "--batch", "2", "--steps", "1", "--json", "--quiet")
        assert result.exit_code == 0, (row["name"], result.stderr)
        task = json.loads(result.stdout)["task"]
        for option in row["options"]:
            assert task[option["name"]] == option["default"]


# ------------------------------------------------------------------------------- train

def test_train_save_then_load(tmp_path):
    first = tmp_path / "first.npz"
    result = invoke("train", "--cell", "lstm", *COPY, *FAST, "--save", first, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("lstm:") and "after 20 steps" in result.stdout
    saved = minigrad.load(first)["model"]  # a whole run's checkpoint: see test_durable_runs
    assert "rnn.weight_hh_l0" in saved
    plain = tmp_path / "plain.npz"            # a model's state_dict alone still loads
    minigrad.save(saved, plain)

    # one tiny step from the parameters, saved again: they barely move
    second = tmp_path / "second.npz"
    result = invoke("train", "--cell", "lstm", *COPY, "--hidden", "8", "--batch", "8",
                    "--steps", "1", "--optimizer", "sgd", "--lr", "1e-9",
                    "--load", plain, "--save", second, "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["steps"] == 1
    resumed = minigrad.load(second)["model"]
    assert set(resumed) == set(saved)
    for name in saved:
        np.testing.assert_allclose(resumed[name].numpy(), saved[name].numpy(), atol=1e-6)
    # ... whereas without --load the same run starts somewhere else entirely
    fresh = tmp_path / "fresh.npz"
    invoke("train", "--cell", "lstm", *COPY, "--hidden", "8", "--batch", "8", "--steps", "1",
           "--optimizer", "sgd", "--lr", "1e-9", "--save", fresh, "--quiet")
    other = minigrad.load(fresh)["model"]
    assert not np.allclose(other["rnn.weight_hh_l0"].numpy(), saved["rnn.weight_hh_l0"].numpy())


def test_train_json_has_the_result_keys():
    result = invoke("train", "--cell", "gru", *COPY, *FAST, "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert set(json.loads(result.stdout)) == RESULT_KEYS | {"error"}


def test_load_of_a_corrupt_file_exits_2(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"this is not a zip archive")
    result = invoke("train", "--cell", "lstm", *COPY, *FAST, "--load", bad)
    assert_usage_error(result, "--load", str(bad))


def test_load_of_a_checkpoint_that_is_no_state_dict_exits_2(tmp_path):
    listed = tmp_path / "list.npz"
    minigrad.save([minigrad.ones(2)], listed)
    result = invoke("train", "--cell", "lstm", *COPY, *FAST, "--load", listed)
    assert_usage_error(result, f"--load {listed}: it holds a list, not a model's state_dict")


def test_load_of_a_missing_file_exits_2(tmp_path):
    result = invoke("train", "--cell", "lstm", *COPY, *FAST, "--load", tmp_path / "none.npz")
    assert_usage_error(result, "--load")


@pytest.mark.parametrize("other", [["--cell", "gru"], ["--cell", "lstm", "--hidden", "9"],
                                   ["--cell", "lstm", "--layers", "2"]])
def test_load_of_a_checkpoint_of_another_architecture_exits_2(tmp_path, other):
    checkpoint = tmp_path / "lstm.npz"
    assert invoke("train", "--cell", "lstm", *COPY, *FAST, "--save", checkpoint,
                  "--quiet").exit_code == 0
    minigrad.save(minigrad.load(checkpoint)["model"], checkpoint)  # the parameters alone
    args = ["train", *COPY, "--hidden", "8", "--batch", "8", "--steps", "20"]
    if "--hidden" in other:
        args = ["train", *COPY, "--batch", "8", "--steps", "20"]
    result = invoke(*args, *other, "--load", checkpoint)
    assert_usage_error(result, f"--load {checkpoint}: the checkpoint does not fit")


def test_train_save_into_a_missing_folder_exits_2(tmp_path):
    result = invoke("train", "--cell", "lstm", *COPY, *FAST,
                    "--save", tmp_path / "no" / "such" / "ckpt.npz")
    assert_usage_error(result, "--save")


# -------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, fragments", [
    (["--cells", "lstn", *COPY], ["unknown cell 'lstn'", "'lstm'", "rnn", "gru"]),
    (["--cells", "rnn,lstn", *COPY], ["unknown cell 'lstn'", "did you mean 'lstm'"]),
    (["--cells", "lstm", "--task", "cpy"], ["unknown task 'cpy'", "did you mean 'copy'",
                                           "adding", "lookahead"]),
    (["--cells", "lstm", *COPY, "--hidden", "0"], ["--hidden"]),
    (["--cells", "lstm", *COPY, "--hidden", "-4"], ["--hidden"]),
    (["--cells", "lstm", *COPY, "--steps", "-1"], ["--steps"]),
    (["--cells", "lstm", *COPY, "--steps", "0"], ["--steps"]),
    (["--cells", "lstm", *COPY, "--lr", "0"], ["--lr"]),
    (["--cells", "lstm", *COPY, "--batch", "0"], ["--batch"]),
    (["--cells", "lstm", *COPY, "--layers", "0"], ["--layers"]),
    (["--cells", "lstm", *COPY, "--seeds", "0"], ["--seeds"]),
    (["--cells", "lstm", *COPY, "--eval-every", "0"], ["--eval-every"]),
    (["--cells", "lstm", *COPY, "--tbptt", "0"], ["--tbptt"]),
    (["--cells", "lstm", *COPY, "--clip", "-1"], ["--clip"]),
    (["--cells", "lstm", *COPY, "--optimizer", "adagrad"], ["--optimizer"]),
    (["--cells", "lstm", *COPY, "--dtype", "float16"], ["--dtype"]),
    (["--cells", "lstm", *COPY, "--device", "tpu"], ["tpu"]),
    (["--cells", "lstm", "--task", "adding", "--symbols", "3"], ["--symbols", "adding",
                                                                 "--length"]),
    (["--cells", "lstm", "--task", "copy", "--length", "0"], ["length", "at least 1"]),
    (["--cells", "lstm", "--task", "copy", "--length", "abc"], ["length", "abc"]),
    (["--cells", "lstm", "--task", "copy", "--length", "1.5"], ["length"]),
    (["--cells", "lstm", "--task", "copy", "--length"], ["--length", "value"]),
    (["--cells", "lstm", "--task", "lookahead", "--distance", "30"], ["distance"]),
    (["--cells", "lstm", "--task", "copy", "stray"], ["stray"]),
    (["--cells", ",", "--task", "copy"], ["--cells"]),
    (["--cells", "bi-gru", *COPY, "--tbptt", "2"], ["bidirectional"]),
    (["--task", "copy"], ["--cells"]),
    (["--cells", "lstm"], ["--task"]),
])
def test_compare_bad_input_exits_2_with_one_line_before_training(args, fragments):
    assert_usage_error(invoke("compare", *FAST, *args), *fragments)


@pytest.mark.parametrize("args, fragments", [
    (["--cell", "lstn", *COPY], ["did you mean 'lstm'"]),
    (["--cell", "lstm", "--task", "cpy"], ["did you mean 'copy'"]),
    (["--cell", "lstm", *COPY, "--hidden", "0"], ["--hidden"]),
    (["--cell", "lstm", "--task", "adding", "--delay", "3"], ["--delay"]),
])
def test_train_bad_input_exits_2_with_one_line_before_training(args, fragments):
    assert_usage_error(invoke("train", *FAST, *args), *fragments)


@pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed")
@pytest.mark.parametrize("command", [["compare", "--cells", "rnn"], ["train", "--cell", "rnn"]])
def test_device_cuda_without_cupy_exits_2_naming_the_package(command):
    line = assert_usage_error(invoke(*command, *COPY, *FAST, "--device", "cuda"), "--device")
    assert "CuPy" in line and "pip install" in line


# ------------------------------------------------------------------- real subprocesses

from commands import console_script, subprocess_env  # noqa: E402


def test_the_console_script_runs_a_comparison():
    completed = subprocess.run(
        [console_script(), "compare", "--cells", "rnn,lstm", "--task", "copy", "--length", "1",
         "--delay", "2", "--steps", "30", "--hidden", "8", "--json", "--quiet"],
        capture_output=True, text=True, timeout=120, env=subprocess_env())
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert [r["cell"] for r in data["results"]] == ["rnn", "lstm"]
    assert all(r["steps"] == 30 for r in data["results"])
    assert completed.stderr == ""


def test_the_console_script_reports_bad_usage_with_status_2():
    completed = subprocess.run([console_script(), "compare", "--cells", "lstn", "--task", "copy"],
                               capture_output=True, text=True, timeout=120,
                               env=subprocess_env())
    assert completed.returncode == 2
    assert "did you mean 'lstm'" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_help_prints_usage_and_loads_no_plugin():
    completed = subprocess.run([console_script(), "--help"], capture_output=True, text=True,
                               timeout=120, env=subprocess_env())
    assert completed.returncode == 0
    assert completed.stdout.startswith("Usage: minigrad")
    for command in ("compare", "train", "tasks", "cells", "plugins"):
        assert re.search(rf"^\s+{command}\b", completed.stdout, re.M), command

    # the same entry point, in a Python that then says what it imported
    probe = ("import sys\n"
             "from minigrad.cli.main import main\n"
             "try:\n"
             "    main(['--help'], prog_name='minigrad')\n"
             "except SystemExit:\n"
             "    pass\n"
             "print('IMPORTED', sorted(m for m in sys.modules\n"
             "                         if m.startswith('minigrad.plugins')), file=sys.stderr)\n")
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                               timeout=120, env=subprocess_env())
    assert completed.returncode == 0, completed.stderr
    assert "Usage: minigrad" in completed.stdout
    assert "IMPORTED []" in completed.stderr


def test_train_takes_cell_opt_and_says_the_cells_init():
    result = invoke("train", "--cell", "rnn", *COPY, *FAST, "--cell-opt", "nonlinearity=relu",
                    "--init", "identity", "--json")
    assert result.exit_code == 0, result.stderr
    assert "cells: rnn (init identity nonlinearity=relu)" in result.stderr
    line = assert_usage_error(invoke("train", "--cell", "lstm", *COPY, *FAST,
                                     "--cell-opt", "nonlinearity=relu"), "--cell-opt")
    assert "lstm takes no options" in line
