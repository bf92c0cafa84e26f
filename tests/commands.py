"""Running the installed ``minigrad`` command as a real subprocess, as a user would."""
import os
import sys
from pathlib import Path

import pytest


def console_script():
    folder = Path(sys.executable).parent
    for name in ("minigrad", "minigrad.exe"):
        if (folder / name).exists():
            return str(folder / name)
    pytest.skip("the minigrad console script is not installed next to this Python")


def subprocess_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIGRAD_")}
    env["OPENBLAS_NUM_THREADS"] = "1"
    return env
