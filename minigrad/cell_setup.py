"""What each cell of a run is told, checked before any training: its declared options
and its initialisation scheme.

``cell_options`` maps option names to values for every cell of the run that declares
them (``{"nonlinearity": "relu"}``), or a cell's name to that cell's own options
(``{"rnn": {"nonlinearity": "relu"}}``); the two forms mix. ``init="auto"`` gives each
cell its own recommended scheme; any other scheme must be declared by every cell.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List

from .nn.init_schemes import AUTO
from .nn.recurrent import factory_name, resolve_cell
from .options import validate_options


class InvalidRunError(ValueError):
    """A run that can't start as asked; ``option`` names the setting that was wrong
    (``"init"``, ``"cell_options"``, ``"device"``, ...), the message says what is allowed."""

    def __init__(self, message, option=None):
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class CellSetup:
    """One cell of a run: its ``name`` (as given), its ``factory``, the ``options`` it
    is built with (checked and converted) and the ``init`` scheme it gets."""
    name: str
    factory: Any
    options: Dict[str, Any] = field(default_factory=dict)
    init: str = "default"

    @property
    def bidirectional(self):
        return getattr(self.factory, "directions", 1) == 2


def declared_options(factory):
    return tuple(getattr(factory, "options", ()))


def declared_inits(factory):
    return tuple(getattr(factory, "init_schemes", ("default",)))


def setup_cells(cells, init=AUTO, cell_options=None) -> List[CellSetup]:
    """A ``CellSetup`` for each cell (a registered name or a factory), or an
    ``InvalidRunError`` (an ``UnknownNameError`` for a name nobody registered)."""
    factories = [(_label(cell), resolve_cell(cell)) for cell in cells]
    per_cell, shared = _split_cell_options(cell_options or {}, factories)
    setups = []
    for label, factory in factories:
        wanted = {k: v for k, v in shared.items()
                  if k in {o.name for o in declared_options(factory)}}
        wanted.update(per_cell.get(label, {}))
        try:
            options = validate_options(declared_options(factory), wanted, f"cell {label!r}")
        except ValueError as error:
            raise InvalidRunError(str(error), option="cell_options") from None
        setups.append(CellSetup(label, factory, options, _choose_init(label, factory, init)))
    _refuse_repeats(setups)
    return setups


def _refuse_repeats(setups):
    """A cell named twice, or two names of one cell with the same options and init: the
    same run twice, and one row of results for two."""
    for k, setup in enumerate(setups):
        for earlier in setups[:k]:
            if earlier.name == setup.name:
                raise InvalidRunError(f"cells names {setup.name!r} twice; each cell is trained "
                                      f"once per seed", option="cells")
            if (earlier.factory is setup.factory and earlier.options == setup.options
                    and earlier.init == setup.init):
                raise InvalidRunError(f"cells names one cell twice: {earlier.name!r} and "
                                      f"{setup.name!r} are the same cell, with the same "
                                      f"options and init; drop one", option="cells")


def _label(cell):
    return cell if isinstance(cell, str) else factory_name(cell)


def _split_cell_options(cell_options, factories):
    """-> (options per cell name, options for every cell that declares them)."""
    if not isinstance(cell_options, dict):
        raise InvalidRunError(f"cell_options must be a dict, got {cell_options!r}",
                              option="cell_options")
    per_cell = {k: v for k, v in cell_options.items() if isinstance(v, dict)}
    shared = {k: v for k, v in cell_options.items() if not isinstance(v, dict)}
    labels = [label for label, _ in factories]
    strangers = sorted(set(per_cell) - set(labels))
    if strangers:
        raise InvalidRunError(f"cell_options names the cell(s) {', '.join(strangers)}, which "
                              f"this run does not train (its cells: {', '.join(labels)})",
                              option="cell_options")
    everywhere = {o.name for _, f in factories for o in declared_options(f)}
    orphans = sorted(set(shared) - everywhere)
    if orphans:
        taken = "; ".join(f"{label} takes {_names(declared_options(f))}"
                          for label, f in factories)
        raise InvalidRunError(f"no cell of this run declares the option(s) "
                              f"{', '.join(orphans)}: {taken}", option="cell_options")
    return per_cell, shared


def _names(options):
    return ", ".join(o.name for o in options) or "no options"


def _choose_init(label, factory, init):
    supported = declared_inits(factory)
    chosen = getattr(factory, "recommended_init", "default") if init == AUTO else init
    if chosen not in supported:
        raise InvalidRunError(f"init {chosen!r} is not supported by the cell {label!r}; it "
                              f"supports {', '.join(supported)} (init 'auto' gives every "
                              f"cell its own recommended scheme)", option="init")
    return chosen
