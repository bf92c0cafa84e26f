"""Nothing finished is lost: results written run by run and atomically, clean stops on
SIGINT and SIGTERM, ``--resume`` to the numbers of an uninterrupted run, checkpoints,
refused folders, and standard JSON.

The signal tests run the real command as a subprocess (``tests/slow_copy_cli.py`` adds a
copy task whose batches take a little longer to draw, so that a signal can land mid-run)
and deliver real signals. Runs are tiny: one symbol of two over a delay of two steps.
"""
import csv
import errno
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad import results as results_module
from minigrad.results import SettingsMismatch
from minigrad.resuming import resume
from minigrad.training import Interrupted, compare, prepare, train

HERE = Path(__file__).parent
SLOW_CLI = [sys.executable, str(HERE / "slow_copy_cli.py")]
TINY_TASK = ["--length", "1", "--delay", "2", "--symbols", "2"]
TINY = [*TINY_TASK, "--hidden", "8", "--batch", "8", "--steps", "40", "--eval-every", "10"]
SLOW_COMPARE = ["compare", "--cells", "rnn,gru", "--seeds", "2", "--task", "slow-copy", *TINY]
API_TINY = dict(task_options=dict(length=1, delay=2, symbols=2), hidden=8, batch=8,
                steps=40, eval_every=10)
TIMING = {"seconds", "ms_per_step", "seconds_mean", "ms_per_step_mean"}


from commands import invoke  # noqa: E402


def error_line(result):
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    return line


def read_results(folder):
    return json.loads((Path(folder) / "results.json").read_text())


def without_timing(record):
    """results.json apart from what differs between equal runs: times and commands."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TIMING}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    record = strip(record)
    for key in ("command", "resumed", "checkpoint_every"):
        record.pop(key)
    return record


def standard(text):
    """json.loads that refuses NaN and Infinity, which standard JSON lacks."""
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    return json.loads(text, parse_constant=refuse)


def env(seconds):
    return {**os.environ, "SLOW_COPY_SECONDS": str(seconds), "OPENBLAS_NUM_THREADS": "1"}


def start_slow(*args, seconds=0.02):
    return subprocess.Popen([*SLOW_CLI, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env(seconds))


def run_slow(*args, seconds=0):
    return subprocess.run([*SLOW_CLI, *map(str, args)], capture_output=True, text=True,
                          env=env(seconds), timeout=120)


def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def finished_runs(folder):
    path = Path(folder) / "results.json"
    return len(read_results(folder).get("results", [])) if path.exists() else 0


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """results.json of the slow comparison, uninterrupted."""
    folder = tmp_path_factory.mktemp("reference") / "out"
    done = run_slow(*SLOW_COMPARE, "--out", folder, "--quiet")
    assert done.returncode == 0, done.stderr
    return read_results(folder)


# ------------------------------------------------------------- signals, for real

@pytest.mark.parametrize("sig, status, checkpoints", [
    (signal.SIGINT, 130, True), (signal.SIGTERM, 143, False)])
def test_a_signal_stops_compare_cleanly_and_resume_gives_the_uninterrupted_results(
        tmp_path, reference, sig, status, checkpoints):
    out = tmp_path / "out"
    extra = ["--checkpoint-every", "10"] if checkpoints else []
    process = start_slow(*SLOW_COMPARE, "--out", out, *extra)
    wait_for(lambda: finished_runs(out) >= 1, "the first run's results")
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == status, stderr

    # finished runs are on disk, valid; the run in progress is marked interrupted
    record = standard((out / "results.json").read_text())
    assert record["status"] == "interrupted"
    finished = len(record["results"])
    assert 1 <= finished < 4
    (stopped,) = record["interrupted"]
    assert (stopped["cell"], stopped["seed"]) == [("rnn", 0), ("rnn", 1), ("gru", 0),
                                                  ("gru", 1)][finished]
    assert 0 <= stopped["steps"] < 40
    with open(out / "curves.csv", newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert {(r[1], int(r[2])) for r in rows} == {(r["cell"], r["seed"])
                                                for r in record["results"]}
    # the table of what finished, and how to go on
    assert stdout.splitlines()[0].startswith("cell")
    last = stderr.strip().splitlines()[-1]
    assert f"by {sig.name}" in last and f"--resume {out}" in last
    assert f"{finished} of 4 runs finished" in last
    assert "Traceback" not in stderr
    if stopped["steps"] > 0:  # a clean stop checkpoints the run where it stopped
        assert f"goes on from step {stopped['steps']}" in last

    resumed = run_slow("compare", "--resume", out)
    assert resumed.returncode == 0, resumed.stderr
    kept = f"resuming {out}: {finished} of 4 runs finished (kept)"
    assert kept in resumed.stderr
    if stopped["steps"] > 0:
        assert f"goes on from its checkpoint at step {stopped['steps']}" in resumed.stderr
    final = read_results(out)
    assert final["status"] == "complete" and final["interrupted"] == []
    assert without_timing(final) == without_timing(reference)
    assert not any((out / "checkpoints").glob("*.npz"))  # finished runs need none


def test_sigkill_loses_at_most_the_run_in_progress(tmp_path, reference):
    out = tmp_path / "out"
    process = start_slow(*SLOW_COMPARE, "--out", out, "--checkpoint-every", "10")
    second_run = out / "checkpoints" / "001-rnn-seed1.npz"
    wait_for(second_run.exists, "a checkpoint of the second run")
    process.kill()
    process.communicate(timeout=60)
    record = standard((out / "results.json").read_text())
    assert record["status"] == "running" and len(record["results"]) >= 1
    finished = {(r["cell"], r["seed"]) for r in record["results"]}
    unfinished = [path for path in (out / "checkpoints").glob("*.npz")
                  if (path.stem.split("-")[1], int(path.stem.split("seed")[1])) not in finished]

    resumed = run_slow("compare", "--resume", out)
    assert resumed.returncode == 0, resumed.stderr
    # (the kill nearly always lands inside the second run, which then goes on from its
    # last checkpoint; when the run had just ended, it is among the finished ones)
    assert ("goes on from its checkpoint at step" in resumed.stderr) == bool(unfinished)
    assert without_timing(read_results(out)) == without_timing(reference)


def test_a_signal_stops_train_with_a_checkpoint_that_load_continues(tmp_path):
    checkpoint = tmp_path / "run.npz"
    args = ["train", "--cell", "gru", "--task", "slow-copy", *TINY, "--json"]
    process = start_slow(*args, "--save", checkpoint, "--checkpoint-every", "10")
    wait_for(checkpoint.exists, "the first checkpoint")
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    stopped = standard(stdout)
    assert 10 <= stopped["steps"] < 40
    assert minigrad.load(checkpoint)["step"] == stopped["steps"]  # saved at the stop
    last = stderr.strip().splitlines()[-1]
    assert f"interrupted by SIGINT at step {stopped['steps']} of 40" in last
    command = last.split("continue with: ")[1].split()
    assert command[-2:] == ["--load", str(checkpoint)]

    continued = run_slow(*command[1:])
    assert continued.returncode == 0, continued.stderr
    uninterrupted = run_slow(*args)
    first, second = standard(continued.stdout), standard(uninterrupted.stdout)
    assert first["steps"] == 40
    assert {k: v for k, v in first.items() if k not in TIMING} == \
        {k: v for k, v in second.items() if k not in TIMING}


# ------------------------------------------------------- resume, through the API

def stop_after(calls):
    """A stop() that answers true from its ``calls``-th question on (one per step)."""
    asked = []

    def stop():
        asked.append(None)
        return len(asked) > calls
    return stop


def interrupt_at(calls):
    """A callback (called after every step) that is Ctrl-C at its ``calls``-th call."""
    seen = []

    def callback(step, loss):
        seen.append(step)
        if len(seen) == calls:
            raise KeyboardInterrupt
    return callback


@pytest.mark.parametrize("how, checkpoint_every, goes_on_from", [
    ("stop", None, 25),     # a clean stop checkpoints the run where it stopped
    ("ctrl-c", 10, 20),     # mid-step: from the last periodic checkpoint
    ("ctrl-c", None, 0),    # mid-step, no checkpoints: the run starts again
])
def test_resume_gives_exactly_the_numbers_of_an_uninterrupted_comparison(
        tmp_path, how, checkpoint_every, goes_on_from):
    whole = compare("rnn,gru", "copy", seeds=2, out=tmp_path / "whole", **API_TINY)
    part = dict(out=tmp_path / "part", checkpoint_every=checkpoint_every, **API_TINY)
    if how == "stop":   # in the second run, before its step 26
        stopped = compare("rnn,gru", "copy", seeds=2, stop=stop_after(40 + 25), **part)
    else:               # in the second run, after its step 25
        with pytest.raises(Interrupted) as caught:
            compare("rnn,gru", "copy", seeds=2, callback=interrupt_at(40 + 25), **part)
        stopped = caught.value.comparison
    assert [(r.cell, r.seed) for r in stopped.results] == [("rnn", 0)]
    (interrupted,) = stopped.interrupted
    assert (interrupted.cell, interrupted.seed, interrupted.steps) == ("rnn", 1, 25)

    steps_run = []
    again = resume(tmp_path / "part", callback=lambda step, loss: steps_run.append(step))
    # the finished run is kept, not run again; the stopped one goes on where it can
    assert steps_run[0] == goes_on_from + 1
    assert len(steps_run) == (40 - goes_on_from) + 40 + 40
    for a, b in zip(whole.results, again.results, strict=True):
        assert (a.cell, a.seed, a.steps) == (b.cell, b.seed, b.steps)
        assert a.final_loss == b.final_loss and a.score == b.score
        assert a.curve == b.curve
    assert without_timing(read_results(tmp_path / "part")) == \
        without_timing(read_results(tmp_path / "whole"))


def test_a_single_run_continued_from_its_checkpoint_is_bit_identical(tmp_path):
    whole = train("lstm", "copy", **API_TINY)
    path = tmp_path / "run.npz"
    stopped = train("lstm", "copy", checkpoint=path, checkpoint_every=10,
                    stop=stop_after(17), **API_TINY)
    assert stopped.interrupted and stopped.steps == 17
    steps_run = []
    continued = train("lstm", "copy", resume_from=path,
                      callback=lambda step, loss: steps_run.append(step), **API_TINY)
    assert steps_run == list(range(18, 41))
    assert continued.curve == whole.curve and continued.final_loss == whole.final_loss
    for name, value in whole.model.state_dict().items():
        assert np.array_equal(continued.model.state_dict()[name].numpy(), value.numpy()), name


def test_a_checkpoint_holds_the_optimizer_and_every_generator(tmp_path):
    path = tmp_path / "run.npz"
    train("gru", "copy", checkpoint=path, checkpoint_every=10, stop=stop_after(20),
          **API_TINY)
    checkpoint = minigrad.load(path)
    assert checkpoint["format"] == "minigrad-run-checkpoint" and checkpoint["step"] == 20
    assert set(checkpoint["optimizer"]) == {"state", "param_groups"}
    assert checkpoint["optimizer"]["state"][0]["step"] == 20  # Adam's own step count
    generators = json.loads(checkpoint["generators"])
    assert set(generators) == {"train", "eval", "global"}
    assert generators["train"]["bit_generator"] == "PCG64"
    assert [p["step"] for p in json.loads(checkpoint["result"])["curve"]] == [10, 20]


def test_continuing_a_checkpoint_with_other_settings_is_refused_naming_them(tmp_path):
    path = tmp_path / "run.npz"
    train("gru", "copy", checkpoint=path, stop=stop_after(5), **API_TINY)
    with pytest.raises(SettingsMismatch) as caught:
        train("gru", "copy", resume_from=path, **{**API_TINY, "hidden": 9, "lr": 0.5})
    assert {d.name for d in caught.value.differences} == {"hidden", "lr"}
    assert "hidden 8 (asked 9)" in str(caught.value)
    # more steps are fine: training goes on for longer
    longer = train("gru", "copy", resume_from=path, **{**API_TINY, "steps": 50})
    assert longer.steps == 50


def test_resume_refuses_other_settings_naming_each(tmp_path):
    compare("rnn", "copy", out=tmp_path / "out", **API_TINY)
    with pytest.raises(SettingsMismatch) as caught:
        resume(tmp_path / "out", hidden=16, seeds=2, task_options={"delay": 3})
    named = [(d.name, d.recorded, d.asked) for d in caught.value.differences]
    assert sorted(named) == [("delay", 2, 3), ("hidden", 8, 16), ("seeds", [0], [0, 1])]
    # asking for the recorded values is no difference
    assert len(resume(tmp_path / "out", hidden=8, cells=["rnn"]).results) == 1


def test_an_interrupt_mid_step_raises_interrupted_with_what_finished(tmp_path):
    calls = []

    def callback(step, loss):
        calls.append(step)
        if len(calls) == 40 + 5:   # in the second run
            raise KeyboardInterrupt
    with pytest.raises(Interrupted) as caught:
        compare("rnn", "copy", seeds=2, out=tmp_path / "out", callback=callback, **API_TINY)
    comparison = caught.value.comparison
    assert [r.seed for r in comparison.results] == [0]
    assert [(r.seed, r.steps) for r in comparison.interrupted] == [(1, 5)]
    record = read_results(tmp_path / "out")
    assert record["status"] == "interrupted" and len(record["results"]) == 1
    assert isinstance(caught.value, KeyboardInterrupt)  # a script's Ctrl-C stays one


def test_on_run_end_sees_each_run_and_the_comparison_so_far(tmp_path):
    seen = []
    compare("rnn,gru", "copy", out=tmp_path / "out", **API_TINY,
            on_run_end=lambda result, so_far: seen.append(
                (result.cell, len(so_far.results), finished_runs(tmp_path / "out"))))
    assert seen == [("rnn", 1, 1), ("gru", 2, 2)]  # on disk before the hook is called


def test_a_run_that_diverges_is_recorded_and_kept_on_resume(tmp_path):
    """The IRNN (relu, identity init) without clipping explodes within a few steps."""
    out = tmp_path / "out"
    result = invoke("compare", "--cells", "rnn-relu,rnn", "--init", "identity", "--task",
                    "copy", "--length", "5", "--delay", "50", "--hidden", "32", "--batch", "8",
                    "--steps", "20", "--eval-every", "10", "--clip", "0", "--lr", "1",
                    "--out", out, "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    printed = standard(result.stdout)
    broken, fine = printed["results"]
    assert broken["cell"] == "rnn-relu" and "at step" in broken["error"]
    assert broken["steps"] < 20 and broken["final_loss"] is None  # null, not NaN
    assert fine["error"] is None and fine["steps"] == 20
    assert standard((out / "results.json").read_text())["results"][0]["error"] == \
        broken["error"]
    steps_run = []
    again = resume(out, callback=lambda step, loss: steps_run.append(step))
    assert steps_run == []  # both runs had ended: nothing is run again
    assert again.results[0].error == broken["error"] and math.isnan(again.results[0].score)


# ------------------------------------------------------------ refused folders

@pytest.mark.parametrize("make, fragment", [
    (lambda d: (d / "results.json").write_text('{"runs": [1, 2]}'), "written by something else"),
    (lambda d: (d / "results.json").write_text("not json at all"), "written by something else"),
    (lambda d: (d / "results.json").write_text(
        '{"task": {}, "results": [], "summary": []}'), "an older minigrad"),
    (lambda d: (d / "results.json").write_text(
        '{"format": "minigrad-results", "version": 2}'), "format version 2, newer"),
    (lambda d: (d / "results.json").mkdir(), "results.json is a folder"),
    (lambda d: (d / "curves.png").mkdir(), "curves.png is a folder"),
    (lambda d: (d / "curves.csv").write_text("x,y\n"), "holds curves.csv but no results.json"),
])
def test_a_folder_holding_something_else_is_refused_and_left_alone(tmp_path, make, fragment):
    out = tmp_path / "out"
    out.mkdir()
    make(out)
    before = {p.name: (p.read_bytes() if p.is_file() else None) for p in out.iterdir()}
    result = invoke("compare", "--cells", "rnn", "--task", "copy", *TINY, "--out", out)
    assert result.exit_code == 2
    line = error_line(result)
    assert line.startswith(f"Error: --out {out}") and fragment in line, line
    assert result.stdout == "" and "Traceback" not in result.stderr
    after = {p.name: (p.read_bytes() if p.is_file() else None) for p in out.iterdir()}
    assert after == before


@pytest.mark.parametrize("make, fragment", [
    (lambda d: None, "no such folder"),
    (lambda d: d.mkdir(), "holds no results.json"),
    (lambda d: (d.mkdir(), (d / "results.json").write_text("[]")), "written by something else"),
    (lambda d: (d.mkdir(), (d / "results.json").write_text(
        '{"format": "minigrad-results", "version": 7}')), "newer than the version 1"),
])
def test_resume_of_a_folder_that_is_not_a_comparison_is_refused(tmp_path, make, fragment):
    folder = tmp_path / "out"
    make(folder)
    result = invoke("compare", "--resume", folder)
    assert result.exit_code == 2
    line = error_line(result)
    assert line.startswith(f"Error: --resume {folder}") and fragment in line, line


def test_out_that_already_holds_a_comparison_points_to_resume(tmp_path):
    out = tmp_path / "out"
    assert invoke("compare", "--cells", "rnn", "--task", "copy", *TINY, "--out", out,
                  "--quiet").exit_code == 0
    before = (out / "results.json").read_bytes()
    result = invoke("compare", "--cells", "rnn", "--task", "copy", *TINY, "--out", out)
    assert result.exit_code == 2
    assert "already holds a comparison (1 run(s) finished)" in error_line(result)
    assert f"--resume {out}" in error_line(result)
    assert (out / "results.json").read_bytes() == before


def test_resume_with_other_settings_exits_2_naming_the_flags(tmp_path):
    out = tmp_path / "out"
    assert invoke("compare", "--cells", "rnn", "--task", "copy", *TINY, "--out", out,
                  "--quiet").exit_code == 0
    before = (out / "results.json").read_bytes()
    result = invoke("compare", "--resume", out, "--hidden", "16", "--length", "2",
                    "--cells", "gru")
    assert result.exit_code == 2
    line = error_line(result)
    for fragment in (f"--resume {out}", "--hidden 8 (asked 16)", "--length 1 (asked 2)",
                     "--cells rnn (asked gru)"):
        assert fragment in line, line
    assert (out / "results.json").read_bytes() == before
    # the same values again are fine, and a finished comparison is only printed again
    again = invoke("compare", "--resume", out, "--hidden", "8", "--quiet")
    assert again.exit_code == 0 and again.stdout.startswith("cell")


def test_the_folder_records_version_command_and_settings(tmp_path):
    out = tmp_path / "out"
    args = ["compare", "--cells", "rnn", "--task", "copy", *TINY, "--out", str(out), "--quiet"]
    assert invoke(*args).exit_code == 0
    record = read_results(out)
    assert record["format"] == "minigrad-results" and record["version"] == 1
    assert record["minigrad_version"] == minigrad.__version__
    assert record["command"] == ["minigrad", *args]
    settings = record["settings"]
    assert settings["cells"] == ["rnn"] and settings["task"] == "copy"
    assert settings["task_options"] == {"length": 1, "delay": 2, "symbols": 2}
    assert settings["seeds"] == [0] and settings["training"]["hidden"] == 8
    assert record["results"][0]["curve"][0]["step"] == 10


@pytest.mark.parametrize("args, fragment", [
    (["--checkpoint-every", "5"], "--checkpoint-every needs --out"),
    (["--out", "a", "--resume", "b"], "--out a: --resume b writes to the folder it continues"),
])
def test_options_that_need_another_are_bad_usage(tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    if "--resume" in args:
        assert invoke("compare", "--cells", "rnn", "--task", "copy", *TINY, "--out", "b",
                      "--quiet").exit_code == 0
    result = invoke("compare", "--cells", "rnn", "--task", "copy", *TINY, *args)
    assert result.exit_code == 2
    assert fragment in error_line(result)


# --------------------------------------------------------------- atomic writes

def half_then(error):
    def write_all(file, data):
        file.write(data[:len(data) // 2])
        raise error
    return write_all


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   KeyboardInterrupt()])
def test_a_write_that_fails_midway_leaves_the_old_file_whole(tmp_path, monkeypatch, error):
    path = tmp_path / "results.json"
    results_module.write_atomically(path, b'{"old": true}')
    monkeypatch.setattr(results_module, "_write_all", half_then(error))
    with pytest.raises(type(error)):
        results_module.write_atomically(path, b'{"new": "and much longer than the old"}')
    assert path.read_bytes() == b'{"old": true}'
    assert os.listdir(tmp_path) == ["results.json"]  # no temporary file left behind


def test_a_full_disk_mid_comparison_keeps_every_result_and_says_where(tmp_path, monkeypatch):
    """The writes after the first run fail as on a full disk: training goes on, the last
    good results.json stays, the table has every run, and one line says what failed."""
    out = tmp_path / "out"
    real = results_module._write_all
    writes = []

    def write_all(file, data):
        writes.append(file.name)
        if len(writes) > 4:   # the claim and the first run's two files go through
            half_then(OSError(errno.ENOSPC, "No space left on device"))(file, data)
        real(file, data)
    monkeypatch.setattr(results_module, "_write_all", write_all)
    result = invoke("compare", "--cells", "rnn,gru", "--task", "copy", *TINY, "--out", out,
                    "--quiet")
    assert result.exit_code == 1
    line = error_line(result)
    assert f"could not write {out / 'results.json'}: No space left on device" in line
    assert f"{out / 'results.json'} holds the runs that finished before that" in line
    assert [row.split()[0] for row in result.stdout.splitlines()[2:]] == ["rnn", "gru"]
    on_disk = standard((out / "results.json").read_text())
    assert [r["cell"] for r in on_disk["results"]] == ["rnn"]
    assert not [name for name in os.listdir(out) if name.endswith(".tmp")]


def test_a_train_checkpoint_that_cannot_be_written_is_one_line_and_the_result_stays(
        tmp_path, monkeypatch):
    from minigrad import serialization

    def full_disk(path, members):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(serialization, "_write_atomically", full_disk)
    path = tmp_path / "run.npz"
    result = invoke("train", "--cell", "rnn", "--task", "copy", *TINY, "--save", path,
                    "--quiet")
    assert result.exit_code == 1
    assert error_line(result) == f"Error: could not write {path}: No space left on device"
    assert result.stdout.startswith("rnn: ") and "40 steps" in result.stdout
    with pytest.warns(RuntimeWarning, match="No space left on device"):
        assert train("rnn", "copy", checkpoint=path, **API_TINY).steps == 40


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A 256 KiB tmpfs mounted for the test (root only; skipped where it can't be)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if not shutil.which("mount") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def fill(folder):
    """Fill the file system of ``folder`` to the last byte."""
    with open(folder / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
        with pytest.raises(OSError):
            while True:
                filler.write(b"\0")


def test_on_a_really_full_disk_the_results_stay_whole(tiny_filesystem):
    out = tiny_filesystem / "out"
    plan = prepare(["rnn"], "copy", 1, API_TINY["task_options"],
                   **{k: v for k, v in API_TINY.items() if k != "task_options"})
    plan.write_to(out)
    comparison = plan.run()
    before = (out / "results.json").read_bytes()
    fill(tiny_filesystem)
    comparison.results = comparison.results * 50   # a longer file than fits now
    assert plan.folder.save(comparison) is False
    assert "No space left on device" in plan.folder.error
    assert (out / "results.json").read_bytes() == before
    assert not [name for name in os.listdir(out) if name.endswith(".tmp")]
    # and a new folder on the full disk is refused before any training
    result = invoke("compare", "--cells", "rnn", "--task", "copy", *TINY, "--out",
                    tiny_filesystem / "other")
    assert result.exit_code == 2
    assert "No space left on device" in error_line(result)


# ------------------------------------------------------- stdout closed or full

def run_cli(*args, **popen):
    return subprocess.run([sys.executable, "-m", "minigrad.cli.main", *map(str, args)],
                          stderr=subprocess.PIPE, text=True, timeout=120, **popen)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("with_out", [False, True])
def test_a_full_stdout_is_one_line_and_the_results_are_not_lost(tmp_path, with_out):
    out = tmp_path / "out"
    args = ["compare", "--cells", "rnn", "--task", "copy", *TINY, "--quiet"]
    with open("/dev/full", "w") as full:
        done = run_cli(*args, *(["--out", out] if with_out else []), stdout=full)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    first, *rest = done.stderr.splitlines()
    assert first.startswith("Error: could not write the results to stdout (No space left")
    if with_out:
        assert first.endswith(f"the results are in {out / 'results.json'}") and rest == []
    else:
        assert rest[0].startswith("cell") and rest[2].startswith("rnn")  # the table


def test_a_closed_stdout_is_refused_before_training_unless_results_go_to_a_folder(tmp_path):
    args = ["compare", "--cells", "rnn", "--task", "copy", *TINY, "--quiet"]
    close_stdout = dict(preexec_fn=lambda: os.close(1))
    refused = run_cli(*args, **close_stdout)
    assert refused.returncode == 2
    assert "stdout is closed" in refused.stderr and "Traceback" not in refused.stderr
    saved = run_cli(*args, "--out", tmp_path / "out", **close_stdout)
    assert saved.returncode == 1
    assert f"the results are in {tmp_path / 'out' / 'results.json'}" in saved.stderr
    assert len(read_results(tmp_path / "out")["results"]) == 1


# ------------------------------------------------------------- standard JSON

def test_standard_json_writes_null_for_what_is_not_a_finite_number():
    text = results_module.standard_json({"a": math.nan, "b": [math.inf, -math.inf, 1.5],
                                         "c": np.float32("nan"), "d": np.int64(3),
                                         "e": np.array([1.0, np.nan]), 7: (True, None)})
    assert standard(text) == {"a": None, "b": [None, None, 1.5], "c": None, "d": 3,
                              "e": [1.0, None], "7": [True, None]}




def test_json_and_results_json_are_standard_json_with_null_for_nan(tmp_path, nan_plugin):
    out = tmp_path / "out"
    result = invoke("compare", "--cells", "nan-cell,gru", "--task", "copy", *TINY, "--json",
                    "--quiet", "--out", out)
    assert result.exit_code == 0, result.stderr
    for text in (result.stdout, (out / "results.json").read_text()):
        assert "NaN" not in text and "Infinity" not in text
        data = standard(text)
        broken = data["results"][0]
        assert broken["cell"] == "nan-cell" and broken["final_loss"] is None
        assert broken["score"] is None
    trained = invoke("train", "--cell", "nan-cell", "--task", "copy", *TINY, "--json",
                     "--quiet")
    assert standard(trained.stdout)["final_loss"] is None
