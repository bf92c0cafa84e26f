"""Where the runs of a sweep (or of ``compare --jobs N``) run: local worker processes or a
Dask cluster, both behind the standard ``concurrent.futures.Executor`` interface.

    pool = executors.open_pool(jobs=2)                       # two local processes
    pool = executors.open_pool(scheduler="tcp://host:8786")  # a Dask cluster
    rows = executors.run_all(pool, {key: spec, ...}, on_done=..., stop=...)

What crosses to a worker is small and picklable: a run's settings (names and numbers,
as ``Plan.run_settings`` writes them), never a model. The worker prepares that one run
again with ``minigrad.training.prepare``, as ``resume`` does, trains it, and sends back
its ``RunResult`` as a dict. A run's numbers depend on its settings and seed only (the
worker's BLAS is pinned to one thread), so they are the same in any process.

A worker that dies loses its current run and nothing else. Each local job is a
one-process ``ProcessPoolExecutor`` of its own, so a death breaks that pool only: its run
is reported with an error starting ``LOST`` and a fresh process takes the next run. On
Dask the scheduler gives the task of a dead worker to another one (up to its
``allowed-failures``, 3 by default) and ``retries`` more for a run that raised.
"""
import concurrent.futures
import multiprocessing
import signal
from concurrent.futures.process import BrokenProcessPool

from .cell_setup import InvalidRunError

#: The start of the error of a run whose worker died (``--resume`` runs it again).
LOST = "worker lost"
#: How long to wait for a Dask scheduler to answer, in seconds.
CONNECT_TIMEOUT = 10


# ------------------------------------------------------------------ in the worker
def run_in_worker(settings, pin=True, stop=None):
    """Train the one run ``settings`` describes (``Plan.run_settings``), with one BLAS
    thread (``pin``), and return its ``RunResult`` as a dict with its learning curve.
    ``stop()`` (in this process only) ends it at a step boundary: None comes back."""
    from . import threads
    from .training import prepare
    if pin:
        threads.pin(1)
    plan = prepare(settings["cells"], settings["task"], settings["seeds"],
                   settings["task_options"], settings["cell_options"],
                   **settings["training"])
    comparison = plan.run(stop=stop)
    if not comparison.results:
        return None  # stopped before its end: to run again
    return comparison.results[0].to_dict(with_curve=True)


def _start_local_worker():
    """A local worker leaves Ctrl-C to its parent, which stops the sweep cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import threads
    threads.pin(1)


# ------------------------------------------------------------------ local processes
class LocalPool(concurrent.futures.Executor):
    """``jobs`` worker processes, each a one-process ``ProcessPoolExecutor`` of its own, so
    that a process that dies costs its own run only. ``submit`` goes to an idle process;
    the caller keeps at most ``capacity`` runs in flight (``run_all`` does)."""
    worker_options = {}

    def __init__(self, jobs):
        self.capacity = jobs
        self._context = multiprocessing.get_context("spawn")  # nothing inherited but sys.path
        self._pools = [None] * jobs
        self._futures = [None] * jobs

    def submit(self, fn, /, *args, **kwargs):
        for slot, future in enumerate(self._futures):
            if future is None or future.done():
                break
        else:
            raise RuntimeError(f"all {self.capacity} worker processes are busy")
        if future is not None and isinstance(future.exception(), BrokenProcessPool):
            self._pools[slot].shutdown(wait=False)  # its process died: a fresh one
            self._pools[slot] = None
        if self._pools[slot] is None:
            self._pools[slot] = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=self._context, initializer=_start_local_worker)
        self._futures[slot] = self._pools[slot].submit(fn, *args, **kwargs)
        return self._futures[slot]

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Close the processes; with ``wait=False`` a run in progress is abandoned (its
        process is terminated) rather than waited for."""
        for pool in self._pools:
            if pool is None:
                continue
            if not wait:
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        self._pools = [None] * self.capacity

    def describe(self):
        return f"{self.capacity} local process{'es' if self.capacity != 1 else ''}"


class InProcess(concurrent.futures.Executor):
    """One job, in this process: each run when it is submitted (``--jobs 1``), with the
    BLAS threads this process has (minigrad's default is one). ``stop`` reaches the run,
    which ends at the next step boundary, as in ``compare``."""
    capacity = 1
    worker_options = {"pin": False}
    takes_stop = True

    def submit(self, fn, /, *args, **kwargs):
        future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # the run's own failure, reported as its error
            future.set_exception(error)
        return future

    def describe(self):
        return "this process"


# ------------------------------------------------------------------ a Dask cluster
class DaskPool(concurrent.futures.Executor):
    """The workers of the Dask cluster whose scheduler is at ``address``, through
    ``distributed.Client(address).get_executor()``: every run is submitted at once and
    the scheduler spreads them; a run that raised is tried ``retries`` more times."""
    capacity = float("inf")
    worker_options = {}

    def __init__(self, address, retries=2):
        try:
            import distributed
        except ImportError:
            raise InvalidRunError("scheduler needs Dask's distributed package: pip install "
                                  "'minigrad[dask]'", "scheduler") from None
        self.address = address
        try:
            self.client = distributed.Client(address, timeout=CONNECT_TIMEOUT,
                                             set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise InvalidRunError(f"scheduler {address}: no Dask scheduler answered there "
                                  f"within {CONNECT_TIMEOUT} s ({type(error).__name__}); start "
                                  f"one with `dask scheduler` and workers with `dask worker "
                                  f"{address}`", "scheduler") from None
        self._executor = self.client.get_executor(retries=retries, pure=False)

    def submit(self, fn, /, *args, **kwargs):
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._executor.shutdown(wait=wait)
        self.client.close()

    def describe(self):
        workers = self.client.scheduler_info().get("workers", {})
        return f"the Dask cluster at {self.address} ({len(workers)} workers)"


def check_address(address):
    """A scheduler address as Dask takes it: tcp://host:port (or tls://, inproc://, ...)."""
    if not isinstance(address, str) or "://" not in address or not address.split("://")[1]:
        raise InvalidRunError(f"scheduler must be a Dask scheduler's address such as "
                              f"tcp://127.0.0.1:8786, got {address!r}", "scheduler")
    return address


def check_jobs(jobs):
    """``jobs``: a number of local processes >= 1, or None for one per usable core."""
    from .threads import usable_cpus
    if jobs is None:
        return usable_cpus()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidRunError(f"jobs must be a number of processes >= 1, got {jobs!r}", "jobs")
    return jobs


def open_pool(jobs=None, scheduler=None, retries=2):
    """The executor for ``jobs`` local processes (None: one per core; 1: this process)
    or for the Dask cluster at ``scheduler``."""
    if scheduler is not None:
        if jobs is not None:
            raise InvalidRunError("jobs and scheduler both say where runs go: give one",
                                  "jobs")
        return DaskPool(check_address(scheduler), retries)
    jobs = check_jobs(jobs)
    return InProcess() if jobs == 1 else LocalPool(jobs)


# ------------------------------------------------------------------ the loop
def run_all(pool, specs, on_done, stop=None, poll=0.2):
    """Run every ``specs[key]`` (a run's settings) on ``pool``, keeping at most
    ``pool.capacity`` in flight, and call ``on_done(key, row, error)`` in this thread as
    each comes back: the RunResult dict, or None and the error text. Once ``stop()`` is
    true no other run starts, and those in flight are waited for; a KeyboardInterrupt
    (a second Ctrl-C) abandons them; a run in this process (``InProcess``) is stopped at
    its next step. Returns the keys that never ran, or did not run to their end."""
    waiting, unfinished = list(specs), []
    running = {}
    options = dict(pool.worker_options)
    if getattr(pool, "takes_stop", False):
        options["stop"] = stop
    try:
        while waiting or running:
            while waiting and len(running) < pool.capacity and not (stop and stop()):
                key = waiting.pop(0)
                running[pool.submit(run_in_worker, specs[key], **options)] = key
            if not running:
                break  # stopped before the rest started
            done, _ = concurrent.futures.wait(running, timeout=poll,
                                              return_when=concurrent.futures.FIRST_COMPLETED)
            for future in _in_order(done, running):
                key = running.pop(future)
                row, error = _outcome(future)
                if row is None and error is None:
                    unfinished.append(key)  # stopped part-way: left for resume
                else:
                    on_done(key, row, error)
    except BaseException:
        for future in running:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return unfinished + waiting


def _in_order(done, running):
    order = {future: index for index, future in enumerate(running)}
    return sorted(done, key=order.get)


def _outcome(future):
    """(row, None) for a run that came back, (None, error text) for one that did not."""
    try:
        return future.result(), None
    except BrokenProcessPool:
        return None, f"{LOST}: its process died (killed, or out of memory) during the run"
    except Exception as error:
        if type(error).__name__ == "KilledWorker":  # Dask gave up after allowed-failures
            return None, f"{LOST}: every Dask worker that ran it died ({error})"
        return None, f"{type(error).__name__}: {error}"

