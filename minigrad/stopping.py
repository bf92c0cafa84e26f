"""Stopping training cleanly when the process is told to stop (Ctrl-C, a batch system).

    with minigrad.stopping.StopOnSignals() as stop:
        comparison = minigrad.compare(["rnn", "lstm"], "copy", seeds=3, out="runs/copy",
                                      stop=stop)
    if stop.received:
        print(f"stopped by {stop.name}; continue with minigrad.resume('runs/copy')")

Inside the ``with``, SIGINT and SIGTERM no longer end the process at once: they make
``stop()`` true, and training, which asks it before every step, ends the run in progress
at that step boundary (where its state is whole and can be checkpointed), marks it
interrupted and starts no other. A second signal raises ``KeyboardInterrupt`` at once,
for when a step takes too long to wait for. SIGKILL can't be caught: a results folder
written run by run loses at most the run in progress.

Signal handlers can only be set from the main thread; elsewhere ``StopOnSignals`` does
nothing and ``stop()`` stays false.
"""
import signal
import threading


class StopOnSignals:
    """A stop request made by SIGINT or SIGTERM; call it to ask whether one came."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received = None  # the number of the first signal, once one came
        self._previous = {}

    def __call__(self):
        return self.received is not None

    @property
    def name(self):
        """``"SIGINT"`` or ``"SIGTERM"`` (None before a signal came)."""
        return None if self.received is None else signal.Signals(self.received).name

    @property
    def exit_status(self):
        """What a shell reports for a process ended by the signal: 128 + its number
        (130 for SIGINT, 143 for SIGTERM)."""
        return None if self.received is None else 128 + self.received

    def _handle(self, number, frame):
        if self.received is not None:
            raise KeyboardInterrupt  # asked twice: stop now, mid-step
        self.received = number

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = {number: signal.signal(number, self._handle)
                              for number in self.SIGNALS}
        return self

    def __exit__(self, *exc_info):
        for number, handler in self._previous.items():
            if handler is not None:  # None: a handler not set from Python, nothing to put back
                signal.signal(number, handler)
        self._previous = {}
        return False
