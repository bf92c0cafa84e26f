"""Initialisation schemes: named ways to start a cell's weights, declared by each cell.

A cell lists the schemes it supports in ``init_schemes`` and names its own choice in
``recommended_init``; ``init="auto"`` gives every cell of a comparison its own choice.
The schemes minigrad knows by name:

* ``default``: what the cell's constructor drew (for the built-ins, PyTorch's
  U(-1/√H, 1/√H));
* ``orthogonal``: each gate's H×H block of the recurrent matrix orthogonal (Saxe et
  al. 2014), so W_hh neither shrinks nor grows h;
* ``identity``: each recurrent block the identity and every bias 0, the IRNN of Le,
  Jaitly & Hinton (2015);
* ``chrono``: gate biases drawn from the longest delay T the task asks for (Tallec &
  Ollivier 2018); the LSTM's b_f = log U(1, T - 1), b_i = -b_f;
* ``forget-bias``: the forget-gate bias set to a constant, 1.0 by default (Gers et al.
  2000; Jozefowicz et al. 2015).

``orthogonal`` and ``identity`` work on any cell that says which of its parameters are
recurrent matrices (``RecurrentCell.recurrent_weights``); the gate-bias schemes belong
to the cells whose gates they know, which apply them in ``init_weights``. A cell may
declare a scheme of its own under a new name and apply it there too.
"""
from dataclasses import dataclass
from typing import Optional

from .. import creation, grad_mode

#: The schemes known by name, and one line on each (``minigrad cells`` shows them).
SCHEMES = {
    "default": "as the cell's constructor draws them (PyTorch's U(-1/√H, 1/√H))",
    "orthogonal": "each gate's recurrent block orthogonal (Saxe et al. 2014)",
    "identity": "recurrent blocks = I, biases 0: the IRNN (Le et al. 2015)",
    "chrono": "gate biases from the longest delay T (Tallec & Ollivier 2018)",
    "forget-bias": "forget-gate bias constant, 1.0 unless told (Jozefowicz et al. 2015)",
}
AUTO = "auto"  # each cell's own recommended scheme


@dataclass(frozen=True)
class InitContext:
    """What a scheme may need to know beyond the cell: ``max_delay``, the longest delay
    the task asks the network to remember (chrono's T), and ``forget_bias``, the value
    of the forget-bias scheme."""
    max_delay: Optional[int] = None
    forget_bias: float = 1.0


def set_recurrent_blocks(cell, fill):
    """Apply ``fill`` (``init.orthogonal_`` or ``init.eye_``) to each H×H block of every
    matrix in ``cell.recurrent_weights()``: one block per gate stacked on the rows."""
    matrices = tuple(cell.recurrent_weights())
    if not matrices:
        raise NotImplementedError(f"{type(cell).__name__} names no recurrent matrix (its "
                                  f"recurrent_weights() is empty), so this scheme can't "
                                  f"find what to set")
    H = cell.hidden_size
    for weight in matrices:
        if weight.ndim != 2 or weight.shape[1] != H or weight.shape[0] % H:
            raise ValueError(f"{type(cell).__name__}.recurrent_weights() gave a matrix of "
                             f"shape {weight.shape}; each must stack (H, H) blocks, "
                             f"H = {H}")
        for block in range(weight.shape[0] // H):
            square = fill(creation.zeros(H, H, dtype=weight.dtype))
            with grad_mode.no_grad():
                weight[block * H:(block + 1) * H] = square.to(weight.device)
