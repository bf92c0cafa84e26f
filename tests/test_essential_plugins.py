"""The essential plugins: rnn, gru and lstm, which minigrad.nn.RNN/GRU/LSTM and their cells
stand on. MINIGRAD_DISABLE_PLUGINS can't switch them off (it warns and leaves them
loaded) and one that fails to load raises instead of being recorded.

The real built-ins are tried in a subprocess, since the environment is read when the
registry is built; the mechanism's details with fake built-ins, in this process: a fake
built-in is essential when its module's last component is an essential name
(``fake_builtins.lstm``), as ``minigrad.plugins.lstm`` is."""
import json
import os
import subprocess
import sys
import textwrap
import warnings

import pytest
from click.testing import CliRunner

from minigrad import plugin_manager as pm
from minigrad.cli.main import main as cli

VARIABLES = ("MINIGRAD_STRICT_PLUGINS", "MINIGRAD_LOAD_PLUGINS", "MINIGRAD_DISABLE_PLUGINS")

# Builds each layer and cell of minigrad.nn it is told to, and prints what came out, the
# warnings issued, and the plugins' statuses and the cells registered.
SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    import minigrad
    from minigrad import nn, plugin_manager as pm

    x = minigrad.randn(5, 2, 3)
    shapes = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in sys.argv[1].split(","):
            if name.endswith("Cell"):
                out = getattr(nn, name)(3, 4)(x[0])
            else:
                out = getattr(nn, name)(3, 4)(x)
            flat = [out] if not isinstance(out, tuple) else [out[0], *(
                out[1] if isinstance(out[1], tuple) else (out[1],))]
            shapes[name] = [list(t.shape) for t in flat]
    print(json.dumps({
        "shapes": shapes,
        "warnings": [[w.category.__name__, str(w.message)] for w in caught],
        "status": {p.name: [p.status, p.essential, p.note] for p in pm.plugins()},
        "cells": sorted(pm.cells()),
    }))
""")

LAYERS = "RNN,GRU,LSTM,RNNCell,GRUCell,LSTMCell"
SHAPES = {
    "RNN": [[5, 2, 4], [1, 2, 4]],
    "GRU": [[5, 2, 4], [1, 2, 4]],
    "LSTM": [[5, 2, 4], [1, 2, 4], [1, 2, 4]],
    "RNNCell": [[2, 4]],
    "GRUCell": [[2, 4]],
    "LSTMCell": [[2, 4], [2, 4]],
}


def run_script(disable, layers, prelude=""):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for variable in VARIABLES:
        env.pop(variable, None)
    env["MINIGRAD_DISABLE_PLUGINS"] = disable
    return subprocess.run([sys.executable, "-c", prelude + SCRIPT, layers],
                          capture_output=True, text=True, env=env, timeout=120)


def run_ok(disable, layers):
    done = run_script(disable, layers)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_disabling_lstm_leaves_nn_lstm_working_and_says_so():
    result = run_ok("lstm", "LSTM,LSTMCell")
    assert result["shapes"] == {"LSTM": SHAPES["LSTM"], "LSTMCell": SHAPES["LSTMCell"]}
    assert result["warnings"] == [[
        "UserWarning",
        "MINIGRAD_DISABLE_PLUGINS names 'lstm', an essential plugin (minigrad.nn.LSTM and "
        "LSTMCell stand on it); it stays loaded. Essential plugins: rnn, gru, lstm"]]
    status, essential, note = result["status"]["lstm"]
    assert (status, essential) == ("loaded", True)
    assert note == "essential: stays loaded although MINIGRAD_DISABLE_PLUGINS names 'lstm'"
    assert "lstm" in result["cells"] and "bi-lstm" in result["cells"]


def test_disabling_the_minigrad_distribution_keeps_the_essentials_only():
    result = run_ok("minigrad", LAYERS)
    assert result["shapes"] == SHAPES
    [[category, message]] = result["warnings"]
    assert category == "UserWarning"
    assert message.startswith(
        "MINIGRAD_DISABLE_PLUGINS names 'minigrad', which includes the essential plugins "
        "rnn, gru, lstm (minigrad.nn.RNN and RNNCell, minigrad.nn.GRU and GRUCell, "
        "minigrad.nn.LSTM and LSTMCell stand on them); they stay loaded.")
    assert "Disabled: gru_simple, peephole_lstm, bidirectional, tasks." in message
    assert {name: s[:2] for name, s in result["status"].items()} == {
        "rnn": ["loaded", True], "gru": ["loaded", True], "lstm": ["loaded", True],
        "gru_simple": ["disabled", False], "peephole_lstm": ["disabled", False],
        "bidirectional": ["disabled", False], "tasks": ["disabled", False]}
    assert result["cells"] == ["gru", "gru-v3", "lstm", "rnn", "rnn-relu"]


def test_disabling_each_essential_by_name_warns_once_for_each():
    result = run_ok("rnn, gru,lstm", LAYERS)
    assert result["shapes"] == SHAPES
    named = [message.split("'")[1] for _, message in result["warnings"]]
    assert named == ["rnn", "gru", "lstm"]
    assert all(result["status"][name][0] == "loaded" for name in ("rnn", "gru", "lstm"))
    assert "peephole-lstm" in result["cells"]


def test_a_non_essential_builtin_is_still_disabled_beside_a_refused_essential():
    result = run_ok("peephole_lstm,minigrad.plugins.lstm", "LSTM")
    assert result["shapes"] == {"LSTM": SHAPES["LSTM"]}
    assert result["status"]["peephole_lstm"][:2] == ["disabled", False]
    assert "peephole-lstm" not in result["cells"] and "lstm" in result["cells"]
    [[_, message]] = result["warnings"]  # the module's name matches too, and only lstm warns
    assert message.startswith("MINIGRAD_DISABLE_PLUGINS names 'minigrad.plugins.lstm', an "
                              "essential plugin (minigrad.nn.LSTM and LSTMCell")


def test_an_essential_plugin_failing_at_import_raises():
    done = run_script("", "LSTM", prelude="import sys; sys.modules['minigrad.plugins.lstm'] = None\n")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("minigrad.plugin_manager.EssentialPluginError: minigrad's essential "
                           "plugin 'lstm' (minigrad.plugins.lstm) failed at import: "
                           "ModuleNotFoundError")
    assert last.endswith("minigrad.nn.LSTM and LSTMCell stand on it, so this installation of "
                         "minigrad is broken")


# --------------------------------------------------------------------------------------
# the mechanism, with fake built-ins in this process

FAKE_CELL = """
    from minigrad.plugin_manager import hookimpl

    @hookimpl
    def minigrad_register_cells(register):
        register("{cell}", dict)
"""

BROKEN_HOOK = """
    from minigrad.plugin_manager import hookimpl

    @hookimpl
    def minigrad_register_cells(register):
        raise RuntimeError("broken on purpose")
"""


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    """No MINIGRAD_* variables and a fresh registry before and after (the next test that
    uses it gets the real built-ins again); the fake modules forgotten afterwards."""
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    pm.reset()
    yield
    pm.reset()
    for name in [m for m in sys.modules if m.startswith("fake_builtins")]:
        del sys.modules[name]


@pytest.fixture
def fake_builtins(tmp_path, monkeypatch):
    """Installs ``fake_builtins.<name>`` modules as the built-ins; returns a function
    taking {name: source or None for a plain cell}."""
    package = tmp_path / "fake_builtins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))

    def install(modules):
        for name, source in modules.items():
            source = source or FAKE_CELL.format(cell=name.replace("_", "-"))
            (package / f"{name}.py").write_text(textwrap.dedent(source))
        monkeypatch.setattr(pm, "BUILTIN_PLUGINS",
                            tuple(f"fake_builtins.{name}" for name in modules))
        monkeypatch.setenv("MINIGRAD_LOAD_PLUGINS", "")  # no third-party plugin
    return install


def by_name():
    return {p.name: p for p in pm.plugins()}


def test_the_essential_set_is_what_minigrad_nn_stands_on():
    assert tuple(pm.ESSENTIAL_PLUGINS) == ("rnn", "gru", "lstm")
    assert {f"minigrad.plugins.{name}" for name in pm.ESSENTIAL_PLUGINS} <= \
        set(pm.BUILTIN_PLUGINS)


@pytest.mark.parametrize("disable", ["lstm", "fake_builtins.lstm", "MiniGrad"])
def test_an_essential_stays_loaded_by_any_of_its_names(fake_builtins, monkeypatch, disable):
    fake_builtins({"lstm": None, "peephole_lstm": None})
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", disable)
    with pytest.warns(UserWarning, match=f"names '{disable}'.* stays loaded"):
        assert pm.get_cell("lstm").plugin == "lstm"
    info = by_name()
    assert (info["lstm"].status, info["lstm"].essential, info["lstm"].error) == \
        ("loaded", True, None)
    assert disable in info["lstm"].note
    disabled = disable == "MiniGrad"  # the distribution also names peephole_lstm
    assert info["peephole_lstm"].status == ("disabled" if disabled else "loaded")
    assert info["peephole_lstm"].essential is False and info["peephole_lstm"].note is None


def test_no_warning_when_nothing_essential_is_named(fake_builtins, monkeypatch):
    fake_builtins({"lstm": None, "peephole_lstm": None})
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", "peephole_lstm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert set(pm.cells()) == {"lstm"}
    assert by_name()["lstm"].note is None


def test_an_essential_missing_from_replaced_builtins_is_not_enforced(fake_builtins,
                                                                     monkeypatch):
    fake_builtins({"peephole_lstm": None})
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", "minigrad")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pm.cells() == {}
    assert by_name()["peephole_lstm"].status == "disabled"
    assert pm.plugin_errors() == []


@pytest.mark.parametrize("strict", ["0", "1"])
@pytest.mark.parametrize("source, stage, cause", [
    ("raise ImportError('no compiled part')", "import", ImportError),
    (BROKEN_HOOK, "minigrad_register_cells", RuntimeError),
])
def test_an_essential_that_fails_raises_strict_or_not(fake_builtins, monkeypatch, strict,
                                                      source, stage, cause):
    fake_builtins({"gru": source, "peephole_lstm": None})
    monkeypatch.setenv("MINIGRAD_STRICT_PLUGINS", strict)
    with pytest.raises(pm.EssentialPluginError) as caught:
        pm.cells()
    assert str(caught.value).startswith(
        f"minigrad's essential plugin 'gru' (fake_builtins.gru) failed at {stage}: "
        f"{cause.__name__}: ")
    assert "minigrad.nn.GRU and GRUCell stand on it" in str(caught.value)
    assert isinstance(caught.value.__cause__, cause)
    with pytest.raises(pm.EssentialPluginError):  # every use raises, nothing half-built
        pm.get_cell("peephole-lstm")


def test_a_non_essential_builtin_that_fails_is_still_recorded(fake_builtins):
    fake_builtins({"lstm": None, "peephole_lstm": "raise ImportError('gone')"})
    assert set(pm.cells()) == {"lstm"}
    [error] = pm.plugin_errors()
    assert (error.plugin, error.stage) == ("peephole_lstm", "import")


def test_the_plugins_command_lists_a_refused_essential_as_loaded(monkeypatch):
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", "lstm,peephole_lstm")
    with pytest.warns(UserWarning, match="names 'lstm', an essential plugin"):
        result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["lstm"]["error"] is None
    assert rows["lstm"]["hooks"] == ["minigrad_register_cells"]
