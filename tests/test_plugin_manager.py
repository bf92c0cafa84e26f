"""The plugin manager, with real packages: each test writes small plugin modules and
``<dist>-<version>.dist-info`` folders into a temporary directory on sys.path, so the
third-party plugins are found through real ``minigrad`` entry points. The built-ins are
replaced by fake modules, loaded by module name as the real ones are."""
import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pluggy
import pytest

from minigrad import plugin_manager as pm

REAL_BUILTINS = pm.BUILTIN_PLUGINS

GOOD_CELL = """
    from minigrad.plugin_manager import hookimpl

    class {cls}:
        '''{cls}: a cell that never learns.'''
        def __init__(self, input_size, hidden_size):
            pass

    @hookimpl
    def minigrad_register_cells(register):
        register("{cell}", {cls}, description="{description}", aliases={aliases!r})
"""

WRAPPER = """
    from minigrad.plugin_manager import hookimpl

    class Wrapped:
        def __init__(self, cell_factory):
            self.cell_factory = cell_factory

    @hookimpl
    def minigrad_register_wrappers(register):
        register("bi", Wrapped, description="both directions")
"""


class Site:
    """A directory on sys.path holding plugin modules and distribution metadata."""

    def __init__(self, root, monkeypatch):
        self.root = root
        monkeypatch.syspath_prepend(str(root))

    def module(self, name, source):
        (self.root / f"{name}.py").write_text(textwrap.dedent(source))
        return name

    def cell_module(self, name, cell, description="a fake cell", aliases=()):
        return self.module(name, GOOD_CELL.format(cls=f"{name.title()}Cell", cell=cell,
                                                  description=description, aliases=aliases))

    def dist(self, name, version, entry_points):
        """A distribution whose ``[minigrad]`` entry points map name -> module."""
        info = self.root / f"{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = "".join(f"{ep} = {module}\n" for ep, module in entry_points.items())
        (info / "entry_points.txt").write_text(f"[minigrad]\n{lines}")
        importlib.invalidate_caches()


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    """No real built-ins, no MINIGRAD_* variables, a fresh registry, and the plugin
    modules a test imported forgotten afterwards."""
    for variable in ("MINIGRAD_STRICT_PLUGINS", "MINIGRAD_LOAD_PLUGINS",
                     "MINIGRAD_DISABLE_PLUGINS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(pm, "BUILTIN_PLUGINS", ())
    modules = set(sys.modules)
    pm.reset()
    yield
    pm.reset()
    for name in set(sys.modules) - modules:
        if name.startswith("fake"):
            del sys.modules[name]


@pytest.fixture
def site(tmp_path, monkeypatch):
    return Site(tmp_path, monkeypatch)


def errors_by_plugin():
    return {error.plugin: error for error in pm.plugin_errors()}


def test_third_party_cell_is_registered_with_its_distribution(site):
    site.cell_module("fake_mgu", "mgu", description="minimal gated unit", aliases=("mgu1",))
    site.dist("fakepkg", "1.0", {"fake": "fake_mgu"})

    spec = pm.cells()["mgu"]
    assert (spec.name, spec.plugin, spec.distribution, spec.version, spec.kind) == \
        ("mgu", "fake", "fakepkg", "1.0", "cell")
    assert spec.description == "minimal gated unit"
    assert spec.factory is sys.modules["fake_mgu"].Fake_MguCell
    assert pm.get_cell("mgu1") is spec and pm.get_cell("fake/mgu") is spec
    assert pm.plugin_errors() == []
    [info] = [p for p in pm.plugins() if p.name == "fake"]
    assert (info.status, info.hooks, info.builtin, info.source) == \
        ("loaded", ("minigrad_register_cells",), False, "fake_mgu")


def test_the_registry_is_built_once_and_lazily(site):
    site.module("fake_counted", """
        from minigrad.plugin_manager import hookimpl
        CALLS = []

        @hookimpl
        def minigrad_register_tasks(register):
            CALLS.append(1)
            register("copy", dict, description="copy task")
    """)
    site.dist("countpkg", "0.1", {"counted": "fake_counted"})
    assert "fake_counted" not in sys.modules
    assert pm.get_task("copy").factory is dict
    pm.tasks(), pm.cells(), pm.get_task("copy")
    assert sys.modules["fake_counted"].CALLS == [1]
    assert pm.tasks()["copy"].kind == "task"


BROKEN = {
    "import": ("""
        import fake_dependency_that_is_not_installed
    """, "ModuleNotFoundError", "fake_dependency_that_is_not_installed"),
    "minigrad_register_tasks": ("""
        from minigrad.plugin_manager import hookimpl

        @hookimpl
        def minigrad_register_cells(register):
            register("half", dict)  # fine, but dropped with the rest of the plugin

        @hookimpl
        def minigrad_register_tasks(register):
            register("half-task", dict)
            raise RuntimeError("boom in the hook")
    """, "RuntimeError", "boom in the hook"),
    "check hooks": ("""
        from minigrad.plugin_manager import hookimpl

        @hookimpl
        def minigrad_register_cell(register):
            register("half", dict)
    """, "PluginValidationError",
        "unknown hook 'minigrad_register_cell' (did you mean 'minigrad_register_cells'?)"),
    "register": ("""
        from minigrad.plugin_manager import hookimpl

        @hookimpl
        def minigrad_register_cells(reg):
            reg("half", dict)
    """, "PluginValidationError", "reg"),
}


@pytest.mark.parametrize("stage", list(BROKEN))
def test_a_broken_plugin_is_recorded_and_the_others_keep_working(site, stage):
    source, error_type, message = BROKEN[stage]
    site.cell_module("fake_good", "good")
    site.module("fake_broken", source)
    site.dist("brokenpkg", "2.0", {"broken": "fake_broken"})
    site.dist("goodpkg", "1.0", {"good": "fake_good"})

    assert pm.get_cell("good").distribution == "goodpkg"
    assert "half" not in pm.cells() and "half-task" not in pm.tasks()  # all or nothing
    [error] = pm.plugin_errors()
    assert (error.plugin, error.distribution, error.version, error.stage) == \
        ("broken", "brokenpkg", "2.0", stage)
    assert error.error.startswith(error_type + ":") and message in error.error
    assert "Traceback" in error.traceback
    assert "brokenpkg 2.0" in str(error)
    info = {p.name: p for p in pm.plugins()}
    assert info["broken"].status == "failed" and info["broken"].error == error.error
    assert info["good"].status == "loaded"
    assert not pm.registry().pm.has_plugin("broken")
    with pytest.raises(pm.UnknownNameError, match=r"1 plugin\(s\) failed to load: broken;"):
        pm.get_cell("half")


def test_an_unmarked_misspelt_hook_is_caught_too(site):
    site.module("fake_unmarked", """
        def minigrad_register_taks(register):
            register("copy", dict)
    """)
    site.dist("typopkg", "1.0", {"typo": "fake_unmarked"})
    [error] = pm.plugin_errors()
    assert "did you mean 'minigrad_register_tasks'?" in error.error
    assert "copy" not in pm.tasks()


@pytest.mark.parametrize("call, message", [
    ('register("", dict)', "invalid cell name ''"),
    ('register("a/b", dict)', "invalid cell name 'a/b'"),
    ('register("two words", dict)', "invalid cell name 'two words'"),
    ('register(3, dict)', "invalid cell name 3"),
    ('register("x", 42)', "must be callable"),
    ('register("x", dict, aliases="y")', "must be a tuple of names"),
    ('register("x", dict, aliases=("ok", "not ok"))', "invalid cell name 'not ok'"),
    ('register("x", dict); register("x", list)', "registered twice by this plugin"),
    ('register("x", dict, description=None)', "description"),
    ('return ["x"]', "return nothing"),
])
def test_bad_register_calls_fail_the_plugin(site, call, message):
    site.module("fake_bad", f"""
        from minigrad.plugin_manager import hookimpl

        @hookimpl
        def minigrad_register_cells(register):
            {call}
    """)
    site.dist("badpkg", "1.0", {"bad": "fake_bad"})
    [error] = pm.plugin_errors()
    assert error.stage == "minigrad_register_cells"
    assert message in error.error


def test_a_missing_builtin_is_recorded_and_other_builtins_load(site, monkeypatch):
    site.cell_module("fake_builtin_rnn", "rnn")
    monkeypatch.setattr(pm, "BUILTIN_PLUGINS", ("minigrad.plugins.fake_not_written_yet",
                                                "fake_builtin_rnn"))
    spec = pm.get_cell("rnn")
    assert (spec.plugin, spec.distribution) == ("fake_builtin_rnn", "minigrad")
    [error] = pm.plugin_errors()
    assert (error.plugin, error.distribution, error.stage) == \
        ("fake_not_written_yet", "minigrad", "import")
    assert "ModuleNotFoundError" in error.error


def test_strict_mode_reraises_the_original_error(site, monkeypatch):
    site.module("fake_raises", """
        from minigrad.plugin_manager import hookimpl

        @hookimpl
        def minigrad_register_cells(register):
            raise KeyError("original")
    """)
    site.dist("raisespkg", "1.0", {"raises": "fake_raises"})
    monkeypatch.setenv("MINIGRAD_STRICT_PLUGINS", "1")
    with pytest.raises(KeyError, match="original"):
        pm.cells()
    monkeypatch.setenv("MINIGRAD_STRICT_PLUGINS", "0")  # read again: nothing was cached
    assert pm.plugin_errors()[0].error == "KeyError: 'original'"


def test_strict_mode_raises_for_an_unknown_hook_and_a_missing_module(site, monkeypatch):
    monkeypatch.setenv("MINIGRAD_STRICT_PLUGINS", "1")
    site.module("fake_typo", """
        from minigrad.plugin_manager import hookimpl

        @hookimpl
        def minigrad_register_wrapper(register):
            pass
    """)
    site.dist("typopkg", "1.0", {"typo": "fake_typo"})
    with pytest.raises(pluggy.PluginValidationError, match="minigrad_register_wrappers"):
        pm.cells()
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", "typopkg")
    monkeypatch.setattr(pm, "BUILTIN_PLUGINS", ("fake_missing_builtin",))
    with pytest.raises(ModuleNotFoundError):
        pm.cells()


@pytest.fixture
def two_dists(site, monkeypatch):
    site.cell_module("fake_alpha", "alpha-cell")
    site.cell_module("fake_beta", "beta-cell")
    site.dist("alpha-pkg", "1.0", {"alpha": "fake_alpha"})
    site.dist("beta_pkg", "1.0", {"beta": "fake_beta"})
    site.cell_module("fake_builtin", "builtin-cell")
    monkeypatch.setattr(pm, "BUILTIN_PLUGINS", ("fake_builtin",))


def status(name):
    return {p.name: p.status for p in pm.plugins()}[name]


def test_load_plugins_loads_only_the_listed_distributions(two_dists, monkeypatch):
    monkeypatch.setenv("MINIGRAD_LOAD_PLUGINS", " Beta-Pkg ")  # names compare as PEP 503
    assert {"beta-cell", "builtin-cell"} <= set(pm.cells()) and "alpha-cell" not in pm.cells()
    assert status("alpha") == "skipped" and status("beta") == "loaded"
    assert "fake_alpha" not in sys.modules
    assert pm.plugin_errors() == []


def test_load_plugins_empty_loads_no_third_party_plugin(two_dists, monkeypatch):
    monkeypatch.setenv("MINIGRAD_LOAD_PLUGINS", "")
    assert "builtin-cell" in pm.cells()
    assert not {"alpha-cell", "beta-cell"} & set(pm.cells())


def test_load_plugins_naming_nothing_installed_is_reported(two_dists, monkeypatch):
    monkeypatch.setenv("MINIGRAD_LOAD_PLUGINS", "alpha,no-such-dist")
    assert "alpha-cell" in pm.cells()
    [error] = pm.plugin_errors()
    assert error.plugin == "no-such-dist" and "MINIGRAD_LOAD_PLUGINS" in error.error


def test_disable_plugins_blocks_by_distribution_or_plugin_name(two_dists, monkeypatch):
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", "alpha_pkg,fake_builtin")
    assert "beta-cell" in pm.cells()
    assert not {"alpha-cell", "builtin-cell"} & set(pm.cells())
    assert status("alpha") == "disabled" and status("fake_builtin") == "disabled"
    assert "fake_alpha" not in sys.modules


def test_the_environment_is_read_when_the_registry_is_built(two_dists, monkeypatch):
    assert "alpha-cell" in pm.cells()
    monkeypatch.setenv("MINIGRAD_DISABLE_PLUGINS", "alpha")
    assert "alpha-cell" in pm.cells()
    pm.reset()
    assert "alpha-cell" not in pm.cells()


def test_a_name_registered_twice_is_never_silent(site):
    site.cell_module("fake_one", "mgu", description="from one")
    site.cell_module("fake_two", "mgu", description="from two")
    site.cell_module("fake_three", "other", aliases=("mgu",))
    site.dist("onepkg", "1.0", {"one": "fake_one"})
    site.dist("twopkg", "2.0", {"two": "fake_two", "three": "fake_three"})

    listed = pm.cells()
    assert {"one/mgu", "two/mgu", "other"} <= set(listed) and "mgu" not in listed
    assert pm.get_cell("one/mgu").description == "from one"
    assert pm.get_cell("two/mgu").description == "from two"
    with pytest.raises(pm.AmbiguousNameError) as caught:
        pm.get_cell("mgu")
    message = str(caught.value)
    assert "'one/mgu' (from onepkg)" in message and "'two/mgu' (from twopkg)" in message
    assert "'three/other'" in message  # the alias claims the name too
    assert isinstance(caught.value, ValueError)
    assert pm.plugin_errors() == []


def test_wrappers_derive_a_cell_for_every_cell_third_party_included(site, monkeypatch):
    site.module("fake_bidirectional", WRAPPER)
    site.cell_module("fake_builtin_lstm", "lstm", description="long short-term memory")
    monkeypatch.setattr(pm, "BUILTIN_PLUGINS", ("fake_builtin_lstm", "fake_bidirectional"))
    site.cell_module("fake_mgu", "mgu", description="minimal gated unit", aliases=("mgu1",))
    site.dist("fakepkg", "1.0", {"fake": "fake_mgu"})

    assert set(pm.wrappers()) == {"bi"}
    assert {"lstm", "bi-lstm", "mgu", "bi-mgu"} <= set(pm.cells())
    derived = pm.cells()["bi-mgu"]
    wrapped = sys.modules["fake_bidirectional"].Wrapped
    assert isinstance(derived.factory, wrapped)
    assert derived.factory.cell_factory is pm.get_cell("mgu").factory
    assert (derived.plugin, derived.distribution) == ("fake_bidirectional", "minigrad")
    assert "minimal gated unit" in derived.description and "both directions" in derived.description
    assert derived.derived_from == ("fake_bidirectional/bi", "fake/mgu")
    assert pm.get_cell("bi-mgu1") is derived and pm.get_cell("bi-fake/mgu") is derived
    assert pm.get_wrapper("bi").factory is wrapped


def test_a_wrapped_duplicate_is_reachable_by_the_qualified_cell(site, monkeypatch):
    site.module("fake_bidirectional", WRAPPER)
    monkeypatch.setattr(pm, "BUILTIN_PLUGINS", ("fake_bidirectional",))
    site.cell_module("fake_one", "mgu")
    site.cell_module("fake_two", "mgu")
    site.dist("duopkg", "1.0", {"one": "fake_one", "two": "fake_two"})
    assert {"bi-one/mgu", "bi-two/mgu"} <= set(pm.cells())
    assert pm.get_cell("bi-two/mgu").factory.cell_factory is pm.get_cell("two/mgu").factory
    with pytest.raises(pm.AmbiguousNameError, match="bi-one/mgu.*bi-two/mgu"):
        pm.get_cell("bi-mgu")


def test_a_wrapper_failing_on_one_cell_is_recorded(site, monkeypatch):
    site.module("fake_picky", """
        from minigrad.plugin_manager import hookimpl

        def wrap(cell_factory):
            if cell_factory is dict:
                raise TypeError("cannot wrap dict")
            return ("wrapped", cell_factory)

        @hookimpl
        def minigrad_register_wrappers(register):
            register("picky", wrap)

        @hookimpl
        def minigrad_register_cells(register):
            register("plain", dict)
            register("fine", list)
    """)
    site.dist("pickypkg", "3.0", {"picky": "fake_picky"})
    assert pm.get_cell("picky-fine").factory == ("wrapped", list)
    assert "picky-plain" not in pm.cells()
    [error] = pm.plugin_errors()
    assert error.stage == "wrap cell 'picky/plain'" and "cannot wrap dict" in error.error


def test_unknown_names_list_the_valid_ones_and_suggest_a_close_match(site):
    site.cell_module("fake_mgu", "mgu")
    site.cell_module("fake_lstm", "lstm")
    site.dist("fakepkg", "1.0", {"mgu": "fake_mgu", "lstm": "fake_lstm"})
    with pytest.raises(pm.UnknownNameError) as caught:
        pm.get_cell("lstn")
    message = str(caught.value)
    assert "unknown cell 'lstn'" in message and "did you mean 'lstm'?" in message
    assert message.endswith("Valid cells: lstm, mgu")
    with pytest.raises(ValueError, match="did you mean 'mgu'"):
        pm.get_cell("MGU")
    with pytest.raises(pm.UnknownNameError, match="Valid tasks: none registered"):
        pm.get_task("copy")
    with pytest.raises(pm.UnknownNameError, match="unknown wrapper 'bi'"):
        pm.get_wrapper("bi")
    with pytest.raises(TypeError):
        pm.get_cell(None)


def test_two_plugins_with_the_same_entry_point_name(site):
    site.cell_module("fake_first", "first")
    site.cell_module("fake_second", "second")
    site.dist("firstpkg", "1.0", {"same": "fake_first"})
    site.dist("secondpkg", "1.0", {"same": "fake_second"})
    assert "first" in pm.cells() and "second" not in pm.cells()
    [error] = pm.plugin_errors()
    assert error.distribution == "secondpkg" and "already named 'same'" in error.error


def test_using_the_registry_while_plugins_load_is_an_error_not_a_deadlock(site):
    site.module("fake_eager", """
        import minigrad.plugin_manager
        minigrad.plugin_manager.cells()
    """)
    site.cell_module("fake_good", "good")
    site.dist("eagerpkg", "1.0", {"eager": "fake_eager", "good": "fake_good"})
    assert "good" in pm.cells()
    [error] = pm.plugin_errors()
    assert error.plugin == "eager" and "while plugins were loading" in error.error


def test_importing_minigrad_loads_no_plugin(site):
    site.cell_module("fake_lazy", "lazy")
    site.dist("lazypkg", "1.0", {"lazy": "fake_lazy"})
    script = textwrap.dedent("""
        import importlib.metadata, json, sys
        scans = []
        for name in ("distributions", "entry_points"):
            real = getattr(importlib.metadata, name)
            def spy(*args, _real=real, _name=name, **kwargs):
                scans.append(_name)
                return _real(*args, **kwargs)
            setattr(importlib.metadata, name, spy)
        import minigrad, minigrad.plugin_manager, minigrad.hookspecs
        before = sorted(m for m in sys.modules if m.startswith(("minigrad.plugins", "fake")))
        before_scans = list(scans)
        minigrad.plugin_manager.BUILTIN_PLUGINS = ()
        cells = sorted(minigrad.plugin_manager.cells())
        after = sorted(m for m in sys.modules if m.startswith("fake"))
        print(json.dumps([before, before_scans, cells, after, bool(scans)]))
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site.root), *sys.path]))
    env.pop("MINIGRAD_LOAD_PLUGINS", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    before, before_scans, cells, after, scanned = json.loads(done.stdout)
    assert before == [] and before_scans == []
    assert "lazy" in cells and after == ["fake_lazy"] and scanned  # the spies do see a scan


def test_the_real_builtins_load_cleanly(monkeypatch):
    if any(importlib.util.find_spec(module) is None for module in REAL_BUILTINS):
        pytest.skip("the built-in plugins are not all written yet")
    monkeypatch.setattr(pm, "BUILTIN_PLUGINS", REAL_BUILTINS)
    monkeypatch.setenv("MINIGRAD_LOAD_PLUGINS", "")
    assert [e for e in pm.plugin_errors() if e.distribution == "minigrad"] == []
    assert {"rnn", "gru", "lstm", "peephole-lstm", "bi-lstm"} <= set(pm.cells())
    assert "bi" in pm.wrappers()


def test_the_public_names_stay_importable_from_the_plugin_manager():
    """Name resolution lives in plugin_names; callers keep importing from here."""
    from minigrad import plugin_names
    for name in ("Spec", "UnknownNameError", "AmbiguousNameError"):
        assert getattr(pm, name) is getattr(plugin_names, name)
    for name in ("PROJECT", "ENTRY_POINT_GROUP", "hookimpl", "BUILTIN_PLUGINS",
                 "ESSENTIAL_PLUGINS", "HOOKS", "KINDS", "PluginError", "PluginInfo",
                 "EssentialPluginError", "Registry", "registry", "reset", "cells",
                 "wrappers", "tasks", "get_cell", "get_wrapper", "get_task",
                 "plugin_errors", "plugins"):
        assert hasattr(pm, name), name


def test_names_resolve_without_any_plugin_loaded():
    """plugin_names works on Specs alone: no import of a plugin, no environment."""
    from minigrad.plugin_names import NameIndex, Spec, UnknownNameError
    one = Spec("mgu", dict, "", "one", "onepkg", "cell", aliases=("m",))
    two = Spec("mgu", list, "", "two", "twopkg", "cell")
    index = NameIndex("cell", [one, two])
    assert index.get("m") is one and index.get("two/mgu") is two
    assert list(index.listing) == ["one/mgu", "two/mgu"]
    with pytest.raises(UnknownNameError, match="did you mean 'm'"):
        index.get("M")
