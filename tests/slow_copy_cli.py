"""The ``minigrad`` command with one more task, ``slow-copy``, for tests that signal a
running command: the copy task, never solved (so every run lasts all its steps), whose
batches take ``SLOW_COPY_SECONDS`` (default 0.01) longer to draw. The wait changes
no number, only how long a run lasts, so a test has time to signal it mid-run.

    python tests/slow_copy_cli.py compare --cells rnn --task slow-copy ... --out DIR
"""
import os
import sys
import time

import minigrad
from minigrad import plugin_manager as pm
from minigrad.plugins.tasks.copy import CopyTask


class SlowCopy(CopyTask):
    name = "slow-copy"
    description = "the copy task, slowly, and never solved"

    def batch(self, batch_size, rng):
        time.sleep(float(os.environ.get("SLOW_COPY_SECONDS", "0.01")))
        return super().batch(batch_size, rng)

    def solved(self, loss, score):
        return False


@minigrad.hookimpl
def minigrad_register_tasks(register):
    register("slow-copy", SlowCopy, description=SlowCopy.description)


if __name__ == "__main__":
    sys.modules["slow_copy_cli"] = sys.modules["__main__"]
    pm.BUILTIN_PLUGINS = pm.BUILTIN_PLUGINS + ("slow_copy_cli",)
    pm.reset()
    from minigrad.cli.main import main
    main()
