"""What ``pip install .`` puts in site-packages: every package of the source tree.

The editable install of the test command finds modules in the source folders whatever
pyproject.toml lists, so a package left out of its list only breaks the README's other
command, ``pip install . && minigrad compare ...``: here the list is checked against the
folders, and one real (non-editable) install runs the CLI.
"""
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDERS = {"minigrad": "minigrad", "plugins": "minigrad.plugins", "cli": "minigrad.cli"}


def packages_on_disk():
    found = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *parts)))
    return found


def test_pyproject_lists_every_package_folder():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    assert packages_on_disk() - listed == set(), "add these to pyproject.toml's packages"
    assert listed - packages_on_disk() == set(), "these listed packages have no folder"


@pytest.mark.slow
def test_a_real_install_runs_the_command(tmp_path):
    source, target = tmp_path / "source", tmp_path / "site"  # a copy: no stale build/
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    install = subprocess.run(  # as the README's `pip install .` does, build isolation and all
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(source)], capture_output=True, text=True)
    if install.returncode != 0 and "No matching distribution" in install.stderr:
        pytest.skip("no package index reachable here to fetch the build backend")
    assert install.returncode == 0, install.stderr
    # -S: no .pth files, so not the editable install's finder; its dependencies are
    # found in site-packages, added as a plain folder
    code = ("import sys; sys.path[:0] = sys.argv[1:]; import minigrad; "
            "assert minigrad.__file__.startswith(sys.argv[1]), minigrad.__file__; "
            "from minigrad.plugins.tasks.text import shipped_text; "  # package data too
            "assert len(shipped_text()) > 10000; "
            "from minigrad.cli.main import main; main(['cells'])")
    done = subprocess.run([sys.executable, "-S", "-c", code, str(target),
                           sysconfig.get_paths()["purelib"]],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "lstm" in done.stdout
