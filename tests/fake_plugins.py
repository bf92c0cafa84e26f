"""A cell plugin made up for one test, loaded the way the plugin manager loads any
built-in (the fixtures ``nan_plugin`` and ``leaky_plugin`` use it)."""
import minigrad
from minigrad import plugin_manager as pm


def plugin_with_cell(monkeypatch, name, factory, description):
    """Load, for one test, a plugin module that registers the cell ``name`` (as the
    plugin manager loads any built-in); a generator for a fixture to ``yield from``."""
    import sys
    import types

    module = types.ModuleType(f"fake_{name.replace('-', '_')}_plugin")

    @minigrad.hookimpl
    def minigrad_register_cells(register):
        register(name, factory, description=description)

    module.minigrad_register_cells = minigrad_register_cells
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(pm, "BUILTIN_PLUGINS", pm.BUILTIN_PLUGINS + (module.__name__,))
    pm.reset()
    yield
    monkeypatch.undo()
    pm.reset()
