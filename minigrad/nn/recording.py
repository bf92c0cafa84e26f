"""Recording what cells expose: their gates and states, step by step.

A cell names the values worth looking at inside its ``forward``::

    f = self.expose("f", f.sigmoid())       # returns f; records it only while recording

``expose`` costs one test of a module-level counter when nothing records. While a
recorder is active — ``with minigrad.nn.inspect_cells() as record:`` for every cell, or
``with cell.recording() as record:`` for one — each exposed value is copied (detached,
as a NumPy array of (batch, ...)) into the record, and every cell runs its plain
per-step ``forward`` (the fused and per-step fast paths skip ``forward``, so they are off
inside the block, as in ``per_step_graph()``; the numbers are the same).

``record[cell]`` (``inspect_cells``) or ``record`` itself (``cell.recording()``) maps each
exposed name to the list of its values, one per step, in the order the cell ran (a
cell reading backwards in time, the reverse direction of a bidirectional layer, starts
at the last step); ``record[cell].stacked("f")`` is one array (steps, batch, ...).
"""
import contextlib

from .. import backend

_active = []  # the recorders now open, innermost last


def recording_wanted():
    """Whether some recorder is open (so ``forward`` must run, not a fast path)."""
    return bool(_active)


class CellValues(dict):
    """name -> list of arrays, one per step, for one cell."""

    def stacked(self, name):
        """The values of ``name`` as one array (steps, batch, ...)."""
        import numpy
        if name not in self:
            exposed = ", ".join(self) or "nothing"
            raise KeyError(f"the cell exposed no value {name!r}; it exposed {exposed}")
        return numpy.stack(self[name])


class Record:
    """What the cells exposed inside one ``inspect_cells()`` block, by cell."""

    def __init__(self, only=None):
        self._only = only
        self._cells = {}  # id(cell) -> (cell, CellValues)

    def note(self, cell, name, value):
        if self._only is not None and cell is not self._only:
            return
        array = getattr(value, "array", value)
        self.values_for(cell).setdefault(name, []).append(backend.to_numpy(array).copy())

    def values_for(self, cell):
        """The ``CellValues`` of ``cell``, made (empty) if it exposed nothing yet."""
        entry = self._cells.get(id(cell))
        if entry is None:
            entry = self._cells[id(cell)] = (cell, CellValues())
        return entry[1]

    def cells(self):
        """The cells that exposed something, in the order they first did."""
        return [cell for cell, _ in self._cells.values()]

    def __getitem__(self, cell):
        entry = self._cells.get(id(cell))
        return entry[1] if entry is not None else CellValues()

    def __contains__(self, cell):
        return id(cell) in self._cells

    def __len__(self):
        return len(self._cells)


@contextlib.contextmanager
def inspect_cells(only=None):
    """Record what every cell (or the cell ``only``) exposes inside the block; yields the
    ``Record``."""
    record = Record(only)
    _active.append(record)
    try:
        yield record
    finally:
        _active.remove(record)


@contextlib.contextmanager
def record_cell(cell):
    """``cell.recording()``: an ``inspect_cells`` block for ``cell`` alone, yielding its
    ``CellValues`` (name -> list of arrays, one per step)."""
    with inspect_cells(only=cell) as record:
        yield record.values_for(cell)


def note(cell, name, value):
    for record in _active:
        record.note(cell, name, value)
