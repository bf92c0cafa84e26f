"""Sweeps (``minigrad.sweep``, ``minigrad sweep``) and ``compare --jobs`` on local processes.

Every sweep here is tiny (the copy task with 2 symbols to remember over a delay of 3,
hidden 8, 20 steps), so the runs take a tenth of a second and most of the time goes to
starting worker processes; the tests that need them (``jobs=2``) are few.
"""
import csv
import itertools
import json
import math
import os
import shutil
import signal
import subprocess
from concurrent.futures.process import BrokenProcessPool

import pytest

import minigrad
from minigrad import executors, sweeps
from minigrad.cell_setup import InvalidRunError
from minigrad.pictures import pyplot_or_none

from commands import console_script, invoke, subprocess_env

TASK = {"length": 2}
SETTINGS = dict(task_options=TASK, steps=20, eval_every=10, batch=16)
GRID = {"hidden": [8, 12], "delay": [3, 4]}
TIMING = {"seconds", "ms_per_step", "seconds_mean", "ms_per_step_mean"}
CLI_TINY = ["--task", "copy", "--length", "2", "--steps", "20", "--eval-every", "10",
            "--batch", "16"]


def numbers(rows):
    """Rows (dicts) without what differs between equal runs: the times."""
    return [{k: v for k, v in row.items() if k not in TIMING} for row in rows]


def rows_of(result):
    return [{"point": point, **run.to_dict(with_curve=True)}
            for point, run in zip(result.points, result.results)]


@pytest.fixture(scope="module")
def in_process():
    """The reference: the sweep run in this process, one run after another (jobs=1)."""
    return minigrad.sweep(["rnn", "gru"], "copy", grid=GRID, seeds=2, jobs=1, **SETTINGS)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The same sweep on two local processes, written to a results folder: (result, folder)."""
    out = tmp_path_factory.mktemp("sweeps") / "sweep"
    return minigrad.sweep(["rnn", "gru"], "copy", grid=GRID, seeds=2, jobs=2, out=out,
                          **SETTINGS), out


# ------------------------------------------------------------------ the grid
def test_grid_from_texts_and_from_a_dict_is_the_same():
    assert sweeps.parse_grid(["hidden=8,12", "delay = 3"]) == {"hidden": ["8", "12"],
                                                               "delay": ["3"]}
    assert sweeps.parse_grid({"eval-every": 5}) == {"eval_every": [5]}


@pytest.mark.parametrize("grid, words", [
    (["hidden"], "NAME=V1,V2"),
    (["=8"], "NAME=V1,V2"),
    (["hidden=8", "hidden=12"], "twice"),
    (["hidden=8,,12"], "empty"),
    (["hidden=8,8"], "more than once"),
    ({"hidden": []}, "empty"),
])
def test_a_malformed_grid_is_refused(grid, words):
    with pytest.raises(InvalidRunError, match=words):
        sweeps.parse_grid(grid)


def test_an_unknown_axis_is_refused_with_every_name_that_can_be_one():
    with pytest.raises(InvalidRunError) as error:
        sweeps.prepare_sweep(["rnn", "lstm"], "copy", grid={"hiden": [8]})
    message = str(error.value)
    assert "grid hiden: no such setting" in message
    for name in ("hidden", "lr", "steps", "delay", "length", "nonlinearity"):
        assert name in message


def test_each_kind_of_axis_reaches_its_runs():
    plan = sweeps.prepare_sweep(["rnn"], "copy", grid={"lr": ["0.1"], "delay": ["4"],
                                                      "nonlinearity": ["relu"]}, **SETTINGS)
    (point,) = plan.points
    assert point.values == {"lr": 0.1, "delay": 4, "nonlinearity": "relu"}  # converted
    assert point.plan.config.lr == 0.1 and point.plan.task.delay == 4
    assert point.plan.cells[0].options == {"nonlinearity": "relu"}


@pytest.mark.parametrize("grid, words", [
    ({"seed": [1, 2]}, "seed can't be an axis"),
    ({"hidden": ["eight"]}, "'eight' is not a whole number"),
    ({"delay": [3, 0]}, "grid point delay=0: .*at least 1"),
    ({"nonlinearity": ["relu", "cosh"]}, "grid point nonlinearity=cosh"),
])
def test_a_bad_axis_or_value_is_refused_before_anything_runs(tmp_path, grid, words):
    out = tmp_path / "never"
    with pytest.raises(InvalidRunError, match=words):
        minigrad.sweep(["rnn"], "copy", grid=grid, out=out, jobs=1, **SETTINGS)
    assert not out.exists()


def test_an_axis_given_also_as_a_setting_is_refused():
    with pytest.raises(InvalidRunError, match="both as a setting and as a grid axis"):
        sweeps.prepare_sweep(["rnn"], "copy", grid={"hidden": [8]}, hidden=8)


def test_the_points_are_every_combination_and_each_run_is_listed_once(in_process):
    assert [p for p in in_process.points[::4]] == [
        {"hidden": 8, "delay": 3}, {"hidden": 8, "delay": 4},
        {"hidden": 12, "delay": 3}, {"hidden": 12, "delay": 4}]
    runs = [(json.dumps(p), r.cell, r.seed) for p, r in zip(in_process.points,
                                                           in_process.results)]
    assert len(runs) == len(set(runs)) == 4 * 2 * 2
    assert all(r.error is None and r.steps == 20 for r in in_process.results)


# ------------------------------------------------------------------ the same numbers
def standard(result):
    """What results.json holds of ``result``'s runs (standard JSON: NaN is null)."""
    return json.loads(minigrad.results.standard_json(result.to_dict(with_curves=True)))


def test_two_local_processes_give_the_numbers_of_one(in_process, written):
    result, out = written
    assert numbers(rows_of(result)) == numbers(rows_of(in_process))
    record = json.loads((out / "results.json").read_text())
    assert record["status"] == "complete"
    assert numbers(record["results"]) == numbers(standard(in_process)["results"])


def test_compare_with_two_jobs_gives_the_numbers_of_one_job():
    args = ["compare", "--cells", "rnn,gru", "--seeds", "2", *CLI_TINY, "--hidden", "8",
            "--json", "--quiet"]
    one, two = invoke(*args), invoke(*args, "--jobs", "2")
    assert one.exit_code == two.exit_code == 0, two.stderr
    first, second = json.loads(one.stdout), json.loads(two.stdout)
    assert numbers(first["results"]) == numbers(second["results"])


def test_compare_with_jobs_refuses_checkpoint_every_before_writing_anything(tmp_path):
    result = invoke("compare", "--cells", "rnn", *CLI_TINY, "--jobs", "2",
                    "--checkpoint-every", "5", "--out", tmp_path / "never")
    assert result.exit_code == 2 and "--checkpoint-every can't be used with --jobs" in \
        result.stderr
    assert not (tmp_path / "never").exists()


# ------------------------------------------------------------------ the folder
def test_the_folder_is_a_results_folder_with_the_point_of_each_run(in_process, written):
    _, out = written
    record = json.loads((out / "results.json").read_text())
    assert record["format"] == "minigrad-results" and record["settings"]["grid"] == GRID
    assert [row["point"] for row in record["results"]] == in_process.points
    with open(out / "curves.csv", newline="") as file:
        curves = list(csv.DictReader(file))
    assert list(curves[0])[:6] == ["step", "cell", "seed", "loss", "score", "grad_norm"]
    assert {(c["hidden"], c["delay"]) for c in curves} == {("8", "3"), ("8", "4"),
                                                          ("12", "3"), ("12", "4")}
    assert len(curves) == 16 * 2  # two evaluations per run


def test_summary_csv_agrees_with_the_rows(written):
    _, out = written
    rows = json.loads((out / "results.json").read_text())["results"]
    with open(out / "summary.csv", newline="") as file:
        summary = list(csv.DictReader(file))
    assert list(summary[0])[:3] == ["cell", "hidden", "delay"] and len(summary) == 8
    for line in summary:
        runs = [r for r in rows if r["cell"] == line["cell"]
                and r["point"] == {"hidden": int(line["hidden"]), "delay": int(line["delay"])}]
        scores = [r["score"] for r in runs]
        mean = sum(scores) / len(scores)
        std = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1))
        assert int(line["runs"]) == len(runs) == 2
        assert int(line["solved"]) == sum(r["solved"] for r in runs)
        assert float(line["score_mean"]) == pytest.approx(mean, abs=1e-12)
        assert float(line["score_std"]) == pytest.approx(std, abs=1e-12)
        solved = [r["steps_to_solve"] for r in runs if r["solved"]]
        assert line["steps_to_solve_mean"] == (str(sum(solved) / len(solved)) if solved
                                               else "")
        assert line["errors"] == "0"


def test_sweep_png_is_drawn_when_matplotlib_is_there(written):
    _, out = written
    if pyplot_or_none() is None:
        pytest.skip("matplotlib is not installed; a note says so (test_the_command_...)")
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ resuming
def test_a_stopped_sweep_resumes_to_the_numbers_of_an_uninterrupted_one(in_process,
                                                                        tmp_path):
    out = tmp_path / "sweep"
    grid = {"hidden": [8], "delay": [3, 4]}  # the first half of GRID's points
    came_back = []
    result = minigrad.sweep(["rnn", "gru"], "copy", grid=grid, seeds=2, jobs=1, out=out,
                            on_run_end=lambda *args: came_back.append(args),
                            stop=lambda: len(came_back) >= 3, **SETTINGS)
    assert len(result.results) == 3 and result.left == 5
    record = json.loads((out / "results.json").read_text())
    assert record["status"] == "interrupted" and len(record["results"]) == 3
    resumed = sweeps.resume_sweep(out, jobs=1, on_run_end=lambda *args: came_back.append(args))
    assert len(came_back) == 8  # the three kept did not run again
    assert numbers(rows_of(resumed)) == numbers(rows_of(in_process)[:8])
    assert json.loads((out / "results.json").read_text())["status"] == "complete"


def test_one_job_stops_the_run_in_progress_and_resume_runs_it_again(in_process, tmp_path):
    out = tmp_path / "sweep"
    asked = itertools.count()  # asked before each run starts and before every step
    result = minigrad.sweep(["rnn", "gru"], "copy", grid={"hidden": [8], "delay": [3]},
                            seeds=2, jobs=1, out=out, stop=lambda: next(asked) >= 30,
                            **SETTINGS)
    assert len(result.results) == 1 and result.left == 3  # the second stopped part-way
    resumed = sweeps.resume_sweep(out, jobs=1)
    assert numbers(rows_of(resumed)) == numbers(rows_of(in_process)[:4])


def test_resume_runs_again_a_run_whose_worker_died(in_process, written, tmp_path):
    out = tmp_path / "sweep"
    shutil.copytree(written[1], out)
    path = out / "results.json"
    record = json.loads(path.read_text())
    record["results"][5].update(error=f"{executors.LOST}: its process died", steps=0,
                                params=0, score=None, curve=[])
    path.write_text(json.dumps(record))
    ran = []
    resumed = sweeps.resume_sweep(out, jobs=1, on_run_end=lambda *args: ran.append(args))
    assert len(ran) == 1 and ran[0][0].seed == in_process.results[5].seed
    assert numbers(rows_of(resumed)) == numbers(rows_of(in_process))


def test_compare_and_sweep_each_refuse_the_others_folder(written, tmp_path):
    result = invoke("compare", "--resume", written[1])
    assert result.exit_code == 2 and "minigrad sweep --resume" in result.stderr
    other = tmp_path / "compare"
    minigrad.compare(["rnn"], "copy", out=other, hidden=8, **SETTINGS)
    result = invoke("sweep", "--resume", other)
    assert result.exit_code == 2 and "minigrad compare --resume" in result.stderr


# ------------------------------------------------------------------ a worker that dies
def test_a_local_process_that_dies_loses_its_own_run_only():
    pool = executors.LocalPool(2)
    try:
        dying, living = pool.submit(os._exit, 3), pool.submit(pow, 2, 5)
        assert living.result(timeout=60) == 32
        with pytest.raises(BrokenProcessPool):
            dying.result(timeout=60)
        again = pool.submit(pow, 3, 2)  # a fresh process takes the dead one's place
        assert again.result(timeout=60) == 9
        assert executors._outcome(dying)[1].startswith(executors.LOST)
    finally:
        pool.shutdown()


# ------------------------------------------------------------------ the command
def test_the_command_prints_the_summary_and_progress_on_stderr(tmp_path):
    out = tmp_path / "sweep"
    result = invoke("sweep", "--cells", "rnn,gru", *CLI_TINY, "--grid", "hidden=8,12",
                    "--grid", "delay=3", "--seeds", "2", "--jobs", "1", "--out", out)
    assert result.exit_code == 0, result.stderr
    header, _, *lines = result.stdout.splitlines()
    assert header.split()[:4] == ["cell", "hidden", "delay", "solved"]
    assert [line.split()[:3] for line in lines] == [["rnn", "8", "3"], ["gru", "8", "3"],
                                                    ["rnn", "12", "3"], ["gru", "12", "3"]]
    assert "= 8 runs" in result.stderr and "[8/8] gru hidden=12 delay=3 seed 1" in result.stderr
    assert "0 failed; ETA" in result.stderr
    assert (out / "summary.csv").exists()
    assert f"wrote {out / 'sweep.png'}" in result.stderr or \
        "sweep.png not drawn: matplotlib is not installed" in result.stderr
    quiet = invoke("sweep", "--resume", out, "--quiet")  # nothing left to run
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == result.stdout


@pytest.mark.parametrize("args, words", [
    (["--grid", "hidden=8", "--hidden", "8"], "--hidden and --grid hidden=... both set"),
    (["--grid", "bogus=1"], "--grid bogus: no such setting"),
    (["--grid", "hidden=8", "--jobs", "0"], "--jobs"),
    (["--grid", "hidden=8", "--scheduler", "nowhere"], "--scheduler must be a Dask"),
    (["--grid", "hidden=8", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:9"], "give one"),
])
def test_bad_usage_exits_2_with_one_line(args, words):
    result = invoke("sweep", "--cells", "rnn", *CLI_TINY, *args)
    assert result.exit_code == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_resume_with_settings_is_refused(written):
    result = invoke("sweep", "--resume", written[1], "--grid", "hidden=12")
    assert result.exit_code == 2 and "--grid: --resume" in result.stderr


def test_the_installed_command_with_two_jobs_gives_the_numbers_of_the_api(in_process,
                                                                          tmp_path):
    out = tmp_path / "sweep"
    command = [console_script(), "sweep", "--cells", "rnn,gru", *CLI_TINY,
               "--grid", "hidden=8", "--grid", "delay=3,4", "--seeds", "2",
               "--jobs", "2", "--out", str(out), "--json", "--quiet"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300,
                               env=subprocess_env(), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    printed = json.loads(completed.stdout)
    assert [row["point"] for row in printed["results"]] == in_process.points[:8]
    reference = json.loads(minigrad.results.standard_json(in_process.to_dict()))
    assert numbers(printed["results"]) == numbers(reference["results"][:8])
    assert numbers(printed["summary"]) == numbers(reference["summary"][:4])


def test_ctrl_c_starts_no_other_run_and_resume_finishes_the_sweep(in_process, tmp_path):
    """SIGINT to the real command once the first run is back: the runs in progress end
    and are kept, no other starts, exit 130 with the command that finishes the sweep."""
    out = tmp_path / "sweep"
    command = [console_script(), "sweep", "--cells", "rnn,gru", *CLI_TINY,
               "--grid", "hidden=8,12", "--grid", "delay=3,4", "--seeds", "2",
               "--jobs", "2", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=subprocess_env(), cwd=tmp_path)
    try:
        for line in process.stderr:
            if line.startswith("[1/16]"):
                process.send_signal(signal.SIGINT)
                break
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert f"finish with: minigrad sweep --resume {out}" in stderr
    record = json.loads((out / "results.json").read_text())
    assert record["status"] == "interrupted" and 1 <= len(record["results"]) < 16
    resumed = invoke("sweep", "--resume", out, "--jobs", "1", "--json", "--quiet")
    assert resumed.exit_code == 0, resumed.stderr
    assert numbers(json.loads(resumed.stdout)["results"]) == numbers(
        json.loads(minigrad.results.standard_json(in_process.to_dict()))["results"])
