"""A real third-party plugin, seen from outside: the example package
docs/examples/minigrad-mgu/ is exposed through a real ``minigrad`` entry point and must be
listed, run bidirectionally, trained, and shown by the CLI; deliberately broken packages
must be reported while everything else keeps working; and docs/writing-a-cell-plugin.md
must match the example package and its commands must work.

"Installed" here means what ``pip install -e .`` leaves behind, built by hand so the tests
need no network and run in seconds: a ``<name>-<version>.dist-info`` folder (METADATA and
entry_points.txt, read from the package's own pyproject.toml) in a directory on
``sys.path``, and the project folder itself on ``sys.path``. importlib.metadata, and so
the plugin manager, cannot tell the difference.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import minigrad
from minigrad import plugin_manager as pm
from minigrad.cli.main import main as cli

try:
    import tomllib
except ImportError:  # Python < 3.11: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "minigrad-mgu"
PAGE = ROOT / "docs" / "writing-a-cell-plugin.md"
BUILTIN_CELLS = {"rnn", "rnn-relu", "gru", "gru-v3", "gru-simple", "lstm", "peephole-lstm"}

# A copy task small enough to train in about a second. Only the options the task declares
# are passed (see tiny_task_options); the rest keep their defaults.
TASK = "copy"
SMALL_TASK_OPTIONS = {"length": 2, "delay": 3, "symbols": 4, "alphabet": 4, "vocab": 4,
                      "num_symbols": 4, "n_symbols": 4}
SMALL_TRAINING = ["--hidden", "8", "--batch", "8", "--steps", "20", "--eval-every", "10",
                  "--quiet"]


# --------------------------------------------------------------------------------------
# installing a package by hand

def install(project, site, monkeypatch):
    """What ``pip install -e <project>`` leaves behind: ``<name>-<version>.dist-info`` in
    ``site`` with the entry points of the project's pyproject.toml, and the project folder
    on sys.path. Returns the project's metadata table."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    name, version = meta["name"], meta["version"]
    info = site / f"{re.sub(r'[-_.]+', '_', name)}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                   f"Summary: {meta.get('description', '')}\n")
    groups = meta.get("entry-points", {})
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{ep} = {value}\n" for ep, value in eps.items()) + "\n"
        for group, eps in groups.items()))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(project))
    return meta


def fresh_registry(monkeypatch, modules=("minigrad_mgu",)):
    """The real built-ins, no MINIGRAD_* selection, and the registry rebuilt on next use."""
    for variable in ("MINIGRAD_STRICT_PLUGINS", "MINIGRAD_LOAD_PLUGINS",
                     "MINIGRAD_DISABLE_PLUGINS"):
        monkeypatch.delenv(variable, raising=False)
    for module in modules:
        sys.modules.pop(module, None)
    pm.reset()


@pytest.fixture(autouse=True)
def forget_registry():
    """Whatever a test installs is gone for the next test."""
    yield
    pm.reset()
    for module in [m for m in sys.modules if m.startswith(("minigrad_mgu", "minigrad_broken"))]:
        del sys.modules[module]


@pytest.fixture
def site(tmp_path):
    path = tmp_path / "site-packages"
    path.mkdir()
    return path


@pytest.fixture
def mgu(tmp_path, site, monkeypatch):
    """The example package, copied and installed; returns its metadata."""
    project = tmp_path / "minigrad-mgu"
    shutil.copytree(EXAMPLE, project)
    meta = install(project, site, monkeypatch)
    fresh_registry(monkeypatch)
    return meta


BROKEN_AT_IMPORT = '''
raise RuntimeError("minigrad-broken-import is broken on purpose")
'''

BROKEN_IN_HOOK = '''
import minigrad
from minigrad.nn import RecurrentCell


class HalfCell(RecurrentCell):
    def forward(self, x, state):
        return state[0], state


@minigrad.hookimpl
def minigrad_register_cells(register):
    register("half-registered", HalfCell, description="registered before the hook fails")
    raise ValueError("minigrad-broken-hook fails in its hook on purpose")
'''


def make_package(tmp_path, name, module, source):
    project = tmp_path / name
    project.mkdir()
    (project / f"{module}.py").write_text(textwrap.dedent(source))
    (project / "pyproject.toml").write_text(textwrap.dedent(f"""
        [project]
        name = "{name}"
        version = "6.6.6"

        [project.entry-points.minigrad]
        {name.rpartition("-")[2]} = "{module}"
    """))
    return project


@pytest.fixture
def broken(tmp_path, site, mgu, monkeypatch):
    """Two broken packages installed beside the MGU: one raises at import, the other in
    its hook (after a first register call)."""
    for name, module, source in [("minigrad-broken-import", "minigrad_broken_import",
                                  BROKEN_AT_IMPORT),
                                 ("minigrad-broken-hook", "minigrad_broken_hook",
                                  BROKEN_IN_HOOK)]:
        install(make_package(tmp_path, name, module, source), site, monkeypatch)
    fresh_registry(monkeypatch)


def tiny_task_options():
    """The copy task's options that make it small, as the task declares them."""
    declared = pm.get_task(TASK).factory.options
    values = {}
    for option in declared:
        if option.name in SMALL_TASK_OPTIONS:
            value = SMALL_TASK_OPTIONS[option.name]
            if option.min is not None:
                value = max(value, option.min)
            if option.max is not None:
                value = min(value, option.max)
            values[option.name] = option.type(value)
    return values


def tiny_task_args():
    args = []
    for name, value in tiny_task_options().items():
        args += ["--" + name.replace("_", "-"), str(value)]
    return args


def runner():
    try:  # Click 8.0/8.1 mix stderr into stdout unless asked not to
        return CliRunner(mix_stderr=False)
    except TypeError:  # Click >= 8.2 keeps them apart (and dropped the argument)
        return CliRunner()


def invoke(*args):
    result = runner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, f"minigrad {' '.join(args)}:\n{result.output}"
    return result


# --------------------------------------------------------------------------------------
# the MGU, installed

def test_the_example_is_a_real_entry_point(mgu):
    import importlib.metadata
    eps = [ep for ep in importlib.metadata.entry_points(group="minigrad")
           if ep.dist is not None and ep.dist.metadata["Name"] == "minigrad-mgu"]
    assert [(ep.name, ep.value) for ep in eps] == [("mgu", "minigrad_mgu")]


def test_mgu_and_bi_mgu_are_listed_with_their_distribution(mgu):
    cells = minigrad.cells()
    assert {"mgu", "bi-mgu"} | BUILTIN_CELLS <= set(cells)
    spec = cells["mgu"]
    assert (spec.distribution, spec.version, spec.plugin) == ("minigrad-mgu", "0.1.0", "mgu")
    assert spec.description == "minimal gated unit (Zhou et al. 2016)"
    assert spec.factory.__name__ == "MGUCell" and spec.factory.__module__ == "minigrad_mgu"
    assert cells["bi-mgu"].derived_from == ("bidirectional/bi", "mgu/mgu")
    assert [e for e in minigrad.plugin_errors() if e.distribution == "minigrad-mgu"] == []
    info = {p.name: p for p in pm.plugins()}["mgu"]
    assert (info.status, info.distribution, info.version, info.builtin, info.hooks) == \
        ("loaded", "minigrad-mgu", "0.1.0", False, ("minigrad_register_cells",))


def test_mgu_computes_its_equations(mgu, rng):
    layer = minigrad.nn.Recurrent("mgu", 3, 4, dtype="float64")
    p = {k: v.detach().numpy() for k, v in layer.state_dict().items()}
    x = rng.standard_normal((5, 2, 3))
    output, (h_n,) = layer(minigrad.tensor(x))
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    h = np.zeros((2, 4))
    W_f, W_h = p["W_l0"][:, :4], p["W_l0"][:, 4:]
    b_f, b_h = p["b_l0"][:4], p["b_l0"][4:]
    for t in range(5):
        f = sigmoid(x[t] @ W_f + h @ p["U_f_l0"] + b_f)
        h_tilde = np.tanh(x[t] @ W_h + (f * h) @ p["U_h_l0"] + b_h)
        h = (1 - f) * h + f * h_tilde
        np.testing.assert_allclose(output.detach().numpy()[t], h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy()[0], h, rtol=0, atol=1e-12)


def test_bi_mgu_runs_and_its_gradients_pass_gradcheck(mgu, rng):
    layer = minigrad.nn.Recurrent("bi-mgu", 3, 4, dtype="float64")
    assert layer.bidirectional
    assert set(layer.state_dict()) == {f"{p}_l0{s}" for p in ("W", "U_f", "U_h", "b")
                                       for s in ("", "_reverse")}
    x = minigrad.tensor(rng.standard_normal((3, 2, 3)), requires_grad=True)
    output, (h_n,) = layer(x)
    assert output.shape == (3, 2, 8) and h_n.shape == (2, 2, 4)

    def run(x, *weights):
        output, (h_n,) = layer(x)
        return output, h_n

    assert minigrad.gradcheck(run, [x, *layer.parameters()], atol=1e-7, rtol=1e-5)


def test_mgu_trains(mgu):
    losses = []
    result = minigrad.train("mgu", TASK, task_options=tiny_task_options(), hidden=16,
                            batch=16, steps=150, lr=0.02, eval_every=50,
                            callback=lambda step, loss: losses.append(loss))
    assert result.error is None
    assert type(result.model.rnn.cells[0][0]).__module__ == "minigrad_mgu"
    assert len(losses) == result.steps >= 20
    first, last = np.mean(losses[:10]), np.mean(losses[-10:])
    assert last < 0.75 * first, f"the loss went from {first:.4f} to {last:.4f}"
    # and it remembers: below the loss of the best model without memory
    assert result.final_loss < result.baseline_loss


def test_cli_cells_lists_mgu_with_its_distribution(mgu):
    rows = {row["name"]: row for row in json.loads(invoke("cells", "--json").stdout)}
    assert rows["mgu"]["distribution"] == "minigrad-mgu"
    assert rows["mgu"]["plugin"] == "mgu"
    assert rows["bi-mgu"]["distribution"] == "minigrad"  # the wrapper's, as for every bi-
    assert BUILTIN_CELLS <= set(rows)
    text = invoke("cells").stdout
    assert re.search(r"^mgu +minimal gated unit \(Zhou et al\. 2016\) +\[minigrad-mgu\]$",
                     text, re.M)


def test_cli_plugins_lists_mgu_with_version_and_hooks(mgu):
    rows = json.loads(invoke("plugins", "--json").stdout)
    mine = [row for row in rows if row["distribution"] == "minigrad-mgu"]
    assert mine == [{"name": "mgu", "distribution": "minigrad-mgu", "version": "0.1.0",
                     "hooks": ["minigrad_register_cells"], "error": None}]
    assert {"rnn", "gru", "lstm", "peephole_lstm", "bidirectional"} <= {r["name"] for r in rows}


# --------------------------------------------------------------------------------------
# broken packages

def test_broken_plugins_are_reported_and_everything_else_works(broken):
    cells = minigrad.cells()
    assert BUILTIN_CELLS | {"mgu", "bi-mgu"} <= set(cells)
    assert not any("half-registered" in name for name in cells)  # all or nothing
    errors = {e.distribution: e for e in minigrad.plugin_errors()}
    assert set(errors) == {"minigrad-broken-import", "minigrad-broken-hook"}
    at_import = errors["minigrad-broken-import"]
    assert (at_import.plugin, at_import.version, at_import.stage) == ("import", "6.6.6", "import")
    assert at_import.error == "RuntimeError: minigrad-broken-import is broken on purpose"
    in_hook = errors["minigrad-broken-hook"]
    assert (in_hook.plugin, in_hook.stage) == ("hook", "minigrad_register_cells")
    assert in_hook.error == "ValueError: minigrad-broken-hook fails in its hook on purpose"
    assert "minigrad_broken_hook.py" in in_hook.traceback
    # the working ones still work
    output, _ = minigrad.nn.Recurrent("bi-mgu", 3, 4)(minigrad.randn(2, 1, 3))
    assert output.shape == (2, 1, 8)


def test_cli_shows_the_broken_plugins(broken):
    rows = {row["name"]: row for row in json.loads(invoke("plugins", "--json").stdout)}
    assert rows["import"]["distribution"] == "minigrad-broken-import"
    assert rows["import"]["error"] == "RuntimeError: minigrad-broken-import is broken on purpose"
    assert rows["hook"]["error"] == "ValueError: minigrad-broken-hook fails in its hook on purpose"
    assert rows["mgu"]["error"] is None and rows["lstm"]["error"] is None
    plain = invoke("plugins").stdout
    assert re.search(r"^import +minigrad-broken-import 6\.6\.6 +ERROR: RuntimeError", plain, re.M)
    listing = invoke("cells")
    assert "mgu" in listing.stdout.split() and "lstm" in listing.stdout.split()
    assert "minigrad-broken-import" in listing.stderr and "minigrad-broken-hook" in listing.stderr


def test_compare_still_works_beside_broken_plugins(broken):
    result = invoke("compare", "--cells", "lstm", "--task", TASK, "--json",
                    *SMALL_TRAINING, *tiny_task_args())
    summary = json.loads(result.stdout)["summary"]
    assert [row["cell"] for row in summary] == ["lstm"]
    assert summary[0]["errors"] == []


def test_an_unknown_cell_beside_broken_plugins_names_them(broken):
    result = runner().invoke(cli, ["compare", "--cells", "nope", "--task", TASK])
    assert result.exit_code == 2
    assert "mgu" in result.output and "lstm" in result.output  # the valid names
    assert re.search(r"failed to load: .*hook, import", result.output)  # and the failed ones


# --------------------------------------------------------------------------------------
# the product as a real process

def subprocess_env(*paths):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*map(str, paths), *sys.path]))
    for variable in ("MINIGRAD_STRICT_PLUGINS", "MINIGRAD_LOAD_PLUGINS",
                     "MINIGRAD_DISABLE_PLUGINS"):
        env.pop(variable, None)
    return env


def minigrad_command():
    """The installed console script beside this Python, else ``python -m``."""
    script = shutil.which("minigrad", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "minigrad.cli.main"]


def test_the_command_lists_the_installed_plugin(mgu, site, tmp_path):
    done = subprocess.run([*minigrad_command(), "cells"], capture_output=True, text=True,
                          env=subprocess_env(site, tmp_path / "minigrad-mgu"), timeout=120)
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    assert "mgu" in names and "bi-mgu" in names and "lstm" in names
    assert "[minigrad-mgu]" in done.stdout


def test_help_imports_no_plugin(mgu, site, tmp_path):
    script = textwrap.dedent("""
        import json, sys
        from minigrad.cli.main import main
        try:
            main(["--help"], standalone_mode=False)
        except SystemExit:
            pass
        loaded = [m for m in sys.modules
                  if m.startswith(("minigrad.plugins", "minigrad_mgu"))]
        print(json.dumps(sorted(loaded)))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=subprocess_env(site, tmp_path / "minigrad-mgu"), timeout=120)
    assert done.returncode == 0, done.stderr
    *help_lines, last = done.stdout.strip().splitlines()
    assert "compare" in "\n".join(help_lines)  # the help was printed
    assert json.loads(last) == []


# --------------------------------------------------------------------------------------
# docs/writing-a-cell-plugin.md

def page_blocks():
    """(language, text) of every fenced block of the page, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```", PAGE.read_text(), re.S | re.M)


def console_commands():
    """(command, [lines of output shown under it]) from the page's console blocks."""
    commands = []
    for language, text in page_blocks():
        if language != "console":
            continue
        for line in text.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:].strip(), []))
            elif line.strip():
                commands[-1][1].append(line)
    return commands


def test_the_page_shows_the_example_package_as_it_is():
    blocks = page_blocks()
    toml = [text for language, text in blocks if language == "toml"]
    python = [text for language, text in blocks if language == "python"]
    assert toml == [(EXAMPLE / "pyproject.toml").read_text()]
    assert python[0] == (EXAMPLE / "minigrad_mgu.py").read_text()


def test_the_example_cell_is_about_twenty_lines():
    source = (EXAMPLE / "minigrad_mgu.py").read_text()
    cls = source[source.index("class MGUCell"):source.index("@minigrad.hookimpl")]
    assert len([line for line in cls.splitlines() if line.strip()]) <= 25


def test_the_pages_python_runs_in_one_namespace_without_the_plugin_installed():
    namespace = {}
    for number, (language, text) in enumerate(page_blocks()):
        if language == "python":
            exec(compile(text, f"{PAGE.name} block {number}", "exec"), namespace)
    assert {"MGUCell", "FastMGUCell", "MGUWithOutputGate"} <= set(namespace)


def test_every_command_on_the_page_works(tmp_path, site, monkeypatch):
    """Follow the page: make the folder, write the two files it shows, install, then run
    each ``minigrad`` command (training ones made tiny) and find the output it shows."""
    commands = console_commands()
    assert [c for c, _ in commands if c.startswith("minigrad compare")] == \
        ["minigrad compare --cells mgu,lstm --task copy"]
    blocks = page_blocks()
    toml = next(text for language, text in blocks if language == "toml")
    module = next(text for language, text in blocks if language == "python")
    cwd = tmp_path
    installed = False
    for command, shown in commands:
        argv = shlex.split(command)
        if argv[0] == "mkdir":
            (cwd / argv[1]).mkdir()
        elif argv[0] == "cd":
            cwd = cwd / argv[1]
            assert cwd.is_dir()
            (cwd / "pyproject.toml").write_text(toml)
            (cwd / "minigrad_mgu.py").write_text(module)
        elif argv[:3] == ["pip", "install", "-e"] and argv[3:] == ["."]:
            install(cwd, site, monkeypatch)
            fresh_registry(monkeypatch)
            installed = True
        elif argv[0] == "minigrad":
            args = argv[1:]
            if args[0] in ("compare", "train"):
                args += SMALL_TRAINING + tiny_task_args()
            result = invoke(*args)
            normalized = [" ".join(line.split()) for line in result.stdout.splitlines()]
            for line in shown:
                assert " ".join(line.split()) in normalized, \
                    f"`{command}` does not print the line the page shows: {line!r}"
            if args[0] == "compare":
                table = result.stdout.splitlines()
                assert any(row.split()[:1] == ["mgu"] for row in table)
                assert any(row.split()[:1] == ["lstm"] for row in table)
        else:
            pytest.fail(f"the page runs `{command}`, which this test does not know how to run")
    assert installed and "mgu" in minigrad.cells()
