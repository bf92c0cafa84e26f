"""Resolving names: what ``get_cell("lstm")`` reaches, and what it says when nothing does.

Finding and loading plugins is ``plugin_manager``'s job; it hands this module the Specs
that the plugins registered, and this module turns them into one ``NameIndex`` per kind
(cell, wrapper, task). Nothing here imports a plugin or reads the environment.

The rules:

* a name is letters, digits, ``-``, ``_`` and ``.``, starting with a letter or digit (no
  ``/``: that separates a plugin from its name);
* a bare name (``lstm``) works while one plugin claims it, as a name or an alias;
* ``<plugin>/<name>`` always works; when several plugins claim a bare name, the bare name
  fails with ``AmbiguousNameError`` naming them all, and the listing shows each
  qualified;
* a wrapper applied to a cell is named ``<wrapper>-<cell>``; when that is ambiguous,
  ``<wrapper>-<plugin>/<cell>`` names the one wrapping that cell;
* an unknown name fails with ``UnknownNameError``, listing the valid names and
  suggesting the closest ones.
"""
import difflib
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

#: A valid name or alias, as given to ``register``.
VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


@dataclass(frozen=True)
class Spec:
    """One registered cell, wrapper or task.

    ``qualified`` is the name that always reaches it, ``<plugin>/<name>`` unless it is a
    wrapped cell; ``derived_from`` is ``(wrapper, cell)`` qualified names for those."""
    name: str
    factory: Any
    description: str
    plugin: str
    distribution: str
    kind: str
    version: Optional[str] = None
    aliases: Tuple[str, ...] = ()
    qualified: str = ""
    derived_from: Optional[Tuple[str, str]] = None

    def __post_init__(self):
        if not self.qualified:
            object.__setattr__(self, "qualified", f"{self.plugin}/{self.name}")


class UnknownNameError(ValueError):
    """No cell, wrapper or task has this name. The message lists the valid names."""


class AmbiguousNameError(UnknownNameError):
    """Several plugins registered this name; the message lists the qualified names."""


def wrapper_prefix(wrapper, wrappers):
    """What names the cells that ``wrapper`` derives: its name, or its qualified name
    when another of ``wrappers`` has the same name."""
    same = [w for w in wrappers if w.name == wrapper.name]
    return wrapper.name if len(same) == 1 else wrapper.qualified


def wrapped_cell_spec(wrapper, cell, factory, prefix):
    """The Spec of ``cell`` wrapped by ``wrapper`` (``factory`` is what the wrapper made
    of it): named ``<wrapper>-<cell>``, with an alias for every pair of their names and
    aliases, and reachable as ``<prefix>-<plugin>/<cell>``. It belongs to the wrapper's
    plugin."""
    return Spec(
        name=f"{wrapper.name}-{cell.name}",
        factory=factory,
        description=(f"{cell.description or cell.name} "
                     f"[{wrapper.name}: {wrapper.description or wrapper.name}]"),
        plugin=wrapper.plugin,
        distribution=wrapper.distribution,
        kind="cell",
        version=wrapper.version,
        aliases=tuple(f"{w}-{c}" for w in (wrapper.name, *wrapper.aliases)
                      for c in (cell.name, *cell.aliases))[1:],
        qualified=f"{prefix}-{cell.qualified}",
        derived_from=(wrapper.qualified, cell.qualified))


def suggest(name, choices):
    """The closest choices to ``name``, ignoring case."""
    by_lower = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), choice)
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    return [by_lower[c] for c in close]


class NameIndex:
    """The names of one kind (cells, wrappers or tasks) and what each reaches."""

    def __init__(self, kind, specs, note=""):
        self.kind = kind
        self.note = note  # said after "unknown name" errors: which plugins failed
        claims: Dict[str, List[Spec]] = {}
        for spec in specs:
            for name in (spec.name, *spec.aliases):
                claims.setdefault(name, []).append(spec)
        self.ambiguous = {n: owners for n, owners in claims.items() if len(owners) > 1}
        self.listing = {}  # what cells() shows: bare names where unique, else qualified
        self.lookup = {}   # everything that resolves: listing, qualified names, aliases
        for spec in specs:
            unique = spec.name not in self.ambiguous
            self.listing[spec.name if unique else spec.qualified] = spec
            self.lookup[spec.qualified] = spec
        for name, owners in claims.items():
            if len(owners) == 1:
                self.lookup[name] = owners[0]
        self.listing = dict(sorted(self.listing.items()))

    def get(self, name):
        if not isinstance(name, str):
            raise TypeError(f"a {self.kind} name must be a str, got {name!r}")
        if name in self.lookup:
            return self.lookup[name]
        if name in self.ambiguous:
            owners = ", ".join(
                f"{s.qualified!r} (from {s.distribution})" for s in self.ambiguous[name])
            raise AmbiguousNameError(
                f"{self.kind} name {name!r} is registered by more than one plugin; "
                f"use one of {owners}")
        valid = ", ".join(self.listing) or "none registered"
        message = f"unknown {self.kind} {name!r}"
        close = suggest(name, list(self.lookup) + list(self.ambiguous))
        if close:
            message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
        else:
            message += "."
        message += f" Valid {self.kind}s: {valid}"
        raise UnknownNameError(message + self.note)
