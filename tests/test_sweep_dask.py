"""A sweep on a real Dask cluster: a scheduler and two workers started here with Dask's
own ``dask scheduler`` / ``dask worker`` commands, on 127.0.0.1 and a free port, each a
process of its own (``--no-nanny``: the worker is the process we started, and killing it
by its PID kills it). Everything started is ended by PID at the end of the module, and
every wait is bounded. Skipped without the ``dask`` extra (``pip install -e ".[dask]"``).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import minigrad  # noqa: E402
from minigrad.results import standard_json  # noqa: E402

from commands import invoke, subprocess_env  # noqa: E402

SETTINGS = dict(task_options={"length": 2}, steps=20, eval_every=10, batch=16)
GRID = {"hidden": [8], "delay": [3, 4]}
TIMING = {"seconds", "ms_per_step", "seconds_mean", "ms_per_step_mean"}
START_TIMEOUT = 60  # seconds for the scheduler and the workers to be up


def numbers(rows):
    return [{k: v for k, v in row.items() if k not in TIMING} for row in rows]


def dask_command():
    found = Path(sys.executable).parent / "dask"
    if found.exists():
        return [str(found)]
    if shutil.which("dask"):
        return [shutil.which("dask")]
    pytest.skip("the dask command is not installed beside this Python")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A scheduler and ``workers`` workers, as processes; ``workers`` maps PID -> Popen."""

    def __init__(self, folder, workers=2):
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.processes, self.workers = [], {}
        log = open(folder / "cluster.log", "w")
        self.log = log
        common = dict(stdout=log, stderr=subprocess.STDOUT, env=subprocess_env(), cwd=folder)
        self.processes.append(subprocess.Popen(
            [*dask_command(), "scheduler", "--host", "127.0.0.1", "--port",
             self.address.rsplit(":", 1)[1], "--no-dashboard"], **common))
        for number in range(workers):
            worker = subprocess.Popen(
                [*dask_command(), "worker", self.address, "--host", "127.0.0.1",
                 "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--local-directory", str(folder / f"worker{number}")], **common)
            self.processes.append(worker)
            self.workers[worker.pid] = worker

    def wait_until_up(self):
        """Both workers registered with the scheduler (or a failure naming the log)."""
        client = distributed.Client(self.address, timeout=START_TIMEOUT, set_as_default=False)
        try:
            client.wait_for_workers(len(self.workers), timeout=START_TIMEOUT)
        finally:
            client.close()

    def kill_worker(self):
        pid, worker = next(iter(self.workers.items()))
        os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)
        return pid

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
        self.log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        started.wait_until_up()
        yield started
    finally:
        started.stop()
    assert all(process.poll() is not None for process in started.processes)


@pytest.fixture(scope="module")
def in_process():
    return minigrad.sweep(["rnn", "gru"], "copy", grid=GRID, seeds=2, jobs=1, **SETTINGS)


def reference_rows(result):
    return json.loads(standard_json(result.to_dict()))["results"]


def test_a_sweep_on_the_cluster_gives_the_numbers_of_one_local_job(cluster, in_process,
                                                                    tmp_path):
    out = tmp_path / "sweep"
    result = invoke("sweep", "--cells", "rnn,gru", "--task", "copy", "--length", "2",
                    "--steps", "20", "--eval-every", "10", "--batch", "16",
                    "--grid", "hidden=8", "--grid", "delay=3,4", "--seeds", "2",
                    "--scheduler", cluster.address, "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    assert f"in the Dask cluster at {cluster.address} (2 workers)" in result.stderr
    printed = json.loads(result.stdout)
    assert numbers(printed["results"]) == numbers(reference_rows(in_process))
    written = json.loads((out / "results.json").read_text())
    assert written["status"] == "complete" and len(written["results"]) == 8


def test_a_worker_killed_mid_sweep_loses_nothing(cluster, in_process):
    """Killed once the first run has come back, with the others queued or running on
    both workers: the scheduler gives the dead worker's runs to the other one."""
    killed = []

    def kill_after_the_first(result, point, done, total):
        if not killed:
            killed.append(cluster.kill_worker())

    result = minigrad.sweep(["rnn", "gru"], "copy", grid=GRID, seeds=2,
                            scheduler=cluster.address, on_run_end=kill_after_the_first,
                            **SETTINGS)
    assert killed and cluster.workers[killed[0]].poll() is not None
    assert all(run.error is None for run in result.results)
    assert numbers(reference_rows(result)) == numbers(reference_rows(in_process))


def test_an_address_where_no_scheduler_listens_is_bad_usage(monkeypatch):
    monkeypatch.setattr(minigrad.executors, "CONNECT_TIMEOUT", 1)  # seconds, not ten
    result = invoke("sweep", "--cells", "rnn", "--task", "copy", "--grid", "hidden=8",
                    "--scheduler", f"tcp://127.0.0.1:{free_port()}")
    assert result.exit_code == 2 and "no Dask scheduler answered" in result.stderr
