"""The ``bi`` wrapper: ``bi-<cell>`` runs one copy of the cell forward in time and one on
the reversed sequence, and concatenates their outputs at each step (Schuster & Paliwal
1997). It exists for every registered cell, third-party ones included: ``Bidirectional``
is an ordinary wrapper, ``wrap(factory) -> factory``.
"""
from minigrad import hookimpl
from minigrad.nn import Bidirectional


@hookimpl
def minigrad_register_wrappers(register):
    register("bi", Bidirectional,
             description="forward and backward in time, outputs concatenated")
