"""Finding and loading plugins: the registry of cells, wrappers and tasks.

What lives where: this module finds the plugins, loads them, records the ones that fail,
and offers the public functions (``cells()``, ``get_cell(...)``, ``plugins()``, ...);
``plugin_names`` resolves names once the plugins are loaded (``Spec``, bare, qualified
and aliased names, ``UnknownNameError``, ``AmbiguousNameError``). Both sets of names
are importable from here.

Plugins come from two places, and both go through the same hooks (see ``hookspecs``):

* the built-ins, imported by module name from ``BUILTIN_PLUGINS`` (as pytest does with
  its default plugins); their plugin name is the module's last component and their
  distribution is ``minigrad``;
* third parties, found through the entry-point group ``minigrad``; their plugin name is
  the entry point's name, with the distribution and version that declare it.

Nothing is imported until the registry is first used (``cells()``, ``get_cell(...)``,
...). Then each plugin is imported, registered with pluggy, checked and called on its
own, so one that fails is recorded in ``plugin_errors()`` and every other keeps working.
A plugin either registers everything it asked for or nothing.

Environment, read when the registry is built (``reset()`` rebuilds it):

* ``MINIGRAD_STRICT_PLUGINS=1``: re-raise the first failure instead of recording it;
* ``MINIGRAD_LOAD_PLUGINS=a,b``: load only these third-party distributions (or entry
  point names); set but empty, none. The built-ins are always loaded;
* ``MINIGRAD_DISABLE_PLUGINS=a,b``: skip these plugins, by plugin or distribution name
  (built-ins included, e.g. ``peephole_lstm``), except the essential ones.

The essential plugins (``ESSENTIAL_PLUGINS``: rnn, gru, lstm) are the built-ins that
``minigrad.nn.RNN/GRU/LSTM`` and their cells stand on. As pytest does with its own, they
can't be disabled: MINIGRAD_DISABLE_PLUGINS naming one (by plugin name, module, or the
distribution ``minigrad``) leaves it loaded, with a UserWarning and a note in its
PluginInfo. One that fails to import or register is a broken installation, not a plugin
to do without: ``EssentialPluginError`` is raised at once, strict mode or not.
"""
import difflib
import importlib
import inspect
import os
import re
import threading
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import pluggy

from . import hookspecs
# Spec and the name errors live in plugin_names; they are importable from here too.
from .plugin_names import (VALID_NAME, AmbiguousNameError, NameIndex, Spec,  # noqa: F401
                           UnknownNameError, wrapped_cell_spec, wrapper_prefix)

PROJECT = "minigrad"
ENTRY_POINT_GROUP = "minigrad"

hookimpl = pluggy.HookimplMarker(PROJECT)

#: Modules of the built-in plugins, loaded in this order. Tests may replace the tuple
#: (then call ``reset()``); a missing module is recorded as an error, like any other.
BUILTIN_PLUGINS = (
    "minigrad.plugins.rnn",
    "minigrad.plugins.gru",
    "minigrad.plugins.gru_simple",
    "minigrad.plugins.lstm",
    "minigrad.plugins.peephole_lstm",
    "minigrad.plugins.bidirectional",
    "minigrad.plugins.tasks",
)

#: The built-ins that minigrad.nn's torch-named layers and cells stand on (plugin name ->
#: what stands on it). Without one, ``minigrad.nn.LSTM(3, 4)`` would fail with "unknown
#: cell", so they are kept as pytest keeps its essential plugins: MINIGRAD_DISABLE_PLUGINS
#: can't switch them off, and one that fails to load raises instead of being recorded.
#: Enforced only for those in BUILTIN_PLUGINS, so tests can replace the built-ins.
ESSENTIAL_PLUGINS = {
    "rnn": "minigrad.nn.RNN and RNNCell",
    "gru": "minigrad.nn.GRU and GRUCell",
    "lstm": "minigrad.nn.LSTM and LSTMCell",
}

#: Each hook and the kind of thing it registers.
HOOKS = {
    "minigrad_register_cells": "cell",
    "minigrad_register_wrappers": "wrapper",
    "minigrad_register_tasks": "task",
}
KINDS = tuple(HOOKS.values())

@dataclass(frozen=True)
class PluginError:
    """A plugin that failed, and where: ``stage`` is ``import``, ``register``,
    ``check hooks``, the hook it was calling, or ``wrap <cell>``."""
    plugin: str
    distribution: str
    version: Optional[str]
    stage: str
    error: str
    traceback: str = ""

    def __str__(self):
        version = f" {self.version}" if self.version else ""
        return (f"plugin {self.plugin!r} ({self.distribution}{version}) failed at "
                f"{self.stage}: {self.error}")


@dataclass(frozen=True)
class PluginInfo:
    """A plugin found at start-up: ``status`` is ``loaded``, ``failed``, ``disabled``
    (by MINIGRAD_DISABLE_PLUGINS) or ``skipped`` (not in MINIGRAD_LOAD_PLUGINS).

    ``essential`` marks the built-ins in ESSENTIAL_PLUGINS; ``note`` says why one that
    MINIGRAD_DISABLE_PLUGINS names is loaded all the same."""
    name: str
    distribution: str
    version: Optional[str]
    source: str  # the module, or the entry point's value
    builtin: bool
    status: str
    hooks: Tuple[str, ...] = ()
    error: Optional[str] = None
    essential: bool = False
    note: Optional[str] = None


class EssentialPluginError(RuntimeError):
    """An essential built-in plugin failed to import or register: minigrad is broken."""


@dataclass(frozen=True)
class _Candidate:
    """A plugin to load: who it is, and how to get the object to register."""
    name: str
    distribution: str
    version: Optional[str]
    source: str
    builtin: bool
    load: Callable[[], Any]
    essential: bool = False


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, also taking unmarked ``minigrad_*`` functions as hooks (as pytest
    does with ``pytest_*``), so a forgotten ``@hookimpl`` or a typo is never ignored."""

    def parse_hookimpl_opts(self, plugin, name):
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith(PROJECT + "_"):
            if inspect.isroutine(getattr(plugin, name, None)):
                return {}
        return opts


def _normalize(name):
    """Distribution names compare as PEP 503 does: case and runs of -_. don't matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _env_names(environ, variable):
    """``a, B_c`` -> {"a": "a", "b-c": "B_c"}: each name normalized, mapped to how it was
    written, in order; None where the variable is unset."""
    value = environ.get(variable)
    if value is None:
        return None
    names = {}
    for part in value.split(","):
        if part.strip():
            names.setdefault(_normalize(part.strip()), part.strip())
    return names


def _env_flag(environ, variable):
    return environ.get(variable, "").strip().lower() in ("1", "true", "yes", "on")


def _describe(exc):
    return f"{type(exc).__name__}: {exc}"


class Registry:
    """Every plugin's cells, wrappers and tasks, with the plugins that failed.

    ``Registry(...).load()`` does the work; the module keeps one, built on first use."""

    def __init__(self, builtins=BUILTIN_PLUGINS, group=ENTRY_POINT_GROUP, environ=None):
        self.builtins = tuple(builtins)
        self.group = group
        environ = os.environ if environ is None else environ
        self.strict = _env_flag(environ, "MINIGRAD_STRICT_PLUGINS")
        only = _env_names(environ, "MINIGRAD_LOAD_PLUGINS")
        self.only = None if only is None else set(only)
        self.disabled_as_written = _env_names(environ, "MINIGRAD_DISABLE_PLUGINS") or {}
        self.disabled = set(self.disabled_as_written)
        self.notes: Dict[str, str] = {}  # essential plugin -> why it is loaded all the same
        self.pm = _PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.errors: List[PluginError] = []
        self.plugins: List[PluginInfo] = []
        self.specs: Dict[str, List[Spec]] = {kind: [] for kind in KINDS}
        self.indexes: Dict[str, NameIndex] = {}

    # -- finding ---------------------------------------------------------------------

    def _builtin_candidates(self):
        from . import __version__
        for module in self.builtins:
            name = module.rpartition(".")[2]
            yield _Candidate(name, PROJECT, __version__, module, True,
                             lambda module=module: importlib.import_module(module),
                             essential=name in ESSENTIAL_PLUGINS)

    def _entry_point_candidates(self):
        """Entry points of the group, one distribution per name (the first on sys.path)."""
        import importlib.metadata
        seen, found = set(), []
        for dist in importlib.metadata.distributions():
            dist_name = dist.metadata["Name"]
            if not dist_name or _normalize(dist_name) in seen:
                continue
            seen.add(_normalize(dist_name))
            for ep in dist.entry_points:
                if ep.group == self.group:
                    found.append(_Candidate(ep.name, dist_name, dist.version, ep.value,
                                            False, ep.load))
        return sorted(found, key=lambda c: (_normalize(c.distribution), c.name))

    @staticmethod
    def _names(candidate):
        """The normalized names that MINIGRAD_*_PLUGINS may call a candidate by."""
        names = {_normalize(candidate.name), _normalize(candidate.distribution)}
        if candidate.builtin:
            names.add(_normalize(candidate.source))
        return names

    def _status(self, candidate):
        names = self._names(candidate)
        if names & self.disabled and not candidate.essential:
            return "disabled"
        if not candidate.builtin and self.only is not None and not names & self.only:
            return "skipped"
        return None

    # -- loading ---------------------------------------------------------------------

    def load(self):
        """Find, load and index every plugin; returns self."""
        third_party = self._entry_point_candidates()
        candidates = [*self._builtin_candidates(), *third_party]
        self._refuse_to_disable_essentials(candidates)
        for candidate in candidates:
            status = self._status(candidate)
            if status:
                self._add_info(candidate, status)
            else:
                self._load_plugin(candidate)
        self._check_load_list(third_party)
        self._derive_wrapped_cells()
        failed = sorted({e.plugin for e in self.errors})
        note = (f" ({len(failed)} plugin(s) failed to load: {', '.join(failed)}; see "
                f"minigrad.plugin_errors())") if failed else ""
        self.indexes = {kind: NameIndex(kind, specs, note) for kind, specs in self.specs.items()}
        return self

    def _refuse_to_disable_essentials(self, candidates):
        """Warn, once per name, where MINIGRAD_DISABLE_PLUGINS names essential plugins:
        they stay loaded (the other plugins a name matches are disabled as usual)."""
        essentials = ", ".join(ESSENTIAL_PLUGINS)
        for name, written in self.disabled_as_written.items():
            matched = [c for c in candidates if name in self._names(c)]
            kept = [c.name for c in matched if c.essential]
            if not kept:
                continue
            stand = ", ".join(ESSENTIAL_PLUGINS[k] for k in kept)
            if len(kept) == 1:
                message = (f"MINIGRAD_DISABLE_PLUGINS names {written!r}, an essential plugin "
                           f"({stand} stand on it); it stays loaded.")
            else:
                message = (f"MINIGRAD_DISABLE_PLUGINS names {written!r}, which includes the "
                           f"essential plugins {', '.join(kept)} ({stand} stand on them); "
                           f"they stay loaded.")
            others = [c.name for c in matched if not c.essential]
            if others:
                message += f" Disabled: {', '.join(others)}."
            warnings.warn(f"{message} Essential plugins: {essentials}", UserWarning)
            for plugin in kept:
                self.notes.setdefault(plugin, f"essential: stays loaded although "
                                              f"MINIGRAD_DISABLE_PLUGINS names {written!r}")

    def _load_plugin(self, candidate):
        """Import, register, check and call one plugin; on failure, record or re-raise."""
        stage, registered = "import", False
        try:
            plugin = candidate.load()
            stage = "register"
            if self.pm.has_plugin(candidate.name):
                raise ValueError(f"another plugin is already named {candidate.name!r}")
            registered = True  # pluggy keeps what it registered before a failure: undo it
            self.pm.register(plugin, name=candidate.name)
            stage = "check hooks"
            self._check_hooks(plugin)
            staged, hooks = [], []
            for hook_name, kind in HOOKS.items():
                for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                    if impl.plugin is plugin:
                        stage = hook_name
                        hooks.append(hook_name)
                        self._call_hook(impl, kind, candidate, staged)
        except Exception as exc:
            if registered and self.pm.has_plugin(candidate.name):
                self.pm.unregister(name=candidate.name)
            self._fail(candidate, stage, exc)
            self._add_info(candidate, "failed", error=_describe(exc))
            return
        for spec in staged:
            self.specs[spec.kind].append(spec)
        self._add_info(candidate, "loaded", hooks=tuple(hooks))

    def _check_hooks(self, plugin):
        """pluggy's ``check_pending``, with the unknown hook named and a fix suggested."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            unknown = [caller.name for caller in self.pm.get_hookcallers(plugin) or []
                       if not caller.has_spec()]
            hints = []
            for name in unknown:
                close = difflib.get_close_matches(name, HOOKS, n=1, cutoff=0.5)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                hints.append(f"unknown hook {name!r}{hint}")
            message = "; ".join(hints) or str(exc)
            raise pluggy.PluginValidationError(
                plugin, f"{message}. Valid hooks: {', '.join(HOOKS)}") from exc

    def _call_hook(self, impl, kind, candidate, staged):
        """Call one hook implementation with a ``register`` bound to its plugin."""
        def register(name, factory, *, description="", aliases=()):
            staged.append(self._make_spec(candidate, kind, name, factory, description,
                                          aliases, staged))

        result = impl.function(**{arg: register for arg in impl.argnames})
        if result is not None:
            raise TypeError(f"{impl.function.__name__} returned {result!r}: hooks call "
                            f"register(name, factory, ...) and return nothing")

    @staticmethod
    def _make_spec(candidate, kind, name, factory, description, aliases, staged):
        """Check one ``register(...)`` call and turn it into a Spec."""
        if isinstance(aliases, str):
            raise TypeError(f"aliases of {kind} {name!r} must be a tuple of names, "
                            f"not the str {aliases!r}")
        aliases = tuple(dict.fromkeys(a for a in aliases if a != name))
        for each in (name, *aliases):
            if not isinstance(each, str) or not VALID_NAME.match(each):
                raise ValueError(f"invalid {kind} name {each!r}: use letters, digits, "
                                 f"'-', '_' and '.', starting with a letter or digit")
        if not callable(factory):
            raise TypeError(f"the factory of {kind} {name!r} must be callable, "
                            f"got {factory!r}")
        if not isinstance(description, str):
            raise TypeError(f"the description of {kind} {name!r} must be a str")
        taken = {n for s in staged if s.kind == kind for n in (s.name, *s.aliases)}
        for each in (name, *aliases):
            if each in taken:
                raise ValueError(f"{kind} name {each!r} is registered twice by this plugin")
        if not description and isinstance(getattr(factory, "__doc__", None), str):
            description = factory.__doc__.strip().partition("\n")[0]
        return Spec(name, factory, description, candidate.name, candidate.distribution,
                    kind, candidate.version, aliases)

    def _fail(self, candidate, stage, exc):
        """Record a failure (re-raise it in strict mode); an essential plugin's raises."""
        if candidate.essential:
            raise EssentialPluginError(
                f"minigrad's essential plugin {candidate.name!r} ({candidate.source}) "
                f"failed at {stage}: {_describe(exc)}. "
                f"{ESSENTIAL_PLUGINS[candidate.name]} stand on it, so this installation "
                f"of minigrad is broken") from exc
        if self.strict:
            raise exc
        self.errors.append(PluginError(
            candidate.name, candidate.distribution, candidate.version, stage,
            _describe(exc),
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))))

    def _add_info(self, candidate, status, hooks=(), error=None):
        note = self.notes.get(candidate.name) if candidate.essential else None
        self.plugins.append(PluginInfo(candidate.name, candidate.distribution,
                                       candidate.version, candidate.source,
                                       candidate.builtin, status, hooks, error,
                                       candidate.essential, note))

    def _check_load_list(self, third_party):
        """A name in MINIGRAD_LOAD_PLUGINS that matches no plugin is an error, not a no-op."""
        known = {_normalize(n) for c in third_party for n in (c.name, c.distribution)}
        for name in sorted((self.only or set()) - known):
            missing = _Candidate(name, name, None, "MINIGRAD_LOAD_PLUGINS", False, None)
            self._fail(missing, "find", LookupError(
                f"MINIGRAD_LOAD_PLUGINS names {name!r}, but no installed distribution "
                f"provides a {self.group!r} entry point by that name"))

    # -- wrapped cells ---------------------------------------------------------------

    def _derive_wrapped_cells(self):
        """Add ``<wrapper>-<cell>`` for every wrapper and every registered cell."""
        wrappers, cells = self.specs["wrapper"], list(self.specs["cell"])
        for wrapper in wrappers:
            prefix = wrapper_prefix(wrapper, wrappers)
            for cell in cells:
                try:
                    factory = wrapper.factory(cell.factory)
                    if factory is None:
                        raise TypeError(f"wrapper {wrapper.name!r} returned None")
                except Exception as exc:
                    source = _Candidate(wrapper.plugin, wrapper.distribution,
                                        wrapper.version, "", False, None)
                    self._fail(source, f"wrap cell {cell.qualified!r}", exc)
                    continue
                self.specs["cell"].append(wrapped_cell_spec(wrapper, cell, factory, prefix))


# -- the module's registry, built on first use ----------------------------------------

_registry: Optional[Registry] = None
_lock = threading.RLock()
_building = False


def registry() -> Registry:
    """The registry, built on first call from ``BUILTIN_PLUGINS``, the installed entry
    points and the environment."""
    global _registry, _building
    if _registry is not None:
        return _registry
    with _lock:
        if _building:
            raise RuntimeError("the plugin registry was used while plugins were loading "
                               "(by a plugin at import?); look names up when they are used")
        if _registry is None:
            _building = True
            try:
                _registry = Registry(BUILTIN_PLUGINS).load()
            finally:
                _building = False
    return _registry


def reset():
    """Forget the registry; the next use rebuilds it (re-reading the environment and
    ``BUILTIN_PLUGINS``). Modules already imported stay imported."""
    global _registry
    with _lock:
        _registry = None


def cells() -> Dict[str, Spec]:
    """Registered cells, wrapped ones included: name -> Spec. A name claimed by several
    plugins appears once per plugin, qualified as ``<plugin>/<name>``."""
    return dict(registry().indexes["cell"].listing)


def wrappers() -> Dict[str, Spec]:
    """Registered cell wrappers: name -> Spec (factory: ``wrap(cell_factory)``)."""
    return dict(registry().indexes["wrapper"].listing)


def tasks() -> Dict[str, Spec]:
    """Registered tasks: name -> Spec (factory: the task class)."""
    return dict(registry().indexes["task"].listing)


def get_cell(name: str) -> Spec:
    """The cell called ``name`` (a name, an alias or ``<plugin>/<name>``); raises
    UnknownNameError, listing the valid names, or AmbiguousNameError."""
    return registry().indexes["cell"].get(name)


def get_wrapper(name: str) -> Spec:
    """The wrapper called ``name``; raises like ``get_cell``."""
    return registry().indexes["wrapper"].get(name)


def get_task(name: str) -> Spec:
    """The task called ``name``; raises like ``get_cell``."""
    return registry().indexes["task"].get(name)


def plugin_errors() -> List[PluginError]:
    """The plugins that failed to import, register or run their hooks, in load order."""
    return list(registry().errors)


def plugins() -> List[PluginInfo]:
    """Every plugin found, loaded or not, built-ins first."""
    return list(registry().plugins)
