"""Whole-sequence ops: a built-in cell's layer of one direction as one graph node.

Unrolled from Tensor ops, a layer records a dozen graph nodes per time step, and
backward multiplies the recurrent weights' gradient in T small products. Here each
cell's whole sequence is one op: the input products of every step hoisted into one
matrix product before the loop, each step's element-wise work done in place in
preallocated buffers, a backward through time written out by hand (the equations are in
each op's docstring), and the weight gradients as one product after the loop.

The cells in ``plugins/`` call these from their ``fused_sequence`` method; their plain
``forward`` stays the reference, and the tests check that both give the same numbers
and gradients. ``Recurrent(..., fused=False)`` or ``with per_step_graph():`` runs the
plain, per-step graph instead (to look at the gradient of every step's state).
"""
import contextlib

from .gru import gru
from .gru_simple import gru_simple
from .lstm import lstm
from .rnn import rnn

__all__ = ["gru", "gru_simple", "lstm", "rnn", "per_step_graph", "per_step_graph_wanted"]

_per_step = 0


@contextlib.contextmanager
def per_step_graph():
    """Inside this block every recurrent layer records its per-step graph (the fused
    ops are off), so each step's state is a tensor of its own in the graph."""
    global _per_step
    _per_step += 1
    try:
        yield
    finally:
        _per_step -= 1


def per_step_graph_wanted():
    return _per_step > 0
