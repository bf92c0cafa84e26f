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


def runner():
    """stdout and stderr apart (Click 8.2+ always keeps them apart; older ones need asking)."""
    from click.testing import CliRunner
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def invoke(*args):
    """The ``minigrad`` command through Click's runner, arguments given as they'd be typed."""
    from minigrad.cli.main import main as cli
    return runner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
